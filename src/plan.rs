//! PURE (tasks, managed issues, config, today) → [`Plan`]: the changes that
//! bring GitHub in line with the postmortems. No IO, no clock.
//!
//! Types first; the planner itself is [`plan()`] below. Its rules:
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

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{Datelike, Days, NaiveDate};
use serde::Serialize;

use crate::config::{Config, Labels, MilestoneMode, RemovedPolicy};
use crate::issue_text::{self, BodyContext, Marker};
use crate::model::{
    CloseReason, Horizon, Issue, IssueState, Link, Postmortem, Priority, Referenced, Status, Task,
    TaskKey, TrackState, TrackerRef,
};
use crate::parse::text::{collapse, normalize, without_refs};

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
    /// [`Plan::links`] finds them by marker after apply).
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

    /// The GitHub issues and pull requests items are tracked in, outside
    /// pmtrack's issues (`owner/name`, number): each is read once for its
    /// state ([`Plan::links`]). Sorted, without repeats.
    pub fn to_read(&self) -> Vec<(String, u64)> {
        let mut out: Vec<(String, u64)> = self
            .elsewhere
            .values()
            .filter(|e| e.readable)
            .filter_map(|e| e.reference.github())
            .map(|r| (self.repo_of(r.repo.as_deref()), r.number))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The repository a reference names, lower-cased (`#12`: this one).
    fn repo_of(&self, repo: Option<&str>) -> String {
        repo.unwrap_or(&self.repo).to_ascii_lowercase()
    }

    /// The [`Link`] of every task in scope whose issue is among `issues`
    /// (the managed issues after apply, created ones included: they are
    /// found by their marker), and of every task tracked elsewhere, with
    /// the state read of the GitHub issues and pull requests it names
    /// (`referenced`, by [`Plan::to_read`]'s keys). Ordered by task key.
    pub fn links(
        &self,
        issues: &[Issue],
        referenced: &HashMap<(String, u64), Referenced>,
    ) -> Vec<Link> {
        // Looked up by number, and (only when an item has no mapped issue)
        // by marker key: linear in items and issues, never their product.
        let by_number: HashMap<u64, &Issue> = issues.iter().map(|i| (i.number, i)).collect();
        let mut by_marker: Option<HashMap<TaskKey, &Issue>> = None;
        let mut out = Vec::new();
        for (key, due) in &self.due {
            if let Some(e) = self.elsewhere.get(key) {
                out.push(self.elsewhere_link(key, *due, e, referenced));
                continue;
            }
            let issue = match self.issue_of.get(key) {
                Some(n) => by_number.get(n).copied(),
                None => by_marker
                    .get_or_insert_with(|| {
                        // Per key, the open issue with the lowest number,
                        // else the closed one with the lowest number.
                        let mut m: HashMap<TaskKey, &Issue> = HashMap::new();
                        for i in issues {
                            let Some(marker) = issue_text::parse_marker(&i.body) else {
                                continue;
                            };
                            let rank = |i: &Issue| (i.state != IssueState::Open, i.number);
                            m.entry(marker.key)
                                .and_modify(|best| {
                                    if rank(i) < rank(best) {
                                        *best = i;
                                    }
                                })
                                .or_insert(i);
                        }
                        m
                    })
                    .get(key)
                    .copied(),
            };
            let Some(issue) = issue else { continue };
            let state = match (issue.state, issue.close_reason) {
                (IssueState::Open, _) => TrackState::Open,
                (IssueState::Closed, Some(CloseReason::NotPlanned | CloseReason::Duplicate)) => {
                    TrackState::NotPlanned
                }
                (IssueState::Closed, _) => TrackState::Done,
            };
            out.push(Link {
                key: key.clone(),
                number: issue.number,
                url: issue.html_url.clone(),
                state,
                due: *due,
                owners: issue.assignees.clone(),
                created_at: Some(issue.created_at),
                closed_at: issue.closed_at,
                elsewhere: None,
            });
        }
        out
    }

    fn elsewhere_link(
        &self,
        key: &TaskKey,
        due: Option<NaiveDate>,
        e: &Elsewhere,
        referenced: &HashMap<(String, u64), Referenced>,
    ) -> Link {
        let r = &e.reference;
        let read = r
            .github()
            .and_then(|g| referenced.get(&(self.repo_of(g.repo.as_deref()), g.number)));
        Link {
            key: key.clone(),
            number: r.github().map_or(0, |g| g.number),
            url: read
                .map(|x| x.url.clone())
                .or_else(|| r.url().map(str::to_string))
                .unwrap_or_default(),
            // Unread (another tracker, or no access): the document's.
            state: read.map_or(e.written, |x| x.state),
            due,
            owners: Vec::new(),
            created_at: None,
            closed_at: None,
            elsewhere: Some(r.clone()),
        }
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

/// The lower-case host of a server URL (`https://github.com` →
/// `github.com`).
fn web_host(server_url: &str) -> String {
    let rest = server_url.split_once("://").map_or(server_url, |(_, r)| r);
    rest.split('/').next().unwrap_or("").to_ascii_lowercase()
}

/// A managed issue with its marker read.
struct Slot<'a> {
    issue: &'a Issue,
    marker: Option<Marker>,
}

/// Which issue a task maps to.
#[derive(Debug, Clone)]
enum Target {
    /// None yet: create one (open items only).
    New,
    /// A managed issue.
    Existing(u64, How),
    /// Referenced, but the issue is not among the managed issues.
    Outside(u64),
    /// Tracked elsewhere: another repository's issue or pull request,
    /// another tracker, or the group's tracking issue.
    Elsewhere(TrackerRef),
    /// Its reference names an issue another item already maps to.
    Shared(u64),
}

/// How a task found its issue.
#[derive(Debug, Clone)]
enum How {
    Reference,
    Marker,
    Similar(f64),
    /// Its document was renamed (or moved): the same title's key under a
    /// vanished path.
    Moved(String),
}

/// A task in scope and where it stands.
struct Item<'a> {
    pm: &'a Postmortem,
    task: &'a Task,
    target: Target,
}

impl Item<'_> {
    fn at(&self) -> String {
        format!("{}:{}", self.pm.path, self.task.line)
    }
}

