//! PURE: a postmortem's tracking issue as text — its title, its body (the
//! incident date, a link to the document, the groups as a short outline,
//! and, where GitHub has no sub-issues, the items' issues as a task list)
//! and its hidden marker (`kind=tracking`, naming the document).

use super::{
    cut, neutralise_mentions, percent_decode, percent_encode, url_path_encode, BodyContext,
    MARKER_CLOSE, MARKER_OPEN,
};
use crate::model::Postmortem;
use crate::parse::text::collapse;

/// What a tracking issue's marker says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingMarker {
    /// The document it tracks (`/`-separated).
    pub path: String,
    /// GitHub has no sub-issues here: the body lists the items instead
    /// (`subissues=none`).
    pub task_list: bool,
    /// pmtrack closed it (every item resolved).
    pub closed_by_pmtrack: bool,
}

/// One item's issue, as the tracking issue shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Child<'a> {
    /// Issue number.
    pub number: u64,
    /// Closed (completed or not planned).
    pub closed: bool,
    /// Its group in the document (empty: none).
    pub group: &'a str,
}

/// Read a tracking marker (the last marker of the body); `None` for any
/// other body, an item's included.
pub fn parse_tracking_marker(body: &str) -> Option<TrackingMarker> {
    let start = body.rfind(MARKER_OPEN)?;
    let rest = &body[start + MARKER_OPEN.len()..];
    let inner = &rest[..rest.find(MARKER_CLOSE)?];
    let mut kind = false;
    let mut m = TrackingMarker {
        path: String::new(),
        task_list: false,
        closed_by_pmtrack: false,
    };
    for token in inner.split_whitespace() {
        match token.split_once('=') {
            Some(("kind", "tracking")) => kind = true,
            Some(("path", v)) => m.path = percent_decode(v),
            Some(("subissues", v)) => m.task_list = v == "none",
            Some(("closed", v)) => m.closed_by_pmtrack = v == "pmtrack",
            _ => {}
        }
    }
    (kind && !m.path.is_empty()).then_some(m)
}

fn render_tracking_marker(m: &TrackingMarker) -> String {
    let mut s = format!(
        "{MARKER_OPEN}kind=tracking path={}",
        percent_encode(&m.path)
    );
    if m.task_list {
        s.push_str(" subissues=none");
    }
    if m.closed_by_pmtrack {
        s.push_str(" closed=pmtrack");
    }
    s.push(' ');
    s.push_str(MARKER_CLOSE);
    s
}

/// The tracking issue's title: the postmortem's title on one line, cut to
/// what GitHub allows.
pub fn tracking_title(pm: &Postmortem) -> String {
    let t = collapse(&pm.title);
    let t = if t.is_empty() { pm.path.clone() } else { t };
    cut(&format!("Postmortem: {t}"), 256)
}

/// The tracking issue's body. `children` in document order.
pub fn tracking_body(
    pm: &Postmortem,
    ctx: &BodyContext,
    children: &[Child],
    marker: &TrackingMarker,
) -> String {
    let server = ctx.server_url.trim_end_matches('/');
    let url = format!(
        "{server}/{}/blob/{}/{}",
        ctx.repo,
        url_path_encode(ctx.branch),
        url_path_encode(&pm.path)
    );
    let mut out = format!(
        "Follow-ups of the postmortem [{}]({url}).\n\n",
        super::md_escape(&pm.path)
    );
    if let Some(d) = pm.incident_start {
        out.push_str(&format!("- **Incident:** {d}\n"));
    }
    // With sub-issues GitHub shows the progress: the body changes only
    // when the items do, not when one closes.
    out.push_str(&format!("- **Action items:** {}\n\n", children.len()));
    // Groups in the order they first appear, with their items.
    let mut groups: Vec<(&str, Vec<&Child>)> = Vec::new();
    for c in children {
        match groups.iter_mut().find(|(g, _)| *g == c.group) {
            Some((_, v)) => v.push(c),
            None => groups.push((c.group, vec![c])),
        }
    }
    for (g, items) in &groups {
        let name = collapse(g);
        let name = if name.is_empty() {
            "Action items".to_string()
        } else {
            neutralise_mentions(&cut(&name, 120), &[])
        };
        if marker.task_list {
            out.push_str(&format!("**{name}**\n\n"));
            for c in items {
                let tick = if c.closed { 'x' } else { ' ' };
                out.push_str(&format!("- [{tick}] #{}\n", c.number));
            }
            out.push('\n');
        } else {
            out.push_str(&format!("- {name}: {}\n", items.len()));
        }
    }
    if !marker.task_list {
        out.push_str("\nThe items are this issue's sub-issues.\n");
    }
    out.push('\n');
    out.push_str(&render_tracking_marker(marker));
    out
}

