//! The GitHub Action's entry logic, run locally: scripts/action.sh with the
//! variables the Actions runner sets (`GITHUB_ACTIONS`, `GITHUB_EVENT_PATH`
//! pointing at a real push payload from ../shared, `GITHUB_REPOSITORY`,
//! `GITHUB_STEP_SUMMARY`, `GITHUB_OUTPUT`) driving the real binary against
//! the fake GitHub and a temporary git repository whose `origin` is a local
//! bare repository. Also the script's offline pieces (runner → target
//! triple, sha256-verified install from a release served on 127.0.0.1, the
//! push retry, the one write-back pull request with a stand-in `gh`), and
//! `pmtrack check` in Actions (annotations, summary, exit code).

use crate::support::fake_github::FakeGitHub;
use git2::{Repository, RepositoryInitOptions, Signature};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const TOKEN: &str = "ghs_action_token_456";

/// Two documents: a file name with a comma (escaped as `%2C` in the
/// annotation's `file=`) and a title with `%` (escaped as `%25`).
const DB: &str = "# Database outage

**Start Time:** 2024-01-10

## Action Items

- [ ] Cut p99 replica lag by 50% @alice (due 2024-02-01)
- [ ] Write the failover runbook (due 2024-03-10)
- [ ] Rotate the database credentials P1
";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn script() -> PathBuf {
    root().join("scripts/action.sh")
}

fn binary() -> PathBuf {
    assert_cmd::cargo::cargo_bin("pmtrack")
}

/// The real push payload, or `None` (the test is skipped with a message)
/// when ../shared is not beside the project; under CI its absence fails.
fn push_event() -> Option<PathBuf> {
    let p = root().join("../shared/github-api/events/push.branch.json");
    if p.is_file() {
        return Some(p);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is missing: CI must have ../shared beside the project",
        p.display()
    );
    eprintln!("skipped: {} is not there", p.display());
    None
}

fn git(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .envs(git_env(dir))
        .output()
        .expect("git must be installed (the Action runs it)");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// No user or system git configuration; a fixed identity.
fn git_env(home: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("HOME", home.display().to_string()),
        ("GIT_CONFIG_NOSYSTEM", "1".into()),
        ("GIT_CONFIG_GLOBAL", "/dev/null".into()),
        ("GIT_TERMINAL_PROMPT", "0".into()),
        ("GIT_AUTHOR_NAME", "Human".into()),
        ("GIT_AUTHOR_EMAIL", "human@example.com".into()),
        ("GIT_COMMITTER_NAME", "Human".into()),
        ("GIT_COMMITTER_EMAIL", "human@example.com".into()),
    ]
}

