//! GLUE for `pmtrack sync`: decides where the issues live (repository, API
//! and server URLs, branch, token), which documents are in scope (all, the
//! given paths, or `--since REV`; a push run syncs all), lists the managed issues
//! on GitHub, asks the pure planner what to change, applies it (or prints it
//! with `--dry-run`), and hands the resulting links to write-back.
//!
//! It reads the process environment (GITHUB_*, PMTRACK_*) once, in
//! [`SyncEnv::from_process`]; it never reads the clock (`today` comes from
//! the CLI). Its live output (waits, per-change progress) goes to the
//! request's [`crate::github::Progress`], which the CLI draws on stderr;
//! everything else is returned in the [`Outcome`] for the CLI to print.

mod render;
pub mod tracking;

use super::context;
pub use super::context::SyncEnv;
use super::workspace::{Loaded, Workspace};
use super::{Outcome, Request};
use crate::error::{Error, Result};
use crate::github::{Applied, ApplyOutcome, GitHub};
use crate::model::{Issue, Link};
use crate::plan::{self, Change, Plan, PlanInput};
use chrono::NaiveDate;
pub use render::FirstSync;
pub use render::Summary;
use render::{elsewhere_note, job_summary};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
pub use tracking::Tracked;

/// Arguments of `pmtrack sync`.
#[derive(Debug, Clone)]
pub struct SyncArgs {
    /// Files or folders (default: the repository's postmortems, by the
    /// config's `include` globs).
    pub paths: Vec<PathBuf>,
    /// Print the changes; send nothing that modifies GitHub.
    pub dry_run: bool,
    /// Write issue links (and the status block) back into the documents.
    pub write: bool,
    /// Write back and commit the documents (implies --write).
    pub commit: bool,
    /// Only postmortems changed since this git revision (deleted ones count
    /// as removed).
    pub since: Option<String>,
    /// Every postmortem (the default without PATHs or `--since`; says so
    /// in scripts such as the weekly run).
    pub all: bool,
    /// Repository, API URL and token.
    pub github: super::context::GitHubArgs,
}

/// The documents in scope, and the deleted ones.
struct Scope {
    files: Vec<PathBuf>,
    deleted: Vec<String>,
    /// Every postmortem of the repository is in scope: a managed issue's
    /// document that is gone from the work tree was deleted (or renamed).
    full: bool,
}

/// Every postmortem, unless PATHs or `--since REV` narrow it. A run for a
/// push syncs every postmortem too, never only its own push range: when
/// pushes come quickly GitHub drops pending runs, and a push whose run was
/// dropped must still get its issues from the next run.
fn select_scope(ws: &Workspace, args: &SyncArgs) -> Result<Scope> {
    let all = ws.select(&args.paths)?;
    let Some(rev) = args.since.as_ref().filter(|_| !args.all) else {
        return Ok(Scope {
            files: all,
            deleted: Vec::new(),
            full: args.paths.is_empty(),
        });
    };
    let repo = ws.repo.as_ref().ok_or_else(|| {
        Error::Usage(format!(
            "--since {rev} needs a git repository; run pmtrack inside a clone or drop --since"
        ))
    })?;
    let changed = repo.changed_files(rev, "HEAD")?;
    let slash = |p: &Path| p.to_string_lossy().replace('\\', "/");
    let modified: Vec<String> = changed.modified.iter().map(|p| slash(p)).collect();
    let files = all
        .into_iter()
        .filter(|f| modified.contains(&ws.display_path(f)))
        .collect();
    Ok(Scope {
        files,
        deleted: changed.deleted.iter().map(|p| slash(p)).collect(),
        full: false,
    })
}

