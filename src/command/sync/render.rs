//! What a sync's results are made of for printing (the counts, the
//! first-sync overview; `cli/sync.rs` prints them as text or JSON), and the
//! job summary it writes in Actions.

use super::*;

/// Counts of what a sync did (or, in a dry run, would do).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Issues created.
    pub created: usize,
    /// Issues updated.
    pub updated: usize,
    /// Issues closed.
    pub closed: usize,
    /// Issues reopened.
    pub reopened: usize,
    /// Issues commented on.
    pub commented: usize,
    /// Issues left as they were.
    pub unchanged: usize,
    /// Changes that failed.
    pub failed: usize,
}

impl Summary {
    pub(super) fn of_plan(plan: &Plan) -> Summary {
        let mut s = Summary::default();
        for c in &plan.changes {
            match c {
                Change::Create { .. } => s.created += 1,
                Change::Update { .. } => s.updated += 1,
                Change::Close { .. } => s.closed += 1,
                Change::Reopen { .. } => s.reopened += 1,
                Change::Comment { .. } => s.commented += 1,
                Change::Noop { .. } => s.unchanged += 1,
            }
        }
        s
    }

    pub(super) fn of_applied(applied: &[Applied]) -> Summary {
        let mut s = Summary::default();
        for a in applied {
            match a.outcome {
                ApplyOutcome::Created => s.created += 1,
                ApplyOutcome::Updated => s.updated += 1,
                ApplyOutcome::Closed => s.closed += 1,
                ApplyOutcome::Reopened => s.reopened += 1,
                ApplyOutcome::Commented => s.commented += 1,
                ApplyOutcome::Unchanged => s.unchanged += 1,
                ApplyOutcome::Failed(_) => s.failed += 1,
            }
        }
        s
    }

    /// `3 created, 1 updated, 0 closed, …`.
    pub fn line(&self) -> String {
        let mut s = format!(
            "{} created, {} updated, {} closed",
            self.created, self.updated, self.closed
        );
        if self.reopened > 0 {
            s.push_str(&format!(", {} reopened", self.reopened));
        }
        if self.commented > 0 {
            s.push_str(&format!(", {} commented", self.commented));
        }
        s.push_str(&format!(
            ", {} unchanged, {} failed",
            self.unchanged, self.failed
        ));
        s
    }
}

/// `3 action items are tracked elsewhere (org/other#12, OPS-17, …)`: why
/// they get no issue here.
pub(super) fn elsewhere_note(plan: &Plan) -> String {
    let mut shown: Vec<String> = plan
        .elsewhere
        .values()
        .map(|e| e.reference.short())
        .collect();
    shown.sort();
    shown.dedup();
    let n = plan.elsewhere.len();
    let more = shown.len() > 3;
    shown.truncate(3);
    format!(
        "{n} action item{} tracked elsewhere ({}{}): no issue is made for {}",
        if n == 1 { " is" } else { "s are" },
        shown.join(", "),
        if more { ", …" } else { "" },
        if n == 1 { "it" } else { "them" },
    )
}

/// What a first sync would do (a dry run with no managed issue yet).
#[derive(Debug, Serialize)]
pub struct FirstSync {
    /// Issues to create per incident year.
    pub by_year: Vec<plan::YearCount>,
    /// A `since` worth setting when old postmortems dominate.
    pub suggested_since: Option<NaiveDate>,
}

/// The job summary of a sync in Actions: the counts (and the write budget
/// line when it was reached), then each issue created, updated, closed or
/// reopened, linked.
pub(super) fn job_summary(
    repo: &str,
    summary: &Summary,
    report: &crate::github::ApplyResult,
    budget: Option<&str>,
) -> String {
    let mut md = format!("## pmtrack sync of {repo}\n\n{}\n", summary.line());
    if let Some(b) = budget {
        md.push_str(&format!("\n{b}\n"));
    }
    let mut rows = Vec::new();
    for a in &report.applied {
        let what = match a.outcome {
            ApplyOutcome::Created => "created",
            ApplyOutcome::Updated => "updated",
            ApplyOutcome::Closed => "closed",
            ApplyOutcome::Reopened => "reopened",
            _ => continue,
        };
        let Some(n) = a.number else { continue };
        let title = report.issues.get(&n).map_or("", |i| i.title.as_str());
        let link = match &a.url {
            Some(u) if !u.is_empty() => format!("[#{n}]({u})"),
            _ => format!("#{n}"),
        };
        rows.push(format!(
            "- {what} {link} {}",
            crate::issue_text::neutralise_mentions(&title.replace(['\n', '\r'], " "), &[])
        ));
    }
    if !rows.is_empty() {
        md.push('\n');
        md.push_str(&rows.join("\n"));
        md.push('\n');
    }
    md
}
