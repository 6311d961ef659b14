//! Identity: which managed issue each action item is, in order — a
//! reference written on the item, the key in an issue's hidden marker, the
//! same title's key under a renamed document's old path, the most similar
//! orphaned issue of the same document — and which items are tracked
//! elsewhere. Linear in items and issues, never their product.

use std::collections::{BTreeMap, BTreeSet};

use super::{PlanInput, SIMILARITY_THRESHOLD};
use crate::issue_text::{self, Marker};
use crate::model::{Issue, IssueState, Postmortem, Task, TaskKey, TrackerRef};
use crate::parse::text::{normalize, without_refs};

/// The action item (or, for a tracking issue, the document) an issue
/// belongs to: the key in its body's hidden marker (the edge looks for an issue it may have created this way).
pub fn key_of(body: &str) -> Option<crate::model::TaskKey> {
    issue_text::parse_marker(body).map(|m| m.key).or_else(|| {
        issue_text::tracking::parse_tracking_marker(body)
            .map(|m| crate::model::TaskKey::tracking(&m.path))
    })
}

/// The lower-case host of a server URL (`https://github.com` →
/// `github.com`).
pub(super) fn web_host(server_url: &str) -> String {
    let rest = server_url.split_once("://").map_or(server_url, |(_, r)| r);
    rest.split('/').next().unwrap_or("").to_ascii_lowercase()
}

/// A managed issue with its marker read.
pub(super) struct Slot<'a> {
    pub(super) issue: &'a Issue,
    pub(super) marker: Option<Marker>,
}

/// Which issue a task maps to.
#[derive(Debug, Clone)]
pub(super) enum Mapping {
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
pub(super) enum How {
    Reference,
    Marker,
    Similar(f64),
    /// Its document was renamed (or moved): the same title's key under a
    /// vanished path.
    Moved(String),
}

/// A task in scope and where it stands.
pub(super) struct Item<'a> {
    pub(super) pm: &'a Postmortem,
    pub(super) task: &'a Task,
    pub(super) target: Mapping,
}

impl Item<'_> {
    pub(super) fn at(&self) -> String {
        format!("{}:{}", self.pm.path, self.task.line)
    }
}

/// The managed issues with their markers read, one per number, by number.
pub(super) fn slots(issues: &[Issue]) -> Vec<Slot<'_>> {
    let mut slots: Vec<Slot> = issues
        .iter()
        .map(|issue| Slot {
            issue,
            marker: issue_text::parse_marker(&issue.body),
        })
        .collect();
    slots.sort_by_key(|s| s.issue.number);
    slots.dedup_by_key(|s| s.issue.number);
    slots
}

/// What matching knows and has decided so far.
pub(super) struct Matching<'a> {
    pub(super) input: PlanInput<'a>,
    /// The documents in scope, by path.
    pub(super) pms: Vec<&'a Postmortem>,
    /// Their paths.
    pub(super) scope_docs: BTreeSet<&'a str>,
    /// Their paths and the deleted documents' paths.
    pub(super) scope: BTreeSet<&'a str>,
    /// The managed issues ([`slots`]).
    pub(super) slots: &'a [Slot<'a>],
    /// Issue number → its slot.
    pub(super) index: BTreeMap<u64, usize>,
    /// Slots by marker key, lowest number first.
    pub(super) by_key: BTreeMap<&'a TaskKey, Vec<usize>>,
    /// Every task in scope, by path then line, and where it stands.
    pub(super) items: Vec<Item<'a>>,
    /// Their keys.
    pub(super) task_keys: BTreeSet<&'a TaskKey>,
    /// The web host of this repository's issues, for references by URL.
    pub(super) host: String,
    /// Which issue numbers are taken, and by which item (`path:line`).
    pub(super) claimed: BTreeMap<u64, String>,
}

