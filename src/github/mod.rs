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
//! [`crate::plan::key_of`]) carries the task's key. After an ambiguous failure
//! of a create (no answer, a dropped connection, a 5xx) the issue is looked
//! for by that marker before it is created again.
//!
//! By job: `listing` (the conditional, paginated walk; managed issues,
//! assignable users), `apply` (changes, creates that never duplicate),
//! `labels` (labels and milestones), `referenced` (issues and pull requests
//! items are tracked in elsewhere), `report_ops` (the rolling report issue),
//! `http` (transport, pacing, retries), `etag_cache` and `journal` (files
//! beside the cache), `wire` (GitHub's JSON).

mod apply;
pub mod etag_cache;
mod http;
pub mod journal;
mod labels;
mod listing;
pub mod pacing;
mod referenced;
pub mod report_ops;
pub mod sub_issues;
mod wire;

use self::http::{Failure, Http};
use crate::error::{Error, Result};
use crate::model::{Issue, TaskKey};
use crate::plan::Change;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
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
pub struct Connection {
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

impl Connection {
    /// A connection with pmtrack's defaults for `api_url` and `owner/repo`.
    pub fn new(api_url: &str, owner: &str, repo: &str, token: Option<Token>) -> Connection {
        Connection {
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
pub struct ApplyResult {
    /// One entry per change, in plan order.
    pub applied: Vec<Applied>,
    /// The state of every known managed issue afterwards, by number.
    pub issues: BTreeMap<u64, Issue>,
    /// The issue each created item now has (made now, or found made by
    /// another run just before creating): with the plan's own
    /// [`Plan::issue_of`](crate::plan::Plan::issue_of), every item's issue
    /// ([`Plan::links_after`](crate::plan::Plan::links_after)).
    pub created: BTreeMap<TaskKey, u64>,
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
    /// The write budget ([`Connection::max_writes`]).
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
    pub fn new(opts: Connection) -> Result<GitHub> {
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

    /// The managed issues as known now (listed, then as changed).
    pub fn issues(&self) -> &BTreeMap<u64, Issue> {
        &self.issues
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
    pub fn budget_left(&self) -> Option<u64> {
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

#[cfg(test)]
mod tests {
    use super::apply::invalid_assignees;
    use super::listing::following_page;
    use super::*;
    use crate::model::CloseReason;
    use crate::plan::IssueFields;
    use serde_json::json;

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
        let opts = Connection::new(
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
