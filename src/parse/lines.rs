//! Split a document into lines with byte offsets, and classify each line
//! (heading, label, list item, table row, rule, plain…) the way the labelling
//! rules read Markdown and plain text alike: ATX headings with or without a
//! space, setext underlines, bold-only label lines, `-item` with no space,
//! HTML headings and `<li>`, indentation never making a code block. Pure.

use super::text;

/// One line of the document.
#[derive(Debug, Clone)]
pub struct Line<'a> {
    /// 1-based line number.
    pub no: usize,
    /// Byte offset of the first character (after a BOM on line 1).
    pub start: usize,
    /// The line without its line ending (`\n` or `\r\n`).
    pub text: &'a str,
    /// Inside a fenced code block, an HTML comment or front matter.
    pub hidden: bool,
}

/// Split `src` into lines. A leading BOM is skipped; `\r\n` and `\n` end lines.
pub fn split(src: &str) -> Vec<Line<'_>> {
    let mut out = Vec::with_capacity(src.len() / 40 + 1);
    let mut pos = if src.starts_with('\u{feff}') { 3 } else { 0 };
    let mut no = 1;
    let mut push = |from: usize, to: usize| {
        let text = &src[from..to];
        out.push(Line {
            no,
            start: from,
            text: text.strip_suffix('\r').unwrap_or(text),
            hidden: false,
        });
        no += 1;
    };
    // `\n` is never inside a multi-byte character: every cut is a
    // character boundary.
    let base = pos;
    for nl in memchr::memchr_iter(b'\n', &src.as_bytes()[base..]) {
        let end = base + nl;
        push(pos, end);
        pos = end + 1;
    }
    if pos < src.len() {
        push(pos, src.len());
    }
    out
}

/// The words that mark the first and the last line of the status block
/// write-back generates: defined here once, for the parser (which hides the
/// block) and for write-back (which writes its marker lines around them).
macro_rules! status_marker {
    (begin) => {
        "pmtrack:status:begin"
    };
    (end) => {
        "pmtrack:status:end"
    };
}
pub(crate) use status_marker;

/// In the first line of the status block that write-back generates.
pub const STATUS_BEGIN: &str = status_marker!(begin);
/// In the last line of the status block that write-back generates.
pub const STATUS_END: &str = status_marker!(end);

/// Mark lines inside fenced code blocks, HTML comments and pmtrack's own
/// generated status block as hidden.
pub fn hide_code_and_comments(lines: &mut [Line<'_>]) {
    let mut fence: Option<(u8, usize)> = None;
    let mut in_comment = false;
    let mut in_status = false;
    for line in lines.iter_mut() {
        let t = line.text.trim_start();
        let may_mark = t.starts_with("<!--") || t.starts_with('[');
        if in_status || (may_mark && fence.is_none() && !in_comment && t.contains(STATUS_BEGIN)) {
            line.hidden = true;
            in_status = !t.contains(STATUS_END);
            continue;
        }
        if let Some((ch, n)) = fence {
            line.hidden = true;
            let run = t.bytes().take_while(|&c| c == ch).count();
            if run >= n && t[run..].trim().is_empty() {
                fence = None;
            }
            continue;
        }
        if in_comment {
            line.hidden = true;
            if t.contains("-->") {
                in_comment = false;
            }
            continue;
        }
        let first = t.bytes().next();
        if matches!(first, Some(b'`') | Some(b'~')) {
            let ch = first.unwrap_or(b'`');
            let run = t.bytes().take_while(|&c| c == ch).count();
            if run >= 3 && !(ch == b'`' && t[run..].contains('`')) {
                fence = Some((ch, run));
                line.hidden = true;
                continue;
            }
        }
        if let Some(rest) = t.strip_prefix("<!--") {
            if !rest.contains("-->") {
                in_comment = true;
            }
            line.hidden = true;
        }
    }
}

/// What a line is.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// Nothing but whitespace.
    Blank,
    /// ATX, setext or HTML heading; `level` 1..=6.
    Heading {
        /// 1..=6.
        level: u8,
        /// Inner text, markup still in.
        text: String,
    },
    /// The `===`/`---` underline of a setext heading.
    Underline,
    /// A line that is entirely bold or italic (optionally with a colon after).
    Label {
        /// Inner text, markup stripped, colon kept.
        text: String,
    },
    /// A list item.
    Item(Item),
    /// A table row (`| a | b |`).
    TableRow,
    /// A table delimiter row (`|---|---|`).
    TableDelim,
    /// A horizontal rule.
    Rule,
    /// Anything else.
    Plain,
}

