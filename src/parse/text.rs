//! Inline text: strip Markdown/HTML markup from an item's text the way the
//! labelling rules say (emphasis, code, links, tags, entities, shortcodes),
//! collapse whitespace, and small word helpers. Pure string functions.

/// Strip inline markup and collapse whitespace.
///
/// `[text](url)` → `text`, `[text][ref]` → `text`, `[ref]` → `ref`,
/// `<https://x>` → `https://x`, `![alt](img)` → removed, `**b**`/`_i_`/`` `c` ``/
/// `~~s~~` → their text, HTML tags removed, `&nbsp;`/`&emsp;` → space,
/// `:shortcode:` removed.
pub fn clean(s: &str) -> String {
    // Each pass runs only when its markup can be there (no allocation
    // else); one scan finds out which.
    let (mut link, mut tag, mut emph, mut colons) = (false, false, false, 0u32);
    for &c in s.as_bytes() {
        match c {
            b'[' => link = true,
            b'<' => {
                link = true;
                tag = true;
            }
            b'&' => tag = true,
            b'*' | b'_' | b'`' | b'~' => emph = true,
            b':' => colons += 1,
            _ => {}
        }
    }
    let mut owned: Option<String> = None;
    let step = |f: fn(&str) -> String, owned: &mut Option<String>| {
        let next = f(owned.as_deref().unwrap_or(s));
        *owned = Some(next);
    };
    if link {
        step(strip_links, &mut owned);
    }
    if tag {
        step(strip_tags_and_entities, &mut owned);
    }
    if emph {
        step(strip_emphasis, &mut owned);
    }
    if colons >= 2 {
        step(strip_shortcodes, &mut owned);
    }
    let out = match owned {
        Some(o) if is_collapsed(&o) => o,
        Some(o) => collapse(&o),
        None => collapse(s),
    };
    // A trailing `\` is a Markdown hard break, not text.
    match out.strip_suffix('\\') {
        Some(t) => t.trim_end().to_string(),
        None => out,
    }
}

/// Already single-spaced ASCII: no other kind of space, no two spaces in a
/// row, none at either end (one pass).
fn is_collapsed(s: &str) -> bool {
    let mut after_space = true;
    let mut plain = true;
    for &c in s.as_bytes() {
        let space = c == b' ';
        plain &= c < 0x80 && !(space && after_space) && (space || !c.is_ascii_whitespace());
        after_space = space;
    }
    plain && !after_space
}

/// Collapse runs of whitespace to one space and trim.
pub fn collapse(s: &str) -> String {
    if is_collapsed(s) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// Remove a trailing `:` (and spaces before it) from a title or group.
pub fn trim_colon(s: &str) -> String {
    let t = s.trim_end();
    let t = t.strip_suffix(':').unwrap_or(t);
    t.trim_end().to_string()
}

/// Lower-case letters and digits, everything else a single space.
pub fn normalize(s: &str) -> String {
    if s.is_empty() {
        return String::new();
    }
    if s.is_ascii() {
        let mut out = Vec::with_capacity(s.len());
        let mut space = false;
        for &b in s.as_bytes() {
            if b.is_ascii_alphanumeric() {
                if space && !out.is_empty() {
                    out.push(b' ');
                }
                space = false;
                out.push(b.to_ascii_lowercase());
            } else {
                space = true;
            }
        }
        return String::from_utf8(out).unwrap_or_default();
    }
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        let alnum = if c.is_ascii() {
            c.is_ascii_alphanumeric()
        } else {
            c.is_alphanumeric()
        };
        if alnum {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.extend(c.to_lowercase());
            }
        } else {
            space = true;
        }
    }
    out
}

