//! What pmtrack never does, one regression test per finding of the
//! adversarial run (issue "Never wrong, never lost"), named after it
//! (`f1_…` … `f14_…`), against the fake GitHub and real temporary
//! repositories. The README's "Guarantees" section names these tests.

use crate::support::world::{Run, World, TOKEN};

impl World {
    /// `pmtrack sync --api-url <fake> --repo o/r <args>` with the token.
    fn sync_args(&self, args: &[&str]) -> Run {
        let url = self.gh.url();
        let mut all = vec!["sync", "--api-url", &url, "--repo", "o/r"];
        all.extend_from_slice(args);
        self.run(Some(TOKEN), &all)
    }

    /// The fake's issues as (number, title, state).
    fn titles(&self) -> Vec<(u64, String, String)> {
        self.issues()
            .iter()
            .map(|i| {
                (
                    i["number"].as_u64().unwrap(),
                    i["title"].as_str().unwrap().to_owned(),
                    i["state"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }
}

fn numbered(n: usize) -> String {
    let mut s = String::from("# Outage\n\nDate: 2024-03-01\n\n## Action items\n\n");
    for i in 1..=n {
        s.push_str(&format!("- Task number {i} to do\n"));
    }
    s
}

/// F1: an HTML entity's number took over another issue.
#[test]
fn f1_an_html_entity_never_takes_over_another_issue() {
    let w = World::new();
    let doc = numbered(40);
    w.write("postmortems/a.md", &doc);
    assert_eq!(w.sync_args(&[]).code, 0);
    let before = w.titles();
    w.write(
        "postmortems/a.md",
        &format!("{doc}- Don&#39;t deploy on Fridays\n- Mail ops&#64;example.com first\n"),
    );
    let run = w.sync_args(&[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let after = w.titles();
    assert_eq!(&after[..40], &before[..], "an existing issue changed");
    let new: Vec<&str> = after[40..].iter().map(|t| t.1.as_str()).collect();
    assert_eq!(
        new,
        ["Don't deploy on Fridays", "Mail ops@example.com first"]
    );
    w.gh.assert_clean();
}

/// F4: a file name holding a line break and `::error …::` made pmtrack
/// print a raw workflow command in Actions (`check` runs on untrusted pull
/// requests); so did sync progress and report headings.
#[test]
fn f4_a_file_name_never_injects_a_workflow_command() {
    let w = World::new();
    let evil = "postmortems/x\n::error file=evil.yml::injected.md";
    w.write(
        evil,
        "# X\n\nDate: 2024-03-01\n\n## Action items\n\n- Fix \u{1b}[31mthe\u{1b}[0m alerts due 2024-03-10\n",
    );
    let summary = w.cache.path().join("summary.md");
    let url = w.gh.url();
    for args in [
        vec!["check"],
        vec!["list"],
        vec!["sync", "--api-url", &url, "--repo", "o/r"],
        vec![
            "report",
            "--api-url",
            &url,
            "--repo",
            "o/r",
            "--as-of",
            "2024-06-01",
        ],
    ] {
        let out = w
            .cmd(Some(TOKEN))
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_STEP_SUMMARY", &summary)
            .args(&args)
            .output()
            .unwrap();
        for stream in [&out.stdout, &out.stderr] {
            let text = String::from_utf8_lossy(stream);
            for line in text.lines() {
                let t = line.trim_start();
                assert!(
                    !t.starts_with("::error file=evil.yml") && !t.contains('\u{1b}'),
                    "{args:?} printed an injected line: {line:?}\n{text}"
                );
                if t.starts_with("::") {
                    // pmtrack's own annotation, with the name escaped.
                    assert!(t.contains("file=postmortems/x%0A%3A%3Aerror"), "{line:?}");
                }
            }
        }
    }
}
