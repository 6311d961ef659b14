//! The nouns of pmtrack: a parsed [`Postmortem`] with its [`Task`]s, and the
//! GitHub [`Issue`]s that track them. Plain data, no IO.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A byte range `[start, end)` into the document's original bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// How the document is written: decides the syntax of write-back edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DocFormat {
    /// Markdown (`.md`, `.markdown`, or anything with Markdown markup).
    #[default]
    Markdown,
    /// Plain text (`.txt`).
    PlainText,
}

/// A problem in a document that does not stop parsing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// 1-based line the warning is about (0 = the whole file).
    pub line: usize,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// Where the corrective-measures section sits in the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// 1-based line of the section heading.
    pub heading_line: usize,
    /// Bytes from the heading's first byte to the end of the section's last
    /// non-blank line (including that line's line ending, if any).
    pub span: Span,
}

/// One parsed postmortem document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Postmortem {
    /// Path as given or relative to the repository root, `/`-separated.
    pub path: String,
    /// The document's title (first heading, front matter `title:`, or file name).
    pub title: String,
    /// Start of the incident, when the document says.
    pub incident_start: Option<NaiveDate>,
    /// Whether a corrective-measures section was found.
    pub section_found: bool,
    /// Markdown or plain text.
    pub format: DocFormat,
    /// The (last) corrective-measures section, for write-back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<Section>,
    /// Problems that did not stop parsing.
    pub warnings: Vec<Warning>,
    /// The action items, in document order.
    pub tasks: Vec<Task>,
}

/// Immediate / short / medium / long term: drives the default due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Horizon {
    /// Immediate, urgent, now, this week.
    Immediate,
    /// Short term.
    ShortTerm,
    /// Medium / mid term.
    MediumTerm,
    /// Long term.
    LongTerm,
}

impl Horizon {
    /// The kebab-case name used in labels (`pm:short-term`).
    pub fn label_name(self) -> &'static str {
        match self {
            Horizon::Immediate => "immediate",
            Horizon::ShortTerm => "short-term",
            Horizon::MediumTerm => "medium-term",
            Horizon::LongTerm => "long-term",
        }
    }
}

/// P0 (most urgent) to P3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum Priority {
    /// Critical.
    P0,
    /// High.
    P1,
    /// Medium.
    P2,
    /// Low.
    P3,
}

impl Priority {
    /// `P0`..`P3`.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::P0 => "P0",
            Priority::P1 => "P1",
            Priority::P2 => "P2",
            Priority::P3 => "P3",
        }
    }
}

/// The state of an item as written in its document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Still to do.
    #[default]
    Open,
    /// Done: `[x]`, a status column saying done, `**DONE**`.
    Done,
    /// Dropped: ~~struck through~~ or a status column saying won't do.
    Dropped,
}

/// A reference to a GitHub issue written in the document.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IssueRef {
    /// `owner/name` when the reference names another repository.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    /// Issue number.
    pub number: u64,
}

/// What syntax an item was written in: decides how write-back annotates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A list item (`-`, `*`, `1.`, `- [ ]`, `<li>`).
    #[default]
    ListItem,
    /// A row of a table.
    TableRow,
    /// A plain line in a section without list markup.
    PlainLine,
}

/// A stable identifier of a task: derived from its document path and its
/// normalised title. Hidden in the issue body to find the issue again.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TaskKey(pub String);

impl std::fmt::Display for TaskKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One action item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    /// Stable identity (path + normalised title).
    pub key: TaskKey,
    /// Short text of the item, markup stripped.
    pub title: String,
    /// Description after `Title:` or from nested describing lines.
    pub detail: String,
    /// Nearest sub-group label above it in the section (`""` when none).
    pub group: String,
    /// Time horizon from the group (Immediate, Short term …).
    pub horizon: Option<Horizon>,
    /// 1-based line of the item's first line.
    pub line: usize,
    /// Bytes of the item's first line, without its line ending.
    pub span: Span,
    /// List item, table row or plain line.
    pub kind: ItemKind,
    /// GitHub logins (without `@`) or names from an owner column.
    pub owners: Vec<String>,
    /// Explicit due date written on the item.
    pub due: Option<NaiveDate>,
    /// P0..P3 when the item says.
    pub priority: Option<Priority>,
    /// Open / done / dropped, as written.
    pub status: Status,
    /// An issue reference already on the item.
    pub issue: Option<IssueRef>,
    /// 1-based lines of word-for-word repeats of this item in the same
    /// document, counted as this one item (write-back links them too).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repeats: Vec<usize>,
}

/// Open or closed, as GitHub says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueState {
    /// Open.
    Open,
    /// Closed.
    Closed,
}

/// Why an issue was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    /// Completed.
    Completed,
    /// Not planned.
    NotPlanned,
    /// A duplicate of another issue.
    Duplicate,
    /// Anything else GitHub says (reopened …).
    Other,
}

/// A GitHub issue managed by pmtrack, reduced to what the core needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Issue {
    /// Issue number.
    pub number: u64,
    /// Title.
    pub title: String,
    /// Body (markdown), including pmtrack's hidden marker.
    pub body: String,
    /// Open or closed.
    pub state: IssueState,
    /// Why it was closed, when closed.
    pub close_reason: Option<CloseReason>,
    /// Label names.
    pub labels: Vec<String>,
    /// Assignee logins.
    pub assignees: Vec<String>,
    /// Milestone number.
    pub milestone: Option<u64>,
    /// Web URL.
    pub html_url: String,
    /// Created at.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Closed at.
    pub closed_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Where a task stands once synced: open, done or not planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackState {
    /// Open.
    Open,
    /// Closed as completed (or done in the document).
    Done,
    /// Closed as not planned (dropped or removed).
    NotPlanned,
}

/// A task's issue after sync: what write-back and the report need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Link {
    /// The task.
    pub key: TaskKey,
    /// Issue number.
    pub number: u64,
    /// Issue web URL.
    pub url: String,
    /// State on GitHub (a human's close wins over the document).
    pub state: TrackState,
    /// Effective due date (explicit, or by policy from the incident date).
    pub due: Option<NaiveDate>,
    /// Assignees / owners shown.
    pub owners: Vec<String>,
    /// When the issue was created.
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When it was closed.
    pub closed_at: Option<chrono::DateTime<chrono::Utc>>,
}
