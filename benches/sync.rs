//! Sync cost: the real `pmtrack` binary against the fake GitHub on
//! 127.0.0.1 (pacing off), for 1,000, 10,000 and 100,000 generated action
//! items. For each size it prints, for the first sync, a no-op resync right
//! after it (pages changed, so 200s) and a repeated no-op resync (304s):
//! HTTP requests, rate-limit points spent, wall time, pmtrack's CPU time
//! and its peak RSS (`/usr/bin/time`, when the machine has it).
//!
//! The fake renders every issue for every listing page (its cost grows with
//! pages × issues), so at 10,000 items its own work hides pmtrack's. The
//! no-op resyncs are therefore also run against a *replay* server that
//! serves the fake's exact issue objects from memory, in GitHub's pages,
//! with `Link`, `ETag` and 304s: those rows show pmtrack's own wall time.
//!
//! Past 20,000 items the fake's own listing would take hours, so only the
//! first sync runs against it and the no-op rows are the replay's.
//!
//! Targets: a no-op resync of 10,000 items makes ≤ 101 requests, spends 0
//! points when repeated, and takes < 2 s; of 100,000 items ≤ 1,001
//! requests, 0 points repeated, pmtrack's CPU < 5 s and peak RSS < 500 MB.
//!
//! Run: `cargo bench --bench sync` (optionally `-- 500 2000` for other
//! sizes). Under `cargo test` (no `--bench` argument) it runs one small size
//! as a smoke test.

#[path = "../tests/it/support/mod.rs"]
#[allow(dead_code, unused_imports)]
mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use support::fake_github::FakeGitHub;

/// Serves the managed-issue listing from memory, as GitHub pages it.
mod replay {
    use http_body_util::Full;
    use hyper::body::Bytes;
    use serde_json::Value;
    use std::hash::{Hash, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;

    /// The running server (stops when dropped).
    pub struct Replay {
        pub url: String,
        /// Requests answered.
        pub requests: Arc<AtomicU64>,
        /// Requests that were not 304s.
        pub points: Arc<AtomicU64>,
        stop: Option<tokio::sync::oneshot::Sender<()>>,
        thread: Option<std::thread::JoinHandle<()>>,
    }

    impl Drop for Replay {
        fn drop(&mut self) {
            if let Some(s) = self.stop.take() {
                let _ = s.send(());
            }
            if let Some(t) = self.thread.take() {
                let _ = t.join();
            }
        }
    }

    /// Page `n` (1-based): body, ETag, and the number of pages.
    struct Pages {
        bodies: Vec<(Bytes, String)>,
    }

    pub fn start(issues: Vec<Value>) -> Replay {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let bodies = issues
            .chunks(100)
            .map(|c| {
                let body = serde_json::to_vec(c).unwrap();
                let mut h = std::hash::DefaultHasher::new();
                body.hash(&mut h);
                (Bytes::from(body), format!("\"{:016x}\"", h.finish()))
            })
            .collect();
        let pages = Arc::new(Pages { bodies });
        let (requests, points) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (r, p, base) = (requests.clone(), points.clone(), url.clone());
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let mut stopped = stopped;
                loop {
                    let stream = tokio::select! {
                        _ = &mut stopped => return,
                        a = listener.accept() => match a { Ok((s, _)) => s, Err(_) => continue },
                    };
                    let (pages, r, p, base) = (pages.clone(), r.clone(), p.clone(), base.clone());
                    tokio::spawn(async move {
                        let svc = hyper::service::service_fn(move |req| {
                            let answer = answer(&pages, &base, &req);
                            r.fetch_add(1, Ordering::SeqCst);
                            if answer.status() != 304 {
                                p.fetch_add(1, Ordering::SeqCst);
                            }
                            async move { Ok::<_, std::convert::Infallible>(answer) }
                        });
                        let io = hyper_util::rt::TokioIo::new(stream);
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(io, svc)
                            .await;
                    });
                }
            });
        });
        Replay {
            url,
            requests,
            points,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    fn answer<B>(
        pages: &Pages,
        base: &str,
        req: &hyper::Request<B>,
    ) -> hyper::Response<Full<Bytes>> {
        if req.method() != hyper::Method::GET {
            let body = Bytes::from_static(b"{\"message\": \"replay serves the listing only\"}");
            return hyper::Response::builder()
                .status(500)
                .body(Full::new(body))
                .unwrap();
        }
        let query = req.uri().query().unwrap_or("");
        let page: usize = query
            .split('&')
            .find_map(|p| p.strip_prefix("page="))
            .and_then(|n| n.parse().ok())
            .unwrap_or(1);
        let last = pages.bodies.len().max(1);
        let empty = (Bytes::from_static(b"[]"), "\"empty\"".to_string());
        let (body, etag) = pages.bodies.get(page - 1).cloned().unwrap_or(empty);
        let mut resp = hyper::Response::builder()
            .header("content-type", "application/json; charset=utf-8")
            .header("etag", &etag)
            .header("x-ratelimit-remaining", "4999")
            .header("x-ratelimit-reset", "9999999999");
        // GitHub's rels and order: prev, next, last, first.
        let at = |n: usize| {
            format!(
                "<{base}/repositories/1/issues?state=all&labels=postmortem&per_page=100&sort=created&direction=asc&page={n}>"
            )
        };
        let mut links = Vec::new();
        if page > 1 {
            links.push(format!("{}; rel=\"prev\"", at(page - 1)));
        }
        if page < last {
            links.push(format!("{}; rel=\"next\"", at(page + 1)));
            links.push(format!("{}; rel=\"last\"", at(last)));
        }
        if page > 1 {
            links.push(format!("{}; rel=\"first\"", at(1)));
        }
        if !links.is_empty() {
            resp = resp.header("link", links.join(", "));
        }
        let inm = req
            .headers()
            .get("if-none-match")
            .and_then(|v| v.to_str().ok());
        if inm == Some(etag.as_str()) {
            return resp.status(304).body(Full::new(Bytes::new())).unwrap();
        }
        resp.status(200).body(Full::new(body)).unwrap()
    }
}

