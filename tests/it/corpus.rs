//! The labelled corpus is the truth for parsing: in `../shared/corpus` and
//! `../shared/corpus-next`, every document's `section_found` and its tasks,
//! one by one, must match `NAME.expected.json`: title, detail and group, and
//! the four fields of LABELLING.md's "Fields" section (owners, due, status,
//! issue). Repeats inside one document count once (as the scorer counts
//! them). Prints precision and recall per folder.
//!
//! Without `../shared` the test says it was skipped; with `CI` set, a missing
//! corpus folder is a failure.

use pmtrack::model::{Status, Task, TrackerRef};
use pmtrack::parse::{parse, text::normalize};
use serde_json::Value;
use std::path::PathBuf;

const FOLDERS: [&str; 2] = ["corpus", "corpus-next"];

fn corpus_dir(name: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared")).join(name);
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but the corpus is missing at {}: check out ../shared beside the project",
        dir.display()
    );
    println!(
        "skipped: ../shared/{name} not found (corpus tests need ../shared beside the project)"
    );
    None
}

/// What a task is compared on: title, detail, group, then the fields.
#[derive(Debug, PartialEq)]
struct Labelled {
    title: String,
    detail: String,
    group: String,
    /// Lower case, sorted (the scorer compares them as a set).
    owners: Vec<String>,
    due: Option<String>,
    status: String,
    issue: Option<String>,
}

fn unique(tasks: Vec<Labelled>) -> Vec<Labelled> {
    let mut seen = std::collections::HashSet::new();
    tasks
        .into_iter()
        .filter(|t| seen.insert(format!("{}\n{}", normalize(&t.title), normalize(&t.detail))))
        .collect()
}

fn owners<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut v: Vec<String> = names
        .map(|o| o.trim_start_matches('@').to_lowercase())
        .collect();
    v.sort();
    v
}

fn from_label(t: &Value) -> Labelled {
    let s = |k: &str| t[k].as_str().unwrap_or("").to_string();
    Labelled {
        title: s("title"),
        detail: s("detail"),
        group: s("group"),
        owners: owners(
            t["owners"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str),
        ),
        due: t["due"].as_str().map(str::to_string),
        status: t["status"].as_str().unwrap_or("open").to_string(),
        issue: t["issue"].as_str().map(str::to_string),
    }
}

/// A reference the way the labels write it: the link's URL when it came
/// from one, else as written (`#41`, `acme/web#41`, `OPS-17`).
fn written(r: &TrackerRef) -> String {
    r.url().map_or_else(|| r.short(), str::to_string)
}

fn from_task(t: &Task) -> Labelled {
    Labelled {
        title: t.title.clone(),
        detail: t.detail.clone(),
        group: t.group.clone(),
        owners: owners(t.owners.iter().map(String::as_str)),
        due: t.due.map(|d| d.to_string()),
        status: match t.status {
            Status::Open => "open",
            Status::Done => "done",
            Status::Dropped => "dropped",
        }
        .to_string(),
        issue: t.issue.as_ref().map(written),
    }
}

#[test]
fn every_corpus_document_parses_exactly() {
    let mut failures = Vec::new();
    for folder in FOLDERS {
        let Some(dir) = corpus_dir(folder) else {
            continue;
        };
        failures.extend(check_folder(folder, &dir));
    }
    assert!(
        failures.is_empty(),
        "corpus mismatches:\n{}",
        failures.join("\n")
    );
}

