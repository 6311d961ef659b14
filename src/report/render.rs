//! PURE renderers of a [`Report`]: Markdown (a Mermaid trend chart, totals,
//! tables by postmortem, by owner and by type, the health figures with a
//! second chart, the recurring promises: what a person reads in an issue or
//! a job summary), a terminal table ending in a sparkline, and JSON.
//!
//! The JSON document (`pmtrack report --format json`), schema
//! [`JSON_SCHEMA`]: an object with `schema`, `as_of`, `filter`, `source`,
//! `repo`, `totals`, `postmortems` (each with its listed `items`), `owners`
//! (each with short references to its listed items), `types`, `health`,
//! `weeks`, `recurring` and, with config `since`, `not_tracked`. Every
//! field is described in docs/report.md, whose sample a test keeps equal to
//! this output. Fields are never removed or renamed within one schema
//! version; new ones may be added.
//!
//! Must not: do IO or read the clock.

use std::fmt::Write as _;

use serde::Serialize;

use super::{
    Filter, IssueLink, NotTracked, Report, ReportItem, Source, WeekPoint, JSON_SCHEMA,
    REPORT_MARKER,
};
use crate::issue_text::neutralise_mentions;
use crate::model::TrackState;

/// GitHub refuses issue bodies longer than 65 536 characters; the rolling
/// issue is cut well below.
const MAX_ISSUE_BODY: usize = 60_000;

/// The eight levels of a sparkline, lowest first.
const SPARKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Widths of the terminal table's text columns (characters).
const TITLE_WIDTH: usize = 44;
const OWNER_WIDTH: usize = 14;

/// How Markdown names people.
#[derive(Debug, Clone, Copy, Default)]
pub struct MarkdownOptions {
    /// `@`-mention the owners of overdue items (config
    /// `report.mention_owners`); otherwise logins are shown in code spans,
    /// which GitHub never turns into notifications.
    pub mention_owners: bool,
}

#[derive(Serialize)]
struct JsonDoc<'a> {
    schema: &'static str,
    #[serde(flatten)]
    report: &'a Report,
}

