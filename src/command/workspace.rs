//! GLUE: where pmtrack runs: the repository root (or the current folder),
//! its configuration, and the postmortems to read, parsed.

use crate::config::{self, Config};
use crate::error::{Error, Result};
use crate::files;
use crate::git::Repo;
use crate::model::Postmortem;
use crate::parse;
use std::path::{Path, PathBuf};

/// The repository (or folder) pmtrack works in, with its configuration.
pub struct Workspace {
    /// Repository work tree, or the current folder outside a repository.
    pub root: PathBuf,
    /// The git repository, when there is one.
    pub repo: Option<Repo>,
    /// The configuration (defaults when there is no file).
    pub config: Config,
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
        Ok(Workspace { root, repo, config })
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
        let abs = if file.is_absolute() {
            file.to_path_buf()
        } else {
            std::env::current_dir()
                .map(|d| d.join(file))
                .unwrap_or_else(|_| file.to_path_buf())
        };
        let canon_root = self
            .root
            .canonicalize()
            .unwrap_or_else(|_| self.root.clone());
        let canon = abs.canonicalize().unwrap_or(abs);
        let shown = canon
            .strip_prefix(&canon_root)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| file.to_path_buf());
        shown
            .to_string_lossy()
            .replace('\\', "/")
            .trim_start_matches("./")
            .to_string()
    }

    /// Read and parse each file. Unreadable files become errors in the second
    /// list (naming the file) and do not stop the others.
    pub fn load(&self, files_to_read: &[PathBuf]) -> (Vec<Loaded>, Vec<Error>) {
        let mut loaded = Vec::new();
        let mut errors = Vec::new();
        for f in files_to_read {
            match files::read_document(f, self.config.max_file_size) {
                Ok(document) => {
                    let path = self.display_path(f);
                    let postmortem = parse::parse(&path, &document.text);
                    loaded.push(Loaded {
                        postmortem,
                        document,
                    });
                }
                Err(e) => errors.push(e),
            }
        }
        (loaded, errors)
    }
}
