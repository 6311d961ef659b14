//! GLUE: each command joins the edges (files, git, GitHub) to the pure core
//! (parse, plan, writeback, report) and returns an [`Outcome`] for the CLI to
//! print. Commands never print themselves.

pub mod check;
pub mod context;
pub mod list;
pub mod report;
pub mod sync;
pub mod workspace;
pub mod writeback;

/// What a command gets from the command line besides its own arguments.
#[derive(Clone, Copy)]
pub struct Request<'a> {
    /// The folder pmtrack runs in.
    pub cwd: &'a std::path::Path,
    /// `--config FILE`.
    pub config_path: Option<&'a std::path::Path>,
    /// Today in UTC (or `PMTRACK_TODAY`): commands never read the clock.
    pub today: chrono::NaiveDate,
    /// `--verbose`.
    pub verbose: bool,
    /// The GitHub Actions runtime, when in Actions.
    pub actions: Option<&'a crate::workflow::Runtime>,
    /// Where waits, notes and per-change progress go, as they happen.
    pub progress: &'a dyn crate::github::Progress,
}

/// Where a command's standard output goes, piece by piece, as it is
/// produced: the CLI prints it. An error (a closed pipe) stops the command.
pub type Stdout<'a> = &'a mut dyn FnMut(&str) -> std::io::Result<()>;

/// The end of writing to [`Stdout`]: a reader that went away (`| head`) is
/// not pmtrack's error; any other failure is.
pub fn written(result: std::io::Result<()>) -> crate::error::Result<()> {
    match result {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(crate::error::Error::Io {
            path: "standard output".into(),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// What a command produced: text for stdout, messages for stderr, exit code.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Printed to stdout as is.
    pub stdout: String,
    /// Printed to stderr, one per line.
    pub stderr: Vec<String>,
    /// pmtrack's own workflow commands (annotations), one per line: printed
    /// as they are, apart from `stdout` and `stderr`, whose text is made
    /// inert in Actions (a title or file name is never a command).
    pub commands: Vec<String>,
    /// Print `commands` on stderr (stdout must stay pure JSON).
    pub commands_on_stderr: bool,
    /// How it ended; the CLI turns it into the exit code.
    pub ending: Ending,
}

/// How a command ended (an error ends it too, as an `Err`). The exit code is
/// chosen from it in one place, the CLI.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Everything done, nothing found.
    #[default]
    Done,
    /// Findings (`check`, `report --fail-on-overdue`) or work that failed (a
    /// change GitHub refused, a file that could not be read or written).
    Failed,
    /// Stopped by a signal after the request in flight.
    Interrupted,
}
