//! EDGE calls of `pmtrack report --post`: put a label on an issue or take it
//! off (the overdue label), make sure a label exists with its colour, and
//! create or update the ONE rolling report issue.
//!
//! Same rules as the rest of the edge: requests go through the paced,
//! rate-limit-aware `Http` client; label changes are
//! idempotent and retried; a create is never re-sent blindly: after an
//! ambiguous answer the report issue is looked for by its marker first.
//! Never decides what to change or which issue is the report's: the caller
//! says so in a [`ReportIssueSpec`].

use super::http::{encode_query, Failure, RequestKind};
use super::wire::WireIssue;
use super::{GitHub, Progress, CREATE_TRIES, SETTLE};
use crate::error::{Error, Result};
use crate::model::{Issue, IssueState};
use crate::plan::LabelSpec;
use ::http::Method;
use serde_json::json;

/// What happened to the rolling report issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportIssueOutcome {
    /// It was opened.
    Created,
    /// Its title, body, labels or state were changed.
    Updated,
    /// It already said the same.
    Unchanged,
}

/// The rolling report issue as it must be, and how to recognise it.
#[derive(Debug, Clone, Copy)]
pub struct ReportIssueSpec<'a> {
    /// Its title.
    pub title: &'a str,
    /// Its body (holding `marker`).
    pub body: &'a str,
    /// The labels it must carry; `labels[find_label]` is the one searched
    /// for when it is not in the managed listing.
    pub labels: &'a [String],
    /// Index in `labels` of the label that finds it.
    pub find_label: usize,
    /// The hidden marker in its body.
    pub marker: &'a str,
    /// The report issue among issues holding the marker.
    pub pick: fn(&[Issue]) -> Option<&Issue>,
}

/// The rolling report issue after [`GitHub::post_report_issue`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportIssue {
    /// Issue number.
    pub number: u64,
    /// Web URL.
    pub url: String,
    /// What was done.
    pub outcome: ReportIssueOutcome,
}

impl GitHub {
    /// Makes sure the repository has the label `spec.name` (any case),
    /// creating it with its colour and description when missing. Returns
    /// whether it was created. Failures other than a refused token are left
    /// to GitHub, which creates a missing label (uncoloured) when an issue
    /// gets it.
    pub async fn ensure_label(
        &mut self,
        spec: &LabelSpec,
        progress: &dyn Progress,
    ) -> Result<bool> {
        let note = |l: &str| progress.note(l);
        let url = format!("{}/labels/{}", self.repo_path(), encode_query(&spec.name));
        match self
            .http
            .request(Method::GET, &url, None, None, RequestKind::Read, &note)
            .await
        {
            Ok(_) => return Ok(false),
            Err(f) if Self::is_fatal(&f) => return Err(self.error("read labels", &f)),
            Err(f) if f.status() == Some(404) => {}
            Err(_) => return Ok(false),
        }
        let body = json!({
            "name": spec.name,
            "color": spec.color.trim_start_matches('#'),
            "description": spec.description,
        });
        let url = format!("{}/labels", self.repo_path());
        match self
            .http
            .request(
                Method::POST,
                &url,
                Some(&body),
                None,
                RequestKind::Create,
                &note,
            )
            .await
        {
            Ok(_) => Ok(true),
            Err(f) if Self::is_fatal(&f) => Err(self.error("create labels", &f)),
            Err(f) => {
                if f.status() != Some(422) {
                    progress.note(&format!(
                        "cannot create label `{}` ({}); GitHub creates it without colour when an issue gets it",
                        spec.name,
                        f.describe()
                    ));
                }
                Ok(false)
            }
        }
    }

