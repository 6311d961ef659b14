//! PURE report: the action items of every postmortem, with their state (from
//! GitHub, or from the documents' last written status block), their
//! effective due dates and `as_of` (a parameter, never the clock) → a
//! [`Report`]: totals, the items grouped by postmortem and by owner, and the
//! open/overdue counts of the last weeks. [`render`] turns it into Markdown,
//! a terminal table or JSON.
//!
//! Definitions (all dates are UTC calendar dates):
//! - **overdue**: open, and its due date is before `as_of` (an item due today
//!   is not overdue yet); `days_overdue = as_of − due`.
//! - **unresolved**: open: on GitHub, or, for an item without an issue, in
//!   its document (such items are flagged `no issue`).
//! - **age**: days from its issue's creation (or, without one, from the
//!   incident start) to `as_of`.
//! - **done this week**: closed as completed in the 7 days ending `as_of`.
//!
//! Also here, because they are decisions rather than IO: which issues must
//! gain or lose the overdue label ([`overdue_label_changes`]) and which issue
//! is the rolling report ([`find_report_issue`]).
//!
//! Must not: read files, the environment or the clock, or talk to GitHub.

pub mod render;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::issue_text;
use crate::model::{
    ElsewhereLink, Issue, IssueState, Link, Postmortem, Status, Task, TaskKey, TrackState,
    TrackerRef,
};
use crate::parse::text::{collapse, without_refs};
use crate::writeback::BlockRow;

/// The hidden line that marks the one rolling report issue.
pub const REPORT_MARKER: &str = "<!-- pmtrack:report -->";

/// The label the rolling report issue carries besides the base label.
pub const REPORT_LABEL: &str = "pmtrack-report";

/// Version of the JSON document `render::json` prints; bumped only when a
/// field changes meaning or disappears (new fields may be added).
pub const JSON_SCHEMA: &str = "pmtrack.report/1";

/// Which items the report lists (totals and the chart always count all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Filter {
    /// Open items past their due date.
    Overdue,
    /// Open items (with or without an issue).
    #[default]
    Unresolved,
    /// Every item.
    All,
}

/// Where the items' states came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The managed issues on GitHub (one listing).
    Github,
    /// The documents: their last written status block and their own
    /// checkboxes and status cells (no token).
    Documents,
}

/// An item's issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssueLink {
    /// Issue number.
    pub number: u64,
    /// Web URL, when known.
    pub url: Option<String>,
}

/// One action item as the report sees it, before `as_of` is applied. Built
/// by [`items_from_github`] or [`items_from_documents`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Path of its postmortem (shared by its items).
    pub postmortem: Arc<str>,
    /// 1-based line of the item in its document.
    pub line: usize,
    /// Title.
    pub title: Arc<str>,
    /// Assignees, or the owners written on the item.
    pub owners: Vec<String>,
    /// Effective due date.
    pub due: Option<NaiveDate>,
    /// Open, done or not planned.
    pub state: TrackState,
    /// Its issue, when it has one.
    pub issue: Option<IssueLink>,
    /// Tracked outside pmtrack's issues (then `issue` is `None`).
    pub elsewhere: Option<Box<ElsewhereLink>>,
    /// When it first counts as open: the incident start (or its issue's
    /// creation, when earlier or the incident date is unknown).
    pub opened: Option<NaiveDate>,
    /// When its issue was closed, when known.
    pub closed: Option<NaiveDate>,
}

