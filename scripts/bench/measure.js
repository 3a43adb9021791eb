// Runs the seqsync CLI (bin/run.js, which loads dist/) inside this process and, when the process
// exits, writes its resource usage to a JSON file: wall time since Node started, user/system CPU,
// peak RSS. Usage: node scripts/bench/measure.js OUT.json -- <seqsync args...> (test/helpers/run-cli.ts
// `measureFile`). Plain JavaScript on purpose, the one script that is: it runs INSIDE the measured
// process, which must stay plain node; a TypeScript loader there would add its own start-up time,
// thread and memory to the figures.
import {writeFileSync} from 'node:fs'
import {fileURLToPath, pathToFileURL} from 'node:url'

const [node, , outFile, ...rest] = process.argv
if (outFile === undefined) {
  process.stderr.write('usage: node scripts/bench/measure.js OUT.json -- <seqsync args...>\n')
  process.exit(2)
}
const args = rest[0] === '--' ? rest.slice(1) : rest
const runJs = fileURLToPath(new URL('../../bin/run.js', import.meta.url))
process.argv = [node ?? process.execPath, runJs, ...args]

process.on('exit', (code) => {
  const usage = process.resourceUsage()
  writeFileSync(
    outFile,
    JSON.stringify({
      exitCode: code,
      wallMs: Math.round(process.uptime() * 1000),
      userCpuMs: Math.round(usage.userCPUTime / 1000),
      systemCpuMs: Math.round(usage.systemCPUTime / 1000),
      // resourceUsage().maxRSS is in kilobytes.
      maxRssMb: Math.round((usage.maxRSS / 1024) * 10) / 10,
    }),
  )
})

await import(pathToFileURL(runJs).href)
