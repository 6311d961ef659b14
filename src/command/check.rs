//! `pmtrack check`: a lint for pull requests. Every postmortem has a
//! corrective-measures section with at least one action item
//! (`check.require_items`); optionally every open item names an owner
//! (`check.require_owner`) and has a due date (`check.require_due`); and no
//! explicit due date is before the incident (`check.due_after_incident`).
//!
//! Findings are printed as `path:line: message` (and, in GitHub Actions, as
//! error annotations on the lines, with a short job summary); the exit code
//! is 1 when there is any. No token, no network. The rules themselves
//! ([`check_postmortem`]) are pure; this file's glue reads the documents.
//!
//! Resolved items (done or dropped) need no owner or due date: they need no
//! follow-up. A wrong date is wrong either way.

use super::workspace::Workspace;
use super::Outcome;
use crate::config::CheckCfg;
use crate::error::{Error, Result};
use crate::insight::lint::{self, short};
use crate::insight::recurring::{self, Promise};
use crate::model::{Postmortem, Status};
use crate::report;
use crate::workflow::{self, Level};
use crate::writeback::read_status_block;
use std::path::PathBuf;

/// Arguments of `pmtrack check`.
#[derive(Debug, Clone)]
pub struct CheckArgs {
    /// Files or folders (default: the repository's postmortems, by the
    /// config's `include` globs).
    pub paths: Vec<PathBuf>,
    /// Only postmortems changed since this git revision (e.g. the pull
    /// request's base, `origin/main`).
    pub since: Option<String>,
}

/// One problem, at a line of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Document path.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// What is wrong and how to fix it.
    pub message: String,
    /// Advice on how an item is written (a warning): never fails a check.
    pub advice: bool,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let advice = if self.advice { "advice: " } else { "" };
        write!(f, "{}:{}: {advice}{}", self.path, self.line, self.message)
    }
}

/// The findings of one postmortem under `cfg`. PURE.
pub fn check_postmortem(pm: &Postmortem, cfg: &CheckCfg) -> Vec<Finding> {
    let mut out = Vec::new();
    let at = |line: usize, message: String| Finding {
        path: pm.path.clone(),
        line: line.max(1),
        message,
        advice: false,
    };
    if cfg.require_items {
        if !pm.section_found {
            out.push(at(
                1,
                "no corrective-measures section; add one (e.g. `## Action items`) with at least one item like `- [ ] Add alerting @owner due 2024-05-01`".into(),
            ));
        } else if pm.tasks.is_empty() {
            let line = pm.section.as_ref().map_or(1, |s| s.heading_line);
            out.push(at(
                line,
                "the corrective-measures section has no action items; list at least one, like `- [ ] Add alerting @owner due 2024-05-01`".into(),
            ));
        }
    }
    for t in &pm.tasks {
        let open = t.status == Status::Open;
        if cfg.require_owner && open && t.owners.is_empty() {
            out.push(at(
                t.line,
                format!(
                    "\"{}\" has no owner; add one (`@login`, or an Owner column)",
                    short(&t.title)
                ),
            ));
        }
        if cfg.require_due && open && t.due.is_none() {
            out.push(at(
                t.line,
                format!(
                    "\"{}\" has no due date; add one (`due YYYY-MM-DD`, or a Due column)",
                    short(&t.title)
                ),
            ));
        }
        if let (true, Some(due), Some(start)) = (cfg.due_after_incident, t.due, pm.incident_start) {
            if due < start {
                out.push(at(
                    t.line,
                    format!(
                        "\"{}\" is due {due}, before the incident started ({start}); fix the date",
                        short(&t.title)
                    ),
                ));
            }
        }
    }
    let rules = lint::Rules {
        action: cfg.advice_action,
        specific: cfg.advice_specific,
        duplicates: cfg.advice_duplicates,
    };
    out.extend(lint::advise(pm, rules).into_iter().map(|a| Finding {
        advice: true,
        ..at(a.line, a.message)
    }));
    out
}

