//! The command line's words: clap's types for every subcommand and flag,
//! each turned into the plain arguments its command takes
//! ([`crate::command`] knows nothing of clap).

use crate::command::check::CheckArgs;
use crate::command::context::GitHubArgs;
use crate::command::report::ReportArgs;
use crate::command::sync::SyncArgs;
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Make postmortem action items actually get done.
#[derive(Debug, Parser)]
#[command(name = "pmtrack", version, about, long_about = None)]
pub struct Cli {
    /// Configuration file (default: .pmtrack.yml at the repository root).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print what pmtrack does, to stderr.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Output format of `parse` and `list`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum DocFormatArg {
    /// A readable table.
    Text,
    /// JSON, as documented in the README.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the action items of postmortems as a readable table.
    List {
        /// Files or folders (default: the repository's postmortems, by the
        /// config's `include` globs).
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: DocFormatArg,
    },
    /// Parse postmortems and print their action items (JSON by default).
    Parse {
        /// Files or folders (default: the repository's postmortems).
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "json")]
        format: DocFormatArg,
    },
    /// Create, update and close GitHub issues for the action items.
    Sync(SyncFlags),
    /// Report overdue and unresolved action items (table, Markdown, JSON);
    /// `--post` keeps a rolling report issue.
    Report(ReportFlags),
    /// Lint postmortems for pull requests: action items, owners, due dates.
    Check(CheckFlags),
}

/// Output format of `sync`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum SyncFormatFlag {
    /// Readable lines.
    Text,
    /// One JSON object (plan, results, summary).
    Json,
}

/// Flags of `pmtrack sync`.
#[derive(Debug, Clone, Args)]
pub struct SyncFlags {
    /// Files or folders (default: the repository's postmortems, by the
    /// config's `include` globs).
    pub paths: Vec<PathBuf>,
    /// Print the changes; send nothing that modifies GitHub.
    #[arg(long)]
    pub dry_run: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: SyncFormatFlag,
    /// Write issue links (and the status block) back into the documents.
    #[arg(long)]
    pub write: bool,
    /// Write back and commit the documents (implies --write).
    #[arg(long)]
    pub commit: bool,
    /// Only postmortems changed since this git revision (deleted ones count
    /// as removed).
    #[arg(long, value_name = "REV", conflicts_with = "all")]
    pub since: Option<String>,
    /// Every postmortem (the default without PATHs or `--since`; says so
    /// in scripts such as the weekly run).
    #[arg(long)]
    pub all: bool,
    /// Repository, API URL and token.
    #[command(flatten)]
    pub github: GitHubFlags,
}

/// Output format of `report`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ReportFormatFlag {
    /// A table for a terminal, ending with a sparkline of open items.
    Table,
    /// Markdown with a Mermaid trend chart (for issues and job summaries).
    Markdown,
    /// JSON (schema `pmtrack.report/1`, see docs/report.md).
    Json,
}

/// Flags of `pmtrack report`.
#[derive(Debug, Clone, Args)]
pub struct ReportFlags {
    /// List only open items past their due date.
    #[arg(long, conflicts_with_all = ["unresolved", "all"])]
    pub overdue: bool,
    /// List open items, and items without an issue (the default).
    #[arg(long, conflicts_with = "all")]
    pub unresolved: bool,
    /// List every item.
    #[arg(long)]
    pub all: bool,
    /// The day to report for, in UTC (default: today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<NaiveDate>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormatFlag,
    /// Create or update the rolling report issue, and keep the overdue
    /// label on exactly the overdue items' issues (needs a token).
    #[arg(long)]
    pub post: bool,
    /// Exit 1 when any item is overdue.
    #[arg(long)]
    pub fail_on_overdue: bool,
    /// Repository, API URL and token.
    #[command(flatten)]
    pub github: GitHubFlags,
}

