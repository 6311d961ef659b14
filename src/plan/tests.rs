use super::changes::comparable_body;
use super::due::last_day_of_month;
use super::identity::Bigrams;
use super::wanted::is_login;
use super::*;
use crate::config::{Config, MilestoneMode, RemovedPolicy};
use crate::issue_text;
use crate::model::*;
use crate::parse::parse;
use crate::parse::text::normalize;
use chrono::NaiveDate;
use chrono::{TimeZone, Utc};
use std::collections::HashMap;

const REPO: &str = "acme/ops";

const DOC: &str = "# DB outage\n\nDate: 2024-03-01\n\n## Action items\n\n### Short term\n\n| Action | Owner | Priority | Due | Status |\n|---|---|---|---|---|\n| Add disk usage alerts | @alice | P1 | | open |\n| Write the failover runbook | Dana Lee | | | open |\n";

/// `DOC` with the first item done.
const DONE: (&str, &str) = ("| P1 | | open |", "| P1 | | done |");
/// `DOC` without the second item.
const REMOVE: (&str, &str) = ("| Write the failover runbook | Dana Lee | | | open |\n", "");

fn edit(from: (&str, &str)) -> String {
    assert!(DOC.contains(from.0), "{}", from.0);
    DOC.replace(from.0, from.1)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn doc(path: &str, src: &str) -> Postmortem {
    parse(path, src)
}

/// A tiny GitHub: applies changes the way the edge would.
#[derive(Default)]
struct Sim {
    issues: Vec<Issue>,
    milestones: Vec<String>,
    comments: Vec<(u64, String)>,
}

impl Sim {
    fn plan(&self, pms: &[Postmortem], deleted: &[String], config: &Config) -> Plan {
        plan(&PlanInput {
            postmortems: pms,
            deleted_paths: deleted,
            vanished_paths: &[],
            issues: &self.issues,
            config,
            today: date(2024, 6, 1),
            repo: REPO,
            server_url: "https://github.com",
            branch: "main",
            assignable: None,
        })
    }

    /// Plan, apply, and return the plan.
    fn sync(&mut self, pms: &[Postmortem], config: &Config) -> Plan {
        let p = self.plan(pms, &[], config);
        self.apply(&p);
        p
    }

    fn milestone(&mut self, title: &str) -> u64 {
        match self.milestones.iter().position(|m| m == title) {
            Some(i) => i as u64 + 1,
            None => {
                self.milestones.push(title.to_owned());
                self.milestones.len() as u64
            }
        }
    }

    fn add(&mut self, title: &str, body: &str, labels: &[&str]) -> u64 {
        let number = self.issues.iter().map(|i| i.number).max().unwrap_or(0) + 1;
        self.issues.push(Issue {
            number,
            title: title.into(),
            body: body.into(),
            state: IssueState::Open,
            close_reason: None,
            labels: labels.iter().map(|l| (*l).to_owned()).collect(),
            assignees: Vec::new(),
            milestone: None,
            html_url: format!("https://github.com/{REPO}/issues/{number}"),
            created_at: Utc.with_ymd_and_hms(2024, 3, 2, 0, 0, 0).unwrap(),
            closed_at: None,
            id: 0,
            parent: None,
            parent_known: false,
            sub_issues: None,
        });
        number
    }

    fn get(&mut self, n: u64) -> &mut Issue {
        self.issues.iter_mut().find(|i| i.number == n).unwrap()
    }

    fn close_by_person(&mut self, n: u64) {
        let i = self.get(n);
        i.state = IssueState::Closed;
        i.close_reason = Some(CloseReason::Completed);
    }

    fn apply(&mut self, plan: &Plan) {
        for c in &plan.changes {
            match c {
                Change::Create { fields, .. } => {
                    let labels: Vec<&str> = fields.labels.iter().map(String::as_str).collect();
                    let n = self.add(&fields.title, &fields.body, &labels);
                    let ms = fields.milestone.as_ref().map(|m| self.milestone(&m.title));
                    let i = self.get(n);
                    i.assignees = fields.assignees.clone();
                    i.milestone = ms;
                }
                Change::Update {
                    number,
                    title,
                    body,
                    labels,
                    assignees,
                    milestone,
                    ..
                } => {
                    let ms = milestone.as_ref().map(|m| self.milestone(&m.title));
                    let i = self.get(*number);
                    if let Some(t) = title {
                        i.title = t.clone();
                    }
                    if let Some(b) = body {
                        i.body = b.clone();
                    }
                    if let Some(l) = labels {
                        i.labels = l.clone();
                    }
                    if let Some(a) = assignees {
                        i.assignees = a.clone();
                    }
                    if ms.is_some() {
                        i.milestone = ms;
                    }
                }
                Change::Close {
                    number,
                    reason,
                    comment,
                    body,
                    ..
                } => {
                    if let Some(c) = comment {
                        self.comments.push((*number, c.clone()));
                    }
                    let i = self.get(*number);
                    assert_eq!(
                        i.state,
                        IssueState::Open,
                        "closing a closed issue #{number}"
                    );
                    i.state = IssueState::Closed;
                    i.close_reason = Some(*reason);
                    if let Some(b) = body {
                        i.body = b.clone();
                    }
                }
                Change::Reopen { number, body, .. } => {
                    let i = self.get(*number);
                    assert_eq!(
                        i.state,
                        IssueState::Closed,
                        "reopening an open issue #{number}"
                    );
                    i.state = IssueState::Open;
                    i.close_reason = None;
                    if let Some(b) = body {
                        i.body = b.clone();
                    }
                }
                Change::Comment { number, body, .. } => {
                    self.comments.push((*number, body.clone()));
                }
                Change::Noop { .. } => {}
            }
        }
    }
}

fn creates(p: &Plan) -> Vec<&IssueFields> {
    p.changes
        .iter()
        .filter_map(|c| match c {
            Change::Create { fields, .. } => Some(fields),
            _ => None,
        })
        .collect()
}

fn not_noop(p: &Plan) -> Vec<&Change> {
    p.changes
        .iter()
        .filter(|c| !matches!(c, Change::Noop { .. }))
        .collect()
}

/// A clean second run, asserted: plan again over the applied state.
fn assert_settled(sim: &Sim, pms: &[Postmortem], config: &Config) {
    let again = sim.plan(pms, &[], config);
    assert!(
        again.is_noop(),
        "second plan is not a no-op: {:#?}",
        not_noop(&again)
    );
}

#[test]
fn owners_github_cannot_assign_are_left_out_and_not_pinged() {
    let pm = doc(
        "postmortems/db.md",
        &DOC.replace("| @alice |", "| @alice @bob |"),
    );
    let mut assignable = std::collections::HashSet::new();
    assignable.insert("alice".to_owned());
    let p = plan(&PlanInput {
        postmortems: std::slice::from_ref(&pm),
        deleted_paths: &[],
        vanished_paths: &[],
        issues: &[],
        config: &Config::default(),
        today: date(2024, 6, 1),
        repo: REPO,
        server_url: "https://github.com",
        branch: "main",
        assignable: Some(&assignable),
    });
    let c = creates(&p);
    assert_eq!(c[0].assignees, ["alice"]);
    assert!(!c[0].body.contains(" @bob"), "{}", c[0].body);
    assert!(
        p.warnings
            .iter()
            .any(|w| w.contains("owner `bob` cannot be assigned in acme/ops")),
        "{:?}",
        p.warnings
    );
    assert!(p.adds_assignees());
}

#[test]
fn a_first_sync_is_summed_up_by_incident_year_and_suggests_since_when_old_dominates() {
    let at = |y: i32| {
        format!("# PM\n\nDate: {y}-03-01\n\n## Action items\n\n- Fix a in {y}\n- Fix b in {y}\n")
    };
    let pms = vec![
        doc("postmortems/2019.md", &at(2019)),
        doc("postmortems/2020.md", &at(2020)),
        doc("postmortems/2024.md", &at(2024)),
        doc(
            "postmortems/undated.md",
            "# PM\n\n## Action items\n\n- Fix c\n",
        ),
    ];
    let p = Sim::default().plan(&pms, &[], &Config::default());
    let years = creates_by_year(&pms, &p);
    let row = |y: Option<i32>, d, c| YearCount {
        year: y,
        postmortems: d,
        creates: c,
    };
    assert_eq!(
        years,
        [
            row(Some(2019), 1, 2),
            row(Some(2020), 1, 2),
            row(Some(2024), 1, 2),
            row(None, 1, 1)
        ]
    );
    // 4 of 7 creates are for incidents over a year before 2024-06-01.
    assert_eq!(
        suggested_since(&pms, &p, date(2024, 6, 1)),
        Some(date(2023, 6, 1))
    );
    // Recent ones dominate: no suggestion.
    assert_eq!(suggested_since(&pms[2..], &p, date(2024, 6, 1)), None);
}

#[test]
fn first_sync_creates_one_issue_per_open_item_with_labels_assignees_and_due() {
    let pm = doc("postmortems/db.md", DOC);
    let p = Sim::default().plan(std::slice::from_ref(&pm), &[], &Config::default());
    let c = creates(&p);
    assert_eq!(c.len(), 2, "{:#?}", p.changes);
    assert_eq!(c[0].title, "Add disk usage alerts");
    assert_eq!(c[0].labels, ["postmortem", "pm:short-term", "P1"]);
    assert_eq!(c[0].assignees, ["alice"]);
    assert!(c[0].body.contains("\nDue: 2024-03-31\n"), "{}", c[0].body);
    assert!(c[1].assignees.is_empty());
    assert_eq!(p.due[&pm.tasks[0].key], Some(date(2024, 3, 31)));
    assert!(
        p.warnings.iter().any(|w| w
            == "postmortems/db.md:12: owner `Dana Lee` is not a GitHub login; not assigned (write `@login` to assign)"),
        "{:?}",
        p.warnings
    );
    let names: Vec<&str> = p.labels.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["postmortem", "pm:short-term", "P1"]);
    assert_eq!(p.labels[0].description, "postmortem action item");
    assert!(p.labels.iter().all(|l| l.color.len() == 6));
}