/// The items of `postmortems` with their state on GitHub: `links` are the
/// synced links ([`crate::plan::Plan::links`]); `due` the effective due
/// dates ([`crate::plan::Plan::due`]). An item without a link takes its state
/// from its document; a reference written on it is kept (without URL).
pub fn items_from_github(
    postmortems: &[Postmortem],
    due: &BTreeMap<TaskKey, Option<NaiveDate>>,
    links: &[Link],
) -> Vec<Item> {
    let by_key: BTreeMap<&TaskKey, &Link> = links.iter().map(|l| (&l.key, l)).collect();
    let mut out = Vec::new();
    for pm in postmortems {
        let path: Arc<str> = pm.path.as_str().into();
        for task in &pm.tasks {
            let effective = due.get(&task.key).copied().flatten().or(task.due);
            let item = match by_key.get(&task.key) {
                Some(link) => Item {
                    postmortem: path.clone(),
                    line: task.line,
                    title: display_title(&task.title).into(),
                    owners: if link.owners.is_empty() {
                        task.owners.clone()
                    } else {
                        link.owners.clone()
                    },
                    due: link.due.or(effective),
                    state: link.state,
                    issue: link.elsewhere.is_none().then(|| IssueLink {
                        number: link.number,
                        url: Some(link.url.clone()).filter(|u| !u.is_empty()),
                    }),
                    elsewhere: link
                        .elsewhere
                        .as_ref()
                        .map(|r| Box::new(ElsewhereLink::of(r, Some(&link.url)))),
                    opened: first_seen(pm.incident_start, link.created_at.map(|t| t.date_naive())),
                    closed: link.closed_at.map(|t| t.date_naive()),
                },
                None => Item {
                    postmortem: path.clone(),
                    line: task.line,
                    title: display_title(&task.title).into(),
                    owners: task.owners.clone(),
                    due: effective,
                    state: state_of(task.status),
                    issue: here(task, None).map(|number| IssueLink { number, url: None }),
                    elsewhere: elsewhere(task, None),
                    opened: pm.incident_start,
                    closed: None,
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
            let written = state_of(task.status);
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
            out.push(Item {
                postmortem: path.clone(),
                line: task.line,
                title: display_title(&task.title).into(),
                owners,
                due: row.and_then(|r| r.due).or(effective),
                state,
                issue: number.map(|n| IssueLink {
                    number: n,
                    url: issue_url(n),
                }),
                elsewhere: elsewhere(task, repo)
                    .or_else(|| row.and_then(|r| r.elsewhere.clone().map(Box::new))),
                opened: pm.incident_start,
                closed: None,
            });
        }
    }
    out
}

/// The number of the issue written on `task` when it names one of the
/// synced repository's issues (`#12`, or `owner/name#12` of `repo` when
/// known); not a pull request, not a group's tracking issue.
fn here(task: &Task, repo: Option<&str>) -> Option<u64> {
    task.issue
        .as_ref()
        .and_then(TrackerRef::github)
        .filter(|r| !r.pull && !task.issue_from_group)
        .filter(|r| match (&r.repo, repo) {
            (None, _) => true,
            (Some(r), Some(repo)) => r.eq_ignore_ascii_case(repo),
            (Some(_), None) => false,
        })
        .map(|r| r.number)
}

/// Where `task` says it is tracked when that is not the synced
/// repository's issues (its state is the document's: no token reads it).
/// Without a known `repo`, `owner/name#12` is neither.
fn elsewhere(task: &Task, repo: Option<&str>) -> Option<Box<ElsewhereLink>> {
    let r = task.issue.as_ref()?;
    let away = match r.github() {
        None => true,
        Some(g) if g.pull || task.issue_from_group => true,
        Some(g) => match (&g.repo, repo) {
            (Some(a), Some(b)) => !a.eq_ignore_ascii_case(b),
            _ => false,
        },
    };
    away.then(|| Box::new(ElsewhereLink::of(r, None)))
}

/// When an item first counts as open: its postmortem's incident date (an
/// item exists from the postmortem that wrote it, not from the day pmtrack
/// made its issue, so a first sync of old postmortems charts their real
/// history), or its issue's creation when that is earlier or the incident
/// date is unknown.
fn first_seen(incident: Option<NaiveDate>, created: Option<NaiveDate>) -> Option<NaiveDate> {
    match (incident, created) {
        (Some(i), Some(c)) => Some(i.min(c)),
        (i, c) => i.or(c),
    }
}

fn state_of(status: Status) -> TrackState {
    match status {
        Status::Open => TrackState::Open,
        Status::Done => TrackState::Done,
        Status::Dropped => TrackState::NotPlanned,
    }
}

fn display_title(title: &str) -> String {
    collapse(&without_refs(title))
}

fn normalise(title: &str) -> String {
    display_title(title).to_lowercase()
}

/// What the report is about.
#[derive(Debug, Clone, Copy)]
pub struct Spec<'a> {
    /// The day the report is made for (UTC date).
    pub as_of: NaiveDate,
    /// Which items are listed.
    pub filter: Filter,
    /// Weeks of history in the chart (at least 1).
    pub weeks: u32,
    /// Where the states came from.
    pub source: Source,
    /// `owner/name`, when known.
    pub repo: Option<&'a str>,
    /// The postmortems config `since` leaves untracked, when set.
    pub not_tracked: Option<&'a NotTracked>,
}

/// One listed item, with `as_of` applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportItem {
    /// Title.
    pub title: Arc<str>,
    /// Path of its postmortem.
    pub postmortem: Arc<str>,
    /// 1-based line in its document.
    pub line: usize,
    /// Owners (logins or names, without `@`).
    pub owners: Vec<String>,
    /// Effective due date.
    pub due: Option<NaiveDate>,
    /// `open`, `done` or `not_planned`.
    pub state: TrackState,
    /// Open and past its due date.
    pub overdue: bool,
    /// Days past the due date (overdue items only).
    pub days_overdue: Option<i32>,
    /// Days since it was opened, when known.
    pub age_days: Option<i32>,
    /// Its issue, or `null` when it has none.
    pub issue: Option<IssueLink>,
    /// Where it is tracked instead, outside pmtrack's issues (absent when
    /// not).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elsewhere: Option<Box<ElsewhereLink>>,
}

/// The items of one postmortem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PostmortemGroup {
    /// Document path.
    pub path: String,
    /// Document title.
    pub title: String,
    /// Incident start, when the document says.
    pub incident_start: Option<NaiveDate>,
    /// Open items (all, not only those listed).
    pub open: usize,
    /// Overdue items.
    pub overdue: usize,
    /// The listed items, in document order.
    pub items: Vec<ReportItem>,
}

/// A short reference to a listed item, in an owner's group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemRef {
    /// Path of its postmortem.
    pub postmortem: Arc<str>,
    /// 1-based line.
    pub line: usize,
    /// Title.
    pub title: Arc<str>,
    /// Issue number, when it has one.
    pub issue: Option<u64>,
    /// Whether it is overdue.
    pub overdue: bool,
}

/// The listed items of one owner (`owner: None`: items nobody owns).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OwnerGroup {
    /// Login or name, without `@`; `null` for items without an owner.
    pub owner: Option<String>,
    /// Listed items that are open.
    pub open: usize,
    /// Listed items that are overdue.
    pub overdue: usize,
    /// The listed items.
    pub items: Vec<ItemRef>,
}

/// The open and overdue counts at the end of one week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WeekPoint {
    /// Last day of the week (the weeks end on `as_of`'s weekday).
    pub week_end: NaiveDate,
    /// Items open at the end of that day.
    pub open: usize,
    /// Of those, items past their due date.
    pub overdue: usize,
}

