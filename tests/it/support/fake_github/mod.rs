//! A stateful fake GitHub REST server on 127.0.0.1 for integration tests.
//!
//! It keeps repositories, issues, labels, milestones and comments in memory,
//! behaves like GitHub where pmtrack depends on it (see
//! `../shared/github-api/README.md`): auth, `x-ratelimit-*` counting down per
//! token, ETag/304, `Link` pagination via `/repositories/{id}/…`, 422 rules,
//! label auto-creation; lets tests inject faults (5xx, secondary limits, dropped
//! connections) and act as "a human on github.com"; logs every exchange and
//! checks it against GitHub's OpenAPI description ([`FakeGitHub::assert_clean`]).
//!
//! It runs on its own OS thread and tokio runtime, so a test blocked on a
//! subprocess cannot starve it. It must never reach the network beyond
//! 127.0.0.1 and never records a token (the `authorization` header is masked).
#![allow(dead_code)]

mod routes;
mod state;

pub use state::{API_USER, HUMAN_USER};

use crate::support::openapi::OpenApi;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use routes::{Reply, Req};
use serde_json::{json, Value};
use state::World;
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

/// What an injected fault does to a matching request.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// Answer with this status and a GitHub error body; change nothing.
    Status(u16),
    /// 403 "You have exceeded a secondary rate limit…" with `retry-after`.
    SecondaryLimit {
        /// Value of the `retry-after` header.
        retry_after_secs: u64,
    },
    /// The same as a 429 (GitHub sometimes answers so).
    SecondaryLimit429 {
        /// Value of the `retry-after` header.
        retry_after_secs: u64,
    },
    /// Apply the request, then close the connection without answering.
    DropAfterApply,
    /// Close the connection without applying or answering.
    DropBeforeApply,
    /// Apply the request (and answer) only after this many milliseconds,
    /// even when the client is gone by then: GitHub finishing a create
    /// whose sender was killed.
    Late(u64),
}

/// A fault for requests whose method is `method` and whose path contains
/// `path_contains`; it fires `times` times. Faults fire in the order injected.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// `"POST"`, `"GET"`, … (`"*"` matches any).
    pub method: &'static str,
    /// A substring of the request path, e.g. `"/issues"`.
    pub path_contains: &'static str,
    /// What happens.
    pub kind: FaultKind,
    /// How many matching requests it affects.
    pub times: u32,
}

/// One logged request and its answer.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// Upper-case method.
    pub method: String,
    /// Path as sent (percent-encoded), without the query.
    pub path: String,
    /// Raw query string, `""` when none.
    pub query: String,
    /// Request headers, lower-case names; `authorization` is masked.
    pub headers: Vec<(String, String)>,
    /// Request body (JSON; a string when it was not JSON).
    pub body: Option<Value>,
    /// Response status; 0 when the connection was dropped by a fault.
    pub status: u16,
    /// Response body.
    pub response: Option<Value>,
}