/// The body with its marker set to `marker` (closing and reopening keep
/// the rest as it is).
pub fn with_tracking_marker(body: &str, marker: &TrackingMarker) -> String {
    let line = render_tracking_marker(marker);
    match body.rfind(MARKER_OPEN) {
        Some(start) => match body[start..].find(MARKER_CLOSE) {
            Some(len) => {
                let end = start + len + MARKER_CLOSE.len();
                format!("{}{line}{}", &body[..start], &body[end..])
            }
            None => format!("{body}\n{line}"),
        },
        None => format!("{body}\n{line}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::issue_text::parse_marker;
    use crate::model::DocFormat;

    fn pm() -> Postmortem {
        Postmortem {
            path: "postmortems/2024-03-12 cert.md".into(),
            title: "Certificate expiry".into(),
            incident_start: chrono::NaiveDate::from_ymd_opt(2024, 3, 12),
            section_found: true,
            format: DocFormat::Markdown,
            section: None,
            warnings: vec![],
            tasks: vec![],
        }
    }

    fn ctx() -> BodyContext<'static> {
        BodyContext {
            repo: "o/r",
            server_url: "https://github.com",
            branch: "main",
            assignees: &[],
        }
    }

    #[test]
    fn the_marker_names_the_document_and_is_never_an_items() {
        let m = TrackingMarker {
            path: "postmortems/2024-03-12 cert.md".into(),
            task_list: false,
            closed_by_pmtrack: false,
        };
        let children = [
            Child {
                number: 4,
                closed: true,
                group: "Immediate",
            },
            Child {
                number: 5,
                closed: false,
                group: "Long term",
            },
            Child {
                number: 6,
                closed: false,
                group: "Immediate",
            },
        ];
        let body = tracking_body(&pm(), &ctx(), &children, &m);
        assert_eq!(parse_tracking_marker(&body), Some(m.clone()));
        assert_eq!(parse_marker(&body), None, "not an item's marker");
        assert!(body.contains("- **Incident:** 2024-03-12"), "{body}");
        assert!(body.contains("- **Action items:** 3\n"), "{body}");
        assert!(body.contains("- Immediate: 2\n- Long term: 1\n"), "{body}");
        assert!(
            body.contains("(https://github.com/o/r/blob/main/postmortems/2024-03-12%20cert.md)"),
            "{body}"
        );
        assert!(!body.contains("#4"), "sub-issues, not a list: {body}");
        // Where sub-issues are missing: a task list, and the marker says so.
        let listed = TrackingMarker {
            task_list: true,
            ..m.clone()
        };
        let body = tracking_body(&pm(), &ctx(), &children, &listed);
        assert!(
            body.contains("**Immediate**\n\n- [x] #4\n- [ ] #6\n"),
            "{body}"
        );
        assert!(parse_tracking_marker(&body).unwrap().task_list);
        // Closing flags the marker and keeps the rest.
        let closed = TrackingMarker {
            closed_by_pmtrack: true,
            ..listed
        };
        let flagged = with_tracking_marker(&body, &closed);
        assert!(parse_tracking_marker(&flagged).unwrap().closed_by_pmtrack);
        assert_eq!(flagged.len(), body.len() + " closed=pmtrack".len());
        assert_eq!(
            crate::model::TaskKey::tracking(&m.path).0,
            "tracking:postmortems/2024-03-12 cert.md"
        );
        assert_eq!(tracking_title(&pm()), "Postmortem: Certificate expiry");
    }
}
