//! EDGE: GitHub issues over REST (octocrab transport). Lists the issues
//! pmtrack manages in ONE paginated, conditional (`ETag`) listing, and
//! applies a plan's [`Change`]s serially, paced, and without ever creating
//! the same issue twice.
//!
//! Turns GitHub's JSON into [`model::Issue`](crate::model::Issue) and
//! [`Change`]s into requests; never decides *what* to change (that is
//! `plan`), never reads documents (never imports `parse`), never prints
//! (waits and problems go to a [`Progress`]). The token is only ever put in
//! a sensitive header (see `http.rs`).
//!
//! Identity: an issue belongs to a task when its body's hidden marker (see
//! [`crate::issue_text`]) carries the task's key. After an ambiguous failure
//! of a create (no answer, a dropped connection, a 5xx) the issue is looked
//! for by that marker before it is created again.

pub mod etag_cache;
mod http;
pub mod journal;
pub mod pacing;
mod referenced;
pub mod report_ops;
mod wire;

use self::http::{encode_query, next_link, Failure, Http, Kind, Reply};
use self::wire::{WireComment, WireIssue, WireRepoLabel};
use crate::error::{Error, Result};
use crate::model::{CloseReason, Issue, TaskKey};
use crate::plan::{Change, IssueFields, LabelSpec, MilestoneSpec};
use ::http::Method;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::Duration;

/// Tries of one create before giving up (each after looking for the issue).
const CREATE_TRIES: u32 = 3;

/// Pause before looking for an issue whose create got no clear answer.
const SETTLE: Duration = Duration::from_secs(2);

/// How long after a create was sent GitHub may still apply it: a run that
/// finds the journal of a killed one waits this long after its last entry.
const INFLIGHT_WINDOW: Duration = Duration::from_secs(10);

/// Pages followed in one listing before assuming a `Link` loop.
const MAX_PAGES: usize = 100_000;

/// A secret that never shows in `Debug` or `Display`.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    /// Wraps a token.
    pub fn new(token: impl Into<String>) -> Token {
        Token(token.into())
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(***)")
    }
}

/// How to reach GitHub and how gently.
#[derive(Debug, Clone)]
pub struct Options {
    /// REST base URL: `https://api.github.com`, `https://HOST/api/v3`.
    pub api_url: String,
    /// Repository owner.
    pub owner: String,
    /// Repository name.
    pub repo: String,
    /// The token; `None` only for read-only use against public data.
    pub token: Option<Token>,
    /// Least time between two writes (GitHub asks for 1 s).
    pub write_interval: Duration,
    /// Cap on any single wait (rate limits, backoff); `None` = no cap.
    pub max_wait: Option<Duration>,
    /// Items per listing page (1..=100).
    pub per_page: u8,
    /// The ETag cache file; `None` = no cache.
    pub etag_cache: Option<PathBuf>,
    /// TCP connect timeout.
    pub connect_timeout: Duration,
    /// Read/write timeout of one exchange.
    pub read_timeout: Duration,
    /// Most write requests [`GitHub::apply`] may send (the write budget);
    /// `None` = no budget.
    pub max_writes: Option<u64>,
}

impl Options {
    /// Options with pmtrack's defaults for `api_url` and `owner/repo`.
    pub fn new(api_url: &str, owner: &str, repo: &str, token: Option<Token>) -> Options {
        Options {
            api_url: api_url.to_string(),
            owner: owner.to_string(),
            repo: repo.to_string(),
            token,
            write_interval: Duration::from_secs(1),
            max_wait: None,
            per_page: 100,
            etag_cache: None,
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            max_writes: None,
        }
    }
}

/// Where waits, notes and per-change progress go.
pub trait Progress {
    /// A line about a wait or a problem that does not stop the sync.
    fn note(&self, line: &str);
    /// Change `done` of `total` is finished: `applied` is its result and
    /// `line` says it in words (`created #12 postmortems/x.md:4 Rotate keys`).
    fn step(&self, done: usize, total: usize, applied: &Applied, line: &str);
    /// The run's requests are over: a progress bar, if any, goes.
    fn finish(&self) {}
}

/// A [`Progress`] that drops everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Progress for Silent {
    fn note(&self, _line: &str) {}
    fn step(&self, _done: usize, _total: usize, _applied: &Applied, _line: &str) {}
}

