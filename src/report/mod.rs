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
//!
//! By job: `items` (each action item's state, from a sync's links or from
//! the documents), `builder` (totals, chart, groups), [`render`] (text,
//! Markdown, JSON); the types and the label decisions are here.

mod builder;
pub mod health;
mod items;
pub mod render;

pub use builder::{build, weeks, Builder};
pub use items::{items_from_documents, items_from_github};

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;

use crate::issue_text;
use crate::model::{ElsewhereLink, Issue, IssueState, ItemType, Postmortem, TrackState};

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
    pub url: Option<Box<str>>,
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
    /// Its type (investigate, mitigate, …), when its words say.
    pub item_type: Option<ItemType>,
    /// What it promises ([`crate::insight::recurring::promise`] of its
    /// title): for the recurring promises.
    pub promise: Box<[u64]>,
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
    pub line: u32,
    /// Owners (logins or names, without `@`).
    pub owners: Box<[String]>,
    /// Effective due date.
    pub due: Option<NaiveDate>,
    /// `open`, `done` or `not_planned`.
    pub state: TrackState,
    /// Open and past its due date.
    pub overdue: bool,
    /// Days past the due date (overdue items only: at least 1).
    pub days_overdue: Option<std::num::NonZeroI32>,
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
    /// Items done (all, not only those listed).
    pub done: usize,
    /// All its items.
    pub total: usize,
    /// Its tracking issue, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracking: Option<IssueLink>,
    /// How well its items get done.
    pub health: health::Health,
    /// The listed items, in document order.
    pub items: Vec<ReportItem>,
}

/// Where a listed item is: `report.postmortems[postmortem].items[item]`
/// ([`Report::item`]). An owner's group holds these, not copies: one group
/// may hold every listed item of a large repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemAt {
    /// Index in [`Report::postmortems`].
    pub postmortem: u32,
    /// Index in that group's items.
    pub item: u32,
}

/// The listed items of one owner (`owner: None`: items nobody owns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerGroup {
    /// Login or name, without `@`; `null` for items without an owner.
    pub owner: Option<String>,
    /// Listed items that are open.
    pub open: usize,
    /// Listed items that are overdue.
    pub overdue: usize,
    /// The listed items.
    pub items: Vec<ItemAt>,
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

/// The report: what every renderer shows. Serialised as the JSON document
/// ([`render::json`]), owners' items written out in full.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// Every item counted by its type, in [`ItemType::ALL`] order, items of
    /// no type last; types with no item are left out.
    pub types: Vec<TypeGroup>,
    /// How well follow-ups get done.
    pub health: HealthReport,
    /// Oldest week first, ending with the week that ends `as_of`.
    pub weeks: Vec<WeekPoint>,
    /// Promises made in two or more postmortems (over every item): those
    /// whose latest promise is still open first, then the most promised.
    pub recurring: Vec<Recurring>,
    /// Postmortems before config `since`: read, counted, not tracked
    /// (absent when `since` is not set).
    pub not_tracked: Option<NotTracked>,
}

impl Report {
    /// The listed item `at` points to.
    pub fn item(&self, at: ItemAt) -> &ReportItem {
        &self.postmortems[at.postmortem as usize].items[at.item as usize]
    }
}

impl Serialize for Report {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Report", 12)?;
        st.serialize_field("as_of", &self.as_of)?;
        st.serialize_field("filter", &self.filter)?;
        st.serialize_field("source", &self.source)?;
        st.serialize_field("repo", &self.repo)?;
        st.serialize_field("totals", &self.totals)?;
        st.serialize_field("postmortems", &self.postmortems)?;
        st.serialize_field("owners", &OwnersJson(self))?;
        st.serialize_field("types", &self.types)?;
        st.serialize_field("health", &self.health)?;
        st.serialize_field("weeks", &self.weeks)?;
        st.serialize_field("recurring", &self.recurring)?;
        if let Some(n) = &self.not_tracked {
            st.serialize_field("not_tracked", n)?;
        }
        st.end()
    }
}

/// The owners' groups in the JSON document, each item written out from
/// where it is listed.
struct OwnersJson<'a>(&'a Report);

impl Serialize for OwnersJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        struct Items<'a>(&'a Report, &'a [ItemAt]);
        impl Serialize for Items<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.1.iter().map(|&at| {
                    let i = self.0.item(at);
                    ItemRefJson {
                        postmortem: &i.postmortem,
                        line: i.line as usize,
                        title: &i.title,
                        issue: i.issue.as_ref().map(|l| l.number),
                        overdue: i.overdue,
                    }
                }))
            }
        }
        struct Group<'a>(&'a Report, &'a OwnerGroup);
        impl Serialize for Group<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut st = s.serialize_struct("OwnerGroup", 4)?;
                st.serialize_field("owner", &self.1.owner)?;
                st.serialize_field("open", &self.1.open)?;
                st.serialize_field("overdue", &self.1.overdue)?;
                st.serialize_field("items", &Items(self.0, &self.1.items))?;
                st.end()
            }
        }
        s.collect_seq(self.0.owners.iter().map(|g| Group(self.0, g)))
    }
}

