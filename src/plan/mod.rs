//! PURE (tasks, managed issues, config, today) → [`Plan`]: the changes that
//! bring GitHub in line with the postmortems. No IO, no clock.
//!
//! Types here, and [`plan()`], a short pipeline over the jobs: `identity`
//! (which issue each item is, or where else it is tracked), `due` (due
//! dates), `wanted` (what an issue should say, labels merged with people's),
//! `changes` (per item, then removed items), `links` (after apply: where each
//! item is tracked, for write-back and the report). Its rules:
//!
//! - **Identity**, in order: an issue reference on the item (`#12`, same
//!   repository); the key in an issue's hidden marker; for an item whose
//!   title was edited, the most similar orphaned issue of the same document
//!   ([`SIMILARITY_THRESHOLD`]); else a new issue (open items only: a done
//!   item without an issue gets none). Several open issues with one key:
//!   the lowest number is kept, the others are closed as duplicates.
//! - **Scope**: only issues whose marker names a document in scope (or a
//!   deleted one) are updated or closed; others are left alone.
//! - **Status**: done → close completed; dropped → close not planned; an
//!   issue a person closed stays closed, one a person reopened stays open;
//!   an issue pmtrack closed whose item is open again is reopened. The
//!   marker's `closed=pmtrack` tells pmtrack's closes from people's.
//! - **Fields**: labels and assignees people added are kept; pmtrack only
//!   adds its own and removes its own that no longer apply. Nothing is sent
//!   when nothing differs, so planning again after apply gives only
//!   [`Change::Noop`]s.

mod changes;
mod due;
mod identity;
mod links;
#[cfg(test)]
mod tests;
pub mod tracking;
mod wanted;

pub use due::due_of;
pub use identity::key_of;

use std::collections::{BTreeMap, HashSet};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::config::Config;
use crate::model::{CloseReason, Issue, Postmortem, TaskKey, TrackState, TrackerRef};

/// A label pmtrack may need to create (once), with colour and description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LabelSpec {
    /// Name.
    pub name: String,
    /// Six hex digits, no `#`.
    pub color: String,
    /// Description.
    pub description: String,
}

/// A milestone pmtrack wants an issue in (created when missing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MilestoneSpec {
    /// Title.
    pub title: String,
    /// Due date.
    pub due_on: Option<chrono::NaiveDate>,
}

/// The fields of an issue that pmtrack writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssueFields {
    /// Title (≤ 256 chars).
    pub title: String,
    /// Body, with the hidden marker.
    pub body: String,
    /// Labels (the full wanted set).
    pub labels: Vec<String>,
    /// Assignees (logins).
    pub assignees: Vec<String>,
    /// Milestone by title, when milestones are on.
    pub milestone: Option<MilestoneSpec>,
}

/// One change to make on GitHub.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Change {
    /// Open a new issue for a task.
    Create {
        /// The task.
        key: TaskKey,
        /// Where it is written (`path:line`).
        at: String,
        /// What to send.
        fields: IssueFields,
    },
    /// Change an existing issue; only `Some` fields are sent.
    Update {
        /// The task.
        key: TaskKey,
        /// Issue number.
        number: u64,
        /// Where it is written.
        at: String,
        /// New title.
        title: Option<String>,
        /// New body.
        body: Option<String>,
        /// New full label set.
        labels: Option<Vec<String>>,
        /// New assignees.
        assignees: Option<Vec<String>>,
        /// New milestone.
        milestone: Option<MilestoneSpec>,
        /// Human-readable list of what differs.
        why: Vec<String>,
    },
    /// Close an issue.
    Close {
        /// The task.
        key: TaskKey,
        /// Issue number.
        number: u64,
        /// Completed (done in the document) or not planned (removed / dropped).
        reason: CloseReason,
        /// Comment to post first (e.g. "removed from postmortems/x.md").
        comment: Option<String>,
        /// New body (marker records that pmtrack closed it).
        body: Option<String>,
    },
    /// Reopen an issue pmtrack itself closed, whose item is open again.
    Reopen {
        /// The task.
        key: TaskKey,
        /// Issue number.
        number: u64,
        /// New body.
        body: Option<String>,
    },
    /// Post a comment only (removed item under the `comment` policy).
    Comment {
        /// The task.
        key: TaskKey,
        /// Issue number.
        number: u64,
        /// The comment.
        body: String,
    },
    /// Nothing to do.
    Noop {
        /// The task.
        key: TaskKey,
        /// Issue number.
        number: u64,
    },
}