#[test]
fn second_plan_over_the_applied_state_is_all_noop() {
    for mode in [
        MilestoneMode::None,
        MilestoneMode::Postmortem,
        MilestoneMode::DueMonth,
    ] {
        let config = Config {
            milestones: mode,
            ..Config::default()
        };
        let pms = [doc("postmortems/db.md", DOC)];
        let mut sim = Sim::default();
        let first = sim.sync(&pms, &config);
        assert_eq!(creates(&first).len(), 2);
        assert_settled(&sim, &pms, &config);
        assert_eq!(sim.issues.len(), 2);
    }
}

#[test]
fn done_item_closes_its_issue_as_completed_once() {
    let mut sim = Sim::default();
    sim.sync(&[doc("pm.md", DOC)], &Config::default());
    let done = [doc("pm.md", &edit(DONE))];
    let p = sim.sync(&done, &Config::default());
    let changes = not_noop(&p);
    assert!(
        matches!(
            changes[..],
            [Change::Close {
                number: 1,
                reason: CloseReason::Completed,
                ..
            }]
        ),
        "{changes:#?}"
    );
    assert!(
        issue_text::parse_marker(&sim.issues[0].body)
            .unwrap()
            .closed_by_pmtrack
    );
    assert_settled(&sim, &done, &Config::default());
}