/// The report as pretty JSON (see the module docs for the schema), ending
/// in a newline.
pub fn json(report: &Report) -> String {
    let mut out = Vec::new();
    // Plain structs of strings, numbers and dates: serialising cannot fail.
    let _ = write_json(report, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// [`json`], written to `out` as it is produced.
pub fn write_json(report: &Report, mut out: impl std::io::Write) -> std::io::Result<()> {
    let doc = JsonDoc {
        schema: JSON_SCHEMA,
        report,
    };
    serde_json::to_writer_pretty(&mut out, &doc)?;
    out.write_all(b"\n")
}

/// Hands over the text rendered so far and may empty it: how a long report
/// is printed while it is rendered. Pieces end at line ends, except inside
/// the owners' table, where one row may list every item.
pub type Spill<'a> = &'a mut dyn FnMut(&mut String);

/// The Mermaid `xychart-beta` block of open (bars) and overdue (line) items
/// at the end of each week, fenced as ```` ```mermaid ````.
pub fn mermaid_chart(weeks: &[WeekPoint]) -> String {
    xychart(
        &format!(
            "Open (bars) and overdue (line) action items, last {} weeks",
            weeks.len()
        ),
        weeks
            .iter()
            .map(|w| (w.week_end.format("%b %-d").to_string(), w.open, w.overdue)),
    )
}

/// A fenced Mermaid `xychart-beta` block: one bar and one line value per
/// (label, bar, line) point, the y axis from 0 to the largest (at least 1).
fn xychart(title: &str, points: impl Iterator<Item = (String, usize, usize)>) -> String {
    let (mut labels, mut bars, mut lines) = (Vec::new(), Vec::new(), Vec::new());
    for (label, bar, line) in points {
        labels.push(format!("\"{label}\""));
        bars.push(bar);
        lines.push(line);
    }
    let top = bars.iter().chain(&lines).copied().max().unwrap_or(0).max(1);
    let list = |v: &[usize]| {
        v.iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut s = String::from("```mermaid\nxychart-beta\n");
    let _ = writeln!(s, "    title \"{title}\"");
    let _ = writeln!(s, "    x-axis [{}]", labels.join(", "));
    let _ = writeln!(s, "    y-axis \"Items\" 0 --> {top}");
    let _ = writeln!(s, "    bar [{}]", list(&bars));
    let _ = writeln!(s, "    line [{}]", list(&lines));
    s.push_str("```\n");
    s
}

/// One character per value, `▁` (0) to `█` (the largest); any value above
/// zero shows at least `▂`.
pub fn sparkline(values: &[usize]) -> String {
    let max = values.iter().copied().max().unwrap_or(0);
    values
        .iter()
        .map(|&v| {
            if v == 0 || max == 0 {
                return SPARKS[0];
            }
            let level = ((v as f64 / max as f64) * 7.0).round() as usize;
            SPARKS[level.clamp(1, 7)]
        })
        .collect()
}

/// Whether `s` can be a GitHub login (or `org/team`).
fn is_login(s: &str) -> bool {
    let part = |p: &str| {
        !p.is_empty()
            && p.len() <= 39
            && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !p.starts_with('-')
    };
    match s.split_once('/') {
        Some((org, team)) => {
            part(org)
                && !team.is_empty()
                && team
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        }
        None => part(s),
    }
}

/// A person in Markdown: `@login` when pinging, `` `@login` `` otherwise,
/// a name as text.
fn person(name: &str, ping: bool) -> String {
    let name = name.trim_start_matches('@');
    if is_login(name) {
        if ping {
            format!("@{name}")
        } else {
            format!("`@{name}`")
        }
    } else {
        cell(name)
    }
}

/// Text safe in a Markdown table cell: one line, pipes escaped, no HTML,
/// no mentions.
fn cell(s: &str) -> String {
    let one_line: String = s
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    let escaped = one_line
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    neutralise_mentions(&escaped, &[])
}

fn issue_md(issue: &Option<IssueLink>) -> String {
    match issue {
        Some(IssueLink {
            number,
            url: Some(url),
        }) => format!("[#{number}]({url})"),
        Some(IssueLink { number, url: None }) => format!("#{number}"),
        None => "no issue".to_owned(),
    }
}

fn state_word(item: &ReportItem) -> &'static str {
    match item.state {
        TrackState::Open if item.overdue => "overdue",
        TrackState::Open => "open",
        TrackState::Done => "done",
        TrackState::NotPlanned => "not planned",
    }
}

fn filter_words(f: Filter) -> &'static str {
    match f {
        Filter::Overdue => "overdue items",
        Filter::Unresolved => "unresolved items",
        Filter::All => "all items",
    }
}

fn source_words(r: &Report) -> String {
    match (r.source, &r.repo) {
        (Source::Github, Some(repo)) => format!("states from the GitHub issues of {repo}"),
        (Source::Github, None) => "states from GitHub issues".to_owned(),
        (Source::Documents, _) => {
            "states from the documents' last status blocks (no GitHub token)".to_owned()
        }
    }
}

fn days(n: i64) -> String {
    if n == 1 {
        "1 day".to_owned()
    } else {
        format!("{n} days")
    }
}

/// The report in Markdown. It opens with the trend chart, then the totals,
/// then the listed items by postmortem and by owner.
pub fn markdown(report: &Report, opts: &MarkdownOptions) -> String {
    markdown_spilling(report, opts, &mut |_| {})
}

/// [`markdown`], handing each finished part to `spill`; returns the rest.
pub fn markdown_spilling(report: &Report, opts: &MarkdownOptions, spill: Spill<'_>) -> String {
    let mut s = mermaid_chart(&report.weeks);
    let t = &report.totals;
    s.push('\n');
    s.push_str("| Open | Overdue | Done this week | Oldest overdue |\n");
    s.push_str("| ---: | ---: | ---: | --- |\n");
    let oldest = match &t.oldest_overdue {
        Some(o) => {
            let issue = o
                .issue
                .as_ref()
                .map(|_| format!(" ({})", issue_md(&o.issue)))
                .unwrap_or_default();
            format!("{}{issue}, {}", cell(&o.title), days(o.days_overdue))
        }
        None => "none".to_owned(),
    };
    let _ = writeln!(
        s,
        "| {} | {} | {} | {} |",
        t.open, t.overdue, t.done_this_week, oldest
    );
    s.push('\n');
    let _ = writeln!(
        s,
        "_As of {} (UTC), {}; showing {}._",
        report.as_of,
        source_words(report),
        filter_words(report.filter)
    );
    if t.without_issue > 0 {
        let _ = writeln!(
            s,
            "\n{} open item{} {} no issue yet: run `pmtrack sync`.",
            t.without_issue,
            if t.without_issue == 1 { "" } else { "s" },
            if t.without_issue == 1 { "has" } else { "have" }
        );
    }
    if let Some(n) = &report.not_tracked {
        let _ = writeln!(s, "\n{}.", not_tracked_words(n));
    }
    if report.postmortems.is_empty() {
        let _ = writeln!(s, "\nNo {}.", filter_words(report.filter));
        return s;
    }

    s.push_str("\n### By postmortem\n");
    for g in &report.postmortems {
        let _ = writeln!(
            s,
            "\n**{}** · `{}` · {} open, {} overdue · {} of {} done{}{}\n",
            cell(&g.title),
            g.path.replace('`', "'"),
            g.open,
            g.overdue,
            g.done,
            g.total,
            g.health
                .words()
                .map_or(String::new(), |w| format!(" · {w}")),
            g.tracking.as_ref().map_or(String::new(), |t| match &t.url {
                Some(u) => format!(" · tracking issue [#{}]({u})", t.number),
                None => format!(" · tracking issue #{}", t.number),
            })
        );
        s.push_str("| Action item | Issue | Owner | Due | Days overdue | Age (days) | Status |\n");
        s.push_str("| --- | --- | --- | --- | ---: | ---: | --- |\n");
        for i in &g.items {
            let ping = opts.mention_owners && i.overdue;
            let owners = if i.owners.is_empty() {
                "—".to_owned()
            } else {
                i.owners
                    .iter()
                    .map(|o| person(o, ping))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let status = match state_word(i) {
                "overdue" => "**overdue**",
                w => w,
            };
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} |",
                cell(&i.title),
                match &i.elsewhere {
                    Some(e) => cell(&e.words(true)),
                    None => issue_md(&i.issue),
                },
                owners,
                i.due.map_or_else(|| "—".to_owned(), |d| d.to_string()),
                i.days_overdue.map_or_else(String::new, |d| d.to_string()),
                i.age_days.map_or_else(String::new, |d| d.to_string()),
                status
            );
            spill(&mut s);
        }
    }

    s.push_str("\n### By owner\n\n");
    s.push_str("| Owner | Open | Overdue | Items |\n");
    s.push_str("| --- | ---: | ---: | --- |\n");
    for g in &report.owners {
        let who = match &g.owner {
            Some(o) => person(o, opts.mention_owners && g.overdue > 0),
            None => "_nobody_".to_owned(),
        };
        let _ = write!(s, "| {who} | {} | {} | ", g.open, g.overdue);
        // Written in place: one owner may hold every listed item.
        for (k, &at) in g.items.iter().enumerate() {
            let r = report.item(at);
            if k > 0 {
                s.push_str(", ");
            }
            let name = match &r.issue {
                Some(l) => format!("#{}", l.number),
                None => cell(&cut(&r.title, 40)),
            };
            if r.overdue {
                let _ = write!(s, "**{name}**");
            } else {
                s.push_str(&name);
            }
            // The one place a piece may end inside a line: a row this long
            // is not held whole either.
            spill(&mut s);
        }
        s.push_str(" |\n");
        spill(&mut s);
    }
    if !report.types.is_empty() {
        s.push_str("\n### By type\n\n");
        s.push_str("| Type | Items | Open | Overdue | Done |\n");
        s.push_str("| --- | ---: | ---: | ---: | ---: |\n");
        for g in &report.types {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} |",
                type_name(g),
                g.items,
                g.open,
                g.overdue,
                g.done
            );
        }
    }
    health_markdown(report, &mut s);
    recurring_markdown(report, &mut s);
    s
}