/// The managed issues, and what listing them cost.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// Every issue (open and closed) with the base label, oldest first.
    pub issues: Vec<Issue>,
    /// HTTP requests made.
    pub requests: u64,
    /// Rate-limit points spent (304s are free).
    pub points_spent: u64,
    /// Pages read.
    pub pages: usize,
    /// Pages answered `304 Not Modified` (reused from the cache).
    pub not_modified: usize,
}

/// What happened to one change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplyOutcome {
    /// A new issue was opened.
    Created,
    /// Fields of the issue were changed.
    Updated,
    /// The issue was closed.
    Closed,
    /// The issue was reopened.
    Reopened,
    /// A comment was posted.
    Commented,
    /// Nothing needed doing.
    Unchanged,
    /// It failed; GitHub's words and what to do.
    Failed(String),
}

/// One change's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// The task.
    pub key: TaskKey,
    /// The issue, when there is one.
    pub number: Option<u64>,
    /// Its web URL.
    pub url: Option<String>,
    /// What happened.
    pub outcome: ApplyOutcome,
}

/// Everything `apply` did.
#[derive(Debug, Clone, Default)]
pub struct ApplyReport {
    /// One entry per change, in plan order.
    pub applied: Vec<Applied>,
    /// The state of every known managed issue afterwards, by number.
    pub issues: BTreeMap<u64, Issue>,
    /// Labels created.
    pub labels_created: Vec<String>,
    /// Milestones created.
    pub milestones_created: Vec<String>,
    /// Changes left out because the run was asked to stop (a signal).
    pub not_applied: usize,
    /// Changes left for the next run because the write budget was spent
    /// (nothing of them was sent).
    pub deferred: usize,
    /// The writes those changes need (see [`writes_for`]).
    pub remaining_writes: u64,
    /// Write requests sent (retries included).
    pub writes: u64,
}

/// A connection to one repository's issues.
pub struct GitHub {
    http: Http,
    owner: String,
    repo: String,
    api_url: String,
    per_page: u8,
    cache_path: Option<PathBuf>,
    base_label: Option<String>,
    /// Creates in flight, beside the ETag cache (none without a cache).
    journal: Option<journal::Journal>,
    /// Set (by a signal) to stop before the next change; the request in
    /// flight is finished first.
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// The write budget ([`Options::max_writes`]).
    max_writes: Option<u64>,
    issues: BTreeMap<u64, Issue>,
    comment_counts: HashMap<u64, u64>,
}

impl std::fmt::Debug for GitHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHub")
            .field("repo", &self.full_name())
            .field("http", &self.http)
            .finish()
    }
}

impl GitHub {
    /// A client. Must be called inside a tokio runtime (octocrab spawns its
    /// worker). Fails on an unusable API URL or token text.
    pub fn new(opts: Options) -> Result<GitHub> {
        let pacing = pacing::Pacing::new(opts.write_interval, opts.max_wait);
        let token = opts.token.as_ref().map(|t| t.0.as_str());
        let http = Http::new(
            &opts.api_url,
            token,
            pacing,
            (opts.connect_timeout, opts.read_timeout),
        )?;
        Ok(GitHub {
            http,
            owner: opts.owner,
            repo: opts.repo,
            api_url: opts.api_url.trim_end_matches('/').to_string(),
            per_page: opts.per_page.clamp(1, 100),
            journal: opts.etag_cache.as_deref().map(journal::Journal::beside),
            stop: std::sync::Arc::default(),
            max_writes: opts.max_writes,
            cache_path: opts.etag_cache,
            base_label: None,
            issues: BTreeMap::new(),
            comment_counts: HashMap::new(),
        })
    }

    fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.repo)
    }

    fn repo_path(&self) -> String {
        format!("/repos/{}/{}", self.owner, self.repo)
    }

    /// The flag that stops [`GitHub::apply`] before its next change (the
    /// request in flight is finished, so nothing is left half-known).
    pub fn stop_flag(&self) -> std::sync::Arc<std::sync::atomic::AtomicBool> {
        self.stop.clone()
    }

    /// Requests made so far.
    pub fn requests(&self) -> u64 {
        self.http.requests
    }

    /// Rate-limit points spent so far (estimated: every answer but 304s and
    /// limit refusals, and every request that got no answer).
    pub fn points_spent(&self) -> u64 {
        self.http.points
    }

    /// Write requests sent so far (retries included).
    pub fn writes(&self) -> u64 {
        self.http.writes
    }

    /// Writes the budget still allows (`None`: no budget).
    fn budget_left(&self) -> Option<u64> {
        self.max_writes.map(|m| m.saturating_sub(self.http.writes))
    }

    /// Turns a failed request into the error the user must act on.
    fn error(&self, what: &str, f: &Failure) -> Error {
        let repo = self.full_name();
        let said = f.describe();
        match f.status() {
            Some(401) => Error::Permission(format!(
                "GitHub rejected the token ({said}): set GITHUB_TOKEN (or GH_TOKEN) to a valid, unexpired token with `issues: write` on {repo}"
            )),
            Some(403) => Error::Permission(format!(
                "GitHub refused to {what} ({said}): the token needs `issues: write` on {repo} (in GitHub Actions: `permissions: issues: write` on the job; for a fine-grained token: Repository permissions → Issues → Read and write)"
            )),
            Some(404) => Error::Permission(format!(
                "repository {repo} not found, or the token cannot see it ({said}): check --repo (or `repo:` in .pmtrack.yml) and give the token access to {repo}"
            )),
            Some(410) => Error::GitHub(format!(
                "cannot {what}: issues are disabled on {repo} ({said}); enable Issues in the repository's settings"
            )),
            _ => Error::GitHub(format!("cannot {what} in {repo}: {said}")),
        }
    }

    /// Whether a failure stops the whole sync (bad token, missing permission).
    fn is_fatal(f: &Failure) -> bool {
        matches!(f.status(), Some(401 | 403))
    }

    /// Every issue (open and closed) carrying `base_label`: one paginated,
    /// conditional listing, oldest first, pull requests left out. Pages that
    /// did not change since the last run come back `304` and are read from
    /// the ETag cache for free.
    pub async fn list_managed(
        &mut self,
        base_label: &str,
        progress: &dyn Progress,
    ) -> Result<Listing> {
        let (req0, pts0) = (self.http.requests, self.http.points);
        self.base_label = Some(base_label.to_string());
        let scope = format!(
            "{} {} labels={} per_page={}",
            self.api_url,
            self.full_name(),
            base_label,
            self.per_page
        );
        let mut cache = match &self.cache_path {
            Some(p) => {
                let (c, warning) = etag_cache::load(p, &scope);
                if let Some(w) = warning {
                    progress.note(&w);
                }
                c
            }
            None => etag_cache::EtagCache::empty(&scope),
        };
        let mut fresh = etag_cache::EtagCache::empty(&scope);
        let first = format!(
            "{}/issues?state=all&labels={}&per_page={}&sort=created&direction=asc",
            self.repo_path(),
            encode_query(base_label),
            self.per_page
        );
        let what = format!("the issue listing of {}", self.full_name());
        let walk = self
            .walk_conditional(
                first,
                (&mut cache, &mut fresh),
                usize::from(self.per_page),
                &what,
                Self::page_from,
                progress,
            )
            .await?
            .map_err(|f| self.error("list issues", &f))?;
        let mut listing = Listing {
            pages: walk.pages,
            not_modified: walk.not_modified,
            ..Listing::default()
        };
        for u in &walk.order {
            let items = &fresh.pages[u].items;
            for issue in items {
                self.issues.insert(issue.number, issue.clone());
            }
            listing.issues.extend(items.iter().cloned());
        }
        if let Some(p) = &self.cache_path {
            if let Some(w) = etag_cache::save(p, &fresh) {
                progress.note(&w);
            }
        }
        listing.requests = self.http.requests - req0;
        listing.points_spent = self.http.points - pts0;
        Ok(listing)
    }

    /// One conditional walk of a paginated listing from `first`: each page
    /// is asked for with `If-None-Match: <its ETag in caches.0>` (the last
    /// run's cache; pages are taken out as used); a `304` reuses the cached
    /// page for free, a `200` is read by `read` (its items and how many
    /// GitHub sent). Every page read goes into `caches.1`, the cache to save.
    /// A full last page (`per_page` items, no next) is followed by a look
    /// at the page after it, so a repeat, whose 304s carry no `Link`, can
    /// ask for that one for free too. `Ok(Err(_))` is a request that
    /// failed, for the caller to word.
    async fn walk_conditional<T>(
        &mut self,
        first: String,
        caches: (&mut etag_cache::EtagCache<T>, &mut etag_cache::EtagCache<T>),
        per_page: usize,
        what: &str,
        read: ReadPage<T>,
        progress: &dyn Progress,
    ) -> Result<std::result::Result<Walk, Failure>> {
        let (old, fresh) = caches;
        let mut walk = Walk::default();
        let note = |l: &str| progress.note(l);
        let mut url = Some(first);
        while let Some(u) = url.take() {
            if walk.pages >= MAX_PAGES || fresh.pages.contains_key(&u) {
                return Err(Error::GitHub(format!(
                    "{what} does not end (page {u} again); run again later"
                )));
            }
            let cached = old.pages.remove(&u);
            let etag = cached.as_ref().map(|c| c.etag.as_str());
            let reply = match self
                .http
                .request(Method::GET, &u, None, etag, Kind::Read, &note)
                .await
            {
                Ok(r) => r,
                Err(f) => return Ok(Err(f)),
            };
            walk.pages += 1;
            let page = match (reply.status, cached) {
                (304, Some(mut c)) => {
                    walk.not_modified += 1;
                    if reply.headers.contains_key("link") {
                        c.next = next_link(&reply.headers);
                    } else if c.next.is_none() && c.raw_len >= per_page {
                        // A full last page may have grown a successor that
                        // its unchanged body cannot tell: look.
                        c.next = Some(following_page(&u));
                    }
                    c
                }
                (304, None) => {
                    return Err(Error::GitHub(format!(
                        "GitHub answered 304 Not Modified for {u} without an ETag sent; delete the ETag cache file and run again"
                    )))
                }
                _ => {
                    let (items, raw_len) = read(self, &u, &reply)?;
                    let etag = reply
                        .headers
                        .get("etag")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    let mut next = next_link(&reply.headers);
                    if next.is_none() && raw_len >= per_page {
                        // A full last page: look at the (empty) page after it
                        // now, while this run spends points anyway, so its
                        // ETag is cached and a later repeat that cannot tell
                        // from a 304 whether a page was added asks for free.
                        next = Some(following_page(&u));
                    }
                    etag_cache::CachedPage {
                        etag,
                        next,
                        raw_len,
                        items,
                    }
                }
            };
            url = page.next.clone();
            walk.order.push(u.clone());
            fresh.pages.insert(u, page);
        }
        Ok(Ok(walk))
    }

    /// A fresh (200) listing page: its issues (pull requests left out) and
    /// how many items GitHub sent.
    fn page_from(&mut self, url: &str, reply: &Reply) -> Result<(Vec<Issue>, usize)> {
        let raw: Vec<WireIssue> = serde_json::from_str(&reply.body).map_err(|e| {
            Error::GitHub(format!(
                "the issue listing at {url} is not the JSON GitHub sends ({e}); check the API URL"
            ))
        })?;
        let raw_len = raw.len();
        let items = raw
            .into_iter()
            .filter(|w| !w.is_pull_request())
            .map(|w| {
                self.comment_counts.insert(w.number, w.comments);
                w.into_issue()
            })
            .collect();
        Ok((items, raw_len))
    }

    /// A fresh (200) page of the assignable users: their logins (lower
    /// case) and how many GitHub sent. An unreadable page counts as empty.
    fn logins_from(&mut self, _url: &str, reply: &Reply) -> Result<(Vec<String>, usize)> {
        let users: Vec<Value> = serde_json::from_str(&reply.body).unwrap_or_default();
        let logins = users
            .iter()
            .filter_map(|u| u["login"].as_str())
            .map(str::to_ascii_lowercase)
            .collect();
        Ok((logins, users.len()))
    }

    /// Applies `changes` one request at a time, in [`spending_order`].
    /// Labels used but not known to exist are created first (from
    /// `labels`), milestones named by changes are found or created.
    ///
    /// With a write budget ([`Options::max_writes`]) a change is started
    /// only when the writes it needs ([`writes_for`]) fit in what is left;
    /// from the first one that does not, the changes that need writes are
    /// deferred whole (counted in [`ApplyReport::deferred`], nothing of them
    /// sent) for the next run. A change once started is finished, so a retry
    /// inside it may take a write or two past the budget.
    ///
    /// Per-change failures are reported in the result; a rejected token or
    /// missing permission stops everything with an [`Error::Permission`].
    /// [`ApplyReport::applied`] is in plan order.
    pub async fn apply(
        &mut self,
        changes: &[Change],
        labels: &[LabelSpec],
        progress: &dyn Progress,
    ) -> Result<ApplyReport> {
        let mut report = ApplyReport::default();
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
            done.push((i, applied));
        }
        done.sort_by_key(|(i, _)| *i);
        report.applied = done.into_iter().map(|(_, a)| a).collect();
        report.writes = self.http.writes - writes0;
        report.issues = self.issues.clone();
        Ok(report)
    }

    async fn apply_one(
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
    fn remember(&mut self, reply: &Reply) -> Option<Issue> {
        let w: WireIssue = serde_json::from_str(&reply.body).ok()?;
        self.comment_counts.insert(w.number, w.comments);
        let issue = w.into_issue();
        self.issues.insert(issue.number, issue.clone());
        Some(issue)
    }

    /// Opens the issue for `key`; `Ok(Err(why))` when this change failed,
    /// `Err` when the whole sync must stop. Never creates a second issue for
    /// a key: after an ambiguous failure it looks for the first one.
    async fn create(
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
    async fn create_once(
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
                .request(Method::POST, &url, Some(&body), None, Kind::Create, &note)
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
    async fn find_created(
        &mut self,
        key: &TaskKey,
        progress: &dyn Progress,
    ) -> Result<Option<u64>> {
        let issues = self.list_since(self.http.first_date, progress).await?;
        Ok(issues
            .iter()
            .find(|i| marker_key(&i.body).as_ref() == Some(key))
            .map(|i| i.number))
    }

    /// Before the first create of a run: the issues that exist after all for
    /// keys about to be created, made since this run's listing by a
    /// concurrent run, or by a run killed with the create in flight (the
    /// journal; its in-flight window is waited out first). One listing of
    /// the issues updated since then; only issues this run did not list
    /// count.
    async fn found_before_creating(
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
            if let Some(k) = marker_key(&i.body).filter(|k| keys.contains(k)) {
                out.entry(k).or_insert(i.number);
            }
        }
        Ok(out)
    }

    /// The managed issues updated since `since` (less a margin for clock
    /// skew; all of them without `since`), remembered as seen.
    async fn list_since(
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
        let note = |l: &str| progress.note(l);
        let mut found = Vec::new();
        let mut next = Some(url);
        let mut pages = 0;
        while let Some(u) = next.take() {
            pages += 1;
            if pages > MAX_PAGES {
                break;
            }
            let reply = self
                .http
                .request(Method::GET, &u, None, None, Kind::Read, &note)
                .await
                .map_err(|f| self.error("list issues", &f))?;
            let raw: Vec<WireIssue> = serde_json::from_str(&reply.body)
                .map_err(|e| Error::GitHub(format!("unreadable issue listing at {u}: {e}")))?;
            for w in raw.into_iter().filter(|w| !w.is_pull_request()) {
                self.comment_counts.insert(w.number, w.comments);
                let issue = w.into_issue();
                found.push(issue.clone());
                self.issues.insert(issue.number, issue);
            }
            next = next_link(&reply.headers);
        }
        Ok(found)
    }

    /// A created issue must carry the base label, or no later listing finds
    /// it and every run would create it again. GitHub silently drops labels
    /// for tokens without triage/write access.
    fn check_labels_kept(&self, issue: &Issue, sent: &[String]) -> Result<()> {
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
    async fn patch(
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
                    Kind::IdempotentWrite,
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
    async fn comment_once(
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
                .request(Method::POST, &url, Some(&body), None, Kind::Create, &note)
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
    async fn has_comment(
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
                .request(Method::GET, &u, None, None, Kind::Read, &note)
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

    /// Creates the labels changes use that are not known to exist, with
    /// their colour and description. The repository's labels are listed only
    /// when some label is not already seen on a managed issue, so a no-op
    /// sync makes no such call.
    async fn ensure_labels(
        &mut self,
        changes: &[&Change],
        specs: &[LabelSpec],
        progress: &dyn Progress,
        report: &mut ApplyReport,
    ) -> Result<()> {
        let mut used = BTreeSet::new();
        for c in changes {
            let names = match c {
                Change::Create { fields, .. } => Some(&fields.labels),
                Change::Update { labels, .. } => labels.as_ref(),
                _ => None,
            };
            used.extend(names.into_iter().flatten().map(|l| l.to_lowercase()));
        }
        for i in self.issues.values() {
            for l in &i.labels {
                used.remove(&l.to_lowercase());
            }
        }
        if used.is_empty() {
            return Ok(());
        }
        let first = format!("{}/labels?per_page=100", self.repo_path());
        let existing: BTreeSet<String> = match self.get_all::<WireRepoLabel>(first, progress).await
        {
            Ok(labels) => labels.into_iter().map(|l| l.name.to_lowercase()).collect(),
            Err(f) if Self::is_fatal(&f) => return Err(self.error("list labels", &f)),
            Err(f) => {
                progress.note(&format!(
                    "cannot list the labels of {} ({}); GitHub creates missing ones without colour",
                    self.full_name(),
                    f.describe()
                ));
                return Ok(());
            }
        };
        let note = |l: &str| progress.note(l);
        let url = format!("{}/labels", self.repo_path());
        for name in used.iter().filter(|n| !existing.contains(*n)) {
            let Some(spec) = specs.iter().find(|s| s.name.to_lowercase() == *name) else {
                continue;
            };
            if self.budget_left() == Some(0) {
                // No change can be made this run either.
                break;
            }
            let body = json!({
                "name": spec.name,
                "color": spec.color.trim_start_matches('#'),
                "description": spec.description,
            });
            match self
                .http
                .request(Method::POST, &url, Some(&body), None, Kind::Create, &note)
                .await
            {
                Ok(_) => report.labels_created.push(spec.name.clone()),
                // Already there (a concurrent run, or it was made after all).
                Err(f) if f.status() == Some(422) && f.describe().contains("already_exists") => {}
                Err(f) if Self::is_fatal(&f) => return Err(self.error("create labels", &f)),
                Err(f) => progress.note(&format!(
                    "cannot create label `{}` ({}); GitHub creates it without colour when an issue uses it",
                    spec.name,
                    f.describe()
                )),
            }
        }
        Ok(())
    }

    /// Finds (and creates when missing) the milestones changes name; maps
    /// lower-case title → number. Lists milestones only when some change
    /// names one.
    async fn ensure_milestones(
        &mut self,
        changes: &[&Change],
        progress: &dyn Progress,
        report: &mut ApplyReport,
    ) -> Result<HashMap<String, u64>> {
        let mut wanted: BTreeMap<String, &MilestoneSpec> = BTreeMap::new();
        for c in changes {
            let m = match c {
                Change::Create { fields, .. } => fields.milestone.as_ref(),
                Change::Update { milestone, .. } => milestone.as_ref(),
                _ => None,
            };
            if let Some(m) = m {
                wanted.entry(m.title.to_lowercase()).or_insert(m);
            }
        }
        let mut map = HashMap::new();
        if wanted.is_empty() {
            return Ok(map);
        }
        self.list_milestones(&mut map, progress).await?;
        let url = format!("{}/milestones", self.repo_path());
        let note = |l: &str| progress.note(l);
        for (lower, spec) in wanted {
            if map.contains_key(&lower) {
                continue;
            }
            if self.budget_left() == Some(0) {
                // No change can be made this run either.
                break;
            }
            let mut body = json!({ "title": spec.title });
            if let Some(d) = spec.due_on {
                // GitHub keeps only the date in US Pacific time: noon UTC is
                // the same calendar day there.
                body["due_on"] = json!(format!("{d}T12:00:00Z"));
            }
            match self
                .http
                .request(Method::POST, &url, Some(&body), None, Kind::Create, &note)
                .await
            {
                Ok(reply) => {
                    let number = serde_json::from_str::<Value>(&reply.body)
                        .ok()
                        .and_then(|v| v["number"].as_u64());
                    if let Some(n) = number {
                        map.insert(lower, n);
                        report.milestones_created.push(spec.title.clone());
                    }
                }
                Err(f) if Self::is_fatal(&f) => return Err(self.error("create milestones", &f)),
                Err(f) => {
                    // Perhaps it exists after all (a retry, a concurrent run).
                    self.list_milestones(&mut map, progress).await?;
                    if !map.contains_key(&lower) {
                        progress.note(&format!(
                            "cannot create milestone `{}` ({}); its issues get none this time",
                            spec.title,
                            f.describe()
                        ));
                    }
                }
            }
        }
        Ok(map)
    }

    async fn list_milestones(
        &mut self,
        map: &mut HashMap<String, u64>,
        progress: &dyn Progress,
    ) -> Result<()> {
        let first = format!("{}/milestones?state=all&per_page=100", self.repo_path());
        match self.get_all::<Value>(first, progress).await {
            Ok(items) => {
                for m in items {
                    if let (Some(t), Some(n)) = (m["title"].as_str(), m["number"].as_u64()) {
                        map.insert(t.to_lowercase(), n);
                    }
                }
            }
            Err(f) if Self::is_fatal(&f) => return Err(self.error("list milestones", &f)),
            Err(f) => progress.note(&format!(
                "cannot list the milestones of {} ({})",
                self.full_name(),
                f.describe()
            )),
        }
        Ok(())
    }

    /// The logins that can be assigned issues in the repository (lower
    /// case), or `None` when GitHub would not list them (then every owner is
    /// tried, and a refused one is dropped from that write).
    ///
    /// Conditional, like the issue listing: each page's ETag and logins are
    /// kept in a cache file beside the ETag cache
    /// (`<cache>.assignees.json`), so while nobody joins or leaves, a repeat
    /// (every run while an owner cannot be assigned) is all `304`s and
    /// costs no rate-limit point.
    pub async fn assignable(
        &mut self,
        progress: &dyn Progress,
    ) -> Result<Option<std::collections::HashSet<String>>> {
        let first = format!("{}/assignees?per_page=100", self.repo_path());
        let path = self
            .cache_path
            .as_deref()
            .map(|c| etag_cache::beside(c, "assignees"));
        let scope = format!("{} {} assignees", self.api_url, self.full_name());
        let mut old = match &path {
            Some(p) => {
                let (c, warning) = etag_cache::load::<String>(p, &scope);
                if let Some(w) = warning {
                    progress.note(&w);
                }
                c
            }
            None => etag_cache::EtagCache::empty(&scope),
        };
        let mut fresh = etag_cache::EtagCache::empty(&scope);
        let what = format!("the list of assignable users of {}", self.full_name());
        let walked = self
            .walk_conditional(
                first,
                (&mut old, &mut fresh),
                100,
                &what,
                Self::logins_from,
                progress,
            )
            .await;
        let cannot = |why: String| {
            progress.note(&format!(
                "cannot list who can be assigned in {} ({why}); trying every owner",
                self.full_name(),
            ));
        };
        match walked {
            Ok(Ok(_)) => {
                if let Some(p) = &path {
                    if let Some(w) = etag_cache::save(p, &fresh) {
                        progress.note(&w);
                    }
                }
                Ok(Some(
                    fresh.pages.into_values().flat_map(|p| p.items).collect(),
                ))
            }
            Ok(Err(f)) if Self::is_fatal(&f) => Err(self.error("list assignable users", &f)),
            Ok(Err(f)) => {
                cannot(f.describe());
                Ok(None)
            }
            Err(e) => {
                cannot(e.to_string());
                Ok(None)
            }
        }
    }

    /// Every item of a paginated GET, following `Link: rel="next"` (at most
    /// `MAX_PAGES` pages); an unreadable page counts as empty.
    async fn get_all<T: serde::de::DeserializeOwned>(
        &mut self,
        first: String,
        progress: &dyn Progress,
    ) -> std::result::Result<Vec<T>, Failure> {
        let note = |l: &str| progress.note(l);
        let mut items = Vec::new();
        let mut next = Some(first);
        let mut pages = 0;
        while let Some(u) = next.take() {
            pages += 1;
            if pages > MAX_PAGES {
                break;
            }
            let reply = self
                .http
                .request(Method::GET, &u, None, None, Kind::Read, &note)
                .await?;
            items.extend(serde_json::from_str::<Vec<T>>(&reply.body).unwrap_or_default());
            next = next_link(&reply.headers);
        }
        Ok(items)
    }
}

/// The writes a change needs when nothing goes wrong: none for a no-op, two
/// for a close with a comment, one otherwise. What the write budget
/// reserves before starting it.
pub fn writes_for(change: &Change) -> u64 {
    match change {
        Change::Noop { .. } => 0,
        Change::Close {
            comment: Some(_), ..
        } => 2,
        _ => 1,
    }
}

/// The order [`GitHub::apply`] spends writes in (indices into `changes`):
/// no-ops, then closes and reopens, then creates, then updates and
/// comments; plan order (document path, then line) within each. State
/// changes first, so a checked item's issue is closed and a report counts
/// what is done; then new items, which have no issue at all yet; edits of
/// issues that already track their item last, so a mass edit (a new body
/// template, a renamed label) never holds back new items.
pub fn spending_order(changes: &[Change]) -> Vec<usize> {
    let class = |c: &Change| match c {
        Change::Noop { .. } => 0,
        Change::Close { .. } | Change::Reopen { .. } => 1,
        Change::Create { .. } => 2,
        Change::Update { .. } | Change::Comment { .. } => 3,
    };
    let mut order: Vec<usize> = (0..changes.len()).collect();
    order.sort_by_key(|&i| class(&changes[i]));
    order
}

/// Reads a fresh (200) page of a listing: its items, and how many items
/// GitHub sent (a full page may have a successor).
type ReadPage<T> = fn(&mut GitHub, &str, &Reply) -> Result<(Vec<T>, usize)>;

/// What one [`GitHub::walk_conditional`] read.
#[derive(Debug, Default)]
struct Walk {
    /// The page URLs, in the order walked.
    order: Vec<String>,
    /// Pages asked for.
    pages: usize,
    /// Pages answered `304 Not Modified`.
    not_modified: usize,
}

/// `Ok` → `done`, `Err(why)` → `Failed(why)`.
fn outcome_of(r: std::result::Result<(), String>, done: ApplyOutcome) -> ApplyOutcome {
    match r {
        Ok(()) => done,
        Err(why) => ApplyOutcome::Failed(why),
    }
}

/// A 422 naming the `assignees` field.
fn invalid_assignees(f: &Failure) -> bool {
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

/// The key in a body's pmtrack marker.
fn marker_key(body: &str) -> Option<TaskKey> {
    crate::issue_text::parse_marker(body).map(|m| m.key)
}

/// The URL of the page after `url` (its `page=` plus one, or `page=2`).
fn following_page(url: &str) -> String {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let mut page = 1u64;
    let mut parts: Vec<String> = Vec::new();
    for p in query.split('&').filter(|p| !p.is_empty()) {
        match p.strip_prefix("page=") {
            Some(n) => page = n.parse().unwrap_or(1),
            None => parts.push(p.to_string()),
        }
    }
    parts.push(format!("page={}", page + 1));
    format!("{path}?{}", parts.join("&"))
}

/// One progress line: `created #12 postmortems/x.md:4 Rotate the keys`.
fn describe_applied(change: &Change, a: &Applied, title: Option<&str>) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_following_page_increments_or_adds_page() {
        assert_eq!(
            following_page("/repos/o/r/issues?state=all&per_page=100"),
            "/repos/o/r/issues?state=all&per_page=100&page=2"
        );
        assert_eq!(
            following_page("http://h/repositories/1/issues?per_page=100&page=7&x=1"),
            "http://h/repositories/1/issues?per_page=100&x=1&page=8"
        );
    }

    #[test]
    fn writes_go_to_closes_and_reopens_then_creates_then_edits_in_plan_order() {
        let key = |k: &str| TaskKey(k.into());
        let create = |k: &str| Change::Create {
            key: key(k),
            at: format!("{k}.md:1"),
            fields: IssueFields {
                title: k.into(),
                body: String::new(),
                labels: vec![],
                assignees: vec![],
                milestone: None,
            },
        };
        let update = |k: &str, n| Change::Update {
            key: key(k),
            number: n,
            at: format!("{k}.md:1"),
            title: Some("t".into()),
            body: None,
            labels: None,
            assignees: None,
            milestone: None,
            why: vec![],
        };
        let close = |k: &str, n, comment: Option<&str>| Change::Close {
            key: key(k),
            number: n,
            reason: CloseReason::Completed,
            comment: comment.map(str::to_string),
            body: None,
        };
        let changes = vec![
            update("a", 1),
            create("b"),
            close("c", 3, None),
            Change::Noop {
                key: key("d"),
                number: 4,
            },
            create("e"),
            Change::Comment {
                key: key("f"),
                number: 6,
                body: "x".into(),
            },
            Change::Reopen {
                key: key("g"),
                number: 7,
                body: None,
            },
            close("h", 8, Some("removed")),
        ];
        assert_eq!(spending_order(&changes), [3, 2, 6, 7, 1, 4, 0, 5]);
        let needs: Vec<u64> = changes.iter().map(writes_for).collect();
        assert_eq!(needs, [1, 1, 1, 0, 1, 1, 1, 2]);
    }

    #[test]
    fn a_token_never_shows_in_debug() {
        let opts = Options::new(
            "https://api.github.com",
            "o",
            "r",
            Some(Token::new("ghp_x")),
        );
        assert!(!format!("{opts:?}").contains("ghp_x"));
    }

    #[test]
    fn only_a_422_on_assignees_counts_as_invalid_assignees() {
        let f = Failure::Status {
            status: 422,
            message: "Validation Failed".into(),
            errors: vec![json!({"field": "assignees", "code": "invalid"})],
        };
        assert!(invalid_assignees(&f));
        let g = Failure::Status {
            status: 422,
            message: "Validation Failed".into(),
            errors: vec![json!({"field": "title", "code": "custom"})],
        };
        assert!(!invalid_assignees(&g));
    }
}
