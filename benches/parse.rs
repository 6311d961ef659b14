//! Parse throughput: pmtrack's parser next to a bare pulldown-cmark pass over
//! the same bytes, on ≥ 10,000 generated postmortems built from varied
//! templates (ATX, setext, bold labels, plain text, tables, nested lists,
//! CRLF), calibrated on the labelled corpus (about 4 KB and 5 action items
//! per document, i.e. one item per ~780 bytes). Documents are generated and parsed one at a time (streamed), so
//! memory is bounded by the largest document, not the corpus: the peak RSS is
//! printed before and after to show it.
//!
//! Then end to end, as a user runs it: the `pmtrack` binary walking a folder
//! of 3,000 and 30,000 files (the labelled corpus cycled, one document per
//! file), reading, parsing and writing JSON, next to pulldown-cmark's own
//! binary rendering the same bytes from one file to HTML; best of 3 in one
//! run, order alternated; wall clock and CPU-time ratios, and peak RSS
//! (`/usr/bin/time`) of `parse`, `list` and `report` on the larger set.
//! pulldown-cmark's binary is taken from PATH or `target/bench-tools`, and
//! installed there (`cargo install pulldown-cmark`) by `cargo bench`.
//!
//! Run: `cargo bench --bench parse` (optionally `-- 20000` documents for
//! the in-process part, or `-- e2e` for the end-to-end part alone).

use std::hint::black_box;
use std::time::{Duration, Instant};

/// A small deterministic generator (xorshift), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[(self.next() % v.len() as u64) as usize]
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const VERBS: [&str; 8] = [
    "Add",
    "Enhance",
    "Document",
    "Automate",
    "Review",
    "Alert on",
    "Load-test",
    "Rotate",
];
const THINGS: [&str; 8] = [
    "connection pool limits",
    "certificate expiry",
    "consumer lag per partition",
    "the deploy pipeline's canary stage",
    "DNS resolver upgrades",
    "database failover runbooks",
    "rate limiter configuration",
    "backup restore drills",
];
const SECTIONS: [&str; 6] = [
    "## Corrective and Preventative Measures",
    "**Corrective and Preventative Measures:**",
    "Action Items",
    "### Follow-ups",
    "Remediation:",
    "##Action Items",
];
const GROUPS: [&str; 5] = [
    "Improvements/Fixes:",
    "Tasks:",
    "Immediate:",
    "Short Term:",
    "Long Term:",
];

fn action(r: &mut Rng) -> String {
    format!(
        "{} {} for the {} service{}",
        r.pick(&VERBS),
        r.pick(&THINGS),
        r.pick(&["checkout", "login", "search", "orders", "billing"]),
        r.pick(&["", " @alice", " (due 2024-07-01)", " P1", " #42"])
    )
}

fn prose(r: &mut Rng, out: &mut String, lines: u64) {
    for _ in 0..lines {
        out.push_str("The team observed elevated error rates while the ");
        out.push_str(r.pick(&THINGS));
        out.push_str(" were being changed; engineers paged the on-call and began investigating logs and dashboards.\n");
    }
}

