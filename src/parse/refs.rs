//! Tracker references on an item: GitHub issues and pull requests (`#12`,
//! `owner/repo#12`, their URLs in any repository), Jira keys and browse URLs
//! (`OPS-17`), and other trackers' issue URLs (GitLab, Bugzilla …). Written
//! as a Markdown link (its target counts, whatever its text), a
//! reference-style link (`[#12]` with `[#12]: https://…` anywhere in the
//! file), an autolink `<https://…>`, a bare URL, or bare. The first one
//! written wins. Commit, docs, runbook, dashboard and chat links are not
//! references. Pure.

use crate::model::{IssueRef, TrackerRef};
use std::collections::HashMap;

/// The reference-style link definitions of a document (`[label]: url`),
/// by lower-cased label.
#[derive(Debug, Default)]
pub struct Defs(HashMap<String, String>);

impl Defs {
    /// Reads every definition line of `text` (at most three spaces of
    /// indentation, `[label]: url`, an optional title after the URL).
    pub fn of<'a>(lines: impl Iterator<Item = &'a str>) -> Defs {
        let mut map = HashMap::new();
        for line in lines {
            let t = line.trim_start_matches(' ');
            if line.len() - t.len() > 3 || !t.starts_with('[') {
                continue;
            }
            let Some(close) = t.find("]:") else { continue };
            let label = &t[1..close];
            if label.is_empty() || label.contains(['[', ']']) {
                continue;
            }
            let url = t[close + 2..]
                .split_whitespace()
                .next()
                .unwrap_or("")
                .trim_start_matches('<')
                .trim_end_matches('>');
            if !url.is_empty() {
                map.entry(label.to_lowercase())
                    .or_insert_with(|| url.to_string());
            }
        }
        Defs(map)
    }

    fn get(&self, label: &str) -> Option<&str> {
        if self.0.is_empty() {
            return None;
        }
        self.0.get(&label.trim().to_lowercase()).map(String::as_str)
    }
}

/// The reference of an item: in its issue/bug/ticket cell first (where a
/// bare Jira key needs no other hint), else the first one in its text
/// (the item line, then the lines describing it).
pub fn on_item(raw: &str, cell: Option<&str>, defs: &Defs) -> Option<TrackerRef> {
    cell.and_then(|c| find(c, defs, true))
        .or_else(|| find(raw, defs, false))
}

/// The reference a group label states for every item under it
/// (`Follow-ups, tracked in #88`): only when the label says it tracks
/// (a bare `Phase #2` is not a reference).
pub fn on_group(group: &str) -> Option<TrackerRef> {
    // Every reference a label can state holds a digit.
    if !group.bytes().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let l = group.to_ascii_lowercase();
    let says = [
        "track", "see ", "epic", "issue", "ticket", "jira", "http", "/pull/",
    ]
    .iter()
    .any(|w| l.contains(w));
    if !says {
        return None;
    }
    find(group, &Defs::default(), false)
}

