//! What each GitHub REST request does to the fake's [`World`] and what it
//! answers: routing, GitHub's validation rules (422s), pagination and `Link`.
//!
//! Must not deal with transport concerns (auth, rate limits, ETags, faults,
//! logging): `mod.rs` wraps every call to [`route`] with those.

use super::state::{now, pacific_midnight, Comment, Issue, Milestone, World};
use crate::support::openapi::{parse_query, pct_decode};
use serde_json::{json, Value};

/// One request as the router sees it. `actor` is the login doing it.
pub struct Req<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub body: Option<&'a Value>,
    pub actor: &'a str,
}

/// What to answer (before transport headers are added).
pub struct Reply {
    pub status: u16,
    pub body: Option<Value>,
    pub headers: Vec<(String, String)>,
    /// No route matched: the fake does not implement this endpoint.
    pub unrouted: bool,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            body: Some(body),
            headers: Vec::new(),
            unrouted: false,
        }
    }

    /// A GitHub error body (`message`, `documentation_url`, string `status`).
    pub fn error(status: u16, message: &str) -> Reply {
        let body =
            json!({"message": message, "documentation_url": DOCS, "status": status.to_string()});
        Reply::json(status, body)
    }

    fn with_header(mut self, name: &str, value: String) -> Reply {
        self.headers.push((name.into(), value));
        self
    }
}

const DOCS: &str = "https://docs.github.com/rest";

fn not_found() -> Reply {
    Reply::error(404, "Not Found")
}

/// 422 `Validation Failed` with one `errors[]` entry.
fn invalid(resource: &str, field: &str, code: &str) -> Reply {
    let mut r = Reply::error(422, "Validation Failed");
    if let Some(b) = r.body.as_mut() {
        b["errors"] = json!([{"resource": resource, "field": field, "code": code}]);
    }
    r
}

impl Reply {
    /// Adds `key: value` to the first `errors[]` entry.
    fn detail(mut self, key: &str, value: Value) -> Reply {
        if let Some(b) = self.body.as_mut() {
            b["errors"][0][key] = value;
        }
        self
    }
}

pub fn route(w: &mut World, req: &Req) -> Reply {
    let segs: Vec<String> = req.path.split('/').skip(1).map(pct_decode).collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    match (req.method, segs.as_slice()) {
        ("GET", ["user"]) => Reply::json(200, w.private_user_json()),
        (_, ["repositories", id, rest @ ..]) => {
            match w.repos.iter().position(|r| r.id.to_string() == *id) {
                Some(idx) => route_repo(w, idx, req, rest),
                None => not_found(),
            }
        }
        (_, ["repos", owner, name, rest @ ..]) => match w.repo_index(owner, name) {
            Some(idx) => route_repo(w, idx, req, rest),
            None => not_found(),
        },
        _ => Reply {
            unrouted: true,
            ..not_found()
        },
    }
}

