// oclif glue shared by every command: global flags, settings (flags > env > config > defaults),
// the API key from the environment only, and error presentation (no stacks, exit codes, redaction).
import {Command, Errors, Flags} from '@oclif/core'
import type {Interfaces} from '@oclif/core'
import {ApiKey} from '../apollo/api-key.js'
import {DEFAULT_API_URL} from '../config/config-schema.js'
import type {ResolvedConfig} from '../config/config-schema.js'
import {loadConfig} from '../config/load-config.js'
import {ConfigError, ManifestError, SeqsyncError, UsageError} from '../errors.js'
import type {Issue} from '../errors.js'
import {formatIssue, inertLine} from '../render/issues.js'
import {maskEmailsInText} from '../render/mask-email.js'
import {escapeMarkdownInline} from '../render/plan-markdown.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof BaseCommand)['baseFlags'] & T['flags']
>
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

export interface Settings {
  readonly config: ResolvedConfig
  /** The config file read (relative to cwd), or null. */
  readonly configFile: string | null
  readonly apiUrl: string
  readonly color: boolean
  readonly verbose: boolean
  /** --quiet: progress and notices off (errors and the command's result are still printed). */
  readonly quiet: boolean
}

/**
 * The API key as seqsync uses it: APOLLO_API_KEY trimmed (`$(cat key)` leaves a newline), or null
 * when unset or blank. The one reading of the variable, for the request and for redaction alike.
 */
export function apiKeyValue(env: NodeJS.ProcessEnv = process.env): string | null {
  const value = env['APOLLO_API_KEY']?.trim()
  return value ? value : null
}

/** Replaces the API key (from APOLLO_API_KEY, as apiKeyValue reads it) wherever it appears in `text`. */
export function redactSecrets(text: string, env: NodeJS.ProcessEnv = process.env): string {
  const key = apiKeyValue(env)
  if (key === null) return text
  // Also as Markdown shows it (`_` -> `&#95;` …), where a comment carries it.
  const escaped = escapeMarkdownInline(key)
  const redacted = new ApiKey(key).redact(text)
  return escaped === key ? redacted : new ApiKey(escaped).redact(redacted)
}

/**
 * Colour: --color / --no-color, else FORCE_COLOR (on unless `0` or `false`; force-color.org), else
 * NO_COLOR (off when set and not empty; no-color.org), else on for a terminal.
 */
export function colorWanted(flag: boolean | undefined, env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  if (flag !== undefined) return flag
  const force = env['FORCE_COLOR'] ?? ''
  if (force !== '') return force !== '0' && force.toLowerCase() !== 'false'
  if ((env['NO_COLOR'] ?? '') !== '') return false
  return isTTY
}

/** `{error: {...}}` document printed in JSON mode. */
export function toErrorDocument(error: SeqsyncError): {error: Record<string, unknown>} {
  const body: Record<string, unknown> = {code: error.code, message: error.message}
  if (error.hint) body['hint'] = error.hint
  if (error instanceof ManifestError || error instanceof ConfigError) {
    body['issues'] = error.issues.map((i) => ({...i, related: i.related ?? []}))
  }
  const details = error.details()
  if (details.length > 0) body['details'] = details
  return {error: body}
}

/**
 * Whether raw arguments ask for JSON output: `--json`, `--format json`, `--format=json`, `-f json`,
 * `-fjson` or `-f=json`, before any `--` (what follows it is positional).
 */
export function argvAsksForJson(argv: readonly string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--') return false
    if (arg === '--json' || arg === '--format=json' || arg === '-fjson' || arg === '-f=json') return true
    if ((arg === '--format' || arg === '-f') && argv[i + 1] === 'json') return true
  }
  return false
}

