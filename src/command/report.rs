//! GLUE for `pmtrack report`: reads every postmortem of the repository,
//! takes each item's state from GitHub (ONE listing of the managed issues,
//! the same ETag-cached listing as `sync`) when there is a token, else from
//! the documents' last written status blocks, asks the pure
//! [`crate::report`] for the report, and renders it (table, Markdown, JSON).
//!
//! With `--post` it creates or updates the one rolling report issue (found
//! by its marker) and keeps the overdue label on exactly the overdue items'
//! issues. In GitHub Actions it appends the Markdown to the job summary,
//! prints a warning annotation per overdue item and sets the step outputs
//! `open`, `overdue`, `created`, `updated`, `closed` (for a report: the
//! rolling issue created, issues changed, none closed).
//!
//! Never reads the clock (`today` comes from the CLI) or the environment
//! (the CLI passes [`SyncEnv`] and the Actions [`Runtime`](crate::workflow::Runtime)). Its only live
//! output is GitHub wait notes on stderr.

use super::context::{self, Target};
use super::sync::SyncEnv;
use super::workspace::Workspace;
use super::{Outcome, Request};
use crate::error::{Error, Result};
use crate::github::report_ops::{ReportIssueOutcome, ReportIssueSpec};
use crate::github::{GitHub, Progress};
use crate::model::{Issue, Postmortem};
use crate::plan::{self, LabelSpec, PlanInput};
use crate::report::{self, render, Filter, Item, Report, Source};
use crate::workflow::{self, Level};
use crate::writeback::{read_status_block, read_tracking_issue};
use chrono::NaiveDate;
use std::collections::HashMap;

/// Arguments of `pmtrack report`.
#[derive(Debug, Clone)]
pub struct ReportArgs {
    /// List only open items past their due date.
    pub overdue: bool,
    /// List open items, and items without an issue (the default).
    pub unresolved: bool,
    /// List every item.
    pub all: bool,
    /// The day to report for, in UTC (default: today).
    pub as_of: Option<NaiveDate>,
    /// Create or update the rolling report issue, and keep the overdue
    /// label on exactly the overdue items' issues (needs a token).
    pub post: bool,
    /// Exit 1 when any item is overdue.
    pub fail_on_overdue: bool,
    /// Repository, API URL and token.
    pub github: super::context::GitHubArgs,
}

impl ReportArgs {
    fn filter(&self) -> Filter {
        if self.overdue {
            Filter::Overdue
        } else if self.all {
            Filter::All
        } else {
            Filter::Unresolved
        }
    }
}

/// Colour of the overdue label when pmtrack creates it.
const OVERDUE_COLOR: &str = "d93f0b";

/// What a worker keeps of one document.
enum Read {
    /// Before `since`: only counted.
    Untracked(report::NotTrackedPostmortem),
    /// With a token: the postmortem waits for the listing.
    Postmortem(Postmortem),
    /// Without one: its items, states from the document.
    Items(report::Heading, Vec<Item>),
}

/// What `--post` did.
#[derive(Debug, Default)]
struct Posted {
    created: usize,
    updated: usize,
    lines: Vec<String>,
}

/// The report made, for the CLI to print in the format asked for.
#[derive(Debug)]
pub struct Reported {
    /// The report.
    pub report: Report,
    /// How its Markdown is written (config `report.mention_owners`).
    pub markdown: render::MarkdownOptions,
}

