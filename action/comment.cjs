// mode: pr. Writes the ONE sticky plan comment of a pull request: the plan Markdown seqsync wrote
// (even for a failed plan: it lists every error with its file:line), and at its very end one marker
// that the merge apply trusts. It names the plan hash, the commit planned and the run holding the
// plan file; it is written only when the plan succeeded AND its file was stored, so a failed or
// unstored plan can never be applied. Only a comment by github-actions[bot] is ever updated.
'use strict'

const fs = require('node:fs')
const {COMMENT_LIMIT, MARKER, findPlanComment, planMarker, reviewedMarker} = require('./markers.cjs')

/** The heading of a comment whose plan cannot be applied (render/plan-failure.ts writes it too). */
const FAILED_HEADING = '### seqsync plan failed'

/** The comment body for this run. */
function commentBody(env, runId, runUrl) {
  const code = env.PLAN_EXIT ?? ''
  const hash = env.PLAN_HASH ?? ''
  const sha = env.HEAD_SHA ?? ''
  const markdown = env.PLAN_MD && fs.existsSync(env.PLAN_MD) ? fs.readFileSync(env.PLAN_MD, 'utf8') : ''
  const stored = (env.ARTIFACT_ID ?? '') !== ''
  const validated = env.VALIDATE_OUTCOME !== 'failure'
  const reviewable = validated && (code === '0' || code === '2') && /^sha256:[0-9a-f]{64}$/.test(hash) && stored
  let head
  let footer
  if (reviewable) {
    head = ''
    footer = `\n\n<sub>Plan for ${sha} · [workflow run](${runUrl}) · merging applies exactly this plan file (hash checked).</sub>\n${reviewedMarker({hash, sha, runId})}\n`
  } else {
    const why = !validated
      ? 'validation failed (see the annotations on the diff)'
      : !code
        ? 'validation or setup failed before planning'
        : code === '0' || code === '2'
          ? 'the plan file could not be stored'
          : `seqsync plan exited with ${code}`
    head = `${FAILED_HEADING}\n\nThe plan for ${sha} did not complete (${why}); see the [workflow run](${runUrl}). Nothing from this pull request can be applied until a plan succeeds.\n\n`
    footer = `\n<!-- seqsync:plan-failed sha=${sha} -->\n`
  }
  const marker = planMarker(env.WORKING_DIRECTORY)
  let body = markdown.startsWith(MARKER) ? markdown.slice(MARKER.length).replace(/^\n/, '') : markdown
  // A failed plan's Markdown has the same heading: once is enough, with this run's words under it.
  if (!reviewable && body.startsWith(FAILED_HEADING)) body = body.slice(FAILED_HEADING.length).replace(/^\n+/, '')
  const room = COMMENT_LIMIT - marker.length - 1 - head.length - footer.length
  if (body.length > room) {
    body = `${body.slice(0, room - 200)}\n\n… plan truncated to fit a comment; see the workflow run for the full plan.`
  }
  return `${marker}\n${head}${body}${footer}`
}

/** Creates the comment, or updates the bot's own comment for this working directory (markers.cjs). */
module.exports = async function postPlanComment({github, context, core, env}) {
  const {owner, repo} = context.repo
  const issue_number = Number(env.PR_NUMBER)
  const runUrl = `${context.serverUrl}/${owner}/${repo}/actions/runs/${context.runId}`
  const body = commentBody(env, context.runId, runUrl)
  const comments = await github.paginate(github.rest.issues.listComments, {owner, repo, issue_number, per_page: 100})
  const mine = findPlanComment(comments, env.WORKING_DIRECTORY)
  if (mine) {
    await github.rest.issues.updateComment({owner, repo, comment_id: mine.id, body})
    core.info(`Updated plan comment ${mine.html_url}`)
  } else {
    const {data} = await github.rest.issues.createComment({owner, repo, issue_number, body})
    core.info(`Created plan comment ${data.html_url}`)
  }
}
