//! The loop over mutated real documents: corpus postmortems changed the way
//! people change them (lines inserted, deleted and moved, list markers and
//! checkboxes changed, tables, fences, quotes, HTML entities and mixed line
//! endings added), then sync → write → sync, in process: the real planner
//! against a small in-memory tracker that applies changes as GitHub does,
//! and the real write-back. For every case: every byte of the document is
//! kept (the edits are insertions, the ticks and the status block aside),
//! each link sits on its own item's lines, and the second run plans no
//! change and writes no byte.

use chrono::{NaiveDate, TimeZone, Utc};
use pmtrack::config::Config;
use pmtrack::model::{CloseReason, Issue, IssueState, Postmortem};
use pmtrack::parse::parse;
use pmtrack::plan::{plan, Change, Plan, PlanInput};
use pmtrack::writeback::{self, EditKind, Options};
use proptest::prelude::*;
use std::path::PathBuf;

fn corpus() -> Vec<(String, String)> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .filter_map(|p| {
            let name = p.file_name()?.to_string_lossy().into_owned();
            Some((name, std::fs::read_to_string(&p).ok()?))
        })
        .collect();
    out.sort();
    out
}

/// A tracker that applies changes the way GitHub does.
#[derive(Default)]
struct Tracker {
    issues: Vec<Issue>,
}

impl Tracker {
    fn apply(&mut self, p: &mut Plan) {
        for c in &p.changes {
            match c {
                Change::Create { key, fields, .. } => {
                    let number = self.issues.len() as u64 + 1;
                    self.issues.push(Issue {
                        number,
                        title: fields.title.clone(),
                        body: fields.body.clone(),
                        state: IssueState::Open,
                        close_reason: None,
                        labels: fields.labels.clone(),
                        assignees: fields.assignees.clone(),
                        milestone: None,
                        html_url: format!("https://github.com/o/r/issues/{number}"),
                        created_at: Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap(),
                        closed_at: None,
                        id: 0,
                        parent: None,
                        parent_known: false,
                        sub_issues: None,
                    });
                    p.issue_of.insert(key.clone(), number);
                }
                Change::Update {
                    number,
                    title,
                    body,
                    labels,
                    assignees,
                    ..
                } => {
                    let i = &mut self.issues[*number as usize - 1];
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
                }
                Change::Close {
                    number,
                    reason,
                    body,
                    ..
                } => {
                    let i = &mut self.issues[*number as usize - 1];
                    i.state = IssueState::Closed;
                    i.close_reason = Some(*reason);
                    if let Some(b) = body {
                        i.body = b.clone();
                    }
                }
                Change::Reopen { number, body, .. } => {
                    let i = &mut self.issues[*number as usize - 1];
                    i.state = IssueState::Open;
                    i.close_reason = None;
                    if let Some(b) = body {
                        i.body = b.clone();
                    }
                }
                Change::Comment { .. } | Change::Noop { .. } => {}
            }
        }
    }

    fn plan(&self, pm: &Postmortem, config: &Config, today: NaiveDate) -> Plan {
        plan(&PlanInput {
            postmortems: std::slice::from_ref(pm),
            deleted_paths: &[],
            vanished_paths: &[],
            issues: &self.issues,
            config,
            today,
            repo: "o/r",
            server_url: "https://github.com",
            branch: "main",
            assignable: None,
        })
    }
}

/// One way people change a document.
#[derive(Debug, Clone)]
enum Mutation {
    Insert(usize, &'static str),
    Delete(usize),
    Move(usize, usize),
    Tick(usize),
    Crlf(usize),
}

const LINES: &[&str] = &[
    "- Don&#39;t deploy on Fridays",
    "- [ ] Add a canary stage &#64;ops",
    "- [x] Rotate the signing keys",
    "1. **Optimize SQL**: Conduct a review.",
    "> quoted note",
    "```",
    "| Action | Owner |",
    "| --- | --- |",
    "| Move the cache | bob |",
    "\t#### Notes",
    "### Long term",
    "Some prose between items.",
    "  - nested detail line",
    "- ~~Retire the old host~~",
    "",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), prop::sample::select(LINES)).prop_map(|(i, l)| Mutation::Insert(i, l)),
        any::<usize>().prop_map(Mutation::Delete),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Move(a, b)),
        any::<usize>().prop_map(Mutation::Tick),
        any::<usize>().prop_map(Mutation::Crlf),
    ]
}

