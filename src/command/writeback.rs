//! GLUE for write-back: apply the pure write-back to each synced document,
//! write it atomically, and commit it. (Stub: being implemented.)

use super::workspace::{Loaded, Workspace};
use crate::error::Result;
use crate::model::Link;
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
    let _ = (ws, loaded, links, today, commit);
    Ok(WritebackSummary::default())
}
