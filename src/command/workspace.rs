//! GLUE: where pmtrack runs: the repository root (or the current folder),
//! its configuration, and the postmortems to read, parsed.

use crate::config::{self, Config};
use crate::error::{Error, Result};
use crate::files;
use crate::git::Repo;
use crate::model::Postmortem;
use crate::parse;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Condvar, Mutex, PoisonError};

/// The repository (or folder) pmtrack works in, with its configuration.
pub struct Workspace {
    /// Repository work tree, or the current folder outside a repository.
    pub root: PathBuf,
    /// The git repository, when there is one.
    pub repo: Option<Repo>,
    /// The configuration (defaults when there is no file).
    pub config: Config,
    /// Names files relative to the root (resolved once).
    paths: Paths,
}

/// One document read and parsed.
pub struct Loaded {
    /// The parsed postmortem (its `path` is relative to the root).
    pub postmortem: Postmortem,
    /// The file as read (bytes kept exactly, fingerprint for safe writes).
    pub document: files::Document,
}

impl Workspace {
    /// Discover the repository from `cwd` and load the configuration:
    /// `config_path` when given (must exist), else `.pmtrack.yml` at the root
    /// when present, else defaults.
    pub fn open(cwd: &Path, config_path: Option<&Path>) -> Result<Workspace> {
        let repo = Repo::discover(cwd).ok();
        let root = repo
            .as_ref()
            .map_or_else(|| cwd.to_path_buf(), |r| r.workdir().to_path_buf());
        let (path, required) = match config_path {
            Some(p) => (cwd.join(p), true),
            None => (root.join(config::DEFAULT_FILE), false),
        };
        let config = match std::fs::read(&path) {
            Ok(bytes) => config::parse_config_bytes(
                config_path.unwrap_or(Path::new(config::DEFAULT_FILE)),
                &bytes,
            )?,
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => Config::default(),
            Err(e) => {
                return Err(Error::Io {
                    path: path.display().to_string(),
                    source: e,
                })
            }
        };
        Ok(Workspace {
            paths: Paths::new(&root),
            root,
            repo,
            config,
        })
    }

    /// The files to read: the given paths (files taken as they are, folders
    /// walked), or the configuration's `include` globs under the root.
    pub fn select(&self, paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
        if paths.is_empty() {
            let found =
                files::find_documents(&self.root, &self.config.include, &self.config.exclude)?;
            Ok(found.into_iter().map(|p| self.root.join(p)).collect())
        } else {
            files::expand_paths(paths)
        }
    }

    /// The `/`-separated path of `file` relative to the root, or as given
    /// when outside it.
    pub fn display_path(&self, file: &Path) -> String {
        self.paths.display(file)
    }

    /// Read and parse each file. Unreadable files become errors in the second
    /// list (naming the file) and do not stop the others.
    pub fn load(&self, files_to_read: &[PathBuf]) -> (Vec<Loaded>, Vec<Error>) {
        let mut loaded = Vec::new();
        let mut errors = Vec::new();
        self.load_each(
            files_to_read,
            |r| r,
            |r| {
                match r {
                    Ok(l) => loaded.push(l),
                    Err(e) => errors.push(e),
                }
                true
            },
        );
        (loaded, errors)
    }

    /// Read and parse each file on every core, turn each result into a `T`
    /// with `work` (on the same worker thread), and hand the `T`s to `each`
    /// in file order on the calling thread. Only a few documents are in
    /// flight at once, so memory is bounded by the largest documents, not by
    /// their number. `each` returning `false` stops the work.
    pub fn load_each<T: Send>(
        &self,
        files_to_read: &[PathBuf],
        work: impl Fn(Result<Loaded>) -> T + Sync,
        each: impl FnMut(T) -> bool,
    ) {
        let paths = &self.paths;
        let max = self.config.max_file_size;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
        ordered_map(
            files_to_read,
            threads,
            |f| {
                work(files::read_document(f, max).map(|document| {
                    let path = paths.display(f);
                    let postmortem = parse::parse(&path, &document.text);
                    Loaded {
                        postmortem,
                        document,
                    }
                }))
            },
            each,
        );
    }
}

