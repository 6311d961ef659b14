//! EDGE: finds document files, reads them whole (BOM and CRLF bytes kept
//! exactly), and rewrites them atomically, refusing when a file changed on
//! disk since it was read.
//!
//! Knows paths and bytes, never postmortems: it must not import `parse`,
//! `model` or `plan`, and never decides what a document says. Reading never
//! modifies a file; writing never leaves a half-written file or a stray
//! temporary file behind.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::time::SystemTime;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::error::{Error, Result};

/// Extensions (lower-case) of text documents a walk keeps.
pub const TEXT_EXTENSIONS: &[&str] = &["md", "markdown", "mdown", "txt"];

/// How many leading bytes are checked for NUL to call a file binary.
const BINARY_SNIFF: usize = 8 * 1024;

/// What a file looked like when it was read: its length and modification
/// time. A later write is refused unless the file still has them and the
/// very bytes that were read (compared in full at write time, so reading,
/// which every command does, costs no hashing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// Length in bytes.
    pub len: u64,
    /// Modification time, when the platform reports one.
    pub mtime: Option<SystemTime>,
}

/// A document read whole.
#[derive(Debug, Clone)]
pub struct Document {
    /// The path it was read from, as given.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes_len: u64,
    /// Its text, byte for byte: a BOM and CRLF line endings are kept.
    pub text: String,
    /// For [`write_atomic`]'s staleness check.
    pub fingerprint: Fingerprint,
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.display().to_string(),
        source,
    }
}

fn bad_input(path: &Path, message: String) -> Error {
    Error::BadInput {
        path: path.display().to_string(),
        message,
    }
}

/// Compiles globs into a set: `/`-separated, matched against paths relative
/// to the walk root, case-insensitive, `*` not crossing `/` (`**` does).
fn glob_set(globs: &[String], what: &str) -> Result<GlobSet> {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        let pattern = g.trim();
        let pattern = pattern.strip_prefix("./").unwrap_or(pattern);
        let pattern = pattern.trim_start_matches('/');
        let glob = GlobBuilder::new(pattern)
            .literal_separator(true)
            .case_insensitive(true)
            .build()
            .map_err(|e| {
                Error::Usage(format!(
                    "invalid {what} glob `{g}`: {}; use `*`, `**`, `?`, `[..]` or `{{a,b}}` (e.g. `postmortems/**`)",
                    e.kind()
                ))
            })?;
        b.add(glob);
    }
    b.build()
        .map_err(|e| Error::Usage(format!("invalid {what} globs: {e}")))
}

fn has_text_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| TEXT_EXTENSIONS.iter().any(|t| t.eq_ignore_ascii_case(e)))
        .unwrap_or(false)
}

/// Walks `dir` honouring `.gitignore` (inside a git repository), `.ignore`
/// and `.git/info/exclude`, but never the user's global gitignore, which
/// differs between a laptop and CI. Hidden files and folders are skipped;
/// symlinks are not followed. Yields regular text-document files.
fn walk_text_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let walker = ignore::WalkBuilder::new(dir)
        .hidden(true)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .parents(true)
        .follow_links(false)
        .build();
    let mut out = Vec::new();
    for entry in walker {
        let entry = entry.map_err(|e| {
            let source = match e.io_error() {
                Some(io) => io::Error::new(io.kind(), e.to_string()),
                None => io::Error::other(e.to_string()),
            };
            Error::Io {
                path: dir.display().to_string(),
                source,
            }
        })?;
        let is_file = entry.file_type().map(|t| t.is_file()).unwrap_or(false);
        if is_file && has_text_extension(entry.path()) {
            out.push(entry.into_path());
        }
    }
    Ok(out)
}

fn ensure_dir(root: &Path) -> Result<()> {
    let meta = fs::metadata(root).map_err(io_err(root))?;
    if !meta.is_dir() {
        return Err(Error::Io {
            path: root.display().to_string(),
            source: io::Error::new(io::ErrorKind::NotADirectory, "not a directory"),
        });
    }
    Ok(())
}

