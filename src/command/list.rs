//! `pmtrack list` and `pmtrack parse`: read postmortems and show their action
//! items as a table or as JSON (schema in the README, `DocJson` here).

use super::workspace::Workspace;
use super::Outcome;
use crate::error::Result;
use crate::model::{Horizon, IssueRef, ItemKind, Postmortem, Status};
use serde::Serialize;
use std::path::{Path, PathBuf};

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
    pub issue: Option<&'a IssueRef>,
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

/// Run `list` / `parse`.
pub fn run(cwd: &Path, config: Option<&Path>, paths: &[PathBuf], json: bool) -> Result<Outcome> {
    let ws = Workspace::open(cwd, config)?;
    let files = ws.select(paths)?;
    let (loaded, errors) = ws.load(&files);
    let pms: Vec<&Postmortem> = loaded.iter().map(|l| &l.postmortem).collect();
    let mut out = Outcome::default();
    if json {
        let docs: Vec<DocJson<'_>> = pms.iter().map(|p| to_json(p)).collect();
        out.stdout = serde_json::to_string_pretty(&docs).unwrap_or_default();
        out.stdout.push('\n');
    } else {
        out.stdout = render_table(&pms);
    }
    for pm in &pms {
        for w in &pm.warnings {
            out.stderr
                .push(format!("warning: {}:{}: {}", pm.path, w.line, w.message));
        }
    }
    if paths.is_empty() && files.is_empty() {
        out.stderr.push(format!(
            "no postmortems found under {} (include globs: {}); pass paths or set `include` in .pmtrack.yml",
            ws.root.display(),
            ws.config.include.join(", ")
        ));
    }
    for e in &errors {
        out.stderr.push(format!("error: {e}"));
    }
    out.code = if errors.is_empty() { 0 } else { 1 };
    Ok(out)
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
    let mut s = String::new();
    let mut total = 0;
    for pm in pms {
        let date = pm
            .incident_start
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        s.push_str(&format!("{} — {}{}\n", pm.path, pm.title, date));
        if !pm.section_found {
            s.push_str("  no corrective-measures section\n\n");
            continue;
        }
        if pm.tasks.is_empty() {
            s.push_str("  no action items\n\n");
            continue;
        }
        s.push_str(&format!(
            "  {:<7} {:<44} {:<18} {:<14} {:<10} {:<8} {}\n",
            "STATUS", "TITLE", "GROUP", "OWNER", "DUE", "ISSUE", "LINE"
        ));
        for t in &pm.tasks {
            total += 1;
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
                .map(|i| format!("{}#{}", i.repo.as_deref().unwrap_or(""), i.number))
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
    }
    s.push_str(&format!(
        "{} postmortems, {} action items\n",
        pms.len(),
        total
    ));
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