/// What a sync did (or, in a dry run, would do), for the CLI to print.
#[derive(Debug)]
pub enum Synced {
    /// A dry run: the plan.
    Planned {
        /// `owner/name`.
        repo: String,
        /// The plan's counts.
        summary: Summary,
        /// Every change.
        plan: Plan,
        /// With no managed issue yet: what a first sync would open.
        first_sync: Option<FirstSync>,
        /// HTTP requests made.
        requests: u64,
        /// Rate-limit points spent.
        points: u64,
    },
    /// A real run: what was applied.
    Applied {
        /// `owner/name`.
        repo: String,
        /// The counts.
        summary: Summary,
        /// Problems that did not stop the sync.
        warnings: Vec<String>,
        /// One result per change, in plan order.
        applied: Vec<Applied>,
        /// Where each item stands afterwards.
        links: Vec<Link>,
        /// HTTP requests made.
        requests: u64,
        /// Rate-limit points spent.
        points: u64,
        /// Write requests sent.
        writes: u64,
        /// Writes left for the next run (the write budget).
        remaining: u64,
        /// Changes left for the next run.
        deferred: usize,
        /// What was done to the tracking issues, when anything.
        tracking: Option<Tracked>,
    },
}

/// Runs `pmtrack sync`; `None` beside the outcome when a signal stopped it
/// (nothing to print but the outcome's lines).
pub fn run(req: &Request<'_>, args: &SyncArgs, env: &SyncEnv) -> Result<(Outcome, Option<Synced>)> {
    let Request {
        cwd,
        config_path,
        today,
        verbose,
        actions,
        progress,
    } = *req;
    let token = context::token(
        args.github.github_token.as_deref(),
        args.github.gh_token.as_deref(),
    );
    let has_token = token.is_some();
    if !has_token && !args.dry_run {
        return Err(Error::MissingToken);
    }
    let ws = Workspace::open(cwd, config_path)?;
    let target = context::resolve_target(
        &ws,
        args.github.repo.as_deref(),
        args.github.api_url.as_deref(),
        env,
    )?;
    let mut opts = context::github_options(&ws, &target, token, env)?;
    let max_writes = u64::from(ws.config.github.max_writes);
    opts.max_writes = Some(max_writes);
    let budget_key = format!(
        "github.max_writes in {}",
        config_path.map_or_else(
            || crate::config::DEFAULT_FILE.to_string(),
            |p| p.display().to_string()
        )
    );
    // One sync at a time per clone (and per ETag cache): a second one would
    // list the same issues, create the same items, and race the first for
    // the index and the branch. It stops with a clear message instead.
    let lock_path = ws
        .repo
        .as_ref()
        .map(|r| r.as_git2().path().join("pmtrack-sync.lock"))
        .or_else(|| opts.etag_cache.as_ref().map(|c| c.with_extension("lock")));
    let _lock = match (&lock_path, args.dry_run) {
        (Some(p), false) => Some(crate::files::Lock::acquire(p, "pmtrack sync")?),
        _ => None,
    };

    let mut out = Outcome::default();
    let scope = select_scope(&ws, args)?;
    let (loaded, errors) = ws.load(&scope.files);
    for e in &errors {
        out.stderr.push(format!("warning: {e} (skipped)"));
    }
    if verbose {
        for l in &loaded {
            for w in &l.postmortem.warnings {
                out.stderr
                    .push(format!("{}:{}: {}", l.postmortem.path, w.line, w.message));
            }
        }
    }
    // Postmortems before `since` are read but not tracked: no issue, no
    // label, no write-back; their existing issues are left alone.
    let (loaded, untracked): (Vec<Loaded>, Vec<Loaded>) = loaded
        .into_iter()
        .partition(|l| ws.config.tracks(&l.postmortem));
    if let (Some(since), false) = (ws.config.since, untracked.is_empty()) {
        let items: usize = untracked.iter().map(|l| l.postmortem.tasks.len()).sum();
        out.stderr.push(format!(
            "not tracked: {} postmortems with incidents before `since` {since} ({items} action items)",
            untracked.len()
        ));
    }
    let postmortems: Vec<_> = loaded.iter().map(|l| l.postmortem.clone()).collect();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::GitHub(format!("cannot start the async runtime: {e}")))?;
    let full_name = target.full_name();
    let base_label = ws.config.labels.base.clone();

    // Each postmortem's tracking issue after the run, for write-back.
    let mut tracked: Option<tracking::Tracked> = None;
    let result = runtime.block_on(async {
        let mut gh = GitHub::new(opts)?;
        let issues: Vec<Issue> = if !has_token {
            out.stderr.push(format!(
                "no GitHub token: planning against an empty tracker (every open item shows as a create); set GITHUB_TOKEN to see the real changes for {full_name}"
            ));
            Vec::new()
        } else {
            let listing = gh.list_managed(&base_label, progress).await?;
            if verbose {
                out.stderr.push(format!(
                    "listed {} managed issues of {full_name} in {} pages ({} not modified, {} rate-limit points)",
                    listing.issues.len(),
                    listing.pages,
                    listing.not_modified,
                    listing.points_spent
                ));
            }
            listing.issues
        };
        // Documents the managed issues name that are gone from the work
        // tree (renamed or deleted): a renamed one keeps its issues.
        let vanished: Vec<String> = issues
            .iter()
            .filter_map(|i| crate::issue_text::parse_marker(&i.body))
            .map(|m| m.path)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .filter(|p| !ws.root.join(p).exists())
            .collect();
        // With every postmortem in scope, a vanished document was deleted:
        // its issues close as removed (after a rename took its own).
        let deleted: Vec<String> = if scope.full {
            vanished.clone()
        } else {
            scope.deleted.clone()
        };
        let input = PlanInput {
            postmortems: &postmortems,
            deleted_paths: &deleted,
            vanished_paths: &vanished,
            issues: &issues,
            config: &ws.config,
            today,
            repo: &full_name,
            server_url: &target.server_url,
            branch: &target.branch,
            assignable: None,
        };
        let mut plan = plan::plan(&input);
        if has_token && plan.adds_assignees() {
            // Someone new to assign: learn who can be, so a login GitHub
            // refuses is left out now and is not sent again on every run.
            if let Some(set) = gh.assignable(progress).await? {
                plan = plan::plan(&PlanInput {
                    assignable: Some(&set),
                    ..input
                });
            }
        }
        if args.dry_run {
            if ws.config.tracking_issue {
                let (new, existing) = plan::tracking::preview(&postmortems, &issues, &plan);
                if new > 0 {
                    out.stderr.push(format!(
                        "tracking issues: {new} to create ({existing} exist), each with its postmortem's items as sub-issues"
                    ));
                }
            }
            let first = (!issues
                .iter()
                .any(|i| crate::issue_text::parse_marker(&i.body).is_some()))
            .then(|| FirstSync {
                by_year: plan::creates_by_year(&postmortems, &plan),
                suggested_since: plan::suggested_since(&postmortems, &plan, today),
            });
            return Ok((
                plan,
                None,
                first,
                gh.requests(),
                gh.points_spent(),
                HashMap::new(),
            ));
        }
        // SIGINT / SIGTERM: finish the request in flight, then stop, so no
        // create is left with an unknown outcome.
        let stop = gh.stop_flag();
        let watcher = tokio::spawn(async move {
            stop_signal().await;
            stop.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        let done = gh.apply(&plan.changes, &plan.labels, progress).await;
        watcher.abort();
        let done = done?;
        if ws.config.tracking_issue && done.not_applied == 0 && done.deferred == 0 {
            // Tracking issues of documents gone from the work tree (with
            // every postmortem in scope) or deleted in the pushed range.
            let mut gone: Vec<String> = plan::tracking::trackers(&issues)
                .into_keys()
                .filter(|p| scope.full && !ws.root.join(p).exists())
                .collect();
            gone.extend(scope.deleted.iter().cloned());
            let place = tracking::Place {
                repo: &full_name,
                server_url: &target.server_url,
                branch: &target.branch,
                base_label: &base_label,
                gone: &gone,
            };
            let mut t = tracking::keep(&mut gh, &postmortems, &plan, &done, &place, progress).await?;
            out.stderr.append(&mut t.lines);
            if t.budget_spent {
                out.stderr.push(format!(
                    "write budget reached while keeping the tracking issues; the next run goes on ({budget_key})"
                ));
            }
            let made = |o: fn(&ApplyOutcome) -> bool| t.applied.iter().filter(|a| o(&a.outcome)).count();
            let created = made(|o| matches!(o, ApplyOutcome::Created));
            let changed = made(|o| {
                matches!(o, ApplyOutcome::Updated | ApplyOutcome::Closed | ApplyOutcome::Reopened)
            });
            if created + changed + t.attached + t.detached > 0 {
                out.stderr.push(format!(
                    "tracking issues: {created} created, {changed} updated; {} sub-issues attached, {} detached",
                    t.attached, t.detached
                ));
            }
            tracked = Some(t);
        }
        // Where items tracked elsewhere stand: read after the changes, for
        // write-back and the links (never for planning).
        let referenced = if has_token && done.not_applied == 0 {
            gh.read_referenced(&plan.to_read(), progress).await
        } else {
            HashMap::new()
        };
        progress.finish();
        Ok((
            plan,
            Some(done),
            None,
            gh.requests(),
            gh.points_spent(),
            referenced,
        ))
    });
    progress.finish();
    let (plan, done, first, requests, points, referenced) = result?;
    for w in &plan.warnings {
        out.stderr.push(format!("warning: {w}"));
    }
    if !plan.elsewhere.is_empty() {
        out.stderr.push(elsewhere_note(&plan));
    }

    let Some(done) = done else {
        let summary = Summary::of_plan(&plan);
        let needed: u64 = plan.changes.iter().map(crate::github::writes_for).sum();
        if has_token && needed > max_writes {
            out.stderr.push(format!(
                "this plan needs {needed} writes, more than the write budget of {max_writes} a run: a sync sends {max_writes} and the next run goes on (about {} runs; {budget_key})",
                needed.div_ceil(max_writes)
            ));
        }
        let synced = Synced::Planned {
            repo: full_name,
            summary,
            plan,
            first_sync: first,
            requests,
            points,
        };
        return Ok((out, Some(synced)));
    };

    let summary = Summary::of_applied(&done.applied);
    if done.not_applied > 0 {
        out.stderr.push(format!(
            "stopped by a signal after the request in flight: {} of {} changes not applied and nothing written back ({}); run pmtrack again to finish",
            done.not_applied + done.deferred,
            done.not_applied + done.deferred + done.applied.len(),
            summary.line()
        ));
        out.ending = super::Ending::Interrupted;
        return Ok((out, None));
    }
    for a in &done.applied {
        if let ApplyOutcome::Failed(why) = &a.outcome {
            let num = a.number.map(|n| format!(" (#{n})")).unwrap_or_default();
            out.stderr
                .push(format!("error: task {}{num}: {why}", a.key));
        }
    }
    for l in &done.labels_created {
        out.stderr.push(format!("created label `{l}`"));
    }
    for m in &done.milestones_created {
        out.stderr.push(format!("created milestone `{m}`"));
    }
    let issues: Vec<Issue> = done.issues.values().cloned().collect();
    let links = plan.links_after(&done.created, &issues, &referenced);
    let mut written = pending_reopens_open(&plan, &done.applied, &links);
    written.extend(tracked.iter().flat_map(|t| t.links.iter().cloned()));
    let (wb_note, wb_failed) = write_back(&ws, &loaded, &written, args, today)?;
    out.stderr.extend(wb_note);
    let budget_line = (done.deferred > 0).then(|| {
        format!(
            "write budget reached: {} writes done, {} remain; the next run goes on ({budget_key})",
            done.writes, done.remaining_writes
        )
    });
    if let Some(l) = &budget_line {
        out.stderr.push(l.clone());
        if actions.is_some() {
            out.commands
                .push(crate::workflow::notice(Some("pmtrack sync"), l));
        }
    }
    if let Some(rt) = actions {
        // Step outputs in GitHub Actions: the counts of this run and where
        // the synced items stand.
        let open = links
            .iter()
            .filter(|l| l.state == crate::model::TrackState::Open);
        let overdue = open
            .clone()
            .filter(|l| l.due.is_some_and(|d| d < today))
            .count();
        rt.append_summary(&job_summary(
            &full_name,
            &summary,
            &done,
            budget_line.as_deref(),
        ))?;
        rt.set_outputs(&[
            ("created", summary.created.to_string()),
            ("updated", summary.updated.to_string()),
            ("closed", summary.closed.to_string()),
            ("open", open.count().to_string()),
            ("overdue", overdue.to_string()),
            ("remaining", done.remaining_writes.to_string()),
        ])?;
    }
    // A postmortem that could not be read is failed work too.
    if summary.failed > 0 || !errors.is_empty() || wb_failed {
        out.ending = super::Ending::Failed;
    }
    let synced = Synced::Applied {
        repo: full_name,
        summary,
        warnings: plan.warnings,
        applied: done.applied,
        links,
        requests,
        points,
        writes: done.writes,
        remaining: done.remaining_writes,
        deferred: done.deferred,
        tracking: tracked.filter(|t| !t.is_empty()),
    };
    Ok((out, Some(synced)))
}

/// The links write-back records: GitHub's state after the run, except that
/// an issue whose reopen was not done (deferred by the write budget, or
/// failed) shows as open, as its item is: write-back must not tick the box
/// of an item that is open again because its issue is still closed.
fn pending_reopens_open(plan: &Plan, applied: &[Applied], links: &[Link]) -> Vec<Link> {
    let reopened: std::collections::HashSet<&crate::model::TaskKey> = applied
        .iter()
        .filter(|a| a.outcome == ApplyOutcome::Reopened)
        .map(|a| &a.key)
        .collect();
    let pending: std::collections::HashSet<&crate::model::TaskKey> = plan
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::Reopen { key, .. } if !reopened.contains(key) => Some(key),
            _ => None,
        })
        .collect();
    links
        .iter()
        .map(|l| {
            let mut l = l.clone();
            if pending.contains(&l.key) {
                l.state = crate::model::TrackState::Open;
            }
            l
        })
        .collect()
}

