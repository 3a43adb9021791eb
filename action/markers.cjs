// The hidden markers of the sticky plan comment and the plan artifact's name, written by comment.cjs
// and the upload step, read by reviewed-plan.cjs: one format, and one way to find the comment, in one
// place. Each names the working directory, so two seqsync jobs of one repository (different
// working-directory) keep their own comment and artifact.
'use strict'

/** The marker of the repository root's plan comment (and of the CLI's Markdown). */
const MARKER = '<!-- seqsync:plan -->'

/** GitHub rejects comment bodies over 65,536 characters. */
const COMMENT_LIMIT = 65_000

/**
 * The working directory as a slug: `./gtm/seqsync/` and `gtm//seqsync` are `gtm_2fseqsync`, the root
 * is ''. Every character but letters, digits, `.` and `-` is `_` and its hex code, so two
 * directories never share a slug, and the slug is safe in an HTML comment and an artifact name.
 */
function directorySlug(dir) {
  const parts = String(dir ?? '.')
    .split('/')
    .filter((p) => p !== '' && p !== '.')
  return parts.join('/').replace(/[^A-Za-z0-9.-]|-(?=-)/g, (ch) => `_${ch.charCodeAt(0).toString(16).padStart(2, '0')}`)
}

/** The first line of the plan comment of the job working in `dir`. */
function planMarker(dir) {
  const slug = directorySlug(dir)
  return slug === '' ? MARKER : `<!-- seqsync:plan dir=${slug} -->`
}

/** The name of the plan artifact of the job working in `dir`, for commit `sha`. */
function artifactName(sha, dir) {
  const slug = directorySlug(dir)
  return slug === '' ? `seqsync-plan-${sha}` : `seqsync-plan-${slug}-${sha}`
}

/**
 * The title of the drift issue of the job working in `dir`: one issue per working directory, so
 * one job's "no drift" never closes another's. The directory is the workflow's own input.
 */
function driftIssueTitle(dir) {
  const parts = String(dir ?? '.')
    .split('/')
    .filter((p) => p !== '' && p !== '.')
  return parts.length === 0 ? 'seqsync: drift detected' : `seqsync: drift detected in ${parts.join('/')}`
}

/**
 * The plan comment of the job working in `dir`: the FIRST comment by github-actions[bot] that starts
 * with its marker (the one comment.cjs updates, so the one the merge apply reads), or undefined.
 * Only the workflow's own comment is trusted, never a comment anybody could post.
 */
function findPlanComment(comments, dir) {
  const marker = planMarker(dir)
  return comments.find(
    (c) =>
      c.user?.type === 'Bot' &&
      c.user?.login === 'github-actions[bot]' &&
      (c.body ?? '').replace(/\r\n/g, '\n').startsWith(`${marker}\n`),
  )
}

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

module.exports = {
  COMMENT_LIMIT,
  MARKER,
  artifactName,
  directorySlug,
  driftIssueTitle,
  findPlanComment,
  parseReviewedMarker,
  planMarker,
  reviewedMarker,
}
