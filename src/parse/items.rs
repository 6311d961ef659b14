//! Inside one corrective-measures section: where it ends, its sub-groups,
//! and its tasks from list items (nested at any depth), table rows and
//! plain lines, with `Title: description` and describing children folded
//! into one task. Pure: lines in, raw tasks out.

use super::lines::{indent_of, Item, Kind, Kinds, Line};
use super::text::{self, clean, trim_colon, word_count};
use super::vocab;
use crate::model::ItemKind;

/// A task as found, before metadata and keys.
#[derive(Debug, Clone, Default)]
pub struct RawTask {
    /// Title, markup stripped.
    pub title: String,
    /// Detail, markup stripped.
    pub detail: String,
    /// Group label.
    pub group: String,
    /// Index of the item's first line.
    pub line: usize,
    /// List item, table row or plain line.
    pub kind: ItemKind,
    /// `[x]` / `[ ]`.
    pub checked: Option<bool>,
    /// The item's text with markup (first line, continuations, children),
    /// for metadata: owners, due date, priority, issue reference.
    pub raw: String,
    /// Table cells by role, when a table row.
    pub cells: Cells,
}

/// Metadata cells of a table row.
#[derive(Debug, Clone, Default)]
pub struct Cells {
    /// Owner / assignee column.
    pub owner: Option<String>,
    /// Due / date column.
    pub due: Option<String>,
    /// Priority column.
    pub priority: Option<String>,
    /// Status column.
    pub status: Option<String>,
    /// Bug / issue / ticket column.
    pub issue: Option<String>,
    /// The row's other cells, joined: where a reference may also be.
    pub rest: Option<String>,
    /// Type / kind / category column (the SRE kinds).
    pub item_type: Option<String>,
}

/// What the section scan found.
pub struct SectionScan {
    /// Index one past the section's last line.
    pub end: usize,
    /// Tasks in document order.
    pub tasks: Vec<RawTask>,
}

#[derive(Debug)]
enum Unit {
    Group(String),
    Item {
        line: usize,
        item: Item,
        text: String,
    },
    Plain {
        line: usize,
        text: String,
    },
    Titled {
        line: usize,
        title: String,
        detail: String,
    },
    Table {
        header: Option<Vec<String>>,
        rows: Vec<(usize, Vec<String>)>,
    },
    Break,
}

/// A plain line short enough to be a label, ending in `:`.
fn is_colon_label(clean_line: &str) -> bool {
    let t = clean_line.trim_end();
    if !t.ends_with(':') {
        return false;
    }
    let body = t.trim_end_matches(':').trim_end();
    !body.is_empty()
        && word_count(body) <= 8
        && !body.contains(['.', '!', '?', ';'])
        && !vocab::reads_as_sentence(body)
}

