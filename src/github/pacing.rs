//! EDGE helper: how long to wait before talking to GitHub again. Reads
//! GitHub's answers (`x-ratelimit-*`, `retry-after`, `date`, the secondary
//! limit message) and decides: go on, wait for the primary limit's reset,
//! wait `retry-after` for a secondary limit, back off after a server error,
//! or space writes by the configured interval and keep them within GitHub's
//! content limits (80 a minute, 500 an hour: sliding windows over the
//! writes this run sent).
//!
//! It only computes durations and keeps monotonic deadlines ([`Instant`]);
//! the transport does the sleeping. It never reads the calendar clock: the
//! time until a rate-limit reset is `x-ratelimit-reset − date` of the same
//! answer, so a skewed local clock cannot make pmtrack wait for hours.

use http::HeaderMap;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The start of GitHub's message for a secondary rate limit.
pub const SECONDARY_LIMIT: &str = "You have exceeded a secondary rate limit";

/// How long to wait for a secondary limit when GitHub sends no `retry-after`
/// (GitHub's docs: "wait at least one minute").
const SECONDARY_DEFAULT: Duration = Duration::from_secs(60);

/// A primary reset is at most an hour away; anything longer is nonsense.
const LONGEST_RESET: Duration = Duration::from_secs(3600 + 60);

/// First backoff after a server error or a dropped connection.
const BACKOFF_BASE: Duration = Duration::from_millis(500);

/// Longest single backoff.
const BACKOFF_MAX: Duration = Duration::from_secs(30);

/// At most `count` writes in any `span`: one of GitHub's limits on
/// content-creating requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Writes allowed in any span.
    pub count: usize,
    /// The span.
    pub span: Duration,
}

impl Window {
    /// `80 writes a minute`, `500 writes an hour`.
    pub fn describe(&self) -> String {
        match self.span.as_secs() {
            60 => format!("{} writes a minute", self.count),
            3600 => format!("{} writes an hour", self.count),
            s => format!("{} writes in {s}s", self.count),
        }
    }
}

/// GitHub's content-creation limits ("about 80 a minute, 500 an hour").
pub const GITHUB_WINDOWS: [Window; 2] = [
    Window {
        count: 80,
        span: Duration::from_secs(60),
    },
    Window {
        count: 500,
        span: Duration::from_secs(3600),
    },
];

/// What an answer says about GitHub's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Not refused for a limit.
    None,
    /// Refused by the primary limit (`x-ratelimit-remaining: 0`); wait this
    /// long for the reset.
    Primary(Duration),
    /// Refused by a secondary limit; wait this long (`retry-after`).
    Secondary(Duration),
}

/// Which answers mean "refused for a limit, nothing was done, try again
/// later": 403 or 429 with GitHub's secondary-limit message or with
/// `retry-after`, or with `x-ratelimit-remaining: 0`.
pub fn classify(status: u16, headers: &HeaderMap, message: &str) -> Limit {
    if status != 403 && status != 429 {
        return Limit::None;
    }
    let retry_after = header_u64(headers, "retry-after").map(Duration::from_secs);
    if message.starts_with(SECONDARY_LIMIT) || retry_after.is_some() {
        return Limit::Secondary(retry_after.unwrap_or(SECONDARY_DEFAULT));
    }
    if header_u64(headers, "x-ratelimit-remaining") == Some(0) {
        return Limit::Primary(until_reset(headers).unwrap_or(SECONDARY_DEFAULT));
    }
    if status == 429 {
        return Limit::Secondary(SECONDARY_DEFAULT);
    }
    Limit::None
}

/// `x-ratelimit-reset − date` of one answer (at least 1 s, at most an hour),
/// when both are there.
pub fn until_reset(headers: &HeaderMap) -> Option<Duration> {
    let reset = header_u64(headers, "x-ratelimit-reset")?;
    let date = headers.get("date")?.to_str().ok()?;
    let now = chrono::DateTime::parse_from_rfc2822(date).ok()?.timestamp();
    let secs = (reset as i64).saturating_sub(now).max(1) as u64;
    Some(Duration::from_secs(secs).min(LONGEST_RESET))
}

