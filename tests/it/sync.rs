//! `pmtrack sync` end to end: the real binary against the fake GitHub on
//! 127.0.0.1, with postmortems written to a temporary folder. Checks what
//! GitHub ends up holding, how many requests and rate-limit points each run
//! costs, that faults never yield duplicate issues, and the error messages.
//! Every test ends with `assert_clean` (traffic matches GitHub's OpenAPI
//! description).

use crate::support::fake_github::{Fault, FaultKind};
use crate::support::world::{Run, World, TOKEN};
use serde_json::Value;

const DOC: &str = "# Database outage

**Start Time:** 2024-01-10

## Action Items

- [ ] Add replica lag alerting @alice (due 2024-02-01)
- [ ] Write the failover runbook
- [ ] Rotate the database credentials P1
";

/// A fake with `o/r`, a token, collaborator `alice`, and a folder holding
/// one postmortem.
fn world() -> World {
    let w = World::new();
    w.write("postmortems/2024-01-10-db.md", DOC);
    w
}

impl World {
    /// `pmtrack sync --api-url <fake> --repo o/r <args>`.
    fn run_with(&self, token: Option<&str>, args: &[&str]) -> Run {
        let url = self.gh.url();
        let mut all = vec!["sync", "--api-url", &url, "--repo", "o/r"];
        all.extend_from_slice(args);
        self.run(token, &all)
    }

    /// `pmtrack sync` with the token; must exit 0.
    fn sync(&self, args: &[&str]) -> Run {
        let run = self.run_with(Some(TOKEN), args);
        assert_eq!(
            run.code, 0,
            "sync failed:\nstdout:\n{}\nstderr:\n{}",
            run.stdout, run.stderr
        );
        run
    }

    fn issue_titled(&self, prefix: &str) -> Value {
        self.issues()
            .into_iter()
            .find(|i| i["title"].as_str().unwrap_or("").starts_with(prefix))
            .unwrap_or_else(|| panic!("no issue titled {prefix}…: {:#?}", self.issues()))
    }

    /// Marker keys of all issues, sorted; panics on duplicates.
    fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self
            .issues()
            .iter()
            .map(|i| {
                let body = i["body"].as_str().unwrap_or("");
                let at = body.find("key=").expect("issue without marker");
                body[at + 4..]
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect();
        keys.sort();
        let n = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), n, "duplicate issues for one key");
        keys
    }
}

fn label_names(issue: &Value) -> Vec<String> {
    issue["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn first_sync_creates_then_resync_is_one_get_and_then_free() {
    let w = world();
    let run = w.sync(&[]);
    assert!(run.stdout.contains("3 created"), "{}", run.stdout);
    let issues = w.issues();
    assert_eq!(issues.len(), 3, "{issues:#?}");
    assert_eq!(w.keys().len(), 3);
    for i in &issues {
        let body = i["body"].as_str().unwrap();
        assert!(body.contains("<!-- pmtrack key="), "{body}");
        assert!(body.contains("\nDue: "), "{body}");
        assert!(label_names(i).iter().any(|l| l == "postmortem"));
    }
    let lag = w.issue_titled("Add replica lag alerting");
    assert_eq!(lag["assignees"][0]["login"], "alice");
    assert!(lag["body"].as_str().unwrap().contains("Due: 2024-02-01"));

    // Labels pmtrack uses exist once each, created with a colour and description.
    let label_posts: Vec<_> =
        w.gh.mutating_requests()
            .into_iter()
            .filter(|e| e.path.ends_with("/labels"))
            .map(|e| e.body.unwrap()["name"].as_str().unwrap().to_string())
            .collect();
    let mut unique = label_posts.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), label_posts.len(), "{label_posts:?}");
    let labels = w.gh.labels("o", "r");
    let base = labels.iter().find(|l| l["name"] == "postmortem").unwrap();
    assert_ne!(base["color"], "ededed", "base label created without colour");
    assert!(base["description"].as_str().is_some_and(|d| !d.is_empty()));

    // Second run: nothing to do, one listing page, nothing else.
    w.gh.reset_log();
    let run = w.sync(&[]);
    assert!(
        run.stdout.contains("0 created, 0 updated, 0 closed"),
        "{}",
        run.stdout
    );
    assert!(w.gh.mutating_requests().is_empty());
    assert_eq!(w.gh.requests().len(), 1, "{:#?}", w.gh.requests());

    // Third run: the page is unchanged, so it comes back 304 and costs nothing.
    w.gh.reset_log();
    w.sync(&[]);
    assert_eq!(w.gh.requests().len(), 1);
    assert_eq!(w.gh.requests()[0].status, 304);
    assert_eq!(w.gh.rate_points_spent(), 0);
    let ua = w.gh.requests()[0]
        .header("user-agent")
        .unwrap_or("")
        .to_string();
    assert!(ua.starts_with("pmtrack/"), "user agent {ua}");
    w.gh.assert_clean();
}