/// A list item's first line.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Columns of indentation before the marker (tab = 4).
    pub indent: usize,
    /// The number of an ordered item (`3.` → 3).
    pub number: Option<u32>,
    /// Byte offset of the content within the line.
    pub content: usize,
    /// Column where the content starts.
    pub content_col: usize,
    /// `Some(true)` for `[x]`, `Some(false)` for `[ ]`.
    pub checked: Option<bool>,
}

/// Columns of leading whitespace (tab = 4).
pub fn indent_of(s: &str) -> usize {
    let mut n = 0;
    for c in s.chars() {
        match c {
            ' ' => n += 1,
            '\t' => n += 4 - n % 4,
            _ => break,
        }
    }
    n
}

/// Line kinds computed on demand: only the lines pmtrack looks at (section
/// candidates and the sections themselves) are classified.
pub struct Kinds<'s, 'a> {
    lines: &'s [Line<'a>],
    cells: Vec<std::cell::OnceCell<Kind>>,
}

impl<'s, 'a> Kinds<'s, 'a> {
    /// Nothing classified yet.
    pub fn new(lines: &'s [Line<'a>]) -> Self {
        Kinds {
            lines,
            cells: (0..lines.len())
                .map(|_| std::cell::OnceCell::new())
                .collect(),
        }
    }

    /// The kind of line `i` (setext headings look at their neighbours).
    pub fn get(&self, i: usize) -> &Kind {
        self.cells[i].get_or_init(|| classify_at(self.lines, i))
    }

    /// Number of lines.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// No lines at all.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }
}

fn underline_level(line: &Line<'_>) -> Option<u8> {
    if line.hidden || indent_of(line.text) > 3 {
        return None;
    }
    let u = line.text.trim();
    if u.len() >= 2 && u.bytes().all(|c| c == b'=') {
        Some(1)
    } else if u.len() >= 2 && u.bytes().all(|c| c == b'-') {
        Some(2)
    } else {
        None
    }
}

