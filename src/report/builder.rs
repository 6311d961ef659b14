//! Building the report: items folded in one at a time (totals, the weekly
//! chart, the oldest overdue item, the listed items by postmortem), then
//! grouped by owner.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{Days, NaiveDate};

use super::*;
use crate::insight::recurring;
use crate::model::{ItemType, Postmortem, TrackState};

/// Applies `as_of` and the filter to `items` (of `postmortems`).
pub fn build(postmortems: &[Postmortem], items: &[Item], opts: &Spec) -> Report {
    let mut b = Builder::new(opts);
    for i in items {
        b.add(i);
    }
    b.finish(postmortems.iter().map(Heading::of))
}

/// One postmortem's counts and listed items, while building.
#[derive(Default)]
struct Counts {
    open: u32,
    overdue: u32,
    done: u32,
    total: u32,
    /// Its number, in the order postmortems were first seen: its figures
    /// are `Builder::pm_health[id]`, its days to close in `pm_days`.
    id: u32,
    listed: Vec<ReportItem>,
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
    /// Per postmortem path: its counts and listed items.
    by_path: BTreeMap<Arc<str>, Counts>,
    /// Per type (`None` last): items, open, overdue, done, and figures.
    by_type: BTreeMap<(bool, Option<usize>), (TypeGroup, health::Tally)>,
    /// Health over every item, per owner (nobody last), per month.
    health: health::Tally,
    /// Per owner: the name as first written, its lower case (one person
    /// whatever the case), its figures; nobody is `None`.
    owner_tallies: Vec<(Option<String>, String, health::Tally)>,
    /// Owner names as written → index in `owner_tallies` (no allocation
    /// per item once a spelling was seen).
    owner_index: std::collections::HashMap<String, usize>,
    /// (postmortem id, days to close) of every done item with known dates:
    /// the per-postmortem medians, without a list per postmortem.
    pm_days: Vec<(u32, u32)>,
    /// Each postmortem's figures, by its id (kept apart from its counts,
    /// which sit in a map's nodes).
    pm_health: Vec<health::Health>,
    months: Vec<health::MonthPoint>,
    /// Every item's promise, for the recurring ones.
    promises: recurring::Index,
    /// Each wording's latest item (by promise date, path, line) and its
    /// title: a recurring promise is named by its latest words.
    wording_latest: Vec<(PromiseAt, Arc<str>)>,
    /// Each postmortem's path, by id.
    pm_paths: Vec<Arc<str>>,
    /// Every item that has a wording, as added.
    promised: Vec<PromiseAt>,
    /// The open items open the longest so far, oldest first.
    oldest_open: Vec<OldestOpen>,
}

/// An item of some promise, kept small (a report may see every item of
/// tens of thousands of postmortems).
#[derive(Debug, Clone, Copy)]
struct PromiseAt {
    wording: u32,
    /// Its postmortem's id.
    pm: u32,
    line: u32,
    /// Issue number; 0: none.
    issue: u32,
    opened: Option<NaiveDate>,
    state: TrackState,
}

impl<'a> Builder<'a> {
    /// An empty report.
    pub fn new(opts: &Spec<'a>) -> Builder<'a> {
        let as_of = opts.as_of;
        let week_ends: Vec<NaiveDate> = (0..opts.weeks.max(1))
            .rev()
            .filter_map(|back| as_of.checked_sub_days(Days::new(7 * u64::from(back))))
            .collect();
        let first_week_end = week_ends.first().copied().unwrap_or(as_of);
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
            by_type: BTreeMap::new(),
            health: health::Tally::default(),
            owner_tallies: Vec::new(),
            owner_index: std::collections::HashMap::new(),
            pm_days: Vec::new(),
            pm_health: Vec::new(),
            months: health::months(first_week_end, as_of),
            promises: recurring::Index::default(),
            wording_latest: Vec::new(),
            pm_paths: Vec::new(),
            oldest_open: Vec::new(),
            promised: Vec::new(),
        }
    }