/// One postmortem in one of several styles.
fn document(r: &mut Rng, out: &mut String) {
    out.clear();
    let style = r.below(6);
    out.push_str("# Postmortem: outage of the ");
    out.push_str(r.pick(&THINGS));
    out.push_str("\n\n**Start Time:** June 1, 2024, 02:00 AM UTC\n\n## Summary\n\n");
    let k = 2 + r.below(4);
    prose(r, out, k);
    out.push_str("\n## Timeline\n\n");
    let lines = 4 + r.below(8);
    for h in 0..lines {
        out.push_str(&format!(
            "- **{:02}:{:02}:** {}\n",
            2 + h / 2,
            (h * 7) % 60,
            action(r)
        ));
    }
    out.push_str("\n## Impact\n\n");
    let k = 2 + r.below(4);
    prose(r, out, k);
    out.push_str("\n## Root Cause\n\n");
    let k = 2 + r.below(3);
    prose(r, out, k);
    out.push('\n');
    out.push_str(r.pick(&SECTIONS));
    out.push_str("\n\n");
    let n = 3 + r.below(6);
    match style {
        0 => {
            for _ in 0..n {
                out.push_str(&format!("- [ ] {}\n", action(r)));
            }
        }
        1 => {
            out.push_str("| Action Item | Type | Owner | Bug |\n| --- | --- | --- | --- |\n");
            for _ in 0..n {
                out.push_str(&format!("| {} | prevent | @bob | **TODO** |\n", action(r)));
            }
        }
        2 => {
            for g in &GROUPS[..2] {
                out.push_str(&format!("- **{g}**\n"));
                for _ in 0..n / 2 + 1 {
                    out.push_str(&format!("  - {}\n", action(r)));
                }
            }
        }
        3 => {
            for i in 0..n {
                out.push_str(&format!(
                    "{}. **{}:**\n   - {}\n",
                    i + 1,
                    r.pick(&THINGS),
                    action(r)
                ));
            }
        }
        4 => {
            for g in &GROUPS[2..] {
                out.push_str(g);
                out.push('\n');
                for _ in 0..n / 3 + 1 {
                    out.push_str(&action(r));
                    out.push_str(".\n");
                }
            }
        }
        _ => {
            for _ in 0..n {
                out.push_str(&format!("-{}: {}\n", r.pick(&THINGS), action(r)));
            }
        }
    }
    out.push_str(
        "\nBy addressing these areas, we aim to prevent similar outages.\n\n## Lessons Learned\n\n",
    );
    let k = 1 + r.below(3);
    prose(r, out, k);
    out.push_str("\n## Resolution\n\n");
    let k = 1 + r.below(3);
    prose(r, out, k);
    if r.below(4) == 0 {
        *out = out.replace('\n', "\r\n");
    }
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// Time pmtrack's parse and a bare pulldown-cmark pass over each document
/// that `next` yields, alternating which runs first.
struct Pass {
    pm: Duration,
    md: Duration,
    bytes: usize,
    tasks: usize,
    events: usize,
    largest: usize,
}

fn measure(docs: u64, mut next: impl FnMut(u64, &mut String)) -> Pass {
    let opts = pulldown_cmark::Options::ENABLE_TABLES
        | pulldown_cmark::Options::ENABLE_TASKLISTS
        | pulldown_cmark::Options::ENABLE_STRIKETHROUGH;
    let mut p = Pass {
        pm: Duration::ZERO,
        md: Duration::ZERO,
        bytes: 0,
        tasks: 0,
        events: 0,
        largest: 0,
    };
    let mut buf = String::new();
    for i in 0..docs {
        next(i, &mut buf);
        p.bytes += buf.len();
        p.largest = p.largest.max(buf.len());
        for step in 0..2 {
            if (i + step) % 2 == 0 {
                let s = Instant::now();
                let pm = pmtrack::parse::parse("postmortems/bench.md", black_box(&buf));
                p.pm += s.elapsed();
                p.tasks += pm.tasks.len();
                black_box(pm);
            } else {
                let s = Instant::now();
                for ev in pulldown_cmark::Parser::new_ext(black_box(&buf), opts) {
                    black_box(&ev);
                    p.events += 1;
                }
                p.md += s.elapsed();
            }
        }
    }
    p
}

fn main() {
    // `cargo bench` passes `--bench`; under `cargo test` this runs as a quick
    // smoke test of the same code on a small corpus.
    let full = std::env::args().any(|a| a == "--bench");
    // `-- e2e`: only the end-to-end comparison.
    if !std::env::args().any(|a| a == "e2e") {
        in_process(full);
    }
    end_to_end(full);
}

fn in_process(full: bool) {
    let docs: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(if full { 12_000 } else { 300 });
    let rss_start = peak_rss_kib();
    let mut ratios = Vec::new();
    let mut last = None;
    // Three rounds over the same generated corpus: the median ratio is robust
    // to other work on a busy machine.
    let rounds = if docs == 0 { 0 } else { 3 };
    for round in 1..=rounds {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let p = measure(docs, |_, buf| document(&mut rng, buf));
        let mb = p.bytes as f64 / 1e6;
        let (pm_rate, md_rate) = (mb / p.pm.as_secs_f64(), mb / p.md.as_secs_f64());
        println!(
            "round {round}: pmtrack {pm_rate:7.1} MB/s, pulldown-cmark {md_rate:7.1} MB/s, ratio {:.2}",
            pm_rate / md_rate
        );
        ratios.push(pm_rate / md_rate);
        last = Some(p);
    }
    ratios.sort_by(f64::total_cmp);
    if let Some(p) = last {
        println!("documents            {docs} generated (streamed, one at a time)");
        println!(
            "bytes                {:.1} MB (largest document {} bytes)",
            p.bytes as f64 / 1e6,
            p.largest
        );
        println!(
            "tasks found          {} ({} bytes per task)",
            p.tasks,
            p.bytes / p.tasks.max(1)
        );
        println!("pulldown-cmark       {} events", p.events);
        println!(
            "ratio (median)       {:.2} (pmtrack / bare markdown pass; target >= 0.50)",
            ratios[1]
        );
    }

    // The labelled corpus, when it is beside the project: real documents.
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    let mut real: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|e| e == "md") && p.with_extension("expected.json").exists()
        })
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    real.sort();
    if !real.is_empty() {
        let repeats = if full { 300 } else { 3 };
        let n = real.len() as u64 * repeats;
        let p = measure(n, |i, buf| {
            buf.clear();
            buf.push_str(&real[(i % real.len() as u64) as usize]);
        });
        let mb = p.bytes as f64 / 1e6;
        let (pm_rate, md_rate) = (mb / p.pm.as_secs_f64(), mb / p.md.as_secs_f64());
        println!(
            "real corpus          {} documents x{repeats}: pmtrack {pm_rate:.1} MB/s, pulldown-cmark {md_rate:.1} MB/s, ratio {:.2}",
            real.len(),
            pm_rate / md_rate
        );
    }
    println!(
        "peak RSS             {} KiB at start, {} KiB at the end (streamed: bounded by the largest document)",
        rss_start,
        peak_rss_kib()
    );

    // One document with very many items: time must grow linearly (the
    // 10x-larger document must take at most 12x as long). Past the caches,
    // doubling the items must double the time.
    let (small, large) = if full {
        (10_000, 100_000)
    } else {
        (1_000, 10_000)
    };
    let one = |n: usize| {
        let mut doc = String::from("# Big\n\nDate: 2024-01-01\n\n## Action items\n\n");
        for i in 0..n {
            doc.push_str(&format!("- Task number {i} to do\n"));
        }
        let best = (0..5)
            .map(|_| {
                let s = Instant::now();
                let pm = pmtrack::parse::parse("postmortems/big.md", black_box(&doc));
                assert_eq!(pm.tasks.len(), n);
                s.elapsed()
            })
            .min()
            .unwrap_or_default();
        best.as_secs_f64()
    };
    let (ts, tl, tl2) = (one(small), one(large), one(2 * large));
    println!(
        "one document         {small} items {:.3} s, {large} items {:.3} s: ratio {:.1} (linear: <= 12); {} items {:.3} s: ratio {:.2} to {large} (linear: 2)",
        ts,
        tl,
        tl / ts,
        2 * large,
        tl2,
        tl2 / tl
    );
}