fn route_repo(w: &mut World, idx: usize, req: &Req, rest: &[&str]) -> Reply {
    let empty = json!({});
    let body = req.body.unwrap_or(&empty);
    let repo = &w.repos[idx];
    let list_path = format!("/repositories/{}/{}", repo.id, rest.join("/"));
    let num = |s: &str| s.parse::<u64>().ok();
    match (req.method, rest) {
        ("GET", []) => Reply::json(200, w.repo_json(repo)),
        ("GET", ["issues"]) => list_issues(w, idx, req.query, &list_path),
        ("POST", ["issues"]) => create_issue(w, idx, body, req.actor),
        ("GET", ["issues", "comments", id]) => with_comment(w, idx, id, |_, _| {}),
        ("PATCH" | "POST", ["issues", "comments", id]) => match body["body"].as_str() {
            Some(text) => with_comment(w, idx, id, |c, t| {
                c.body = text.into();
                c.updated_at = t;
            }),
            None => invalid("IssueComment", "body", "missing_field"),
        },
        (_, ["issues", n, ..])
            if num(n).is_none_or(|n| !repo.issues.iter().any(|i| i.number == n)) =>
        {
            not_found()
        }
        (_, ["issues", _, "sub_issues" | "sub_issue" | "parent"]) if !w.sub_issues => not_found(),
        ("GET", ["issues", n, "sub_issues"]) => {
            let n = num(n).unwrap_or(0);
            let mut children: Vec<&Issue> = repo
                .issues
                .iter()
                .filter(|c| c.parent.is_some_and(|(p, _)| p == n))
                .collect();
            children.sort_by_key(|c| c.parent.map(|(_, at)| at));
            let items = children.iter().map(|c| w.issue_json(repo, c)).collect();
            paginate(w, items, req.query, &list_path)
        }
        ("POST", ["issues", n, "sub_issues"]) => add_sub_issue(w, idx, num(n).unwrap_or(0), body),
        ("DELETE", ["issues", n, "sub_issue"]) => {
            let n = num(n).unwrap_or(0);
            let id = body["sub_issue_id"].as_u64();
            let child = w.repos[idx]
                .issues
                .iter_mut()
                .find(|c| Some(c.id) == id && c.parent.is_some_and(|(p, _)| p == n));
            match child {
                Some(c) => {
                    c.parent = None;
                    issue_reply(w, idx, Some(n), 200)
                }
                None => not_found(),
            }
        }
        ("GET", ["issues", n, "parent"]) => {
            let parent = repo
                .issues
                .iter()
                .find(|i| Some(i.number) == num(n))
                .and_then(|i| i.parent);
            match parent {
                Some((p, _)) => issue_reply(w, idx, Some(p), 200),
                None => not_found(),
            }
        }
        ("GET", ["issues", n]) => issue_reply(w, idx, num(n), 200),
        ("PATCH", ["issues", n]) => update_issue(w, idx, num(n).unwrap_or(0), body, req.actor),
        ("GET", ["issues", n, "comments"]) => {
            let issue = repo.issues.iter().find(|i| Some(i.number) == num(n));
            let items = issue
                .map(|i| {
                    i.comments
                        .iter()
                        .map(|c| w.comment_json(repo, i, c))
                        .collect()
                })
                .unwrap_or_default();
            paginate(w, items, req.query, &list_path)
        }
        ("POST", ["issues", n, "comments"]) => {
            let Some(text) = body["body"].as_str() else {
                return invalid("IssueComment", "body", "missing_field");
            };
            let id = w.next_id();
            let t = now();
            let comment = Comment {
                id,
                body: text.into(),
                user: req.actor.into(),
                created_at: t.clone(),
                updated_at: t,
            };
            if let Some(issue) = w.repos[idx].issue_mut(num(n).unwrap_or(0)) {
                issue.updated_at = comment.created_at.clone();
                issue.comments.push(comment);
            }
            with_comment(w, idx, &id.to_string(), |_, _| {})
                .with_status(201)
                .with_location()
        }
        ("GET", ["issues", n, "labels"]) => issue_labels(w, idx, num(n)),
        ("POST" | "PUT", ["issues", n, "labels"]) => {
            // octocrab sends {"labels": [...]}; a bare array is also accepted.
            let Some(names) = label_names(body.get("labels").unwrap_or(body)) else {
                return invalid("Label", "labels", "invalid");
            };
            let ids: Vec<u64> = names.iter().map(|l| w.ensure_label(idx, l)).collect();
            if let Some(issue) = w.repos[idx].issue_mut(num(n).unwrap_or(0)) {
                if req.method == "PUT" {
                    issue.labels.clear();
                }
                for id in ids {
                    if !issue.labels.contains(&id) {
                        issue.labels.push(id);
                    }
                }
                issue.updated_at = now();
            }
            issue_labels(w, idx, num(n))
        }
        ("DELETE", ["issues", n, "labels", name]) => {
            let label = repo.label(name).map(|l| l.id);
            let issue = w.repos[idx].issue_mut(num(n).unwrap_or(0));
            match (issue, label) {
                (Some(i), Some(id)) if i.labels.contains(&id) => {
                    i.labels.retain(|l| *l != id);
                    i.updated_at = now();
                    issue_labels(w, idx, num(n))
                }
                _ => Reply::error(404, "Label does not exist"),
            }
        }
        ("GET", ["labels"]) => {
            let items = repo.labels.iter().map(|l| w.label_json(repo, l)).collect();
            paginate(w, items, req.query, &list_path)
        }
        ("POST", ["labels"]) => save_label(w, idx, None, body),
        ("GET", ["labels", name]) => match repo.label(name) {
            Some(l) => Reply::json(200, w.label_json(repo, l)),
            None => not_found(),
        },
        ("PATCH", ["labels", name]) => save_label(w, idx, Some(name), body),
        ("GET", ["milestones"]) => {
            let state = query_value(req.query, "state").unwrap_or_else(|| "open".into());
            let items = (repo.milestones.iter())
                .filter(|m| state == "all" || m.state == state)
                .map(|m| w.milestone_json(repo, m))
                .collect();
            paginate(w, items, req.query, &list_path)
        }
        ("POST", ["milestones"]) => save_milestone(w, idx, None, body),
        ("GET" | "PATCH", ["milestones", n]) => {
            match repo
                .milestones
                .iter()
                .position(|m| Some(m.number) == num(n))
            {
                None => not_found(),
                Some(m) if req.method == "GET" => {
                    Reply::json(200, w.milestone_json(repo, &repo.milestones[m]))
                }
                Some(m) => save_milestone(w, idx, Some(m), body),
            }
        }
        ("GET", ["assignees"]) => {
            let logins = std::iter::once(&repo.owner).chain(&repo.collaborators);
            let items = logins.map(|l| w.user_json(l)).collect();
            paginate(w, items, req.query, &list_path)
        }
        ("GET", ["assignees", login]) if repo.assignable(login) => Reply {
            status: 204,
            body: None,
            headers: Vec::new(),
            unrouted: false,
        },
        ("GET", ["assignees", _]) => not_found(),
        _ => Reply {
            unrouted: true,
            ..not_found()
        },
    }
}