/// Checks every labelled document of `dir`; returns what differs.
fn check_folder(folder: &str, dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .filter(|p| p.with_extension("expected.json").exists())
        .collect();
    names.sort();
    assert!(
        !names.is_empty(),
        "no labelled documents in {}",
        dir.display()
    );
    let (mut expected_n, mut found_n, mut matched) = (0usize, 0usize, 0usize);
    let mut failures = Vec::new();
    for path in &names {
        let name = format!("{folder}/{}", path.file_name().unwrap().to_string_lossy());
        let text = std::fs::read_to_string(path).unwrap();
        let label: Value = serde_json::from_str(
            &std::fs::read_to_string(path.with_extension("expected.json")).unwrap(),
        )
        .unwrap();
        let want_section = label["section_found"].as_bool().unwrap_or(true);
        let want = unique(
            label["tasks"]
                .as_array()
                .unwrap()
                .iter()
                .map(from_label)
                .collect(),
        );
        let pm = parse(&name, &text);
        // `parse --format json` writes each document directly: the same
        // bytes as serde_json's pretty printer.
        let whole = serde_json::to_string_pretty(&[pmtrack::cli::documents::to_json(&pm)]).unwrap();
        assert_eq!(
            format!("[\n{}\n]", pmtrack::cli::documents::json_entry(&pm)),
            whole,
            "{name}: parse --format json differs from the schema's serialisation"
        );
        let got = unique(pm.tasks.iter().map(from_task).collect());
        expected_n += want.len();
        found_n += got.len();
        matched += want
            .iter()
            .filter(|w| {
                got.iter()
                    .any(|g| (&g.title, &g.detail) == (&w.title, &w.detail))
            })
            .count();
        if pm.section_found != want_section {
            failures.push(format!(
                "{name}: section_found {} but expected {want_section}",
                pm.section_found
            ));
        }
        for i in 0..want.len().max(got.len()) {
            if want.get(i) != got.get(i) {
                failures.push(format!(
                    "{name}: task {i}: expected {:?}\n      got {:?}",
                    want.get(i),
                    got.get(i)
                ));
                break;
            }
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    println!(
        "{folder}: {} documents, {expected_n} tasks expected, {found_n} found, precision {:.3} recall {:.3}",
        names.len(),
        ratio(matched, found_n),
        ratio(matched, expected_n),
    );
    failures
}

/// Recurring promises on the shared corpus: the groups pmtrack finds, each
/// checked against a hand-made list (precision: every group found is one
/// of these; recall: every one of these is found).
#[test]
fn recurring_promises_on_the_corpus_are_the_hand_made_groups() {
    use pmtrack::insight::recurring::{group, Promise};
    let (Some(a), Some(b)) = (corpus_dir("corpus"), corpus_dir("corpus-next")) else {
        return;
    };
    let mut docs = Vec::new();
    for dir in [a, b] {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "md" || x == "txt"))
            .collect();
        paths.sort();
        for p in paths {
            let text = std::fs::read_to_string(&p).unwrap();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            docs.push(pmtrack::parse::parse(&name, &text));
        }
    }
    let items: Vec<Promise> = docs
        .iter()
        .flat_map(|pm| {
            pm.tasks.iter().map(move |t| Promise {
                postmortem: &pm.path,
                title: &t.title,
            })
        })
        .collect();
    let found: Vec<Vec<String>> = group(&items)
        .into_iter()
        .map(|g| {
            g.into_iter()
                .map(|i| format!("{} {}", items[i].postmortem, items[i].title))
                .collect()
        })
        .collect();
    // By hand: the same promise in several postmortems.
    let expected: [&[&str]; 6] = [
        &["d04.md Automated testing", "d14.md Automated Testing", "seed-002.md Automated Testing"],
        &[
            "d04.md Conduct Code Review",
            "d12.md Code Review Updates",
            "d24.md Improve Code Review Process",
            "d25.md Proactive code review",
        ],
        &["d05.md Monitoring Enhancements", "d24.md Monitoring Enhancements"],
        &["d12.md Load Testing", "d22.md Load Testing", "d25.md Invest in load testing"],
        &[
            "d13.md Regular configuration audits",
            "seed-003.md Conduct regular audits of critical services' configurations.",
        ],
        &[
            "seed-001.md Conduct regular code reviews for configuration changes to catch potential issues early.",
            "seed-003.md Implement stricter code review processes for configuration changes.",
        ],
    ];
    for g in &found {
        assert!(
            expected
                .iter()
                .any(|e| e.iter().map(|s| s.to_string()).collect::<Vec<_>>() == *g),
            "a group not on the hand-made list (precision): {g:#?}"
        );
    }
    assert_eq!(found.len(), expected.len(), "recall: {found:#?}");
    println!(
        "recurring promises on the corpus: {} groups over {} items, precision and recall 1.0 against the hand-made list",
        found.len(),
        found.iter().map(Vec::len).sum::<usize>()
    );
}