/// `3 things were promised in more than one postmortem; for 2 the latest
/// promise is still open`.
fn recurring_words(r: &[super::Recurring]) -> String {
    let open = r.iter().filter(|g| g.latest_open).count();
    format!(
        "{} thing{} promised in more than one postmortem; for {open} the latest promise is still open",
        r.len(),
        if r.len() == 1 { " was" } else { "s were" },
    )
}

/// `open \`postmortems/x.md:12\` #41 (2024-03-12)`.
fn promised_md(p: &super::Promised) -> String {
    let state = match p.state {
        TrackState::Open => "**open**",
        TrackState::Done => "done",
        TrackState::NotPlanned => "not planned",
    };
    format!(
        "{state} `{}:{}`{}{}",
        p.postmortem.replace('`', "'"),
        p.line,
        p.issue.map_or(String::new(), |n| format!(" #{n}")),
        p.promised.map_or(String::new(), |d| format!(" ({d})"))
    )
}

/// The recurring promises: one row each, its latest promise first.
fn recurring_markdown(report: &Report, s: &mut String) {
    let r = &report.recurring;
    if r.is_empty() {
        return;
    }
    s.push_str("\n### Recurring promises\n\n");
    let _ = writeln!(s, "{}.\n", recurring_words(r));
    s.push_str("| Promise | Postmortems | Open | Latest promise | Earlier |\n");
    s.push_str("| --- | ---: | ---: | --- | --- |\n");
    for g in r {
        let mut earlier: Vec<String> = g.latest.iter().skip(1).map(promised_md).collect();
        if g.items > g.latest.len() {
            earlier.push(format!("… {} more", g.items - g.latest.len()));
        }
        let _ = writeln!(
            s,
            "| {} | {} | {} of {} | {} | {} |",
            cell(&g.title),
            g.postmortems,
            g.open,
            g.items,
            g.latest.first().map_or(String::new(), promised_md),
            if earlier.is_empty() {
                "—".to_owned()
            } else {
                earlier.join("; ")
            }
        );
    }
}

