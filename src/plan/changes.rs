//! Changes: for each action item, what its issue needs (create, update,
//! close, reopen, nothing), duplicates of its key closed; then the issues
//! whose items were removed from their documents.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use super::identity::{How, Item, Mapping, Matching, Slot};
use super::wanted::{describe_diff, merge_labels, same_set, wanted, Wanted};
use super::{due_of, Change, Elsewhere, IssueFields, Plan, MAX_ASSIGNEES};
use crate::config::{Config, RemovedPolicy};
use crate::issue_text::{self, Marker};
use crate::model::{CloseReason, IssueState, Status, TrackState};

/// (4) The changes of every item in scope, and the duplicates of its key
/// closed; returns the duplicates' numbers.
pub(super) fn per_item(m: &Matching<'_>, out: &mut Plan) -> BTreeSet<u64> {
    let mut ms_due: BTreeMap<&str, Option<NaiveDate>> = BTreeMap::new();
    for pm in &m.pms {
        let max = pm
            .tasks
            .iter()
            .filter_map(|t| due_of(t, pm, m.input.config))
            .max();
        ms_due.insert(pm.path.as_str(), max);
    }
    let mut duplicates_done: BTreeSet<u64> = BTreeSet::new();
    for item in &m.items {
        let due = record(m, item, out);
        let wanted = wanted(
            item,
            due,
            ms_due.get(item.pm.path.as_str()).copied().flatten(),
            &m.input,
            &mut out.warnings,
        );
        let key = item.task.key.clone();
        let tracked_in = match &item.target {
            Mapping::New => {
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
                None
            }
            Mapping::Existing(n, how) => {
                let slot = &m.slots[m.index[n]];
                out.changes.extend(existing_changes(
                    item,
                    slot,
                    how.clone(),
                    wanted,
                    m.input.config,
                ));
                Some(format!("#{n}"))
            }
            Mapping::Outside(n) | Mapping::Shared(n) => {
                out.changes.push(Change::Noop { key, number: *n });
                Some(format!("#{n}"))
            }
            Mapping::Elsewhere(r) => Some(r.short()),
        };
        // Never two open issues for one task.
        for &si in m.by_key.get(&item.task.key).into_iter().flatten() {
            let s = &m.slots[si];
            let n = s.issue.number;
            if m.claimed.contains_key(&n) || duplicates_done.contains(&n) {
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
    duplicates_done
}

/// Where `item` is tracked, into `out` (its due date, its issue here, or
/// the reference it is tracked elsewhere by); returns its due date.
pub(super) fn record(m: &Matching<'_>, item: &Item<'_>, out: &mut Plan) -> Option<NaiveDate> {
    let due = due_of(item.task, item.pm, m.input.config);
    let key = item.task.key.clone();
    out.due.insert(key.clone(), due);
    match &item.target {
        Mapping::New => {}
        Mapping::Existing(n, _) | Mapping::Outside(n) | Mapping::Shared(n) => {
            out.issue_of.insert(key, *n);
        }
        Mapping::Elsewhere(r) => {
            // Read through this API: GitHub references on this host.
            let readable = r
                .github()
                .is_some_and(|g| g.host().is_none_or(|h| h == m.host));
            out.elsewhere.insert(
                key,
                Elsewhere {
                    reference: r.clone(),
                    written: TrackState::of(item.task.status),
                    readable,
                },
            );
        }
    }
    due
}

/// (5) Issues whose items were removed from their (in-scope) documents.
pub(super) fn removed(m: &Matching<'_>, duplicates_done: &BTreeSet<u64>, out: &mut Plan) {
    let no_section: BTreeSet<&str> = m
        .pms
        .iter()
        .filter(|p| !p.section_found)
        .map(|p| p.path.as_str())
        .collect();
    let mut left_alone: BTreeMap<&str, usize> = BTreeMap::new();
    let mut removed: Vec<(&str, u64, Vec<Change>)> = Vec::new();
    for s in m.slots {
        let n = s.issue.number;
        let Some(mk) = &s.marker else { continue };
        if m.claimed.contains_key(&n)
            || duplicates_done.contains(&n)
            || m.task_keys.contains(&mk.key)
            || !m.scope.contains(mk.path.as_str())
        {
            continue;
        }
        if no_section.contains(mk.path.as_str()) {
            if s.issue.state == IssueState::Open {
                *left_alone.entry(mk.path.as_str()).or_default() += 1;
            }
            continue;
        }
        removed.push((
            mk.path.as_str(),
            n,
            removed_changes(s, mk, m.input.config.removed_items),
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
}

/// The changes for an item that maps to a managed issue.
pub(super) fn existing_changes(
    item: &Item,
    slot: &Slot,
    how: How,
    w: Wanted,
    config: &Config,
) -> Vec<Change> {
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
pub(super) fn removed_changes(s: &Slot, m: &Marker, policy: RemovedPolicy) -> Vec<Change> {
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

/// A body with CRLF folded and line numbers (`#L12`, `path:12]`) blanked, for
/// deciding whether an update is needed.
pub(super) fn comparable_body(body: &str) -> String {
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