/// The first SIGINT or SIGTERM (never returns where neither can be heard).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Write-back when asked (`--write`, `--commit`, or config `write_back`).
fn write_back(
    ws: &Workspace,
    loaded: &[Loaded],
    links: &[Link],
    args: &SyncArgs,
    today: NaiveDate,
) -> Result<(Vec<String>, bool)> {
    let write = args.write || args.commit || ws.config.write_back;
    if !write {
        return Ok((Vec::new(), false));
    }
    let commit = args.commit || ws.config.write_back;
    let done = super::writeback::run(ws, loaded, links, today, commit)?;
    let mut notes = Vec::new();
    for w in &done.written {
        notes.push(format!("wrote {w}"));
    }
    for s in &done.stale {
        notes.push(format!(
            "warning: {s} changed on disk during the sync; not rewritten (run pmtrack again)"
        ));
    }
    for u in &done.uncommitted {
        notes.push(format!(
            "note: {u} is not committed in git yet: its links were written but not committed (commit it, and they are in your commit)"
        ));
    }
    for (path, why) in &done.failed {
        notes.push(format!("error: cannot write {path}: {why}"));
    }
    if let Some(c) = &done.commit {
        notes.push(format!("committed {c}"));
    }
    Ok((notes, !done.failed.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::context::server_url_for;

    #[test]
    fn server_url_follows_the_api_url() {
        assert_eq!(
            server_url_for("https://api.github.com"),
            "https://github.com"
        );
        assert_eq!(
            server_url_for("https://ghe.example.com/api/v3/"),
            "https://ghe.example.com"
        );
        assert_eq!(
            server_url_for("http://127.0.0.1:8080"),
            "http://127.0.0.1:8080"
        );
    }

    #[test]
    fn summary_counts_outcomes() {
        let a = |o| Applied {
            key: crate::model::TaskKey("k".into()),
            number: Some(1),
            url: None,
            outcome: o,
        };
        let s = Summary::of_applied(&[
            a(ApplyOutcome::Created),
            a(ApplyOutcome::Unchanged),
            a(ApplyOutcome::Failed("x".into())),
        ]);
        assert_eq!((s.created, s.unchanged, s.failed), (1, 1, 1));
        assert_eq!(
            s.line(),
            "1 created, 0 updated, 0 closed, 1 unchanged, 1 failed"
        );
    }
}
