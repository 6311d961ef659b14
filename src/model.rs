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

/// A tracker reference written on an item (or on its group label): a
/// GitHub issue or pull request, here or in another repository, a Jira key,
/// or another tracker's URL. Serialised with a `kind` tag:
/// `{"kind": "github", "repo"?, "number", "pull"?, "url"?}`,
/// `{"kind": "jira", "key", "url"?}`, `{"kind": "url", "url"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TrackerRef {
    /// A GitHub issue or pull request.
    Github(IssueRef),
    /// A Jira issue key (`OPS-17`), with its browse URL when written.
    Jira {
        /// `PROJECT-123`.
        key: String,
        /// The link written, when the key came from one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        url: Option<String>,
    },
    /// Another tracker's issue URL (GitLab, Bugzilla, Linear …).
    Url {
        /// As written.
        url: String,
    },
}

/// A GitHub issue or pull request named in a document.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IssueRef {
    /// `owner/name` when the reference names a repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    /// Issue or pull request number.
    pub number: u64,
    /// A pull request (`/pull/12`), not an issue.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pull: bool,
    /// The link written, when the reference came from one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl IssueRef {
    /// `#12` or `owner/name#12`: a bare number, in this repository.
    pub fn number(repo: Option<String>, number: u64) -> IssueRef {
        IssueRef {
            repo,
            number,
            pull: false,
            url: None,
        }
    }

    /// Whether it names an issue of `repo` (`owner/name`) on `host` (the
    /// web host, `github.com`), the repository pmtrack syncs: then that
    /// issue is the item's issue. A pull request,
    /// or an issue of another repository, tracks the item elsewhere.
    pub fn is_issue_of(&self, repo: &str, host: &str) -> bool {
        !self.pull
            && self.in_repo(Some(repo)) == Some(true)
            && self.host().is_none_or(|h| h.eq_ignore_ascii_case(host))
    }

    /// Whether it names something of `repo` (`#12` always does); `None`
    /// when it names a repository and `repo` is unknown.
    pub fn in_repo(&self, repo: Option<&str>) -> Option<bool> {
        match (self.repo.as_deref(), repo) {
            (None, _) => Some(true),
            (Some(a), Some(b)) => Some(a.eq_ignore_ascii_case(b)),
            (Some(_), None) => None,
        }
    }

    /// The host of its link (`github.com`), lower case; `None` for `#12`.
    pub fn host(&self) -> Option<String> {
        let url = self.url.as_deref()?;
        let rest = url.split_once("://").map_or(url, |(_, r)| r);
        Some(rest.split('/').next().unwrap_or("").to_ascii_lowercase())
    }

    /// `owner/name#12` (or `#12`), as people write it.
    pub fn short(&self) -> String {
        match &self.repo {
            Some(r) => format!("{r}#{}", self.number),
            None => format!("#{}", self.number),
        }
    }
}

impl TrackerRef {
    /// The GitHub reference, when it is one.
    pub fn github(&self) -> Option<&IssueRef> {
        match self {
            TrackerRef::Github(r) => Some(r),
            _ => None,
        }
    }

    /// The GitHub issue or pull request number, when it is one.
    pub fn number(&self) -> Option<u64> {
        self.github().map(|r| r.number)
    }

    /// The link written with it, when there is one.
    pub fn url(&self) -> Option<&str> {
        match self {
            TrackerRef::Github(r) => r.url.as_deref(),
            TrackerRef::Jira { url, .. } => url.as_deref(),
            TrackerRef::Url { url } => Some(url),
        }
    }

