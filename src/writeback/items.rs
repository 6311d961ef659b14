//! Edits on items: an issue reference at the item's first good place, and
//! a ticked checkbox; every placement checked by re-parsing the result.

use std::collections::{HashMap, HashSet};

use super::{apply, sort, Edit, EditKind};
use super::{doc::*, refs::*, tables::*};
use crate::model::{
    DocFormat, ItemKind, Link, Postmortem, Span, Status, Task, TrackState, TrackerRef,
};
use crate::parse::lines::{self, Kind};
use crate::parse::text::{base_title, without_refs};
/// How many placements are tried before an item's reference is left out.
pub(super) const MAX_ROUNDS: usize = 16;
/// How many continuation lines of an item are candidate places.
pub(super) const MAX_CONTINUATION: usize = 12;

/// The lines of one item: its first line, then its continuation lines (a
/// list item) or its indented describing lines (a plain `Title:` line).
pub(super) fn item_lines(doc: &Doc<'_>, i: usize, task: &Task) -> Vec<usize> {
    let mut out = vec![i];
    match task.kind {
        ItemKind::TableRow => {}
        ItemKind::ListItem => out.extend(following_lines(doc, i)),
        ItemKind::PlainLine => {
            let ind = lines::indent_of(doc.lines[i].text);
            out.extend(
                following_lines(doc, i)
                    .into_iter()
                    .take_while(|&k| lines::indent_of(doc.lines[k].text) > ind),
            );
        }
    }
    out
}

/// Where a reference may go on one item, best first: byte offsets of
/// insertion points, each at the end of one of the item's lines.
pub(super) fn candidates(doc: &Doc<'_>, i: usize, task: &Task, markdown: bool) -> Vec<usize> {
    let markdown_item = markdown && task.kind == ItemKind::ListItem;
    let at_end = |k: usize| end_of_text(doc, k, markdown_item);
    let own = item_lines(doc, i, task);
    let mut out = Vec::new();
    match task.kind {
        ItemKind::TableRow => return out,
        ItemKind::ListItem => {
            let line = doc.lines[i].text;
            let body = match &doc.kinds[i] {
                Kind::Item(item) => line.get(item.content..).unwrap_or(""),
                _ => line,
            };
            let body = body.trim();
            if body.len() > 4 && body.starts_with("~~") && body.ends_with("~~") {
                // Inside the strikethrough, so the item still reads as dropped.
                let head = &line[..trimmed_len(line) - 2];
                out.push(doc.lines[i].start + trimmed_len(head));
            }
        }
        ItemKind::PlainLine => {
            // `Title:` over indented describing lines: after the description.
            let titled = crate::parse::text::clean(doc.lines[i].text)
                .trim_end()
                .ends_with(':');
            if let (true, Some(&last)) = (titled, own.get(1..).and_then(<[usize]>::last)) {
                out.push(at_end(last));
            }
        }
    }
    for k in own {
        out.push(at_end(k));
        let line = doc.lines[k].text;
        if markdown_item && line[..trimmed_len(line)].ends_with('\\') {
            // After the `\` hard break, should the parser read it as text.
            out.push(doc.lines[k].start + trimmed_len(line));
        }
    }
    let mut seen = HashSet::new();
    out.retain(|p| seen.insert(*p));
    out
}

/// The plain (non-item, non-blank, visible) lines right after line `i`.
pub(super) fn following_lines(doc: &Doc<'_>, i: usize) -> Vec<usize> {
    (i + 1..doc.lines.len())
        .take_while(|&k| {
            !doc.lines[k].hidden
                && !doc.is_blank(k)
                && matches!(doc.kinds[k], Kind::Plain | Kind::Label { .. })
        })
        .take(MAX_CONTINUATION)
        .collect()
}

