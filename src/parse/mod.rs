//! PURE text → [`Postmortem`]: finds the corrective-measures section(s) in
//! any heading form, and every action item in it with its group, horizon,
//! owners, due date, priority, status and issue reference; plus the
//! document's title and incident start date.
//!
//! The reading follows `../shared/corpus/LABELLING.md` (see the README), which
//! deliberately differs from CommonMark where people's postmortems do:
//! `##Heading` with no space is a heading, `-item` with no space is a list
//! item, indentation never makes a code block. So this is a line scanner,
//! not a CommonMark parser. No IO, no clock.

pub mod dates;
pub mod fields;
pub mod items;
pub mod lines;
pub mod refs;
pub mod text;
pub mod vocab;

use crate::model::{
    DocFormat, Postmortem, Section, Span, Status, Task, TaskKey, TrackerRef, Warning,
};
use lines::Kind;
use std::collections::HashMap;

/// Parse one document. `path` is used for keys and messages only.
pub fn parse(path: &str, src: &str) -> Postmortem {
    let mut warnings = Vec::new();
    let format = if path.to_ascii_lowercase().ends_with(".txt") {
        DocFormat::PlainText
    } else {
        DocFormat::Markdown
    };
    if src.trim().is_empty() {
        warnings.push(Warning {
            line: 0,
            message: "empty file: no postmortem to read".into(),
        });
    }
    let mut lines = lines::split(src);
    let front = front_matter(&mut lines, &mut warnings);
    lines::hide_code_and_comments(&mut lines);
    let kinds = lines::Kinds::new(&lines);

    let mut tasks: Vec<Task> = Vec::new();
    let mut section = None;
    let mut section_found = false;
    let mut defs: Option<refs::Defs> = None;
    let mut first_section_line = None;
    let mut i = 0;
    while i < lines.len() {
        // A plain line holding only a section name is short; headings and
        // labels may carry markup and decoration.
        let t = lines[i].text.trim_start();
        let limit = if t.starts_with(['#', '*', '_', '<']) {
            100
        } else {
            60
        };
        let maybe = t.len() <= limit
            && !lines[i].hidden
            && !looks_like_list_or_table(lines[i].text)
            && vocab::may_name_section(lines[i].text);
        let Some(level) = maybe
            .then(|| opens_section(&lines[i], kinds.get(i)))
            .flatten()
        else {
            i += 1;
            continue;
        };
        section_found = true;
        first_section_line.get_or_insert(i);
        let body = if i + 1 < lines.len() && matches!(kinds.get(i + 1), Kind::Underline) {
            i + 2
        } else {
            i + 1
        };
        let scan = items::scan_section(&lines, &kinds, body, level);
        if scan.tasks.is_empty() {
            warnings.push(Warning {
                line: lines[i].no,
                message:
                    "the corrective-measures section has no action items (add list items under it)"
                        .into(),
            });
        }
        let last = (i..scan.end)
            .rev()
            .find(|&k| !lines[k].text.trim().is_empty())
            .unwrap_or(i);
        let end = lines.get(last + 1).map_or(src.len(), |l| l.start);
        section = Some(Section {
            heading_line: lines[i].no,
            span: Span {
                start: lines[i].start,
                end,
            },
        });
        // Reference-style link definitions, read once, when a document has
        // some (`[label]: url`).
        let defs = defs.get_or_insert_with(|| {
            let b = src.as_bytes();
            if memchr::memchr_iter(b']', b).any(|p| b.get(p + 1) == Some(&b':')) {
                refs::Defs::of(lines.iter().filter(|l| !l.hidden).map(|l| l.text))
            } else {
                refs::Defs::default()
            }
        });
        // What a group says (its horizon, a status and a tracker reference
        // for all its items), read once per group.
        let mut by_group = Group::default();
        for raw in scan.tasks {
            if raw.group != by_group.name {
                by_group = Group {
                    horizon: vocab::horizon_of(&raw.group),
                    status: fields::group_status(&raw.group),
                    issue: refs::on_group(&raw.group),
                    name: raw.group.clone(),
                };
            }
            tasks.push(build_task(&lines, raw, &by_group, defs, &mut warnings));
        }
        i = scan.end.max(i + 1);
    }
    dedupe_and_key(path, &mut tasks, &mut warnings);

    let title = front
        .title
        .clone()
        .or_else(|| doc_title(&lines, &kinds))
        .unwrap_or_else(|| file_stem(path));
    let incident_start = front.date.or_else(|| {
        incident_date(
            &lines,
            first_section_line.unwrap_or(lines.len()),
            &title,
            path,
            &mut warnings,
        )
    });
    Postmortem {
        path: path.to_string(),
        title,
        incident_start,
        section_found,
        format,
        section,
        warnings,
        tasks,
    }
}