    /// Adds `label` to issue `number`. `Ok(Err(why))` when only this change
    /// failed; `Err` when the token is refused.
    pub async fn add_label(
        &mut self,
        number: u64,
        label: &str,
        progress: &dyn Progress,
    ) -> Result<std::result::Result<(), String>> {
        let note = |l: &str| progress.note(l);
        let url = format!("{}/issues/{number}/labels", self.repo_path());
        let body = json!({ "labels": [label] });
        let sent = self
            .http
            .request(
                Method::POST,
                &url,
                Some(&body),
                None,
                RequestKind::IdempotentWrite,
                &note,
            )
            .await;
        match sent {
            Ok(_) => {
                if let Some(i) = self.issues.get_mut(&number) {
                    if !i.labels.iter().any(|l| l.eq_ignore_ascii_case(label)) {
                        i.labels.push(label.to_owned());
                    }
                }
                Ok(Ok(()))
            }
            Err(f) if Self::is_fatal(&f) => Err(self.error("label issues", &f)),
            Err(f) => Ok(Err(format!(
                "adding `{label}` to #{number}: {}",
                f.describe()
            ))),
        }
    }

    /// Removes `label` from issue `number`; a label already gone is fine.
    /// `Ok(Err(why))` when only this change failed.
    pub async fn remove_label(
        &mut self,
        number: u64,
        label: &str,
        progress: &dyn Progress,
    ) -> Result<std::result::Result<(), String>> {
        let note = |l: &str| progress.note(l);
        let url = format!(
            "{}/issues/{number}/labels/{}",
            self.repo_path(),
            encode_query(label)
        );
        let sent = self
            .http
            .request(
                Method::DELETE,
                &url,
                None,
                None,
                RequestKind::IdempotentWrite,
                &note,
            )
            .await;
        match sent {
            Ok(_) | Err(Failure::Status { status: 404, .. }) => {
                if let Some(i) = self.issues.get_mut(&number) {
                    i.labels.retain(|l| !l.eq_ignore_ascii_case(label));
                }
                Ok(Ok(()))
            }
            Err(f) if Self::is_fatal(&f) => Err(self.error("label issues", &f)),
            Err(f) => Ok(Err(format!(
                "removing `{label}` from #{number}: {}",
                f.describe()
            ))),
        }
    }

    /// Creates or updates the rolling report issue. `existing` is the one
    /// found in the managed listing; when there is none, the issues with
    /// the spec's finding label are searched for its marker before one is
    /// created, so there is never a second one.
    pub async fn post_report_issue(
        &mut self,
        existing: Option<&Issue>,
        spec: &ReportIssueSpec<'_>,
        progress: &dyn Progress,
    ) -> Result<ReportIssue> {
        let existing = match existing {
            Some(i) => Some(i.clone()),
            None => self.find_report_issue(spec, progress).await?,
        };
        let (title, body, labels) = (spec.title, spec.body, spec.labels);
        match existing {
            Some(issue) => {
                self.update_report_issue(&issue, title, body, labels, progress)
                    .await
            }
            None => self.create_report_issue(spec, progress).await,
        }
    }

    async fn update_report_issue(
        &mut self,
        issue: &Issue,
        title: &str,
        body: &str,
        labels: &[String],
        progress: &dyn Progress,
    ) -> Result<ReportIssue> {
        let mut patch = serde_json::Map::new();
        if issue.title != title {
            patch.insert("title".into(), json!(title));
        }
        if issue.body.trim_end() != body.trim_end() {
            patch.insert("body".into(), json!(body));
        }
        if issue.state != IssueState::Open {
            patch.insert("state".into(), json!("open"));
        }
        let missing: Vec<&String> = labels
            .iter()
            .filter(|w| !issue.labels.iter().any(|l| l.eq_ignore_ascii_case(w)))
            .collect();
        if !missing.is_empty() {
            let mut all = issue.labels.clone();
            all.extend(missing.into_iter().cloned());
            patch.insert("labels".into(), json!(all));
        }
        if patch.is_empty() {
            return Ok(ReportIssue {
                number: issue.number,
                url: issue.html_url.clone(),
                outcome: ReportIssueOutcome::Unchanged,
            });
        }
        let url = format!("{}/issues/{}", self.repo_path(), issue.number);
        let note = |l: &str| progress.note(l);
        let reply = self
            .http
            .request(
                Method::PATCH,
                &url,
                Some(&serde_json::Value::Object(patch)),
                None,
                RequestKind::IdempotentWrite,
                &note,
            )
            .await
            .map_err(|f| self.error("update the report issue", &f))?;
        let updated = self.remember(&reply);
        Ok(ReportIssue {
            number: issue.number,
            url: updated.map_or_else(|| issue.html_url.clone(), |i| i.html_url),
            outcome: ReportIssueOutcome::Updated,
        })
    }

