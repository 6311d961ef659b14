//! Metadata on one item: owners (`@login`, `Owner: x`, a table column), a due
//! date (`due 2024-07-01`, `(due: July 1, 2024)`, `by 2024-07-01`, a column),
//! a priority (`P0`–`P3`, `priority: high`), a status (`[x]`, ~~struck~~, a
//! status column, `**DONE**`). Tracker references are [`super::refs`]'s. Pure.

use super::dates::{find_date, Found};
use super::items::Cells;
use crate::model::{Priority, Status};
use chrono::NaiveDate;

/// Owners from `@login` mentions and `owner:` notes, in order, deduplicated.
pub fn owners(raw: &str, cell: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |s: &str| {
        let s = s
            .trim()
            .trim_start_matches('@')
            .trim_matches(|c: char| c == '*' || c == '`' || c == '_');
        if !s.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(s)) {
            out.push(s.to_string());
        }
    };
    if let Some(cell) = cell.filter(|c| !is_placeholder(&super::text::clean(c))) {
        let logins_only = cell
            .split_whitespace()
            .all(|w| w.starts_with('@') || matches!(w, "," | "and" | "&"));
        let parts: Vec<&str> = if logins_only {
            cell.split([' ', ',', '&'])
                .filter(|w| *w != "and")
                .collect()
        } else {
            cell.split([',', '&', ';', '/'])
                .flat_map(|p| p.split(" and "))
                .collect()
        };
        for part in parts {
            let p = super::text::clean(part);
            if !is_placeholder(&p) {
                add(&p);
            }
        }
    }
    for login in mentions(raw) {
        add(login);
    }
    use super::text::contains_ci;
    let noted = raw.contains(':') || raw.contains(" -");
    if !noted || (!contains_ci(raw, "owner") && !contains_ci(raw, "assignee")) {
        return out;
    }
    // ASCII lower case keeps every byte where it was, so positions found in
    // `lower` are positions in `raw`.
    let lower = raw.to_ascii_lowercase();
    for key in ["owner:", "owners:", "assignee:", "assignees:", "owner -"] {
        if let Some(p) = lower.find(key) {
            let rest = &raw[p + key.len()..];
            // Up to a note in parentheses: `Owner: Kim Lee (SRE)`, or a
            // reference write-back appended (`(#12)`), is not the name.
            let word = rest
                .split([',', '(', ')', ';', '\n'])
                .next()
                .unwrap_or("")
                .trim();
            let word = super::text::clean(word);
            if !is_placeholder(&word) && super::text::word_count(&word) <= 3 {
                for w in word.split_whitespace().filter(|w| w.starts_with('@')) {
                    add(w);
                }
                if !word.contains('@') {
                    add(&word);
                }
            }
        }
    }
    out
}

/// No owner written: empty, `TBD`, `???`, `n/a`, `none`, `-`.
/// The team a `Team: action` item names as the one doing the work
/// (`Payments: add a retry budget` → `Payments`): the title (rule 4's part
/// before the colon) names a team — a known team name, an acronym team
/// (`SRE`), or `… team` / `squad` / `on-call` — and the detail starts with
/// an action verb. A topic (`Monitoring: add alerts`) names nobody.
pub fn team_owner<'a>(title: &'a str, detail: &str) -> Option<&'a str> {
    let t = title.trim();
    if t.is_empty() || t.len() > 40 || detail.is_empty() || t.split(' ').count() > 4 {
        return None;
    }
    let last = t.rsplit(' ').next().unwrap_or("");
    let names_team = TEAM_ACRONYMS.contains(&t)
        || TEAMS.iter().any(|n| n.eq_ignore_ascii_case(t))
        || (t.contains(' ') && TEAM_WORDS.iter().any(|w| w.eq_ignore_ascii_case(last)));
    if !names_team {
        return None;
    }
    let verb = detail
        .split(|c: char| !c.is_alphabetic())
        .next()
        .unwrap_or("");
    ACTION_VERBS
        .iter()
        .any(|v| v.eq_ignore_ascii_case(verb))
        .then_some(t)
}