const TOKEN: &str = "bench-token";
const PER_DOC: usize = 100;

/// Writes `n` items as postmortems of 100 items each, and a config whose
/// write budget lets the first sync create them all in one run. Tracking
/// issues are off: these rows measure the items (with them on, the listing
/// holds one more issue per postmortem, here 1 %, and the first sync one
/// more write per item, its link).
fn write_docs(root: &Path, n: usize) {
    std::fs::write(
        root.join(".pmtrack.yml"),
        format!(
            "tracking_issue: false\ngithub:\n  max_writes: {}\n",
            n + 100
        ),
    )
    .unwrap();
    let dir = root.join("postmortems");
    std::fs::create_dir_all(&dir).unwrap();
    for (doc, start) in (0..n).step_by(PER_DOC).enumerate() {
        let mut text =
            format!("# Incident {doc}\n\n**Start Time:** 2024-01-10\n\n## Action Items\n\n");
        for i in start..(start + PER_DOC).min(n) {
            text.push_str(&format!(
                "- [ ] Harden component {i} of incident {doc} against overload\n"
            ));
        }
        std::fs::write(dir.join(format!("2024-01-10-incident-{doc:04}.md")), text).unwrap();
    }
}

struct Measured {
    requests: usize,
    points: u64,
    wall: Duration,
    /// CPU time of the pmtrack process (Linux only).
    cpu: Option<Duration>,
    /// Peak resident memory of the pmtrack process, KiB.
    rss_kib: Option<u64>,
}

/// User + system CPU time of this process's waited-for children, from
/// `/proc/self/stat` (fields 16 and 17, in clock ticks of 1/100 s).
fn children_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(13)?.parse::<u64>().ok()? + fields.get(14)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

fn sync(gh: &FakeGitHub, root: &Path, cache: &Path) -> Measured {
    gh.reset_log();
    let mut m = run_pmtrack(&gh.url(), &gh.url(), root, cache);
    m.requests = gh.requests().len();
    m.points = gh.rate_points_spent();
    m
}

fn sync_replay(r: &replay::Replay, gh: &FakeGitHub, root: &Path, cache: &Path) -> Measured {
    let (req0, pts0) = (
        r.requests.load(Ordering::SeqCst),
        r.points.load(Ordering::SeqCst),
    );
    // Same server URL as with the fake, so issue bodies (with their links)
    // are unchanged and the resync is a no-op.
    let mut m = run_pmtrack(&r.url, &gh.url(), root, cache);
    m.requests = (r.requests.load(Ordering::SeqCst) - req0) as usize;
    m.points = r.points.load(Ordering::SeqCst) - pts0;
    m
}