impl Reply {
    fn with_status(mut self, status: u16) -> Reply {
        if self.status < 300 {
            self.status = status;
        }
        self
    }

    /// `Location: <the object's url>` on a 201.
    fn with_location(self) -> Reply {
        match self
            .body
            .as_ref()
            .and_then(|b| b["url"].as_str())
            .map(String::from)
        {
            Some(url) if self.status == 201 => self.with_header("location", url),
            _ => self,
        }
    }
}

fn query_value(query: &str, name: &str) -> Option<String> {
    parse_query(query)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// One page of `items` plus GitHub's `Link` header (rels in the order
/// prev, next, last, first), pointing at `/repositories/{id}/…` on this server.
fn paginate(w: &World, items: Vec<Value>, query: &str, link_path: &str) -> Reply {
    paginate_with(w, items, |v| v, query, link_path)
}

/// [`paginate`] rendering only the page's own items (a listing of 100,000
/// issues renders 100 per request, not all of them).
fn paginate_with<T>(
    w: &World,
    items: Vec<T>,
    render: impl Fn(T) -> Value,
    query: &str,
    link_path: &str,
) -> Reply {
    let num = |name, default: usize| {
        query_value(query, name)
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(default)
    };
    let per_page = num("per_page", 30).clamp(1, 100);
    let page = num("page", 1).max(1);
    let last = items.len().div_ceil(per_page).max(1);
    let kept: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("page="))
        .collect();
    let url = |n: usize| {
        let mut q = kept.clone();
        let page = format!("page={n}");
        q.push(&page);
        format!("{}{link_path}?{}", w.base, q.join("&"))
    };
    let mut links = Vec::new();
    if page > 1 {
        links.push(format!("<{}>; rel=\"prev\"", url((page - 1).min(last))));
    }
    if page < last {
        links.push(format!("<{}>; rel=\"next\"", url(page + 1)));
        links.push(format!("<{}>; rel=\"last\"", url(last)));
    }
    if page > 1 {
        links.push(format!("<{}>; rel=\"first\"", url(1)));
    }
    let body: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(render)
        .collect();
    let reply = Reply::json(200, Value::Array(body));
    match links.is_empty() {
        true => reply,
        false => reply.with_header("link", links.join(", ")),
    }
}

fn list_issues(w: &World, idx: usize, query: &str, link_path: &str) -> Reply {
    let repo = &w.repos[idx];
    let q = |name: &str, default: &str| query_value(query, name).unwrap_or_else(|| default.into());
    let state = q("state", "open");
    let wanted: Vec<String> = (q("labels", "").split(','))
        .map(|l| l.trim().to_lowercase())
        .filter(|l| !l.is_empty())
        .collect();
    let since = query_value(query, "since")
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(&s).ok())
        .map(|t| {
            t.with_timezone(&chrono::Utc)
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string()
        });
    let label_names = |i: &Issue| -> Vec<String> {
        let found = i
            .labels
            .iter()
            .filter_map(|id| repo.labels.iter().find(|l| l.id == *id));
        found.map(|l| l.name.to_lowercase()).collect()
    };
    let mut issues: Vec<&Issue> = (repo.issues.iter())
        .filter(|i| state == "all" || i.state == state)
        .filter(|i| wanted.iter().all(|l| label_names(i).contains(l)))
        .filter(|i| since.as_ref().is_none_or(|s| i.updated_at >= *s))
        .collect();
    let sort = q("sort", "created");
    issues.sort_by_key(|i| (i.sort_time(&sort).to_string(), i.number));
    if q("direction", "desc") != "asc" {
        issues.reverse();
    }
    paginate_with(w, issues, |i| w.issue_json(repo, i), query, link_path)
}

