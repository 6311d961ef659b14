use super::{block::*, refs::*, *};
use crate::model::*;
use crate::parse::lines::{STATUS_BEGIN, STATUS_END};
use crate::parse::parse;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

const TODAY: (i32, u32, u32) = (2024, 6, 15);

fn today() -> NaiveDate {
    day(TODAY.0, TODAY.1, TODAY.2)
}

/// Links for the tasks whose title contains each needle.
fn links(pm: &Postmortem, spec: &[(&str, u64, TrackState)]) -> Vec<Link> {
    spec.iter()
        .map(|&(needle, number, state)| {
            let t = pm
                .tasks
                .iter()
                .find(|t| t.title.contains(needle))
                .unwrap_or_else(|| panic!("no task `{needle}` in {:#?}", pm.tasks));
            Link {
                elsewhere: None,
                key: t.key.clone(),
                number,
                url: format!("https://github.com/o/r/issues/{number}"),
                state,
                due: t.due,
                owners: t.owners.clone(),
                created_at: None,
                closed_at: None,
            }
        })
        .collect()
}

fn run(path: &str, text: &str, spec: &[(&str, u64, TrackState)], block: bool) -> String {
    let pm = parse(path, text);
    let l = links(&pm, spec);
    let opts = Options {
        status_block: block,
    };
    let out = render(text, &pm, &l, today(), &opts);
    // Every test also checks the two guarantees: same tasks, and a
    // second run changes nothing.
    let re = parse(path, &out);
    let keys = |p: &Postmortem| p.tasks.iter().map(|t| t.key.clone()).collect::<Vec<_>>();
    assert_eq!(keys(&re), keys(&pm), "keys changed:\n{out}");
    assert_eq!(render(&out, &re, &l, today(), &opts), out, "not idempotent");
    out
}

use TrackState::{Done, NotPlanned, Open};

#[test]
fn items_tracked_elsewhere_keep_their_text_and_the_block_says_where_in_both_formats() {
    for (path, want) in [
        (
            "pm.md",
            [
                "| Retry budget | tracked in [other/repo#5](https://github.com/other/repo/pull/5) | — | — | done |",
                "| Rotate keys OPS-4 | tracked externally: [OPS-4](https://acme.atlassian.net/browse/OPS-4) | — | — | open |",
            ],
        ),
        (
            "pm.txt",
            [
                "- Retry budget | tracked in other/repo#5 | — | no due date | done",
                "- Rotate keys OPS-4 | tracked externally: OPS-4 (https://acme.atlassian.net/browse/OPS-4) | — | no due date | open",
            ],
        ),
    ] {
        let text = "## Action items\n- [ ] Retry budget (other/repo#5)\n- Rotate keys [OPS-4](https://acme.atlassian.net/browse/OPS-4)\n";
        let pm = parse(path, text);
        let mut l = links(&pm, &[("Retry budget", 5, Done), ("Rotate keys", 0, Open)]);
        l[0].url = "https://github.com/other/repo/pull/5".into();
        l[1].url = String::new();
        for (link, task) in l.iter_mut().zip(&pm.tasks) {
            link.elsewhere = task.issue.clone();
        }
        let out = render(text, &pm, &l, today(), &Options::default());
        // Ticked, and no link of ours on either item.
        assert!(out.starts_with("## Action items\n- [x] Retry budget (other/repo#5)\n- Rotate keys [OPS-4](https://acme.atlassian.net/browse/OPS-4)\n"), "{out}");
        for w in want {
            assert!(out.contains(w), "{path}: no `{w}` in\n{out}");
        }
        let re = parse(path, &out);
        assert_eq!(render(&out, &re, &l, today(), &Options::default()), out, "settles");
        let rows = read_status_block(&out);
        let back: Vec<_> = rows.iter().map(|r| (r.issue, r.elsewhere.clone().map(|e| e.reference), r.state)).collect();
        assert_eq!(
            back,
            [
                (None, Some("other/repo#5".to_string()), Done),
                (None, Some("OPS-4".to_string()), Open),
            ],
            "{path}"
        );
    }
}

#[test]
fn list_item_gets_a_markdown_link_at_the_end_of_its_first_line() {
    let out = run(
        "pm.md",
        "## Action items\n- Add alerts @alice\n- Fix DNS\n",
        &[("Add alerts", 12, Open)],
        false,
    );
    assert_eq!(
        out,
        "## Action items\n- Add alerts @alice ([#12](https://github.com/o/r/issues/12))\n- Fix DNS\n"
    );
}

