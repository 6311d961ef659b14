//! What pmtrack never does, one regression test per finding of the
//! adversarial run (issue "Never wrong, never lost"), named after it
//! (`f1_…` … `f14_…`), against the fake GitHub and real temporary
//! repositories. The README's "Guarantees" section names these tests.

use crate::support::world::{World, TOKEN};

impl World {
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

/// `@login`s GitHub would turn into mentions in `md`: outside code spans,
/// HTML comments and link text, not part of a word or an e-mail address.
fn live_mentions(md: &str) -> Vec<String> {
    let b = md.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'`' => {
                let run = b[i..].iter().take_while(|&&c| c == b'`').count();
                let close = md[i + run..].find(&"`".repeat(run));
                i = close.map_or(i + run, |p| i + run + p + run);
            }
            b'<' if md[i..].starts_with("<!--") => {
                i = md[i..].find("-->").map_or(b.len(), |p| i + p + 3);
            }
            b'[' => i = md[i..].find("](").map_or(i + 1, |p| i + p + 2),
            b'@' if i == 0
                || !(b[i - 1].is_ascii_alphanumeric() || b"._/-+".contains(&b[i - 1])) =>
            {
                let name: String = md[i + 1..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect();
                if !name.is_empty() {
                    out.push(name);
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// F5: `@` in code, comments, escapes and file names assigned and pinged.
#[test]
fn f5_no_one_is_assigned_or_pinged_but_an_owner_written_as_an_owner() {
    let w = World::new();
    for who in ["heidi", "ursula", "quinn", "yvonne", "eve"] {
        w.gh.add_collaborator("o", "r", who);
    }
    let path = "postmortems/x`@eve`y.md";
    w.write(
        path,
        "# X\n\nDate: 2024-03-01\n\n## Action items\n\n\
- Review `@heidi` code path\n\
- Fix the pager <!-- @ursula -->\n\
- Thank \\@quinn for the runbook\n\
- Run ```@yvonne``` daily\n\
- Rotate keys @alice\n",
    );
    assert_eq!(w.sync_args(&[]).code, 0);
    for issue in w.issues() {
        let assignees: Vec<&str> = issue["assignees"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["login"].as_str().unwrap())
            .collect();
        let body = issue["body"].as_str().unwrap();
        let title = issue["title"].as_str().unwrap();
        if title.starts_with("Rotate keys") {
            assert_eq!(assignees, ["alice"]);
            let m = live_mentions(body);
            assert!(!m.is_empty() && m.iter().all(|x| x == "alice"), "{body}");
        } else {
            assert!(assignees.is_empty(), "{title}: {assignees:?}");
            assert!(live_mentions(body).is_empty(), "{title}:\n{body}");
        }
        // Titles are plain text: GitHub makes no mention of them.
    }
    // The removal comment names the file without pinging @eve.
    w.write(
        path,
        "# X\n\nDate: 2024-03-01\n\n## Action items\n\n- Rotate keys @alice\n",
    );
    let url = w.gh.url();
    let out = w
        .cmd(Some(TOKEN))
        .write_stdin("")
        .args(["sync", "--api-url", &url, "--repo", "o/r"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut comments = 0;
    for issue in w.issues() {
        for c in w.gh.comments("o", "r", issue["number"].as_u64().unwrap()) {
            let body = c["body"].as_str().unwrap();
            assert!(live_mentions(body).is_empty(), "{body}");
            assert!(body.contains("x`@eve`y.md"), "{body}");
            comments += 1;
        }
    }
    assert_eq!(comments, 4, "one removal comment per removed item");
    w.gh.assert_clean();
}

fn commit_all(repo: &git2::Repository) -> git2::Oid {
    crate::support::repo::commit_all(repo, "postmortems")
}

/// F13: `sync --commit` committed a person's unfinished edit as the bot.
#[test]
fn f13_commit_holds_pmtracks_edits_never_a_persons_unfinished_ones() {
    let w = World::new();
    let doc = "# X\n\nDate: 2024-03-01\n\n## Action items\n\n- Add alerts\n- Rotate keys\n";
    w.write("postmortems/a.md", doc);
    let repo = git2::Repository::init(w.dir.path()).unwrap();
    commit_all(&repo);
    let wip = format!("{doc}- Human WIP item\n");
    w.write("postmortems/a.md", &wip);
    let run = w.sync_args(&["--commit"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    assert_eq!(head.author().name().unwrap(), "pmtrack[bot]");
    let blob = head
        .tree()
        .unwrap()
        .get_path(std::path::Path::new("postmortems/a.md"))
        .unwrap()
        .to_object(&repo)
        .unwrap();
    let committed = String::from_utf8(blob.as_blob().unwrap().content().to_vec()).unwrap();
    assert!(!committed.contains("Human WIP item"), "{committed}");
    assert!(committed.contains("- Add alerts ([#1]("), "{committed}");
    assert!(committed.contains("pmtrack:status:begin"), "{committed}");
    // The work tree keeps the edit, with its link, and git shows it changed.
    let working = std::fs::read_to_string(w.dir.path().join("postmortems/a.md")).unwrap();
    assert!(working.contains("- Human WIP item ([#3]("), "{working}");
    let status = repo
        .status_file(std::path::Path::new("postmortems/a.md"))
        .unwrap();
    assert!(status.contains(git2::Status::WT_MODIFIED), "{status:?}");
}

/// F10: a 70 KB item failed with 422 on every run; a 4.5 MB line was
/// copied into the status block, doubling the file.
#[test]
fn f10_huge_items_fit_githubs_limits_and_never_bloat_the_document() {
    let w = World::new();
    let detail = "word ".repeat(14_000); // 70 KB
    let title = "Huge ".repeat(300_000); // 1.5 MB (the finding: 4.5 MB)
    let doc = format!(
        "# X\n\nDate: 2024-03-01\n\n## Action items\n\n- **Big**: {detail}\n- {title}\n- Small item\n"
    );
    w.write("postmortems/a.md", &doc);
    let run = w.sync_args(&["--write"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let issues = w.issues();
    assert_eq!(issues.len(), 3);
    for i in &issues {
        let body = i["body"].as_str().unwrap();
        assert!(body.encode_utf16().count() <= 65_536, "{}", body.len());
        assert!(i["title"].as_str().unwrap().encode_utf16().count() <= 256);
    }
    let written = std::fs::read_to_string(w.dir.path().join("postmortems/a.md")).unwrap();
    assert!(
        written.len() < doc.len() + 4_000,
        "grew by {}",
        written.len() - doc.len()
    );
    w.gh.reset_log();
    assert_eq!(w.sync_args(&["--write"]).code, 0);
    assert!(w.gh.mutating_requests().is_empty());
    assert_eq!(
        std::fs::read_to_string(w.dir.path().join("postmortems/a.md")).unwrap(),
        written
    );
}

/// Smaller findings: `sync` exited 0 when a file could not be read (the
/// README says 1); an empty `GITHUB_TOKEN` did not fall back to `GH_TOKEN`.
#[test]
fn an_unreadable_postmortem_fails_the_sync_and_an_empty_token_falls_back() {
    let w = World::new();
    w.write(
        "postmortems/a.md",
        "# A\n\nDate: 2024-03-01\n\n## Action items\n\n- Fix it\n",
    );
    std::fs::write(w.dir.path().join("postmortems/b.md"), b"\x00\x01binary\xff").unwrap();
    let url = w.gh.url();
    let out = w
        .cmd(None)
        .env("GITHUB_TOKEN", "")
        .env("GH_TOKEN", TOKEN)
        .args(["sync", "--api-url", &url, "--repo", "o/r"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("postmortems/b.md"), "{stderr}");
    assert_eq!(w.issues().len(), 1, "the readable one is still synced");
}

/// F2: `git mv` of a postmortem, then `sync --since BASE`, gave two open
/// issues per item and the old ones never closed.
#[test]
fn f2_renaming_a_postmortem_keeps_every_issue() {
    for since in [true, false] {
        let w = World::new();
        let doc = "# DB\n\nDate: 2024-05-02\n\n## Action items\n\n- Add alerts\n- Rotate keys\n- Write the runbook\n";
        w.write("postmortems/a.md", doc);
        let repo = git2::Repository::init(w.dir.path()).unwrap();
        let base = commit_all(&repo).to_string();
        assert_eq!(w.sync_args(&[]).code, 0);
        let before = w.titles();
        std::fs::rename(
            w.dir.path().join("postmortems/a.md"),
            w.dir.path().join("postmortems/2024-05-02-db.md"),
        )
        .unwrap();
        let mut index = repo.index().unwrap();
        index
            .remove_path(std::path::Path::new("postmortems/a.md"))
            .unwrap();
        index.write().unwrap();
        commit_all(&repo);
        let args: Vec<&str> = if since {
            vec!["--since", &base]
        } else {
            vec![]
        };
        let run = w.sync_args(&args);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let after = w.titles();
        assert_eq!(after.len(), before.len(), "since={since}: {after:?}");
        assert!(
            after.iter().all(|t| t.2 == "open"),
            "since={since}: {after:?}"
        );
        for i in w.issues() {
            let body = i["body"].as_str().unwrap();
            assert!(body.contains("path=postmortems/2024-05-02-db.md"), "{body}");
        }
        w.gh.reset_log();
        assert_eq!(w.sync_args(&args).code, 0);
        assert!(w.gh.mutating_requests().is_empty(), "since={since}");
        w.gh.assert_clean();
    }
}

fn three_items(w: &World) {
    w.write(
        "postmortems/a.md",
        "# A\n\nDate: 2024-03-01\n\n## Action items\n\n- Add alerts\n- Rotate keys\n- Write the runbook\n",
    );
}

/// F12: two syncs at once on one clone duplicated every issue (5 of 5
/// trials), and one left its changes staged.
#[test]
fn f12_a_second_concurrent_sync_is_harmless() {
    for trial in 0..5 {
        let w = World::new();
        three_items(&w);
        let repo = git2::Repository::init(w.dir.path()).unwrap();
        commit_all(&repo);
        let a = w.spawn_sync("0.05", &["--commit"]);
        let b = w.spawn_sync("0.05", &["--commit"]);
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        let codes = [a.status.code(), b.status.code()];
        assert!(codes.contains(&Some(0)), "trial {trial}: {a:?} {b:?}");
        for out in [&a, &b] {
            if out.status.code() != Some(0) {
                let err = String::from_utf8_lossy(&out.stderr);
                assert!(err.contains("another pmtrack sync is running"), "{err}");
            }
        }
        let counts = w.issues_per_key();
        assert_eq!(counts.len(), 3, "trial {trial}: {counts:?}");
        assert!(
            counts.values().all(|&n| n == 1),
            "trial {trial}: {counts:?}"
        );
        // Nothing left staged or half-done.
        let statuses = repo.statuses(None).unwrap();
        assert!(
            statuses.iter().all(|s| !s.status().intersects(
                git2::Status::INDEX_NEW
                    | git2::Status::INDEX_MODIFIED
                    | git2::Status::INDEX_DELETED
            )),
            "trial {trial}: staged changes left"
        );
        assert!(!repo.path().join("pmtrack-sync.lock").exists());
    }
}

/// F14: a create GitHub applied after its sender was killed came back as a
/// duplicate when the rerun listed before it landed.
#[test]
fn f14_a_create_in_flight_at_a_kill_is_found_not_made_again() {
    use crate::support::fake_github::{Fault, FaultKind};
    let w = World::new();
    three_items(&w);
    // The first create lands 1.5 s after it is sent, whatever the sender.
    w.gh.inject(Fault {
        method: "POST",
        path_contains: "/issues",
        kind: FaultKind::Late(1500),
        times: 1,
    });
    let mut child = w.spawn_sync("0", &[]);
    let journal = w.cache.path().join("etags.inflight.json");
    let start = std::time::Instant::now();
    while !journal.exists() {
        assert!(start.elapsed().as_secs() < 20, "no journal written");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    // Let the create reach the fake, then kill the sender.
    std::thread::sleep(std::time::Duration::from_millis(100));
    child.kill().unwrap();
    let killed = std::time::Instant::now();
    let _ = child.wait();
    assert!(w.issues().is_empty(), "the create has not landed yet");
    // The rerun starts at once: it waits out the window, then looks.
    let run = w.sync_args(&[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Whatever the rerun did, the late create has landed by now.
    while killed.elapsed() < std::time::Duration::from_millis(1700) {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let counts = w.issues_per_key();
    assert_eq!(counts.len(), 3, "{counts:?}");
    assert!(counts.values().all(|&n| n == 1), "{counts:?}");
    assert!(w.issues().iter().all(|i| i["state"] == "open"));
    assert!(!journal.exists(), "the journal is settled");
    w.gh.assert_clean();
}

/// F14: on SIGTERM (or SIGINT) the request in flight is finished, nothing
/// is left in the journal, and the run stops; the rerun completes.
#[test]
fn f14_a_signal_finishes_the_request_in_flight_then_stops() {
    let w = World::new();
    three_items(&w);
    let child = w.spawn_sync("0.3", &[]);
    let start = std::time::Instant::now();
    while !w
        .gh
        .requests()
        .iter()
        .any(|e| e.method == "POST" && e.path == "/repos/o/r/issues")
    {
        assert!(start.elapsed().as_secs() < 20, "no create sent");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let term = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("stopped by a signal"), "{stderr}");
    let made = w.issues().len();
    assert!((1..3).contains(&made), "{made}");
    assert!(!w.cache.path().join("etags.inflight.json").exists());
    assert_eq!(w.sync_args(&[]).code, 0);
    let counts = w.issues_per_key();
    assert_eq!(counts.len(), 3);
    assert!(counts.values().all(|&n| n == 1), "{counts:?}");
}

/// `parse`, `list` and `report` print each document as it is ready (read
/// and parsed on every core): the output keeps file order, and a reader
/// that stops early (`| head`) ends pmtrack quietly, exit 0, no panic.
#[test]
fn streamed_output_keeps_file_order_and_a_reader_may_stop_early() {
    use std::io::Read;
    let w = World::new();
    for i in 0..300 {
        w.write(
            &format!("postmortems/2024-{:02}-{i:03}.md", i % 12 + 1),
            &format!("# Incident {i}\n\nDate: 2024-01-01\n\n## Action items\n\n- Fix part {i}\n- Test part {i}\n"),
        );
    }
    let run = w.run(None, &["parse", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let docs: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let paths: Vec<&str> = docs
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths.len(), 300);
    assert_eq!(paths, sorted, "file order");
    let list = w.run(None, &["list"]);
    assert!(list.stdout.ends_with("300 postmortems, 600 action items\n"));

    for args in [
        &["parse", "--format", "json"][..],
        &["list"][..],
        &["report", "--all", "--as-of", "2024-06-01"][..],
    ] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("pmtrack"))
            .current_dir(w.dir.path())
            .env_remove("GITHUB_TOKEN")
            .env_remove("GH_TOKEN")
            .env_remove("GITHUB_ACTIONS")
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 64];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        // The pipe is closed here, long before the output's end.
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
    }
}