/// `tmp/work` (branch `main`, one commit with `files`) whose `origin` is the
/// bare `tmp/origin.git`, already pushed.
fn repo_with_origin(tmp: &Path, files: &[(&str, &str)]) -> PathBuf {
    let origin = tmp.join("origin.git");
    let mut bare = RepositoryInitOptions::new();
    bare.bare(true).initial_head("main");
    Repository::init_opts(&origin, &bare).unwrap();
    let work = tmp.join("work");
    let mut opts = RepositoryInitOptions::new();
    opts.initial_head("main");
    let repo = Repository::init_opts(&work, &opts).unwrap();
    for (rel, text) in files {
        let p = work.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let mut index = repo.index().unwrap();
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = Signature::now("Human", "human@example.com").unwrap();
    repo.commit(Some("HEAD"), &sig, &sig, "add postmortems", &tree, &[])
        .unwrap();
    repo.remote("origin", origin.to_str().unwrap()).unwrap();
    git(&work, &["push", "-q", "origin", "main"]);
    work
}

fn origin_head(tmp: &Path, branch: &str) -> (String, String) {
    let bare = Repository::open_bare(tmp.join("origin.git")).unwrap();
    let c = bare
        .find_reference(&format!("refs/heads/{branch}"))
        .unwrap()
        .peel_to_commit()
        .unwrap();
    (
        c.id().to_string(),
        format!(
            "{} <{}>: {}",
            c.author().name().unwrap_or(""),
            c.author().email().unwrap_or(""),
            c.message().unwrap_or("")
        ),
    )
}

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

/// `bash -c 'source scripts/action.sh; <body>'` in `cwd`, with a clean
/// GitHub environment plus `envs`.
fn bash(cwd: &Path, body: &str, envs: &[(&str, String)]) -> Ran {
    let mut c = Command::new("bash");
    c.arg("-c")
        .arg(format!("source \"$1\"; {body}"))
        .arg("bash")
        .arg(script())
        .current_dir(cwd);
    for (k, _) in std::env::vars() {
        if k.starts_with("GITHUB_")
            || k.starts_with("GH_")
            || k.starts_with("PMTRACK_")
            || k.starts_with("RUNNER_")
        {
            c.env_remove(k);
        }
    }
    c.envs(git_env(cwd));
    for (k, v) in envs {
        c.env(k, v);
    }
    if envs
        .iter()
        .any(|(k, _)| *k == "RUNNER_WITHOUT_GIT_IDENTITY")
    {
        // As on GitHub's runners: no identity at all.
        for k in [
            "GIT_AUTHOR_NAME",
            "GIT_AUTHOR_EMAIL",
            "GIT_COMMITTER_NAME",
            "GIT_COMMITTER_EMAIL",
        ] {
            c.env_remove(k);
        }
    }
    let out = c.output().unwrap();
    let ran = Ran {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into(),
        stderr: String::from_utf8_lossy(&out.stderr).into(),
    };
    assert!(
        !ran.stdout.contains(TOKEN) && !ran.stderr.contains(TOKEN),
        "the token was printed:\n{}\n{}",
        ran.stdout,
        ran.stderr
    );
    ran
}

/// The variables the Actions runner sets for a step running the Action
/// with `command` on `event_name` (payload at `event`), against `gh`, with
/// the outputs file `output` and the ETag cache in `tmp`.
fn runner_env(
    gh: &FakeGitHub,
    tmp: &Path,
    event_name: &str,
    event: &Path,
    output: &Path,
    command: &str,
) -> Vec<(&'static str, String)> {
    vec![
        ("GITHUB_ACTIONS", "true".to_string()),
        ("GITHUB_EVENT_NAME", event_name.to_string()),
        ("GITHUB_EVENT_PATH", event.display().to_string()),
        ("GITHUB_REPOSITORY", "o/r".into()),
        ("GITHUB_REF", "refs/heads/main".into()),
        ("GITHUB_API_URL", gh.url()),
        ("GITHUB_SERVER_URL", gh.url()),
        ("GITHUB_OUTPUT", output.display().to_string()),
        ("PMTRACK_BIN", binary().display().to_string()),
        ("PMTRACK_COMMAND", command.to_string()),
        ("PMTRACK_TOKEN", TOKEN.to_string()),
        ("PMTRACK_WRITE_INTERVAL", "0".into()),
        ("PMTRACK_MAX_WAIT", "3".into()),
        (
            "PMTRACK_ETAG_CACHE",
            tmp.join("etags.json").display().to_string(),
        ),
    ]
}

#[test]
fn the_action_syncs_pushes_the_write_back_and_reports_with_outputs_summary_and_annotations() {
    let Some(event) = push_event() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let doc = "postmortems/2024-01-10-db,eu.md";
    let work = repo_with_origin(tmp.path(), &[(doc, DB)]);
    let gh = FakeGitHub::for_o_r(TOKEN);
    let summary = tmp.path().join("summary.md");
    let output = tmp.path().join("output");
    let actions = |command: &str, extra: &[(&str, String)]| {
        let mut envs = runner_env(&gh, tmp.path(), "push", &event, &output, command);
        envs.push(("GITHUB_STEP_SUMMARY", summary.display().to_string()));
        envs.extend(extra.iter().cloned());
        bash(&work, "main", &envs)
    };

    // sync + commit: issues made, the write-back commit pushed to origin.
    let (before, _) = origin_head(tmp.path(), "main");
    let ran = actions("sync", &[("PMTRACK_COMMIT", "true".into())]);
    assert_eq!(
        ran.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        ran.stdout, ran.stderr
    );
    assert_eq!(gh.item_issues("o", "r").len(), 3);
    let (after, commit) = origin_head(tmp.path(), "main");
    assert_ne!(before, after, "the write-back commit was not pushed");
    assert!(commit.starts_with("pmtrack[bot]"), "{commit}");
    assert!(commit.contains("[skip ci]"), "{commit}");
    let pushed = std::fs::read_to_string(work.join(doc)).unwrap();
    assert!(pushed.contains("pmtrack:status:begin"), "{pushed}");
    let out = std::fs::read_to_string(&output).unwrap();
    for line in [
        "created=3",
        "updated=0",
        "closed=0",
        "open=3",
        "remaining=0",
    ] {
        assert!(out.lines().any(|l| l == line), "{line} missing in:\n{out}");
    }
    // The sync's job summary: counts, then each issue made, linked.
    let sum = std::fs::read_to_string(&summary).unwrap();
    assert!(sum.contains("## pmtrack sync of o/r\n\n3 created"), "{sum}");
    assert!(sum.contains("- created [#1]("), "{sum}");
    std::fs::write(&summary, "").unwrap();

    // report --post --fail-on-overdue: exit 1, with outputs, summary and
    // escaped annotations.
    std::fs::write(&output, "").unwrap();
    let ran = actions(
        "report",
        &[(
            "PMTRACK_ARGS",
            "--post --fail-on-overdue --as-of 2024-03-01".into(),
        )],
    );
    assert_eq!(
        ran.code, 1,
        "stdout:\n{}\nstderr:\n{}",
        ran.stdout, ran.stderr
    );
    assert!(
        ran.stderr.contains("2 overdue action items"),
        "{}",
        ran.stderr
    );
    let out = std::fs::read_to_string(&output).unwrap();
    assert_eq!(
        out, "open=3\noverdue=2\ncreated=1\nupdated=2\nclosed=0\n",
        "two issues labelled overdue, one report issue created"
    );
    let sum = std::fs::read_to_string(&summary).unwrap();
    assert!(
        sum.contains("## Postmortem follow-ups: weekly report\n\n```mermaid\nxychart-beta"),
        "{sum}"
    );
    assert!(sum.contains("| 3 | 2 | 0 |"), "{sum}");
    let annotation = ran
        .stdout
        .lines()
        .find(|l| l.starts_with("::warning ") && l.contains("Cut p99"))
        .unwrap_or_else(|| panic!("no annotation in:\n{}", ran.stdout));
    assert_eq!(
        annotation,
        "::warning file=postmortems/2024-01-10-db%2Ceu.md,line=7,title=Overdue action item::Cut p99 replica lag by 50%25 @alice (due 2024-02-01) is 29 days overdue (due 2024-02-01); owner: alice; issue #1"
    );
    assert_eq!(
        ran.stdout
            .lines()
            .filter(|l| l.starts_with("::warning "))
            .count(),
        2
    );
    gh.assert_clean();
}

#[test]
fn the_weekly_run_writes_upstream_closes_back_in_one_commit_then_reports_and_settles() {
    let tmp = tempfile::tempdir().unwrap();
    let doc = "postmortems/2024-01-10-db.md";
    let work = repo_with_origin(tmp.path(), &[(doc, DB)]);
    let gh = FakeGitHub::for_o_r(TOKEN);
    let output = tmp.path().join("output");
    let event = tmp.path().join("schedule.json");
    std::fs::write(&event, r#"{"schedule": "0 8 * * 1"}"#).unwrap();
    let actions = |command: &str, extra: &[(&str, String)]| {
        let mut envs = runner_env(&gh, tmp.path(), "schedule", &event, &output, command);
        envs.push(("PMTRACK_TODAY", "2024-03-04".into()));
        envs.extend(extra.iter().cloned());
        let ran = bash(&work, "main", &envs);
        assert_eq!(
            ran.code, 0,
            "stdout:\n{}\nstderr:\n{}",
            ran.stdout, ran.stderr
        );
        ran
    };
    actions("sync", &[("PMTRACK_COMMIT", "true".into())]);
    let (synced, _) = origin_head(tmp.path(), "main");
    // A person closes one issue on GitHub; nothing is pushed.
    let n = gh
        .issues("o", "r")
        .iter()
        .find(|i| i["title"] == "Write the failover runbook")
        .unwrap()["number"]
        .as_u64()
        .unwrap();
    gh.close_issue("o", "r", n, "completed");

    std::fs::write(&output, "").unwrap();
    actions("weekly", &[]);
    let (weekly, commit) = origin_head(tmp.path(), "main");
    assert_ne!(weekly, synced, "the weekly write-back was not pushed");
    assert!(
        commit.starts_with("pmtrack[bot]") && commit.contains("[skip ci]"),
        "{commit}"
    );
    let bare = Repository::open_bare(tmp.path().join("origin.git")).unwrap();
    let head = bare
        .find_commit(git2::Oid::from_str(&weekly).unwrap())
        .unwrap();
    assert_eq!(head.parent_id(0).unwrap().to_string(), synced, "one commit");
    let text = std::fs::read_to_string(work.join(doc)).unwrap();
    assert!(text.contains("- [x] Write the failover runbook"), "{text}");
    assert!(text.contains("updated 2024-03-04"), "{text}");
    // The rolling report issue, and the outputs of both halves.
    assert!(gh.issues("o", "r").iter().any(|i| i["body"]
        .as_str()
        .unwrap_or("")
        .contains("<!-- pmtrack:report -->")));
    let out = std::fs::read_to_string(&output).unwrap();
    for line in [
        "created=0",
        "updated=0",
        "closed=0",
        "remaining=0",
        "open=2",
        "overdue=2",
    ] {
        assert!(out.lines().any(|l| l == line), "{line} missing in:\n{out}");
    }
    assert_eq!(
        out.lines().filter(|l| l.starts_with("open=")).count(),
        1,
        "{out}"
    );

    // The next weekly run with nothing changed: no commit, no write.
    gh.reset_log();
    actions("weekly", &[]);
    assert_eq!(origin_head(tmp.path(), "main").0, weekly);
    assert!(
        gh.mutating_requests().is_empty(),
        "{:#?}",
        gh.mutating_requests()
    );
    gh.assert_clean();
}

#[test]
fn runners_map_to_release_targets_and_others_fall_back_to_source() {
    let tmp = tempfile::tempdir().unwrap();
    let ran = bash(
        tmp.path(),
        "for r in Linux/X64 Linux/ARM64 macOS/X64 macOS/ARM64; do target_triple \"${r%/*}\" \"${r#*/}\"; done; \
         target_triple Windows X64; target_triple Windows ARM64 || echo none; target_triple Linux ARM || echo none",
        &[],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(
        ran.stdout,
        "x86_64-unknown-linux-musl\naarch64-unknown-linux-musl\nx86_64-apple-darwin\naarch64-apple-darwin\nx86_64-pc-windows-msvc\nnone\nnone\n"
    );
    let ran = bash(
        tmp.path(),
        &format!("cargo_version {}", root().join("Cargo.toml").display()),
        &[],
    );
    assert_eq!(ran.stdout.trim(), env!("CARGO_PKG_VERSION"));
    let ran = bash(
        tmp.path(),
        "outputs_from_summary 'synced o/r: 3 created, 1 updated, 2 closed, 0 unchanged, 0 failed'; \
         outputs_from_summary 'synced o/r: 9 created, 0 updated, 0 closed, 0 unchanged, 0 failed, write budget reached: 12 writes remain (HTTP requests: 11)'; \
         outputs_from_summary 'nothing here'; for v in true TRUE Yes 1 false no ''; do is_true \"$v\" && echo y || echo n; done",
        &[],
    );
    assert_eq!(
        ran.stdout,
        "created=3\nupdated=1\nclosed=2\ncreated=9\nupdated=0\nclosed=0\nremaining=12\ny\ny\ny\ny\nn\nn\nn\n"
    );
}

/// Serves the files of `dir` over HTTP on 127.0.0.1 (404 for the rest).
pub(crate) fn serve(dir: PathBuf) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 4096];
            let n = s.read(&mut buf).unwrap_or(0);
            let req = String::from_utf8_lossy(&buf[..n]).to_string();
            let path = req.split_whitespace().nth(1).unwrap_or("/").to_string();
            let file = dir.join(path.trim_start_matches('/'));
            let (status, body) = match std::fs::read(&file) {
                Ok(b) if file.is_file() => ("200 OK", b),
                _ => ("404 Not Found", b"not found".to_vec()),
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(head.as_bytes());
            let _ = s.write_all(&body);
        }
    });
    url
}