/// The item overdue the longest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Oldest {
    /// Title.
    pub title: String,
    /// Path of its postmortem.
    pub postmortem: String,
    /// 1-based line.
    pub line: usize,
    /// Its issue.
    pub issue: Option<IssueLink>,
    /// Days past its due date.
    pub days_overdue: i64,
}

/// Counts over every item (whatever the filter).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Every action item.
    pub items: usize,
    /// Open items.
    pub open: usize,
    /// Open items past their due date.
    pub overdue: usize,
    /// Open items without an issue.
    pub without_issue: usize,
    /// Items closed as completed in the 7 days ending `as_of`.
    pub done_this_week: usize,
    /// The item overdue the longest.
    pub oldest_overdue: Option<Oldest>,
}

/// The report: what every renderer shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The day it is made for.
    pub as_of: NaiveDate,
    /// Which items are listed.
    pub filter: Filter,
    /// Where the states came from.
    pub source: Source,
    /// `owner/name`, when known.
    pub repo: Option<String>,
    /// Counts over all items.
    pub totals: Totals,
    /// Postmortems with listed items, by path.
    pub postmortems: Vec<PostmortemGroup>,
    /// Owners of listed items: most overdue first, then most open, then by
    /// name; items without an owner last.
    pub owners: Vec<OwnerGroup>,
    /// Oldest week first, ending with the week that ends `as_of`.
    pub weeks: Vec<WeekPoint>,
    /// Postmortems before config `since`: read, counted, not tracked
    /// (absent when `since` is not set).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_tracked: Option<NotTracked>,
}

/// The postmortems config `since` leaves out of tracking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotTracked {
    /// The `since` date.
    pub since: NaiveDate,
    /// Action items they hold.
    pub items: usize,
    /// The postmortems, by path.
    pub postmortems: Vec<NotTrackedPostmortem>,
}

/// One postmortem that is not tracked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotTrackedPostmortem {
    /// Document path.
    pub path: String,
    /// Document title.
    pub title: String,
    /// Incident start.
    pub incident_start: Option<NaiveDate>,
    /// Its action items.
    pub items: usize,
}

impl NotTrackedPostmortem {
    /// How the report lists `pm` when it is not tracked.
    pub fn of(pm: &Postmortem) -> NotTrackedPostmortem {
        NotTrackedPostmortem {
            path: pm.path.clone(),
            title: pm.title.clone(),
            incident_start: pm.incident_start,
            items: pm.tasks.len(),
        }
    }
}

impl NotTracked {
    /// The postmortems before `since`, as the report lists them.
    pub fn of(since: NaiveDate, untracked: Vec<NotTrackedPostmortem>) -> NotTracked {
        let mut postmortems = untracked;
        postmortems.sort_by(|a, b| a.path.cmp(&b.path));
        NotTracked {
            since,
            items: postmortems.iter().map(|p| p.items).sum(),
            postmortems,
        }
    }
}

impl Item {
    fn is_open(&self) -> bool {
        self.state == TrackState::Open
    }

    /// Days past the due date on `day`, when open and overdue.
    fn days_overdue(&self, day: NaiveDate) -> Option<i32> {
        let due = self.due?;
        (self.is_open() && due < day).then(|| days_between(due, day))
    }

    /// With `as_of` applied (the strings are shared, not copied).
    pub fn view(&self, as_of: NaiveDate) -> ReportItem {
        let days_overdue = self.days_overdue(as_of);
        ReportItem {
            title: self.title.clone(),
            postmortem: self.postmortem.clone(),
            line: self.line,
            owners: self.owners.clone(),
            due: self.due,
            state: self.state,
            overdue: days_overdue.is_some(),
            days_overdue,
            age_days: self.opened.map(|o| days_between(o, as_of).max(0)),
            issue: self.issue.clone(),
            elsewhere: self.elsewhere.clone(),
        }
    }
}

/// Whole days from `from` to `to` (a calendar's span fits in an `i32`).
fn days_between(from: NaiveDate, to: NaiveDate) -> i32 {
    i32::try_from(to.signed_duration_since(from).num_days()).unwrap_or(i32::MAX)
}

/// A postmortem as the report names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// Document path.
    pub path: String,
    /// Document title.
    pub title: String,
    /// Incident start.
    pub incident_start: Option<NaiveDate>,
}

impl Heading {
    /// The heading of `pm`.
    pub fn of(pm: &Postmortem) -> Heading {
        Heading {
            path: pm.path.clone(),
            title: pm.title.clone(),
            incident_start: pm.incident_start,
        }
    }
}

/// Applies `as_of` and the filter to `items` (of `postmortems`).
pub fn build(postmortems: &[Postmortem], items: &[Item], opts: &Spec) -> Report {
    let mut b = Builder::new(opts);
    for i in items {
        b.add(i);
    }
    b.finish(postmortems.iter().map(Heading::of))
}

/// Builds a [`Report`] one item at a time, keeping only what the report
/// shows: the listed items, counts and the weekly points, never every item.
/// [`build`] for items in hand; [`Builder::add`] for items as they are read.
pub struct Builder<'a> {
    opts: Spec<'a>,
    week_ago: NaiveDate,
    week_ends: Vec<NaiveDate>,
    weeks: Vec<WeekPoint>,
    totals: Totals,
    oldest: Option<ReportItem>,
    /// Per postmortem path: open and overdue counts, listed items.
    by_path: BTreeMap<Arc<str>, (usize, usize, Vec<ReportItem>)>,
}

