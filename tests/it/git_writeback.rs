//! The write-back glue against a real temporary git repository: one bot
//! commit naming the file and ending in `[skip ci]`; a second run with the
//! same links commits nothing and leaves the file byte-identical; a file
//! changed on disk since it was read is reported stale, not overwritten.

use chrono::NaiveDate;
use git2::{Repository, RepositoryInitOptions, Signature};
use pmtrack::command::workspace::Workspace;
use pmtrack::command::writeback::run;
use pmtrack::model::{Link, TrackState};
use std::path::Path;

const DOC: &str = "# DB outage 2024-01-05\r\n\
\r\n\
## Action items\r\n\
\r\n\
- [ ] Add replication lag alerts @alice due 2024-02-01\r\n\
- [ ] Document the failover runbook  \r\n\
- Rotate the backup keys\r\n\
\r\n\
## Timeline\r\n\
\r\n\
Nothing else.\r\n";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 3, 1).unwrap()
}

fn init_repo(dir: &Path) -> Repository {
    let mut opts = RepositoryInitOptions::new();
    opts.initial_head("main");
    let repo = Repository::init_opts(dir, &opts).unwrap();
    std::fs::create_dir_all(dir.join("postmortems")).unwrap();
    std::fs::write(dir.join("postmortems/2024-01-db.md"), DOC).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a postmortem\n").unwrap();
    let mut index = repo.index().unwrap();
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = Signature::now("Human", "human@example.com").unwrap();
    repo.commit(Some("HEAD"), &sig, &sig, "add postmortem", &tree, &[])
        .unwrap();
    drop(tree);
    repo
}

fn links_for(ws: &Workspace) -> (Vec<pmtrack::command::workspace::Loaded>, Vec<Link>) {
    let files = ws.select(&[]).unwrap();
    let (loaded, errors) = ws.load(&files);
    assert!(errors.is_empty(), "{errors:?}");
    let links = loaded
        .iter()
        .flat_map(|l| l.postmortem.tasks.iter())
        .enumerate()
        .map(|(i, t)| Link {
            elsewhere: None,
            key: t.key.clone(),
            number: 10 + i as u64,
            url: format!("https://github.com/acme/db/issues/{}", 10 + i),
            state: if i == 1 {
                TrackState::Done
            } else {
                TrackState::Open
            },
            due: t.due,
            owners: t.owners.clone(),
            created_at: None,
            closed_at: None,
        })
        .collect();
    (loaded, links)
}

#[test]
fn write_back_commits_once_as_the_bot_and_then_never_again() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init_repo(dir.path());
    let before = repo.head().unwrap().target().unwrap();
    let ws = Workspace::open(dir.path(), None).unwrap();

    let (loaded, links) = links_for(&ws);
    assert_eq!(loaded.len(), 1);
    assert_eq!(links.len(), 3);
    let summary = run(&ws, &loaded, &links, today(), true).unwrap();
    assert_eq!(summary.written, ["postmortems/2024-01-db.md"]);
    assert!(summary.stale.is_empty());
    let oid = summary.commit.expect("a commit");

    let commit = repo
        .find_commit(git2::Oid::from_str(&oid).unwrap())
        .unwrap();
    assert_eq!(repo.head().unwrap().target().unwrap().to_string(), oid);
    assert_eq!(commit.parent_id(0).unwrap(), before);
    assert_eq!(commit.author().name().unwrap(), "pmtrack[bot]");
    assert_eq!(
        commit.committer().email().unwrap(),
        "pmtrack[bot]@users.noreply.github.com"
    );
    let message = commit.message().unwrap();
    assert!(message.contains("postmortems/2024-01-db.md"), "{message}");
    assert!(message.ends_with("[skip ci]"), "{message}");
    // Only the postmortem is in the commit.
    let diff = repo
        .diff_tree_to_tree(
            Some(&repo.find_commit(before).unwrap().tree().unwrap()),
            Some(&commit.tree().unwrap()),
            None,
        )
        .unwrap();
    assert_eq!(diff.deltas().len(), 1);

    let written = std::fs::read_to_string(dir.path().join("postmortems/2024-01-db.md")).unwrap();
    assert!(written.contains(
        "- [ ] Add replication lag alerts @alice due 2024-02-01 ([#10](https://github.com/acme/db/issues/10))\r\n"
    ));
    // Ticked, and the hard break's trailing spaces stay last.
    assert!(written.contains(
        "- [x] Document the failover runbook ([#11](https://github.com/acme/db/issues/11))  \r\n"
    ));
    assert!(
        written.contains("**overdue since 2024-02-01**"),
        "{written}"
    );
    assert_eq!(
        written.matches('\n').count(),
        written.matches("\r\n").count()
    );

    // Second run, with the documents read again: nothing to do.
    let (loaded, _) = links_for(&ws);
    let again = run(&ws, &loaded, &links, today(), true).unwrap();
    assert!(
        again.written.is_empty() && again.commit.is_none(),
        "{again:?}"
    );
    assert_eq!(repo.head().unwrap().target().unwrap().to_string(), oid);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("postmortems/2024-01-db.md")).unwrap(),
        written
    );
    // A day later nothing changed: the block tells state, not days, so
    // there is nothing to write and no commit.
    let next_day = today().succ_opt().unwrap();
    let later = run(&ws, &loaded, &links, next_day, true).unwrap();
    assert!(
        later.written.is_empty() && later.commit.is_none(),
        "{later:?}"
    );
    let text = std::fs::read_to_string(dir.path().join("postmortems/2024-01-db.md")).unwrap();
    assert_eq!(text, written);
    assert!(text.contains("updated 2024-03-01"));
}

#[test]
fn a_file_changed_since_it_was_read_is_reported_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init_repo(dir.path());
    let before = repo.head().unwrap().target().unwrap();
    let ws = Workspace::open(dir.path(), None).unwrap();
    let (loaded, links) = links_for(&ws);
    let path = dir.path().join("postmortems/2024-01-db.md");
    let edited = format!("{DOC}- added by a person meanwhile\r\n");
    std::fs::write(&path, &edited).unwrap();

    let summary = run(&ws, &loaded, &links, today(), true).unwrap();
    assert_eq!(summary.stale, ["postmortems/2024-01-db.md"]);
    assert!(summary.written.is_empty() && summary.commit.is_none());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), edited);
    assert_eq!(repo.head().unwrap().target().unwrap(), before);
}

#[test]
fn without_commit_the_file_is_written_but_not_committed() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init_repo(dir.path());
    let before = repo.head().unwrap().target().unwrap();
    let ws = Workspace::open(dir.path(), None).unwrap();
    let (loaded, links) = links_for(&ws);
    let summary = run(&ws, &loaded, &links, today(), false).unwrap();
    assert_eq!(summary.written.len(), 1);
    assert!(summary.commit.is_none());
    assert_eq!(repo.head().unwrap().target().unwrap(), before);
    let st = repo
        .status_file(Path::new("postmortems/2024-01-db.md"))
        .unwrap();
    assert!(st.is_wt_modified());
}