/// The first reference in `s`. `cell`: `s` is an issue column's cell, where
/// a bare Jira key counts without a hint around it.
pub fn find(s: &str, defs: &Defs, cell: bool) -> Option<TrackerRef> {
    let b = s.as_bytes();
    // Which forms can be there at all, from one look each: most item text
    // holds none, and the byte loop below then never runs.
    let (mut links, mut numbers, mut urls, mut keys) = (false, false, false, false);
    for p in memchr::memchr3_iter(b'[', b'<', b'#', b) {
        match b[p] {
            b'#' => numbers = true,
            _ => links = true,
        }
        if links && numbers {
            break;
        }
    }
    for p in memchr::memchr2_iter(b':', b'-', b) {
        match b[p] {
            b':' => urls |= b[p + 1..].starts_with(b"//"),
            _ => keys |= b.get(p + 1).is_some_and(u8::is_ascii_digit),
        }
        if urls && keys {
            break;
        }
    }
    if !(links || urls || numbers || keys) {
        return None;
    }
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'[' | b'<' | b'h' | b'#' if !(links || urls || numbers) => {}
            c if c.is_ascii_uppercase() && !keys => {}
            b'[' => {
                if let Some((found, next)) = link_at(s, i, defs) {
                    if found.is_some() {
                        return found;
                    }
                    i = next;
                    continue;
                }
            }
            b'<' if s[i + 1..].starts_with("http") => {
                if let Some(len) = s[i + 1..].find('>') {
                    let url = &s[i + 1..i + 1 + len];
                    if !url.contains(char::is_whitespace) {
                        if let Some(r) = of_url(url) {
                            return Some(r);
                        }
                        i += len + 2;
                        continue;
                    }
                }
            }
            b'h' if (s[i..].starts_with("http://") || s[i..].starts_with("https://"))
                && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) =>
            {
                let url = bare_url(&s[i..]);
                if let Some(r) = of_url(url) {
                    return Some(r);
                }
                i += url.len().max(1);
                continue;
            }
            b'#' => {
                if let Some(r) = number_at(s, i) {
                    return Some(TrackerRef::Github(r));
                }
            }
            c if c.is_ascii_uppercase() && (i == 0 || !is_key_byte(b[i - 1])) => {
                if let Some(end) = jira_key_at(s, i) {
                    if cell || hinted(s, i, end) {
                        return Some(TrackerRef::Jira {
                            key: s[i..end].to_string(),
                            url: None,
                        });
                    }
                    i = end;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// A Markdown link starting at `[` (byte `i`): `[text](url)`,
/// `[text][label]`, `[label]`. Returns the reference it makes (the target's,
/// else one written in its text) and where scanning goes on; `None` when
/// `i` opens no link (scan on from `i + 1`).
fn link_at(s: &str, i: usize, defs: &Defs) -> Option<(Option<TrackerRef>, usize)> {
    let close = i + 1 + s[i + 1..].find(']')?;
    let text = &s[i + 1..close];
    let after = &s[close + 1..];
    let in_text = || find(text, defs, false);
    if let Some(rest) = after.strip_prefix('(') {
        let end = rest.find(')')?;
        let target = rest[..end].split_whitespace().next().unwrap_or("");
        let target = target.trim_start_matches('<').trim_end_matches('>');
        let found = of_url(target).or_else(in_text);
        return Some((found, close + 2 + end + 1));
    }
    if let Some(rest) = after.strip_prefix('[') {
        let end = rest.find(']')?;
        let label = if rest[..end].trim().is_empty() {
            text
        } else {
            &rest[..end]
        };
        let found = defs.get(label).and_then(of_url).or_else(in_text);
        return Some((found, close + 2 + end + 1));
    }
    if after.starts_with(':') {
        return None; // a definition line: its URL is read bare
    }
    // `[label]` alone: a reference when defined; else its text is ordinary.
    defs.get(text)
        .and_then(of_url)
        .map(|r| (Some(r), close + 1))
}

/// A bare URL: up to white space or a closing bracket, without a
/// sentence's final punctuation.
fn bare_url(s: &str) -> &str {
    let end = s
        .find(|c: char| c.is_whitespace() || matches!(c, ')' | '>' | ']' | '"' | '\'' | '|' | '<'))
        .unwrap_or(s.len());
    s[..end].trim_end_matches(['.', ',', ';', ':', '!', '?'])
}

/// What a URL references, if it is an issue tracker's page. The host of
/// a GitHub reference is in its `url`.
pub fn of_url(url: &str) -> Option<TrackerRef> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host.to_ascii_lowercase();
    let path_only = path.split(['?', '#']).next().unwrap_or("");
    let segs: Vec<&str> = path_only.split('/').filter(|s| !s.is_empty()).collect();
    // GitHub, and GitHub Enterprise on any host name: owner/repo/issues|pull/N
    // (GitLab writes `/-/issues/`; the planner checks the host).
    let other_forge = ["gitlab", "bitbucket"].iter().any(|f| host.contains(f));
    if !other_forge && !host.starts_with("gist.") && segs.len() >= 4 {
        let pull = match segs[2] {
            "issues" => Some(false),
            "pull" | "pulls" => Some(true),
            _ => None,
        };
        if let (Some(pull), Ok(number)) = (pull, segs[3].parse::<u64>()) {
            return Some(TrackerRef::Github(IssueRef {
                repo: Some(format!("{}/{}", segs[0], segs[1])),
                number,
                pull,
                url: Some(url.to_string()),
            }));
        }
    }
    // Jira: …/browse/KEY-12, or ?selectedIssue=KEY-12.
    let jira_key = segs
        .windows(2)
        .find(|w| w[0] == "browse")
        .map(|w| w[1])
        .or_else(|| {
            path.split(['?', '&'])
                .find_map(|q| q.strip_prefix("selectedIssue="))
        })
        .filter(|k| jira_key_at(k, 0) == Some(k.len()));
    if let Some(key) = jira_key {
        return Some(TrackerRef::Jira {
            key: key.to_string(),
            url: Some(url.to_string()),
        });
    }
    // Other trackers' issue pages.
    let numbered_after = |word: &str| {
        segs.windows(2)
            .any(|w| w[0] == word && w[1].bytes().all(|c| c.is_ascii_digit()))
    };
    let tracker = numbered_after("issues")
        || numbered_after("merge_requests")
        || numbered_after("work_items")
        || numbered_after("tickets")
        || numbered_after("ticket")
        || (host.contains("linear.app") && segs.get(1) == Some(&"issue"))
        || segs
            .windows(2)
            .any(|w| w[0] == "edit" && w[1].bytes().all(|c| c.is_ascii_digit()))
            && path_only.contains("_workitems")
        || path_only.ends_with("show_bug.cgi")
        || host == "crbug.com"
        || host.starts_with("bugs.") && path.bytes().any(|c| c.is_ascii_digit());
    tracker.then(|| TrackerRef::Url {
        url: url.to_string(),
    })
}

/// `#123` or `owner/repo#123` with its `#` at byte `i`; never `&#39;` (an
/// HTML entity), `C#`, `abc#12` or `#12abc`.
fn number_at(s: &str, i: usize) -> Option<IssueRef> {
    let b = s.as_bytes();
    if i > 0 && b[i - 1] == b'&' {
        return None;
    }
    let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0
        || b.get(i + 1 + digits)
            .is_some_and(|c| c.is_ascii_alphanumeric())
    {
        return None;
    }
    let number = s[i + 1..i + 1 + digits].parse().ok()?;
    let head = &s[..i];
    let word_start = head
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/')))
        .map_or(0, |p| p + 1);
    let word = &head[word_start..];
    if word.is_empty() {
        return Some(IssueRef::number(None, number));
    }
    (word.matches('/').count() == 1 && !word.starts_with('/') && !word.ends_with('/'))
        .then(|| IssueRef::number(Some(word.to_string()), number))
}

fn is_key_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'/' | b'.')
}

