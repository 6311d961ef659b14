//! EDGE: the journal of creates in flight, a small JSON file beside the
//! ETag cache (`<cache>.inflight.json`). A task's key is written before its
//! create is sent and removed once the outcome is known. A run killed in
//! between leaves the key: the next run (one at a time, see the sync lock)
//! waits out the in-flight window and looks the key up by marker before it
//! creates anything, so a create GitHub applied after the kill is found, not
//! made twice.
//!
//! Must not: fail a sync. A journal that cannot be read or written is
//! treated as empty and the sync goes on (the listing and the marker search
//! after an ambiguous create still guard against duplicates).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::TaskKey;

/// One create that was sent and whose outcome was not yet known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The task's key.
    pub key: TaskKey,
    /// When the create was about to be sent.
    pub at: DateTime<Utc>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct File {
    creates: Vec<Entry>,
}

/// The journal of one repository's creates in flight.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    /// Entries found when the journal was opened: left by a killed run.
    left: Vec<Entry>,
    now: Vec<Entry>,
}

impl Journal {
    /// The journal beside the ETag cache file `cache`.
    pub fn beside(cache: &Path) -> Journal {
        let path = cache.with_extension("inflight.json");
        let left = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| serde_json::from_str::<File>(&t).ok())
            .map(|f| f.creates)
            .unwrap_or_default();
        Journal {
            path,
            now: left.clone(),
            left,
        }
    }

    /// Creates a killed run left in flight.
    pub fn left(&self) -> &[Entry] {
        &self.left
    }

    /// Forget what a killed run left (its keys were looked up).
    pub fn settle_left(&mut self) {
        let left = std::mem::take(&mut self.left);
        self.now.retain(|e| !left.contains(e));
        self.save();
    }

    /// A create for `key` is about to be sent.
    pub fn begin(&mut self, key: &TaskKey, at: DateTime<Utc>) {
        self.now.push(Entry {
            key: key.clone(),
            at,
        });
        self.save();
    }

    /// The create for `key` has a known outcome.
    pub fn end(&mut self, key: &TaskKey) {
        let before = self.now.len();
        self.now.retain(|e| &e.key != key);
        if self.now.len() != before {
            self.save();
        }
    }

    fn save(&self) {
        if self.now.is_empty() {
            let _ = std::fs::remove_file(&self.path);
            return;
        }
        let file = File {
            creates: self.now.clone(),
        };
        if let Ok(text) = serde_json::to_string(&file) {
            let tmp = self.path.with_extension("json.tmp");
            if std::fs::write(&tmp, text).is_ok() {
                let _ = std::fs::rename(&tmp, &self.path);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_outlives_a_run_that_never_ended_it() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("etags.json");
        let at = Utc::now();
        let mut j = Journal::beside(&cache);
        assert!(j.left().is_empty());
        j.begin(&TaskKey("a".into()), at);
        j.begin(&TaskKey("b".into()), at);
        j.end(&TaskKey("a".into()));
        // Killed here: the next run finds `b` in flight.
        let mut next = Journal::beside(&cache);
        assert_eq!(next.left().len(), 1);
        assert_eq!(next.left()[0].key, TaskKey("b".into()));
        next.settle_left();
        assert!(Journal::beside(&cache).left().is_empty());
        assert!(!dir.path().join("etags.inflight.json").exists());
    }
}
