//! Format-family tests for the parser: one small document per family.

use super::parse;
use crate::model::{Horizon, ItemKind, Priority, Status};

fn titles(src: &str) -> Vec<(String, String, String)> {
    parse("pm.md", src)
        .tasks
        .into_iter()
        .map(|t| (t.title, t.detail, t.group))
        .collect()
}

fn t(a: &str, b: &str, c: &str) -> (String, String, String) {
    (a.into(), b.into(), c.into())
}

#[test]
fn atx_section_with_bullets_ends_at_next_heading() {
    let src = "# Outage\n\n## Action Items\n\n- Add alerts\n- Fix pool\n\n## Timeline\n\n- 10:00 things\n";
    assert_eq!(
        titles(src),
        vec![t("Add alerts", "", ""), t("Fix pool", "", "")]
    );
}

#[test]
fn bold_label_section_with_category_groups() {
    let src = "**Corrective and Preventative Measures:**\n- **Improvements/Fixes:**\n  - Do A.\n  - Do B.\n- **Tasks:**\n  1. **Patch X:** now\n\nThis postmortem provides an overview.\n";
    assert_eq!(
        titles(src),
        vec![
            t("Do A.", "", "Improvements/Fixes"),
            t("Do B.", "", "Improvements/Fixes"),
            t("Patch X", "now", "Tasks")
        ]
    );
}

#[test]
fn plain_text_section_with_colon_groups_and_horizons() {
    let src = "Corrective and Preventative Measures:\n\nTasks:\nImmediate:\nRemove the bypass.\nShort Term:\nReview services.\nLong Term:\nTrain people.\nIn conclusion, it was bad.\nNot a task.\n";
    let pm = parse("pm.txt", src);
    let got: Vec<_> = pm
        .tasks
        .iter()
        .map(|t| (t.title.as_str(), t.group.as_str(), t.horizon))
        .collect();
    assert_eq!(
        got,
        vec![
            ("Remove the bypass.", "Immediate", Some(Horizon::Immediate)),
            ("Review services.", "Short Term", Some(Horizon::ShortTerm)),
            ("Train people.", "Long Term", Some(Horizon::LongTerm)),
        ]
    );
    assert!(pm.tasks.iter().all(|t| t.kind == ItemKind::PlainLine));
}

#[test]
fn setext_heading_and_dash_items_without_space() {
    let src = "Corrective and preventative measures:\n=====\n\nImprovements/Fixes:\n-Strengthen reviews.\n-Enhance monitoring for\nauth anomalies.\n";
    assert_eq!(
        titles(src),
        vec![
            t("Strengthen reviews.", "", "Improvements/Fixes"),
            t(
                "Enhance monitoring for auth anomalies.",
                "",
                "Improvements/Fixes"
            )
        ]
    );
}

#[test]
fn google_sre_table_maps_columns_and_status() {
    let src = "## Action Items\n| Action Item | Type | Owner | Bug |\n| --- | --- | --- | --- |\n| Write policy | prevent | @lmp | **DONE** |\n| Monitor ETL | prevent | LMP | (Jira X-1)**TODO** |\n| | | | |\n";
    let pm = parse("pm.md", src);
    assert_eq!(pm.tasks.len(), 2);
    assert_eq!(pm.tasks[0].title, "Write policy");
    assert_eq!(pm.tasks[0].status, Status::Done);
    assert_eq!(pm.tasks[0].owners, ["lmp"]);
    assert_eq!(pm.tasks[1].status, Status::Open);
    assert_eq!(pm.tasks[1].kind, ItemKind::TableRow);
}

#[test]
fn nested_reference_is_detail_and_sub_actions_are_tasks() {
    let src = "## Action Items\n\n- Setup dashboard for KIAM\n  - See https://x.io/m.md.\n- Rework deploys\n  - Add canary\n  - Add rollback\n\n[ref]: https://x.io\n";
    assert_eq!(
        titles(src),
        vec![
            t("Setup dashboard for KIAM", "See https://x.io/m.md.", ""),
            t("Rework deploys", "", ""),
            t("Add canary", "", ""),
            t("Add rollback", "", "")
        ]
    );
}

#[test]
fn metadata_on_items() {
    let src = "## Follow-ups\n- [x] Add alerts @alice due 2024-07-01 P1 (#12)\n- [ ] Fix pool (priority: low) by July 3, 2024\n- ~~Drop the cache~~\n";
    let pm = parse("pm.md", src);
    let a = &pm.tasks[0];
    assert_eq!(
        (a.status, a.owners.clone(), a.priority),
        (Status::Done, vec!["alice".to_string()], Some(Priority::P1))
    );
    assert_eq!(a.due.map(|d| d.to_string()), Some("2024-07-01".into()));
    assert_eq!(a.issue.as_ref().and_then(|i| i.number()), Some(12));
    assert_eq!(pm.tasks[1].priority, Some(Priority::P3));
    assert_eq!(
        pm.tasks[1].due.map(|d| d.to_string()),
        Some("2024-07-03".into())
    );
    assert_eq!(pm.tasks[2].status, Status::Dropped);
}

