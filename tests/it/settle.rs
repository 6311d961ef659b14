//! The sync / write-back loop settles: what pmtrack writes into a document
//! never flows back into an issue, the status block depends on state and not
//! on the day, and a run with nothing changed sends no write, changes no
//! byte and makes no commit, across days (the day is `PMTRACK_TODAY`).

use crate::support::world::{Run, World, TOKEN};
use std::path::Path;

/// One document per format family write-back handles: checkboxes,
/// `Title: description`, bold titles with describing bullets, a plain item
/// with sub-actions, a table, an HTML list, plain text with indented groups.
const FAMILIES: &[(&str, &str)] = &[
    (
        "postmortems/2024-05-02-db.md",
        "# Database failover outage

**Date:** 2024-05-02

## Corrective and Preventative Measures

### Immediate
- [ ] Add replication-lag alerts @alice due 2024-05-20
- [ ] Page the on-call on failover
- **Rotate credentials**: Rotate the database credentials and add checks.
- Failover runbook: write the runbook and test it twice.

### Short term
- **Capacity review**
  - Review the connection pool sizes
  - Compare with the last quarter
1. Add a canary stage to deploys
   - Roll back automatically on errors
   - Hold deploys during incidents

### Long term
| Action | Owner | Due |
| --- | --- | --- |
| Move to a managed database | bob | 2024-09-01 |
| Drop the legacy cache layer | carol | 2024-10-01 |
",
    ),
    (
        "postmortems/2024-06-18-cert.md",
        "# Certificate expiry

Date: 2024-06-18

## Action Items

<ul>
<li>Monitor certificate expiry dates</li>
<li>Renew certificates automatically</li>
</ul>

**Improvements:**
* Document the renewal process: who renews, when, and how to test it
  so that the next person knows.
* ~~Buy a longer certificate~~
",
    ),
    (
        "postmortems/2024-08-09-queue.txt",
        "Queue backlog
Date: 2024-08-09

Action items:

Short term:
Drain the queue faster: add consumers during a backlog.
Alert on the age of the oldest message

Long term:
Split the queue per tenant
",
    ),
];

fn write_all(w: &World, docs: &[(&str, &str)]) {
    for (path, text) in docs {
        w.write(path, text);
    }
}

/// Every document under `postmortems/`, by path.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir.join("postmortems")).unwrap() {
        let p = e.unwrap().path();
        out.push((
            p.file_name().unwrap().to_string_lossy().into_owned(),
            std::fs::read(&p).unwrap(),
        ));
    }
    out.sort();
    out
}

fn commit_all(repo: &git2::Repository) {
    crate::support::repo::commit_all(repo, "postmortems");
}

fn head(repo: &git2::Repository) -> git2::Oid {
    repo.head().unwrap().peel_to_commit().unwrap().id()
}