/// The health section: on time, days to close and open items by age,
/// overall, per type and per owner, and the closes per month as a chart.
fn health_markdown(report: &Report, s: &mut String) {
    let h = &report.health;
    s.push_str("\n### Health\n\n");
    let _ = writeln!(
        s,
        "{}; open by age: {}.\n",
        h.overall
            .words()
            .unwrap_or_else(|| "no item closed with known dates yet".to_owned()),
        age_words(&h.overall)
    );
    s.push_str(
        "| | On time | Median days to close | Open 0–30 d | 31–90 d | 91–180 d | over 180 d |\n",
    );
    s.push_str("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    let row = |s: &mut String, name: &str, x: &super::health::Health| {
        let _ = writeln!(
            s,
            "| {name} | {} | {} | {} | {} | {} | {} |",
            x.on_time_percent()
                .map_or("—".to_owned(), |p| format!("{p}%")),
            x.median_days_to_close
                .map_or("—".to_owned(), |d| d.to_string()),
            x.open_by_age[0],
            x.open_by_age[1],
            x.open_by_age[2],
            x.open_by_age[3]
        );
    };
    for g in &report.types {
        row(s, &format!("type: {}", type_name(g)), &g.health);
    }
    for o in &h.owners {
        let who = o.owner.as_deref().map_or("_nobody_".to_owned(), |w| {
            format!("`{}`", w.replace('`', "'"))
        });
        row(s, &who, &o.health);
    }
    if !h.oldest_open.is_empty() {
        s.push_str("\nOpen the longest:\n\n");
        s.push_str("| Action item | Issue | Postmortem | Age (days) |\n");
        s.push_str("| --- | --- | --- | ---: |\n");
        for o in &h.oldest_open {
            let _ = writeln!(
                s,
                "| {} | {} | `{}:{}` | {} |",
                cell(&o.title),
                o.issue.map_or("no issue".to_owned(), |n| format!("#{n}")),
                o.postmortem.replace('`', "'"),
                o.line,
                o.age_days
            );
        }
    }
    if h.months.iter().any(|m| m.on_time + m.late > 0) {
        s.push('\n');
        s.push_str(&months_chart(&h.months));
    }
}

/// `2 (0–30 d), 1 (31–90 d), 0 (91–180 d), 0 (over 180 d)`.
fn age_words(h: &super::health::Health) -> String {
    let a = h.open_by_age;
    format!(
        "{} (0–30 d), {} (31–90 d), {} (91–180 d), {} (over 180 d)",
        a[0], a[1], a[2], a[3]
    )
}

/// The Mermaid chart of items closed on time (bars) and late (line) per
/// month.
pub fn months_chart(months: &[super::health::MonthPoint]) -> String {
    xychart(
        "Action items closed on time (bars) and late (line), per month",
        months
            .iter()
            .map(|m| (m.month.to_string(), m.on_time, m.late)),
    )
}

/// A type's name in the report (`no type` for items whose words name none).
fn type_name(g: &super::TypeGroup) -> &'static str {
    g.item_type.map_or("no type", |t| t.as_str())
}

