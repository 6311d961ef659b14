//! GLUE for the tracking issues (config `tracking_issue`): after the item
//! changes are applied, keep one tracking issue per postmortem and its
//! items as its sub-issues — the pure [`crate::plan::tracking`] decides,
//! the edge applies. Runs in three steps so that one run settles: the
//! tracking issues (created, bodies, close/reopen), the sub-issue links,
//! then the tracking issues again (a body or state that the links or new
//! issues changed).

use crate::error::Result;
use crate::github::sub_issues::ParentOutcome;
use crate::github::{Applied, ApplyOutcome, ApplyResult, GitHub, Progress};
use crate::model::{Issue, Link, Postmortem, TaskKey};
use crate::plan::tracking::{
    parent_changes, parents_to_read, says_task_list, tracking_changes, tracking_label,
    tracking_links, ParentOp, TrackingInput,
};
use crate::plan::Plan;
use std::collections::BTreeMap;

/// What the tracking step did.
#[derive(Debug, Default)]
pub struct Tracked {
    /// The tracking issues' changes, as applied.
    pub applied: Vec<Applied>,
    /// Sub-issues attached and detached.
    pub attached: usize,
    /// Sub-issues detached.
    pub detached: usize,
    /// Lines for the log (warnings, the fallback).
    pub lines: Vec<String>,
    /// The write budget ran out: the next run goes on.
    pub budget_spent: bool,
    /// Each postmortem's tracking issue, as it stands after the run.
    pub links: Vec<Link>,
}

impl Tracked {
    /// Nothing was changed on GitHub.
    pub fn is_empty(&self) -> bool {
        self.applied.is_empty() && self.attached == 0 && self.detached == 0
    }
}

/// Where the documents live, for the tracking issues' links.
pub struct Place<'a> {
    /// `owner/name`.
    pub repo: &'a str,
    /// Web server URL.
    pub server_url: &'a str,
    /// Branch.
    pub branch: &'a str,
    /// The base label.
    pub base_label: &'a str,
    /// Documents deleted or renamed away in this run's scope.
    pub gone: &'a [String],
}

/// Keep the tracking issues of `postmortems` after `applied`.
pub async fn keep(
    gh: &mut GitHub,
    postmortems: &[Postmortem],
    plan: &Plan,
    applied: &ApplyResult,
    place: &Place<'_>,
    progress: &dyn Progress,
) -> Result<Tracked> {
    let mut out = Tracked::default();
    let mut item_issue: BTreeMap<TaskKey, u64> = plan.issue_of.clone();
    for (k, n) in &applied.created {
        item_issue.entry(k.clone()).or_insert(*n);
    }
    let issues: Vec<Issue> = applied.issues.values().cloned().collect();
    let mut task_list = says_task_list(&issues);
    // 1. The tracking issues themselves.
    fn input<'a>(
        postmortems: &'a [Postmortem],
        item_issue: &'a BTreeMap<TaskKey, u64>,
        place: &'a Place<'a>,
        issues: &'a [Issue],
        task_list: bool,
    ) -> TrackingInput<'a> {
        TrackingInput {
            postmortems,
            issues,
            item_issue,
            base_label: place.base_label,
            repo: place.repo,
            server_url: place.server_url,
            branch: place.branch,
            task_list,
            gone: place.gone,
        }
    }
    let issues = apply_tracking(
        gh,
        &input(postmortems, &item_issue, place, &issues, task_list),
        progress,
        &mut out,
    )
    .await?;
    if out.budget_spent {
        return Ok(out);
    }
    // 2. The sub-issue links; parents the listing did not say are read
    // first (one request per tracking issue, on older servers only).
    let to_read = parents_to_read(&input(postmortems, &item_issue, place, &issues, task_list));
    for t in &to_read {
        gh.read_sub_issues(*t, progress).await?;
    }
    let issues: Vec<Issue> = if to_read.is_empty() {
        issues
    } else {
        gh.issues().values().cloned().collect()
    };
    let (links, warnings) =
        parent_changes(&input(postmortems, &item_issue, place, &issues, task_list));
    out.lines
        .extend(warnings.into_iter().map(|w| format!("warning: {w}")));
    for change in &links {
        if gh.budget_left() == Some(0) {
            out.budget_spent = true;
            break;
        }
        match gh.set_parent(change, progress).await? {
            ParentOutcome::Done => match change.op {
                ParentOp::Add { .. } => out.attached += 1,
                ParentOp::Remove => out.detached += 1,
            },
            ParentOutcome::Unsupported => {
                out.lines.push(format!(
                    "warning: this GitHub has no sub-issues (adding #{} to #{} answered 404, as older GitHub Enterprise Server does); each tracking issue lists its items as a task list instead",
                    change.child, change.parent
                ));
                task_list = true;
                break;
            }
            ParentOutcome::Failed(why) => out.lines.push(format!(
                "warning: #{} could not become a sub-issue of #{}: {why}",
                change.child, change.parent
            )),
        }
    }
    // 3. Bodies and states after the links (and in the fallback, the lists).
    let now: Vec<Issue> = gh.issues().values().cloned().collect();
    let now = apply_tracking(
        gh,
        &input(postmortems, &item_issue, place, &now, task_list),
        progress,
        &mut out,
    )
    .await?;
    out.links = tracking_links(postmortems, &now);
    Ok(out)
}

/// Plan and apply the tracking issues' changes; the issues afterwards.
async fn apply_tracking(
    gh: &mut GitHub,
    input: &TrackingInput<'_>,
    progress: &dyn Progress,
    out: &mut Tracked,
) -> Result<Vec<Issue>> {
    let changes = tracking_changes(input);
    if changes.is_empty() {
        return Ok(input.issues.to_vec());
    }
    let r = gh.apply(&changes, &[tracking_label()], progress).await?;
    out.budget_spent |= r.deferred > 0;
    for a in &r.applied {
        if let ApplyOutcome::Failed(why) = &a.outcome {
            out.lines
                .push(format!("warning: tracking issue of {}: {why}", a.key));
        }
    }
    out.lines.extend(
        r.labels_created
            .iter()
            .map(|l| format!("created label `{l}`")),
    );
    out.applied.extend(r.applied);
    Ok(r.issues.into_values().collect())
}