/// Plan the changes that bring the managed issues in line with the
/// documents in scope. See the module docs of [`crate::plan`] and the tests
/// below for the rules.
pub fn plan(input: &PlanInput) -> Plan {
    let mut out = Plan {
        repo: input.repo.to_string(),
        ..Plan::default()
    };
    let mut pms: Vec<&Postmortem> = input.postmortems.iter().collect();
    pms.sort_by(|a, b| a.path.cmp(&b.path));
    let scope_docs: BTreeSet<&str> = pms.iter().map(|p| p.path.as_str()).collect();
    let scope: BTreeSet<&str> = scope_docs
        .iter()
        .copied()
        .chain(input.deleted_paths.iter().map(String::as_str))
        .collect();

    let mut slots: Vec<Slot> = input
        .issues
        .iter()
        .map(|issue| Slot {
            issue,
            marker: issue_text::parse_marker(&issue.body),
        })
        .collect();
    slots.sort_by_key(|s| s.issue.number);
    slots.dedup_by_key(|s| s.issue.number);
    let index: BTreeMap<u64, usize> = slots
        .iter()
        .enumerate()
        .map(|(i, s)| (s.issue.number, i))
        .collect();
    // Slots by marker key, lowest number first.
    let mut by_key: BTreeMap<&TaskKey, Vec<usize>> = BTreeMap::new();
    for (i, s) in slots.iter().enumerate() {
        if let Some(m) = &s.marker {
            by_key.entry(&m.key).or_default().push(i);
        }
    }

    let mut items: Vec<Item> = Vec::new();
    for pm in &pms {
        let mut tasks: Vec<&Task> = pm.tasks.iter().collect();
        tasks.sort_by_key(|t| t.line);
        items.extend(tasks.into_iter().map(|task| Item {
            pm,
            task,
            target: Target::New,
        }));
    }
    let task_keys: BTreeSet<&TaskKey> = items.iter().map(|i| &i.task.key).collect();

    // The web host of this repository's issues, for references by URL.
    let host = web_host(input.server_url);

    // Which issue numbers are taken, and by which item (`path:line`).
    let mut claimed: BTreeMap<u64, String> = BTreeMap::new();

    // (1) An issue reference written on the item wins.
    for item in &mut items {
        let Some(reference) = &item.task.issue else {
            continue;
        };
        // Another repository's issue, a pull request, another tracker, or
        // a tracking issue named on the group label: tracked there, never
        // created here.
        let Some(r) = reference.github().filter(|r| {
            // By URL on another host only when it names a managed
            // issue (a test server, a proxy): never one's own duplicate.
            let managed = index.contains_key(&r.number);
            (r.is_issue_of(input.repo, &host)
                || (managed && r.is_issue_of(input.repo, &r.host().unwrap_or_default())))
                && !item.task.issue_from_group
        }) else {
            item.target = Target::Elsewhere(reference.clone());
            continue;
        };
        let n = r.number;
        if let Some(other) = claimed.get(&n) {
            out.warnings.push(format!(
                "{}: #{n} is already the issue of {other}; give each item its own issue reference",
                item.at()
            ));
            item.target = Target::Shared(n);
            continue;
        }
        if !index.contains_key(&n) && by_key.contains_key(&item.task.key) {
            // A reference to an issue pmtrack does not manage (or that does
            // not exist) never takes the item away from its own issue, and
            // never closes it as a duplicate.
            out.warnings.push(format!(
                "{}: #{n} is not an issue pmtrack manages (or does not exist); the item keeps its own issue. Fix or remove the reference",
                item.at()
            ));
            continue;
        }
        claimed.insert(n, item.at());
        if index.contains_key(&n) {
            item.target = Target::Existing(n, How::Reference);
        } else {
            out.warnings.push(format!(
                "{}: tracked in #{n} outside pmtrack's label; add the `{}` label to #{n} to sync it",
                item.at(),
                input.config.labels.base
            ));
            item.target = Target::Outside(n);
        }
    }

    // (2) The marker's key: the lowest open issue, else the lowest closed.
    for item in &mut items {
        if !matches!(item.target, Target::New) {
            continue;
        }
        let same_key: Vec<&Slot> = by_key
            .get(&item.task.key)
            .map(|v| v.iter().map(|&i| &slots[i]).collect())
            .unwrap_or_default();
        let free: Vec<&Slot> = same_key
            .iter()
            .copied()
            .filter(|s| !claimed.contains_key(&s.issue.number))
            .collect();
        if free.is_empty() {
            if let Some((n, other)) = same_key
                .iter()
                .find_map(|s| claimed.get_key_value(&s.issue.number))
            {
                out.warnings.push(format!(
                    "{}: its issue #{n} is referenced by {other}, so this item gets a new issue; fix the reference if it is wrong",
                    item.at()
                ));
            }
        }
        let pick = free
            .iter()
            .find(|s| s.issue.state == IssueState::Open)
            .or(free.first());
        if let Some(s) = pick {
            claimed.insert(s.issue.number, item.at());
            item.target = Target::Existing(s.issue.number, How::Marker);
        }
    }

    // (2b) A renamed document: the item's key under a vanished path.
    let gone: BTreeSet<&str> = input
        .deleted_paths
        .iter()
        .chain(input.vanished_paths)
        .map(String::as_str)
        .filter(|p| !scope_docs.contains(p))
        .collect();
    if !gone.is_empty() {
        for item in &mut items {
            if !matches!(item.target, Target::New) {
                continue;
            }
            for g in &gone {
                let keys = [
                    crate::parse::task_key(g, &item.task.title, ""),
                    crate::parse::task_key(g, &item.task.title, &item.task.detail),
                ];
                let found = keys.iter().find_map(|k| {
                    let free: Vec<&Slot> = by_key
                        .get(k)?
                        .iter()
                        .map(|&i| &slots[i])
                        .filter(|s| !claimed.contains_key(&s.issue.number))
                        .collect();
                    free.iter()
                        .find(|s| s.issue.state == IssueState::Open)
                        .or(free.first())
                        .map(|s| s.issue.number)
                });
                if let Some(n) = found {
                    claimed.insert(n, item.at());
                    item.target = Target::Existing(n, How::Moved((*g).to_owned()));
                    break;
                }
            }
        }
    }

    // (3) An edited title: the best-matching orphan of the same document.
    // Slots and items by document, so that each document looks at its own
    // (linear in issues and items, never their product).
    let mut slots_of: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (si, s) in slots.iter().enumerate() {
        if let Some(m) = &s.marker {
            slots_of.entry(m.path.as_str()).or_default().push(si);
        }
    }
    let mut items_of: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (ii, item) in items.iter().enumerate() {
        items_of.entry(item.pm.path.as_str()).or_default().push(ii);
    }
    for pm in &pms {
        let Some(here) = slots_of.get(pm.path.as_str()) else {
            continue;
        };
        let keys_here: BTreeSet<&TaskKey> = pm.tasks.iter().map(|t| &t.key).collect();
        let orphans: Vec<(usize, Bigrams)> = here
            .iter()
            .map(|&si| (si, &slots[si]))
            .filter(|(_, s)| {
                s.marker.as_ref().is_some_and(|m| {
                    !keys_here.contains(&m.key) && !claimed.contains_key(&s.issue.number)
                })
            })
            .map(|(si, s)| {
                (
                    si,
                    Bigrams::of(&without_refs(s.issue.title.trim_end_matches('…'))),
                )
            })
            .collect();
        if orphans.is_empty() {
            continue;
        }
        let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
        for &ii in items_of.get(pm.path.as_str()).into_iter().flatten() {
            let item = &items[ii];
            if !matches!(item.target, Target::New) {
                continue;
            }
            let want = Bigrams::of(&without_refs(&item.task.title));
            for (si, have) in &orphans {
                let score = want.dice(have);
                if score >= SIMILARITY_THRESHOLD {
                    pairs.push((score, ii, *si));
                }
            }
        }
        pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        for (score, ii, si) in pairs {
            let n = slots[si].issue.number;
            if claimed.contains_key(&n) || !matches!(items[ii].target, Target::New) {
                continue;
            }
            claimed.insert(n, items[ii].at());
            items[ii].target = Target::Existing(n, How::Similar(score));
        }
    }

    // (4) Changes per item, then duplicates of its key.
    let mut ms_due: BTreeMap<&str, Option<NaiveDate>> = BTreeMap::new();
    for pm in &pms {
        let max = pm
            .tasks
            .iter()
            .filter_map(|t| due_of(t, pm, input.config))
            .max();
        ms_due.insert(pm.path.as_str(), max);
    }
    let mut duplicates_done: BTreeSet<u64> = BTreeSet::new();
    for item in &items {
        let due = due_of(item.task, item.pm, input.config);
        out.due.insert(item.task.key.clone(), due);
        let wanted = wanted(
            item,
            due,
            ms_due.get(item.pm.path.as_str()).copied().flatten(),
            input,
            &mut out.warnings,
        );
        let key = item.task.key.clone();
        let mut tracked_in = None;
        match &item.target {
            Target::New => {
                if item.task.status == Status::Open {
                    out.changes.push(Change::Create {
                        key,
                        at: item.at(),
                        fields: IssueFields {
                            title: wanted.title,
                            body: wanted.body,
                            labels: wanted.labels,
                            assignees: wanted.assignees,
                            milestone: wanted.milestone,
                        },
                    });
                }
            }
            Target::Existing(n, how) => {
                out.issue_of.insert(key, *n);
                let slot = &slots[index[n]];
                out.changes.extend(existing_changes(
                    item,
                    slot,
                    how.clone(),
                    wanted,
                    input.config,
                ));
                tracked_in = Some(format!("#{n}"));
            }
            Target::Outside(n) | Target::Shared(n) => {
                out.issue_of.insert(key.clone(), *n);
                out.changes.push(Change::Noop { key, number: *n });
                tracked_in = Some(format!("#{n}"));
            }
            Target::Elsewhere(r) => {
                let written = TrackState::of(item.task.status);
                // Read through this API: GitHub references on this host.
                let readable = r
                    .github()
                    .is_some_and(|g| g.host().is_none_or(|h| h == host));
                out.elsewhere.insert(
                    key,
                    Elsewhere {
                        reference: r.clone(),
                        written,
                        readable,
                    },
                );
                tracked_in = Some(r.short());
            }
        }
        // Never two open issues for one task.
        for &si in by_key.get(&item.task.key).into_iter().flatten() {
            let s = &slots[si];
            let n = s.issue.number;
            if claimed.contains_key(&n) || duplicates_done.contains(&n) {
                continue;
            }
            duplicates_done.insert(n);
            let Some(keep) = &tracked_in else { continue };
            if s.issue.state != IssueState::Open {
                continue;
            }
            out.warnings.push(format!(
                "{}: {keep} and #{n} both track `{}`; closing #{n} as a duplicate of {keep}",
                item.at(),
                item.task.title
            ));
            out.changes.push(Change::Close {
                key: item.task.key.clone(),
                number: n,
                reason: CloseReason::Duplicate,
                comment: Some(format!("duplicate of {keep}")),
                body: Some(issue_text::with_closed_flag(&s.issue.body, true)),
            });
        }
    }

    // (5) Items removed from their document.
    let no_section: BTreeSet<&str> = pms
        .iter()
        .filter(|p| !p.section_found)
        .map(|p| p.path.as_str())
        .collect();
    let mut left_alone: BTreeMap<&str, usize> = BTreeMap::new();
    let mut removed: Vec<(&str, u64, Vec<Change>)> = Vec::new();
    for s in &slots {
        let n = s.issue.number;
        let Some(m) = &s.marker else { continue };
        if claimed.contains_key(&n)
            || duplicates_done.contains(&n)
            || task_keys.contains(&m.key)
            || !scope.contains(m.path.as_str())
        {
            continue;
        }
        if no_section.contains(m.path.as_str()) {
            if s.issue.state == IssueState::Open {
                *left_alone.entry(m.path.as_str()).or_default() += 1;
            }
            continue;
        }
        removed.push((
            m.path.as_str(),
            n,
            removed_changes(s, m, input.config.removed_items),
        ));
    }
    for (path, count) in left_alone {
        out.warnings.push(format!(
            "{path}: no corrective-measures section found, so its {count} open issue(s) are left alone; fix the section heading, or delete the file to close them"
        ));
    }
    removed.sort_by(|a, b| a.0.cmp(b.0).then(a.1.cmp(&b.1)));
    out.changes
        .extend(removed.into_iter().flat_map(|(_, _, c)| c));

    out.labels = label_specs(&out.changes, &input.config.labels);
    out.milestones = milestone_specs(&out.changes);
    out
}

