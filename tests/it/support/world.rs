//! A test world shared by the end-to-end tests: the fake GitHub with `o/r`,
//! a token and collaborator `alice`, a folder of postmortems, an ETag cache
//! folder, and the real `pmtrack` binary run with a clean environment.
//! Test modules add their own `impl World` helpers.
#![allow(dead_code)]

use super::fake_github::FakeGitHub;
use assert_cmd::Command;
use serde_json::Value;
use std::path::PathBuf;

/// The token the fake accepts (and which must never be printed).
pub const TOKEN: &str = "ghp_test_token_123";

/// The fake, the postmortems' folder and the cache folder.
pub struct World {
    /// The fake GitHub.
    pub gh: FakeGitHub,
    /// Where the postmortems are written (the binary's working folder).
    pub dir: tempfile::TempDir,
    /// Holds the ETag cache file.
    pub cache: tempfile::TempDir,
}

/// What one run of the binary printed and returned.
pub struct Run {
    /// Exit code (-1 when killed).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl World {
    /// A fake that knows `o/r`, [`TOKEN`] and `alice`, and an empty folder.
    pub fn new() -> World {
        World::with(FakeGitHub::for_o_r(TOKEN))
    }

    /// Folders around a fake set up by the caller.
    pub fn with(gh: FakeGitHub) -> World {
        World {
            gh,
            dir: tempfile::tempdir().unwrap(),
            cache: tempfile::tempdir().unwrap(),
        }
    }

    /// Write `text` at `rel` under the folder.
    pub fn write(&self, rel: &str, text: &str) {
        let p = self.dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// The ETag cache file the runs use.
    pub fn cache_file(&self) -> PathBuf {
        self.cache.path().join("etags.json")
    }

    /// The binary with a clean environment, no pacing, short waits.
    pub fn cmd(&self, token: Option<&str>) -> Command {
        let mut c = Command::cargo_bin("pmtrack").unwrap();
        for (k, _) in std::env::vars() {
            if k.starts_with("GITHUB_") || k.starts_with("GH_") || k.starts_with("PMTRACK_") {
                c.env_remove(k);
            }
        }
        c.current_dir(self.dir.path())
            .env("PMTRACK_WRITE_INTERVAL", "0")
            .env("PMTRACK_MAX_WAIT", "3")
            .env("PMTRACK_ETAG_CACHE", self.cache_file())
            // The fake's issues say they live on github.com (`html_url`).
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("NO_COLOR", "1");
        if let Some(t) = token {
            c.env("GITHUB_TOKEN", t);
        }
        c
    }

    /// `pmtrack sync --api-url <fake> --repo o/r <args>` started in the
    /// background with the token, writes `interval` seconds apart.
    pub fn spawn_sync(&self, interval: &str, args: &[&str]) -> std::process::Child {
        let url = self.gh.url();
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("pmtrack"));
        for (k, _) in std::env::vars() {
            if k.starts_with("GITHUB_") || k.starts_with("GH_") || k.starts_with("PMTRACK_") {
                c.env_remove(k);
            }
        }
        c.current_dir(self.dir.path())
            .env("GITHUB_TOKEN", TOKEN)
            .env("PMTRACK_WRITE_INTERVAL", interval)
            .env("PMTRACK_MAX_WAIT", "3")
            .env("PMTRACK_ETAG_CACHE", self.cache_file())
            // The fake's issues say they live on github.com (`html_url`).
            .env("GITHUB_SERVER_URL", "https://github.com")
            .args(["sync", "--api-url", &url, "--repo", "o/r"])
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// Run `pmtrack <args>`; fails the test if the token was printed.
    pub fn run(&self, token: Option<&str>, args: &[&str]) -> Run {
        let out = self.cmd(token).args(args).output().unwrap();
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into(),
            stderr: String::from_utf8_lossy(&out.stderr).into(),
        };
        assert!(
            !run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN),
            "the token was printed:\n{}\n{}",
            run.stdout,
            run.stderr
        );
        run
    }

    /// The action items' issues in `o/r` (tracking issues left out: see
    /// [`World::tracking_issues`]).
    pub fn issues(&self) -> Vec<Value> {
        self.gh
            .issues("o", "r")
            .into_iter()
            .filter(|i| !is_tracking(i))
            .collect()
    }

    /// The postmortems' tracking issues in `o/r`.
    pub fn tracking_issues(&self) -> Vec<Value> {
        self.gh
            .issues("o", "r")
            .into_iter()
            .filter(is_tracking)
            .collect()
    }

    /// `pmtrack sync --api-url <fake> --repo o/r <args>` with the token.
    pub fn sync_args(&self, args: &[&str]) -> Run {
        let url = self.gh.url();
        let mut all = vec!["sync", "--api-url", &url, "--repo", "o/r"];
        all.extend_from_slice(args);
        self.run(Some(TOKEN), &all)
    }

    /// Marker keys of the fake's issues, with how many issues hold each.
    pub fn issues_per_key(&self) -> std::collections::BTreeMap<String, usize> {
        let mut out = std::collections::BTreeMap::new();
        for i in self.issues() {
            let body = i["body"].as_str().unwrap_or("");
            let key = body
                .split("key=")
                .nth(1)
                .and_then(|r| r.split_whitespace().next())
                .unwrap_or("")
                .to_owned();
            *out.entry(key).or_default() += 1;
        }
        out
    }
}

/// A postmortem's tracking issue (its marker says `kind=tracking`).
pub fn is_tracking(issue: &Value) -> bool {
    issue["body"]
        .as_str()
        .is_some_and(|b| b.contains("<!-- pmtrack kind=tracking "))
}