/// Verbs an action item starts with.
const ACTION_VERBS: [&str; 72] = [
    "add",
    "alert",
    "audit",
    "automate",
    "backfill",
    "build",
    "change",
    "check",
    "clean",
    "communicate",
    "configure",
    "consider",
    "coordinate",
    "create",
    "decommission",
    "define",
    "deploy",
    "deprecate",
    "design",
    "disable",
    "document",
    "enable",
    "ensure",
    "establish",
    "evaluate",
    "explore",
    "expose",
    "extend",
    "fix",
    "follow",
    "harden",
    "implement",
    "improve",
    "increase",
    "instrument",
    "introduce",
    "investigate",
    "limit",
    "make",
    "migrate",
    "monitor",
    "move",
    "patch",
    "prepare",
    "provide",
    "publish",
    "reduce",
    "refactor",
    "remove",
    "replace",
    "review",
    "rewrite",
    "rotate",
    "run",
    "schedule",
    "set",
    "ship",
    "split",
    "switch",
    "test",
    "track",
    "train",
    "update",
    "upgrade",
    "use",
    "validate",
    "verify",
    "write",
    "adopt",
    "tune",
    "revisit",
    "reach",
];

/// Team names people write as the prefix of an action.
const TEAMS: [&str; 40] = [
    "android",
    "api team",
    "backend",
    "billing",
    "core",
    "customer success",
    "data",
    "data engineering",
    "database",
    "dba",
    "design",
    "devops",
    "engineering",
    "finance",
    "frontend",
    "identity",
    "infra",
    "infrastructure",
    "ios",
    "legal",
    "marketing",
    "mobile",
    "network",
    "networking",
    "observability",
    "on-call",
    "oncall",
    "operations",
    "ops",
    "payments",
    "platform",
    "product",
    "release engineering",
    "reliability",
    "sales",
    "search",
    "security",
    "storage",
    "support",
    "web",
];

/// The last word of a team's name (`Checkout team`, `Core squad`).
const TEAM_WORDS: [&str; 8] = [
    "team", "squad", "crew", "guild", "group", "oncall", "on-call", "owners",
];

/// Teams named by an acronym, written in capitals.
const TEAM_ACRONYMS: [&str; 9] = ["SRE", "SRES", "DBA", "DBAS", "QA", "IT", "NOC", "SOC", "PM"];

fn is_placeholder(s: &str) -> bool {
    let t = s.trim();
    t.is_empty()
        || t.chars().all(|c| matches!(c, '?' | '-' | '—' | '–' | '.'))
        || ["tbd", "tba", "n/a", "na", "none", "unassigned", "nobody"]
            .iter()
            .any(|p| t.eq_ignore_ascii_case(p))
}

/// `@login` mentions (GitHub login syntax) written as such: not in an
/// e-mail address, a code span (`` `@x` ``), an HTML comment, or escaped
/// (`\@x`).
pub fn mentions(raw: &str) -> Vec<&str> {
    let b = raw.as_bytes();
    let mut out = Vec::new();
    // Most items mention nobody: one quick look for an `@` first.
    if !b.contains(&b'@') {
        return out;
    }
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'`' {
            i = super::text::code_span_end(b, i);
            continue;
        }
        if b[i..].starts_with(b"<!--") {
            i = b[i + 4..]
                .windows(3)
                .position(|w| w == b"-->")
                .map_or(b.len(), |p| i + 4 + p + 3);
            continue;
        }
        if b[i] == b'@'
            && (i == 0
                || !(b[i - 1].is_ascii_alphanumeric() || matches!(b[i - 1], b'.' | b'_' | b'\\')))
        {
            let st = i + 1;
            let mut e = st;
            while e < b.len() && (b[e].is_ascii_alphanumeric() || b[e] == b'-') {
                e += 1;
            }
            // A login may also be a team: @org/team.
            if e < b.len() && b[e] == b'/' && e + 1 < b.len() && b[e + 1].is_ascii_alphanumeric() {
                e += 1;
                while e < b.len() && (b[e].is_ascii_alphanumeric() || b[e] == b'-' || b[e] == b'_')
                {
                    e += 1;
                }
            }
            let login = raw[st..e].trim_end_matches('-');
            if !login.is_empty()
                && login.len() <= 39
                && !login.starts_with('-')
                && b[st].is_ascii_alphanumeric()
            {
                out.push(login);
            }
            i = e;
        } else {
            i += 1;
        }
    }
    out
}