impl<'a> Builder<'a> {
    /// An empty report.
    pub fn new(opts: &Spec<'a>) -> Builder<'a> {
        let as_of = opts.as_of;
        let week_ends: Vec<NaiveDate> = (0..opts.weeks.max(1))
            .rev()
            .filter_map(|back| as_of.checked_sub_days(Days::new(7 * u64::from(back))))
            .collect();
        Builder {
            opts: *opts,
            week_ago: as_of.checked_sub_days(Days::new(7)).unwrap_or(as_of),
            weeks: week_ends
                .iter()
                .map(|&week_end| WeekPoint {
                    week_end,
                    open: 0,
                    overdue: 0,
                })
                .collect(),
            week_ends,
            totals: Totals {
                items: 0,
                open: 0,
                overdue: 0,
                without_issue: 0,
                done_this_week: 0,
                oldest_overdue: None,
            },
            oldest: None,
            by_path: BTreeMap::new(),
        }
    }

    /// [`Builder::add`] for the items of one document, read together: their
    /// postmortem's list is left without spare room.
    pub fn add_all(&mut self, items: &[Item]) {
        for i in items {
            self.add(i);
        }
        let mut last: Option<&Arc<str>> = None;
        for path in items.iter().map(|i| &i.postmortem) {
            if last != Some(path) {
                if let Some((_, _, listed)) = self.by_path.get_mut(path) {
                    listed.shrink_to_fit();
                }
                last = Some(path);
            }
        }
    }

    /// Counts `item` and keeps it when the filter lists it.
    pub fn add(&mut self, item: &Item) {
        let as_of = self.opts.as_of;
        for (point, &end) in self.weeks.iter_mut().zip(&self.week_ends) {
            if open_on(item, end) {
                point.open += 1;
                point.overdue += usize::from(item.due.is_some_and(|d| d < end));
            }
        }
        let v = item.view(as_of);
        let t = &mut self.totals;
        t.items += 1;
        t.open += usize::from(v.state == TrackState::Open);
        t.overdue += usize::from(v.overdue);
        t.without_issue +=
            usize::from(v.state == TrackState::Open && v.issue.is_none() && v.elsewhere.is_none());
        t.done_this_week += usize::from(
            item.state == TrackState::Done
                && item.closed.is_some_and(|c| c > self.week_ago && c <= as_of),
        );
        if v.overdue {
            // The most days overdue; ties: the first in path/line order.
            let wins = self.oldest.as_ref().is_none_or(|o| {
                v.days_overdue
                    .cmp(&o.days_overdue)
                    .then_with(|| (&o.postmortem, o.line).cmp(&(&v.postmortem, v.line)))
                    .is_ge()
            });
            if wins {
                self.oldest = Some(v.clone());
            }
        }
        let listed = match self.opts.filter {
            Filter::All => true,
            Filter::Unresolved => v.state == TrackState::Open,
            Filter::Overdue => v.overdue,
        };
        let entry = self
            .by_path
            .entry(v.postmortem.clone())
            .or_insert_with(|| (0, 0, Vec::new()));
        entry.0 += usize::from(v.state == TrackState::Open);
        entry.1 += usize::from(v.overdue);
        if listed {
            entry.2.push(v);
        }
    }

    /// The report, over the postmortems `headings` names (items of others
    /// are left out).
    pub fn finish(mut self, headings: impl IntoIterator<Item = Heading>) -> Report {
        self.totals.oldest_overdue = self.oldest.map(|v| Oldest {
            title: v.title.to_string(),
            postmortem: v.postmortem.to_string(),
            line: v.line,
            issue: v.issue,
            days_overdue: i64::from(v.days_overdue.unwrap_or(0)),
        });
        let mut groups: BTreeMap<String, PostmortemGroup> = BTreeMap::new();
        for h in headings {
            if groups.contains_key(&h.path) {
                continue;
            }
            let Some((open, overdue, mut items)) = self.by_path.remove(h.path.as_str()) else {
                continue;
            };
            if items.is_empty() {
                continue;
            }
            items.sort_by_key(|i| i.line);
            groups.insert(
                h.path.clone(),
                PostmortemGroup {
                    path: h.path,
                    title: h.title,
                    incident_start: h.incident_start,
                    open,
                    overdue,
                    items,
                },
            );
        }
        let postmortems: Vec<PostmortemGroup> = groups.into_values().collect();
        let owners = owner_groups(postmortems.iter().flat_map(|g| g.items.iter()));
        Report {
            as_of: self.opts.as_of,
            filter: self.opts.filter,
            source: self.opts.source,
            repo: self.opts.repo.map(str::to_owned),
            totals: self.totals,
            postmortems,
            owners,
            weeks: self.weeks,
            not_tracked: self.opts.not_tracked.cloned(),
        }
    }
}

/// Groups listed items by owner, case-insensitively (the first spelling
/// seen is shown).
fn owner_groups<'a>(listed: impl Iterator<Item = &'a ReportItem> + Clone) -> Vec<OwnerGroup> {
    // Each owner's list is sized before it is filled (it may hold every
    // listed item).
    let mut sizes: BTreeMap<Option<String>, usize> = BTreeMap::new();
    for v in listed.clone() {
        let mut seen = BTreeSet::new();
        if v.owners.is_empty() {
            *sizes.entry(None).or_default() += 1;
        }
        for o in &v.owners {
            let key = o.to_lowercase();
            if seen.insert(key.clone()) {
                *sizes.entry(Some(key)).or_default() += 1;
            }
        }
    }
    let mut by: BTreeMap<Option<String>, OwnerGroup> = BTreeMap::new();
    for v in listed {
        let names: Vec<Option<&String>> = if v.owners.is_empty() {
            vec![None]
        } else {
            let mut seen = BTreeSet::new();
            v.owners
                .iter()
                .filter(|o| seen.insert(o.to_lowercase()))
                .map(Some)
                .collect()
        };
        for name in names {
            let g = by
                .entry(name.map(|n| n.to_lowercase()))
                .or_insert_with(|| OwnerGroup {
                    owner: name.cloned(),
                    open: 0,
                    overdue: 0,
                    items: Vec::with_capacity(
                        sizes
                            .get(&name.map(|n| n.to_lowercase()))
                            .copied()
                            .unwrap_or(0),
                    ),
                });
            g.open += usize::from(v.state == TrackState::Open);
            g.overdue += usize::from(v.overdue);
            g.items.push(ItemRef {
                postmortem: v.postmortem.clone(),
                line: v.line,
                title: v.title.clone(),
                issue: v.issue.as_ref().map(|i| i.number),
                overdue: v.overdue,
            });
        }
    }
    let mut out: Vec<OwnerGroup> = by.into_values().collect();
    out.sort_by(|a, b| {
        (
            a.owner.is_none(),
            std::cmp::Reverse(a.overdue),
            std::cmp::Reverse(a.open),
        )
            .cmp(&(
                b.owner.is_none(),
                std::cmp::Reverse(b.overdue),
                std::cmp::Reverse(b.open),
            ))
            .then_with(|| {
                let key = |g: &OwnerGroup| g.owner.as_ref().map(|o| o.to_lowercase());
                key(a).cmp(&key(b))
            })
    });
    out
}

