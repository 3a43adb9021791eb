import {inspect} from 'node:util'

const REDACTED = '[REDACTED]'

/**
 * The Apollo API key. Its value is readable only through `reveal()`, which the HTTP layer calls to
 * set the `x-api-key` header; every other way of turning it into text yields `[REDACTED]`.
 */
export class ApiKey {
  readonly #value: string

  constructor(value: string) {
    this.#value = value
  }

  /** For the x-api-key header only. */
  reveal(): string {
    return this.#value
  }

  /** Replace every occurrence of the key in `text` (a last line of defence on output). */
  redact(text: string): string {
    return this.#value.length >= 4 ? text.split(this.#value).join(REDACTED) : text
  }

  toString(): string {
    return REDACTED
  }

  toJSON(): string {
    return REDACTED
  }

  [inspect.custom](): string {
    return REDACTED
  }
}