/// A short reference to a listed item, in an owner's group (JSON).
#[derive(Serialize)]
struct ItemRefJson<'a> {
    postmortem: &'a str,
    line: usize,
    title: &'a str,
    issue: Option<u64>,
    overdue: bool,
}

/// The items of one type (all of them, not only those listed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TypeGroup {
    /// The type; `null` for items whose words name none.
    #[serde(rename = "type")]
    pub item_type: Option<ItemType>,
    /// Its items.
    pub items: usize,
    /// Open.
    pub open: usize,
    /// Open and past their due date.
    pub overdue: usize,
    /// Done.
    pub done: usize,
    /// How well its items get done.
    pub health: health::Health,
}

/// How many of a recurring promise's items the report names: its latest.
pub const RECURRING_LISTED: usize = 10;

/// One promise made in two or more postmortems: items of different
/// documents that say the same thing (see [`crate::insight::recurring`]),
/// the clearest sign that follow-ups are not getting done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recurring {
    /// What is promised: the words of its latest promise, as first written
    /// in the repository.
    pub title: Arc<str>,
    /// How many postmortems promised it.
    pub postmortems: usize,
    /// Its items.
    pub items: usize,
    /// Of those, open.
    pub open: usize,
    /// Of those, done.
    pub done: usize,
    /// Whether its latest promise is still open.
    pub latest_open: bool,
    /// Its latest [`RECURRING_LISTED`] items, latest first.
    pub latest: Vec<Promised>,
}

/// One item of a recurring promise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Promised {
    /// Path of its postmortem.
    pub postmortem: Arc<str>,
    /// 1-based line.
    pub line: usize,
    /// `open`, `done` or `not_planned`.
    pub state: TrackState,
    /// Its issue number, when it has one.
    pub issue: Option<u64>,
    /// When it was promised: its incident's start (or its issue's
    /// creation, when earlier or the incident date is unknown).
    pub promised: Option<NaiveDate>,
}

/// Health figures over every item, per owner and per month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HealthReport {
    /// Over every item.
    pub overall: health::Health,
    /// Per owner (login or name; `null`: items nobody owns), by name,
    /// nobody last.
    pub owners: Vec<OwnerHealth>,
    /// Items closed on time and late, per month of the report's window.
    pub months: Vec<health::MonthPoint>,
    /// The [`OLDEST_LISTED`] open items open the longest, oldest first
    /// (whatever the filter).
    pub oldest_open: Vec<OldestOpen>,
}

/// How many of the oldest open items the health figures name.
pub const OLDEST_LISTED: usize = 5;

/// One of the items open the longest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OldestOpen {
    /// Title.
    pub title: Arc<str>,
    /// Path of its postmortem.
    pub postmortem: Arc<str>,
    /// 1-based line.
    pub line: usize,
    /// Its issue number, when it has one.
    pub issue: Option<u64>,
    /// Days since it was opened.
    pub age_days: i32,
}

/// One owner's health figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OwnerHealth {
    /// Login or name, without `@`; `null` for items without an owner.
    pub owner: Option<String>,
    /// The figures.
    #[serde(flatten)]
    pub health: health::Health,
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

/// A postmortem as the report names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// Document path.
    pub path: String,
    /// Document title.
    pub title: String,
    /// Incident start.
    pub incident_start: Option<NaiveDate>,
    /// Its tracking issue, when known.
    pub tracking: Option<IssueLink>,
}