/// Scan the section whose body starts at `start`, under a heading of `level`
/// (1..=6, or 7 for a bold/plain label line).
pub fn scan_section(
    lines: &[Line<'_>],
    kinds: &Kinds<'_, '_>,
    start: usize,
    level: u8,
) -> SectionScan {
    let mut units: Vec<Unit> = Vec::new();
    let mut j = start;
    let mut blank_run = 0usize;
    while j < lines.len() {
        let line = &lines[j];
        if line.hidden {
            j += 1;
            continue;
        }
        match kinds.get(j) {
            Kind::Heading { level: h, text } => {
                let key = vocab::heading_key(text);
                if vocab::is_terminal(&key) || vocab::opens_conclusion(&key) {
                    break;
                }
                if vocab::is_group_word(&key) || vocab::is_section_name(&key) || *h > level {
                    units.push(Unit::Group(group_text(text)));
                } else {
                    break;
                }
            }
            Kind::Label { text: label } if word_count(label) <= 10 => {
                let key = vocab::heading_key(label);
                if vocab::is_terminal(&key) || vocab::opens_conclusion(label) {
                    break;
                }
                if level == 7
                    && !vocab::is_group_word(&key)
                    && !vocab::is_section_name(&key)
                    && word_count(&key) > 5
                {
                    break;
                }
                units.push(Unit::Group(group_text(label)));
            }
            Kind::Underline | Kind::Rule => units.push(Unit::Break),
            Kind::Blank => {
                blank_run += 1;
                j += 1;
                continue;
            }
            Kind::Item(item) => {
                let text = line.text[item.content..].to_string();
                units.push(Unit::Item {
                    line: j,
                    item: item.clone(),
                    text,
                });
            }
            Kind::TableRow | Kind::TableDelim => {
                let cells = split_cells(line.text);
                let is_delim = matches!(kinds.get(j), Kind::TableDelim);
                match units.last_mut() {
                    Some(Unit::Table { header, rows }) if blank_run == 0 => {
                        if is_delim {
                            if header.is_none() && rows.len() == 1 {
                                *header = rows.pop().map(|(_, c)| c);
                            }
                        } else {
                            rows.push((j, cells));
                        }
                    }
                    _ if !is_delim => units.push(Unit::Table {
                        header: None,
                        rows: vec![(j, cells)],
                    }),
                    _ => {}
                }
            }
            Kind::Label { .. } | Kind::Plain => {
                let raw = line.text;
                let lead =
                    raw.trim_start_matches(|ch: char| ch.is_whitespace() || "*_#>".contains(ch));
                if vocab::opens_conclusion(lead) {
                    break;
                }
                // Labels, terminal lines and section names are short: long
                // prose lines skip the costly checks.
                let t = raw.trim_end();
                let c = if t.len() <= 100 || t.ends_with(':') {
                    Some(clean(raw))
                } else {
                    None
                };
                let key = c.as_deref().map(vocab::key_of_clean).unwrap_or_default();
                let c = c.unwrap_or_default();
                if !c.is_empty()
                    && word_count(&c) <= 4
                    && !c.contains(':')
                    && vocab::is_terminal(&key)
                {
                    break;
                }
                if is_colon_label(&c) {
                    if vocab::is_terminal(&key) {
                        break;
                    }
                    // A short title whose more-indented lines describe it.
                    let ind = indent_of(raw);
                    let mut k = j + 1;
                    let mut desc = Vec::new();
                    while k < lines.len()
                        && matches!(kinds.get(k), Kind::Plain | Kind::Label { .. })
                        && indent_of(lines[k].text) > ind
                    {
                        desc.push(clean(lines[k].text));
                        k += 1;
                    }
                    // `Title :` (a space before the colon, as some write
                    // it) with its description on the next lines, not
                    // indented: a title, not a group.
                    if desc.is_empty()
                        && raw.trim_end().ends_with(" :")
                        && !vocab::is_group_word(&key)
                    {
                        while k < lines.len() && matches!(kinds.get(k), Kind::Plain) {
                            desc.push(clean(lines[k].text));
                            k += 1;
                        }
                    }
                    // A group word (`Short term:`) names a group even when its
                    // items are indented under it: they are its items, not
                    // its description.
                    if desc.is_empty() || vocab::is_group_word(&key) {
                        units.push(Unit::Group(group_text(raw)));
                    } else {
                        units.push(Unit::Titled {
                            line: j,
                            title: trim_colon(&c),
                            detail: desc.join(" "),
                        });
                        j = k;
                        blank_run = 0;
                        continue;
                    }
                } else if !c.is_empty()
                    && (word_count(&c) <= 6 && vocab::is_section_name(&key)
                        // "Improvements", "Short term", "Tasks" alone on a line
                        // name a group even without the colon.
                        || word_count(&c) <= 3 && vocab::is_label_only(&key))
                {
                    units.push(Unit::Group(group_text(raw)));
                } else if !continue_item(&mut units, raw, blank_run) {
                    units.push(Unit::Plain {
                        line: j,
                        text: raw.to_string(),
                    });
                }
            }
        }
        blank_run = 0;
        j += 1;
    }
    let end = j;
    SectionScan {
        end,
        tasks: interpret(lines, units),
    }
}

/// Append `raw` to the last list item when it continues it: indented into
/// its content, or a lazy continuation of an unfinished sentence.
fn continue_item(units: &mut [Unit], raw: &str, blank_run: usize) -> bool {
    let Some(Unit::Item { item, text, .. }) = units.last_mut() else {
        return false;
    };
    let ind = indent_of(raw);
    let trimmed = raw.trim();
    let indented = ind >= item.content_col.max(1) || (ind > item.indent && blank_run == 0);
    let lazy = blank_run == 0 && {
        // As the text was before write-back added a link to it.
        let prev = crate::parse::text::before_written_ref(text).trim_end();
        let first = trimmed.chars().next().unwrap_or(' ');
        !prev.ends_with(['.', '!', '?', ':', ';']) || first.is_lowercase() || first == '('
    };
    if (indented && blank_run <= 1) || lazy {
        // A trailing `\` is a Markdown hard break, not text.
        if text.ends_with('\\') {
            text.pop();
        }
        text.push(' ');
        text.push_str(trimmed);
        return true;
    }
    false
}

fn group_text(raw: &str) -> String {
    let c = clean(raw);
    let c = c.trim_start_matches(|ch: char| !ch.is_alphanumeric() && ch != '(' && ch != '"');
    trim_colon(c)
}

fn split_cells(line: &str) -> Vec<String> {
    let t = line.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = t.strip_suffix('|').unwrap_or(t);
    // Cells are slices of the row, copied once each (trimmed); only a cell
    // holding an escaped `\|` is rebuilt.
    let cell = |c: &str| {
        let c = c.trim();
        if c.contains("\\|") {
            c.replace("\\|", "|").trim().to_string()
        } else {
            c.to_string()
        }
    };
    let b = t.as_bytes();
    let mut cells = Vec::new();
    let mut from = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if b.get(i + 1) == Some(&b'|') => i += 2,
            b'|' => {
                cells.push(cell(&t[from..i]));
                i += 1;
                from = i;
            }
            _ => i += 1,
        }
    }
    cells.push(cell(&t[from..]));
    cells
}

