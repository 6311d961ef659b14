//! The module map in `src/lib.rs` ("who may use whom") is true: every
//! `crate::module` a source file names outside its tests is one its
//! module may use, and every module of the crate has a line in the map.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

/// The map: module → the modules it may use, in the order written.
fn map() -> Vec<(String, BTreeSet<String>)> {
    let lib = std::fs::read_to_string(Path::new(SRC).join("lib.rs")).unwrap();
    let doc: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .map(str::trim)
        .collect();
    let mut out = Vec::new();
    let mut i = doc
        .iter()
        .position(|l| *l == "# Module map")
        .expect("lib.rs has a `# Module map` section");
    while i < doc.len() && !doc[i].starts_with("# Glossary") {
        if let Some(entry) = doc[i].strip_prefix("- `") {
            // An entry and its continuation lines.
            let mut text = entry.to_string();
            while doc
                .get(i + 1)
                .is_some_and(|l| !l.starts_with('-') && !l.starts_with('#') && !l.is_empty())
            {
                i += 1;
                text.push(' ');
                text.push_str(doc[i]);
            }
            let (name, rest) = text.split_once('`').unwrap();
            let rest = rest.split('(').next().unwrap();
            let uses: BTreeSet<String> = rest
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect();
            out.push((name.to_string(), uses));
        }
        i += 1;
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The `crate::x` a file names in code, outside `#[cfg(test)]` modules and
/// comments.
fn used(text: &str) -> BTreeSet<String> {
    let code = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    let mut out = BTreeSet::new();
    for line in code.lines() {
        let line = line.split("//").next().unwrap();
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + 7..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

#[test]
fn every_crate_path_follows_the_module_map() {
    let order = map();
    let map: BTreeMap<&String, &BTreeSet<String>> = order.iter().map(|(k, v)| (k, v)).collect();
    let mut files = Vec::new();
    rust_files(Path::new(SRC), &mut files);
    files.sort();
    let mut wrong = Vec::new();
    let mut modules = BTreeSet::new();
    for f in &files {
        let rel = f.strip_prefix(SRC).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        modules.insert(module.clone());
        if f.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        let Some(allowed) = map.get(&module) else {
            continue;
        };
        for u in used(&std::fs::read_to_string(f).unwrap()) {
            if u != module && !allowed.contains(&u) {
                wrong.push(format!(
                    "{}: uses crate::{u}, which `{module}` may not (src/lib.rs module map)",
                    rel.display()
                ));
            }
        }
    }
    let unmapped: Vec<&String> = modules.iter().filter(|m| !map.contains_key(m)).collect();
    assert!(
        unmapped.is_empty(),
        "modules missing from the map in src/lib.rs: {unmapped:?}"
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The map itself has no upward arrow: each module uses only modules
    // listed before it.
    for (i, (m, uses)) in order.iter().enumerate() {
        for u in uses {
            let j = order
                .iter()
                .position(|(o, _)| o == u)
                .unwrap_or_else(|| panic!("`{u}` is used by `{m}` but has no line"));
            assert!(j < i, "`{m}` uses `{u}`, which comes after it in the map");
        }
    }
}

/// The test can fail: a file naming a module its module may not use is
/// caught.
#[test]
fn an_upward_arrow_is_caught() {
    let found = used("use crate::model::Task;\n// crate::github in a comment\nfn f() { crate::writeback::render(); }\n#[cfg(test)]\nmod tests { use crate::cli; }\n");
    assert_eq!(
        found,
        BTreeSet::from(["model".to_string(), "writeback".to_string()])
    );
    let parse = map().into_iter().find(|(m, _)| m == "parse").unwrap();
    assert!(!parse.1.contains("writeback"));
}
