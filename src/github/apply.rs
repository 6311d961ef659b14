//! Applying a plan's changes: one request at a time, in spending order,
//! paced; a create never twice (looked for by its marker after an
//! ambiguous failure, and through the journal of a killed run).

use super::http::{encode_query, next_link, Failure, Reply, RequestKind};
use super::wire::{WireComment, WireIssue};
use super::*;
use crate::error::{Error, Result};
use crate::model::{CloseReason, Issue, TaskKey};
use crate::plan::{Change, IssueFields, LabelSpec, MilestoneSpec};
use ::http::Method;
use serde_json::{json, Value};
use std::collections::HashMap;

impl GitHub {
    /// Applies `changes` one request at a time, in [`spending_order`].
    /// Labels used but not known to exist are created first (from
    /// `labels`), milestones named by changes are found or created.
    ///
    /// With a write budget ([`Connection::max_writes`]) a change is started
    /// only when the writes it needs ([`writes_for`]) fit in what is left;
    /// from the first one that does not, the changes that need writes are
    /// deferred whole (counted in [`ApplyResult::deferred`], nothing of them
    /// sent) for the next run. A change once started is finished, so a retry
    /// inside it may take a write or two past the budget.
    ///
    /// Per-change failures are reported in the result; a rejected token or
    /// missing permission stops everything with an [`Error::Permission`].
    /// [`ApplyResult::applied`] is in plan order.
    pub async fn apply(
        &mut self,
        changes: &[Change],
        labels: &[LabelSpec],
        progress: &dyn Progress,
    ) -> Result<ApplyResult> {
        let mut report = ApplyResult::default();
        let writes0 = self.http.writes;
        let order = spending_order(changes);
        // The changes the budget lets this run start: only their labels,
        // milestones and keys are looked after now.
        let mut left = self.budget_left();
        let mut chosen: Vec<&Change> = Vec::new();
        for &i in &order {
            let need = writes_for(&changes[i]);
            if let Some(l) = left.as_mut() {
                if need > *l {
                    break;
                }
                *l -= need;
            }
            chosen.push(&changes[i]);
        }
        self.ensure_labels(&chosen, labels, progress, &mut report)
            .await?;
        let milestones = self
            .ensure_milestones(&chosen, progress, &mut report)
            .await?;
        let adopted = self.found_before_creating(&chosen, progress).await?;
        let total = changes.len();
        let mut done: Vec<(usize, Applied)> = Vec::with_capacity(total);
        let mut spent = false;
        for (pos, &i) in order.iter().enumerate() {
            let change = &changes[i];
            if self.stop.load(std::sync::atomic::Ordering::SeqCst) {
                report.not_applied = total - pos;
                break;
            }
            let need = match change {
                Change::Create { key, .. } if adopted.contains_key(key) => 0,
                _ => writes_for(change),
            };
            // Once a change does not fit, no later one that writes starts
            // (the order stays the order), but those that need no write
            // still count.
            spent = spent || self.budget_left().is_some_and(|l| need > l);
            if spent && need > 0 {
                report.deferred += 1;
                report.remaining_writes += need;
                continue;
            }
            let applied = match change {
                Change::Create { key, .. } if adopted.contains_key(key) => {
                    let n = adopted[key];
                    progress.note(&format!(
                        "#{n} already tracks {key} (made since this run listed the issues, by another run or one that was killed); not creating it again"
                    ));
                    Applied {
                        key: key.clone(),
                        number: Some(n),
                        url: self.issues.get(&n).map(|i| i.html_url.clone()),
                        outcome: ApplyOutcome::Unchanged,
                    }
                }
                _ => self.apply_one(change, &milestones, progress).await?,
            };
            let title = applied
                .number
                .and_then(|n| self.issues.get(&n))
                .map(|i| i.title.as_str());
            let line = describe_applied(change, &applied, title);
            progress.step(pos + 1, total, &applied, &line);
            if let (Change::Create { key, .. }, Some(n)) = (change, applied.number) {
                if matches!(
                    applied.outcome,
                    ApplyOutcome::Created | ApplyOutcome::Unchanged
                ) {
                    report.created.insert(key.clone(), n);
                }
            }
            done.push((i, applied));
        }
        done.sort_by_key(|(i, _)| *i);
        report.applied = done.into_iter().map(|(_, a)| a).collect();
        report.writes = self.http.writes - writes0;
        report.issues = self.issues.clone();
        Ok(report)
    }