/// `Not tracked: 3 postmortems … before 2024-01-01 (12 action items) …`.
fn not_tracked_words(n: &NotTracked) -> String {
    let docs = n.postmortems.len();
    format!(
        "Not tracked: {docs} postmortem{} with incidents before {} ({} action item{}; config `since`)",
        if docs == 1 { "" } else { "s" },
        n.since,
        n.items,
        if n.items == 1 { "" } else { "s" }
    )
}

/// The body of the rolling report issue: the Markdown, cut to what GitHub
/// accepts, and the hidden [`REPORT_MARKER`] that finds the issue again.
pub fn issue_body(markdown: &str) -> String {
    let mut body = if markdown.len() > MAX_ISSUE_BODY {
        let mut end = MAX_ISSUE_BODY;
        while !markdown.is_char_boundary(end) {
            end -= 1;
        }
        let end = markdown[..end].rfind('\n').map_or(end, |i| i + 1);
        format!(
            "{}\n_The report is longer than an issue allows and was cut; run `pmtrack report` for all of it._\n",
            &markdown[..end]
        )
    } else {
        markdown.to_owned()
    };
    if !body.ends_with('\n') {
        body.push('\n');
    }
    body.push('\n');
    body.push_str(REPORT_MARKER);
    body.push('\n');
    body
}

/// `s` cut to `width` characters, with `…` when cut.
fn cut(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    out = out.trim_end().to_owned();
    out.push('…');
    out
}

fn pad(s: &str, width: usize) -> String {
    let s = cut(s, width);
    let n = s.chars().count();
    format!("{s}{}", " ".repeat(width.saturating_sub(n)))
}

/// The report as a table for a terminal (about 100 columns), ending with a
/// sparkline of open items per week.
pub fn table(report: &Report) -> String {
    table_spilling(report, &mut |_| {})
}

