// `--mask-emails`: hide the local part of addresses in output meant for public repositories. Pure.

/** `jane@acme.com` -> `j***@acme.com`; text without `@` keeps its first character. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@')
  if (at < 0) return email.length === 0 ? email : `${email.slice(0, 1)}***`
  const local = email.slice(0, at)
  return `${local.slice(0, 1)}***${email.slice(at)}`
}

// `/` ends a token: `teams/@sales/q4.yaml` is a path, not an email.
const EMAIL_IN_TEXT = /[^\s@<>"'`()[\]{}|,;:/]+@[^\s@<>"'`()[\]{}|,;:/]+\.[^\s@<>"'`()[\]{}|,;:/]+/g

/** Masks every email-looking token of a free text (warning and error messages). */
export function maskEmailsInText(text: string): string {
  return text.replace(EMAIL_IN_TEXT, (m) => maskEmail(m))
}