/// Cut `s` to at most `max` UTF-16 code units (GitHub's measure; never
/// fewer than characters), with `…`: at the last word boundary when that
/// keeps at least half, and never inside a character sequence drawn as one
/// (an emoji with a skin tone or joiner, a flag, a letter with its accent).
pub fn cut(s: &str, max: usize) -> String {
    if s.encode_utf16().count() <= max {
        return s.to_owned();
    }
    let budget = max.saturating_sub('…'.len_utf16());
    let mut end = 0;
    let mut used = 0;
    for (i, c) in s.char_indices() {
        if used + c.len_utf16() > budget {
            break;
        }
        used += c.len_utf16();
        end = i + c.len_utf8();
    }
    // Back off to a boundary between drawn characters.
    let continues = |c: char| {
        matches!(c,
            '\u{200D}' | '\u{FE00}'..='\u{FE0F}' | '\u{1F3FB}'..='\u{1F3FF}'
            | '\u{0300}'..='\u{036F}' | '\u{20D0}'..='\u{20FF}' | '\u{E0020}'..='\u{E007F}')
    };
    let regional = |c: char| ('\u{1F1E6}'..='\u{1F1FF}').contains(&c);
    loop {
        let head = &s[..end];
        let next = s[end..].chars().next();
        let last = head.chars().next_back();
        let odd_flags = head.chars().rev().take_while(|&c| regional(c)).count() % 2 == 1
            && next.is_some_and(regional);
        let inside = next.is_some_and(continues) || last == Some('\u{200D}') || odd_flags;
        match (inside, last) {
            (true, Some(c)) => end -= c.len_utf8(),
            _ => break,
        }
    }
    let head = &s[..end];
    // Cut at a word boundary unless that would throw away most of the text.
    let head = match head.rfind(char::is_whitespace) {
        Some(p) if p >= end / 2 => &head[..p],
        _ => head,
    };
    let head = head.trim_end_matches(|c: char| c.is_whitespace() || ",;:-–—".contains(c));
    format!("{head}…")
}

/// Where the code span opening at `b[i]` (a run of backticks) ends: just
/// past its closing run of the same length, or just past the opening run
/// when it is never closed (then the backticks are text).
pub fn code_span_end(b: &[u8], i: usize) -> usize {
    let run = b[i..].iter().take_while(|&&c| c == b'`').count();
    let mut k = i + run;
    while k < b.len() {
        if b[k] == b'`' {
            let r = b[k..].iter().take_while(|&&c| c == b'`').count();
            if r == run {
                return k + r;
            }
            k += r;
        } else {
            k += 1;
        }
    }
    i + run
}

/// `s` as one Markdown code span, whatever backticks it holds: fenced by a
/// longer run than any inside, padded when it starts or ends with one.
/// Nothing in a code span is a mention or a link.
pub fn code_span(s: &str) -> String {
    let longest = s
        .as_bytes()
        .split(|&c| c != b'`')
        .map(<[u8]>::len)
        .max()
        .unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// Whether `s` (trimmed) is one issue reference as write-back writes it,
/// once cleaned: `#12` or `owner/name#12`.
fn is_reference(s: &str) -> bool {
    let Some((repo, n)) = s.trim().rsplit_once('#') else {
        return false;
    };
    !n.is_empty()
        && n.bytes().all(|c| c.is_ascii_digit())
        && (repo.is_empty()
            || (repo.matches('/').count() == 1
                && !repo.starts_with('/')
                && !repo.ends_with('/')
                && repo
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'/'))))
}

/// Raw item text without a trailing issue reference in parentheses, in any
/// form write-back writes (` ([#12](url))`, ` (#12)`, ` (<a href="…">#12</a>)`):
/// what the text was before the link, so a written link never changes how
/// the lines around it are read.
pub fn before_written_ref(raw: &str) -> &str {
    let t = raw.trim_end();
    if !t.ends_with(')') || !t.contains('#') {
        return raw;
    }
    let mut depth = 0usize;
    for (i, c) in t.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' => {
                depth -= 1;
                if depth == 0 {
                    let inner = &t[i + 1..t.len() - 1];
                    return if is_reference(&clean(inner)) {
                        t[..i].trim_end()
                    } else {
                        raw
                    };
                }
            }
            _ => {}
        }
    }
    raw
}

