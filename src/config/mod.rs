//! The configuration file (`.pmtrack.yml`): YAML text in, [`Config`] out.
//!
//! PURE: this module never reads files or the environment; the caller passes
//! the text and the path to name in messages. Every table is strict
//! (`deny_unknown_fields`) and every key has a default, so an empty file is a
//! valid configuration. Problems are [`Error::Config`] at `path:line:col`, with
//! a message that says what is wrong and how to fix it.
//!
//! Keep `examples/pmtrack.yml` (every key at its default) and `docs/config.md`
//! (a table per section) in step: tests at the foot of this file check both.

mod validate;

use std::collections::BTreeMap;
use std::path::Path;
use validate::{find_key, validate, Invalid};

use serde::{Deserialize, Serialize};
use serde_saphyr::MessageFormatter as _;

use crate::error::{Error, Location, Result};
use crate::model::{Horizon, Priority};

/// The configuration file's name at the repository root.
pub const DEFAULT_FILE: &str = ".pmtrack.yml";

/// Where the full reference of every key lives (named in error hints).
const DOCS: &str = "docs/config.md";

/// GitHub rejects label names longer than this.
const MAX_LABEL_LEN: usize = 50;
/// Largest `github.write_interval` (and `PMTRACK_WRITE_INTERVAL`), seconds.
pub const MAX_WRITE_INTERVAL: f64 = 60.0;
/// Default `github.max_writes`: below GitHub's 500 content-creating
/// requests an hour, with room for a retry or a report.
pub const DEFAULT_MAX_WRITES: u32 = 450;
/// Largest `max_file_size`: 1 GiB.
const MAX_FILE_SIZE: u64 = 1 << 30;
/// Largest `report.weeks`: ten years.
const MAX_WEEKS: u32 = 520;
/// Largest number of days in `due`: ten years.
const MAX_DUE_DAYS: u32 = 3650;

/// Everything pmtrack can be told in `.pmtrack.yml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Globs (relative to the repository root) of files that are postmortems.
    pub include: Vec<String>,
    /// Globs of files never read, even when `include` matches.
    pub exclude: Vec<String>,
    /// `OWNER/NAME` of the repository that gets the issues (default: from
    /// the `origin` remote or `GITHUB_REPOSITORY`).
    pub repo: Option<String>,
    /// GitHub REST API base URL (default: `GITHUB_API_URL` or api.github.com).
    pub api_url: Option<String>,
    /// Branch used in links to documents (default: the repository's default
    /// branch).
    pub branch: Option<String>,
    /// Larger files are skipped with a warning (bytes).
    pub max_file_size: u64,
    /// Postmortems whose incident started before this date are read, listed
    /// and counted as "not tracked", but get no issue, no label and no
    /// write-back (adopting pmtrack on a repository with years of them).
    pub since: Option<chrono::NaiveDate>,
    /// Which labels issues get.
    pub labels: Labels,
    /// Default due dates, in days after the incident start.
    pub due: Due,
    /// What to do with the issue of an item that was deleted from its document.
    pub removed_items: RemovedPolicy,
    /// Which milestone issues get.
    pub milestones: MilestoneMode,
    /// Write issue links back into the documents (and commit them).
    pub write_back: bool,
    /// When writing back, also keep a status block in the section.
    pub status_block: bool,
    /// One tracking issue per postmortem, its items' issues as sub-issues.
    pub tracking_issue: bool,
    /// More words that say an action item's type, per type (on top of
    /// pmtrack's own).
    pub types: BTreeMap<crate::model::ItemType, Vec<String>>,
    /// Identity of write-back commits.
    pub commit: CommitCfg,
    /// How pmtrack talks to GitHub.
    pub github: GithubCfg,
    /// The weekly report.
    pub report: ReportCfg,
    /// What `pmtrack check` treats as an error.
    pub check: CheckCfg,
}

impl Default for Config {
    fn default() -> Self {
        let strings = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect();
        Config {
            include: strings(&[
                "postmortems/**",
                "docs/postmortems/**",
                "**/*postmortem*",
                "**/*post-mortem*",
                "**/*postmortems*/**",
            ]),
            exclude: strings(&[
                "**/node_modules/**",
                "**/target/**",
                "**/templates/**",
                "**/TEMPLATE*",
            ]),
            repo: None,
            api_url: None,
            branch: None,
            max_file_size: 8 * 1024 * 1024,
            since: None,
            labels: Labels::default(),
            due: Due::default(),
            removed_items: RemovedPolicy::default(),
            milestones: MilestoneMode::default(),
            write_back: false,
            status_block: true,
            tracking_issue: true,
            types: BTreeMap::new(),
            commit: CommitCfg::default(),
            github: GithubCfg::default(),
            report: ReportCfg::default(),
            check: CheckCfg::default(),
        }
    }
}

