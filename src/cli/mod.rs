//! THIN command line (clap): arguments → a command in [`crate::command`],
//! its outcome printed, exit code 0 (ok), 1 (findings or failed work), 2
//! (usage or configuration error). The only place that prints and reads the
//! clock.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod args;
pub mod documents;
mod progress;
mod report;
mod sync;

pub use args::{Cli, Command, DocFormatArg};

use crate::command;
use clap::Parser;
use progress::StderrProgress;
use std::io::Write;
use std::process::ExitCode;

/// Run the command line; returns the process exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let cwd = match std::env::current_dir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("pmtrack: cannot read the current folder: {e}");
            return ExitCode::from(2);
        }
    };
    let today = match today() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("pmtrack: {e}");
            return ExitCode::from(2);
        }
    };
    // Other people's text (titles, file names) is printed without control
    // characters, and in Actions can never be a workflow command.
    let actions = crate::workflow::Runtime::from_process().is_some();
    let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut print = |s: &str| stdout.write_all(crate::workflow::for_log(s, actions).as_bytes());
    let progress = StderrProgress::new(actions);
    let runtime = crate::workflow::Runtime::from_process();
    let request = command::Request {
        cwd: &cwd,
        config_path: cli.config.as_deref(),
        today,
        verbose: cli.verbose,
        actions: runtime.as_ref(),
        progress: &progress,
    };
    let result = match cli.command {
        Command::List { paths, format } | Command::Parse { paths, format } => {
            let render = match format {
                DocFormatArg::Json => documents::json(),
                DocFormatArg::Text => documents::table(),
            };
            command::list::run(&request, &paths, &render, &mut print)
        }
        Command::Sync(flags) => {
            let json = flags.format == args::SyncFormatFlag::Json;
            command::sync::run(
                &request,
                &flags.into(),
                &command::sync::SyncEnv::from_process(),
            )
            .and_then(|(mut out, synced)| {
                if let Some(s) = &synced {
                    out.stdout = sync::render(s, json)?;
                }
                // Standard output stays pure JSON.
                out.commands_on_stderr |= json;
                Ok(out)
            })
        }
        Command::Report(flags) => {
            let format = flags.format;
            command::report::run(
                &request,
                &flags.into(),
                &command::sync::SyncEnv::from_process(),
            )
            .and_then(|(mut out, reported)| {
                command::written(report::print(&reported, format, &mut print))?;
                // Standard output stays parseable JSON: annotations go to
                // stderr (the runner reads workflow commands there too).
                out.commands_on_stderr |= format == args::ReportFormatFlag::Json;
                Ok(out)
            })
        }
        Command::Check(flags) => {
            command::check::run(&request, &flags.into()).map(|(mut out, findings)| {
                // `file:line: what; how to fix`, one per line.
                out.stdout = findings.iter().map(|f| format!("{f}\n")).collect();
                out
            })
        }
    };
    let log = |s: &str| crate::workflow::for_log(s, actions).into_owned();
    // A reader that went away (`| head`) gets what it read; nothing to say.
    let _ = print(result.as_ref().map_or("", |o| o.stdout.as_str()));
    let _ = stdout.flush();
    drop(stdout);
    match result {
        Ok(out) => {
            // Buffered: a run over thousands of documents may warn about
            // thousands (one write, not one per line); a closed stream is
            // no reason to fail.
            let mut err = std::io::BufWriter::with_capacity(1 << 16, std::io::stderr().lock());
            for w in &out.stderr {
                let _ = writeln!(err, "{}", log(w));
            }
            let _ = err.flush();
            let mut stdout = std::io::stdout().lock();
            for c in &out.commands {
                let c = crate::workflow::printable(c);
                if out.commands_on_stderr {
                    let _ = writeln!(err, "{c}");
                } else {
                    let _ = writeln!(stdout, "{c}");
                }
            }
            let _ = err.flush();
            let _ = stdout.flush();
            ExitCode::from(match out.ending {
                command::Ending::Done => 0,
                command::Ending::Failed => 1,
                command::Ending::Interrupted => 130,
            })
        }
        Err(e) => {
            eprintln!("{}", log(&format!("pmtrack: {e}")));
            ExitCode::from(error_code(&e))
        }
    }
}

/// 2 for usage and configuration problems (the command could not start as
/// asked), 1 for the rest.
fn error_code(e: &crate::error::Error) -> u8 {
    use crate::error::Error;
    match e {
        Error::Config { .. } | Error::Usage(_) | Error::MissingToken => 2,
        _ => 1,
    }
}

/// Today in UTC, or the date in `PMTRACK_TODAY` (`YYYY-MM-DD`): reproducible
/// runs, and tests that cross days without waiting for them.
fn today() -> Result<chrono::NaiveDate, String> {
    match std::env::var("PMTRACK_TODAY") {
        Ok(v) if !v.trim().is_empty() => chrono::NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
            .map_err(|_| {
                format!(
                    "PMTRACK_TODAY is `{}`; write the date as YYYY-MM-DD, or unset it",
                    v.trim()
                )
            }),
        _ => Ok(chrono::Utc::now().date_naive()),
    }
}