/// What one run of a binary cost.
#[derive(Clone, Copy, Default)]
struct Cost {
    wall: f64,
    cpu: f64,
    rss_kib: u64,
}

/// Runs `cmd` (stdin from `input` when given, stdout discarded) under
/// `/usr/bin/time` when it exists; panics on failure (a bench, not a tool).
fn run_once(
    program: &std::path::Path,
    args: &[&str],
    cwd: &std::path::Path,
    input: Option<&std::path::Path>,
) -> Cost {
    use std::process::{Command, Stdio};
    let time = std::path::Path::new("/usr/bin/time");
    let report = std::env::temp_dir().join(format!("pmtrack-bench-time-{}", std::process::id()));
    let mut cmd = if time.exists() {
        let mut c = Command::new(time);
        c.arg("-o")
            .arg(&report)
            .arg("-f")
            .arg("%U %S %M")
            .arg(program);
        c
    } else {
        Command::new(program)
    };
    cmd.args(args)
        .current_dir(cwd)
        .env_remove("GITHUB_TOKEN")
        .env_remove("GH_TOKEN")
        .env_remove("GITHUB_ACTIONS")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(f) = input {
        cmd.stdin(std::fs::File::open(f).expect("input"));
    }
    let start = Instant::now();
    let status = cmd.status().expect("run the binary");
    let wall = start.elapsed().as_secs_f64();
    assert!(
        status.code().is_some_and(|c| c <= 1),
        "{program:?} {args:?}: {status}"
    );
    let mut cost = Cost {
        wall,
        ..Cost::default()
    };
    if let Ok(t) = std::fs::read_to_string(&report) {
        let f: Vec<f64> = t
            .lines()
            .last()
            .unwrap_or("")
            .split_whitespace()
            .filter_map(|v| v.parse().ok())
            .collect();
        if let [u, s, m] = f[..] {
            cost.cpu = u + s;
            cost.rss_kib = m as u64;
        }
        let _ = std::fs::remove_file(&report);
    }
    cost
}

/// pulldown-cmark's binary: on PATH, in `target/bench-tools`, or installed
/// there when `install` (needs the crates.io registry).
fn pulldown_binary(install: bool) -> Option<std::path::PathBuf> {
    let tools = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-tools");
    let local = tools.join("bin/pulldown-cmark");
    let on_path = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("pulldown-cmark"))
            .find(|f| f.is_file())
    });
    if let Some(p) = on_path.or_else(|| local.is_file().then(|| local.clone())) {
        return Some(p);
    }
    if !install {
        return None;
    }
    println!(
        "installing pulldown-cmark's binary into {}",
        tools.display()
    );
    let ok = std::process::Command::new(env!("CARGO"))
        .args([
            "install",
            "pulldown-cmark",
            "--version",
            "0.13.6",
            "--locked",
            "--root",
        ])
        .arg(&tools)
        .status()
        .is_ok_and(|s| s.success());
    (ok && local.is_file()).then_some(local)
}