/// The text documents under `root` whose path relative to `root` matches an
/// `include` glob and no `exclude` glob (e.g. `postmortems/**`,
/// `**/*postmortem*`). Extensions: `.md`, `.markdown`, `.mdown`, `.txt`.
/// Returns sorted paths relative to `root`. A bad glob is [`Error::Usage`].
pub fn find_documents(root: &Path, include: &[String], exclude: &[String]) -> Result<Vec<PathBuf>> {
    let include = glob_set(include, "include")?;
    let exclude = glob_set(exclude, "exclude")?;
    ensure_dir(root)?;
    let mut out = Vec::new();
    for path in walk_text_files(root)? {
        let Ok(rel) = path.strip_prefix(root) else {
            continue;
        };
        // Globs are `/`-separated on every platform.
        let key = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        if include.is_match(&key) && !exclude.is_match(&key) {
            out.push(rel.to_path_buf());
        }
    }
    sort_paths(&mut out);
    Ok(out)
}

/// `p` without `.` components (`./a/./b.md` → `a/b.md`).
fn without_cur_dir(p: &Path) -> PathBuf {
    let clean: PathBuf = p
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    if clean.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        clean
    }
}

/// Expands paths given on the command line: a file is taken as is, whatever
/// its extension or ignore rules; a directory is walked like
/// [`find_documents`] (ignore rules, text extensions, no globs). A missing
/// path is [`Error::Io`] naming it. Sorted and deduplicated.
pub fn expand_paths(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        let meta = fs::metadata(p).map_err(io_err(p))?;
        if meta.is_dir() {
            out.extend(walk_text_files(p)?.iter().map(|f| without_cur_dir(f)));
        } else {
            out.push(without_cur_dir(p));
        }
    }
    sort_paths(&mut out);
    Ok(out)
}

/// Sorts and deduplicates paths in [`Path`]'s own order (component by
/// component), comparing each path's bytes once instead of splitting it
/// into components at every comparison.
fn sort_paths(paths: &mut Vec<PathBuf>) {
    paths.sort_by_cached_key(|p| {
        let mut key = Vec::with_capacity(p.as_os_str().len() + 8);
        for c in p.components() {
            // Component kinds order as `Component` does; a component ends
            // with a 0 byte so that a shorter name sorts first.
            key.push(match c {
                Component::Prefix(_) => 1,
                Component::RootDir => 2,
                Component::CurDir => 3,
                Component::ParentDir => 4,
                Component::Normal(_) => 5,
            });
            key.extend_from_slice(c.as_os_str().as_encoded_bytes());
            key.push(0);
        }
        key
    });
    paths.dedup();
}

const MB: u64 = 1024 * 1024;
const KB: u64 = 1024;

/// `50.0 MB`, `1.5 KB`, `12 bytes`.
fn human_size(n: u64) -> String {
    if n >= MB {
        format!("{:.1} MB", n as f64 / MB as f64)
    } else if n >= KB {
        format!("{:.1} KB", n as f64 / KB as f64)
    } else {
        format!("{n} bytes")
    }
}

/// The limit, without a needless `.0`.
fn human_limit(n: u64) -> String {
    if n >= MB && n.is_multiple_of(MB) {
        format!("{} MB", n / MB)
    } else if (KB..MB).contains(&n) && n.is_multiple_of(KB) {
        format!("{} KB", n / KB)
    } else {
        human_size(n)
    }
}

fn fingerprint_of(bytes: &[u8], mtime: Option<SystemTime>) -> Fingerprint {
    Fingerprint {
        len: bytes.len() as u64,
        mtime,
    }
}

/// Reads an opened file to the end, at most `limit + 1` bytes.
fn read_capped(path: &Path, file: File, limit: u64, expected: u64) -> Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(expected.min(limit).saturating_add(1) as usize);
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io_err(path))?;
    Ok(bytes)
}