/// Where text appended to line `k` goes: before trailing spaces (a Markdown
/// hard break stays last), before a trailing `\` hard break, before `</li>`.
pub(super) fn end_of_text(doc: &Doc<'_>, k: usize, markdown_item: bool) -> usize {
    let line = doc.lines[k].text;
    let mut t = &line[..trimmed_len(line)];
    if markdown_item {
        let tail = t.len().checked_sub(5).and_then(|p| t.get(p..));
        if tail.is_some_and(|x| x.eq_ignore_ascii_case("</li>")) {
            t = t[..t.len() - 5].trim_end_matches([' ', '\t']);
        } else if t.ends_with('\\') && !t.ends_with("\\\\") && t.len() > 1 {
            t = t[..t.len() - 1].trim_end_matches([' ', '\t']);
        }
    }
    doc.lines[k].start + t.len()
}

/// The text inserted after an item: ` ([#12](url))`, ` (#12)`, or an HTML
/// anchor inside `<li>…</li>`.
pub(super) fn inline_ref(doc: &Doc<'_>, at: usize, markdown: bool, r: &Ref<'_>) -> String {
    let rest = &doc.text[at..];
    let in_li = rest
        .get(..5)
        .is_some_and(|s| s.eq_ignore_ascii_case("</li>"))
        || rest
            .trim_start_matches([' ', '\t'])
            .get(..5)
            .is_some_and(|s| s.eq_ignore_ascii_case("</li>"));
    if markdown && in_li && !r.url.is_empty() && !r.url.contains(['"', '<', '>']) {
        format!(" (<a href=\"{}\">#{}</a>)", r.url, r.number)
    } else {
        format!(" ({})", r.markdown(markdown))
    }
}

/// Where one task's reference may go: the candidates, and how far down
/// them we are. A stage equal to
/// the number of candidates means "no reference, checkbox only"; past it,
/// nothing at all.
pub(super) struct Placement<'a> {
    pub(super) task: &'a Task,
    pub(super) line: usize,
    pub(super) reference: Ref<'a>,
    /// Candidate insertion points (empty: a table row, or already carried).
    pub(super) cands: Vec<usize>,
    /// Whether a reference is needed at all.
    pub(super) needs_ref: bool,
    /// Byte of the space in `[ ]` to tick.
    pub(super) tick: Option<usize>,
    pub(super) stage: usize,
    /// Lines repeating this item word for word (the parser counts them as
    /// one item): they get the same reference, or the copies would part.
    pub(super) repeats: Vec<usize>,
}

impl Placement<'_> {
    /// Stages that place a reference (a table row has one place).
    pub(super) fn ref_stages(&self) -> usize {
        self.cands.len().max(1)
    }
    pub(super) fn wants_ref(&self) -> bool {
        self.needs_ref && self.stage < self.ref_stages()
    }
    pub(super) fn wants_tick(&self) -> bool {
        self.tick.is_some() && self.stage <= self.ref_stages()
    }
    pub(super) fn has_edits(&self) -> bool {
        self.wants_ref() || self.wants_tick()
    }
}