/// [`table`], handing each finished part to `spill`; returns the rest.
pub fn table_spilling(report: &Report, spill: Spill<'_>) -> String {
    let t = &report.totals;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "as of {} (UTC), {}; showing {}",
        report.as_of,
        source_words(report),
        filter_words(report.filter)
    );
    let oldest = match &t.oldest_overdue {
        Some(o) => {
            let issue = o
                .issue
                .as_ref()
                .map(|i| format!(" (#{})", i.number))
                .unwrap_or_default();
            format!("{}{issue}, {}", cut(&o.title, 40), days(o.days_overdue))
        }
        None => "none".to_owned(),
    };
    let _ = writeln!(
        s,
        "open {} · overdue {} · done this week {} · oldest overdue: {}",
        t.open, t.overdue, t.done_this_week, oldest
    );
    if t.without_issue > 0 {
        let _ = writeln!(
            s,
            "{} open without an issue (run `pmtrack sync`)",
            t.without_issue
        );
    }
    if let Some(n) = &report.not_tracked {
        let _ = writeln!(s, "{}", not_tracked_words(n));
    }
    if report.postmortems.is_empty() {
        let _ = writeln!(s, "\nno {}", filter_words(report.filter));
    }
    for g in &report.postmortems {
        let _ = writeln!(
            s,
            "\n{} — {} ({} open, {} overdue, {} of {} done{}{})",
            g.path,
            cut(&g.title, 50),
            g.open,
            g.overdue,
            g.done,
            g.total,
            g.health
                .words()
                .map_or(String::new(), |w| format!(", {}", w.replace(" · ", ", "))),
            g.tracking
                .as_ref()
                .map_or(String::new(), |t| format!(", tracking #{}", t.number))
        );
        let _ = writeln!(
            s,
            "  {:<6} {} {} {:<10} {:>7} {:>5}  STATUS",
            "ISSUE",
            pad("ACTION ITEM", TITLE_WIDTH),
            pad("OWNER", OWNER_WIDTH),
            "DUE",
            "OVERDUE",
            "AGE"
        );
        for i in &g.items {
            let issue = i
                .issue
                .as_ref()
                .map_or_else(|| "-".to_owned(), |l| format!("#{}", l.number));
            let _ = writeln!(
                s,
                "  {:<6} {} {} {:<10} {:>7} {:>5}  {}",
                issue,
                pad(&i.title, TITLE_WIDTH),
                pad(&i.owners.join(","), OWNER_WIDTH),
                i.due.map_or_else(|| "-".to_owned(), |d| d.to_string()),
                i.days_overdue.map_or_else(String::new, |d| format!("{d}d")),
                i.age_days.map_or_else(String::new, |d| format!("{d}d")),
                match &i.elsewhere {
                    Some(e) => format!("{}, {}", state_word(i), e.words(false)),
                    None => state_word(i).to_string(),
                }
            );
            spill(&mut s);
        }
    }
    if !report.owners.is_empty() {
        s.push_str("\nby owner\n");
        for g in &report.owners {
            let who = g.owner.as_deref().unwrap_or("(nobody)");
            let _ = writeln!(
                s,
                "  {} {} open, {} overdue",
                pad(who, OWNER_WIDTH + 6),
                g.open,
                g.overdue
            );
        }
    }
    if !report.types.is_empty() {
        s.push_str("\nby type\n");
        for g in &report.types {
            let _ = writeln!(
                s,
                "  {} {} item{}, {} open, {} overdue, {} done",
                pad(type_name(g), OWNER_WIDTH + 6),
                g.items,
                if g.items == 1 { "" } else { "s" },
                g.open,
                g.overdue,
                g.done
            );
        }
    }
    s.push_str("\nhealth\n");
    let _ = writeln!(
        s,
        "  {}; open by age: {}",
        report
            .health
            .overall
            .words()
            .unwrap_or_else(|| "no item closed with known dates yet".to_owned()),
        age_words(&report.health.overall)
    );
    for o in &report.health.oldest_open {
        let _ = writeln!(
            s,
            "  open {} days: {} ({}:{}{})",
            o.age_days,
            cut(&o.title, TITLE_WIDTH),
            o.postmortem,
            o.line,
            o.issue.map_or(String::new(), |n| format!(" #{n}"))
        );
    }
    for m in report
        .health
        .months
        .iter()
        .filter(|m| m.on_time + m.late > 0)
    {
        let _ = writeln!(
            s,
            "  {}: {} closed on time, {} late",
            m.month, m.on_time, m.late
        );
    }
    if !report.recurring.is_empty() {
        let _ = writeln!(
            s,
            "\nrecurring promises: {}",
            recurring_words(&report.recurring)
        );
        for g in &report.recurring {
            let latest = g.latest.first();
            let _ = writeln!(
                s,
                "  {} {} postmortems, {} of {} open, latest {}:{} ({})",
                pad(&g.title, TITLE_WIDTH),
                g.postmortems,
                g.open,
                g.items,
                latest.map_or("", |p| &p.postmortem),
                latest.map_or(0, |p| p.line),
                latest.map_or("", |p| match p.state {
                    TrackState::Open => "open",
                    TrackState::Done => "done",
                    TrackState::NotPlanned => "not planned",
                })
            );
        }
    }
    let open: Vec<usize> = report.weeks.iter().map(|w| w.open).collect();
    let _ = writeln!(
        s,
        "\nopen per week, last {} weeks: {} {} now",
        open.len(),
        sparkline(&open),
        open.last().copied().unwrap_or(0)
    );
    s
}

#[cfg(test)]
mod tests {
    use super::super::{build, Item, Spec};
    use super::*;
    use chrono::NaiveDate;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn sample(filter: Filter) -> Report {
        let pm = crate::parse::parse(
            "postmortems/db.md",
            "# DB outage\n\nDate: 2024-01-10\n\n## Action items\n\n- a\n",
        );
        let items = vec![
            Item {
                elsewhere: None,
                postmortem: "postmortems/db.md".into(),
                line: 7,
                title: "Rotate keys | now @carol".into(),
                owners: vec!["alice".into()],
                due: Some(date(2024, 2, 1)),
                state: TrackState::Open,
                issue: Some(IssueLink {
                    number: 12,
                    url: Some("https://github.com/o/r/issues/12".into()),
                }),
                opened: Some(date(2024, 1, 12)),
                closed: None,
                item_type: None,
                promise: Box::new([]),
            },
            Item {
                elsewhere: None,
                postmortem: "postmortems/db.md".into(),
                line: 8,
                title: "Write runbook".into(),
                owners: vec!["Jane Doe".into()],
                due: Some(date(2024, 3, 20)),
                state: TrackState::Open,
                issue: None,
                opened: Some(date(2024, 1, 10)),
                closed: None,
                item_type: None,
                promise: Box::new([]),
            },
        ];
        build(
            &[pm],
            &items,
            &Spec {
                as_of: date(2024, 3, 1),
                filter,
                weeks: 3,
                source: Source::Github,
                repo: Some("o/r"),
                not_tracked: None,
            },
        )
    }

