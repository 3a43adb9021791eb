// The applier's only way to touch Apollo: the write port of model/writes.ts. The Apollo client
// (src/apollo/client.ts) implements it; tests pass an in-memory fake (test/helpers/fake-port.ts).

export type {NewContact as PortNewContact, SequencePort} from '../model/writes.js'