/// 1-based line and column (in characters; a leading BOM not counted) of
/// byte `at`, given that `bytes[..at]` is valid UTF-8.
fn line_col(bytes: &[u8], at: usize) -> (usize, usize) {
    let before = std::str::from_utf8(&bytes[..at]).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let tail = &before[line_start..];
    let tail = if line == 1 {
        tail.strip_prefix('\u{feff}').unwrap_or(tail)
    } else {
        tail
    };
    (line, tail.chars().count() + 1)
}

/// Reads a document whole. Refuses (as [`Error::BadInput`]) files larger than
/// `max_bytes`, binary files (a NUL byte in the first 8 KiB) and text that
/// is not UTF-8 (naming the line and column). The text keeps every byte,
/// BOM and CRLF included. Never modifies the file.
pub fn read_document(path: &Path, max_bytes: u64) -> Result<Document> {
    let file = File::open(path).map_err(io_err(path))?;
    let meta = file.metadata().map_err(io_err(path))?;
    if !meta.is_file() {
        return Err(bad_input(
            path,
            "not a regular file; name a document file".to_string(),
        ));
    }
    let too_big = |len: u64| {
        bad_input(
            path,
            format!(
                "file is {}, larger than the {} limit (max_file_size in .pmtrack.yml)",
                human_size(len),
                human_limit(max_bytes)
            ),
        )
    };
    if meta.len() > max_bytes {
        return Err(too_big(meta.len()));
    }
    let bytes = read_capped(path, file, max_bytes, meta.len())?;
    if bytes.len() as u64 > max_bytes {
        // It grew while being read.
        return Err(too_big(bytes.len() as u64));
    }
    let sniff = &bytes[..bytes.len().min(BINARY_SNIFF)];
    if sniff.contains(&0) {
        return Err(bad_input(
            path,
            "binary file, not a postmortem; exclude it (exclude in .pmtrack.yml)".to_string(),
        ));
    }
    let fingerprint = fingerprint_of(&bytes, meta.modified().ok());
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bytes = e.as_bytes();
            let (line, col) = line_col(bytes, at);
            return Err(bad_input(
                path,
                format!(
                    "not valid UTF-8 at line {line}, column {col} (byte 0x{:02X}); re-save the file as UTF-8",
                    bytes[at]
                ),
            ));
        }
    };
    Ok(Document {
        path: path.to_path_buf(),
        bytes_len: fingerprint.len,
        text,
        fingerprint,
    })
}

/// Removes the temporary file on drop unless it was renamed into place.
struct TempFile {
    path: Option<PathBuf>,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(p) = self.path.take() {
            let _ = fs::remove_file(p);
        }
    }
}

/// Creates `.pmtrack-NAME.PID.N.tmp` next to `target`, readable only by the
/// owner until the original permissions are copied onto it.
/// A lock file held for a run: created with `create_new` (so only one run
/// gets it), holding the process id and start time, removed on drop. A lock
/// left by a process that no longer runs (or, where that cannot be told,
/// older than `STALE_LOCK`, an hour) is taken over.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
}

/// A lock older than this is stale where process ids cannot be checked.
const STALE_LOCK: std::time::Duration = std::time::Duration::from_secs(3600);

