//! GLUE shared by the commands that talk to GitHub (`sync`, `report`):
//! which repository and API (flags, then `.pmtrack.yml`, then
//! `GITHUB_REPOSITORY` / `GITHUB_API_URL`, then the `origin` remote), which
//! token (`GITHUB_TOKEN`, then `GH_TOKEN`), and the edge's [`Connection`] (write
//! pacing, waits, ETag cache) — the same order and the same environment
//! ([`SyncEnv`]) for every command.
//!
//! Must not: read the environment itself (the caller passes [`SyncEnv`]),
//! print, or read the clock.

use super::workspace::Workspace;
use crate::error::{Error, Result};
use crate::github::{etag_cache, Connection, Token};
pub use crate::workflow::SyncEnv;
use std::time::Duration;

/// The command-line options every GitHub command shares.
#[derive(Debug, Clone, Default)]
pub struct GitHubArgs {
    /// Repository that holds the issues (default: config `repo`,
    /// GITHUB_REPOSITORY, or the `origin` remote).
    pub repo: Option<String>,
    /// GitHub REST API URL (default: config `api_url`, GITHUB_API_URL, or
    /// from the `origin` host; GitHub Enterprise: https://HOST/api/v3).
    pub api_url: Option<String>,
    /// Token (from GITHUB_TOKEN; prefer the variable to the flag).
    pub github_token: Option<String>,
    /// Token (from GH_TOKEN, used when GITHUB_TOKEN is not set).
    pub gh_token: Option<String>,
}

/// Where the issues live and how to reach GitHub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Repository owner.
    pub owner: String,
    /// Repository name.
    pub name: String,
    /// REST API base URL, without a trailing `/`.
    pub api_url: String,
    /// Web server URL (`https://github.com`).
    pub server_url: String,
    /// Branch document links point at.
    pub branch: String,
}

impl Target {
    /// `owner/name`.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    /// The web URL of issue `number`.
    pub fn issue_url(&self, number: u64) -> String {
        format!(
            "{}/{}/{}/issues/{number}",
            self.server_url.trim_end_matches('/'),
            self.owner,
            self.name
        )
    }
}

/// `owner/name` split, or a usage error naming where it came from.
fn split_repo(s: &str, from: &str) -> Result<(String, String)> {
    let s = s.trim().trim_end_matches(".git");
    match s.split_once('/') {
        Some((o, n)) if !o.is_empty() && !n.is_empty() && !n.contains('/') => {
            Ok((o.to_string(), n.to_string()))
        }
        _ => Err(Error::Usage(format!(
            "{from}: `{s}` is not OWNER/NAME; write it like `octo-org/octo-repo`"
        ))),
    }
}

/// The repository, API and branch, from (in order) the flags, the
/// configuration, the Actions environment and the `origin` remote.
pub fn resolve_target(
    ws: &Workspace,
    repo_flag: Option<&str>,
    api_flag: Option<&str>,
    env: &SyncEnv,
) -> Result<Target> {
    let origin = ws.repo.as_ref().and_then(|r| r.origin().ok().flatten());
    let (owner, name) = if let Some(r) = repo_flag {
        split_repo(r, "--repo")?
    } else if let Some(r) = &ws.config.repo {
        split_repo(r, "`repo` in .pmtrack.yml")?
    } else if let Some(r) = &env.repository {
        split_repo(r, "GITHUB_REPOSITORY")?
    } else if let Some(o) = &origin {
        (o.owner.clone(), o.name.clone())
    } else {
        return Err(Error::Usage(
            "cannot tell which repository holds the issues: pass --repo OWNER/NAME, set `repo:` in .pmtrack.yml, or add an `origin` remote on GitHub".into(),
        ));
    };
    let api_url = api_flag
        .map(str::to_owned)
        .or_else(|| ws.config.api_url.clone())
        .or_else(|| env.api_url.clone())
        .or_else(|| origin.as_ref().map(|o| o.api_url()))
        .unwrap_or_else(|| "https://api.github.com".to_string());
    let api_url = api_url.trim_end_matches('/').to_string();
    let server_url = env
        .server_url
        .clone()
        .unwrap_or_else(|| server_url_for(&api_url));
    let branch = ws
        .config
        .branch
        .clone()
        .or_else(|| ws.repo.as_ref().map(|r| r.default_branch()))
        .unwrap_or_else(|| "main".to_string());
    Ok(Target {
        owner,
        name,
        api_url,
        server_url,
        branch,
    })
}

/// The token: `GITHUB_TOKEN` (or its flag), else `GH_TOKEN`; blank = none.
pub fn token(github_token: Option<&str>, gh_token: Option<&str>) -> Option<Token> {
    fn set(t: Option<&str>) -> Option<&str> {
        t.map(str::trim).filter(|t| !t.is_empty())
    }
    // An empty GITHUB_TOKEN (a secret that is not set) falls back to GH_TOKEN.
    set(github_token).or(set(gh_token)).map(Token::new)
}

/// Longest `PMTRACK_MAX_WAIT`: an hour (GitHub's primary limit resets
/// within one).
const MAX_WAIT_SECONDS: f64 = 3600.0;

/// Seconds from an environment variable, 0 to `max`.
fn seconds(name: &str, value: Option<&str>, max: f64) -> Result<Option<Duration>> {
    let Some(v) = value else { return Ok(None) };
    match v.trim().parse::<f64>() {
        Ok(s) if (0.0..=max).contains(&s) => Ok(Some(Duration::from_secs_f64(s))),
        _ => Err(Error::Usage(format!(
            "{name} is `{v}`, but must be a number of seconds from 0 to {max} (e.g. 1 or 0.5)"
        ))),
    }
}