#[test]
fn hard_break_trailing_spaces_stay_at_the_end_of_the_line() {
    let out = run(
        "pm.md",
        "## Action items\n- Add alerts  \n- Fix DNS \t\n",
        &[("Add alerts", 12, Open), ("Fix DNS", 13, Open)],
        false,
    );
    assert_eq!(
        out,
        "## Action items\n- Add alerts ([#12](https://github.com/o/r/issues/12))  \n\
- Fix DNS ([#13](https://github.com/o/r/issues/13)) \t\n"
    );
}

#[test]
fn a_title_continued_on_the_next_line_gets_the_link_after_it() {
    let out = run(
        "pm.md",
        "## Action items\n- Add alerting for\n  disk usage on db hosts\n- Fix DNS\n",
        &[("Add alerting", 12, Open)],
        false,
    );
    assert!(
        out.contains("  disk usage on db hosts ([#12](https://github.com/o/r/issues/12))\n"),
        "{out}"
    );
}

#[test]
fn plain_text_gets_a_bare_reference() {
    let txt = run(
        "pm.txt",
        "Action items:\n- Add alerts\n- Fix DNS\r\n",
        &[("Add alerts", 12, Open), ("Fix DNS", 7, Open)],
        false,
    );
    assert_eq!(txt, "Action items:\n- Add alerts (#12)\n- Fix DNS (#7)\r\n");
    // A plain line in a Markdown document too.
    let md = run(
        "pm.md",
        "## Action Items\n\nImprove disk alerting on the db hosts\n",
        &[("Improve disk", 3, Open)],
        false,
    );
    assert_eq!(
        md,
        "## Action Items\n\nImprove disk alerting on the db hosts (#3)\n"
    );
}

#[test]
fn a_titled_plain_line_gets_the_reference_after_its_description() {
    let out = run(
        "pm.txt",
        "Action items\n\nAlerting:\n    add disk alerts\n    and page on-call\n",
        &[("Alerting", 4, Open)],
        false,
    );
    assert!(out.ends_with("    and page on-call (#4)\n"), "{out}");
}

#[test]
fn table_with_a_bug_column_fills_empty_cells_and_appends_to_others() {
    let text = "## Action Items\n\
| Action | Owner | Bug |\n\
| --- | --- | --- |\n\
| Add alerts | alice |  |\n\
| Fix DNS | bob | flaky |\n\
| Rotate keys | carol ||\n";
    let out = run(
        "pm.md",
        text,
        &[
            ("Add alerts", 1, Open),
            ("Fix DNS", 2, Open),
            ("Rotate", 3, Open),
        ],
        false,
    );
    assert_eq!(
        out,
        "## Action Items\n\
| Action | Owner | Bug |\n\
| --- | --- | --- |\n\
| Add alerts | alice | [#1](https://github.com/o/r/issues/1)  |\n\
| Fix DNS | bob | flaky [#2](https://github.com/o/r/issues/2) |\n\
| Rotate keys | carol | [#3](https://github.com/o/r/issues/3) |\n"
    );
    let re = parse("pm.md", &out);
    assert!(re
        .tasks
        .iter()
        .map(|t| t.issue.as_ref().unwrap().number().unwrap())
        .eq([1, 2, 3]));
}

#[test]
fn table_without_an_issue_column_gets_a_new_last_column() {
    let text = "## Action Items\n\
| Action | Owner |\n\
|:--|--:|\n\
| Add alerts | alice |\n\
| Fix DNS |\n\
| Rotate keys | carol |   \n";
    let out = run(
        "pm.md",
        text,
        &[("Add alerts", 1, Open), ("Rotate", 3, Open)],
        false,
    );
    assert_eq!(
        out,
        "## Action Items\n\
| Action | Owner | Issue |\n\
|:--|--:| --- |\n\
| Add alerts | alice | [#1](https://github.com/o/r/issues/1) |\n\
| Fix DNS |\n\
| Rotate keys | carol | [#3](https://github.com/o/r/issues/3) |   \n"
    );
    // Rows without a closing pipe get cells the same way.
    let out = run(
        "pm.md",
        "## Action Items\n| Action | Owner\n| --- | ---\n| Add alerts | alice\n",
        &[("Add alerts", 1, Open)],
        false,
    );
    assert!(
        out.ends_with(
            "| Action | Owner | Issue\n| --- | --- | ---\n| Add alerts | alice | [#1](https://github.com/o/r/issues/1)\n"
        ),
        "{out}"
    );
}

