//! EDGE: the GitHub Actions runtime and the process environment. In:
//! whether pmtrack runs in Actions (`GITHUB_ACTIONS=true`) and where its
//! files are, and the variables the GitHub commands read ([`SyncEnv`]). Out: Markdown appended
//! to the job summary (`GITHUB_STEP_SUMMARY`), step outputs as `name=value`
//! lines in `GITHUB_OUTPUT`, and workflow-command annotations
//! (`::warning file=…,line=…::…`) for the caller to print on stdout.
//!
//! Usable by every command (sync, report, check). The escaping follows the
//! runner's rules for workflow commands: in the message `%`, CR and LF
//! become `%25`, `%0D`, `%0A`; in properties also `:` and `,` become `%3A`,
//! `%2C`. Outputs are single-line values (no heredoc delimiter needed): a
//! line break in a value is turned into a space.
//!
//! Must not: decide what to report (commands do), print (it returns the
//! annotation lines), or read any variable but the `GITHUB_*` ones named
//! here.

use crate::error::{Error, Result};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Where the Actions runner wants pmtrack's results.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Runtime {
    /// `GITHUB_STEP_SUMMARY`: the job summary file (Markdown, appended).
    pub step_summary: Option<PathBuf>,
    /// `GITHUB_OUTPUT`: the step outputs file.
    pub output: Option<PathBuf>,
}

impl Runtime {
    /// The runtime described by `var` (a variable lookup, empty = unset):
    /// `None` unless `GITHUB_ACTIONS` is `true`.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Option<Runtime> {
        let var = |n: &str| var(n).filter(|v| !v.trim().is_empty());
        if var("GITHUB_ACTIONS").as_deref() != Some("true") {
            return None;
        }
        Some(Runtime {
            step_summary: var("GITHUB_STEP_SUMMARY").map(PathBuf::from),
            output: var("GITHUB_OUTPUT").map(PathBuf::from),
        })
    }

    /// The runtime of this process (see [`Runtime::from_vars`]).
    pub fn from_process() -> Option<Runtime> {
        Runtime::from_vars(|n| std::env::var(n).ok())
    }

    /// Appends `markdown` (and a blank line) to the job summary, when the
    /// runner gave a summary file.
    pub fn append_summary(&self, markdown: &str) -> Result<()> {
        let Some(path) = &self.step_summary else {
            return Ok(());
        };
        let mut text = markdown.to_owned();
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text.push('\n');
        append(path, &text, "GITHUB_STEP_SUMMARY")
    }

    /// Writes each output as a `name=value` line, when the runner gave an
    /// output file. Names must be letters, digits, `_` or `-`.
    pub fn set_outputs(&self, outputs: &[(&str, String)]) -> Result<()> {
        let Some(path) = &self.output else {
            return Ok(());
        };
        let mut text = String::new();
        for (name, value) in outputs {
            text.push_str(&output_line(name, value)?);
        }
        append(path, &text, "GITHUB_OUTPUT")
    }
}

fn append(path: &Path, text: &str, var: &str) -> Result<()> {
    let io = |source| Error::Io {
        path: format!("{} ({var})", path.display()),
        source,
    };
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .map_err(io)?;
    f.write_all(text.as_bytes()).map_err(io)
}

/// One `name=value` line of `GITHUB_OUTPUT`; line breaks in the value
/// become spaces, so the line needs no heredoc delimiter.
pub fn output_line(name: &str, value: &str) -> Result<String> {
    let ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !ok {
        return Err(Error::Usage(format!(
            "`{name}` is not a valid step output name; use letters, digits, `_` and `-`"
        )));
    }
    let value: String = value
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    Ok(format!("{name}={value}\n"))
}

/// Text safe to show on a terminal or in a log: control characters other
/// than line feed and tab (ESC of terminal escape codes, CR, C1 controls)
/// and the bidirectional overrides that make text read other than it is
/// become `�`. Item titles and file names are other people's text.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    };
    // Fast path over bytes (output can be megabytes of JSON): the unsafe
    // characters are C0 and DEL, C1 (`C2 80`..`C2 9F`) and the bidi
    // controls (`E2 80 AA`..`AE`, `E2 81 A6`..`A9`).
    let b = s.as_bytes();
    // A first pass of plain comparisons (vectorised), the exact one only
    // when a lead byte is there.
    // Without short-circuits, so that it runs on many bytes at once.
    let lead = |c: &u8| {
        let c = *c;
        ((c < 0x20) & (c != b'\n') & (c != b'\t')) | (c == 0x7f) | (c == 0xc2) | (c == 0xe2)
    };
    let any_lead = |block: &[u8]| block.iter().fold(false, |seen, c| seen | lead(c));
    if !b.chunks(64).any(any_lead) {
        return std::borrow::Cow::Borrowed(s);
    }
    // The exact check, only in the 64-byte blocks where a lead byte is (a
    // sequence may run two bytes past its block).
    let exact = |i: usize| match b[i] {
        b'\n' | b'\t' => false,
        0..=0x1f | 0x7f => true,
        0xc2 => b.get(i + 1).is_some_and(|n| (0x80..=0x9f).contains(n)),
        0xe2 => matches!(
            (b.get(i + 1), b.get(i + 2)),
            (Some(0x80), Some(0xaa..=0xae)) | (Some(0x81), Some(0xa6..=0xa9))
        ),
        _ => false,
    };
    let suspect = b
        .chunks(64)
        .enumerate()
        .filter(|(_, block)| any_lead(block))
        .any(|(k, block)| (k * 64..k * 64 + block.len()).any(exact));
    if !suspect {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.chars()
            .map(|c| if unsafe_char(c) { '\u{FFFD}' } else { c })
            .collect(),
    )
}

