//! How `pmtrack sync` is printed: the plan (dry run) or the results, as
//! text or as one JSON object (documented in docs/sync.md).

use crate::command::sync::{FirstSync, Summary, Synced, Tracked};
use crate::error::{Error, Result};
use crate::github::Applied;
use crate::model::{CloseReason, Link};
use crate::plan::{Change, Plan};
use serde::Serialize;

/// The text or JSON of a sync.
pub fn render(s: &Synced, json: bool) -> Result<String> {
    match s {
        Synced::Planned {
            repo,
            summary,
            plan,
            first_sync,
            requests,
            points,
        } => {
            if json {
                return to_json(&SyncJson {
                    dry_run: true,
                    repo,
                    summary: *summary,
                    plan: Some(plan),
                    first_sync: first_sync.as_ref(),
                    results: None,
                    links: None,
                    requests: *requests,
                    points_spent: *points,
                    writes: None,
                    remaining: None,
                    warnings: &plan.warnings,
                    tracking: None,
                });
            }
            let mut out = render_plan(plan, repo, summary);
            if let Some(f) = first_sync {
                out.push_str(&render_first_sync(f));
            }
            Ok(out)
        }
        Synced::Applied {
            repo,
            summary,
            warnings,
            applied,
            links,
            requests,
            points,
            writes,
            remaining,
            deferred,
            tracking,
        } => {
            if json {
                return to_json(&SyncJson {
                    dry_run: false,
                    repo,
                    summary: *summary,
                    plan: None,
                    first_sync: None,
                    results: Some(applied),
                    links: Some(links),
                    requests: *requests,
                    points_spent: *points,
                    writes: Some(*writes),
                    remaining: Some(*remaining),
                    warnings,
                    tracking: tracking.as_ref().map(TrackingJson::of),
                });
            }
            let budget = match deferred {
                0 => String::new(),
                _ => format!(", write budget reached: {remaining} writes remain"),
            };
            Ok(format!(
                "synced {repo}: {}{budget} (HTTP requests: {requests}, rate-limit points: {points})\n",
                summary.line()
            ))
        }
    }
}

/// The JSON printed by `sync --format json`.
#[derive(Debug, Serialize)]
struct SyncJson<'a> {
    /// Whether this was a dry run (nothing sent).
    dry_run: bool,
    /// `owner/name`.
    repo: &'a str,
    /// Counts.
    summary: Summary,
    /// The plan (dry run only).
    #[serde(skip_serializing_if = "Option::is_none")]
    plan: Option<&'a Plan>,
    /// A dry run against a repository with no managed issue yet: what a
    /// first sync would open, by incident year.
    #[serde(skip_serializing_if = "Option::is_none")]
    first_sync: Option<&'a FirstSync>,
    /// One result per change (real run only).
    #[serde(skip_serializing_if = "Option::is_none")]
    results: Option<&'a [Applied]>,
    /// Where each task in scope stands on GitHub afterwards (real run only):
    /// a person's close on GitHub shows as `done` / `not_planned`.
    #[serde(skip_serializing_if = "Option::is_none")]
    links: Option<&'a [Link]>,
    /// HTTP requests made.
    requests: u64,
    /// Rate-limit points spent (304s are free).
    points_spent: u64,
    /// Write requests sent (real run only).
    #[serde(skip_serializing_if = "Option::is_none")]
    writes: Option<u64>,
    /// Writes left for the next run because the write budget
    /// (`github.max_writes`) was reached; 0 when everything was applied
    /// (real run only).
    #[serde(skip_serializing_if = "Option::is_none")]
    remaining: Option<u64>,
    /// Problems that did not stop the sync.
    warnings: &'a [String],
    /// What the run did to the tracking issues (real run only, when it did
    /// something).
    #[serde(skip_serializing_if = "Option::is_none")]
    tracking: Option<TrackingJson<'a>>,
}

/// The tracking issues' part of `sync --format json`.
#[derive(Debug, Serialize)]
struct TrackingJson<'a> {
    /// One result per change to a tracking issue.
    results: &'a [Applied],
    /// Sub-issues attached.
    attached: usize,
    /// Sub-issues detached.
    detached: usize,
    /// Each postmortem's tracking issue afterwards.
    links: &'a [Link],
}

impl<'a> TrackingJson<'a> {
    fn of(t: &'a Tracked) -> TrackingJson<'a> {
        TrackingJson {
            results: &t.applied,
            attached: t.attached,
            detached: t.detached,
            links: &t.links,
        }
    }
}

/// The dry run's first-sync lines: issues per incident year, and a `since`
/// suggestion when old postmortems dominate.
fn render_first_sync(f: &FirstSync) -> String {
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

fn to_json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string_pretty(v)
        .map(|s| s + "\n")
        .map_err(|e| Error::GitHub(format!("cannot render JSON: {e}")))
}

/// The dry run's text: one line per change that does something.
fn render_plan(plan: &Plan, repo: &str, summary: &Summary) -> String {
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