/// Advice on the checked documents' items that promise what an open item
/// of another postmortem already promised. The other postmortems' states
/// come from their status blocks (no token needed), as in the report.
fn promised_elsewhere(
    ws: &Workspace,
    checked: &[super::workspace::Loaded],
    today: chrono::NaiveDate,
) -> Result<Vec<Finding>> {
    let mine: std::collections::HashSet<&str> =
        checked.iter().map(|l| l.postmortem.path.as_str()).collect();
    let others: Vec<std::path::PathBuf> = ws
        .select(&[])?
        .into_iter()
        .filter(|f| !mine.contains(ws.display_path(f).as_str()))
        .collect();
    let cfg = &ws.config;
    let mut open: Vec<report::Item> = Vec::new();
    ws.load_each(
        &others,
        |loaded| {
            let loaded = loaded.ok()?;
            let pm = &loaded.postmortem;
            let due = pm
                .tasks
                .iter()
                .map(|t| (t.key.clone(), crate::plan::due_of(t, pm, cfg)))
                .collect();
            let rows = read_status_block(&loaded.document.text);
            let items =
                report::items_from_documents(&[(pm, rows)], &due, None, &|_| None, &cfg.types);
            Some(items)
        },
        |items| {
            open.extend(
                items
                    .into_iter()
                    .flatten()
                    .filter(|i| i.state == crate::model::TrackState::Open),
            );
            true
        },
    );
    let new: Vec<Promise> = checked
        .iter()
        .flat_map(|l| {
            l.postmortem.tasks.iter().map(|t| Promise {
                postmortem: &l.postmortem.path,
                title: &t.title,
            })
        })
        .collect();
    let lines: Vec<(&str, usize)> = checked
        .iter()
        .flat_map(|l| {
            l.postmortem
                .tasks
                .iter()
                .map(|t| (l.postmortem.path.as_str(), t.line))
        })
        .collect();
    let theirs: Vec<Promise> = open
        .iter()
        .map(|i| Promise {
            postmortem: &i.postmortem,
            title: &i.title,
        })
        .collect();
    let mut out = Vec::new();
    let mut said: std::collections::HashSet<usize> = Default::default();
    for (n, e) in recurring::promised_elsewhere(&new, &theirs) {
        // One piece of advice per item: the first open promise found.
        if !said.insert(n) {
            continue;
        }
        let other = &open[e];
        let issue = other
            .issue
            .as_ref()
            .map(|i| format!("#{}, ", i.number))
            .unwrap_or_default();
        let age = other
            .opened
            .map(|d| format!("open for {} days", (today - d).num_days().max(0)))
            .unwrap_or_else(|| "still open".to_string());
        let (path, line) = lines[n];
        out.push(Finding {
            path: path.to_string(),
            line,
            message: format!(
                "\"{}\" is already promised in {}:{} ({issue}{age}); link to that item, or say what is different this time",
                short(new[n].title),
                other.postmortem,
                other.line
            ),
            advice: true,
        });
    }
    Ok(out)
}

