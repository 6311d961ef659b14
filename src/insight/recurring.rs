//! Recurring promises: the same fix promised in several postmortems, the
//! clearest sign that follow-ups are not getting done. Items of different
//! documents are grouped when their titles say the same thing: their
//! content words (stop words and generic verbs such as "implement",
//! "conduct", "improve" left out, each word cut to a simple stem) overlap
//! with a Jaccard similarity of at least [`THRESHOLD`] and share at least
//! two stems. Groups are the connected items (one item may bridge two
//! wordings).

use super::words;

/// Least Jaccard similarity of two items' stems to count as the same
/// promise (tuned on the shared corpus: see the test).
pub const THRESHOLD: f64 = 0.6;

/// One item, as the grouping sees it.
#[derive(Debug, Clone, Copy)]
pub struct Promise<'a> {
    /// Its document.
    pub postmortem: &'a str,
    /// Its title.
    pub title: &'a str,
}

/// Words that say nothing about what is promised.
const NOISE: &[&str] = &[
    "a",
    "all",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "by",
    "e",
    "g",
    "eg",
    "etc",
    "for",
    "from",
    "in",
    "into",
    "is",
    "it",
    "its",
    "of",
    "on",
    "or",
    "our",
    "that",
    "the",
    "their",
    "them",
    "this",
    "to",
    "we",
    "with",
    "when",
    "which",
    "will",
    "can",
    "should",
    "must",
    "implement",
    "conduct",
    "add",
    "create",
    "improve",
    "enhance",
    "strengthen",
    "ensure",
    "establish",
    "develop",
    "provide",
    "perform",
    "introduce",
    "make",
    "set",
    "up",
    "use",
    "utilize",
    "regular",
    "regularly",
    "thorough",
    "comprehensive",
    "proactive",
    "stricter",
    "strict",
    "potential",
    "similar",
    "critical",
    "issues",
    "issue",
    "early",
    "new",
    "better",
    "more",
    "additional",
    "update",
    "updates",
    "process",
    "processes",
    "procedure",
    "procedures",
    "system",
    "systems",
    "mechanism",
    "other",
    "future",
    "prevent",
    "such",
    "like",
    "before",
    "after",
    "any",
    "each",
    "every",
    "also",
    "due",
    "eta",
];

/// A simple stem: the word without a common English ending
/// (`automatically`, `automated`, `automation` → `automat`; `renewal`,
/// `renewed` → `renew`; `alerts` → `alert`).
pub fn stem(w: &str) -> String {
    const ENDINGS: &[(&str, &str)] = &[
        ("ically", ""),
        ("ations", "at"),
        ("ation", "at"),
        ("ated", "at"),
        ("ates", "at"),
        ("ate", "at"),
        ("ings", ""),
        ("ing", ""),
        ("als", ""),
        ("al", ""),
        ("ies", "y"),
        ("ers", "er"),
        ("ed", ""),
        ("ly", ""),
        ("y", ""),
        ("e", ""),
    ];
    for (end, with) in ENDINGS {
        if let Some(base) = w.strip_suffix(end) {
            if base.chars().count() >= 3 {
                return format!("{base}{with}");
            }
        }
    }
    match w.strip_suffix('s') {
        Some(base) if !base.ends_with('s') && base.chars().count() >= 3 => base.to_string(),
        _ => w.to_string(),
    }
}

