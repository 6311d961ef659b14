//! EDGE: the local git repository, through git2. Finds the repository and its
//! `origin` (→ GitHub host/owner/name), tells which files a push changed,
//! reads files as committed, and commits pmtrack's write-back as a bot.
//!
//! Knows paths and bytes, never postmortems: it must not import `parse`,
//! `model` or `plan`. It cannot push (git2 is built without https/ssh):
//! pushing is a `git push` subprocess elsewhere. No network, no clock beyond
//! the commit timestamp git2 takes itself.

use std::path::{Component, Path, PathBuf};

use git2::{Delta, DiffFindOptions, ErrorCode, Index, ObjectType, Oid, Repository, Signature};

use crate::error::{Error, Result};

/// A git repository with a work tree.
pub struct Repo {
    inner: Repository,
    workdir: PathBuf,
}

impl std::fmt::Debug for Repo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repo")
            .field("workdir", &self.workdir)
            .finish()
    }
}

/// A repository on a GitHub (or GitHub Enterprise) host, as named by a remote URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RemoteRepo {
    /// Lower-case host name, with the port only for `http(s)` URLs that name one.
    pub host: String,
    /// Owner (user or organisation).
    pub owner: String,
    /// Repository name, without `.git`.
    pub name: String,
}

impl RemoteRepo {
    /// The REST API base: `https://api.github.com` for github.com, else
    /// `https://HOST/api/v3` (GitHub Enterprise Server).
    pub fn api_url(&self) -> String {
        if self.host == "github.com" {
            "https://api.github.com".to_string()
        } else {
            format!("https://{}/api/v3", self.host)
        }
    }

    /// `owner/name`.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }
}

/// Files that differ between two commits, relative to the work tree, sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changed {
    /// Added, modified, copied, type-changed, and the new side of renames.
    /// (The old side of a rename is in neither list.)
    pub modified: Vec<PathBuf>,
    /// Deleted.
    pub deleted: Vec<PathBuf>,
}

/// Name and e-mail for commits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
}

impl Author {
    /// `pmtrack[bot] <pmtrack[bot]@users.noreply.github.com>`: Actions runners
    /// have no `user.name`, so this is the identity of last resort.
    pub fn bot() -> Author {
        Author {
            name: "pmtrack[bot]".to_string(),
            email: "pmtrack[bot]@users.noreply.github.com".to_string(),
        }
    }
}

fn git_err(what: &str, e: git2::Error) -> Error {
    Error::Git(format!("{what}: {}", e.message()))
}

impl Repo {
    /// Opens the repository containing `start` (or one of its parents).
    pub fn discover(start: &Path) -> Result<Repo> {
        let inner = Repository::discover(start).map_err(|e| {
            let hint = match e.code() {
                ErrorCode::Owner => "the repository is owned by another user; trust it with `git config --global --add safe.directory <path>`".to_string(),
                _ => "run pmtrack inside a git clone (or `git init` one)".to_string(),
            };
            Error::Git(format!(
                "no usable git repository at or above {}: {}; {hint}",
                start.display(),
                e.message()
            ))
        })?;
        let workdir = inner
            .workdir()
            .ok_or_else(|| {
                Error::Git(format!(
                    "{} is a bare repository with no work tree; run pmtrack in a checkout",
                    inner.path().display()
                ))
            })?
            .to_path_buf();
        Ok(Repo { inner, workdir })
    }

    /// The top of the work tree.
    pub fn workdir(&self) -> &Path {
        &self.workdir
    }

    /// The underlying git2 repository, for what this module does not cover.
    pub fn as_git2(&self) -> &Repository {
        &self.inner
    }

    /// The `origin` remote's URL with any credential removed; `None` when
    /// there is no `origin`.
    pub fn origin_url(&self) -> Result<Option<String>> {
        match self.inner.find_remote("origin") {
            Ok(remote) => {
                let url = remote
                    .url()
                    .map_err(|e| git_err("the url of remote `origin` is not UTF-8", e))?;
                Ok(Some(redact_url(url)))
            }
            Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
            Err(e) => Err(git_err("cannot read remote `origin`", e)),
        }
    }