/// List items and table rows never open a section: skip them cheaply.
fn looks_like_list_or_table(line: &str) -> bool {
    let b = line.trim_start().as_bytes();
    match b.first() {
        Some(b'-' | b'*' | b'+') => b.get(1) == Some(&b' '),
        Some(b'|') => true,
        Some(c) if c.is_ascii_digit() => {
            let n = b.iter().take_while(|c| c.is_ascii_digit()).count();
            matches!(b.get(n), Some(b'.' | b')')) && b.get(n + 1) == Some(&b' ')
        }
        _ => false,
    }
}

fn opens_section(line: &lines::Line<'_>, kind: &Kind) -> Option<u8> {
    let candidate = match kind {
        Kind::Heading { .. } | Kind::Label { .. } => true,
        Kind::Plain => line.text.len() <= 100,
        _ => false,
    };
    if !candidate || line.hidden {
        return None;
    }
    match kind {
        Kind::Heading { level, text } => {
            vocab::is_section_name(&vocab::heading_key(text)).then_some(*level)
        }
        Kind::Label { text } => vocab::is_section_name(&vocab::heading_key(text)).then_some(7),
        Kind::Plain if line.text.len() <= 120 => {
            let t = line.text.trim();
            // A plain line holding only the name (not inside a sentence).
            let inner = t.trim_end_matches([':', ';']).trim_end();
            (!inner.contains([':', '.', ',']) && vocab::is_section_name(&vocab::heading_key(t)))
                .then_some(7)
        }
        _ => None,
    }
}

/// What a group label says for every item under it.
#[derive(Default)]
struct Group {
    name: String,
    horizon: Option<crate::model::Horizon>,
    status: Option<Status>,
    issue: Option<TrackerRef>,
}

fn build_task(
    lines: &[lines::Line<'_>],
    raw: items::RawTask,
    group: &Group,
    defs: &refs::Defs,
    warnings: &mut Vec<Warning>,
) -> Task {
    let line = &lines[raw.line];
    let no = line.no;
    let due = match fields::due(&raw.raw, raw.cells.due.as_deref()) {
        Ok(d) => d,
        Err(bad) => {
            warnings.push(Warning {
                line: no,
                message: format!("`{bad}` is not a real date; write the due date as YYYY-MM-DD"),
            });
            None
        }
    };
    let status = fields::status(&raw.raw, raw.checked, &raw.cells, group.status);
    let mut owners = fields::owners(&raw.raw, raw.cells.owner.as_deref());
    if let Some(team) = fields::team_owner(&raw.title, &raw.detail) {
        if !owners.iter().any(|o| o.eq_ignore_ascii_case(team)) {
            owners.insert(0, team.to_string());
        }
    }
    let own = refs::on_item(&raw.raw, raw.cells.issue.as_deref(), defs).or_else(|| {
        let rest = raw.cells.rest.as_deref()?;
        refs::find(rest, defs, false)
    });
    let issue_from_group = own.is_none() && group.issue.is_some();
    Task {
        key: TaskKey(String::new()),
        horizon: group.horizon,
        owners,
        due,
        priority: fields::priority(&raw.raw, raw.cells.priority.as_deref()),
        status,
        issue: own.or_else(|| group.issue.clone()),
        issue_from_group,
        repeats: Vec::new(),
        type_cell: raw.cells.item_type.clone(),
        title: raw.title,
        detail: raw.detail,
        group: raw.group,
        line: no,
        span: Span {
            start: line.start,
            end: line.start + line.text.len(),
        },
        kind: raw.kind,
    }
}

/// The stable key of a task: 16 hex digits of FNV-1a-64 over the document path
/// and the normalised title without a trailing issue reference (plus the
/// detail when two tasks of the document share a title).
pub fn task_key(path: &str, title: &str, detail: &str) -> TaskKey {
    hash_key(path, title, Some(detail))
}

/// FNV-1a, 64 bits: stable across platforms and releases (it is written
/// into issue markers), fast, and collision-free enough for the items of
/// one repository. Not a security boundary.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn eat(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    /// Hash exactly the bytes of [`text::normalize`]`(s)`, without building it.
    fn eat_normalized(&mut self, s: &str) {
        // (a word has started, a gap came since the last letter or digit)
        let mut at = (false, false);
        if s.is_ascii() {
            // The same, a byte at a time.
            for &b in s.as_bytes() {
                self.eat_normalized_char(
                    &mut at,
                    b.is_ascii_alphanumeric(),
                    &[b.to_ascii_lowercase()],
                );
            }
            return;
        }
        let mut buf = [0u8; 16];
        for c in s.chars() {
            let lower = if c.is_ascii() {
                buf[0] = c.to_ascii_lowercase() as u8;
                &buf[..1]
            } else {
                let mut n = 0;
                for l in c.to_lowercase() {
                    n += l.encode_utf8(&mut buf[n..]).len();
                }
                &buf[..n]
            };
            let alnum = if c.is_ascii() {
                c.is_ascii_alphanumeric()
            } else {
                c.is_alphanumeric()
            };
            self.eat_normalized_char(&mut at, alnum, lower);
        }
    }

    /// One character of [`Fnv::eat_normalized`]: its lower-case bytes when
    /// it is a letter or digit (a space first when a gap came before it in
    /// a started word), else a gap.
    fn eat_normalized_char(&mut self, at: &mut (bool, bool), alnum: bool, lower: &[u8]) {
        let (started, gap) = at;
        if !alnum {
            *gap = true;
            return;
        }
        if *gap && *started {
            self.eat(b" ");
        }
        *gap = false;
        *started = true;
        self.eat(lower);
    }
}

