//! EDGE helper: GitHub's JSON as it comes over the wire, read leniently, and
//! turned into [`model::Issue`](crate::model::Issue).
//!
//! These are our own small serde shapes rather than octocrab's full models:
//! octocrab's `IssueStateReason` has no catch-all, so one new `state_reason`
//! value from GitHub would fail the whole listing. Only the fields pmtrack
//! needs are read; unknown values map to `Other`. Nothing here does IO.

use crate::model::{CloseReason, Issue, IssueState};
use serde::Deserialize;

/// A label, in either form GitHub uses (`"name"` or `{"name": …}`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum WireLabel {
    /// Just the name.
    Name(String),
    /// A label object.
    Object {
        /// Name.
        name: Option<String>,
    },
}

/// A user (only the login).
#[derive(Debug, Deserialize)]
pub struct WireUser {
    /// Login.
    pub login: String,
}

/// A milestone (its number).
#[derive(Debug, Deserialize)]
pub struct WireMilestone {
    /// Number.
    pub number: u64,
}

/// An issue (or pull request) as listed, created or updated.
#[derive(Debug, Deserialize)]
pub struct WireIssue {
    /// Number.
    pub number: u64,
    /// Title.
    #[serde(default)]
    pub title: String,
    /// Body (null when empty).
    pub body: Option<String>,
    /// `open` / `closed`.
    #[serde(default)]
    pub state: String,
    /// `completed`, `not_planned`, `reopened`, `duplicate`, … or null.
    pub state_reason: Option<String>,
    /// Labels.
    #[serde(default)]
    pub labels: Vec<WireLabel>,
    /// Assignees.
    #[serde(default)]
    pub assignees: Option<Vec<WireUser>>,
    /// Milestone.
    pub milestone: Option<WireMilestone>,
    /// Web URL.
    #[serde(default)]
    pub html_url: String,
    /// Comment count.
    #[serde(default)]
    pub comments: u64,
    /// Created at.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Closed at.
    pub closed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Present on pull requests only.
    pub pull_request: Option<serde_json::Value>,
    /// GitHub's numeric id.
    #[serde(default)]
    pub id: u64,
    /// The repository's API URL.
    #[serde(default)]
    pub repository_url: String,
    /// The parent issue's API URL: `None` when GitHub did not say (no such
    /// field, as older servers answer), `Some(None)` when it has none.
    #[serde(default, deserialize_with = "present")]
    pub parent_issue_url: Option<Option<String>>,
    /// Its sub-issues' progress.
    #[serde(default)]
    pub sub_issues_summary: Option<WireSubIssues>,
}

/// A field that may be absent (`None`, by `default`) or null (`Some(None)`).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// GitHub's `sub_issues_summary`.
#[derive(Debug, Deserialize)]
pub struct WireSubIssues {
    /// All sub-issues.
    #[serde(default)]
    pub total: u32,
    /// Those completed.
    #[serde(default)]
    pub completed: u32,
}

impl WireIssue {
    /// Whether this is a pull request (the issues listing includes them).
    pub fn is_pull_request(&self) -> bool {
        self.pull_request.is_some()
    }

    /// The label names.
    pub fn label_names(&self) -> Vec<String> {
        self.labels
            .iter()
            .filter_map(|l| match l {
                WireLabel::Name(n) => Some(n.clone()),
                WireLabel::Object { name } => name.clone(),
            })
            .collect()
    }

    /// The parent's number when the parent is in this issue's repository.
    fn parent_here(&self) -> Option<u64> {
        let url = self.parent_issue_url.as_ref()?.as_deref()?;
        let (repo, n) = url.rsplit_once("/issues/")?;
        (!self.repository_url.is_empty() && repo.eq_ignore_ascii_case(&self.repository_url))
            .then(|| n.parse().ok())
            .flatten()
    }

    /// The model's view of this issue.
    pub fn into_issue(self) -> Issue {
        let parent = self.parent_here();
        let parent_known = self.parent_issue_url.is_some();
        let labels = self.label_names();
        let state = match self.state.as_str() {
            "closed" => IssueState::Closed,
            _ => IssueState::Open,
        };
        let close_reason = match state {
            IssueState::Open => None,
            IssueState::Closed => Some(match self.state_reason.as_deref() {
                // Closing without a reason gives `completed` on GitHub; very
                // old issues have none at all.
                Some("completed") | None => CloseReason::Completed,
                Some("not_planned") => CloseReason::NotPlanned,
                Some("duplicate") => CloseReason::Duplicate,
                Some(_) => CloseReason::Other,
            }),
        };
        Issue {
            number: self.number,
            title: self.title,
            body: self.body.unwrap_or_default(),
            state,
            close_reason,
            labels,
            assignees: self
                .assignees
                .unwrap_or_default()
                .into_iter()
                .map(|u| u.login)
                .collect(),
            milestone: self.milestone.map(|m| m.number),
            html_url: self.html_url,
            created_at: self.created_at,
            closed_at: self.closed_at,
            id: self.id,
            parent,
            parent_known,
            sub_issues: self.sub_issues_summary.filter(|s| s.total > 0).map(|s| {
                crate::model::SubIssues {
                    completed: s.completed,
                    total: s.total,
                }
            }),
        }
    }
}

/// A label of the repository.
#[derive(Debug, Deserialize)]
pub struct WireRepoLabel {
    /// Name.
    pub name: String,
}

/// A comment (only its body).
#[derive(Debug, Deserialize)]
pub struct WireComment {
    /// Body.
    #[serde(default)]
    pub body: Option<String>,
}

/// GitHub's error body.
#[derive(Debug, Deserialize, Default)]
pub struct WireError {
    /// `message`.
    #[serde(default)]
    pub message: Option<String>,
    /// `errors[]`, kept as GitHub wrote them.
    #[serde(default)]
    pub errors: Option<Vec<serde_json::Value>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_state_reason_still_parses_as_other() {
        let json = r#"{"number": 3, "title": "t", "body": null, "state": "closed",
            "state_reason": "something_new", "labels": ["a", {"name": "b"}],
            "assignees": [{"login": "x"}], "milestone": {"number": 2, "title": "m"},
            "html_url": "u", "created_at": "2024-01-01T00:00:00Z",
            "closed_at": "2024-01-02T00:00:00Z"}"#;
        let w: WireIssue = serde_json::from_str(json).unwrap();
        assert!(!w.is_pull_request());
        let i = w.into_issue();
        assert_eq!(i.close_reason, Some(CloseReason::Other));
        assert_eq!(i.labels, vec!["a", "b"]);
        assert_eq!(i.assignees, vec!["x"]);
        assert_eq!(i.milestone, Some(2));
        assert_eq!(i.body, "");
    }

    #[test]
    fn closed_without_reason_is_completed_and_open_has_none() {
        let base = r#""number": 1, "state_reason": null, "created_at": "2024-01-01T00:00:00Z", "closed_at": null"#;
        let closed: WireIssue =
            serde_json::from_str(&format!(r#"{{{base}, "state": "closed"}}"#)).unwrap();
        assert_eq!(
            closed.into_issue().close_reason,
            Some(CloseReason::Completed)
        );
        let open: WireIssue =
            serde_json::from_str(&format!(r#"{{{base}, "state": "open"}}"#)).unwrap();
        assert_eq!(open.into_issue().close_reason, None);
    }
}
