//! EDGE: the state of the GitHub issues and pull requests that items are
//! tracked in outside pmtrack's issues (another repository's issue, a pull
//! request, a group's tracking issue). One conditional `GET` each, with the
//! ETag kept in a cache file beside the listing's
//! (`<cache>.referenced.json`), so while nothing changes a repeat is all
//! `304`s and costs no rate-limit point. What cannot be read (no access, no
//! such issue) keeps the document's state and is said once.

use super::http::RequestKind;
use super::wire::WireIssue;
use super::{etag_cache, GitHub, Progress};
use crate::model::{Referenced, TrackState};
use ::http::Method;
use std::collections::HashMap;

impl GitHub {
    /// Reads `refs` (`owner/name`, number), as [`crate::plan::Plan::to_read`]
    /// lists them. Never fails: an unread reference is left out, with a
    /// note.
    pub async fn read_referenced(
        &mut self,
        refs: &[(String, u64)],
        progress: &dyn Progress,
    ) -> HashMap<(String, u64), Referenced> {
        let mut out = HashMap::new();
        if refs.is_empty() {
            return out;
        }
        let scope = format!("{} referenced", self.api_url);
        let (path, mut old) = self.side_cache::<Referenced>("referenced", &scope, progress);
        let mut fresh = etag_cache::EtagCache::empty(&scope);
        let note = |l: &str| progress.note(l);
        for (repo, number) in refs {
            let url = format!("/repos/{repo}/issues/{number}");
            let cached = old.pages.remove(&url);
            let etag = cached.as_ref().map(|c| c.etag.as_str());
            let reply = self
                .http
                .request(Method::GET, &url, None, etag, RequestKind::Read, &note)
                .await;
            let page = match (reply, cached) {
                (Ok(r), Some(c)) if r.status == 304 => c,
                (Ok(r), _) if r.status != 304 => {
                    let Ok(wire) = serde_json::from_str::<WireIssue>(&r.body) else {
                        note(&format!(
                            "cannot read {repo}#{number}: GitHub's answer is not an issue; shown with the document's state"
                        ));
                        continue;
                    };
                    let etag = r
                        .headers
                        .get("etag")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    etag_cache::CachedPage {
                        etag,
                        next: None,
                        raw_len: 1,
                        items: vec![referenced(wire)],
                    }
                }
                (Ok(_), _) => continue,
                (Err(f), _) => {
                    note(&format!(
                        "cannot read {repo}#{number} ({}), which an item is tracked in: shown with the document's state; give the token read access to {repo}, or fix the reference",
                        f.describe()
                    ));
                    continue;
                }
            };
            if let Some(r) = page.items.first() {
                out.insert((repo.clone(), *number), r.clone());
            }
            fresh.pages.insert(url, page);
        }
        if let Some(p) = &path {
            if let Some(w) = etag_cache::save(p, &fresh) {
                progress.note(&w);
            }
        }
        out
    }
}

/// What an item tracked in this issue or pull request stands at: a merged
/// pull request or an issue closed as completed is done; one closed
/// otherwise is not planned.
fn referenced(wire: WireIssue) -> Referenced {
    let merged = wire
        .pull_request
        .as_ref()
        .is_some_and(|p| p.get("merged_at").is_some_and(|m| !m.is_null()));
    let pull = wire.is_pull_request();
    let issue = wire.into_issue();
    let state = match TrackState::of_issue(issue.state, issue.close_reason) {
        TrackState::Open => TrackState::Open,
        _ if pull && merged => TrackState::Done,
        _ if pull => TrackState::NotPlanned,
        closed => closed,
    };
    Referenced {
        state,
        url: issue.html_url,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(json: serde_json::Value) -> WireIssue {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn merged_pull_requests_and_completed_issues_are_done() {
        let base = |state: &str, reason: Option<&str>, pull: Option<serde_json::Value>| {
            let mut v = serde_json::json!({
                "number": 3, "state": state, "state_reason": reason,
                "created_at": "2024-01-01T00:00:00Z",
                "html_url": "https://github.com/o/other/pull/3",
            });
            if let Some(p) = pull {
                v["pull_request"] = p;
            }
            referenced(wire(v)).state
        };
        let merged = serde_json::json!({"merged_at": "2024-02-01T00:00:00Z"});
        let unmerged = serde_json::json!({"merged_at": null});
        assert_eq!(base("open", None, Some(unmerged.clone())), TrackState::Open);
        assert_eq!(base("closed", None, Some(merged)), TrackState::Done);
        assert_eq!(base("closed", None, Some(unmerged)), TrackState::NotPlanned);
        assert_eq!(base("closed", Some("completed"), None), TrackState::Done);
        assert_eq!(
            base("closed", Some("not_planned"), None),
            TrackState::NotPlanned
        );
        assert_eq!(base("open", Some("reopened"), None), TrackState::Open);
    }
}