fn has_words(s: &str) -> bool {
    s.chars().any(char::is_alphanumeric)
}

/// The hash state after the document path and the separator: every key of
/// the document continues from it.
fn path_state(path: &str) -> Fnv {
    let mut h = Fnv::new();
    // `\\` and `/` hash alike, so keys do not depend on the OS.
    for (i, part) in path.trim_start_matches("./").split(['\\', '/']).enumerate() {
        if i > 0 {
            h.eat(b"/");
        }
        h.eat(part.as_bytes());
    }
    h.eat(b"\n");
    h
}

fn hex_key(h: u64) -> TaskKey {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    TaskKey(
        (0..16)
            .rev()
            .map(|i| HEX[((h >> (i * 4)) & 15) as usize] as char)
            .collect(),
    )
}

/// The key of a title (and, when given and not empty, a detail) in `path`.
fn hash_key(path: &str, title: &str, detail: Option<&str>) -> TaskKey {
    let mut h = path_state(path);
    h.eat_normalized(&text::without_refs(title));
    if let Some(d) = detail.map(text::without_refs).filter(|d| has_words(d)) {
        h.eat(b"\n");
        h.eat_normalized(&d);
    }
    hex_key(h.0)
}

/// Merge repeats of one item (same title and detail), warning with both
/// lines, and give every task its key (tasks sharing only a title get keys
/// that include their detail).
fn dedupe_and_key(path: &str, tasks: &mut Vec<Task>, warnings: &mut Vec<Warning>) {
    let base = path_state(path);
    // Each task's title state doubles as its key and its identity.
    let title_state = |t: &Task| {
        let mut h = Fnv(base.0);
        h.eat_normalized(&text::without_refs(&t.title));
        h.0
    };
    let detail_digest = |t: &Task| {
        let mut h = Fnv::new();
        h.eat_normalized(&text::without_refs(&t.detail));
        h.0
    };
    // Most documents hold a handful of items: linear scans beat hashing
    // there; past that, maps keep a 100,000-item document linear.
    let small = tasks.len() <= 64;
    let titles: Vec<u64> = tasks.iter().map(title_state).collect();
    // How many tasks share each title. Only those need their detail hashed:
    // a repeat has the same title and the same detail.
    let count = |of: &[u64]| -> Vec<usize> {
        if of.len() <= 64 {
            of.iter()
                .map(|x| of.iter().filter(|y| *y == x).count())
                .collect()
        } else {
            let mut n: HashMap<u64, usize> = HashMap::with_capacity(of.len());
            for x in of {
                *n.entry(*x).or_default() += 1;
            }
            of.iter().map(|x| n[x]).collect()
        }
    };
    let sharing = count(&titles);
    let mut keep: Vec<Task> = Vec::with_capacity(tasks.len());
    let mut ids: Vec<(u64, u64)> = Vec::with_capacity(tasks.len());
    let mut first_of: HashMap<(u64, u64), usize> =
        HashMap::with_capacity(if small { 0 } else { tasks.len() });
    for (k, t) in tasks.drain(..).enumerate() {
        let detail = if sharing[k] > 1 { detail_digest(&t) } else { 0 };
        let id = (titles[k], detail);
        let first = if sharing[k] == 1 {
            None
        } else if small {
            ids.iter().position(|x| *x == id)
        } else {
            first_of.get(&id).copied()
        };
        if let Some(first) = first {
            let first_line = keep[first].line;
            keep[first].repeats.push(t.line);
            warnings.push(Warning {
                line: t.line,
                message: format!(
                    "line {} repeats the action item of line {first_line}; counted once",
                    t.line
                ),
            });
            continue;
        }
        if !small {
            first_of.insert(id, ids.len());
        }
        ids.push(id);
        keep.push(t);
    }
    let kept: Vec<u64> = ids.iter().map(|(title, _)| *title).collect();
    let shared = count(&kept);
    for (i, t) in keep.iter_mut().enumerate() {
        t.key = if shared[i] > 1 {
            hash_key(path, &t.title, Some(&t.detail))
        } else {
            hex_key(ids[i].0)
        };
    }
    *tasks = keep;
}

