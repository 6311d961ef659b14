//! Advice on how an action item is written, for `pmtrack check`: it states
//! an action (starts with a verb), it is specific (not a vague verb with a
//! generic object alone, like "Improve monitoring"), and it is not written
//! twice in its document. Each rule is switchable in config
//! (`check.advice_*`). Advice never fails a check.

use super::words;
use crate::model::{Postmortem, Task};

/// Which rules run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// The item starts with a verb.
    pub action: bool,
    /// The item is specific.
    pub specific: bool,
    /// No item is written twice in its document.
    pub duplicates: bool,
}

/// One piece of advice: the item's line and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advice {
    /// 1-based line of the item.
    pub line: usize,
    /// What to change, worded as advice.
    pub message: String,
}

/// Imperative verbs action items start with (their first word, lower case).
const VERBS: &[&str] = &[
    "add",
    "adjust",
    "alert",
    "align",
    "allow",
    "analyse",
    "analyze",
    "apply",
    "archive",
    "assess",
    "assign",
    "audit",
    "automate",
    "avoid",
    "backfill",
    "block",
    "build",
    "bump",
    "cache",
    "cap",
    "change",
    "check",
    "clarify",
    "clean",
    "close",
    "codify",
    "collect",
    "communicate",
    "configure",
    "confirm",
    "consolidate",
    "create",
    "deduplicate",
    "define",
    "delete",
    "deploy",
    "deprecate",
    "describe",
    "design",
    "detect",
    "determine",
    "disable",
    "document",
    "drop",
    "enable",
    "enforce",
    "ensure",
    "establish",
    "estimate",
    "evaluate",
    "expand",
    "expose",
    "extend",
    "find",
    "fix",
    "follow",
    "gate",
    "harden",
    "identify",
    "implement",
    "improve",
    "include",
    "increase",
    "instrument",
    "introduce",
    "investigate",
    "isolate",
    "keep",
    "label",
    "limit",
    "lint",
    "log",
    "lower",
    "make",
    "measure",
    "merge",
    "migrate",
    "mitigate",
    "monitor",
    "move",
    "notify",
    "page",
    "patch",
    "pin",
    "plan",
    "prevent",
    "prioritize",
    "prioritise",
    "provide",
    "publish",
    "raise",
    "rate-limit",
    "reduce",
    "refactor",
    "reject",
    "remove",
    "rename",
    "renew",
    "replace",
    "reproduce",
    "require",
    "research",
    "reserve",
    "reset",
    "resize",
    "restore",
    "restrict",
    "retire",
    "retry",
    "review",
    "revert",
    "revise",
    "rewrite",
    "roll",
    "rotate",
    "run",
    "scale",
    "schedule",
    "separate",
    "set",
    "share",
    "ship",
    "shorten",
    "simplify",
    "split",
    "start",
    "stop",
    "store",
    "switch",
    "sync",
    "tag",
    "teach",
    "test",
    "throttle",
    "tighten",
    "track",
    "train",
    "tune",
    "turn",
    "understand",
    "unify",
    "update",
    "upgrade",
    "use",
    "validate",
    "verify",
    "version",
    "warn",
    "write",
];

/// First words that name a thing or a wish, not an action.
const NOT_ACTIONS: &[&str] = &[
    "better",
    "more",
    "improved",
    "new",
    "proper",
    "additional",
    "automated",
    "regular",
    "faster",
    "stronger",
    "clearer",
    "updated",
    "missing",
    "lack",
    "no",
    "need",
    "needs",
];

/// Verbs that say little on their own.
const VAGUE_VERBS: &[&str] = &[
    "improve",
    "enhance",
    "review",
    "revisit",
    "increase",
    "optimize",
    "optimise",
    "update",
    "look",
    "consider",
    "strengthen",
    "better",
];

/// Objects too general to act on alone.
const GENERIC_OBJECTS: &[&str] = &[
    "monitoring",
    "alerting",
    "alerts",
    "testing",
    "tests",
    "documentation",
    "docs",
    "process",
    "processes",
    "communication",
    "observability",
    "logging",
    "logs",
    "metrics",
    "resilience",
    "reliability",
    "performance",
    "tooling",
    "coverage",
    "visibility",
    "stability",
    "security",
    "procedures",
    "runbooks",
    "things",
    "it",
    "this",
];

/// Words that carry no meaning of their own in a title.
const FILLER: &[&str] = &[
    "the", "a", "an", "our", "of", "for", "and", "to", "in", "on", "into", "at", "around",
    "overall", "general", "further", "all", "some", "we", "should",
];