/// A header as an unsigned integer.
pub fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// The pacing state of one client: the write interval, the windows writes
/// must keep within, the cap on any one wait, and when the primary limit
/// lets us go on.
#[derive(Debug, Clone)]
pub struct Pacing {
    /// Least time between two writes.
    pub write_interval: Duration,
    /// Cap on any single wait (tests set it low); `None` = no cap.
    pub max_wait: Option<Duration>,
    /// Sliding windows over this run's writes (GitHub's content limits).
    pub windows: Vec<Window>,
    last_write: Option<Instant>,
    blocked_until: Option<Instant>,
    /// When the latest writes went out, oldest first; as many as the
    /// largest window counts.
    writes: VecDeque<Instant>,
}

impl Pacing {
    /// Pacing with this write interval and wait cap, and GitHub's content
    /// windows unless the interval is zero (write pacing off: a GitHub
    /// Enterprise Server without content limits, a test server).
    pub fn new(write_interval: Duration, max_wait: Option<Duration>) -> Pacing {
        let windows = if write_interval.is_zero() {
            Vec::new()
        } else {
            GITHUB_WINDOWS.to_vec()
        };
        Pacing {
            write_interval,
            max_wait,
            windows,
            last_write: None,
            blocked_until: None,
            writes: VecDeque::new(),
        }
    }

    /// `d`, cut to the cap.
    pub fn capped(&self, d: Duration) -> Duration {
        self.max_wait.map_or(d, |m| d.min(m))
    }

    /// Remember an answer's headers: when `x-ratelimit-remaining` is 0, no
    /// request may go out before the reset.
    pub fn observe(&mut self, headers: &HeaderMap, now: Instant) {
        if header_u64(headers, "x-ratelimit-remaining") == Some(0) {
            let wait = until_reset(headers).unwrap_or(SECONDARY_DEFAULT);
            self.blocked_until = Some(now + self.capped(wait));
        }
    }

    /// How long to wait before the next request because the primary limit
    /// is used up (zero when it is not).
    pub fn before_request(&mut self, now: Instant) -> Duration {
        match self.blocked_until {
            Some(t) if t > now => t - now,
            _ => {
                self.blocked_until = None;
                Duration::ZERO
            }
        }
    }

    /// How long to wait before the next write, capped: the write interval
    /// since the last one, or longer when a window is full (then that
    /// window is named). A window of `count` writes in `span` is full while
    /// its `count`-th latest write is less than `span` ago.
    pub fn before_write(&self, now: Instant) -> (Duration, Option<Window>) {
        let mut wait = match self.last_write {
            Some(t) => (t + self.write_interval).saturating_duration_since(now),
            None => Duration::ZERO,
        };
        let mut full = None;
        for w in &self.windows {
            let Some(nth) = self.writes.len().checked_sub(w.count) else {
                continue;
            };
            let until = (self.writes[nth] + w.span).saturating_duration_since(now);
            if until > wait {
                wait = until;
                full = Some(*w);
            }
        }
        (self.capped(wait), full)
    }

    /// Note that a write went out at `now`.
    pub fn wrote(&mut self, now: Instant) {
        self.last_write = Some(now);
        self.writes.push_back(now);
        let keep = self.windows.iter().map(|w| w.count).max().unwrap_or(0);
        while self.writes.len() > keep {
            self.writes.pop_front();
        }
    }

