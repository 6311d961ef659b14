//! Health figures: how well follow-ups get done, per postmortem, per owner,
//! per type and overall — the share of items closed by their due date, the
//! median days to close, open items by age, and per month the items closed
//! on time and late. From the items' dates only (no extra request).
//!
//! The rules, which the report tests work out by hand:
//! - **on time**: done, with a known close date on or before its due date;
//! - **late**: done after its due date, or still open past it (overdue);
//! - items without a due date, not planned, or done with no known close
//!   date (a report without a token reads no close dates) count in neither;
//! - **days to close**: from when it first counts as open (the incident, or
//!   its issue's creation when earlier) to its close, for done items whose
//!   dates are known; the median of those (the lower middle of an even
//!   count);
//! - **age**: days from when it first counts as open to the report day, for
//!   open items, in four buckets: 0–30, 31–90, 91–180, over 180.

use super::items::days_between;
use super::Item;
use crate::model::TrackState;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// The figures of a set of items (compact: one per postmortem is kept).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Health {
    /// Done by their due date.
    pub on_time: u32,
    /// Done after their due date, or open past it.
    pub late: u32,
    /// Median days to close; `None` when no done item has known dates.
    pub median_days_to_close: Option<u32>,
    /// Open items by age: 0–30, 31–90, 91–180 and over 180 days.
    pub open_by_age: [u32; 4],
}

impl Health {
    /// Counts `item` as it stands on `as_of`; its days to close, when it
    /// is done and its dates are known (for the median).
    pub fn count(&mut self, item: &Item, as_of: NaiveDate) -> Option<u32> {
        match (closed_on_time(item), item.state, item.due) {
            (Some((_, true)), ..) => self.on_time += 1,
            (Some((_, false)), ..) => self.late += 1,
            (None, TrackState::Open, Some(due)) if due < as_of => self.late += 1,
            _ => {}
        }
        if let (TrackState::Open, Some(opened)) = (item.state, item.opened) {
            let bucket = match days_between(opened, as_of) {
                ..=30 => 0,
                31..=90 => 1,
                91..=180 => 2,
                _ => 3,
            };
            self.open_by_age[bucket] += 1;
        }
        match (item.state, item.opened, item.closed) {
            (TrackState::Done, Some(opened), Some(closed)) => {
                Some(u32::try_from(days_between(opened, closed)).unwrap_or(0))
            }
            _ => None,
        }
    }

    /// `on_time` of `on_time + late`, in whole percent; `None` when neither.
    pub fn on_time_percent(&self) -> Option<u32> {
        let judged = self.on_time + self.late;
        (judged > 0).then(|| (self.on_time * 100 + judged / 2) / judged)
    }

    /// `on time 2 of 3 (67%) · median 12 days to close`, or `None` when
    /// there is nothing to say.
    pub fn words(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(p) = self.on_time_percent() {
            parts.push(format!(
                "on time {} of {} ({p}%)",
                self.on_time,
                self.on_time + self.late
            ));
        }
        if let Some(m) = self.median_days_to_close {
            parts.push(format!("median {m} days to close"));
        }
        (!parts.is_empty()).then(|| parts.join(" · "))
    }
}

impl Serialize for Health {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Health", 5)?;
        st.serialize_field("on_time", &self.on_time)?;
        st.serialize_field("late", &self.late)?;
        st.serialize_field("on_time_percent", &self.on_time_percent())?;
        st.serialize_field("median_days_to_close", &self.median_days_to_close)?;
        st.serialize_field("open_by_age", &self.open_by_age)?;
        st.end()
    }
}

/// [`Health`] being counted, with every days-to-close for the median.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    health: Health,
    days: Vec<u32>,
}

impl Tally {
    /// Counts `item` as it stands on `as_of`.
    pub fn add(&mut self, item: &Item, as_of: NaiveDate) {
        if let Some(d) = self.health.count(item, as_of) {
            self.days.push(d);
        }
    }

    /// The figures.
    pub fn finish(mut self) -> Health {
        self.health.median_days_to_close = median(&mut self.days);
        self.health
    }
}

/// The median (the lower middle of an even count).
pub fn median(days: &mut [u32]) -> Option<u32> {
    days.sort_unstable();
    (!days.is_empty()).then(|| days[(days.len() - 1) / 2])
}

/// Items closed on time and late in one month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MonthPoint {
    /// `YYYY-MM`.
    pub month: MonthName,
    /// Closed by their due date.
    pub on_time: usize,
    /// Closed after it.
    pub late: usize,
}

/// A month as `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct MonthName(pub i32, pub u32);

impl Serialize for MonthName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl std::fmt::Display for MonthName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.0, self.1)
    }
}

