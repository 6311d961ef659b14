//! The labelled corpus in `../shared/corpus` is the truth for parsing: every
//! document's `section_found` and its tasks (title, detail, group), one by
//! one, must match `NAME.expected.json`. Repeats inside one document count
//! once (as the scorer counts them). Prints precision and recall.
//!
//! Without `../shared` the test says it was skipped; with `CI` set, a missing
//! corpus is a failure.

use pmtrack::parse::{parse, text::normalize};
use std::path::PathBuf;

fn corpus_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but the corpus is missing at {}: check out ../shared beside the project",
        dir.display()
    );
    println!(
        "skipped: ../shared/corpus not found (corpus tests need ../shared beside the project)"
    );
    None
}

type Triple = (String, String, String);

fn unique(tasks: Vec<Triple>) -> Vec<Triple> {
    let mut seen = std::collections::HashSet::new();
    tasks
        .into_iter()
        .filter(|(t, d, _)| seen.insert(format!("{}\n{}", normalize(t), normalize(d))))
        .collect()
}

#[test]
fn every_corpus_document_parses_exactly() {
    let Some(dir) = corpus_dir() else { return };
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
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
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        let label: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(path.with_extension("expected.json")).unwrap(),
        )
        .unwrap();
        let want_section = label["section_found"].as_bool().unwrap_or(true);
        let want = unique(
            label["tasks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| {
                    let s = |k: &str| t[k].as_str().unwrap_or("").to_string();
                    (s("title"), s("detail"), s("group"))
                })
                .collect(),
        );
        let pm = parse(&name, &text);
        // `parse --format json` writes each document directly: the same
        // bytes as serde_json's pretty printer.
        let whole = serde_json::to_string_pretty(&[pmtrack::command::list::to_json(&pm)]).unwrap();
        assert_eq!(
            format!("[\n{}\n]", pmtrack::command::list::json_entry(&pm)),
            whole,
            "{name}: parse --format json differs from the schema's serialisation"
        );
        let got = unique(
            pm.tasks
                .iter()
                .map(|t| (t.title.clone(), t.detail.clone(), t.group.clone()))
                .collect(),
        );
        expected_n += want.len();
        found_n += got.len();
        matched += want.iter().filter(|w| got.contains(w)).count();
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
    let precision = if found_n == 0 {
        1.0
    } else {
        matched as f64 / found_n as f64
    };
    let recall = if expected_n == 0 {
        1.0
    } else {
        matched as f64 / expected_n as f64
    };
    println!(
        "corpus: {} documents, {expected_n} tasks expected, {found_n} found, precision {precision:.3} recall {recall:.3}",
        names.len()
    );
    assert!(
        failures.is_empty(),
        "corpus mismatches:\n{}",
        failures.join("\n")
    );
}
