// The manifest v1 JSON Schema (draft 2020-12), the source of truth for schemas/manifest.schema.json
// (regenerate with `npx tsx scripts/gen-manifest-schema.ts`; a test checks the two match).
// Contact entries are discriminated with if/then/else (not anyOf) so that errors point at one branch.

export const MANIFEST_SCHEMA_ID = 'https://seqsync.dev/schemas/manifest.schema.json'

const contactId = {
  type: 'string',
  title: 'Apollo contact id',
  description: 'The id of an Apollo contact (24 hexadecimal characters in Apollo).',
  minLength: 1,
  pattern: '^[A-Za-z0-9_-]+$',
} as const

export const emailString = {
  type: 'string',
  title: 'Email',
  description: 'An email address; compared case-insensitively and trimmed.',
  format: 'email',
} as const

export const manifestSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: MANIFEST_SCHEMA_ID,
  title: 'seqsync manifest (seqsync/v1)',
  description:
    'A seqsync document: a SequenceMembership (which contacts belong in an Apollo sequence) or a ContactList (a named, reusable list of contacts).',
  type: 'object',
  required: ['apiVersion', 'kind'],
  properties: {
    apiVersion: {
      title: 'API version',
      description: 'Manifest format version. Always `seqsync/v1`.',
      const: 'seqsync/v1',
    },
    kind: {
      title: 'Document kind',
      description: '`SequenceMembership` or `ContactList`.',
      enum: ['SequenceMembership', 'ContactList'],
    },
  },
  allOf: [
    {
      if: {type: 'object', properties: {kind: {const: 'SequenceMembership'}}, required: ['kind']},
      then: {$ref: '#/$defs/SequenceMembership'},
    },
    {
      if: {type: 'object', properties: {kind: {const: 'ContactList'}}, required: ['kind']},
      then: {$ref: '#/$defs/ContactList'},
    },
  ],
  $defs: {
    SequenceMembership: {
      title: 'SequenceMembership',
      description: 'Declares which contacts belong in one Apollo sequence, and in which state.',
      type: 'object',
      required: ['apiVersion', 'kind', 'sequence', 'mailbox'],
      additionalProperties: false,
      properties: {
        apiVersion: {const: 'seqsync/v1'},
        kind: {const: 'SequenceMembership'},
        sequence: {
          title: 'Sequence',
          description:
            'The Apollo sequence: exactly one of `name` (exact, case-sensitive) or `id` (pinning by id survives renames).',
          type: 'object',
          minProperties: 1,
          maxProperties: 1,
          additionalProperties: false,
          properties: {
            name: {type: 'string', title: 'Sequence name', description: 'The exact sequence name.', minLength: 1},
            id: {
              type: 'string',
              title: 'Sequence id',
              description: 'The Apollo sequence (emailer_campaign) id.',
              minLength: 1,
              pattern: '^[A-Za-z0-9_-]+$',
            },
          },
        },
        mailbox: {
          type: 'string',
          title: 'Sending mailbox',
          description: 'Email of an Apollo email account, or its id, that sends the sequence to added contacts.',
          minLength: 1,
        },
        prune: {
          title: 'Prune',
          description:
            'What happens to live members the manifest does not declare: `none` (leave them, default), `remove`, `finish` (mark as finished) or `stop`.',
          enum: ['none', 'remove', 'finish', 'stop'],
          default: 'none',
        },
        missingContacts: {
          title: 'Missing contacts',
          description:
            'What to do with an email that has no Apollo contact: `error` (default), `skip`, or `create` the contact.',
          enum: ['error', 'skip', 'create'],
          default: 'error',
        },
        enroll: {
          title: 'Enroll switches',
          description: "Apollo's add_contact_ids safety switches; all false by default.",
          type: 'object',
          additionalProperties: false,
          properties: {
            noEmail: {
              type: 'boolean',
              default: false,
              description: 'Add contacts without an email (sequence_no_email).',
            },
            unverifiedEmail: {
              type: 'boolean',
              default: false,
              description: 'Add contacts with an unverified email (sequence_unverified_email).',
            },
            jobChange: {
              type: 'boolean',
              default: false,
              description: 'Add contacts with a recent job change (sequence_job_change).',
            },
            activeInOtherSequences: {
              type: 'boolean',
              default: false,
              description: 'Add contacts active in other sequences (sequence_active_in_other_campaigns).',
            },
            finishedInOtherSequences: {
              type: 'boolean',
              default: false,
              description: 'Add contacts finished in other sequences (sequence_finished_in_other_campaigns).',
            },
            sameCompany: {
              type: 'boolean',
              default: false,
              description:
                'Add contacts from a company already in this sequence (sequence_same_company_in_same_campaign).',
            },
          },
        },
        contacts: {
          title: 'Contacts',
          description: 'Contacts that must be in the sequence (enrolled: active or paused).',
          type: 'array',
          items: {$ref: '#/$defs/ContactEntry'},
        },
        finished: {
          title: 'Finished',
          description: 'Contacts that must be marked finished in the sequence.',
          type: 'array',
          items: {$ref: '#/$defs/ContactEntry'},
        },
        stopped: {
          title: 'Stopped',
          description: 'Contacts that must be stopped in the sequence.',
          type: 'array',
          items: {$ref: '#/$defs/ContactEntry'},
        },
        removed: {
          title: 'Removed',
          description: 'Contacts that must not be in the sequence at all (a tombstone; works even with prune: none).',
          type: 'array',
          items: {$ref: '#/$defs/ContactEntry'},
        },
      },
    },
    ContactList: {
      title: 'ContactList',
      description: 'A named list of contacts that SequenceMembership documents reference with `- list: NAME`.',
      type: 'object',
      required: ['apiVersion', 'kind', 'name'],
      additionalProperties: false,
      properties: {
        apiVersion: {const: 'seqsync/v1'},
        kind: {const: 'ContactList'},
        name: {
          type: 'string',
          title: 'List name',
          description: 'Unique name of the list.',
          minLength: 1,
        },
        contacts: {
          title: 'Contacts',
          description: 'The contacts of the list (emails, contact objects or ids; no nested lists).',
          type: 'array',
          items: {$ref: '#/$defs/ListEntry'},
        },
      },
    },
    ContactEntry: {
      title: 'Contact entry',
      description:
        'An email string, `{email, firstName, lastName, organization, title}`, `{id}` (an Apollo contact id) or `{list}` (a ContactList name).',
      type: ['string', 'object'],
      if: {type: 'object', properties: {list: true}, required: ['list']},
      then: {$ref: '#/$defs/ListRef'},
      else: {$ref: '#/$defs/ListEntry'},
    },
    ListEntry: {
      title: 'Contact',
      description: 'An email string, `{email, firstName, lastName, organization, title}` or `{id}`.',
      type: ['string', 'object'],
      if: {type: 'string'},
      then: emailString,
      else: {
        if: {type: 'object', properties: {id: true}, required: ['id']},
        then: {$ref: '#/$defs/IdRef'},
        else: {$ref: '#/$defs/EmailContact'},
      },
    },
    EmailContact: {
      title: 'Contact by email',
      type: 'object',
      required: ['email'],
      additionalProperties: false,
      properties: {
        email: emailString,
        firstName: {type: 'string', description: 'Used only by missingContacts: create.'},
        lastName: {type: 'string', description: 'Used only by missingContacts: create.'},
        organization: {type: 'string', description: 'Used only by missingContacts: create.'},
        title: {type: 'string', description: 'Job title; used only by missingContacts: create.'},
      },
    },
    IdRef: {
      title: 'Contact by id',
      type: 'object',
      required: ['id'],
      additionalProperties: false,
      properties: {id: contactId},
    },
    ListRef: {
      title: 'List reference',
      type: 'object',
      required: ['list'],
      additionalProperties: false,
      properties: {list: {type: 'string', minLength: 1, description: 'Name of a ContactList document.'}},
    },
  },
} as const
