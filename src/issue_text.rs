//! PURE task → GitHub issue text, and back: the issue title (≤ 256
//! characters), the body (detail, a short list of facts, one parseable
//! `Due:` line, and a hidden marker as last line), and readers for the marker
//! and the `Due:` line.
//!
//! The marker is how pmtrack finds its issues again:
//! `<!-- pmtrack key=<key> path=<path> [closed=pmtrack] [removed=commented]
//! [milestone=<title>] -->`. Values are percent-encoded (`%`, whitespace,
//! `<`, `>`), so a value can never end the comment.
//!
//! Everything copied from a document into a body has its `@login` mentions
//! wrapped in backticks, so syncing never pings anyone who is not assigned.
//! The body depends only on its inputs (no clock), so re-syncing an unchanged
//! document renders the same bytes.
//!
//! No IO, no clock, no network.

use chrono::NaiveDate;

use crate::model::{Postmortem, Task, TaskKey};
use crate::parse::text::{collapse, cut, without_refs};

pub mod tracking;

/// GitHub rejects longer issue titles (422). Counted in UTF-16 code units,
/// which is never less than the count of characters, so the cut is safe
/// whichever GitHub counts.
pub const MAX_TITLE: usize = 256;

/// GitHub rejects bodies over 65 536 characters. The body is built to stay
/// under this (in UTF-16 code units, never fewer than characters), leaving
/// room for the backticks that neutralise mentions.
const MAX_BODY: usize = 60_000;

/// The whole title repeated in the body (when the issue title was cut) is
/// cut to this; the detail gets what is left of [`MAX_BODY`].
const MAX_FULL_TITLE: usize = 2_000;

/// Each fact (postmortem title, group, owners) is cut to this.
const MAX_FACT: usize = 300;

/// Words of the detail used as the title of an item without one.
const TITLE_WORDS_FROM_DETAIL: usize = 12;

/// Start of the hidden marker.
const MARKER_OPEN: &str = "<!-- pmtrack ";

/// End of the hidden marker.
const MARKER_CLOSE: &str = "-->";

/// The issue title: the task's title without a trailing issue reference, on
/// one line, cut at a word boundary with `…` when longer than GitHub allows.
/// An item without a title is named by the first words of its detail.
pub fn issue_title(task: &Task) -> String {
    // The owner, due date and priority are in the body, labels and
    // assignees: the title keeps only the action.
    let title = collapse(&crate::parse::text::strip_metadata(&without_refs(
        &task.title,
    )));
    if visible(&title) {
        return cut(&title, MAX_TITLE);
    }
    let detail = without_refs(&task.detail);
    let words: Vec<&str> = detail.split_whitespace().filter(|w| visible(w)).collect();
    if words.is_empty() {
        return "Untitled action item".to_owned();
    }
    let mut t = words[..words.len().min(TITLE_WORDS_FROM_DETAIL)].join(" ");
    if words.len() > TITLE_WORDS_FROM_DETAIL {
        t.push('…');
    }
    cut(&t, MAX_TITLE)
}

/// Whether `s` shows anything: not only white space and zero-width
/// characters (an issue title of those looks empty on GitHub).
fn visible(s: &str) -> bool {
    s.chars().any(|c| {
        !c.is_whitespace()
            && !matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}' | '\u{034F}' | '\u{180E}')
    })
}

/// Where the issue body links to, and who gets assigned.
#[derive(Debug, Clone, Copy)]
pub struct BodyContext<'a> {
    /// `owner/name` of the repository holding the documents.
    pub repo: &'a str,
    /// `https://github.com`, or a GitHub Enterprise server URL.
    pub server_url: &'a str,
    /// Branch the document links point at.
    pub branch: &'a str,
    /// Logins the issue is assigned to: these may be `@`-mentioned; every
    /// other `@login` copied from the document is neutralised.
    pub assignees: &'a [String],
}