/// Split `Title: description` (bold title, or a short plain phrase).
pub fn split_title(raw: &str) -> (String, String) {
    split_title_with(raw, &clean(raw))
}

/// [`split_title`] when the cleaned text `c` is already at hand.
fn split_title_with(raw: &str, cleaned: &str) -> (String, String) {
    let t = raw.trim();
    for d in ["**", "__", "*", "_"] {
        if let Some(rest) = t.strip_prefix(d) {
            let Some(close) = rest.find(d) else { break };
            let inner = &rest[..close];
            let after = &rest[close + d.len()..];
            if inner.trim_end().ends_with(':') {
                return (trim_colon(&clean(inner)), clean(after));
            }
            if let Some(a) = after.trim_start().strip_prefix(':') {
                return (clean(inner), clean(a));
            }
            return (trim_colon(cleaned), String::new());
        }
    }
    let c = cleaned;
    if let Some(p) = title_colon(c) {
        let prefix = c[..p].trim();
        if !prefix.is_empty() && word_count(prefix) <= 8 && !prefix.contains(['.', '!', '?', ';']) {
            return (prefix.to_string(), c[p + 1..].trim().to_string());
        }
    }
    (trim_colon(c), String::new())
}

/// The first `:` followed by whitespace or the end (not `https://`, `10:30`).
fn title_colon(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut depth = 0i32;
    for i in 0..b.len() {
        match b[i] {
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth -= 1,
            // Not inside parentheses: `Add alerts (owner: dana)` is no title.
            b':' if depth <= 0 && b.get(i + 1).is_none_or(|c| c.is_ascii_whitespace()) => {
                return Some(i)
            }
            _ => {}
        }
    }
    None
}

/// The whole text of an item is a label: bold/italic only, or a short
/// phrase ending in `:`.
fn label_of(raw: &str, cleaned: &str) -> Option<String> {
    let t = raw.trim();
    if let Some(l) = super::lines::label_text(t) {
        if word_count(&l) <= 10 {
            return Some(trim_colon(&l));
        }
    }
    if is_colon_label(cleaned) {
        return Some(trim_colon(cleaned));
    }
    None
}

struct Node {
    unit: usize,
    children: Vec<usize>,
}

