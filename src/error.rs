//! The one error type. Variants are named for what the user must do.

use std::path::PathBuf;

/// A place in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file.
    pub path: PathBuf,
    /// 1-based line (0 = unknown).
    pub line: usize,
    /// 1-based column (0 = unknown).
    pub col: usize,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.path.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.col > 0 {
                write!(f, ":{}", self.col)?;
            }
        }
        Ok(())
    }
}

/// Everything that can stop pmtrack.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A configuration file is wrong.
    #[error("{at}: {message}")]
    Config {
        /// Where.
        at: Location,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// An input file is not usable (binary, not UTF-8, too large).
    #[error("{path}: {message}")]
    BadInput {
        /// The file.
        path: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// The file changed on disk since pmtrack read it.
    #[error("{path}: changed on disk since it was read; not overwritten (run pmtrack again)")]
    StaleFile {
        /// The file.
        path: String,
    },
    /// No GitHub token.
    #[error("no GitHub token: set GITHUB_TOKEN (or GH_TOKEN) to a token with `issues: write` on the repository")]
    MissingToken,
    /// Token lacks a permission, or the repository was not found.
    #[error("{0}")]
    Permission(String),
    /// Talking to GitHub failed.
    #[error("GitHub: {0}")]
    GitHub(String),
    /// A git operation failed.
    #[error("git: {0}")]
    Git(String),
    /// Wrong usage.
    #[error("{0}")]
    Usage(String),
    /// Another pmtrack run holds the repository's lock.
    #[error("{0}")]
    Busy(String),
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