#[test]
fn resync_of_many_items_costs_one_get_per_hundred() {
    let w = world();
    let mut doc = String::from("# Big\n\n**Start Time:** 2024-01-10\n\n## Action Items\n\n");
    for n in 0..150 {
        doc.push_str(&format!("- [ ] Fix subsystem number {n} properly\n"));
    }
    w.write("postmortems/2024-01-10-db.md", &doc);
    w.sync(&[]);
    assert_eq!(w.issues().len(), 150);
    w.gh.reset_log();
    w.sync(&[]);
    assert!(w.gh.mutating_requests().is_empty());
    assert_eq!(w.gh.count("GET"), 2, "⌈150/100⌉ listing pages");
    assert_eq!(w.gh.requests().len(), 2);
    w.gh.reset_log();
    w.sync(&[]);
    assert_eq!(w.gh.rate_points_spent(), 0, "{:#?}", w.gh.requests());
    w.gh.assert_clean();
}

#[test]
fn an_edited_title_updates_the_issue_instead_of_duplicating_it() {
    let w = world();
    w.sync(&[]);
    let before = w.issue_titled("Write the failover runbook");
    w.write(
        "postmortems/2024-01-10-db.md",
        &DOC.replace(
            "Write the failover runbook",
            "Write the failover runbook for the primary",
        ),
    );
    let run = w.sync(&[]);
    assert!(run.stdout.contains("1 updated"), "{}", run.stdout);
    assert!(run.stdout.contains("0 created"), "{}", run.stdout);
    assert_eq!(w.issues().len(), 3);
    let after = w.issue_titled("Write the failover runbook for the primary");
    assert_eq!(after["number"], before["number"]);
    w.gh.assert_clean();
}

#[test]
fn a_checked_item_closes_its_issue_as_completed() {
    let w = world();
    w.sync(&[]);
    w.write(
        "postmortems/2024-01-10-db.md",
        &DOC.replace("- [ ] Write", "- [x] Write"),
    );
    let run = w.sync(&[]);
    assert!(run.stdout.contains("1 closed"), "{}", run.stdout);
    let i = w.issue_titled("Write the failover runbook");
    assert_eq!(i["state"], "closed");
    assert_eq!(i["state_reason"], "completed");
    w.gh.assert_clean();
}

