//! PURE: one tracking issue per postmortem, whose sub-issues are its action
//! items' issues. [`tracking_changes`] says what to do to the tracking
//! issues (create, refresh the body, close when every item is resolved,
//! reopen); [`parent_changes`] which items to attach to (or detach from)
//! which tracking issue. Both read the managed issues as they are after the
//! item changes were applied, so a new item's issue is attached in the run
//! that creates it.

use super::{Change, IssueFields, LabelSpec};
use crate::issue_text::tracking::{
    parse_tracking_marker, tracking_body, tracking_title, with_tracking_marker, Child,
    TrackingMarker,
};
use crate::issue_text::BodyContext;
use crate::model::{CloseReason, Issue, IssueState, Link, Postmortem, TaskKey, TrackState};
use std::collections::{BTreeMap, HashMap};

/// The label every tracking issue carries (beside the base label).
pub const TRACKING_LABEL: &str = "postmortem-tracking";

/// GitHub's limit of sub-issues under one parent.
pub const MAX_CHILDREN: usize = 100;

/// The tracking label, created when missing.
pub fn tracking_label() -> LabelSpec {
    LabelSpec {
        name: TRACKING_LABEL.into(),
        color: "5319e7".into(),
        description: "One postmortem's follow-ups, as sub-issues (pmtrack)".into(),
    }
}

/// What the tracking plan reads.
#[derive(Debug, Clone, Copy)]
pub struct TrackingInput<'a> {
    /// The postmortems in scope.
    pub postmortems: &'a [Postmortem],
    /// The managed issues now (after the item changes), tracking issues
    /// included.
    pub issues: &'a [Issue],
    /// The issue of every item in scope that has one here.
    pub item_issue: &'a BTreeMap<TaskKey, u64>,
    /// The base label.
    pub base_label: &'a str,
    /// `owner/name`, server URL and branch, for the document link.
    pub repo: &'a str,
    /// Web server URL.
    pub server_url: &'a str,
    /// Branch the document links point at.
    pub branch: &'a str,
    /// GitHub has no sub-issues here (learnt this run, or from a tracking
    /// issue's marker): bodies list the items instead.
    pub task_list: bool,
    /// Documents deleted (or renamed away): their tracking issues close as
    /// not planned.
    pub gone: &'a [String],
}

/// Which tracking issue tracks each document (by path): the open one with
/// the lowest number, else the closed one with the lowest number.
pub fn trackers(issues: &[Issue]) -> HashMap<String, (&Issue, TrackingMarker)> {
    let mut out: HashMap<String, (&Issue, TrackingMarker)> = HashMap::new();
    let rank = |i: &Issue| (i.state != IssueState::Open, i.number);
    for i in issues {
        let Some(m) = parse_tracking_marker(&i.body) else {
            continue;
        };
        match out.get(&m.path) {
            Some((best, _)) if rank(best) <= rank(i) => {}
            _ => {
                out.insert(m.path.clone(), (i, m));
            }
        }
    }
    out
}

/// For a dry run: how many postmortems would get a new tracking issue (they
/// have items with, or about to get, an issue here and no tracking issue
/// yet), and how many have one.
pub fn preview(postmortems: &[Postmortem], issues: &[Issue], plan: &super::Plan) -> (usize, usize) {
    let trackers = trackers(issues);
    let created: std::collections::HashSet<&TaskKey> = plan
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::Create { key, .. } => Some(key),
            _ => None,
        })
        .collect();
    let mut new = 0;
    let mut existing = 0;
    for pm in postmortems {
        if trackers.contains_key(&pm.path) {
            existing += 1;
        } else if pm
            .tasks
            .iter()
            .any(|t| plan.issue_of.contains_key(&t.key) || created.contains(&t.key))
        {
            new += 1;
        }
    }
    (new, existing)
}

/// The tracking issue of each of `postmortems` that has one, as a [`Link`]
/// keyed [`TaskKey::tracking`]: for the status block and the report.
pub fn tracking_links(postmortems: &[Postmortem], issues: &[Issue]) -> Vec<Link> {
    let trackers = trackers(issues);
    postmortems
        .iter()
        .filter_map(|pm| {
            let (i, _) = trackers.get(&pm.path)?;
            Some(Link {
                key: TaskKey::tracking(&pm.path),
                number: i.number,
                url: i.html_url.clone(),
                state: TrackState::of_issue(i.state, i.close_reason),
                due: None,
                owners: Vec::new(),
                created_at: Some(i.created_at),
                closed_at: i.closed_at,
                elsewhere: None,
            })
        })
        .collect()
}

