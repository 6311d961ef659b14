//! How `pmtrack parse` and `pmtrack list` print documents: the JSON (schema
//! in the README, [`DocJson`]) and the readable table, as [`Render`]s for
//! [`crate::command::list::run`].

use crate::command::list::Render;
use crate::model::{Horizon, ItemKind, Postmortem, Status, TrackerRef};
use serde::Serialize;
use std::fmt::Write as _;

/// Documents as one pretty-printed JSON array, written a document at a time.
pub fn json() -> Render<'static> {
    Render {
        document: &json_entry,
        before: |n| if n == 0 { "[\n" } else { ",\n" },
        end: |documents, _| {
            if documents == 0 {
                "[]\n".to_string()
            } else {
                "\n]\n".to_string()
            }
        },
    }
}

/// Documents as a readable table, with a total line.
pub fn table() -> Render<'static> {
    Render {
        document: &table_entry,
        before: |_| "",
        end: table_total,
    }
}

/// One document in `parse --format json`.
#[derive(Debug, Serialize)]
pub struct DocJson<'a> {
    /// Path relative to the repository root.
    pub path: &'a str,
    /// Document title.
    pub title: &'a str,
    /// Incident start, `YYYY-MM-DD`, or null.
    pub incident_start: Option<String>,
    /// Whether a corrective-measures section exists.
    pub section_found: bool,
    /// `{line, message}` problems that did not stop parsing.
    pub warnings: Vec<WarningJson<'a>>,
    /// The action items.
    pub tasks: Vec<TaskJson<'a>>,
}

/// A warning in JSON.
#[derive(Debug, Serialize)]
pub struct WarningJson<'a> {
    /// 1-based line (0: whole file).
    pub line: usize,
    /// Message.
    pub message: &'a str,
}

/// A task in JSON.
#[derive(Debug, Serialize)]
pub struct TaskJson<'a> {
    /// Stable key (16 hex digits).
    pub key: &'a str,
    /// Title.
    pub title: &'a str,
    /// Detail (`""` when none).
    pub detail: &'a str,
    /// Group (`""` when none).
    pub group: &'a str,
    /// `immediate`, `short_term`, `medium_term`, `long_term` or null.
    pub horizon: Option<Horizon>,
    /// 1-based line.
    pub line: usize,
    /// `list_item`, `table_row` or `plain_line`.
    pub kind: ItemKind,
    /// Owners (logins without `@`, or names from a table column).
    pub owners: &'a [String],
    /// Explicit due date `YYYY-MM-DD` or null.
    pub due: Option<String>,
    /// `P0`..`P3` or null.
    pub priority: Option<&'static str>,
    /// `open`, `done` or `dropped`.
    pub status: Status,
    /// `{repo?, number}` or null.
    pub issue: Option<&'a TrackerRef>,
}

/// The JSON view of a postmortem.
pub fn to_json(pm: &Postmortem) -> DocJson<'_> {
    DocJson {
        path: &pm.path,
        title: &pm.title,
        incident_start: pm.incident_start.map(|d| d.to_string()),
        section_found: pm.section_found,
        warnings: pm
            .warnings
            .iter()
            .map(|w| WarningJson {
                line: w.line,
                message: &w.message,
            })
            .collect(),
        tasks: pm
            .tasks
            .iter()
            .map(|t| TaskJson {
                key: &t.key.0,
                title: &t.title,
                detail: &t.detail,
                group: &t.group,
                horizon: t.horizon,
                line: t.line,
                kind: t.kind,
                owners: &t.owners,
                due: t.due.map(|d| d.to_string()),
                priority: t.priority.map(|p| p.as_str()),
                status: t.status,
                issue: t.issue.as_ref(),
            })
            .collect(),
    }
}