#[test]
fn done_issue_ticks_the_checkbox_and_changes_nothing_else() {
    let text = "## Action items\n- [ ] Add alerts (#12)\n- [ ] Fix DNS (#13)\n";
    let pm = parse("pm.md", text);
    let l = links(
        &pm,
        &[("Add alerts", 12, Done), ("Fix DNS", 13, NotPlanned)],
    );
    let edits = plan_edits(
        text,
        &pm,
        &l,
        today(),
        &Options {
            status_block: false,
        },
    );
    assert_eq!(
        edits,
        [Edit {
            span: Span { start: 19, end: 20 },
            text: "x".into(),
            kind: EditKind::Checkbox
        }]
    );
    assert_eq!(
        apply(text, &edits),
        "## Action items\n- [x] Add alerts (#12)\n- [ ] Fix DNS (#13)\n"
    );
}

#[test]
fn an_item_already_carrying_its_reference_is_left_alone() {
    let text = "## Action items\n\
- Add alerts ([#12](https://github.com/o/r/issues/12))\n\
- Fix DNS, see o/r#13 for details\n\
- Rotate keys https://github.com/o/r/issues/14\n\
- Fix #150 first\n";
    let out = run(
        "pm.md",
        text,
        &[
            ("Add alerts", 12, Open),
            ("Fix DNS", 13, Open),
            ("Rotate", 14, Open),
            ("Fix #150", 15, Open),
        ],
        false,
    );
    // Only the last one, whose #150 is another issue, gets #15.
    assert_eq!(
        out,
        text.replace(
            "- Fix #150 first",
            "- Fix #150 first ([#15](https://github.com/o/r/issues/15))"
        )
    );
}

#[test]
fn carries_matches_whole_numbers_of_this_repository() {
    let r = Ref {
        number: 12,
        url: "https://github.com/o/r/issues/12",
        repo: Some("o/r".into()),
    };
    assert!(carries("fix (#12)", &r));
    assert!(carries("see O/R#12", &r));
    assert!(carries("https://github.com/o/r/issues/12", &r));
    assert!(!carries("fix #123", &r));
    assert!(!carries("fix x/y#12", &r));
    assert!(!carries("https://github.com/x/y/issues/12", &r));
    assert!(!carries("C#12", &r));
}

#[test]
fn crlf_document_stays_crlf_with_only_the_edits() {
    let text = "# Outage\r\n\r\n## Action items\r\n\r\n- [ ] Add alerts\r\n- Fix DNS\t\r\n\r\n## Timeline\r\n\r\nnothing\r\n";
    let pm = parse("pm.md", text);
    let l = links(&pm, &[("Add alerts", 1, Done), ("Fix DNS", 2, Open)]);
    let out = render(text, &pm, &l, today(), &Options::default());
    assert_eq!(out.matches('\n').count(), out.matches("\r\n").count());
    assert!(out.starts_with(
        "# Outage\r\n\r\n## Action items\r\n\r\n- [x] Add alerts ([#1](https://github.com/o/r/issues/1))\r\n\
- Fix DNS ([#2](https://github.com/o/r/issues/2))\t\r\n\r\n<!-- pmtrack:status:begin"
    ));
    assert!(
        out.ends_with("<!-- pmtrack:status:end -->\r\n\r\n## Timeline\r\n\r\nnothing\r\n"),
        "{out}"
    );
}

#[test]
fn a_bom_is_kept() {
    let text = "\u{feff}## Action items\n- Add alerts";
    let out = run("pm.md", text, &[("Add alerts", 1, Open)], true);
    assert!(out.starts_with(
        "\u{feff}## Action items\n- Add alerts ([#1](https://github.com/o/r/issues/1))\n\n<!-- pmtrack"
    ));
    // No final line ending in the original: none added after the block.
    assert!(out.ends_with("<!-- pmtrack:status:end -->"), "{out:?}");
}

