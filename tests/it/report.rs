//! `pmtrack report` end to end: the real binary against the fake GitHub on
//! 127.0.0.1 (issues made by a real `pmtrack sync` first), and against
//! documents alone (no token). Checks the ONE rolling report issue (updated
//! in place, never a second one, found by its marker), the overdue label
//! kept on exactly the overdue items' issues, `--fail-on-overdue`, and the
//! JSON document byte for byte at a fixed `--as-of`.

use crate::support::fake_github::FakeGitHub;
use crate::support::world::{Run, World, TOKEN};
use serde_json::{json, Value};

const DOC: &str = "# Database outage

**Start Time:** 2024-01-10

## Action Items

- [ ] Add replica lag alerting @alice (due 2024-02-01)
- [ ] Write the failover runbook (due 2024-03-10)
- [ ] Rotate the database credentials P1
";

fn world() -> World {
    let w = World::new();
    w.write("postmortems/2024-01-10-db.md", DOC);
    w
}

impl World {
    /// `pmtrack <cmd> --api-url <fake> --repo o/r <args>` with the token; must exit 0.
    fn ok(&self, cmd: &str, args: &[&str]) -> Run {
        let url = self.gh.url();
        let mut all = vec![cmd, "--api-url", &url, "--repo", "o/r"];
        all.extend_from_slice(args);
        let run = self.run(Some(TOKEN), &all);
        assert_eq!(
            run.code, 0,
            "{cmd} failed:\nstdout:\n{}\nstderr:\n{}",
            run.stdout, run.stderr
        );
        run
    }

    fn report_issues(&self) -> Vec<Value> {
        self.issues()
            .into_iter()
            .filter(|i| {
                i["body"]
                    .as_str()
                    .unwrap_or("")
                    .contains("<!-- pmtrack:report -->")
            })
            .collect()
    }

    fn number_of(&self, title_prefix: &str) -> u64 {
        self.issues()
            .iter()
            .find(|i| i["title"].as_str().unwrap_or("").starts_with(title_prefix))
            .and_then(|i| i["number"].as_u64())
            .unwrap_or_else(|| panic!("no issue titled {title_prefix}"))
    }

    fn labels_of(&self, number: u64) -> Vec<String> {
        let issue = self
            .issues()
            .into_iter()
            .find(|i| i["number"] == number)
            .unwrap();
        issue["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["name"].as_str().unwrap().to_string())
            .collect()
    }
}

#[test]
fn a_second_post_updates_the_rolling_issue_in_place_and_never_makes_another() {
    let w = world();
    w.ok("sync", &[]);
    let run = w.ok("report", &["--post", "--as-of", "2024-03-01"]);
    assert!(run.stderr.contains("created"), "{}", run.stderr);
    let first = w.report_issues();
    assert_eq!(first.len(), 1, "{first:#?}");
    let number = first[0]["number"].as_u64().unwrap();
    assert_eq!(first[0]["title"], "Postmortem follow-ups: weekly report");
    let body = first[0]["body"].as_str().unwrap();
    assert!(body.starts_with("```mermaid\nxychart-beta"), "{body}");
    assert!(body.contains("As of 2024-03-01"), "{body}");
    assert!(
        !body.contains(" @alice"),
        "owners are not pinged by default: {body}"
    );
    let labels = w.labels_of(number);
    assert!(labels.contains(&"postmortem".to_string()), "{labels:?}");
    assert!(labels.contains(&"pmtrack-report".to_string()), "{labels:?}");

    // A week later: the same issue, a new body, no create.
    w.gh.reset_log();
    let run = w.ok("report", &["--post", "--as-of", "2024-03-08"]);
    assert!(
        run.stderr
            .contains(&format!("report issue #{number} updated")),
        "{}",
        run.stderr
    );
    let creates =
        w.gh.mutating_requests()
            .into_iter()
            .filter(|e| e.method == "POST" && e.path.ends_with("/issues"))
            .count();
    assert_eq!(creates, 0);
    let again = w.report_issues();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0]["number"].as_u64(), Some(number));
    assert!(again[0]["body"]
        .as_str()
        .unwrap()
        .contains("As of 2024-03-08"));

    // Nothing new: nothing sent but the listing.
    w.gh.reset_log();
    let run = w.ok("report", &["--post", "--as-of", "2024-03-08"]);
    assert!(run.stderr.contains("unchanged"), "{}", run.stderr);
    assert!(
        w.gh.mutating_requests().is_empty(),
        "{:#?}",
        w.gh.mutating_requests()
    );

    // A person strips the base label: the issue drops out of the managed
    // listing, yet it is found again by its own label and marker.
    let (status, _) = w.gh.act(
        "PATCH",
        &format!("/repos/o/r/issues/{number}"),
        json!({"labels": ["pmtrack-report"]}),
    );
    assert_eq!(status, 200);
    w.ok("report", &["--post", "--as-of", "2024-03-15"]);
    let after = w.report_issues();
    assert_eq!(after.len(), 1, "{after:#?}");
    assert_eq!(after[0]["number"].as_u64(), Some(number));
    assert!(w.labels_of(number).contains(&"postmortem".to_string()));
    // The title was never used to find it: a look-alike issue is ignored.
    w.gh.act(
        "POST",
        "/repos/o/r/issues",
        json!({"title": "Postmortem follow-ups: weekly report", "labels": ["postmortem"]}),
    );
    w.ok("report", &["--post", "--as-of", "2024-03-22"]);
    assert_eq!(w.report_issues().len(), 1);
    w.gh.assert_clean();
}