/// One document as an element of the pretty-printed JSON array (indented
/// one level, without the separator): the bytes `serde_json`'s pretty
/// printer gives [`to_json`] at that depth (a test holds them equal on
/// every corpus document), written directly, since this is the hot path
/// of `parse`.
pub fn json_entry(pm: &Postmortem) -> String {
    let mut s = String::with_capacity(1024 + pm.tasks.len() * 512);
    s.push_str("  {\n");
    field(&mut s, 4, "path", &Json::Str(&pm.path), false);
    field(&mut s, 4, "title", &Json::Str(&pm.title), false);
    field(
        &mut s,
        4,
        "incident_start",
        &Json::Date(pm.incident_start),
        false,
    );
    field(
        &mut s,
        4,
        "section_found",
        &Json::Raw(bool_word(pm.section_found)),
        false,
    );
    s.push_str("    \"warnings\": ");
    if pm.warnings.is_empty() {
        s.push_str("[],\n");
    } else {
        s.push_str("[\n");
        for (k, w) in pm.warnings.iter().enumerate() {
            s.push_str("      {\n");
            field(&mut s, 8, "line", &Json::Num(w.line), false);
            field(&mut s, 8, "message", &Json::Str(&w.message), true);
            s.push_str(if k + 1 < pm.warnings.len() {
                "      },\n"
            } else {
                "      }\n"
            });
        }
        s.push_str("    ],\n");
    }
    s.push_str("    \"tasks\": ");
    if pm.tasks.is_empty() {
        s.push_str("[]\n  }");
        return s;
    }
    s.push_str("[\n");
    for (k, t) in pm.tasks.iter().enumerate() {
        s.push_str("      {\n");
        field(&mut s, 8, "key", &Json::Str(&t.key.0), false);
        field(&mut s, 8, "title", &Json::Str(&t.title), false);
        field(&mut s, 8, "detail", &Json::Str(&t.detail), false);
        field(&mut s, 8, "group", &Json::Str(&t.group), false);
        field(&mut s, 8, "horizon", &Json::Unit(&t.horizon), false);
        field(&mut s, 8, "line", &Json::Num(t.line), false);
        field(&mut s, 8, "kind", &Json::Unit(&t.kind), false);
        s.push_str("        \"owners\": ");
        if t.owners.is_empty() {
            s.push_str("[],\n");
        } else {
            s.push_str("[\n");
            for (j, o) in t.owners.iter().enumerate() {
                s.push_str("          ");
                push_str_json(&mut s, o);
                s.push_str(if j + 1 < t.owners.len() { ",\n" } else { "\n" });
            }
            s.push_str("        ],\n");
        }
        field(&mut s, 8, "due", &Json::Date(t.due), false);
        let priority = t.priority.map(|p| p.as_str());
        field(&mut s, 8, "priority", &Json::opt(priority), false);
        field(&mut s, 8, "status", &Json::Unit(&t.status), false);
        let issue = match &t.issue {
            Some(i) => Json::Serde(i),
            None => Json::Raw("null"),
        };
        field(&mut s, 8, "issue", &issue, true);
        s.push_str(if k + 1 < pm.tasks.len() {
            "      },\n"
        } else {
            "      }\n"
        });
    }
    s.push_str("    ]\n  }");
    s
}