/// A release `v9.9.9` with a stand-in binary for Linux x86_64, served on
/// 127.0.0.1; `tamper` spoils its checksum file.
fn release(tmp: &Path, tamper: bool) -> String {
    let name = "pmtrack-9.9.9-x86_64-unknown-linux-musl.tar.gz";
    let stage = tmp.join("stage");
    std::fs::create_dir_all(&stage).unwrap();
    std::fs::write(
        stage.join("pmtrack"),
        "#!/bin/sh\necho stand-in pmtrack \"$@\"\n",
    )
    .unwrap();
    let dir = tmp.join("site/releases/download/v9.9.9");
    std::fs::create_dir_all(&dir).unwrap();
    let status = Command::new("tar")
        .args(["-czf"])
        .arg(dir.join(name))
        .args(["-C"])
        .arg(&stage)
        .arg("pmtrack")
        .status()
        .unwrap();
    assert!(status.success());
    let bytes = std::fs::read(dir.join(name)).unwrap();
    let mut hex: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if tamper {
        hex = hex.replacen(&hex[..1], if &hex[..1] == "0" { "1" } else { "0" }, 1);
    }
    std::fs::write(
        dir.join(format!("{name}.sha256")),
        format!("{hex}  {name}\n"),
    )
    .unwrap();
    serve(tmp.join("site"))
}

