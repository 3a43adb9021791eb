// Profiling aid: generate a case into DIR, serve it from the emulator and wait (Ctrl-C to stop), so a
// plan can be run by hand, e.g. with `node --cpu-prof` or `--max-old-space-size`:
//   npx tsx scripts/bench/serve-case.ts /tmp/case 200 500 &
//   cd /tmp/case && APOLLO_API_KEY=bench-key-not-secret SEQSYNC_API_URL=<printed url> node /path/to/bin/run.js plan --json > /dev/null
import {mkdirSync} from 'node:fs'

import {startEmulator} from '../../src/emulator/server.js'
import {BENCH_API_KEY, generateCase} from './generate.js'
import {writeCase} from './harness.js'

const [dir = '/tmp/seqsync-case', sequences = '200', contacts = '500', drift = '0.1', seed = '20240601'] =
  process.argv.slice(2)
mkdirSync(dir, {recursive: true})
const c = generateCase({
  sequences: Number(sequences),
  contactsPerSequence: Number(contacts),
  drift: Number(drift),
  seed: Number(seed),
})
writeCase(dir, c, {batchSize: 100})
const emulator = await startEmulator({seed: c.seed})
console.log(`case in ${dir}; key ${BENCH_API_KEY}; SEQSYNC_API_URL=${emulator.url}`)
const stop = (): void => void emulator.close().then(() => process.exit(0))
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