/// An item's text without the issue references pmtrack writes back (and
/// people write the same way): every parenthesised reference `(#12)`,
/// `( #12 )` (a cleaned HTML anchor), `(owner/name#12)` wherever it stands
/// (write-back puts it at the end of an item's first line, which can be the
/// middle of its detail), and a trailing bare `#12` ([`base_title`]). What
/// reaches an issue (title, body), an item's key and the status block is
/// read through this, so a written link never flows back: the loop settles.
/// Text that is only a reference is kept.
pub fn without_refs(s: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    // Every reference has a `#`: most text has none.
    if !s.contains('#') {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    let mut from = 0;
    while let Some(p) = s[from..].find('(') {
        let open = from + p;
        from = open + 1;
        let Some(q) = s[open + 1..].find(')') else {
            break;
        };
        let close = open + 1 + q;
        if close - open > 120 || !is_reference(&s[open + 1..close]) {
            continue;
        }
        // The space before it goes too (never both spaces around it).
        let start = if open > 0 && b[open - 1] == b' ' {
            open - 1
        } else {
            open
        };
        cuts.push((start, close + 1));
        from = close + 1;
    }
    let cut: Cow<'_, str> = if cuts.is_empty() {
        Cow::Borrowed(s)
    } else {
        let mut out = String::with_capacity(s.len());
        let mut pos = 0;
        for (a, z) in cuts {
            out.push_str(&s[pos..a]);
            pos = z;
        }
        out.push_str(&s[pos..]);
        if !out.chars().any(char::is_alphanumeric) {
            Cow::Borrowed(s)
        } else {
            Cow::Owned(out.trim().to_owned())
        }
    };
    match cut {
        Cow::Borrowed(b) => Cow::Borrowed(base_title(b)),
        Cow::Owned(o) => {
            let t = base_title(&o);
            if t.len() == o.len() {
                Cow::Owned(o)
            } else {
                Cow::Owned(t.to_owned())
            }
        }
    }
}

/// The title without a trailing issue reference that write-back (or a
/// person) appended: `Add alerts (#12)`, `Add alerts (o/r#12)`, `Add alerts
/// #12` → `Add alerts`. Keys and issue titles use this, so writing a link
/// back never changes an item's identity.
pub fn base_title(title: &str) -> &str {
    let t = title.trim_end();
    let inner = t
        .strip_suffix(')')
        .and_then(|x| x.rfind('(').map(|p| (&t[..p], &x[p + 1..])));
    let (head, reference) = match inner {
        Some((head, r)) => (head, r),
        None => match t.rfind(char::is_whitespace) {
            Some(p) => (&t[..p], &t[p + 1..]),
            None => return t,
        },
    };
    let r = reference.trim();
    let num = r.rsplit_once('#');
    match num {
        Some((repo, n))
            if !n.is_empty()
                && n.bytes().all(|c| c.is_ascii_digit())
                && (repo.is_empty() || repo.matches('/').count() == 1)
                && !repo.contains(char::is_whitespace) =>
        {
            let h = head.trim_end();
            if h.is_empty() {
                t
            } else {
                h
            }
        }
        _ => t,
    }
}

/// The title without the metadata pmtrack already read from it: owner
/// mentions (`@alice`), priorities (`P1`, `[P1]`), due dates (`due
/// 2024-07-01`, `(due: July 1, 2024)`, `by 2024-07-01`) and parenthesised
/// notes of those (`(owner: dana)`, `(priority: high)`, `(#12)`). Used for
/// issue titles; the document's own text is never changed.
pub fn strip_metadata(title: &str) -> String {
    let is_meta_word = |w: &str| {
        let t = w.trim_matches(|c: char| matches!(c, ',' | ';' | '[' | ']'));
        let login = t.len() > 1
            && t.starts_with('@')
            && t[1..]
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'/' || c == b'_');
        let prio = t.len() == 2
            && (t.starts_with('P') || t.starts_with('p'))
            && (b'0'..=b'3').contains(&t.as_bytes()[1]);
        login || prio
    };
    let date_part = |w: &str| {
        let t = w.trim_matches(|c: char| matches!(c, ',' | '.' | ')' | '(' | ':'));
        !t.is_empty()
            && (t
                .bytes()
                .all(|c| c.is_ascii_digit() || c == b'-' || c == b'/')
                || super::dates::find_date(&format!("{t} 1, 2000")).is_some()
                || matches!(t.to_ascii_lowercase().as_str(), "st" | "nd" | "rd" | "th"))
    };
    // Parenthesised metadata notes go whole.
    let mut out = String::with_capacity(title.len());
    let mut rest = title;
    while let Some(open) = rest.find('(') {
        let Some(close) = rest[open..].find(')').map(|c| open + c) else {
            break;
        };
        let inner = rest[open + 1..close].trim();
        let lower = inner.to_ascii_lowercase();
        let meta = [
            "due", "owner", "owners", "assignee", "priority", "eta", "deadline", "by ",
        ]
        .iter()
        .any(|k| lower.starts_with(k))
            || inner.split_whitespace().all(|w| {
                is_meta_word(w)
                    || (w.starts_with('#') && w[1..].bytes().all(|c| c.is_ascii_digit()))
            });
        out.push_str(&rest[..open]);
        if !meta || inner.is_empty() {
            out.push_str(&rest[open..=close]);
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    // Then loose words: `@alice`, `P1`, `due 2024-07-01`.
    let words: Vec<&str> = out.split_whitespace().collect();
    let mut kept: Vec<&str> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        let lw = w.trim_end_matches(':').to_ascii_lowercase();
        if matches!(lw.as_str(), "due" | "by" | "deadline" | "eta")
            && words.get(i + 1).is_some_and(|n| date_part(n))
        {
            let mut j = i + 1;
            while j < words.len() && j <= i + 4 && date_part(words[j]) {
                j += 1;
            }
            if super::dates::find_date(&words[i + 1..j].join(" ")).is_some() {
                i = j;
                continue;
            }
        }
        if is_meta_word(w) {
            i += 1;
            continue;
        }
        kept.push(w);
        i += 1;
    }
    let t = kept.join(" ");
    let t = t
        .trim_end_matches([',', ';', '-', '–', '—', ' '])
        .to_string();
    if t.is_empty() {
        collapse(title)
    } else {
        t
    }
}