export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override baseFlags = {
    config: Flags.string({
      description: 'Config file to use (YAML or JSON) instead of searching the current directory.',
      helpGroup: 'GLOBAL',
    }),
    'api-url': Flags.string({
      description: 'Apollo API base URL [default: https://api.apollo.io/api/v1].',
      env: 'SEQSYNC_API_URL',
      helpGroup: 'GLOBAL',
    }),
    color: Flags.boolean({
      description: 'Colour the output (default: on for a terminal; FORCE_COLOR forces it, NO_COLOR turns it off).',
      allowNo: true,
      helpGroup: 'GLOBAL',
    }),
    verbose: Flags.boolean({description: 'Print more detail on stderr.', helpGroup: 'GLOBAL'}),
    quiet: Flags.boolean({
      char: 'q',
      description: 'No progress, warnings or notices on stderr; errors and the result are still printed.',
      helpGroup: 'GLOBAL',
    }),
    json: Flags.boolean({description: 'Print the result (or the error) as JSON on stdout.', helpGroup: 'GLOBAL'}),
  }

  protected flags!: BaseFlags<T>
  protected args!: BaseArgs<T>
  /** Every positional argument (for commands with `strict = false` taking PATH...). */
  protected positionals: string[] = []
  /**
   * `--mask-emails` (or config `maskEmails`) of the commands that have it: every line printed is
   * masked, errors and progress included (issues and API errors carry emails the renderers never see).
   */
  protected maskEmails = false

  public override async init(): Promise<void> {
    await super.init()
    const {args, argv, flags} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      args: this.ctor.args,
      strict: this.ctor.strict,
    })
    this.flags = flags as BaseFlags<T>
    this.args = args as BaseArgs<T>
    this.positionals = argv.map(String)
  }

  /** Config file + flags + env, with defaults. */
  protected async loadSettings(): Promise<Settings> {
    const flags = this.flags as BaseFlags<typeof BaseCommand>
    const {config, file} = await loadConfig({configPath: flags.config, cwd: process.cwd()})
    return {
      config,
      configFile: file,
      // oclif already resolves --api-url over SEQSYNC_API_URL.
      apiUrl: flags['api-url'] ?? config.apiUrl ?? DEFAULT_API_URL,
      color: colorWanted(flags.color, process.env, process.stdout.isTTY === true),
      verbose: flags.verbose,
      quiet: flags.quiet,
    }
  }

  /** The Apollo API key, only ever from the APOLLO_API_KEY environment variable. */
  protected apiKey(): ApiKey {
    const value = apiKeyValue()
    if (value === null) {
      throw new UsageError('APOLLO_API_KEY is not set', {
        hint: 'Export your Apollo API key in the environment: export APOLLO_API_KEY=... (it is never read from a file).',
      })
    }
    return new ApiKey(value)
  }

  /**
   * True when the user asked for JSON output (`--json`, `--format json`, `-f json`): from the
   * parsed flags, or, when parsing itself failed, from the raw arguments.
   */
  protected wantsJson(): boolean {
    const flags = this.flags as {readonly json?: boolean; readonly format?: string} | undefined
    if (flags === undefined) return argvAsksForJson(this.argv)
    return flags.json === true || flags.format === 'json'
  }

  /** Prints to stdout, redacted (and masked with maskEmails). */
  protected print(text: string): void {
    process.stdout.write(this.forOutput(text))
  }

  /** Prints to stderr, redacted (and masked with maskEmails). */
  protected printError(text: string): void {
    process.stderr.write(this.forOutput(text))
  }

  private forOutput(text: string): string {
    return this.filterOutput(text.endsWith('\n') ? text : `${text}\n`)
  }

  /**
   * What stdout and stderr go through, for a file a command writes for people (`--markdown-out`):
   * the API key redacted, emails masked with maskEmails.
   */
  protected filterOutput(text: string): string {
    return redactSecrets(this.maskEmails ? maskEmailsInText(text) : text)
  }

  /** --quiet, from the parsed flags (false when parsing failed). */
  protected get quiet(): boolean {
    return (this.flags as Partial<BaseFlags<typeof BaseCommand>> | undefined)?.quiet === true
  }

  /** A progress line, warning or notice on stderr: not with --quiet. */
  protected notice(text: string): void {
    if (!this.quiet) this.printError(text)
  }

  /** Prints a value as pretty JSON on stdout. */
  protected printJson(value: unknown): void {
    this.print(JSON.stringify(value, null, 2))
  }

  /** `Error: <message>` and `Hint: <hint>` on stderr, the way every failure ends. */
  protected printErrorText(message: string, hint: string | undefined): void {
    this.printErrorLine(`Error: ${message}`)
    if (hint) this.printErrorLine(`Hint: ${hint}`)
  }

  /**
   * One line of an error report on stderr. Error texts carry data from manifests and from Apollo
   * (sequence names, emails, file names): control characters are flattened so they cannot drive the
   * terminal, and no line can run a CI runner's command (render/issues.ts inertLine).
   */
  protected printErrorLine(text: string): void {
    this.printError(inertLine(text))
  }

  /** Located problems on stderr; with --quiet only the errors. */
  protected printIssues(issues: readonly Issue[]): void {
    for (const issue of issues) if (issue.severity === 'error' || !this.quiet) this.printErrorLine(formatIssue(issue))
  }

  public override async catch(error: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    // this.exit() and oclif's own parse errors (exit code from package.json oclif.exitCodes): let oclif handle them.
    if (error.oclif !== undefined && !(error instanceof SeqsyncError)) {
      error.message = redactSecrets(error.message)
      // Arguments oclif could not parse, with JSON asked for: the JSON error document, not oclif's text.
      if (!(error instanceof Errors.ExitError) && this.wantsJson()) {
        this.printJson(toErrorDocument(new UsageError(error.message)))
        this.exit(1)
      }
      return super.catch(error)
    }
    if (error instanceof SeqsyncError) {
      if (this.wantsJson()) this.printJson(toErrorDocument(error))
      else {
        if (error instanceof ManifestError || error instanceof ConfigError) this.printIssues(error.issues)
        for (const line of error.details()) this.printErrorLine(line)
        this.printErrorText(error.message, error.hint)
      }
      this.exit(error.exitCode)
    }
    this.printErrorLine(`unexpected error: ${error.message}`)
    if (process.env['DEBUG']) this.printError(error.stack ?? '')
    this.exit(1)
  }
}