pub(super) fn item_edits(
    doc: &Doc<'_>,
    pm: &Postmortem,
    by_key: &HashMap<&str, &Link>,
) -> Vec<Edit> {
    let markdown = pm.format == DocFormat::Markdown;
    let mut plans: Vec<Placement<'_>> = Vec::new();
    for task in &pm.tasks {
        let Some(link) = by_key.get(task.key.0.as_str()).copied() else {
            continue;
        };
        let Some(i) = doc.line_at(task.span.start) else {
            continue;
        };
        if doc.lines[i].hidden {
            continue;
        }
        let reference = Ref::of(link);
        let cands = candidates(doc, i, task, markdown);
        let ref_stages = cands.len().max(1);
        // An item tracked elsewhere already carries its reference: only
        // its checkbox may change.
        let elsewhere = link.elsewhere.is_some();
        let already = elsewhere
            || task
                .issue
                .as_ref()
                .and_then(TrackerRef::github)
                .is_some_and(|r| {
                    r.number == link.number
                        && match (&r.repo, &reference.repo) {
                            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                            _ => true,
                        }
                })
            || item_lines(doc, i, task)
                .iter()
                .any(|&k| carries(doc.lines[k].text, &reference));
        let tick = match (&doc.kinds[i], task.kind, link.state) {
            (Kind::Item(item), ItemKind::ListItem, TrackState::Done)
                if item.checked == Some(false) =>
            {
                let line = doc.lines[i].text;
                line.get(..item.content)
                    .and_then(|head| head.rfind("[ ]"))
                    .map(|p| doc.lines[i].start + p + 1)
            }
            _ => None,
        };
        // Word-for-word copies the parser merged into this item get the
        // same reference (list items and plain lines; not table rows).
        let repeats: Vec<usize> = task
            .repeats
            .iter()
            .map(|l| l.saturating_sub(1))
            .filter(|&k| {
                !elsewhere
                    && k < doc.lines.len()
                    && !doc.lines[k].hidden
                    && !matches!(doc.kinds[k], Kind::TableRow | Kind::TableDelim)
                    && !carries(doc.lines[k].text, &reference)
            })
            .collect();
        plans.push(Placement {
            task,
            line: i,
            reference,
            cands,
            needs_ref: !already,
            tick,
            // An item already carrying its reference starts at "tick only".
            stage: if already { ref_stages } else { 0 },
            repeats,
        });
    }
    if plans.iter().all(|p| !p.has_edits()) {
        return Vec::new();
    }

    let before = crate::parse::parse(&pm.path, doc.text);
    for _ in 0..MAX_ROUNDS {
        let edits = build_item_edits(doc, &plans, markdown);
        let out = apply(doc.text, &edits);
        let after = crate::parse::parse(&pm.path, &out);
        let repeats = find_repeats(doc, &before, &after, &plans);
        if !repeats.is_empty() {
            for (k, line) in repeats {
                plans[k].repeats.push(line);
            }
            continue;
        }
        let blamed = verify(&before, &after, &plans);
        if blamed.is_empty() {
            return edits;
        }
        for b in blamed {
            plans[b].stage += 1;
        }
    }
    Vec::new()
}