/// PATH without any folder holding `cargo`, so the source fallback cannot
/// build (and says so) instead of compiling pmtrack.
fn path_without_cargo() -> String {
    std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .filter(|d| !Path::new(d).join("cargo").exists())
        .collect::<Vec<_>>()
        .join(":")
}

fn install_env(tmp: &Path, base: &str) -> Vec<(&'static str, String)> {
    vec![
        ("RUNNER_OS", "Linux".into()),
        ("RUNNER_ARCH", "X64".into()),
        ("RUNNER_TEMP", tmp.join("runner").display().to_string()),
        ("PMTRACK_VERSION", "v9.9.9".into()),
        ("PMTRACK_ACTION_REPOSITORY", "o/pmtrack".into()),
        (
            "PMTRACK_ACTION_PATH",
            tmp.join("nowhere").display().to_string(),
        ),
        ("PMTRACK_DOWNLOAD_BASE", format!("{base}/releases/download")),
        ("PATH", path_without_cargo()),
    ]
}

#[test]
fn a_verified_release_asset_is_installed_and_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let base = release(tmp.path(), false);
    let ran = bash(
        tmp.path(),
        "install_pmtrack; \"$PMTRACK_PATH\" --version",
        &install_env(tmp.path(), &base),
    );
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    assert_eq!(ran.stdout, "stand-in pmtrack --version\n");
    assert!(ran.stderr.contains("sha256 verified"), "{}", ran.stderr);
    assert!(tmp.path().join("runner/pmtrack-9.9.9/pmtrack").is_file());
}

#[test]
fn a_sha256_mismatch_stops_the_install_and_nothing_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let base = release(tmp.path(), true);
    let ran = bash(
        tmp.path(),
        "install_pmtrack; echo RAN \"$PMTRACK_PATH\"",
        &install_env(tmp.path(), &base),
    );
    assert_eq!(ran.code, 1, "{}\n{}", ran.stdout, ran.stderr);
    assert!(!ran.stdout.contains("RAN"), "{}", ran.stdout);
    assert!(
        ran.stdout.contains(
            "::error title=pmtrack action::the downloaded pmtrack 9.9.9 failed its sha256 check"
        ),
        "{}",
        ran.stdout
    );
    assert!(ran.stderr.contains("sha256 mismatch"), "{}", ran.stderr);
    assert!(!tmp.path().join("runner/pmtrack-9.9.9/pmtrack").exists());
}

