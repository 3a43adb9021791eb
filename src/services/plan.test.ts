import {describe, expect, it} from 'vitest'
import type {ApolloClient} from '../apollo/types.js'
import type {LiveSequence} from '../model/state.js'
import {desiredSequence, desiredState} from '../../test/helpers/builders.js'
import {resolveSequenceFilter} from './plan.js'

describe('resolveSequenceFilter', () => {
  it('translates a name to the id a manifest pins, and stops paging at the display cap', async () => {
    const pinned: LiveSequence = {id: '66f0c1e2a4b5c6d7e8f90123', name: 'Q4', active: true, archived: false}
    let calls = 0
    // A search whose pagination never ends (a broken or hostile API): plan must not loop forever.
    const client = {
      searchSequences: ({page}: {page: number}) => {
        calls++
        return Promise.resolve({
          items: page === 1 ? [pinned] : [],
          page,
          totalPages: 1_000_000_000,
          totalEntries: 100_000_000_000,
        })
      },
      getSequence: () => Promise.resolve(null),
    } as unknown as ApolloClient
    const desired = desiredState(desiredSequence({id: pinned.id}))
    await expect(resolveSequenceFilter(desired, ['Q4'], client)).resolves.toEqual([pinned.id])
    expect(calls).toBeLessThanOrEqual(500)
  })
})
