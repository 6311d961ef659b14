//! Listings: one conditional (`If-None-Match`), paginated `GET` walk that
//! every listing uses — the managed issues, the assignable users — with the
//! pages' ETags kept between runs.

use super::http::{encode_query, next_link, Failure, Reply, RequestKind};
use super::wire::WireIssue;
use super::*;
use crate::error::{Error, Result};
use crate::model::Issue;
use ::http::Method;
use serde_json::Value;

impl GitHub {
    /// A cache file beside the ETag cache (`<cache>.<what>.json`) for
    /// `scope`, read (a warning about it goes to `progress`), with its path;
    /// empty and without a path when nothing is cached.
    pub(super) fn side_cache<T: serde::de::DeserializeOwned>(
        &self,
        what: &str,
        scope: &str,
        progress: &dyn Progress,
    ) -> (Option<std::path::PathBuf>, etag_cache::EtagCache<T>) {
        let path = self
            .cache_path
            .as_deref()
            .map(|c| etag_cache::beside(c, what));
        let cache = match &path {
            Some(p) => {
                let (c, warning) = etag_cache::load::<T>(p, scope);
                if let Some(w) = warning {
                    progress.note(&w);
                }
                c
            }
            None => etag_cache::EtagCache::empty(scope),
        };
        (path, cache)
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
    pub(super) async fn walk_conditional<T>(
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
                .request(Method::GET, &u, None, etag, RequestKind::Read, &note)
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
    pub(super) fn page_from(&mut self, url: &str, reply: &Reply) -> Result<(Vec<Issue>, usize)> {
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
    pub(super) fn logins_from(
        &mut self,
        _url: &str,
        reply: &Reply,
    ) -> Result<(Vec<String>, usize)> {
        let users: Vec<Value> = serde_json::from_str(&reply.body).unwrap_or_default();
        let logins = users
            .iter()
            .filter_map(|u| u["login"].as_str())
            .map(str::to_ascii_lowercase)
            .collect();
        Ok((logins, users.len()))
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
        let scope = format!("{} {} assignees", self.api_url, self.full_name());
        let (path, mut old) = self.side_cache::<String>("assignees", &scope, progress);
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

    /// The bodies of a paginated, unconditional GET, following `Link:
    /// rel="next"`, with each page's URL: the listings that need no ETag
    /// (labels, milestones, issues changed since a moment, the report
    /// issue). The same walk as [`GitHub::walk_conditional`], with no
    /// cache to send or keep. `Err` is the request that failed (or a
    /// listing that does not end).
    pub(super) async fn pages(
        &mut self,
        first: String,
        progress: &dyn Progress,
    ) -> std::result::Result<Vec<(String, String)>, Failure> {
        let mut none = etag_cache::EtagCache::empty("");
        let mut read = etag_cache::EtagCache::empty("");
        let body: ReadPage<String> = |_, _, reply| Ok((vec![reply.body.clone()], 1));
        // No page counts as full: an unconditional walk never looks past
        // the last page.
        let walk = self
            .walk_conditional(
                first,
                (&mut none, &mut read),
                usize::MAX,
                "a listing",
                body,
                progress,
            )
            .await;
        match walk {
            Ok(Ok(walk)) => Ok(walk
                .order
                .into_iter()
                .map(|u| {
                    let page = read.pages.remove(&u).map(|p| p.items).unwrap_or_default();
                    (u, page.into_iter().next().unwrap_or_default())
                })
                .collect()),
            Ok(Err(f)) => Err(f),
            Err(e) => Err(Failure::Unreachable(e.to_string())),
        }
    }

    /// Every item of a paginated GET ([`GitHub::pages`]); an unreadable page
    /// counts as empty.
    pub(super) async fn get_all<T: serde::de::DeserializeOwned>(
        &mut self,
        first: String,
        progress: &dyn Progress,
    ) -> std::result::Result<Vec<T>, Failure> {
        let pages = self.pages(first, progress).await?;
        Ok(pages
            .iter()
            .flat_map(|(_, body)| serde_json::from_str::<Vec<T>>(body).unwrap_or_default())
            .collect())
    }

    /// Every issue of a paginated issue listing ([`GitHub::pages`]), pull
    /// requests left out; a failed request or an unreadable page is an
    /// error.
    pub(super) async fn issue_pages(
        &mut self,
        first: String,
        progress: &dyn Progress,
    ) -> Result<Vec<WireIssue>> {
        let pages = self
            .pages(first, progress)
            .await
            .map_err(|f| self.error("list issues", &f))?;
        let mut out = Vec::new();
        for (u, body) in pages {
            let raw: Vec<WireIssue> = serde_json::from_str(&body)
                .map_err(|e| Error::GitHub(format!("unreadable issue listing at {u}: {e}")))?;
            out.extend(raw.into_iter().filter(|w| !w.is_pull_request()));
        }
        Ok(out)
    }
}

/// Reads a fresh (200) page of a listing: its items, and how many items
/// GitHub sent (a full page may have a successor).
pub(super) type ReadPage<T> = fn(&mut GitHub, &str, &Reply) -> Result<(Vec<T>, usize)>;

/// What one [`GitHub::walk_conditional`] read.
#[derive(Debug, Default)]
pub(super) struct Walk {
    /// The page URLs, in the order walked.
    order: Vec<String>,
    /// Pages asked for.
    pages: usize,
    /// Pages answered `304 Not Modified`.
    not_modified: usize,
}

/// The URL of the page after `url` (its `page=` plus one, or `page=2`).
pub(super) fn following_page(url: &str) -> String {
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