    async fn create_report_issue(
        &mut self,
        spec: &ReportIssueSpec<'_>,
        progress: &dyn Progress,
    ) -> Result<ReportIssue> {
        let (title, body, labels) = (spec.title, spec.body, spec.labels);
        let url = format!("{}/issues", self.repo_path());
        let payload = json!({ "title": title, "body": body, "labels": labels });
        for _ in 0..CREATE_TRIES {
            let note = |l: &str| progress.note(l);
            match self
                .http
                .request(
                    Method::POST,
                    &url,
                    Some(&payload),
                    None,
                    RequestKind::Create,
                    &note,
                )
                .await
            {
                Ok(reply) => {
                    let Some(issue) = self.remember(&reply) else {
                        return Err(Error::GitHub(format!(
                            "GitHub created the report issue but sent back something unreadable ({}); the next run finds it by its marker",
                            reply.status
                        )));
                    };
                    let dropped = labels
                        .iter()
                        .any(|w| !issue.labels.iter().any(|l| l.eq_ignore_ascii_case(w)));
                    if dropped {
                        return Err(Error::Permission(format!(
                            "GitHub created the report issue #{} in {} but dropped its labels (the token may create issues but not label them); give the token `issues: write` and add the labels {} to #{} by hand, or the next run cannot find it",
                            issue.number,
                            self.full_name(),
                            labels.join(", "),
                            issue.number
                        )));
                    }
                    return Ok(ReportIssue {
                        number: issue.number,
                        url: issue.html_url,
                        outcome: ReportIssueOutcome::Created,
                    });
                }
                Err(f @ Failure::Ambiguous(_)) => {
                    progress.note(&format!(
                        "creating the report issue: {}; looking whether GitHub made it",
                        f.describe()
                    ));
                    tokio::time::sleep(self.http.pacing.capped(SETTLE)).await;
                    if let Some(found) = self.find_report_issue(spec, progress).await? {
                        return Ok(ReportIssue {
                            number: found.number,
                            url: found.html_url,
                            outcome: ReportIssueOutcome::Created,
                        });
                    }
                }
                Err(f) => return Err(self.error("create the report issue", &f)),
            }
        }
        Err(Error::GitHub(format!(
            "no clear answer from GitHub after {CREATE_TRIES} tries to create the report issue; run pmtrack again (it finds the issue by its marker before creating one)"
        )))
    }

    /// The report issue among the issues with the spec's finding label,
    /// found by its marker and chosen by the spec.
    async fn find_report_issue(
        &mut self,
        spec: &ReportIssueSpec<'_>,
        progress: &dyn Progress,
    ) -> Result<Option<Issue>> {
        let label = spec.labels.get(spec.find_label).map_or("", String::as_str);
        let first = format!(
            "{}/issues?state=all&labels={}&per_page=100&sort=created&direction=asc",
            self.repo_path(),
            encode_query(label)
        );
        let found: Vec<Issue> = self
            .issue_pages(first, progress)
            .await?
            .into_iter()
            .map(WireIssue::into_issue)
            .filter(|i| i.body.contains(spec.marker))
            .collect();
        Ok((spec.pick)(&found).cloned())
    }
}
