//! The words that decide structure: section names (what opens the
//! corrective-measures section), terminal parts (what ends it), sub-group
//! labels and horizons, and prose that is never a task. Pure.

use super::text;
use crate::model::Horizon;

/// Heading text reduced for matching: markup and leading decoration
/// (emoji, bullets, numbering like `5.`) removed, trailing `:`/`;` removed,
/// lower case, single spaces.
pub fn heading_key(raw: &str) -> String {
    key_of_clean(&text::clean(raw))
}

/// [`heading_key`] of text whose markup is already stripped.
pub fn key_of_clean(t: &str) -> String {
    let t = t.trim_start_matches(|c: char| !c.is_alphanumeric());
    // Leading section numbers: "5. Action Items", "IV. Action items" are rare; keep digits only form.
    let t = strip_numbering(t);
    // Trailing decoration: emoji, `:`/`;`/`.`, closing `#`s.
    let t = t.trim_end_matches(|c: char| !c.is_alphanumeric() && c != ')');
    t.to_lowercase()
}

fn strip_numbering(t: &str) -> &str {
    let digits = t
        .bytes()
        .take_while(|c| c.is_ascii_digit() || *c == b'.')
        .count();
    if digits > 0 && t[digits..].starts_with(' ') && t[..digits].bytes().any(|c| c.is_ascii_digit())
    {
        t[digits..].trim_start()
    } else {
        t
    }
}

/// A cheap test that a raw line could name the section, before the costly
/// normalisation: short, and holding one of the names' stems (ASCII case
/// folded, no allocation).
pub fn may_name_section(raw: &str) -> bool {
    let b = raw.as_bytes();
    if b.len() > 160 {
        return false;
    }
    let at = |i: usize, stem: &[u8]| {
        b.len() - i >= stem.len()
            && b[i..i + stem.len()]
                .iter()
                .zip(stem)
                .all(|(x, y)| x.to_ascii_lowercase() == *y)
    };
    (0..b.len()).any(|i| match b[i] | 0x20 {
        b'c' => at(i, b"correct"),
        b'p' => at(i, b"prevent"),
        b'a' => at(i, b"action item"),
        b'f' => at(i, b"follow"),
        b'r' => at(i, b"remediat") || at(i, b"recurrence"),
        _ => false,
    })
}

/// Does this heading/label text name the corrective-measures section?
pub fn is_section_name(key: &str) -> bool {
    if key.len() > 60 {
        return false;
    }
    // Drop a trailing qualifier in parentheses: "Action Items (TODO)".
    let k = match key.find('(') {
        Some(p) if key.ends_with(')') => key[..p].trim_end(),
        _ => key,
    };
    let k = k.replace(['-', '‐', '–'], " ").replace(['&', '/'], " and ");
    let k = text::collapse(&k);
    let prevent = ["preventative", "preventive", "prevention"];
    let measures = ["measures", "actions", "action items", "steps"];
    let w: Vec<&str> = k.split(' ').collect();
    match w.as_slice() {
        ["corrective", "and", p, m] | ["corrective", p, m]
            if prevent.contains(p) && measures.contains(m) =>
        {
            true
        }
        [p, "and", "corrective", m] if prevent.contains(p) && measures.contains(m) => true,
        ["corrective" | "preventive" | "preventative", "measures" | "actions"] => true,
        ["corrective", "and", p, "action", "items"] if prevent.contains(p) => true,
        ["action", "items" | "item"] => true,
        ["follow", "ups" | "up"] | ["followups" | "followup"] => true,
        ["follow", "up", "actions" | "items" | "tasks"] => true,
        ["remediation" | "remediations"] => true,
        ["remediation", "items" | "actions" | "steps" | "tasks"] => true,
        ["tasks", "to", "prevent", "recurrence"] => true,
        _ => false,
    }
}