#[test]
fn status_block_is_a_table_in_markdown() {
    let text = "## Action items\n\n- Add alerts @alice due 2024-06-10\n- [ ] Fix DNS | now\n- ~~Drop the cache~~\n\n## Timeline\n";
    let out = run(
        "pm.md",
        text,
        &[("Add alerts", 1, Open), ("Fix DNS", 2, Done)],
        true,
    );
    let block = "<!-- pmtrack:status:begin — generated by pmtrack, edits are replaced -->\n\
**Status:** 3 action items · 1 open (1 overdue) · 1 done · 1 not planned · updated 2024-06-15\n\
\n\
| Action item | Issue | Owner | Due | State |\n\
| --- | --- | --- | --- | --- |\n\
| Add alerts @alice due 2024-06-10 | [#1](https://github.com/o/r/issues/1) | alice | 2024-06-10 | **overdue since 2024-06-10** |\n\
| Fix DNS \\| now | [#2](https://github.com/o/r/issues/2) | — | — | done |\n\
| Drop the cache | — | — | — | not planned |\n\
\n\
<!-- pmtrack:status:end -->\n";
    assert!(
        out.contains(&format!("Drop the cache~~\n\n{block}\n## Timeline\n")),
        "{out}"
    );
    let rows = read_status_block(&out);
    assert_eq!(
        rows,
        [
            BlockRow {
                elsewhere: None,
                title: "Add alerts @alice due 2024-06-10".into(),
                issue: Some(1),
                owners: vec!["alice".into()],
                due: Some(day(2024, 6, 10)),
                state: Open
            },
            BlockRow {
                elsewhere: None,
                title: "Fix DNS | now".into(),
                issue: Some(2),
                owners: vec![],
                due: None,
                state: Done
            },
            BlockRow {
                elsewhere: None,
                title: "Drop the cache".into(),
                issue: None,
                owners: vec![],
                due: None,
                state: NotPlanned
            },
        ]
    );
}

#[test]
fn status_block_is_a_plain_list_in_plain_text() {
    let text = "Action items:\n- Add alerts @alice due 2024-06-14\n- Fix DNS\n";
    let out = run(
        "pm.txt",
        text,
        &[("Add alerts", 1, Open), ("Fix DNS", 2, NotPlanned)],
        true,
    );
    assert_eq!(
        out,
        "Action items:\n- Add alerts @alice due 2024-06-14 (#1)\n- Fix DNS (#2)\n\n\
[pmtrack:status:begin — generated by pmtrack, edits are replaced]\n\
Status: 2 action items, 1 open (1 overdue), 0 done, 1 not planned; updated 2024-06-15\n\
- Add alerts @alice due 2024-06-14 | #1 | alice | due 2024-06-14 | overdue since 2024-06-14\n\
- Fix DNS | #2 | — | no due date | not planned\n\
[pmtrack:status:end]\n"
    );
    let rows = read_status_block(&out);
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0].issue, rows[0].due, rows[0].state),
        (Some(1), Some(day(2024, 6, 14)), Open)
    );
    assert_eq!((rows[1].issue, rows[1].state), (Some(2), NotPlanned));
}

#[test]
fn overdue_is_open_past_the_due_date_and_says_since_when() {
    let text = "## Action items\n- Add alerts due 2024-05-16\n- Fix DNS due 2024-05-16\n- Rotate keys due 2024-06-15\n";
    let out = run(
        "pm.md",
        text,
        &[
            ("Add alerts", 1, Open),
            ("Fix DNS", 2, Done),
            ("Rotate", 3, Open),
        ],
        true,
    );
    assert!(
        out.contains("| 2024-05-16 | **overdue since 2024-05-16** |"),
        "{out}"
    );
    assert!(out.contains("| 2024-05-16 | done |"));
    // Due today is not overdue yet.
    assert!(out.contains("| 2024-06-15 | open |"));
    assert!(out.contains("2 open (1 overdue)"));
}

#[test]
fn an_existing_block_is_replaced_in_place_even_when_hand_edited() {
    let text = "# Outage\n\n\
<!-- pmtrack:status:begin — generated by pmtrack, edits are replaced -->\n\
someone typed here\n\
| stale | table |\n\
<!-- pmtrack:status:end -->\n\
\n## Action items\n- Add alerts\n\n## Timeline\n";
    let out = run("pm.md", text, &[("Add alerts", 1, Open)], true);
    assert_eq!(out.matches(STATUS_BEGIN).count(), 1);
    assert!(!out.contains("someone typed") && !out.contains("stale"));
    // Still at the top, where it was.
    assert!(out.starts_with(
        "# Outage\n\n<!-- pmtrack:status:begin — generated by pmtrack, edits are replaced -->\n**Status:** 1 action item"
    ));
    assert!(out.ends_with(
        "<!-- pmtrack:status:end -->\n\n## Action items\n- Add alerts ([#1](https://github.com/o/r/issues/1))\n\n## Timeline\n"
    ));
}