    /// The GitHub repository `origin` points at; `None` when there is no
    /// `origin` or its URL does not name a `host/owner/name` (a local path).
    pub fn origin(&self) -> Result<Option<RemoteRepo>> {
        Ok(self.origin_url()?.as_deref().and_then(parse_remote_url))
    }

    /// The branch `refs/remotes/origin/HEAD` points at, else the current
    /// branch (even unborn), else `main`.
    pub fn default_branch(&self) -> String {
        let target_of = |name: &str| -> Option<String> {
            let r = self.inner.find_reference(name).ok()?;
            r.symbolic_target().ok().flatten().map(str::to_string)
        };
        if let Some(t) = target_of("refs/remotes/origin/HEAD") {
            if let Some(b) = t.strip_prefix("refs/remotes/origin/") {
                if !b.is_empty() {
                    return b.to_string();
                }
            }
        }
        if let Some(t) = target_of("HEAD") {
            if let Some(b) = t.strip_prefix("refs/heads/") {
                if !b.is_empty() {
                    return b.to_string();
                }
            }
        }
        "main".to_string()
    }

    fn tree_of(&self, rev: &str) -> Result<git2::Tree<'_>> {
        let obj = self.inner.revparse_single(rev).map_err(|e| {
            git_err(
                &format!(
                    "cannot find revision `{rev}` (fetch more history, e.g. `fetch-depth: 0`)"
                ),
                e,
            )
        })?;
        obj.peel_to_tree()
            .map_err(|e| git_err(&format!("revision `{rev}` is not a commit"), e))
    }

    /// Files that differ between revisions `from` and `to` (any revspec),
    /// with renames detected.
    pub fn changed_files(&self, from: &str, to: &str) -> Result<Changed> {
        let old = self.tree_of(from)?;
        let new = self.tree_of(to)?;
        let mut diff = self
            .inner
            .diff_tree_to_tree(Some(&old), Some(&new), None)
            .map_err(|e| git_err(&format!("cannot diff {from}..{to}"), e))?;
        diff.find_similar(Some(DiffFindOptions::new().renames(true)))
            .map_err(|e| git_err("cannot detect renames", e))?;
        let mut changed = Changed::default();
        for delta in diff.deltas() {
            match delta.status() {
                Delta::Deleted => {
                    if let Some(p) = delta.old_file().path() {
                        changed.deleted.push(p.to_path_buf());
                    }
                }
                Delta::Added
                | Delta::Modified
                | Delta::Renamed
                | Delta::Copied
                | Delta::Typechange => {
                    if let Some(p) = delta.new_file().path() {
                        changed.modified.push(p.to_path_buf());
                    }
                }
                _ => {}
            }
        }
        changed.modified.sort();
        changed.modified.dedup();
        changed.deleted.sort();
        changed.deleted.dedup();
        Ok(changed)
    }

    /// `path` relative to the work tree. Relative paths are taken as relative
    /// to the work tree already; absolute ones must lie inside it.
    fn rel_path(&self, path: &Path) -> Result<PathBuf> {
        let outside = || {
            Error::Git(format!(
                "{} is outside the repository at {}; pass a path inside the work tree",
                path.display(),
                self.workdir.display()
            ))
        };
        let rel = if path.is_absolute() {
            if let Ok(r) = path.strip_prefix(&self.workdir) {
                r.to_path_buf()
            } else {
                let canon = |p: &Path| -> Option<PathBuf> {
                    if let Ok(c) = p.canonicalize() {
                        return Some(c);
                    }
                    let parent = p.parent()?.canonicalize().ok()?;
                    Some(parent.join(p.file_name()?))
                };
                let wd = self.workdir.canonicalize().map_err(|_| outside())?;
                let p = canon(path).ok_or_else(outside)?;
                p.strip_prefix(&wd).map_err(|_| outside())?.to_path_buf()
            }
        } else {
            path.to_path_buf()
        };
        let mut clean = PathBuf::new();
        for c in rel.components() {
            match c {
                Component::Normal(s) => clean.push(s),
                Component::CurDir => {}
                _ => return Err(outside()),
            }
        }
        if clean.as_os_str().is_empty() {
            return Err(outside());
        }
        Ok(clean)
    }

    /// The bytes of `path` as committed at `rev`.
    pub fn read_at(&self, rev: &str, path: &Path) -> Result<Vec<u8>> {
        let rel = self.rel_path(path)?;
        let tree = self.tree_of(rev)?;
        let entry = tree
            .get_path(&rel)
            .map_err(|e| git_err(&format!("{} does not exist at {rev}", rel.display()), e))?;
        if entry.kind() != Some(ObjectType::Blob) {
            return Err(Error::Git(format!(
                "{} is not a file at {rev}",
                rel.display()
            )));
        }
        let blob = self
            .inner
            .find_blob(entry.id())
            .map_err(|e| git_err(&format!("cannot read {} at {rev}", rel.display()), e))?;
        Ok(blob.content().to_vec())
    }

    /// Stages exactly `paths` as they are in the work tree (a missing file is
    /// staged as deleted) on top of HEAD, and commits them on the current
    /// branch (or detached HEAD) as `author`, who is also the committer.
    /// Other staged changes stay staged and out of the commit. Returns `None`
    /// and commits nothing when the tree would equal HEAD's. On an unborn
    /// branch this makes the root commit.
    pub fn commit_paths(
        &self,
        paths: &[PathBuf],
        author: &Author,
        message: &str,
    ) -> Result<Option<Oid>> {
        let files: Vec<(PathBuf, Option<&[u8]>)> =
            paths.iter().map(|p| (p.clone(), None)).collect();
        self.commit_files(&files, author, message)
    }

    /// [`Repo::commit_paths`], where a file given with content is committed
    /// (and staged) with that content instead of the work tree's: pmtrack's
    /// edits applied to the committed text, so a person's uncommitted edits
    /// in the same file stay theirs, uncommitted.
    pub fn commit_files(
        &self,
        files: &[(PathBuf, Option<&[u8]>)],
        author: &Author,
        message: &str,
    ) -> Result<Option<Oid>> {
        let repo = &self.inner;
        let rels = files
            .iter()
            .map(|(p, _)| self.rel_path(p))
            .collect::<Result<Vec<_>>>()?;

        let head_commit = match repo.head() {
            Ok(h) => Some(
                h.peel_to_commit()
                    .map_err(|e| git_err("HEAD does not point at a commit", e))?,
            ),
            Err(e) if e.code() == ErrorCode::UnbornBranch || e.code() == ErrorCode::NotFound => {
                None
            }
            Err(e) => Err(git_err("cannot read HEAD", e))?,
        };
        let head_tree = match &head_commit {
            Some(c) => Some(
                c.tree()
                    .map_err(|e| git_err("cannot read HEAD's tree", e))?,
            ),
            None => None,
        };

        // Stage in the real index first: `add_path` applies the repository's
        // filters (core.autocrlf, .gitattributes) exactly as `git add` would,
        // and keeps `git status` clean for these paths after the commit.
        let mut index = repo
            .index()
            .map_err(|e| git_err("cannot open the index (.git/index)", e))?;
        for (rel, (_, content)) in rels.iter().zip(files) {
            if let Some(bytes) = content {
                // No stat data: git must compare the work tree file's
                // content with this entry, so the person's edits show as
                // changes (a copied stat would hide them).
                let entry = git2::IndexEntry {
                    ctime: git2::IndexTime::new(0, 0),
                    mtime: git2::IndexTime::new(0, 0),
                    dev: 0,
                    ino: 0,
                    mode: index.get_path(rel, 0).map_or(0o100_644, |e| e.mode),
                    uid: 0,
                    gid: 0,
                    file_size: u32::try_from(bytes.len()).unwrap_or(u32::MAX),
                    id: Oid::ZERO_SHA1,
                    flags: 0,
                    flags_extended: 0,
                    path: rel.to_string_lossy().replace('\\', "/").into_bytes(),
                };
                index
                    .add_frombuffer(&entry, bytes)
                    .map_err(|e| git_err(&format!("cannot stage {}", rel.display()), e))?;
                continue;
            }
            let on_disk = self.workdir.join(rel).symlink_metadata().is_ok();
            if on_disk {
                index
                    .add_path(rel)
                    .map_err(|e| git_err(&format!("cannot stage {}", rel.display()), e))?;
            } else {
                match index.remove_path(rel) {
                    Ok(()) => {}
                    Err(e) if e.code() == ErrorCode::NotFound => {}
                    Err(e) => return Err(git_err(&format!("cannot unstage {}", rel.display()), e)),
                }
            }
        }

        // Build the commit's tree from HEAD plus exactly these entries, so
        // whatever else the user staged is not swept into the bot's commit.
        let mut scratch =
            Index::new().map_err(|e| git_err("cannot create an in-memory index", e))?;
        if let Some(t) = &head_tree {
            scratch
                .read_tree(t)
                .map_err(|e| git_err("cannot read HEAD's tree", e))?;
        }
        for rel in &rels {
            match index.get_path(rel, 0) {
                Some(entry) => scratch
                    .add(&entry)
                    .map_err(|e| git_err(&format!("cannot stage {}", rel.display()), e))?,
                None => match scratch.remove_path(rel) {
                    Ok(()) => {}
                    Err(e) if e.code() == ErrorCode::NotFound => {}
                    Err(e) => return Err(git_err(&format!("cannot unstage {}", rel.display()), e)),
                },
            }
        }
        let tree_id = scratch
            .write_tree_to(repo)
            .map_err(|e| git_err("cannot write the tree", e))?;
        let unchanged = match &head_tree {
            Some(t) => t.id() == tree_id,
            None => scratch.is_empty(),
        };
        if unchanged {
            return Ok(None);
        }
        index
            .write()
            .map_err(|e| git_err("cannot write the index (.git/index)", e))?;
        let tree = repo
            .find_tree(tree_id)
            .map_err(|e| git_err("cannot read the new tree", e))?;
        let sig = Signature::now(&author.name, &author.email).map_err(|e| {
            git_err(
                &format!("invalid commit author `{} <{}>`", author.name, author.email),
                e,
            )
        })?;
        let parents: Vec<&git2::Commit<'_>> = head_commit.iter().collect();
        let oid = repo
            .commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
            .map_err(|e| git_err("cannot commit", e))?;
        Ok(Some(oid))
    }
}

