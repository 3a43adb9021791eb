import {Args, Flags} from '@oclif/core'

import type {ApolloClient} from '../apollo/types.js'
import {BaseCommand, toErrorDocument} from '../cli/base-command.js'
import type {Settings} from '../cli/base-command.js'
import {confirmApply} from '../cli/confirm.js'
import {openClient} from '../cli/open-client.js'
import {createProgressReporter} from '../cli/progress.js'
import {NotConfirmedError, SeqsyncError} from '../errors.js'
import type {Plan} from '../model/plan.js'
import {renderApplyReportJson} from '../render/apply-report-json.js'
import {renderApplyReportText} from '../render/apply-report-text.js'
import {renderPlanText} from '../render/plan-text.js'
import {assertNotStale, checkGuards, executePlan} from '../services/apply.js'
import {createPlan, hasChanges} from '../services/plan.js'
import {assertSameApiHost, readPlanFile} from '../services/plan-file.js'

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
  }

  public async run(): Promise<void> {
    const settings = await this.loadSettings()
    const json = this.flags.json || this.flags.format === 'json'
    const planfile = this.args.planfile
    const interactive = planfile === undefined && !this.flags['auto-approve']
    if (interactive && !(process.stdin.isTTY && process.stdout.isTTY)) {
      throw new NotConfirmedError('apply needs confirmation but there is no terminal to ask', {
        hint: 'Pass --auto-approve (for CI), or apply a reviewed plan file: seqsync plan --out plan.json && seqsync apply plan.json',
      })
    }
    const guards = {allowRemovals: this.flags['allow-removals'], expectPlanHash: this.flags['expect-plan-hash']}
    const maskEmails = settings.config.maskEmails
    const client = openClient(settings, this.apiKey(), (line) => this.printError(line))
    try {
      let plan: Plan
      if (planfile === undefined) {
        plan = (await createPlan({paths: [], config: settings.config, client, sequenceFilter: []})).plan
      } else {
        const file = await readPlanFile(planfile)
        assertSameApiHost(file, settings.apiUrl)
        plan = file.plan
      }
      const show = (text: string) => (json ? this.printError(text) : this.print(text))
      if (!json || interactive) show(renderPlanText(plan, {color: settings.color, maskEmails}))
      if (!hasChanges(plan)) {
        const nothing = {applied: 0, skipped: 0, failed: 0}
        const empty = {
          formatVersion: 1,
          planHash: plan.planHash,
          converged: true,
          interrupted: false,
          summary: nothing,
          sequences: [],
          calls: {},
        } as const
        if (json) this.printJson(renderApplyReportJson(empty, {maskEmails}))
        return
      }
      checkGuards(plan, settings.config, guards)
      if (planfile !== undefined) await assertNotStale(plan, client)
      if (interactive && !(await confirmApply(process.stdin, process.stdout))) {
        throw new NotConfirmedError('Apply cancelled: nothing was written.')
      }
      let report
      try {
        report = await this.execute(plan, settings, client)
      } catch (error) {
        // Writes were sent (the applier itself continues on error): an error now, such as a quota
        // running out on the re-read, leaves Apollo unverified. That is exit 3, never 1 ("nothing written").
        if (!(error instanceof SeqsyncError)) throw error
        const hint =
          'Writes were sent but the result could not be read back: Apollo may not match the manifests. ' +
          'Run `seqsync plan` (or apply again) when Apollo answers; it converges from where this run stopped.'
        if (json) this.printJson({...toErrorDocument(error), converged: false, unverified: true})
        else {
          this.printError(`Error: ${error.message}`)
          this.printError(`Hint: ${hint}`)
        }
        this.exit(3)
      }
      if (json) this.printJson(renderApplyReportJson(report, {maskEmails}))
      else this.print(renderApplyReportText(report, {color: settings.color, maskEmails}))
      if (!report.converged) this.exit(3)
    } finally {
      await client.close()
    }
  }

  /** Runs the writes with progress on stderr; Ctrl-C stops after the calls in flight. */
  private async execute(plan: Plan, settings: Settings, client: ApolloClient) {
    const controller = new AbortController()
    const onSignal = () => {
      if (controller.signal.aborted) process.exit(130)
      this.printError('\nInterrupted: finishing the calls in flight, then reporting (Ctrl-C again to quit at once).')
      controller.abort()
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    const progress = createProgressReporter(process.stderr)
    try {
      return await executePlan({
        plan,
        client,
        config: settings.config,
        signal: controller.signal,
        onProgress: (p) => progress.update(p),
      })
    } finally {
      progress.done()
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  }
}