impl<'a> Matching<'a> {
    /// Every item still [`Mapping::New`].
    pub(super) fn new(input: PlanInput<'a>, slots: &'a [Slot<'a>]) -> Matching<'a> {
        let mut pms: Vec<&Postmortem> = input.postmortems.iter().collect();
        pms.sort_by(|a, b| a.path.cmp(&b.path));
        let scope_docs: BTreeSet<&str> = pms.iter().map(|p| p.path.as_str()).collect();
        let scope: BTreeSet<&str> = scope_docs
            .iter()
            .copied()
            .chain(input.deleted_paths.iter().map(String::as_str))
            .collect();
        let index: BTreeMap<u64, usize> = slots
            .iter()
            .enumerate()
            .map(|(i, s)| (s.issue.number, i))
            .collect();
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
                target: Mapping::New,
            }));
        }
        let task_keys: BTreeSet<&TaskKey> = items.iter().map(|i| &i.task.key).collect();
        Matching {
            host: web_host(input.server_url),
            input,
            pms,
            scope_docs,
            scope,
            slots,
            index,
            by_key,
            items,
            task_keys,
            claimed: BTreeMap::new(),
        }
    }

    /// (1) A reference written on the item: this repository's issue, or
    /// tracked elsewhere.
    pub(super) fn by_reference(&mut self, warnings: &mut Vec<String>) {
        for item in &mut self.items {
            let Some(reference) = &item.task.issue else {
                continue;
            };
            // Another repository's issue, a pull request, another tracker, or
            // a tracking issue named on the group label: tracked there, never
            // created here.
            let Some(r) = reference.github().filter(|r| {
                // By URL on another host only when it names a managed
                // issue (a test server, a proxy): never one's own duplicate.
                let managed = self.index.contains_key(&r.number);
                (r.is_issue_of(self.input.repo, &self.host)
                    || (managed && r.is_issue_of(self.input.repo, &r.host().unwrap_or_default())))
                    && !item.task.issue_from_group
            }) else {
                item.target = Mapping::Elsewhere(reference.clone());
                continue;
            };
            let n = r.number;
            if let Some(other) = self.claimed.get(&n) {
                warnings.push(format!(
                    "{}: #{n} is already the issue of {other}; give each item its own issue reference",
                    item.at()
                ));
                item.target = Mapping::Shared(n);
                continue;
            }
            if !self.index.contains_key(&n) && self.by_key.contains_key(&item.task.key) {
                // A reference to an issue pmtrack does not manage (or that does
                // not exist) never takes the item away from its own issue, and
                // never closes it as a duplicate.
                warnings.push(format!(
                    "{}: #{n} is not an issue pmtrack manages (or does not exist); the item keeps its own issue. Fix or remove the reference",
                    item.at()
                ));
                continue;
            }
            self.claimed.insert(n, item.at());
            if self.index.contains_key(&n) {
                item.target = Mapping::Existing(n, How::Reference);
            } else {
                warnings.push(format!(
                    "{}: tracked in #{n} outside pmtrack's label; add the `{}` label to #{n} to sync it",
                    item.at(),
                    self.input.config.labels.base
                ));
                item.target = Mapping::Outside(n);
            }
        }
    }

    /// (2) The marker's key: the lowest open issue, else the lowest closed.
    pub(super) fn by_marker(&mut self, warnings: &mut Vec<String>) {
        for item in &mut self.items {
            if !matches!(item.target, Mapping::New) {
                continue;
            }
            let same_key: Vec<&Slot> = self
                .by_key
                .get(&item.task.key)
                .map(|v| v.iter().map(|&i| &self.slots[i]).collect())
                .unwrap_or_default();
            let free: Vec<&Slot> = same_key
                .iter()
                .copied()
                .filter(|s| !self.claimed.contains_key(&s.issue.number))
                .collect();
            if free.is_empty() {
                if let Some((n, other)) = same_key
                    .iter()
                    .find_map(|s| self.claimed.get_key_value(&s.issue.number))
                {
                    warnings.push(format!(
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
                self.claimed.insert(s.issue.number, item.at());
                item.target = Mapping::Existing(s.issue.number, How::Marker);
            }
        }
    }

    /// (2b) A renamed document: the item's key under a vanished path.
    pub(super) fn by_old_path(&mut self) {
        let gone: BTreeSet<&str> = self
            .input
            .deleted_paths
            .iter()
            .chain(self.input.vanished_paths)
            .map(String::as_str)
            .filter(|p| !self.scope_docs.contains(p))
            .collect();
        if !gone.is_empty() {
            for item in &mut self.items {
                if !matches!(item.target, Mapping::New) {
                    continue;
                }
                for g in &gone {
                    let keys = [
                        crate::parse::task_key(g, &item.task.title, ""),
                        crate::parse::task_key(g, &item.task.title, &item.task.detail),
                    ];
                    let found = keys.iter().find_map(|k| {
                        let free: Vec<&Slot> = self
                            .by_key
                            .get(k)?
                            .iter()
                            .map(|&i| &self.slots[i])
                            .filter(|s| !self.claimed.contains_key(&s.issue.number))
                            .collect();
                        free.iter()
                            .find(|s| s.issue.state == IssueState::Open)
                            .or(free.first())
                            .map(|s| s.issue.number)
                    });
                    if let Some(n) = found {
                        self.claimed.insert(n, item.at());
                        item.target = Mapping::Existing(n, How::Moved((*g).to_owned()));
                        break;
                    }
                }
            }
        }
    }

    /// (3) An edited title: the best-matching orphan of the same document.
    pub(super) fn by_similar_title(&mut self) {
        // Slots and items by document, so that each document looks at its own
        // (linear in issues and items, never their product).
        let mut slots_of: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (si, s) in self.slots.iter().enumerate() {
            if let Some(m) = &s.marker {
                slots_of.entry(m.path.as_str()).or_default().push(si);
            }
        }
        let mut items_of: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (ii, item) in self.items.iter().enumerate() {
            items_of.entry(item.pm.path.as_str()).or_default().push(ii);
        }
        for pm in &self.pms {
            let Some(here) = slots_of.get(pm.path.as_str()) else {
                continue;
            };
            let keys_here: BTreeSet<&TaskKey> = pm.tasks.iter().map(|t| &t.key).collect();
            let orphans: Vec<(usize, Bigrams)> = here
                .iter()
                .map(|&si| (si, &self.slots[si]))
                .filter(|(_, s)| {
                    s.marker.as_ref().is_some_and(|m| {
                        !keys_here.contains(&m.key) && !self.claimed.contains_key(&s.issue.number)
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
                let item = &self.items[ii];
                if !matches!(item.target, Mapping::New) {
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
                let n = self.slots[si].issue.number;
                if self.claimed.contains_key(&n) || !matches!(self.items[ii].target, Mapping::New) {
                    continue;
                }
                self.claimed.insert(n, self.items[ii].at());
                self.items[ii].target = Mapping::Existing(n, How::Similar(score));
            }
        }
    }
}

/// A title as a multiset of character bigrams (normalised, whitespace
/// removed), for Sørensen–Dice similarity: the measure of
/// `strsim::sorensen_dice`, with the bigrams of each title computed once
/// instead of once per pair.
pub(super) struct Bigrams {
    squashed: String,
    grams: Vec<(char, char)>,
}

impl Bigrams {
    pub(super) fn of(title: &str) -> Bigrams {
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
    pub(super) fn dice(&self, other: &Bigrams) -> f64 {
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
