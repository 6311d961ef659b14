//! `pmtrack list` and `pmtrack parse`: read postmortems on every core and
//! hand each to the CLI's renderer ([`Render`]: a table or JSON, see
//! `cli/documents.rs`), printing in file order as each is ready.

use super::workspace::Workspace;
use super::{Outcome, Stdout};
use crate::error::Result;
use crate::model::Postmortem;
use std::path::PathBuf;

/// How documents are printed: the CLI's choice, run on the worker threads.
pub struct Render<'a> {
    /// One document's text.
    pub document: &'a (dyn Fn(&Postmortem) -> String + Sync),
    /// Printed before document `n` (0-based).
    pub before: fn(usize) -> &'static str,
    /// Printed after the last of `documents` documents holding `items`
    /// action items.
    pub end: fn(usize, usize) -> String,
}

/// Run `list` / `parse`: each document is read, parsed and rendered on a
/// worker thread and written to `stdout` in file order as soon as it is
/// ready, so memory holds a few documents, never the whole set.
pub fn run(
    req: &super::Request<'_>,
    paths: &[PathBuf],
    render: &Render<'_>,
    stdout: Stdout<'_>,
) -> Result<Outcome> {
    let ws = Workspace::open(req.cwd, req.config_path)?;
    let files = ws.select(paths)?;
    let mut out = Outcome::default();
    let mut errors = Vec::new();
    let (mut documents, mut items) = (0usize, 0usize);
    let mut written: std::io::Result<()> = Ok(());
    ws.load_each(
        &files,
        |loaded| {
            loaded.map(|l| {
                let pm = &l.postmortem;
                let text = (render.document)(pm);
                let warnings: Vec<String> = pm
                    .warnings
                    .iter()
                    .map(|w| format!("warning: {}:{}: {}", pm.path, w.line, w.message))
                    .collect();
                (text, warnings, pm.tasks.len())
            })
        },
        |rendered| {
            let (text, warnings, n) = match rendered {
                Ok(r) => r,
                Err(e) => {
                    errors.push(e);
                    return true;
                }
            };
            let sep = (render.before)(documents);
            documents += 1;
            items += n;
            out.stderr.extend(warnings);
            written = stdout(sep).and_then(|()| stdout(&text));
            written.is_ok()
        },
    );
    if written.is_ok() {
        written = stdout(&(render.end)(documents, items));
    }
    super::written(written)?;
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
    if !errors.is_empty() {
        out.ending = super::Ending::Failed;
    }
    Ok(out)
}