    #[test]
    fn printed_while_rendered_is_the_same_text_as_rendered_whole() {
        for filter in [Filter::All, Filter::Unresolved, Filter::Overdue] {
            let r = sample(filter);
            let opts = MarkdownOptions {
                mention_owners: true,
            };
            // A spill that takes everything every time: the most pieces.
            let mut pieces = String::new();
            let rest = table_spilling(&r, &mut |s: &mut String| {
                pieces.push_str(s);
                s.clear();
            });
            assert_eq!(pieces + &rest, table(&r));
            let mut pieces = String::new();
            let rest = markdown_spilling(&r, &opts, &mut |s: &mut String| {
                pieces.push_str(s);
                s.clear();
            });
            assert_eq!(pieces + &rest, markdown(&r, &opts));
            let mut bytes = Vec::new();
            write_json(&r, &mut bytes).unwrap();
            assert_eq!(String::from_utf8(bytes).unwrap(), json(&r));
        }
    }

    #[test]
    fn sparkline_scales_to_the_largest_and_keeps_nonzero_visible() {
        assert_eq!(sparkline(&[0, 1, 7, 14]), "▁▂▅█");
        assert_eq!(sparkline(&[0, 0]), "▁▁");
        assert_eq!(sparkline(&[1, 100]), "▂█");
        assert_eq!(sparkline(&[]), "");
    }

    #[test]
    fn the_chart_is_an_xychart_with_one_bar_and_one_line_value_per_week() {
        let weeks = [
            WeekPoint {
                week_end: date(2024, 2, 23),
                open: 3,
                overdue: 1,
            },
            WeekPoint {
                week_end: date(2024, 3, 1),
                open: 2,
                overdue: 2,
            },
        ];
        let c = mermaid_chart(&weeks);
        assert!(c.starts_with("```mermaid\nxychart-beta\n"), "{c}");
        assert!(c.contains("x-axis [\"Feb 23\", \"Mar 1\"]"), "{c}");
        assert!(c.contains("y-axis \"Items\" 0 --> 3"), "{c}");
        assert!(c.contains("bar [3, 2]\n"), "{c}");
        assert!(c.contains("line [1, 2]\n"), "{c}");
        assert!(c.ends_with("```\n"));
    }

    #[test]
    fn markdown_opens_with_the_chart_and_never_pings_unless_asked() {
        let r = sample(Filter::Unresolved);
        let md = markdown(&r, &MarkdownOptions::default());
        assert!(md.starts_with("```mermaid\nxychart-beta"), "{md}");
        assert!(md.contains("| 2 | 1 | 0 | Rotate keys \\| now `@carol` ([#12](https://github.com/o/r/issues/12)), 29 days |"), "{md}");
        assert!(md.contains("| `@alice` |"), "{md}");
        assert!(!md.contains(" @alice"), "{md}");
        assert!(md.contains("| Jane Doe |"), "{md}");
        assert!(md.contains("| no issue |"), "{md}");
        assert!(md.contains("1 open item has no issue yet"), "{md}");
        let pinged = markdown(
            &r,
            &MarkdownOptions {
                mention_owners: true,
            },
        );
        assert!(pinged.contains("| @alice |"), "{pinged}");
        assert!(
            pinged.contains("`@carol`"),
            "a mention in a title is never a ping"
        );
    }

    #[test]
    fn table_fits_a_terminal_and_ends_with_the_sparkline() {
        let r = sample(Filter::All);
        let t = table(&r);
        for line in t.lines() {
            assert!(line.chars().count() <= 110, "too wide: {line}");
        }
        let last = t.lines().last().unwrap();
        assert!(last.starts_with("open per week, last 3 weeks: "), "{last}");
        assert!(last.ends_with("███ 2 now"), "{last}");
        assert!(t.contains("#12"), "{t}");
        assert!(t.contains("29d"), "{t}");
    }