    /// How people write it: `owner/name#12`, `#12`, `OPS-17`, or the URL.
    pub fn short(&self) -> String {
        match self {
            TrackerRef::Github(r) => r.short(),
            TrackerRef::Jira { key, .. } => key.clone(),
            TrackerRef::Url { url } => url.clone(),
        }
    }
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

impl TaskKey {
    /// The key a postmortem's tracking issue goes by (in changes, the
    /// create journal and links); never an item's key, which is hex digits.
    pub fn tracking(path: &str) -> TaskKey {
        TaskKey(format!("tracking:{path}"))
    }
}

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
    /// A tracker reference already on the item, or on its group label.
    pub issue: Option<TrackerRef>,
    /// The reference came from the group label, for every item under it:
    /// a tracking issue, never one item's own issue.
    #[serde(skip)]
    pub issue_from_group: bool,
    /// 1-based lines of word-for-word repeats of this item in the same
    /// document, counted as this one item (write-back links them too).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repeats: Vec<usize>,
    /// What a Type column says, when the item is a table row with one
    /// (`crate::insight::kind` reads it).
    #[serde(skip)]
    pub type_cell: Option<String>,
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
    /// GitHub's numeric id (what sub-issue requests take); 0 when unknown.
    #[serde(default)]
    pub id: u64,
    /// The issue (in the same repository) this one is a sub-issue of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<u64>,
    /// GitHub said what `parent` is (its listing carries
    /// `parent_issue_url`); false: unknown until asked.
    #[serde(default)]
    pub parent_known: bool,
    /// Its sub-issues' progress, when it has any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_issues: Option<SubIssues>,
}

/// How far an issue's sub-issues are (GitHub's `sub_issues_summary`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubIssues {
    /// Sub-issues closed as completed.
    pub completed: u32,
    /// All sub-issues.
    pub total: u32,
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

impl TrackState {
    /// As a document writes it: open, done, dropped.
    pub fn of(status: Status) -> TrackState {
        match status {
            Status::Open => TrackState::Open,
            Status::Done => TrackState::Done,
            Status::Dropped => TrackState::NotPlanned,
        }
    }

    /// As GitHub has an issue: open; closed as not planned or as a
    /// duplicate → not planned; closed otherwise → done.
    pub fn of_issue(state: IssueState, reason: Option<CloseReason>) -> TrackState {
        match (state, reason) {
            (IssueState::Open, _) => TrackState::Open,
            (IssueState::Closed, Some(CloseReason::NotPlanned | CloseReason::Duplicate)) => {
                TrackState::NotPlanned
            }
            (IssueState::Closed, _) => TrackState::Done,
        }
    }
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
    /// Tracked elsewhere: the reference written on the item (another
    /// repository's issue or pull request, a Jira key, another tracker's
    /// URL). `number` and `url` are then the referenced GitHub issue's or
    /// pull request's (`number` 0 and the written link for other trackers),
    /// and `state` is theirs as read (the document's when unread).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elsewhere: Option<TrackerRef>,
}

/// Where an item tracked outside pmtrack's issues is tracked, as the
/// status block and the report show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElsewhereLink {
    /// As people write it: `org/other#12`, `OPS-17`, or the URL.
    pub reference: String,
    /// Its link, when known.
    pub url: Option<String>,
    /// A GitHub issue or pull request (pmtrack reads its state); `false`:
    /// another tracker ("tracked externally").
    pub github: bool,
}

/// How a status block row or a report names an item tracked in a GitHub
/// issue or pull request pmtrack does not manage.
pub const TRACKED_IN: &str = "tracked in ";
/// How a status block row or a report names an item tracked in another
/// tracker.
pub const TRACKED_EXTERNALLY: &str = "tracked externally: ";

/// Whether `url` can stand in a Markdown link inside a table cell (not
/// empty, no space, parenthesis or pipe).
pub fn fits_a_link(url: &str) -> bool {
    !url.is_empty() && !url.contains([' ', '(', ')', '|'])
}

impl ElsewhereLink {
    /// `tracked in [org/other#3](url)`, `tracked externally: [OPS-17](url)`;
    /// without `markdown`, `tracked in org/other#3` and `tracked externally:
    /// OPS-17 (url)`. A URL that would break a table cell or a link is
    /// left out.
    pub fn words(&self, markdown: bool) -> String {
        let linkable = |url: &&String| fits_a_link(url) && **url != self.reference;
        let shown = match self.url.as_ref().filter(linkable) {
            Some(url) if markdown => format!("[{}]({url})", self.reference),
            Some(url) if !self.github => format!("{} ({url})", self.reference),
            _ => self.reference.clone(),
        };
        let lead = if self.github {
            TRACKED_IN
        } else {
            TRACKED_EXTERNALLY
        };
        format!("{lead}{shown}")
    }

