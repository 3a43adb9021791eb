import {createInterface} from 'node:readline/promises'

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
