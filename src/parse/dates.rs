//! Dates in free text, in the spellings postmortems use: `2024-01-22`,
//! `2024/01/22`, `June 1, 2024`, `Wednesday October 11,2023`, `November 01,
//! 2023`, `1 June 2024`, `3rd of August 2023`, `Jan. 5 2024`. Pure.

use chrono::NaiveDate;

/// A date found in text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A real calendar date.
    Valid(NaiveDate),
    /// Something shaped like a date that is not one (`2024-13-45`).
    Invalid(String),
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

fn month_of(word: &str) -> Option<u32> {
    let w = word.trim_end_matches('.');
    if w.len() < 3 || w.len() > 9 {
        return None;
    }
    // The months' first three letters differ: one month at most can match.
    let b = w.as_bytes();
    let i = MONTHS
        .iter()
        .position(|m| m.as_bytes()[..3].eq_ignore_ascii_case(&b[..3]))?;
    let m = MONTHS[i];
    let full = m.eq_ignore_ascii_case(w);
    let abbrev = (w.len() == 3 || w.eq_ignore_ascii_case("sept"))
        && m.len() >= w.len()
        && m.as_bytes()[..w.len()].eq_ignore_ascii_case(b);
    (full || abbrev).then_some(i as u32 + 1)
}

/// Every spelling of a date has a four-digit year: a cheap test first.
pub fn has_year(s: &str) -> bool {
    let mut run = 0;
    for c in s.bytes() {
        if c.is_ascii_digit() {
            run += 1;
            if run == 4 {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}

#[derive(Debug)]
enum Tok<'a> {
    Num(&'a str, usize),
    Word(&'a str),
}

fn tokens(s: &str) -> Vec<Tok<'_>> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let st = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            out.push(Tok::Num(&s[st..i], st));
        } else if b[i].is_ascii_alphabetic() {
            let st = i;
            while i < b.len() && b[i].is_ascii_alphabetic() {
                i += 1;
            }
            out.push(Tok::Word(&s[st..i]));
        } else {
            i += 1;
        }
    }
    out
}

fn ymd(y: &str, m: u32, d: &str) -> Option<Found> {
    let (y, d) = (y.parse::<i32>().ok()?, d.parse::<u32>().ok()?);
    if !(1970..=2200).contains(&y) {
        return None;
    }
    Some(match NaiveDate::from_ymd_opt(y, m, d) {
        Some(date) => Found::Valid(date),
        None => Found::Invalid(format!("{y}-{m:02}-{d:02}")),
    })
}

/// The first date in `s`, if any.
pub fn find_date(s: &str) -> Option<Found> {
    if !has_year(s) {
        return None;
    }
    let b = s.as_bytes();
    let toks = tokens(s);
    for (i, t) in toks.iter().enumerate() {
        match t {
            Tok::Num(y, at) if y.len() == 4 => {
                // ISO: YYYY-MM-DD or YYYY/MM/DD.
                let sep = b.get(at + 4).copied();
                if matches!(sep, Some(b'-') | Some(b'/') | Some(b'.')) {
                    if let (Some(Tok::Num(m, mat)), Some(Tok::Num(d, dat))) =
                        (toks.get(i + 1), toks.get(i + 2))
                    {
                        if *mat == at + 5
                            && m.len() <= 2
                            && d.len() <= 2
                            && b.get(mat + m.len()) == sep.as_ref()
                            && *dat == mat + m.len() + 1
                        {
                            let mo: u32 = m.parse().unwrap_or(0);
                            if (1..=12).contains(&mo) {
                                if let Some(f) = ymd(y, mo, d) {
                                    return Some(f);
                                }
                            } else if let Ok(yy) = y.parse::<i32>() {
                                if (1970..=2200).contains(&yy) {
                                    return Some(Found::Invalid(format!("{y}-{m}-{d}")));
                                }
                            }
                        }
                    }
                }
            }
            Tok::Word(w) => {
                if let Some(m) = month_of(w) {
                    // Month D[th], YYYY
                    if let (Some(Tok::Num(d, _)), next) = (toks.get(i + 1), toks.get(i + 2)) {
                        let mut k = i + 2;
                        if matches!(next, Some(Tok::Word(sfx)) if is_ordinal(sfx)) {
                            k += 1;
                        }
                        if let Some(Tok::Num(y, _)) = toks.get(k) {
                            if d.len() <= 2 && y.len() == 4 {
                                if let Some(f) = ymd(y, m, d) {
                                    return Some(f);
                                }
                            }
                        }
                    }
                    // Month YYYY is not a day: skip.
                }
            }
            Tok::Num(d, _) if d.len() <= 2 => {
                // D[th] [of] Month YYYY
                let mut k = i + 1;
                if matches!(toks.get(k), Some(Tok::Word(sfx)) if is_ordinal(sfx)) {
                    k += 1;
                }
                if matches!(toks.get(k), Some(Tok::Word(w)) if w.eq_ignore_ascii_case("of")) {
                    k += 1;
                }
                if let (Some(Tok::Word(mw)), Some(Tok::Num(y, _))) = (toks.get(k), toks.get(k + 1))
                {
                    if let Some(m) = month_of(mw) {
                        if y.len() == 4 {
                            if let Some(f) = ymd(y, m, d) {
                                return Some(f);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    None
}

fn is_ordinal(s: &str) -> bool {
    ["st", "nd", "rd", "th"]
        .iter()
        .any(|o| s.eq_ignore_ascii_case(o))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<Found> {
        Some(Found::Valid(NaiveDate::from_ymd_opt(y, m, day).unwrap()))
    }

    #[test]
    fn spellings_from_real_postmortems_are_read() {
        assert_eq!(
            find_date("Start Time: June 1, 2024, 02:00 AM UTC"),
            d(2024, 6, 1)
        );
        assert_eq!(find_date("2024-01-22 15:30 UTC"), d(2024, 1, 22));
        assert_eq!(find_date("November 01, 2023, 14:30 UTC"), d(2023, 11, 1));
        assert_eq!(
            find_date("January 19, 2024, 10:30 AM (UTC)"),
            d(2024, 1, 19)
        );
        assert_eq!(
            find_date("Wednesday October 11,2023, 10:00 (UTC+3)"),
            d(2023, 10, 11)
        );
        assert_eq!(find_date("the 3rd of August 2023"), d(2023, 8, 3));
        assert_eq!(find_date("due 1 Jun 2024"), d(2024, 6, 1));
        assert_eq!(find_date("by 2024/07/01"), d(2024, 7, 1));
        assert_eq!(find_date("Sept. 9th, 2024"), d(2024, 9, 9));
    }

    #[test]
    fn impossible_dates_are_reported_not_guessed() {
        assert_eq!(
            find_date("due 2024-13-45"),
            Some(Found::Invalid("2024-13-45".into()))
        );
        assert_eq!(
            find_date("February 30, 2024"),
            Some(Found::Invalid("2024-02-30".into()))
        );
    }

    #[test]
    fn numbers_that_are_not_dates_are_ignored() {
        assert_eq!(find_date("500 GB disks at 10:30"), None);
        assert_eq!(find_date("in May we"), None);
        assert_eq!(find_date("issue 1234-5"), None);
    }
}
