import {writeFile} from 'node:fs/promises'

import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import type {Settings} from '../cli/base-command.js'
import {openClient} from '../cli/open-client.js'
import {quotaWaitFlags, quotaWaitFromFlags} from '../cli/quota-wait.js'
import {maskEmailsInText} from '../render/mask-email.js'
import {renderReadCost} from '../render/read-cost.js'
import {PLAN_FORMATS, renderPlan} from '../render/render-plan.js'
import type {PlanFormat} from '../render/render-plan.js'
import {createPlan, hasChanges} from '../services/plan.js'
import type {PlanResult} from '../services/plan.js'
import {toPlanFile, writePlanFile} from '../services/plan-file.js'

export default class PlanCommand extends BaseCommand<typeof PlanCommand> {
  static override summary = 'Read live membership from Apollo and show what apply would change.'
  static override description = `Reads the manifests (PATH arguments, or the config's \`manifests\` globs), reads the managed sequences from Apollo, and prints every change apply would make — add, remove, finish, stop, create — with the manifest line that caused it, the skips Apollo is expected to make, unmanaged members, and the API calls made and needed. Writes nothing to Apollo.

Exit codes: 0 success (with --detailed-exitcode: no changes), 1 error, 2 with --detailed-exitcode when there are changes.`
  static override examples = [
    {description: 'Plan every manifest of the config', command: '<%= config.bin %> <%= command.id %>'},
    {
      description: 'Save the plan for a later `apply plan.json`',
      command: '<%= config.bin %> <%= command.id %> --out plan.json',
    },
    {
      description: 'In CI: a readable log, a PR comment and a plan file in one run',
      command: '<%= config.bin %> <%= command.id %> --out plan.json --markdown-out plan.md --detailed-exitcode',
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
    format: Flags.option({char: 'f', description: 'Output format.', options: PLAN_FORMATS, default: 'text'})(),
    'markdown-out': Flags.string({description: 'Also write the pull-request comment Markdown to FILE.'}),
    'detailed-exitcode': Flags.boolean({description: 'Exit 2 when there are changes, 0 when there are none.'}),
    sequence: Flags.string({
      description: 'Only plan this managed sequence (its manifest name or id); repeatable.',
      multiple: true,
    }),
    'mask-emails': Flags.boolean({description: 'Render emails as j***@acme.com (for public repositories).'}),
    ...quotaWaitFlags,
  }

  /** `--mask-emails` (or config `maskEmails`): set before anything is printed, errors included. */
  private maskEmails = false

  // Every line this command prints goes through the mask when it is on: plan errors, validation
  // issues and API errors carry emails the renderers never see (masking is idempotent).
  protected override print(text: string): void {
    super.print(this.maskEmails ? maskEmailsInText(text) : text)
  }

  protected override printError(text: string): void {
    super.printError(this.maskEmails ? maskEmailsInText(text) : text)
  }

  public async run(): Promise<void> {
    this.maskEmails = this.flags['mask-emails']
    const settings = await this.loadSettings()
    this.maskEmails ||= settings.config.maskEmails
    const format = this.flags.json ? 'json' : this.flags.format
    const client = openClient(settings, this.apiKey(), (line) => this.printError(line), quotaWaitFromFlags(this.flags))
    try {
      const result = await createPlan({
        paths: this.positionals.filter((p) => p !== ''),
        config: settings.config,
        client,
        sequenceFilter: this.flags.sequence ?? [],
        // Printed before Apollo is read, so they are shown even when the plan then fails.
        onWarnings: (issues) => this.printIssues(issues),
        // The read's cost against the quota, before the bulk of it (in JSON: inside `cost.read`).
        onReadCost: (read) => {
          if (format !== 'json') for (const line of renderReadCost(read)) this.printError(line)
        },
      })
      const options = {color: settings.color, maskEmails: this.maskEmails, cost: result.cost, safety: result.safety}
      this.print(renderPlan(result.plan, format, options))
      const markdownOut = this.flags['markdown-out']
      if (markdownOut) await writeFile(markdownOut, renderPlan(result.plan, 'markdown', options), 'utf8')
      if (this.flags.out) await this.savePlanFile(this.flags.out, result, settings, format)
      if (this.flags['detailed-exitcode'] && hasChanges(result.plan)) this.exit(2)
    } finally {
      await client.close()
    }
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