/// The stems of what an item promises.
pub fn stems(title: &str) -> Vec<String> {
    // `@owner` mentions say who, not what.
    let text: Vec<&str> = title
        .split_whitespace()
        .filter(|w| !w.starts_with('@'))
        .collect();
    let mut out: Vec<String> = words(&crate::parse::text::without_refs(&text.join(" ")))
        .into_iter()
        .filter(|w| !NOISE.contains(&w.as_str()) && w.chars().any(char::is_alphabetic))
        .map(|w| stem(&w))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// How alike two stem sets are (Jaccard), and how many stems they share.
fn likeness(a: &[String], b: &[String]) -> (f64, usize) {
    let shared = a.iter().filter(|s| b.contains(s)).count();
    let union = a.len() + b.len() - shared;
    if union == 0 {
        return (0.0, 0);
    }
    (shared as f64 / union as f64, shared)
}

/// The groups of promises made in two or more postmortems, each as indices
/// into `items` in input order; groups in the order of their first item.
pub fn group(items: &[Promise]) -> Vec<Vec<usize>> {
    let stems: Vec<Vec<String>> = items.iter().map(|p| stems(p.title)).collect();
    let mut parent: Vec<usize> = (0..items.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    // Candidate pairs share a stem that is not too common (a stem in more
    // than `cap` items, like "monitor" in a large repository, names no
    // promise by itself): linear in items for a repository of any size,
    // instead of comparing every pair.
    let cap = (items.len() / 100).max(50);
    let mut by_stem: std::collections::HashMap<&str, Vec<usize>> = Default::default();
    for (i, ss) in stems.iter().enumerate() {
        for s in ss {
            by_stem.entry(s.as_str()).or_default().push(i);
        }
    }
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for ids in by_stem.values().filter(|ids| ids.len() <= cap) {
        for (k, &i) in ids.iter().enumerate() {
            for &j in &ids[k + 1..] {
                pairs.push((i, j));
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    for (i, j) in pairs {
        if items[i].postmortem == items[j].postmortem {
            continue;
        }
        let (sim, shared) = likeness(&stems[i], &stems[j]);
        if sim >= THRESHOLD && shared >= 2 {
            let (a, b) = (root(&mut parent, i), root(&mut parent, j));
            if a != b {
                parent[b.max(a)] = a.min(b);
            }
        }
    }
    let mut groups: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for i in 0..items.len() {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    groups
        .into_values()
        .filter(|g| {
            let mut docs: Vec<&str> = g.iter().map(|&i| items[i].postmortem).collect();
            docs.sort_unstable();
            docs.dedup();
            docs.len() >= 2
        })
        .collect()
}

/// The pairs (`new` index, `elsewhere` index) that promise the same thing:
/// what `check` warns about when a postmortem promises a fix still open in
/// another one. Items of the same document are never paired.
pub fn promised_elsewhere(new: &[Promise], elsewhere: &[Promise]) -> Vec<(usize, usize)> {
    let theirs: Vec<Vec<String>> = elsewhere.iter().map(|p| stems(p.title)).collect();
    let mut by_stem: std::collections::HashMap<&str, Vec<usize>> = Default::default();
    for (i, ss) in theirs.iter().enumerate() {
        for s in ss {
            by_stem.entry(s.as_str()).or_default().push(i);
        }
    }
    let mut out = Vec::new();
    for (n, p) in new.iter().enumerate() {
        let mine = stems(p.title);
        let mut candidates: Vec<usize> = mine
            .iter()
            .filter_map(|s| by_stem.get(s.as_str()))
            .flatten()
            .copied()
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        for e in candidates {
            if elsewhere[e].postmortem == p.postmortem {
                continue;
            }
            let (sim, shared) = likeness(&mine, &theirs[e]);
            if sim >= THRESHOLD && shared >= 2 {
                out.push((n, e));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_keep_what_is_promised() {
        assert_eq!(
            stems("Implement an automated system for SSL certificate renewal"),
            ["automat", "certificat", "renew", "ssl"]
        );
        assert_eq!(
            stems("Renew certificates automatically"),
            ["automat", "certificat", "renew"]
        );
    }

    #[test]
    fn the_same_fix_in_two_documents_is_one_group_and_never_within_one() {
        let items = [
            Promise {
                postmortem: "a.md",
                title: "Renew certificates automatically",
            },
            Promise {
                postmortem: "a.md",
                title: "Automate certificate renewal",
            },
            Promise {
                postmortem: "b.md",
                title: "Implement an automated system for SSL certificate renewal",
            },
            Promise {
                postmortem: "b.md",
                title: "Add replica lag alerting",
            },
            Promise {
                postmortem: "c.md",
                title: "Rotate the database credentials",
            },
        ];
        assert_eq!(group(&items), vec![vec![0, 1, 2]]);
        // Two wordings of one document alone are no recurring promise.
        assert!(group(&items[..2]).is_empty());
        // A new postmortem's item against the open items of others.
        let new = [Promise {
            postmortem: "new.md",
            title: "Automate SSL certificate renewal",
        }];
        assert_eq!(
            promised_elsewhere(&new, &items),
            vec![(0, 0), (0, 1), (0, 2)]
        );
        assert!(promised_elsewhere(&new, &items[3..]).is_empty());
    }
}
