//! Links: after apply, the issue (or the place elsewhere) each action item
//! is tracked in, for write-back and the report.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use super::{Elsewhere, Plan};
use crate::issue_text;
use crate::model::{Issue, IssueState, Link, Referenced, TaskKey, TrackState};

impl Plan {
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
        self.links_after(&BTreeMap::new(), issues, referenced)
    }

    /// [`Plan::links`] after applying, told the issue each created item got
    /// (`created`, from the apply result): no marker is searched for them
    /// (that would be quadratic on a first sync).
    pub fn links_after(
        &self,
        created: &BTreeMap<TaskKey, u64>,
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
            let issue = match self.issue_of.get(key).or_else(|| created.get(key)) {
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
            let state = TrackState::of_issue(issue.state, issue.close_reason);
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
