// The hidden markers of the sticky plan comment, written by comment.cjs and read by
// reviewed-plan.cjs: one format, in one place.
'use strict'

/** Finds the comment (anywhere in its body). */
const MARKER = '<!-- seqsync:plan -->'

/** GitHub rejects comment bodies over 65,536 characters. */
const COMMENT_LIMIT = 65_000

/** The last line of a comment whose plan may be applied on merge. */
function reviewedMarker({hash, sha, runId}) {
  return `<!-- seqsync:reviewed hash=${hash} sha=${sha} run=${runId} -->`
}

/**
 * The reviewed plan named by a comment, or null. Only a marker that ENDS the body counts: the
 * footer is appended after the Markdown, so nothing inside the plan can forge it.
 */
function parseReviewedMarker(body) {
  const m = /<!-- seqsync:reviewed hash=(sha256:[0-9a-f]{64}) sha=([0-9a-f]{40}) run=(\d+) -->\s*$/.exec(body ?? '')
  return m ? {hash: m[1], sha: m[2], runId: Number(m[3])} : null
}

module.exports = {COMMENT_LIMIT, MARKER, parseReviewedMarker, reviewedMarker}