/// Method, path, status and body of each exchange, one per line.
fn brief(log: &[crate::support::fake_github::Exchange]) -> String {
    log.iter()
        .map(|e| {
            format!(
                "{} {} → {} {}",
                e.method,
                e.path,
                e.status,
                e.body.as_ref().map(|b| b.to_string()).unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

impl World {
    /// `pmtrack sync --write --commit` against the fake on `day`; must exit 0.
    fn sync_on(&self, day: &str, extra: &[&str]) -> Run {
        let url = self.gh.url();
        let mut args = vec![
            "sync",
            "--api-url",
            &url,
            "--repo",
            "o/r",
            "--write",
            "--commit",
        ];
        args.extend_from_slice(extra);
        let out = self
            .cmd(Some(TOKEN))
            .env("PMTRACK_TODAY", day)
            .args(&args)
            .output()
            .unwrap();
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into(),
            stderr: String::from_utf8_lossy(&out.stderr).into(),
        };
        assert_eq!(
            run.code, 0,
            "sync on {day} failed:\n{}\n{}",
            run.stdout, run.stderr
        );
        assert!(!run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN));
        run
    }

    /// The issue bodies that mention their own number: write-back text that
    /// flowed back into GitHub.
    fn self_referencing_bodies(&self) -> Vec<String> {
        self.issues()
            .iter()
            .filter_map(|i| {
                let n = i["number"].as_u64().unwrap();
                let body = i["body"].as_str().unwrap_or("");
                let own = [format!("#{n})"), format!("/issues/{n})")];
                own.iter()
                    .any(|o| body.contains(o.as_str()))
                    .then(|| format!("#{n}: {body}"))
            })
            .collect()
    }
}

/// Runs sync → write → sync over three days on `docs` and checks that the
/// second and third day change nothing anywhere.
fn settles_over_three_days(docs: &[(&str, &str)]) -> World {
    let w = World::new();
    write_all(&w, docs);
    let repo = git2::Repository::init(w.dir.path()).unwrap();
    commit_all(&repo);

    w.sync_on("2024-11-01", &[]);
    let after_first = snapshot(w.dir.path());
    let commit_first = head(&repo);
    assert!(
        w.self_referencing_bodies().is_empty(),
        "{:#?}",
        w.self_referencing_bodies()
    );
    for day in ["2024-11-02", "2024-11-03"] {
        w.gh.reset_log();
        let run = w.sync_on(day, &[]);
        assert!(
            w.gh.mutating_requests().is_empty(),
            "{day}: the run after write-back wrote to GitHub:\n{}\n{}",
            brief(&w.gh.mutating_requests()),
            run.stderr
        );
        assert_eq!(
            snapshot(w.dir.path()),
            after_first,
            "{day}: a document changed with nothing changed"
        );
        assert_eq!(head(&repo), commit_first, "{day}: a commit was made");
    }
    w.gh.assert_clean();
    w
}

#[test]
fn every_format_family_settles_after_one_write_back_across_days() {
    let w = settles_over_three_days(FAMILIES);
    let db = std::fs::read_to_string(w.dir.path().join("postmortems/2024-05-02-db.md")).unwrap();
    // The status block tells state, not a count of days.
    assert!(db.contains("overdue since 2024-05-20"), "{db}");
    assert!(!db.contains("overdue by"), "{db}");
    assert!(db.contains("updated 2024-11-01"), "{db}");
    // Every item got its link on its own line.
    assert!(
        db.contains(
            "- **Rotate credentials**: Rotate the database credentials and add checks. ([#"
        ),
        "{db}"
    );
    let queue =
        std::fs::read_to_string(w.dir.path().join("postmortems/2024-08-09-queue.txt")).unwrap();
    assert!(
        queue.contains("Drain the queue faster: add consumers during a backlog. (#"),
        "{queue}"
    );
}

#[test]
fn a_person_closing_an_issue_shows_as_done_the_next_day_and_then_settles() {
    let w = settles_over_three_days(FAMILIES);
    let path = w.dir.path().join("postmortems/2024-05-02-db.md");
    let n = w
        .issues()
        .iter()
        .find(|i| i["title"] == "Page the on-call on failover")
        .unwrap()["number"]
        .as_u64()
        .unwrap();
    let repo = git2::Repository::open(w.dir.path()).unwrap();
    let before = head(&repo);
    w.gh.close_issue("o", "r", n, "completed");
    w.gh.reset_log();
    w.sync_on("2024-11-04", &[]);
    assert!(w.gh.mutating_requests().is_empty());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("- [x] Page the on-call on failover"),
        "{text}"
    );
    assert!(text.contains("updated 2024-11-04"), "{text}");
    assert_ne!(head(&repo), before, "the write-back was committed");
    let settled = snapshot(w.dir.path());
    let commit = head(&repo);
    w.gh.reset_log();
    w.sync_on("2024-11-05", &[]);
    assert!(w.gh.mutating_requests().is_empty());
    assert_eq!(snapshot(w.dir.path()), settled);
    assert_eq!(head(&repo), commit);
}

#[test]
fn an_issue_body_carrying_its_own_reference_is_repaired_once() {
    let w = settles_over_three_days(&FAMILIES[..1]);
    let issue = w
        .issues()
        .into_iter()
        .find(|i| i["title"] == "Rotate credentials")
        .unwrap();
    let n = issue["number"].as_u64().unwrap();
    // What earlier versions wrote: the detail with the item's own link.
    let body =
        issue["body"]
            .as_str()
            .unwrap()
            .replacen("add checks.", &format!("add checks. (#{n})"), 1);
    w.gh.act(
        "PATCH",
        &format!("/repos/o/r/issues/{n}"),
        serde_json::json!({ "body": body }),
    );
    w.gh.reset_log();
    w.sync_on("2024-11-04", &[]);
    assert_eq!(w.gh.mutating_requests().len(), 1, "one repair");
    assert!(w.self_referencing_bodies().is_empty());
    w.gh.reset_log();
    w.sync_on("2024-11-05", &[]);
    assert!(w.gh.mutating_requests().is_empty());
}

/// The ten real postmortems the loop was first seen on.
#[test]
fn real_postmortems_settle_after_one_write_back() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    if !dir.is_dir() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but ../shared/corpus is missing"
        );
        println!("skipped: ../shared/corpus not found");
        return;
    }
    let names = [
        "seed-000", "seed-001", "seed-002", "seed-003", "seed-004", "d01", "d05", "d10", "d13",
        "d21",
    ];
    let texts: Vec<(String, String)> = names
        .iter()
        .map(|n| {
            (
                format!("postmortems/{n}.md"),
                std::fs::read_to_string(dir.join(format!("{n}.md"))).unwrap(),
            )
        })
        .collect();
    let docs: Vec<(&str, &str)> = texts
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let w = settles_over_three_days(&docs);
    assert!(w.issues().len() >= 60, "{}", w.issues().len());
}

