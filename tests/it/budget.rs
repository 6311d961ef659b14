//! The write budget (`github.max_writes`) end to end: a sync with more to
//! do than its budget writes up to it, says how many writes remain, exits 0,
//! and the next run goes on; write-back records only what was done; a run
//! killed inside its budget never leads to a duplicate. Also the
//! conditional listing of assignable users (0 points when repeated).
//! Writes are counted by the fake GitHub (every POST/PATCH/PUT/DELETE).
//! These runs measure the items' writes (`tracking_issue: false`); the
//! tracking issues under a budget are tested in `tracking.rs`.

use crate::support::fake_github::{Exchange, Fault, FaultKind};
use crate::support::world::{World, TOKEN};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

impl World {
    /// Panics unless there are exactly `n` issues, one per key.
    fn assert_one_issue_per_item(&self, n: usize) {
        let keys = self.issues_per_key();
        let dups: Vec<_> = keys.iter().filter(|(_, &c)| c > 1).collect();
        assert!(dups.is_empty(), "duplicates: {dups:?}");
        assert_eq!(keys.len(), n);
        assert_eq!(self.issues().len(), n);
    }

    /// The issue numbers the documents under `postmortems/` link to.
    fn linked_numbers(&self) -> BTreeSet<u64> {
        let mut out = BTreeSet::new();
        for e in std::fs::read_dir(self.dir.path().join("postmortems")).unwrap() {
            let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
            for part in text.split("/o/r/issues/").skip(1) {
                let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
                out.insert(digits.parse().unwrap());
            }
        }
        out
    }
}

/// Postmortems `postmortems/pm-NN.md` of `per_doc` items each, `n` in all.
fn write_items(w: &World, n: usize, per_doc: usize) {
    for (doc, start) in (0..n).step_by(per_doc).enumerate() {
        let mut text = format!("# Incident {doc}\n\nDate: 2024-03-01\n\n## Action items\n\n");
        for i in start..(start + per_doc).min(n) {
            text.push_str(&format!("- [ ] Harden component {i} against overload\n"));
        }
        w.write(&format!("postmortems/pm-{doc:02}.md"), &text);
    }
}

fn writes(log: &[Exchange]) -> usize {
    log.iter()
        .filter(|e| matches!(e.method.as_str(), "POST" | "PATCH" | "PUT" | "DELETE"))
        .count()
}

/// The `N` of `write budget reached: D writes done, N remain; …`.
fn remaining_in(stderr: &str) -> Option<u64> {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("write budget reached: "))?;
    let (_, rest) = line.split_once(" writes done, ")?;
    rest.split_whitespace().next()?.parse().ok()
}