/// The months from `from`'s to `to`'s, each with no closes yet.
pub fn months(from: NaiveDate, to: NaiveDate) -> Vec<MonthPoint> {
    let mut out = Vec::new();
    let (mut y, mut m) = (from.year(), from.month());
    while (y, m) <= (to.year(), to.month()) {
        out.push(MonthPoint {
            month: MonthName(y, m),
            on_time: 0,
            late: 0,
        });
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    out
}

/// Counts a done item's close (on time or late) in its month, when that
/// month is in `months`.
pub fn add_close(months: &mut [MonthPoint], item: &Item) {
    let Some((closed, on_time)) = closed_on_time(item) else {
        return;
    };
    let name = MonthName(closed.year(), closed.month());
    if let Some(p) = months.iter_mut().find(|p| p.month == name) {
        if on_time {
            p.on_time += 1;
        } else {
            p.late += 1;
        }
    }
}

/// A done item's close date, and whether it was by its due date; `None`
/// when it is not done or a date is unknown.
fn closed_on_time(item: &Item) -> Option<(NaiveDate, bool)> {
    match (item.state, item.due, item.closed) {
        (TrackState::Done, Some(due), Some(closed)) => Some((closed, closed <= due)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{build, Filter, Source, Spec};
    use super::*;
    use std::sync::Arc;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// One item: state, opened, due, closed, owners.
    fn item(
        line: usize,
        state: TrackState,
        opened: NaiveDate,
        due: Option<NaiveDate>,
        closed: Option<NaiveDate>,
        owners: &[&str],
    ) -> Item {
        Item {
            postmortem: Arc::from("pm/a.md"),
            line,
            title: Arc::from(format!("item {line}").as_str()),
            owners: owners.iter().map(|o| o.to_string()).collect(),
            due,
            state,
            issue: None,
            elsewhere: None,
            opened: Some(opened),
            closed,
            item_type: None,
            promise: Box::new([]),
        }
    }

    /// A constructed history, its figures worked out by hand (report day
    /// 2024-06-30).
    #[test]
    fn figures_of_a_constructed_history() {
        use TrackState::{Done, NotPlanned, Open};
        let may1 = date(2024, 5, 1);
        let items = [
            // Done on time: closed May 8, due May 10; 7 days to close.
            item(
                1,
                Done,
                may1,
                Some(date(2024, 5, 10)),
                Some(date(2024, 5, 8)),
                &["alice"],
            ),
            // Done late: closed May 20, due May 10; 19 days.
            item(
                2,
                Done,
                may1,
                Some(date(2024, 5, 10)),
                Some(date(2024, 5, 20)),
                &["Alice"],
            ),
            // Open past its due date: late; 60 days old (31–90).
            item(3, Open, may1, Some(date(2024, 6, 1)), None, &["bob"]),
            // Open, no due date: 10 days old (0–30), judged neither way.
            item(4, Open, date(2024, 6, 20), None, None, &[]),
            // Done, no due date: 31 days to close, judged neither way.
            item(5, Done, date(2024, 1, 1), None, Some(date(2024, 2, 1)), &[]),
            // Not planned: counts nowhere.
            item(6, NotPlanned, may1, Some(date(2024, 5, 2)), None, &[]),
            // Open for 212 days (over 180).
            item(7, Open, date(2023, 12, 1), None, None, &[]),
        ];
        let pm = crate::parse::parse("pm/a.md", "# A\n\n## Action items\n\n- x\n");
        let r = build(
            std::slice::from_ref(&pm),
            &items,
            &Spec {
                as_of: date(2024, 6, 30),
                filter: Filter::All,
                weeks: 12,
                source: Source::Github,
                repo: None,
                not_tracked: None,
            },
        );
        let h = &r.health.overall;
        assert_eq!((h.on_time, h.late, h.on_time_percent()), (1, 2, Some(33)));
        // Days to close 7, 19, 31: the median is 19.
        assert_eq!(h.median_days_to_close, Some(19));
        assert_eq!(h.open_by_age, [1, 1, 0, 1]);
        // The postmortem's own figures (its medians kept apart from others').
        assert_eq!(r.postmortems[0].health, *h);
        assert_eq!(
            h.words().unwrap(),
            "on time 1 of 3 (33%) · median 19 days to close"
        );
        // Alice (either case): 1 of 2 on time, median of 7 and 19 is 7
        // (the lower middle); Bob: late, 60 days old; nobody: the rest.
        type Row<'a> = (Option<&'a str>, Option<u32>, Option<u32>, [u32; 4]);
        let owners: Vec<Row> = r
            .health
            .owners
            .iter()
            .map(|o| {
                (
                    o.owner.as_deref(),
                    o.health.on_time_percent(),
                    o.health.median_days_to_close,
                    o.health.open_by_age,
                )
            })
            .collect();
        assert_eq!(
            owners,
            [
                (Some("alice"), Some(50), Some(7), [0, 0, 0, 0]),
                (Some("bob"), Some(0), None, [0, 1, 0, 0]),
                (None, None, Some(31), [1, 0, 0, 1]),
            ]
        );
        // Closes per month over the 12 weeks' window (from April): May has
        // one on time and one late; February is outside it.
        let months: Vec<(String, usize, usize)> = r
            .health
            .months
            .iter()
            .map(|m| (m.month.to_string(), m.on_time, m.late))
            .collect();
        assert_eq!(
            months,
            [
                ("2024-04".to_string(), 0, 0),
                ("2024-05".to_string(), 1, 1),
                ("2024-06".to_string(), 0, 0),
            ]
        );
        let chart = crate::report::render::months_chart(&r.health.months);
        assert!(
            chart.contains("    bar [0, 1, 0]\n    line [0, 1, 0]\n"),
            "{chart}"
        );
    }
}