#[test]
fn duplicate_blocks_become_one_and_a_lost_end_marker_is_recovered() {
    let block = "[pmtrack:status:begin — generated by pmtrack, edits are replaced]\nStatus: old; last sync 2024-01-01\n- x | #1 | — | no due date | open\n[pmtrack:status:end]\n";
    let text = format!("Action items:\n- Add alerts\n\n{block}\nNotes\n\n{block}");
    let out = run("pm.txt", &text, &[("Add alerts", 1, Open)], true);
    assert_eq!(out.matches(STATUS_BEGIN).count(), 1, "{out}");
    assert_eq!(out.matches(STATUS_END).count(), 1);
    assert!(out.contains("updated 2024-06-15\n- Add alerts | #1 |"));
    assert!(out.ends_with("\nNotes\n\n"), "{out:?}");

    // A Markdown block whose end marker was deleted: its generated
    // lines are replaced; the text after them stays.
    let text = "## Action items\n- Add alerts\n\n<!-- pmtrack:status:begin -->\n**Status:** x · last sync 2024-01-01\n\n| a | b |\n| --- | --- |\n\nWritten by a person.\n";
    let pm = parse("pm.md", text);
    let l = links(&pm, &[("Add alerts", 1, Open)]);
    let out = render(text, &pm, &l, today(), &Options::default());
    assert_eq!(out.matches(STATUS_END).count(), 1);
    assert!(
        out.ends_with("<!-- pmtrack:status:end -->\n\nWritten by a person.\n"),
        "{out}"
    );
}

#[test]
fn a_second_run_is_byte_identical_and_keeps_the_date() {
    let text = "## Action items\n- [ ] Add alerts due 2024-07-01\n- Fix DNS\n- Rotate keys due 2024-05-01\n";
    let pm = parse("pm.md", text);
    let l = links(
        &pm,
        &[
            ("Add alerts", 1, Open),
            ("Fix DNS", 2, Done),
            ("Rotate", 3, Open),
        ],
    );
    let opts = Options::default();
    let first = render(text, &pm, &l, day(2024, 6, 1), &opts);
    assert!(first.contains("updated 2024-06-01"));
    assert!(first.contains("**overdue since 2024-05-01**"), "{first}");
    // A week later with nothing new, an overdue item included: not a
    // byte changes, date kept.
    let re = parse("pm.md", &first);
    let later = render(&first, &re, &l, day(2024, 6, 8), &opts);
    assert_eq!(later, first);
    // Something changed: the block is rewritten with the new date.
    let mut l2 = l.clone();
    l2[0].state = Done;
    let changed = render(&first, &re, &l2, day(2024, 6, 8), &opts);
    assert!(changed.contains("updated 2024-06-08"), "{changed}");
    assert!(changed.contains("- [x] Add alerts"));
    assert_eq!(changed.matches(STATUS_BEGIN).count(), 1);
    // Passing a due date is a change of state: rewritten once, that day.
    let due_passed = render(&first, &re, &l, day(2024, 7, 2), &opts);
    assert!(due_passed.contains("**overdue since 2024-07-01**"));
    assert!(due_passed.contains("updated 2024-07-02"));
    // A block an earlier version wrote (`last sync`, `overdue by N days`) is
    // read back and rewritten once in the new words.
    let old = first
        .replace("updated 2024-06-01", "last sync 2024-06-01")
        .replace("overdue since 2024-05-01", "overdue by 31 days");
    assert_eq!(read_status_block(&old), read_status_block(&first));
    let migrated = render(&old, &parse("pm.md", &old), &l, day(2024, 6, 8), &opts);
    assert_eq!(migrated.matches(STATUS_BEGIN).count(), 1);
    assert!(migrated.contains("updated 2024-06-08") && !migrated.contains("last sync"));
}

/// F3: `- [ ] code item` then a stray unterminated fence: every
/// `sync --commit` appended another block inside the open fence.
#[test]
fn f3_no_status_block_is_written_where_it_cannot_be_read_back() {
    for fence in ["```", "~~~", "<!--"] {
        let text = format!("## Action items\n\n- [ ] code item\n\n{fence}\nsome code\n");
        let pm = parse("pm.md", &text);
        let l = links(&pm, &[("code item", 1, Open)]);
        let once = render(&text, &pm, &l, today(), &Options::default());
        assert!(!once.contains(STATUS_BEGIN), "{fence}: {once}");
        assert!(once.contains("- [ ] code item ([#1]"), "{once}");
        let twice = render(
            &once,
            &parse("pm.md", &once),
            &l,
            today(),
            &Options::default(),
        );
        assert_eq!(twice, once, "{fence}");
    }
}