impl Exchange {
    /// A request header by (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

const LIMIT: u64 = 5000;

struct Inner {
    world: World,
    token: Option<String>,
    /// Remaining core requests per presented token (`""` = anonymous).
    remaining: HashMap<String, u64>,
    default_remaining: u64,
    reset: u64,
    spent: u64,
    faults: VecDeque<Fault>,
    log: Vec<Exchange>,
    violations: Vec<String>,
    api: Option<&'static OpenApi>,
}

/// The running fake. Dropping it stops the server.
pub struct FakeGitHub {
    url: String,
    inner: Arc<Mutex<Inner>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn epoch() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl FakeGitHub {
    /// Binds 127.0.0.1:0 and serves on a new thread.
    pub fn start() -> FakeGitHub {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("nonblocking listener");
        let url = format!("http://{}", listener.local_addr().expect("local addr"));
        let inner = Arc::new(Mutex::new(Inner {
            world: World::new(url.clone()),
            token: None,
            remaining: HashMap::new(),
            default_remaining: LIMIT,
            reset: epoch() + 3600,
            spent: 0,
            faults: VecDeque::new(),
            log: Vec::new(),
            violations: Vec::new(),
            api: OpenApi::load(),
        }));
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let shared = inner.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            rt.expect("fake github runtime")
                .block_on(serve(listener, shared, stopped));
        });
        FakeGitHub {
            url,
            inner,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// A fake that knows repository `o/r`, its collaborator `alice`, and
    /// accepts `token` only.
    pub fn for_o_r(token: &str) -> FakeGitHub {
        let gh = FakeGitHub::start();
        gh.add_repo("o", "r");
        gh.add_collaborator("o", "r", "alice");
        gh.set_token(token);
        gh
    }

    /// `http://127.0.0.1:PORT`, to pass as octocrab's `base_uri` / `GITHUB_API_URL`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Creates `owner/name` with GitHub's 9 default labels.
    pub fn add_repo(&self, owner: &str, name: &str) {
        self.lock().world.add_repo(owner, name);
    }

    /// Makes `login` assignable in `owner/name` (the owner always is).
    pub fn add_collaborator(&self, owner: &str, name: &str, login: &str) {
        let mut inner = self.lock();
        let idx = inner.world.repo_index(owner, name).expect("add_repo first");
        inner.world.repos[idx].collaborators.push(login.into());
    }

    /// From now on requests need `Authorization: Bearer <token>` (or `token <token>`).
    pub fn set_token(&self, token: &str) {
        self.lock().token = Some(token.into());
    }

    /// Sets every token's remaining core requests and the reset time (epoch s).
    pub fn set_rate_limit(&self, remaining: u64, reset_epoch: u64) {
        let mut inner = self.lock();
        inner.default_remaining = remaining;
        inner.remaining.values_mut().for_each(|r| *r = remaining);
        inner.reset = reset_epoch;
    }

    /// Queues a fault.
    pub fn inject(&self, fault: Fault) {
        self.lock().faults.push_back(fault);
    }

    /// Does a request as [`HUMAN_USER`] on github.com: no auth, rate limit,
    /// fault or log. Returns status and body. E.g. seed issues with
    /// `gh.act("POST", "/repos/o/r/issues", json!({"title": "x"}))`.
    pub fn act(&self, method: &str, path: &str, body: Value) -> (u16, Value) {
        let mut inner = self.lock();
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let req = Req {
            method,
            path,
            query,
            body: Some(&body),
            actor: HUMAN_USER,
        };
        let reply = routes::route(&mut inner.world, &req);
        (reply.status, reply.body.unwrap_or(Value::Null))
    }

    fn act_ok(&self, method: &str, path: String, body: Value) -> Value {
        let (status, body) = self.act(method, &path, body);
        assert!(status < 300, "{method} {path}: {status} {body}");
        body
    }

    /// Behave as an older GitHub Enterprise Server without sub-issues.
    pub fn without_sub_issues(&self) {
        self.lock().world.sub_issues = false;
    }

    /// Have sub-issues, but issues that do not say their parent.
    pub fn without_parent_in_issues(&self) {
        self.lock().world.parent_in_issues = false;
    }

    /// The parent of issue `number`, when it is a sub-issue.
    pub fn parent_of(&self, owner: &str, repo: &str, number: u64) -> Option<u64> {
        let inner = self.lock();
        let idx = inner.world.repo_index(owner, repo)?;
        let issue = inner.world.repos[idx]
            .issues
            .iter()
            .find(|i| i.number == number)?;
        issue.parent.map(|(p, _)| p)
    }

    /// The sub-issues of issue `number`, by number, in the order attached.
    pub fn children_of(&self, owner: &str, repo: &str, number: u64) -> Vec<u64> {
        let inner = self.lock();
        let Some(idx) = inner.world.repo_index(owner, repo) else {
            return Vec::new();
        };
        let mut c: Vec<(u64, u64)> = inner.world.repos[idx]
            .issues
            .iter()
            .filter_map(|i| match i.parent {
                Some((p, at)) if p == number => Some((at, i.number)),
                _ => None,
            })
            .collect();
        c.sort();
        c.into_iter().map(|(_, n)| n).collect()
    }

    /// A human closes an issue with `"completed"`, `"not_planned"` or `"duplicate"`.
    pub fn close_issue(&self, owner: &str, repo: &str, number: u64, reason: &str) {
        let body = json!({"state": "closed", "state_reason": reason});
        self.act_ok(
            "PATCH",
            format!("/repos/{owner}/{repo}/issues/{number}"),
            body,
        );
    }

    /// A human opens a pull request in `owner/repo` (which must exist);
    /// returns its number (shared with the issues, as on GitHub).
    pub fn open_pull(&self, owner: &str, repo: &str, title: &str) -> u64 {
        let created = self.act_ok(
            "POST",
            format!("/repos/{owner}/{repo}/issues"),
            json!({ "title": title }),
        );
        let number = created["number"].as_u64().expect("a number");
        let mut inner = self.lock();
        let idx = inner.world.repo_index(owner, repo).expect("add_repo first");
        let pull = inner.world.repos[idx].issue_mut(number).expect("just made");
        pull.pull = Some(None);
        number
    }

    /// A human merges pull request `number`: closed, with `merged_at`.
    pub fn merge_pull(&self, owner: &str, repo: &str, number: u64) {
        self.close_issue(owner, repo, number, "completed");
        let mut inner = self.lock();
        let idx = inner.world.repo_index(owner, repo).expect("add_repo first");
        let pull = inner.world.repos[idx]
            .issue_mut(number)
            .expect("a pull request");
        pull.pull = Some(pull.closed_at.clone());
        pull.state_reason = None;
    }

    /// A human reopens an issue.
    pub fn reopen_issue(&self, owner: &str, repo: &str, number: u64) {
        let path = format!("/repos/{owner}/{repo}/issues/{number}");
        self.act_ok("PATCH", path, json!({"state": "open"}));
    }

    /// A human retitles an issue.
    pub fn edit_issue_title(&self, owner: &str, repo: &str, number: u64, title: &str) {
        let path = format!("/repos/{owner}/{repo}/issues/{number}");
        self.act_ok("PATCH", path, json!({"title": title}));
    }

    /// Every page of a GET list, as a human reading all of them would.
    fn list(&self, path: String) -> Vec<Value> {
        let mut all = Vec::new();
        for page in 1.. {
            let url = format!("{path}?per_page=100&page={page}&state=all");
            let items = self.act_ok("GET", url, Value::Null);
            let items = items.as_array().cloned().unwrap_or_default();
            all.extend(items.iter().cloned());
            if items.len() < 100 {
                break;
            }
        }
        all
    }

    /// All issues (open and closed) as GitHub renders them, by number.
    pub fn issues(&self, owner: &str, repo: &str) -> Vec<Value> {
        let mut all = self.list(format!("/repos/{owner}/{repo}/issues"));
        all.sort_by_key(|i| i["number"].as_u64());
        all
    }

    /// [`FakeGitHub::issues`] without pmtrack's tracking issues (one per
    /// postmortem, see `tests/it/tracking.rs`).
    pub fn item_issues(&self, owner: &str, repo: &str) -> Vec<Value> {
        self.issues(owner, repo)
            .into_iter()
            .filter(|i| !crate::support::world::is_tracking(i))
            .collect()
    }

    /// All labels of the repository.
    pub fn labels(&self, owner: &str, repo: &str) -> Vec<Value> {
        self.list(format!("/repos/{owner}/{repo}/labels"))
    }

    /// All milestones (open and closed).
    pub fn milestones(&self, owner: &str, repo: &str) -> Vec<Value> {
        self.list(format!("/repos/{owner}/{repo}/milestones"))
    }

    /// The comments on one issue, oldest first.
    pub fn comments(&self, owner: &str, repo: &str, number: u64) -> Vec<Value> {
        self.list(format!("/repos/{owner}/{repo}/issues/{number}/comments"))
    }

    /// Every exchange so far, oldest first.
    pub fn requests(&self) -> Vec<Exchange> {
        self.lock().log.clone()
    }

    /// How many requests used `method`.
    pub fn count(&self, method: &str) -> usize {
        self.lock()
            .log
            .iter()
            .filter(|e| e.method == method)
            .count()
    }

    /// The POST/PATCH/PUT/DELETE exchanges.
    pub fn mutating_requests(&self) -> Vec<Exchange> {
        let log = self.requests();
        let mutating =
            |e: &Exchange| matches!(e.method.as_str(), "POST" | "PATCH" | "PUT" | "DELETE");
        log.into_iter().filter(mutating).collect()
    }

    /// Core rate-limit points consumed (304s and `/rate_limit` are free).
    pub fn rate_points_spent(&self) -> u64 {
        self.lock().spent
    }

    /// Forgets logged exchanges and spent points (not violations).
    pub fn reset_log(&self) {
        let mut inner = self.lock();
        inner.log.clear();
        inner.spent = 0;
    }

    /// OpenAPI problems and requests to endpoints the fake does not serve.
    pub fn violations(&self) -> Vec<String> {
        self.lock().violations.clone()
    }

    /// Panics listing every violation, if any.
    pub fn assert_clean(&self) {
        let v = self.violations();
        assert!(
            v.is_empty(),
            "GitHub traffic violations:\n  {}",
            v.join("\n  ")
        );
    }
}

impl Drop for FakeGitHub {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(
    listener: std::net::TcpListener,
    inner: Arc<Mutex<Inner>>,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
    loop {
        let stream = tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => continue,
            },
        };
        let inner = inner.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| handle(req, inner.clone()));
            let io = hyper_util::rt::TokioIo::new(stream);
            // Errors here are dropped connections, some of them on purpose.
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, svc)
                .await;
        });
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn handle(
    req: Request<Incoming>,
    inner: Arc<Mutex<Inner>>,
) -> Result<Response<Full<Bytes>>, BoxError> {
    let (parts, body) = req.into_parts();
    let bytes = body.collect().await?.to_bytes();
    let late = inner
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take_late(parts.method.as_str(), parts.uri.path());
    let answer = match late {
        // Applied by a task of its own: it happens even if the client hangs
        // up and this handler is dropped.
        Some(ms) => {
            let (tx, rx) = tokio::sync::oneshot::channel();
            let inner = inner.clone();
            tokio::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
                let a = inner
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .exchange(&parts, &bytes);
                let _ = tx.send(a);
            });
            rx.await.ok().flatten()
        }
        None => inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .exchange(&parts, &bytes),
    };
    // An error makes hyper close the connection without a response.
    let (status, headers, body) = answer.ok_or("connection dropped by an injected fault")?;
    let mut response = Response::builder().status(status);
    for (name, value) in headers {
        response = response.header(name, value);
    }
    Ok(response.body(Full::new(Bytes::from(body)))?)
}