pub(super) fn build_item_edits(
    doc: &Doc<'_>,
    plans: &[Placement<'_>],
    markdown: bool,
) -> Vec<Edit> {
    let mut edits = Vec::new();
    let mut table_rows: Vec<&Placement<'_>> = Vec::new();
    for p in plans {
        if p.wants_tick() {
            if let Some(at) = p.tick {
                edits.push(Edit {
                    span: Span {
                        start: at,
                        end: at + 1,
                    },
                    text: "x".into(),
                    kind: EditKind::Checkbox,
                });
            }
        }
        if !p.wants_ref() {
            continue;
        }
        if p.task.kind == ItemKind::TableRow {
            table_rows.push(p);
            continue;
        }
        let Some(&at) = p.cands.get(p.stage) else {
            continue;
        };
        let md = markdown && p.task.kind == ItemKind::ListItem;
        edits.push(Edit {
            span: Span { start: at, end: at },
            text: inline_ref(doc, at, md, &p.reference),
            kind: EditKind::IssueLink,
        });
        for &k in &p.repeats {
            let md = markdown && matches!(doc.kinds[k], Kind::Item(_));
            let at = end_of_text(doc, k, md);
            edits.push(Edit {
                span: Span { start: at, end: at },
                text: inline_ref(doc, at, md, &p.reference),
                kind: EditKind::IssueLink,
            });
        }
    }
    edits.extend(table_edits(doc, &table_rows, markdown));
    sort(&mut edits);
    edits
}

/// Tasks that appeared at lines where the original had none, with the
/// title of an item given a reference: a repeat the parser had merged with
/// it. Returns (plan, line) pairs not yet known.
pub(super) fn find_repeats(
    doc: &Doc<'_>,
    before: &Postmortem,
    after: &Postmortem,
    plans: &[Placement<'_>],
) -> Vec<(usize, usize)> {
    use crate::parse::text::normalize;
    let lines: HashSet<usize> = before.tasks.iter().map(|t| t.line).collect();
    let mut out = Vec::new();
    for a in after.tasks.iter().filter(|a| !lines.contains(&a.line)) {
        let at = a.line.saturating_sub(1);
        if at >= doc.lines.len() || a.kind == ItemKind::TableRow {
            continue;
        }
        let title = normalize(&without_refs(&a.title));
        // Text that was another item's detail before the edits is not a
        // repeat: an edit changed how the lines read (`verify` moves it).
        if before
            .tasks
            .iter()
            .any(|t| !t.detail.is_empty() && normalize(&without_refs(&t.detail)).contains(&title))
        {
            continue;
        }
        let owner = plans.iter().position(|p| {
            p.wants_ref()
                && p.task.kind != ItemKind::TableRow
                && p.line != at
                && !p.repeats.contains(&at)
                && normalize(&without_refs(&p.task.title)) == title
        });
        if let Some(k) = owner {
            if !carries(doc.lines[at].text, &plans[k].reference) {
                out.push((k, at));
            }
        }
    }
    out
}

/// Which plans to move on: those whose item no longer parses the same, and
/// the nearest edited item above a task that appeared or changed.
/// Two details say the same, references written back aside.
fn same_detail(a: &str, b: &str) -> bool {
    use crate::parse::text::normalize;
    a == b || normalize(&without_refs(a)) == normalize(&without_refs(b))
}

pub(super) fn verify(
    before: &Postmortem,
    after: &Postmortem,
    plans: &[Placement<'_>],
) -> Vec<usize> {
    let edited: Vec<usize> = (0..plans.len()).filter(|&k| plans[k].has_edits()).collect();
    let by_key: HashMap<&str, usize> = plans
        .iter()
        .enumerate()
        .map(|(k, p)| (p.task.key.0.as_str(), k))
        .collect();
    // The nearest edited item at or above 0-based line `line`.
    let blame_line = |line: usize| -> Vec<usize> {
        edited
            .iter()
            .copied()
            .filter(|&k| plans[k].line <= line)
            .max_by_key(|&k| plans[k].line)
            .map_or_else(|| edited.clone(), |k| vec![k])
    };
    let now: HashMap<&str, &Task> = after.tasks.iter().map(|t| (t.key.0.as_str(), t)).collect();
    let old: HashSet<&str> = before.tasks.iter().map(|t| t.key.0.as_str()).collect();
    let mut blamed: HashSet<usize> = HashSet::new();
    for b in &before.tasks {
        let same = now.get(b.key.0.as_str()).is_some_and(|a| {
            let ticked = by_key
                .get(b.key.0.as_str())
                .is_some_and(|&k| plans[k].wants_tick());
            a.group == b.group
                && a.kind == b.kind
                // A reference may end the title, never split it.
                && base_title(&a.title) == base_title(&b.title)
                // Its detail is read the same (it is in the issue's body).
                && same_detail(&a.detail, &b.detail)
                && (a.status == b.status || (ticked && a.status == Status::Done))
        });
        if !same {
            match by_key.get(b.key.0.as_str()) {
                Some(&k) if plans[k].has_edits() => {
                    blamed.insert(k);
                }
                _ => blamed.extend(blame_line(b.line.saturating_sub(2))),
            }
        }
    }
    for a in &after.tasks {
        if !old.contains(a.key.0.as_str()) {
            blamed.extend(blame_line(a.line.saturating_sub(1)));
        }
    }
    if after.tasks.len() != before.tasks.len() && blamed.is_empty() {
        blamed.extend(edited.iter().copied());
    }
    let mut v: Vec<usize> = blamed.into_iter().collect();
    v.sort_unstable();
    v
}