    pub(super) async fn apply_one(
        &mut self,
        change: &Change,
        milestones: &HashMap<String, u64>,
        progress: &dyn Progress,
    ) -> Result<Applied> {
        let milestone_no = |m: &Option<MilestoneSpec>| {
            m.as_ref()
                .and_then(|m| milestones.get(&m.title.to_lowercase()).copied())
        };
        let (key, number, outcome) = match change {
            Change::Create { key, fields, .. } => {
                let m = milestone_no(&fields.milestone);
                match self.create(key, fields, m, progress).await? {
                    Ok(issue) => (key, Some(issue), ApplyOutcome::Created),
                    Err(why) => (key, None, ApplyOutcome::Failed(why)),
                }
            }
            Change::Update {
                key,
                number,
                title,
                body,
                labels,
                assignees,
                milestone,
                ..
            } => {
                let mut patch = serde_json::Map::new();
                if let Some(t) = title {
                    patch.insert("title".into(), json!(t));
                }
                if let Some(b) = body {
                    patch.insert("body".into(), json!(b));
                }
                if let Some(l) = labels {
                    patch.insert("labels".into(), json!(l));
                }
                if let Some(a) = assignees {
                    patch.insert("assignees".into(), json!(a));
                }
                if let Some(m) = milestone_no(milestone) {
                    patch.insert("milestone".into(), json!(m));
                }
                let out = self.patch(*number, Value::Object(patch), progress).await?;
                (key, Some(*number), outcome_of(out, ApplyOutcome::Updated))
            }
            Change::Close {
                key,
                number,
                reason,
                comment,
                body,
            } => {
                let mut out = Ok(());
                if let Some(c) = comment {
                    out = self.comment_once(*number, c, progress).await?;
                }
                if out.is_ok() {
                    let reason = match reason {
                        CloseReason::NotPlanned => "not_planned",
                        CloseReason::Duplicate => "duplicate",
                        _ => "completed",
                    };
                    let mut patch = json!({"state": "closed", "state_reason": reason});
                    if let Some(b) = body {
                        patch["body"] = json!(b);
                    }
                    out = self.patch(*number, patch, progress).await?;
                }
                (key, Some(*number), outcome_of(out, ApplyOutcome::Closed))
            }
            Change::Reopen { key, number, body } => {
                let mut patch = json!({"state": "open"});
                if let Some(b) = body {
                    patch["body"] = json!(b);
                }
                let out = self.patch(*number, patch, progress).await?;
                (key, Some(*number), outcome_of(out, ApplyOutcome::Reopened))
            }
            Change::Comment { key, number, body } => {
                let out = self.comment_once(*number, body, progress).await?;
                (key, Some(*number), outcome_of(out, ApplyOutcome::Commented))
            }
            Change::Noop { key, number } => (key, Some(*number), ApplyOutcome::Unchanged),
        };
        let url = number
            .and_then(|n| self.issues.get(&n))
            .map(|i| i.html_url.clone());
        Ok(Applied {
            key: key.clone(),
            number,
            url,
            outcome,
        })
    }

    /// Remembers an issue GitHub sent back.
    pub(super) fn remember(&mut self, reply: &Reply) -> Option<Issue> {
        let w: WireIssue = serde_json::from_str(&reply.body).ok()?;
        self.comment_counts.insert(w.number, w.comments);
        let issue = w.into_issue();
        self.issues.insert(issue.number, issue.clone());
        Some(issue)
    }

    /// Opens the issue for `key`; `Ok(Err(why))` when this change failed,
    /// `Err` when the whole sync must stop. Never creates a second issue for
    /// a key: after an ambiguous failure it looks for the first one.
    pub(super) async fn create(
        &mut self,
        key: &TaskKey,
        fields: &IssueFields,
        milestone: Option<u64>,
        progress: &dyn Progress,
    ) -> Result<std::result::Result<u64, String>> {
        // In the journal until GitHub's answer is in hand: a kill in between
        // leaves the key for the next run to look up before creating.
        if let Some(j) = &mut self.journal {
            j.begin(key, chrono::Utc::now());
        }
        let out = self.create_once(key, fields, milestone, progress).await;
        if let (Some(j), Ok(Ok(_))) = (&mut self.journal, &out) {
            j.end(key);
        }
        out
    }