/// 1,200 items across 12 postmortems, `max_writes: 500`: three runs of at
/// most 500 writes each, every one exiting 0 and saying how many writes
/// remain; exactly 1,200 issues after the third, the documents link only
/// issues that exist, and a fourth run writes nothing.
#[test]
fn twelve_hundred_items_take_three_budgeted_runs_then_a_noop() {
    let w = World::new();
    write_items(&w, 1_200, 100);
    w.write(
        ".pmtrack.yml",
        "tracking_issue: false\ngithub:\n  max_writes: 500\n  write_interval: 0\n  per_page: 100\n",
    );
    let mut per_run = Vec::new();
    for run_no in 1..=3 {
        w.gh.reset_log();
        let format = if run_no == 2 { "json" } else { "text" };
        let run = w.sync_args(&["--write", "--format", format]);
        assert_eq!(run.code, 0, "run {run_no}:\n{}\n{}", run.stdout, run.stderr);
        let sent = writes(&w.gh.requests());
        per_run.push(sent);
        assert!(sent <= 500, "run {run_no} sent {sent} writes");
        let made = w.issues().len();
        let left = 1_200 - made as u64;
        // Every document links exactly the issues that exist: none for an
        // item whose create this run did not get to.
        let linked = w.linked_numbers();
        let all: BTreeSet<u64> = w
            .issues()
            .iter()
            .map(|i| i["number"].as_u64().unwrap())
            .collect();
        assert_eq!(linked, all, "run {run_no}");
        if run_no < 3 {
            assert_eq!(sent, 500, "run {run_no} uses its whole budget");
            assert_eq!(remaining_in(&run.stderr), Some(left), "{}", run.stderr);
            assert!(
                run.stderr.contains(&format!(
                    "write budget reached: 500 writes done, {left} remain; the next run goes on (github.max_writes in .pmtrack.yml)"
                )),
                "{}",
                run.stderr
            );
        } else {
            assert_eq!(made, 1_200);
            assert_eq!(remaining_in(&run.stderr), None, "{}", run.stderr);
            assert!(run.stdout.contains("0 failed"), "{}", run.stdout);
            assert!(!run.stdout.contains("writes remain"), "{}", run.stdout);
        }
        if run_no == 1 {
            assert!(
                run.stdout.contains(&format!(
                    "0 failed, write budget reached: {left} writes remain"
                )),
                "{}",
                run.stdout
            );
        }
        if run_no == 2 {
            let json: Value = serde_json::from_str(&run.stdout).expect("JSON");
            assert_eq!(json["writes"], 500);
            assert_eq!(json["remaining"], left);
            assert_eq!(json["summary"]["created"], 500);
            assert_eq!(json["summary"]["failed"], 0);
        }
    }
    w.assert_one_issue_per_item(1_200);
    w.gh.reset_log();
    let run = w.sync_args(&["--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        (json["writes"].as_u64(), json["remaining"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(writes(&w.gh.requests()), 0, "the fourth run is a no-op");
    w.assert_one_issue_per_item(1_200);
    eprintln!("writes per run: {per_run:?}, then 0");
    w.gh.assert_clean();
}

/// In Actions the budget line is also a notice, the step output
/// `remaining` and a line of the job summary; the exit code stays 0.
#[test]
fn in_actions_a_reached_budget_is_a_notice_and_the_output_remaining() {
    let w = World::new();
    write_items(&w, 7, 7);
    w.write(
        ".pmtrack.yml",
        "tracking_issue: false\ngithub:\n  max_writes: 4\n",
    );
    let output = w.cache.path().join("output");
    let summary = w.cache.path().join("summary.md");
    let url = w.gh.url();
    let run = |w: &World| {
        let out = w
            .cmd(Some(TOKEN))
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_OUTPUT", &output)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .args(["sync", "--api-url", &url, "--repo", "o/r"])
            .output()
            .unwrap();
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        (out.status.code(), text(&out.stdout), text(&out.stderr))
    };
    let dry = w.sync_args(&["--dry-run"]);
    assert!(
        dry.stderr.contains(
            "this plan needs 7 writes, more than the write budget of 4 a run: a sync sends 4 and the next run goes on (about 2 runs; github.max_writes in .pmtrack.yml)"
        ),
        "{}",
        dry.stderr
    );
    w.gh.reset_log();
    let (code, stdout, stderr) = run(&w);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    // The labels pmtrack creates count too: 4 writes in all.
    assert_eq!(writes(&w.gh.requests()), 4);
    let left = 7 - w.issues().len();
    let line = format!(
        "write budget reached: 4 writes done, {left} remain; the next run goes on (github.max_writes in .pmtrack.yml)"
    );
    assert!(
        stdout.contains(&format!("::notice title=pmtrack sync::{line}")),
        "{stdout}"
    );
    let outputs = std::fs::read_to_string(&output).unwrap();
    assert!(
        outputs.contains(&format!("remaining={left}\n")),
        "{outputs}"
    );
    assert!(std::fs::read_to_string(&summary).unwrap().contains(&line));
    // The next runs go on; the last says 0 remain.
    for _ in 0..3 {
        std::fs::remove_file(&output).unwrap();
        let (code, stdout, _) = run(&w);
        assert_eq!(code, Some(0), "{stdout}");
        if w.issues().len() == 7
            && std::fs::read_to_string(&output)
                .unwrap()
                .contains("remaining=0\n")
        {
            break;
        }
    }
    assert!(std::fs::read_to_string(&output)
        .unwrap()
        .contains("remaining=0\n"));
    w.assert_one_issue_per_item(7);
    w.gh.assert_clean();
}

/// When the budget is short, closes and reopens go first, then creates,
/// then edits of issues that already track their item.
#[test]
fn a_short_budget_spends_closes_then_creates_then_edits() {
    let w = World::new();
    let doc = |a: &str, b: &str, extra: &str| {
        format!(
            "# A\n\nDate: 2024-03-01\n\n## Action items\n\n- [ ] Add alerts{a}\n- [{b}] Rotate the keys\n{extra}"
        )
    };
    w.write("postmortems/a.md", &doc("", " ", ""));
    assert_eq!(w.sync_args(&[]).code, 0);
    // An edit (a new owner: update, first in the document), a check
    // (close) and two new items (creates), with a budget of 2.
    w.write(
        "postmortems/a.md",
        &doc(
            " @alice",
            "x",
            "- [ ] Write the runbook\n- [ ] Drill the failover\n",
        ),
    );
    w.write(
        ".pmtrack.yml",
        "tracking_issue: false\ngithub:\n  max_writes: 2\n",
    );
    w.gh.reset_log();
    let run = w.sync_args(&[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let sent: Vec<(String, String)> =
        w.gh.mutating_requests()
            .iter()
            .map(|e| (e.method.clone(), e.path.clone()))
            .collect();
    let rotate = w
        .issues()
        .into_iter()
        .find(|i| i["title"] == "Rotate the keys")
        .unwrap();
    assert_eq!(rotate["state"], "closed");
    assert_eq!(
        sent,
        [
            (
                "PATCH".to_string(),
                format!("/repos/o/r/issues/{}", rotate["number"])
            ),
            ("POST".to_string(), "/repos/o/r/issues".to_string()),
        ],
        "the close, then the first create"
    );
    assert_eq!(remaining_in(&run.stderr), Some(2), "{}", run.stderr);
    let issues = w.issues();
    let titles: BTreeSet<&str> = issues
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect();
    assert!(titles.contains("Write the runbook"), "{titles:?}");
    assert!(!titles.contains("Drill the failover"), "{titles:?}");
    let alerts = issues.iter().find(|i| i["title"] == "Add alerts").unwrap();
    assert_eq!(alerts["assignees"], serde_json::json!([]), "the edit waits");
    // The next run: the other create, then the edit.
    w.gh.reset_log();
    let run = w.sync_args(&[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(remaining_in(&run.stderr), None, "{}", run.stderr);
    let methods: Vec<String> =
        w.gh.mutating_requests()
            .iter()
            .map(|e| e.method.clone())
            .collect();
    assert_eq!(methods, ["POST", "PATCH"]);
    let issues = w.issues();
    assert_eq!(issues.len(), 4);
    let alerts = issues.iter().find(|i| i["title"] == "Add alerts").unwrap();
    assert_eq!(alerts["assignees"][0]["login"], "alice");
    w.gh.reset_log();
    assert_eq!(w.sync_args(&[]).code, 0);
    assert!(w.gh.mutating_requests().is_empty());
    w.gh.assert_clean();
}

/// An item made open again whose reopen the budget defers keeps its open
/// box: write-back does not tick it from the (still closed) issue.
#[test]
fn a_reopen_the_budget_defers_is_not_ticked_back_by_write_back() {
    let w = World::new();
    let doc = |a: &str, b: &str| {
        format!("# A\n\nDate: 2024-03-01\n\n## Action items\n\n- [{a}] Add alerts\n- [{b}] Rotate the keys\n")
    };
    let path = w.dir.path().join("postmortems/a.md");
    w.write("postmortems/a.md", &doc(" ", " "));
    assert_eq!(w.sync_args(&[]).code, 0);
    w.write("postmortems/a.md", &doc(" ", "x"));
    assert_eq!(w.sync_args(&[]).code, 0, "the checked item's issue closes");
    // Add alerts is checked (close), Rotate the keys unchecked (reopen);
    // a budget of 1 closes and defers the reopen.
    w.write("postmortems/a.md", &doc("x", " "));
    w.write(
        ".pmtrack.yml",
        "tracking_issue: false\ngithub:\n  max_writes: 1\n",
    );
    let run = w.sync_args(&["--write"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(remaining_in(&run.stderr), Some(1), "{}", run.stderr);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("- [ ] Rotate the keys"), "{text}");
    let run = w.sync_args(&["--write"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("- [ ] Rotate the keys"), "{text}");
    let states: BTreeMap<String, String> = w
        .issues()
        .iter()
        .map(|i| {
            (
                i["title"].as_str().unwrap().to_owned(),
                i["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(states["Rotate the keys"], "open");
    assert_eq!(states["Add alerts"], "closed");
    w.gh.assert_clean();
}

fn issue_posts(log: &[Exchange]) -> usize {
    log.iter()
        .filter(|e| e.method == "POST" && e.path == "/repos/o/r/issues")
        .count()
}

fn wait_until(what: &str, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed().as_secs() < 20,
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Reruns with the budget until one finishes; each stays within it.
fn finish(w: &World, budget: usize) {
    for _ in 0..6 {
        w.gh.reset_log();
        let run = w.sync_args(&[]);
        assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
        assert!(
            writes(&w.gh.requests()) <= budget,
            "{:#?}",
            w.gh.mutating_requests()
        );
        if remaining_in(&run.stderr).is_none() {
            return;
        }
    }
    panic!("the runs never finished");
}

/// A run killed inside its budget, after its 1st, 4th or 7th create or
/// with a create in flight that GitHub applies after the kill, and rerun
/// (budgeted) until done: one issue per item, never a duplicate.
#[test]
fn a_run_killed_inside_its_budget_and_rerun_never_duplicates() {
    const ITEMS: usize = 20;
    const BUDGET: usize = 8;
    let config = format!("tracking_issue: false\ngithub:\n  max_writes: {BUDGET}\n");
    for kill_after in [1, 4, 7] {
        let w = World::new();
        write_items(&w, ITEMS, 10);
        w.write(".pmtrack.yml", &config);
        let mut child = w.spawn_sync("0.1", &[]);
        wait_until("the creates", || {
            issue_posts(&w.gh.requests()) >= kill_after
        });
        child.kill().unwrap();
        let _ = child.wait();
        let made = w.issues().len();
        assert!(
            made >= kill_after && made < BUDGET,
            "{made} after {kill_after} creates"
        );
        finish(&w, BUDGET);
        w.assert_one_issue_per_item(ITEMS);
        w.gh.assert_clean();
    }
    // The 3rd create lands 1.5 s after it was sent, after the kill.
    let w = World::new();
    write_items(&w, ITEMS, 10);
    w.write(".pmtrack.yml", &config);
    let mut child = w.spawn_sync("0.3", &[]);
    wait_until("two creates", || issue_posts(&w.gh.requests()) >= 2);
    w.gh.inject(Fault {
        method: "POST",
        path_contains: "/repos/o/r/issues",
        kind: FaultKind::Late(1500),
        times: 1,
    });
    // The 2nd create's journal entry is gone by now; the 3rd is 0.3 s away.
    std::thread::sleep(Duration::from_millis(100));
    let journal = w.cache.path().join("etags.inflight.json");
    wait_until("the journal of the 3rd create", || journal.exists());
    std::thread::sleep(Duration::from_millis(100));
    child.kill().unwrap();
    let killed = Instant::now();
    let _ = child.wait();
    assert_eq!(w.issues().len(), 2, "the 3rd create has not landed yet");
    finish(&w, BUDGET);
    while killed.elapsed() < Duration::from_millis(1700) {
        std::thread::sleep(Duration::from_millis(20));
    }
    w.assert_one_issue_per_item(ITEMS);
    w.gh.assert_clean();
}

/// The assignable-users listing is conditional: while an owner cannot be
/// assigned (every run asks who can be), a repeat answers 304 and costs
/// nothing; a new collaborator changes the answer and is assigned.
#[test]
fn a_repeated_sync_with_an_unassignable_owner_spends_no_points() {
    let w = World::new();
    w.write(
        "postmortems/a.md",
        "# A\n\nDate: 2024-03-01\n\n## Action items\n\n- Add alerts @alice\n- Rotate the keys @bob\n",
    );
    let run = w.sync_args(&[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("`bob` cannot be assigned"),
        "{}",
        run.stderr
    );
    assert!(w.cache.path().join("etags.assignees.json").exists());
    assert_eq!(w.sync_args(&[]).code, 0);
    w.gh.reset_log();
    let run = w.sync_args(&[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let log = w.gh.requests();
    let asked: Vec<u16> = log
        .iter()
        .filter(|e| e.path == "/repos/o/r/assignees")
        .map(|e| e.status)
        .collect();
    assert_eq!(asked, [304], "{log:#?}");
    assert!(log.iter().all(|e| e.status == 304), "{log:#?}");
    assert_eq!(w.gh.rate_points_spent(), 0);
    assert!(w.gh.mutating_requests().is_empty());
    // bob becomes a collaborator: the listing changes, bob is assigned.
    w.gh.add_collaborator("o", "r", "bob");
    let run = w.sync_args(&[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rotate = w
        .issues()
        .into_iter()
        .find(|i| i["title"] == "Rotate the keys")
        .unwrap();
    assert_eq!(rotate["assignees"][0]["login"], "bob", "{rotate:#}");
    w.gh.assert_clean();
}