/// F9: a quote line or a tab-indented heading between nested items put
/// an item's link on that line, and another item's only on run 2.
#[test]
fn f9_each_link_goes_on_its_own_items_line_in_one_run() {
    for between in ["> quoted note", "\t#### Notes", "Some prose in between."] {
        let text = format!(
            "## Action items\n- **Tasks**:\n  1. **Optimize SQL**: Conduct a review.\n{between}\n  4. **Code Review**: Update the checklist.\n"
        );
        let pm = parse("pm.md", &text);
        let titles: Vec<&str> = pm.tasks.iter().map(|t| t.title.as_str()).collect();
        let l = links(&pm, &[("Optimize", 1, Open), ("Code Review", 2, Open)]);
        let out = render(
            &text,
            &pm,
            &l,
            today(),
            &Options {
                status_block: false,
            },
        );
        let lines: Vec<&str> = out.lines().collect();
        assert!(
            lines[2].ends_with("Conduct a review. ([#1](https://github.com/o/r/issues/1))"),
            "{between:?} {titles:?}:\n{out}"
        );
        assert_eq!(lines[3], between, "{out}");
        assert!(
            lines[4].ends_with("Update the checklist. ([#2](https://github.com/o/r/issues/2))"),
            "{between:?}:\n{out}"
        );
        let re = parse("pm.md", &out);
        assert_eq!(
            render(
                &out,
                &re,
                &l,
                today(),
                &Options {
                    status_block: false
                }
            ),
            out
        );
    }
}

#[test]
fn without_the_option_no_block_is_written() {
    let out = run(
        "pm.md",
        "## Action items\n- Add alerts\n",
        &[("Add alerts", 1, Open)],
        false,
    );
    assert!(!out.contains(STATUS_BEGIN));
}

#[test]
fn html_list_items_and_struck_items_keep_their_meaning() {
    let text = "## Action items\n<ul>\n<li>Add alerts</li>\n</ul>\n\n- ~~Drop the cache~~\n";
    let out = run(
        "pm.md",
        text,
        &[("Add alerts", 1, Open), ("Drop the cache", 2, NotPlanned)],
        false,
    );
    assert!(
        out.contains("<li>Add alerts (<a href=\"https://github.com/o/r/issues/1\">#1</a>)</li>"),
        "{out}"
    );
    assert!(out.contains("- ~~Drop the cache ([#2](https://github.com/o/r/issues/2))~~\n"));
    let re = parse("pm.md", &out);
    assert_eq!(re.tasks[1].status, Status::Dropped);
}

#[test]
fn an_item_on_the_line_that_opens_its_html_list_gets_its_anchor() {
    let text = "## Action items\n<ol><li>Add alerts</li>\n<li>Rotate keys</li>\n</ol>\n";
    let out = run(
        "pm.md",
        text,
        &[("Add alerts", 1, Open), ("Rotate keys", 2, Open)],
        false,
    );
    assert!(
        out.contains(
            "<ol><li>Add alerts (<a href=\"https://github.com/o/r/issues/1\">#1</a>)</li>\n"
        ),
        "{out}"
    );
    let re = parse("pm.md", &out);
    assert_eq!(re.tasks[0].issue.as_ref().and_then(|i| i.number()), Some(1));
}

#[test]
fn a_title_with_a_spaced_colon_and_its_description_below_settles() {
    // Plain lines get no inline reference: the status block carries
    // their issues, and the items read back the same.
    let text = "## Action items\n\nResize the pool :\nmake it bigger\n\nAdd alerts :\non latency\n";
    let out = run(
        "pm.md",
        text,
        &[("Resize the pool", 1, Open), ("Add alerts", 2, Open)],
        true,
    );
    assert!(out.contains("| Resize the pool | [#1](https://github.com/o/r/issues/1) |"));
    let re = parse("pm.md", &out);
    let got: Vec<(&str, &str)> = re
        .tasks
        .iter()
        .map(|t| (t.title.as_str(), t.detail.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("Resize the pool", "make it bigger"),
            ("Add alerts", "on latency")
        ],
        "{out}"
    );
}

#[test]
fn a_repeated_item_gets_the_reference_on_every_copy() {
    let text = "## Action items\n- Add alerts: on disk\n\n# Copy\n\n## Action items\n- Add alerts: on disk\n";
    let out = run("pm.md", text, &[("Add alerts", 1, Open)], false);
    assert_eq!(out.matches("([#1](").count(), 2, "{out}");
}
