// mode: apply. Finds the plan reviewed in the pull request merged by this push, and proves it is
// the plan of exactly the code and manifests now on the default branch:
//  - the merged pull request's sticky comment, written by github-actions[bot], ends with the
//    reviewed marker (comment.cjs) for the pull request's LAST commit;
//  - the run it names ran this same workflow on a pull_request event for that commit (a run of
//    another workflow, or for an older commit, could have uploaded anything);
//  - the working directory (config and manifests) is the same tree at that commit and at this one
//    (the branch was up to date, nothing else landed in between).
// Outputs hash, pr, run-id and artifact when all holds; empty outputs when there is no reviewed
// plan (a direct push, a failed or missing plan); fails the step when a plan exists but does not
// match, which is refused even with allow-unreviewed.
'use strict'

const {artifactName, findPlanComment, parseReviewedMarker} = require('./markers.cjs')

/** The tree sha of `dir` at `commitSha`, or null when the directory does not exist there. */
async function treeOf(github, owner, repo, commitSha, dir) {
  const {data: commit} = await github.rest.git.getCommit({owner, repo, commit_sha: commitSha})
  let sha = commit.tree.sha
  for (const part of dir.split('/').filter((p) => p !== '' && p !== '.')) {
    const {data: tree} = await github.rest.git.getTree({owner, repo, tree_sha: sha})
    const entry = tree.tree.find((e) => e.path === part && e.type === 'tree')
    if (!entry) return null
    sha = entry.sha
  }
  return sha
}

module.exports = async function findReviewedPlan({github, context, core, env}) {
  const {owner, repo} = context.repo
  for (const name of ['hash', 'pr', 'run-id', 'artifact']) core.setOutput(name, '')

  const {data: prs} = await github.rest.repos.listPullRequestsAssociatedWithCommit({
    owner,
    repo,
    commit_sha: context.sha,
  })
  const merged = prs.filter((p) => p.merged_at && p.base.ref === env.DEFAULT_BRANCH)
  const pr = merged.find((p) => p.merge_commit_sha === context.sha) ?? merged[0]
  if (!pr) {
    core.info(`No merged pull request is associated with ${context.sha}.`)
    return
  }
  core.setOutput('pr', String(pr.number))
  const comments = await github.paginate(github.rest.issues.listComments, {
    owner,
    repo,
    issue_number: pr.number,
    per_page: 100,
  })
  // The comment comment.cjs writes for this working directory (only the bot's: see markers.cjs).
  const dir = env.WORKING_DIRECTORY || '.'
  const reviewed = parseReviewedMarker(findPlanComment(comments, dir)?.body)
  if (!reviewed) {
    core.info(`Pull request #${pr.number} has no successful seqsync plan (it failed, was skipped, or never ran).`)
    return
  }
  if (reviewed.sha !== pr.head.sha) {
    core.info(
      `The last successful plan of #${pr.number} is for ${reviewed.sha}, not for its last commit ${pr.head.sha}.`,
    )
    return
  }

  const [{data: run}, {data: current}] = await Promise.all([
    github.rest.actions.getWorkflowRun({owner, repo, run_id: reviewed.runId}),
    github.rest.actions.getWorkflowRun({owner, repo, run_id: context.runId}),
  ])
  if (run.event !== 'pull_request' || run.head_sha !== reviewed.sha || run.workflow_id !== current.workflow_id) {
    core.setFailed(
      `The plan comment of #${pr.number} names run ${reviewed.runId}, which is not this workflow's pull request run for ${reviewed.sha}. Nothing was applied.`,
    )
    return
  }

  const [reviewedTree, mergedTree] = await Promise.all([
    treeOf(github, owner, repo, reviewed.sha, dir),
    treeOf(github, owner, repo, context.sha, dir),
  ])
  if (reviewedTree === null || reviewedTree !== mergedTree) {
    core.setFailed(
      `${dir} at ${context.sha} is not what the plan reviewed in #${pr.number} was made from (${reviewed.sha}): the branch was not up to date, or something else landed since. Nothing was applied. Open a pull request (an empty commit will do) to plan and review what is on ${env.DEFAULT_BRANCH} now.`,
    )
    return
  }

  core.info(`Reviewed plan of #${pr.number}: ${reviewed.hash} (run ${reviewed.runId}).`)
  core.setOutput('hash', reviewed.hash)
  core.setOutput('run-id', String(reviewed.runId))
  core.setOutput('artifact', artifactName(reviewed.sha, dir))
}
