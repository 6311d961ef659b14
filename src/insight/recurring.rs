//! Recurring promises: the same fix promised in several postmortems, the
//! clearest sign that follow-ups are not getting done. Items of different
//! documents are grouped when their titles say the same thing: their
//! content words (stop words and generic verbs such as "implement",
//! "conduct", "improve" left out, each word cut to a simple stem) overlap
//! with a Jaccard similarity of at least [`THRESHOLD`] and share at least
//! two stems. Groups are the connected items (one item may bridge two
//! wordings).

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

/// Words that say nothing about what is promised (sorted: looked up by
/// binary search).
const NOISE: &[&str] = &[
    "a",
    "add",
    "additional",
    "after",
    "all",
    "also",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "before",
    "better",
    "by",
    "can",
    "comprehensive",
    "conduct",
    "create",
    "critical",
    "develop",
    "due",
    "e",
    "each",
    "early",
    "eg",
    "enhance",
    "ensure",
    "establish",
    "eta",
    "etc",
    "every",
    "for",
    "from",
    "future",
    "g",
    "implement",
    "improve",
    "in",
    "into",
    "introduce",
    "is",
    "issue",
    "issues",
    "it",
    "its",
    "like",
    "make",
    "mechanism",
    "more",
    "must",
    "new",
    "of",
    "on",
    "or",
    "other",
    "our",
    "perform",
    "potential",
    "prevent",
    "proactive",
    "procedure",
    "procedures",
    "process",
    "processes",
    "provide",
    "regular",
    "regularly",
    "set",
    "should",
    "similar",
    "strengthen",
    "strict",
    "stricter",
    "such",
    "system",
    "systems",
    "that",
    "the",
    "their",
    "them",
    "this",
    "thorough",
    "to",
    "up",
    "update",
    "updates",
    "use",
    "utilize",
    "we",
    "when",
    "which",
    "will",
    "with",
];

/// A simple stem: the word without a common English ending
/// (`automatically`, `automated`, `automation` → `automat`; `renewal`,
/// `renewed` → `renew`; `alerts` → `alert`).
pub fn stem(w: &str) -> String {
    let mut out = String::new();
    stem_into(w, &mut out);
    out
}

/// [`stem`], written into `out` (emptied first).
fn stem_into(w: &str, out: &mut String) {
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
    out.clear();
    for (end, with) in ENDINGS {
        if let Some(base) = w.strip_suffix(end) {
            if base.chars().count() >= 3 {
                out.push_str(base);
                out.push_str(with);
                return;
            }
        }
    }
    match w.strip_suffix('s') {
        Some(base) if !base.ends_with('s') && base.chars().count() >= 3 => out.push_str(base),
        _ => out.push_str(w),
    }
}

/// The stems of what an item promises, sorted, each once.
pub fn stems(title: &str) -> Vec<String> {
    let mut out = Vec::new();
    each_stem(title, |s| out.push(s.to_string()));
    out.sort();
    out.dedup();
    out
}

/// What an item promises, compactly: the 64-bit FNV-1a hashes of the
/// stems of its title, sorted, each once. Computed where items are read
/// (on every core), so that grouping only compares numbers.
pub fn promise(title: &str) -> Box<[u64]> {
    let mut out = Vec::new();
    each_stem(title, |s| {
        let h = s.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        out.push(h);
    });
    out.sort_unstable();
    out.dedup();
    out.into_boxed_slice()
}

