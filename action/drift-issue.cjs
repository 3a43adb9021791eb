// mode: drift (with drift-issue: true). Opens the issue "seqsync: drift detected" (with " in DIR"
// for a working directory other than the root) with the plan on drift, updates it on the next drift, and closes it once a run finds none. Only an issue opened by
// github-actions[bot] is touched.
'use strict'

const fs = require('node:fs')
const {COMMENT_LIMIT, driftIssueTitle} = require('./markers.cjs')

module.exports = async function reportDrift({github, context, core, env}) {
  const {owner, repo} = context.repo
  const TITLE = driftIssueTitle(env.WORKING_DIRECTORY)
  const runUrl = `${context.serverUrl}/${owner}/${repo}/actions/runs/${context.runId}`
  const open = await github.paginate(github.rest.issues.listForRepo, {owner, repo, state: 'open', per_page: 100})
  const existing = open.find((i) => !i.pull_request && i.title === TITLE && i.user?.login === 'github-actions[bot]')
  if (env.PLAN_EXIT === '2') {
    const header = `Apollo no longer matches the manifests on \`${context.ref}\` (checked by [this run](${runUrl})). Someone changed sequence membership outside seqsync, or a previous apply did not converge.\n\nTo resolve: change the manifests in a pull request to adopt the live state, or merge a pull request so the reviewed plan is applied.\n\n`
    let md = fs.readFileSync(env.PLAN_MD, 'utf8')
    if (header.length + md.length > COMMENT_LIMIT) {
      md = `${md.slice(0, COMMENT_LIMIT - header.length - 200)}\n\n… truncated; see the workflow run.`
    }
    const body = header + md
    if (existing) {
      await github.rest.issues.update({owner, repo, issue_number: existing.number, body})
      core.warning(`Drift detected: updated ${existing.html_url}`)
    } else {
      const {data} = await github.rest.issues.create({owner, repo, title: TITLE, body})
      core.warning(`Drift detected: opened ${data.html_url}`)
    }
  } else if (existing) {
    await github.rest.issues.createComment({
      owner,
      repo,
      issue_number: existing.number,
      body: `No drift as of [this run](${runUrl}); closing.`,
    })
    await github.rest.issues.update({
      owner,
      repo,
      issue_number: existing.number,
      state: 'closed',
      state_reason: 'completed',
    })
  }
}