/// Runs `pmtrack report`: the report, and the outcome (lines, annotations,
/// ending) of what else it did (`--post`, Actions outputs).
pub fn run(req: &Request<'_>, args: &ReportArgs, env: &SyncEnv) -> Result<(Outcome, Reported)> {
    let Request {
        cwd,
        config_path,
        today,
        verbose,
        actions,
        progress,
    } = *req;
    let as_of = args.as_of.unwrap_or(today);
    let token = context::token(
        args.github.github_token.as_deref(),
        args.github.gh_token.as_deref(),
    );
    if args.post && token.is_none() {
        return Err(Error::MissingToken);
    }
    let ws = Workspace::open(cwd, config_path)?;
    let target = match resolve(&ws, args, env) {
        Ok(t) => Some(t),
        // Without a token the report needs no repository: links are left out.
        Err(_) if token.is_none() => None,
        Err(e) => return Err(e),
    };

    let mut out = Outcome::default();
    let files = ws.select(&[])?;
    let cfg = &ws.config;
    let md_opts = render::MarkdownOptions {
        mention_owners: cfg.report.mention_owners,
    };
    let filter = args.filter();
    let full_name = target.as_ref().map(Target::full_name);
    let online = token.is_some() && target.is_some();
    let opts = report::Spec {
        as_of,
        filter,
        weeks: cfg.report.weeks,
        source: if online {
            Source::Github
        } else {
            Source::Documents
        },
        repo: full_name.as_deref(),
        not_tracked: None,
    };

    // Every document is read and parsed on every core, and only what the
    // report needs is kept: without a token each document's items go into
    // the report as soon as it is read; with one, the postmortems (without
    // their text) wait for the listing.
    let url = |n: u64| target.as_ref().map(|t| t.issue_url(n));
    let mut builder = report::Builder::new(&opts);
    builder.reserve(files.len());
    let mut headings = Vec::with_capacity(files.len());
    let mut postmortems: Vec<Postmortem> = Vec::new();
    let mut untracked = Vec::new();
    let mut all: Vec<report::ReportItem> = Vec::new();
    ws.load_each(
        &files,
        |loaded| {
            let loaded = loaded?;
            let pm = loaded.postmortem;
            // Postmortems before `since` are counted, not tracked: no item
            // of theirs is listed, charted or labelled.
            if !cfg.tracks(&pm) {
                return Ok(Read::Untracked(report::NotTrackedPostmortem::of(&pm)));
            }
            if online {
                return Ok(Read::Postmortem(pm));
            }
            let due = pm
                .tasks
                .iter()
                .map(|t| (t.key.clone(), plan::due_of(t, &pm, cfg)))
                .collect();
            let rows = read_status_block(&loaded.document.text);
            let items = report::items_from_documents(
                &[(&pm, rows)],
                &due,
                full_name.as_deref(),
                &url,
                &cfg.types,
            );
            let heading = report::Heading {
                tracking: read_tracking_issue(&loaded.document.text).map(|(number, url)| {
                    report::IssueLink {
                        number,
                        url: Some(url.into()),
                    }
                }),
                ..report::Heading::of(&pm)
            };
            Ok(Read::Items(heading, items))
        },
        |read: Result<Read>| {
            match read {
                Err(e) => out.stderr.push(format!("warning: {e} (skipped)")),
                Ok(Read::Untracked(u)) => untracked.push(u),
                Ok(Read::Postmortem(pm)) => postmortems.push(pm),
                Ok(Read::Items(heading, items)) => {
                    builder.add_all(&items);
                    if actions.is_some() {
                        all.extend(items.iter().map(|i| i.view(as_of)));
                    }
                    headings.push(heading);
                }
            }
            true
        },
    );
    let not_tracked = cfg
        .since
        .map(|since| report::NotTracked::of(since, untracked));

    let (mut report, posted) = match (token, &target) {
        (Some(token), Some(target)) => {
            let gh_opts = context::github_options(&ws, target, Some(token), env)?;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| Error::GitHub(format!("cannot start the async runtime: {e}")))?;
            runtime.block_on(async {
                let mut gh = GitHub::new(gh_opts)?;
                let listing = gh.list_managed(&cfg.labels.base, progress).await?;
                if verbose {
                    out.stderr.push(format!(
                        "listed {} managed issues of {} in {} pages ({} not modified, {} rate-limit points)",
                        listing.issues.len(),
                        target.full_name(),
                        listing.pages,
                        listing.not_modified,
                        listing.points_spent
                    ));
                }
                let plan = plan::whereabouts(&PlanInput {
                    postmortems: &postmortems,
                    deleted_paths: &[],
                    vanished_paths: &[],
                    issues: &listing.issues,
                    config: cfg,
                    today: as_of,
                    repo: &target.full_name(),
                    server_url: &target.server_url,
                    branch: &target.branch,
                    assignable: None,
                });
                let referenced = gh.read_referenced(&plan.to_read(), progress).await;
                let links = plan.links(&listing.issues, &referenced);
                let items = report::items_from_github(&postmortems, &plan.due, &links, &cfg.types);
                let mut report = report::build(&postmortems, &items, &opts);
                let tracking = plan::tracking::tracking_links(&postmortems, &listing.issues);
                let tracking: HashMap<&crate::model::TaskKey, &crate::model::Link> =
                    tracking.iter().map(|l| (&l.key, l)).collect();
                for g in &mut report.postmortems {
                    let key = crate::model::TaskKey::tracking(&g.path);
                    g.tracking = tracking.get(&key).map(|l| {
                        report::IssueLink {
                            number: l.number,
                            url: Some(l.url.as_str().into()),
                        }
                    });
                }
                report.not_tracked = not_tracked.clone();
                all = report::all_items(&items, as_of);
                let mut posted = Posted::default();
                if args.post {
                    let md = render::markdown(&report, &md_opts);
                    posted = post(&mut gh, &ws, &report, &items, &listing.issues, &md, progress).await?;
                }
                Ok::<_, Error>((report, posted))
            })?
        }
        _ => (builder.finish(headings), Posted::default()),
    };
    report.not_tracked = not_tracked;

    out.stderr.extend(posted.lines.iter().cloned());

    if let Some(rt) = actions {
        let md = render::markdown(&report, &md_opts);
        rt.append_summary(&format!("## {}\n\n{md}", cfg.report.title))?;
        out.commands.extend(annotations(&all));
        rt.set_outputs(&[
            ("open", report.totals.open.to_string()),
            ("overdue", report.totals.overdue.to_string()),
            ("created", posted.created.to_string()),
            ("updated", posted.updated.to_string()),
            ("closed", "0".to_owned()),
        ])?;
    }
    if args.fail_on_overdue && report.totals.overdue > 0 {
        out.stderr.push(format!(
            "{} overdue action item{} (--fail-on-overdue)",
            report.totals.overdue,
            if report.totals.overdue == 1 { "" } else { "s" }
        ));
        out.ending = super::Ending::Failed;
    }
    Ok((
        out,
        Reported {
            report,
            markdown: md_opts,
        },
    ))
}