/// A title as a multiset of character bigrams (normalised, whitespace
/// removed), for Sørensen–Dice similarity: the measure of
/// `strsim::sorensen_dice`, with the bigrams of each title computed once
/// instead of once per pair.
struct Bigrams {
    squashed: String,
    grams: Vec<(char, char)>,
}

impl Bigrams {
    fn of(title: &str) -> Bigrams {
        let squashed: String = normalize(title)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let chars: Vec<char> = squashed.chars().collect();
        let mut grams: Vec<(char, char)> = chars.windows(2).map(|w| (w[0], w[1])).collect();
        grams.sort_unstable();
        Bigrams { squashed, grams }
    }

    /// 2·|common bigrams| / (|a| + |b|); 1 for equal titles.
    fn dice(&self, other: &Bigrams) -> f64 {
        if self.squashed == other.squashed {
            return 1.0;
        }
        let (a, b) = (&self.grams, &other.grams);
        if a.is_empty() || b.is_empty() {
            return 0.0;
        }
        let (mut i, mut j, mut common) = (0, 0, 0usize);
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    common += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        (2 * common) as f64 / (a.len() + b.len()) as f64
    }
}

/// Effective due date: explicit, else incident start + policy days.
pub fn due_of(task: &Task, pm: &Postmortem, config: &Config) -> Option<NaiveDate> {
    task.due.or_else(|| {
        let days = config.due.days_for(task.horizon, task.priority);
        pm.incident_start?
            .checked_add_days(Days::new(u64::from(days)))
    })
}

/// What an item's issue should look like.
struct Wanted {
    title: String,
    /// Body with a marker that records the wanted milestone (flags unset).
    body: String,
    labels: Vec<String>,
    assignees: Vec<String>,
    milestone: Option<MilestoneSpec>,
}

fn wanted(
    item: &Item,
    due: Option<NaiveDate>,
    pm_due: Option<NaiveDate>,
    input: &PlanInput,
    warnings: &mut Vec<String>,
) -> Wanted {
    let task = item.task;
    let config = input.config;
    let mut assignees: Vec<String> = Vec::new();
    for owner in &task.owners {
        let login = owner.trim().trim_start_matches('@');
        if !is_login(login) {
            warnings.push(format!(
                "{}: owner `{owner}` is not a GitHub login; not assigned (write `@login` to assign)",
                item.at()
            ));
        } else if input
            .assignable
            .is_some_and(|set| !set.contains(&login.to_ascii_lowercase()))
        {
            warnings.push(format!(
                "{}: owner `{login}` cannot be assigned in {} (not a collaborator); not assigned",
                item.at(),
                input.repo
            ));
        } else if !assignees.iter().any(|a| a.eq_ignore_ascii_case(login)) {
            assignees.push(login.to_owned());
        }
    }
    if assignees.len() > MAX_ASSIGNEES {
        warnings.push(format!(
            "{}: {} owners, but GitHub assigns at most {MAX_ASSIGNEES}; assigned the first {MAX_ASSIGNEES}",
            item.at(),
            assignees.len()
        ));
        assignees.truncate(MAX_ASSIGNEES);
    }
    let milestone = match config.milestones {
        MilestoneMode::None => None,
        MilestoneMode::Postmortem => {
            let title = collapse(&item.pm.title);
            Some(MilestoneSpec {
                title: if title.is_empty() {
                    item.pm.path.clone()
                } else {
                    title
                },
                due_on: pm_due,
            })
        }
        MilestoneMode::DueMonth => due.map(|d| MilestoneSpec {
            title: format!("Due {:04}-{:02}", d.year(), d.month()),
            due_on: last_day_of_month(d),
        }),
    };
    let ctx = BodyContext {
        repo: input.repo,
        server_url: input.server_url,
        branch: input.branch,
        assignees: &assignees,
    };
    let mut body = issue_text::issue_body(task, item.pm, due, &ctx);
    if let Some(ms) = &milestone {
        if let Some(mut m) = issue_text::parse_marker(&body) {
            m.milestone = Some(ms.title.clone());
            body = issue_text::with_marker(&body, &m);
        }
    }
    Wanted {
        title: issue_text::issue_title(task),
        body,
        labels: wanted_labels(task, &config.labels),
        assignees,
        milestone,
    }
}

/// The changes for an item that maps to a managed issue.
fn existing_changes(item: &Item, slot: &Slot, how: How, w: Wanted, config: &Config) -> Vec<Change> {
    let issue = slot.issue;
    let key = item.task.key.clone();
    let number = issue.number;
    let old_flag = slot.marker.as_ref().is_some_and(|m| m.closed_by_pmtrack);
    enum Act {
        Keep,
        Close(CloseReason),
        Reopen,
    }
    let open = issue.state == IssueState::Open;
    let act = match (item.task.status, open) {
        (Status::Open, true) => Act::Keep,
        (Status::Open, false) if old_flag => Act::Reopen,
        // A person closed it: their decision stands.
        (Status::Open, false) => return vec![Change::Noop { key, number }],
        // A person reopened what pmtrack closed: leave it open.
        (Status::Done | Status::Dropped, true) if old_flag => Act::Keep,
        (Status::Done, true) => Act::Close(CloseReason::Completed),
        (Status::Dropped, true) => Act::Close(CloseReason::NotPlanned),
        (Status::Done | Status::Dropped, false) => Act::Keep,
    };
    let flag = match act {
        Act::Close(_) => true,
        Act::Reopen => false,
        Act::Keep => old_flag && !(item.task.status == Status::Open && open),
    };
    let body = issue_text::with_closed_flag(&w.body, flag);

    let mut why = Vec::new();
    match how {
        How::Similar(score) => why.push(format!(
            "title edited in the document (similarity {score:.2})"
        )),
        How::Moved(from) => why.push(format!("the document moved from {from}")),
        How::Reference if slot.marker.as_ref().is_none_or(|m| m.key != key) => {
            why.push(format!("the item references #{number}"))
        }
        _ => {}
    }
    let title = (w.title != issue.title).then(|| {
        why.push("title".to_owned());
        w.title.clone()
    });
    // A line shift alone (lines added above the item) is not worth an API
    // call: the link is refreshed with the item's next real change.
    let body_changed = comparable_body(&body) != comparable_body(&issue.body);
    let labels = merge_labels(&issue.labels, &w.labels, &config.labels);
    let labels = (!same_set(&labels, &issue.labels)).then(|| {
        why.push(format!("labels {}", describe_diff(&issue.labels, &labels)));
        labels
    });
    let mut assignees = issue.assignees.clone();
    for a in &w.assignees {
        if assignees.len() < MAX_ASSIGNEES && !assignees.iter().any(|x| x.eq_ignore_ascii_case(a)) {
            assignees.push(a.clone());
        }
    }
    let assignees = (assignees.len() != issue.assignees.len()).then(|| {
        why.push(format!(
            "assignees {}",
            describe_diff(&issue.assignees, &assignees)
        ));
        assignees
    });
    let old_ms = slot.marker.as_ref().and_then(|m| m.milestone.as_deref());
    let milestone = w
        .milestone
        .filter(|ms| issue.milestone.is_none() || old_ms != Some(ms.title.as_str()))
        .inspect(|ms| why.push(format!("milestone {}", ms.title)));

    let fields_changed =
        title.is_some() || labels.is_some() || assignees.is_some() || milestone.is_some();
    let update = |body: Option<String>, why: Vec<String>| Change::Update {
        key: key.clone(),
        number,
        at: item.at(),
        title: title.clone(),
        body,
        labels: labels.clone(),
        assignees: assignees.clone(),
        milestone: milestone.clone(),
        why,
    };
    match act {
        Act::Close(reason) => {
            let mut out = Vec::new();
            if fields_changed {
                out.push(update(None, why));
            }
            out.push(Change::Close {
                key: key.clone(),
                number,
                reason,
                comment: None,
                body: Some(body),
            });
            out
        }
        Act::Reopen => {
            let mut out = vec![Change::Reopen {
                key: key.clone(),
                number,
                body: Some(body),
            }];
            if fields_changed {
                out.push(update(None, why));
            }
            out
        }
        Act::Keep if fields_changed || body_changed => {
            if body_changed {
                why.push("body".to_owned());
            }
            vec![update(body_changed.then_some(body), why)]
        }
        Act::Keep => vec![Change::Noop { key, number }],
    }
}

/// The changes for a managed issue whose item left its document.
fn removed_changes(s: &Slot, m: &Marker, policy: RemovedPolicy) -> Vec<Change> {
    let key = m.key.clone();
    let number = s.issue.number;
    let open = s.issue.state == IssueState::Open;
    let note = format!(
        "pmtrack: this action item was removed from {}.",
        crate::parse::text::code_span(&m.path)
    );
    match policy {
        // Closed already, or a person reopened what pmtrack closed.
        RemovedPolicy::Close if open && !m.closed_by_pmtrack => vec![Change::Close {
            key,
            number,
            reason: CloseReason::NotPlanned,
            comment: Some(format!("{note} Closing as not planned.")),
            body: Some(issue_text::with_closed_flag(&s.issue.body, true)),
        }],
        RemovedPolicy::Comment if open && !m.removed_commented => {
            let mut flagged = m.clone();
            flagged.removed_commented = true;
            vec![
                Change::Comment {
                    key: key.clone(),
                    number,
                    body: format!("{note} Leaving the issue open."),
                },
                Change::Update {
                    key,
                    number,
                    at: m.path.clone(),
                    title: None,
                    body: Some(issue_text::with_marker(&s.issue.body, &flagged)),
                    labels: None,
                    assignees: None,
                    milestone: None,
                    why: vec![format!("removed from {}: noted in the marker", m.path)],
                },
            ]
        }
        _ => vec![Change::Noop { key, number }],
    }
}