/// Does this heading/label start a part that is clearly not the measures?
pub fn is_terminal(key: &str) -> bool {
    const STARTS: [&str; 75] = [
        "attachments",
        "further reading",
        "resources",
        "reviewers",
        "approvals",
        "sign off",
        "sign-off",
        "revision history",
        "document history",
        "changelog",
        "open questions",
        "questions",
        "faq",
        "what we learned",
        "incident details",
        "incident overview",
        "customer impact",
        "references and links",
        "conclusion",
        "in conclusion",
        "conclusions",
        "to conclude",
        "summary",
        "in summary",
        "executive summary",
        "incident summary",
        "issue summary",
        "final thought",
        "final thoughts",
        "final word",
        "final words",
        "final note",
        "final notes",
        "final remarks",
        "closing",
        "lessons",
        "lesson learned",
        "learnings",
        "key learnings",
        "key takeaways",
        "takeaways",
        "timeline",
        "time line",
        "root cause",
        "root causes",
        "appendix",
        "appendinx",
        "author",
        "attendees",
        "participants",
        "stats",
        "statistics",
        "impact",
        "resolution",
        "detection",
        "background",
        "overview",
        "what happened",
        "what went",
        "where we got lucky",
        "glossary",
        "references",
        "supporting information",
        "contributing factors",
        "trigger",
        "symptoms",
        "acknowledg",
        "thank",
        "related",
        "recovery",
        "status:",
        "duration",
        "postmortem",
        "post mortem",
        "post-mortem",
    ];
    let k = key.trim();
    STARTS.iter().any(|s| {
        k.starts_with(s)
            && k[s.len()..].chars().next().is_none_or(|c| {
                !c.is_alphanumeric() || s.ends_with("acknowledg") || s.ends_with("thank")
            })
    })
}

/// Does a short label name a kind or horizon of work (Improvements, Fixes,
/// Tasks, TODO, Immediate, Short Term …)?
pub fn is_group_word(key: &str) -> bool {
    if text::word_count(key) > 10 {
        return false;
    }
    const WORDS: [&str; 24] = [
        "improvement",
        "fix",
        "task",
        "todo",
        "to do",
        "to-do",
        "action",
        "measure",
        "immediate",
        "short term",
        "short-term",
        "medium term",
        "medium-term",
        "mid term",
        "mid-term",
        "long term",
        "long-term",
        "corrective",
        "prevent",
        "follow",
        "remediation",
        "next step",
        "mitigation",
        "recommendation",
    ];
    WORDS.iter().any(|w| key.contains(w))
}

/// A text made only of group-label words ("Improvements", "Short term",
/// "Tasks", "Next steps"), so it names a group even without a colon; an
/// imperative such as "Fix logging" is not.
pub fn is_label_only(key: &str) -> bool {
    const WORDS: [&str; 36] = [
        "improvements",
        "improvement",
        "fixes",
        "tasks",
        "task",
        "list",
        "todo",
        "to",
        "do",
        "action",
        "actions",
        "items",
        "next",
        "steps",
        "immediate",
        "short",
        "medium",
        "mid",
        "long",
        "term",
        "follow",
        "ups",
        "up",
        "mitigations",
        "recommendations",
        "preventive",
        "preventative",
        "corrective",
        "measures",
        "and",
        "other",
        "general",
        "remaining",
        "open",
        "future",
        "near",
    ];
    let mut any = false;
    for w in key
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !WORDS.contains(&w) {
            return false;
        }
        any = true;
    }
    any && key.len() <= 40
}

/// Horizon named by a group label.
pub fn horizon_of(group: &str) -> Option<Horizon> {
    if group.is_empty() {
        return None;
    }
    // Words, ASCII case ignored ("short-term" and "Short term" alike).
    let has = |w: &str| text::contains_ci(group, w);
    let term = |w: &str| has(w) && has("term");
    if has("immediate") || has("urgent") || has("asap") || group.eq_ignore_ascii_case("now") {
        Some(Horizon::Immediate)
    } else if term("short") || term("near") {
        Some(Horizon::ShortTerm)
    } else if term("medium") || term("mid") {
        Some(Horizon::MediumTerm)
    } else if term("long") {
        Some(Horizon::LongTerm)
    } else {
        None
    }
}

