//! Tracking issues (config `tracking_issue: true`) end to end: the real
//! binary against the fake GitHub, whose sub-issue endpoints follow
//! GitHub's rules. One tracking issue per postmortem, its items' issues as
//! its sub-issues; progress follows the items; a GitHub without sub-issues
//! gets a task list; nothing is ever made or attached twice.

use crate::support::fake_github::{Fault, FaultKind};
use crate::support::world::{Run, World, TOKEN};
use serde_json::Value;

const DB: &str = "# Database outage

## Action Items

- [ ] Add replica lag alerting
- [ ] Write the failover runbook
- [ ] Rotate the database credentials
";

const CERT: &str = "# Certificate expiry

## Follow-ups

### Immediate
- [ ] Renew the certificate by hand

### Long term
- [ ] Renew certificates automatically
";

fn world() -> World {
    let w = World::new();
    w.write(".pmtrack.yml", "tracking_issue: true\n");
    w.write("postmortems/2024-01-10-db.md", DB);
    w.write("postmortems/2024-03-12-cert.md", CERT);
    w
}

impl World {
    fn tsync(&self) -> Run {
        let url = self.gh.url();
        let run = self.run(Some(TOKEN), &["sync", "--api-url", &url, "--repo", "o/r"]);
        assert_eq!(run.code, 0, "sync failed:\n{}\n{}", run.stdout, run.stderr);
        run
    }

    fn trackers(&self) -> Vec<Value> {
        self.tracking_issues()
    }

    fn tracker_of(&self, doc: &str) -> Value {
        let found: Vec<Value> = self
            .trackers()
            .into_iter()
            .filter(|i| {
                i["body"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("path={doc} "))
            })
            .collect();
        assert_eq!(found.len(), 1, "one tracking issue for {doc}: {found:#?}");
        found.into_iter().next().unwrap()
    }

    /// A sync with nothing changed writes nothing.
    fn assert_settled(&self) {
        self.gh.reset_log();
        self.tsync();
        assert!(
            self.gh.mutating_requests().is_empty(),
            "{:#?}",
            self.gh.mutating_requests()
        );
    }

    /// Sub-issues attached under all tracking issues.
    fn attached(&self) -> usize {
        self.trackers()
            .iter()
            .map(|t| self.gh.children_of("o", "r", n(t)).len())
            .sum()
    }

    fn number_titled(&self, title: &str) -> u64 {
        self.issues()
            .iter()
            .find(|i| i["title"] == title)
            .and_then(|i| i["number"].as_u64())
            .unwrap_or_else(|| panic!("no issue {title}"))
    }
}

fn n(v: &Value) -> u64 {
    v["number"].as_u64().unwrap()
}