/// `text` with no line the Actions runner would take for a workflow
/// command: a line that starts (after white space) with `::` or `##[` gets
/// a zero-width space in front, which the runner does not trim and a reader
/// does not see. Only pmtrack's own annotations (printed apart, never
/// through this) are commands; a file name or title that holds
/// `⏎::error file=…::` is just text.
pub fn inert(text: &str) -> std::borrow::Cow<'_, str> {
    let command = |line: &str| {
        let t = line.trim_start();
        t.starts_with("::") || t.starts_with("##[")
    };
    if !(text.contains("::") || text.contains("##[")) || !text.split('\n').any(command) {
        return std::borrow::Cow::Borrowed(text);
    }
    let lines: Vec<String> = text
        .split('\n')
        .map(|l| {
            if command(l) {
                format!("\u{200B}{l}")
            } else {
                l.to_owned()
            }
        })
        .collect();
    std::borrow::Cow::Owned(lines.join("\n"))
}

/// Text for the log: [`printable`], and in Actions ([`Runtime`] present)
/// also [`inert`].
pub fn for_log(text: &str, actions: bool) -> std::borrow::Cow<'_, str> {
    let p = printable(text);
    if !actions {
        return p;
    }
    match inert(&p) {
        std::borrow::Cow::Borrowed(_) => p,
        std::borrow::Cow::Owned(o) => std::borrow::Cow::Owned(o),
    }
}

/// The level of an annotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// `::notice`.
    Notice,
    /// `::warning`.
    Warning,
    /// `::error`.
    Error,
}

