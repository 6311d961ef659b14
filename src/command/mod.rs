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
    /// Exit code: 0 ok, 1 findings or failed work, 2 usage/config error.
    pub code: u8,
}