/// The subject of pmtrack's write-back commit, e.g.
/// `pmtrack: update action items in postmortems/2024-01-db.md [skip ci]`:
/// up to three names, then `and N more`. It ends in `[skip ci]` so the push
/// does not trigger another run.
pub fn commit_message(postmortems: &[String]) -> String {
    let mut s = String::from("pmtrack: update action items");
    if !postmortems.is_empty() {
        s.push_str(" in ");
        let shown = postmortems.len().min(3);
        s.push_str(&postmortems[..shown].join(", "));
        if postmortems.len() > shown {
            s.push_str(&format!(" and {} more", postmortems.len() - shown));
        }
    }
    s.push_str(" [skip ci]");
    s
}

/// `url` with any `user:password@` removed.
fn redact_url(url: &str) -> String {
    if let Some(i) = url.find("://") {
        let rest = &url[i + 3..];
        let auth_end = rest.find('/').unwrap_or(rest.len());
        if let Some(at) = rest[..auth_end].rfind('@') {
            let user = &rest[..at];
            // Keep a bare ssh user name (`git@`), drop anything with a secret.
            if !user.contains(':') && url.starts_with("ssh://") {
                return url.to_string();
            }
            return format!("{}{}", &url[..i + 3], &rest[at + 1..]);
        }
    }
    url.to_string()
}

