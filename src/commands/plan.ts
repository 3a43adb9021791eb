import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import type {Settings} from '../cli/base-command.js'
import {openClient} from '../cli/open-client.js'
import {quotaWaitFlags, quotaWaitFromFlags} from '../cli/quota-wait.js'
import {SeqsyncError, UsageError} from '../errors.js'
import type {Issue} from '../errors.js'
import {renderIssuesGrouped} from '../render/issues.js'
import {describePlanFailure, renderPlanFailureMarkdown} from '../render/plan-failure.js'
import {renderReadCost} from '../render/read-cost.js'
import {PLAN_FORMATS, renderPlan, renderPlanFailure} from '../render/render-plan.js'
import type {PlanFormat, PlanRenderOptions} from '../render/render-plan.js'
import {parseLinkBase} from '../render/source-links.js'
import {createPlan, hasChanges} from '../services/plan.js'
import type {PlanResult} from '../services/plan.js'
import {extractApiHost, toPlanFile, writePlanFile} from '../services/plan-file.js'
import {assertWritableOutputs, writeFileAtomic} from '../services/write-output.js'

export default class PlanCommand extends BaseCommand<typeof PlanCommand> {
  static override summary = 'Read live membership from Apollo and show what apply would change.'
  static override description = `Reads the manifests (PATH arguments, or the config's \`manifests\` globs), reads the managed sequences from Apollo, and prints every change apply would make — add, remove, finish, stop, create — with the manifest line that caused it, the skips Apollo will or may make, unmanaged members, and the API calls made and needed. The output starts with the API host and the account the key acts as. Writes nothing to Apollo.

A plan that fails still writes its Markdown (--format markdown, --markdown-out) and annotations (--format github) with every error and its file:line.

Exit codes: 0 success (with --detailed-exitcode: no changes), 1 error, 2 with --detailed-exitcode when there are changes.`
  static override examples = [
    {description: 'Plan every manifest of the config', command: '<%= config.bin %> <%= command.id %>'},
    {
      description: 'Save the plan for a later `apply plan.json`',
      command: '<%= config.bin %> <%= command.id %> --out plan.json',
    },
    {
      description: 'In CI: a readable log, a PR comment linking manifest lines, and a plan file in one run',
      command:
        '<%= config.bin %> <%= command.id %> --out plan.json --markdown-out plan.md --link-base "$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/blob/$HEAD_SHA" --detailed-exitcode',
    },
    {
      description: 'Only two sequences, as JSON',
      command:
        '<%= config.bin %> <%= command.id %> --sequence "Q4 Outreach" --sequence 66f0c1e2a4b5c6d7e8f90123 --json',
    },
  ]
  static override strict = false
  static override args = {
    // ignoreStdin: oclif otherwise reads a piped stdin as a PATH.
    path: Args.string({
      description: "Manifest files or directories (default: the config's `manifests` globs).",
      ignoreStdin: true,
    }),
  }
  static override flags = {
    out: Flags.string({description: 'Save the plan to FILE (JSON) for `seqsync apply FILE`.'}),
    format: Flags.option({
      char: 'f',
      description: 'Output format (github: workflow annotations, then the text plan).',
      options: PLAN_FORMATS,
      default: 'text',
    })(),
    'markdown-out': Flags.string({description: 'Also write the pull-request comment Markdown to FILE.'}),
    'link-base': Flags.string({
      description:
        'Link manifest lines in the Markdown to files under this https URL (e.g. https://github.com/OWNER/REPO/blob/SHA).',
      env: 'SEQSYNC_LINK_BASE',
    }),
    'detailed-exitcode': Flags.boolean({description: 'Exit 2 when there are changes, 0 when there are none.'}),
    sequence: Flags.string({
      description: 'Only plan this managed sequence (its manifest name or id); repeatable.',
      multiple: true,
    }),
    'mask-emails': Flags.boolean({description: 'Render emails as j***@acme.com (for public repositories).'}),
    ...quotaWaitFlags,
  }

  public async run(): Promise<void> {
    this.maskEmails = this.flags['mask-emails']
    const format: PlanFormat = this.flags.json ? 'json' : this.flags.format
    const linkBase = this.linkBase()
    // Before anything is read: a bad output path fails now, not after minutes of reading Apollo.
    await assertWritableOutputs([this.flags.out, this.flags['markdown-out']].filter((p) => p !== undefined))
    try {
      await this.plan(format, linkBase)
    } catch (error) {
      if (error instanceof SeqsyncError) await this.explainFailure(error, format, linkBase)
      throw error
    }
  }