type Answer = (u16, Vec<(String, String)>, Vec<u8>);

const NO_AGENT: &str = "Request forbidden by administrative rules. Please make sure your \
    request has a User-Agent header (https://docs.github.com/rest/overview/resources-in-the-rest-api#user-agent-required).";
const EXHAUSTED: &str = "API rate limit exceeded for user ID 1. If you reach out to GitHub \
    Support for help, please include the request ID 0000:FAKE.";
const SECONDARY: &str = "You have exceeded a secondary rate limit. Please wait a few minutes \
    before you try again. If you reach out to GitHub Support for help, please include the \
    request ID 0000:FAKE.";

/// Request headers for the log, with the credential masked.
fn masked(headers: &http::HeaderMap) -> Vec<(String, String)> {
    let entry = |(n, v): (&http::HeaderName, &http::HeaderValue)| {
        let v = v.to_str().unwrap_or("<binary>");
        let v = match n.as_str() {
            "authorization" => format!("{} ***", v.split(' ').next().unwrap_or("")),
            _ => v.to_string(),
        };
        (n.as_str().to_string(), v)
    };
    headers.iter().map(entry).collect()
}

/// The token of `Authorization: Bearer|token <token>`.
fn token_of(authorization: &str) -> Option<String> {
    let (scheme, token) = authorization.split_once(' ')?;
    let known = ["bearer", "token"]
        .iter()
        .any(|s| scheme.eq_ignore_ascii_case(s));
    known.then(|| token.trim().to_string())
}