/// Prefixes of names that look like Jira keys but are standards, versions
/// or severities (`SHA-256`, `TLS-13`, `SEV-1`).
const NOT_PROJECTS: [&str; 20] = [
    "AES", "COVID", "CVE", "CWE", "ECMA", "FIPS", "GHSA", "GPT", "HTTP", "IEEE", "IPV", "ISO",
    "NIST", "PCI", "RFC", "RSA", "SEV", "SHA", "TLS", "UTF",
];

/// The end of a Jira key (`OPS-17`: two or more capitals or digits starting
/// with a capital, a dash, a number) starting at byte `i`.
fn jira_key_at(s: &str, i: usize) -> Option<usize> {
    let b = s.as_bytes();
    let p = b[i..]
        .iter()
        .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        .count();
    if !(2..=10).contains(&p) || b.get(i + p) != Some(&b'-') {
        return None;
    }
    let n = b[i + p + 1..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    let end = i + p + 1 + n;
    let next_is_part = |k: usize| {
        b.get(k)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
            || (matches!(b.get(k), Some(b'-' | b'.'))
                && b.get(k + 1).is_some_and(u8::is_ascii_digit))
    };
    if n == 0 || n > 7 || b[i + p + 1] == b'0' || next_is_part(end) {
        return None;
    }
    (!NOT_PROJECTS.contains(&&s[i..i + p])).then_some(end)
}

/// A bare key counts as a reference when the text says so: it stands alone
/// in brackets (`(OPS-17)`), or a tracker word comes just before it
/// (`Jira: OPS-17`, `tracked in OPS-17`, `ticket OPS-17`).
fn hinted(s: &str, start: usize, end: usize) -> bool {
    let b = s.as_bytes();
    let alone =
        start > 0 && matches!(b[start - 1], b'(' | b'[') && matches!(b.get(end), Some(b')' | b']'));
    if alone {
        return true;
    }
    let from = s[..start]
        .char_indices()
        .rev()
        .nth(31)
        .map_or(0, |(p, _)| p);
    let before = s[from..start].to_ascii_lowercase();
    [
        "jira", "ticket", "tracked", "tracking", "issue", "bug", "epic", "see ",
    ]
    .iter()
    .any(|w| before.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gh(repo: Option<&str>, number: u64, pull: bool, url: Option<&str>) -> Option<TrackerRef> {
        Some(TrackerRef::Github(IssueRef {
            repo: repo.map(str::to_string),
            number,
            pull,
            url: url.map(str::to_string),
        }))
    }

    fn jira(key: &str, url: Option<&str>) -> Option<TrackerRef> {
        Some(TrackerRef::Jira {
            key: key.into(),
            url: url.map(str::to_string),
        })
    }

    fn item(raw: &str) -> Option<TrackerRef> {
        on_item(raw, None, &Defs::default())
    }

    #[test]
    fn github_numbers_and_urls_in_any_repository() {
        assert_eq!(item("fix (#12)"), gh(None, 12, false, None));
        assert_eq!(item("see o/r#7"), gh(Some("o/r"), 7, false, None));
        let url = "https://github.com/kubernetes/test-infra/issues/12829";
        assert_eq!(
            item(&format!("([#12829]({url}))")),
            gh(Some("kubernetes/test-infra"), 12829, false, Some(url))
        );
        let pr = "https://github.com/jupyterhub/kubespawner/pull/81";
        assert_eq!(
            item(&format!("Fix reflector\n[Pull Request]({pr}).")),
            gh(Some("jupyterhub/kubespawner"), 81, true, Some(pr))
        );
        // Bare, and as an autolink, without the sentence's full stop.
        assert_eq!(
            item(&format!("Fixed by {pr}.")),
            gh(Some("jupyterhub/kubespawner"), 81, true, Some(pr))
        );
        assert_eq!(
            item(&format!("| x | <{url}> |")),
            gh(Some("kubernetes/test-infra"), 12829, false, Some(url))
        );
        assert_eq!(item("C# code and abc#12 and #12abc"), None);
        // GitHub Enterprise on any host name.
        let ghe = "https://git.acme.com/ops/db/issues/4";
        assert_eq!(item(ghe), gh(Some("ops/db"), 4, false, Some(ghe)));
    }

    #[test]
    fn the_first_reference_written_wins() {
        assert_eq!(
            item("fix (#3), later https://github.com/o/r/issues/5"),
            gh(None, 3, false, None)
        );
        assert_eq!(
            item("[docs](https://docs.example.com/x) then OPS-4 (see OPS-5)"),
            jira("OPS-5", None)
        );
    }

    #[test]
    fn commit_docs_and_chat_links_are_not_references() {
        for raw in [
            "[commit](https://github.com/o/r/commit/abc123)",
            "see the [runbook](https://wiki.example.com/runbooks/db)",
            "thread https://acme.slack.com/archives/C123/p456",
            "[dashboard](https://grafana.example.com/d/abc?orgId=1)",
            "see https://github.com/o/r/blob/main/README.md#12",
        ] {
            assert_eq!(item(raw), None, "{raw}");
        }
    }

    #[test]
    fn reference_style_links_use_their_definition_anywhere_in_the_file() {
        let defs = Defs::of(
            [
                "intro",
                "[#123]: https://github.com/o/other/pull/123",
                "   [ops ticket]: <https://acme.atlassian.net/browse/OPS-9> \"Jira\"",
            ]
            .into_iter(),
        );
        assert_eq!(
            on_item("Retry budget [#123]", None, &defs),
            gh(
                Some("o/other"),
                123,
                true,
                Some("https://github.com/o/other/pull/123")
            )
        );
        assert_eq!(
            on_item("Retry budget [in Jira][ops ticket]", None, &defs),
            jira("OPS-9", Some("https://acme.atlassian.net/browse/OPS-9"))
        );
        // A checkbox or an undefined label is ordinary text.
        assert_eq!(
            on_item("[x] Retry budget [#4]", None, &defs),
            gh(None, 4, false, None)
        );
    }

    #[test]
    fn jira_keys_bare_need_a_hint_and_browse_urls_do_not() {
        assert_eq!(
            item("Monitor the ETL (Jira Issue No: AESCIS-38263)"),
            jira("AESCIS-38263", None)
        );
        assert_eq!(item("Add alerts (OPS-17)"), jira("OPS-17", None));
        assert_eq!(item("Add alerts, tracked in OPS-17"), jira("OPS-17", None));
        let url = "https://acme.atlassian.net/browse/OPS-17";
        assert_eq!(
            item(&format!("[Add alerts]({url})")),
            jira("OPS-17", Some(url))
        );
        // In the issue column a bare key is enough.
        assert_eq!(
            on_item("x", Some("INFRA-2"), &Defs::default()),
            jira("INFRA-2", None)
        );
        // Names that merely look like keys.
        for raw in [
            "Upgrade to PG-15 and K8S-2 rollout",
            "Rotate SHA-256 keys (see SHA-256)",
            "Patch CVE-2021-44228 (see ticket)",
            "Page on SEV-1 incidents (SEV-1)",
            "Bump LIB-1.2 in the issue tracker",
            "Use UTF-8 everywhere (UTF-8)",
        ] {
            assert_eq!(item(raw), None, "{raw}");
        }
    }

    #[test]
    fn other_trackers_are_urls() {
        for url in [
            "https://gitlab.com/acme/web/-/issues/12",
            "https://gitlab.example.com/acme/web/-/merge_requests/3",
            "https://bugzilla.mozilla.org/show_bug.cgi?id=123",
            "https://linear.app/acme/issue/ENG-12/fix-it",
        ] {
            assert_eq!(
                item(&format!("Fix it ({url})")),
                Some(TrackerRef::Url { url: url.into() }),
                "{url}"
            );
        }
    }

    #[test]
    fn a_group_label_references_only_when_it_says_it_tracks() {
        assert_eq!(
            on_group("Follow-ups, tracked in #88"),
            gh(None, 88, false, None)
        );
        assert_eq!(on_group("Epic OPS-12"), jira("OPS-12", None));
        assert_eq!(on_group("Phase #2"), None);
        assert_eq!(on_group(""), None);
    }

    /// F1: `- Don&#39;t deploy on Fridays` renamed issue #39; `&#64;` read
    /// as "tracked in #64".
    #[test]
    fn f1_a_number_inside_an_html_entity_is_never_an_issue_reference() {
        assert_eq!(item("Don&#39;t deploy on Fridays"), None);
        assert_eq!(item("mail ops&#64;example.com"), None);
        assert_eq!(item("Don&#39;t deploy (#7)"), gh(None, 7, false, None));
    }
}
