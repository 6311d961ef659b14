//! EDGE helper: the conditional-request cache file. For each page of the
//! managed-issue listing it keeps the page's `ETag`, its `next` link and the
//! issues parsed from it, so that a `304 Not Modified` (free of rate-limit
//! points) can reuse them. The same file format, with logins for items,
//! keeps the pages of the assignable-users listing, in a file of its own
//! beside it ([`beside`]).
//!
//! The file is a convenience, never a source of truth: a missing, unreadable,
//! corrupt or foreign file (other repository, label or API host) is ignored
//! with a warning, and the file is replaced atomically (temporary file in the
//! same folder, then rename) so a kill never leaves half a file. It holds
//! issue titles and bodies, so it is created readable by its owner only.
//! It never holds a token.

use crate::model::Issue;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Bumped when the file's shape changes; other versions are ignored.
const VERSION: u32 = 1;

/// One cached listing page of `T`s (issues, logins).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedPage<T = Issue> {
    /// The `ETag` GitHub sent with the page.
    pub etag: String,
    /// The page's `rel="next"` URL, if it had one.
    pub next: Option<String>,
    /// How many items GitHub sent on the page (pull requests included).
    pub raw_len: usize,
    /// The items on the page (issues: pull requests left out).
    pub items: Vec<T>,
}

/// The whole cache file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct EtagCache<T = Issue> {
    /// File format version.
    pub version: u32,
    /// What the pages are of (API URL, repository, label, page size): a
    /// cache for anything else is ignored.
    pub scope: String,
    /// Page URL → page.
    pub pages: BTreeMap<String, CachedPage<T>>,
}

impl<T> EtagCache<T> {
    /// An empty cache for `scope`.
    pub fn empty(scope: &str) -> EtagCache<T> {
        EtagCache {
            version: VERSION,
            scope: scope.to_string(),
            pages: BTreeMap::new(),
        }
    }
}

/// Where the cache lives: config `github.etag_cache`, else env
/// `PMTRACK_ETAG_CACHE`, else `<user cache dir>/pmtrack/etags-OWNER-REPO.json`;
/// `None` when there is no cache directory (no HOME) — then nothing is cached.
pub fn default_path(
    configured: Option<&str>,
    env: Option<&str>,
    owner: &str,
    repo: &str,
) -> Option<PathBuf> {
    if let Some(p) = configured.filter(|p| !p.trim().is_empty()) {
        return Some(PathBuf::from(p));
    }
    if let Some(p) = env.filter(|p| !p.trim().is_empty()) {
        return Some(PathBuf::from(p));
    }
    let safe = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    let file = format!("etags-{}-{}.json", safe(owner), safe(repo));
    dirs::cache_dir().map(|d| d.join("pmtrack").join(file))
}

/// The cache file for `what` (`assignees`) beside the issue listing's
/// cache `cache`: `etags.json` → `etags.assignees.json`.
pub fn beside(cache: &Path, what: &str) -> PathBuf {
    cache.with_extension(format!("{what}.json"))
}

/// Reads the cache for `scope`. A missing file is an empty cache; an
/// unreadable, corrupt or foreign one is an empty cache plus a warning.
pub fn load<T: DeserializeOwned>(path: &Path, scope: &str) -> (EtagCache<T>, Option<String>) {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return (EtagCache::empty(scope), None)
        }
        Err(e) => {
            let w = format!(
                "{}: cannot read the ETag cache ({e}); listing without it",
                path.display()
            );
            return (EtagCache::empty(scope), Some(w));
        }
    };
    match serde_json::from_str::<EtagCache<T>>(&text) {
        Ok(c) if c.version == VERSION && c.scope == scope => (c, None),
        Ok(_) => (EtagCache::empty(scope), None),
        Err(e) => {
            let w = format!(
                "{}: the ETag cache is corrupt ({e}); ignoring it (it is rewritten after this run)",
                path.display()
            );
            (EtagCache::empty(scope), Some(w))
        }
    }
}

