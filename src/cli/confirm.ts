import {createInterface} from 'node:readline/promises'

/** Terraform-style confirmation: only the exact word `yes` proceeds. */
export async function confirmApply(input: NodeJS.ReadStream, output: NodeJS.WriteStream): Promise<boolean> {
  const rl = createInterface({input, output})
  try {
    const answer = await rl.question(
      '\nDo you want to apply these changes to Apollo?\n  Only "yes" will be accepted to approve.\n\n  Enter a value: ',
    )
    return answer.trim() === 'yes'
  } finally {
    rl.close()
  }
}