/// Open and overdue counts at the end of each of the last `n` weeks (the
/// last one ends `as_of`). An item counts as open on a day from the day it
/// was opened until the day before it was closed; a resolved item whose
/// closing day is unknown (no token) is left out, since when it stopped
/// being open cannot be told.
pub fn weeks(items: &[Item], as_of: NaiveDate, n: u32) -> Vec<WeekPoint> {
    let mut b = Builder::new(&Spec {
        as_of,
        filter: Filter::Overdue,
        weeks: n,
        source: Source::Documents,
        repo: None,
        not_tracked: None,
    });
    for i in items {
        b.add(i);
    }
    b.weeks
}

fn open_on(item: &Item, day: NaiveDate) -> bool {
    let Some(opened) = item.opened else {
        return false;
    };
    if opened > day {
        return false;
    }
    match (item.state, item.closed) {
        (_, Some(closed)) => closed > day,
        (TrackState::Open, None) => true,
        _ => false,
    }
}

/// One change to an issue's overdue label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LabelChange {
    /// Issue number.
    pub number: u64,
    /// `true`: add the label; `false`: remove it.
    pub add: bool,
}

/// The label changes that leave `label` on exactly the issues of overdue
/// items: added to an overdue item's issue that lacks it, removed from every
/// other managed issue (one with a task marker) that has it. Issues without
/// pmtrack's task marker are left alone. By issue number.
pub fn overdue_label_changes(
    report_items: &[ReportItem],
    issues: &[Issue],
    label: &str,
) -> Vec<LabelChange> {
    let overdue: BTreeSet<u64> = report_items
        .iter()
        .filter(|i| i.overdue)
        .filter_map(|i| i.issue.as_ref().map(|l| l.number))
        .collect();
    let mut out = Vec::new();
    for issue in issues {
        if issue_text::parse_marker(&issue.body).is_none() {
            continue;
        }
        let has = issue.labels.iter().any(|l| l.eq_ignore_ascii_case(label));
        let wants = overdue.contains(&issue.number) && issue.state == IssueState::Open;
        if has != wants {
            out.push(LabelChange {
                number: issue.number,
                add: wants,
            });
        }
    }
    out.sort_by_key(|c| c.number);
    out.dedup_by_key(|c| c.number);
    out
}

/// The rolling report issue among `issues`: the lowest-numbered open issue
/// whose body holds [`REPORT_MARKER`], else the lowest-numbered closed one.
/// Found by its marker, never by its title.
pub fn find_report_issue(issues: &[Issue]) -> Option<&Issue> {
    issues
        .iter()
        .filter(|i| i.body.contains(REPORT_MARKER))
        .min_by_key(|i| (i.state != IssueState::Open, i.number))
}

