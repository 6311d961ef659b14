//! The type of an action item: investigate, mitigate, repair, detect,
//! prevent (the kinds of Google's SRE book), process or documentation.
//! From a Type column when the table has one, else from the item's wording
//! with a small vocabulary (below) that config extends (`types:` in
//! `.pmtrack.yml`). An item whose words name no type has none.

use super::words;
pub use crate::model::ItemType;
use std::collections::BTreeMap;

/// The words that say a type (stems: a word starting with one counts).
fn stems(t: ItemType) -> &'static [&'static str] {
    match t {
        ItemType::Documentation => &[
            "document", "docs", "runbook", "playbook", "wiki", "readme", "write-up",
        ],
        ItemType::Detect => &[
            "alert",
            "alarm",
            "monitor",
            "dashboard",
            "detect",
            "observab",
            "metric",
            "paging",
            "page",
            "notif",
            "log",
            "trace",
            "slo",
            "probe",
            "synthetic",
        ],
        ItemType::Investigate => &[
            "investigat",
            "analy",
            "root",
            "determine",
            "understand",
            "research",
            "evaluat",
            "assess",
            "audit",
            "explore",
            "identify",
            "find",
        ],
        ItemType::Mitigate => &[
            "mitigat", "rollback", "failover", "fallback", "throttl", "shed", "degrad", "circuit",
            "isolat", "redundan", "retry", "retries",
        ],
        ItemType::Repair => &[
            "fix", "repair", "restore", "patch", "renew", "rotat", "replac", "upgrad", "revert",
            "clean", "remov", "correct", "migrat",
        ],
        ItemType::Prevent => &[
            "prevent", "validat", "test", "guard", "enforc", "lint", "automat", "block", "require",
            "canary", "limit", "quota", "verif", "protect",
        ],
        ItemType::Process => &[
            "process",
            "train",
            "policy",
            "review",
            "on-call",
            "oncall",
            "rotation",
            "escalat",
            "communicat",
            "approv",
            "drill",
            "meeting",
            "checklist",
            "postmortem",
        ],
    }
}

/// More words per type (config `types:`), on top of the built-in ones.
pub type Vocabulary = BTreeMap<ItemType, Vec<String>>;

/// The type of an item: its Type cell when it names one, else the first
/// type (in [`ItemType::ALL`] order) one of whose stems starts a word of
/// its title (then of its detail).
pub fn classify(
    cell: Option<&str>,
    title: &str,
    detail: &str,
    extra: &Vocabulary,
) -> Option<ItemType> {
    if let Some(t) = cell.and_then(ItemType::named) {
        return Some(t);
    }
    // Each word's first type (in `ALL` order); the first over all words.
    let extra: Vec<(usize, String)> = ItemType::ALL
        .iter()
        .enumerate()
        .flat_map(|(k, t)| {
            extra
                .get(t)
                .into_iter()
                .flatten()
                .map(move |s| (k, s.to_lowercase()))
        })
        .collect();
    for text in [title, detail] {
        // `@owner` mentions say who, not what (`@sre-oncall` is no process).
        let what: Vec<&str> = text
            .split_whitespace()
            .filter(|w| !w.starts_with('@'))
            .collect();
        let mut best = ItemType::ALL.len();
        for w in words(&what.join(" ")) {
            let first = ItemType::ALL[..best].iter().position(|&t| {
                stems(t)
                    .iter()
                    .any(|s| s.as_bytes().first() == w.as_bytes().first() && w.starts_with(s))
            });
            let first_extra = extra
                .iter()
                .filter(|(k, s)| *k < best && w.starts_with(s.as_str()))
                .map(|(k, _)| *k)
                .min();
            best = best
                .min(first.unwrap_or(usize::MAX))
                .min(first_extra.unwrap_or(usize::MAX));
            if best == 0 {
                break;
            }
        }
        if let Some(&t) = ItemType::ALL.get(best) {
            return Some(t);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(title: &str) -> Option<ItemType> {
        classify(None, title, "", &Vocabulary::new())
    }

    #[test]
    fn each_type_from_its_wording() {
        assert_eq!(of("Add replica lag alerting"), Some(ItemType::Detect));
        assert_eq!(
            of("Add synthetic DNS probes @sre-oncall"),
            Some(ItemType::Detect)
        );
        assert_eq!(of("Tune the pool size @oncall-team"), None);
        assert_eq!(of("Monitor certificate expiry"), Some(ItemType::Detect));
        assert_eq!(
            of("Write the failover runbook"),
            Some(ItemType::Documentation)
        );
        assert_eq!(
            of("Investigate why the cache stampeded"),
            Some(ItemType::Investigate)
        );
        assert_eq!(
            of("Add automatic failover for the primary"),
            Some(ItemType::Mitigate)
        );
        assert_eq!(of("Renew the certificate by hand"), Some(ItemType::Repair));
        assert_eq!(
            of("Validate configuration changes before deploy"),
            Some(ItemType::Prevent)
        );
        assert_eq!(of("Train the on-call engineers"), Some(ItemType::Process));
        assert_eq!(of("Coffee for everyone"), None);
    }

    #[test]
    fn a_type_cell_wins_and_config_adds_words() {
        assert_eq!(
            classify(Some("Prevent"), "Add alerting", "", &Vocabulary::new()),
            Some(ItemType::Prevent)
        );
        assert_eq!(
            classify(Some("mitigation"), "x", "", &Vocabulary::new()),
            Some(ItemType::Mitigate)
        );
        assert_eq!(
            classify(Some("detection"), "x", "", &Vocabulary::new()),
            Some(ItemType::Detect)
        );
        // An unknown cell falls back to the wording.
        assert_eq!(
            classify(Some("n/a"), "Add alerting", "", &Vocabulary::new()),
            Some(ItemType::Detect)
        );
        let mut v = Vocabulary::new();
        v.insert(ItemType::Prevent, vec!["chaos".into()]);
        assert_eq!(
            classify(None, "Run chaos experiments", "", &v),
            Some(ItemType::Prevent)
        );
        assert_eq!(of("Run chaos experiments"), None);
        // The detail speaks when the title does not.
        assert_eq!(
            classify(None, "Grafana", "Alert on p99 latency", &Vocabulary::new()),
            Some(ItemType::Detect)
        );
    }
}