/// `n` documents, one per file under `dir/postmortems/`, plus all of them
/// in one file `dir/all.md`; returns the bytes written.
fn write_set(dir: &std::path::Path, n: usize, docs: &[String]) -> usize {
    let pm = dir.join("postmortems");
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(&pm).expect("bench folder");
    let mut all = String::new();
    for i in 0..n {
        let d = &docs[i % docs.len()];
        std::fs::write(pm.join(format!("{i:05}.md")), d).expect("write");
        all.push_str(d);
    }
    std::fs::write(dir.join("all.md"), &all).expect("write");
    all.len()
}

fn best(costs: &[Cost]) -> Cost {
    let pick = |f: fn(&Cost) -> f64| costs.iter().map(f).fold(f64::INFINITY, f64::min);
    Cost {
        wall: pick(|c| c.wall),
        cpu: pick(|c| c.cpu),
        rss_kib: costs.iter().map(|c| c.rss_kib).max().unwrap_or(0),
    }
}

fn end_to_end(full: bool) {
    let Some(pulldown) = pulldown_binary(full) else {
        println!("end to end: skipped (no pulldown-cmark binary; `cargo bench --bench parse` installs it)");
        return;
    };
    let pmtrack = std::path::Path::new(env!("CARGO_BIN_EXE_pmtrack"));
    // The labelled corpus when it is beside the project, else generated
    // documents.
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    let mut docs: Vec<(std::path::PathBuf, String)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|e| e == "md") && p.with_extension("expected.json").exists()
        })
        .filter_map(|p| std::fs::read_to_string(&p).ok().map(|t| (p, t)))
        .collect();
    docs.sort();
    let mut docs: Vec<String> = docs.into_iter().map(|(_, t)| t).collect();
    let source = if docs.is_empty() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        docs = (0..50)
            .map(|_| {
                let mut s = String::new();
                document(&mut rng, &mut s);
                s
            })
            .collect();
        "generated documents"
    } else {
        "the labelled corpus, cycled"
    };
    let sizes: &[usize] = if full { &[3_000, 30_000] } else { &[300] };
    // Outside any git repository (the project's own would be found).
    let work = std::env::temp_dir().join(format!("pmtrack-parse-bench-{}", std::process::id()));
    println!(
        "end to end          {source}; pulldown-cmark: {}",
        pulldown.display()
    );
    for &n in sizes {
        let set = work.join(format!("docs-{n}"));
        let bytes = write_set(&set, n, &docs);
        let all = set.join("all.md");
        let (mut pm, mut md) = (Vec::new(), Vec::new());
        for round in 0..3 {
            let mut ours = || {
                pm.push(run_once(
                    pmtrack,
                    &["parse", "--format", "json", "postmortems"],
                    &set,
                    None,
                ))
            };
            if round % 2 == 0 {
                ours();
                md.push(run_once(&pulldown, &[], &set, Some(&all)));
            } else {
                md.push(run_once(&pulldown, &[], &set, Some(&all)));
                ours();
            }
        }
        let (pm, md) = (best(&pm), best(&md));
        let mb = bytes as f64 / 1e6;
        println!(
            "{n:>6} documents    {mb:.1} MB: pmtrack parse {:.1} MB/s, pulldown-cmark {:.1} MB/s; wall ratio {:.2} (>= 1.00: pmtrack faster), CPU-time ratio {:.2}; peak RSS {} KiB vs {} KiB",
            mb / pm.wall,
            mb / md.wall,
            md.wall / pm.wall,
            if pm.cpu > 0.0 { md.cpu / pm.cpu } else { f64::NAN },
            pm.rss_kib,
            md.rss_kib,
        );
        if n == *sizes.last().unwrap_or(&0) {
            for args in [
                &["list"][..],
                &["report"][..],
                &["report", "--format", "json"][..],
            ] {
                let c = run_once(pmtrack, args, &set, None);
                println!(
                    "{n:>6} documents    pmtrack {}: {:.2} s wall, {:.2} s CPU, peak RSS {} KiB",
                    args.join(" "),
                    c.wall,
                    c.cpu,
                    c.rss_kib
                );
            }
        }
        let _ = std::fs::remove_dir_all(&set);
    }
    let _ = std::fs::remove_dir_all(&work);
}