#[test]
fn no_section_is_not_an_error() {
    let pm = parse("pm.md", "# Outage\n\n## Lessons Learned\n\n- be careful\n");
    assert!(!pm.section_found);
    assert!(pm.tasks.is_empty());
}

#[test]
fn section_inside_code_or_comment_or_sentence_does_not_open() {
    let src = "```\n## Action Items\n- a\n```\n<!-- ## Action Items -->\nWe wrote action items later.\n7. **Follow-Up Actions:** list tasks\n";
    assert!(!parse("pm.md", src).section_found);
}

#[test]
fn repeated_item_is_one_task_with_a_warning() {
    let src = "## Action Items\n- Add alerts\n\n# Again\n## Action Items\n- Add alerts\n";
    let pm = parse("pm.md", src);
    assert_eq!(pm.tasks.len(), 1);
    assert!(pm
        .warnings
        .iter()
        .any(|w| w.line == 6 && w.message.contains("line 2")));
}

#[test]
fn keys_are_stable_and_path_dependent() {
    let a = parse("a.md", "## Action Items\n- Add **alerts**\n");
    let b = parse("a.md", "## Action Items\n\n\n- Add alerts\n");
    let c = parse("b.md", "## Action Items\n- Add alerts\n");
    assert_eq!(a.tasks[0].key, b.tasks[0].key);
    assert_ne!(a.tasks[0].key, c.tasks[0].key);
}

#[test]
fn incident_start_from_text_front_matter_or_file_name() {
    let pm = parse(
        "x.md",
        "# Outage\n**Start Time:** June 1, 2024, 02:00 AM UTC\n",
    );
    assert_eq!(
        pm.incident_start.map(|d| d.to_string()),
        Some("2024-06-01".into())
    );
    let pm = parse(
        "x.md",
        "---\ntitle: DB down\ndate: 2024-01-22\n---\n# Heading\n",
    );
    assert_eq!(
        (pm.title.as_str(), pm.incident_start.map(|d| d.to_string())),
        ("DB down", Some("2024-01-22".into()))
    );
    let pm = parse("pm/2023-11-01-db.md", "# DB\n");
    assert_eq!(
        pm.incident_start.map(|d| d.to_string()),
        Some("2023-11-01".into())
    );
}

#[test]
fn bad_inputs_warn_instead_of_failing() {
    assert!(parse("e.md", "").warnings[0].message.contains("empty"));
    let pm = parse("f.md", "---\ntitle: x\n# no end\n## Action Items\n- a\n");
    assert!(pm
        .warnings
        .iter()
        .any(|w| w.message.contains("never closed")));
    assert_eq!(pm.tasks.len(), 1);
    let pm = parse("g.md", "## Action Items\n- fix due 2024-13-45\n");
    assert!(pm
        .warnings
        .iter()
        .any(|w| w.line == 2 && w.message.contains("2024-13-45")));
    let pm = parse("h.md", "\u{feff}## Action Items\r\n- a\r\n- b\r\n");
    assert_eq!(pm.tasks.len(), 2);
    assert_eq!(
        pm.tasks[1].span.start,
        "\u{feff}## Action Items\r\n- a\r\n".len()
    );
    let pm = parse("i.md", "## Action Items\n\nNo immediate action items.\n");
    assert!(pm.section_found && pm.tasks.is_empty());
    assert!(pm
        .warnings
        .iter()
        .any(|w| w.message.contains("no action items")));
}

#[test]
fn numbered_heading_with_trailing_emoji_and_lettered_sub_items() {
    let src = "## 5. Corrective & Preventative Measures 🛠️\n\n**Long-term:**\n1) Move secrets to Vault\n   a. audit current secrets\n   b. migrate services\n2) Train the team\n\n## 6. Timeline\n- 10:00 start\n";
    let pm = parse("pm.md", src);
    assert!(pm.section_found);
    let got: Vec<_> = pm
        .tasks
        .iter()
        .map(|t| (t.title.as_str(), t.horizon))
        .collect();
    assert_eq!(
        got,
        vec![
            ("Move secrets to Vault", Some(Horizon::LongTerm)),
            ("audit current secrets", Some(Horizon::LongTerm)),
            ("migrate services", Some(Horizon::LongTerm)),
            ("Train the team", Some(Horizon::LongTerm)),
        ]
    );
}