/// Runs `pmtrack check`: the findings (for the CLI to print, one per line)
/// and the outcome (the verdict, annotations, the ending).
pub fn run(req: &super::Request<'_>, args: &CheckArgs) -> Result<(Outcome, Vec<Finding>)> {
    let actions = req.actions;
    let ws = Workspace::open(req.cwd, req.config_path)?;
    let mut files = ws.select(&args.paths)?;
    if let Some(rev) = &args.since {
        let repo = ws.repo.as_ref().ok_or_else(|| {
            Error::Usage(format!(
                "--since {rev} needs a git repository; run pmtrack inside a clone or drop --since"
            ))
        })?;
        let changed = repo.changed_files(rev, "HEAD")?;
        let modified: Vec<String> = changed
            .modified
            .iter()
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .collect();
        files.retain(|f| modified.contains(&ws.display_path(f)));
    }
    let (loaded, errors) = ws.load(&files);
    let mut out = Outcome::default();
    let mut findings: Vec<Finding> = Vec::new();
    for e in &errors {
        out.stderr.push(format!("error: {e}"));
    }
    for l in &loaded {
        findings.extend(check_postmortem(&l.postmortem, &ws.config.check));
    }
    if ws.config.check.advice_recurring && !loaded.is_empty() {
        findings.extend(promised_elsewhere(&ws, &loaded, req.today)?);
        findings.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    }
    let docs = loaded.len();
    let problems: Vec<&Finding> = findings.iter().filter(|f| !f.advice).collect();
    let advice = findings.len() - problems.len();
    let failing = {
        let mut paths: Vec<&str> = problems.iter().map(|f| f.path.as_str()).collect();
        paths.dedup();
        paths.len()
    };
    let advice_note = match advice {
        0 => String::new(),
        1 => "; 1 piece of advice".to_string(),
        n => format!("; {n} pieces of advice"),
    };
    let verdict = if problems.is_empty() && errors.is_empty() {
        format!(
            "checked {docs} postmortem{}: no findings{advice_note}",
            if docs == 1 { "" } else { "s" }
        )
    } else {
        format!(
            "checked {docs} postmortem{}: {} finding{} in {failing}{}{advice_note}",
            if docs == 1 { "" } else { "s" },
            problems.len(),
            if problems.len() == 1 { "" } else { "s" },
            if errors.is_empty() {
                String::new()
            } else {
                format!(", {} unreadable", errors.len())
            }
        )
    };
    out.stderr.push(verdict.clone());
    if let Some(rt) = actions {
        for f in &findings {
            out.commands.push(workflow::annotation(
                if f.advice {
                    Level::Warning
                } else {
                    Level::Error
                },
                &f.path,
                f.line,
                Some("pmtrack check"),
                &f.message,
            ));
        }
        let mut md = format!("## pmtrack check\n\n{verdict}\n");
        if !findings.is_empty() {
            md.push('\n');
            for f in &findings {
                md.push_str(&format!(
                    "- `{}:{}` {}{}\n",
                    f.path.replace('`', "'"),
                    f.line,
                    if f.advice { "advice: " } else { "" },
                    f.message
                ));
            }
        }
        rt.append_summary(&md)?;
        rt.set_outputs(&[
            ("findings", problems.len().to_string()),
            ("advice", advice.to_string()),
        ])?;
    }
    if !problems.is_empty() || !errors.is_empty() {
        out.ending = super::Ending::Failed;
    }
    Ok((out, findings))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pm(text: &str) -> Postmortem {
        crate::parse::parse("pm.md", text)
    }

    fn all_rules() -> CheckCfg {
        CheckCfg {
            require_owner: true,
            require_due: true,
            due_after_incident: true,
            require_items: true,
            ..CheckCfg::default()
        }
    }

    #[test]
    fn a_postmortem_without_a_section_is_a_finding_on_line_one() {
        let f = check_postmortem(&pm("# Outage\n\nWe fixed it.\n"), &CheckCfg::default());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].line, 1);
        assert!(
            f[0].message.contains("no corrective-measures section"),
            "{}",
            f[0]
        );
        let off = CheckCfg {
            require_items: false,
            ..CheckCfg::default()
        };
        assert!(check_postmortem(&pm("# Outage\n"), &off).is_empty());
    }

    #[test]
    fn an_empty_section_points_at_its_heading() {
        let f = check_postmortem(
            &pm("# Outage\n\n## Action items\n\nNone yet.\n\n## Timeline\n"),
            &CheckCfg::default(),
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].line, 3);
        assert!(f[0].message.contains("no action items"), "{}", f[0]);
    }

    #[test]
    fn owner_and_due_rules_apply_to_open_items_only_when_enabled() {
        let text = "# Outage\n\nDate: 2024-03-01\n\n## Action items\n\n- [ ] Add alerts\n- [x] Fix pool\n- [ ] Rotate keys @bob due 2024-04-01\n";
        assert!(check_postmortem(&pm(text), &CheckCfg::default()).is_empty());
        let f = check_postmortem(&pm(text), &all_rules());
        let shown: Vec<String> = f.iter().map(|f| f.to_string()).collect();
        assert_eq!(
            shown,
            [
                "pm.md:7: \"Add alerts\" has no owner; add one (`@login`, or an Owner column)",
                "pm.md:7: \"Add alerts\" has no due date; add one (`due YYYY-MM-DD`, or a Due column)",
            ]
        );
    }

    #[test]
    fn a_due_date_before_the_incident_is_a_finding_unless_disabled() {
        let text = "# Outage\n\nDate: 2024-03-10\n\n## Action items\n\n- [ ] Add alerts @a due 2024-03-09\n- [ ] Same day @a due 2024-03-10\n";
        let f = check_postmortem(&pm(text), &CheckCfg::default());
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].line, 7);
        assert!(
            f[0].message
                .contains("before the incident started (2024-03-10)"),
            "{}",
            f[0]
        );
        let off = CheckCfg {
            due_after_incident: false,
            ..CheckCfg::default()
        };
        assert!(check_postmortem(&pm(text), &off).is_empty());
    }
}