/// A strong ETag computed from the body.
fn etag_of(bytes: &[u8]) -> String {
    let mut h = std::hash::DefaultHasher::new();
    bytes.hash(&mut h);
    format!("\"{:016x}\"", h.finish())
}

fn secondary(status: u16, retry_after: u64) -> Reply {
    let mut r = Reply::error(status, SECONDARY);
    r.headers
        .push(("retry-after".into(), retry_after.to_string()));
    r
}

impl Inner {
    /// Handles one request; `None` = drop the connection.
    fn exchange(&mut self, parts: &http::request::Parts, raw: &[u8]) -> Option<Answer> {
        let header = |n: &str| parts.headers.get(n).and_then(|v| v.to_str().ok());
        let parsed = (!raw.is_empty()).then(|| serde_json::from_slice::<Value>(raw));
        let bad_json = matches!(parsed, Some(Err(_)));
        let text = |_| Value::String(String::from_utf8_lossy(raw).into());
        let mut ex = Exchange {
            method: parts.method.as_str().to_string(),
            path: parts.uri.path().to_string(),
            query: parts.uri.query().unwrap_or("").to_string(),
            headers: masked(&parts.headers),
            body: parsed.map(|r| r.unwrap_or_else(text)),
            status: 0,
            response: None,
        };
        let token = header("authorization").and_then(token_of);
        let bucket = token.clone().unwrap_or_default();
        let remaining = self.remaining(&bucket);
        // Refusals and /rate_limit are free; everything else costs a point.
        let free = if header("user-agent").is_none() {
            Some(Reply::error(403, NO_AGENT))
        } else if self.token.is_some() && token != self.token {
            let why = if token.is_some() {
                "Bad credentials"
            } else {
                "Requires authentication"
            };
            Some(Reply::error(401, why))
        } else if ex.method == "GET" && ex.path == "/rate_limit" {
            Some(Reply::json(200, self.rate_limit_json(remaining)))
        } else if remaining == 0 {
            Some(Reply::error(403, EXHAUSTED))
        } else {
            None
        };
        let mut counted = free.is_none();
        let fault = if counted && !bad_json {
            self.take_fault(&ex.method, &ex.path)
        } else {
            None
        };
        let dropped = fault == Some(FaultKind::DropAfterApply);
        let reply = match (free, fault) {
            (Some(reply), _) => reply,
            (None, _) if bad_json => Reply::error(400, "Problems parsing JSON"),
            (None, Some(FaultKind::DropBeforeApply)) => {
                self.spend(&bucket);
                self.record(ex);
                return None;
            }
            (None, Some(FaultKind::Status(status))) => {
                let reason = http::StatusCode::from_u16(status).ok();
                let reason = reason.and_then(|s| s.canonical_reason());
                Reply::error(status, reason.unwrap_or("Server Error"))
            }
            (
                None,
                Some(FaultKind::SecondaryLimit {
                    retry_after_secs: s,
                }),
            ) => secondary(403, s),
            (
                None,
                Some(FaultKind::SecondaryLimit429 {
                    retry_after_secs: s,
                }),
            ) => secondary(429, s),
            (None, _) => {
                let req = Req {
                    method: &ex.method,
                    path: &ex.path,
                    query: &ex.query,
                    body: ex.body.as_ref(),
                    actor: API_USER,
                };
                routes::route(&mut self.world, &req)
            }
        };
        if reply.unrouted {
            let unrouted = format!("fake GitHub has no route for {} {}", ex.method, ex.path);
            self.violations.push(unrouted);
        }
        let mut bytes = reply.body.as_ref().map(|b| b.to_string().into_bytes());
        let mut status = reply.status;
        let mut headers = reply.headers;
        if ex.method == "GET" && status == 200 {
            let etag = etag_of(bytes.as_deref().unwrap_or_default());
            let mut tags = header("if-none-match").unwrap_or_default().split(',');
            if tags.any(|t| t.trim().trim_start_matches("W/") == etag) {
                (status, bytes, counted) = (304, None, false);
                // GitHub's 304s carry no reliable `Link`: the client must
                // remember where the listing goes on.
                headers.retain(|(n, _)| !n.eq_ignore_ascii_case("link"));
            }
            headers.push(("etag".into(), etag));
        }
        if counted {
            self.spend(&bucket);
        }
        let left = self.remaining(&bucket);
        headers.extend(self.rate_headers(left));
        ex.status = if dropped { 0 } else { status };
        ex.response = bytes.as_ref().and(reply.body);
        self.record(ex);
        (!dropped).then(|| (status, headers, bytes.unwrap_or_default()))
    }

