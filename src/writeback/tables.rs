//! Tables: cells split on unescaped pipes, the `Issue` column found or
//! added, one cell set per row.

use std::collections::HashMap;

use super::{doc::*, items::*};
use super::{Edit, EditKind};
use crate::model::Span;
use crate::parse::lines::Kind;

/// Byte ranges (relative to `t`) of the cells of a table row `t`, which
/// starts with `|` after optional indentation: the raw text between pipes.
/// A pipe right after a backslash is text.
pub(super) fn split_cells(t: &str) -> Vec<(usize, usize)> {
    let b = t.as_bytes();
    let lead = t.len() - t.trim_start().len();
    let end = trimmed_len(t);
    if b.get(lead) != Some(&b'|') {
        return vec![(lead, end)];
    }
    let mut cells = Vec::new();
    let mut start = lead + 1;
    let mut k = lead + 1;
    while k < end {
        if b[k] == b'|' && b[k - 1] != b'\\' {
            cells.push((start, k));
            start = k + 1;
        }
        k += 1;
    }
    if start < end {
        cells.push((start, end));
    }
    cells
}

/// Whether the row's last character is a closing pipe.
pub(super) fn closing_pipe(t: &str) -> bool {
    let e = &t[..trimmed_len(t)];
    e.len() > 1 && e.ends_with('|') && !e.ends_with("\\|")
}

pub(super) fn unescape_cell(s: &str) -> String {
    s.replace("\\|", "|")
}

/// The column the parser reads an issue from (header words as in
/// `parse::items`).
pub(super) fn issue_column(header: &str) -> Option<usize> {
    let names = [
        "bug", "issue", "issues", "ticket", "tickets", "tracking", "link", "jira", "pr",
    ];
    split_cells(header).iter().position(|&(s, e)| {
        let k = crate::parse::text::normalize(&crate::parse::text::clean(&header[s..e]));
        names
            .iter()
            .any(|n| k == *n || k.starts_with(&format!("{n} ")) || k.ends_with(&format!(" {n}")))
    })
}

/// The table around line `i`: its first and last line.
pub(super) fn table_extent(doc: &Doc<'_>, i: usize) -> (usize, usize) {
    let in_table = |k: usize| {
        !doc.lines[k].hidden && matches!(doc.kinds[k], Kind::TableRow | Kind::TableDelim)
    };
    let mut first = i;
    while first > 0 && in_table(first - 1) {
        first -= 1;
    }
    let mut last = i;
    while last + 1 < doc.lines.len() && in_table(last + 1) {
        last += 1;
    }
    (first, last)
}

/// Set cell `col` of line `k`: fill it when empty, append to it when not
/// (`content` Some), or only make sure it exists (None).
pub(super) fn set_cell(doc: &Doc<'_>, k: usize, col: usize, content: Option<&str>) -> Option<Edit> {
    let line = doc.lines[k].text;
    let base = doc.lines[k].start;
    let cells = split_cells(line);
    let edit = |at: usize, text: String| Edit {
        span: Span {
            start: base + at,
            end: base + at,
        },
        text,
        kind: EditKind::TableCell,
    };
    if let Some(&(s, e)) = cells.get(col) {
        let content = content?;
        let raw = &line[s..e];
        if raw.trim().is_empty() {
            return Some(if raw.starts_with(' ') {
                edit(s + 1, format!("{content} "))
            } else {
                edit(s, format!(" {content} "))
            });
        }
        return Some(edit(s + trimmed_len(raw), format!(" {content}")));
    }
    // A missing cell reads as empty: only add cells to hold content.
    let content = content?;
    let mut text = String::new();
    let closing = closing_pipe(line);
    for c in cells.len()..=col {
        let value = if c == col { content } else { "" };
        if closing {
            if value.is_empty() {
                text.push_str(" |");
            } else {
                text.push_str(&format!(" {value} |"));
            }
        } else if value.is_empty() {
            text.push_str(" |");
        } else {
            text.push_str(&format!(" | {value}"));
        }
    }
    Some(edit(trimmed_len(line), text))
}

pub(super) fn table_edits(doc: &Doc<'_>, rows: &[&Placement<'_>], markdown: bool) -> Vec<Edit> {
    let mut edits = Vec::new();
    let mut by_table: Vec<((usize, usize), Vec<&Placement<'_>>)> = Vec::new();
    for p in rows {
        let ext = table_extent(doc, p.line);
        match by_table.iter_mut().find(|(e, _)| *e == ext) {
            Some((_, v)) => v.push(p),
            None => by_table.push((ext, vec![p])),
        }
    }
    for ((first, last), plans) in by_table {
        let has_header = first < last && matches!(doc.kinds[first + 1], Kind::TableDelim);
        if !has_header {
            // No header to name a column: the reference goes in the first cell.
            for p in plans {
                let line = doc.lines[p.line].text;
                if let Some(&(s, e)) = split_cells(line).first() {
                    let raw = &line[s..e];
                    edits.push(Edit {
                        span: Span {
                            start: doc.lines[p.line].start + s + trimmed_len(raw),
                            end: doc.lines[p.line].start + s + trimmed_len(raw),
                        },
                        text: format!(" ({})", p.reference.markdown(markdown)),
                        kind: EditKind::TableCell,
                    });
                }
            }
            continue;
        }
        let header = doc.lines[first].text;
        let (col, new_column) = match issue_column(header) {
            Some(c) => (c, false),
            None => (split_cells(header).len(), true),
        };
        let wanted: HashMap<usize, String> = plans
            .iter()
            .map(|p| (p.line, p.reference.markdown(markdown)))
            .collect();
        for k in first..=last {
            let content = if k == first {
                new_column.then(|| "Issue".to_string())
            } else if k == first + 1 {
                new_column.then(|| "---".to_string())
            } else {
                wanted.get(&k).cloned()
            };
            if content.is_none() && !new_column {
                continue;
            }
            edits.extend(set_cell(doc, k, col, content.as_deref()));
        }
    }
    edits
}