    #[test]
    fn json_is_stable_for_a_fixed_as_of() {
        let r = sample(Filter::Overdue);
        let expected = r#"{
  "schema": "pmtrack.report/1",
  "as_of": "2024-03-01",
  "filter": "overdue",
  "source": "github",
  "repo": "o/r",
  "totals": {
    "items": 2,
    "open": 2,
    "overdue": 1,
    "without_issue": 1,
    "done_this_week": 0,
    "oldest_overdue": {
      "title": "Rotate keys | now @carol",
      "postmortem": "postmortems/db.md",
      "line": 7,
      "issue": {
        "number": 12,
        "url": "https://github.com/o/r/issues/12"
      },
      "days_overdue": 29
    }
  },
  "postmortems": [
    {
      "path": "postmortems/db.md",
      "title": "DB outage",
      "incident_start": "2024-01-10",
      "open": 2,
      "overdue": 1,
      "done": 0,
      "total": 2,
      "health": {
        "on_time": 0,
        "late": 1,
        "on_time_percent": 0,
        "median_days_to_close": null,
        "open_by_age": [
          0,
          2,
          0,
          0
        ]
      },
      "items": [
        {
          "title": "Rotate keys | now @carol",
          "postmortem": "postmortems/db.md",
          "line": 7,
          "owners": [
            "alice"
          ],
          "due": "2024-02-01",
          "state": "open",
          "overdue": true,
          "days_overdue": 29,
          "age_days": 49,
          "issue": {
            "number": 12,
            "url": "https://github.com/o/r/issues/12"
          }
        }
      ]
    }
  ],
  "owners": [
    {
      "owner": "alice",
      "open": 1,
      "overdue": 1,
      "items": [
        {
          "postmortem": "postmortems/db.md",
          "line": 7,
          "title": "Rotate keys | now @carol",
          "issue": 12,
          "overdue": true
        }
      ]
    }
  ],
  "types": [
    {
      "type": null,
      "items": 2,
      "open": 2,
      "overdue": 1,
      "done": 0,
      "health": {
        "on_time": 0,
        "late": 1,
        "on_time_percent": 0,
        "median_days_to_close": null,
        "open_by_age": [
          0,
          2,
          0,
          0
        ]
      }
    }
  ],
  "health": {
    "overall": {
      "on_time": 0,
      "late": 1,
      "on_time_percent": 0,
      "median_days_to_close": null,
      "open_by_age": [
        0,
        2,
        0,
        0
      ]
    },
    "owners": [
      {
        "owner": "alice",
        "on_time": 0,
        "late": 1,
        "on_time_percent": 0,
        "median_days_to_close": null,
        "open_by_age": [
          0,
          1,
          0,
          0
        ]
      },
      {
        "owner": "Jane Doe",
        "on_time": 0,
        "late": 0,
        "on_time_percent": null,
        "median_days_to_close": null,
        "open_by_age": [
          0,
          1,
          0,
          0
        ]
      }
    ],
    "months": [
      {
        "month": "2024-02",
        "on_time": 0,
        "late": 0
      },
      {
        "month": "2024-03",
        "on_time": 0,
        "late": 0
      }
    ],
    "oldest_open": [
      {
        "title": "Write runbook",
        "postmortem": "postmortems/db.md",
        "line": 8,
        "issue": null,
        "age_days": 51
      },
      {
        "title": "Rotate keys | now @carol",
        "postmortem": "postmortems/db.md",
        "line": 7,
        "issue": 12,
        "age_days": 49
      }
    ]
  },
  "weeks": [
    {
      "week_end": "2024-02-16",
      "open": 2,
      "overdue": 1
    },
    {
      "week_end": "2024-02-23",
      "open": 2,
      "overdue": 1
    },
    {
      "week_end": "2024-03-01",
      "open": 2,
      "overdue": 1
    }
  ],
  "recurring": []
}
"#;
        assert_eq!(json(&r), expected);
    }

    #[test]
    fn the_issue_body_ends_with_the_marker_and_fits_github() {
        let b = issue_body("hello");
        assert_eq!(b, format!("hello\n\n{REPORT_MARKER}\n"));
        let long = "| row |\n".repeat(20_000);
        let b = issue_body(&long);
        assert!(b.chars().count() < 65_536);
        assert!(b.ends_with(&format!("{REPORT_MARKER}\n")));
        assert!(b.contains("was cut"));
    }

    #[test]
    fn logins_and_names_are_told_apart() {
        assert!(is_login("alice"));
        assert!(is_login("sre-oncall"));
        assert!(is_login("acme/sre"));
        assert!(!is_login("Jane Doe"));
        assert!(!is_login("-x"));
        assert_eq!(person("@bob", false), "`@bob`");
        assert_eq!(person("bob", true), "@bob");
    }
}