    /// The token's remaining core points, after a reset if one is due.
    fn remaining(&mut self, bucket: &str) -> u64 {
        if epoch() >= self.reset {
            self.reset = epoch() + 3600;
            self.default_remaining = LIMIT;
            self.remaining.clear();
        }
        let default = self.default_remaining;
        *self.remaining.entry(bucket.to_string()).or_insert(default)
    }

    fn rate_limit_json(&self, remaining: u64) -> Value {
        let (reset, used) = (self.reset, LIMIT - remaining.min(LIMIT));
        let core = json!({"limit": LIMIT, "remaining": remaining, "reset": reset,
                          "used": used, "resource": "core"});
        let search = json!({"limit": 30, "remaining": 30, "reset": epoch() + 60, "used": 0,
                            "resource": "search"});
        json!({"resources": {"core": core, "search": search, "graphql": core}, "rate": core})
    }

    fn rate_headers(&self, left: u64) -> Vec<(String, String)> {
        let pairs = [
            (
                "content-type",
                "application/json; charset=utf-8".to_string(),
            ),
            ("x-github-api-version-selected", "2022-11-28".into()),
            ("x-ratelimit-limit", LIMIT.to_string()),
            ("x-ratelimit-remaining", left.to_string()),
            ("x-ratelimit-used", (LIMIT - left.min(LIMIT)).to_string()),
            ("x-ratelimit-reset", self.reset.to_string()),
            ("x-ratelimit-resource", "core".into()),
        ];
        pairs.into_iter().map(|(n, v)| (n.to_string(), v)).collect()
    }