impl Heading {
    /// The heading of `pm` (its tracking issue unknown).
    pub fn of(pm: &Postmortem) -> Heading {
        Heading {
            path: pm.path.clone(),
            title: pm.title.clone(),
            incident_start: pm.incident_start,
            tracking: None,
        }
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
    use super::items::first_seen;
    use super::*;
    use crate::model::CloseReason;
    use crate::model::Link;
    use crate::model::TaskKey;
    use crate::writeback::BlockRow;
    use chrono::{TimeZone, Utc};
    use std::collections::BTreeMap;

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

    /// Recurring promises: counted over every item whatever the filter,
    /// the latest promise first and named by its words, at most
    /// [`RECURRING_LISTED`] items each, open latest promises first; the
    /// same report built document by document.
    #[test]
    fn recurring_promises_are_grouped_over_documents_latest_first() {
        let mut items = Vec::new();
        for k in 0..12u32 {
            let mut i = item(
                &format!("pm/{k:02}.md"),
                5,
                "Renew certificates automatically",
                None,
            );
            i.opened = Some(date(2023, 1, 1) + chrono::Days::new(u64::from(k) * 30));
            if k < 8 {
                i.state = TrackState::Done;
            }
            items.push(i);
        }
        // Its latest wording differs: the promise is named by it.
        items[11].title = "Automate the renewal of certificates".into();
        items[11].promise = crate::insight::recurring::promise(&items[11].title);
        let mut rotate_old = item("pm/00.md", 9, "Rotate the database credentials", None);
        rotate_old.opened = Some(date(2023, 1, 1));
        let mut rotate_new = item("pm/05.md", 9, "Rotate database credentials yearly", None);
        rotate_new.opened = Some(date(2023, 6, 1));
        rotate_new.state = TrackState::Done;
        // Twice in one document only: no recurring promise.
        let twice = [
            item("pm/03.md", 20, "Page the DNS team on resolver errors", None),
            item("pm/03.md", 21, "Page DNS team for resolver errors", None),
        ];
        items.extend([rotate_old, rotate_new]);
        items.extend(twice);
        items.sort_by(|a, b| (&a.postmortem, a.line).cmp(&(&b.postmortem, b.line)));
        let pms: Vec<Postmortem> = (0..12)
            .map(|k| crate::parse::parse(&format!("pm/{k:02}.md"), "# T\n"))
            .collect();
        let opts = Spec {
            as_of: date(2024, 3, 1),
            filter: Filter::Overdue,
            weeks: 1,
            source: Source::Documents,
            repo: None,
            not_tracked: None,
        };
        let r = build(&pms, &items, &opts);
        assert_eq!(r.recurring.len(), 2, "{:#?}", r.recurring);
        let cert = &r.recurring[0];
        assert_eq!(&*cert.title, "Automate the renewal of certificates");
        assert_eq!(
            (
                cert.postmortems,
                cert.items,
                cert.open,
                cert.done,
                cert.latest_open
            ),
            (12, 12, 4, 8, true)
        );
        assert_eq!(cert.latest.len(), RECURRING_LISTED);
        let order: Vec<&str> = cert.latest.iter().map(|p| &*p.postmortem).collect();
        assert_eq!(order[..3], ["pm/11.md", "pm/10.md", "pm/09.md"]);
        assert_eq!(cert.latest[0].promised, Some(date(2023, 11, 27)));
        assert_eq!(cert.latest[0].issue, Some(5));
        let rotate = &r.recurring[1];
        assert_eq!(&*rotate.title, "Rotate database credentials yearly");
        assert!(!rotate.latest_open);
        assert_eq!(rotate.latest[0].state, TrackState::Done);
        // Document by document: the same.
        let mut b = Builder::new(&opts);
        for chunk in items.chunk_by(|a, b| a.postmortem == b.postmortem) {
            b.add_all(chunk);
        }
        assert_eq!(b.finish(pms.iter().map(Heading::of)).recurring, r.recurring);
    }

    /// The oldest open items: the five open the longest, oldest first,
    /// ties in path and line order; done items and the filter do not count.
    #[test]
    fn the_oldest_open_items_are_the_five_open_the_longest() {
        let opened = [(1, 10), (2, 1), (1, 10), (3, 5), (1, 2), (4, 1), (5, 1)];
        let mut items: Vec<Item> = opened
            .iter()
            .enumerate()
            .map(|(k, &(m, d))| {
                let mut i = item(&format!("pm/{}.md", k % 2), k + 1, &format!("T{k}"), None);
                i.opened = Some(date(2024, m, d));
                i
            })
            .collect();
        let mut done = item("pm/0.md", 40, "Done long ago", None);
        done.opened = Some(date(2023, 1, 1));
        done.state = TrackState::Done;
        items.push(done);
        let r = build(
            &[
                crate::parse::parse("pm/0.md", "# A\n"),
                crate::parse::parse("pm/1.md", "# B\n"),
            ],
            &items,
            &Spec {
                as_of: date(2024, 6, 1),
                filter: Filter::Overdue,
                weeks: 1,
                source: Source::Documents,
                repo: None,
                not_tracked: None,
            },
        );
        let got: Vec<(&str, usize, i32)> = r
            .health
            .oldest_open
            .iter()
            .map(|o| (&*o.title, o.line, o.age_days))
            .collect();
        // Opened 2024-01-02 (T4), then the two of 2024-01-10 in line order,
        // then 2024-02-01 and 2024-03-05; those opened later are left out.
        assert_eq!(
            got,
            [
                ("T4", 5, 151),
                ("T0", 1, 143),
                ("T2", 3, 143),
                ("T1", 2, 121),
                ("T3", 4, 88)
            ]
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
            item_type: None,
            promise: crate::insight::recurring::promise(title),
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
        let items = items_from_github(
            std::slice::from_ref(&pm),
            &BTreeMap::new(),
            &links,
            &Default::default(),
        );
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
            id: 0,
            parent: None,
            parent_known: false,
            sub_issues: None,
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
            id: 0,
            parent: None,
            parent_known: false,
            sub_issues: None,
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
        let items = items_from_documents(&[(&pm, rows)], &due, None, &url, &Default::default());
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