fn issue_reply(w: &World, idx: usize, number: Option<u64>, status: u16) -> Reply {
    let repo = &w.repos[idx];
    match repo.issues.iter().find(|i| Some(i.number) == number) {
        Some(i) => Reply::json(status, w.issue_json(repo, i)),
        None => not_found(),
    }
}

fn issue_labels(w: &World, idx: usize, number: Option<u64>) -> Reply {
    let repo = &w.repos[idx];
    let Some(issue) = repo.issues.iter().find(|i| Some(i.number) == number) else {
        return not_found();
    };
    let labels = (issue.labels.iter())
        .filter_map(|id| repo.labels.iter().find(|l| l.id == *id))
        .map(|l| w.label_json(repo, l))
        .collect();
    Reply::json(200, Value::Array(labels))
}

fn with_comment(
    w: &mut World,
    idx: usize,
    id: &str,
    edit: impl FnOnce(&mut Comment, String),
) -> Reply {
    let repo = &mut w.repos[idx];
    let found = repo.issues.iter_mut().enumerate().find_map(|(n, i)| {
        let c = i.comments.iter_mut().position(|c| c.id.to_string() == id)?;
        Some((n, c))
    });
    let Some((i, c)) = found else {
        return not_found();
    };
    edit(&mut repo.issues[i].comments[c], now());
    let repo = &w.repos[idx];
    Reply::json(
        200,
        w.comment_json(repo, &repo.issues[i], &repo.issues[i].comments[c]),
    )
}

/// Label names from `["a", {"name": "b"}]`; `None` if the shape is wrong.
fn label_names(v: &Value) -> Option<Vec<String>> {
    let items = v.as_array()?;
    let name = |l: &Value| l.as_str().or_else(|| l["name"].as_str()).map(String::from);
    items.iter().map(name).collect()
}

/// The issue fields shared by create and update, checked before anything changes.
struct IssueInput {
    title: Option<String>,
    labels: Option<Vec<String>>,
    assignees: Option<Vec<String>>,
    milestone: Option<Option<u64>>,
}

/// An optional list of names (`labels`, `assignees`) from the body.
fn names(body: &Value, field: &str) -> Result<Option<Vec<String>>, Reply> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => label_names(v)
            .map(Some)
            .ok_or_else(|| invalid("Issue", field, "invalid")),
    }
}

fn issue_input(w: &World, idx: usize, body: &Value) -> Result<IssueInput, Reply> {
    let repo = &w.repos[idx];
    let title = match &body["title"] {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    if title.as_ref().is_some_and(|t| t.chars().count() > 256) {
        let msg = json!("title is too long (maximum is 256 characters)");
        return Err(invalid("Issue", "title", "custom").detail("message", msg));
    }
    if body["body"]
        .as_str()
        .is_some_and(|b| b.chars().count() > 65_536)
    {
        let msg = json!("body is too long (maximum is 65536 characters)");
        return Err(invalid("Issue", "body", "custom").detail("message", msg));
    }
    let labels = names(body, "labels")?;
    let mut assignees = names(body, "assignees")?;
    match body.get("assignee") {
        Some(Value::String(a)) => assignees.get_or_insert_with(Vec::new).push(a.clone()),
        Some(Value::Null) if assignees.is_none() => assignees = Some(Vec::new()),
        _ => {}
    }
    let all = assignees.iter().flatten();
    let bad: Vec<&String> = all.filter(|a| !repo.assignable(a)).collect();
    if !bad.is_empty() {
        return Err(invalid("Issue", "assignees", "invalid").detail("value", json!(bad)));
    }
    let milestone = match body.get("milestone") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(v) => {
            let n = v
                .as_u64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()));
            let found = repo.milestones.iter().find(|m| Some(m.number) == n);
            let bad = || invalid("Issue", "milestone", "invalid").detail("value", v.clone());
            Some(Some(found.ok_or_else(bad)?.id))
        }
    };
    Ok(IssueInput {
        title,
        labels,
        assignees,
        milestone,
    })
}