    fn spend(&mut self, bucket: &str) {
        if let Some(r) = self.remaining.get_mut(bucket) {
            *r = r.saturating_sub(1);
        }
        self.spent += 1;
    }

    /// The delay of a [`FaultKind::Late`] fault for this request, taken.
    fn take_late(&mut self, method: &str, path: &str) -> Option<u64> {
        let pos = self.faults.iter().position(|f| {
            matches!(f.kind, FaultKind::Late(_))
                && (f.method == "*" || f.method.eq_ignore_ascii_case(method))
                && path.contains(f.path_contains)
        })?;
        let FaultKind::Late(ms) = self.faults[pos].kind else {
            return None;
        };
        self.faults[pos].times = self.faults[pos].times.saturating_sub(1);
        if self.faults[pos].times == 0 {
            self.faults.remove(pos);
        }
        Some(ms)
    }

    fn take_fault(&mut self, method: &str, path: &str) -> Option<FaultKind> {
        let hits = |f: &Fault| {
            let method_hits = f.method == "*" || f.method.eq_ignore_ascii_case(method);
            method_hits && path.contains(f.path_contains)
        };
        let pos = self
            .faults
            .iter()
            .position(|f| hits(f) && !matches!(f.kind, FaultKind::Late(_)))?;
        let fault = &mut self.faults[pos];
        fault.times = fault.times.saturating_sub(1);
        let kind = fault.kind.clone();
        if fault.times == 0 {
            self.faults.remove(pos);
        }
        Some(kind)
    }

    /// Logs the exchange and checks it against the OpenAPI description.
    fn record(&mut self, e: Exchange) {
        if let Some(api) = self.api {
            let (req, resp) = (e.body.as_ref(), e.response.as_ref());
            let problems = api.check(&e.method, &e.path, &e.query, req, e.status, resp);
            self.violations.extend(problems);
        }
        self.log.push(e);
    }
}