#[test]
fn dropped_item_closes_its_issue_as_not_planned() {
    let mut sim = Sim::default();
    sim.sync(&[doc("pm.md", DOC)], &Config::default());
    let dropped = [doc(
        "pm.md",
        &edit(("| Dana Lee | | | open |", "| Dana Lee | | | won't do |")),
    )];
    let p = sim.sync(&dropped, &Config::default());
    assert!(
        matches!(
            not_noop(&p)[..],
            [Change::Close {
                number: 2,
                reason: CloseReason::NotPlanned,
                ..
            }]
        ),
        "{:#?}",
        p.changes
    );
    assert_settled(&sim, &dropped, &Config::default());
}

#[test]
fn done_item_without_an_issue_gets_none() {
    let pms = [doc("pm.md", &edit(DONE))];
    let p = Sim::default().plan(&pms, &[], &Config::default());
    assert_eq!(creates(&p).len(), 1);
    assert_eq!(creates(&p)[0].title, "Write the failover runbook");
}

#[test]
fn issue_a_person_closed_stays_closed_while_the_item_is_open() {
    let pms = [doc("pm.md", DOC)];
    let mut sim = Sim::default();
    sim.sync(&pms, &Config::default());
    sim.close_by_person(1);
    let p = sim.plan(&pms, &[], &Config::default());
    assert!(p.is_noop(), "{:#?}", p.changes);
    assert!(p.changes.contains(&Change::Noop {
        key: pms[0].tasks[0].key.clone(),
        number: 1
    }));
}

#[test]
fn issue_pmtrack_closed_is_reopened_when_the_item_is_open_again() {
    let open = [doc("pm.md", DOC)];
    let done = [doc("pm.md", &edit(DONE))];
    let mut sim = Sim::default();
    sim.sync(&open, &Config::default());
    sim.sync(&done, &Config::default());
    let p = sim.sync(&open, &Config::default());
    assert!(
        matches!(not_noop(&p)[..], [Change::Reopen { number: 1, .. }]),
        "{:#?}",
        p.changes
    );
    assert!(
        !issue_text::parse_marker(&sim.issues[0].body)
            .unwrap()
            .closed_by_pmtrack
    );
    assert_settled(&sim, &open, &Config::default());
}

#[test]
fn issue_a_person_reopened_after_pmtrack_closed_it_stays_open() {
    let done = [doc("pm.md", &edit(DONE))];
    let mut sim = Sim::default();
    sim.sync(&[doc("pm.md", DOC)], &Config::default());
    sim.sync(&done, &Config::default());
    let i = sim.get(1);
    i.state = IssueState::Open;
    i.close_reason = None;
    assert!(sim.plan(&done, &[], &Config::default()).is_noop());
}

#[test]
fn removed_item_is_closed_not_planned_once_then_noop() {
    let mut sim = Sim::default();
    sim.sync(&[doc("pm.md", DOC)], &Config::default());
    let fewer = [doc("pm.md", &edit(REMOVE))];
    let p = sim.sync(&fewer, &Config::default());
    match &not_noop(&p)[..] {
        [Change::Close {
            number: 2,
            reason: CloseReason::NotPlanned,
            comment: Some(c),
            body: Some(b),
            ..
        }] => {
            assert!(c.contains("removed from `pm.md`"), "{c}");
            assert!(issue_text::parse_marker(b).unwrap().closed_by_pmtrack);
        }
        other => panic!("{other:#?}"),
    }
    assert_settled(&sim, &fewer, &Config::default());
    // A person reopens it: pmtrack does not close it again.
    sim.get(2).state = IssueState::Open;
    assert_settled(&sim, &fewer, &Config::default());
    assert_eq!(sim.comments.len(), 1);
}

#[test]
fn removed_item_under_the_comment_policy_is_commented_once() {
    let config = Config {
        removed_items: RemovedPolicy::Comment,
        ..Config::default()
    };
    let mut sim = Sim::default();
    sim.sync(&[doc("pm.md", DOC)], &config);
    let fewer = [doc("pm.md", &edit(REMOVE))];
    let p = sim.sync(&fewer, &config);
    assert!(matches!(
        not_noop(&p)[..],
        [
            Change::Comment { number: 2, .. },
            Change::Update { number: 2, .. }
        ]
    ));
    assert_eq!(sim.issues[1].state, IssueState::Open);
    assert_settled(&sim, &fewer, &config);
    assert_eq!(sim.comments.len(), 1);
}

#[test]
fn removed_item_under_the_ignore_policy_is_left_alone() {
    let config = Config {
        removed_items: RemovedPolicy::Ignore,
        ..Config::default()
    };
    let mut sim = Sim::default();
    sim.sync(&[doc("pm.md", DOC)], &config);
    let fewer = [doc("pm.md", &edit(REMOVE))];
    assert!(sim.plan(&fewer, &[], &config).is_noop());
}