#[test]
fn the_overdue_label_follows_closes_and_moved_dates() {
    let w = world();
    w.ok("sync", &[]);
    let lag = w.number_of("Add replica lag alerting");
    let runbook = w.number_of("Write the failover runbook");
    let rotate = w.number_of("Rotate the database credentials");

    // 2024-03-01: lag (due 02-01) and rotate (P1: 14 days after 01-10) are overdue.
    let run = w.ok("report", &["--post", "--as-of", "2024-03-01"]);
    assert!(
        run.stderr.contains(&format!("labelled #{lag} `overdue`")),
        "{}",
        run.stderr
    );
    assert!(w.labels_of(lag).contains(&"overdue".to_string()));
    assert!(w.labels_of(rotate).contains(&"overdue".to_string()));
    assert!(!w.labels_of(runbook).contains(&"overdue".to_string()));
    let label =
        w.gh.labels("o", "r")
            .into_iter()
            .find(|l| l["name"] == "overdue")
            .unwrap();
    assert_eq!(label["color"], "d93f0b", "created with its colour");

    // A person closes the lag issue: the label comes off.
    w.gh.close_issue("o", "r", lag, "completed");
    let run = w.ok("report", &["--post", "--as-of", "2024-03-01"]);
    assert!(
        run.stderr
            .contains(&format!("removed `overdue` from #{lag}")),
        "{}",
        run.stderr
    );
    assert!(!w.labels_of(lag).contains(&"overdue".to_string()));
    assert!(
        w.labels_of(rotate).contains(&"overdue".to_string()),
        "still overdue"
    );

    // The runbook's date moves into the past: it gains the label; moved
    // to the future again: it loses it.
    w.write(
        "postmortems/2024-01-10-db.md",
        &DOC.replace("(due 2024-03-10)", "(due 2024-02-15)"),
    );
    w.ok("report", &["--post", "--as-of", "2024-03-01"]);
    assert!(w.labels_of(runbook).contains(&"overdue".to_string()));
    w.write(
        "postmortems/2024-01-10-db.md",
        &DOC.replace("(due 2024-03-10)", "(due 2024-04-30)"),
    );
    w.ok("report", &["--post", "--as-of", "2024-03-01"]);
    assert!(!w.labels_of(runbook).contains(&"overdue".to_string()));
    // Other labels were never touched.
    assert!(w.labels_of(runbook).contains(&"postmortem".to_string()));
    w.gh.assert_clean();
}

#[test]
fn fail_on_overdue_exits_1_only_when_something_is_overdue() {
    let w = world();
    w.ok("sync", &[]);
    let url = w.gh.url();
    let base = [
        "report",
        "--api-url",
        &url,
        "--repo",
        "o/r",
        "--fail-on-overdue",
    ];
    let mut late = base.to_vec();
    late.extend(["--as-of", "2024-03-01"]);
    let run = w.run(Some(TOKEN), &late);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("2 overdue action items"),
        "{}",
        run.stderr
    );
    let mut early = base.to_vec();
    early.extend(["--as-of", "2024-01-11"]);
    let run = w.run(Some(TOKEN), &early);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Without the flag an overdue report is still a success.
    let run = w.ok("report", &["--as-of", "2024-03-01", "--overdue"]);
    assert!(run.stdout.contains("overdue 2"), "{}", run.stdout);
    w.gh.assert_clean();
}