/// Runs `pmtrack sync` against `url`; requests and points are filled in by
/// the caller.
fn run_pmtrack(url: &str, server_url: &str, root: &Path, cache: &Path) -> Measured {
    let cpu0 = children_cpu();
    let start = Instant::now();
    // Peak RSS from `/usr/bin/time` when the machine has it.
    let time = Path::new("/usr/bin/time");
    let rss_file = root.join(".pmtrack-bench-rss");
    let mut cmd = if time.exists() {
        let mut c = Command::new(time);
        c.arg("-o")
            .arg(&rss_file)
            .args(["-f", "%M"])
            .arg(env!("CARGO_BIN_EXE_pmtrack"));
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_pmtrack"))
    };
    let out = cmd
        .current_dir(root)
        .env_remove("GITHUB_REPOSITORY")
        .env_remove("GITHUB_API_URL")
        .env_remove("GITHUB_EVENT_PATH")
        .env_remove("GH_TOKEN")
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_SERVER_URL", server_url)
        .env("PMTRACK_WRITE_INTERVAL", "0")
        .env("PMTRACK_ETAG_CACHE", cache)
        .args(["sync", "--api-url", url, "--repo", "o/r"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let wall = start.elapsed();
    let cpu = children_cpu().zip(cpu0).map(|(b, a)| b.saturating_sub(a));
    assert!(
        out.status.success(),
        "sync failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let rss_kib = std::fs::read_to_string(&rss_file)
        .ok()
        .and_then(|t| t.lines().last().and_then(|l| l.trim().parse().ok()));
    let _ = std::fs::remove_file(&rss_file);
    Measured {
        requests: 0,
        points: 0,
        wall,
        cpu,
        rss_kib,
    }
}

/// The fake's own time to build every listing page once (no HTTP).
fn fake_listing_time(gh: &FakeGitHub, n: usize) -> Duration {
    let start = Instant::now();
    for page in 1..=n.div_ceil(100) {
        let path = format!(
            "/repos/o/r/issues?state=all&labels=postmortem&per_page=100&sort=created&direction=asc&page={page}"
        );
        let (status, _) = gh.act("GET", &path, serde_json::Value::Null);
        assert_eq!(status, 200);
    }
    start.elapsed()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let benching = args.iter().any(|a| a == "--bench");
    let mut sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    if sizes.is_empty() {
        sizes = if benching {
            vec![1_000, 10_000, 100_000]
        } else {
            vec![120]
        };
    }
    println!(
        "{:>7}  {:<20} {:>9} {:>7} {:>9} {:>13} {:>14}",
        "items", "run", "requests", "points", "wall", "pmtrack CPU", "peak RSS"
    );
    for n in sizes {
        let gh = FakeGitHub::start();
        gh.add_repo("o", "r");
        gh.set_token(TOKEN);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        // Far above GitHub's 5,000/hour: the bench measures pmtrack, not waits.
        gh.set_rate_limit(10_000_000, now + 3600);
        let root = tempfile::tempdir().unwrap();
        let cache = tempfile::tempdir().unwrap();
        let cache = cache.path().join("etags.json");
        write_docs(root.path(), n);
        // The fake renders every issue for every page: past 20,000 items
        // its no-op listings would take hours.
        let small = n <= 20_000;
        let mut runs = vec![("first sync", sync(&gh, root.path(), &cache))];
        if small {
            runs.push(("no-op resync", sync(&gh, root.path(), &cache)));
            runs.push(("no-op again (304s)", sync(&gh, root.path(), &cache)));
        }
        let issues = gh.issues("o", "r");
        assert_eq!(issues.len(), n, "one issue per item");
        let replay = replay::start(issues);
        let replay_cache = cache.with_file_name("etags-replay.json");
        let replayed = [
            (
                "no-op (replay)",
                sync_replay(&replay, &gh, root.path(), &replay_cache),
            ),
            (
                "no-op again (replay)",
                sync_replay(&replay, &gh, root.path(), &replay_cache),
            ),
        ];
        for (what, m) in runs.iter().chain(&replayed) {
            let cpu = m
                .cpu
                .map_or_else(|| "n/a".to_string(), |c| format!("{:.2}s", c.as_secs_f64()));
            let rss = m.rss_kib.map_or_else(
                || "n/a".to_string(),
                |k| format!("{:.1} MB", k as f64 / 1024.0),
            );
            println!(
                "{n:>7}  {what:<20} {:>9} {:>7} {:>8.2}s {cpu:>13} {rss:>14}",
                m.requests,
                m.points,
                m.wall.as_secs_f64()
            );
        }
        let pages = n.div_ceil(100);
        if small {
            let (noop, again) = (&runs[1].1, &runs[2].1);
            assert!(
                noop.requests <= pages + 1,
                "no-op resync: {} requests",
                noop.requests
            );
            assert_eq!(again.points, 0, "a repeated no-op resync must be free");
        }
        let (noop, again) = (&replayed[0].1, &replayed[1].1);
        assert!(
            noop.requests <= pages + 1,
            "replayed no-op: {} requests",
            noop.requests
        );
        assert_eq!(again.points, 0, "a repeated replayed no-op must be free");
        if small {
            println!(
                "{n:>7}  (the fake server alone needs {:.2}s to build the {pages} listing pages)",
                fake_listing_time(&gh, n).as_secs_f64()
            );
        }
        gh.assert_clean();
    }
}