/// The issue body: the detail, the facts (postmortem link, incident date,
/// group, owners, priority), one `Due: YYYY-MM-DD` (or `Due: none`) line that
/// [`parse_due`] reads back, and the hidden marker as the last line.
pub fn issue_body(
    task: &Task,
    pm: &Postmortem,
    due: Option<NaiveDate>,
    ctx: &BodyContext,
) -> String {
    let allowed = ctx.assignees;
    let facts = body_facts(task, pm, due, ctx);
    let mut out = String::new();
    let full_title = collapse(&without_refs(&task.title));
    if !full_title.is_empty() && full_title != issue_title(task) {
        // The issue title was cut: keep the whole title in the body.
        out.push_str(&neutralise_mentions(
            &cut(&full_title, MAX_FULL_TITLE),
            allowed,
        ));
        out.push_str("\n\n");
    }
    // A link write-back put on the item is its reference, not its text.
    let detail = without_refs(&task.detail);
    let detail = detail.trim();
    if !detail.is_empty() {
        // Whatever the item's size, the body fits what GitHub accepts.
        let room = MAX_BODY
            .saturating_sub(utf16_len(&out) + utf16_len(&facts))
            .max(1);
        out.push_str(&neutralise_mentions(&cut(detail, room), allowed));
        out.push_str("\n\n");
    }
    out.push_str(&facts);
    out
}

fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// The body's facts, `Due:` line and marker (everything but title and
/// detail), each fact cut to [`MAX_FACT`].
fn body_facts(task: &Task, pm: &Postmortem, due: Option<NaiveDate>, ctx: &BodyContext) -> String {
    let allowed = ctx.assignees;
    let mut out = String::new();

    let server = ctx.server_url.trim_end_matches('/');
    let at = format!("{}:{}", pm.path, task.line);
    let url = format!(
        "{server}/{}/blob/{}/{}#L{}",
        ctx.repo,
        url_path_encode(ctx.branch),
        url_path_encode(&pm.path),
        task.line
    );
    // Link text: GitHub never turns `@x` inside a link into a mention.
    out.push_str(&format!("- **Postmortem:** [{}]({url})", md_escape(&at)));
    let pm_title = collapse(&pm.title);
    if !pm_title.is_empty() {
        out.push_str(&format!(
            " {}",
            neutralise_mentions(&cut(&pm_title, MAX_FACT), allowed)
        ));
    }
    out.push('\n');
    if let Some(d) = pm.incident_start {
        out.push_str(&format!("- **Incident:** {d}\n"));
    }
    let group = collapse(&task.group);
    if !group.is_empty() {
        out.push_str(&format!(
            "- **Group:** {}\n",
            neutralise_mentions(&cut(&group, MAX_FACT), allowed)
        ));
    }
    if !task.owners.is_empty() {
        let label = if task.owners.len() == 1 {
            "Owner"
        } else {
            "Owners"
        };
        let owners: Vec<String> = task
            .owners
            .iter()
            .map(|o| {
                let login = o.trim().trim_start_matches('@');
                if allowed.iter().any(|a| a.eq_ignore_ascii_case(login)) {
                    format!("@{login}")
                } else {
                    neutralise_mentions(&cut(&collapse(o), MAX_FACT), allowed)
                }
            })
            .collect();
        out.push_str(&format!(
            "- **{label}:** {}\n",
            cut(&owners.join(", "), MAX_FACT * 4)
        ));
    }
    if let Some(p) = task.priority {
        out.push_str(&format!("- **Priority:** {}\n", p.as_str()));
    }
    out.push('\n');
    match due {
        Some(d) => out.push_str(&format!("Due: {d}\n")),
        None => out.push_str("Due: none\n"),
    }
    out.push('\n');
    out.push_str(&render_marker(&Marker {
        key: task.key.clone(),
        path: pm.path.clone(),
        closed_by_pmtrack: false,
        removed_commented: false,
        milestone: None,
    }));
    out
}

/// What the hidden marker at the foot of a managed issue's body says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    /// The task's key.
    pub key: TaskKey,
    /// The document the task is written in (`/`-separated).
    pub path: String,
    /// pmtrack closed the issue (`closed=pmtrack`); without it a closed issue
    /// was closed by a person, whose decision pmtrack keeps.
    pub closed_by_pmtrack: bool,
    /// pmtrack already commented that the item was removed from its document
    /// (`removed=commented`), so it does not comment again.
    pub removed_commented: bool,
    /// Title of the milestone pmtrack last put the issue in; a person moving
    /// the issue to another milestone is left alone until this changes.
    pub milestone: Option<String>,
}