/// A paragraph that opens the conclusion and ends the section.
pub fn opens_conclusion(clean_line: &str) -> bool {
    [
        "in conclusion",
        "conclusion:",
        "to conclude",
        "in summary",
        "to summarize",
        "to sum up",
    ]
    .iter()
    .any(|p| text::starts_with_ci(clean_line, p))
}

/// Summary or closing prose, never a task ("By addressing these areas, we
/// aim to…", "These steps will help…", "This postmortem outlines…").
pub fn is_closing_prose(clean_line: &str) -> bool {
    const FIRST: [&str; 13] = [
        "by ",
        "these ",
        "this ",
        "together",
        "overall",
        "through ",
        "with ",
        "collectively",
        "all ",
        "we",
        "going ",
        "moving ",
        "we'",
    ];
    if !FIRST.iter().any(|f| text::starts_with_ci(clean_line, f)) {
        return false;
    }
    let l = clean_line.to_lowercase();
    let words: Vec<&str> = l.split_whitespace().collect();
    let Some(first) = words.first() else {
        return false;
    };
    if *first == "by" && words.get(1).is_some_and(|w| w.ends_with("ing")) {
        return true;
    }
    if matches!(
        *first,
        "these" | "this" | "together" | "overall" | "through" | "with" | "collectively" | "all"
    ) && (l.contains(" will ")
        || l.contains(" aim")
        || l.contains(" help")
        || l.contains(" ensure")
        || l.contains(" outline")
        || l.contains(" provide")
        || l.contains(" should ")
        || l.contains(" serve"))
        && !l.contains(':')
    {
        return true;
    }
    let we = [
        "we aim",
        "we are committed",
        "we believe",
        "we hope",
        "we remain",
        "we apologi",
        "we are confident",
        "we will continue",
        "we're committed",
    ];
    if we.iter().any(|p| l.starts_with(p)) {
        return true;
    }
    l.starts_with("going forward, we") || l.starts_with("moving forward, we")
}

/// "N/A", "No immediate action items.", "Open items are tracked in …".
pub fn is_nothing_to_do(clean_line: &str) -> bool {
    let first = clean_line
        .bytes()
        .next()
        .unwrap_or(b' ')
        .to_ascii_lowercase();
    if !matches!(first, b'n' | b't') && !clean_line.contains("tracked") {
        return false;
    }
    let n = text::normalize(clean_line);
    if matches!(
        n.as_str(),
        "n a" | "na" | "none" | "nothing" | "tbd" | "none yet" | "none identified"
    ) {
        return true;
    }
    (n.starts_with("no ") && (n.contains("action") || n.contains("item") || n.contains("follow")))
        || n.contains("are tracked in")
        || n.contains("is tracked in")
        || n.contains("tracked in our")
}

/// A short text ending in `:` that is a sentence leading into items ("To
/// prevent this, we will:"), not a label naming a group of them.
pub fn reads_as_sentence(body: &str) -> bool {
    if body.contains(',') {
        return true;
    }
    const OPENERS: [&str; 11] = [
        "to", "we", "in", "here", "below", "this", "these", "the", "our", "going", "moving",
    ];
    let first = body.split_whitespace().next().unwrap_or("");
    if OPENERS.iter().any(|o| first.eq_ignore_ascii_case(o))
        && !text::contains_ci(body, "task")
        && !text::contains_ci(body, "term")
    {
        return true;
    }
    // A word of intent inside (`following` may go on: "followings").
    [
        ("we", true),
        ("will", true),
        ("following", false),
        ("should", true),
        ("must", true),
    ]
    .iter()
    .any(|&(w, whole)| has_word_ci(body, w, whole))
}

