import {Args} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import {openClient} from '../cli/open-client.js'
import {renderDoctorJson, renderDoctorText} from '../render/doctor-report.js'
import {runDoctor} from '../services/doctor.js'

export default class DoctorCommand extends BaseCommand<typeof DoctorCommand> {
  static override summary =
    'Check the key, its scopes, the quota, the mailboxes and the Apollo behaviours seqsync relies on.'
  static override description = `Read-only. One line per check, ok / warn / fail / skip, with what to do: the key (who it acts as, which team), the scope of every endpoint seqsync uses (write endpoints get requests that cannot change anything), the mailboxes the manifests name (exist, active, not revoked), whether Apollo applies the emailer_campaign_ids filter and both contact_created_at sort orders, the display cap, the account's size, the quota per endpoint, and what a full plan costs under it. Without manifests (no PATH, no \`manifests\` in the config) the manifest checks are skipped.

Exit codes: 0 when no check failed (warnings allowed), 1 when any failed.`
  static override examples = [
    {description: 'Before the first plan', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Only the key and Apollo (no manifests)', command: '<%= config.bin %> <%= command.id %> --json'},
  ]
  static override strict = false
  static override args = {
    path: Args.string({
      description: "Manifest files or directories (default: the config's `manifests` globs).",
      ignoreStdin: true,
    }),
  }

  public async run(): Promise<void> {
    const settings = await this.loadSettings()
    const client = openClient(settings, this.apiKey(), (line) => this.printError(line))
    try {
      const report = await runDoctor({
        client,
        config: settings.config,
        paths: this.positionals.filter((p) => p !== ''),
        now: Date.now(),
      })
      this.print(this.flags.json ? renderDoctorJson(report) : renderDoctorText(report, {color: settings.color}))
      if (!report.ok) this.exit(1)
    } finally {
      await client.close()
    }
  }
}
