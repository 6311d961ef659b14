//! EDGE helper: one HTTP exchange with GitHub at a time, through octocrab's
//! client (TLS, timeouts, base URL), with pmtrack's own policy on top:
//! waits for rate limits, paced writes, bounded jittered retries of reads
//! and idempotent writes, and **no** retry of a create (the caller decides,
//! after looking whether the create went through).
//!
//! octocrab is built without its `retry` feature (it re-sends POSTs) and is
//! given no credentials: the `Authorization` header is added here, marked
//! sensitive, and only to URLs on the API host. Nothing here formats the
//! token; `Debug` of [`Http`] shows no headers.

use super::pacing::{classify, Limit, Pacing};
use super::wire::WireError;
use crate::error::{Error, Result};
use http::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, IF_NONE_MATCH, USER_AGENT};
use http::{Method, Uri};
use octocrab::Octocrab;
use std::time::{Duration, Instant};

/// Tries of a read or idempotent write that meets server errors or no answer.
const MAX_TRIES: u32 = 4;

/// Waits for rate limits on one request before giving up.
const MAX_LIMIT_WAITS: u32 = 8;

/// What kind of request: decides what may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// GET: retried on 5xx and lost connections.
    Read,
    /// PATCH (setting fields): retried like a read, paced like a write.
    IdempotentWrite,
    /// POST that creates something: never re-sent after an ambiguous failure.
    Create,
}

/// An answer.
#[derive(Debug)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// Body text (empty for 304/204).
    pub body: String,
}

/// Why a request did not succeed.
#[derive(Debug)]
pub enum Failure {
    /// GitHub answered with an error status: nothing was done.
    Status {
        /// Status code.
        status: u16,
        /// GitHub's `message`.
        message: String,
        /// GitHub's `errors[]`, kept.
        errors: Vec<serde_json::Value>,
    },
    /// A create got no answer, or a server error: it may have been applied.
    Ambiguous(String),
    /// No usable answer after every try.
    Unreachable(String),
}

impl Failure {
    /// `422 Validation Failed: [{…}]`-style text in GitHub's own words.
    pub fn describe(&self) -> String {
        match self {
            Failure::Status {
                status,
                message,
                errors,
            } => {
                let mut s = format!("{status} {message}");
                if !errors.is_empty() {
                    let errs: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                    s.push_str(&format!(" (errors: {})", errs.join(", ")));
                }
                s
            }
            Failure::Ambiguous(m) => format!("no clear answer ({m})"),
            Failure::Unreachable(m) => m.clone(),
        }
    }

    /// The status, when GitHub answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Failure::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// Where the process's waits and notes go (a progress line, a log line).
pub type Note<'a> = &'a dyn Fn(&str);

/// A client for one API host.
pub struct Http {
    crab: Octocrab,
    base: Uri,
    auth: Option<HeaderValue>,
    user_agent: HeaderValue,
    /// Rate limits, write interval, backoff.
    pub pacing: Pacing,
    /// Requests sent.
    pub requests: u64,
    /// Rate-limit points spent (everything but 304s and limit refusals).
    pub points: u64,
    /// Write requests sent (POST, PATCH…), retries and refused ones included:
    /// what the write budget counts.
    pub writes: u64,
    /// The server's `date` on the first answer (for `since=`).
    pub first_date: Option<chrono::DateTime<chrono::Utc>>,
    seed: u64,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http")
            .field("base", &self.base)
            .field("authenticated", &self.auth.is_some())
            .field("requests", &self.requests)
            .finish()
    }
}

/// The text of an error and its causes.
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let t = c.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        cur = c.source();
    }
    s
}

impl Http {
    /// A client for `api_url` (`https://api.github.com`,
    /// `https://HOST/api/v3`, `http://127.0.0.1:PORT`).
    pub fn new(
        api_url: &str,
        token: Option<&str>,
        pacing: Pacing,
        timeouts: (Duration, Duration),
    ) -> Result<Http> {
        let api_url = api_url.trim().trim_end_matches('/');
        let bad_url = |why: String| {
            Error::Usage(format!(
                "the GitHub API URL `{api_url}` is not usable ({why}); give --api-url like https://api.github.com or https://HOST/api/v3"
            ))
        };
        let base: Uri = api_url.parse().map_err(|e| bad_url(format!("{e}")))?;
        if base.authority().is_none() || !matches!(base.scheme_str(), Some("http" | "https")) {
            return Err(bad_url("not an http(s) URL".into()));
        }
        let auth = match token {
            Some(t) => {
                let mut v = HeaderValue::from_str(&format!("Bearer {}", t.trim())).map_err(|_| {
                    Error::Usage(
                        "the GitHub token holds characters that cannot be sent (a line break?); set GITHUB_TOKEN to the token alone".into(),
                    )
                })?;
                v.set_sensitive(true);
                Some(v)
            }
            None => None,
        };
        let crab = Octocrab::builder()
            .base_uri(api_url)
            .map_err(|e| bad_url(chain(&e)))?
            .set_connect_timeout(Some(timeouts.0))
            .set_read_timeout(Some(timeouts.1))
            .set_write_timeout(Some(timeouts.1))
            .build()
            .map_err(|e| {
                Error::GitHub(format!(
                    "cannot set up the HTTP client ({}); on Linux install the CA certificates (`ca-certificates`)",
                    chain(&e)
                ))
            })?;
        let user_agent = HeaderValue::from_static(concat!("pmtrack/", env!("CARGO_PKG_VERSION")));
        Ok(Http {
            crab,
            base,
            auth,
            user_agent,
            pacing,
            requests: 0,
            points: 0,
            writes: 0,
            first_date: None,
            seed: u64::from(std::process::id()),
        })
    }