/// Names files relative to the root. Computed once: the root and the
/// current folder are resolved here, not per file.
struct Paths {
    root: PathBuf,
    canon_root: PathBuf,
    cwd: Option<PathBuf>,
    /// Folders (relative to the root) already checked for a symbolic link.
    linked: Mutex<std::collections::HashMap<PathBuf, bool>>,
}

impl Paths {
    fn new(root: &Path) -> Paths {
        Paths {
            root: root.to_path_buf(),
            canon_root: root.canonicalize().unwrap_or_else(|_| root.to_path_buf()),
            cwd: std::env::current_dir().ok(),
            linked: Mutex::default(),
        }
    }

    /// The `/`-separated path of `file` relative to the root, or as given
    /// when outside it. A path that is plainly under the root (no `..`, no
    /// symbolic link to resolve) is named without asking the file system.
    fn display(&self, file: &Path) -> String {
        let abs: std::borrow::Cow<'_, Path> = match (&self.cwd, file.is_absolute()) {
            (Some(cwd), false) => cwd.join(file).into(),
            _ => file.into(),
        };
        let plain = !abs
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir));
        let under = |root: &Path| abs.strip_prefix(root).ok();
        let name = |shown: &Path| {
            let s = shown.to_string_lossy();
            let s = if s.contains('\\') {
                s.replace('\\', "/").into()
            } else {
                s
            };
            s.trim_start_matches("./").to_string()
        };
        match (plain, under(&self.canon_root).or_else(|| under(&self.root))) {
            (true, Some(rel)) if !self.through_link(rel) => name(rel),
            _ => {
                let canon = abs.canonicalize().unwrap_or_else(|_| abs.to_path_buf());
                name(canon.strip_prefix(&self.canon_root).unwrap_or(file))
            }
        }
    }

    /// Whether a folder between the root and `rel`'s file is a symbolic
    /// link (then the file's real place may be outside the root). The file
    /// itself may be a link: it is named where it is found.
    fn through_link(&self, rel: &Path) -> bool {
        let Some(dir) = rel.parent() else {
            return false;
        };
        if let Some(&known) = self
            .linked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(dir)
        {
            return known;
        }
        let mut at = self.canon_root.clone();
        let linked = dir.components().any(|c| {
            at.push(c);
            std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink())
        });
        self.linked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(dir.to_path_buf(), linked);
        linked
    }
}

