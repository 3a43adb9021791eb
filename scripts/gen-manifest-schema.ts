// Regenerates schemas/manifest.schema.json from src/manifest/schema.ts: `npx tsx scripts/gen-manifest-schema.ts`.
import {writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {manifestSchema} from '../src/manifest/schema.js'

const target = fileURLToPath(new URL('../schemas/manifest.schema.json', import.meta.url))
writeFileSync(target, JSON.stringify(manifestSchema, null, 2) + '\n')
console.log(`wrote ${target}`)
