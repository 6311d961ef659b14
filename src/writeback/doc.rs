//! The document as lines: text, line spans, kinds (as the parser sees them).

use crate::parse::lines::{self, Kind, Line};

pub(super) struct Doc<'a> {
    pub(super) text: &'a str,
    pub(super) lines: Vec<Line<'a>>,
    pub(super) kinds: Vec<Kind>,
}

impl<'a> Doc<'a> {
    pub(super) fn new(text: &'a str) -> Doc<'a> {
        let mut lines = lines::split(text);
        lines::hide_code_and_comments(&mut lines);
        let kinds = lines::classify(&lines);
        Doc { text, lines, kinds }
    }

    /// Index of the line starting at byte `start`.
    pub(super) fn line_at(&self, start: usize) -> Option<usize> {
        self.lines.binary_search_by_key(&start, |l| l.start).ok()
    }

    /// Byte after the line's text (where its line ending starts).
    pub(super) fn line_end(&self, i: usize) -> usize {
        self.lines[i].start + self.lines[i].text.len()
    }

    /// Byte where the next line starts (or the end of the text).
    pub(super) fn next_start(&self, i: usize) -> usize {
        self.lines.get(i + 1).map_or(self.text.len(), |l| l.start)
    }

    /// The line's ending: `"\r\n"`, `"\n"` or `""` (the last line).
    pub(super) fn eol(&self, i: usize) -> &'a str {
        &self.text[self.line_end(i)..self.next_start(i)]
    }

    /// The line ending to use for new lines near line `i`: that line's, or
    /// the nearest earlier one's, or the document's first, or `\n`.
    pub(super) fn eol_near(&self, i: usize) -> &'a str {
        if self.lines.is_empty() {
            return "\n";
        }
        (0..=i.min(self.lines.len() - 1))
            .rev()
            .chain(i + 1..self.lines.len())
            .map(|k| self.eol(k))
            .find(|e| !e.is_empty())
            .unwrap_or("\n")
    }

    pub(super) fn is_blank(&self, i: usize) -> bool {
        self.lines[i].text.trim().is_empty()
    }
}

/// Bytes of `s` after trimming trailing spaces and tabs.
pub(super) fn trimmed_len(s: &str) -> usize {
    s.trim_end_matches([' ', '\t']).len()
}
