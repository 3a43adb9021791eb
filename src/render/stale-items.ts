// The words for what made a saved plan stale (applier/check-basis.ts). Pure.

import type {StaleItem} from '../model/apply-report.js'
import {maskEmail} from './mask-email.js'
import {describeContact, flattenText} from './plan-text.js'

export function describeStaleItem(item: StaleItem, maskEmails: boolean): string {
  const sequence = `"${flattenText(item.sequenceName)}" (${item.sequenceId})`
  switch (item.code) {
    case 'sequence-gone':
      return `sequence ${sequence} no longer exists in Apollo`
    case 'sequence-archived':
      return `sequence ${sequence} was archived`
    case 'sequence-renamed':
      return `sequence ${sequence} was renamed to "${flattenText(item.nowName)}"`
    case 'sequence-active-changed':
      return `sequence ${sequence} was ${item.nowActive ? 'activated' : 'deactivated'}`
    case 'mailbox-gone':
      return `the mailbox ${item.mailboxId} of sequence ${sequence} no longer exists`
    case 'mailbox-inactive': {
      const email = flattenText(maskEmails ? maskEmail(item.mailboxEmail) : item.mailboxEmail)
      return `the mailbox ${email} (${item.mailboxId}) of sequence ${sequence} was deactivated`
    }
    case 'key-owner-changed':
      return `sequence ${sequence} prunes only members its key's user added (pruneScope: owned): the plan was made as Apollo user ${item.plannedUserId ?? '(unknown)'}, this run's key acts as ${item.nowUserId ?? '(unknown)'}`
    case 'contact-moved':
      return `${describeContact(item.email, item.contactId, maskEmails)} in ${sequence}: planned against ${item.planned}, now ${item.now}`
  }
}