#[test]
fn no_asset_for_the_version_falls_back_to_building_the_tagged_source() {
    let tmp = tempfile::tempdir().unwrap();
    let base = release(tmp.path(), false);
    let mut env = install_env(tmp.path(), &base);
    env.retain(|(k, _)| *k != "PMTRACK_VERSION");
    env.push(("PMTRACK_VERSION", "1.0.0".into()));
    let ran = bash(tmp.path(), "install_pmtrack", &env);
    assert_eq!(ran.code, 1);
    assert!(
        ran.stderr.contains("no release asset pmtrack-1.0.0-"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stdout.contains("cargo is not installed"),
        "the source fallback was not reached: {}",
        ran.stdout
    );
    let ran = bash(tmp.path(), "install_pmtrack", &{
        let mut e = env.clone();
        e.push(("PMTRACK_VERSION", "not-a-version".into()));
        e
    });
    assert_eq!(ran.code, 1);
    assert!(
        ran.stdout.contains("is not a release version"),
        "{}",
        ran.stdout
    );
}

/// A commit in `work` touching `file`.
fn commit_change(work: &Path, file: &str, text: &str) {
    std::fs::write(work.join(file), text).unwrap();
    git(work, &["add", file]);
    git(work, &["commit", "-q", "-m", &format!("change {file}")]);
}

#[test]
fn a_rejected_push_is_rebased_once_and_pushed() {
    let tmp = tempfile::tempdir().unwrap();
    let work = repo_with_origin(tmp.path(), &[("a.md", "a\n")]);
    // Someone else pushes first.
    let other = tmp.path().join("other");
    git(
        tmp.path(),
        &[
            "clone",
            "-q",
            tmp.path().join("origin.git").to_str().unwrap(),
            "other",
        ],
    );
    commit_change(&other, "b.md", "b\n");
    git(&other, &["push", "-q", "origin", "main"]);
    commit_change(&work, "a.md", "a, written back\n");
    let ran = bash(
        &work,
        "push_branch main",
        &[
            ("PMTRACK_TOKEN", TOKEN.to_string()),
            ("RUNNER_WITHOUT_GIT_IDENTITY", "1".to_string()),
        ],
    );
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    assert!(
        ran.stderr
            .contains("push rejected: main moved on; rebasing"),
        "{}",
        ran.stderr
    );
    let bare = Repository::open_bare(tmp.path().join("origin.git")).unwrap();
    let head = bare
        .revparse_single("main")
        .unwrap()
        .peel_to_commit()
        .unwrap();
    assert_eq!(head.message().ok(), Some("change a.md\n"));
    assert_eq!(
        head.parent(0).unwrap().message().ok(),
        Some("change b.md\n")
    );
    // The rebased commit was committed by the bot (runners have no
    // identity of their own).
    assert_eq!(head.committer().name(), Ok("pmtrack[bot]"));
}

/// A push refused by a rule (a protected branch) is not mistaken for a
/// branch that moved on: a clear error, no rebase.
#[test]
fn a_protected_branch_refusal_is_an_error_that_says_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let work = repo_with_origin(tmp.path(), &[("a.md", "a\n")]);
    let hook = tmp.path().join("origin.git/hooks/pre-receive");
    std::fs::write(
        &hook,
        "#!/bin/sh\necho 'GH006: Protected branch update failed for refs/heads/main.' >&2\nexit 1\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    commit_change(&work, "a.md", "a, written back\n");
    let ran = bash(
        &work,
        "push_branch main",
        &[("PMTRACK_TOKEN", TOKEN.to_string())],
    );
    assert_eq!(ran.code, 1, "{}\n{}", ran.stdout, ran.stderr);
    assert!(ran.stdout.contains("::error title=pmtrack action::GitHub refused to push the write-back commit to main: the branch is protected"), "{}", ran.stdout);
    assert!(!ran.stderr.contains("rebasing"), "{}", ran.stderr);
}

/// A detached HEAD has no branch to push to: a clear error.
#[test]
fn a_detached_head_is_an_error_not_a_branch_named_head() {
    let tmp = tempfile::tempdir().unwrap();
    let work = repo_with_origin(tmp.path(), &[("a.md", "a\n")]);
    git(&work, &["checkout", "-q", "--detach"]);
    let ran = bash(
        &work,
        "current_branch",
        &[("GITHUB_REF", "refs/tags/v1.0.0".to_string())],
    );
    assert_eq!(ran.code, 1, "{}\n{}", ran.stdout, ran.stderr);
    assert!(ran.stdout.contains("detached HEAD"), "{}", ran.stdout);
}

#[test]
fn pull_request_mode_uses_one_branch_and_opens_one_pull_request() {
    let tmp = tempfile::tempdir().unwrap();
    let work = repo_with_origin(tmp.path(), &[("a.md", "a\n")]);
    // A stand-in `gh`: logs its arguments; `pr list` prints the number of
    // the pull request `pr create` made, if any.
    let bin = tmp.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let state = tmp.path().join("gh-state");
    let log = tmp.path().join("gh-log");
    std::fs::write(
        bin.join("gh"),
        format!(
            "#!/usr/bin/env bash\necho \"$*\" >> '{log}'\n[ -n \"$GH_TOKEN\" ] || exit 9\ncase \"$1 $2\" in\n  'pr list') cat '{state}' 2>/dev/null || true ;;\n  'pr create') echo 7 > '{state}' ;;\nesac\n",
            log = log.display(),
            state = state.display()
        ),
    )
    .unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(bin.join("gh"))
        .status()
        .unwrap();
    let env = [
        ("PMTRACK_TOKEN", TOKEN.to_string()),
        (
            "PATH",
            format!(
                "{}:{}",
                bin.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        ),
    ];
    commit_change(&work, "a.md", "links written back\n");
    let ran = bash(&work, "push_pull_request main", &env);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    let (first, _) = origin_head(tmp.path(), "pmtrack/write-back");
    commit_change(&work, "a.md", "more links written back\n");
    let ran = bash(&work, "push_pull_request main", &env);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    assert!(
        ran.stderr.contains("updated pull request #7"),
        "{}",
        ran.stderr
    );
    let (second, _) = origin_head(tmp.path(), "pmtrack/write-back");
    assert_ne!(first, second, "the branch follows the newest write-back");
    let calls = std::fs::read_to_string(&log).unwrap();
    assert_eq!(calls.matches("pr create").count(), 1, "{calls}");
    assert_eq!(
        calls.matches("pr list --head pmtrack/write-back").count(),
        2,
        "{calls}"
    );
    // The default branch itself was not touched.
    let (main, _) = origin_head(tmp.path(), "main");
    assert_ne!(main, second);
}

/// Where the repository forbids Actions to open pull requests, the branch
/// is pushed and the error says how to allow it or open it by hand; the
/// pull request's commit carries no `[skip ci]` (its checks must run).
#[test]
fn a_refused_pull_request_explains_the_setting_and_links_the_compare_view() {
    let tmp = tempfile::tempdir().unwrap();
    let work = repo_with_origin(tmp.path(), &[("a.md", "a\n")]);
    let bin = tmp.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(
        bin.join("gh"),
        "#!/usr/bin/env bash\ncase \"$1 $2\" in\n  'pr create') echo 'pull request create failed: GraphQL: GitHub Actions is not permitted to create or approve pull requests (createPullRequest)' >&2; exit 1 ;;\nesac\n",
    )
    .unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(bin.join("gh"))
        .status()
        .unwrap();
    std::fs::write(work.join("a.md"), "links\n").unwrap();
    git(&work, &["add", "a.md"]);
    git(
        &work,
        &[
            "commit",
            "-q",
            "-m",
            "pmtrack: update action items in a.md [skip ci]",
        ],
    );
    let env = [
        ("PMTRACK_TOKEN", TOKEN.to_string()),
        ("GITHUB_REPOSITORY", "o/r".to_string()),
        ("RUNNER_WITHOUT_GIT_IDENTITY", "1".to_string()),
        (
            "PATH",
            format!(
                "{}:{}",
                bin.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        ),
    ];
    let ran = bash(&work, "push_pull_request main", &env);
    assert_eq!(ran.code, 1, "{}\n{}", ran.stdout, ran.stderr);
    assert!(
        ran.stdout
            .contains("Allow GitHub Actions to create and approve pull requests"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout
            .contains("https://github.com/o/r/compare/main...pmtrack/write-back"),
        "{}",
        ran.stdout
    );
    let (_, commit) = origin_head(tmp.path(), "pmtrack/write-back");
    assert!(!commit.contains("[skip ci]"), "{commit}");
    assert!(
        commit.contains("pmtrack: update action items in a.md"),
        "{commit}"
    );
}

#[test]
fn check_in_actions_annotates_each_finding_and_exits_1() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("postmortems")).unwrap();
    std::fs::write(
        dir.join("postmortems/2024-03-10-api.md"),
        "# API outage\n\nDate: 2024-03-10\n\n## Action items\n\n- [ ] Cut errors by 50% @a due 2024-03-01\n- [ ] Write runbook\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("postmortems/2024-04-01-dns.md"),
        "# DNS\n\nAll fine.\n",
    )
    .unwrap();
    std::fs::write(dir.join(".pmtrack.yml"), "check:\n  require_owner: true\n").unwrap();
    let summary = dir.join("summary.md");
    let output = dir.join("output");
    let run = |d: &Path| {
        let mut c = assert_cmd::Command::cargo_bin("pmtrack").unwrap();
        for (k, _) in std::env::vars() {
            if k.starts_with("GITHUB_") || k.starts_with("PMTRACK_") {
                c.env_remove(k);
            }
        }
        let out = c
            .current_dir(d)
            .arg("check")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_OUTPUT", &output)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).to_string(),
        )
    };
    let (code, stdout) = run(dir);
    assert_eq!(code, 1, "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "postmortems/2024-03-10-api.md:7: \"Cut errors by 50% @a due 2024-03-01\" is due 2024-03-01, before the incident started (2024-03-10); fix the date",
            "postmortems/2024-03-10-api.md:8: \"Write runbook\" has no owner; add one (`@login`, or an Owner column)",
            "postmortems/2024-04-01-dns.md:1: no corrective-measures section; add one (e.g. `## Action items`) with at least one item like `- [ ] Add alerting @owner due 2024-05-01`",
            "::error file=postmortems/2024-03-10-api.md,line=7,title=pmtrack check::\"Cut errors by 50%25 @a due 2024-03-01\" is due 2024-03-01, before the incident started (2024-03-10); fix the date",
            "::error file=postmortems/2024-03-10-api.md,line=8,title=pmtrack check::\"Write runbook\" has no owner; add one (`@login`, or an Owner column)",
            "::error file=postmortems/2024-04-01-dns.md,line=1,title=pmtrack check::no corrective-measures section; add one (e.g. `## Action items`) with at least one item like `- [ ] Add alerting @owner due 2024-05-01`",
        ]
    );
    assert_eq!(
        std::fs::read_to_string(&output).unwrap(),
        "findings=3\nadvice=0\n"
    );
    let sum = std::fs::read_to_string(&summary).unwrap();
    assert!(
        sum.starts_with("## pmtrack check\n\nchecked 2 postmortems: 3 findings in 2\n"),
        "{sum}"
    );

    // Fixed: exit 0, no annotation.
    std::fs::write(
        dir.join("postmortems/2024-03-10-api.md"),
        "# API outage\n\nDate: 2024-03-10\n\n## Action items\n\n- [ ] Add alerts @a due 2024-03-20\n- [x] Write runbook\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("postmortems/2024-04-01-dns.md"),
        "# DNS\n\n## Action items\n\n- Review TTLs @b\n",
    )
    .unwrap();
    let (code, stdout) = run(dir);
    assert_eq!(code, 0, "{stdout}");
    assert!(!stdout.contains("::error"), "{stdout}");
}

