// Config through cosmiconfig, data formats only: a `.js`/`.ts` config would run pull-request code
// in CI while APOLLO_API_KEY is in the environment.
import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {cosmiconfig} from 'cosmiconfig'
import type {Loader} from 'cosmiconfig'
import {isSeq} from 'yaml'
import type {Document, LineCounter, Node} from 'yaml'
import {APOLLO_API_URLS, isApolloApiUrl} from '../apollo/base-url.js'
import {BugError, ConfigError} from '../errors.js'
import type {Issue} from '../errors.js'
import type {SourceRef} from '../model/state.js'
import {sortIssues} from '../manifest/issues.js'
import {parseYaml} from '../manifest/parse-yaml.js'
import type {ParsedYaml} from '../manifest/parse-yaml.js'
import {searchDirectories} from '../manifest/repository-root.js'
import {findSecrets} from '../manifest/secrets.js'
import {findNode, validateAgainstSchema} from '../manifest/validate-schema.js'
import {DEFAULT_SAFETY, configSchema} from './config-schema.js'
import type {ResolvedConfig, SafetyConfig} from './config-schema.js'

export const CONFIG_SEARCH_PLACES = [
  'package.json',
  '.seqsyncrc',
  '.seqsyncrc.json',
  '.seqsyncrc.yaml',
  '.seqsyncrc.yml',
  'seqsync.config.yaml',
  'seqsync.config.yml',
  'seqsync.config.json',
] as const

const CODE_EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts', '.jsx', '.tsx']

function display(file: string, cwd: string): string {
  return path.relative(cwd, file).split(path.sep).join('/') || path.basename(file)
}

function refuseCode(file: string): ConfigError {
  return new ConfigError(
    `refusing to load ${path.basename(file)}: seqsync reads only data config files (YAML or JSON)`,
    [],
    {
      hint: `Use seqsync.config.yaml or .seqsyncrc.json; a code config would run pull-request code while APOLLO_API_KEY is set.`,
    },
  )
}

/** Parses a config file for cosmiconfig; each parse is kept in `parses` (by path) for its validation. */
function yamlLoader(cwd: string, parses: Map<string, ParsedYaml>): Loader {
  return (filepath: string, content: string) => {
    const shown = display(filepath, cwd)
    const parsed = parseYaml(content, shown)
    parses.set(filepath, parsed)
    if (parsed.issues.length > 0) throw new ConfigError(`invalid config file ${shown}`, sortIssues(parsed.issues))
    const [doc, second] = parsed.documents
    if (second) throw new ConfigError(`config file ${shown} must hold a single YAML document`)
    return doc ? (doc.toJS({maxAliasCount: 0}) as unknown) : null
  }
}

function applyDefaults(
  raw: Record<string, unknown>,
  baseDir: string,
  manifestSources: readonly SourceRef[] = [],
): ResolvedConfig {
  const safety = (raw['safety'] ?? {}) as Partial<SafetyConfig>
  return {
    manifests: (raw['manifests'] as string[] | undefined) ?? [],
    manifestSources,
    apiUrl: (raw['apiUrl'] as string | undefined) ?? null,
    batchSize: (raw['batchSize'] as number | undefined) ?? 100,
    concurrency: (raw['concurrency'] as number | undefined) ?? 4,
    safety: {...DEFAULT_SAFETY, ...safety},
    maskEmails: (raw['maskEmails'] as boolean | undefined) ?? false,
    baseDir,
  }
}

/**
 * The key policy at the config boundary: a config file is part of the repository (a pull request
 * controls it), so its `apiUrl` may only name Apollo's own API. Other hosts come from --api-url or
 * SEQSYNC_API_URL, which the person or the workflow running seqsync sets.
 */
function checkApiUrl(
  config: unknown,
  doc: Document,
  lineCounter: LineCounter,
  file: string,
  prefix: readonly string[],
): Issue[] {
  const apiUrl = (config as {apiUrl?: unknown} | null)?.apiUrl
  if (typeof apiUrl !== 'string' || isApolloApiUrl(apiUrl)) return []
  // Only the host is echoed: the rest of a URL can carry credentials.
  const named = URL.canParse(apiUrl) ? `the host ${JSON.stringify(new URL(apiUrl).host)}` : 'a malformed URL'
  const {node} = findNode(doc, [...prefix, 'apiUrl'])
  const pos = lineCounter.linePos(node?.range?.[0] ?? 0)
  return [
    {
      severity: 'error',
      file,
      line: pos.line,
      col: pos.col,
      code: 'api-url-not-apollo',
      message: `apiUrl may only be Apollo's own API (${APOLLO_API_URLS.join(' or ')}), not ${named}: a file in the repository must not decide where the API key is sent. Pass any other URL (the emulator, say) with --api-url or SEQSYNC_API_URL`,
    },
  ]
}

/**
 * Validates the loaded config against its schema (and for secrets), with positions from the parse the
 * loader made of the file; also locates each `manifests` glob, so that a glob matching nothing can be
 * pointed at.
 */