/// Classify line `i`, with setext underlines.
fn classify_at(lines: &[Line<'_>], i: usize) -> Kind {
    let kind = classify_one(lines[i].text);
    let texty = |k: &Kind| matches!(k, Kind::Plain | Kind::Label { .. });
    if underline_level(&lines[i]).is_some()
        && i > 0
        && !lines[i - 1].hidden
        && texty(&classify_one(lines[i - 1].text))
    {
        return Kind::Underline;
    }
    if texty(&kind) && !lines[i].hidden {
        if let Some(level) = lines.get(i + 1).and_then(underline_level) {
            return Kind::Heading {
                level,
                text: lines[i].text.trim().to_string(),
            };
        }
    }
    kind
}

/// Classify every line; setext headings look at the next line.
pub fn classify(lines: &[Line<'_>]) -> Vec<Kind> {
    let mut kinds: Vec<Kind> = lines.iter().map(|l| classify_one(l.text)).collect();
    for i in 0..lines.len().saturating_sub(1) {
        if lines[i].hidden || lines[i + 1].hidden {
            continue;
        }
        let under = lines[i + 1].text.trim();
        let level = if under.len() >= 2 && under.bytes().all(|c| c == b'=') {
            1
        } else if under.len() >= 2 && under.bytes().all(|c| c == b'-') {
            2
        } else {
            continue;
        };
        if indent_of(lines[i + 1].text) > 3 {
            continue;
        }
        let text = match &kinds[i] {
            Kind::Plain => lines[i].text.trim().to_string(),
            Kind::Label { .. } => lines[i].text.trim().to_string(),
            _ => continue,
        };
        kinds[i] = Kind::Heading { level, text };
        kinds[i + 1] = Kind::Underline;
    }
    kinds
}

fn classify_one(line: &str) -> Kind {
    let t = line.trim();
    if t.is_empty() {
        return Kind::Blank;
    }
    let indent = indent_of(line);
    let b = t.as_bytes();
    // ATX heading, with or without a space after the hashes (`##Action Items`).
    if b[0] == b'#' && indent <= 3 {
        let n = b.iter().take_while(|&&c| c == b'#').count();
        let rest = &t[n..];
        let starts_word = rest.is_empty()
            || rest.starts_with([' ', '\t'])
            || rest
                .chars()
                .next()
                .is_some_and(|c| !c.is_ascii_digit() && c != '#');
        if n <= 6 && starts_word {
            let inner = rest.trim().trim_end_matches('#').trim_end();
            return Kind::Heading {
                level: n as u8,
                text: inner.to_string(),
            };
        }
    }
    // Horizontal rule.
    if is_rule(t) {
        return Kind::Rule;
    }
    // HTML heading.
    if let Some(h) = html_heading(t) {
        return h;
    }
    // Tables.
    if b[0] == b'|' || (t.contains('|') && is_delim(t)) {
        return if is_delim(t) {
            Kind::TableDelim
        } else {
            Kind::TableRow
        };
    }
    if let Some(item) = list_item(line, indent) {
        return Kind::Item(item);
    }
    if let Some(text) = label_text(t) {
        return Kind::Label { text };
    }
    Kind::Plain
}

fn is_rule(t: &str) -> bool {
    let c = t.as_bytes()[0];
    if !matches!(c, b'-' | b'*' | b'_') {
        return false;
    }
    let mut n = 0;
    for ch in t.bytes() {
        if ch == c {
            n += 1;
        } else if ch != b' ' && ch != b'\t' {
            return false;
        }
    }
    n >= 3
}

fn is_delim(t: &str) -> bool {
    let inner = t.trim().trim_start_matches('|').trim_end_matches('|');
    if inner.is_empty() {
        return false;
    }
    inner.split('|').all(|cell| {
        let c = cell.trim();
        let c = c.strip_prefix(':').unwrap_or(c);
        let c = c.strip_suffix(':').unwrap_or(c);
        !c.is_empty() && c.bytes().all(|x| x == b'-')
    })
}

fn html_heading(t: &str) -> Option<Kind> {
    if !t.starts_with('<') {
        return None;
    }
    let lower = t.get(..4)?.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    if bytes[0] != b'<' || bytes[1] != b'h' || !(b'1'..=b'6').contains(&bytes[2]) {
        return None;
    }
    if bytes[3] != b'>' && bytes[3] != b' ' {
        return None;
    }
    let level = bytes[2] - b'0';
    let open_end = t.find('>')? + 1;
    let close = t.to_ascii_lowercase().rfind("</h").unwrap_or(t.len());
    let inner = t.get(open_end..close.max(open_end))?;
    Some(Kind::Heading {
        level,
        text: inner.to_string(),
    })
}

fn list_item(line: &str, indent: usize) -> Option<Item> {
    let lead = line.len() - line.trim_start().len();
    let t = &line[lead..];
    let b = t.as_bytes();
    let (marker_len, number) = match b[0] {
        b'-' | b'*' | b'+' => {
            match b.get(1) {
                Some(b' ') | Some(b'\t') => (1, None),
                None => return None,
                // `-item` with no space: a dash then a letter, digit-free words.
                Some(c)
                    if b[0] == b'-' && (c.is_ascii_alphabetic() || *c == b'[' || *c >= 0x80) =>
                {
                    (1, None)
                }
                _ => return None,
            }
        }
        b'0'..=b'9' => {
            let n = b.iter().take_while(|c| c.is_ascii_digit()).count();
            if n > 3 {
                return None;
            }
            match (b.get(n), b.get(n + 1)) {
                (Some(b'.') | Some(b')') | Some(b','), Some(b' ') | Some(b'\t')) => {
                    (n + 1, t[..n].parse::<u32>().ok())
                }
                _ => return None,
            }
        }
        b'a'..=b'z'
            if matches!(b.get(1), Some(b'.') | Some(b')'))
                && matches!(b.get(2), Some(b' ') | Some(b'\t')) =>
        {
            // `a.` / `b)`: lettered sub-items.
            (2, None)
        }
        _ => {
            // Bullet characters people paste in, and HTML list items.
            for bullet in ["•", "◦", "▪", "‣", "●"] {
                if let Some(rest) = t.strip_prefix(bullet) {
                    if rest.starts_with([' ', '\t']) {
                        return finish_item(line, indent, lead + bullet.len(), None);
                    }
                }
            }
            let opens = |s: &str, tags: &[&str]| {
                s.get(..4)
                    .is_some_and(|h| tags.iter().any(|t| h.eq_ignore_ascii_case(t)))
            };
            // `<ol><li>…`: the list may open on its first item's line.
            let mut skip = 0;
            if opens(t, &["<ol>", "<ol ", "<ul>", "<ul "]) {
                let close = t.find('>')? + 1;
                let rest = &t[close..];
                skip = close + (rest.len() - rest.trim_start().len());
            }
            let t = &t[skip..];
            if opens(t, &["<li>", "<li "]) {
                let close = t.find('>')? + 1;
                return finish_item(line, indent, lead + skip + close, None);
            }
            return None;
        }
    };
    finish_item(line, indent, lead + marker_len, number)
}

fn finish_item(
    line: &str,
    indent: usize,
    after_marker: usize,
    number: Option<u32>,
) -> Option<Item> {
    let rest = &line[after_marker..];
    let spaces = rest.len() - rest.trim_start().len();
    let mut content = after_marker + spaces;
    let mut checked = None;
    let r = &line[content..];
    for (pat, val) in [("[ ]", false), ("[x]", true), ("[X]", true)] {
        if let Some(after) = r.strip_prefix(pat) {
            if after.is_empty() || after.starts_with([' ', '\t']) {
                checked = Some(val);
                content += 3 + (after.len() - after.trim_start().len());
            }
        }
    }
    let content_col =
        indent_of(line) + (after_marker - (line.len() - line.trim_start().len())) + spaces;
    Some(Item {
        indent,
        number,
        content,
        content_col,
        checked,
    })
}

/// A line that is entirely bold or italic (`**Title:**`, `*Title*:`,
/// `__Title__`): its inner text with the colon kept.
pub fn label_text(t: &str) -> Option<String> {
    if !t.starts_with(['*', '_']) {
        return None;
    }
    for d in ["**", "__", "*", "_"] {
        if let Some(rest) = t.strip_prefix(d) {
            let (body, tail) = if let Some(b) = rest.strip_suffix(d) {
                (b, "")
            } else if let Some(b) = rest.strip_suffix(':').and_then(|r| r.strip_suffix(d)) {
                (b, ":")
            } else if let Some(b) = rest.strip_suffix(';').and_then(|r| r.strip_suffix(d)) {
                (b, ";")
            } else {
                continue;
            };
            if body.is_empty() || body.contains(d) || body.starts_with(' ') {
                continue;
            }
            let mut out = text::clean(body);
            out.push_str(tail);
            return Some(out);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(s: &str) -> Kind {
        classify_one(s)
    }

    #[test]
    fn atx_headings_with_and_without_space() {
        assert_eq!(
            kind("##Action Items"),
            Kind::Heading {
                level: 2,
                text: "Action Items".into()
            }
        );
        assert_eq!(
            kind("### Fixes ###"),
            Kind::Heading {
                level: 3,
                text: "Fixes".into()
            }
        );
        assert_eq!(kind("#123 is an issue"), Kind::Plain);
    }

    #[test]
    fn list_markers_of_every_kind() {
        for s in [
            "- a",
            "* a",
            "+ a",
            "1. a",
            "1) a",
            "1, a",
            "-a",
            "• a",
            "<li>a</li>",
            "- [ ] a",
        ] {
            assert!(matches!(kind(s), Kind::Item(_)), "{s}");
        }
        assert!(matches!(
            kind("- [x] done"),
            Kind::Item(Item {
                checked: Some(true),
                ..
            })
        ));
        assert_eq!(
            kind("**Bold:**"),
            Kind::Label {
                text: "Bold:".into()
            }
        );
        assert_eq!(kind("---"), Kind::Rule);
        assert_eq!(kind("-1 degrees"), Kind::Plain);
    }

    #[test]
    fn setext_heading_and_tables() {
        let src = "Action Items\n============\n| a | b |\n|---|:-:|\n";
        let lines = split(src);
        let k = classify(&lines);
        assert_eq!(
            k[0],
            Kind::Heading {
                level: 1,
                text: "Action Items".into()
            }
        );
        assert_eq!(k[1], Kind::Underline);
        assert_eq!(k[2], Kind::TableRow);
        assert_eq!(k[3], Kind::TableDelim);
    }

    #[test]
    fn crlf_and_bom_are_handled_with_exact_offsets() {
        let src = "\u{feff}a\r\nb\n";
        let lines = split(src);
        assert_eq!(lines.len(), 2);
        assert_eq!((lines[0].start, lines[0].text), (3, "a"));
        assert_eq!((lines[1].start, lines[1].text), (6, "b"));
    }

    #[test]
    fn fences_and_comments_are_hidden() {
        let mut lines = split("```\n## Action Items\n```\n<!--\nx\n-->\ny");
        hide_code_and_comments(&mut lines);
        let hidden: Vec<bool> = lines.iter().map(|l| l.hidden).collect();
        assert_eq!(hidden, [true, true, true, true, true, true, false]);
    }

    #[test]
    fn generated_status_block_is_hidden() {
        let mut lines = split(
            "- a\n<!-- pmtrack:status:begin -->\n| x | y |\n<!-- pmtrack:status:end -->\n- b",
        );
        hide_code_and_comments(&mut lines);
        let hidden: Vec<bool> = lines.iter().map(|l| l.hidden).collect();
        assert_eq!(hidden, [false, true, true, true, false]);
    }
}
