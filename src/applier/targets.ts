// The one rule for "this change has happened": the status a contact must have in the change's
// sequence once the change is applied. Write answers, the resume check and the verdict all use it. Pure.

import type {RemovalChange} from '../model/plan.js'
import type {LiveStatus} from '../model/state.js'

export type MemberChangeKind = 'add' | RemovalChange['kind']

export function isAtTarget(kind: MemberChangeKind, status: LiveStatus): boolean {
  switch (kind) {
    case 'add':
      return status === 'active' || status === 'paused'
    case 'remove':
      return status === 'absent'
    case 'finish':
      return status === 'finished'
    case 'stop':
      return status === 'paused' || status === 'finished'
  }
}
