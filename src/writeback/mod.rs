//! PURE write-back: document text + its parsed [`Postmortem`] + the synced
//! [`Link`]s + today → the new text. Three kinds of edit:
//!
//! 1. an issue reference on each synced item, in the item's own syntax
//!    (` ([#12](url))` on a Markdown list item, ` (#12)` on plain text, an
//!    `Issue` table column);
//! 2. `- [ ]` → `- [x]` on an item whose issue is done;
//! 3. a generated status block between `pmtrack:status:begin` /
//!    `pmtrack:status:end` marker lines at the end of the corrective-measures
//!    section, regenerated in place on every run.
//!
//! Edits are collected as (byte range, replacement) and spliced into the
//! original text once: every byte outside an edited range (BOM, CRLF, tabs,
//! trailing spaces) stays as it was. The document is never re-rendered.
//! Every placement is checked by re-parsing the result: an issue reference
//! that would change an item's key, title, group or status is moved to the
//! item's next possible place, or left out, so write-back is idempotent and
//! never changes which tasks a document holds.
//!
//! Must not: touch files, the network, the environment or the clock
//! (`today` is a parameter).
//!
//! By job: `doc` (the document as lines), `refs` (an issue reference
//! and where an item already carries one), `items` (placing references and
//! ticks on items, checked by re-parsing), `tables` (cells and the `Issue`
//! column), `block` (the status block: its marker lines, rendering and
//! read-back).

mod block;
mod doc;
mod items;
mod refs;
mod tables;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::model::{Link, Postmortem, Span};

use block::block_edits;
pub use block::{
    read_status_block, read_tracking_issue, BlockRow, BEGIN_MARKDOWN, BEGIN_PLAIN, END_MARKDOWN,
    END_PLAIN,
};
use doc::Doc;
use items::item_edits;

/// What write-back may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Keep a status block at the end of the corrective-measures section.
    pub status_block: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { status_block: true }
    }
}

/// What an [`Edit`] does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditKind {
    /// An issue reference inserted after an item's text.
    IssueLink,
    /// A table cell filled, appended to, or added (an `Issue` column).
    TableCell,
    /// The space of `[ ]` replaced by `x`.
    Checkbox,
    /// The status block inserted, replaced or (a duplicate) removed.
    StatusBlock,
}

/// One splice: replace the original bytes `span` with `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// Bytes of the original text replaced (empty for an insertion).
    pub span: Span,
    /// The replacement.
    pub text: String,
    /// What it is.
    pub kind: EditKind,
}

/// The document after write-back. `text` must be the text `pm` was parsed
/// from. Idempotent: `render(render(x)) == render(x)` for the same links.
pub fn render(
    text: &str,
    pm: &Postmortem,
    links: &[Link],
    today: NaiveDate,
    opts: &Options,
) -> String {
    apply(text, &plan_edits(text, pm, links, today, opts))
}

/// The edits [`render`] makes, sorted by position and not overlapping.
pub fn plan_edits(
    text: &str,
    pm: &Postmortem,
    links: &[Link],
    today: NaiveDate,
    opts: &Options,
) -> Vec<Edit> {
    let doc = Doc::new(text);
    let by_key: HashMap<&str, &Link> = links.iter().map(|l| (l.key.0.as_str(), l)).collect();
    let mut edits = item_edits(&doc, pm, &by_key);
    if opts.status_block && !pm.tasks.is_empty() {
        // The block's lines are hidden from the parser: they cannot change
        // what the document's tasks are.
        edits.extend(block_edits(&doc, pm, &by_key, today));
        sort(&mut edits);
    }
    edits
}

/// Splice `edits` (sorted, not overlapping) into `text`. An edit that
/// overlaps an earlier one, or falls outside the text, is skipped.
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len() + edits.len() * 64);
    let mut pos = 0;
    for e in edits {
        let (s, t) = (e.span.start, e.span.end);
        if s < pos
            || t < s
            || t > text.len()
            || !text.is_char_boundary(s)
            || !text.is_char_boundary(t)
        {
            continue;
        }
        out.push_str(&text[pos..s]);
        out.push_str(&e.text);
        pos = t;
    }
    out.push_str(&text[pos..]);
    out
}

fn sort(edits: &mut [Edit]) {
    edits.sort_by_key(|e| (e.span.start, e.span.end));
}