#[test]
fn post_without_a_token_is_a_usage_error_naming_the_variable() {
    let w = world();
    let run = w.run(None, &["report", "--post", "--repo", "o/r"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("GITHUB_TOKEN"), "{}", run.stderr);
    assert!(w.gh.requests().is_empty());
}

#[test]
fn a_person_closing_an_issue_shows_as_done_this_week_and_in_the_github_states() {
    let w = world();
    w.ok("sync", &[]);
    let lag = w.number_of("Add replica lag alerting");
    w.gh.close_issue("o", "r", lag, "completed");
    // The fake stamps closes with today's date: report as of today.
    let today = chrono::Utc::now().date_naive().to_string();
    let run = w.ok("report", &["--format", "json", "--all", "--as-of", &today]);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["source"], "github");
    assert_eq!(v["totals"]["done_this_week"], 1, "{v:#}");
    assert_eq!(v["totals"]["open"], 2);
    let items = v["postmortems"][0]["items"].as_array().unwrap();
    let lag_item = items.iter().find(|i| i["issue"]["number"] == lag).unwrap();
    assert_eq!(lag_item["state"], "done");
    assert!(lag_item["issue"]["url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/issues/{lag}")));
    w.gh.assert_clean();
}

/// The sample of docs/writeback.md after a sync on 2024-06-03.
const SYNCED: &str = "# Database failover outage (2024-05-02)

## Action items