    /// A path (`/repos/…`, joined to the base URL) or an absolute URL on the
    /// API host (GitHub's `Link` URLs); anything else is refused, so the
    /// token never leaves the API host.
    fn resolve(&self, url: &str) -> std::result::Result<Uri, String> {
        let uri: Uri = url.parse().map_err(|e| format!("bad URL `{url}`: {e}"))?;
        match uri.authority() {
            None => Ok(uri),
            Some(a) if Some(a) == self.base.authority() && uri.scheme() == self.base.scheme() => {
                Ok(uri)
            }
            Some(a) => Err(format!(
                "GitHub pointed at another host ({a}); not following it with the token"
            )),
        }
    }

    async fn send_once(
        &self,
        method: &Method,
        uri: Uri,
        body: Option<&serde_json::Value>,
        if_none_match: Option<&str>,
    ) -> std::result::Result<Reply, String> {
        let mut b = http::Request::builder()
            .method(method.clone())
            .uri(uri)
            .header(USER_AGENT, self.user_agent.clone())
            .header(ACCEPT, "application/vnd.github+json");
        if let Some(a) = &self.auth {
            b = b.header(AUTHORIZATION, a.clone());
        }
        if let Some(tag) = if_none_match.and_then(|t| HeaderValue::from_str(t).ok()) {
            b = b.header(IF_NONE_MATCH, tag);
        }
        let req = self.crab.build_request(b, body).map_err(|e| chain(&e))?;
        let resp = self.crab.execute(req).await.map_err(|e| chain(&e))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = self
            .crab
            .body_to_string(resp)
            .await
            .map_err(|e| chain(&e))?;
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    async fn sleep(&self, d: Duration) {
        if !d.is_zero() {
            tokio::time::sleep(d).await;
        }
    }

    /// One request, with rate-limit waits, write pacing and (for reads and
    /// idempotent writes) retries. 2xx and 304 are `Ok`.
    pub async fn request(
        &mut self,
        method: Method,
        url: &str,
        body: Option<&serde_json::Value>,
        if_none_match: Option<&str>,
        kind: RequestKind,
        note: Note<'_>,
    ) -> std::result::Result<Reply, Failure> {
        let uri = self.resolve(url).map_err(Failure::Unreachable)?;
        let (mut server_tries, mut limit_waits) = (0u32, 0u32);
        loop {
            let wait = self.pacing.before_request(Instant::now());
            if !wait.is_zero() {
                note(&format!(
                    "waiting {}s for the GitHub rate limit",
                    wait.as_secs_f64().ceil() as u64
                ));
                self.sleep(wait).await;
            }
            if kind != RequestKind::Read {
                let (wait, full) = self.pacing.before_write(Instant::now());
                if let (Some(w), true) = (full, wait >= Duration::from_secs(1)) {
                    note(&format!(
                        "waiting {}s: GitHub allows about {} (content-creating requests)",
                        wait.as_secs_f64().ceil() as u64,
                        w.describe()
                    ));
                }
                self.sleep(wait).await;
                self.writes += 1;
            }
            self.requests += 1;
            self.seed = self.seed.wrapping_add(self.requests);
            let sent = self
                .send_once(&method, uri.clone(), body, if_none_match)
                .await;
            if kind != RequestKind::Read {
                self.pacing.wrote(Instant::now());
            }
            let reply = match sent {
                Ok(r) => r,
                Err(e) => {
                    // GitHub may have counted (and, for a write, applied) it.
                    self.points += 1;
                    let what = format!("{method} {}: no answer ({e})", uri.path());
                    if kind == RequestKind::Create {
                        return Err(Failure::Ambiguous(what));
                    }
                    server_tries += 1;
                    if server_tries >= MAX_TRIES {
                        return Err(Failure::Unreachable(format!(
                            "{what}; gave up after {MAX_TRIES} tries (check the network and the API URL)"
                        )));
                    }
                    self.sleep(self.pacing.backoff(server_tries - 1, self.seed))
                        .await;
                    continue;
                }
            };
            if self.first_date.is_none() {
                self.first_date = reply
                    .headers
                    .get("date")
                    .and_then(|d| d.to_str().ok())
                    .and_then(|d| chrono::DateTime::parse_from_rfc2822(d).ok())
                    .map(|d| d.with_timezone(&chrono::Utc));
            }
            self.pacing.observe(&reply.headers, Instant::now());
            if reply.status < 400 {
                if reply.status != 304 {
                    self.points += 1;
                }
                return Ok(reply);
            }
            let err: WireError = serde_json::from_str(&reply.body).unwrap_or_default();
            let message = err
                .message
                .clone()
                .filter(|m| !m.trim().is_empty())
                .unwrap_or_else(|| {
                    let reason = http::StatusCode::from_u16(reply.status).ok();
                    let reason = reason.and_then(|s| s.canonical_reason());
                    reason.unwrap_or("error").to_string()
                });
            match classify(reply.status, &reply.headers, &message) {
                Limit::None => {}
                limit if limit_waits < MAX_LIMIT_WAITS => {
                    limit_waits += 1;
                    if let Limit::Secondary(d) = limit {
                        // Primary waits happen at the top of the loop (the
                        // answer said remaining = 0).
                        let d = self.pacing.capped(d);
                        note(&format!(
                            "waiting {}s for the GitHub rate limit (secondary limit: {message})",
                            d.as_secs_f64().ceil() as u64
                        ));
                        self.sleep(d).await;
                    }
                    continue;
                }
                _ => {
                    return Err(Failure::Status {
                        status: reply.status,
                        message: format!("{message} (still rate limited after {MAX_LIMIT_WAITS} waits; run again later)"),
                        errors: err.errors.unwrap_or_default(),
                    })
                }
            }
            self.points += 1;
            if reply.status >= 500 {
                let what = format!("{method} {}: {} {message}", uri.path(), reply.status);
                if kind == RequestKind::Create {
                    return Err(Failure::Ambiguous(what));
                }
                server_tries += 1;
                if server_tries < MAX_TRIES {
                    self.sleep(self.pacing.backoff(server_tries - 1, self.seed))
                        .await;
                    continue;
                }
            }
            return Err(Failure::Status {
                status: reply.status,
                message,
                errors: err.errors.unwrap_or_default(),
            });
        }
    }
}

/// Splits a `Link` header into `(rel, url)` pairs.
pub fn parse_link(header: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for part in header.split(',') {
        let mut pieces = part.split(';');
        let Some(url) = pieces.next().map(str::trim) else {
            continue;
        };
        let Some(url) = url.strip_prefix('<').and_then(|u| u.strip_suffix('>')) else {
            continue;
        };
        for p in pieces {
            let p = p.trim();
            if let Some(rel) = p.strip_prefix("rel=") {
                for r in rel.trim_matches('"').split_whitespace() {
                    out.push((r.to_string(), url.to_string()));
                }
            }
        }
    }
    out
}

/// The `rel="next"` URL of an answer, if any.
pub fn next_link(headers: &HeaderMap) -> Option<String> {
    let link = headers.get("link")?.to_str().ok()?;
    parse_link(link)
        .into_iter()
        .find(|(rel, _)| rel == "next")
        .map(|(_, url)| url)
}

/// Percent-encodes a query value (everything but RFC 3986 unreserved bytes).
pub fn encode_query(value: &str) -> String {
    let mut s = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_header_gives_next_in_githubs_order() {
        let h = "<https://api.github.com/repositories/1/issues?page=1>; rel=\"prev\", \
                 <https://api.github.com/repositories/1/issues?page=3>; rel=\"next\", \
                 <https://api.github.com/repositories/1/issues?page=5>; rel=\"last\"";
        let mut map = HeaderMap::new();
        map.insert("link", h.parse().unwrap());
        assert_eq!(
            next_link(&map).as_deref(),
            Some("https://api.github.com/repositories/1/issues?page=3")
        );
        assert_eq!(parse_link(h).len(), 3);
        assert_eq!(next_link(&HeaderMap::new()), None);
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encode_query("post mortem,x/y"), "post%20mortem%2Cx%2Fy");
        assert_eq!(encode_query("pm:short-term"), "pm%3Ashort-term");
    }

    #[tokio::test]
    async fn links_to_another_host_are_refused_and_debug_hides_the_token() {
        let pacing = Pacing::new(Duration::ZERO, None);
        let t = (Duration::from_secs(1), Duration::from_secs(1));
        let h = Http::new("https://ghe.example.com/api/v3/", Some("s3cr3t"), pacing, t).unwrap();
        assert!(h.resolve("/repos/o/r/issues").is_ok());
        assert!(h
            .resolve("https://ghe.example.com/api/v3/repositories/1/issues?page=2")
            .is_ok());
        assert!(h.resolve("https://evil.example.com/x").is_err());
        assert!(h.resolve("http://ghe.example.com/api/v3/x").is_err());
        let shown = format!("{h:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
    }

    #[tokio::test]
    async fn a_token_with_a_line_break_is_a_usage_error_not_a_panic() {
        let pacing = Pacing::new(Duration::ZERO, None);
        let t = (Duration::from_secs(1), Duration::from_secs(1));
        let e = Http::new("https://api.github.com", Some("a\nb"), pacing, t).unwrap_err();
        assert!(matches!(e, Error::Usage(_)));
        assert!(!e.to_string().contains("a\nb"));
    }
}