impl Config {
    /// Whether pmtrack tracks `pm` (gives its items issues, labels and
    /// write-back): always without `since`; else when its incident started
    /// on or after `since`, or its incident date is unknown.
    pub fn tracks(&self, pm: &crate::model::Postmortem) -> bool {
        match (self.since, pm.incident_start) {
            (Some(since), Some(start)) => start >= since,
            _ => true,
        }
    }
}

/// `labels:`: the labels put on issues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Labels {
    /// Put on every issue pmtrack creates.
    pub base: String,
    /// Add a horizon label (`pm:immediate`, `pm:short-term` …).
    pub horizon: bool,
    /// Prefix of horizon labels.
    pub horizon_prefix: String,
    /// Add a `P0`..`P3` label when the item has a priority.
    pub priority: bool,
    /// Group name (matched case-insensitively) → label.
    pub groups: BTreeMap<String, String>,
    /// Put on every issue as well.
    pub extra: Vec<String>,
    /// Add a `type:<type>` label (`type:detect` …) when the item has a type.
    pub types: bool,
}

impl Default for Labels {
    fn default() -> Self {
        Labels {
            base: "postmortem".to_owned(),
            horizon: true,
            horizon_prefix: "pm:".to_owned(),
            priority: true,
            groups: BTreeMap::new(),
            extra: Vec::new(),
            types: false,
        }
    }
}

impl Labels {
    /// The label for an item's horizon (`pm:short-term`), if horizon labels
    /// are on.
    pub fn horizon_label(&self, horizon: Horizon) -> Option<String> {
        self.horizon
            .then(|| format!("{}{}", self.horizon_prefix, horizon.label_name()))
    }

    /// The label configured for a group, matching the name case-insensitively
    /// and ignoring surrounding whitespace.
    pub fn group_label(&self, group: &str) -> Option<&str> {
        let group = group.trim();
        self.groups
            .iter()
            .find(|(name, _)| name.trim().to_lowercase() == group.to_lowercase())
            .map(|(_, label)| label.as_str())
    }
}

/// `due:`: default due dates, in days after the incident start.
///
/// An explicit due date on an item wins; then its horizon; then its priority
/// (when that priority has a value); then `default`. See [`Due::days_for`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Due {
    /// Items under an "immediate" group.
    pub immediate: u32,
    /// Items under a "short term" group.
    pub short_term: u32,
    /// Items under a "medium term" group.
    pub medium_term: u32,
    /// Items under a "long term" group.
    pub long_term: u32,
    /// Items with neither horizon nor (configured) priority.
    pub default: u32,
    /// P0 items without a horizon (`null`: fall through to `default`).
    pub p0: Option<u32>,
    /// P1 items without a horizon.
    pub p1: Option<u32>,
    /// P2 items without a horizon.
    pub p2: Option<u32>,
    /// P3 items without a horizon.
    pub p3: Option<u32>,
}

impl Default for Due {
    fn default() -> Self {
        Due {
            immediate: 7,
            short_term: 30,
            medium_term: 60,
            long_term: 90,
            default: 30,
            p0: Some(7),
            p1: Some(14),
            p2: Some(30),
            p3: Some(90),
        }
    }
}

impl Due {
    /// Days after the incident start an item without an explicit due date is
    /// due: by horizon if it has one, else by priority if that priority has a
    /// value, else `default`.
    pub fn days_for(&self, horizon: Option<Horizon>, priority: Option<Priority>) -> u32 {
        if let Some(h) = horizon {
            return match h {
                Horizon::Immediate => self.immediate,
                Horizon::ShortTerm => self.short_term,
                Horizon::MediumTerm => self.medium_term,
                Horizon::LongTerm => self.long_term,
            };
        }
        let by_priority = priority.and_then(|p| match p {
            Priority::P0 => self.p0,
            Priority::P1 => self.p1,
            Priority::P2 => self.p2,
            Priority::P3 => self.p3,
        });
        by_priority.unwrap_or(self.default)
    }
}

/// `removed_items:`: what happens to the open issue of an item that was
/// deleted from its document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RemovedPolicy {
    /// Close it as not planned, with a comment saying why.
    #[default]
    Close,
    /// Leave it open, with a comment saying the item was removed.
    Comment,
    /// Leave it alone.
    Ignore,
}

/// `milestones:`: which milestone issues are put in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneMode {
    /// No milestones.
    #[default]
    None,
    /// One milestone per postmortem (its title).
    Postmortem,
    /// One milestone per month of due dates (`2026-11`).
    DueMonth,
}