/// Read the marker (the last one, if a body holds several). `None` when the
/// body has no marker with both `key` and `path`.
pub fn parse_marker(body: &str) -> Option<Marker> {
    let start = body.rfind(MARKER_OPEN)?;
    let rest = &body[start + MARKER_OPEN.len()..];
    let inner = &rest[..rest.find(MARKER_CLOSE)?];
    let mut key = None;
    let mut path = None;
    let mut m = Marker {
        key: TaskKey(String::new()),
        path: String::new(),
        closed_by_pmtrack: false,
        removed_commented: false,
        milestone: None,
    };
    for token in inner.split_whitespace() {
        let Some((name, value)) = token.split_once('=') else {
            continue;
        };
        match name {
            "key" if !value.is_empty() => key = Some(TaskKey(percent_decode(value))),
            "path" if !value.is_empty() => path = Some(percent_decode(value)),
            "closed" => m.closed_by_pmtrack = value == "pmtrack",
            "removed" => m.removed_commented = value == "commented",
            "milestone" if !value.is_empty() => m.milestone = Some(percent_decode(value)),
            // Unknown attributes come from a newer pmtrack: ignore them.
            _ => {}
        }
    }
    m.key = key?;
    m.path = path?;
    Some(m)
}

/// The marker as its one line.
fn render_marker(m: &Marker) -> String {
    let mut s = format!(
        "{MARKER_OPEN}key={} path={}",
        percent_encode(&m.key.0),
        percent_encode(&m.path)
    );
    if m.closed_by_pmtrack {
        s.push_str(" closed=pmtrack");
    }
    if m.removed_commented {
        s.push_str(" removed=commented");
    }
    if let Some(t) = &m.milestone {
        s.push_str(&format!(" milestone={}", percent_encode(t)));
    }
    s.push(' ');
    s.push_str(MARKER_CLOSE);
    s
}

/// The body with its (last) marker replaced by `marker`; a body without a
/// marker gets one appended on its own line.
pub fn with_marker(body: &str, marker: &Marker) -> String {
    let line = render_marker(marker);
    if let Some(start) = body.rfind(MARKER_OPEN) {
        if let Some(len) = body[start..].find(MARKER_CLOSE) {
            let end = start + len + MARKER_CLOSE.len();
            return format!("{}{line}{}", &body[..start], &body[end..]);
        }
    }
    let sep = if body.is_empty() || body.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    format!("{body}{sep}{line}")
}

/// The body with ` closed=pmtrack` added to (or removed from) its marker, so
/// a later run knows pmtrack, not a person, closed the issue. A body without
/// a marker is returned unchanged.
pub fn with_closed_flag(body: &str, closed: bool) -> String {
    match parse_marker(body) {
        Some(mut m) => {
            m.closed_by_pmtrack = closed;
            with_marker(body, &m)
        }
        None => body.to_owned(),
    }
}

/// The date of the last `Due: YYYY-MM-DD` line (at line start); `None` for
/// `Due: none` or no such line.
pub fn parse_due(body: &str) -> Option<NaiveDate> {
    let line = body.lines().rev().find_map(|l| l.strip_prefix("Due: "))?;
    NaiveDate::parse_from_str(line.trim(), "%Y-%m-%d").ok()
}

