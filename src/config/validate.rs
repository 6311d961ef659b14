//! Checks on a parsed configuration beyond its types (label names, day
//! counts, owners, globs …), each located at its key in the file.

use super::*;

/// A semantic problem found after deserialising.
pub(super) struct Invalid {
    /// The key it is about (`["github", "per_page"]`).
    pub(super) key_path: Vec<&'static str>,
    /// The offending list item or map value under that key, to point at it.
    pub(super) item: Option<String>,
    /// What is wrong and how to fix it.
    pub(super) message: String,
}

/// Checks serde cannot express. Each problem names its key path so the caller
/// can point at its line.
pub(super) fn validate(c: &Config) -> std::result::Result<(), Invalid> {
    fn bad(path: &[&'static str], message: String) -> std::result::Result<(), Invalid> {
        Err(Invalid {
            key_path: path.to_vec(),
            item: None,
            message,
        })
    }
    fn bad_item(
        path: &[&'static str],
        item: &str,
        message: String,
    ) -> std::result::Result<(), Invalid> {
        Err(Invalid {
            key_path: path.to_vec(),
            item: Some(item.to_owned()),
            message,
        })
    }

    if c.include.is_empty() {
        return bad(
            &["include"],
            "`include` is empty, so no file would be read; list at least one glob, or delete the key to use the defaults".into(),
        );
    }
    for (key, globs) in [("include", &c.include), ("exclude", &c.exclude)] {
        for g in globs {
            if let Err(e) = globset::Glob::new(g) {
                return bad_item(
                    &[if key == "include" { "include" } else { "exclude" }],
                    g,
                    format!(
                        "`{key}`: `{g}` is not a valid glob ({}); use `*`, `**`, `?`, `[..]` and `{{a,b}}` only",
                        e.kind()
                    ),
                );
            }
        }
    }
    if let Some(repo) = &c.repo {
        if !is_owner_name(repo) {
            return bad(
                &["repo"],
                format!("`repo`: `{repo}` is not OWNER/NAME; write it like `octo-org/octo-repo` (no URL, no `.git`), or delete the key to use the `origin` remote"),
            );
        }
    }
    if let Some(url) = &c.api_url {
        if !(url.starts_with("https://") || url.starts_with("http://")) || url.contains(' ') {
            return bad(
                &["api_url"],
                format!("`api_url`: `{url}` is not an http(s) URL; write it like `https://github.example.com/api/v3`, or delete the key to use api.github.com"),
            );
        }
    }
    if let Some(branch) = &c.branch {
        if branch.trim().is_empty() || branch.contains(char::is_whitespace) {
            return bad(
                &["branch"],
                format!("`branch`: `{branch}` is not a branch name; write a name like `main`, or delete the key to use the default branch"),
            );
        }
    }
    if c.max_file_size == 0 || c.max_file_size > MAX_FILE_SIZE {
        return bad(
            &["max_file_size"],
            format!("`max_file_size` is {}, but must be 1 to {MAX_FILE_SIZE} bytes (1 GiB); the default is 8388608 (8 MiB)", c.max_file_size),
        );
    }
    let d = &c.due;
    for (key, days) in [
        ("immediate", Some(d.immediate)),
        ("short_term", Some(d.short_term)),
        ("medium_term", Some(d.medium_term)),
        ("long_term", Some(d.long_term)),
        ("default", Some(d.default)),
        ("p0", d.p0),
        ("p1", d.p1),
        ("p2", d.p2),
        ("p3", d.p3),
    ] {
        if days.is_some_and(|n| n > MAX_DUE_DAYS) {
            let key_path: &[&'static str] = match key {
                "immediate" => &["due", "immediate"],
                "short_term" => &["due", "short_term"],
                "medium_term" => &["due", "medium_term"],
                "long_term" => &["due", "long_term"],
                "default" => &["due", "default"],
                "p0" => &["due", "p0"],
                "p1" => &["due", "p1"],
                "p2" => &["due", "p2"],
                _ => &["due", "p3"],
            };
            return bad(
                key_path,
                format!(
                    "`due.{key}` is {} days, but must be 0 to {MAX_DUE_DAYS} (ten years)",
                    days.unwrap_or(0)
                ),
            );
        }
    }

    let l = &c.labels;
    // (key path, dotted name, label, is a list item or map value)
    let mut labels: Vec<(&[&'static str], &str, &str, bool)> = vec![
        (&["labels", "base"], "labels.base", l.base.as_str(), false),
        (
            &["report", "overdue_label"],
            "report.overdue_label",
            c.report.overdue_label.as_str(),
            false,
        ),
    ];
    for e in &l.extra {
        labels.push((&["labels", "extra"], "labels.extra", e, true));
    }
    for g in l.groups.values() {
        labels.push((&["labels", "groups"], "labels.groups", g, true));
    }
    for (path, key, label, is_item) in labels {
        let item = if is_item { label } else { "" };
        if label.trim().is_empty() {
            return bad(
                path,
                format!("`{key}` has an empty label; GitHub labels need a name"),
            );
        }
        if label.chars().count() > MAX_LABEL_LEN {
            return bad_item(
                path,
                item,
                format!("`{key}`: label `{label}` is longer than GitHub's {MAX_LABEL_LEN} characters; shorten it"),
            );
        }
    }
    let longest_horizon = format!("{}{}", l.horizon_prefix, Horizon::MediumTerm.label_name());
    if l.horizon && longest_horizon.chars().count() > MAX_LABEL_LEN {
        return bad(
            &["labels", "horizon_prefix"],
            format!("`labels.horizon_prefix` makes labels like `{longest_horizon}` longer than GitHub's {MAX_LABEL_LEN} characters; shorten it"),
        );
    }

    for (key, value) in [
        ("author_name", &c.commit.author_name),
        ("author_email", &c.commit.author_email),
    ] {
        if value.trim().is_empty() {
            return bad(
                &[
                    "commit",
                    if key == "author_name" {
                        "author_name"
                    } else {
                        "author_email"
                    },
                ],
                format!(
                    "`commit.{key}` is empty; give a value or delete the key to use the default"
                ),
            );
        }
    }

    let g = &c.github;
    if !(0.0..=MAX_WRITE_INTERVAL).contains(&g.write_interval) {
        return bad(
            &["github", "write_interval"],
            format!("`github.write_interval` is {}, but must be 0 to {MAX_WRITE_INTERVAL} seconds (GitHub asks for 1)", g.write_interval),
        );
    }
    if !(1..=100).contains(&g.per_page) {
        return bad(
            &["github", "per_page"],
            format!(
                "`github.per_page` is {}, but GitHub pages hold 1 to 100 items; use 100",
                g.per_page
            ),
        );
    }
    if g.max_writes == 0 {
        return bad(
            &["github", "max_writes"],
            format!("`github.max_writes` is 0, but a sync must be allowed at least 1 write; use {DEFAULT_MAX_WRITES} (below GitHub's 500 content-creating requests an hour)"),
        );
    }
    if g.etag_cache.as_deref().is_some_and(|p| p.trim().is_empty()) {
        return bad(
            &["github", "etag_cache"],
            "`github.etag_cache` is empty; give a file path, or delete the key to use the user cache directory".into(),
        );
    }

    if c.report.title.trim().is_empty() {
        return bad(
            &["report", "title"],
            "`report.title` is empty; give the report a title, or delete the key to use the default".into(),
        );
    }
    if !(1..=MAX_WEEKS).contains(&c.report.weeks) {
        return bad(
            &["report", "weeks"],
            format!(
                "`report.weeks` is {}, but must be 1 to {MAX_WEEKS} weeks of history (default 12)",
                c.report.weeks
            ),
        );
    }
    Ok(())
}

/// `OWNER/NAME` as GitHub allows them: owner of letters, digits and single
/// inner hyphens (≤ 39); name of letters, digits, `.`, `-`, `_` (≤ 100, not
/// `.` or `..`).
pub(super) fn is_owner_name(s: &str) -> bool {
    let Some((owner, name)) = s.split_once('/') else {
        return false;
    };
    let owner_ok = !owner.is_empty()
        && owner.len() <= 39
        && owner.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !owner.starts_with('-')
        && !owner.ends_with('-');
    let name_ok = !name.is_empty()
        && name.len() <= 100
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    owner_ok && name_ok
}

/// 1-based (line, col) of the last key of `path`, found by a plain scan: each
/// key is looked for as `key:` after the previous one; then, if given, the
/// first `item` text after it (falling back to the key). Good enough to point
/// at a value that deserialised but is not allowed.
pub(super) fn find_key(text: &str, path: &[&str], item: Option<&str>) -> Option<(usize, usize)> {
    let mut from = 0;
    let mut found = None;
    for key in path {
        let at = find_key_from(text, key, from)?;
        found = Some(at);
        from = at + key.len();
    }
    let mut at = found?;
    if let Some(item) = item.filter(|i| !i.is_empty()) {
        if let Some(rel) = text[from..].find(item) {
            at = from + rel;
        }
    }
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..at].matches('\n').count() + 1;
    let col = text[line_start..at].chars().count() + 1;
    Some((line, col))
}

/// Byte offset of the next `key:` at or after `from`, outside comments.
pub(super) fn find_key_from(text: &str, key: &str, from: usize) -> Option<usize> {
    let mut start = from;
    while let Some(rel) = text[start..].find(key) {
        let at = start + rel;
        start = at + key.len();
        let before = text[..at].chars().next_back();
        let boundary =
            before.is_none_or(|c| c.is_whitespace() || matches!(c, '{' | ',' | '"' | '\''));
        let rest = text[at + key.len()..].trim_start_matches(['"', '\'']);
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let in_comment = text[line_start..at].contains('#');
        if boundary && !in_comment && rest.trim_start_matches([' ', '\t']).starts_with(':') {
            return Some(at);
        }
    }
    None
}