function validateConfigFile(
  filepath: string,
  config: unknown,
  cwd: string,
  parsed: ParsedYaml,
): {issues: Issue[]; manifestSources: SourceRef[]} {
  const shown = display(filepath, cwd)
  const doc = parsed.documents[0]
  if (!doc) return {issues: [], manifestSources: []}
  const prefix = path.basename(filepath) === 'package.json' ? ['seqsync'] : []
  const root = prefix.length > 0 ? findNode(doc, prefix).node : doc.contents
  const issues = findSecrets(root, parsed.lineCounter, shown, 'config files')
  issues.push(...validateAgainstSchema(configSchema, config, doc, parsed.lineCounter, shown, {pathPrefix: prefix}))
  issues.push(...checkApiUrl(config, doc, parsed.lineCounter, shown, prefix))
  const globs = findNode(doc, [...prefix, 'manifests']).node
  const manifestSources = (isSeq(globs) ? globs.items : []).map((item) => {
    const {line, col} = parsed.lineCounter.linePos((item as Node).range?.[0] ?? 0)
    return {file: shown, line, col}
  })
  return {issues, manifestSources}
}

/**
 * cosmiconfig first reads a "meta config" from process.cwd(): `.config/config.*` (code loaders
 * included) or a `cosmiconfig` key in package.json, package.yaml or `.config/config.{json,yaml,yml}`.
 * Its `searchPlaces` would let a repository make seqsync read any file as its config, and a code
 * meta config would run. seqsync uses none: either one is refused, pointing at it.
 */
async function refuseMetaConfig(): Promise<void> {
  const here = process.cwd()
  for (const ext of CODE_EXTENSIONS) {
    const meta = path.join(here, '.config', `config${ext}`)
    if (existsSync(meta)) throw refuseCode(meta)
  }
  const issues: Issue[] = []
  for (const place of [
    'package.json',
    'package.yaml',
    '.config/config.json',
    '.config/config.yaml',
    '.config/config.yml',
  ]) {
    const file = path.join(here, place)
    if (!existsSync(file)) continue
    const parsed = parseYaml(await readFile(file, 'utf8'), place)
    const doc = parsed.documents[0]
    const pair = doc ? findNode(doc, ['cosmiconfig']).pair : null
    if (pair === null) continue
    const pos = parsed.lineCounter.linePos((pair.key as Node).range?.[0] ?? 0)
    issues.push({
      severity: 'error',
      file: place,
      line: pos.line,
      col: pos.col,
      code: 'meta-config',
      message:
        'a "cosmiconfig" meta config would change where seqsync reads its config from; seqsync reads only seqsync.config.*, .seqsyncrc* and package.json#seqsync: remove this key',
    })
  }
  if (issues.length > 0) throw new ConfigError('refusing a cosmiconfig meta config', issues)
}

/**
 * Loads the seqsync config: `configPath` when given, else the first of CONFIG_SEARCH_PLACES in `cwd`
 * or, as git finds `.git`, in its nearest parent up to the directory holding `.git`.
 * Defaults are applied; `file` is the path of the file read (relative to cwd), or null.
 * Throws ConfigError (with every issue, file:line:col) on an invalid or code config.
 */
export async function loadConfig(options: {configPath?: string | undefined; cwd: string}): Promise<{
  config: ResolvedConfig
  file: string | null
}> {
  const {cwd} = options
  await refuseMetaConfig()
  const refusing: Loader = (filepath: string) => {
    throw refuseCode(filepath)
  }
  const loaders: Record<string, Loader> = {}
  for (const ext of CODE_EXTENSIONS) loaders[ext] = refusing
  const parses = new Map<string, ParsedYaml>()
  for (const ext of ['.json', '.yaml', '.yml', 'noExt']) loaders[ext] = yamlLoader(cwd, parses)
  const explorer = cosmiconfig('seqsync', {
    searchPlaces: [...CONFIG_SEARCH_PLACES],
    searchStrategy: 'none',
    loaders,
    cache: false,
    mergeImportArrays: false,
  })
  let result
  if (options.configPath !== undefined) {
    const absolute = path.resolve(cwd, options.configPath)
    if (CODE_EXTENSIONS.includes(path.extname(absolute))) throw refuseCode(absolute)
    if (!existsSync(absolute)) throw new ConfigError(`config file not found: ${options.configPath}`)
    result = await explorer.load(absolute)
  } else {
    for (const dir of searchDirectories(cwd)) {
      result = await explorer.search(dir)
      if (result) break
    }
  }
  if (!result) return {config: applyDefaults({}, cwd), file: null}
  const file = display(result.filepath, cwd)
  const baseDir = path.dirname(result.filepath)
  if (result.isEmpty || result.config === null || result.config === undefined) {
    return {config: applyDefaults({}, baseDir), file}
  }
  const parsed = parses.get(result.filepath)
  // A config with content went through yamlLoader (the code loaders throw).
  if (parsed === undefined) throw new BugError(`config file ${file} was loaded without being parsed`)
  const {issues, manifestSources} = validateConfigFile(result.filepath, result.config, cwd, parsed)
  if (issues.length > 0) throw new ConfigError(`invalid config file ${file}`, sortIssues(issues))
  return {config: applyDefaults(result.config as Record<string, unknown>, baseDir, manifestSources), file}
}