/// docs/action.md shows the example workflows verbatim.
#[test]
fn the_workflows_in_docs_action_md_are_the_example_files() {
    let docs = std::fs::read_to_string(root().join("docs/action.md")).unwrap();
    for name in ["on-push", "weekly-report", "manual"] {
        let file =
            std::fs::read_to_string(root().join(format!("examples/workflows/{name}.yml"))).unwrap();
        let marker = format!("<!-- workflow:{name} -->\n```yaml\n");
        let start = docs.find(&marker).unwrap_or_else(|| panic!("no {marker}")) + marker.len();
        let end = start + docs[start..].find("\n```\n").unwrap() + 1;
        assert_eq!(
            &docs[start..end],
            file,
            "docs/action.md's copy of examples/workflows/{name}.yml is stale"
        );
    }
}

#[test]
fn in_actions_a_json_report_keeps_stdout_pure_json_and_annotates_on_stderr() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("postmortems")).unwrap();
    std::fs::write(dir.join("postmortems/2024-01-10-db.md"), DB).unwrap();
    let output = dir.join("output");
    let mut c = assert_cmd::Command::cargo_bin("pmtrack").unwrap();
    for (k, _) in std::env::vars() {
        if k.starts_with("GITHUB_") || k.starts_with("GH_") || k.starts_with("PMTRACK_") {
            c.env_remove(k);
        }
    }
    let out = c
        .current_dir(dir)
        .args(["report", "--format", "json", "--as-of", "2024-03-01"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &output)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(v["totals"]["overdue"], 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr
            .matches("::warning file=postmortems/2024-01-10-db.md,line=")
            .count(),
        2,
        "{stderr}"
    );
    let outputs = std::fs::read_to_string(&output).unwrap();
    assert!(
        outputs.starts_with("open=3\noverdue=2\ncreated=0\n"),
        "{outputs}"
    );
}