fn interpret(lines: &[Line<'_>], units: Vec<Unit>) -> Vec<RawTask> {
    let mut out = Vec::new();
    let mut group = String::new();
    let mut seg_start = 0;
    for i in 0..=units.len() {
        if i == units.len() || matches!(units[i], Unit::Group(_)) {
            emit_segment(lines, &units[seg_start..i], &group, &mut out);
            if let Some(Unit::Group(g)) = units.get(i) {
                group = g.clone();
            }
            seg_start = i + 1;
        }
    }
    out
}

fn emit_segment(lines: &[Line<'_>], units: &[Unit], group: &str, out: &mut Vec<RawTask>) {
    let has_items = units
        .iter()
        .any(|u| matches!(u, Unit::Item { .. } | Unit::Table { .. }));
    let mut closed = false;
    let mut list: Vec<usize> = Vec::new();
    let flush = |list: &mut Vec<usize>, out: &mut Vec<RawTask>| {
        if !list.is_empty() {
            emit_list(units, list, group, out);
            list.clear();
        }
    };
    for (idx, u) in units.iter().enumerate() {
        match u {
            Unit::Item { .. } => list.push(idx),
            Unit::Break => {}
            Unit::Table { header, rows } => {
                flush(&mut list, out);
                emit_table(header.as_deref(), rows, group, out);
            }
            Unit::Plain { line, text } => {
                flush(&mut list, out);
                if has_items || closed {
                    continue;
                }
                let c = clean(text);
                if c.is_empty() || is_not_a_task(text, &c) {
                    continue;
                }
                if vocab::is_closing_prose(&c) {
                    closed = true;
                    continue;
                }
                let (title, detail) = split_title_with(text, &c);
                out.push(RawTask {
                    title,
                    detail,
                    group: group.to_string(),
                    line: *line,
                    kind: ItemKind::PlainLine,
                    raw: text.clone(),
                    ..RawTask::default()
                });
            }
            Unit::Titled {
                line,
                title,
                detail,
            } => {
                flush(&mut list, out);
                if has_items {
                    continue;
                }
                out.push(RawTask {
                    title: title.clone(),
                    detail: detail.clone(),
                    group: group.to_string(),
                    line: *line,
                    kind: ItemKind::PlainLine,
                    raw: format!("{title}: {detail}"),
                    ..RawTask::default()
                });
            }
            Unit::Group(_) => {}
        }
    }
    flush(&mut list, out);
    let _ = lines;
}

fn is_not_a_task(raw: &str, c: &str) -> bool {
    let t = raw.trim();
    vocab::is_intro(c)
        || vocab::is_nothing_to_do(c)
        || (t.starts_with('[') && t.contains("]:"))
        || t.starts_with("![")
        || t.starts_with('<') && c.is_empty()
        || (t.starts_with("http") && !t.contains(' '))
}

fn emit_list(units: &[Unit], idxs: &[usize], group: &str, out: &mut Vec<RawTask>) {
    // Build a forest by indentation; consecutive numbering keeps ragged
    // siblings together.
    let mut nodes: Vec<Node> = Vec::new();
    let mut roots: Vec<usize> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    for &u in idxs {
        let Unit::Item { item, .. } = &units[u] else {
            continue;
        };
        if let Some(n) = item.number {
            if let Some(pos) = stack
                .iter()
                .rposition(|&s| item_of(units, nodes[s].unit).number.is_some())
            {
                let prev = item_of(units, nodes[stack[pos]].unit);
                if prev.number == Some(n.wrapping_sub(1)) && prev.indent.abs_diff(item.indent) <= 3
                {
                    stack.truncate(pos);
                }
            }
        }
        while let Some(&top) = stack.last() {
            let t = item_of(units, nodes[top].unit);
            if t.indent < item.indent {
                break;
            }
            // A numbered bold title's bullets describe it, even unindented
            // (`1. **Fix the pool**` then `- make it bigger`).
            if item.number.is_none()
                && t.number.is_some()
                && t.indent.abs_diff(item.indent) <= 1
                && crate::parse::lines::label_text(text_of(units, nodes[top].unit).0.trim())
                    .is_some()
            {
                break;
            }
            stack.pop();
        }
        let id = nodes.len();
        nodes.push(Node {
            unit: u,
            children: Vec::new(),
        });
        match stack.last() {
            Some(&p) => nodes[p].children.push(id),
            None => roots.push(id),
        }
        stack.push(id);
    }
    emit_nodes(units, &nodes, &roots, group, out);
}

fn item_of(units: &[Unit], u: usize) -> &Item {
    match &units[u] {
        Unit::Item { item, .. } => item,
        _ => unreachable!("list nodes are items"),
    }
}

fn text_of(units: &[Unit], u: usize) -> (&str, usize) {
    match &units[u] {
        Unit::Item { text, line, .. } => (text, *line),
        _ => ("", 0),
    }
}

fn flatten(
    units: &[Unit],
    nodes: &[Node],
    ids: &[usize],
    clean_parts: &mut Vec<String>,
    raw: &mut String,
) {
    for &id in ids {
        let (t, _) = text_of(units, nodes[id].unit);
        let c = clean(t);
        if !c.is_empty() {
            clean_parts.push(c);
        }
        raw.push(' ');
        raw.push_str(t);
        flatten(units, nodes, &nodes[id].children, clean_parts, raw);
    }
}

fn emit_nodes(units: &[Unit], nodes: &[Node], ids: &[usize], group: &str, out: &mut Vec<RawTask>) {
    let mut sib_group = group.to_string();
    for &id in ids {
        let node = &nodes[id];
        let (raw, line) = text_of(units, node.unit);
        let item = item_of(units, node.unit);
        let c = clean(raw);
        let push = |out: &mut Vec<RawTask>,
                    title: String,
                    detail: String,
                    group: &str,
                    rawtext: String| {
            out.push(RawTask {
                title,
                detail,
                group: group.to_string(),
                line,
                kind: ItemKind::ListItem,
                checked: item.checked,
                raw: rawtext,
                cells: Cells::default(),
            });
        };
        if node.children.is_empty() {
            if let Some(l) = label_of(raw, &c) {
                let key = vocab::key_of_clean(&l);
                if c.trim_end().ends_with(':') || vocab::is_group_word(&key) {
                    sib_group = l;
                    continue;
                }
            }
            if c.is_empty() || vocab::is_nothing_to_do(&c) || vocab::is_closing_prose(&c) {
                continue;
            }
            let (t, d) = split_title_with(raw, &c);
            push(out, t, d, &sib_group, raw.to_string());
            continue;
        }
        let children_are_notes = node.children.iter().all(|&ch| {
            let (t, _) = text_of(units, nodes[ch].unit);
            vocab::is_note(t.trim_start_matches(['*', '_', '`', '[', ' ']))
        });
        // The children's text, for when they describe this item.
        let described = || {
            let mut parts = Vec::new();
            let mut all_raw = raw.to_string();
            flatten(units, nodes, &node.children, &mut parts, &mut all_raw);
            (parts, all_raw)
        };
        if let Some(l) = label_of(raw, &c) {
            let key = vocab::key_of_clean(&l);
            let category = !children_are_notes
                && (vocab::is_group_word(&key)
                    || (item.number.is_none() && node.children.len() >= 2));
            if category {
                emit_nodes(units, nodes, &node.children, &l, out);
            } else {
                let (parts, all_raw) = described();
                push(out, l, parts.join(" "), &sib_group, all_raw);
            }
            continue;
        }
        // A lone nested line of prose (several sentences) explains its
        // parent rather than adding an action of its own.
        let lone_explanation = node.children.len() == 1 && {
            let ch = &nodes[node.children[0]];
            ch.children.is_empty() && is_explanation(&clean(text_of(units, ch.unit).0))
        };
        let (t, d) = split_title_with(raw, &c);
        if !d.is_empty() || children_are_notes || lone_explanation {
            let (parts, all_raw) = described();
            let mut detail = d;
            for p in parts {
                if !detail.is_empty() {
                    detail.push(' ');
                }
                detail.push_str(&p);
            }
            push(out, t, detail, &sib_group, all_raw);
        } else {
            push(out, t, String::new(), &sib_group, raw.to_string());
            emit_nodes(units, nodes, &node.children, &sib_group, out);
        }
    }
}

/// Prose that explains rather than orders: two or more sentences.
fn is_explanation(c: &str) -> bool {
    let b = c.as_bytes();
    b.windows(3)
        .any(|w| matches!(w[0], b'.' | b'!' | b'?') && w[1] == b' ' && w[2].is_ascii_uppercase())
}

fn emit_table(
    header: Option<&[String]>,
    rows: &[(usize, Vec<String>)],
    group: &str,
    out: &mut Vec<RawTask>,
) {
    let keys: Vec<String> = header
        .unwrap_or(&[])
        .iter()
        .map(|c| text::normalize(&clean(c)))
        .collect();
    let find = |names: &[&str]| -> Option<usize> {
        header?;
        keys.iter().position(|k| {
            names.iter().any(|n| {
                k == n
                    || (k.starts_with(n) && k.as_bytes().get(n.len()) == Some(&b' '))
                    || (k.len() > n.len()
                        && k.ends_with(n)
                        && k.as_bytes()[k.len() - n.len() - 1] == b' ')
            })
        })
    };
    let action = find(&[
        "action item",
        "action items",
        "action",
        "actions",
        "task",
        "tasks",
        "item",
        "items",
        "description",
        "title",
        "what",
        "measure",
        "follow up",
    ])
    .unwrap_or(0);
    let owner = find(&[
        "owner",
        "owners",
        "assignee",
        "assignees",
        "who",
        "responsible",
        "dri",
    ]);
    let due = find(&[
        "due",
        "due date",
        "deadline",
        "date",
        "target",
        "target date",
        "eta",
        "when",
        "by",
    ]);
    let priority = find(&["priority", "prio", "severity", "pri"]);
    let status = find(&["status", "state", "done"]);
    let item_type = find(&["type", "kind", "category"]);
    let issue = find(&[
        "bug", "issue", "issues", "ticket", "tickets", "tracking", "link", "jira", "pr",
    ]);
    for (line, cells) in rows {
        let blank = |c: &String| {
            c.trim_matches(|ch: char| ch.is_whitespace() || "*_`~-".contains(ch))
                .is_empty()
        };
        if cells.iter().all(blank) {
            continue;
        }
        let title = cells.get(action).map(|c| clean(c)).unwrap_or_default();
        if title.is_empty() {
            continue;
        }
        let get = |i: Option<usize>| i.and_then(|i| cells.get(i)).cloned();
        out.push(RawTask {
            title,
            detail: String::new(),
            group: group.to_string(),
            line: *line,
            kind: ItemKind::TableRow,
            checked: None,
            raw: cells.get(action).cloned().unwrap_or_default(),
            cells: Cells {
                owner: get(owner),
                due: get(due),
                priority: get(priority),
                status: get(status),
                issue: get(issue),
                item_type: get(item_type),
                // Only a row that may hold a reference keeps its other
                // cells (most rows hold none).
                rest: {
                    let others = || {
                        cells
                            .iter()
                            .enumerate()
                            .filter(move |&(i, _)| i != action && Some(i) != issue)
                            .map(|(_, c)| c.as_str())
                    };
                    others()
                        .any(|c| {
                            let b = c.as_bytes();
                            memchr::memchr3(b'#', b':', b'[', b).is_some()
                                || memchr::memchr(b'-', b).is_some()
                        })
                        .then(|| others().collect::<Vec<_>>().join(" | "))
                },
            },
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_description_splits() {
        assert_eq!(
            split_title("**Title:** the text"),
            ("Title".into(), "the text".into())
        );
        assert_eq!(
            split_title("**Title**: the text"),
            ("Title".into(), "the text".into())
        );
        assert_eq!(
            split_title("*Title:* the text"),
            ("Title".into(), "the text".into())
        );
        assert_eq!(
            split_title("Enhance monitoring: do it"),
            ("Enhance monitoring".into(), "do it".into())
        );
        assert_eq!(
            split_title("**Add alerts** for disk"),
            ("Add alerts for disk".into(), String::new())
        );
        assert_eq!(
            split_title("We decided, after a long talk. Then: more"),
            (
                "We decided, after a long talk. Then: more".into(),
                String::new()
            )
        );
        assert_eq!(
            split_title("See https://x.io/a"),
            ("See https://x.io/a".into(), String::new())
        );
        assert_eq!(
            split_title("Improve Alerting : text"),
            ("Improve Alerting".into(), "text".into())
        );
    }

    #[test]
    fn table_cells_split_on_unescaped_pipes() {
        assert_eq!(split_cells("| a | b \\| c |"), vec!["a", "b | c"]);
    }
}
