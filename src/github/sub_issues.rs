//! EDGE calls for sub-issues: attach an item's issue to its postmortem's
//! tracking issue (by the child's id; `replace_parent` to move it from
//! another parent) and detach it. Idempotent: a child already attached
//! (a run killed after the add) is found by asking for its parent, never
//! attached twice. A GitHub without sub-issues (older Enterprise Server,
//! 404) is reported as such, once, and nothing fails.

use super::http::{Failure, RequestKind};
use super::{GitHub, Progress};
use crate::error::Result;
use crate::plan::tracking::{ParentChange, ParentOp};
use ::http::Method;
use serde_json::json;

/// What became of one [`ParentChange`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParentOutcome {
    /// Done (or already so).
    Done,
    /// This GitHub has no sub-issues (404 on the endpoint).
    Unsupported,
    /// Refused; why.
    Failed(String),
}

impl GitHub {
    /// Apply one sub-issue change. `Err` only when the whole run must stop
    /// (the token refused).
    pub async fn set_parent(
        &mut self,
        change: &ParentChange,
        progress: &dyn Progress,
    ) -> Result<ParentOutcome> {
        let note = |l: &str| progress.note(l);
        let (p, c) = (change.parent, change.child);
        match change.op {
            ParentOp::Remove => {
                let url = format!("{}/issues/{p}/sub_issue", self.repo_path());
                let body = json!({ "sub_issue_id": change.child_id });
                match self
                    .http
                    .request(
                        Method::DELETE,
                        &url,
                        Some(&body),
                        None,
                        RequestKind::IdempotentWrite,
                        &note,
                    )
                    .await
                {
                    Ok(reply) => {
                        self.remember(&reply);
                        self.set_known_parent(c, None);
                        Ok(ParentOutcome::Done)
                    }
                    // Not (or no longer) its child.
                    Err(f) if f.status() == Some(404) => {
                        self.set_known_parent(c, None);
                        Ok(ParentOutcome::Done)
                    }
                    Err(f) if Self::is_fatal(&f) => Err(self.error("detach a sub-issue", &f)),
                    Err(f) => Ok(ParentOutcome::Failed(f.describe())),
                }
            }
            ParentOp::Add { replace } => {
                let mut replace = replace;
                // At most: the add, its parent read, the add with replace.
                for _ in 0..2 {
                    match self.add_sub_issue(p, change.child_id, replace, &note).await {
                        Ok(()) => {
                            self.set_known_parent(c, Some(p));
                            return Ok(ParentOutcome::Done);
                        }
                        Err(f) if f.status() == Some(404) => return Ok(ParentOutcome::Unsupported),
                        Err(f) if Self::is_fatal(&f) => {
                            return Err(self.error("attach a sub-issue", &f))
                        }
                        Err(f) if f.status() == Some(422) && !replace => {
                            // Already someone's child: ours (a killed run
                            // attached it), or another parent's.
                            match self.parent_of(c, &note).await {
                                Some(found) if found == p => {
                                    self.set_known_parent(c, Some(p));
                                    return Ok(ParentOutcome::Done);
                                }
                                Some(_) => replace = true,
                                None => return Ok(ParentOutcome::Failed(f.describe())),
                            }
                        }
                        Err(f) => return Ok(ParentOutcome::Failed(f.describe())),
                    }
                }
                Ok(ParentOutcome::Failed(format!(
                    "GitHub did not take #{c} as a sub-issue of #{p}"
                )))
            }
        }
    }

    async fn add_sub_issue(
        &mut self,
        parent: u64,
        child_id: u64,
        replace: bool,
        note: super::http::Note<'_>,
    ) -> std::result::Result<(), Failure> {
        let url = format!("{}/issues/{parent}/sub_issues", self.repo_path());
        let body = if replace {
            json!({ "sub_issue_id": child_id, "replace_parent": true })
        } else {
            json!({ "sub_issue_id": child_id })
        };
        let reply = self
            .http
            .request(
                Method::POST,
                &url,
                Some(&body),
                None,
                RequestKind::IdempotentWrite,
                note,
            )
            .await?;
        self.remember(&reply);
        Ok(())
    }

    /// The number of issue `child`'s parent, read from GitHub.
    async fn parent_of(&mut self, child: u64, note: super::http::Note<'_>) -> Option<u64> {
        let url = format!("{}/issues/{child}/parent", self.repo_path());
        let reply = self
            .http
            .request(Method::GET, &url, None, None, RequestKind::Read, note)
            .await
            .ok()?;
        let v: serde_json::Value = serde_json::from_str(&reply.body).ok()?;
        v["number"].as_u64()
    }

    fn set_known_parent(&mut self, child: u64, parent: Option<u64>) {
        if let Some(i) = self.issues.get_mut(&child) {
            i.parent = parent;
            i.parent_known = true;
        }
    }

    /// Reads the sub-issues of `parent` (for a GitHub whose listing does
    /// not say each issue's parent) and records them as its children.
    /// A GitHub without sub-issues (404) reads as none.
    pub async fn read_sub_issues(&mut self, parent: u64, progress: &dyn Progress) -> Result<()> {
        let first = format!(
            "{}/issues/{parent}/sub_issues?per_page=100",
            self.repo_path()
        );
        let children = match self.issue_pages(first, progress).await {
            Ok(c) => c,
            Err(_) => return Ok(()),
        };
        for c in children {
            self.set_known_parent(c.number, Some(parent));
        }
        Ok(())
    }
}