/// `commit:`: identity of the commits that write links back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CommitCfg {
    /// Author and committer name.
    pub author_name: String,
    /// Author and committer email.
    pub author_email: String,
}

impl Default for CommitCfg {
    fn default() -> Self {
        CommitCfg {
            author_name: "pmtrack[bot]".to_owned(),
            author_email: "pmtrack[bot]@users.noreply.github.com".to_owned(),
        }
    }
}

/// `github:`: how pmtrack talks to GitHub.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GithubCfg {
    /// Seconds to wait between writes (GitHub asks for ≥ 1 s). Must be ≥ 0.
    pub write_interval: f64,
    /// Path of the ETag cache file (default: in the user cache directory).
    pub etag_cache: Option<String>,
    /// Items per page when listing (1..=100).
    pub per_page: u8,
    /// Most write requests one sync sends (≥ 1): the rest of its changes
    /// wait for the next run. Below GitHub's 500 content-creating requests
    /// an hour by default.
    pub max_writes: u32,
}

impl Default for GithubCfg {
    fn default() -> Self {
        GithubCfg {
            write_interval: 1.0,
            etag_cache: None,
            per_page: 100,
            max_writes: DEFAULT_MAX_WRITES,
        }
    }
}

/// `report:`: the weekly report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportCfg {
    /// `@`-mention owners of overdue items.
    pub mention_owners: bool,
    /// Title of the report (and of its issue).
    pub title: String,
    /// Label put on issues of overdue items.
    pub overdue_label: String,
    /// Weeks of history in the trend chart.
    pub weeks: u32,
}

impl Default for ReportCfg {
    fn default() -> Self {
        ReportCfg {
            mention_owners: false,
            title: "Postmortem follow-ups: weekly report".to_owned(),
            overdue_label: "overdue".to_owned(),
            weeks: 12,
        }
    }
}

/// `check:`: what `pmtrack check` reports as an error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CheckCfg {
    /// Every item names an owner.
    pub require_owner: bool,
    /// Every item has an explicit due date.
    pub require_due: bool,
    /// Explicit due dates are not before the incident start.
    pub due_after_incident: bool,
    /// Every postmortem has at least one action item.
    pub require_items: bool,
    /// Advice (never an error): an item starts with a verb.
    pub advice_action: bool,
    /// Advice: an item is specific ("Improve monitoring" alone is not).
    pub advice_specific: bool,
    /// Advice: no item is written twice in its postmortem.
    pub advice_duplicates: bool,
    /// Advice: no item promises what an open item of another postmortem
    /// already promised.
    pub advice_recurring: bool,
}

impl Default for CheckCfg {
    fn default() -> Self {
        CheckCfg {
            require_owner: false,
            require_due: false,
            due_after_incident: true,
            require_items: true,
            advice_action: true,
            advice_specific: true,
            advice_duplicates: true,
            advice_recurring: true,
        }
    }
}

/// [`parse_config`] of a file's bytes: text that is not UTF-8 is an error
/// at the line and column of its first bad byte.
pub fn parse_config_bytes(path: &Path, bytes: &[u8]) -> Result<Config> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse_config(path, text),
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
            let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            let col = String::from_utf8_lossy(&good[line_start..]).chars().count() + 1;
            Err(Error::Config {
                at: location(path, line, col),
                message: "this file is not UTF-8 text here; save it as UTF-8".into(),
            })
        }
    }
}

/// Parse the text of a configuration file. `path_for_messages` is only used
/// to name the file in errors. Empty text (or only comments) gives
/// [`Config::default()`].
pub fn parse_config(path_for_messages: &Path, text: &str) -> Result<Config> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    if is_blank_yaml(text) {
        return Ok(Config::default());
    }
    let config: Config =
        serde_saphyr::from_str(text).map_err(|e| yaml_error(path_for_messages, text, &e))?;
    validate(&config).map_err(
        |Invalid {
             key_path,
             item,
             message,
         }| {
            let (line, col) = find_key(text, &key_path, item.as_deref()).unwrap_or((0, 0));
            Error::Config {
                at: location(path_for_messages, line, col),
                message,
            }
        },
    )?;
    Ok(config)
}

/// Only comments, blank lines and document markers: nothing to deserialise.
fn is_blank_yaml(text: &str) -> bool {
    text.lines().all(|l| {
        let l = l.trim();
        l.is_empty() || l.starts_with('#') || l == "---" || l == "..."
    })
}

fn location(path: &Path, line: usize, col: usize) -> Location {
    Location {
        path: path.to_path_buf(),
        line,
        col,
    }
}

