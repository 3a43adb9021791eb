import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base-command.js'
import {renderIssuesGithub, renderIssuesJson, renderIssuesText} from '../render/issues.js'
import {validateManifestFiles} from '../services/validate.js'

export default class ValidateCommand extends BaseCommand<typeof ValidateCommand> {
  static override summary = 'Check manifests offline: YAML, schema, duplicates, references, secrets.'
  static override description = `Reads the manifests given as PATH arguments (files, or directories searched recursively for *.yaml and *.yml), or else the config's \`manifests\` globs, and reports every problem of every file as FILE:LINE:COL. Makes no API call and needs no API key.

Exit codes: 0 when valid (warnings allowed), 1 when any error is found.`
  static override examples = [
    {
      description: 'Validate the manifests listed in seqsync.config.yaml',
      command: '<%= config.bin %> <%= command.id %>',
    },
    {
      description: 'Validate a directory and a file',
      command: '<%= config.bin %> <%= command.id %> sequences/ lists.yaml',
    },
    {
      description: 'Annotate a pull request in GitHub Actions',
      command: '<%= config.bin %> <%= command.id %> --format github',
    },
    {description: 'Machine-readable report', command: '<%= config.bin %> <%= command.id %> --json'},
  ]
  static override strict = false
  static override args = {
    path: Args.string({description: "Manifest files or directories (default: the config's `manifests` globs)."}),
  }
  static override flags = {
    format: Flags.string({
      char: 'f',
      description: 'Output format: text, json, or github (annotations plus text).',
      options: ['text', 'json', 'github'],
      default: 'text',
    }),
  }

  public async run(): Promise<void> {
    const {config} = await this.loadSettings()
    const paths = this.positionals.filter((p) => p !== '')
    const result = await validateManifestFiles(paths, config)
    const format = this.flags.json ? 'json' : this.flags.format
    const render = format === 'json' ? renderIssuesJson : format === 'github' ? renderIssuesGithub : renderIssuesText
    this.print(render(result))
    if (!result.valid) this.exit(1)
  }
}