/// `s` starts with `prefix` (lower case), ASCII case ignored, without
/// allocating.
pub fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// ASCII case-insensitive substring test, without allocating.
pub fn contains_ci(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    let Some(&first) = n.first() else {
        return true;
    };
    if h.len() < n.len() {
        return false;
    }
    let first = first | 0x20;
    let last = h.len() - n.len();
    let mut i = 0;
    while i <= last {
        if h[i] | 0x20 == first && h[i..i + n.len()].eq_ignore_ascii_case(n) {
            return true;
        }
        i += 1;
    }
    false
}

/// Number of whitespace-separated words.
pub fn word_count(s: &str) -> usize {
    s.split_whitespace().count()
}

fn strip_links(s: &str) -> String {
    if !s.contains('[') && !s.contains('<') {
        return s.to_string();
    }
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'!' && b.get(i + 1) == Some(&b'[') {
            // An image: drop it whole.
            if let Some((_, end)) = bracket_link(s, i + 1) {
                i = end;
                continue;
            }
        }
        if c == b'[' {
            if let Some((text, end)) = bracket_link(s, i) {
                out.push_str(text);
                i = end;
                continue;
            }
        }
        if c == b'<' {
            if let Some(close) = s[i + 1..].find('>') {
                let inner = &s[i + 1..i + 1 + close];
                if (inner.starts_with("http://")
                    || inner.starts_with("https://")
                    || inner.starts_with("mailto:"))
                    && !inner.contains(char::is_whitespace)
                {
                    out.push_str(inner);
                    i += close + 2;
                    continue;
                }
            }
        }
        let ch = s[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// At `s[i] == '['`: a link `[text](url)`, `[text][ref]` or `[ref]`.
/// Returns its visible text and the index after it.
fn bracket_link(s: &str, i: usize) -> Option<(&str, usize)> {
    let b = s.as_bytes();
    let mut depth = 0usize;
    let mut j = i;
    while j < b.len() {
        match b[j] {
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            _ => {}
        }
        j += 1;
    }
    if j >= b.len() {
        return None;
    }
    let text = &s[i + 1..j];
    // Checkbox-like `[ ]`, `[x]` are not links.
    if text.trim().is_empty() || text == "x" || text == "X" {
        return None;
    }
    match b.get(j + 1) {
        Some(b'(') => {
            let mut depth = 0usize;
            let mut k = j + 1;
            while k < b.len() {
                match b[k] {
                    b'(' => depth += 1,
                    b')' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some((text, k + 1));
                        }
                    }
                    _ => {}
                }
                k += 1;
            }
            None
        }
        Some(b'[') => {
            let close = s[j + 2..].find(']')?;
            Some((text, j + 2 + close + 1))
        }
        _ => Some((text, j + 1)),
    }
}

