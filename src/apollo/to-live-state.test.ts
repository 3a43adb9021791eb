import {describe, expect, it} from 'vitest'
import {IncompleteReadError} from '../errors.js'
import {parseApiProfile} from './parse-responses.js'
import {
  listContactSequenceIds,
  parseWireNumber,
  toLiveContact,
  toLiveMailbox,
  toLiveSequence,
  toPagination,
} from './to-live-state.js'

describe('toLiveContact', () => {
  it('maps memberships, additional emails and tolerates extra or missing fields', () => {
    const contact = toLiveContact({
      id: 'c1',
      email: 'Jane@Acme.com',
      first_name: 'Jane',
      last_name: 'Doe',
      organization_name: 'Acme',
      email_status: 'verified',
      some_new_field: {nested: true},
      contact_emails: [{email: 'jane@acme.com', position: 0}, {email: 'j.doe@home.org', position: '1'}, {email: null}],
      contact_campaign_statuses: [
        // Same status id on both entries: Apollo reuses it, so it must not be used as a key.
        {
          id: 'x',
          emailer_campaign_id: 's1',
          status: 'active',
          send_email_from_email_account_id: 'm1',
          inactive_reason: null,
          added_by_user_id: 'u7',
        },
        {id: 'x', emailer_campaign_id: 's2', status: 'failed', failure_reason: 'hard_bounced'},
        {id: 'y', emailer_campaign_id: 's1', status: 'finished'},
      ],
    })
    expect(contact).toEqual({
      id: 'c1',
      email: 'Jane@Acme.com',
      otherEmails: ['j.doe@home.org'],
      emailStatus: 'verified',
      name: 'Jane Doe',
      organizationName: 'Acme',
      memberships: [
        {
          sequenceId: 's1',
          status: 'active',
          inactiveReason: null,
          failureReason: null,
          mailboxId: 'm1',
          addedByUserId: 'u7',
        },
        {
          sequenceId: 's2',
          status: 'failed',
          inactiveReason: null,
          failureReason: 'hard_bounced',
          mailboxId: null,
          addedByUserId: null,
        },
      ],
    })
  })

  it('accepts a contact with only an id', () => {
    expect(toLiveContact({id: 'c2'})).toEqual({
      id: 'c2',
      email: null,
      otherEmails: [],
      emailStatus: null,
      name: null,
      organizationName: null,
      memberships: [],
    })
  })

  it('fails closed on a membership status it does not understand, naming it', () => {
    const read = () =>
      toLiveContact({id: 'c3', contact_campaign_statuses: [{emailer_campaign_id: 's1', status: 'snoozed'}]})
    expect(read).toThrow(IncompleteReadError)
    expect(read).toThrow(/"snoozed"/)
  })

  it('fails closed on a contact without id', () => {
    expect(() => toLiveContact({email: 'a@b.c'})).toThrow(IncompleteReadError)
    expect(() => toLiveContact(null)).toThrow(IncompleteReadError)
  })

  it('accepts as an id only 1-64 letters, digits, _ and - (a path segment and a terminal line it cannot break)', () => {
    expect(toLiveContact({id: '5f0a_B-9'}).id).toBe('5f0a_B-9')
    expect(toLiveContact({id: 42}).id).toBe('42')
    for (const id of ['../admin', 'a/b', 'c1\u001b[2J', 'x y', 'a'.repeat(65), '', 1.5, -3, Number.NaN]) {
      expect(() => toLiveContact({id}), JSON.stringify(id)).toThrow(IncompleteReadError)
    }
    // A membership or a mailbox id that is not an id is not read as one.
    const c = toLiveContact({
      id: 'c1',
      contact_campaign_statuses: [
        {emailer_campaign_id: 's1', status: 'active', send_email_from_email_account_id: 'm/../1'},
      ],
    })
    expect(c.memberships).toMatchObject([{sequenceId: 's1', mailboxId: null}])
  })

  it('lists the sequence ids a contact claims', () => {
    expect(
      listContactSequenceIds({emailer_campaign_ids: ['a'], contact_campaign_statuses: [{emailer_campaign_id: 'b'}]}),
    ).toEqual(['a', 'b'])
    expect(listContactSequenceIds({})).toEqual([])
  })
})

describe('toLiveSequence / toLiveMailbox', () => {
  it('ignores "loading" stats and reads flags', () => {
    expect(
      toLiveSequence({
        id: 's1',
        name: 'Q4',
        active: true,
        archived: false,
        unique_scheduled: 'loading',
        contact_statuses: {active: 'loading'},
      }),
    ).toEqual({id: 's1', name: 'Q4', active: true, archived: false})
    expect(toLiveSequence({id: 's2', name: 'Old', archived: 'true'})).toEqual({
      id: 's2',
      name: 'Old',
      active: false,
      archived: true,
    })
    expect(() => toLiveSequence({name: 'no id'})).toThrow(IncompleteReadError)
  })

  it('maps mailboxes, with revoked_at when Apollo revoked one', () => {
    expect(toLiveMailbox({id: 'm1', email: 'sdr@acme.com', active: true, deliverability_score: {x: 1}})).toEqual({
      id: 'm1',
      email: 'sdr@acme.com',
      active: true,
      revokedAt: null,
    })
    expect(toLiveMailbox({id: 'm2', email: 'x@acme.com', active: true, revoked_at: '2026-11-02T10:00:00Z'})).toEqual({
      id: 'm2',
      email: 'x@acme.com',
      active: true,
      revokedAt: '2026-11-02T10:00:00Z',
    })
  })
})

describe('pagination and numbers', () => {
  it('reads numbers sent as strings and rejects "loading"', () => {
    expect(parseWireNumber('2')).toBe(2)
    expect(parseWireNumber(3)).toBe(3)
    expect(parseWireNumber('loading')).toBeNull()
    expect(toPagination({page: '2', per_page: '100', total_entries: '250', total_pages: '3'}, 2, 100, 'x')).toEqual({
      page: 2,
      totalEntries: 250,
      totalPages: 3,
    })
    expect(toPagination({total_entries: 250}, 1, 100, 'x')).toEqual({page: 1, totalEntries: 250, totalPages: 3})
    expect(() => toPagination({total_entries: 'loading'}, 1, 100, 'x')).toThrow(IncompleteReadError)
    expect(() => toPagination(undefined, 1, 100, 'x')).toThrow(IncompleteReadError)
  })
})

describe('parseApiProfile', () => {
  it('reads the key owner, its team and its name, flat or under `user`', () => {
    expect(
      parseApiProfile({id: 'u1', team_id: 't1', first_name: 'Ops', last_name: 'Bot', email: 'ops@acme.com'}),
    ).toEqual({userId: 'u1', teamId: 't1', email: 'ops@acme.com', name: 'Ops Bot'})
    expect(parseApiProfile({user: {id: 'u2', email: null}, team_id: 't9'})).toEqual({
      userId: 'u2',
      teamId: 't9',
      email: null,
      name: null,
    })
    expect(() => parseApiProfile({email: 'x@y.z'})).toThrow(/no user id/)
  })
})