impl Level {
    fn command(self) -> &'static str {
        match self {
            Level::Notice => "notice",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// A workflow-command message with `%`, CR and LF escaped.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow-command property value with `%`, CR, LF, `:` and `,` escaped.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// A notice not tied to a file, without its line ending:
/// `::notice title=pmtrack sync::message`.
pub fn notice(title: Option<&str>, message: &str) -> String {
    match title {
        Some(t) => format!(
            "::notice title={}::{}",
            escape_property(t),
            escape_data(message)
        ),
        None => format!("::notice::{}", escape_data(message)),
    }
}

/// An annotation line, without its line ending:
/// `::warning file=postmortems/x.md,line=7,title=Overdue::message`.
/// `line` 0 leaves the line out.
pub fn annotation(
    level: Level,
    file: &str,
    line: usize,
    title: Option<&str>,
    message: &str,
) -> String {
    let mut props = vec![format!("file={}", escape_property(file))];
    if line > 0 {
        props.push(format!("line={line}"));
    }
    if let Some(t) = title {
        props.push(format!("title={}", escape_property(t)));
    }
    format!(
        "::{} {}::{}",
        level.command(),
        props.join(","),
        escape_data(message)
    )
}

/// The environment the GitHub commands (`sync`, `report`) read, once: the
/// repository and servers Actions names (`GITHUB_*`, which a person may set
/// too) and pmtrack's own tuning (`PMTRACK_*`).
#[derive(Debug, Clone, Default)]
pub struct SyncEnv {
    /// GITHUB_REPOSITORY (`owner/name`).
    pub repository: Option<String>,
    /// GITHUB_API_URL.
    pub api_url: Option<String>,
    /// GITHUB_SERVER_URL.
    pub server_url: Option<String>,
    /// PMTRACK_ETAG_CACHE.
    pub etag_cache: Option<String>,
    /// PMTRACK_WRITE_INTERVAL (seconds).
    pub write_interval: Option<String>,
    /// PMTRACK_MAX_WAIT (seconds): cap on any single wait.
    pub max_wait: Option<String>,
}

impl SyncEnv {
    /// Reads the variables from the process environment (empty = unset).
    pub fn from_process() -> SyncEnv {
        let var = |n: &str| std::env::var(n).ok().filter(|v| !v.trim().is_empty());
        SyncEnv {
            repository: var("GITHUB_REPOSITORY"),
            api_url: var("GITHUB_API_URL"),
            server_url: var("GITHUB_SERVER_URL"),
            etag_cache: var("PMTRACK_ETAG_CACHE"),
            write_interval: var("PMTRACK_WRITE_INTERVAL"),
            max_wait: var("PMTRACK_MAX_WAIT"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// F4: a file named `x⏎::error file=evil.yml::injected.md` made
    /// `pmtrack check` print a raw `::error` line.
    #[test]
    fn f4_no_text_pmtrack_prints_can_be_a_workflow_command() {
        let name = "postmortems/x\n::error file=evil.yml::injected.md: no section";
        let out = for_log(name, true);
        assert!(out
            .lines()
            .all(|l| !l.trim_start().starts_with("::") && !l.trim_start().starts_with("##[")));
        assert!(out.contains("\u{200B}::error file=evil.yml"));
        assert_eq!(for_log("  ##[error]x", true), "\u{200B}  ##[error]x");
        // Outside Actions the text stays (only control characters go).
        assert_eq!(for_log("::x", false), "::x");
        assert_eq!(
            for_log("Fix \u{1b}[31mred\u{1b}[0m\r now \u{202E}txt.exe", false),
            "Fix \u{FFFD}[31mred\u{FFFD}[0m\u{FFFD} now \u{FFFD}txt.exe"
        );
        assert!(matches!(
            printable("plain\ttext\n"),
            std::borrow::Cow::Borrowed(_)
        ));
        // Found in any 64-byte block, also when it straddles two blocks.
        for at in [0, 62, 63, 64, 200] {
            let s = format!("{}\u{202E}x", "a".repeat(at));
            assert_eq!(
                printable(&s),
                format!("{}\u{FFFD}x", "a".repeat(at)),
                "{at}"
            );
            let s = format!("{}\u{1b}x \u{2019}", "a".repeat(at));
            assert!(matches!(printable(&s), std::borrow::Cow::Owned(_)), "{at}");
        }
        let quotes = "\u{2019}\u{201C}\u{00e9} ".repeat(40);
        assert!(matches!(printable(&quotes), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn only_github_actions_true_means_actions() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |n: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == n)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(Runtime::from_vars(vars(&[])), None);
        assert_eq!(Runtime::from_vars(vars(&[("GITHUB_ACTIONS", "1")])), None);
        let rt = Runtime::from_vars(vars(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_OUTPUT", "/tmp/out"),
            ("GITHUB_STEP_SUMMARY", " "),
        ]))
        .unwrap();
        assert_eq!(rt.output, Some(PathBuf::from("/tmp/out")));
        assert_eq!(rt.step_summary, None, "blank counts as unset");
    }

    #[test]
    fn messages_and_properties_are_escaped_as_the_runner_requires() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(
            annotation(
                Level::Warning,
                "post mortems/a,b.md",
                7,
                Some("Overdue: 3 days"),
                "Rotate keys\nnow: 100%"
            ),
            "::warning file=post mortems/a%2Cb.md,line=7,title=Overdue%3A 3 days::Rotate keys%0Anow: 100%25"
        );
        assert_eq!(
            annotation(Level::Error, "x.md", 0, None, "m"),
            "::error file=x.md::m"
        );
    }

    #[test]
    fn outputs_are_single_name_value_lines_and_bad_names_are_refused() {
        assert_eq!(output_line("open", "3").unwrap(), "open=3\n");
        assert_eq!(output_line("x", "a\r\nb").unwrap(), "x=a  b\n");
        assert!(output_line("a b", "1").is_err());
        assert!(output_line("", "1").is_err());
    }

    #[test]
    fn summary_and_outputs_are_appended_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let rt = Runtime {
            step_summary: Some(dir.path().join("summary.md")),
            output: Some(dir.path().join("output")),
        };
        std::fs::write(dir.path().join("output"), "earlier=1\n").unwrap();
        rt.set_outputs(&[("open", "2".into()), ("overdue", "1".into())])
            .unwrap();
        rt.append_summary("# one").unwrap();
        rt.append_summary("# two\n").unwrap();
        let out = std::fs::read_to_string(dir.path().join("output")).unwrap();
        assert_eq!(out, "earlier=1\nopen=2\noverdue=1\n");
        let sum = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
        assert_eq!(sum, "# one\n\n# two\n\n");
        // Without files nothing happens and nothing fails.
        Runtime::default()
            .set_outputs(&[("a", "1".into())])
            .unwrap();
        Runtime::default().append_summary("x").unwrap();
    }
}