/// Writes the cache atomically; creates the folder if needed. Returns a
/// warning instead of failing: a cache that cannot be written only costs
/// rate-limit points next time.
pub fn save<T: Serialize>(path: &Path, cache: &EtagCache<T>) -> Option<String> {
    let warn = |e: &dyn std::fmt::Display| {
        Some(format!(
            "{}: cannot write the ETag cache ({e}); the next run lists without it",
            path.display()
        ))
    };
    let json = match serde_json::to_vec(cache) {
        Ok(j) => j,
        Err(e) => return warn(&e),
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return warn(&e);
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "etags.json".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = write_private(&tmp, &json).and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return warn(&e);
    }
    None
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::IssueState;

    fn issue(n: u64) -> Issue {
        Issue {
            number: n,
            title: format!("t{n}"),
            body: "b".into(),
            state: IssueState::Open,
            close_reason: None,
            labels: vec!["postmortem".into()],
            assignees: vec![],
            milestone: None,
            html_url: format!("https://github.com/o/r/issues/{n}"),
            created_at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            closed_at: None,
            id: 0,
            parent: None,
            parent_known: false,
            sub_issues: None,
        }
    }

    #[test]
    fn a_saved_cache_loads_back_for_the_same_scope_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/etags.json");
        let mut c = EtagCache::empty("s1");
        c.pages.insert(
            "/repos/o/r/issues?x".into(),
            CachedPage {
                etag: "\"abc\"".into(),
                next: None,
                raw_len: 1,
                items: vec![issue(1)],
            },
        );
        assert_eq!(save(&path, &c), None);
        assert_eq!(load(&path, "s1"), (c, None));
        let (other, warning) = load::<Issue>(&path, "s2");
        assert!(other.pages.is_empty() && warning.is_none());
        let leftovers = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file is left behind");
    }

    #[test]
    fn a_cache_of_logins_lives_beside_the_listings_and_loads_back() {
        let dir = tempfile::tempdir().unwrap();
        let listing = dir.path().join("etags.json");
        let path = beside(&listing, "assignees");
        assert_eq!(path, dir.path().join("etags.assignees.json"));
        let mut c: EtagCache<String> = EtagCache::empty("a");
        c.pages.insert(
            "/repos/o/r/assignees?per_page=100".into(),
            CachedPage {
                etag: "\"e\"".into(),
                next: None,
                raw_len: 2,
                items: vec!["o".into(), "alice".into()],
            },
        );
        assert_eq!(save(&path, &c), None);
        assert_eq!(load::<String>(&path, "a"), (c, None));
        // The listing's own cache does not read it as issues.
        let (issues, warning) = load::<Issue>(&path, "a");
        assert!(issues.pages.is_empty() && warning.is_some());
    }

    #[test]
    fn a_corrupt_cache_is_ignored_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("etags.json");
        std::fs::write(&path, "{not json").unwrap();
        let (c, warning) = load::<Issue>(&path, "s");
        assert!(c.pages.is_empty());
        assert!(warning.unwrap().contains("corrupt"));
    }

    #[test]
    fn a_missing_cache_is_empty_without_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let (c, warning) = load::<Issue>(&dir.path().join("none.json"), "s");
        assert!(c.pages.is_empty() && warning.is_none());
    }

    #[test]
    fn the_path_prefers_config_then_env_then_cache_dir() {
        let p = default_path(Some("a.json"), Some("b.json"), "o", "r");
        assert_eq!(p, Some(PathBuf::from("a.json")));
        let p = default_path(None, Some("b.json"), "o", "r");
        assert_eq!(p, Some(PathBuf::from("b.json")));
        if let Some(p) = default_path(None, None, "my org", "r/x") {
            assert!(p.ends_with("pmtrack/etags-my_org-r_x.json"), "{p:?}");
        }
    }
}