/// The advice for `pm`'s action items.
pub fn advise(pm: &Postmortem, rules: Rules) -> Vec<Advice> {
    let mut out = Vec::new();
    let mut seen: Vec<(String, usize)> = Vec::new();
    for t in &pm.tasks {
        let ws = title_words(t);
        if rules.action {
            if let Some(first) = ws.first() {
                let starter = NOT_ACTIONS.contains(&first.as_str())
                    || (!VERBS.contains(&first.as_str())
                        && ["ing", "tion", "ment", "ity"]
                            .iter()
                            .any(|e| first.ends_with(e))
                        && first.len() > 5);
                if starter {
                    out.push(Advice {
                        line: t.line,
                        message: format!(
                            "\"{}\" does not say what to do; start with a verb (\"Add …\", \"Automate …\", \"Alert when …\")",
                            short(&t.title)
                        ),
                    });
                }
            }
        }
        if rules.specific && is_vague(&ws) {
            out.push(Advice {
                line: t.line,
                message: format!(
                    "\"{}\" is too general to be done; name the signal, threshold or system (e.g. \"Alert when replica lag exceeds 30 s for 5 min\")",
                    short(&t.title)
                ),
            });
        }
        if rules.duplicates {
            // Written again word for word: the parser counted it once.
            for &again in &t.repeats {
                out.push(Advice {
                    line: again,
                    message: format!(
                        "\"{}\" is written twice in this postmortem (also line {}); keep one",
                        short(&t.title),
                        t.line
                    ),
                });
            }
            let norm = ws.join(" ");
            if !norm.is_empty() {
                match seen.iter().find(|(n, _)| *n == norm) {
                    Some((_, line)) => out.push(Advice {
                        line: t.line,
                        message: format!(
                            "\"{}\" is written twice in this postmortem (also line {line}); keep one",
                            short(&t.title)
                        ),
                    }),
                    None => seen.push((norm, t.line)),
                }
            }
        }
    }
    out.sort_by_key(|a| a.line);
    out
}

/// The title's words, without a leading `TODO:`-style tag or numbering.
fn title_words(t: &Task) -> Vec<String> {
    let title = crate::parse::text::without_refs(&t.title);
    let mut ws = words(&title);
    while ws
        .first()
        .is_some_and(|w| w == "todo" || w == "ai" || w.chars().all(|c| c.is_ascii_digit()))
    {
        ws.remove(0);
    }
    ws
}

/// A vague verb with only generic words after it ("Improve monitoring",
/// "Review our alerting and processes").
fn is_vague(ws: &[String]) -> bool {
    let Some((first, rest)) = ws.split_first() else {
        return false;
    };
    let rest: Vec<&String> = rest
        .iter()
        .filter(|w| !FILLER.contains(&w.as_str()) && w.as_str() != "up" && w.as_str() != "into")
        .collect();
    VAGUE_VERBS.contains(&first.as_str())
        && !rest.is_empty()
        && rest.iter().all(|w| GENERIC_OBJECTS.contains(&w.as_str()))
}

/// An item's title, short enough for a message (also `check`'s).
pub fn short(title: &str) -> String {
    let t = crate::parse::text::collapse(&crate::parse::text::without_refs(title));
    if t.chars().count() <= 60 {
        return t;
    }
    let mut s: String = t.chars().take(59).collect();
    s.push('…');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    const ALL: Rules = Rules {
        action: true,
        specific: true,
        duplicates: true,
    };

    fn advice(items: &str, rules: Rules) -> Vec<(usize, String)> {
        let pm = parse("pm.md", &format!("# Outage\n\n## Action items\n\n{items}"));
        advise(&pm, rules)
            .into_iter()
            .map(|a| (a.line, a.message))
            .collect()
    }

    #[test]
    fn an_item_that_names_a_thing_is_asked_for_a_verb() {
        let a = advice("- Better alerting on the queue\n- Monitoring of disk usage\n- Add alerting on the queue\n- Rotate the keys\n- Postgres failover drill\n", ALL);
        let lines: Vec<usize> = a.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [5, 6], "{a:?}");
        assert!(a[0].1.contains("start with a verb"), "{a:?}");
        // Switched off: nothing.
        let off = Rules {
            action: false,
            ..ALL
        };
        assert!(advice("- Better alerting on the queue\n", off).is_empty());
    }

    #[test]
    fn a_vague_verb_with_a_generic_object_alone_is_too_general() {
        let a = advice(
            "- Improve monitoring\n- Review our alerting and processes\n- Improve monitoring of replica lag\n- Update the runbook for failover\n",
            ALL,
        );
        let lines: Vec<usize> = a.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [5, 6], "{a:?}");
        assert!(
            a[0].1.contains("name the signal, threshold or system"),
            "{a:?}"
        );
        let off = Rules {
            specific: false,
            ..ALL
        };
        assert!(advice("- Improve monitoring\n", off).is_empty());
    }

    #[test]
    fn an_item_written_twice_in_its_document_is_flagged_once() {
        let a = advice(
            "- Add alerting on the queue\n- Rotate the keys\n- Add alerting on the queue (#12)\n",
            ALL,
        );
        assert_eq!(a.len(), 1, "{a:?}");
        assert_eq!(a[0].0, 7);
        assert!(a[0].1.contains("also line 5"), "{a:?}");
        let off = Rules {
            duplicates: false,
            ..ALL
        };
        assert!(advice("- Rotate the keys\n- Rotate the keys\n", off).is_empty());
    }
}
