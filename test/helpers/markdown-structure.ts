// Reads a PR comment the way GitHub does — through a GFM renderer (marked) — and returns its
// structure, so tests check headings, tables, sections, code blocks and links, not substrings.
import {lexer} from 'marked'
import type {Token, Tokens} from 'marked'

export interface MarkdownStructure {
  readonly headings: readonly string[]
  readonly tables: readonly {readonly header: readonly string[]; readonly rows: readonly (readonly string[])[]}[]
  /** `<details>` sections in order: open or collapsed, and the text of their `<summary>`. */
  readonly details: readonly {readonly open: boolean; readonly summary: string}[]
  readonly code: readonly {readonly lang: string; readonly text: string}[]
  readonly links: readonly {readonly href: string; readonly text: string}[]
  /** Raw HTML that is not one of ours (marker, details, summary): must be empty. */
  readonly foreignHtml: readonly string[]
  /** Every text token outside code, tables included (for "no @mention", "words before codes"). */
  readonly text: string
}

const OUR_HTML = [
  /^<!-- seqsync:plan -->\s*$/,
  /^<details( open)?><summary>[^<>]*<\/summary>\s*$/,
  /^<\/details>\s*$/,
  /^<details><summary>API cost<\/summary>\s*$/,
]

export function readMarkdown(md: string): MarkdownStructure {
  const out = {
    headings: [] as string[],
    tables: [] as {header: string[]; rows: string[][]}[],
    details: [] as {open: boolean; summary: string}[],
    code: [] as {lang: string; text: string}[],
    links: [] as {href: string; text: string}[],
    foreignHtml: [] as string[],
    text: [] as string[],
  }
  const walk = (tokens: readonly Token[]): void => {
    for (const t of tokens) {
      switch (t.type) {
        case 'heading':
          out.headings.push((t as Tokens.Heading).text)
          break
        case 'table': {
          const table = t as Tokens.Table
          out.tables.push({
            header: table.header.map((c) => c.text),
            rows: table.rows.map((r) => r.map((c) => c.text)),
          })
          for (const cell of [...table.header, ...table.rows.flat()]) walk(cell.tokens)
          continue
        }
        case 'code':
          out.code.push({lang: (t as Tokens.Code).lang ?? '', text: (t as Tokens.Code).text})
          continue
        case 'link':
          out.links.push({href: (t as Tokens.Link).href, text: (t as Tokens.Link).text})
          break
        case 'html': {
          const raw = (t as Tokens.HTML).raw
          const m = /^<details( open)?><summary>([^<>]*)<\/summary>/.exec(raw)
          if (m) out.details.push({open: m[1] !== undefined, summary: m[2] ?? ''})
          if (!OUR_HTML.some((re) => re.test(raw))) out.foreignHtml.push(raw)
          continue
        }
        case 'text':
          out.text.push((t as Tokens.Text).text)
          break
      }
      const children = (t as {tokens?: Token[]}).tokens
      if (children) walk(children)
      const items = (t as {items?: Tokens.ListItem[]}).items
      if (items) walk(items)
    }
  }
  walk(lexer(md, {gfm: true}))
  return {...out, text: out.text.join('\n')}
}