### Short term
- [ ] Add replication-lag alerts @alice due 2024-05-20 ([#41](https://github.com/acme/db/issues/41))
- [x] Document the failover runbook @bob ([#42](https://github.com/acme/db/issues/42))
- Drop the legacy cache layer ([#43](https://github.com/acme/db/issues/43))
- [ ] Add a failover drill to the quarterly calendar

<!-- pmtrack:status:begin — generated by pmtrack, edits are replaced -->
**Status:** 3 action items · 1 open (1 overdue) · 1 done · 1 not planned · updated 2024-06-03 · tracking issue [#40](https://github.com/acme/db/issues/40)

| Action item | Issue | Owner | Due | State |
| --- | --- | --- | --- | --- |
| Add replication-lag alerts @alice due 2024-05-20 | [#41](https://github.com/acme/db/issues/41) | alice | 2024-05-20 | **overdue since 2024-05-20** |
| Document the failover runbook @bob | [#42](https://github.com/acme/db/issues/42) | bob | — | done |
| Drop the legacy cache layer | [#43](https://github.com/acme/db/issues/43) | — | — | not planned |

<!-- pmtrack:status:end -->

## Timeline

Nothing else.
";

/// The documented JSON schema, byte for byte, at a fixed `--as-of`, from
/// the documents alone (no token).
#[test]
fn json_from_the_documents_is_stable_at_a_fixed_as_of() {
    let w = World::with(FakeGitHub::start());
    w.write("postmortems/2024-05-02-db.md", SYNCED);
    w.write(".pmtrack.yml", "repo: acme/db\n");
    let run = w.run(
        None,
        &[
            "report",
            "--format",
            "json",
            "--all",
            "--as-of",
            "2024-06-10",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = r#"{
  "schema": "pmtrack.report/1",
  "as_of": "2024-06-10",
  "filter": "all",
  "source": "documents",
  "repo": "acme/db",
  "totals": {
    "items": 4,
    "open": 2,
    "overdue": 2,
    "without_issue": 1,
    "done_this_week": 0,
    "oldest_overdue": {
      "title": "Add replication-lag alerts @alice due 2024-05-20",
      "postmortem": "postmortems/2024-05-02-db.md",
      "line": 6,
      "issue": {
        "number": 41,
        "url": "https://github.com/acme/db/issues/41"
      },
      "days_overdue": 21
    }
  },
  "postmortems": [
    {
      "path": "postmortems/2024-05-02-db.md",
      "title": "Database failover outage (2024-05-02)",
      "incident_start": "2024-05-02",
      "open": 2,
      "overdue": 2,
      "done": 1,
      "total": 4,
      "tracking": {
        "number": 40,
        "url": "https://github.com/acme/db/issues/40"
      },
      "health": {
        "on_time": 0,
        "late": 2,
        "on_time_percent": 0,
        "median_days_to_close": null,
        "open_by_age": [
          0,
          2,
          0,
          0
        ]
      },
      "items": [
        {
          "title": "Add replication-lag alerts @alice due 2024-05-20",
          "postmortem": "postmortems/2024-05-02-db.md",
          "line": 6,
          "owners": [
            "alice"
          ],
          "due": "2024-05-20",
          "state": "open",
          "overdue": true,
          "days_overdue": 21,
          "age_days": 39,
          "issue": {
            "number": 41,
            "url": "https://github.com/acme/db/issues/41"
          }
        },
        {
          "title": "Document the failover runbook @bob",
          "postmortem": "postmortems/2024-05-02-db.md",
          "line": 7,
          "owners": [
            "bob"
          ],
          "due": "2024-06-01",
          "state": "done",
          "overdue": false,
          "days_overdue": null,
          "age_days": 39,
          "issue": {
            "number": 42,
            "url": "https://github.com/acme/db/issues/42"
          }
        },
        {
          "title": "Drop the legacy cache layer",
          "postmortem": "postmortems/2024-05-02-db.md",
          "line": 8,
          "owners": [],
          "due": "2024-06-01",
          "state": "not_planned",
          "overdue": false,
          "days_overdue": null,
          "age_days": 39,
          "issue": {
            "number": 43,
            "url": "https://github.com/acme/db/issues/43"
          }
        },
        {
          "title": "Add a failover drill to the quarterly calendar",
          "postmortem": "postmortems/2024-05-02-db.md",
          "line": 9,
          "owners": [],
          "due": "2024-06-01",
          "state": "open",
          "overdue": true,
          "days_overdue": 9,
          "age_days": 39,
          "issue": null
        }
      ]
    }
  ],
  "owners": [
    {
      "owner": "alice",
      "open": 1,
      "overdue": 1,
      "items": [
        {
          "postmortem": "postmortems/2024-05-02-db.md",
          "line": 6,
          "title": "Add replication-lag alerts @alice due 2024-05-20",
          "issue": 41,
          "overdue": true
        }
      ]
    },
    {
      "owner": "bob",
      "open": 0,
      "overdue": 0,
      "items": [
        {
          "postmortem": "postmortems/2024-05-02-db.md",
          "line": 7,
          "title": "Document the failover runbook @bob",
          "issue": 42,
          "overdue": false
        }
      ]
    },
    {
      "owner": null,
      "open": 1,
      "overdue": 1,
      "items": [
        {
          "postmortem": "postmortems/2024-05-02-db.md",
          "line": 8,
          "title": "Drop the legacy cache layer",
          "issue": 43,
          "overdue": false
        },
        {
          "postmortem": "postmortems/2024-05-02-db.md",
          "line": 9,
          "title": "Add a failover drill to the quarterly calendar",
          "issue": null,
          "overdue": true
        }
      ]
    }
  ],
  "types": [
    {
      "type": "documentation",
      "items": 1,
      "open": 0,
      "overdue": 0,
      "done": 1,
      "health": {
        "on_time": 0,
        "late": 0,
        "on_time_percent": null,
        "median_days_to_close": null,
        "open_by_age": [
          0,
          0,
          0,
          0
        ]
      }
    },
    {
      "type": "detect",
      "items": 1,
      "open": 1,
      "overdue": 1,
      "done": 0,
      "health": {
        "on_time": 0,
        "late": 1,
        "on_time_percent": 0,
        "median_days_to_close": null,
        "open_by_age": [
          0,
          1,
          0,
          0
        ]
      }
    },
    {
      "type": "mitigate",
      "items": 1,
      "open": 1,
      "overdue": 1,
      "done": 0,
      "health": {
        "on_time": 0,
        "late": 1,
        "on_time_percent": 0,
        "median_days_to_close": null,
        "open_by_age": [
          0,
          1,
          0,
          0
        ]
      }
    },
    {
      "type": null,
      "items": 1,
      "open": 0,
      "overdue": 0,
      "done": 0,
      "health": {
        "on_time": 0,
        "late": 0,
        "on_time_percent": null,
        "median_days_to_close": null,
        "open_by_age": [
          0,
          0,
          0,
          0
        ]
      }
    }
  ],
  "health": {
    "overall": {
      "on_time": 0,
      "late": 2,
      "on_time_percent": 0,
      "median_days_to_close": null,
      "open_by_age": [
        0,
        2,
        0,
        0
      ]
    },
    "owners": [
      {
        "owner": "alice",
        "on_time": 0,
        "late": 1,
        "on_time_percent": 0,
        "median_days_to_close": null,
        "open_by_age": [
          0,
          1,
          0,
          0
        ]
      },
      {
        "owner": "bob",
        "on_time": 0,
        "late": 0,
        "on_time_percent": null,
        "median_days_to_close": null,
        "open_by_age": [
          0,
          0,
          0,
          0
        ]
      },
      {
        "owner": null,
        "on_time": 0,
        "late": 1,
        "on_time_percent": 0,
        "median_days_to_close": null,
        "open_by_age": [
          0,
          1,
          0,
          0
        ]
      }
    ],
    "months": [
      {
        "month": "2024-03",
        "on_time": 0,
        "late": 0
      },
      {
        "month": "2024-04",
        "on_time": 0,
        "late": 0
      },
      {
        "month": "2024-05",
        "on_time": 0,
        "late": 0
      },
      {
        "month": "2024-06",
        "on_time": 0,
        "late": 0
      }
    ],
    "oldest_open": [
      {
        "title": "Add replication-lag alerts @alice due 2024-05-20",
        "postmortem": "postmortems/2024-05-02-db.md",
        "line": 6,
        "issue": 41,
        "age_days": 39
      },
      {
        "title": "Add a failover drill to the quarterly calendar",
        "postmortem": "postmortems/2024-05-02-db.md",
        "line": 9,
        "issue": null,
        "age_days": 39
      }
    ]
  },
"#;
    // The twelve weeks are checked one by one below, to keep the snapshot
    // readable; everything before them must match byte for byte.
    let at = run.stdout.find("  \"weeks\": [").expect("a weeks array");
    assert_eq!(&run.stdout[..at], expected);
    let actual: Value = serde_json::from_str(&run.stdout).unwrap();
    let weeks = &actual["weeks"];
    let weeks = weeks.as_array().unwrap();
    assert_eq!(weeks.len(), 12);
    assert_eq!(
        weeks[11],
        json!({"week_end": "2024-06-10", "open": 2, "overdue": 2})
    );
    assert_eq!(
        weeks[5],
        json!({"week_end": "2024-04-29", "open": 0, "overdue": 0})
    );
    assert_eq!(
        weeks[6],
        json!({"week_end": "2024-05-06", "open": 2, "overdue": 0})
    );
    // And the same report as a table ends with its sparkline.
    let run = w.run(None, &["report", "--as-of", "2024-06-10"]);
    let last = run.stdout.lines().last().unwrap_or("").to_string();
    assert_eq!(last, "open per week, last 12 weeks: ▁▁▁▁▁▁██████ 2 now");
    assert!(w.gh.requests().is_empty(), "no token: no request");
}

/// The block of `docs` after the line `<!-- sample:NAME -->`, inside its
/// fence (of backticks, however many).
fn doc_sample(docs: &str, name: &str) -> String {
    let marker = format!("<!-- sample:{name} -->\n");
    let start = docs.find(&marker).expect("sample marker") + marker.len();
    let rest = &docs[start..];
    let fence_len = rest.chars().take_while(|c| *c == '`').count();
    let body_start = rest.find('\n').unwrap() + 1;
    let fence = format!("\n{}\n", "`".repeat(fence_len));
    let end = rest[body_start - 1..].find(&fence).unwrap() + body_start - 1;
    rest[body_start..=end].to_string()
}

/// The third document of the samples: a later incident that promises two
/// things again (a recurring promise each).
const DNS_AGAIN: &str = "# DNS timeouts in us-east

Date: 2024-05-28

## Action items

- [ ] Add synthetic DNS probes in every zone @sre-oncall due 2024-06-14
- [ ] Alert on replication lag
";

/// docs/report.md and the README show real output: regenerate it and
/// compare (the README's Markdown sample is docs/report.md's).
#[test]
fn the_samples_in_docs_report_md_are_what_pmtrack_prints() {
    let w = World::with(FakeGitHub::start());
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dns = std::fs::read_to_string(root.join("examples/postmortems/2024-05-02-dns-outage.md"))
        .unwrap();
    w.write("postmortems/2024-05-02-db-failover.md", SYNCED);
    w.write("postmortems/2024-05-02-dns-outage.md", &dns);
    w.write("postmortems/2024-05-28-dns-timeouts.md", DNS_AGAIN);
    w.write(".pmtrack.yml", "repo: acme/db\n");
    let mut docs = std::fs::read_to_string(root.join("docs/report.md")).unwrap();
    let mut readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    // PMTRACK_BLESS=1 writes the new samples into docs/report.md instead.
    let bless = std::env::var_os("PMTRACK_BLESS").is_some();
    let replace = |text: &mut String, name: &str, old: &str, new: &str| {
        let at = text.find(&format!("<!-- sample:{name} -->\n")).unwrap();
        let from = at + text[at..].find(old).unwrap();
        text.replace_range(from..from + old.len(), new);
    };
    for (name, args) in [
        ("markdown", &["--format", "markdown"][..]),
        ("table", &[][..]),
        ("json", &["--format", "json", "--overdue"][..]),
    ] {
        let mut all = vec!["report", "--as-of", "2024-06-10"];
        all.extend_from_slice(args);
        let run = w.run(None, &all);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let mut samples = vec![(&mut docs, "docs/report.md")];
        if name == "markdown" {
            assert!(
                run.stdout.contains("### Recurring promises"),
                "the sample shows every section: {}",
                run.stdout
            );
            samples.push((&mut readme, "README.md"));
        }
        for (text, file) in samples {
            let old = doc_sample(text, name);
            if bless {
                replace(text, name, &old, &run.stdout);
                continue;
            }
            assert_eq!(
                old, run.stdout,
                "{file}'s {name} sample is stale: paste this output in (or run with PMTRACK_BLESS=1)"
            );
        }
    }
    if bless {
        std::fs::write(root.join("docs/report.md"), docs).unwrap();
        std::fs::write(root.join("README.md"), readme).unwrap();
    }
}

/// Items tracked elsewhere are in the report with where they are tracked:
/// with a token, a merged pull request in another repository counts as
/// done and an open issue there as open; without one, the documents' own
/// status blocks say it. Jira keys show as tracked externally.
#[test]
fn items_tracked_elsewhere_show_where_with_and_without_a_token() {
    let w = World::new();
    w.gh.add_repo("org", "other");
    let pr = w.gh.open_pull("org", "other", "Fix the reflector");
    let (_, made) = w.gh.act(
        "POST",
        "/repos/org/other/issues",
        json!({"title": "Retry budget"}),
    );
    let issue = made["number"].as_u64().unwrap();
    w.write(
        "postmortems/2024-01-10-cache.md",
        &format!(
            "# Cache outage\n\n**Start Time:** 2024-01-10\n\n## Action Items\n\n\
- [ ] Add a retry budget (https://github.com/org/other/issues/{issue})\n\
- [ ] Fix the reflector (org/other#{pr} is the fix, a pull request: https://github.com/org/other/pull/{pr})\n\
- [ ] Rotate the cache keys (Jira: OPS-17)\n"
        ),
    );
    w.gh.merge_pull("org", "other", pr);
    w.ok("sync", &["--write"]);
    let run = w.ok(
        "report",
        &["--format", "json", "--all", "--as-of", "2024-03-01"],
    );
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    let items = v["postmortems"][0]["items"].as_array().unwrap();
    let by_title = |t: &str| {
        items
            .iter()
            .find(|i| i["title"].as_str().unwrap().starts_with(t))
            .unwrap_or_else(|| panic!("{t}: {items:#?}"))
    };
    let budget = by_title("Add a retry budget");
    assert_eq!(budget["state"], "open");
    assert_eq!(budget["issue"], Value::Null);
    assert_eq!(
        budget["elsewhere"]["reference"],
        format!("org/other#{issue}")
    );
    assert_eq!(budget["elsewhere"]["github"], true);
    assert_eq!(
        by_title("Fix the reflector")["state"],
        "done",
        "a merged pull request"
    );
    let jira = by_title("Rotate the cache keys");
    assert_eq!(jira["elsewhere"]["reference"], "OPS-17");
    assert_eq!(jira["elsewhere"]["github"], false);
    assert_eq!(v["totals"]["without_issue"], 0, "{v:#}");

    // No token: the status block sync wrote says the same.
    let offline = w.run(
        None,
        &[
            "report",
            "--format",
            "json",
            "--all",
            "--as-of",
            "2024-03-01",
        ],
    );
    let v2: Value = serde_json::from_str(&offline.stdout).unwrap();
    let items2 = v2["postmortems"][0]["items"].as_array().unwrap();
    let states: Vec<(&str, &str)> = items2
        .iter()
        .map(|i| {
            (
                i["state"].as_str().unwrap(),
                i["elsewhere"]["reference"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("open", format!("org/other#{issue}").as_str()),
            ("done", format!("org/other#{pr}").as_str()),
            ("open", "OPS-17"),
        ]
    );
    // In Markdown, the link.
    let md = w.run(
        None,
        &[
            "report",
            "--format",
            "markdown",
            "--all",
            "--as-of",
            "2024-03-01",
        ],
    );
    assert!(
        md.stdout.contains(&format!(
            "tracked in [org/other#{issue}](https://github.com/org/other/issues/{issue})"
        )),
        "{}",
        md.stdout
    );
    assert!(
        md.stdout.contains("tracked externally: OPS-17"),
        "{}",
        md.stdout
    );
    w.gh.assert_clean();
}

/// A fix promised again by a later postmortem is a recurring promise in the
/// report: with a token its items' states are GitHub's (the first promise
/// closed as done there), the latest promise is named and still open, and
/// the Markdown and the table say so. A fix written twice in one document
/// is no recurring promise.
#[test]
fn a_fix_promised_again_is_a_recurring_promise_with_github_states() {
    let w = world();
    w.write(
        "postmortems/2024-04-02-db-again.md",
        "# Database outage again\n\n**Start Time:** 2024-04-02\n\n## Action Items\n\n\
- [ ] Alert on replica lag @bob (due 2024-04-20)\n\
- [ ] Add a second read replica\n\
- [ ] Add a read replica, a second one\n",
    );
    w.ok("sync", &[]);
    let lag = w.number_of("Add replica lag alerting");
    w.gh.close_issue("o", "r", lag, "completed");
    let run = w.ok("report", &["--format", "json", "--as-of", "2024-05-01"]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let recurring = report["recurring"].as_array().unwrap();
    assert_eq!(recurring.len(), 1, "{recurring:#?}");
    let again = w.number_of("Alert on replica lag");
    assert_eq!(
        recurring[0],
        json!({
            "title": "Alert on replica lag @bob (due 2024-04-20)",
            "postmortems": 2,
            "items": 2,
            "open": 1,
            "done": 1,
            "latest_open": true,
            "latest": [
                {"postmortem": "postmortems/2024-04-02-db-again.md", "line": 7, "state": "open",
                 "issue": again, "promised": "2024-04-02"},
                {"postmortem": "postmortems/2024-01-10-db.md", "line": 7, "state": "done",
                 "issue": lag, "promised": "2024-01-10"}
            ]
        })
    );
    let md = w.ok("report", &["--format", "markdown", "--as-of", "2024-05-01"]);
    assert!(
        md.stdout.contains(&format!(
            "| Alert on replica lag `@bob` (due 2024-04-20) | 2 | 1 of 2 | **open** `postmortems/2024-04-02-db-again.md:7` #{again} (2024-04-02) | done `postmortems/2024-01-10-db.md:7` #{lag} (2024-01-10) |"
        )),
        "{}",
        md.stdout
    );
    let table = w.ok("report", &["--as-of", "2024-05-01"]);
    assert!(
        table.stdout.contains("recurring promises: 1 thing was promised in more than one postmortem; for 1 the latest promise is still open"),
        "{}",
        table.stdout
    );
}