/// `s` holds `word` (lower case) after a space or at its start, and, when
/// `whole`, before a space or at its end; ASCII case ignored.
fn has_word_ci(s: &str, word: &str, whole: bool) -> bool {
    let (b, w) = (s.as_bytes(), word.as_bytes());
    if b.len() < w.len() {
        return false;
    }
    (0..=b.len() - w.len()).any(|i| {
        (i == 0 || b[i - 1] == b' ')
            && b[i..i + w.len()].eq_ignore_ascii_case(w)
            && (!whole || i + w.len() == b.len() || b[i + w.len()] == b' ')
    })
}

/// An introduction into the items: a longer sentence ending in `:` or `;`.
pub fn is_intro(clean_line: &str) -> bool {
    let t = clean_line.trim_end();
    (t.ends_with(':') || t.ends_with(';')) && text::word_count(t) > 8
}

/// A nested line that only annotates its parent (a reference, owner,
/// deadline), so it belongs in the parent's detail.
pub fn is_note(clean_line: &str) -> bool {
    let l = clean_line;
    let starts = |p: &str| text::starts_with_ci(l, p);
    const KEYS: [&str; 19] = [
        "see ",
        "ref:",
        "ref ",
        "refs:",
        "reference",
        "link:",
        "links:",
        "owner",
        "owners",
        "assignee",
        "deadline",
        "due",
        "eta",
        "target date",
        "status:",
        "note:",
        "notes:",
        "task:",
        "description:",
    ];
    KEYS.iter().any(|k| starts(k))
        || starts("http://")
        || starts("https://")
        || starts("priority:")
        || starts("tracking")
        || starts("ticket")
        || starts("issue:")
        || starts("jira")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_names_in_their_real_spellings() {
        for s in [
            "**Corrective and Preventative Measures:**",
            "## Corrective and preventive measures;",
            "🛠️ Action Items",
            "Action Items (TODO)",
            "Follow-ups",
            "Follow-up Actions",
            "Remediation Items",
            "## 5. Corrective & Preventative Measures 🛠️",
            "Tasks to prevent recurrence",
            "Corrective Actions",
            "Preventive Measures",
        ] {
            assert!(
                is_section_name(&heading_key(s.trim_start_matches('#'))),
                "{s}"
            );
        }
        for s in [
            "Action items were discussed",
            "Lessons Learned",
            "Follow-up Actions: list tasks",
        ] {
            assert!(!is_section_name(&heading_key(s)), "{s}");
        }
    }

    #[test]
    fn terminal_and_group_labels() {
        assert!(is_terminal(&heading_key("## Lessons Learned")));
        assert!(is_terminal(&heading_key("Conclusion:")));
        assert!(!is_terminal(&heading_key("Long Term")));
        assert!(is_group_word(&heading_key("Improvements/Fixes:")));
        assert!(is_group_word(&heading_key("Short Term")));
        assert!(!is_group_word(&heading_key(
            "Making the Postmortem Attractive"
        )));
    }

    #[test]
    fn prose_that_is_never_a_task() {
        assert!(is_closing_prose(
            "By addressing these areas, we aim to prevent outages."
        ));
        assert!(is_closing_prose("These steps will help ensure stability."));
        assert!(is_closing_prose("This postmortem outlines the incident."));
        assert!(!is_closing_prose("Add monitoring for disk usage."));
        assert!(is_nothing_to_do("No immediate action items."));
        assert!(is_nothing_to_do("N/A"));
        assert!(is_intro(
            "To prevent similar issues in the future, the following measures will be implemented:"
        ));
        assert!(!is_intro("Tasks:"));
        assert!(reads_as_sentence(
            "To prevent this from happening again, we will"
        ));
        assert!(reads_as_sentence("We will do the following"));
        assert!(!reads_as_sentence("Tasks to Address the Issue"));
        assert!(!reads_as_sentence("The short term"));
        assert!(!reads_as_sentence("Improvements/Fixes"));
    }

    #[test]
    fn horizons_from_group_names() {
        assert_eq!(horizon_of("Short-term"), Some(Horizon::ShortTerm));
        assert_eq!(horizon_of("Immediate actions"), Some(Horizon::Immediate));
        assert_eq!(horizon_of("Tasks"), None);
    }
}