#[test]
fn deleted_document_closes_its_issues() {
    let mut sim = Sim::default();
    sim.sync(&[doc("pm.md", DOC)], &Config::default());
    let p = sim.plan(&[], &["pm.md".to_owned()], &Config::default());
    let closed: Vec<u64> = p
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::Close {
                number,
                reason: CloseReason::NotPlanned,
                ..
            } => Some(*number),
            _ => None,
        })
        .collect();
    assert_eq!(closed, [1, 2]);
}

#[test]
fn document_without_a_section_keeps_its_issues_open_with_a_warning() {
    let mut sim = Sim::default();
    sim.sync(&[doc("pm.md", DOC)], &Config::default());
    let broken = [doc(
        "pm.md",
        &edit(("## Action items", "## Things we learned")),
    )];
    assert!(!broken[0].section_found);
    let p = sim.plan(&broken, &[], &Config::default());
    assert!(p.changes.is_empty(), "{:#?}", p.changes);
    assert!(p.warnings[0]
        .starts_with("pm.md: no corrective-measures section found, so its 2 open issue(s)"));
}

#[test]
fn edited_title_updates_the_issue_instead_of_creating_one() {
    let mut sim = Sim::default();
    sim.sync(&[doc("pm.md", DOC)], &Config::default());
    let edited = [doc(
        "pm.md",
        &edit((
            "Add disk usage alerts",
            "Add disk usage alerts for db hosts",
        )),
    )];
    assert_ne!(edited[0].tasks[0].key, doc("pm.md", DOC).tasks[0].key);
    let p = sim.sync(&edited, &Config::default());
    match &not_noop(&p)[..] {
        [Change::Update {
            number: 1,
            title: Some(t),
            body: Some(b),
            why,
            ..
        }] => {
            assert_eq!(t, "Add disk usage alerts for db hosts");
            assert_eq!(
                issue_text::parse_marker(b).unwrap().key,
                edited[0].tasks[0].key
            );
            assert!(
                why[0].starts_with("title edited in the document"),
                "{why:?}"
            );
        }
        other => panic!("{other:#?}"),
    }
    assert_eq!(sim.issues.len(), 2);
    assert_settled(&sim, &edited, &Config::default());
}