/// Whether GitHub could accept `s` as a login: letters, digits and hyphens,
/// not starting with a hyphen, at most 39 characters.
fn is_login(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 39
        && !s.starts_with('-')
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Labels an item's issue should carry, base first, without repeats.
fn wanted_labels(task: &Task, cfg: &Labels) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |l: &str| {
        let l = l.trim();
        if !l.is_empty() && !out.iter().any(|x| x.eq_ignore_ascii_case(l)) {
            out.push(l.to_owned());
        }
    };
    add(&cfg.base);
    if let Some(h) = task.horizon.and_then(|h| cfg.horizon_label(h)) {
        add(&h);
    }
    if cfg.priority {
        if let Some(p) = task.priority {
            add(p.as_str());
        }
    }
    if let Some(g) = cfg.group_label(&task.group) {
        add(g);
    }
    for e in &cfg.extra {
        add(e);
    }
    out
}

/// The kinds of label pmtrack manages.
#[derive(Clone, Copy)]
enum LabelKind {
    Base,
    Horizon(Horizon),
    Priority(Priority),
    Group,
    Extra,
}

const HORIZONS: [Horizon; 4] = [
    Horizon::Immediate,
    Horizon::ShortTerm,
    Horizon::MediumTerm,
    Horizon::LongTerm,
];
const PRIORITIES: [Priority; 4] = [Priority::P0, Priority::P1, Priority::P2, Priority::P3];

/// Which kind of pmtrack label `name` is, if any. Horizon labels are the
/// prefix plus a horizon name (not anything with the prefix, so a person's
/// `pm:blocked` is kept); `P0`–`P3` only while priority labels are on.
fn label_kind(name: &str, cfg: &Labels) -> Option<LabelKind> {
    let is = |l: &str| l.trim().eq_ignore_ascii_case(name.trim());
    if is(&cfg.base) {
        return Some(LabelKind::Base);
    }
    if let Some(h) = HORIZONS
        .into_iter()
        .find(|h| is(&format!("{}{}", cfg.horizon_prefix, h.label_name())))
    {
        return Some(LabelKind::Horizon(h));
    }
    if cfg.priority {
        if let Some(p) = PRIORITIES.into_iter().find(|p| is(p.as_str())) {
            return Some(LabelKind::Priority(p));
        }
    }
    if cfg.groups.values().any(|g| is(g)) {
        return Some(LabelKind::Group);
    }
    if cfg.extra.iter().any(|e| is(e)) {
        return Some(LabelKind::Extra);
    }
    None
}

/// (current − managed-but-unwanted) ∪ wanted, keeping current order.
fn merge_labels(current: &[String], wanted: &[String], cfg: &Labels) -> Vec<String> {
    let has = |set: &[String], l: &str| set.iter().any(|x| x.eq_ignore_ascii_case(l));
    let mut out: Vec<String> = current
        .iter()
        .filter(|l| label_kind(l, cfg).is_none() || has(wanted, l))
        .cloned()
        .collect();
    for l in wanted {
        if !has(&out, l) {
            out.push(l.clone());
        }
    }
    out
}

/// Same names, ignoring case and order.
fn same_set(a: &[String], b: &[String]) -> bool {
    let norm = |v: &[String]| v.iter().map(|s| s.to_lowercase()).collect::<BTreeSet<_>>();
    norm(a) == norm(b)
}

/// `+added −removed`, for `why`.
fn describe_diff(old: &[String], new: &[String]) -> String {
    let has = |set: &[String], l: &str| set.iter().any(|x| x.eq_ignore_ascii_case(l));
    let mut parts: Vec<String> = new
        .iter()
        .filter(|l| !has(old, l))
        .map(|l| format!("+{l}"))
        .collect();
    parts.extend(old.iter().filter(|l| !has(new, l)).map(|l| format!("−{l}")));
    parts.join(" ")
}

/// Colour and description of every pmtrack label the changes set.
fn label_specs(changes: &[Change], cfg: &Labels) -> Vec<LabelSpec> {
    let mut out: Vec<LabelSpec> = Vec::new();
    for c in changes {
        let names = match c {
            Change::Create { fields, .. } => &fields.labels,
            Change::Update {
                labels: Some(l), ..
            } => l,
            _ => continue,
        };
        for name in names {
            if out.iter().any(|s| s.name.eq_ignore_ascii_case(name)) {
                continue;
            }
            let Some(kind) = label_kind(name, cfg) else {
                continue;
            };
            let (color, description) = match kind {
                LabelKind::Base => ("5319e7", "postmortem action item".to_owned()),
                LabelKind::Horizon(h) => (
                    match h {
                        Horizon::Immediate => "b60205",
                        Horizon::ShortTerm => "d93f0b",
                        Horizon::MediumTerm => "fbca04",
                        Horizon::LongTerm => "0e8a16",
                    },
                    format!(
                        "postmortem action item: {}",
                        h.label_name().replace('-', " ")
                    ),
                ),
                LabelKind::Priority(p) => match p {
                    Priority::P0 => ("b60205", "priority P0: critical".to_owned()),
                    Priority::P1 => ("d93f0b", "priority P1: high".to_owned()),
                    Priority::P2 => ("fbca04", "priority P2: medium".to_owned()),
                    Priority::P3 => ("c5def5", "priority P3: low".to_owned()),
                },
                LabelKind::Group => ("1d76db", "postmortem action item group".to_owned()),
                LabelKind::Extra => (
                    "bfdadc",
                    "added to postmortem action items by pmtrack".to_owned(),
                ),
            };
            out.push(LabelSpec {
                name: name.clone(),
                color: color.to_owned(),
                description,
            });
        }
    }
    out
}

/// Every milestone the changes set, once (the latest due date wins).
fn milestone_specs(changes: &[Change]) -> Vec<MilestoneSpec> {
    let mut out: Vec<MilestoneSpec> = Vec::new();
    for c in changes {
        let ms = match c {
            Change::Create { fields, .. } => fields.milestone.as_ref(),
            Change::Update { milestone, .. } => milestone.as_ref(),
            _ => None,
        };
        let Some(ms) = ms else { continue };
        match out.iter_mut().find(|m| m.title == ms.title) {
            Some(m) => m.due_on = m.due_on.max(ms.due_on),
            None => out.push(ms.clone()),
        }
    }
    out
}

/// The last day of `d`'s month.
fn last_day_of_month(d: NaiveDate) -> Option<NaiveDate> {
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)?.pred_opt()
}