#[derive(Default)]
struct Front {
    title: Option<String>,
    date: Option<chrono::NaiveDate>,
}

fn front_matter(lines: &mut [lines::Line<'_>], warnings: &mut Vec<Warning>) -> Front {
    let mut front = Front::default();
    if lines.first().map(|l| l.text.trim_end()) != Some("---") {
        return front;
    }
    let Some(close) = lines
        .iter()
        .skip(1)
        .position(|l| matches!(l.text.trim_end(), "---" | "..."))
    else {
        warnings.push(Warning {
            line: 1,
            message: "front matter opened with `---` is never closed; add a closing `---` line"
                .into(),
        });
        return front;
    };
    for l in lines.iter_mut().take(close + 2) {
        l.hidden = true;
        let t = l.text.trim();
        if let Some(v) = t.strip_prefix("title:") {
            front.title = Some(text::clean(v.trim().trim_matches(['"', '\''])));
        } else if let Some(v) = t
            .strip_prefix("date:")
            .or_else(|| t.strip_prefix("incident_date:"))
        {
            match dates::find_date(v) {
                Some(dates::Found::Valid(d)) => front.date = Some(d),
                Some(dates::Found::Invalid(s)) => warnings.push(Warning {
                    line: l.no,
                    message: format!("front matter date `{s}` is not a real date; use YYYY-MM-DD"),
                }),
                None => {}
            }
        }
    }
    front
}

fn doc_title(lines: &[lines::Line<'_>], kinds: &lines::Kinds<'_, '_>) -> Option<String> {
    for (i, l) in lines.iter().enumerate() {
        let k = kinds.get(i);
        if l.hidden {
            continue;
        }
        let t = match k {
            Kind::Heading { text, .. } | Kind::Label { text } => {
                text::trim_colon(&text::clean(text))
            }
            Kind::Blank | Kind::Underline => continue,
            Kind::Plain if l.text.len() < 100 => text::trim_colon(&text::clean(l.text)),
            _ => return None,
        };
        if !t.is_empty() {
            return Some(t);
        }
    }
    None
}

fn file_stem(path: &str) -> String {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    name.rsplit_once('.').map_or(name, |(s, _)| s).to_string()
}

/// The incident's start: a line that talks about the start/date/duration,
/// else the title, else the first date before the section, else the file name.
fn incident_date(
    lines: &[lines::Line<'_>],
    section_line: usize,
    title: &str,
    path: &str,
    warnings: &mut Vec<Warning>,
) -> Option<chrono::NaiveDate> {
    let mut found = |s: &str, no: usize| match dates::find_date(s) {
        Some(dates::Found::Valid(d)) => Some(d),
        Some(dates::Found::Invalid(bad)) => {
            warnings.push(Warning {
                line: no,
                message: format!(
                    "`{bad}` is not a real date; the incident date was not read from here"
                ),
            });
            None
        }
        None => None,
    };
    let keys = [
        "start", "began", "begin", "date", "duration", "occurred", "when", "detected", "incident",
    ];
    let mut lower = String::new();
    for l in lines.iter().take(section_line).filter(|l| !l.hidden) {
        if !dates::has_year(l.text) {
            continue;
        }
        // Lower-cased once, then each key found by the fast substring search.
        lower.clear();
        lower.push_str(l.text);
        lower.make_ascii_lowercase();
        if keys.iter().any(|k| lower.contains(k)) {
            if let Some(d) = found(l.text, l.no) {
                return Some(d);
            }
        }
    }
    if let Some(d) = found(title, 0) {
        return Some(d);
    }
    for l in lines.iter().take(section_line).filter(|l| !l.hidden) {
        if let Some(dates::Found::Valid(d)) = dates::find_date(l.text) {
            return Some(d);
        }
    }
    match dates::find_date(&file_stem(path)) {
        Some(dates::Found::Valid(d)) => Some(d),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
