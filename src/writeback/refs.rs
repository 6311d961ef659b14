//! An issue reference as write-back writes it, and whether a line already
//! carries one.

use crate::model::Link;

/// A link reduced to what a reference needs.
pub(super) struct Ref<'a> {
    pub(super) number: u64,
    pub(super) url: &'a str,
    pub(super) repo: Option<String>,
}

impl<'a> Ref<'a> {
    pub(super) fn of(link: &'a Link) -> Ref<'a> {
        Ref {
            number: link.number,
            url: link.url.trim(),
            repo: repo_of_url(&link.url),
        }
    }

    /// `[#12](url)`, or `#12` in plain text (or without a URL).
    pub(super) fn markdown(&self, markdown: bool) -> String {
        if markdown && !self.url.is_empty() && !self.url.contains([' ', ')', '(']) {
            format!("[#{}]({})", self.number, self.url)
        } else {
            format!("#{}", self.number)
        }
    }
}

/// `owner/name` of `https://host/owner/name/issues/12`.
pub(super) fn repo_of_url(url: &str) -> Option<String> {
    let at = url.find("/issues/")?;
    let head = &url[..at];
    let mut segs = head.rsplit('/');
    let name = segs.next()?;
    let owner = segs.next()?;
    (!name.is_empty() && !owner.is_empty() && !owner.contains(':'))
        .then(|| format!("{owner}/{name}"))
}

/// Whether `s` mentions issue `r`: `#12`, `owner/name#12` (same repository)
/// or an `…/owner/name/issues/12` URL.
pub(super) fn carries(s: &str, r: &Ref<'_>) -> bool {
    let n = r.number.to_string();
    let same_repo = |repo: &str| {
        r.repo
            .as_deref()
            .is_none_or(|mine| mine.eq_ignore_ascii_case(repo))
    };
    let b = s.as_bytes();
    let ends_number = |end: usize| b.get(end).is_none_or(|c| !c.is_ascii_digit());
    for (i, _) in s.match_indices('#') {
        let end = i + 1 + n.len();
        // `&#39;` is an apostrophe, not issue #39.
        if s.get(i + 1..end) != Some(n.as_str())
            || !ends_number(end)
            || b.get(i.wrapping_sub(1)) == Some(&b'&')
        {
            continue;
        }
        let head = &s[..i];
        let word_start = head
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/')))
            .map_or(0, |p| p + 1);
        let word = &head[word_start..];
        if word.is_empty() || (word.matches('/').count() == 1 && same_repo(word)) {
            return true;
        }
    }
    for (i, _) in s.match_indices("/issues/") {
        let end = i + 8 + n.len();
        if s.get(i + 8..end) != Some(n.as_str()) || !ends_number(end) {
            continue;
        }
        let mut segs = s[..i].rsplit('/');
        if let (Some(name), Some(owner)) = (segs.next(), segs.next()) {
            if same_repo(&format!("{owner}/{name}")) {
                return true;
            }
        }
    }
    false
}