fn create_issue(w: &mut World, idx: usize, body: &Value, actor: &str) -> Reply {
    if body.get("title").is_none_or(Value::is_null) {
        return Reply::error(422, "Invalid request.\n\n\"title\" wasn't supplied.");
    }
    let input = match issue_input(w, idx, body) {
        Ok(i) => i,
        Err(reply) => return reply,
    };
    let labels = input.labels.unwrap_or_default();
    let labels = labels.iter().map(|l| w.ensure_label(idx, l)).collect();
    let id = w.next_id();
    let t = now();
    let repo = &mut w.repos[idx];
    let number = repo.issues.len() as u64 + 1;
    repo.issues.push(Issue {
        id,
        number,
        title: input.title.unwrap_or_default(),
        body: body["body"].as_str().map(String::from),
        user: actor.into(),
        state: "open".into(),
        state_reason: None,
        labels,
        assignees: input.assignees.unwrap_or_default(),
        milestone: input.milestone.flatten(),
        comments: Vec::new(),
        created_at: t.clone(),
        updated_at: t,
        closed_at: None,
        closed_by: None,
        pull: None,
        parent: None,
    });
    issue_reply(w, idx, Some(number), 201).with_location()
}

/// `issues/add-sub-issue`: by the child's id; 422 when the child is the
/// parent, already has a parent (without `replace_parent`), or the parent
/// has 100 sub-issues.
fn add_sub_issue(w: &mut World, idx: usize, parent: u64, body: &Value) -> Reply {
    let Some(id) = body["sub_issue_id"].as_u64() else {
        return invalid("Issue", "sub_issue_id", "missing_field");
    };
    let replace = body["replace_parent"].as_bool().unwrap_or(false);
    let at = w.next_id();
    let repo = &mut w.repos[idx];
    let Some(child) = repo.issues.iter().position(|c| c.id == id) else {
        return invalid("Issue", "sub_issue_id", "invalid");
    };
    if repo.issues[child].number == parent {
        return invalid("Issue", "sub_issue_id", "invalid")
            .detail("message", json!("An issue cannot be a sub-issue of itself"));
    }
    if repo.issues[child].parent.is_some() && !replace {
        return invalid("Issue", "sub_issue_id", "invalid").detail(
            "message",
            json!(
                "Issue may not contain duplicate sub-issues and Sub issue may only have one parent"
            ),
        );
    }
    let siblings = repo
        .issues
        .iter()
        .filter(|c| c.parent.is_some_and(|(p, _)| p == parent))
        .count();
    if siblings >= 100 {
        return invalid("Issue", "sub_issue_id", "invalid").detail(
            "message",
            json!("Parent issue has reached the maximum number of sub-issues"),
        );
    }
    repo.issues[child].parent = Some((parent, at));
    issue_reply(w, idx, Some(parent), 201)
}

fn update_issue(w: &mut World, idx: usize, number: u64, body: &Value, actor: &str) -> Reply {
    let input = match issue_input(w, idx, body) {
        Ok(i) => i,
        Err(reply) => return reply,
    };
    let labels = input
        .labels
        .map(|ls| ls.iter().map(|l| w.ensure_label(idx, l)).collect());
    let Some(issue) = w.repos[idx].issue_mut(number) else {
        return not_found();
    };
    let t = now();
    if let Some(title) = input.title {
        issue.title = title;
    }
    if let Some(b) = body.get("body") {
        issue.body = b.as_str().map(String::from);
    }
    if let Some(labels) = labels {
        issue.labels = labels;
    }
    if let Some(a) = input.assignees {
        issue.assignees = a;
    }
    if let Some(m) = input.milestone {
        issue.milestone = m;
    }
    let reason = body["state_reason"].as_str().map(String::from);
    match (body["state"].as_str(), issue.state.as_str()) {
        (Some("closed"), "open") => {
            issue.state = "closed".into();
            issue.state_reason = reason.or(Some("completed".into()));
            issue.closed_at = Some(t.clone());
            issue.closed_by = Some(actor.into());
        }
        (Some("open"), "closed") => {
            issue.state = "open".into();
            issue.state_reason = Some("reopened".into());
            issue.closed_at = None;
            issue.closed_by = None;
        }
        (_, "closed") if reason.is_some() => issue.state_reason = reason,
        _ => {}
    }
    issue.updated_at = t;
    issue_reply(w, idx, Some(number), 200)
}