/// Whether any tracking issue says GitHub has no sub-issues here.
pub fn says_task_list(issues: &[Issue]) -> bool {
    issues
        .iter()
        .filter_map(|i| parse_tracking_marker(&i.body))
        .any(|m| m.task_list)
}

/// The items' issues of one document, in document order.
fn children_of<'a>(
    pm: &'a Postmortem,
    item_issue: &BTreeMap<TaskKey, u64>,
    by_number: &HashMap<u64, &'a Issue>,
) -> Vec<(Child<'a>, &'a Issue)> {
    let mut seen = std::collections::HashSet::new();
    pm.tasks
        .iter()
        .filter_map(|t| {
            let n = *item_issue.get(&t.key)?;
            let issue = *by_number.get(&n)?;
            seen.insert(n).then_some((
                Child {
                    number: n,
                    closed: issue.state == IssueState::Closed,
                    group: &t.group,
                },
                issue,
            ))
        })
        .collect()
}

/// The changes to the tracking issues: one per postmortem that has items
/// with issues here; created, its body kept current (a person's title is
/// kept), closed as completed when every item is resolved, reopened when
/// one reopens (if pmtrack closed it).
pub fn tracking_changes(input: &TrackingInput) -> Vec<Change> {
    let by_number: HashMap<u64, &Issue> = input.issues.iter().map(|i| (i.number, i)).collect();
    let trackers = trackers(input.issues);
    let ctx = BodyContext {
        repo: input.repo,
        server_url: input.server_url,
        branch: input.branch,
        assignees: &[],
    };
    let mut out = Vec::new();
    for pm in input.postmortems {
        let children = children_of(pm, input.item_issue, &by_number);
        if children.is_empty() {
            continue;
        }
        let kids: Vec<Child> = children.iter().map(|(c, _)| c.clone()).collect();
        let resolved = kids.iter().all(|c| c.closed);
        let key = TaskKey::tracking(&pm.path);
        let existing = trackers.get(pm.path.as_str());
        let closed_flag = match existing {
            Some((i, m)) if i.state == IssueState::Closed => m.closed_by_pmtrack,
            _ => false,
        };
        let marker = TrackingMarker {
            path: pm.path.clone(),
            task_list: input.task_list,
            closed_by_pmtrack: closed_flag,
        };
        let body = tracking_body(pm, &ctx, &kids, &marker);
        let labels = [input.base_label.to_string(), TRACKING_LABEL.to_string()];
        let Some((issue, m)) = existing else {
            out.push(Change::Create {
                key,
                at: pm.path.clone(),
                fields: IssueFields {
                    title: tracking_title(pm),
                    body,
                    labels: labels.to_vec(),
                    assignees: Vec::new(),
                    milestone: None,
                },
            });
            continue;
        };
        let missing: Vec<&String> = labels
            .iter()
            .filter(|w| !issue.labels.iter().any(|l| l.eq_ignore_ascii_case(w)))
            .collect();
        // A close or reopen carries the body itself (changes may be applied
        // in another order than planned).
        let closing = issue.state == IssueState::Open && resolved;
        let reopening = issue.state == IssueState::Closed && !resolved && m.closed_by_pmtrack;
        let body_differs = !closing && !reopening && issue.body.trim_end() != body.trim_end();
        if body_differs || !missing.is_empty() {
            let mut why = Vec::new();
            if body_differs {
                why.push("body".to_string());
            }
            if !missing.is_empty() {
                why.push("labels".to_string());
            }
            out.push(Change::Update {
                key: key.clone(),
                number: issue.number,
                at: pm.path.clone(),
                title: None,
                body: body_differs.then(|| body.clone()),
                labels: (!missing.is_empty()).then(|| {
                    let mut all = issue.labels.clone();
                    all.extend(missing.into_iter().cloned());
                    all
                }),
                assignees: None,
                milestone: None,
                why,
            });
        }
        if closing {
            out.push(Change::Close {
                key: key.clone(),
                number: issue.number,
                reason: CloseReason::Completed,
                comment: None,
                body: Some(with_tracking_marker(
                    &body,
                    &TrackingMarker {
                        closed_by_pmtrack: true,
                        ..marker.clone()
                    },
                )),
            });
        }
        if reopening {
            out.push(Change::Reopen {
                key,
                number: issue.number,
                body: Some(with_tracking_marker(
                    &body,
                    &TrackingMarker {
                        closed_by_pmtrack: false,
                        ..marker
                    },
                )),
            });
        }
    }
    for (path, (issue, m)) in &trackers {
        if issue.state == IssueState::Open && input.gone.contains(path) {
            out.push(Change::Close {
                key: TaskKey::tracking(path),
                number: issue.number,
                reason: CloseReason::NotPlanned,
                comment: None,
                body: Some(with_tracking_marker(
                    &issue.body,
                    &TrackingMarker {
                        closed_by_pmtrack: true,
                        ..m.clone()
                    },
                )),
            });
        }
    }
    out
}