#[test]
fn each_postmortem_gets_one_tracking_issue_with_its_items_as_sub_issues_and_settles() {
    let w = world();
    let run = w.tsync();
    assert!(
        run.stderr.contains("tracking issues: 2 created"),
        "{}",
        run.stderr
    );
    assert_eq!(w.issues().len(), 5);
    assert_eq!(w.tracking_issues().len(), 2);
    let db = w.tracker_of("postmortems/2024-01-10-db.md");
    assert_eq!(db["title"], "Postmortem: Database outage");
    let labels: Vec<&str> = db["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert!(labels.contains(&"postmortem") && labels.contains(&"postmortem-tracking"));
    let kids = w.gh.children_of("o", "r", n(&db));
    let want: Vec<u64> = [
        "Add replica lag alerting",
        "Write the failover runbook",
        "Rotate the database credentials",
    ]
    .iter()
    .map(|t| w.number_titled(t))
    .collect();
    assert_eq!(kids, want, "in document order");
    let cert = w.tracker_of("postmortems/2024-03-12-cert.md");
    assert_eq!(w.gh.children_of("o", "r", n(&cert)).len(), 2);
    let body = cert["body"].as_str().unwrap();
    assert!(body.contains("- Immediate: 1\n- Long term: 1\n"), "{body}");
    // GitHub shows the progress.
    let fresh = w.tracker_of("postmortems/2024-01-10-db.md");
    assert_eq!(fresh["sub_issues_summary"]["total"], 3);

    // Nothing changed: the listing only, then a 304 that costs nothing.
    w.assert_settled();
    assert_eq!(w.gh.requests().len(), 1, "{:#?}", w.gh.requests());
    w.gh.reset_log();
    w.tsync();
    assert_eq!(w.gh.requests().len(), 1);
    assert_eq!(w.gh.rate_points_spent(), 0);
    w.gh.assert_clean();
}

#[test]
fn the_tracking_issue_closes_when_every_item_is_done_and_reopens_with_one() {
    let w = world();
    w.tsync();
    let cert = n(&w.tracker_of("postmortems/2024-03-12-cert.md"));
    let a = w.number_titled("Renew the certificate by hand");
    let b = w.number_titled("Renew certificates automatically");
    w.gh.close_issue("o", "r", a, "completed");
    w.tsync();
    let t = w.tracker_of("postmortems/2024-03-12-cert.md");
    assert_eq!(t["state"], "open");
    assert_eq!(t["sub_issues_summary"]["completed"], 1);
    w.gh.close_issue("o", "r", b, "completed");
    w.tsync();
    let t = w.tracker_of("postmortems/2024-03-12-cert.md");
    assert_eq!((n(&t), t["state"].as_str()), (cert, Some("closed")));
    assert_eq!(t["state_reason"], "completed");
    // Settled.
    w.assert_settled();
    // One item reopens: so does the tracking issue.
    w.gh.reopen_issue("o", "r", b);
    w.tsync();
    assert_eq!(
        w.tracker_of("postmortems/2024-03-12-cert.md")["state"],
        "open"
    );
    w.gh.assert_clean();
}

#[test]
fn a_sub_issue_attached_before_a_dropped_answer_is_not_attached_twice() {
    let w = world();
    w.gh.inject(Fault {
        method: "POST",
        path_contains: "/sub_issues",
        kind: FaultKind::DropAfterApply,
        times: 1,
    });
    w.tsync();
    w.tsync();
    for doc in [
        "postmortems/2024-01-10-db.md",
        "postmortems/2024-03-12-cert.md",
    ] {
        let t = w.tracker_of(doc);
        let kids = w.gh.children_of("o", "r", n(&t));
        let mut unique = kids.clone();
        unique.dedup();
        assert_eq!(kids, unique);
    }
    let attached: usize = w.attached();
    assert_eq!(attached, 5);
    w.gh.reset_log();
    w.tsync();
    assert!(w.gh.mutating_requests().is_empty());
    w.gh.assert_clean();
}

#[test]
fn without_sub_issues_the_tracking_issue_lists_its_items_and_nothing_fails() {
    let w = world();
    w.gh.without_sub_issues();
    let run = w.tsync();
    assert!(run.stderr.contains("no sub-issues"), "{}", run.stderr);
    assert_eq!(
        run.stderr.matches("no sub-issues").count(),
        1,
        "one warning"
    );
    let t = w.tracker_of("postmortems/2024-01-10-db.md");
    let body = t["body"].as_str().unwrap();
    let lag = w.number_titled("Add replica lag alerting");
    assert!(body.contains(&format!("- [ ] #{lag}\n")), "{body}");
    assert!(body.contains("subissues=none"), "{body}");
    w.gh.close_issue("o", "r", lag, "completed");
    w.tsync();
    let body = w.tracker_of("postmortems/2024-01-10-db.md")["body"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(body.contains(&format!("- [x] #{lag}\n")), "{body}");
    // Settled, and no sub-issue request is tried again.
    w.gh.reset_log();
    let run = w.tsync();
    assert!(!run.stderr.contains("no sub-issues"), "{}", run.stderr);
    assert!(
        w.gh.mutating_requests().is_empty(),
        "{:#?}",
        w.gh.mutating_requests()
    );
    w.gh.assert_clean();
}

#[test]
fn an_item_moved_to_another_postmortem_is_a_sub_issue_there_and_leaves_the_old_one() {
    let w = world();
    w.tsync();
    let moved = w.number_titled("Renew certificates automatically");
    w.write(
        "postmortems/2024-03-12-cert.md",
        "# Certificate expiry\n\n## Follow-ups\n\n### Immediate\n- [ ] Renew the certificate by hand\n",
    );
    w.write(
        "postmortems/2024-01-10-db.md",
        &format!("{DB}- [ ] Renew certificates automatically\n"),
    );
    w.tsync();
    let db = n(&w.tracker_of("postmortems/2024-01-10-db.md"));
    // The item is new in its new document (keys are per document): its
    // new issue is a sub-issue there, and the old one, closed as not
    // planned, left the old tracking issue.
    let now = w
        .issues()
        .iter()
        .find(|i| i["title"] == "Renew certificates automatically" && i["state"] == "open")
        .and_then(|i| i["number"].as_u64())
        .unwrap();
    assert_ne!(now, moved);
    assert_eq!(w.gh.parent_of("o", "r", now), Some(db));
    assert_eq!(w.gh.parent_of("o", "r", moved), None);
    let cert = n(&w.tracker_of("postmortems/2024-03-12-cert.md"));
    assert_eq!(w.gh.children_of("o", "r", cert).len(), 1);
    w.assert_settled();
    w.gh.assert_clean();
}

#[test]
fn under_a_write_budget_the_tracking_issues_and_links_finish_over_runs() {
    let w = world();
    w.write(
        ".pmtrack.yml",
        "tracking_issue: true\ngithub:\n  max_writes: 3\n  write_interval: 0\n",
    );
    let writes = |w: &World| w.gh.requests().iter().filter(|e| e.method != "GET").count();
    let mut runs = 0;
    loop {
        w.gh.reset_log();
        let run = w.tsync();
        runs += 1;
        assert!(writes(&w) <= 3, "run {runs} wrote {}", writes(&w));
        if writes(&w) == 0 {
            break;
        }
        assert!(runs < 20, "never settles: {}", run.stderr);
    }
    // 5 items + 2 tracking issues + 5 links, 3 writes a run (labels too).
    assert!(runs >= 5, "{runs} runs");
    assert_eq!(w.issues().len(), 5);
    assert_eq!(w.tracking_issues().len(), 2);
    let attached: usize = w.attached();
    assert_eq!(attached, 5);
    w.gh.assert_clean();
}

/// Killed after each write of a first sync (items, labels, tracking issues,
/// links), then run again: one tracking issue per postmortem, each item
/// attached once, then a no-op.
#[test]
fn a_kill_at_any_write_then_a_rerun_never_duplicates_a_tracking_issue_or_a_link() {
    let writes = |w: &World| w.gh.requests().iter().filter(|e| e.method != "GET").count();
    // How many writes a whole first sync makes.
    let total = {
        let w = world();
        w.tsync();
        writes(&w)
    };
    assert!(total >= 12, "{total}");
    for kill_after in (6..total).step_by(2) {
        let w = world();
        let mut child = w.spawn_sync("0.2", &[]);
        let start = std::time::Instant::now();
        while writes(&w) < kill_after {
            assert!(start.elapsed().as_secs() < 20, "timed out");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        child.kill().unwrap();
        let _ = child.wait();
        w.tsync();
        assert_eq!(
            w.issues_per_key().len(),
            5,
            "killed after {kill_after} writes"
        );
        assert_eq!(w.issues().len(), 5);
        assert_eq!(
            w.tracking_issues().len(),
            2,
            "killed after {kill_after} writes"
        );
        let attached: Vec<u64> = w
            .trackers()
            .iter()
            .flat_map(|t| w.gh.children_of("o", "r", n(t)))
            .collect();
        assert_eq!(attached.len(), 5, "killed after {kill_after} writes");
        w.gh.reset_log();
        w.tsync();
        assert!(w.gh.mutating_requests().is_empty());
        w.gh.assert_clean();
    }
}

/// A renamed postmortem keeps its items' issues; they move to the new
/// path's tracking issue (`replace_parent`), and the old path's tracking
/// issue closes as not planned.
#[test]
fn a_renamed_postmortem_moves_its_sub_issues_and_closes_the_old_tracking_issue() {
    let w = world();
    w.tsync();
    let old = n(&w.tracker_of("postmortems/2024-03-12-cert.md"));
    let kids = w.gh.children_of("o", "r", old);
    std::fs::rename(
        w.dir.path().join("postmortems/2024-03-12-cert.md"),
        w.dir.path().join("postmortems/2024-03-12-certificates.md"),
    )
    .unwrap();
    w.gh.reset_log();
    w.tsync();
    let new = n(&w.tracker_of("postmortems/2024-03-12-certificates.md"));
    assert_ne!(new, old);
    assert_eq!(
        w.gh.children_of("o", "r", new),
        kids,
        "the same issues, moved"
    );
    assert!(w.gh.children_of("o", "r", old).is_empty());
    let gone = w
        .tracking_issues()
        .into_iter()
        .find(|i| n(i) == old)
        .unwrap();
    assert_eq!(
        (gone["state"].as_str(), gone["state_reason"].as_str()),
        (Some("closed"), Some("not_planned"))
    );
    let moves: Vec<_> =
        w.gh.requests()
            .into_iter()
            .filter(|e| e.path.ends_with("/sub_issues") && e.method == "POST")
            .filter_map(|e| e.body)
            .collect();
    assert!(
        moves.iter().all(|b| b["replace_parent"] == true),
        "{moves:#?}"
    );
    w.assert_settled();
    w.gh.assert_clean();
}

/// Write-back names the tracking issue in the status block, and settles.
#[test]
fn the_status_block_links_the_tracking_issue() {
    let w = world();
    let url = w.gh.url();
    let sync_write = |w: &World| {
        let run = w.run(
            Some(TOKEN),
            &["sync", "--api-url", &url, "--repo", "o/r", "--write"],
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
    };
    sync_write(&w);
    let t = n(&w.tracker_of("postmortems/2024-03-12-cert.md"));
    let doc = std::fs::read_to_string(w.dir.path().join("postmortems/2024-03-12-cert.md")).unwrap();
    let want = format!(" · tracking issue [#{t}](https://github.com/o/r/issues/{t})\n");
    assert!(doc.contains(&want), "{doc}");
    w.gh.reset_log();
    sync_write(&w);
    let again =
        std::fs::read_to_string(w.dir.path().join("postmortems/2024-03-12-cert.md")).unwrap();
    assert_eq!(again, doc);
    assert!(w.gh.mutating_requests().is_empty());
    w.gh.assert_clean();
}

/// The report names each postmortem's tracking issue and its progress.
#[test]
fn the_report_shows_each_postmortems_tracking_issue_and_progress() {
    let w = world();
    w.tsync();
    let a = w.number_titled("Renew the certificate by hand");
    w.gh.close_issue("o", "r", a, "completed");
    let url = w.gh.url();
    let run = w.run(
        Some(TOKEN),
        &[
            "report",
            "--api-url",
            &url,
            "--repo",
            "o/r",
            "--all",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    let cert = v["postmortems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["path"] == "postmortems/2024-03-12-cert.md")
        .unwrap();
    let t = n(&w.tracker_of("postmortems/2024-03-12-cert.md"));
    assert_eq!(
        (cert["done"].as_u64(), cert["total"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(cert["tracking"]["number"].as_u64(), Some(t));
    let run = w.run(
        Some(TOKEN),
        &[
            "report",
            "--api-url",
            &url,
            "--repo",
            "o/r",
            "--all",
            "--format",
            "markdown",
        ],
    );
    let heading = run
        .stdout
        .lines()
        .find(|l| l.contains("`postmortems/2024-03-12-cert.md`"))
        .unwrap_or_default();
    assert!(heading.contains("· 1 of 2 done · "), "{heading}");
    assert!(
        heading.ends_with(&format!(
            " · tracking issue [#{t}](https://github.com/o/r/issues/{t})"
        )),
        "{heading}"
    );
    w.gh.assert_clean();
}

/// A dry run says how many tracking issues a sync would open; the JSON of
/// a real run has a `tracking` part only when it changed something.
#[test]
fn dry_run_and_json_say_what_happens_to_the_tracking_issues() {
    let w = world();
    let url = w.gh.url();
    let base = ["sync", "--api-url", &url, "--repo", "o/r"];
    let mut args = base.to_vec();
    args.push("--dry-run");
    let run = w.run(Some(TOKEN), &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("tracking issues: 2 to create (0 exist)"),
        "{}",
        run.stderr
    );
    assert!(w.gh.mutating_requests().is_empty());
    let mut args = base.to_vec();
    args.extend(["--format", "json"]);
    let run = w.run(Some(TOKEN), &args);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    let t = &v["tracking"];
    assert_eq!(t["attached"], 5, "{t:#}");
    assert_eq!(t["results"].as_array().unwrap().len(), 2);
    assert_eq!(t["links"].as_array().unwrap().len(), 2);
    let run = w.run(Some(TOKEN), &args);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(v.get("tracking").is_none(), "{v:#}");
    w.gh.assert_clean();
}

/// A server with sub-issues whose issues do not say their parent: the
/// parents are read from each tracking issue's sub-issue list (one request
/// each), nothing is attached twice, and a no-op writes nothing.
#[test]
fn where_issues_do_not_say_their_parent_the_sub_issue_lists_are_read() {
    let w = world();
    w.gh.without_parent_in_issues();
    w.tsync();
    let attached: usize = w.attached();
    assert_eq!(attached, 5);
    w.assert_settled();
    let lists =
        w.gh.requests()
            .iter()
            .filter(|e| e.path.ends_with("/sub_issues"))
            .count();
    assert_eq!(lists, 2, "{:#?}", w.gh.requests());
    w.gh.assert_clean();
}

/// A person's title on a tracking issue is kept.
#[test]
fn a_persons_title_on_a_tracking_issue_is_kept() {
    let w = world();
    w.tsync();
    let t = n(&w.tracker_of("postmortems/2024-01-10-db.md"));
    w.gh.edit_issue_title("o", "r", t, "DB outage follow-ups (Q1)");
    w.assert_settled();
    assert_eq!(
        w.tracker_of("postmortems/2024-01-10-db.md")["title"],
        "DB outage follow-ups (Q1)"
    );
    w.gh.assert_clean();
}
