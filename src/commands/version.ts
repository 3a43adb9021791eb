import {BaseCommand} from '../cli/base-command.js'

export default class VersionCommand extends BaseCommand<typeof VersionCommand> {
  static override summary = 'Print the seqsync version, with the platform and Node.js version it runs on.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  public run(): Promise<void> {
    const {version, platform, arch} = this.config
    if (this.flags.json) this.printJson({version, node: process.version, platform, arch})
    else this.print(this.config.userAgent)
    return Promise.resolve()
  }
}