/// The explicit due date: a table cell, or a keyword (`due`, `by`,
/// `deadline`, `target`, `eta`, `until`, `before`) followed by a date.
/// `Err` carries an impossible date for a warning.
pub fn due(raw: &str, cell: Option<&str>) -> Result<Option<NaiveDate>, String> {
    if let Some(cell) = cell {
        match find_date(cell) {
            Some(Found::Valid(d)) => return Ok(Some(d)),
            Some(Found::Invalid(s)) => return Err(s),
            None => {}
        }
    }
    if !raw.bytes().any(|c| c.is_ascii_digit()) {
        return Ok(None);
    }
    // One pass over the words: a keyword, then a date right after it.
    const KEYS: [&str; 8] = [
        "due", "by", "deadline", "target", "eta", "until", "before", "than",
    ];
    let b = raw.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_alphabetic() {
            i += 1;
            continue;
        }
        let st = i;
        while i < b.len() && b[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let word = &raw[st..i];
        let first = b[st] | 0x20;
        if !(2..=8).contains(&word.len())
            || !matches!(first, b'd' | b'b' | b't' | b'e' | b'u')
            || !KEYS.iter().any(|k| k.eq_ignore_ascii_case(word))
        {
            continue;
        }
        let rest = &raw[i..];
        // The date must follow closely: `due: `, `by `, `(due `.
        let skip = rest
            .find(|c: char| c.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        if skip > 3 {
            continue;
        }
        let mut end = (skip + 40).min(rest.len());
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        let window = &rest[skip..end];
        if !date_starts_near(window) {
            continue;
        }
        match find_date(window) {
            Some(Found::Valid(d)) => return Ok(Some(d)),
            Some(Found::Invalid(s)) => return Err(s),
            None => {}
        }
    }
    Ok(None)
}

fn date_starts_near(s: &str) -> bool {
    let first = s.split_whitespace().next().unwrap_or("");
    first.starts_with(|c: char| c.is_ascii_digit())
        || [
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
            "mon", "tue", "wed", "thu", "fri", "sat", "sun",
        ]
        .iter()
        .any(|m| super::text::starts_with_ci(first, m))
}

/// `P0`..`P3` as a word, `priority: high`, or a priority cell.
pub fn priority(raw: &str, cell: Option<&str>) -> Option<Priority> {
    let from_word = |w: &str| -> Option<Priority> {
        const WORDS: [(&str, Priority); 15] = [
            ("p0", Priority::P0),
            ("critical", Priority::P0),
            ("urgent", Priority::P0),
            ("blocker", Priority::P0),
            ("highest", Priority::P0),
            ("p1", Priority::P1),
            ("high", Priority::P1),
            ("p2", Priority::P2),
            ("medium", Priority::P2),
            ("normal", Priority::P2),
            ("moderate", Priority::P2),
            ("p3", Priority::P3),
            ("low", Priority::P3),
            ("lowest", Priority::P3),
            ("minor", Priority::P3),
        ];
        WORDS
            .iter()
            .find(|(name, _)| w.eq_ignore_ascii_case(name))
            .map(|&(_, p)| p)
    };
    if let Some(cell) = cell {
        let c = super::text::clean(cell);
        if let Some(p) = c.split_whitespace().find_map(from_word) {
            return Some(p);
        }
    }
    // `P0`..`P3` as a whole word.
    let b = raw.as_bytes();
    for i in 0..b.len().saturating_sub(1) {
        if (b[i] | 0x20) != b'p' || !(b'0'..=b'3').contains(&b[i + 1]) {
            continue;
        }
        let word_start = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        let word_end = b.get(i + 2).is_none_or(|c| !c.is_ascii_alphanumeric());
        if word_start && word_end {
            return from_word(&raw[i..i + 2]);
        }
    }
    if !raw.contains("riority") {
        return None;
    }
    let lower = raw.to_ascii_lowercase();
    if let Some(p) = lower.find("priority") {
        let rest = lower[p + 8..].trim_start_matches([':', ' ', '=', '-', '*']);
        return rest
            .split(|c: char| !c.is_ascii_alphanumeric())
            .next()
            .and_then(from_word);
    }
    None
}

/// Open, done or dropped.
pub fn status(raw: &str, checked: Option<bool>, cells: &Cells, group: Option<Status>) -> Status {
    for cell in [cells.status.as_deref(), cells.issue.as_deref()]
        .into_iter()
        .flatten()
    {
        let c = super::text::normalize(&super::text::clean(cell));
        let done = [
            "done",
            "complete",
            "completed",
            "closed",
            "fixed",
            "resolved",
            "finished",
            "merged",
            "shipped",
        ];
        let dropped = [
            "won t do",
            "wont do",
            "wontfix",
            "won t fix",
            "dropped",
            "cancelled",
            "canceled",
            "obsolete",
            "not planned",
            "rejected",
        ];
        if dropped.iter().any(|d| c.contains(d)) {
            return Status::Dropped;
        }
        if c.split(' ').any(|w| done.contains(&w)) || cell.contains('✅') || cell.contains('✔') {
            return Status::Done;
        }
    }
    if checked == Some(true) {
        return Status::Done;
    }
    let t = raw.trim();
    if t.starts_with("~~")
        && t.split_whitespace()
            .next_back()
            .is_some_and(|w| w.ends_with("~~"))
    {
        return Status::Dropped;
    }
    if let Some(s) = marked(t) {
        return s;
    }
    // A checkbox is the item's own word; else its group may state it
    // (`Immediate actions (completed)`, `**Done:**`).
    if checked.is_none() {
        if let Some(s) = group {
            return s;
        }
    }
    Status::Open
}

/// What a team writes on an item to say it is resolved: a ✅ / ✔ / ☑ at
/// its start or end, an inline `(done)` / `(completed)` (more words may
/// follow inside the parentheses: `(Done as of 2021-06-30)`), or `Will not
/// do` / `Won't do` / `Won't fix` (as the item's first or last words, or
/// in parentheses) for dropped.
fn marked(t: &str) -> Option<Status> {
    let b = t.as_bytes();
    // Checks only where their characters are: most items have none.
    let non_ascii = !t.is_ascii();
    if non_ascii {
        let check = ['✅', '✔', '☑'];
        let head = t.trim_start_matches(|c: char| c == '*' || c == '_' || c.is_whitespace());
        let tail = t.trim_end_matches(|c: char| {
            matches!(c, '*' | '_' | '.' | '!' | '\u{fe0f}') || c.is_whitespace()
        });
        if head.starts_with(check) || tail.ends_with(check) {
            return Some(Status::Done);
        }
    }
    if b.contains(&b'(') {
        for (p, _) in t.match_indices('(') {
            let inner = t[p + 1..].trim_start();
            if starts_word(inner, &["done", "completed", "complete"]) {
                return Some(Status::Done);
            }
            if starts_word(inner, &WONT) {
                return Some(Status::Dropped);
            }
        }
    }
    // `Will not do` / `Won't fix` first or last: only worth a look when the
    // item starts with a `w` or ends with an `o` or an `x`.
    let words = t.trim_matches(|c: char| !c.is_alphanumeric());
    let wb = words.as_bytes();
    if wb.first().is_some_and(|c| c | 0x20 == b'w') && starts_word(words, &WONT)
        || wb.last().is_some_and(|c| matches!(c | 0x20, b'o' | b'x'))
            && WONT.iter().any(|w| ends_word(words, w))
    {
        return Some(Status::Dropped);
    }
    None
}

/// How teams write "dropped" on an item.
const WONT: [&str; 5] = [
    "will not do",
    "won't do",
    "won\u{2019}t do",
    "won't fix",
    "wont fix",
];

/// Whether `s` starts with one of `words` (lower case; letter case
/// ignored), followed by a non-letter.
fn starts_word(s: &str, words: &[&str]) -> bool {
    words.iter().any(|w| {
        s.get(..w.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(w))
            && !s[w.len()..].starts_with(|c: char| c.is_alphabetic())
    })
}

/// Whether `s` ends with `word` (letter case ignored), preceded by a
/// non-letter.
fn ends_word(s: &str, word: &str) -> bool {
    s.len() >= word.len()
        && s.is_char_boundary(s.len() - word.len())
        && s[s.len() - word.len()..].eq_ignore_ascii_case(word)
        && !s[..s.len() - word.len()].ends_with(|c: char| c.is_alphabetic())
}

/// The state an enclosing group label states for every item under it:
/// `Immediate actions (completed)`, `Done`, `Completed:` → done; `Won't do`
/// → dropped. Anything else (`Next steps (planned or in progress)`) says
/// nothing.
pub fn group_status(group: &str) -> Option<Status> {
    if group.is_empty() {
        return None;
    }
    let g = group.trim().trim_end_matches(':').trim();
    if ["done", "completed", "complete", "finished", "resolved"]
        .iter()
        .any(|w| g.eq_ignore_ascii_case(w))
    {
        return Some(Status::Done);
    }
    marked(g).filter(|s| *s != Status::Open)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_team_prefix_names_the_owner_a_topic_does_not() {
        for (title, detail, want) in [
            ("Payments", "add a retry budget", Some("Payments")),
            ("SRE", "Rotate the pager keys", Some("SRE")),
            (
                "Checkout team",
                "fix the cart timeout",
                Some("Checkout team"),
            ),
            ("Infra", "upgrade the load balancers", Some("Infra")),
            ("Monitoring", "add alerts on lag", None),
            ("DNS", "add monitoring", None),
            ("Payments", "the retry budget was too small", None),
            ("Payments", "", None),
            ("Security review of the payments team", "add tests", None),
        ] {
            assert_eq!(team_owner(title, detail), want, "{title}: {detail}");
        }
    }

    #[test]
    fn owners_from_mentions_notes_and_cells() {
        assert_eq!(
            owners("Fix it @alice and @bob-x (mail a@b.c)", None),
            ["alice", "bob-x"]
        );
        assert_eq!(owners("Fix it. Owner: @carol", None), ["carol"]);
        assert_eq!(owners("Fix it. Owner: Kim Lee (SRE)", None), ["Kim Lee"]);
        assert_eq!(
            owners(
                "x owners: describe the handling ([#101](https://x/o/r/issues/101))",
                None
            ),
            ["describe the handling"]
        );
        assert_eq!(owners("x", Some("Dana, @erin")), ["Dana", "erin"]);
        // Placeholders are no owner, in a cell or after `Owner:`.
        for p in ["???", "??", "TBD", "tba", "N/A", "-", "—", ""] {
            assert!(owners("x", Some(p)).is_empty(), "{p:?}");
            assert!(
                owners(&format!("Fix it. Owner: {p}"), None).is_empty(),
                "{p:?}"
            );
        }
        // Text whose lower case is longer than itself before the key.
        assert_eq!(owners("İİ Fix it. Owner: @kim", None), ["kim"]);
        assert_eq!(owners("x", Some("@alice @bob")), ["alice", "bob"]);
    }

    /// F5: `` `@heidi` ``, `<!-- @ursula -->`, `\@quinn` and
    /// ```` ```@yvonne``` ```` assigned (and pinged) those people.
    #[test]
    fn f5_only_an_owner_written_as_an_owner_is_an_owner() {
        let none: Vec<String> = Vec::new();
        for raw in [
            "Review `@heidi` code path",
            "Fix it <!-- @ursula --> now",
            "Thanks \\@quinn for the idea",
            "Run ```@yvonne``` daily",
        ] {
            assert_eq!(owners(raw, None), none, "{raw}");
        }
        assert_eq!(owners("Fix `x` @alice `y`", None), ["alice"]);
        assert_eq!(owners("Fix ``unclosed @bob", None), ["bob"]);
    }

    #[test]
    fn due_dates_need_a_keyword() {
        let d = |y, m, dd| Ok(Some(NaiveDate::from_ymd_opt(y, m, dd).unwrap()));
        assert_eq!(due("Add alerts due 2024-07-01", None), d(2024, 7, 1));
        assert_eq!(due("Add alerts (due: July 1, 2024)", None), d(2024, 7, 1));
        assert_eq!(due("Add alerts by 2024-07-01", None), d(2024, 7, 1));
        assert_eq!(due("Incident on 2024-07-01 repeat", None), Ok(None));
        assert_eq!(due("x", Some("2024-08-02")), d(2024, 8, 2));
        assert_eq!(due("due 2024-13-45", None), Err("2024-13-45".into()));
    }

    #[test]
    fn priorities_and_statuses() {
        assert_eq!(priority("[P1] fix", None), Some(Priority::P1));
        assert_eq!(priority("fix (priority: high)", None), Some(Priority::P1));
        assert_eq!(priority("fix", Some("Low")), Some(Priority::P3));
        assert_eq!(priority("upgrade to HTTP2", None), None);
        let none = Cells::default();
        assert_eq!(status("x", Some(true), &none, None), Status::Done);
        assert_eq!(status("~~old idea~~", None, &none, None), Status::Dropped);
        let bug = Cells {
            issue: Some("**DONE**".into()),
            ..Cells::default()
        };
        assert_eq!(status("x", None, &bug, None), Status::Done);
        let todo = Cells {
            issue: Some("(Jira Issue No: X-1)**TODO**".into()),
            ..Cells::default()
        };
        assert_eq!(status("x", None, &todo, None), Status::Open);
    }

    #[test]
    fn statuses_as_teams_write_them() {
        let none = Cells::default();
        let st = |raw: &str| status(raw, None, &none, None);
        // A check mark at the start or the end.
        for raw in [
            "✅ Rotate the keys",
            "Rotate the keys ✅",
            "**Rotate the keys** ✔️",
            "☑ Rotate the keys.",
        ] {
            assert_eq!(st(raw), Status::Done, "{raw}");
        }
        assert_eq!(st("Rotate the ✅ keys"), Status::Open, "only at an end");
        // An inline (done), more words allowed inside.
        for raw in [
            "Make sure everybody gets emailed (DONE)",
            "Turn actions back on. **(Done as of 2021-06-30)**",
            "Add alerts (done in #12)",
            "Add alerts ( completed )",
        ] {
            assert_eq!(st(raw), Status::Done, "{raw}");
        }
        for raw in [
            "Add alerts (in progress)",
            "Add alerts (doneness check)",
            "We fixed and deployed the patch",
            "Make sure deploys won't do harm",
        ] {
            assert_eq!(st(raw), Status::Open, "{raw}");
        }
        // Will not do.
        for raw in [
            "Rewrite the proxy (will not do)",
            "Will not do: rewrite the proxy",
            "Rewrite the proxy - won't fix",
            "Rewrite the proxy (Won\u{2019}t do, too costly)",
        ] {
            assert_eq!(st(raw), Status::Dropped, "{raw}");
        }
        // The group says it for every item under it, unless the item has a
        // checkbox of its own.
        let under = |group: &str, checked| status("x", checked, &none, group_status(group));
        for group in ["Immediate actions (completed)", "Done", "Completed:"] {
            assert_eq!(under(group, None), Status::Done, "{group}");
        }
        assert_eq!(under("Done", Some(false)), Status::Open);
        assert_eq!(
            under("Next steps (planned or in progress)", None),
            Status::Open
        );
        assert_eq!(under("Won't do", None), Status::Dropped);
        assert_eq!(under("Short term", None), Status::Open);
    }
}