/// Cargo.toml's `repository` is the one place that names pmtrack's
/// repository: every `uses: …/pmtrack@` in the docs and examples follows it.
#[test]
fn every_uses_of_the_action_names_the_repository_in_cargo_toml() {
    let toml = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let repo = toml
        .lines()
        .find_map(|l| l.strip_prefix("repository = \""))
        .and_then(|v| v.strip_suffix('"'))
        .and_then(|u| u.strip_prefix("https://github.com/"))
        .expect("Cargo.toml names the repository");
    let mut files = vec![root().join("README.md")];
    for dir in ["docs", "examples/workflows"] {
        for e in std::fs::read_dir(root().join(dir)).unwrap() {
            files.push(e.unwrap().path());
        }
    }
    let mut seen = 0;
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for (i, _) in text.match_indices("/pmtrack@") {
            let start = text[..i]
                .rfind(|c: char| c.is_whitespace() || c == '`')
                .map_or(0, |p| p + 1);
            let named = &text[start..i + "/pmtrack".len()];
            assert_eq!(named, repo, "{} names {named}", f.display());
            seen += 1;
        }
    }
    assert!(seen >= 3, "no `uses:` of the action found");
}

/// A server that answers every request `401` (asking for Basic auth) and
/// keeps each request's `Authorization` headers; returns its URL.
fn recording_server(seen: std::sync::Arc<std::sync::Mutex<Vec<String>>>) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(8) {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 8192];
            let n = s.read(&mut buf).unwrap_or(0);
            let req = String::from_utf8_lossy(&buf[..n]).to_string();
            let auth: Vec<String> = req
                .lines()
                .filter(|l| l.to_ascii_lowercase().starts_with("authorization:"))
                .map(str::to_owned)
                .collect();
            seen.lock().unwrap().push(auth.join(" | "));
            let _ = s.write_all(
                b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"git\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    url
}

/// actions/checkout keeps its token as `http.<server>/.extraheader`; with it
/// the Action's push ran as GITHUB_TOKEN, not as the `token` input. The
/// Action's git sends no such header: only the token it was given.
#[test]
fn the_actions_own_pushes_use_its_token_not_checkouts_stored_header() {
    let tmp = tempfile::tempdir().unwrap();
    let work = repo_with_origin(tmp.path(), &[("a.md", "a\n")]);
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let server = recording_server(seen.clone());
    // What actions/checkout leaves with persist-credentials: true.
    git(
        &work,
        &[
            "config",
            &format!("http.{server}/.extraheader"),
            "AUTHORIZATION: basic c3RhbGUtY2hlY2tvdXQtdG9rZW4=",
        ],
    );
    let ran = bash(
        &work,
        &format!("git_auth ls-remote '{server}/o/r.git' || true"),
        &[
            ("PMTRACK_TOKEN", TOKEN.to_string()),
            ("GITHUB_SERVER_URL", server.clone()),
        ],
    );
    let seen = seen.lock().unwrap().clone();
    assert!(!seen.is_empty(), "git never asked: {}", ran.stderr);
    assert!(
        seen.iter()
            .all(|a| !a.contains("c3RhbGUtY2hlY2tvdXQtdG9rZW4=")),
        "checkout's stored header was sent: {seen:?}"
    );
    // x-access-token:<TOKEN>, base64: the Action's own token was offered.
    let expected = format!(
        "Basic {}",
        base64_encode(format!("x-access-token:{TOKEN}").as_bytes())
    );
    assert!(
        seen.iter().any(|a| a.contains(&expected)),
        "the token input was not offered: {seen:?}"
    );
}