#[test]
fn a_short_sentence_ending_in_a_colon_is_no_group() {
    let src = "## Corrective and preventative measures\n\nTo prevent this from happening again, we will:\n\n1. Add a check\n2. Add an alert\n";
    assert_eq!(
        titles(src),
        vec![t("Add a check", "", ""), t("Add an alert", "", "")]
    );
}

#[test]
fn html_headings_and_list_items() {
    let src = "<h2>Action Items</h2>\n<ul>\n<li>Fix the <b>cron</b> schedule</li>\n<li>Add a dashboard</li>\n</ul>\n<h2>Appendix</h2>\n<ul><li>not a task</li></ul>\n";
    assert_eq!(
        titles(src),
        vec![
            t("Fix the cron schedule", "", ""),
            t("Add a dashboard", "", "")
        ]
    );
}

#[test]
fn status_and_priority_columns_of_a_table() {
    let src = "## Action Items\n\n| Item | Owner | Priority | Status |\n|---|---|---|---|\n| Fix cron | @ops | P1 | ✅ Done |\n| Add alert | @sre | High | Open |\n| ~~Buy vendor~~ | | Low | Won't do |\n";
    let pm = parse("pm.md", src);
    let got: Vec<_> = pm.tasks.iter().map(|t| (t.priority, t.status)).collect();
    assert_eq!(
        got,
        vec![
            (Some(Priority::P1), Status::Done),
            (Some(Priority::P1), Status::Open),
            (Some(Priority::P3), Status::Dropped)
        ]
    );
}

#[test]
fn a_lone_group_word_without_colon_is_a_group() {
    let src = "Action Items\n\nImprovements\nAdd alerts.\nShort term\nRotate keys.\n";
    assert_eq!(
        titles(src),
        vec![
            t("Add alerts.", "", "Improvements"),
            t("Rotate keys.", "", "Short term")
        ]
    );
}

#[test]
fn streamed_key_hash_equals_hashing_the_normalised_text() {
    // Keys are written into issue markers: they must not change when the
    // implementation does. This pins two of them.
    assert_eq!(
        super::task_key("pm/a.md", "Add **alerts** (#12)", "").0,
        super::task_key("pm/a.md", "add alerts", "").0
    );
    assert_eq!(
        super::task_key("pm\\a.md", "Añadir Alertas", "").0,
        super::task_key("pm/a.md", "añadir alertas", "").0
    );
    let pm = parse("pm/a.md", "## Action Items\n- Add alerts\n");
    assert_eq!(
        pm.tasks[0].key,
        super::task_key("pm/a.md", "Add alerts", "")
    );
}

#[test]
fn statuses_written_on_items_and_on_their_group() {
    let pm = parse(
        "pm/a.md",
        "# Outage\n\n## Action Items\n\n### Immediate actions (completed)\n\n- Roll back the deploy\n- [ ] Tell customers\n\n### Long term\n\n- Add alerts ✅\n- Page the DB team (Done as of 2021-06-30)\n- Rewrite the proxy (will not do)\n- Add canaries\n",
    );
    let got: Vec<(&str, Status)> = pm
        .tasks
        .iter()
        .map(|t| (t.title.as_str(), t.status))
        .collect();
    assert_eq!(
        got,
        [
            ("Roll back the deploy", Status::Done),
            ("Tell customers", Status::Open),
            ("Add alerts ✅", Status::Done),
            ("Page the DB team (Done as of 2021-06-30)", Status::Done),
            ("Rewrite the proxy (will not do)", Status::Dropped),
            ("Add canaries", Status::Open),
        ]
    );
}

#[test]
fn an_html_list_may_open_on_its_first_items_line() {
    for open in ["<ol><li>", "<ul> <li>", "<OL class=\"x\"><li>"] {
        let pm = parse(
            "pm/a.md",
            &format!(
                "# X\n\n## Action Items\n\n{open}Fix the pool</li>\n<li>Add alerts</li>\n</ol>\n"
            ),
        );
        let titles: Vec<&str> = pm.tasks.iter().map(|t| t.title.as_str()).collect();
        assert_eq!(titles, ["Fix the pool", "Add alerts"], "{open}");
        assert_eq!(pm.tasks[0].line, 5);
    }
}

#[test]
fn bullets_under_a_numbered_bold_title_describe_it_even_unindented() {
    let pm = parse(
        "pm/a.md",
        "# X\n\n## Action Items\n\n1. **Resize the pool**\n- make it bigger\n- and faster\n2. **Add alerts**\n- on latency\n\n## Other\n",
    );
    let got: Vec<(&str, &str)> = pm
        .tasks
        .iter()
        .map(|t| (t.title.as_str(), t.detail.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("Resize the pool", "make it bigger and faster"),
            ("Add alerts", "on latency")
        ]
    );
    // Bullets after a numbered item that is not a bold title stay items.
    let pm = parse(
        "pm/a.md",
        "# X\n\n## Action Items\n\n1. Resize the pool\n- Add alerts\n- Page the team\n",
    );
    assert_eq!(pm.tasks.len(), 3);
}

