//! The report's items: each action item with its state, from the links of
//! a sync (GitHub's states) or from the documents alone (their status
//! blocks and their own checkboxes), and how an item looks on a given day.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;

use super::*;
use crate::insight::kind::{self, Vocabulary};
use crate::insight::recurring;
use crate::model::{
    ElsewhereLink, ItemType, Link, Postmortem, Task, TaskKey, TrackState, TrackerRef,
};
use crate::parse::text::{collapse, without_refs};
use crate::writeback::BlockRow;

/// The items of `postmortems` with their state on GitHub: `links` are the
/// synced links ([`crate::plan::Plan::links`]); `due` the effective due
/// dates ([`crate::plan::Plan::due`]). An item without a link takes its state
/// from its document; a reference written on it is kept (without URL).
pub fn items_from_github(
    postmortems: &[Postmortem],
    due: &BTreeMap<TaskKey, Option<NaiveDate>>,
    links: &[Link],
    types: &Vocabulary,
) -> Vec<Item> {
    let by_key: BTreeMap<&TaskKey, &Link> = links.iter().map(|l| (&l.key, l)).collect();
    let mut out = Vec::new();
    for pm in postmortems {
        let path: Arc<str> = pm.path.as_str().into();
        for task in &pm.tasks {
            let effective = due.get(&task.key).copied().flatten().or(task.due);
            let title: Arc<str> = display_title(&task.title).into();
            let promise = recurring::promise(&title);
            let item = match by_key.get(&task.key) {
                Some(link) => Item {
                    postmortem: path.clone(),
                    line: task.line,
                    title,
                    owners: if link.owners.is_empty() {
                        task.owners.clone()
                    } else {
                        link.owners.clone()
                    },
                    due: link.due.or(effective),
                    state: link.state,
                    issue: link.elsewhere.is_none().then(|| IssueLink {
                        number: link.number,
                        url: (!link.url.is_empty()).then(|| link.url.as_str().into()),
                    }),
                    elsewhere: link
                        .elsewhere
                        .as_ref()
                        .map(|r| Box::new(ElsewhereLink::of(r, Some(&link.url)))),
                    opened: first_seen(pm.incident_start, link.created_at.map(|t| t.date_naive())),
                    closed: link.closed_at.map(|t| t.date_naive()),
                    item_type: type_of(task, types),
                    promise,
                },
                None => Item {
                    postmortem: path.clone(),
                    line: task.line,
                    title,
                    owners: task.owners.clone(),
                    due: effective,
                    state: TrackState::of(task.status),
                    issue: here(task, None).map(|number| IssueLink { number, url: None }),
                    elsewhere: elsewhere(task, None),
                    opened: pm.incident_start,
                    closed: None,
                    item_type: type_of(task, types),
                    promise,
                },
            };
            out.push(item);
        }
    }
    out
}

/// The items of each postmortem with the state its document last recorded:
/// the rows of its status block (matched by issue number, else by title),
/// and its own `[x]` / struck-through / status cells, which win when they
/// say resolved. `repo` (`owner/name`) and `issue_url` (an issue's web URL
/// from its number) when the repository is known.
pub fn items_from_documents(
    documents: &[(&Postmortem, Vec<BlockRow>)],
    due: &BTreeMap<TaskKey, Option<NaiveDate>>,
    repo: Option<&str>,
    issue_url: &dyn Fn(u64) -> Option<String>,
    types: &Vocabulary,
) -> Vec<Item> {
    let mut out = Vec::new();
    for (pm, rows) in documents {
        let path: Arc<str> = pm.path.as_str().into();
        let mut used = vec![false; rows.len()];
        for task in &pm.tasks {
            let number = here(task, repo);
            let wanted = normalise(&task.title);
            let found = rows
                .iter()
                .enumerate()
                .position(|(i, r)| !used[i] && number.is_some() && r.issue == number)
                .or_else(|| {
                    rows.iter()
                        .enumerate()
                        .position(|(i, r)| !used[i] && normalise(&r.title) == wanted)
                });
            let row = found.map(|i| {
                used[i] = true;
                &rows[i]
            });
            let written = TrackState::of(task.status);
            let state = match (written, row) {
                (TrackState::Open, Some(r)) => r.state,
                (s, _) => s,
            };
            let number = number.or(row.and_then(|r| r.issue));
            let effective = due.get(&task.key).copied().flatten().or(task.due);
            let owners = match row {
                Some(r) if !r.owners.is_empty() => r.owners.clone(),
                _ => task.owners.clone(),
            };
            let title: Arc<str> = display_title(&task.title).into();
            out.push(Item {
                postmortem: path.clone(),
                line: task.line,
                promise: recurring::promise(&title),
                title,
                owners,
                due: row.and_then(|r| r.due).or(effective),
                state,
                issue: number.map(|n| IssueLink {
                    number: n,
                    url: issue_url(n).map(String::into_boxed_str),
                }),
                elsewhere: elsewhere(task, repo)
                    .or_else(|| row.and_then(|r| r.elsewhere.clone().map(Box::new))),
                opened: pm.incident_start,
                closed: None,
                item_type: type_of(task, types),
            });
        }
    }
    out
}