#[test]
fn an_issue_a_person_closed_stays_closed_and_shows_as_done() {
    let w = world();
    w.sync(&[]);
    let n = w.issue_titled("Rotate the database credentials")["number"]
        .as_u64()
        .unwrap();
    w.gh.close_issue("o", "r", n, "completed");
    w.gh.reset_log();
    let run = w.sync(&["--format", "json"]);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    let link = json["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["number"] == n)
        .unwrap_or_else(|| panic!("no link for #{n}: {json:#}"));
    assert_eq!(link["state"], "done");
    assert!(
        w.gh.mutating_requests().is_empty(),
        "{:#?}",
        w.gh.mutating_requests()
    );
    assert_eq!(
        w.issue_titled("Rotate the database credentials")["state"],
        "closed"
    );
    w.gh.assert_clean();
}

#[test]
fn a_removed_item_is_closed_as_not_planned_with_one_comment() {
    let w = world();
    w.sync(&[]);
    let n = w.issue_titled("Rotate the database credentials")["number"]
        .as_u64()
        .unwrap();
    w.write(
        "postmortems/2024-01-10-db.md",
        &DOC.replace("- [ ] Rotate the database credentials P1\n", ""),
    );
    let run = w.sync(&[]);
    assert!(run.stdout.contains("1 closed"), "{}", run.stdout);
    let i = w.issue_titled("Rotate the database credentials");
    assert_eq!(i["state"], "closed");
    assert_eq!(i["state_reason"], "not_planned");
    assert_eq!(w.gh.comments("o", "r", n).len(), 1);
    w.gh.reset_log();
    w.sync(&[]);
    assert!(w.gh.mutating_requests().is_empty());
    assert_eq!(w.gh.comments("o", "r", n).len(), 1);
    w.gh.assert_clean();
}

/// Sync with `faults` queued, then once more: exactly one issue per item.
fn no_duplicates_after(faults: Vec<FaultKind>) -> World {
    let w = world();
    for kind in faults {
        w.gh.inject(Fault {
            method: "POST",
            path_contains: "/issues",
            kind,
            times: 1,
        });
    }
    let first = w.run_with(Some(TOKEN), &[]);
    assert!(first.code == 0 || first.code == 1, "{}", first.stderr);
    w.sync(&[]);
    assert_eq!(w.keys().len(), 3, "{:#?}", w.issues());
    assert_eq!(w.issues().len(), 3);
    w.gh.reset_log();
    w.sync(&[]);
    assert!(w.gh.mutating_requests().is_empty());
    w.gh.assert_clean();
    w
}

#[test]
fn a_502_on_create_then_a_rerun_gives_one_issue_per_item() {
    no_duplicates_after(vec![FaultKind::Status(502)]);
}

#[test]
fn a_dropped_connection_after_create_is_not_a_duplicate() {
    let w = no_duplicates_after(vec![FaultKind::DropAfterApply]);
    drop(w);
    no_duplicates_after(vec![FaultKind::DropBeforeApply, FaultKind::DropAfterApply]);
}

#[test]
fn a_secondary_limit_is_waited_out_and_retried() {
    let w = world();
    w.gh.inject(Fault {
        method: "POST",
        path_contains: "/issues",
        kind: FaultKind::SecondaryLimit {
            retry_after_secs: 1,
        },
        times: 1,
    });
    let run = w.sync(&[]);
    assert!(
        run.stderr.contains("waiting 1s for the GitHub rate limit"),
        "{}",
        run.stderr
    );
    assert_eq!(w.keys().len(), 3);
    drop(w);
    no_duplicates_after(vec![
        FaultKind::Status(502),
        FaultKind::DropAfterApply,
        FaultKind::SecondaryLimit429 {
            retry_after_secs: 1,
        },
    ]);
}

/// Starts `pmtrack sync` in the background.
fn spawn(w: &World, interval: &str) -> std::process::Child {
    w.spawn_sync(interval, &[])
}

/// Waits (at most 20 s) until the fake has logged an exchange `done` says.
fn wait_for(w: &World, done: impl Fn(&[crate::support::fake_github::Exchange]) -> bool) {
    let start = std::time::Instant::now();
    while !done(&w.gh.requests()) {
        assert!(
            start.elapsed().as_secs() < 20,
            "timed out: {:#?}",
            w.gh.requests()
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

fn issue_posts(log: &[crate::support::fake_github::Exchange]) -> usize {
    log.iter()
        .filter(|e| e.method == "POST" && e.path == "/repos/o/r/issues")
        .count()
}

#[test]
fn a_create_whose_fate_is_unknown_fails_and_the_rerun_finds_it() {
    let w = world();
    // The create goes through but its answer is lost, and the listing that
    // should find it fails too: the run must not create blindly again.
    w.gh.inject(Fault {
        method: "POST",
        path_contains: "/issues",
        kind: FaultKind::DropAfterApply,
        times: 1,
    });
    let child = spawn(&w, "0");
    wait_for(&w, |log| {
        log.iter()
            .any(|e| e.method == "POST" && e.path == "/repos/o/r/issues" && e.status == 0)
    });
    w.gh.inject(Fault {
        method: "GET",
        path_contains: "/issues",
        kind: FaultKind::Status(500),
        times: 4,
    });
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("1 failed"), "{stdout}");
    assert!(stderr.contains("run pmtrack again"), "{stderr}");
    assert_eq!(w.issues().len(), 3, "the lost create happened once");
    w.sync(&[]);
    assert_eq!(w.keys().len(), 3);
    assert_eq!(w.issues().len(), 3);
    w.gh.assert_clean();
}

#[test]
fn a_kill_at_any_point_then_a_rerun_never_duplicates() {
    for kill_after in 1..=3 {
        let w = world();
        let mut child = spawn(&w, "0.2");
        wait_for(&w, |log| issue_posts(log) >= kill_after);
        child.kill().unwrap();
        let _ = child.wait();
        let made = w.issues().len();
        assert!(
            made >= kill_after,
            "{made} issues after {kill_after} creates"
        );
        if kill_after == 1 {
            assert!(made < 3, "the kill came after the run had finished");
        }
        w.sync(&[]);
        assert_eq!(w.keys().len(), 3, "killed after {kill_after} creates");
        assert_eq!(w.issues().len(), 3);
        w.gh.assert_clean();
    }
}

#[test]
fn a_used_up_rate_limit_is_waited_for() {
    let w = world();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    w.gh.set_rate_limit(1, now + 2);
    let run = w.sync(&[]);
    assert!(
        run.stderr.contains("for the GitHub rate limit"),
        "{}",
        run.stderr
    );
    assert_eq!(w.issues().len(), 3);
    w.gh.assert_clean();
}

#[test]
fn dry_run_sends_no_mutating_request() {
    let w = world();
    let run = w.sync(&["--dry-run"]);
    assert!(run.stdout.contains("create"), "{}", run.stdout);
    assert!(run.stdout.contains("Write the failover runbook"));
    assert!(run.stdout.contains("dry run"), "{}", run.stdout);
    assert!(w.gh.mutating_requests().is_empty());
    assert!(w.gh.count("GET") >= 1, "lists the real issues");
    let run = w.sync(&["--dry-run", "--format", "json"]);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["dry_run"], true);
    assert_eq!(json["summary"]["created"], 3);
    assert_eq!(json["plan"]["changes"].as_array().unwrap().len(), 3);
    assert!(w.gh.mutating_requests().is_empty());
    assert!(w.issues().is_empty());

    // Without a token it plans against an empty tracker and says so.
    w.gh.reset_log();
    let run = w.run_with(None, &["--dry-run"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("no GitHub token"), "{}", run.stderr);
    assert!(run.stdout.contains("create"));
    assert!(w.gh.requests().is_empty());
    w.gh.assert_clean();
}

#[test]
fn a_missing_token_exits_2_naming_github_token() {
    let w = world();
    let run = w.run_with(None, &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("GITHUB_TOKEN"), "{}", run.stderr);
    assert!(w.gh.requests().is_empty());
    w.gh.assert_clean();
}

#[test]
fn a_bad_token_and_an_unknown_repo_get_githubs_words_and_a_fix() {
    let w = world();
    let run = w.run_with(Some("wrong"), &[]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("GitHub rejected the token (401 Bad credentials)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("GITHUB_TOKEN"), "{}", run.stderr);

    let url = w.gh.url();
    let out = w
        .cmd(Some(TOKEN))
        .args(["sync", "--api-url", &url, "--repo", "o/nope"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("repository o/nope not found, or the token cannot see it"),
        "{stderr}"
    );
    assert!(w.gh.mutating_requests().is_empty());
    w.gh.assert_clean();
}

#[test]
fn a_corrupt_etag_cache_is_ignored_with_a_warning() {
    let w = world();
    std::fs::write(w.cache_file(), "{ not json").unwrap();
    let run = w.sync(&[]);
    assert!(
        run.stderr.contains("ETag cache is corrupt"),
        "{}",
        run.stderr
    );
    assert_eq!(w.issues().len(), 3);
    // It was rewritten: the next runs use it.
    w.sync(&[]);
    w.gh.reset_log();
    w.sync(&[]);
    assert_eq!(w.gh.rate_points_spent(), 0);
    w.gh.assert_clean();
}

/// Commits every file in the work tree (deletions included); returns the id.
fn commit_all(repo: &git2::Repository, message: &str) -> String {
    crate::support::repo::commit_all(repo, message).to_string()
}

fn open_issue_titles(w: &World) -> Vec<String> {
    let mut t: Vec<String> = w
        .issues()
        .iter()
        .filter(|i| i["state"] == "open")
        .map(|i| i["title"].as_str().unwrap().to_string())
        .collect();
    t.sort();
    t
}

#[test]
fn since_limits_the_sync_and_a_push_run_syncs_every_postmortem() {
    let w = world();
    let repo = git2::Repository::init(w.dir.path()).unwrap();
    let doc = |title: &str, items: &[&str]| {
        let mut s = format!("# {title}\n\n**Start Time:** 2024-01-10\n\n## Action Items\n\n");
        for i in items {
            s.push_str(&format!("- [ ] {i}\n"));
        }
        s
    };
    std::fs::remove_file(w.dir.path().join("postmortems/2024-01-10-db.md")).unwrap();
    w.write(
        "postmortems/a.md",
        &doc("A", &["Fix alpha one", "Fix alpha two"]),
    );
    w.write(
        "postmortems/b.md",
        &doc("B", &["Fix beta one", "Fix beta two"]),
    );
    w.write("postmortems/c.md", &doc("C", &["Fix gamma one"]));
    let first = commit_all(&repo, "postmortems");
    w.sync(&[]);
    assert_eq!(open_issue_titles(&w).len(), 5);

    // Committed: a.md deleted. Not committed: an item removed from b.md.
    std::fs::remove_file(w.dir.path().join("postmortems/a.md")).unwrap();
    let second = commit_all(&repo, "drop a");
    w.write("postmortems/b.md", &doc("B", &["Fix beta one"]));
    let run = w.sync(&["--since", &first]);
    assert!(run.stdout.contains("2 closed"), "{}", run.stdout);
    assert_eq!(
        open_issue_titles(&w),
        ["Fix beta one", "Fix beta two", "Fix gamma one"],
        "only the deleted document's issues close; b.md did not change in the range"
    );
    let alpha = w.issue_titled("Fix alpha one");
    assert_eq!(alpha["state_reason"], "not_planned");

    // A push event for a push that changed only b.md: the run syncs every
    // postmortem all the same (a dropped earlier run loses nothing), so
    // b.md's removed item closes and c.md's edit, pushed earlier by a run
    // that never happened, gets its issue.
    commit_all(&repo, "trim b");
    let third = repo
        .head()
        .unwrap()
        .peel_to_commit()
        .unwrap()
        .id()
        .to_string();
    let event = w.cache.path().join("event.json");
    std::fs::write(
        &event,
        format!(r#"{{"ref": "refs/heads/main", "before": "{second}", "after": "{third}"}}"#),
    )
    .unwrap();
    std::fs::write(
        w.dir.path().join("postmortems/c.md"),
        doc("C", &["Fix gamma one", "Fix gamma two"]),
    )
    .unwrap();
    let url = w.gh.url();
    let out = w
        .cmd(Some(TOKEN))
        .env("GITHUB_EVENT_PATH", &event)
        .args(["sync", "--api-url", &url, "--repo", "o/r"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("1 created") && stdout.contains("1 closed"),
        "{stdout}"
    );
    assert_eq!(
        open_issue_titles(&w),
        ["Fix beta one", "Fix gamma one", "Fix gamma two"]
    );
    w.gh.assert_clean();
}

#[test]
fn write_back_links_issues_into_the_document_and_a_resync_changes_nothing() {
    let w = world();
    let path = w.dir.path().join("postmortems/2024-01-10-db.md");
    let n = {
        let run = w.sync(&["--write"]);
        assert!(
            run.stderr.contains("wrote postmortems/2024-01-10-db.md"),
            "{}",
            run.stderr
        );
        w.issue_titled("Write the failover runbook")["number"]
            .as_u64()
            .unwrap()
    };
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(
        written.contains(&format!("/o/r/issues/{n})")),
        "no link to #{n}:\n{written}"
    );
    // A person closes an issue on GitHub: the next sync ticks its box and
    // changes nothing on GitHub; the one after that changes nothing at all.
    w.gh.close_issue("o", "r", n, "completed");
    w.gh.reset_log();
    w.sync(&["--write"]);
    assert!(
        w.gh.mutating_requests().is_empty(),
        "{:#?}",
        w.gh.mutating_requests()
    );
    let ticked = std::fs::read_to_string(&path).unwrap();
    assert!(
        ticked.contains("- [x] Write the failover runbook"),
        "{ticked}"
    );
    w.gh.reset_log();
    let run = w.sync(&["--write"]);
    assert!(
        w.gh.mutating_requests().is_empty(),
        "{:#?}",
        w.gh.mutating_requests()
    );
    assert!(
        run.stdout.contains("0 created, 0 updated, 0 closed"),
        "{}",
        run.stdout
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), ticked);
    assert_eq!(w.issues().len(), 3);
    w.gh.assert_clean();
}

#[test]
fn a_deleted_postmortem_closes_its_issues_in_a_full_sync() {
    let w = world();
    w.write(
        "postmortems/other.md",
        "# O\n\nDate: 2024-02-01\n\n## Action items\n\n- Keep this one\n",
    );
    w.sync(&[]);
    assert_eq!(open_issue_titles(&w).len(), 4);
    std::fs::remove_file(w.dir.path().join("postmortems/2024-01-10-db.md")).unwrap();
    let run = w.sync(&[]);
    assert!(run.stdout.contains("3 closed"), "{}", run.stdout);
    assert_eq!(open_issue_titles(&w), ["Keep this one"]);
    w.gh.assert_clean();
}

/// A repeated no-op sync spends 0 rate-limit points whatever the page
/// count, a full last page included, although GitHub's 304s say nothing
/// about the next page.
#[test]
fn a_repeated_noop_sync_is_free_at_any_page_count() {
    for items in [99, 100, 200, 250] {
        let w = world();
        let mut doc = String::from("# Big\n\n**Start Time:** 2024-01-10\n\n## Action Items\n\n");
        for n in 0..items {
            doc.push_str(&format!("- [ ] Fix subsystem number {n} properly\n"));
        }
        w.write("postmortems/2024-01-10-db.md", &doc);
        w.sync(&[]);
        w.sync(&[]);
        w.gh.reset_log();
        w.sync(&[]);
        assert_eq!(
            w.gh.rate_points_spent(),
            0,
            "{items} items: {:#?}",
            w.gh.requests()
                .iter()
                .map(|e| (e.query.clone(), e.status))
                .collect::<Vec<_>>()
        );
        assert!(w.gh.mutating_requests().is_empty());
        w.gh.assert_clean();
    }
}

/// Items already tracked elsewhere: another repository's issue, a pull
/// request, a Jira key. Never created here; the GitHub ones are read (one
/// conditional GET each, free when repeated), shown in the status block,
/// and a merged pull request ticks the item's box.
#[test]
fn items_tracked_elsewhere_are_never_created_and_show_their_state() {
    let w = World::new();
    w.gh.add_repo("org", "other");
    let issue = w.gh.open_pull("org", "other", "placeholder");
    // Issue numbers are shared with pull requests: #1 is a pull request
    // here, so make #2 an issue.
    let (_, created) = w.gh.act(
        "POST",
        "/repos/org/other/issues",
        serde_json::json!({"title": "Retry budget"}),
    );
    let other_issue = created["number"].as_u64().unwrap();
    let pr = issue;
    let path = "postmortems/cache.md";
    w.write(
        path,
        &format!(
            "# Cache outage\n\n## Action Items\n\n\
- [ ] Add a retry budget (org/other#{other_issue})\n\
- [ ] Fix the reflector [Pull Request](https://github.com/org/other/pull/{pr})\n\
- [ ] Rotate the cache keys (Jira: OPS-17)\n\
- [ ] Write the cache runbook\n"
        ),
    );
    let run = w.sync(&["--write"]);
    assert!(run.stdout.contains("1 created"), "{}", run.stdout);
    assert!(
        run.stderr.contains(&format!(
            "3 action items are tracked elsewhere (OPS-17, org/other#{pr}, org/other#{other_issue}): no issue is made for them"
        )),
        "{}",
        run.stderr
    );
    let mine = w.issues();
    assert_eq!(
        mine.len(),
        1,
        "only the untracked item gets an issue: {mine:#?}"
    );
    assert!(mine[0]["title"]
        .as_str()
        .unwrap()
        .starts_with("Write the cache runbook"));
    let reads: Vec<String> =
        w.gh.requests()
            .into_iter()
            .filter(|e| e.method == "GET" && e.path.starts_with("/repos/org/other/issues/"))
            .map(|e| e.path)
            .collect();
    assert_eq!(
        reads,
        [
            format!("/repos/org/other/issues/{pr}"),
            format!("/repos/org/other/issues/{other_issue}")
        ],
        "one read each, sorted by repository and number"
    );
    let text = std::fs::read_to_string(w.dir.path().join(path)).unwrap();
    assert!(
        text.contains(&format!(
            "| Add a retry budget | tracked in [org/other#{other_issue}](https://github.com/org/other/issues/{other_issue}) | — | — | open |"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "tracked in [org/other#{pr}](https://github.com/org/other/pull/{pr})"
        )),
        "{text}"
    );
    assert!(text.contains("| tracked externally: OPS-17 |"), "{text}");
    // The items themselves are left as written: no link of ours added.
    assert!(
        text.contains(&format!(
            "- [ ] Add a retry budget (org/other#{other_issue})\n"
        )),
        "{text}"
    );

    // Nothing changed: a repeat writes nothing, and once the listing has
    // seen the issue created, spends no point.
    w.sync(&["--write"]);
    w.gh.reset_log();
    w.sync(&["--write"]);
    assert!(
        w.gh.mutating_requests().is_empty(),
        "{:#?}",
        w.gh.mutating_requests()
    );
    assert_eq!(w.gh.rate_points_spent(), 0, "{:#?}", w.gh.requests());
    assert_eq!(
        std::fs::read_to_string(w.dir.path().join(path)).unwrap(),
        text
    );

    // The pull request is merged and the other issue closed as not planned:
    // the box of the first is ticked, both rows say so, still no write here.
    w.gh.merge_pull("org", "other", pr);
    w.gh.close_issue("org", "other", other_issue, "not_planned");
    w.gh.reset_log();
    w.sync(&["--write"]);
    assert!(
        w.gh.mutating_requests().is_empty(),
        "{:#?}",
        w.gh.mutating_requests()
    );
    let after = std::fs::read_to_string(w.dir.path().join(path)).unwrap();
    assert!(
        after.contains(&format!(
            "- [x] Fix the reflector [Pull Request](https://github.com/org/other/pull/{pr})"
        )),
        "{after}"
    );
    assert!(
        after.contains(&format!("org/other#{other_issue}](https://github.com/org/other/issues/{other_issue}) | — | — | not planned |")),
        "{after}"
    );
    assert_eq!(w.issues().len(), 1);
    // And then it settles.
    w.sync(&["--write"]);
    assert_eq!(
        std::fs::read_to_string(w.dir.path().join(path)).unwrap(),
        after
    );
    w.gh.assert_clean();
}

/// A reference the token cannot read (no such repository) keeps the
/// document's state, says why, and creates nothing.
#[test]
fn an_unreadable_reference_is_said_and_creates_nothing() {
    let w = World::new();
    w.write(
        "postmortems/x.md",
        "# X\n\n## Action Items\n\n- [ ] Add a retry budget (https://github.com/gone/away/issues/4)\n",
    );
    let run = w.sync(&["--write"]);
    assert!(w.issues().is_empty(), "{:#?}", w.issues());
    assert!(
        run.stderr.contains("cannot read gone/away#4")
            && run.stderr.contains("give the token read access"),
        "{}",
        run.stderr
    );
    let text = std::fs::read_to_string(w.dir.path().join("postmortems/x.md")).unwrap();
    assert!(
        text.contains("tracked in [gone/away#4](https://github.com/gone/away/issues/4)"),
        "{text}"
    );
    w.gh.assert_clean();
}
