import {Args, Flags} from '@oclif/core'

import {BaseCommand, toErrorDocument} from '../cli/base-command.js'
import {confirmation} from '../cli/confirm.js'
import {openClient} from '../cli/open-client.js'
import {quotaWaitFlags, quotaWaitFromFlags} from '../cli/quota-wait.js'
import {interruptibleWriteSession} from '../cli/write-session.js'
import {renderApplyReportJson} from '../render/apply-report-json.js'
import {renderApplyReportText} from '../render/apply-report-text.js'
import {renderPlanText} from '../render/plan-text.js'
import {runApply} from '../services/apply.js'
import type {ApplyResult} from '../services/apply.js'

const UNVERIFIED_HINT =
  'Writes were sent but the result could not be read back: Apollo may not match the manifests. ' +
  'Run `seqsync plan` (or apply again) when Apollo answers; it converges from where this run stopped.'

export default class ApplyCommand extends BaseCommand<typeof ApplyCommand> {
  static override summary = 'Make Apollo match the manifests: execute a saved plan, or plan then apply.'
  static override description = `With PLANFILE (from \`seqsync plan --out\`): re-reads the affected sequences, refuses the plan if anything it was based on changed (nothing is written), then applies exactly that plan. Without PLANFILE: plans from the manifests, shows the plan and asks for confirmation on a terminal (without one, --auto-approve is required).

Removals, finishes and stops beyond the safety limits (safety.maxRemovals, safety.maxRemovalPercent) are refused unless --allow-removals gives their exact number. After the writes the affected sequences are read again and the report says, per sequence, what converged, what Apollo skipped and why, and what failed.

Exit codes: 0 Apollo matches; 1 error before any write (invalid input, stale or unreviewed plan, safety refusal); 3 apply ran but Apollo does not match (re-run apply: it converges from where it stopped).`
  static override examples = [
    {description: 'Apply a reviewed plan file', command: '<%= config.bin %> <%= command.id %> plan.json'},
    {
      description: 'In CI after merge: only the plan whose hash was reviewed',
      command: '<%= config.bin %> <%= command.id %> plan.json --expect-plan-hash sha256:3f5e…',
    },
    {description: 'Plan and apply without a prompt', command: '<%= config.bin %> <%= command.id %> --auto-approve'},
    {
      description: 'Allow exactly the 120 removals the plan shows',
      command: '<%= config.bin %> <%= command.id %> plan.json --allow-removals 120',
    },
  ]
  static override args = {
    // ignoreStdin: oclif otherwise reads a piped stdin (`echo yes | seqsync apply`) as the plan file name.
    planfile: Args.string({description: 'A plan file written by `seqsync plan --out`.', ignoreStdin: true}),
  }
  static override flags = {
    'auto-approve': Flags.boolean({
      description: 'Apply without asking (required without a terminal when no PLANFILE is given).',
    }),
    'allow-removals': Flags.integer({
      description: 'Allow a run over the safety limits: must equal the number of removals, finishes and stops planned.',
      min: 0,
    }),
    'expect-plan-hash': Flags.string({description: 'Refuse to apply anything but the plan with this hash (sha256:…).'}),
    format: Flags.string({char: 'f', description: 'Report format.', options: ['text', 'json'], default: 'text'}),
    json: Flags.boolean({description: 'Shorthand for --format json.'}),
    ...quotaWaitFlags,
  }

  public async run(): Promise<void> {
    const settings = await this.loadSettings()
    const json = this.flags.json || this.flags.format === 'json'
    const confirm = confirmation(this.args.planfile === undefined && !this.flags['auto-approve'])
    const maskEmails = settings.config.maskEmails
    const client = openClient(settings, this.apiKey(), (line) => this.printError(line), quotaWaitFromFlags(this.flags))
    try {
      const result = await runApply({
        planFile: this.args.planfile,
        config: settings.config,
        apiUrl: settings.apiUrl,
        client,
        guards: {allowRemovals: this.flags['allow-removals'], expectPlanHash: this.flags['expect-plan-hash']},
        // The plan is shown before anything is decided; with JSON on stdout only to answer the question.
        onPlan: (plan) => {
          const text = renderPlanText(plan, {color: settings.color, maskEmails})
          if (!json) this.print(text)
          else if (confirm) this.printError(text)
        },
        confirm,
        writeSession: interruptibleWriteSession((line) => this.printError(line)),
      })
      const code = this.present(result, json, {color: settings.color, maskEmails})
      if (code !== 0) this.exit(code)
    } finally {
      await client.close()
    }
  }

  /** Prints the result of an apply; returns the exit code: 0 Apollo matches, 3 it does not (or is unverified). */
  private present(result: ApplyResult, json: boolean, options: {color: boolean; maskEmails: boolean}): number {
    if (result.kind === 'unverified') {
      if (json) this.printJson({...toErrorDocument(result.error), converged: false, unverified: true})
      else this.printErrorText(result.error.message, UNVERIFIED_HINT)
      return 3
    }
    if (json) this.printJson(renderApplyReportJson(result.report, options))
    else if (result.kind === 'applied') this.print(renderApplyReportText(result.report, options))
    return result.report.converged ? 0 : 3
  }
}