// ---------------------------------------------------------------------------
// The planner.

/// Minimum Sørensen–Dice similarity (character bigrams of the normalised
/// titles) for an item without a matching issue to take over the orphaned
/// issue of an edited item of the same document.
///
/// Measured on edit pairs: `add alerting on disk usage` → `… for db hosts`
/// 0.81, `add runbook for failover` → `write runbook …` 0.81, `rotate the api
/// keys` → `rotate api keys and secrets` 0.70, `upgrade postgres to 15` →
/// `… 16` 0.94; on different items: `update the runbook` / `update the
/// dashboard` 0.56, `add monitoring for replication lag` / `… for queue
/// depth` 0.59, `add tests for the parser` / `… the scheduler` 0.68.
pub const SIMILARITY_THRESHOLD: f64 = 0.7;

/// GitHub assigns at most this many people to an issue.
const MAX_ASSIGNEES: usize = 10;

/// What a first sync would open, per year of incident: the postmortems and
/// the issues to create (`year` `None`: no incident date). Oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearCount {
    /// Year the incidents started.
    pub year: Option<i32>,
    /// Postmortems of that year with at least one item to create.
    pub postmortems: usize,
    /// Issues to create for them.
    pub creates: usize,
}

impl Plan {
    /// The tasks this plan creates an issue for.
    fn created_keys(&self) -> HashSet<&TaskKey> {
        self.changes
            .iter()
            .filter_map(|c| match c {
                Change::Create { key, .. } => Some(key),
                _ => None,
            })
            .collect()
    }
}

/// [`YearCount`]s of the creates in `plan` over `postmortems`.
pub fn creates_by_year(postmortems: &[Postmortem], plan: &Plan) -> Vec<YearCount> {
    let created = plan.created_keys();
    let mut by_year: BTreeMap<Option<i32>, YearCount> = BTreeMap::new();
    for pm in postmortems {
        let n = pm.tasks.iter().filter(|t| created.contains(&t.key)).count();
        if n == 0 {
            continue;
        }
        let year = pm.incident_start.map(|d| d.year());
        let e = by_year.entry(year).or_insert(YearCount {
            year,
            postmortems: 0,
            creates: 0,
        });
        e.postmortems += 1;
        e.creates += n;
    }
    // `None` sorts first: unknown years go last.
    let mut out: Vec<YearCount> = by_year.into_values().collect();
    let unknown_first = out.first().is_some_and(|y| y.year.is_none());
    out.rotate_left(usize::from(unknown_first));
    out
}

/// A `since` date worth suggesting before a first sync: when more than half
/// of the issues it would open are for incidents over a year before
/// `today`, the first day of the month a year ago. `None` otherwise.
pub fn suggested_since(
    postmortems: &[Postmortem],
    plan: &Plan,
    today: NaiveDate,
) -> Option<NaiveDate> {
    let year_ago = today.checked_sub_months(chrono::Months::new(12))?;
    let cutoff = NaiveDate::from_ymd_opt(year_ago.year(), year_ago.month(), 1)?;
    let created = plan.created_keys();
    let (mut total, mut old) = (0, 0);
    for pm in postmortems {
        let n = pm.tasks.iter().filter(|t| created.contains(&t.key)).count();
        total += n;
        if pm.incident_start.is_some_and(|d| d < cutoff) {
            old += n;
        }
    }
    (total > 0 && old * 2 > total).then_some(cutoff)
}

/// Everything the planner looks at.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    /// The documents in scope for this run (all, or those a push changed).
    /// Issues of documents not in scope are left alone.
    pub postmortems: &'a [Postmortem],
    /// Documents deleted in this run's range: their issues count as removed.
    pub deleted_paths: &'a [String],
    /// Documents that no longer exist (deleted or renamed; the caller
    /// looked), besides `deleted_paths`: an item whose key under one of
    /// these paths has an issue takes that issue, so renaming a postmortem
    /// keeps every identity. Their issues are otherwise left alone.
    pub vanished_paths: &'a [String],
    /// Every issue carrying the base label, open and closed.
    pub issues: &'a [Issue],
    /// The configuration.
    pub config: &'a Config,
    /// Today (the planner never reads the clock).
    pub today: NaiveDate,
    /// `owner/name` of the repository the issues live in.
    pub repo: &'a str,
    /// `https://github.com` or a GitHub Enterprise server URL.
    pub server_url: &'a str,
    /// Branch the document links in issue bodies point at.
    pub branch: &'a str,
    /// The logins GitHub can assign in the repository (lower case), when
    /// known: other owners are not assigned (and not `@`-mentioned), so a
    /// refused assignee is never sent again. `None`: every login is tried.
    pub assignable: Option<&'a std::collections::HashSet<String>>,
}

