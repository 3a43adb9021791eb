import {describe, expect, it} from 'vitest'

import {DEFAULT_ENROLL} from '../model/state.js'
import type {BatchableChange} from './plan-batches.js'
import {countBatchCalls, planBatches, unitKey} from './plan-batches.js'

const add = (seq: string, id: string | null, extra: Partial<BatchableChange> = {}): BatchableChange => ({
  kind: 'add',
  sequenceId: seq,
  contactId: id,
  email: id === null ? 'New@Acme.com' : `${id}@acme.com`,
  mailboxId: 'mb1',
  enroll: DEFAULT_ENROLL,
  ...extra,
})
const removal = (kind: 'remove' | 'finish' | 'stop', seq: string, id: string): BatchableChange => ({
  kind,
  sequenceId: seq,
  contactId: id,
  email: null,
})
const create = (email: string): BatchableChange => ({kind: 'create', sequenceId: 's1', contactId: null, email})

describe('planBatches', () => {
  it('orders creates, then removals per (sequence, mode), then adds per sequence and (mailbox, switches)', () => {
    const {batches, unbatchable} = planBatches(
      [
        create('a@x.com'),
        create('A@X.com '), // the same contact: one unit
        create('b@x.com'),
        add('s1', 'c1'),
        add('s1', 'c2', {mailboxId: 'mb2'}),
        add('s1', 'c3'),
        add('s1', null),
        removal('remove', 's1', 'r1'),
        removal('finish', 's1', 'f1'),
        add('s2', 'c1', {enroll: {...DEFAULT_ENROLL, sameCompany: true}}),
        removal('remove', 's2', 'r1'),
        removal('remove', 's2', 'r2'),
        removal('remove', 's2', 'r3'),
      ],
      {batchSize: 2, bulkCreate: 2},
    )
    expect(unbatchable).toEqual([])
    expect(
      batches.map((b) => [
        b.phase,
        'sequenceId' in b ? b.sequenceId : null,
        'kind' in b ? b.kind : 'mailboxId' in b ? b.mailboxId : null,
        b.units.map((u) => u.key),
      ]),
    ).toEqual([
      ['create', null, null, ['new:a@x.com', 'new:b@x.com']],
      ['remove', 's1', 'remove', ['r1']],
      ['remove', 's1', 'finish', ['f1']],
      ['remove', 's2', 'remove', ['r1', 'r2']],
      ['remove', 's2', 'remove', ['r3']],
      ['add', 's1', 'mb1', ['c1', 'c3']],
      ['add', 's1', 'mb1', ['new:new@acme.com']],
      ['add', 's1', 'mb2', ['c2']],
      ['add', 's2', 'mb1', ['c1']],
    ])
    expect(batches[0]?.units[0]?.changes).toHaveLength(2)
    expect(countBatchCalls(batches)).toEqual({
      'contacts/bulk_create': 1,
      'emailer_campaigns/remove_or_stop_contact_ids': 4,
      'emailer_campaigns/add_contact_ids': 4,
    })
  })

  it('lists changes it cannot batch instead of dropping them silently', () => {
    const noMailbox = add('s1', 'c1', {mailboxId: undefined})
    const anonymous: BatchableChange = {kind: 'add', sequenceId: 's1', contactId: null, email: null}
    const {batches, unbatchable} = planBatches([noMailbox, anonymous], {batchSize: 100, bulkCreate: 100})
    expect(batches).toEqual([])
    expect(unbatchable).toEqual([noMailbox, anonymous])
  })

  it('refuses a batch size that is not a positive integer', () => {
    expect(() => planBatches([], {batchSize: 0, bulkCreate: 100})).toThrow(/batchSize/)
    expect(() => planBatches([], {batchSize: 100, bulkCreate: 1.5})).toThrow(/bulkCreate/)
  })

  it('keys a contact by id, else by its normalised email', () => {
    expect(unitKey({contactId: 'c1', email: 'x@y.z'})).toBe('c1')
    expect(unitKey({contactId: null, email: ' X@Y.z'})).toBe('new:x@y.z')
    expect(unitKey({contactId: null, email: null})).toBeNull()
  })
})