    /// Room for the figures of `postmortems` postmortems, made once: a
    /// list grown by doubling may hold twice what it needs.
    pub fn reserve(&mut self, postmortems: usize) {
        self.pm_health.reserve_exact(postmortems);
        self.pm_paths.reserve_exact(postmortems);
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
                if let Some(c) = self.by_path.get_mut(path) {
                    c.listed.shrink_to_fit();
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
        if let (TrackState::Open, Some(age_days)) = (v.state, v.age_days) {
            self.keep_if_oldest(&v, age_days);
        }
        let order = item
            .item_type
            .and_then(|t| ItemType::ALL.iter().position(|x| *x == t));
        let g = self
            .by_type
            .entry((item.item_type.is_none(), order))
            .or_insert_with(|| {
                (
                    TypeGroup {
                        item_type: item.item_type,
                        items: 0,
                        open: 0,
                        overdue: 0,
                        done: 0,
                        health: health::Health::default(),
                    },
                    health::Tally::default(),
                )
            });
        let (g, tally) = (&mut g.0, &mut g.1);
        g.items += 1;
        g.open += usize::from(v.state == TrackState::Open);
        g.overdue += usize::from(v.overdue);
        g.done += usize::from(v.state == TrackState::Done);
        tally.add(item, as_of);
        self.health.add(item, as_of);
        health::add_close(&mut self.months, item);
        if item.owners.is_empty() {
            let i = self.owner_slot(None);
            self.owner_tallies[i].2.add(item, as_of);
        }
        for (k, o) in item.owners.iter().enumerate() {
            let i = self.owner_slot(Some(o));
            // The same person twice on one item counts once.
            let again = item.owners[..k]
                .iter()
                .any(|p| self.owner_index.get(p.as_str()) == Some(&i));
            if !again {
                self.owner_tallies[i].2.add(item, as_of);
            }
        }
        let next = u32::try_from(self.pm_health.len()).unwrap_or(u32::MAX);
        let c = self
            .by_path
            .entry(v.postmortem.clone())
            .or_insert_with(|| Counts {
                id: next,
                ..Counts::default()
            });
        if c.id == next {
            self.pm_health.push(health::Health::default());
            self.pm_paths.push(v.postmortem.clone());
        }
        c.open += u32::from(v.state == TrackState::Open);
        c.overdue += u32::from(v.overdue);
        c.done += u32::from(v.state == TrackState::Done);
        c.total += 1;
        let id = c.id;
        if listed {
            c.listed.push(v);
        }
        if let Some(d) = self.pm_health[id as usize].count(item, as_of) {
            self.pm_days.push((id, d));
        }
        if let Some((wording, new)) = self.promises.add(id, &item.promise) {
            let at = PromiseAt {
                wording,
                pm: id,
                line: u32::try_from(item.line).unwrap_or(u32::MAX),
                issue: item
                    .issue
                    .as_ref()
                    .and_then(|i| u32::try_from(i.number).ok())
                    .unwrap_or(0),
                opened: item.opened,
                state: item.state,
            };
            if new {
                self.wording_latest.push((at, item.title.clone()));
            } else {
                let paths = &self.pm_paths;
                let order = |p: &PromiseAt| (p.opened, &*paths[p.pm as usize], p.line);
                let latest = &mut self.wording_latest[wording as usize];
                if order(&at) > order(&latest.0) {
                    *latest = (at, item.title.clone());
                }
            }
            self.promised.push(at);
        }
    }

    /// The promises made in two or more of the postmortems `paths` names
    /// (by id; `None`: not in the report).
    fn recurring(&mut self, paths: &[Option<Arc<str>>]) -> Vec<Recurring> {
        let roots = self.promises.roots();
        let mut all = std::mem::take(&mut self.promised);
        all.retain(|p| paths[p.pm as usize].is_some());
        let path = |p: &PromiseAt| paths[p.pm as usize].as_deref();
        // By promise, latest first (by promise date, then path and line).
        all.sort_unstable_by(|a, b| {
            roots[a.wording as usize]
                .cmp(&roots[b.wording as usize])
                .then_with(|| (b.opened, path(b), b.line).cmp(&(a.opened, path(a), a.line)))
        });
        let mut out = Vec::new();
        for run in all.chunk_by(|a, b| roots[a.wording as usize] == roots[b.wording as usize]) {
            let mut docs: Vec<u32> = run.iter().map(|p| p.pm).collect();
            docs.sort_unstable();
            docs.dedup();
            if docs.len() < 2 {
                continue;
            }
            let count = |state| run.iter().filter(|p| p.state == state).count();
            out.push(Recurring {
                // The latest item of the promise is its wording's latest.
                title: self.wording_latest[run[0].wording as usize].1.clone(),
                postmortems: docs.len(),
                items: run.len(),
                open: count(TrackState::Open),
                done: count(TrackState::Done),
                latest_open: run[0].state == TrackState::Open,
                latest: run
                    .iter()
                    .take(RECURRING_LISTED)
                    .filter_map(|p| {
                        Some(Promised {
                            postmortem: paths[p.pm as usize].clone()?,
                            line: p.line as usize,
                            state: p.state,
                            issue: (p.issue > 0).then_some(u64::from(p.issue)),
                            promised: p.opened,
                        })
                    })
                    .collect(),
            });
        }
        out.sort_by(|a, b| {
            (b.latest_open, b.postmortems, b.items)
                .cmp(&(a.latest_open, a.postmortems, a.items))
                .then_with(|| a.title.cmp(&b.title))
        });
        out
    }

    /// Keeps open item `v` among the oldest, when it is one: the longest
    /// open first; ties in path and line order.
    fn keep_if_oldest(&mut self, v: &ReportItem, age_days: i32) {
        fn key(o: &OldestOpen) -> (std::cmp::Reverse<i32>, &str, usize) {
            (std::cmp::Reverse(o.age_days), &o.postmortem, o.line)
        }
        let new = OldestOpen {
            title: v.title.clone(),
            postmortem: v.postmortem.clone(),
            line: v.line as usize,
            issue: v.issue.as_ref().map(|i| i.number),
            age_days,
        };
        let at = self.oldest_open.partition_point(|o| key(o) < key(&new));
        if at < OLDEST_LISTED {
            self.oldest_open.insert(at, new);
            self.oldest_open.truncate(OLDEST_LISTED);
        }
    }

    /// The index of `owner`'s tally (`None`: nobody), made on first sight.
    fn owner_slot(&mut self, owner: Option<&str>) -> usize {
        let Some(written) = owner else {
            if let Some(i) = self.owner_tallies.iter().position(|t| t.0.is_none()) {
                return i;
            }
            self.owner_tallies
                .push((None, String::new(), health::Tally::default()));
            return self.owner_tallies.len() - 1;
        };
        if let Some(&i) = self.owner_index.get(written) {
            return i;
        }
        let name = written.trim_start_matches('@');
        let lower = name.to_lowercase();
        let i = match self
            .owner_tallies
            .iter()
            .position(|t| t.0.is_some() && t.1 == lower)
        {
            Some(i) => i,
            None => {
                self.owner_tallies
                    .push((Some(name.to_string()), lower, health::Tally::default()));
                self.owner_tallies.len() - 1
            }
        };
        self.owner_index.insert(written.to_string(), i);
        i
    }

    /// The report, over the postmortems `headings` names (items of others
    /// are left out).
    pub fn finish(mut self, headings: impl IntoIterator<Item = Heading>) -> Report {
        // By postmortem, for each one's median.
        self.pm_days.sort_unstable();
        self.totals.oldest_overdue = self.oldest.take().map(|v| Oldest {
            title: v.title.to_string(),
            postmortem: v.postmortem.to_string(),
            line: v.line as usize,
            issue: v.issue,
            days_overdue: i64::from(v.days_overdue.map_or(0, std::num::NonZeroI32::get)),
        });
        // A Vec sorted once, not a map: no second copy of each path, no
        // half-empty nodes (a report of 30,000 postmortems holds them all).
        let mut groups: Vec<PostmortemGroup> = Vec::new();
        // Each named postmortem's path, by id.
        let mut paths: Vec<Option<Arc<str>>> = vec![None; self.pm_health.len()];
        for h in headings {
            // A path already taken (a heading named twice) finds nothing.
            let Some((path, c)) = self.by_path.remove_entry(h.path.as_str()) else {
                continue;
            };
            paths[c.id as usize] = Some(path);
            let mut items = c.listed;
            if items.is_empty() {
                continue;
            }
            items.sort_by_key(|i| i.line);
            groups.push(PostmortemGroup {
                path: h.path,
                title: h.title,
                incident_start: h.incident_start,
                open: c.open as usize,
                overdue: c.overdue as usize,
                done: c.done as usize,
                total: c.total as usize,
                tracking: h.tracking,
                health: {
                    let mut h = self.pm_health[c.id as usize];
                    let from = self.pm_days.partition_point(|&(id, _)| id < c.id);
                    let to = self.pm_days.partition_point(|&(id, _)| id <= c.id);
                    let mut days: Vec<u32> =
                        self.pm_days[from..to].iter().map(|&(_, d)| d).collect();
                    h.median_days_to_close = health::median(&mut days);
                    h
                },
                items,
            });
        }
        groups.sort_unstable_by(|a, b| a.path.cmp(&b.path));
        groups.shrink_to_fit();
        let postmortems = groups;
        let recurring = self.recurring(&paths);
        drop(paths);
        let owners = owner_groups(&postmortems);
        Report {
            as_of: self.opts.as_of,
            filter: self.opts.filter,
            source: self.opts.source,
            repo: self.opts.repo.map(str::to_owned),
            totals: self.totals,
            postmortems,
            owners,
            types: std::mem::take(&mut self.by_type)
                .into_values()
                .map(|(mut g, tally)| {
                    g.health = tally.finish();
                    g
                })
                .collect(),
            health: HealthReport {
                overall: std::mem::take(&mut self.health).finish(),
                owners: {
                    let mut t = std::mem::take(&mut self.owner_tallies);
                    // By name, nobody last.
                    t.sort_by(|a, b| (a.0.is_none(), &a.1).cmp(&(b.0.is_none(), &b.1)));
                    t.into_iter()
                        .map(|(owner, _, tally)| OwnerHealth {
                            owner,
                            health: tally.finish(),
                        })
                        .collect()
                },
                months: std::mem::take(&mut self.months),
                oldest_open: std::mem::take(&mut self.oldest_open),
            },
            weeks: self.weeks,
            recurring,
            not_tracked: self.opts.not_tracked.cloned(),
        }
    }
}

/// Groups the listed items of `groups` by owner, case-insensitively (the
/// first spelling seen is shown).
pub(super) fn owner_groups(groups: &[PostmortemGroup]) -> Vec<OwnerGroup> {
    let listed = || {
        groups.iter().enumerate().flat_map(|(p, g)| {
            g.items.iter().enumerate().map(move |(i, v)| {
                let at = ItemAt {
                    postmortem: u32::try_from(p).unwrap_or(u32::MAX),
                    item: u32::try_from(i).unwrap_or(u32::MAX),
                };
                (at, v)
            })
        })
    };
    // Each owner's list is sized before it is filled (it may hold every
    // listed item).
    let mut sizes: BTreeMap<Option<String>, usize> = BTreeMap::new();
    for (_, v) in listed() {
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
    for (at, v) in listed() {
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
            g.items.push(at);
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

pub(super) fn open_on(item: &Item, day: NaiveDate) -> bool {
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