/// A body with CRLF folded and line numbers (`#L12`, `path:12]`) blanked, for
/// deciding whether an update is needed.
fn comparable_body(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let b = body.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'\r' && b.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        let number_after = |j: usize| b.get(j).is_some_and(u8::is_ascii_digit);
        if (c == b'#' && b.get(i + 1) == Some(&b'L') && number_after(i + 2))
            || (c == b':' && number_after(i + 1))
        {
            let start = if c == b'#' { i + 2 } else { i + 1 };
            let end = (start..b.len())
                .find(|&k| !b[k].is_ascii_digit())
                .unwrap_or(b.len());
            if c == b'#' || b.get(end) == Some(&b']') {
                out.push_str(if c == b'#' { "#L" } else { ":" });
                i = end;
                continue;
            }
        }
        let ch = body[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;
    use chrono::{TimeZone, Utc};

    const REPO: &str = "acme/ops";

    const DOC: &str = "# DB outage\n\nDate: 2024-03-01\n\n## Action items\n\n### Short term\n\n| Action | Owner | Priority | Due | Status |\n|---|---|---|---|---|\n| Add disk usage alerts | @alice | P1 | | open |\n| Write the failover runbook | Dana Lee | | | open |\n";

    /// `DOC` with the first item done.
    const DONE: (&str, &str) = ("| P1 | | open |", "| P1 | | done |");
    /// `DOC` without the second item.
    const REMOVE: (&str, &str) = ("| Write the failover runbook | Dana Lee | | | open |\n", "");

    fn edit(from: (&str, &str)) -> String {
        assert!(DOC.contains(from.0), "{}", from.0);
        DOC.replace(from.0, from.1)
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn doc(path: &str, src: &str) -> Postmortem {
        parse(path, src)
    }

    /// A tiny GitHub: applies changes the way the edge would.
    #[derive(Default)]
    struct Sim {
        issues: Vec<Issue>,
        milestones: Vec<String>,
        comments: Vec<(u64, String)>,
    }

    impl Sim {
        fn plan(&self, pms: &[Postmortem], deleted: &[String], config: &Config) -> Plan {
            plan(&PlanInput {
                postmortems: pms,
                deleted_paths: deleted,
                vanished_paths: &[],
                issues: &self.issues,
                config,
                today: date(2024, 6, 1),
                repo: REPO,
                server_url: "https://github.com",
                branch: "main",
                assignable: None,
            })
        }

        /// Plan, apply, and return the plan.
        fn sync(&mut self, pms: &[Postmortem], config: &Config) -> Plan {
            let p = self.plan(pms, &[], config);
            self.apply(&p);
            p
        }

        fn milestone(&mut self, title: &str) -> u64 {
            match self.milestones.iter().position(|m| m == title) {
                Some(i) => i as u64 + 1,
                None => {
                    self.milestones.push(title.to_owned());
                    self.milestones.len() as u64
                }
            }
        }

        fn add(&mut self, title: &str, body: &str, labels: &[&str]) -> u64 {
            let number = self.issues.iter().map(|i| i.number).max().unwrap_or(0) + 1;
            self.issues.push(Issue {
                number,
                title: title.into(),
                body: body.into(),
                state: IssueState::Open,
                close_reason: None,
                labels: labels.iter().map(|l| (*l).to_owned()).collect(),
                assignees: Vec::new(),
                milestone: None,
                html_url: format!("https://github.com/{REPO}/issues/{number}"),
                created_at: Utc.with_ymd_and_hms(2024, 3, 2, 0, 0, 0).unwrap(),
                closed_at: None,
            });
            number
        }

        fn get(&mut self, n: u64) -> &mut Issue {
            self.issues.iter_mut().find(|i| i.number == n).unwrap()
        }

        fn close_by_person(&mut self, n: u64) {
            let i = self.get(n);
            i.state = IssueState::Closed;
            i.close_reason = Some(CloseReason::Completed);
        }

        fn apply(&mut self, plan: &Plan) {
            for c in &plan.changes {
                match c {
                    Change::Create { fields, .. } => {
                        let labels: Vec<&str> = fields.labels.iter().map(String::as_str).collect();
                        let n = self.add(&fields.title, &fields.body, &labels);
                        let ms = fields.milestone.as_ref().map(|m| self.milestone(&m.title));
                        let i = self.get(n);
                        i.assignees = fields.assignees.clone();
                        i.milestone = ms;
                    }
                    Change::Update {
                        number,
                        title,
                        body,
                        labels,
                        assignees,
                        milestone,
                        ..
                    } => {
                        let ms = milestone.as_ref().map(|m| self.milestone(&m.title));
                        let i = self.get(*number);
                        if let Some(t) = title {
                            i.title = t.clone();
                        }
                        if let Some(b) = body {
                            i.body = b.clone();
                        }
                        if let Some(l) = labels {
                            i.labels = l.clone();
                        }
                        if let Some(a) = assignees {
                            i.assignees = a.clone();
                        }
                        if ms.is_some() {
                            i.milestone = ms;
                        }
                    }
                    Change::Close {
                        number,
                        reason,
                        comment,
                        body,
                        ..
                    } => {
                        if let Some(c) = comment {
                            self.comments.push((*number, c.clone()));
                        }
                        let i = self.get(*number);
                        assert_eq!(
                            i.state,
                            IssueState::Open,
                            "closing a closed issue #{number}"
                        );
                        i.state = IssueState::Closed;
                        i.close_reason = Some(*reason);
                        if let Some(b) = body {
                            i.body = b.clone();
                        }
                    }
                    Change::Reopen { number, body, .. } => {
                        let i = self.get(*number);
                        assert_eq!(
                            i.state,
                            IssueState::Closed,
                            "reopening an open issue #{number}"
                        );
                        i.state = IssueState::Open;
                        i.close_reason = None;
                        if let Some(b) = body {
                            i.body = b.clone();
                        }
                    }
                    Change::Comment { number, body, .. } => {
                        self.comments.push((*number, body.clone()));
                    }
                    Change::Noop { .. } => {}
                }
            }
        }
    }

    fn creates(p: &Plan) -> Vec<&IssueFields> {
        p.changes
            .iter()
            .filter_map(|c| match c {
                Change::Create { fields, .. } => Some(fields),
                _ => None,
            })
            .collect()
    }

    fn not_noop(p: &Plan) -> Vec<&Change> {
        p.changes
            .iter()
            .filter(|c| !matches!(c, Change::Noop { .. }))
            .collect()
    }

    /// A clean second run, asserted: plan again over the applied state.
    fn assert_settled(sim: &Sim, pms: &[Postmortem], config: &Config) {
        let again = sim.plan(pms, &[], config);
        assert!(
            again.is_noop(),
            "second plan is not a no-op: {:#?}",
            not_noop(&again)
        );
    }

    #[test]
    fn owners_github_cannot_assign_are_left_out_and_not_pinged() {
        let pm = doc(
            "postmortems/db.md",
            &DOC.replace("| @alice |", "| @alice @bob |"),
        );
        let mut assignable = std::collections::HashSet::new();
        assignable.insert("alice".to_owned());
        let p = plan(&PlanInput {
            postmortems: std::slice::from_ref(&pm),
            deleted_paths: &[],
            vanished_paths: &[],
            issues: &[],
            config: &Config::default(),
            today: date(2024, 6, 1),
            repo: REPO,
            server_url: "https://github.com",
            branch: "main",
            assignable: Some(&assignable),
        });
        let c = creates(&p);
        assert_eq!(c[0].assignees, ["alice"]);
        assert!(!c[0].body.contains(" @bob"), "{}", c[0].body);
        assert!(
            p.warnings
                .iter()
                .any(|w| w.contains("owner `bob` cannot be assigned in acme/ops")),
            "{:?}",
            p.warnings
        );
        assert!(p.adds_assignees());
    }

    #[test]
    fn a_first_sync_is_summed_up_by_incident_year_and_suggests_since_when_old_dominates() {
        let at = |y: i32| {
            format!(
                "# PM\n\nDate: {y}-03-01\n\n## Action items\n\n- Fix a in {y}\n- Fix b in {y}\n"
            )
        };
        let pms = vec![
            doc("postmortems/2019.md", &at(2019)),
            doc("postmortems/2020.md", &at(2020)),
            doc("postmortems/2024.md", &at(2024)),
            doc(
                "postmortems/undated.md",
                "# PM\n\n## Action items\n\n- Fix c\n",
            ),
        ];
        let p = Sim::default().plan(&pms, &[], &Config::default());
        let years = creates_by_year(&pms, &p);
        let row = |y: Option<i32>, d, c| YearCount {
            year: y,
            postmortems: d,
            creates: c,
        };
        assert_eq!(
            years,
            [
                row(Some(2019), 1, 2),
                row(Some(2020), 1, 2),
                row(Some(2024), 1, 2),
                row(None, 1, 1)
            ]
        );
        // 4 of 7 creates are for incidents over a year before 2024-06-01.
        assert_eq!(
            suggested_since(&pms, &p, date(2024, 6, 1)),
            Some(date(2023, 6, 1))
        );
        // Recent ones dominate: no suggestion.
        assert_eq!(suggested_since(&pms[2..], &p, date(2024, 6, 1)), None);
    }

    #[test]
    fn first_sync_creates_one_issue_per_open_item_with_labels_assignees_and_due() {
        let pm = doc("postmortems/db.md", DOC);
        let p = Sim::default().plan(std::slice::from_ref(&pm), &[], &Config::default());
        let c = creates(&p);
        assert_eq!(c.len(), 2, "{:#?}", p.changes);
        assert_eq!(c[0].title, "Add disk usage alerts");
        assert_eq!(c[0].labels, ["postmortem", "pm:short-term", "P1"]);
        assert_eq!(c[0].assignees, ["alice"]);
        assert!(c[0].body.contains("\nDue: 2024-03-31\n"), "{}", c[0].body);
        assert!(c[1].assignees.is_empty());
        assert_eq!(p.due[&pm.tasks[0].key], Some(date(2024, 3, 31)));
        assert!(
            p.warnings.iter().any(|w| w
                == "postmortems/db.md:12: owner `Dana Lee` is not a GitHub login; not assigned (write `@login` to assign)"),
            "{:?}",
            p.warnings
        );
        let names: Vec<&str> = p.labels.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["postmortem", "pm:short-term", "P1"]);
        assert_eq!(p.labels[0].description, "postmortem action item");
        assert!(p.labels.iter().all(|l| l.color.len() == 6));
    }

    #[test]
    fn second_plan_over_the_applied_state_is_all_noop() {
        for mode in [
            MilestoneMode::None,
            MilestoneMode::Postmortem,
            MilestoneMode::DueMonth,
        ] {
            let config = Config {
                milestones: mode,
                ..Config::default()
            };
            let pms = [doc("postmortems/db.md", DOC)];
            let mut sim = Sim::default();
            let first = sim.sync(&pms, &config);
            assert_eq!(creates(&first).len(), 2);
            assert_settled(&sim, &pms, &config);
            assert_eq!(sim.issues.len(), 2);
        }
    }

    #[test]
    fn done_item_closes_its_issue_as_completed_once() {
        let mut sim = Sim::default();
        sim.sync(&[doc("pm.md", DOC)], &Config::default());
        let done = [doc("pm.md", &edit(DONE))];
        let p = sim.sync(&done, &Config::default());
        let changes = not_noop(&p);
        assert!(
            matches!(
                changes[..],
                [Change::Close {
                    number: 1,
                    reason: CloseReason::Completed,
                    ..
                }]
            ),
            "{changes:#?}"
        );
        assert!(
            issue_text::parse_marker(&sim.issues[0].body)
                .unwrap()
                .closed_by_pmtrack
        );
        assert_settled(&sim, &done, &Config::default());
    }

    #[test]
    fn dropped_item_closes_its_issue_as_not_planned() {
        let mut sim = Sim::default();
        sim.sync(&[doc("pm.md", DOC)], &Config::default());
        let dropped = [doc(
            "pm.md",
            &edit(("| Dana Lee | | | open |", "| Dana Lee | | | won't do |")),
        )];
        let p = sim.sync(&dropped, &Config::default());
        assert!(
            matches!(
                not_noop(&p)[..],
                [Change::Close {
                    number: 2,
                    reason: CloseReason::NotPlanned,
                    ..
                }]
            ),
            "{:#?}",
            p.changes
        );
        assert_settled(&sim, &dropped, &Config::default());
    }

    #[test]
    fn done_item_without_an_issue_gets_none() {
        let pms = [doc("pm.md", &edit(DONE))];
        let p = Sim::default().plan(&pms, &[], &Config::default());
        assert_eq!(creates(&p).len(), 1);
        assert_eq!(creates(&p)[0].title, "Write the failover runbook");
    }

    #[test]
    fn issue_a_person_closed_stays_closed_while_the_item_is_open() {
        let pms = [doc("pm.md", DOC)];
        let mut sim = Sim::default();
        sim.sync(&pms, &Config::default());
        sim.close_by_person(1);
        let p = sim.plan(&pms, &[], &Config::default());
        assert!(p.is_noop(), "{:#?}", p.changes);
        assert!(p.changes.contains(&Change::Noop {
            key: pms[0].tasks[0].key.clone(),
            number: 1
        }));
    }

    #[test]
    fn issue_pmtrack_closed_is_reopened_when_the_item_is_open_again() {
        let open = [doc("pm.md", DOC)];
        let done = [doc("pm.md", &edit(DONE))];
        let mut sim = Sim::default();
        sim.sync(&open, &Config::default());
        sim.sync(&done, &Config::default());
        let p = sim.sync(&open, &Config::default());
        assert!(
            matches!(not_noop(&p)[..], [Change::Reopen { number: 1, .. }]),
            "{:#?}",
            p.changes
        );
        assert!(
            !issue_text::parse_marker(&sim.issues[0].body)
                .unwrap()
                .closed_by_pmtrack
        );
        assert_settled(&sim, &open, &Config::default());
    }

    #[test]
    fn issue_a_person_reopened_after_pmtrack_closed_it_stays_open() {
        let done = [doc("pm.md", &edit(DONE))];
        let mut sim = Sim::default();
        sim.sync(&[doc("pm.md", DOC)], &Config::default());
        sim.sync(&done, &Config::default());
        let i = sim.get(1);
        i.state = IssueState::Open;
        i.close_reason = None;
        assert!(sim.plan(&done, &[], &Config::default()).is_noop());
    }

    #[test]
    fn removed_item_is_closed_not_planned_once_then_noop() {
        let mut sim = Sim::default();
        sim.sync(&[doc("pm.md", DOC)], &Config::default());
        let fewer = [doc("pm.md", &edit(REMOVE))];
        let p = sim.sync(&fewer, &Config::default());
        match &not_noop(&p)[..] {
            [Change::Close {
                number: 2,
                reason: CloseReason::NotPlanned,
                comment: Some(c),
                body: Some(b),
                ..
            }] => {
                assert!(c.contains("removed from `pm.md`"), "{c}");
                assert!(issue_text::parse_marker(b).unwrap().closed_by_pmtrack);
            }
            other => panic!("{other:#?}"),
        }
        assert_settled(&sim, &fewer, &Config::default());
        // A person reopens it: pmtrack does not close it again.
        sim.get(2).state = IssueState::Open;
        assert_settled(&sim, &fewer, &Config::default());
        assert_eq!(sim.comments.len(), 1);
    }

    #[test]
    fn removed_item_under_the_comment_policy_is_commented_once() {
        let config = Config {
            removed_items: RemovedPolicy::Comment,
            ..Config::default()
        };
        let mut sim = Sim::default();
        sim.sync(&[doc("pm.md", DOC)], &config);
        let fewer = [doc("pm.md", &edit(REMOVE))];
        let p = sim.sync(&fewer, &config);
        assert!(matches!(
            not_noop(&p)[..],
            [
                Change::Comment { number: 2, .. },
                Change::Update { number: 2, .. }
            ]
        ));
        assert_eq!(sim.issues[1].state, IssueState::Open);
        assert_settled(&sim, &fewer, &config);
        assert_eq!(sim.comments.len(), 1);
    }

    #[test]
    fn removed_item_under_the_ignore_policy_is_left_alone() {
        let config = Config {
            removed_items: RemovedPolicy::Ignore,
            ..Config::default()
        };
        let mut sim = Sim::default();
        sim.sync(&[doc("pm.md", DOC)], &config);
        let fewer = [doc("pm.md", &edit(REMOVE))];
        assert!(sim.plan(&fewer, &[], &config).is_noop());
    }

    #[test]
    fn deleted_document_closes_its_issues() {
        let mut sim = Sim::default();
        sim.sync(&[doc("pm.md", DOC)], &Config::default());
        let p = sim.plan(&[], &["pm.md".to_owned()], &Config::default());
        let closed: Vec<u64> = p
            .changes
            .iter()
            .filter_map(|c| match c {
                Change::Close {
                    number,
                    reason: CloseReason::NotPlanned,
                    ..
                } => Some(*number),
                _ => None,
            })
            .collect();
        assert_eq!(closed, [1, 2]);
    }

    #[test]
    fn document_without_a_section_keeps_its_issues_open_with_a_warning() {
        let mut sim = Sim::default();
        sim.sync(&[doc("pm.md", DOC)], &Config::default());
        let broken = [doc(
            "pm.md",
            &edit(("## Action items", "## Things we learned")),
        )];
        assert!(!broken[0].section_found);
        let p = sim.plan(&broken, &[], &Config::default());
        assert!(p.changes.is_empty(), "{:#?}", p.changes);
        assert!(p.warnings[0]
            .starts_with("pm.md: no corrective-measures section found, so its 2 open issue(s)"));
    }

    #[test]
    fn edited_title_updates_the_issue_instead_of_creating_one() {
        let mut sim = Sim::default();
        sim.sync(&[doc("pm.md", DOC)], &Config::default());
        let edited = [doc(
            "pm.md",
            &edit((
                "Add disk usage alerts",
                "Add disk usage alerts for db hosts",
            )),
        )];
        assert_ne!(edited[0].tasks[0].key, doc("pm.md", DOC).tasks[0].key);
        let p = sim.sync(&edited, &Config::default());
        match &not_noop(&p)[..] {
            [Change::Update {
                number: 1,
                title: Some(t),
                body: Some(b),
                why,
                ..
            }] => {
                assert_eq!(t, "Add disk usage alerts for db hosts");
                assert_eq!(
                    issue_text::parse_marker(b).unwrap().key,
                    edited[0].tasks[0].key
                );
                assert!(
                    why[0].starts_with("title edited in the document"),
                    "{why:?}"
                );
            }
            other => panic!("{other:#?}"),
        }
        assert_eq!(sim.issues.len(), 2);
        assert_settled(&sim, &edited, &Config::default());
    }

    #[test]
    fn a_different_new_item_does_not_take_over_a_removed_items_issue() {
        let mut sim = Sim::default();
        sim.sync(&[doc("pm.md", DOC)], &Config::default());
        let swapped = [doc(
            "pm.md",
            &edit((
                "Write the failover runbook",
                "Update the status page dashboard",
            )),
        )];
        let p = sim.sync(&swapped, &Config::default());
        let kinds: Vec<&str> = not_noop(&p)
            .iter()
            .map(|c| match c {
                Change::Create { .. } => "create",
                Change::Close { number: 2, .. } => "close #2",
                _ => "other",
            })
            .collect();
        assert_eq!(kinds, ["create", "close #2"]);
    }

    #[test]
    fn best_similar_pair_wins_when_two_items_are_edited() {
        let src = "## Action items\n- Add alerts on disk usage\n- Add alerts on memory usage\n";
        let mut sim = Sim::default();
        sim.sync(&[doc("pm.md", src)], &Config::default());
        let edited = "## Action items\n- Add alerts on memory usage of db hosts\n- Add alerts on disk usage of db hosts\n";
        let p = sim.sync(&[doc("pm.md", edited)], &Config::default());
        assert!(creates(&p).is_empty());
        assert_eq!(sim.issues[0].title, "Add alerts on disk usage of db hosts");
        assert_eq!(
            sim.issues[1].title,
            "Add alerts on memory usage of db hosts"
        );
    }

    #[test]
    fn issue_reference_maps_the_item_to_that_issue() {
        let mut sim = Sim::default();
        let n = sim.add(
            "Disk alerts (by hand)",
            "made by a person",
            &["postmortem", "customer"],
        );
        let pms = [doc(
            "pm.md",
            &edit((
                "Add disk usage alerts |",
                &format!("Add disk usage alerts (#{n}) |"),
            )),
        )];
        assert_eq!(
            pms[0].tasks[0].issue.as_ref().and_then(|r| r.number()),
            Some(n)
        );
        let p = sim.sync(&pms, &Config::default());
        assert_eq!(creates(&p).len(), 1, "only the other item is created");
        match &p.changes[0] {
            Change::Update {
                number,
                title: Some(t),
                labels: Some(l),
                why,
                ..
            } => {
                assert_eq!(*number, n);
                assert_eq!(t, "Add disk usage alerts");
                assert_eq!(l, &["postmortem", "customer", "pm:short-term", "P1"]);
                assert_eq!(why[0], format!("the item references #{n}"));
            }
            other => panic!("{other:#?}"),
        }
        assert_eq!(p.issue_of[&pms[0].tasks[0].key], n);
        assert_settled(&sim, &pms, &Config::default());
    }

    #[test]
    fn items_tracked_elsewhere_are_never_created_and_their_github_references_are_read() {
        let mut sim = Sim::default();
        let src = "# X\n\n## Action items\n\n### Follow-ups, tracked in #88\n\n- Add alerts\n- Fix pool\n\n### Later\n\n- Retry budget (other/repo#5)\n- Rotate keys (Jira: OPS-4)\n- Review the [pull request](https://github.com/acme/ops/pull/7)\n- Write the runbook\n";
        let pms = [doc("pm.md", src)];
        let p = sim.sync(&pms, &Config::default());
        let made: Vec<&str> = creates(&p).iter().map(|f| f.title.as_str()).collect();
        assert_eq!(made, ["Write the runbook"]);
        assert_eq!(p.elsewhere.len(), 5);
        // `#88` on a group label is the group's tracking issue (this
        // repository's), and a pull request here is not an issue.
        assert_eq!(
            p.to_read(),
            [
                ("acme/ops".to_string(), 7),
                ("acme/ops".to_string(), 88),
                ("other/repo".to_string(), 5)
            ]
        );
        let mut read = HashMap::new();
        read.insert(
            ("other/repo".to_string(), 5),
            Referenced {
                state: TrackState::Done,
                url: "https://github.com/other/repo/issues/5".into(),
            },
        );
        let links = p.links(&sim.issues, &read);
        let of = |title: &str| {
            let key = &pms[0]
                .tasks
                .iter()
                .find(|t| t.title.starts_with(title))
                .unwrap()
                .key;
            links.iter().find(|l| &l.key == key).unwrap()
        };
        assert_eq!(of("Retry budget").state, TrackState::Done);
        assert_eq!(
            of("Retry budget").url,
            "https://github.com/other/repo/issues/5"
        );
        assert_eq!(
            of("Rotate keys").state,
            TrackState::Open,
            "unread: as written"
        );
        assert!(of("Write the runbook").elsewhere.is_none());
        assert_settled(&sim, &pms, &Config::default());
    }

    #[test]
    fn a_reference_by_url_is_this_repositorys_issue_only_on_this_host() {
        let mut sim = Sim::default();
        sim.sync(
            &[doc("pm.md", "# X\n\n## Action items\n\n- Retry budget\n")],
            &Config::default(),
        );
        let n = sim.issues[0].number;
        let on = |host: &str, m: u64| {
            let src = format!("# X\n\n## Action items\n\n- Retry budget ([#{m}](https://{host}/acme/ops/issues/{m}))\n");
            sim.plan(&[doc("pm.md", &src)], &[], &Config::default())
        };
        let here = on("github.com", n);
        assert!(here.is_noop() && here.elsewhere.is_empty(), "{here:#?}");
        assert_eq!(here.issue_of.values().collect::<Vec<_>>(), [&n]);
        // A link to a managed issue through another host name (a proxy, a
        // test server) is still that issue: never its own duplicate.
        let proxied = on("127.0.0.1:8080", n);
        assert!(
            proxied.is_noop() && proxied.elsewhere.is_empty(),
            "{proxied:#?}"
        );
        // Another number of the same owner/name on another server (a
        // GitHub Enterprise, a Gitea): tracked there, not read through
        // this API, and the item's own issue is closed as a duplicate.
        let there = on("git.example.com", n + 5);
        assert_eq!(there.elsewhere.len(), 1);
        assert!(there.to_read().is_empty());
    }

    #[test]
    fn an_item_that_gains_a_reference_elsewhere_closes_its_own_issue_as_a_duplicate() {
        let mut sim = Sim::default();
        let before = [doc("pm.md", "# X\n\n## Action items\n\n- Retry budget\n")];
        sim.sync(&before, &Config::default());
        let n = sim.issues[0].number;
        let after = [doc(
            "pm.md",
            "# X\n\n## Action items\n\n- Retry budget (other/repo#5)\n",
        )];
        let p = sim.sync(&after, &Config::default());
        assert!(creates(&p).is_empty());
        assert!(
            p.changes.iter().any(|c| matches!(c, Change::Close { number, reason: CloseReason::Duplicate, comment: Some(m), .. } if *number == n && m == "duplicate of other/repo#5")),
            "{:#?}",
            p.changes
        );
        assert_settled(&sim, &after, &Config::default());
    }

    #[test]
    fn reference_to_an_issue_outside_the_label_is_a_noop_with_a_warning() {
        let pms = [doc(
            "pm.md",
            &edit(("Add disk usage alerts |", "Add disk usage alerts (#77) |")),
        )];
        let p = Sim::default().plan(&pms, &[], &Config::default());
        assert_eq!(
            p.changes[0],
            Change::Noop {
                key: pms[0].tasks[0].key.clone(),
                number: 77
            }
        );
        assert_eq!(creates(&p).len(), 1);
        assert!(
            p.warnings
                .iter()
                .any(|w| w.starts_with("pm.md:11: tracked in #77 outside pmtrack's label")),
            "{:?}",
            p.warnings
        );
    }

    #[test]
    fn reference_to_another_repository_is_left_to_that_repository() {
        let pms = [doc(
            "pm.md",
            &edit((
                "Add disk usage alerts |",
                "Add disk usage alerts (acme/infra#5) |",
            )),
        )];
        let p = Sim::default().plan(&pms, &[], &Config::default());
        assert_eq!(creates(&p).len(), 1);
        assert_eq!(creates(&p)[0].title, "Write the failover runbook");
    }

    #[test]
    fn duplicate_open_issues_of_one_task_are_closed_as_duplicates_of_the_lowest() {
        let pms = [doc("pm.md", DOC)];
        let mut sim = Sim::default();
        sim.sync(&pms, &Config::default());
        // A retried create made a second issue for the first item.
        let (t, b) = (sim.issues[0].title.clone(), sim.issues[0].body.clone());
        let dup = sim.add(&t, &b, &["postmortem", "pm:short-term", "P1"]);
        sim.get(dup).assignees = vec!["alice".into()];
        let p = sim.sync(&pms, &Config::default());
        match &not_noop(&p)[..] {
            [Change::Close {
                number,
                reason: CloseReason::Duplicate,
                comment: Some(c),
                ..
            }] => {
                assert_eq!(*number, dup);
                assert_eq!(c, "duplicate of #1");
            }
            other => panic!("{other:#?}"),
        }
        assert!(p
            .warnings
            .iter()
            .any(|w| w.contains("closing #3 as a duplicate of #1")));
        assert_settled(&sim, &pms, &Config::default());
    }

    #[test]
    fn out_of_scope_document_is_left_alone() {
        let a = doc("a.md", DOC);
        let b = doc("b.md", DOC);
        let mut sim = Sim::default();
        sim.sync(&[a.clone(), b], &Config::default());
        assert_eq!(sim.issues.len(), 4);
        // A push that changed only a.md: b.md's issues are not touched.
        let p = sim.plan(&[a], &[], &Config::default());
        assert_eq!(p.changes.len(), 2);
        let numbers: Vec<u64> = p
            .changes
            .iter()
            .map(|c| match c {
                Change::Noop { number, .. } => *number,
                other => panic!("{other:#?}"),
            })
            .collect();
        assert_eq!(numbers, [1, 2]);
    }

    #[test]
    fn two_documents_sharing_a_title_get_their_own_issues() {
        let a = doc("postmortems/a.md", DOC);
        let b = doc("postmortems/b.md", DOC);
        assert_ne!(a.tasks[0].key, b.tasks[0].key);
        let pms = [a, b];
        let mut sim = Sim::default();
        let p = sim.sync(&pms, &Config::default());
        assert_eq!(creates(&p).len(), 4);
        assert_settled(&sim, &pms, &Config::default());
    }

    #[test]
    fn labels_people_added_are_kept_and_stale_pmtrack_labels_removed() {
        let mut sim = Sim::default();
        sim.sync(&[doc("pm.md", DOC)], &Config::default());
        sim.get(1)
            .labels
            .extend(["customer-impact".to_owned(), "pm:blocked".to_owned()]);
        let later = [doc("pm.md", &edit(("### Short term", "### Long term")))];
        let p = sim.sync(&later, &Config::default());
        match &p.changes[0] {
            Change::Update {
                labels: Some(l),
                why,
                ..
            } => {
                assert_eq!(
                    l,
                    &[
                        "postmortem",
                        "P1",
                        "customer-impact",
                        "pm:blocked",
                        "pm:long-term"
                    ]
                );
                assert!(
                    why.contains(&"labels +pm:long-term −pm:short-term".to_owned()),
                    "{why:?}"
                );
            }
            other => panic!("{other:#?}"),
        }
        assert_settled(&sim, &later, &Config::default());
    }

    #[test]
    fn labels_are_only_sent_when_the_set_changes() {
        let pms = [doc("pm.md", DOC)];
        let mut sim = Sim::default();
        sim.sync(&pms, &Config::default());
        // GitHub label names are case-insensitive, and order does not matter.
        sim.get(1).labels = vec!["P1".into(), "PM:Short-Term".into(), "Postmortem".into()];
        assert_settled(&sim, &pms, &Config::default());
    }

    /// F7: `- Add replication-lag alerts` synced as #1, then edited to
    /// `- Add replication-lag alerts (#999)` with no #999: #1 was closed as
    /// a duplicate of #999.
    #[test]
    fn f7_a_reference_to_a_missing_issue_never_closes_the_items_own_issue() {
        let text =
            "# Outage\n\nDate: 2024-03-01\n\n## Action items\n\n- Add replication-lag alerts\n";
        let mut sim = Sim::default();
        sim.sync(&[doc("postmortems/a.md", text)], &Config::default());
        assert_eq!(sim.issues.len(), 1);
        let edited = text.replace("alerts\n", "alerts (#999)\n");
        let p = sim.sync(&[doc("postmortems/a.md", &edited)], &Config::default());
        assert!(
            p.changes.iter().all(|c| matches!(c, Change::Noop { .. })),
            "{:#?}",
            p.changes
        );
        assert_eq!(sim.issues[0].state, IssueState::Open);
        assert!(
            p.warnings
                .iter()
                .any(|w| w.contains("#999 is not an issue pmtrack manages")),
            "{:?}",
            p.warnings
        );
    }

    #[test]
    fn assignees_people_added_are_kept() {
        let pms = [doc("pm.md", &edit(("| @alice |", "| @alice, @bob |")))];
        let mut sim = Sim::default();
        sim.sync(&[doc("pm.md", DOC)], &Config::default());
        sim.get(1).assignees.push("carol".into());
        let p = sim.sync(&pms, &Config::default());
        match &p.changes[0] {
            Change::Update {
                assignees: Some(a), ..
            } => assert_eq!(a, &["alice", "carol", "bob"]),
            other => panic!("{other:#?}"),
        }
        assert_settled(&sim, &pms, &Config::default());
    }

    #[test]
    fn group_labels_come_from_the_config_never_from_free_text() {
        let src =
            "## Action items\n**Monitoring:**\n- Add alerts\n**Random musings:**\n- Tidy up\n";
        let mut config = Config::default();
        config
            .labels
            .groups
            .insert("monitoring".into(), "area:monitoring".into());
        config.labels.extra = vec!["sre".into()];
        let p = Sim::default().plan(&[doc("pm.md", src)], &[], &config);
        let c = creates(&p);
        assert_eq!(c[0].labels, ["postmortem", "area:monitoring", "sre"]);
        assert_eq!(c[1].labels, ["postmortem", "sre"]);
        assert!(p.labels.iter().any(|l| l.name == "area:monitoring"));
    }

    #[test]
    fn explicit_due_date_beats_the_policy_and_no_incident_date_means_none() {
        let src = "## Action items\n- Add alerts due 2024-12-24\n- Fix pool P0\n";
        let pm = doc("pm.md", src);
        let p = Sim::default().plan(std::slice::from_ref(&pm), &[], &Config::default());
        assert_eq!(p.due[&pm.tasks[0].key], Some(date(2024, 12, 24)));
        assert_eq!(p.due[&pm.tasks[1].key], None);
        let dated = doc("pm.md", &format!("Date: 2024-03-01\n\n{src}"));
        let p = Sim::default().plan(std::slice::from_ref(&dated), &[], &Config::default());
        // P0 without a horizon: 7 days.
        assert_eq!(p.due[&dated.tasks[1].key], Some(date(2024, 3, 8)));
        assert!(creates(&p)[1].body.contains("\nDue: 2024-03-08\n"));
    }

    #[test]
    fn milestones_by_due_month_and_by_postmortem() {
        let pms = [doc("pm.md", DOC)];
        let config = Config {
            milestones: MilestoneMode::DueMonth,
            ..Config::default()
        };
        let p = Sim::default().plan(&pms, &[], &config);
        let ms = creates(&p)[0].milestone.clone().unwrap();
        assert_eq!(ms.title, "Due 2024-03");
        assert_eq!(ms.due_on, Some(date(2024, 3, 31)));
        assert_eq!(p.milestones, [ms]);
        let config = Config {
            milestones: MilestoneMode::Postmortem,
            ..Config::default()
        };
        let p = Sim::default().plan(&pms, &[], &config);
        assert_eq!(
            p.milestones,
            [MilestoneSpec {
                title: "DB outage".into(),
                due_on: Some(date(2024, 3, 31))
            }]
        );
        assert_eq!(
            last_day_of_month(date(2024, 12, 5)),
            Some(date(2024, 12, 31))
        );
        assert_eq!(last_day_of_month(date(2024, 2, 5)), Some(date(2024, 2, 29)));
    }

    #[test]
    fn milestone_follows_the_due_month_but_not_a_persons_choice() {
        let config = Config {
            milestones: MilestoneMode::DueMonth,
            ..Config::default()
        };
        let mut sim = Sim::default();
        sim.sync(&[doc("pm.md", DOC)], &config);
        // A person moves issue 1 to their sprint milestone: left alone.
        let sprint = sim.milestone("Sprint 9");
        sim.get(1).milestone = Some(sprint);
        assert_settled(&sim, &[doc("pm.md", DOC)], &config);
        // The due date moves to April: pmtrack moves it.
        let later = [doc("pm.md", &edit(("| P1 | |", "| P1 | 2024-04-10 |")))];
        let p = sim.sync(&later, &config);
        match &p.changes[0] {
            Change::Update {
                milestone: Some(m), ..
            } => assert_eq!(m.title, "Due 2024-04"),
            other => panic!("{other:#?}"),
        }
        assert_settled(&sim, &later, &config);
    }

    #[test]
    fn changes_are_ordered_by_path_then_line_with_removed_items_last() {
        let mut sim = Sim::default();
        sim.sync(&[doc("a.md", DOC)], &Config::default());
        let a = doc("a.md", &edit(REMOVE));
        let b = doc("b.md", DOC);
        let p = sim.plan(&[b, a], &[], &Config::default());
        let at: Vec<String> = p
            .changes
            .iter()
            .map(|c| match c {
                Change::Create { at, .. } => at.clone(),
                Change::Noop { number, .. } => format!("noop #{number}"),
                Change::Close { number, .. } => format!("close #{number}"),
                other => panic!("{other:#?}"),
            })
            .collect();
        assert_eq!(at, ["noop #1", "b.md:11", "b.md:12", "close #2"]);
    }

    #[test]
    fn links_after_apply_cover_created_and_existing_issues() {
        let mut sim = Sim::default();
        sim.sync(&[doc("pm.md", DOC)], &Config::default());
        let n = sim.add("Other", "", &["postmortem"]);
        let src = format!(
            "{}| Rotate keys (#{n}) | | | | open |\n| Brand new item | | | | open |\n",
            edit(DONE)
        );
        let with_new = [doc("pm.md", &src)];
        assert_eq!(with_new[0].tasks.len(), 4);
        let p = sim.sync(&with_new, &Config::default());
        let links = p.links(&sim.issues, &HashMap::new());
        assert_eq!(links.len(), 4);
        let by_title = |t: &str| {
            let key = &with_new[0]
                .tasks
                .iter()
                .find(|x| x.title.starts_with(t))
                .unwrap()
                .key;
            links.iter().find(|l| &l.key == key).unwrap().clone()
        };
        assert_eq!(by_title("Add disk").state, TrackState::Done);
        assert_eq!(by_title("Add disk").number, 1);
        assert_eq!(by_title("Add disk").due, Some(date(2024, 3, 31)));
        assert_eq!(by_title("Rotate").number, n);
        let new = by_title("Brand new");
        assert_eq!((new.number, new.state), (n + 1, TrackState::Open));
        assert_eq!(
            new.url,
            format!("https://github.com/{REPO}/issues/{}", n + 1)
        );
    }

    #[test]
    fn a_line_shift_alone_does_not_update_the_issue() {
        let a = "[pm.md:12](https://x/blob/main/pm.md#L12) T\nDue: none";
        let b = "[pm.md:14](https://x/blob/main/pm.md#L14) T\nDue: none";
        assert_eq!(comparable_body(a), comparable_body(b));
        assert_ne!(
            comparable_body(a),
            comparable_body("[pm.md:12](https://x/blob/main/pm.md#L12) U\nDue: none")
        );
        assert_eq!(comparable_body("at 10:30"), "at 10:30");
    }

    #[test]
    fn a_crlf_body_from_the_web_editor_is_not_rewritten() {
        let pms = [doc("pm.md", DOC)];
        let mut sim = Sim::default();
        sim.sync(&pms, &Config::default());
        let b = sim.issues[0].body.replace('\n', "\r\n");
        sim.get(1).body = b;
        assert_settled(&sim, &pms, &Config::default());
    }

    #[test]
    fn similarity_is_strsims_sorensen_dice_on_normalised_titles() {
        let pairs = [
            (
                "Add alerting on disk usage",
                "add alerting on disk usage for db hosts",
            ),
            ("Update the runbook", "Update the dashboard"),
            ("healed", "sealed"),
            ("web applications", "applications of the web"),
            ("a", "b"),
            ("same", "SAME!"),
        ];
        for (a, b) in pairs {
            let want = strsim::sorensen_dice(&normalize(a), &normalize(b));
            let got = Bigrams::of(a).dice(&Bigrams::of(b));
            assert!((want - got).abs() < 1e-9, "{a} / {b}: {want} vs {got}");
        }
        assert!(
            Bigrams::of("Write runbook for failover")
                .dice(&Bigrams::of("Add runbook for failover"))
                >= SIMILARITY_THRESHOLD
        );
        assert!(
            Bigrams::of("Update the runbook").dice(&Bigrams::of("Update the dashboard"))
                < SIMILARITY_THRESHOLD
        );
    }

    #[test]
    fn logins_are_letters_digits_and_hyphens_up_to_39() {
        assert!(is_login("alice"));
        assert!(is_login("a-b-9"));
        assert!(!is_login("Dana Lee"));
        assert!(!is_login("org/team"));
        assert!(!is_login("-x"));
        assert!(!is_login(&"a".repeat(40)));
        assert!(!is_login(""));
    }
}
