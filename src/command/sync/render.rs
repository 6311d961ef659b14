//! What `sync` says: the summary counts, the plan or the results as text or
//! JSON, the first-sync overview, and the job summary in Actions.

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

    pub(super) fn line(&self) -> String {
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

/// The JSON printed by `sync --format json`.
#[derive(Debug, Serialize)]
pub(super) struct SyncJson<'a> {
    /// Whether this was a dry run (nothing sent).
    pub(super) dry_run: bool,
    /// `owner/name`.
    pub(super) repo: &'a str,
    /// Counts.
    pub(super) summary: Summary,
    /// The plan (dry run only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) plan: Option<&'a Plan>,
    /// A dry run against a repository with no managed issue yet: what a
    /// first sync would open, by incident year.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) first_sync: Option<&'a FirstSync>,
    /// One result per change (real run only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) results: Option<&'a [Applied]>,
    /// Where each task in scope stands on GitHub afterwards (real run only):
    /// a person's close on GitHub shows as `done` / `not_planned`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) links: Option<&'a [Link]>,
    /// HTTP requests made.
    pub(super) requests: u64,
    /// Rate-limit points spent (304s are free).
    pub(super) points_spent: u64,
    /// Write requests sent (real run only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) writes: Option<u64>,
    /// Writes left for the next run because the write budget
    /// (`github.max_writes`) was reached; 0 when everything was applied
    /// (real run only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) remaining: Option<u64>,
    /// Problems that did not stop the sync.
    pub(super) warnings: &'a [String],
    /// What the run did to the tracking issues (real run only, when it did
    /// something).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) tracking: Option<TrackingJson<'a>>,
}

/// The tracking issues' part of `sync --format json`.
#[derive(Debug, Serialize)]
pub(super) struct TrackingJson<'a> {
    /// One result per change to a tracking issue.
    pub(super) results: &'a [Applied],
    /// Sub-issues attached.
    pub(super) attached: usize,
    /// Sub-issues detached.
    pub(super) detached: usize,
    /// Each postmortem's tracking issue afterwards.
    pub(super) links: &'a [Link],
}

/// What a first sync would do (a dry run with no managed issue yet).
#[derive(Debug, Serialize)]
pub(super) struct FirstSync {
    /// Issues to create per incident year.
    pub(super) by_year: Vec<plan::YearCount>,
    /// A `since` worth setting when old postmortems dominate.
    pub(super) suggested_since: Option<NaiveDate>,
}

/// The dry run's first-sync lines: issues per incident year, and a `since`
/// suggestion when old postmortems dominate.
pub(super) fn render_first_sync(f: &FirstSync) -> String {
    let mut s = String::from("first sync: no issue is managed by pmtrack yet; it would open\n");
    for y in &f.by_year {
        let year = y
            .year
            .map_or("no incident date".to_owned(), |y| y.to_string());
        s.push_str(&format!(
            "  {year}: {} issues for {} postmortems\n",
            y.creates, y.postmortems
        ));
    }
    if let Some(d) = f.suggested_since {
        s.push_str(&format!(
            "most of these are for incidents over a year old; to track only recent postmortems, add `since: {d}` to .pmtrack.yml (older ones are then listed and reported as not tracked, with no issue)\n"
        ));
    }
    s
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

pub(super) fn to_json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string_pretty(v)
        .map(|s| s + "\n")
        .map_err(|e| Error::GitHub(format!("cannot render JSON: {e}")))
}

/// The dry run's text: one line per change that does something.
pub(super) fn render_plan(plan: &Plan, repo: &str, summary: &Summary) -> String {
    let mut s = String::new();
    for c in &plan.changes {
        let line = match c {
            Change::Create { at, fields, .. } => {
                let mut l = format!("create   {at}  {}", fields.title);
                if !fields.labels.is_empty() {
                    l.push_str(&format!("  [{}]", fields.labels.join(", ")));
                }
                if !fields.assignees.is_empty() {
                    l.push_str(&format!("  @{}", fields.assignees.join(" @")));
                }
                if let Some(d) = crate::issue_text::parse_due(&fields.body) {
                    l.push_str(&format!("  due {d}"));
                }
                l
            }
            Change::Update {
                number, at, why, ..
            } => {
                format!("update   #{number} {at}  {}", why.join("; "))
            }
            Change::Close { number, reason, .. } => {
                let r = match reason {
                    CloseReason::NotPlanned => "not planned",
                    _ => "completed",
                };
                format!("close    #{number} ({r})")
            }
            Change::Reopen { number, .. } => format!("reopen   #{number}"),
            Change::Comment { number, .. } => format!("comment  #{number}"),
            Change::Noop { .. } => continue,
        };
        s.push_str(&line);
        s.push('\n');
    }
    s.push_str(&format!(
        "dry run for {repo}: would be {} (nothing sent)\n",
        summary.line()
    ));
    s
}