    /// Reads what [`ElsewhereLink::words`] wrote; `None` when `s` is not that.
    pub fn read(s: &str) -> Option<ElsewhereLink> {
        let t = s.trim();
        let (rest, github) = match (
            t.strip_prefix(TRACKED_IN),
            t.strip_prefix(TRACKED_EXTERNALLY),
        ) {
            (Some(r), _) => (r.trim(), true),
            (_, Some(r)) => (r.trim(), false),
            _ => return None,
        };
        let (reference, url) = match rest.strip_prefix('[').and_then(|r| r.split_once("](")) {
            Some((text, url)) => (text, Some(url.trim_end_matches(')'))),
            None => match rest.strip_suffix(')').and_then(|r| r.rsplit_once(" (")) {
                Some((text, url)) => (text, Some(url)),
                None => (rest, None),
            },
        };
        let url = url.or_else(|| reference.starts_with("http").then_some(reference));
        Some(ElsewhereLink {
            reference: reference.to_string(),
            url: url.map(str::to_string),
            github,
        })
    }

    /// The link of `r`, with `url` (a read web URL) before the written one.
    pub fn of(r: &TrackerRef, url: Option<&str>) -> ElsewhereLink {
        ElsewhereLink {
            reference: r.short(),
            url: url
                .filter(|u| !u.is_empty())
                .or(r.url())
                .map(str::to_string),
            github: r.github().is_some(),
        }
    }
}

/// An issue or pull request pmtrack does not manage, read because an item
/// is tracked there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referenced {
    /// Open; done (closed as completed, or a merged pull request); not
    /// planned (closed otherwise).
    pub state: TrackState,
    /// Its web URL.
    pub url: String,
}

/// An action item's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemType {
    /// Find out more (root cause, audit, analysis).
    Investigate,
    /// Reduce the harm while the cause remains (failover, rollback, limits).
    Mitigate,
    /// Fix what broke (restore, renew, patch, upgrade).
    Repair,
    /// See it sooner (alerts, monitoring, dashboards).
    Detect,
    /// Make it not happen again (validation, tests, automation, guards).
    Prevent,
    /// Change how people work (reviews, training, on-call, policy).
    Process,
    /// Write it down (runbooks, docs).
    Documentation,
}

impl ItemType {
    /// Every type, in the order a wording is tried against them.
    pub const ALL: [ItemType; 7] = [
        ItemType::Documentation,
        ItemType::Detect,
        ItemType::Investigate,
        ItemType::Mitigate,
        ItemType::Repair,
        ItemType::Prevent,
        ItemType::Process,
    ];

    /// Its name, as written in JSON, labels and config.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemType::Investigate => "investigate",
            ItemType::Mitigate => "mitigate",
            ItemType::Repair => "repair",
            ItemType::Detect => "detect",
            ItemType::Prevent => "prevent",
            ItemType::Process => "process",
            ItemType::Documentation => "documentation",
        }
    }

    /// The type a Type cell names (`Prevent`, `mitigation`, `Detection`, …).
    pub fn named(cell: &str) -> Option<ItemType> {
        let w = cell.trim().to_lowercase();
        let w = w.trim_matches(|c: char| !c.is_alphanumeric());
        [
            ("investigat", ItemType::Investigate),
            ("mitigat", ItemType::Mitigate),
            ("repair", ItemType::Repair),
            ("detect", ItemType::Detect),
            ("prevent", ItemType::Prevent),
            ("process", ItemType::Process),
            ("doc", ItemType::Documentation),
        ]
        .into_iter()
        .find(|(stem, _)| w.starts_with(stem))
        .map(|(_, t)| t)
    }
}