/// The number of the issue written on `task` when it names one of the
/// synced repository's issues (`#12`, or `owner/name#12` of `repo` when
/// known); not a pull request, not a group's tracking issue.
pub(super) fn here(task: &Task, repo: Option<&str>) -> Option<u64> {
    task.issue
        .as_ref()
        .and_then(TrackerRef::github)
        .filter(|r| !r.pull && !task.issue_from_group && r.in_repo(repo) == Some(true))
        .map(|r| r.number)
}

/// Where `task` says it is tracked when that is not the synced
/// repository's issues (its state is the document's: no token reads it).
/// Without a known `repo`, `owner/name#12` is neither.
pub(super) fn elsewhere(task: &Task, repo: Option<&str>) -> Option<Box<ElsewhereLink>> {
    let r = task.issue.as_ref()?;
    let away = match r.github() {
        None => true,
        Some(g) => g.pull || task.issue_from_group || g.in_repo(repo) == Some(false),
    };
    away.then(|| Box::new(ElsewhereLink::of(r, None)))
}

/// When an item first counts as open: its postmortem's incident date (an
/// item exists from the postmortem that wrote it, not from the day pmtrack
/// made its issue, so a first sync of old postmortems charts their real
/// history), or its issue's creation when that is earlier or the incident
/// date is unknown.
pub(super) fn first_seen(
    incident: Option<NaiveDate>,
    created: Option<NaiveDate>,
) -> Option<NaiveDate> {
    match (incident, created) {
        (Some(i), Some(c)) => Some(i.min(c)),
        (i, c) => i.or(c),
    }
}

pub(super) fn display_title(title: &str) -> String {
    collapse(&without_refs(title))
}

pub(super) fn normalise(title: &str) -> String {
    display_title(title).to_lowercase()
}

/// An item's type: its Type cell, else its wording.
fn type_of(task: &crate::model::Task, types: &Vocabulary) -> Option<ItemType> {
    kind::classify(task.type_cell.as_deref(), &task.title, &task.detail, types)
}

impl Item {
    fn is_open(&self) -> bool {
        self.state == TrackState::Open
    }

    /// Days past the due date on `day`, when open and overdue.
    pub(super) fn days_overdue(&self, day: NaiveDate) -> Option<i32> {
        let due = self.due?;
        (self.is_open() && due < day).then(|| days_between(due, day))
    }

    /// With `as_of` applied (the strings are shared, not copied).
    pub fn view(&self, as_of: NaiveDate) -> ReportItem {
        let days_overdue = self.days_overdue(as_of);
        ReportItem {
            title: self.title.clone(),
            postmortem: self.postmortem.clone(),
            line: u32::try_from(self.line).unwrap_or(u32::MAX),
            owners: self.owners.as_slice().into(),
            due: self.due,
            state: self.state,
            overdue: days_overdue.is_some(),
            days_overdue: days_overdue.and_then(std::num::NonZeroI32::new),
            age_days: self.opened.map(|o| days_between(o, as_of).max(0)),
            issue: self.issue.clone(),
            elsewhere: self.elsewhere.clone(),
        }
    }
}

/// Whole days from `from` to `to` (a calendar's span fits in an `i32`).
pub(super) fn days_between(from: NaiveDate, to: NaiveDate) -> i32 {
    i32::try_from(to.signed_duration_since(from).num_days()).unwrap_or(i32::MAX)
}