    /// [`GitHub::create`] without the journal.
    pub(super) async fn create_once(
        &mut self,
        key: &TaskKey,
        fields: &IssueFields,
        milestone: Option<u64>,
        progress: &dyn Progress,
    ) -> Result<std::result::Result<u64, String>> {
        let mut body = json!({
            "title": fields.title,
            "body": fields.body,
            "labels": fields.labels,
        });
        if !fields.assignees.is_empty() {
            body["assignees"] = json!(fields.assignees);
        }
        if let Some(m) = milestone {
            body["milestone"] = json!(m);
        }
        let url = format!("{}/issues", self.repo_path());
        let note = |l: &str| progress.note(l);
        for _ in 0..CREATE_TRIES {
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
                Ok(reply) => {
                    let Some(issue) = self.remember(&reply) else {
                        return Ok(Err(format!(
                            "GitHub created the issue but sent back something unreadable; the next run finds it by its marker ({})",
                            reply.status
                        )));
                    };
                    self.check_labels_kept(&issue, &fields.labels)?;
                    return Ok(Ok(issue.number));
                }
                Err(f) if invalid_assignees(&f) && body.get("assignees").is_some() => {
                    progress.note(&format!(
                        "cannot assign {} on {} ({}); creating the issue unassigned (make them collaborators to assign them)",
                        fields.assignees.join(", "),
                        self.full_name(),
                        f.describe()
                    ));
                    if let Some(o) = body.as_object_mut() {
                        o.remove("assignees");
                    }
                }
                Err(f @ Failure::Ambiguous(_)) => {
                    progress.note(&format!(
                        "creating the issue for {key}: {}; looking whether GitHub made it",
                        f.describe()
                    ));
                    // Give GitHub a moment: a just-made issue can lag in listings.
                    let settle = self.http.pacing.capped(SETTLE);
                    tokio::time::sleep(settle).await;
                    match self.find_created(key, progress).await {
                        Ok(Some(n)) => return Ok(Ok(n)),
                        Ok(None) => continue,
                        Err(e) => {
                            return Ok(Err(format!(
                                "the issue may or may not exist ({}), and looking for it failed ({e}); run pmtrack again: it finds the issue by its marker before creating one",
                                f.describe()
                            )))
                        }
                    }
                }
                Err(f) if Self::is_fatal(&f) || f.status() == Some(404) => {
                    return Err(self.error("create issues", &f))
                }
                Err(f) => return Ok(Err(f.describe())),
            }
        }
        Ok(Err(format!(
            "gave up after {CREATE_TRIES} tries without a clear answer from GitHub; run pmtrack again (it will not duplicate the issue)"
        )))
    }

    /// After an ambiguous create: list the managed issues updated since this
    /// run began and look for `key` in their markers.
    pub(super) async fn find_created(
        &mut self,
        key: &TaskKey,
        progress: &dyn Progress,
    ) -> Result<Option<u64>> {
        let issues = self.list_since(self.http.first_date, progress).await?;
        Ok(issues
            .iter()
            .find(|i| crate::plan::key_of(&i.body).as_ref() == Some(key))
            .map(|i| i.number))
    }

    /// Before the first create of a run: the issues that exist after all for
    /// keys about to be created, made since this run's listing by a
    /// concurrent run, or by a run killed with the create in flight (the
    /// journal; its in-flight window is waited out first). One listing of
    /// the issues updated since then; only issues this run did not list
    /// count.
    pub(super) async fn found_before_creating(
        &mut self,
        changes: &[&Change],
        progress: &dyn Progress,
    ) -> Result<HashMap<TaskKey, u64>> {
        let keys: std::collections::HashSet<&TaskKey> = changes
            .iter()
            .filter_map(|c| match c {
                Change::Create { key, .. } => Some(key),
                _ => None,
            })
            .collect();
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let left: Vec<journal::Entry> = self
            .journal
            .as_ref()
            .map(|j| j.left().to_vec())
            .unwrap_or_default();
        if let Some(newest) = left.iter().map(|e| e.at).max() {
            let until = newest + chrono::Duration::from_std(INFLIGHT_WINDOW).unwrap_or_default();
            if let Ok(wait) = (until - chrono::Utc::now()).to_std() {
                let wait = self.http.pacing.capped(wait);
                progress.note(&format!(
                    "waiting {}s for creates a killed run left in flight",
                    wait.as_secs_f64().ceil() as u64
                ));
                tokio::time::sleep(wait).await;
            }
        }
        let oldest = left.iter().map(|e| e.at).min();
        let since = match (self.http.first_date, oldest) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let listed: std::collections::HashSet<u64> = self.issues.keys().copied().collect();
        let mut fresh = self.list_since(since, progress).await?;
        if let Some(j) = &mut self.journal {
            j.settle_left();
        }
        fresh.sort_by_key(|i| (i.state != crate::model::IssueState::Open, i.number));
        let mut out = HashMap::new();
        for i in fresh.iter().filter(|i| !listed.contains(&i.number)) {
            if let Some(k) = crate::plan::key_of(&i.body).filter(|k| keys.contains(k)) {
                out.entry(k).or_insert(i.number);
            }
        }
        Ok(out)
    }

    /// The managed issues updated since `since` (less a margin for clock
    /// skew; all of them without `since`), remembered as seen.
    pub(super) async fn list_since(
        &mut self,
        since: Option<chrono::DateTime<chrono::Utc>>,
        progress: &dyn Progress,
    ) -> Result<Vec<Issue>> {
        let label = self.base_label.clone().unwrap_or_default();
        let mut url = format!(
            "{}/issues?state=all&labels={}&per_page=100&sort=created&direction=asc",
            self.repo_path(),
            encode_query(&label)
        );
        if let Some(start) = since {
            // `since` filters on updated_at; a margin covers clock skew.
            let since = start - chrono::Duration::minutes(10);
            url.push_str(&format!(
                "&since={}",
                encode_query(&since.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            ));
        }
        let mut found = Vec::new();
        for w in self.issue_pages(url, progress).await? {
            self.comment_counts.insert(w.number, w.comments);
            let issue = w.into_issue();
            found.push(issue.clone());
            self.issues.insert(issue.number, issue);
        }
        Ok(found)
    }

    /// A created issue must carry the base label, or no later listing finds
    /// it and every run would create it again. GitHub silently drops labels
    /// for tokens without triage/write access.
    pub(super) fn check_labels_kept(&self, issue: &Issue, sent: &[String]) -> Result<()> {
        let Some(base) = &self.base_label else {
            return Ok(());
        };
        let has = |labels: &[String]| labels.iter().any(|l| l.eq_ignore_ascii_case(base));
        if !has(sent) || has(&issue.labels) {
            return Ok(());
        }
        Err(Error::Permission(format!(
            "GitHub created issue #{} in {} but dropped its labels (the token may create issues but not label them); stopping so no run creates duplicates: give the token `issues: write` on {} and add the label `{base}` to #{} by hand ({})",
            issue.number,
            self.full_name(),
            self.full_name(),
            issue.number,
            issue.html_url
        )))
    }

    /// PATCHes issue `number`; unassignable assignees are dropped and the
    /// change tried again without them.
    pub(super) async fn patch(
        &mut self,
        number: u64,
        mut body: Value,
        progress: &dyn Progress,
    ) -> Result<std::result::Result<(), String>> {
        let url = format!("{}/issues/{number}", self.repo_path());
        let note = |l: &str| progress.note(l);
        for _ in 0..2 {
            let sent = self
                .http
                .request(
                    Method::PATCH,
                    &url,
                    Some(&body),
                    None,
                    RequestKind::IdempotentWrite,
                    &note,
                )
                .await;
            match sent {
                Ok(reply) => {
                    self.remember(&reply);
                    return Ok(Ok(()));
                }
                Err(f) if invalid_assignees(&f) && body.get("assignees").is_some() => {
                    progress.note(&format!(
                        "cannot assign {} on #{number} ({}); leaving its assignees as they are",
                        body["assignees"],
                        f.describe()
                    ));
                    if let Some(o) = body.as_object_mut() {
                        o.remove("assignees");
                        if o.is_empty() {
                            return Ok(Ok(()));
                        }
                    }
                }
                Err(f) if Self::is_fatal(&f) => return Err(self.error("edit issues", &f)),
                Err(f) if f.status() == Some(404) || f.status() == Some(410) => {
                    return Ok(Err(format!(
                        "issue #{number} is gone ({}): it was deleted or transferred; remove its marker or the item",
                        f.describe()
                    )))
                }
                Err(f) => return Ok(Err(f.describe())),
            }
        }
        Ok(Err(format!("issue #{number}: could not apply the change")))
    }

    /// Posts `text` on issue `number` unless an identical comment is already
    /// there (a previous run may have posted it and died before closing).
    pub(super) async fn comment_once(
        &mut self,
        number: u64,
        text: &str,
        progress: &dyn Progress,
    ) -> Result<std::result::Result<(), String>> {
        if self.comment_counts.get(&number).copied().unwrap_or(1) > 0
            && self.has_comment(number, text, progress).await?
        {
            return Ok(Ok(()));
        }
        let url = format!("{}/issues/{number}/comments", self.repo_path());
        let body = json!({ "body": text });
        let note = |l: &str| progress.note(l);
        for _ in 0..CREATE_TRIES {
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
                Ok(_) => {
                    *self.comment_counts.entry(number).or_insert(0) += 1;
                    return Ok(Ok(()));
                }
                Err(Failure::Ambiguous(_)) => {
                    if self.has_comment(number, text, progress).await? {
                        return Ok(Ok(()));
                    }
                }
                Err(f) if Self::is_fatal(&f) => return Err(self.error("comment on issues", &f)),
                Err(f) => return Ok(Err(f.describe())),
            }
        }
        Ok(Err(format!(
            "commenting on #{number}: no clear answer from GitHub after {CREATE_TRIES} tries; run pmtrack again"
        )))
    }

    /// Whether issue `number` has a comment whose text is `text`.
    pub(super) async fn has_comment(
        &mut self,
        number: u64,
        text: &str,
        progress: &dyn Progress,
    ) -> Result<bool> {
        let note = |l: &str| progress.note(l);
        let mut next = Some(format!(
            "{}/issues/{number}/comments?per_page=100",
            self.repo_path()
        ));
        let mut pages = 0;
        while let Some(u) = next.take() {
            pages += 1;
            if pages > MAX_PAGES {
                break;
            }
            let reply = match self
                .http
                .request(Method::GET, &u, None, None, RequestKind::Read, &note)
                .await
            {
                Ok(r) => r,
                Err(f) if Self::is_fatal(&f) => return Err(self.error("read comments", &f)),
                Err(_) => return Ok(false),
            };
            let comments: Vec<WireComment> = serde_json::from_str(&reply.body).unwrap_or_default();
            if comments
                .iter()
                .any(|c| c.body.as_deref().map(str::trim) == Some(text.trim()))
            {
                return Ok(true);
            }
            next = next_link(&reply.headers);
        }
        Ok(false)
    }
}