fn resolve(ws: &Workspace, args: &ReportArgs, env: &SyncEnv) -> Result<Target> {
    context::resolve_target(
        ws,
        args.github.repo.as_deref(),
        args.github.api_url.as_deref(),
        env,
    )
}

/// A warning annotation per overdue item (listed or not).
fn annotations(all: &[report::ReportItem]) -> Vec<String> {
    all.iter()
        .filter(|i| i.overdue)
        .map(|i| {
            let days = i.days_overdue.map_or(0, std::num::NonZeroI32::get);
            let mut msg = format!(
                "{} is {} day{} overdue (due {})",
                i.title,
                days,
                if days == 1 { "" } else { "s" },
                i.due.map(|d| d.to_string()).unwrap_or_default()
            );
            if !i.owners.is_empty() {
                msg.push_str(&format!("; owner: {}", i.owners.join(", ")));
            }
            if let Some(issue) = &i.issue {
                msg.push_str(&format!("; issue #{}", issue.number));
            }
            if let Some(e) = &i.elsewhere {
                msg.push_str(&format!("; {}", e.words(false)));
            }
            workflow::annotation(
                Level::Warning,
                &i.postmortem,
                i.line as usize,
                Some("Overdue action item"),
                &msg,
            )
        })
        .collect()
}

/// `--post`: the overdue label on exactly the overdue items' issues, then
/// the rolling report issue created or updated in place.
async fn post(
    gh: &mut GitHub,
    ws: &Workspace,
    report: &Report,
    items: &[Item],
    issues: &[Issue],
    markdown: &str,
    progress: &dyn Progress,
) -> Result<Posted> {
    let cfg = &ws.config;
    let label = cfg.report.overdue_label.clone();
    let mut posted = Posted::default();
    let views = report::all_items(items, report.as_of);
    let changes = report::overdue_label_changes(&views, issues, &label);
    let known = issues
        .iter()
        .any(|i| i.labels.iter().any(|l| l.eq_ignore_ascii_case(&label)));
    if !known && changes.iter().any(|c| c.add) {
        let spec = LabelSpec {
            name: label.clone(),
            color: OVERDUE_COLOR.to_owned(),
            description: "A postmortem action item past its due date (pmtrack)".to_owned(),
        };
        if gh.ensure_label(&spec, progress).await? {
            posted.lines.push(format!("created label `{label}`"));
        }
    }
    for c in &changes {
        let done = if c.add {
            gh.add_label(c.number, &label, progress).await?
        } else {
            gh.remove_label(c.number, &label, progress).await?
        };
        match done {
            Ok(()) => {
                posted.updated += 1;
                posted.lines.push(if c.add {
                    format!("labelled #{} `{label}`", c.number)
                } else {
                    format!("removed `{label}` from #{}", c.number)
                });
            }
            Err(why) => posted.lines.push(format!("warning: {why}")),
        }
    }
    let body = render::issue_body(markdown);
    let labels = vec![cfg.labels.base.clone(), report::REPORT_LABEL.to_owned()];
    let existing = report::find_report_issue(issues);
    let ri = gh
        .post_report_issue(
            existing,
            &ReportIssueSpec {
                title: &cfg.report.title,
                body: &body,
                labels: &labels,
                find_label: 1,
                marker: report::REPORT_MARKER,
                pick: report::find_report_issue,
            },
            progress,
        )
        .await?;
    let what = match ri.outcome {
        ReportIssueOutcome::Created => {
            posted.created += 1;
            "created"
        }
        ReportIssueOutcome::Updated => {
            posted.updated += 1;
            "updated"
        }
        ReportIssueOutcome::Unchanged => "unchanged",
    };
    posted
        .lines
        .push(format!("report issue #{} {what}: {}", ri.number, ri.url));
    Ok(posted)
}