/// Flags of `pmtrack check`.
#[derive(Debug, Clone, Args)]
pub struct CheckFlags {
    /// Files or folders (default: the repository's postmortems, by the
    /// config's `include` globs).
    pub paths: Vec<PathBuf>,
    /// Only postmortems changed since this git revision (e.g. the pull
    /// request's base, `origin/main`).
    #[arg(long, value_name = "REV")]
    pub since: Option<String>,
}

/// The command-line options every GitHub command shares.
#[derive(Debug, Clone, Args)]
pub struct GitHubFlags {
    /// Repository that holds the issues (default: config `repo`,
    /// GITHUB_REPOSITORY, or the `origin` remote).
    #[arg(long, value_name = "OWNER/NAME")]
    pub repo: Option<String>,
    /// GitHub REST API URL (default: config `api_url`, GITHUB_API_URL, or
    /// from the `origin` host; GitHub Enterprise: https://HOST/api/v3).
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// Token (from GITHUB_TOKEN; prefer the variable to the flag).
    #[arg(
        long = "github-token",
        env = "GITHUB_TOKEN",
        hide_env_values = true,
        hide = true
    )]
    pub github_token: Option<String>,
    /// Token (from GH_TOKEN, used when GITHUB_TOKEN is not set).
    #[arg(
        long = "gh-token",
        env = "GH_TOKEN",
        hide_env_values = true,
        hide = true
    )]
    pub gh_token: Option<String>,
}

impl From<GitHubFlags> for GitHubArgs {
    fn from(f: GitHubFlags) -> GitHubArgs {
        GitHubArgs {
            repo: f.repo,
            api_url: f.api_url,
            github_token: f.github_token,
            gh_token: f.gh_token,
        }
    }
}

impl From<SyncFlags> for SyncArgs {
    fn from(f: SyncFlags) -> SyncArgs {
        SyncArgs {
            paths: f.paths,
            dry_run: f.dry_run,
            write: f.write,
            commit: f.commit,
            since: f.since,
            all: f.all,
            github: f.github.into(),
        }
    }
}

impl From<ReportFlags> for ReportArgs {
    fn from(f: ReportFlags) -> ReportArgs {
        ReportArgs {
            overdue: f.overdue,
            unresolved: f.unresolved,
            all: f.all,
            as_of: f.as_of,
            post: f.post,
            fail_on_overdue: f.fail_on_overdue,
            github: f.github.into(),
        }
    }
}

impl From<CheckFlags> for CheckArgs {
    fn from(f: CheckFlags) -> CheckArgs {
        CheckArgs {
            paths: f.paths,
            since: f.since,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn flags_become_the_commands_arguments() {
        let cli = Cli::try_parse_from([
            "pmtrack",
            "sync",
            "--dry-run",
            "--format",
            "json",
            "--since",
            "HEAD~1",
            "--repo",
            "o/r",
            "docs",
        ])
        .unwrap();
        let Command::Sync(flags) = cli.command else {
            panic!("not sync")
        };
        let args = SyncArgs::from(flags);
        assert!(args.dry_run && !args.write && !args.commit && !args.all);
        assert_eq!(args.since.as_deref(), Some("HEAD~1"));
        assert_eq!(args.github.repo.as_deref(), Some("o/r"));
        assert_eq!(args.paths, vec![PathBuf::from("docs")]);
        let cli = Cli::try_parse_from([
            "pmtrack",
            "report",
            "--overdue",
            "--format",
            "markdown",
            "--as-of",
            "2026-03-01",
        ])
        .unwrap();
        let Command::Report(flags) = cli.command else {
            panic!("not report")
        };
        let args = ReportArgs::from(flags);
        assert!(args.overdue && !args.all && !args.post);
        assert_eq!(args.as_of, NaiveDate::from_ymd_opt(2026, 3, 1));
        let cli = Cli::try_parse_from(["pmtrack", "check", "--since", "origin/main"]).unwrap();
        let Command::Check(flags) = cli.command else {
            panic!("not check")
        };
        assert_eq!(CheckArgs::from(flags).since.as_deref(), Some("origin/main"));
    }
}
