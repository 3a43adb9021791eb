import {createInterface} from 'node:readline/promises'

import {NotConfirmedError} from '../errors.js'

/**
 * The question apply asks before writing, or null when none is needed (a reviewed plan file or
 * --auto-approve). Refuses at once when one is needed but there is no terminal to ask on.
 */
export function confirmation(needed: boolean): (() => Promise<boolean>) | null {
  if (!needed) return null
  if (!(process.stdin.isTTY && process.stdout.isTTY)) {
    throw new NotConfirmedError('apply needs confirmation but there is no terminal to ask', {
      hint: 'Pass --auto-approve (for CI), or apply a reviewed plan file: seqsync plan --out plan.json && seqsync apply plan.json',
    })
  }
  return () => confirmApply(process.stdin, process.stdout)
}

/** Terraform-style confirmation: only the exact word `yes` proceeds; Ctrl-C (or end of input) declines. */
export async function confirmApply(input: NodeJS.ReadStream, output: NodeJS.WriteStream): Promise<boolean> {
  const rl = createInterface({input, output})
  try {
    const answer = await rl.question(
      '\nDo you want to apply these changes to Apollo?\n  Only "yes" will be accepted to approve.\n\n  Enter a value: ',
    )
    return answer.trim() === 'yes'
  } catch (error) {
    // readline/promises rejects the question with an AbortError on Ctrl-C: a "no", not a bug.
    if (error instanceof Error && error.name === 'AbortError') {
      output.write('\n')
      return false
    }
    throw error
  } finally {
    rl.close()
  }
}
