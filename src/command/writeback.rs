//! GLUE for write-back: for each loaded document with synced tasks, render
//! the pure write-back ([`crate::writeback::render`]), write the result
//! atomically when it differs (a file changed on disk since it was read is
//! reported in `stale`, never overwritten), and commit exactly the written
//! files as the configured author with a `[skip ci]` message.
//!
//! Must not: push (the Action's `git push` step does), print, read the
//! clock, or commit anything when no file changed — so a run triggered by
//! its own push finds nothing to do and never loops.

use std::path::PathBuf;

use super::workspace::{Loaded, Workspace};
use crate::error::{Error, Result};
use crate::files;
use crate::git::{self, Author};
use crate::model::Link;
use crate::writeback::{self, Options};
use chrono::NaiveDate;

/// What write-back did.
#[derive(Debug, Default)]
pub struct WritebackSummary {
    /// Documents rewritten (relative paths).
    pub written: Vec<String>,
    /// Documents that changed on disk since read, left alone.
    pub stale: Vec<String>,
    /// The commit made, if any.
    pub commit: Option<String>,
    /// Documents that could not be written, with why (the others still are).
    pub failed: Vec<(String, String)>,
    /// Documents written but left out of the commit: not committed in git
    /// yet, so committing pmtrack's edits would commit the whole file.
    pub uncommitted: Vec<String>,
}

/// Write issue links and status blocks into `loaded` documents, then commit
/// when `commit` is set. `links` holds every synced task's link.
pub fn run(
    ws: &Workspace,
    loaded: &[Loaded],
    links: &[Link],
    today: NaiveDate,
    commit: bool,
) -> Result<WritebackSummary> {
    let opts = Options {
        status_block: ws.config.status_block,
    };
    let mut summary = WritebackSummary::default();
    let mut written: Vec<(PathBuf, &str, Vec<Link>)> = Vec::new();
    // Links by task key, once: each document takes its own in time linear
    // in its items, however many documents and links there are.
    let by_key: std::collections::HashMap<&crate::model::TaskKey, &Link> =
        links.iter().map(|l| (&l.key, l)).collect();
    for doc in loaded {
        let pm = &doc.postmortem;
        let mut mine: Vec<Link> = pm
            .tasks
            .iter()
            .filter_map(|t| by_key.get(&t.key).map(|l| (*l).clone()))
            .collect();
        if mine.is_empty() {
            continue;
        }
        // Its tracking issue, for the status block.
        let tracking = crate::model::TaskKey::tracking(&pm.path);
        mine.extend(by_key.get(&tracking).map(|l| (*l).clone()));
        let text = &doc.document.text;
        let new_text = writeback::render(text, pm, &mine, today, &opts);
        if new_text == *text {
            continue;
        }
        match files::write_atomic(&doc.document, &new_text) {
            Ok(()) => {
                summary.written.push(pm.path.clone());
                written.push((doc.document.path.clone(), pm.path.as_str(), mine));
            }
            Err(Error::StaleFile { .. }) => summary.stale.push(pm.path.clone()),
            // One document that cannot be written (read-only, disk full)
            // never stops the write-back of the others.
            Err(e) => summary.failed.push((pm.path.clone(), e.to_string())),
        }
    }
    if !commit || written.is_empty() {
        return Ok(summary);
    }
    let repo = ws.repo.as_ref().ok_or_else(|| {
        Error::Git(format!(
            "cannot commit the written postmortems: {} is not inside a git repository; \
             run pmtrack in a clone, or turn committing off",
            ws.root.display()
        ))
    })?;
    let author = Author {
        name: ws.config.commit.author_name.clone(),
        email: ws.config.commit.author_email.clone(),
    };
    // What is committed is pmtrack's edits applied to the committed text
    // (HEAD's), never the work tree's: a person's unfinished edits in the
    // same document stay theirs, uncommitted.
    let mut commit_files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    let mut committed: Vec<String> = Vec::new();
    for (path, name, mine) in &written {
        // Paths as read may be relative to the current folder; the
        // repository takes relative paths as relative to its work tree.
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
        let head = repo
            .read_at("HEAD", &path)
            .ok()
            .and_then(|b| String::from_utf8(b).ok());
        let Some(head) = head else {
            summary.uncommitted.push((*name).to_owned());
            continue;
        };
        let pm = crate::parse::parse(name, &head);
        let new_head = writeback::render(&head, &pm, mine, today, &opts);
        if new_head != head {
            commit_files.push((path, new_head.into_bytes()));
            committed.push((*name).to_owned());
        }
    }
    if commit_files.is_empty() {
        return Ok(summary);
    }
    let files: Vec<(PathBuf, Option<&[u8]>)> = commit_files
        .iter()
        .map(|(p, b)| (p.clone(), Some(b.as_slice())))
        .collect();
    let message = git::commit_message(&committed);
    summary.commit = repo
        .commit_files(&files, &author, &message)?
        .map(|oid| oid.to_string());
    Ok(summary)
}