/// Standard base64 (for the expected Basic credentials).
fn base64_encode(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// In a container job `github.action_path` is the host's path; only the
/// `GITHUB_ACTION_PATH` variable is right inside the container.
#[test]
fn the_action_finds_its_script_through_the_runner_variable() {
    let yml = std::fs::read_to_string(root().join("action.yml")).unwrap();
    assert!(!yml.contains("github.action_path"), "{yml}");
    assert!(yml.contains(r#"run: bash "$GITHUB_ACTION_PATH/scripts/action.sh""#));
}

/// Advice on how items are written is a warning annotation and never fails
/// the check; each rule can be switched off.
#[test]
fn check_advice_is_a_warning_and_never_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("postmortems")).unwrap();
    std::fs::write(
        dir.join("postmortems/2024-03-10-api.md"),
        "# API outage\n\nDate: 2024-03-10\n\n## Action items\n\n- [ ] Improve monitoring\n- [ ] Monitoring enhancements\n- [ ] Alert when the error rate exceeds 2% for 5 min\n",
    )
    .unwrap();
    let output = dir.join("output");
    let run = |d: &Path| {
        let mut c = assert_cmd::Command::cargo_bin("pmtrack").unwrap();
        for (k, _) in std::env::vars() {
            if k.starts_with("GITHUB_") || k.starts_with("PMTRACK_") {
                c.env_remove(k);
            }
        }
        let out = c
            .current_dir(d)
            .arg("check")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_OUTPUT", &output)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (code, stdout, stderr) = run(dir);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let advice: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains(": advice: "))
        .collect();
    assert_eq!(advice.len(), 2, "{stdout}");
    assert!(advice[0].starts_with(
        "postmortems/2024-03-10-api.md:7: advice: \"Improve monitoring\" is too general"
    ));
    assert!(advice[1].starts_with("postmortems/2024-03-10-api.md:8: advice: \"Monitoring enhancements\" does not say what to do"));
    assert_eq!(
        stdout
            .matches("::warning file=postmortems/2024-03-10-api.md")
            .count(),
        2,
        "{stdout}"
    );
    assert!(!stdout.contains("::error"), "{stdout}");
    assert!(
        stderr.contains("no findings; 2 pieces of advice"),
        "{stderr}"
    );
    assert!(std::fs::read_to_string(&output)
        .unwrap()
        .contains("advice=2\n"));
    // Switched off.
    std::fs::write(
        dir.join(".pmtrack.yml"),
        "check:\n  advice_action: false\n  advice_specific: false\n",
    )
    .unwrap();
    let (code, stdout, _) = run(dir);
    assert_eq!(code, 0);
    assert!(!stdout.contains("advice"), "{stdout}");
}

/// A new postmortem that promises what an open item of another one already
/// promised gets advice naming that item, its issue and its age; once that
/// item is done, nothing.
#[test]
fn check_warns_when_a_new_postmortem_promises_what_is_still_open_elsewhere() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("postmortems")).unwrap();
    let old = "# Certificate expiry\n\nDate: 2024-03-12\n\n## Action items\n\n- [ ] Automate certificate renewal (#41)\n- [ ] Rotate the database credentials\n";
    std::fs::write(dir.join("postmortems/2024-03-12-cert.md"), old).unwrap();
    std::fs::write(
        dir.join("postmortems/2024-11-20-tls.md"),
        "# TLS outage\n\nDate: 2024-11-20\n\n## Action items\n\n- [ ] Renew SSL certificates automatically @a due 2024-12-01\n- [ ] Add a TLS expiry dashboard @a due 2024-12-01\n",
    )
    .unwrap();
    let run = |d: &Path| {
        let mut c = assert_cmd::Command::cargo_bin("pmtrack").unwrap();
        for (k, _) in std::env::vars() {
            if k.starts_with("GITHUB_") || k.starts_with("PMTRACK_") {
                c.env_remove(k);
            }
        }
        let out = c
            .current_dir(d)
            .args(["check", "postmortems/2024-11-20-tls.md"])
            .env("PMTRACK_TODAY", "2024-11-27")
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).to_string(),
        )
    };
    let (code, stdout) = run(dir);
    assert_eq!(code, 0, "advice never fails: {stdout}");
    assert_eq!(
        stdout,
        "postmortems/2024-11-20-tls.md:7: advice: \"Renew SSL certificates automatically @a due 2024-12-01\" is already promised in postmortems/2024-03-12-cert.md:7 (#41, open for 260 days); link to that item, or say what is different this time\n"
    );
    // Done there: no advice.
    std::fs::write(
        dir.join("postmortems/2024-03-12-cert.md"),
        old.replace("- [ ] Automate", "- [x] Automate"),
    )
    .unwrap();
    let (code, stdout) = run(dir);
    assert_eq!((code, stdout.as_str()), (0, ""));
}
