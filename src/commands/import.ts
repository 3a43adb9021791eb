import {Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import {openClient} from '../cli/open-client.js'
import {quotaWaitFlags, quotaWaitFromFlags} from '../cli/quota-wait.js'
import {flattenText} from '../render/plan-text.js'
import {renderReadCost} from '../render/read-cost.js'
import {importSequences} from '../services/import.js'

export default class ImportCommand extends BaseCommand<typeof ImportCommand> {
  static override summary = 'Write manifests from live Apollo state, to adopt existing sequences.'
  static override description = `Reads each sequence's members from Apollo and writes one manifest per sequence (pinned by id, members by email where the email identifies one contact and a manifest accepts it, by id otherwise, with the email in a comment; active and paused members under contacts, finished under finished, prune: none). The written manifests validate clean and the next plan is empty.`
  static override examples = [
    {
      description: 'Adopt two sequences into sequences/',
      command:
        '<%= config.bin %> <%= command.id %> --sequence "Q4 Enterprise Outreach" --sequence 66f0c1e2a4b5c6d7e8f90123 --out-dir sequences',
    },
  ]
  static override flags = {
    sequence: Flags.string({description: 'Sequence name (exact) or id; repeatable.', multiple: true, required: true}),
    'out-dir': Flags.string({description: 'Directory to write the manifests to.', default: '.'}),
    force: Flags.boolean({description: 'Overwrite existing files.'}),
    ...quotaWaitFlags,
  }

  public async run(): Promise<void> {
    const settings = await this.loadSettings()
    const client = openClient(settings, this.apiKey(), (line) => this.printError(line), quotaWaitFromFlags(this.flags))
    try {
      const files = await importSequences({
        client,
        sequences: this.flags.sequence,
        outDir: this.flags['out-dir'],
        force: this.flags.force,
        onReadCost: (read) => {
          for (const line of renderReadCost(read)) this.notice(line)
        },
      })
      if (this.flags.json) {
        this.printJson({
          formatVersion: 1,
          files: files.map((f) => ({
            path: f.path,
            sequence: {id: f.sequence.id, name: f.sequence.name},
            members: f.members,
          })),
        })
      } else {
        for (const f of files)
          this.print(`wrote ${f.path}: "${flattenText(f.sequence.name)}" (${f.sequence.id}), ${f.members} members`)
      }
    } finally {
      await client.close()
    }
  }
}