/// Wrap every `@login` (and `@org/team`) in backticks unless it is one of
/// `allowed` (case-insensitive); leave code spans, e-mail addresses and
/// URLs alone.
pub fn neutralise_mentions(s: &str, allowed: &[String]) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len() + 8);
    let mut i = 0;
    let mut copied = 0;
    while i < b.len() {
        match b[i] {
            b'`' => i = crate::parse::text::code_span_end(b, i),
            b'@' if i == 0 || !is_mention_blocker(b[i - 1]) => {
                let st = i + 1;
                let mut e = st;
                while e < b.len() && (b[e].is_ascii_alphanumeric() || b[e] == b'-') {
                    e += 1;
                }
                let mut team = false;
                if e + 1 < b.len() && b[e] == b'/' && b[e + 1].is_ascii_alphanumeric() {
                    team = true;
                    e += 1;
                    while e < b.len()
                        && (b[e].is_ascii_alphanumeric() || b[e] == b'-' || b[e] == b'_')
                    {
                        e += 1;
                    }
                }
                while e > st && b[e - 1] == b'-' {
                    e -= 1;
                }
                let login = &s[st..e];
                if login.is_empty() || !b[st].is_ascii_alphanumeric() {
                    i += 1;
                    continue;
                }
                let ok = !team && allowed.iter().any(|a| a.eq_ignore_ascii_case(login));
                if !ok {
                    // `\@x` renders as `@x`: the backslash goes, the code span
                    // stays.
                    let head = if i > copied && b[i - 1] == b'\\' {
                        i - 1
                    } else {
                        i
                    };
                    out.push_str(&s[copied..head]);
                    out.push_str("`@");
                    out.push_str(login);
                    out.push('`');
                    copied = e;
                }
                i = e;
            }
            _ => i += 1,
        }
    }
    out.push_str(&s[copied..]);
    out
}

/// A character before `@` that makes it not a mention (e-mail, URL path).
fn is_mention_blocker(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'/' | b'`' | b'-' | b'+')
}