fn strip_tags_and_entities(s: &str) -> String {
    if !s.contains('<') && !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let b = s.as_bytes();
    while i < b.len() {
        if b[i] == b'<' {
            if let Some(len) = html_tag_len(&s[i..]) {
                out.push(' ');
                i += len;
                continue;
            }
        }
        if b[i] == b'&' {
            if let Some(semi) = s[i..].find(';') {
                let name = &s[i + 1..i + semi];
                let rep = match name {
                    "nbsp" | "emsp" | "ensp" | "thinsp" | "#160" => Some(" "),
                    "amp" => Some("&"),
                    "lt" => Some("<"),
                    "gt" => Some(">"),
                    "quot" => Some("\""),
                    "#39" | "apos" => Some("'"),
                    "mdash" => Some("—"),
                    "ndash" => Some("–"),
                    "hellip" => Some("…"),
                    "lsquo" => Some("‘"),
                    "rsquo" => Some("’"),
                    "ldquo" => Some("“"),
                    "rdquo" => Some("”"),
                    "bull" => Some("•"),
                    "middot" => Some("·"),
                    "copy" => Some("©"),
                    "reg" => Some("®"),
                    "trade" => Some("™"),
                    _ => None,
                };
                if let Some(r) = rep {
                    out.push_str(r);
                    i += semi + 1;
                    continue;
                }
                // Numeric: `&#64;`, `&#x40;` (not a control character).
                let code = name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .map(|h| u32::from_str_radix(h, 16))
                    .or_else(|| name.strip_prefix('#').map(str::parse::<u32>));
                if let Some(c) = code
                    .and_then(Result::ok)
                    .and_then(char::from_u32)
                    .filter(|c| !c.is_control())
                {
                    out.push(c);
                    i += semi + 1;
                    continue;
                }
            }
        }
        let ch = s[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// Length of an HTML tag or comment at the start of `s`, if it is one.
fn html_tag_len(s: &str) -> Option<usize> {
    if let Some(rest) = s.strip_prefix("<!--") {
        return rest.find("-->").map(|e| e + 7);
    }
    let b = s.as_bytes();
    let mut j = 1;
    if b.get(j) == Some(&b'/') {
        j += 1;
    }
    if !b.get(j).is_some_and(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    while b.get(j).is_some_and(|c| c.is_ascii_alphanumeric()) {
        j += 1;
    }
    match b.get(j) {
        Some(b'>') => Some(j + 1),
        Some(b' ') | Some(b'/') | Some(b'\t') => s[j..].find('>').map(|e| j + e + 1),
        _ => None,
    }
}

fn strip_emphasis(s: &str) -> String {
    // The markers are ASCII, so work on bytes and copy the text between
    // them as slices (a non-ASCII neighbour counts as a letter).
    let b = s.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c >= 0x80;
    let space = |c: u8| c.is_ascii_whitespace();
    let mut out = String::with_capacity(s.len());
    let mut from = 0;
    for i in 0..b.len() {
        let c = b[i];
        if !matches!(c, b'`' | b'*' | b'_' | b'~') {
            continue;
        }
        let prev = if i > 0 { b[i - 1] } else { b' ' };
        let next = b.get(i + 1).copied().unwrap_or(b' ');
        let keep = match c {
            // Only `~~` is markup; a lone `~` ("~5 min") is text.
            b'~' => prev != b'~' && next != b'~',
            b'_' if word(prev) && word(next) => true, // snake_case
            b'*' | b'_' => space(prev) && space(next), // "2 * 3"
            _ => false,
        };
        if !keep {
            out.push_str(&s[from..i]);
            from = i + 1;
        }
    }
    out.push_str(&s[from..]);
    out
}

fn strip_shortcodes(s: &str) -> String {
    if s.bytes().filter(|&c| c == b':').count() < 2 {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find(':') {
        let after = &rest[p + 1..];
        let len = after
            .find(|c: char| {
                !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '+' || c == '-')
            })
            .unwrap_or(after.len());
        let prev_ok = rest[..p]
            .chars()
            .next_back()
            .is_none_or(|c| c.is_whitespace());
        if len >= 2
            && after[len..].starts_with(':')
            && prev_ok
            && after[..len].contains(|c: char| c.is_ascii_lowercase())
        {
            out.push_str(&rest[..p]);
            rest = &after[len + 1..];
        } else {
            out.push_str(&rest[..=p]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emphasis_code_and_links_are_stripped() {
        assert_eq!(clean("**Title:** do `x` now"), "Title: do x now");
        assert_eq!(
            clean("see [the doc](https://x/y) and [ref][1]"),
            "see the doc and ref"
        );
        assert_eq!(clean("a <https://x.io/a> b"), "a https://x.io/a b");
        assert_eq!(clean("fix ~~old~~ new"), "fix old new");
        assert_eq!(
            clean("*italic* and _under_ but snake_case"),
            "italic and under but snake_case"
        );
    }

    #[test]
    fn html_entities_and_shortcodes_are_stripped() {
        assert_eq!(clean("<span style='x'>Hi</span>&emsp;there"), "Hi there");
        assert_eq!(clean(":small_orange_diamond: Add alerts"), "Add alerts");
        assert_eq!(clean("Title: rest at 10:30"), "Title: rest at 10:30");
    }

    #[test]
    fn images_vanish_and_whitespace_collapses() {
        assert_eq!(clean("![alt](x.png)   Do   it"), "Do it");
        assert_eq!(clean("2 * 3 = 6"), "2 * 3 = 6");
        assert_eq!(clean("Add alerts\\"), "Add alerts");
    }

    /// The 256-character cut split an emoji; a 4.5 MB title was copied whole.
    #[test]
    fn f10_cuts_fit_the_limit_and_never_split_a_drawn_character() {
        let long = "x".repeat(100_000);
        assert_eq!(cut(&long, 256).encode_utf16().count(), 256);
        // A family emoji (joined by ZWJ) and a flag at the cut.
        for tail in ["👨\u{200D}👩\u{200D}👧", "🇫🇷", "👍🏽", "e\u{0301}"] {
            for pad in 240..256 {
                let s = format!("{}{tail}{tail}{tail}", "a".repeat(pad));
                let c = cut(&s, 256);
                assert!(c.encode_utf16().count() <= 256);
                let kept = c.trim_end_matches('…').trim_start_matches('a');
                assert!(
                    tail.repeat(3).starts_with(kept) && kept.len().is_multiple_of(tail.len()),
                    "{pad} {tail:?}: kept {kept:?}"
                );
            }
        }
        assert_eq!(cut("short", 256), "short");
    }

    #[test]
    fn written_references_are_kept_out_of_the_text_wherever_they_stand() {
        assert_eq!(without_refs("Add checks. (#45)"), "Add checks.");
        assert_eq!(
            without_refs("write the runbook (#4) and test it twice."),
            "write the runbook and test it twice."
        );
        assert_eq!(without_refs("Monitor expiry ( #5 )"), "Monitor expiry");
        assert_eq!(without_refs("Fix it (o/r#12) now"), "Fix it now");
        assert_eq!(without_refs("Fix it #12"), "Fix it");
        // Not references: kept as written.
        assert_eq!(without_refs("Ship (for #12 users)"), "Ship (for #12 users)");
        assert_eq!(without_refs("Upgrade C# (v2)"), "Upgrade C# (v2)");
        assert_eq!(without_refs("(#12)"), "(#12)");
        assert!(matches!(
            without_refs("Add alerts"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn base_title_drops_a_trailing_issue_reference() {
        assert_eq!(base_title("Add alerts (#12)"), "Add alerts");
        assert_eq!(base_title("Add alerts (o/r#12)"), "Add alerts");
        assert_eq!(base_title("Add alerts #12"), "Add alerts");
        assert_eq!(
            base_title("Add alerts (for #12 users)"),
            "Add alerts (for #12 users)"
        );
        assert_eq!(base_title("(#12)"), "(#12)");
        assert_eq!(base_title("Upgrade to C#"), "Upgrade to C#");
    }

    #[test]
    fn metadata_is_stripped_for_issue_titles() {
        assert_eq!(
            strip_metadata("Add alerts @alice due 2024-07-01 P1"),
            "Add alerts"
        );
        assert_eq!(
            strip_metadata("Fix pool (due: July 1, 2024) by 2024-07-03"),
            "Fix pool"
        );
        assert_eq!(
            strip_metadata("Rotate keys (owner: dana lee) [P0]"),
            "Rotate keys"
        );
        assert_eq!(
            strip_metadata("Ship it by Friday (for #12 users)"),
            "Ship it by Friday (for #12 users)"
        );
        assert_eq!(
            strip_metadata("Upgrade to HTTP2 and P4 cores"),
            "Upgrade to HTTP2 and P4 cores"
        );
        assert_eq!(strip_metadata("@alice"), "@alice");
    }

    #[test]
    fn normalize_keeps_letters_and_digits() {
        assert_eq!(normalize("Fix: the DB (P1)!"), "fix the db p1");
        assert_eq!(trim_colon("Tasks :"), "Tasks");
    }
}