  private async plan(format: PlanFormat, linkBase: string | undefined): Promise<void> {
    const settings = await this.loadSettings()
    this.maskEmails ||= settings.config.maskEmails
    const client = openClient(settings, this.apiKey(), (line) => this.printError(line), quotaWaitFromFlags(this.flags))
    const issues: Issue[] = []
    try {
      const result = await createPlan({
        paths: this.positionals.filter((p) => p !== ''),
        config: settings.config,
        client,
        sequenceFilter: this.flags.sequence ?? [],
        // Printed before Apollo is read (grouped: tens of thousands stay a few lines), so they are
        // shown even when the plan then fails.
        onWarnings: (found) => {
          issues.push(...found)
          const text = renderIssuesGrouped(found)
          if (text !== '') this.notice(text)
        },
        // The read's cost against the quota, before the bulk of it (in JSON: inside `cost.read`).
        onReadCost: (read) => {
          if (format !== 'json') for (const line of renderReadCost(read)) this.notice(line)
        },
      })
      const options: PlanRenderOptions = {
        ...this.markdownStyle(linkBase),
        color: settings.color,
        cost: result.cost,
        safety: result.safety,
        target: {apiHost: extractApiHost(settings.apiUrl), keyOwner: result.live.keyOwner},
        issues,
      }
      // Rendered once when stdout and --markdown-out both want the Markdown.
      const markdownOut = this.flags['markdown-out']
      const markdown = format === 'markdown' || markdownOut ? renderPlan(result.plan, 'markdown', options) : null
      this.print(format === 'markdown' && markdown !== null ? markdown : renderPlan(result.plan, format, options))
      if (markdownOut && markdown !== null) await writeFileAtomic(markdownOut, this.filterOutput(markdown), 0o644)
      if (this.flags.out) await this.savePlanFile(this.flags.out, result, settings, format)
      if (this.flags['detailed-exitcode'] && hasChanges(result.plan)) this.exit(2)
    } finally {
      await client.close()
    }
  }

  /** A failed plan still writes its Markdown and annotations, with every error and its file:line. */
  private async explainFailure(error: SeqsyncError, format: PlanFormat, linkBase: string | undefined): Promise<void> {
    const failure = describePlanFailure(error)
    const style = this.markdownStyle(linkBase)
    const markdownOut = this.flags['markdown-out']
    // Rendered once when stdout and --markdown-out both want the Markdown.
    const markdown = format === 'markdown' || markdownOut ? renderPlanFailureMarkdown(failure, style) : null
    const shown = format === 'markdown' ? markdown : renderPlanFailure(failure, format, style)
    if (shown !== null) this.print(shown)
    if (!markdownOut || markdown === null) return
    try {
      await writeFileAtomic(markdownOut, this.filterOutput(markdown), 0o644)
    } catch (writeError) {
      // The plan's own error is the one to report; say that its Markdown is missing too.
      if (!(writeError instanceof SeqsyncError)) throw writeError
      this.printErrorText(writeError.message, undefined)
    }
  }

  private markdownStyle(linkBase: string | undefined): {maskEmails: boolean; linkBase?: string} {
    return {maskEmails: this.maskEmails, ...(linkBase === undefined ? {} : {linkBase})}
  }

  /** `--link-base` / SEQSYNC_LINK_BASE, checked (https, no credentials); undefined when not given. */
  private linkBase(): string | undefined {
    const value = this.flags['link-base']
    if (value === undefined || value === '') return undefined
    const parsed = parseLinkBase(value)
    if ('refused' in parsed) {
      throw new UsageError(`--link-base (or SEQSYNC_LINK_BASE) is refused: ${parsed.refused}`, {
        hint: 'Give the https URL of the manifests at the head commit, e.g. https://github.com/OWNER/REPO/blob/SHA.',
      })
    }
    return parsed.base
  }

  /** `--out`: the plan file `seqsync apply FILE` takes. */
  private async savePlanFile(path: string, result: PlanResult, settings: Settings, format: PlanFormat): Promise<void> {
    const toolVersion = `seqsync/${this.config.version}`
    await writePlanFile(
      path,
      toPlanFile(result, {toolVersion, apiUrl: settings.apiUrl, batchSize: settings.config.batchSize}),
    )
    if (format === 'text') this.notice(`Saved the plan to ${path}. Apply exactly this plan with: seqsync apply ${path}`)
  }
}