/// Every item of the report, listed or not: for label decisions.
pub fn all_items(items: &[Item], as_of: NaiveDate) -> Vec<ReportItem> {
    items.iter().map(|i| i.view(as_of)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CloseReason;
    use chrono::{TimeZone, Utc};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_report_built_document_by_document_is_the_report_built_at_once() {
        let pms = [
            crate::parse::parse("pm/b.md", "# B\nDate: 2024-01-01\n## Action items\n- x\n"),
            crate::parse::parse("pm/a.md", "# A\nDate: 2024-01-01\n## Action items\n- y\n"),
        ];
        let mut items = vec![
            item("pm/b.md", 9, "Nine", Some(date(2024, 2, 1))),
            item("pm/b.md", 4, "Four", Some(date(2024, 5, 1))),
            item("pm/a.md", 7, "Seven", Some(date(2024, 2, 1))),
            item("pm/c.md", 1, "Of a postmortem not read", None),
        ];
        items[1].state = TrackState::Done;
        items[1].closed = Some(date(2024, 2, 27));
        items[2].owners = vec!["Bob".into(), "bob".into(), "carol".into()];
        for filter in [Filter::All, Filter::Unresolved, Filter::Overdue] {
            let opts = Spec {
                as_of: date(2024, 3, 1),
                filter,
                weeks: 3,
                source: Source::Documents,
                repo: None,
                not_tracked: None,
            };
            let whole = build(&pms, &items, &opts);
            let mut b = Builder::new(&opts);
            b.add_all(&items[..2]);
            b.add_all(&items[2..]);
            assert_eq!(b.finish(pms.iter().map(Heading::of)), whole, "{filter:?}");
        }
        let r = build(
            &pms,
            &items,
            &Spec {
                as_of: date(2024, 3, 1),
                filter: Filter::All,
                weeks: 3,
                source: Source::Documents,
                repo: None,
                not_tracked: None,
            },
        );
        // Documents in path order, items in line order; the unread
        // postmortem's item is counted nowhere in the groups.
        let paths: Vec<&str> = r.postmortems.iter().map(|g| g.path.as_str()).collect();
        assert_eq!(paths, ["pm/a.md", "pm/b.md"]);
        assert_eq!(r.postmortems[1].items[0].line, 4);
        // One owner group per person, whatever the case.
        assert_eq!(
            r.owners
                .iter()
                .filter(|g| g.owner.as_deref() == Some("Bob"))
                .count(),
            1
        );
    }

    fn item(pm: &str, line: usize, title: &str, due: Option<NaiveDate>) -> Item {
        Item {
            elsewhere: None,
            postmortem: pm.into(),
            line,
            title: title.into(),
            owners: vec!["alice".into()],
            due,
            state: TrackState::Open,
            issue: Some(IssueLink {
                number: line as u64,
                url: None,
            }),
            opened: Some(date(2024, 1, 1)),
            closed: None,
        }
    }

    fn pm(path: &str) -> Postmortem {
        crate::parse::parse(path, "# T\n\n## Action items\n\n- a\n")
    }

    fn opts(as_of: NaiveDate, filter: Filter) -> Spec<'static> {
        Spec {
            as_of,
            filter,
            weeks: 4,
            source: Source::Github,
            repo: Some("o/r"),
            not_tracked: None,
        }
    }

    #[test]
    fn overdue_days_cross_month_ends_and_the_leap_day() {
        let it = item("a.md", 1, "x", Some(date(2024, 2, 28)));
        assert_eq!(
            it.days_overdue(date(2024, 3, 1)),
            Some(2),
            "2024 has Feb 29"
        );
        let it = item("a.md", 1, "x", Some(date(2023, 2, 28)));
        assert_eq!(it.days_overdue(date(2023, 3, 1)), Some(1));
        let it = item("a.md", 1, "x", Some(date(2024, 1, 31)));
        assert_eq!(it.days_overdue(date(2024, 3, 1)), Some(30));
        let it = item("a.md", 1, "x", Some(date(2024, 12, 31)));
        assert_eq!(it.days_overdue(date(2025, 1, 1)), Some(1));
    }

    #[test]
    fn an_item_due_today_is_not_overdue_and_a_done_one_never_is() {
        let it = item("a.md", 1, "x", Some(date(2024, 2, 29)));
        assert_eq!(it.days_overdue(date(2024, 2, 29)), None);
        let mut done = item("a.md", 1, "x", Some(date(2024, 1, 1)));
        done.state = TrackState::Done;
        assert_eq!(done.days_overdue(date(2024, 3, 1)), None);
        let undated = item("a.md", 1, "x", None);
        assert_eq!(undated.days_overdue(date(2030, 1, 1)), None);
    }

    #[test]
    fn totals_count_every_item_whatever_the_filter() {
        let as_of = date(2024, 3, 1);
        let mut done = item("b.md", 3, "done recently", Some(date(2024, 2, 1)));
        done.state = TrackState::Done;
        done.closed = Some(date(2024, 2, 26));
        let mut done_long_ago = item("b.md", 4, "done long ago", None);
        done_long_ago.state = TrackState::Done;
        done_long_ago.closed = Some(date(2024, 2, 23));
        let mut no_issue = item("b.md", 5, "no issue", None);
        no_issue.issue = None;
        let items = vec![
            item("a.md", 1, "late", Some(date(2024, 2, 1))),
            item("a.md", 2, "later", Some(date(2024, 1, 15))),
            item("b.md", 1, "on time", Some(date(2024, 3, 10))),
            done,
            done_long_ago,
            no_issue,
        ];
        let r = build(
            &[pm("a.md"), pm("b.md")],
            &items,
            &opts(as_of, Filter::Overdue),
        );
        assert_eq!(r.totals.items, 6);
        assert_eq!(r.totals.open, 4);
        assert_eq!(r.totals.overdue, 2);
        assert_eq!(r.totals.without_issue, 1);
        assert_eq!(
            r.totals.done_this_week, 1,
            "Feb 23 is 7 days before: not this week"
        );
        let oldest = r.totals.oldest_overdue.unwrap();
        assert_eq!((oldest.title.as_str(), oldest.days_overdue), ("later", 46));
        // Only overdue items are listed, and only their postmortem.
        assert_eq!(r.postmortems.len(), 1);
        assert_eq!(r.postmortems[0].path, "a.md");
        let titles: Vec<&str> = r.postmortems[0].items.iter().map(|i| &*i.title).collect();
        assert_eq!(titles, ["late", "later"]);
        assert_eq!(r.postmortems[0].open, 2);
    }

    #[test]
    fn unresolved_lists_open_items_and_all_lists_everything() {
        let as_of = date(2024, 3, 1);
        let mut done = item("a.md", 2, "done", None);
        done.state = TrackState::Done;
        let items = vec![item("a.md", 1, "open", None), done];
        let r = build(&[pm("a.md")], &items, &opts(as_of, Filter::Unresolved));
        assert_eq!(r.postmortems[0].items.len(), 1);
        let r = build(&[pm("a.md")], &items, &opts(as_of, Filter::All));
        assert_eq!(r.postmortems[0].items.len(), 2);
    }

    #[test]
    fn owners_group_case_insensitively_most_overdue_first_and_nobody_last() {
        let as_of = date(2024, 3, 1);
        let mut bob = item("a.md", 1, "b1", Some(date(2024, 2, 1)));
        bob.owners = vec!["bob".into()];
        let mut alice_upper = item("a.md", 2, "a2", None);
        alice_upper.owners = vec!["Alice".into(), "alice".into()];
        let mut nobody = item("a.md", 3, "n", Some(date(2024, 1, 1)));
        nobody.owners = vec![];
        let items = vec![item("a.md", 0, "a1", None), bob, alice_upper, nobody];
        let r = build(&[pm("a.md")], &items, &opts(as_of, Filter::All));
        let names: Vec<Option<&str>> = r.owners.iter().map(|g| g.owner.as_deref()).collect();
        assert_eq!(names, [Some("bob"), Some("alice"), None]);
        assert_eq!(
            r.owners[1].items.len(),
            2,
            "Alice and alice are one owner, once per item"
        );
        assert_eq!(r.owners[0].overdue, 1);
        assert_eq!(r.owners[2].overdue, 1);
    }

    #[test]
    fn weeks_end_on_as_of_and_count_open_and_overdue_at_each_end() {
        let as_of = date(2024, 3, 1);
        let mut closed = item("a.md", 1, "closed in week 3", Some(date(2024, 2, 10)));
        closed.state = TrackState::Done;
        closed.opened = Some(date(2024, 2, 1));
        closed.closed = Some(date(2024, 2, 20));
        let mut late = item("a.md", 2, "opened in week 2", Some(date(2024, 2, 20)));
        late.opened = Some(date(2024, 2, 10));
        let mut unknown_close = item("a.md", 3, "resolved, closing unknown", None);
        unknown_close.state = TrackState::Done;
        let w = weeks(&[closed, late, unknown_close], as_of, 4);
        let ends: Vec<NaiveDate> = w.iter().map(|p| p.week_end).collect();
        assert_eq!(
            ends,
            [
                date(2024, 2, 9),
                date(2024, 2, 16),
                date(2024, 2, 23),
                date(2024, 3, 1)
            ]
        );
        let open: Vec<usize> = w.iter().map(|p| p.open).collect();
        assert_eq!(open, [1, 2, 1, 1]);
        let overdue: Vec<usize> = w.iter().map(|p| p.overdue).collect();
        assert_eq!(overdue, [0, 1, 1, 1]);
        assert_eq!(weeks(&[], as_of, 0).len(), 1, "at least one week");
    }

    #[test]
    fn an_old_item_counts_as_open_from_its_incident_not_from_its_first_sync() {
        // A 2023 postmortem synced for the first time on 2024-06-03: its
        // issues were created that day, but the item was open all along.
        let text = "# Old outage\n\nDate: 2023-01-10\n\n## Action items\n\n- Add alerts due 2023-02-01\n- Fix DNS\n";
        let pm = crate::parse::parse("pm/old.md", text);
        let created = Utc.with_ymd_and_hms(2024, 6, 3, 9, 0, 0).unwrap();
        let links: Vec<Link> = pm
            .tasks
            .iter()
            .enumerate()
            .map(|(i, t)| Link {
                elsewhere: None,
                key: t.key.clone(),
                number: i as u64 + 1,
                url: String::new(),
                state: if i == 0 {
                    TrackState::Open
                } else {
                    TrackState::Done
                },
                owners: vec![],
                due: t.due,
                created_at: Some(created),
                closed_at: (i == 1).then(|| Utc.with_ymd_and_hms(2024, 6, 4, 9, 0, 0).unwrap()),
            })
            .collect();
        let items = items_from_github(std::slice::from_ref(&pm), &BTreeMap::new(), &links);
        assert_eq!(items[0].opened, Some(date(2023, 1, 10)));
        let w = weeks(&items, date(2024, 6, 10), 3);
        // Both open before the first sync (and the first overdue), the
        // second until its close on 2024-06-04.
        assert_eq!(
            (w[0].week_end, w[0].open, w[0].overdue),
            (date(2024, 5, 27), 2, 1)
        );
        assert_eq!((w[1].open, w[1].overdue), (2, 1));
        assert_eq!((w[2].open, w[2].overdue), (1, 1));
        // Without an incident date, the issue's creation is the start.
        assert_eq!(
            first_seen(None, Some(date(2024, 6, 3))),
            Some(date(2024, 6, 3))
        );
        assert_eq!(
            first_seen(Some(date(2024, 7, 1)), Some(date(2024, 6, 3))),
            Some(date(2024, 6, 3))
        );
    }

    #[test]
    fn postmortems_before_since_are_counted_as_not_tracked() {
        let old = crate::parse::parse(
            "pm/a.md",
            "# A\n\nDate: 2019-03-01\n\n## Action items\n\n- x\n- y\n",
        );
        let older = crate::parse::parse(
            "pm/b.md",
            "# B\n\nDate: 2018-03-01\n\n## Action items\n\n- z\n",
        );
        let n = NotTracked::of(
            date(2024, 1, 1),
            vec![
                NotTrackedPostmortem::of(&old),
                NotTrackedPostmortem::of(&older),
            ],
        );
        assert_eq!(n.items, 3);
        assert_eq!(n.postmortems.len(), 2);
        let mut o = opts(date(2024, 3, 1), Filter::All);
        o.not_tracked = Some(&n);
        let r = build(&[], &[], &o);
        let md = render::markdown(&r, &render::MarkdownOptions::default());
        assert!(
            md.contains("Not tracked: 2 postmortems with incidents before 2024-01-01 (3 action items; config `since`)."),
            "{md}"
        );
        assert!(render::table(&r).contains("Not tracked: 2 postmortems"));
        let json: serde_json::Value = serde_json::from_str(&render::json(&r)).unwrap();
        assert_eq!(json["not_tracked"]["since"], "2024-01-01");
        assert_eq!(json["not_tracked"]["postmortems"][0]["path"], "pm/a.md");
        // Without `since`, the JSON has no such key (the schema is additive).
        let plain = build(&[], &[], &opts(date(2024, 3, 1), Filter::All));
        assert!(!render::json(&plain).contains("not_tracked"));
    }

    #[test]
    fn label_changes_keep_the_label_on_exactly_the_overdue_issues() {
        let as_of = date(2024, 3, 1);
        let issue = |n: u64, labels: &[&str], state: IssueState, marker: bool| Issue {
            number: n,
            title: format!("i{n}"),
            body: if marker {
                format!("x\n<!-- pmtrack key=k{n} path=a.md -->")
            } else {
                "by hand".into()
            },
            state,
            close_reason: (state == IssueState::Closed).then_some(CloseReason::Completed),
            labels: labels.iter().map(|s| s.to_string()).collect(),
            assignees: vec![],
            milestone: None,
            html_url: String::new(),
            created_at: Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
            closed_at: None,
        };
        let items = vec![
            item("a.md", 1, "overdue, unlabelled", Some(date(2024, 2, 1))),
            item("a.md", 2, "overdue, labelled", Some(date(2024, 2, 1))),
            item("a.md", 3, "no longer overdue", Some(date(2024, 4, 1))),
        ];
        let views = all_items(&items, as_of);
        let issues = vec![
            issue(1, &["postmortem"], IssueState::Open, true),
            issue(2, &["Overdue"], IssueState::Open, true),
            issue(3, &["overdue"], IssueState::Open, true),
            issue(4, &["overdue"], IssueState::Closed, true),
            issue(5, &["overdue"], IssueState::Open, false),
        ];
        let changes = overdue_label_changes(&views, &issues, "overdue");
        assert_eq!(
            changes,
            [
                LabelChange {
                    number: 1,
                    add: true
                },
                LabelChange {
                    number: 3,
                    add: false
                },
                LabelChange {
                    number: 4,
                    add: false
                },
            ]
        );
    }

    #[test]
    fn the_report_issue_is_found_by_marker_open_first_never_by_title() {
        let mk = |n: u64, body: &str, state: IssueState| Issue {
            number: n,
            title: "Postmortem follow-ups: weekly report".into(),
            body: body.into(),
            state,
            close_reason: None,
            labels: vec![],
            assignees: vec![],
            milestone: None,
            html_url: String::new(),
            created_at: Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
            closed_at: None,
        };
        let issues = vec![
            mk(1, "same title, no marker", IssueState::Open),
            mk(2, &format!("old\n{REPORT_MARKER}"), IssueState::Closed),
            mk(7, &format!("current\n{REPORT_MARKER}"), IssueState::Open),
        ];
        assert_eq!(find_report_issue(&issues).map(|i| i.number), Some(7));
        assert_eq!(find_report_issue(&issues[..2]).map(|i| i.number), Some(2));
        assert_eq!(find_report_issue(&issues[..1]), None);
    }

    #[test]
    fn documents_take_the_status_block_state_unless_the_item_says_resolved() {
        let text = "# DB\n\nDate: 2024-01-10\n\n## Action items\n\n- [ ] Add alerts @alice\n- [x] Fix pool\n- [ ] Write runbook (#9)\n";
        let pm = crate::parse::parse("pm.md", text);
        let rows = vec![
            BlockRow {
                elsewhere: None,
                title: "Add alerts @alice".into(),
                issue: Some(4),
                owners: vec!["alice".into()],
                due: Some(date(2024, 2, 1)),
                state: TrackState::Done,
            },
            BlockRow {
                elsewhere: None,
                title: "Fix pool".into(),
                issue: Some(5),
                owners: vec![],
                due: None,
                state: TrackState::Open,
            },
        ];
        let due: BTreeMap<TaskKey, Option<NaiveDate>> = pm
            .tasks
            .iter()
            .map(|t| (t.key.clone(), Some(date(2024, 2, 9))))
            .collect();
        let url = |n: u64| Some(format!("https://github.com/o/r/issues/{n}"));
        let items = items_from_documents(&[(&pm, rows)], &due, None, &url);
        let states: Vec<TrackState> = items.iter().map(|i| i.state).collect();
        assert_eq!(
            states,
            [TrackState::Done, TrackState::Done, TrackState::Open]
        );
        assert_eq!(items[0].due, Some(date(2024, 2, 1)), "the block's due date");
        assert_eq!(items[2].due, Some(date(2024, 2, 9)), "the policy due date");
        let issue = items[2].issue.as_ref().unwrap();
        assert_eq!(issue.number, 9);
        assert_eq!(
            issue.url.as_deref(),
            Some("https://github.com/o/r/issues/9")
        );
        assert_eq!(items[0].opened, Some(date(2024, 1, 10)));
    }
}