    /// Jittered exponential backoff before try number `attempt + 1`
    /// (`attempt` = 0 after the first failure): 0.5 s, 1 s, 2 s … up to 30 s,
    /// each between half and all of that, capped.
    pub fn backoff(&self, attempt: u32, seed: u64) -> Duration {
        let full = BACKOFF_BASE
            .saturating_mul(1u32 << attempt.min(16))
            .min(BACKOFF_MAX);
        // Cheap deterministic jitter: no RNG crate needed for spreading retries.
        let spread = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407)
            >> 33;
        let fraction = 0.5 + (spread % 1000) as f64 / 2000.0;
        self.capped(full.mul_f64(fraction))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (n, v) in pairs {
            h.insert(*n, v.parse().unwrap());
        }
        h
    }

    const DATE: &str = "Tue, 24 Nov 2026 10:00:00 GMT";
    const DATE_EPOCH: u64 = 1_795_514_400;

    #[test]
    fn secondary_limit_message_waits_retry_after() {
        let h = headers(&[("retry-after", "7")]);
        let msg = "You have exceeded a secondary rate limit. Please wait";
        assert_eq!(
            classify(403, &h, msg),
            Limit::Secondary(Duration::from_secs(7))
        );
        assert_eq!(
            classify(429, &HeaderMap::new(), msg),
            Limit::Secondary(SECONDARY_DEFAULT)
        );
    }

    #[test]
    fn exhausted_primary_limit_waits_until_reset_by_the_servers_date() {
        let reset = (DATE_EPOCH + 42).to_string();
        let h = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", &reset),
            ("date", DATE),
        ]);
        let msg = "API rate limit exceeded for user ID 1.";
        assert_eq!(
            classify(403, &h, msg),
            Limit::Primary(Duration::from_secs(42))
        );
    }

    #[test]
    fn a_plain_forbidden_is_not_a_limit() {
        let h = headers(&[("x-ratelimit-remaining", "4999")]);
        assert_eq!(
            classify(403, &h, "Resource not accessible by integration"),
            Limit::None
        );
        assert_eq!(classify(502, &h, "Bad Gateway"), Limit::None);
    }

    #[test]
    fn a_reset_far_away_is_cut_to_an_hour() {
        let reset = (DATE_EPOCH + 1_000_000).to_string();
        let h = headers(&[("x-ratelimit-reset", &reset), ("date", DATE)]);
        assert_eq!(until_reset(&h), Some(LONGEST_RESET));
    }

    #[test]
    fn used_up_limit_blocks_the_next_request_until_the_capped_reset() {
        let mut p = Pacing::new(Duration::ZERO, Some(Duration::from_secs(2)));
        let reset = (DATE_EPOCH + 600).to_string();
        let h = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", &reset),
            ("date", DATE),
        ]);
        let now = Instant::now();
        p.observe(&h, now);
        assert_eq!(p.before_request(now), Duration::from_secs(2));
        assert_eq!(
            p.before_request(now + Duration::from_secs(3)),
            Duration::ZERO
        );
    }

    #[test]
    fn writes_are_spaced_by_the_interval() {
        let mut p = Pacing::new(Duration::from_secs(1), None);
        let now = Instant::now();
        assert_eq!(p.before_write(now), (Duration::ZERO, None));
        p.wrote(now);
        assert_eq!(
            p.before_write(now + Duration::from_millis(400)),
            (Duration::from_millis(600), None)
        );
        assert_eq!(
            p.before_write(now + Duration::from_secs(2)),
            (Duration::ZERO, None)
        );
    }

    /// Writes `n` at `start`, `start + step`, …, each when pacing allows it
    /// (no earlier than planned); returns when the last one went out.
    fn write_paced(p: &mut Pacing, start: Instant, step: Duration, n: usize) -> Instant {
        let mut at = start;
        for _ in 0..n {
            at += p.before_write(at).0;
            p.wrote(at);
            at += step;
        }
        at - step
    }

    /// Every `span`-long stretch of `sent` holds at most `count` writes.
    fn within(sent: &[Instant], w: Window) -> bool {
        sent.windows(w.count + 1)
            .all(|x| x[w.count] - x[0] >= w.span)
    }

    #[test]
    fn the_minute_window_holds_the_81st_write_until_the_first_is_a_minute_old() {
        let mut p = Pacing::new(Duration::from_millis(500), None);
        let t0 = Instant::now();
        // 80 writes 0.5 s apart: the last at 39.5 s.
        let last = write_paced(&mut p, t0, Duration::from_millis(500), 80);
        assert_eq!(last - t0, Duration::from_millis(39_500));
        // The 81st would be the 81st within a minute: it waits for t0 + 60 s.
        let (wait, full) = p.before_write(last + Duration::from_millis(500));
        assert_eq!(wait, Duration::from_secs(20));
        assert_eq!(full, Some(GITHUB_WINDOWS[0]));
        assert_eq!(full.unwrap().describe(), "80 writes a minute");
        // Then the window slides: the 82nd waits for the 2nd write's minute.
        p.wrote(t0 + Duration::from_secs(60));
        let (wait, _) = p.before_write(t0 + Duration::from_millis(60_100));
        assert_eq!(wait, Duration::from_millis(400));
    }

    #[test]
    fn a_long_run_never_has_more_than_80_a_minute_or_500_an_hour() {
        let mut p = Pacing::new(Duration::from_millis(100), None);
        let t0 = Instant::now();
        let mut sent = Vec::new();
        let mut at = t0;
        for _ in 0..1_200 {
            at += p.before_write(at).0;
            p.wrote(at);
            sent.push(at);
            at += Duration::from_millis(100);
        }
        for w in GITHUB_WINDOWS {
            assert!(within(&sent, w), "{} broken", w.describe());
        }
        // The hour window binds: the 501st write goes out an hour after the
        // 1st, the 1,001st an hour after the 501st.
        assert_eq!(sent[500] - sent[0], Duration::from_secs(3600));
        assert_eq!(sent[1000] - sent[500], Duration::from_secs(3600));
        // And it is the one named while the hour is full.
        let mut q = Pacing::new(Duration::from_secs(7), None);
        let last = write_paced(&mut q, t0, Duration::from_secs(7), 500);
        assert_eq!(last - t0, Duration::from_secs(499 * 7));
        let (wait, full) = q.before_write(last + Duration::from_secs(7));
        assert_eq!(full, Some(GITHUB_WINDOWS[1]));
        assert_eq!(full.unwrap().describe(), "500 writes an hour");
        assert_eq!(wait, Duration::from_secs(3600 - 500 * 7));
    }

    #[test]
    fn no_interval_means_no_windows_and_a_cap_cuts_a_window_wait() {
        let mut p = Pacing::new(Duration::ZERO, None);
        let t0 = Instant::now();
        for _ in 0..1_000 {
            p.wrote(t0);
        }
        assert_eq!(p.before_write(t0), (Duration::ZERO, None));
        let mut q = Pacing::new(Duration::from_millis(1), Some(Duration::from_secs(2)));
        for _ in 0..80 {
            q.wrote(t0);
        }
        let (wait, full) = q.before_write(t0);
        assert_eq!(wait, Duration::from_secs(2));
        assert_eq!(full, Some(GITHUB_WINDOWS[0]));
    }

    #[test]
    fn backoff_grows_stays_jittered_and_bounded() {
        let p = Pacing::new(Duration::ZERO, None);
        for seed in 0..50 {
            let first = p.backoff(0, seed);
            assert!(first >= Duration::from_millis(250) && first <= BACKOFF_BASE);
            let third = p.backoff(2, seed);
            assert!(third >= Duration::from_secs(1) && third <= Duration::from_secs(2));
            assert!(p.backoff(30, seed) <= BACKOFF_MAX);
        }
        let capped = Pacing::new(Duration::ZERO, Some(Duration::from_millis(10)));
        assert!(capped.backoff(5, 1) <= Duration::from_millis(10));
    }
}