impl Lock {
    /// Takes the lock at `path`, or says who holds it.
    pub fn acquire(path: &Path, what: &str) -> Result<Lock> {
        for _ in 0..2 {
            match OpenOptions::new().write(true).create_new(true).open(path) {
                Ok(mut f) => {
                    let now = SystemTime::now()
                        .duration_since(SystemTime::UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs());
                    let _ = writeln!(f, "{} {now}", std::process::id());
                    return Ok(Lock {
                        path: path.to_path_buf(),
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    let held = fs::read_to_string(path).unwrap_or_default();
                    let pid: Option<u32> =
                        held.split_whitespace().next().and_then(|p| p.parse().ok());
                    if lock_is_stale(path, pid) {
                        let _ = fs::remove_file(path);
                        continue;
                    }
                    return Err(Error::Busy(format!(
                        "another {what} is running in this repository (process {}); run again when it is done, or delete {} if it died",
                        pid.map_or("?".to_owned(), |p| p.to_string()),
                        path.display()
                    )));
                }
                Err(e) => return Err(io_err(path)(e)),
            }
        }
        Err(Error::Busy(format!(
            "cannot take the lock {}; delete it if no pmtrack runs",
            path.display()
        )))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Whether the lock at `path`, held by `pid`, was left by a run that ended.
fn lock_is_stale(path: &Path, pid: Option<u32>) -> bool {
    let proc_dir = Path::new("/proc/self");
    match pid {
        Some(p) if proc_dir.exists() => !Path::new(&format!("/proc/{p}")).exists(),
        _ => fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_none_or(|age| age > STALE_LOCK),
    }
}

/// How old a temporary file of pmtrack's must be to count as left by a
/// killed run (a live write takes milliseconds).
const STALE_TEMP: std::time::Duration = std::time::Duration::from_secs(600);

/// Removes `.pmtrack-<name>.*.tmp` files in `dir` older than
/// [`STALE_TEMP`]: what a run killed between writing and renaming left.
/// Best effort: a file that cannot be removed is left.
fn remove_stale_temps(dir: &Path, name: &str) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let prefix = format!(".pmtrack-{name}.");
    for e in entries.flatten() {
        let file = e.file_name();
        let file = file.to_string_lossy();
        if !file.starts_with(&prefix) || !file.ends_with(".tmp") {
            continue;
        }
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE_TEMP);
        if old {
            let _ = fs::remove_file(e.path());
        }
    }
}

fn create_temp(dir: &Path, target: &Path) -> Result<(File, TempFile)> {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let pid = std::process::id();
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut last = None;
    for n in 0..100u32 {
        let tmp = dir.join(format!(
            ".pmtrack-{name}.{pid}.{}.tmp",
            nanos.wrapping_add(n)
        ));
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        match opts.open(&tmp) {
            Ok(f) => return Ok((f, TempFile { path: Some(tmp) })),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some((tmp, e)),
            Err(e) => return Err(io_err(&tmp)(e)),
        }
    }
    let (tmp, e) = last.unwrap_or_else(|| {
        (
            dir.to_path_buf(),
            io::Error::other("cannot create a temporary file"),
        )
    });
    Err(io_err(&tmp)(e))
}

/// Replaces the file at `read.path` with `new_text`, atomically: the file
/// is re-read first and, if it no longer matches what was `read` (its
/// length, modification time and every byte; changed or deleted since it
/// was read), nothing is written and the result is
/// [`Error::StaleFile`]. Otherwise a `.pmtrack-…` temporary file in the same
/// folder is written, synced, given the original's permissions, and renamed
/// over the original. A symlink is written through (the link stays). On any
/// error the temporary file is removed and the original is untouched.
pub fn write_atomic(read: &Document, new_text: &str) -> Result<()> {
    let (path, expected) = (read.path.as_path(), &read.fingerprint);
    let stale = || Error::StaleFile {
        path: path.display().to_string(),
    };
    let link = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(stale()),
        Err(e) => return Err(io_err(path)(e)),
    };
    let target = if link.file_type().is_symlink() {
        fs::canonicalize(path).map_err(io_err(path))?
    } else {
        path.to_path_buf()
    };

    let file = match File::open(&target) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(stale()),
        Err(e) => return Err(io_err(path)(e)),
    };
    let meta = file.metadata().map_err(io_err(path))?;
    let current = read_capped(path, file, expected.len, expected.len)?;
    if fingerprint_of(&current, meta.modified().ok()) != *expected
        || current != read.text.as_bytes()
    {
        return Err(stale());
    }

    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if let Some(name) = target.file_name() {
        remove_stale_temps(&dir, &name.to_string_lossy());
    }
    let (mut tmp_file, mut guard) = create_temp(&dir, &target)?;
    let tmp_path = guard.path.clone().unwrap_or_default();
    tmp_file
        .write_all(new_text.as_bytes())
        .map_err(io_err(&tmp_path))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // Best effort: only root (or the owner, for the group) may chown;
        // otherwise the file becomes ours, as with any editor's save.
        if let Ok(tm) = tmp_file.metadata() {
            if tm.uid() != meta.uid() || tm.gid() != meta.gid() {
                let _ = std::os::unix::fs::fchown(&tmp_file, Some(meta.uid()), Some(meta.gid()));
            }
        }
    }
    tmp_file
        .set_permissions(meta.permissions())
        .map_err(io_err(&tmp_path))?;
    tmp_file.sync_all().map_err(io_err(&tmp_path))?;
    drop(tmp_file);

    // Narrow the window between the check above and the rename.
    let again = fs::metadata(&target).map_err(|_| stale())?;
    if again.len() != expected.len || again.modified().ok() != expected.mtime {
        return Err(stale());
    }
    fs::rename(&tmp_path, &target).map_err(io_err(path))?;
    guard.path = None;
    #[cfg(unix)]
    {
        // Make the rename itself durable; failure here loses nothing already written.
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_sort_in_path_order() {
        let mut v: Vec<PathBuf> = [
            "a/b.md", "a-b/c.md", "a.md", "a/b/c.md", "/x", "./a", "../z", "a b/c", "a", "a/b.md",
            "B.md", "é.md", "a/.b",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        let mut want = v.clone();
        want.sort();
        want.dedup();
        sort_paths(&mut v);
        assert_eq!(v, want);
    }

    fn touch(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn paths(v: &[&str]) -> Vec<PathBuf> {
        v.iter().map(PathBuf::from).collect()
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    fn git_init(dir: &Path) {
        git2::Repository::init(dir).unwrap();
    }

    #[test]
    fn find_documents_applies_include_exclude_gitignore_and_extensions() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        git_init(root);
        touch(root, ".gitignore", "postmortems/drafts/\n*.generated.md\n");
        touch(root, "postmortems/2024-01-db.md", "x");
        touch(root, "postmortems/2024-02-dns.MARKDOWN", "x");
        touch(root, "postmortems/notes.txt", "x");
        touch(root, "postmortems/old.mdown", "x");
        touch(root, "postmortems/diagram.png", "x");
        touch(root, "postmortems/README", "x");
        touch(root, "postmortems/drafts/wip.md", "x");
        touch(root, "postmortems/x.generated.md", "x");
        touch(root, "postmortems/archive/2019.md", "x");
        touch(root, "docs/PostMortem-cache.md", "x");
        touch(root, "docs/post-mortem-q3.txt", "x");
        touch(root, "docs/guide.md", "x");
        touch(root, ".github/postmortems/hidden.md", "x");
        let include = strings(&[
            "postmortems/**",
            "docs/postmortems/**",
            "**/*postmortem*",
            "**/*post-mortem*",
        ]);
        let exclude = strings(&["postmortems/archive/**"]);
        let found = find_documents(root, &include, &exclude).unwrap();
        assert_eq!(
            found,
            paths(&[
                "docs/PostMortem-cache.md",
                "docs/post-mortem-q3.txt",
                "postmortems/2024-01-db.md",
                "postmortems/2024-02-dns.MARKDOWN",
                "postmortems/notes.txt",
                "postmortems/old.mdown",
            ])
        );
    }

    #[test]
    fn single_star_does_not_cross_folders() {
        let d = tempfile::tempdir().unwrap();
        touch(d.path(), "pm/a.md", "x");
        touch(d.path(), "pm/sub/b.md", "x");
        let found = find_documents(d.path(), &strings(&["pm/*.md"]), &[]).unwrap();
        assert_eq!(found, paths(&["pm/a.md"]));
    }

    #[test]
    fn invalid_glob_is_a_usage_error_naming_it() {
        let d = tempfile::tempdir().unwrap();
        let err = find_documents(d.path(), &strings(&["postmortems/[a"]), &[]).unwrap_err();
        assert!(
            matches!(&err, Error::Usage(m) if m.contains("`postmortems/[a`")),
            "{err}"
        );
        let err = find_documents(d.path(), &strings(&["**"]), &strings(&["{a"])).unwrap_err();
        assert!(
            matches!(&err, Error::Usage(m) if m.contains("exclude")),
            "{err}"
        );
    }

    #[test]
    fn missing_root_is_an_io_error() {
        let d = tempfile::tempdir().unwrap();
        let err = find_documents(&d.path().join("nope"), &strings(&["**"]), &[]).unwrap_err();
        assert!(
            matches!(&err, Error::Io { path, .. } if path.ends_with("nope")),
            "{err}"
        );
    }

    #[test]
    fn expand_paths_takes_files_as_is_and_walks_folders() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        git_init(root);
        touch(root, ".gitignore", "ignored.md\n");
        touch(root, "pm/a.md", "x");
        touch(root, "pm/b.png", "x");
        touch(root, "pm/ignored.md", "x");
        touch(root, "pm/.hidden.md", "x");
        touch(root, "other.rst", "x");
        let got = expand_paths(&[
            root.join("pm"),
            root.join("other.rst"),
            root.join("pm/ignored.md"),
            root.join("pm/./a.md"),
        ])
        .unwrap();
        assert_eq!(
            got,
            vec![
                root.join("other.rst"),
                root.join("pm/a.md"),
                root.join("pm/ignored.md"),
            ]
        );
        let err = expand_paths(&[root.join("missing.md")]).unwrap_err();
        assert!(
            matches!(&err, Error::Io { path, .. } if path.ends_with("missing.md")),
            "{err}"
        );
    }

    #[test]
    fn bom_and_crlf_are_kept_byte_exactly_and_reading_changes_nothing() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("pm.md");
        let bytes = b"\xEF\xBB\xBF# Title\r\n\r\n- [ ] fix it \xE2\x9C\x93\r\n";
        fs::write(&p, bytes).unwrap();
        let before = fs::metadata(&p).unwrap().modified().unwrap();
        let doc = read_document(&p, 1024).unwrap();
        assert_eq!(doc.text.as_bytes(), bytes);
        assert_eq!(doc.bytes_len, bytes.len() as u64);
        assert_eq!(doc.fingerprint.len, bytes.len() as u64);
        assert_eq!(fs::read(&p).unwrap(), bytes);
        assert_eq!(fs::metadata(&p).unwrap().modified().unwrap(), before);
    }

    #[test]
    fn binary_files_are_refused() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("img.md");
        fs::write(&p, b"PNG\x00\x01\x02").unwrap();
        let err = read_document(&p, 1024).unwrap_err();
        assert!(
            matches!(&err, Error::BadInput { message, .. } if message.starts_with("binary file, not a postmortem")),
            "{err}"
        );
    }

    #[test]
    fn invalid_utf8_names_line_and_column() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("latin1.md");
        fs::write(&p, b"\xEF\xBB\xBF# T\r\n\nab\xC3\xA9c\xE9t\xE9\n").unwrap();
        let err = read_document(&p, 1024).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("latin1.md"), "{msg}");
        assert!(msg.contains("line 3, column 5"), "{msg}");
        assert!(msg.contains("0xE9"), "{msg}");
        // BOM not counted as a column on line 1.
        fs::write(&p, b"\xEF\xBB\xBFab\xFF").unwrap();
        let msg = read_document(&p, 1024).unwrap_err().to_string();
        assert!(msg.contains("line 1, column 3"), "{msg}");
    }

    #[test]
    fn oversized_files_are_refused_with_the_limit_and_the_key() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("big.md");
        fs::write(&p, vec![b'a'; 2048]).unwrap();
        let err = read_document(&p, 1024).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains(
                "file is 2.0 KB, larger than the 1 KB limit (max_file_size in .pmtrack.yml)"
            ),
            "{msg}"
        );
        assert!(read_document(&p, 2048).is_ok());
        assert_eq!(human_size(50 * MB), "50.0 MB");
        assert_eq!(human_limit(8 * MB), "8 MB");
    }

    #[test]
    fn atomic_write_keeps_permissions_and_leaves_no_temp_file() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("pm.md");
        fs::write(&p, "old\r\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
        }
        let doc = read_document(&p, 1024).unwrap();
        write_atomic(&doc, "\u{feff}new\r\n").unwrap();
        assert_eq!(fs::read(&p).unwrap(), "\u{feff}new\r\n".as_bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&p).unwrap().permissions().mode() & 0o7777;
            assert_eq!(mode, 0o640);
        }
        assert_eq!(entries(d.path()), vec!["pm.md".to_string()]);
    }

    /// Temp files `.pmtrack-*.tmp` left by a kill were never cleaned.
    #[test]
    fn temp_files_left_by_a_killed_run_are_removed_on_the_next_write() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("pm.md");
        fs::write(&p, "old\n").unwrap();
        let left = d.path().join(".pmtrack-pm.md.4242.17.tmp");
        let fresh = d.path().join(".pmtrack-pm.md.4243.18.tmp");
        let other = d.path().join(".pmtrack-other.md.1.1.tmp");
        for f in [&left, &fresh, &other] {
            fs::write(f, "half").unwrap();
        }
        let hour_ago = SystemTime::now() - std::time::Duration::from_secs(3600);
        for f in [&left, &other] {
            File::options()
                .write(true)
                .open(f)
                .unwrap()
                .set_modified(hour_ago)
                .unwrap();
        }
        let doc = read_document(&p, 1024).unwrap();
        write_atomic(&doc, "new\n").unwrap();
        let names = entries(d.path());
        assert!(
            !names.contains(&".pmtrack-pm.md.4242.17.tmp".to_string()),
            "{names:?}"
        );
        // A recent one may be another run's write in progress; another
        // document's is that document's business.
        assert!(names.contains(&".pmtrack-pm.md.4243.18.tmp".to_string()));
        assert!(names.contains(&".pmtrack-other.md.1.1.tmp".to_string()));
    }

    #[test]
    fn stale_file_is_refused_and_left_untouched() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("pm.md");
        fs::write(&p, "v1\n").unwrap();
        let doc = read_document(&p, 1024).unwrap();
        // Same length, different bytes: only the hash can tell.
        fs::write(&p, "v2\n").unwrap();
        let err = write_atomic(&doc, "mine\n").unwrap_err();
        assert!(matches!(err, Error::StaleFile { .. }), "{err}");
        assert_eq!(fs::read_to_string(&p).unwrap(), "v2\n");
        assert_eq!(entries(d.path()), vec!["pm.md".to_string()]);

        // Deleted since read: stale too, and not recreated.
        fs::remove_file(&p).unwrap();
        let err = write_atomic(&doc, "mine\n").unwrap_err();
        assert!(matches!(err, Error::StaleFile { .. }), "{err}");
        assert!(!p.exists());
    }

    #[cfg(unix)]
    #[test]
    fn atomic_write_goes_through_a_symlink() {
        let d = tempfile::tempdir().unwrap();
        let real = d.path().join("real.md");
        let link = d.path().join("link.md");
        fs::write(&real, "a\n").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let doc = read_document(&link, 1024).unwrap();
        write_atomic(&doc, "b\n").unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_to_string(&real).unwrap(), "b\n");
        assert_eq!(
            entries(d.path()),
            vec!["link.md".to_string(), "real.md".to_string()]
        );
    }
}
