//! Parse throughput: pmtrack's parser next to a bare pulldown-cmark pass over
//! the same bytes, on ≥ 10,000 generated postmortems built from varied
//! templates (ATX, setext, bold labels, plain text, tables, nested lists,
//! CRLF), calibrated on the labelled corpus (about 4 KB and 5 action items
//! per document, i.e. one item per ~780 bytes). Documents are generated and parsed one at a time (streamed), so
//! memory is bounded by the largest document, not the corpus: the peak RSS is
//! printed before and after to show it.
//!
//! Run: `cargo bench --bench parse` (optionally `-- 20000` documents).

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