/// Escape Markdown punctuation in plain text used as link text.
fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '[' | ']' | '*' | '_' | '`' | '<' | '>' | '#' | '|' | '~'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Percent-encode a repository path for a URL: everything but unreserved
/// characters and `/`.
fn url_path_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &byte in s.as_bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Percent-encode a marker value: `%`, whitespace, control characters, `<`
/// and `>` (so a value can never close the comment). Other characters,
/// non-ASCII included, stay readable.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '%' || c == '<' || c == '>' || c.is_whitespace() || c.is_control() {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Undo [`percent_encode`] (any `%XX`; a stray `%` stays as is).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && b[i + 1].is_ascii_hexdigit()
            && b[i + 2].is_ascii_hexdigit()
        {
            let hex = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
            out.push(hex(b[i + 1]) * 16 + hex(b[i + 2]));
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DocFormat, ItemKind, Priority, Span, Status};

    fn task(title: &str) -> Task {
        Task {
            issue_from_group: false,
            key: TaskKey("0123456789abcdef".into()),
            title: title.into(),
            detail: String::new(),
            group: String::new(),
            horizon: None,
            line: 12,
            span: Span::default(),
            kind: ItemKind::ListItem,
            owners: Vec::new(),
            due: None,
            priority: None,
            status: Status::Open,
            issue: None,
            repeats: Vec::new(),
            type_cell: None,
        }
    }

    fn pm(path: &str) -> Postmortem {
        Postmortem {
            path: path.into(),
            title: "DB outage".into(),
            incident_start: NaiveDate::from_ymd_opt(2024, 3, 1),
            section_found: true,
            format: DocFormat::Markdown,
            section: None,
            warnings: Vec::new(),
            tasks: Vec::new(),
        }
    }

    fn ctx(assignees: &[String]) -> BodyContext<'_> {
        BodyContext {
            repo: "acme/ops",
            server_url: "https://github.com",
            branch: "main",
            assignees,
        }
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn title_drops_a_trailing_issue_reference() {
        assert_eq!(
            issue_title(&task("Add disk alerts (#12)")),
            "Add disk alerts"
        );
        assert_eq!(issue_title(&task("Add  disk\nalerts")), "Add disk alerts");
    }

    #[test]
    fn long_title_is_cut_at_a_word_boundary_within_256_characters() {
        let long = "word ".repeat(100);
        let t = issue_title(&task(&long));
        assert!(t.chars().count() <= MAX_TITLE, "{}", t.chars().count());
        assert!(t.ends_with("word…"), "{t}");
        assert!(t.chars().count() > 240);
    }

    #[test]
    fn long_title_of_multibyte_characters_is_cut_on_a_char_boundary() {
        let long = "é".repeat(300);
        let t = issue_title(&task(&long));
        assert_eq!(t.chars().count(), MAX_TITLE);
        assert!(t.ends_with('…'));
        // Astral characters count two UTF-16 units each.
        let emoji = "🔥".repeat(200);
        let t = issue_title(&task(&emoji));
        assert!(t.encode_utf16().count() <= MAX_TITLE);
    }

    #[test]
    fn a_title_of_exactly_256_characters_is_kept_whole() {
        let exact = "a".repeat(MAX_TITLE);
        assert_eq!(issue_title(&task(&exact)), exact);
    }

    /// A title of zero-width characters became an invisible issue title.
    #[test]
    fn a_title_of_zero_width_characters_is_no_title() {
        let mut t = task("\u{200B}\u{200D}\u{FEFF}");
        assert_eq!(issue_title(&t), "Untitled action item");
        t.detail = "Rotate the keys".into();
        assert_eq!(issue_title(&t), "Rotate the keys");
    }

    #[test]
    fn empty_title_takes_the_first_words_of_the_detail() {
        let mut t = task("");
        t.detail = "one two three four five six seven eight nine ten eleven twelve thirteen".into();
        assert_eq!(
            issue_title(&t),
            "one two three four five six seven eight nine ten eleven twelve…"
        );
        t.detail = String::new();
        assert_eq!(issue_title(&t), "Untitled action item");
    }

    #[test]
    fn body_holds_facts_due_line_and_marker_last() {
        let mut t = task("Add disk alerts");
        t.detail = "Alert at 80% full.".into();
        t.group = "Short term".into();
        t.owners = vec!["alice".into(), "Dana Lee".into()];
        t.priority = Some(Priority::P1);
        let assignees = vec!["alice".to_owned()];
        let body = issue_body(
            &t,
            &pm("post mortems/db.md"),
            Some(date(2024, 3, 31)),
            &ctx(&assignees),
        );
        assert!(body.starts_with("Alert at 80% full.\n\n"), "{body}");
        assert!(
            body.contains("[post mortems/db.md:12](https://github.com/acme/ops/blob/main/post%20mortems/db.md#L12) DB outage"),
            "{body}"
        );
        assert!(body.contains("- **Incident:** 2024-03-01\n"));
        assert!(body.contains("- **Group:** Short term\n"));
        assert!(body.contains("- **Owners:** @alice, Dana Lee\n"));
        assert!(body.contains("- **Priority:** P1\n"));
        assert!(body.contains("\nDue: 2024-03-31\n"));
        assert_eq!(
            body.lines().last(),
            Some("<!-- pmtrack key=0123456789abcdef path=post%20mortems/db.md -->")
        );
    }

    #[test]
    fn body_is_the_same_for_the_same_inputs() {
        let t = task("Add disk alerts");
        let a = issue_body(&t, &pm("a.md"), None, &ctx(&[]));
        let b = issue_body(&t, &pm("a.md"), None, &ctx(&[]));
        assert_eq!(a, b);
        assert!(a.contains("\nDue: none\n"));
    }

    #[test]
    fn marker_and_due_round_trip() {
        let t = task("x");
        let body = issue_body(
            &t,
            &pm("docs/a b%c<d>-->.md"),
            Some(date(2025, 1, 31)),
            &ctx(&[]),
        );
        let m = parse_marker(&body).unwrap();
        assert_eq!(m.key, t.key);
        assert_eq!(m.path, "docs/a b%c<d>-->.md");
        assert!(!m.closed_by_pmtrack);
        assert_eq!(parse_due(&body), Some(date(2025, 1, 31)));
        assert_eq!(
            parse_due(&issue_body(&t, &pm("a.md"), None, &ctx(&[]))),
            None
        );
    }

    #[test]
    fn closed_flag_is_added_and_removed_inside_the_marker() {
        let body = issue_body(&task("x"), &pm("a.md"), None, &ctx(&[]));
        let closed = with_closed_flag(&body, true);
        assert!(closed.ends_with("path=a.md closed=pmtrack -->"), "{closed}");
        assert!(parse_marker(&closed).unwrap().closed_by_pmtrack);
        assert_eq!(with_closed_flag(&closed, false), body);
        assert_eq!(with_closed_flag(&closed, true), closed);
        assert_eq!(with_closed_flag("no marker", true), "no marker");
    }

    #[test]
    fn marker_keeps_milestone_and_removed_flag() {
        let body = issue_body(&task("x"), &pm("a.md"), None, &ctx(&[]));
        let mut m = parse_marker(&body).unwrap();
        m.removed_commented = true;
        m.milestone = Some("Due 2024-03".into());
        let b2 = with_marker(&body, &m);
        assert_eq!(parse_marker(&b2), Some(m.clone()));
        assert_eq!(b2.lines().count(), body.lines().count());
        let appended = with_marker("human text", &m);
        assert_eq!(parse_marker(&appended), Some(m));
        assert!(appended.starts_with("human text\n<!-- pmtrack"));
    }

    #[test]
    fn marker_needs_key_and_path_and_ignores_unknown_attributes() {
        assert_eq!(parse_marker("<!-- pmtrack key=abc -->"), None);
        assert_eq!(parse_marker("<!-- pmtrack path=a.md -->"), None);
        assert_eq!(parse_marker("<!-- pmtrack key=abc path=a.md"), None);
        let m = parse_marker("text\r\n<!-- pmtrack key=abc path=a.md future=1 -->\r\n").unwrap();
        assert_eq!(m.key.0, "abc");
        assert_eq!(m.path, "a.md");
    }

    #[test]
    fn due_line_in_the_detail_does_not_win_over_pmtracks_line() {
        let mut t = task("x");
        t.detail = "Due: 1999-01-01\nsomething".into();
        let body = issue_body(&t, &pm("a.md"), Some(date(2024, 5, 1)), &ctx(&[]));
        assert_eq!(parse_due(&body), Some(date(2024, 5, 1)));
        assert_eq!(parse_due("Due: 2024-05-01\r\n"), Some(date(2024, 5, 1)));
        assert_eq!(parse_due(" Due: 2024-05-01"), None);
    }

    #[test]
    fn mentions_are_neutralised_unless_assigned() {
        let allowed = vec!["Alice".to_owned()];
        assert_eq!(
            neutralise_mentions("ask @bob and @alice, cc @org/team.", &allowed),
            "ask `@bob` and @alice, cc `@org/team`."
        );
        assert_eq!(
            neutralise_mentions("mail a@b.com, see https://x.io/@bob", &allowed),
            "mail a@b.com, see https://x.io/@bob"
        );
        assert_eq!(
            neutralise_mentions("code `ping @bob` then @carol-", &allowed),
            "code `ping @bob` then `@carol`-"
        );
        assert_eq!(
            neutralise_mentions("unclosed ` @bob", &allowed),
            "unclosed ` `@bob`"
        );
        assert_eq!(
            neutralise_mentions("@ alone, @-x", &allowed),
            "@ alone, @-x"
        );
    }

    #[test]
    fn body_neutralises_mentions_from_detail_group_and_titles() {
        let mut t = task("Fix it");
        t.detail = "Pair with @bob".into();
        t.group = "@ops-team".into();
        t.owners = vec!["carol".into()];
        let mut p = pm("a.md");
        p.title = "Outage seen by @dave".into();
        let body = issue_body(&t, &p, None, &ctx(&[]));
        assert!(body.contains("Pair with `@bob`"), "{body}");
        assert!(body.contains("**Group:** `@ops-team`"));
        assert!(body.contains("`@dave`"));
        assert!(body.contains("**Owner:** carol\n"));
        let pinged = body
            .split('`')
            .enumerate()
            .filter(|(i, _)| i % 2 == 0)
            .any(|(_, s)| s.contains("@b") || s.contains("@d") || s.contains("@o"));
        assert!(!pinged, "{body}");
    }

    #[test]
    fn cut_title_is_repeated_whole_in_the_body() {
        let long = "word ".repeat(100);
        let body = issue_body(&task(&long), &pm("a.md"), None, &ctx(&[]));
        assert!(body.starts_with(long.trim()), "{body}");
        let short = issue_body(&task("short"), &pm("a.md"), None, &ctx(&[]));
        assert!(short.starts_with("- **Postmortem:**"));
    }
}
