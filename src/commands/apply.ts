import {Args, Flags} from '@oclif/core'

import {BaseCommand, toErrorDocument} from '../cli/base-command.js'
import {confirmation} from '../cli/confirm.js'
import {openClient} from '../cli/open-client.js'
import {quotaWaitFlags, quotaWaitFromFlags} from '../cli/quota-wait.js'
import {interruptibleWriteSession} from '../cli/write-session.js'
import type {PlanTarget} from '../model/plan.js'
import {renderApplyReportJson} from '../render/apply-report-json.js'
import {renderApplyReportText, renderNothingToApply} from '../render/apply-report-text.js'
import {renderIssuesGrouped} from '../render/issues.js'
import {renderReadCost} from '../render/read-cost.js'
import {renderPlanText} from '../render/plan-text.js'
import {runApply} from '../services/apply.js'
import type {ApplyResult} from '../services/apply.js'
import {resolveApplyTarget} from '../services/apply-target.js'

const UNVERIFIED_HINT =
  'Writes were sent but the result could not be read back: Apollo may not match the manifests. ' +
  'Run `seqsync plan` (or apply again) when Apollo answers; it converges from where this run stopped.'

export default class ApplyCommand extends BaseCommand<typeof ApplyCommand> {
  static override summary = 'Make Apollo match the manifests: execute a saved plan, or plan then apply.'
  static override description = `With PLANFILE (a JSON file from \`seqsync plan --out\`): re-reads the sequences it changes and refuses the plan if anything it was computed from moved (nothing is written); changes already done (an interrupted apply of the same file) are not written again; then applies exactly the rest of that plan. With PATH... (manifest files or directories), or nothing (the config's \`manifests\` globs): plans them, shows the plan and asks for confirmation on a terminal (without one, --auto-approve is required).

Adds beyond safety.maxAdds, and removals, finishes and stops beyond safety.maxRemovals or safety.maxRemovalPercent, are refused unless --allow-adds / --allow-removals gives their exact number. Each change is decided from Apollo's answer to the write; only what an answer leaves uncertain is read again. The report says, per sequence, what was applied or already done, what Apollo skipped and why, what failed, and what differs from the manifests since the plan was made.

Exit codes: 0 Apollo matches the manifests; 1 error before any write (invalid input, stale or unreviewed plan, safety refusal); 3 apply ran but Apollo does not match (re-run apply with the same plan file: it applies what is left).`
  static override examples = [
    {description: 'Apply a reviewed plan file', command: '<%= config.bin %> <%= command.id %> plan.json'},
    {
      description: 'In CI after merge: only the plan whose hash was reviewed',
      command: '<%= config.bin %> <%= command.id %> plan.json --expect-plan-hash sha256:3f5e…',
    },
    {description: 'Plan and apply without a prompt', command: '<%= config.bin %> <%= command.id %> --auto-approve'},
    {
      description: 'Plan and apply one directory of manifests, one sequence of it',
      command: '<%= config.bin %> <%= command.id %> sequences/ --sequence "Q4 Outreach"',
    },
    {
      description: 'Allow exactly the 120 removals the plan shows',
      command: '<%= config.bin %> <%= command.id %> plan.json --allow-removals 120',
    },
  ]
  static override usage = ['<%= command.id %> [PLANFILE | PATH...] [FLAGS]']
  static override strict = false
  static override args = {
    // ignoreStdin: oclif otherwise reads a piped stdin (`echo yes | seqsync apply`) as the plan file name.
    target: Args.string({
      description:
        "A plan file written by `seqsync plan --out`, or manifest files or directories (default: the config's `manifests` globs).",
      ignoreStdin: true,
    }),
  }
  static override flags = {
    'auto-approve': Flags.boolean({
      description: 'Apply without asking (required without a terminal when no PLANFILE is given).',
    }),
    'allow-adds': Flags.integer({
      description: 'Allow a run over safety.maxAdds: must equal the number of adds planned.',
      min: 0,
    }),
    'allow-removals': Flags.integer({
      description: 'Allow a run over the safety limits: must equal the number of removals, finishes and stops planned.',
      min: 0,
    }),
    'expect-plan-hash': Flags.string({description: 'Refuse to apply anything but the plan with this hash (sha256:…).'}),
    sequence: Flags.string({
      description:
        'Only plan and apply this managed sequence (its manifest name or id); repeatable. Not with PLANFILE.',
      multiple: true,
    }),
    format: Flags.string({char: 'f', description: 'Report format.', options: ['text', 'json'], default: 'text'}),
    'mask-emails': Flags.boolean({
      description: 'Render emails as j***@acme.com in every line printed: plan, progress, report, errors.',
    }),
    ...quotaWaitFlags,
  }

  public async run(): Promise<void> {
    this.maskEmails = this.flags['mask-emails']
    const settings = await this.loadSettings()
    this.maskEmails ||= settings.config.maskEmails
    const maskEmails = this.maskEmails
    const json = this.flags.json || this.flags.format === 'json'
    const sequenceFilter = this.flags.sequence ?? []
    const target = await resolveApplyTarget(
      this.positionals.filter((p) => p !== ''),
      sequenceFilter,
    )
    const confirm = confirmation(target.kind === 'manifests' && !this.flags['auto-approve'])
    const client = openClient(settings, this.apiKey(), (line) => this.printError(line), quotaWaitFromFlags(this.flags))
    /** Where the plan is applied (host, team, key owner): the plan's first line and the report's `target`. */
    let where: PlanTarget | undefined
    try {
      const result = await runApply({
        target,
        sequenceFilter,
        config: settings.config,
        apiUrl: settings.apiUrl,
        client,
        guards: {
          allowRemovals: this.flags['allow-removals'],
          allowAdds: this.flags['allow-adds'],
          expectPlanHash: this.flags['expect-plan-hash'],
        },
        // The plan is shown before anything is decided; with JSON on stdout only to answer the question.
        onPlan: (plan, planTarget) => {
          where = planTarget
          const text = renderPlanText(plan, {color: settings.color, maskEmails, target: planTarget})
          if (!json) this.print(text)
          else if (confirm) this.printError(text)
        },
        confirm,
        writeSession: interruptibleWriteSession((line) => this.printError(line), {quiet: settings.quiet}),
        // Planning from manifests: what plan prints before reading (stderr, so JSON stdout stays clean).
        onWarnings: (issues) => {
          const text = renderIssuesGrouped(issues)
          if (text !== '') this.notice(text)
        },
        onReadCost: (read) => {
          for (const line of renderReadCost(read)) this.notice(line)
        },
      })
      const code = this.present(result, json, {color: settings.color, maskEmails, ...(where ? {target: where} : {})})
      if (code !== 0) this.exit(code)
    } finally {
      await client.close()
    }
  }

  /** Prints the result of an apply; returns the exit code: 0 Apollo matches, 3 it does not (or is unverified). */
  private present(
    result: ApplyResult,
    json: boolean,
    options: {color: boolean; maskEmails: boolean; target?: PlanTarget},
  ): number {
    if (result.kind === 'unverified') {
      if (json) this.printJson({...toErrorDocument(result.error), converged: false, unverified: true})
      else this.printErrorText(result.error.message, UNVERIFIED_HINT)
      return 3
    }
    if (json) this.printJson(renderApplyReportJson(result.report, options))
    else if (result.kind === 'applied') this.print(renderApplyReportText(result.report, options))
    else {
      const text = renderNothingToApply(result.report, options)
      if (text !== '') this.print(text)
    }
    return result.report.converged ? 0 : 3
  }
}