/// Turn a serde-saphyr error into [`Error::Config`]: its location, its message
/// without the snippet, and a hint.
fn yaml_error(path: &Path, text: &str, e: &serde_saphyr::Error) -> Error {
    let e = e.without_snippet();
    let (line, col) = e
        .location()
        .map(|l| (l.line() as usize, l.column() as usize))
        .unwrap_or((0, 0));
    let message = match e {
        serde_saphyr::Error::SerdeUnknownField {
            field, expected, ..
        } => unknown_key_message(field, expected),
        serde_saphyr::Error::DuplicateMappingKey { key, .. } => {
            let key = key.as_deref().unwrap_or("a key");
            format!("`{key}` is set twice in the same table; keep one of them")
        }
        _ => {
            let raw = serde_saphyr::DefaultMessageFormatter.format_message(e);
            match key_and_value_at(text, line, col) {
                Some((key, value)) if !value.is_empty() && !raw.contains(value) => format!(
                    "`{key}`: {raw} (got `{value}`); fix the value (see {DOCS} for its type)"
                ),
                Some((key, _)) => {
                    format!("`{key}`: {raw}; fix the value (see {DOCS} for its type)")
                }
                None => format!("{raw}; see {DOCS} for the file's form"),
            }
        }
    };
    Error::Config {
        at: location(path, line, col),
        message,
    }
}