/// `Ok` → `done`, `Err(why)` → `Failed(why)`.
pub(super) fn outcome_of(r: std::result::Result<(), String>, done: ApplyOutcome) -> ApplyOutcome {
    match r {
        Ok(()) => done,
        Err(why) => ApplyOutcome::Failed(why),
    }
}

/// A 422 naming the `assignees` field.
pub(super) fn invalid_assignees(f: &Failure) -> bool {
    match f {
        Failure::Status {
            status: 422,
            errors,
            ..
        } => errors
            .iter()
            .any(|e| e["field"].as_str() == Some("assignees")),
        _ => false,
    }
}

/// One progress line: `created #12 postmortems/x.md:4 Rotate the keys`.
pub(super) fn describe_applied(change: &Change, a: &Applied, title: Option<&str>) -> String {
    let num = a.number.map(|n| format!("#{n}")).unwrap_or_default();
    let what = match &a.outcome {
        ApplyOutcome::Created => "created",
        ApplyOutcome::Updated => "updated",
        ApplyOutcome::Closed => "closed",
        ApplyOutcome::Reopened => "reopened",
        ApplyOutcome::Commented => "commented on",
        ApplyOutcome::Unchanged => "unchanged",
        ApplyOutcome::Failed(_) => "FAILED",
    };
    let at = match change {
        Change::Create { at, fields, .. } => format!("{at} {}", fields.title),
        Change::Update { at, .. } => format!("{at} {}", title.unwrap_or_default()),
        _ => title.map_or_else(|| a.key.to_string(), str::to_string),
    };
    match &a.outcome {
        ApplyOutcome::Failed(why) => format!("{what} {num} {at}: {why}"),
        _ => format!("{what} {num} {at}"),
    }
}