/// Applies `work` to each input on up to `threads` threads and hands the
/// results to `each` in input order, on the calling thread. Workers take a
/// few inputs at a time (fewer handovers); at most a small window of
/// results is in flight (claimed but not yet handed over), so memory does
/// not grow with the input. `each` returning `false` stops the work: no new
/// input is started.
pub fn ordered_map<I: Sync, T: Send>(
    inputs: &[I],
    threads: usize,
    work: impl Fn(&I) -> T + Sync,
    mut each: impl FnMut(T) -> bool,
) {
    if threads <= 1 || inputs.len() < 2 {
        for i in inputs {
            if !each(work(i)) {
                break;
            }
        }
        return;
    }
    struct Gate {
        next: usize,
        handed: usize,
        stop: bool,
    }
    let batch = (inputs.len() / (threads * 8)).clamp(1, 16);
    let window = threads * batch * 4;
    let gate = Mutex::new(Gate {
        next: 0,
        handed: 0,
        stop: false,
    });
    let lock = || gate.lock().unwrap_or_else(PoisonError::into_inner);
    let moved = Condvar::new();
    let (tx, rx) = mpsc::channel::<(usize, Vec<T>)>();
    std::thread::scope(|s| {
        for _ in 0..threads.min(inputs.len()) {
            let tx = tx.clone();
            let (work, lock, moved) = (&work, &lock, &moved);
            s.spawn(move || loop {
                let from = {
                    let mut g = lock();
                    loop {
                        if g.stop || g.next >= inputs.len() {
                            return;
                        }
                        if g.next < g.handed + window {
                            break;
                        }
                        g = moved.wait(g).unwrap_or_else(PoisonError::into_inner);
                    }
                    g.next += batch;
                    g.next - batch
                };
                let done = inputs[from..(from + batch).min(inputs.len())]
                    .iter()
                    .map(work)
                    .collect();
                if tx.send((from, done)).is_err() {
                    return;
                }
            });
        }
        drop(tx);
        let mut ready = std::collections::BTreeMap::new();
        let mut want = 0;
        'results: for (from, done) in rx.iter() {
            ready.insert(from, done);
            while let Some(done) = ready.remove(&want) {
                want += batch;
                let mut go_on = true;
                for t in done {
                    go_on = go_on && each(t);
                }
                let mut g = lock();
                g.handed = want;
                g.stop |= !go_on;
                moved.notify_all();
                if !go_on {
                    break 'results;
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn results_come_back_in_input_order_whatever_finishes_first() {
        let inputs: Vec<u64> = (0..1000).collect();
        for threads in [1, 2, 3, 8] {
            let mut got = Vec::new();
            ordered_map(
                &inputs,
                threads,
                |&i| {
                    // Uneven work, so that later inputs often finish first.
                    if i % 7 == 0 {
                        std::thread::sleep(std::time::Duration::from_micros(200));
                    }
                    i * 2
                },
                |v| {
                    got.push(v);
                    true
                },
            );
            assert_eq!(got, inputs.iter().map(|i| i * 2).collect::<Vec<_>>());
        }
    }

    #[test]
    fn work_in_flight_stays_within_a_window_and_stop_stops_it() {
        let inputs: Vec<usize> = (0..10_000).collect();
        let started = AtomicUsize::new(0);
        let mut handed = 0;
        let most_ahead = AtomicUsize::new(0);
        ordered_map(
            &inputs,
            2,
            |&i| {
                started.fetch_add(1, Ordering::SeqCst);
                i
            },
            |i| {
                handed += 1;
                let ahead = started.load(Ordering::SeqCst) - handed;
                most_ahead.fetch_max(ahead, Ordering::SeqCst);
                i < 99
            },
        );
        assert_eq!(handed, 100, "stops at the first false");
        // Window: threads × batch × 4 = 2 × 16 × 4 = 128, plus one batch per
        // worker already claimed.
        assert!(
            most_ahead.load(Ordering::SeqCst) <= 128 + 2 * 16,
            "{} started ahead",
            most_ahead.load(Ordering::SeqCst)
        );
        assert!(
            started.load(Ordering::SeqCst) < 1000,
            "{} of 10,000 started after the stop",
            started.load(Ordering::SeqCst)
        );
    }

    #[test]
    fn names_files_under_the_root_and_outside_it() {
        let dir = std::env::temp_dir().join(format!("pmtrack-paths-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("pm")).unwrap();
        std::fs::write(dir.join("pm/a.md"), "x").unwrap();
        let paths = Paths::new(&dir);
        assert_eq!(paths.display(&dir.join("pm/a.md")), "pm/a.md");
        assert_eq!(paths.display(&dir.join("pm/../pm/a.md")), "pm/a.md");
        let outside = std::env::temp_dir().join("pmtrack-not-under-root.md");
        assert_eq!(
            paths.display(&outside),
            outside.to_string_lossy().replace('\\', "/")
        );
        #[cfg(unix)]
        {
            // A folder that is a link to elsewhere: named as before, by the
            // real place when that is outside the root.
            let elsewhere = dir.with_extension("elsewhere");
            std::fs::create_dir_all(&elsewhere).unwrap();
            std::fs::write(elsewhere.join("b.md"), "x").unwrap();
            let _ = std::fs::remove_file(dir.join("linked"));
            std::os::unix::fs::symlink(&elsewhere, dir.join("linked")).unwrap();
            let via = dir.join("linked/b.md");
            assert!(paths.through_link(Path::new("linked/b.md")));
            assert_eq!(paths.display(&via), via.to_string_lossy());
            let _ = std::fs::remove_dir_all(&elsewhere);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