/// The edge's options for `target`: write interval (`PMTRACK_WRITE_INTERVAL`
/// or config), wait cap (`PMTRACK_MAX_WAIT`), page size and ETag cache file
/// (`PMTRACK_ETAG_CACHE` or config; relative to the repository root) — the
/// same cache `sync` uses, so a report after a sync lists for free.
pub fn github_options(
    ws: &Workspace,
    target: &Target,
    token: Option<Token>,
    env: &SyncEnv,
) -> Result<Connection> {
    let mut opts = Connection::new(&target.api_url, &target.owner, &target.name, token);
    opts.write_interval = match seconds(
        "PMTRACK_WRITE_INTERVAL",
        env.write_interval.as_deref(),
        crate::config::MAX_WRITE_INTERVAL,
    )? {
        Some(d) => d,
        None => Duration::from_secs_f64(ws.config.github.write_interval.max(0.0)),
    };
    opts.max_wait = seconds(
        "PMTRACK_MAX_WAIT",
        env.max_wait.as_deref(),
        MAX_WAIT_SECONDS,
    )?;
    opts.per_page = ws.config.github.per_page;
    opts.etag_cache = etag_cache::default_path(
        ws.config.github.etag_cache.as_deref(),
        env.etag_cache.as_deref(),
        &target.owner,
        &target.name,
    )
    .map(|p| if p.is_relative() { ws.root.join(p) } else { p });
    Ok(opts)
}

/// The web server URL for an API URL: `https://api.github.com` →
/// `https://github.com`, `https://HOST/api/v3` → `https://HOST`.
pub fn server_url_for(api_url: &str) -> String {
    let api = api_url.trim_end_matches('/');
    if let Some(rest) = api.strip_prefix("https://api.") {
        return format!("https://{rest}");
    }
    api.strip_suffix("/api/v3").unwrap_or(api).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws(dir: &std::path::Path, config: &str) -> Workspace {
        std::fs::write(dir.join(".pmtrack.yml"), config).unwrap();
        Workspace::open(dir, None).unwrap()
    }

    #[test]
    fn the_flag_beats_the_config_which_beats_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let w = ws(dir.path(), "repo: cfg/repo\n");
        let env = SyncEnv {
            repository: Some("env/repo".into()),
            api_url: Some("https://ghe.example.com/api/v3/".into()),
            ..SyncEnv::default()
        };
        let t = resolve_target(&w, Some("flag/repo"), None, &env).unwrap();
        assert_eq!(t.full_name(), "flag/repo");
        assert_eq!(t.api_url, "https://ghe.example.com/api/v3");
        assert_eq!(t.server_url, "https://ghe.example.com");
        assert_eq!(t.issue_url(4), "https://ghe.example.com/flag/repo/issues/4");
        let t = resolve_target(&w, None, None, &env).unwrap();
        assert_eq!(t.full_name(), "cfg/repo");
        let w = ws(dir.path(), "");
        let t = resolve_target(&w, None, None, &env).unwrap();
        assert_eq!(t.full_name(), "env/repo");
        let e = resolve_target(&w, None, None, &SyncEnv::default()).unwrap_err();
        assert!(e.to_string().contains("--repo OWNER/NAME"), "{e}");
        assert!(resolve_target(&w, Some("nope"), None, &env).is_err());
    }

    #[test]
    fn a_blank_token_is_no_token_and_github_token_wins() {
        assert!(token(Some("  "), None).is_none());
        assert!(token(None, Some("b")).is_some());
        assert!(
            token(Some(""), Some("b")).is_some(),
            "empty falls back to GH_TOKEN"
        );
        let t = token(Some("a"), Some("b")).unwrap();
        assert!(!format!("{t:?}").contains('a'));
    }

    /// A workspace without configuration in `dir`, and `o/r` on a local URL.
    fn local_target(dir: &std::path::Path) -> (Workspace, Target) {
        let w = ws(dir, "");
        let t = resolve_target(
            &w,
            Some("o/r"),
            Some("http://127.0.0.1:1"),
            &SyncEnv::default(),
        )
        .unwrap();
        (w, t)
    }

    #[test]
    fn options_take_the_intervals_from_the_environment_and_refuse_nonsense() {
        let dir = tempfile::tempdir().unwrap();
        let (w, t) = local_target(dir.path());
        let env = SyncEnv {
            write_interval: Some("0".into()),
            max_wait: Some("2.5".into()),
            etag_cache: Some("cache/etags.json".into()),
            ..SyncEnv::default()
        };
        let o = github_options(&w, &t, None, &env).unwrap();
        assert_eq!(o.write_interval, Duration::ZERO);
        assert_eq!(o.max_wait, Some(Duration::from_millis(2500)));
        assert_eq!(o.etag_cache, Some(w.root.join("cache/etags.json")));
        let bad = SyncEnv {
            max_wait: Some("-1".into()),
            ..SyncEnv::default()
        };
        assert!(github_options(&w, &t, None, &bad).is_err());
    }

    /// F6: `PMTRACK_WRITE_INTERVAL=1e300` panicked ("cannot convert float
    /// seconds to Duration") and `PMTRACK_MAX_WAIT=1e12` hung.
    #[test]
    fn f6_a_huge_wait_is_refused_with_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let (w, t) = local_target(dir.path());
        for (wi, mw) in [
            (Some("1e300"), None),
            (None, Some("1e300")),
            (None, Some("1e12")),
        ] {
            let huge = SyncEnv {
                write_interval: wi.map(Into::into),
                max_wait: mw.map(Into::into),
                ..SyncEnv::default()
            };
            let e = github_options(&w, &t, None, &huge).unwrap_err().to_string();
            assert!(e.contains("must be a number of seconds from 0 to"), "{e}");
        }
    }
}