#[test]
fn a_different_new_item_does_not_take_over_a_removed_items_issue() {
    let mut sim = Sim::default();
    sim.sync(&[doc("pm.md", DOC)], &Config::default());
    let swapped = [doc(
        "pm.md",
        &edit((
            "Write the failover runbook",
            "Update the status page dashboard",
        )),
    )];
    let p = sim.sync(&swapped, &Config::default());
    let kinds: Vec<&str> = not_noop(&p)
        .iter()
        .map(|c| match c {
            Change::Create { .. } => "create",
            Change::Close { number: 2, .. } => "close #2",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["create", "close #2"]);
}

#[test]
fn best_similar_pair_wins_when_two_items_are_edited() {
    let src = "## Action items\n- Add alerts on disk usage\n- Add alerts on memory usage\n";
    let mut sim = Sim::default();
    sim.sync(&[doc("pm.md", src)], &Config::default());
    let edited = "## Action items\n- Add alerts on memory usage of db hosts\n- Add alerts on disk usage of db hosts\n";
    let p = sim.sync(&[doc("pm.md", edited)], &Config::default());
    assert!(creates(&p).is_empty());
    assert_eq!(sim.issues[0].title, "Add alerts on disk usage of db hosts");
    assert_eq!(
        sim.issues[1].title,
        "Add alerts on memory usage of db hosts"
    );
}

#[test]
fn issue_reference_maps_the_item_to_that_issue() {
    let mut sim = Sim::default();
    let n = sim.add(
        "Disk alerts (by hand)",
        "made by a person",
        &["postmortem", "customer"],
    );
    let pms = [doc(
        "pm.md",
        &edit((
            "Add disk usage alerts |",
            &format!("Add disk usage alerts (#{n}) |"),
        )),
    )];
    assert_eq!(
        pms[0].tasks[0].issue.as_ref().and_then(|r| r.number()),
        Some(n)
    );
    let p = sim.sync(&pms, &Config::default());
    assert_eq!(creates(&p).len(), 1, "only the other item is created");
    match &p.changes[0] {
        Change::Update {
            number,
            title: Some(t),
            labels: Some(l),
            why,
            ..
        } => {
            assert_eq!(*number, n);
            assert_eq!(t, "Add disk usage alerts");
            assert_eq!(l, &["postmortem", "customer", "pm:short-term", "P1"]);
            assert_eq!(why[0], format!("the item references #{n}"));
        }
        other => panic!("{other:#?}"),
    }
    assert_eq!(p.issue_of[&pms[0].tasks[0].key], n);
    assert_settled(&sim, &pms, &Config::default());
}

#[test]
fn items_tracked_elsewhere_are_never_created_and_their_github_references_are_read() {
    let mut sim = Sim::default();
    let src = "# X\n\n## Action items\n\n### Follow-ups, tracked in #88\n\n- Add alerts\n- Fix pool\n\n### Later\n\n- Retry budget (other/repo#5)\n- Rotate keys (Jira: OPS-4)\n- Review the [pull request](https://github.com/acme/ops/pull/7)\n- Write the runbook\n";
    let pms = [doc("pm.md", src)];
    let p = sim.sync(&pms, &Config::default());
    let made: Vec<&str> = creates(&p).iter().map(|f| f.title.as_str()).collect();
    assert_eq!(made, ["Write the runbook"]);
    assert_eq!(p.elsewhere.len(), 5);
    // `#88` on a group label is the group's tracking issue (this
    // repository's), and a pull request here is not an issue.
    assert_eq!(
        p.to_read(),
        [
            ("acme/ops".to_string(), 7),
            ("acme/ops".to_string(), 88),
            ("other/repo".to_string(), 5)
        ]
    );
    let mut read = HashMap::new();
    read.insert(
        ("other/repo".to_string(), 5),
        Referenced {
            state: TrackState::Done,
            url: "https://github.com/other/repo/issues/5".into(),
        },
    );
    let links = p.links(&sim.issues, &read);
    let of = |title: &str| {
        let key = &pms[0]
            .tasks
            .iter()
            .find(|t| t.title.starts_with(title))
            .unwrap()
            .key;
        links.iter().find(|l| &l.key == key).unwrap()
    };
    assert_eq!(of("Retry budget").state, TrackState::Done);
    assert_eq!(
        of("Retry budget").url,
        "https://github.com/other/repo/issues/5"
    );
    assert_eq!(
        of("Rotate keys").state,
        TrackState::Open,
        "unread: as written"
    );
    assert!(of("Write the runbook").elsewhere.is_none());
    assert_settled(&sim, &pms, &Config::default());
}

#[test]
fn a_reference_by_url_is_this_repositorys_issue_only_on_this_host() {
    let mut sim = Sim::default();
    sim.sync(
        &[doc("pm.md", "# X\n\n## Action items\n\n- Retry budget\n")],
        &Config::default(),
    );
    let n = sim.issues[0].number;
    let on = |host: &str, m: u64| {
        let src = format!("# X\n\n## Action items\n\n- Retry budget ([#{m}](https://{host}/acme/ops/issues/{m}))\n");
        sim.plan(&[doc("pm.md", &src)], &[], &Config::default())
    };
    let here = on("github.com", n);
    assert!(here.is_noop() && here.elsewhere.is_empty(), "{here:#?}");
    assert_eq!(here.issue_of.values().collect::<Vec<_>>(), [&n]);
    // A link to a managed issue through another host name (a proxy, a
    // test server) is still that issue: never its own duplicate.
    let proxied = on("127.0.0.1:8080", n);
    assert!(
        proxied.is_noop() && proxied.elsewhere.is_empty(),
        "{proxied:#?}"
    );
    // Another number of the same owner/name on another server (a
    // GitHub Enterprise, a Gitea): tracked there, not read through
    // this API, and the item's own issue is closed as a duplicate.
    let there = on("git.example.com", n + 5);
    assert_eq!(there.elsewhere.len(), 1);
    assert!(there.to_read().is_empty());
}

#[test]
fn an_item_that_gains_a_reference_elsewhere_closes_its_own_issue_as_a_duplicate() {
    let mut sim = Sim::default();
    let before = [doc("pm.md", "# X\n\n## Action items\n\n- Retry budget\n")];
    sim.sync(&before, &Config::default());
    let n = sim.issues[0].number;
    let after = [doc(
        "pm.md",
        "# X\n\n## Action items\n\n- Retry budget (other/repo#5)\n",
    )];
    let p = sim.sync(&after, &Config::default());
    assert!(creates(&p).is_empty());
    assert!(
        p.changes.iter().any(|c| matches!(c, Change::Close { number, reason: CloseReason::Duplicate, comment: Some(m), .. } if *number == n && m == "duplicate of other/repo#5")),
        "{:#?}",
        p.changes
    );
    assert_settled(&sim, &after, &Config::default());
}

#[test]
fn reference_to_an_issue_outside_the_label_is_a_noop_with_a_warning() {
    let pms = [doc(
        "pm.md",
        &edit(("Add disk usage alerts |", "Add disk usage alerts (#77) |")),
    )];
    let p = Sim::default().plan(&pms, &[], &Config::default());
    assert_eq!(
        p.changes[0],
        Change::Noop {
            key: pms[0].tasks[0].key.clone(),
            number: 77
        }
    );
    assert_eq!(creates(&p).len(), 1);
    assert!(
        p.warnings
            .iter()
            .any(|w| w.starts_with("pm.md:11: tracked in #77 outside pmtrack's label")),
        "{:?}",
        p.warnings
    );
}

#[test]
fn reference_to_another_repository_is_left_to_that_repository() {
    let pms = [doc(
        "pm.md",
        &edit((
            "Add disk usage alerts |",
            "Add disk usage alerts (acme/infra#5) |",
        )),
    )];
    let p = Sim::default().plan(&pms, &[], &Config::default());
    assert_eq!(creates(&p).len(), 1);
    assert_eq!(creates(&p)[0].title, "Write the failover runbook");
}

#[test]
fn duplicate_open_issues_of_one_task_are_closed_as_duplicates_of_the_lowest() {
    let pms = [doc("pm.md", DOC)];
    let mut sim = Sim::default();
    sim.sync(&pms, &Config::default());
    // A retried create made a second issue for the first item.
    let (t, b) = (sim.issues[0].title.clone(), sim.issues[0].body.clone());
    let dup = sim.add(&t, &b, &["postmortem", "pm:short-term", "P1"]);
    sim.get(dup).assignees = vec!["alice".into()];
    let p = sim.sync(&pms, &Config::default());
    match &not_noop(&p)[..] {
        [Change::Close {
            number,
            reason: CloseReason::Duplicate,
            comment: Some(c),
            ..
        }] => {
            assert_eq!(*number, dup);
            assert_eq!(c, "duplicate of #1");
        }
        other => panic!("{other:#?}"),
    }
    assert!(p
        .warnings
        .iter()
        .any(|w| w.contains("closing #3 as a duplicate of #1")));
    assert_settled(&sim, &pms, &Config::default());
}

#[test]
fn out_of_scope_document_is_left_alone() {
    let a = doc("a.md", DOC);
    let b = doc("b.md", DOC);
    let mut sim = Sim::default();
    sim.sync(&[a.clone(), b], &Config::default());
    assert_eq!(sim.issues.len(), 4);
    // A push that changed only a.md: b.md's issues are not touched.
    let p = sim.plan(&[a], &[], &Config::default());
    assert_eq!(p.changes.len(), 2);
    let numbers: Vec<u64> = p
        .changes
        .iter()
        .map(|c| match c {
            Change::Noop { number, .. } => *number,
            other => panic!("{other:#?}"),
        })
        .collect();
    assert_eq!(numbers, [1, 2]);
}

#[test]
fn two_documents_sharing_a_title_get_their_own_issues() {
    let a = doc("postmortems/a.md", DOC);
    let b = doc("postmortems/b.md", DOC);
    assert_ne!(a.tasks[0].key, b.tasks[0].key);
    let pms = [a, b];
    let mut sim = Sim::default();
    let p = sim.sync(&pms, &Config::default());
    assert_eq!(creates(&p).len(), 4);
    assert_settled(&sim, &pms, &Config::default());
}

#[test]
fn labels_people_added_are_kept_and_stale_pmtrack_labels_removed() {
    let mut sim = Sim::default();
    sim.sync(&[doc("pm.md", DOC)], &Config::default());
    sim.get(1)
        .labels
        .extend(["customer-impact".to_owned(), "pm:blocked".to_owned()]);
    let later = [doc("pm.md", &edit(("### Short term", "### Long term")))];
    let p = sim.sync(&later, &Config::default());
    match &p.changes[0] {
        Change::Update {
            labels: Some(l),
            why,
            ..
        } => {
            assert_eq!(
                l,
                &[
                    "postmortem",
                    "P1",
                    "customer-impact",
                    "pm:blocked",
                    "pm:long-term"
                ]
            );
            assert!(
                why.contains(&"labels +pm:long-term −pm:short-term".to_owned()),
                "{why:?}"
            );
        }
        other => panic!("{other:#?}"),
    }
    assert_settled(&sim, &later, &Config::default());
}

#[test]
fn labels_are_only_sent_when_the_set_changes() {
    let pms = [doc("pm.md", DOC)];
    let mut sim = Sim::default();
    sim.sync(&pms, &Config::default());
    // GitHub label names are case-insensitive, and order does not matter.
    sim.get(1).labels = vec!["P1".into(), "PM:Short-Term".into(), "Postmortem".into()];
    assert_settled(&sim, &pms, &Config::default());
}

/// F7: `- Add replication-lag alerts` synced as #1, then edited to
/// `- Add replication-lag alerts (#999)` with no #999: #1 was closed as
/// a duplicate of #999.
#[test]
fn f7_a_reference_to_a_missing_issue_never_closes_the_items_own_issue() {
    let text = "# Outage\n\nDate: 2024-03-01\n\n## Action items\n\n- Add replication-lag alerts\n";
    let mut sim = Sim::default();
    sim.sync(&[doc("postmortems/a.md", text)], &Config::default());
    assert_eq!(sim.issues.len(), 1);
    let edited = text.replace("alerts\n", "alerts (#999)\n");
    let p = sim.sync(&[doc("postmortems/a.md", &edited)], &Config::default());
    assert!(
        p.changes.iter().all(|c| matches!(c, Change::Noop { .. })),
        "{:#?}",
        p.changes
    );
    assert_eq!(sim.issues[0].state, IssueState::Open);
    assert!(
        p.warnings
            .iter()
            .any(|w| w.contains("#999 is not an issue pmtrack manages")),
        "{:?}",
        p.warnings
    );
}

#[test]
fn assignees_people_added_are_kept() {
    let pms = [doc("pm.md", &edit(("| @alice |", "| @alice, @bob |")))];
    let mut sim = Sim::default();
    sim.sync(&[doc("pm.md", DOC)], &Config::default());
    sim.get(1).assignees.push("carol".into());
    let p = sim.sync(&pms, &Config::default());
    match &p.changes[0] {
        Change::Update {
            assignees: Some(a), ..
        } => assert_eq!(a, &["alice", "carol", "bob"]),
        other => panic!("{other:#?}"),
    }
    assert_settled(&sim, &pms, &Config::default());
}

#[test]
fn group_labels_come_from_the_config_never_from_free_text() {
    let src = "## Action items\n**Monitoring:**\n- Add alerts\n**Random musings:**\n- Tidy up\n";
    let mut config = Config::default();
    config
        .labels
        .groups
        .insert("monitoring".into(), "area:monitoring".into());
    config.labels.extra = vec!["sre".into()];
    let p = Sim::default().plan(&[doc("pm.md", src)], &[], &config);
    let c = creates(&p);
    assert_eq!(c[0].labels, ["postmortem", "area:monitoring", "sre"]);
    assert_eq!(c[1].labels, ["postmortem", "sre"]);
    assert!(p.labels.iter().any(|l| l.name == "area:monitoring"));
}

#[test]
fn explicit_due_date_beats_the_policy_and_no_incident_date_means_none() {
    let src = "## Action items\n- Add alerts due 2024-12-24\n- Fix pool P0\n";
    let pm = doc("pm.md", src);
    let p = Sim::default().plan(std::slice::from_ref(&pm), &[], &Config::default());
    assert_eq!(p.due[&pm.tasks[0].key], Some(date(2024, 12, 24)));
    assert_eq!(p.due[&pm.tasks[1].key], None);
    let dated = doc("pm.md", &format!("Date: 2024-03-01\n\n{src}"));
    let p = Sim::default().plan(std::slice::from_ref(&dated), &[], &Config::default());
    // P0 without a horizon: 7 days.
    assert_eq!(p.due[&dated.tasks[1].key], Some(date(2024, 3, 8)));
    assert!(creates(&p)[1].body.contains("\nDue: 2024-03-08\n"));
}

#[test]
fn milestones_by_due_month_and_by_postmortem() {
    let pms = [doc("pm.md", DOC)];
    let config = Config {
        milestones: MilestoneMode::DueMonth,
        ..Config::default()
    };
    let p = Sim::default().plan(&pms, &[], &config);
    let ms = creates(&p)[0].milestone.clone().unwrap();
    assert_eq!(ms.title, "Due 2024-03");
    assert_eq!(ms.due_on, Some(date(2024, 3, 31)));
    assert_eq!(p.milestones, [ms]);
    let config = Config {
        milestones: MilestoneMode::Postmortem,
        ..Config::default()
    };
    let p = Sim::default().plan(&pms, &[], &config);
    assert_eq!(
        p.milestones,
        [MilestoneSpec {
            title: "DB outage".into(),
            due_on: Some(date(2024, 3, 31))
        }]
    );
    assert_eq!(
        last_day_of_month(date(2024, 12, 5)),
        Some(date(2024, 12, 31))
    );
    assert_eq!(last_day_of_month(date(2024, 2, 5)), Some(date(2024, 2, 29)));
}

#[test]
fn milestone_follows_the_due_month_but_not_a_persons_choice() {
    let config = Config {
        milestones: MilestoneMode::DueMonth,
        ..Config::default()
    };
    let mut sim = Sim::default();
    sim.sync(&[doc("pm.md", DOC)], &config);
    // A person moves issue 1 to their sprint milestone: left alone.
    let sprint = sim.milestone("Sprint 9");
    sim.get(1).milestone = Some(sprint);
    assert_settled(&sim, &[doc("pm.md", DOC)], &config);
    // The due date moves to April: pmtrack moves it.
    let later = [doc("pm.md", &edit(("| P1 | |", "| P1 | 2024-04-10 |")))];
    let p = sim.sync(&later, &config);
    match &p.changes[0] {
        Change::Update {
            milestone: Some(m), ..
        } => assert_eq!(m.title, "Due 2024-04"),
        other => panic!("{other:#?}"),
    }
    assert_settled(&sim, &later, &config);
}

#[test]
fn changes_are_ordered_by_path_then_line_with_removed_items_last() {
    let mut sim = Sim::default();
    sim.sync(&[doc("a.md", DOC)], &Config::default());
    let a = doc("a.md", &edit(REMOVE));
    let b = doc("b.md", DOC);
    let p = sim.plan(&[b, a], &[], &Config::default());
    let at: Vec<String> = p
        .changes
        .iter()
        .map(|c| match c {
            Change::Create { at, .. } => at.clone(),
            Change::Noop { number, .. } => format!("noop #{number}"),
            Change::Close { number, .. } => format!("close #{number}"),
            other => panic!("{other:#?}"),
        })
        .collect();
    assert_eq!(at, ["noop #1", "b.md:11", "b.md:12", "close #2"]);
}

#[test]
fn links_after_apply_cover_created_and_existing_issues() {
    let mut sim = Sim::default();
    sim.sync(&[doc("pm.md", DOC)], &Config::default());
    let n = sim.add("Other", "", &["postmortem"]);
    let src = format!(
        "{}| Rotate keys (#{n}) | | | | open |\n| Brand new item | | | | open |\n",
        edit(DONE)
    );
    let with_new = [doc("pm.md", &src)];
    assert_eq!(with_new[0].tasks.len(), 4);
    let p = sim.sync(&with_new, &Config::default());
    let links = p.links(&sim.issues, &HashMap::new());
    assert_eq!(links.len(), 4);
    let by_title = |t: &str| {
        let key = &with_new[0]
            .tasks
            .iter()
            .find(|x| x.title.starts_with(t))
            .unwrap()
            .key;
        links.iter().find(|l| &l.key == key).unwrap().clone()
    };
    assert_eq!(by_title("Add disk").state, TrackState::Done);
    assert_eq!(by_title("Add disk").number, 1);
    assert_eq!(by_title("Add disk").due, Some(date(2024, 3, 31)));
    assert_eq!(by_title("Rotate").number, n);
    let new = by_title("Brand new");
    assert_eq!((new.number, new.state), (n + 1, TrackState::Open));
    assert_eq!(
        new.url,
        format!("https://github.com/{REPO}/issues/{}", n + 1)
    );
}

#[test]
fn a_line_shift_alone_does_not_update_the_issue() {
    let a = "[pm.md:12](https://x/blob/main/pm.md#L12) T\nDue: none";
    let b = "[pm.md:14](https://x/blob/main/pm.md#L14) T\nDue: none";
    assert_eq!(comparable_body(a), comparable_body(b));
    assert_ne!(
        comparable_body(a),
        comparable_body("[pm.md:12](https://x/blob/main/pm.md#L12) U\nDue: none")
    );
    assert_eq!(comparable_body("at 10:30"), "at 10:30");
}

#[test]
fn a_crlf_body_from_the_web_editor_is_not_rewritten() {
    let pms = [doc("pm.md", DOC)];
    let mut sim = Sim::default();
    sim.sync(&pms, &Config::default());
    let b = sim.issues[0].body.replace('\n', "\r\n");
    sim.get(1).body = b;
    assert_settled(&sim, &pms, &Config::default());
}

#[test]
fn similarity_is_strsims_sorensen_dice_on_normalised_titles() {
    let pairs = [
        (
            "Add alerting on disk usage",
            "add alerting on disk usage for db hosts",
        ),
        ("Update the runbook", "Update the dashboard"),
        ("healed", "sealed"),
        ("web applications", "applications of the web"),
        ("a", "b"),
        ("same", "SAME!"),
    ];
    for (a, b) in pairs {
        let want = strsim::sorensen_dice(&normalize(a), &normalize(b));
        let got = Bigrams::of(a).dice(&Bigrams::of(b));
        assert!((want - got).abs() < 1e-9, "{a} / {b}: {want} vs {got}");
    }
    assert!(
        Bigrams::of("Write runbook for failover").dice(&Bigrams::of("Add runbook for failover"))
            >= SIMILARITY_THRESHOLD
    );
    assert!(
        Bigrams::of("Update the runbook").dice(&Bigrams::of("Update the dashboard"))
            < SIMILARITY_THRESHOLD
    );
}

#[test]
fn logins_are_letters_digits_and_hyphens_up_to_39() {
    assert!(is_login("alice"));
    assert!(is_login("a-b-9"));
    assert!(!is_login("Dana Lee"));
    assert!(!is_login("org/team"));
    assert!(!is_login("-x"));
    assert!(!is_login(&"a".repeat(40)));
    assert!(!is_login(""));
}

/// `whereabouts` (the report's) says where every item is tracked exactly as
/// `plan` does, without planning changes.
#[test]
fn whereabouts_match_the_plan_without_changes() {
    let config = Config::default();
    let mut pms = vec![doc("postmortems/db.md", DOC)];
    let mut sim = Sim::default();
    sim.sync(&pms, &config);
    // A new item, one tracked elsewhere, and a done one.
    pms = vec![doc(
        "postmortems/db.md",
        &format!("{DOC}- [ ] Write the new runbook\n- [ ] Upgrade the driver (org/other#12)\n"),
    )];
    let input = PlanInput {
        postmortems: &pms,
        deleted_paths: &[],
        vanished_paths: &[],
        issues: &sim.issues,
        config: &config,
        today: date(2024, 6, 1),
        repo: REPO,
        server_url: "https://github.com",
        branch: "main",
        assignable: None,
    };
    let full = plan(&input);
    let found = super::whereabouts(&input);
    assert!(found.changes.is_empty());
    assert_eq!(found.due, full.due);
    assert_eq!(found.issue_of, full.issue_of);
    assert_eq!(found.elsewhere, full.elsewhere);
    assert_eq!(found.issue_of.len(), 2);
    assert_eq!(found.elsewhere.len(), 1);
    assert_eq!(found.due.len(), 4);
}

/// With `labels.types`, an item's issue gets `type:<type>` from its Type
/// cell or its wording (config adds words); a changed type swaps the label.
#[test]
fn type_labels_follow_the_items_type() {
    let mut config = Config::default();
    config.labels.types = true;
    config
        .types
        .insert(crate::model::ItemType::Prevent, vec!["gameday".into()]);
    let text = "# Outage\n\n## Action items\n\n| Action | Type | Owner |\n| --- | --- | --- |\n| Page the DB on-call on lag | Mitigation | @a |\n| Add replica lag alerting | | @a |\n| Run a gameday | | @a |\n| Coffee | | @a |\n";
    let pms = [doc("postmortems/db.md", text)];
    let mut sim = Sim::default();
    let first = sim.sync(&pms, &config);
    let labels: Vec<Vec<String>> = creates(&first).iter().map(|f| f.labels.clone()).collect();
    assert!(
        labels[0].contains(&"type:mitigate".to_string()),
        "{labels:?}"
    );
    assert!(labels[1].contains(&"type:detect".to_string()), "{labels:?}");
    assert!(
        labels[2].contains(&"type:prevent".to_string()),
        "{labels:?}"
    );
    assert!(
        !labels[3].iter().any(|l| l.starts_with("type:")),
        "{labels:?}"
    );
    assert!(first
        .labels
        .iter()
        .any(|s| s.name == "type:detect" && s.color == "c5def5"));
    assert_settled(&sim, &pms, &config);
    // The Type cell changes: the label follows, a person's labels stay.
    sim.issues[0].labels.push("team:db".into());
    let text2 = text.replace("| Mitigation |", "| Prevent |");
    let pms2 = [doc("postmortems/db.md", &text2)];
    let p = sim.sync(&pms2, &config);
    let up = p
        .changes
        .iter()
        .find_map(|c| match c {
            Change::Update {
                labels: Some(l), ..
            } => Some(l.clone()),
            _ => None,
        })
        .expect("a label update");
    assert!(
        up.contains(&"type:prevent".to_string()) && !up.contains(&"type:mitigate".to_string()),
        "{up:?}"
    );
    assert!(up.contains(&"team:db".to_string()), "{up:?}");
}