/// Creates (`existing: None`) or updates (`new_name`, `color`, `description`) a label.
fn save_label(w: &mut World, idx: usize, existing: Option<&str>, body: &Value) -> Reply {
    let old = existing.map(|name| w.repos[idx].label(name).map(|l| l.id));
    let name = body[if existing.is_some() {
        "new_name"
    } else {
        "name"
    }]
    .as_str();
    let taken = name.and_then(|n| w.repos[idx].label(n)).map(|l| l.id);
    let color = body["color"].as_str().map(|c| c.trim_start_matches('#'));
    let color_ok = |c: &str| c.len() == 6 && c.bytes().all(|b| b.is_ascii_hexdigit());
    let id = match (old, name) {
        (Some(None), _) => return not_found(),
        (None, None) => return invalid("Label", "name", "missing_field"),
        _ if taken.is_some() && taken != old.flatten() => {
            return invalid("Label", "name", "already_exists")
        }
        _ if color.is_some_and(|c| !color_ok(c)) => return invalid("Label", "color", "invalid"),
        (Some(Some(id)), _) => id,
        (None, Some(name)) => w.ensure_label(idx, name),
    };
    let repo = &mut w.repos[idx];
    let Some(label) = repo.labels.iter_mut().find(|l| l.id == id) else {
        return not_found();
    };
    if let (Some(name), Some(_)) = (name, existing) {
        label.name = name.into();
    }
    if let Some(c) = color {
        label.color = c.into();
    }
    if let Some(d) = body.get("description") {
        label.description = d.as_str().map(String::from);
    }
    let repo = &w.repos[idx];
    let status = if existing.is_some() { 200 } else { 201 };
    let label = repo.labels.iter().find(|l| l.id == id);
    label
        .map_or_else(not_found, |l| Reply::json(status, w.label_json(repo, l)))
        .with_location()
}

/// Creates (`existing: None`) or updates a milestone.
fn save_milestone(w: &mut World, idx: usize, existing: Option<usize>, body: &Value) -> Reply {
    let title = body["title"].as_str();
    if existing.is_none() && title.is_none() {
        return invalid("Milestone", "title", "missing_field");
    }
    let clash = |m: &Milestone| title.is_some_and(|t| m.title == t);
    if w.repos[idx]
        .milestones
        .iter()
        .enumerate()
        .any(|(i, m)| Some(i) != existing && clash(m))
    {
        return invalid("Milestone", "title", "already_exists");
    }
    let due_on = match body.get("due_on") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(v) => match v.as_str().and_then(pacific_midnight) {
            Some(d) => Some(Some(d)),
            None => return invalid("Milestone", "due_on", "invalid"),
        },
    };
    let state = body["state"].as_str();
    if state.is_some_and(|s| s != "open" && s != "closed") {
        return invalid("Milestone", "state", "invalid");
    }
    let t = now();
    let pos = match existing {
        Some(pos) => pos,
        None => {
            let id = w.next_id();
            let repo = &mut w.repos[idx];
            let number = repo.milestones.len() as u64 + 1;
            repo.milestones.push(Milestone {
                id,
                number,
                title: String::new(),
                description: None,
                state: "open".into(),
                due_on: None,
                created_at: t.clone(),
                updated_at: t.clone(),
                closed_at: None,
            });
            repo.milestones.len() - 1
        }
    };
    let m = &mut w.repos[idx].milestones[pos];
    if let Some(title) = title {
        m.title = title.into();
    }
    if let Some(d) = body.get("description") {
        m.description = d.as_str().map(String::from);
    }
    if let Some(d) = due_on {
        m.due_on = d;
    }
    if let Some(s) = state {
        m.closed_at = match s {
            "closed" => m.closed_at.clone().or(Some(t.clone())),
            _ => None,
        };
        m.state = s.into();
    }
    m.updated_at = t;
    let repo = &w.repos[idx];
    let status = if existing.is_some() { 200 } else { 201 };
    Reply::json(status, w.milestone_json(repo, &repo.milestones[pos])).with_location()
}