/// One sub-issue link to make or undo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentChange {
    /// The tracking issue's number.
    pub parent: u64,
    /// The item's issue number.
    pub child: u64,
    /// The item's issue id (what GitHub's sub-issue requests take).
    pub child_id: u64,
    /// Attach (`replace`: it has another parent now) or detach.
    pub op: ParentOp,
}

/// Attach or detach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParentOp {
    /// Make it a sub-issue; `replace` moves it from another parent.
    Add {
        /// It has another parent now.
        replace: bool,
    },
    /// It leaves the parent (its item was removed from the document).
    Remove,
}

/// The tracking issues whose sub-issues must be read before
/// [`parent_changes`]: those with an item whose parent GitHub's listing did
/// not say (older servers). Empty where the listing says (GitHub.com).
pub fn parents_to_read(input: &TrackingInput) -> Vec<u64> {
    if input.task_list {
        return Vec::new();
    }
    let by_number: HashMap<u64, &Issue> = input.issues.iter().map(|i| (i.number, i)).collect();
    let trackers = trackers(input.issues);
    let mut out: Vec<u64> = input
        .postmortems
        .iter()
        .filter_map(|pm| {
            let (tracker, _) = trackers.get(&pm.path)?;
            children_of(pm, input.item_issue, &by_number)
                .iter()
                .any(|(_, i)| !i.parent_known)
                .then_some(tracker.number)
        })
        .collect();
    out.sort_unstable();
    out
}

/// The sub-issue links to change, and warnings (a document with more items
/// than a parent can hold). Items are attached to their document's tracking
/// issue (moved there from another parent); an issue closed as not planned
/// whose item is in no document in scope leaves its tracking issue.
pub fn parent_changes(input: &TrackingInput) -> (Vec<ParentChange>, Vec<String>) {
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    if input.task_list {
        return (out, warnings);
    }
    let by_number: HashMap<u64, &Issue> = input.issues.iter().map(|i| (i.number, i)).collect();
    let trackers = trackers(input.issues);
    let mut wanted_parent: HashMap<u64, u64> = HashMap::new();
    for pm in input.postmortems {
        let Some((tracker, _)) = trackers.get(pm.path.as_str()) else {
            continue;
        };
        let children = children_of(pm, input.item_issue, &by_number);
        if children.len() > MAX_CHILDREN {
            warnings.push(format!(
                "{}: {} action items, more than the {MAX_CHILDREN} sub-issues GitHub allows under one issue; the first {MAX_CHILDREN} are sub-issues of #{}, the rest are listed in no tracking issue",
                pm.path,
                children.len(),
                tracker.number
            ));
        }
        for (c, issue) in children.into_iter().take(MAX_CHILDREN) {
            wanted_parent.insert(c.number, tracker.number);
            if issue.parent != Some(tracker.number) && issue.id != 0 {
                out.push(ParentChange {
                    parent: tracker.number,
                    child: c.number,
                    child_id: issue.id,
                    op: ParentOp::Add {
                        replace: issue.parent.is_some(),
                    },
                });
            }
        }
    }
    let tracker_numbers: std::collections::HashSet<u64> =
        trackers.values().map(|(i, _)| i.number).collect();
    let in_scope: std::collections::HashSet<&str> = input
        .postmortems
        .iter()
        .map(|pm| pm.path.as_str())
        .collect();
    let items: std::collections::HashSet<u64> = input.item_issue.values().copied().collect();
    for i in input.issues {
        let Some(p) = i.parent else { continue };
        // Removed from a document in scope and closed as not planned.
        let removed = i.close_reason == Some(CloseReason::NotPlanned)
            && !items.contains(&i.number)
            && crate::issue_text::parse_marker(&i.body)
                .is_some_and(|m| in_scope.contains(m.path.as_str()));
        if removed && tracker_numbers.contains(&p) && !wanted_parent.contains_key(&i.number) {
            out.push(ParentChange {
                parent: p,
                child: i.number,
                child_id: i.id,
                op: ParentOp::Remove,
            });
        }
    }
    (out, warnings)
}