/// What to do on GitHub, and what the run learned.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Plan {
    /// The changes, by document path then task line; duplicates closed right
    /// after their task; removed items last.
    pub changes: Vec<Change>,
    /// Every label the changes set that pmtrack manages: create when missing.
    pub labels: Vec<LabelSpec>,
    /// Every milestone the changes set: create when missing (and keep its
    /// due date).
    pub milestones: Vec<MilestoneSpec>,
    /// Effective due date of every task in scope.
    pub due: BTreeMap<TaskKey, Option<NaiveDate>>,
    /// The existing issue each task maps to (tasks to be created are absent;
    /// after apply, [`Plan::links_after`] is told their issues).
    pub issue_of: BTreeMap<TaskKey, u64>,
    /// Tasks tracked elsewhere, with the reference written on them: no
    /// issue is created for them ([`Plan::to_read`] lists the GitHub ones).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub elsewhere: BTreeMap<TaskKey, Elsewhere>,
    /// The repository synced (`owner/name`): where `#12` points.
    #[serde(skip)]
    pub repo: String,
    /// Problems worth telling the user (`path:line: what; how to fix`).
    pub warnings: Vec<String>,
}

impl Plan {
    /// Whether a change assigns someone new (an issue created with
    /// assignees, or assignees added): then the caller may learn who is
    /// assignable and plan again ([`PlanInput::assignable`]).
    pub fn adds_assignees(&self) -> bool {
        self.changes.iter().any(|c| match c {
            Change::Create { fields, .. } => !fields.assignees.is_empty(),
            Change::Update { assignees, .. } => assignees.is_some(),
            _ => false,
        })
    }

    /// Nothing to send: every change is a [`Change::Noop`].
    pub fn is_noop(&self) -> bool {
        self.changes
            .iter()
            .all(|c| matches!(c, Change::Noop { .. }))
    }
}

/// A task tracked elsewhere ([`Plan::elsewhere`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Elsewhere {
    /// The reference written on the item (or its group label).
    pub reference: TrackerRef,
    /// Its state as the document writes it.
    pub written: TrackState,
    /// A GitHub issue or pull request on the synced repository's host,
    /// whose state can be read ([`Plan::to_read`]).
    #[serde(skip)]
    pub readable: bool,
}

/// Every item in scope matched to its issue, in the one order the plan and
/// the report's [`whereabouts`] share: tracker reference, marker, old
/// path, similar title.
fn matched<'a>(
    input: &PlanInput<'a>,
    slots: &'a [identity::Slot<'a>],
    warnings: &mut Vec<String>,
) -> identity::Matching<'a> {
    let mut m = identity::Matching::new(*input, slots);
    m.by_reference(warnings);
    m.by_marker(warnings);
    m.by_old_path();
    m.by_similar_title();
    m
}

/// Where each action item in scope is tracked (its issue here, or the
/// reference it is tracked elsewhere by) and its due date, without the
/// changes: what the report needs ([`Plan::links`] on the result).
pub fn whereabouts(input: &PlanInput) -> Plan {
    let mut out = Plan {
        repo: input.repo.to_string(),
        ..Plan::default()
    };
    let slots = identity::slots(input.issues);
    let m = matched(input, &slots, &mut out.warnings);
    for item in &m.items {
        changes::record(&m, item, &mut out);
    }
    out
}

/// Plan the changes that bring the managed issues in line with the
/// documents in scope. See the module docs and the tests for the rules.
pub fn plan(input: &PlanInput) -> Plan {
    let mut out = Plan {
        repo: input.repo.to_string(),
        ..Plan::default()
    };
    let slots = identity::slots(input.issues);
    let m = matched(input, &slots, &mut out.warnings);
    let duplicates = changes::per_item(&m, &mut out);
    changes::removed(&m, &duplicates, &mut out);
    out.labels = wanted::label_specs(&out.changes, &input.config.labels);
    out.milestones = wanted::milestone_specs(&out.changes);
    out
}