fn mutate(text: &str, ms: &[Mutation]) -> String {
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_owned).collect();
    for m in ms {
        let n = lines.len().max(1);
        match m {
            Mutation::Insert(i, l) => {
                lines.insert(i % (n + 1).min(lines.len() + 1), format!("{l}\n"))
            }
            Mutation::Delete(i) if !lines.is_empty() => {
                lines.remove(i % n);
            }
            Mutation::Move(a, b) if !lines.is_empty() => {
                let l = lines.remove(a % n);
                lines.insert(b % n.min(lines.len() + 1), l);
            }
            Mutation::Tick(i) if !lines.is_empty() => {
                let l = &mut lines[i % n];
                *l = if l.contains("[ ]") {
                    l.replacen("[ ]", "[x]", 1)
                } else if l.trim_start().starts_with("- ") {
                    l.replacen("- ", "* ", 1)
                } else {
                    l.clone()
                };
            }
            Mutation::Crlf(i) if !lines.is_empty() => {
                let l = &mut lines[i % n];
                if l.ends_with('\n') && !l.ends_with("\r\n") {
                    l.pop();
                    l.push_str("\r\n");
                }
            }
            _ => {}
        }
    }
    lines.concat()
}

/// Sync, write back, sync again: the checks of the module doc.
fn round_trip(path: &str, text: &str) -> Result<(), TestCaseError> {
    let config = Config::default();
    let today = NaiveDate::from_ymd_opt(2024, 11, 1).unwrap();
    let opts = Options::default();
    let mut tracker = Tracker::default();
    let pm = parse(path, text);
    let mut p = tracker.plan(&pm, &config, today);
    tracker.apply(&mut p);
    let links = p.links(&tracker.issues, &Default::default());
    let edits = writeback::plan_edits(text, &pm, &links, today, &opts);
    let out = writeback::apply(text, &edits);

    // Every original byte is kept: only insertions, ticks and the block.
    for e in &edits {
        if e.kind == EditKind::IssueLink {
            prop_assert!(e.span.start == e.span.end, "{e:?}");
            // On its own item's lines: between the item's line and the
            // next item's (or the section's end).
            let line_of = |at: usize| text[..at].matches('\n').count() + 1;
            let at = line_of(e.span.start);
            let task = pm
                .tasks
                .iter()
                .filter(|t| t.line <= at || t.repeats.contains(&at))
                .max_by_key(|t| if t.repeats.contains(&at) { at } else { t.line });
            let task =
                task.ok_or_else(|| TestCaseError::fail(format!("link above every item: {e:?}")))?;
            prop_assert!(
                e.text.contains(&format!(
                    "#{}",
                    links
                        .iter()
                        .find(|l| l.key == task.key)
                        .map_or(0, |l| l.number)
                )),
                "link {:?} on line {at} is not its item's ({}: {})",
                e.text,
                task.line,
                task.title
            );
        }
    }
    // Every other edit replaces only what pmtrack may replace.
    for e in &edits {
        let old = &text[e.span.start..e.span.end];
        let allowed = match e.kind {
            EditKind::IssueLink => old.is_empty(),
            EditKind::Checkbox => old == " " && e.text == "x",
            EditKind::TableCell => old.trim().is_empty() || e.text.starts_with(old),
            EditKind::StatusBlock => old.is_empty() || old.contains("pmtrack:status:begin"),
        };
        prop_assert!(allowed, "{:?} replaced {:?}", e.kind, old);
    }
    // The second run: nothing to send, nothing to write.
    let re = parse(path, &out);
    let mut p2 = tracker.plan(&re, &config, today);
    let sends: Vec<&Change> = p2
        .changes
        .iter()
        .filter(|c| !matches!(c, Change::Noop { .. }))
        .collect();
    prop_assert!(sends.is_empty(), "second run sends {:#?}\n{}", sends, out);
    tracker.apply(&mut p2);
    let links2 = p2.links(&tracker.issues, &Default::default());
    prop_assert_eq!(writeback::render(&out, &re, &links2, today, &opts), out);
    prop_assert!(tracker
        .issues
        .iter()
        .all(|i| i.state == IssueState::Open || i.close_reason != Some(CloseReason::Duplicate)));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn mutated_corpus_documents_settle_after_one_write_back(
        doc in any::<usize>(),
        ms in prop::collection::vec(mutation(), 1..8),
    ) {
        let docs = corpus();
        if docs.is_empty() {
            prop_assert!(std::env::var_os("CI").is_none(), "CI is set but ../shared/corpus is missing");
            return Ok(());
        }
        let (name, text) = &docs[doc % docs.len()];
        let mutated = mutate(text, &ms);
        round_trip(&format!("postmortems/{name}"), &mutated)?;
    }
}