#[test]
fn indented_plain_groups_hold_their_items_and_final_thoughts_end_the_section() {
    let pm = parse(
        "pm/a.txt",
        "Outage\n\nAction Items\n\n  Short term:\n    Resize the pool\n    Add alerts\n  Long term:\n    Rewrite the proxy\n\nFinal thoughts\n\nWe learned a lot here and more.\n",
    );
    let got: Vec<(&str, &str)> = pm
        .tasks
        .iter()
        .map(|t| (t.title.as_str(), t.group.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("Resize the pool", "Short term"),
            ("Add alerts", "Short term"),
            ("Rewrite the proxy", "Long term"),
        ]
    );
    // A colon title that is not a group word is still described by its
    // indented lines.
    let pm = parse(
        "pm/a.txt",
        "Outage\n\nAction Items\n\n  Resize the pool:\n    make it bigger\n",
    );
    assert_eq!(pm.tasks.len(), 1);
    assert_eq!(pm.tasks[0].detail, "make it bigger");
}

#[test]
fn a_title_with_a_spaced_colon_takes_the_next_lines_as_its_detail() {
    for title in ["Resize the pool :", "**Resize the pool** :"] {
        let pm = parse(
            "pm/a.md",
            &format!("# X\n\n## Action Items\n\n{title}\nmake it bigger\nand faster\n\nAdd alerts :\non latency\n"),
        );
        let got: Vec<(&str, &str)> = pm
            .tasks
            .iter()
            .map(|t| (t.title.as_str(), t.detail.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("Resize the pool", "make it bigger and faster"),
                ("Add alerts", "on latency")
            ],
            "{title}"
        );
    }
    // `Short term:` (no space) over unindented lines stays a group.
    let pm = parse(
        "pm/a.md",
        "# X\n\n## Action Items\n\nShort term:\nResize the pool\nAdd alerts\n",
    );
    assert_eq!(pm.tasks.len(), 2);
    assert_eq!(pm.tasks[0].group, "Short term");
}

#[test]
fn a_lone_nested_paragraph_explains_its_parent_and_a_lone_action_stays_one() {
    let src = "## Action Items\n\n- [Migrate the stack into Pulumi](https://github.com/o/infra/issues/9)\n  - Nothing was managed as code. That slowed the fix.\n- Add alerts\n  - Page on lag\n";
    let pm = parse("pm.md", src);
    let got: Vec<_> = pm
        .tasks
        .iter()
        .map(|t| (t.title.as_str(), t.detail.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "Migrate the stack into Pulumi",
                "Nothing was managed as code. That slowed the fix."
            ),
            ("Add alerts", ""),
            ("Page on lag", ""),
        ]
    );
    assert_eq!(pm.tasks[0].issue.as_ref().and_then(|r| r.number()), Some(9));
}

#[test]
fn tracker_references_on_items_rows_and_group_labels() {
    use crate::model::TrackerRef;
    let src = "## Action Items\n\n### Follow-ups, tracked in #88\n\n- Add alerts\n- Fix pool (OPS-4)\n\n### Later\n\n- Retry budget [#123]\n\n| Action | Owner | Status |\n| --- | --- | --- |\n| Rotate keys | kim | <https://gitlab.com/a/b/-/issues/5> |\n\n[#123]: https://github.com/o/other/pull/123\n";
    let pm = parse("pm.md", src);
    let refs: Vec<(Option<String>, bool)> = pm
        .tasks
        .iter()
        .map(|t| (t.issue.as_ref().map(TrackerRef::short), t.issue_from_group))
        .collect();
    assert_eq!(
        refs,
        [
            (Some("#88".into()), true),
            (Some("OPS-4".into()), false),
            (Some("o/other#123".into()), false),
            (Some("https://gitlab.com/a/b/-/issues/5".into()), false),
        ]
    );
    assert!(matches!(
        &pm.tasks[2].issue,
        Some(TrackerRef::Github(r)) if r.pull
    ));
}

#[test]
fn a_team_prefix_is_the_owner_and_the_title_stays() {
    let pm = parse(
        "pm.md",
        "## Action Items\n\n- Payments: add a retry budget\n- Monitoring: add lag alerts\n",
    );
    let got: Vec<_> = pm
        .tasks
        .iter()
        .map(|t| (t.title.as_str(), t.detail.as_str(), t.owners.clone()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "Payments",
                "add a retry budget",
                vec!["Payments".to_string()]
            ),
            ("Monitoring", "add lag alerts", vec![]),
        ]
    );
}