/// A value in [`json_entry`].
enum Json<'a> {
    /// A string, escaped as `serde_json` does.
    Str(&'a str),
    /// Written as is (`true`, `null`).
    Raw(&'a str),
    /// A number.
    Num(usize),
    /// A date as a `YYYY-MM-DD` string, or `null`.
    Date(Option<chrono::NaiveDate>),
    /// A short one-line value (a unit enum, an `Option` of one), by
    /// `serde_json`, without allocating.
    Unit(&'a dyn erased::Value),
    /// Anything else, pretty-printed by `serde_json` at the field's depth.
    Serde(&'a dyn erased::Value),
}

impl<'a> Json<'a> {
    fn opt(v: Option<&'a str>) -> Json<'a> {
        v.map_or(Json::Raw("null"), Json::Str)
    }
}

/// `serde::Serialize` made object-safe for [`Json::Serde`].
mod erased {
    /// A value `serde_json` can pretty-print.
    pub trait Value {
        fn pretty(&self) -> String;
        fn short(&self, s: &mut String);
    }
    impl<T: serde::Serialize> Value for T {
        fn pretty(&self) -> String {
            serde_json::to_string_pretty(self).unwrap_or_default()
        }
        fn short(&self, s: &mut String) {
            let mut buf = std::io::Cursor::new([0u8; 64]);
            if serde_json::to_writer(&mut buf, self).is_ok() {
                let n = buf.position() as usize;
                if let Ok(t) = std::str::from_utf8(&buf.get_ref()[..n]) {
                    s.push_str(t);
                    return;
                }
            }
            s.push_str(&serde_json::to_string(self).unwrap_or_default());
        }
    }
}

fn bool_word(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

/// `"name": value` at `indent` spaces, with `,` unless `last`.
fn field(s: &mut String, indent: usize, name: &str, value: &Json<'_>, last: bool) {
    const SPACES: &str = "                ";
    let pad = &SPACES[..indent.min(SPACES.len())];
    s.push_str(pad);
    s.push('"');
    s.push_str(name);
    s.push_str("\": ");
    match value {
        Json::Str(v) => push_str_json(s, v),
        Json::Raw(v) => s.push_str(v),
        Json::Num(n) => {
            let _ = write!(s, "{n}");
        }
        Json::Date(Some(d)) => {
            let _ = write!(s, "\"{d}\"");
        }
        Json::Date(None) => s.push_str("null"),
        Json::Unit(v) => v.short(s),
        Json::Serde(v) => {
            // Nested lines carry the field's own indentation.
            let text = v.pretty();
            let mut lines = text.split('\n');
            s.push_str(lines.next().unwrap_or(""));
            for l in lines {
                s.push('\n');
                s.push_str(pad);
                s.push_str(l);
            }
        }
    }
    s.push_str(if last { "\n" } else { ",\n" });
}

/// A JSON string with `serde_json`'s escaping: `"`, `\\` and control
/// characters only.
fn push_str_json(s: &mut String, v: &str) {
    s.push('"');
    // Most strings need no escape: one pass without branches tells.
    let plain = !v.bytes().fold(false, |seen, b| {
        seen | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if plain {
        s.push_str(v);
        s.push('"');
        return;
    }
    let mut from = 0;
    for (i, b) in v.bytes().enumerate() {
        let esc = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        s.push_str(&v[from..i]);
        if esc.is_empty() {
            s.push_str(&format!("\\u{b:04x}"));
        } else {
            s.push_str(esc);
        }
        from = i + 1;
    }
    s.push_str(&v[from..]);
    s.push('"');
}

fn cut(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width {
        format!("{s:<width$}")
    } else {
        let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// A readable table of items per postmortem.
pub fn render_table(pms: &[&Postmortem]) -> String {
    let mut s: String = pms.iter().map(|pm| table_entry(pm)).collect();
    let items = pms.iter().map(|pm| pm.tasks.len()).sum();
    s.push_str(&table_total(pms.len(), items));
    s
}

/// The table's last line.
fn table_total(documents: usize, items: usize) -> String {
    format!("{documents} postmortems, {items} action items\n")
}

/// One postmortem's part of the table.
fn table_entry(pm: &Postmortem) -> String {
    let mut s = String::new();
    let date = pm
        .incident_start
        .map(|d| format!(" ({d})"))
        .unwrap_or_default();
    s.push_str(&format!("{} — {}{}\n", pm.path, pm.title, date));
    if !pm.section_found {
        s.push_str("  no corrective-measures section\n\n");
        return s;
    }
    if pm.tasks.is_empty() {
        s.push_str("  no action items\n\n");
        return s;
    }
    s.push_str(&format!(
        "  {:<7} {:<44} {:<18} {:<14} {:<10} {:<8} {}\n",
        "STATUS", "TITLE", "GROUP", "OWNER", "DUE", "ISSUE", "LINE"
    ));
    for t in &pm.tasks {
        let status = match t.status {
            Status::Open => "open",
            Status::Done => "done",
            Status::Dropped => "dropped",
        };
        let owner = t
            .owners
            .first()
            .map(|o| o.to_string())
            .unwrap_or_else(|| "-".into());
        let due = t.due.map(|d| d.to_string()).unwrap_or_else(|| "-".into());
        let issue = t
            .issue
            .as_ref()
            .map(|i| match i {
                TrackerRef::Url { .. } => "link".to_string(),
                _ => i.short(),
            })
            .unwrap_or_else(|| "-".into());
        let group = if t.group.is_empty() { "-" } else { &t.group };
        s.push_str(&format!(
            "  {:<7} {} {} {} {:<10} {} {}:{}\n",
            status,
            cut(&t.title, 44),
            cut(group, 18),
            cut(&owner, 14),
            due,
            cut(&issue, 8),
            pm.path,
            t.line
        ));
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    #[test]
    fn table_shows_each_item_with_its_place() {
        let pm = parse(
            "pm/a.md",
            "# DB down\n## Action Items\n- [x] Add alerts @alice due 2024-07-01 (#3)\n- Fix pool\n",
        );
        let s = render_table(&[&pm]);
        assert!(s.contains("pm/a.md — DB down"));
        assert!(s.contains("done    Add alerts"));
        assert!(s.contains("alice"));
        assert!(s.contains("2024-07-01"));
        assert!(s.contains("#3"));
        assert!(s.contains("pm/a.md:4"));
        assert!(s.ends_with("1 postmortems, 2 action items\n"));
    }

    #[test]
    fn documents_printed_one_by_one_are_the_bytes_of_the_whole_array() {
        let a = parse(
            "a.md",
            "# A \"q\" \u{2019}\n## Action Items\n- Fix pool P1 @x\n  detail\n",
        );
        let b = parse("b.md", "# B\n\nno section\n");
        let c = parse("c.md", "");
        let whole = serde_json::to_string_pretty(&[to_json(&a), to_json(&b), to_json(&c)]).unwrap();
        let streamed = format!(
            "[\n{},\n{},\n{}\n]",
            json_entry(&a),
            json_entry(&b),
            json_entry(&c)
        );
        assert_eq!(streamed, whole);
        let none: [DocJson<'_>; 0] = [];
        assert_eq!(serde_json::to_string_pretty(&none).unwrap(), "[]");
    }

    #[test]
    fn json_has_the_documented_fields() {
        let pm = parse("a.md", "## Action Items\n- Fix pool P1\n");
        let v = serde_json::to_value(to_json(&pm)).unwrap();
        for k in [
            "path",
            "title",
            "incident_start",
            "section_found",
            "warnings",
            "tasks",
        ] {
            assert!(v.get(k).is_some(), "{k}");
        }
        let t = &v["tasks"][0];
        for k in [
            "key", "title", "detail", "group", "horizon", "line", "owners", "due", "priority",
            "status", "issue",
        ] {
            assert!(t.get(k).is_some(), "{k}");
        }
        assert_eq!(t["priority"], "P1");
        assert_eq!(t["status"], "open");
    }
}