/// An old postmortem: three items, incident in `year`.
fn old_postmortem(year: i32) -> String {
    format!(
        "# Outage {year}\n\nDate: {year}-02-01\n\n## Action items\n\n- [ ] Add disk alerts ({year})\n- [ ] Rotate keys ({year})\n- [ ] Write the runbook ({year})\n"
    )
}

#[test]
fn adopting_an_old_repository_suggests_since_and_tracks_only_recent_postmortems() {
    let w = World::new();
    let old: Vec<(String, String)> = [2019, 2020, 2021]
        .iter()
        .map(|y| (format!("postmortems/{y}-02-01-old.md"), old_postmortem(*y)))
        .collect();
    for (p, t) in &old {
        w.write(p, t);
    }
    write_all(&w, &FAMILIES[1..2]);
    let repo = git2::Repository::init(w.dir.path()).unwrap();
    commit_all(&repo);
    let url = w.gh.url();
    let sync = |args: &[&str]| {
        let out = w
            .cmd(Some(TOKEN))
            .env("PMTRACK_TODAY", "2024-11-01")
            .args(["sync", "--api-url", &url, "--repo", "o/r"])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
    };

    // A first dry run says what would happen, by year, and suggests `since`.
    let dry = sync(&["--dry-run"]);
    assert!(
        dry.contains("first sync: no issue is managed by pmtrack yet"),
        "{dry}"
    );
    assert!(dry.contains("  2019: 3 issues for 1 postmortems"), "{dry}");
    assert!(dry.contains("  2024: 3 issues for 1 postmortems"), "{dry}");
    assert!(
        dry.contains("add `since: 2023-11-01` to .pmtrack.yml"),
        "{dry}"
    );
    assert!(w.gh.mutating_requests().is_empty());

    // With `since`, old postmortems get no issue, no label, no write-back.
    w.write(".pmtrack.yml", "since: 2024-01-01\n");
    commit_all(&repo);
    let run = sync(&["--write", "--commit"]);
    assert!(
        run.contains(
            "not tracked: 3 postmortems with incidents before `since` 2024-01-01 (9 action items)"
        ),
        "{run}"
    );
    let titles: Vec<String> = w
        .issues()
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(titles.len(), 3, "{titles:?}");
    assert!(titles.iter().all(|t| !t.contains("20")), "{titles:?}");
    for (p, t) in &old {
        assert_eq!(&std::fs::read_to_string(w.dir.path().join(p)).unwrap(), t);
    }

    // The report counts them as not tracked, and lists none of their items.
    let out = w
        .cmd(Some(TOKEN))
        .env("PMTRACK_TODAY", "2024-11-01")
        .args([
            "report",
            "--api-url",
            &url,
            "--repo",
            "o/r",
            "--all",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["not_tracked"]["items"], 9);
    assert_eq!(
        json["not_tracked"]["postmortems"].as_array().unwrap().len(),
        3
    );
    assert_eq!(json["totals"]["items"], 4, "{json:#}");
    w.gh.assert_clean();
}