/// Calls `f` with the stem of each content word of `title`, in text order
/// (repeats included): its words (letters, digits and inner `'`), lower
/// case, without `@owner` mentions, issue references, noise words and
/// words without a letter. Two buffers for all the words: a report sees
/// every item of a repository.
fn each_stem(title: &str, mut f: impl FnMut(&str)) {
    // `@owner` mentions say who, not what.
    let text: Vec<&str> = title
        .split_whitespace()
        .filter(|w| !w.starts_with('@'))
        .collect();
    let text = text.join(" ");
    let text = crate::parse::text::without_refs(&text);
    let (mut lower, mut stemmed) = (String::new(), String::new());
    for w in text.split(|c: char| !(c.is_alphanumeric() || c == '\'')) {
        let w = w.trim_matches('\'');
        if w.is_empty() {
            continue;
        }
        lower.clear();
        if w.is_ascii() {
            lower.extend(w.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        } else {
            lower.push_str(&w.to_lowercase());
        }
        if NOISE.binary_search(&lower.as_str()).is_ok() || !lower.chars().any(char::is_alphabetic) {
            continue;
        }
        stem_into(&lower, &mut stemmed);
        f(&stemmed);
    }
}

/// How alike two sorted stem sets are (Jaccard), and how many stems they
/// share.
fn likeness<T: Ord>(a: &[T], b: &[T]) -> (f64, usize) {
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - shared;
    if union == 0 {
        return (0.0, 0);
    }
    (shared as f64 / union as f64, shared)
}

/// The groups of promises made in two or more postmortems, each as indices
/// into `items` in input order; groups in the order of their first item.
pub fn group(items: &[Promise]) -> Vec<Vec<usize>> {
    let mut docs: std::collections::HashMap<&str, u32> = Default::default();
    let mut index = Index::default();
    let wordings: Vec<Option<u32>> = items
        .iter()
        .map(|p| {
            let next = u32::try_from(docs.len()).unwrap_or(u32::MAX);
            let doc = *docs.entry(p.postmortem).or_insert(next);
            index.add(doc, &promise(p.title)).map(|(w, _)| w)
        })
        .collect();
    let roots = index.roots();
    let mut groups: std::collections::BTreeMap<u32, Vec<usize>> = Default::default();
    for (i, w) in wordings.iter().enumerate() {
        if let Some(w) = w {
            groups.entry(roots[*w as usize]).or_default().push(i);
        }
    }
    let mut out: Vec<Vec<usize>> = groups
        .into_values()
        .filter(|g| {
            let mut docs: Vec<&str> = g.iter().map(|&i| items[i].postmortem).collect();
            docs.sort_unstable();
            docs.dedup();
            docs.len() >= 2
        })
        .collect();
    out.sort_by_key(|g| g[0]);
    out
}

/// Every promise of a repository, kept small enough for a report over tens
/// of thousands of postmortems: stems are numbered once, and items whose
/// stems are the same share one **wording**. Feed items with [`Index::add`]
/// (a document's items together), then [`Index::roots`] says which
/// wordings are one promise.
///
/// Items with the same stems are the same promise whichever documents they
/// are in, so grouping wordings gives the groups that grouping the items
/// one by one gives (a repository that repeats one text a thousand times
/// costs one wording, not a million comparisons).
#[derive(Debug, Default)]
pub struct Index {
    /// A stem's hash → its number.
    stem_ids: std::collections::HashMap<u64, u32>,
    /// The wordings' stem numbers, sorted, one after another: wording `w`
    /// is `stems[starts[w]..starts[w + 1]]`.
    stems: Vec<u32>,
    starts: Vec<u32>,
    /// A hash of a wording's stems → the wording (a clash of two different
    /// wordings only costs a second wording).
    by_hash: std::collections::HashMap<u64, u32>,
    /// Per wording: the first document it was seen in, and whether it was
    /// seen in another one too.
    docs: Vec<(u32, bool)>,
}

impl Index {
    /// The wording of an item of document `doc` (any number the caller
    /// gives each document) that makes `promise` ([`promise`] of its
    /// title), and whether it is new; `None` when it has fewer than two
    /// stems (it can never share two).
    pub fn add(&mut self, doc: u32, promise: &[u64]) -> Option<(u32, bool)> {
        if promise.len() < 2 {
            return None;
        }
        let mut ids: Vec<u32> = promise
            .iter()
            .map(|&h| {
                let next = u32::try_from(self.stem_ids.len()).unwrap_or(u32::MAX);
                *self.stem_ids.entry(h).or_insert(next)
            })
            .collect();
        ids.sort_unstable();
        let hash = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            ids.hash(&mut h);
            h.finish()
        };
        if let Some(&w) = self.by_hash.get(&hash) {
            if self.wording(w) == ids.as_slice() {
                let seen = &mut self.docs[w as usize];
                seen.1 |= seen.0 != doc;
                return Some((w, false));
            }
        }
        if self.starts.is_empty() {
            self.starts.push(0);
        }
        let w = u32::try_from(self.docs.len()).unwrap_or(u32::MAX);
        self.stems.extend_from_slice(&ids);
        self.starts
            .push(u32::try_from(self.stems.len()).unwrap_or(u32::MAX));
        self.docs.push((doc, false));
        self.by_hash.entry(hash).or_insert(w);
        Some((w, true))
    }

    /// Wording `w`'s stem numbers, sorted.
    fn wording(&self, w: u32) -> &[u32] {
        let w = w as usize;
        &self.stems[self.starts[w] as usize..self.starts[w + 1] as usize]
    }

    /// Per wording, the lowest wording of its promise: two wordings are
    /// one promise when they are alike (a Jaccard similarity of at least
    /// [`THRESHOLD`], two stems shared) and not only ever written in one
    /// and the same document, or when a third wording links them.
    pub fn roots(&self) -> Vec<u32> {
        let n = self.docs.len();
        let mut parent: Vec<u32> = (0..u32::try_from(n).unwrap_or(u32::MAX)).collect();
        fn root(parent: &mut [u32], mut i: u32) -> u32 {
            while parent[i as usize] != i {
                parent[i as usize] = parent[parent[i as usize] as usize];
                i = parent[i as usize];
            }
            i
        }
        // Which wordings hold each stem, as one list sorted by stem.
        let mut postings: Vec<(u32, u32)> = (0..n)
            .flat_map(|w| {
                let w = w as u32;
                self.wording(w).iter().map(move |&s| (s, w))
            })
            .collect();
        postings.sort_unstable();
        let mut runs: Vec<(usize, usize)> = vec![(0, 0); self.stem_ids.len()];
        let mut at = 0;
        while at < postings.len() {
            let s = postings[at].0;
            let end = at + postings[at..].partition_point(|p| p.0 == s);
            runs[s as usize] = (at, end);
            at = end;
        }
        // Candidates share a stem that is not too common (a stem in more
        // than `cap` wordings, like "monitor" in a large repository, names
        // no promise by itself): each wording is compared with a bounded
        // number of others, never with every one.
        let cap = (n / 100).max(50);
        let mut seen_by: Vec<u32> = vec![u32::MAX; n];
        for i in 0..n {
            let wi = i as u32;
            let mine = self.wording(wi);
            for &s in mine {
                let (from, to) = runs[s as usize];
                if to - from > cap {
                    continue;
                }
                for &(_, j) in &postings[from..to] {
                    if j <= wi || seen_by[j as usize] == wi {
                        continue;
                    }
                    seen_by[j as usize] = wi;
                    let (a, b) = (self.docs[i], self.docs[j as usize]);
                    if !a.1 && !b.1 && a.0 == b.0 {
                        continue;
                    }
                    let (sim, shared) = likeness(mine, self.wording(j));
                    if sim >= THRESHOLD && shared >= 2 {
                        let (a, b) = (root(&mut parent, wi), root(&mut parent, j));
                        if a != b {
                            parent[a.max(b) as usize] = a.min(b);
                        }
                    }
                }
            }
        }
        (0..n).map(|w| root(&mut parent, w as u32)).collect()
    }
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

    /// The grouping by wordings is the grouping item by item: checked
    /// against comparing every pair of items, on items drawn from a small
    /// vocabulary (so that many share stems, some wholly).
    #[test]
    fn grouping_wordings_is_grouping_every_pair_of_items() {
        const WORDS: [&str; 16] = [
            "alert", "backup", "cache", "disk", "failover", "key", "lag", "probe", "quota",
            "retry", "shard", "token", "vault", "queue", "zone", "dns",
        ];
        let mut seed: u64 = 7;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        let docs = ["a.md", "b.md", "c.md", "d.md", "e.md", "f.md"];
        let titles: Vec<String> = (0..150)
            .map(|_| {
                let n = 3 + next(2);
                (0..n)
                    .map(|_| WORDS[next(WORDS.len())])
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let items: Vec<Promise> = titles
            .iter()
            .enumerate()
            .map(|(i, t)| Promise {
                postmortem: docs[(i / 7 + next(2)) % docs.len()],
                title: t,
            })
            .collect();
        // Every pair of items, one by one.
        let stems: Vec<Vec<String>> = items.iter().map(|p| stems(p.title)).collect();
        let mut parent: Vec<usize> = (0..items.len()).collect();
        fn root(p: &mut [usize], mut i: usize) -> usize {
            while p[i] != i {
                i = p[i];
            }
            i
        }
        for i in 0..items.len() {
            for j in i + 1..items.len() {
                let (sim, shared) = likeness(&stems[i], &stems[j]);
                if items[i].postmortem != items[j].postmortem && sim >= THRESHOLD && shared >= 2 {
                    let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                    parent[a.max(b)] = a.min(b);
                }
            }
        }
        let mut by_root: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
        for i in 0..items.len() {
            by_root.entry(root(&mut parent, i)).or_default().push(i);
        }
        let expected: Vec<Vec<usize>> = by_root
            .into_values()
            .filter(|g| {
                let first = items[g[0]].postmortem;
                g.iter().any(|&i| items[i].postmortem != first)
            })
            .collect();
        let got = group(&items);
        assert!(
            got.len() >= 3 && got.iter().all(|g| g.len() < items.len() / 4),
            "the draw makes several groups: {got:?}"
        );
        assert_eq!(got, expected);
    }

    #[test]
    fn the_noise_words_are_sorted_for_their_lookup() {
        assert!(NOISE.windows(2).all(|w| w[0] < w[1]));
    }

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