/// Reads host/owner/name from a git remote URL: `https://github.com/o/r(.git)`,
/// `http://`, `https://user:token@host/o/r.git` (the credential is dropped),
/// `ssh://git@host(:port)/o/r.git`, `git://`, scp-like `git@host:o/r.git` and
/// `host:o/r`. Longer paths (`https://host/scm/o/r.git`) give their last two
/// segments. `None` for local paths and anything else.
pub fn parse_remote_url(url: &str) -> Option<RemoteRepo> {
    let url = url.trim();
    let url = url.split(['?', '#']).next()?;
    let (host, path) = if let Some(i) = url.find("://") {
        let scheme = url[..i].to_ascii_lowercase();
        let keep_port = match scheme.as_str() {
            "https" | "http" => true,
            "ssh" | "git" | "git+ssh" | "ssh+git" => false,
            _ => return None,
        };
        let rest = &url[i + 3..];
        let (authority, path) = rest.split_at(rest.find('/')?);
        let hostport = authority.rsplit('@').next()?;
        let host = if keep_port {
            hostport
        } else {
            strip_port(hostport)
        };
        (host, path)
    } else {
        // scp-like: [user@]host:path, where no `/` comes before the colon.
        let colon = url.find(':')?;
        if url[..colon].contains('/') {
            return None;
        }
        let host = url[..colon].rsplit('@').next()?;
        // A one-letter "host" is a Windows drive (C:\...).
        if host.len() < 2 {
            return None;
        }
        (host, &url[colon + 1..])
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() || host.contains(|c: char| c.is_whitespace() || c == '/' || c == '\\') {
        return None;
    }
    let host = match host.as_str() {
        "ssh.github.com" | "www.github.com" => "github.com".to_string(),
        _ => host,
    };
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if segments.len() < 2 {
        return None;
    }
    let owner = segments[segments.len() - 2];
    let last = segments[segments.len() - 1];
    let name = last.strip_suffix(".git").unwrap_or(last);
    let valid = |s: &str| {
        !s.is_empty()
            && s != "."
            && s != ".."
            && !s.contains(|c: char| c.is_whitespace() || c == ':' || c == '@' || c == '\\')
    };
    if !valid(owner) || !valid(name) {
        return None;
    }
    Some(RemoteRepo {
        host,
        owner: owner.to_string(),
        name: name.to_string(),
    })
}

fn strip_port(hostport: &str) -> &str {
    match hostport.rfind(':') {
        Some(i) if hostport[i + 1..].bytes().all(|b| b.is_ascii_digit()) => &hostport[..i],
        _ => hostport,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn rr(host: &str, owner: &str, name: &str) -> Option<RemoteRepo> {
        Some(RemoteRepo {
            host: host.into(),
            owner: owner.into(),
            name: name.into(),
        })
    }

    /// A temporary repository with a work tree, `main` as its unborn branch.
    fn init() -> (tempfile::TempDir, Repo) {
        let dir = tempfile::tempdir().unwrap();
        let mut opts = git2::RepositoryInitOptions::new();
        opts.initial_head("main");
        Repository::init_opts(dir.path(), &opts).unwrap();
        let repo = Repo::discover(dir.path()).unwrap();
        (dir, repo)
    }

    fn write(dir: &Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }

    fn commit_all(repo: &Repo, msg: &str) -> Oid {
        let r = repo.as_git2();
        let mut index = r.index().unwrap();
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .unwrap();
        index.update_all(["*"], None).unwrap();
        index.write().unwrap();
        let tree = r.find_tree(index.write_tree().unwrap()).unwrap();
        let sig = Signature::now("T", "t@example.com").unwrap();
        let parents: Vec<git2::Commit> = r
            .head()
            .ok()
            .map(|h| h.peel_to_commit().unwrap())
            .into_iter()
            .collect();
        let refs: Vec<&git2::Commit> = parents.iter().collect();
        r.commit(Some("HEAD"), &sig, &sig, msg, &tree, &refs)
            .unwrap()
    }

    fn paths(v: &[&str]) -> Vec<PathBuf> {
        v.iter().map(PathBuf::from).collect()
    }

    #[test]
    fn https_and_scp_urls_give_owner_and_name() {
        for url in [
            "https://github.com/o/r",
            "https://github.com/o/r.git",
            "https://github.com/o/r/",
            "https://github.com/o/r.git/",
            "http://github.com/o/r",
            "https://GitHub.com/o/r.git",
            "git@github.com:o/r.git",
            "github.com:o/r",
            "ssh://git@github.com/o/r.git",
            "ssh://git@ssh.github.com:443/o/r.git",
            "git://github.com/o/r.git",
        ] {
            assert_eq!(parse_remote_url(url), rr("github.com", "o", "r"), "{url}");
        }
    }

    #[test]
    fn credentials_in_urls_are_never_kept() {
        let r = parse_remote_url("https://x-access-token:ghp_SECRET@github.com/o/r.git").unwrap();
        assert_eq!(r, rr("github.com", "o", "r").unwrap());
        assert!(!format!("{r:?}").contains("SECRET"));
        assert_eq!(
            redact_url("https://user:ghp_SECRET@github.com/o/r.git"),
            "https://github.com/o/r.git"
        );
    }

    #[test]
    fn enterprise_hosts_ports_and_prefixes() {
        assert_eq!(
            parse_remote_url("ssh://git@ghe.example.com:2222/team/svc.git"),
            rr("ghe.example.com", "team", "svc")
        );
        assert_eq!(
            parse_remote_url("https://ghe.example.com/scm/team/svc.git"),
            rr("ghe.example.com", "team", "svc")
        );
        assert_eq!(
            parse_remote_url("https://ghe.example.com:8443/team/svc"),
            rr("ghe.example.com:8443", "team", "svc")
        );
        assert_eq!(
            parse_remote_url("git@ghe.example.com:team/svc.git"),
            rr("ghe.example.com", "team", "svc")
        );
    }

    #[test]
    fn local_paths_and_junk_are_not_remotes() {
        for url in [
            "/srv/git/o/r.git",
            "../r",
            "file:///srv/git/o/r.git",
            "C:\\repos\\r",
            "https://github.com/r",
            "",
        ] {
            assert_eq!(parse_remote_url(url), None, "{url}");
        }
    }

    #[test]
    fn api_url_depends_on_host() {
        assert_eq!(
            rr("github.com", "o", "r").unwrap().api_url(),
            "https://api.github.com"
        );
        assert_eq!(
            rr("ghe.example.com", "o", "r").unwrap().api_url(),
            "https://ghe.example.com/api/v3"
        );
    }

    #[test]
    fn origin_is_read_from_the_remote() {
        let (_d, repo) = init();
        assert_eq!(repo.origin().unwrap(), None);
        repo.as_git2()
            .remote("origin", "https://tok@github.com/acme/infra.git")
            .unwrap();
        assert_eq!(repo.origin().unwrap(), rr("github.com", "acme", "infra"));
        assert_eq!(
            repo.origin_url().unwrap().as_deref(),
            Some("https://github.com/acme/infra.git")
        );
    }

    #[test]
    fn discover_outside_a_repository_is_a_git_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = Repo::discover(dir.path()).unwrap_err();
        assert!(
            matches!(err, Error::Git(ref m) if m.contains("git init")),
            "{err}"
        );
    }

    #[test]
    fn default_branch_prefers_origin_head_then_current_then_main() {
        let (_d, repo) = init();
        // Unborn `main`.
        assert_eq!(repo.default_branch(), "main");
        write(repo.workdir(), "a.md", "a\n");
        let c = commit_all(&repo, "one");
        let r = repo.as_git2();
        r.branch("feature", &r.find_commit(c).unwrap(), false)
            .unwrap();
        r.set_head("refs/heads/feature").unwrap();
        assert_eq!(repo.default_branch(), "feature");
        r.reference("refs/remotes/origin/trunk", c, true, "test")
            .unwrap();
        r.reference_symbolic(
            "refs/remotes/origin/HEAD",
            "refs/remotes/origin/trunk",
            true,
            "test",
        )
        .unwrap();
        assert_eq!(repo.default_branch(), "trunk");
        r.find_reference("refs/remotes/origin/HEAD")
            .unwrap()
            .delete()
            .unwrap();
        r.set_head_detached(c).unwrap();
        assert_eq!(repo.default_branch(), "main");
    }

    #[test]
    fn changed_files_lists_added_modified_renamed_and_deleted() {
        let (_d, repo) = init();
        let wd = repo.workdir().to_path_buf();
        write(&wd, "pm/keep.md", "same\n");
        write(&wd, "pm/edit.md", "old\n");
        write(&wd, "pm/gone.md", "bye\n");
        write(
            &wd,
            "pm/move.md",
            "a long enough body to be detected as a rename\n"
                .repeat(5)
                .as_str(),
        );
        let c1 = commit_all(&repo, "one");
        write(&wd, "pm/edit.md", "new\n");
        fs::remove_file(wd.join("pm/gone.md")).unwrap();
        fs::rename(wd.join("pm/move.md"), wd.join("pm/moved.md")).unwrap();
        write(&wd, "pm/new.md", "hi\n");
        let c2 = commit_all(&repo, "two");
        let ch = repo
            .changed_files(&c1.to_string(), &c2.to_string())
            .unwrap();
        assert_eq!(
            ch.modified,
            paths(&["pm/edit.md", "pm/moved.md", "pm/new.md"])
        );
        assert_eq!(ch.deleted, paths(&["pm/gone.md"]));
        assert_eq!(
            repo.changed_files("HEAD", "HEAD").unwrap(),
            Changed::default()
        );
    }

    #[test]
    fn read_at_returns_committed_bytes_and_names_missing_files() {
        let (_d, repo) = init();
        let wd = repo.workdir().to_path_buf();
        write(&wd, "pm/a.md", "\u{feff}one\r\n");
        let c1 = commit_all(&repo, "one");
        write(&wd, "pm/a.md", "two\n");
        commit_all(&repo, "two");
        assert_eq!(
            repo.read_at(&c1.to_string(), Path::new("pm/a.md")).unwrap(),
            "\u{feff}one\r\n".as_bytes()
        );
        assert_eq!(repo.read_at("HEAD", &wd.join("pm/a.md")).unwrap(), b"two\n");
        let err = repo.read_at("HEAD", Path::new("pm/nope.md")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("pm/nope.md") && msg.contains("HEAD"), "{msg}");
    }

    #[test]
    fn commit_paths_makes_the_root_commit_on_an_unborn_branch() {
        let (_d, repo) = init();
        write(repo.workdir(), "pm/a.md", "a\n");
        let oid = repo
            .commit_paths(&paths(&["pm/a.md"]), &Author::bot(), "first [skip ci]")
            .unwrap()
            .expect("a commit");
        let r = repo.as_git2();
        let c = r.find_commit(oid).unwrap();
        assert_eq!(c.parent_count(), 0);
        assert_eq!(r.head().unwrap().shorthand().unwrap(), "main");
        assert_eq!(c.author().name().unwrap(), "pmtrack[bot]");
        assert_eq!(
            c.committer().email().unwrap(),
            "pmtrack[bot]@users.noreply.github.com"
        );
        assert_eq!(repo.read_at("HEAD", Path::new("pm/a.md")).unwrap(), b"a\n");
    }

    #[test]
    fn commit_paths_commits_only_the_given_paths_and_skips_no_change() {
        let (_d, repo) = init();
        let wd = repo.workdir().to_path_buf();
        write(&wd, "pm/a.md", "a\n");
        write(&wd, "pm/b.md", "b\n");
        write(&wd, "pm/c.md", "c\n");
        let base = commit_all(&repo, "base");

        // Nothing changed: no commit.
        let none = repo
            .commit_paths(&paths(&["pm/a.md"]), &Author::bot(), "x")
            .unwrap();
        assert_eq!(none, None);
        assert_eq!(repo.as_git2().head().unwrap().target(), Some(base));

        write(&wd, "pm/a.md", "a2\n");
        write(&wd, "pm/b.md", "b2\n"); // changed but not ours to commit
        fs::remove_file(wd.join("pm/c.md")).unwrap();
        let oid = repo
            .commit_paths(
                &[PathBuf::from("pm/a.md"), wd.join("pm/c.md")],
                &Author::bot(),
                "msg",
            )
            .unwrap()
            .expect("a commit");
        let r = repo.as_git2();
        let c = r.find_commit(oid).unwrap();
        assert_eq!(c.parent_id(0).unwrap(), base);
        assert_eq!(c.message().unwrap(), "msg");
        assert_eq!(repo.read_at("HEAD", Path::new("pm/a.md")).unwrap(), b"a2\n");
        assert_eq!(repo.read_at("HEAD", Path::new("pm/b.md")).unwrap(), b"b\n");
        assert!(repo.read_at("HEAD", Path::new("pm/c.md")).is_err());
        // The committed paths are clean afterwards; b.md is still a local change.
        let st = r.status_file(Path::new("pm/a.md")).unwrap();
        assert!(st.is_empty(), "{st:?}");
        assert!(r
            .status_file(Path::new("pm/b.md"))
            .unwrap()
            .is_wt_modified());
    }

    #[test]
    fn commit_paths_leaves_other_staged_changes_staged_and_uncommitted() {
        let (_d, repo) = init();
        let wd = repo.workdir().to_path_buf();
        write(&wd, "a.md", "a\n");
        write(&wd, "b.md", "b\n");
        commit_all(&repo, "base");
        write(&wd, "b.md", "b staged by the user\n");
        let r = repo.as_git2();
        let mut index = r.index().unwrap();
        index.add_path(Path::new("b.md")).unwrap();
        index.write().unwrap();
        write(&wd, "a.md", "a2\n");
        repo.commit_paths(&paths(&["a.md"]), &Author::bot(), "m")
            .unwrap()
            .expect("a commit");
        assert_eq!(repo.read_at("HEAD", Path::new("b.md")).unwrap(), b"b\n");
        assert!(r
            .status_file(Path::new("b.md"))
            .unwrap()
            .is_index_modified());
    }

    #[test]
    fn commit_paths_refuses_paths_outside_the_work_tree() {
        let (_d, repo) = init();
        let err = repo
            .commit_paths(&paths(&["../x.md"]), &Author::bot(), "m")
            .unwrap_err();
        assert!(err.to_string().contains("outside the repository"), "{err}");
    }

    #[test]
    fn commit_message_lists_three_names_and_skips_ci() {
        let one = commit_message(&["postmortems/2024-01-db.md".into()]);
        assert_eq!(
            one,
            "pmtrack: update action items in postmortems/2024-01-db.md [skip ci]"
        );
        let names: Vec<String> = (1..=5).map(|i| format!("p{i}.md")).collect();
        let five = commit_message(&names);
        assert_eq!(
            five,
            "pmtrack: update action items in p1.md, p2.md, p3.md and 2 more [skip ci]"
        );
        assert!(!five.contains('\n'));
        assert_eq!(
            commit_message(&[]),
            "pmtrack: update action items [skip ci]"
        );
    }
}