fn unknown_key_message(field: &str, expected: &[&str]) -> String {
    let table = match expected.first().copied() {
        Some("include") => "the top level".to_owned(),
        Some("base") => "`labels`".to_owned(),
        Some("immediate") => "`due`".to_owned(),
        Some("author_name") => "`commit`".to_owned(),
        Some("write_interval") => "`github`".to_owned(),
        Some("mention_owners") => "`report`".to_owned(),
        Some("require_owner") => "`check`".to_owned(),
        _ => "this table".to_owned(),
    };
    let suggestion = expected
        .iter()
        .map(|k| (strsim::jaro_winkler(field, k), *k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| format!("did you mean `{k}`? "))
        .unwrap_or_default();
    format!(
        "unknown key `{field}` in {table}; {suggestion}valid keys: {} (see {DOCS})",
        expected.join(", ")
    )
}

/// The mapping key whose value sits at 1-based `line`:`col`, and that value
/// as written: `  write_back: maybe` → (`write_back`, `maybe`);
/// `due: {immediate: soon}` at `soon` → (`immediate`, `soon`).
fn key_and_value_at(text: &str, line: usize, col: usize) -> Option<(&str, &str)> {
    let l = text.lines().nth(line.checked_sub(1)?)?;
    let split = l
        .char_indices()
        .nth(col.saturating_sub(1))
        .map_or(l.len(), |(i, _)| i);
    let (before, after) = l.split_at(split);
    let before = before.trim_end();
    let before = before.strip_suffix(':')?.trim_end();
    let start = before
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .map_or(0, |i| i + 1);
    let key = &before[start..];
    let end = after.find([',', '}', ']', '#']).unwrap_or(after.len());
    let value = after[..end].trim();
    (!key.is_empty()).then_some((key, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config> {
        parse_config(Path::new(".pmtrack.yml"), text)
    }

    /// The error's (line, col, message), or a panic naming what parsed.
    fn err(text: &str) -> (usize, usize, String) {
        match parse(text) {
            Err(Error::Config { at, message }) => {
                assert_eq!(at.path, Path::new(".pmtrack.yml"));
                (at.line, at.col, message)
            }
            other => panic!("expected a config error for {text:?}, got {other:?}"),
        }
    }

    #[test]
    fn empty_or_comment_only_text_gives_defaults() {
        for text in [
            "",
            "\n\n",
            "# nothing here\n  # indented comment\n",
            "---\n",
            "\u{FEFF}",
        ] {
            assert_eq!(parse(text).unwrap(), Config::default(), "{text:?}");
        }
    }

    #[test]
    fn defaults_are_the_documented_values() {
        let c = Config::default();
        assert_eq!(c.max_file_size, 8_388_608);
        assert_eq!(c.include.len(), 5);
        assert_eq!(c.exclude[3], "**/TEMPLATE*");
        assert_eq!(c.labels.base, "postmortem");
        assert_eq!(c.due.p1, Some(14));
        assert_eq!(c.removed_items, RemovedPolicy::Close);
        assert_eq!(c.milestones, MilestoneMode::None);
        assert!(!c.write_back && c.status_block);
        assert_eq!(c.github.per_page, 100);
        assert_eq!(c.report.weeks, 12);
        assert!(c.check.require_items && !c.check.require_owner);
    }

    #[test]
    fn top_level_keys_override_defaults() {
        let c = parse(
            "include: [\"incidents/**\"]\nexclude: []\nrepo: octo-org/octo.repo_2\n\
             api_url: https://ghe.example.com/api/v3\nbranch: trunk\nmax_file_size: 1024\n\
             removed_items: comment\nmilestones: due_month\nwrite_back: true\nstatus_block: false\n",
        )
        .unwrap();
        assert_eq!(c.include, ["incidents/**"]);
        assert!(c.exclude.is_empty());
        assert_eq!(c.repo.as_deref(), Some("octo-org/octo.repo_2"));
        assert_eq!(c.api_url.as_deref(), Some("https://ghe.example.com/api/v3"));
        assert_eq!(c.branch.as_deref(), Some("trunk"));
        assert_eq!(c.max_file_size, 1024);
        assert_eq!(c.removed_items, RemovedPolicy::Comment);
        assert_eq!(c.milestones, MilestoneMode::DueMonth);
        assert!(c.write_back);
        assert!(!c.status_block);
        // Untouched tables keep their defaults.
        assert_eq!(c.labels, Labels::default());
    }

    #[test]
    fn labels_section_overrides_and_keeps_unset_keys() {
        let c = parse(
            "labels:\n  base: incident\n  horizon: false\n  horizon_prefix: \"h/\"\n  \
             priority: false\n  groups:\n    Detection: area:detection\n  extra: [sre]\n",
        )
        .unwrap();
        let l = &c.labels;
        assert_eq!(l.base, "incident");
        assert!(!l.horizon && !l.priority);
        assert_eq!(l.horizon_prefix, "h/");
        assert_eq!(l.group_label("  DETECTION "), Some("area:detection"));
        assert_eq!(l.group_label("mitigation"), None);
        assert_eq!(l.extra, ["sre"]);
        assert_eq!(l.horizon_label(Horizon::ShortTerm), None);

        let partial = parse("labels:\n  base: incident\n").unwrap().labels;
        assert_eq!(partial.horizon_prefix, "pm:");
        assert_eq!(
            partial.horizon_label(Horizon::ShortTerm).as_deref(),
            Some("pm:short-term")
        );
    }

    #[test]
    fn due_section_overrides_and_null_priority_falls_through() {
        let c = parse(
            "due:\n  immediate: 1\n  short_term: 2\n  medium_term: 3\n  long_term: 4\n  \
             default: 5\n  p0: 6\n  p1: null\n  p2: 8\n  p3: ~\n",
        )
        .unwrap();
        let d = &c.due;
        assert_eq!(
            (d.immediate, d.short_term, d.medium_term, d.long_term),
            (1, 2, 3, 4)
        );
        assert_eq!(
            (d.default, d.p0, d.p1, d.p2, d.p3),
            (5, Some(6), None, Some(8), None)
        );
    }

    #[test]
    fn commit_github_report_check_sections_override() {
        let c = parse(
            "commit: {author_name: Bot, author_email: bot@example.com}\n\
             github:\n  write_interval: 0\n  etag_cache: /tmp/etags.json\n  per_page: 50\n\
             report:\n  mention_owners: true\n  title: Weekly\n  overdue_label: late\n  weeks: 4\n\
             check:\n  require_owner: true\n  require_due: true\n  due_after_incident: false\n  require_items: false\n",
        )
        .unwrap();
        assert_eq!(c.commit.author_name, "Bot");
        assert_eq!(c.commit.author_email, "bot@example.com");
        assert_eq!(c.github.write_interval, 0.0);
        assert_eq!(c.github.etag_cache.as_deref(), Some("/tmp/etags.json"));
        assert_eq!(c.github.per_page, 50);
        assert_eq!(
            c.report,
            ReportCfg {
                mention_owners: true,
                title: "Weekly".into(),
                overdue_label: "late".into(),
                weeks: 4
            }
        );
        assert_eq!(
            c.check,
            CheckCfg {
                require_owner: true,
                require_due: true,
                due_after_incident: false,
                require_items: false,
                ..CheckCfg::default()
            }
        );
    }

    #[test]
    fn max_writes_defaults_below_githubs_hourly_limit_and_can_be_raised() {
        assert_eq!(Config::default().github.max_writes, 450);
        let c = parse("github:\n  max_writes: 5000\n").unwrap();
        assert_eq!(c.github.max_writes, 5000);
        assert!(parse("github:\n  max_writes: -1\n").is_err());
    }

    #[test]
    fn write_interval_accepts_fractions() {
        let c = parse("github:\n  write_interval: 0.25\n").unwrap();
        assert_eq!(c.github.write_interval, 0.25);
    }

    #[test]
    fn unknown_nested_key_names_its_line_column_and_the_valid_keys() {
        let (line, col, msg) = err("write_back: true\nlabels:\n  base: pm\n  colour: red\n");
        assert_eq!((line, col), (4, 3), "{msg}");
        assert!(msg.contains("unknown key `colour` in `labels`"), "{msg}");
        for key in [
            "base",
            "horizon",
            "horizon_prefix",
            "priority",
            "groups",
            "extra",
        ] {
            assert!(msg.contains(key), "{msg} lacks {key}");
        }
        assert!(msg.contains(DOCS), "{msg}");
        assert!(!msg.contains('\n'), "no snippet: {msg}");
    }

    #[test]
    fn unknown_key_suggests_the_closest_valid_key() {
        let (line, col, msg) = err("\ngithub:\n  per_pag: 10\n");
        assert_eq!((line, col), (3, 3), "{msg}");
        assert!(msg.contains("in `github`"), "{msg}");
        assert!(msg.contains("did you mean `per_page`?"), "{msg}");

        let (line, _, msg) = err("# top\nwriteback: true\n");
        assert_eq!(line, 2);
        assert!(msg.contains("in the top level"), "{msg}");
        assert!(msg.contains("did you mean `write_back`?"), "{msg}");
    }

    #[test]
    fn unknown_key_is_named_in_every_table() {
        for (text, table) in [
            ("due: {soon: 1}\n", "`due`"),
            ("commit: {name: x}\n", "`commit`"),
            ("report: {owners: true}\n", "`report`"),
            ("check: {owner: true}\n", "`check`"),
        ] {
            let (line, _, msg) = err(text);
            assert_eq!(line, 1, "{msg}");
            assert!(msg.contains(&format!("in {table}")), "{msg}");
        }
    }

    #[test]
    fn wrong_type_reports_line_and_column_and_the_key() {
        let (line, col, msg) = err("status_block: true\nwrite_back: maybe\n");
        assert_eq!((line, col), (2, 13), "{msg}");
        assert!(msg.starts_with("`write_back`:"), "{msg}");
        assert!(msg.contains("maybe"), "{msg}");
        assert!(!msg.contains('\n'), "no snippet: {msg}");

        let (line, col, msg) = err("due: {immediate: soon}\n");
        assert_eq!((line, col), (1, 18), "{msg}");
        assert!(msg.starts_with("`immediate`:"), "{msg}");
        assert!(msg.contains("(got `soon`)"), "{msg}");

        let (line, col, msg) = err("labels:\n  extra: sre\n");
        assert_eq!((line, col), (2, 10), "{msg}");
        assert!(msg.starts_with("`extra`:"), "{msg}");
    }

    #[test]
    fn duplicate_key_points_at_the_second_one() {
        let (line, _, msg) = err("write_back: true\nstatus_block: false\nwrite_back: false\n");
        assert_eq!(line, 3, "{msg}");
        assert!(msg.contains("`write_back` is set twice"), "{msg}");
        assert!(!msg.contains("DuplicateKeyPolicy"), "{msg}");
    }

    #[test]
    fn unknown_enum_value_lists_the_choices() {
        let (line, _, msg) = err("\nremoved_items: delete\n");
        assert_eq!(line, 2);
        assert!(msg.contains("delete"), "{msg}");
        for v in ["close", "comment", "ignore"] {
            assert!(msg.contains(v), "{msg} lacks {v}");
        }
    }

    #[test]
    fn out_of_range_integer_is_located() {
        let (line, _, msg) = err("github:\n  per_page: 300\n");
        assert_eq!(line, 2, "{msg}");
        assert!(msg.contains("per_page"), "{msg}");
    }

    /// F6 and F11: `github.write_interval: 1e300` panicked; `report.weeks:
    /// 100000000` took 2 GB. Every numeric key has a documented range.
    #[test]
    fn f6_f11_every_numeric_key_has_a_range() {
        for (text, line, needle) in [
            ("github:\n  write_interval: 1e300\n", 2, "0 to 60 seconds"),
            ("report:\n  weeks: 100000000\n", 2, "1 to 520 weeks"),
            ("max_file_size: 99999999999\n", 1, "1 GiB"),
            ("due:\n  p2: 99999\n", 2, "0 to 3650"),
            ("due:\n  immediate: 4000\n", 2, "`due.immediate`"),
        ] {
            let (l, _, msg) = err(text);
            assert_eq!(l, line, "{text:?}: {msg}");
            assert!(msg.contains(needle), "{text:?}: {msg}");
        }
    }

    /// Invalid UTF-8 in `.pmtrack.yml` gave an error without a place.
    #[test]
    fn config_that_is_not_utf8_is_an_error_at_its_line_and_column() {
        let e = parse_config_bytes(Path::new(".pmtrack.yml"), b"repo: o/r\nbranch: ma\xffin\n")
            .unwrap_err();
        match e {
            Error::Config { at, message } => {
                assert_eq!((at.line, at.col), (2, 11));
                assert!(message.contains("not UTF-8"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn negative_write_interval_is_rejected_at_its_line() {
        let (line, col, msg) = err("github:\n  per_page: 10\n  write_interval: -1\n");
        assert_eq!((line, col), (3, 3), "{msg}");
        assert!(msg.contains("0 to 60 seconds"), "{msg}");
    }

    #[test]
    fn per_page_outside_1_to_100_is_rejected_at_its_line() {
        let (line, col, msg) = err("report: {weeks: 3}\ngithub:\n  per_page: 0\n");
        assert_eq!((line, col), (3, 3), "{msg}");
        assert!(msg.contains("1 to 100"), "{msg}");
        let (line, _, _) = err("github: {per_page: 101}\n");
        assert_eq!(line, 1);
    }

    #[test]
    fn repo_must_be_owner_slash_name() {
        for bad in [
            "octo-org",
            "https://github.com/octo-org/octo-repo",
            "octo-org/octo-repo.git/x",
            "-octo/repo",
            "octo org/repo",
            "octo/..",
            "/repo",
        ] {
            let (line, col, msg) = err(&format!("# c\nrepo: \"{bad}\"\n"));
            assert_eq!((line, col), (2, 1), "{bad}: {msg}");
            assert!(msg.contains("OWNER/NAME"), "{msg}");
        }
        assert!(parse("repo: my-org/my.repo-1_x\n").is_ok());
    }

    #[test]
    fn other_semantic_errors_name_their_key() {
        for (text, line, needle) in [
            ("include: []\n", 1, "`include` is empty"),
            ("exclude:\n  - \"a/**\"\n  - \"[z-a\"\n", 3, "not a valid glob"),
            ("api_url: ghe.example.com\n", 1, "http(s) URL"),
            ("branch: \"\"\n", 1, "branch"),
            ("max_file_size: 0\n", 1, "max_file_size"),
            ("labels:\n  extra: [\"\"]\n", 2, "labels.extra"),
            (
                "labels:\n  groups:\n    Detection: area-detection-and-alerting-and-paging-and-more-words\n",
                3,
                "longer than GitHub's 50",
            ),
            ("report:\n  overdue_label: \"\"\n", 2, "report.overdue_label"),
            ("report:\n  weeks: 0\n", 2, "report.weeks"),
            ("commit:\n  author_email: \" \"\n", 2, "commit.author_email"),
            ("github:\n  etag_cache: \"\"\n", 2, "github.etag_cache"),
            ("github:\n  write_interval: .nan\n", 2, "write_interval"),
            ("github:\n  per_page: 10\n  max_writes: 0\n", 3, "github.max_writes"),

        ] {
            let (l, _, msg) = err(text);
            assert_eq!(l, line, "{text:?}: {msg}");
            assert!(msg.contains(needle), "{text:?}: {msg}");
        }
    }

    #[test]
    fn since_leaves_older_postmortems_untracked_and_undated_ones_tracked() {
        let pm = |text: &str| crate::parse::parse("pm.md", text);
        let old = pm("# A\n\nDate: 2023-12-31\n\n## Action items\n- x\n");
        let new = pm("# B\n\nDate: 2024-01-01\n\n## Action items\n- x\n");
        let undated = pm("# C\n\n## Action items\n- x\n");
        let mut c = Config::default();
        assert!(c.tracks(&old) && c.tracks(&new) && c.tracks(&undated));
        c = parse_config(Path::new(".pmtrack.yml"), "since: 2024-01-01\n").unwrap();
        assert!(!c.tracks(&old));
        assert!(c.tracks(&new) && c.tracks(&undated));
        let (line, col, msg) = err("since: 2024-13-01\n");
        assert_eq!((line, col), (1, 8));
        assert!(msg.contains("`since`"), "{msg}");
    }

    #[test]
    fn find_key_skips_comments_and_longer_names() {
        let text = "# per_page: 1\nlabels:\n  database: x\n  base: y\n";
        assert_eq!(find_key(text, &["labels", "base"], None), Some((4, 3)));
        assert_eq!(find_key(text, &["per_page"], None), None);
        assert_eq!(
            find_key("github: {per_page: 0}", &["github", "per_page"], None),
            Some((1, 10))
        );
        assert_eq!(find_key(text, &["labels"], Some("y")), Some((4, 9)));
    }

    #[test]
    fn days_for_prefers_horizon_then_priority_then_default() {
        let d = Due {
            immediate: 1,
            short_term: 2,
            medium_term: 3,
            long_term: 4,
            default: 99,
            p0: Some(10),
            p1: None,
            p2: Some(30),
            p3: Some(40),
        };
        // Horizon wins over priority.
        assert_eq!(d.days_for(Some(Horizon::Immediate), Some(Priority::P3)), 1);
        assert_eq!(d.days_for(Some(Horizon::ShortTerm), None), 2);
        assert_eq!(d.days_for(Some(Horizon::MediumTerm), Some(Priority::P0)), 3);
        assert_eq!(d.days_for(Some(Horizon::LongTerm), None), 4);
        // Then priority.
        assert_eq!(d.days_for(None, Some(Priority::P0)), 10);
        assert_eq!(d.days_for(None, Some(Priority::P2)), 30);
        assert_eq!(d.days_for(None, Some(Priority::P3)), 40);
        // A priority without a value, or none at all, falls to default.
        assert_eq!(d.days_for(None, Some(Priority::P1)), 99);
        assert_eq!(d.days_for(None, None), 99);
    }

    const EXAMPLE: &str = include_str!("../../examples/pmtrack.yml");
    const REFERENCE: &str = include_str!("../../docs/config.md");
    const README: &str = include_str!("../../README.md");

    #[test]
    fn readme_carries_every_row_of_the_reference() {
        for row in REFERENCE.lines().filter(|l| l.starts_with("| `")) {
            assert!(
                README.contains(row),
                "README.md lacks the config reference row: {row}"
            );
        }
    }

    #[test]
    fn example_file_is_exactly_the_defaults() {
        let c = parse_config(Path::new("examples/pmtrack.yml"), EXAMPLE).unwrap();
        assert_eq!(c, Config::default());
    }

    /// Dotted key paths (`labels.base`) of every live key in the example.
    fn example_keys() -> Vec<String> {
        let mut keys = Vec::new();
        let mut table: Option<String> = None;
        for line in EXAMPLE.lines() {
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with('-') {
                continue;
            }
            let Some((key, _)) = trimmed.split_once(':') else {
                continue;
            };
            if line.starts_with(' ') {
                let parent = table.as_deref().expect("nested key under a table");
                keys.push(format!("{parent}.{key}"));
            } else {
                table = Some(key.to_owned());
                keys.push(key.to_owned());
            }
        }
        keys
    }

    /// Dotted key paths of every field of `Config`, from its serialised form.
    fn config_keys() -> Vec<String> {
        let value = serde_json::to_value(Config::default()).unwrap();
        let mut keys = Vec::new();
        for (key, v) in value.as_object().unwrap() {
            keys.push(key.clone());
            if let Some(table) = v.as_object().filter(|_| key != "groups") {
                keys.extend(table.keys().map(|k| format!("{key}.{k}")));
            }
        }
        keys
    }

    #[test]
    fn example_file_sets_every_key() {
        let example = example_keys();
        for key in config_keys() {
            assert!(example.contains(&key), "examples/pmtrack.yml lacks `{key}`");
        }
    }

    #[test]
    fn reference_rows_show_each_default() {
        let value = serde_json::to_value(Config::default()).unwrap();
        let mut leaves: Vec<(String, &serde_json::Value)> = Vec::new();
        for (key, v) in value.as_object().unwrap() {
            match v.as_object().filter(|_| key != "groups") {
                Some(table) => leaves.extend(table.iter().map(|(k, v)| (format!("{key}.{k}"), v))),
                None => leaves.push((key.clone(), v)),
            }
        }
        for (key, v) in leaves {
            let row = REFERENCE
                .lines()
                .find(|l| l.starts_with(&format!("| `{key}` |")))
                .unwrap_or_else(|| panic!("docs/config.md has no table row for `{key}`"));
            let shown: Vec<String> = match v {
                serde_json::Value::Array(items) if items.is_empty() => vec!["[]".into()],
                serde_json::Value::Array(items) => items.iter().map(|i| i.to_string()).collect(),
                serde_json::Value::Object(m) if m.is_empty() => vec!["{}".into()],
                serde_json::Value::String(s) => vec![s.clone()],
                serde_json::Value::Number(n) if n.is_f64() => {
                    vec![format!("{:?}", n.as_f64().unwrap())]
                }
                other => vec![other.to_string()],
            };
            // Cells: "", key, type, default, meaning; an escaped `\|` is not a border.
            let cells: Vec<String> = row
                .replace("\\|", "/")
                .split('|')
                .map(str::to_owned)
                .collect();
            let default = &cells[3];
            for s in shown {
                assert!(
                    default.contains(&s),
                    "docs/config.md row for `{key}` lacks its default {s}: {row}"
                );
            }
        }
    }

    #[test]
    fn reference_documents_every_key_of_the_example() {
        let keys = example_keys();
        assert!(keys.len() > 40, "the key scan found too few keys: {keys:?}");
        for key in keys {
            assert!(
                REFERENCE.contains(&format!("`{key}`")),
                "docs/config.md does not document `{key}`"
            );
        }
    }
}
