//! Self-tests of `support::fake_github` (driven by real octocrab 0.54.9 traffic)
//! and of `support::openapi` (which must be able to fail). They never touch
//! the network beyond 127.0.0.1.

use crate::support::fake_github::{FakeGitHub, Fault, FaultKind};
use crate::support::openapi::OpenApi;
use octocrab::models::issues::{Issue, IssueStateReason};
use octocrab::models::IssueState;
use octocrab::{params, GitHubError, Octocrab};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::time::Duration;

const ISSUES: &str = "/repos/acme/svc/issues";

/// A fake with repository `acme/svc` and an octocrab client for it.
struct Setup {
    gh: FakeGitHub,
    crab: Octocrab,
}

fn setup() -> Setup {
    let gh = FakeGitHub::start();
    gh.add_repo("acme", "svc");
    let crab = client(&gh, "secret");
    Setup { gh, crab }
}

fn client(gh: &FakeGitHub, token: &str) -> Octocrab {
    Octocrab::builder()
        .base_uri(gh.url())
        .unwrap()
        .personal_token(token.to_string())
        .set_connect_timeout(Some(Duration::from_secs(5)))
        .set_read_timeout(Some(Duration::from_secs(10)))
        .build()
        .unwrap()
}

impl Setup {
    fn issues(&self) -> octocrab::issues::IssueHandler<'_> {
        self.crab.issues("acme", "svc")
    }

    async fn create(&self, title: &str) -> octocrab::Result<Issue> {
        self.issues().create(title).send().await
    }

    /// GET through octocrab's raw API: (status, headers, JSON body or Null).
    async fn get(&self, path: &str, if_none_match: Option<&str>) -> (u16, http::HeaderMap, Value) {
        let mut map = http::HeaderMap::new();
        if let Some(etag) = if_none_match {
            map.insert("if-none-match", etag.parse().unwrap());
        }
        let resp = self.crab._get_with_headers(path, Some(map)).await.unwrap();
        let (status, headers) = (resp.status().as_u16(), resp.headers().clone());
        let text = self.crab.body_to_string(resp).await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        (status, headers, body)
    }

    /// Creates issues as "a human", without traffic.
    fn seed(&self, range: std::ops::Range<usize>) {
        for n in range {
            self.gh
                .act("POST", ISSUES, json!({"title": format!("t{n}")}));
        }
    }
}

fn github_error(e: octocrab::Error) -> GitHubError {
    match e {
        octocrab::Error::GitHub { source, .. } => *source,
        other => panic!("expected an error answer from GitHub, got {other:?}"),
    }
}

fn header<'a>(h: &'a http::HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

fn len(v: &Value) -> usize {
    v.as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn link_pagination_lists_250_issues_in_3_gets() {
    let t = setup();
    for n in 0..250 {
        t.create(&format!("task {n}")).await.unwrap();
    }
    t.gh.close_issue("acme", "svc", 7, "completed");
    t.gh.reset_log();
    let issues = t.issues();
    let list = issues.list().state(params::State::All).per_page(100u8);
    let all = t.crab.all_pages(list.send().await.unwrap()).await.unwrap();
    let mut numbers: Vec<u64> = all.iter().map(|i| i.number).collect();
    assert_eq!(numbers[..2], [250, 249], "newest first by default");
    numbers.sort_unstable();
    numbers.dedup();
    assert_eq!((numbers.len(), t.gh.count("GET")), (250, 3));
    let log = t.gh.requests();
    assert!(log[1].path.starts_with("/repositories/"), "{}", log[1].path);
    assert!(log[1].query.contains("page=2") && log[2].query.contains("page=3"));
    // Without state=all the closed one is left out.
    let open = t.issues().list().per_page(100u8).send().await.unwrap();
    assert_eq!(t.crab.all_pages(open).await.unwrap().len(), 249);
    t.gh.assert_clean();
}

#[tokio::test]
async fn link_rels_come_in_github_order_and_per_page_is_capped() {
    let t = setup();
    t.seed(0..25);
    let (_, h, body) = t.get(&format!("{ISSUES}?per_page=5&page=2"), None).await;
    assert_eq!(len(&body), 5);
    let link = header(&h, "link");
    let rels: Vec<&str> = link
        .split(", ")
        .filter_map(|l| l.split_once("rel="))
        .map(|p| p.1)
        .collect();
    assert_eq!(
        rels,
        ["\"prev\"", "\"next\"", "\"last\"", "\"first\""],
        "{link}"
    );
    assert!(
        link.starts_with(&format!("<{}/repositories/", t.gh.url())),
        "{link}"
    );
    assert!(link.contains("per_page=5&page=5>; rel=\"last\""), "{link}");
    let (_, h, _) = t.get(&format!("{ISSUES}?per_page=5"), None).await;
    let first = header(&h, "link");
    assert!(first.contains("\"next\"") && first.contains("\"last\"") && !first.contains("prev"));
    let (_, h, body) = t.get(&format!("{ISSUES}?per_page=5&page=5"), None).await;
    let last = header(&h, "link");
    assert!(
        len(&body) == 5 && !last.contains("next") && last.contains("first"),
        "{last}"
    );
    t.seed(25..130);
    let (_, _, body) = t.get(&format!("{ISSUES}?per_page=500"), None).await;
    assert_eq!(len(&body), 100, "per_page is capped at 100");
    let (_, _, body) = t.get(ISSUES, None).await;
    assert_eq!(len(&body), 30, "per_page defaults to 30");
    t.gh.assert_clean();
}

#[tokio::test]
async fn unknown_labels_are_created_ededed_and_names_match_case_insensitively() {
    let t = setup();
    let labels = vec!["pm:short-term".to_string(), "BUG".to_string()];
    let issue = t.issues().create("t").labels(labels).send().await.unwrap();
    let names: Vec<&str> = issue.labels.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["pm:short-term", "bug"]);
    let all = t.gh.labels("acme", "svc");
    assert_eq!(all.len(), 10, "9 defaults + 1 created");
    let created = all.iter().find(|l| l["name"] == "pm:short-term").unwrap();
    assert_eq!(created["color"], "ededed");
    assert_eq!(created["description"], Value::Null);
    let added = t.issues().add_labels(1, &["Later".into()]).await.unwrap();
    assert_eq!(added.len(), 3);
    let left = t.issues().remove_label(1, "PM:Short-Term").await.unwrap();
    let left: Vec<&str> = left.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(left, ["bug", "Later"]);
    let err = t.issues().create_label("LATER", "ffffff", "").await;
    let err = github_error(err.unwrap_err());
    assert_eq!(err.status_code, 422);
    assert_eq!(err.errors.unwrap()[0]["code"], "already_exists");
    t.gh.assert_clean();
}

#[tokio::test]
async fn unassignable_assignee_fails_the_whole_create() {
    let t = setup();
    t.gh.add_collaborator("acme", "svc", "alice");
    let issues = t.issues();
    let bad = vec!["alice".to_string(), "mallory".to_string()];
    let create = issues.create("t").assignees(bad).labels(vec!["new".into()]);
    let err = github_error(create.send().await.unwrap_err());
    assert_eq!(err.status_code, 422);
    assert_eq!(err.message, "Validation Failed");
    let expected = json!({"value": ["mallory"], "resource": "Issue", "field": "assignees",
                          "code": "invalid"});
    assert_eq!(err.errors.unwrap()[0], expected);
    assert!(t.gh.issues("acme", "svc").is_empty());
    let labels = t.gh.labels("acme", "svc");
    assert_eq!(labels.len(), 9, "no label created by a failed request");
    let create = issues.create("t").assignees(vec!["alice".into()]);
    assert_eq!(create.send().await.unwrap().assignees[0].login, "alice");
    t.gh.assert_clean();
}

#[tokio::test]
async fn long_or_missing_title_is_422() {
    let t = setup();
    let err = github_error(t.create(&"x".repeat(257)).await.unwrap_err());
    let e = &err.errors.unwrap()[0];
    assert_eq!(
        (&e["code"], &e["field"]),
        (&json!("custom"), &json!("title"))
    );
    t.create(&"x".repeat(256)).await.unwrap();
    let untitled = json!({"body": "b"});
    let err = t.crab.post::<_, Value>(ISSUES, Some(&untitled)).await;
    let err = github_error(err.unwrap_err());
    assert_eq!(err.status_code, 422);
    assert!(
        err.message.contains("\"title\" wasn't supplied"),
        "{}",
        err.message
    );
    assert_eq!(t.gh.issues("acme", "svc").len(), 1);
    // The request without a title is itself outside the description.
    let v = t.gh.violations();
    assert!(
        v.len() == 1 && v[0].contains("missing required property \"title\""),
        "{v:?}"
    );
}

#[tokio::test]
async fn etag_304_does_not_spend_the_rate_limit() {
    let t = setup();
    let (status, h, _) = t.get(ISSUES, None).await;
    let etag = header(&h, "etag").to_string();
    assert!(etag.starts_with('"') && status == 200, "{etag}");
    let (status, h, body) = t.get(ISSUES, Some(&etag)).await;
    assert_eq!((status, body), (304, Value::Null));
    assert_eq!(header(&h, "x-ratelimit-remaining"), "4999");
    assert_eq!(t.gh.rate_points_spent(), 1);
    t.create("t").await.unwrap();
    let (status, h, _) = t.get(ISSUES, Some(&etag)).await;
    assert_eq!(status, 200, "the list changed, so the ETag did");
    assert_ne!(header(&h, "etag"), etag);
    assert_eq!(t.gh.rate_points_spent(), 3);
    t.gh.assert_clean();
}

#[tokio::test]
async fn rate_limit_counts_down_per_token_then_refuses() {
    let t = setup();
    for expected in ["4999", "4998", "4997"] {
        let (_, h, _) = t.get("/repos/acme/svc", None).await;
        assert_eq!(header(&h, "x-ratelimit-remaining"), expected);
        assert_eq!(header(&h, "x-ratelimit-resource"), "core");
    }
    let other = client(&t.gh, "another-token");
    let repo = other._get("/repos/acme/svc").await.unwrap();
    let remaining = header(repo.headers(), "x-ratelimit-remaining");
    assert_eq!(remaining, "4999", "each token has its own bucket");
    let rate = t.crab.ratelimit().get().await.unwrap();
    let core = rate.resources.core.remaining;
    assert_eq!(
        (core, t.gh.rate_points_spent()),
        (4997, 4),
        "/rate_limit is free"
    );
    let reset = chrono::Utc::now().timestamp() as u64 + 3600;
    t.gh.set_rate_limit(1, reset);
    t.issues().get(1).await.unwrap_err(); // a 404 also spends the last point
    let err = github_error(t.crab.repos("acme", "svc").get().await.unwrap_err());
    assert_eq!(err.status_code, 403);
    let expected = "API rate limit exceeded for user ID 1.";
    assert!(err.message.starts_with(expected), "{}", err.message);
    let headers = err.headers.unwrap();
    assert_eq!(header(&headers, "x-ratelimit-remaining"), "0");
    assert_eq!(header(&headers, "x-ratelimit-reset"), reset.to_string());
    t.gh.assert_clean();
}

fn post_issues(kind: FaultKind) -> Fault {
    Fault {
        method: "POST",
        path_contains: "/issues",
        kind,
        times: 1,
    }
}

#[tokio::test]
async fn injected_502_changes_nothing() {
    let t = setup();
    t.gh.inject(post_issues(FaultKind::Status(502)));
    let err = github_error(t.create("t").await.unwrap_err());
    assert_eq!(err.status_code, 502);
    assert!(t.gh.issues("acme", "svc").is_empty());
    let issue = t.create("t").await.unwrap();
    assert_eq!(
        (issue.number, t.gh.count("POST")),
        (1, 2),
        "fault used up; no retry"
    );
    t.gh.assert_clean();
}

#[tokio::test]
async fn dropped_connections_hide_whether_the_create_happened() {
    let t = setup();
    t.gh.inject(post_issues(FaultKind::DropAfterApply));
    t.gh.inject(post_issues(FaultKind::DropBeforeApply));
    let err = t.create("after").await.unwrap_err();
    assert!(!matches!(err, octocrab::Error::GitHub { .. }), "{err:?}");
    let issues = t.gh.issues("acme", "svc");
    assert_eq!((issues.len(), &issues[0]["title"]), (1, &json!("after")));
    t.create("before").await.unwrap_err();
    assert_eq!(t.gh.issues("acme", "svc").len(), 1, "not applied");
    let statuses: Vec<u16> = t.gh.mutating_requests().iter().map(|e| e.status).collect();
    assert_eq!(statuses, [0, 0], "logged as dropped, sent once each");
    t.gh.assert_clean();
}

#[tokio::test]
async fn secondary_limits_carry_retry_after() {
    let t = setup();
    t.gh.inject(post_issues(FaultKind::SecondaryLimit {
        retry_after_secs: 7,
    }));
    t.gh.inject(post_issues(FaultKind::SecondaryLimit429 {
        retry_after_secs: 3,
    }));
    for (status, secs) in [(403, "7"), (429, "3")] {
        let err = github_error(t.create("t").await.unwrap_err());
        assert_eq!(err.status_code, status);
        assert!(err
            .message
            .starts_with("You have exceeded a secondary rate limit"));
        assert_eq!(header(&err.headers.unwrap(), "retry-after"), secs);
    }
    assert!(t.gh.issues("acme", "svc").is_empty());
    t.gh.assert_clean();
}

#[tokio::test]
async fn bad_token_is_401_and_tokens_are_never_logged() {
    let t = setup();
    t.gh.set_token("secret");
    let wrong = client(&t.gh, "wrong-token");
    let err = github_error(wrong.repos("acme", "svc").get().await.unwrap_err());
    assert_eq!(
        (err.status_code.as_u16(), err.message.as_str()),
        (401, "Bad credentials")
    );
    t.crab.repos("acme", "svc").get().await.unwrap();
    let log = t.gh.requests();
    assert_eq!(log.iter().map(|e| e.status).collect::<Vec<_>>(), [401, 200]);
    assert_eq!(log[1].header("authorization"), Some("Bearer ***"));
    let dump = format!("{log:?}");
    assert!(!dump.contains("secret") && !dump.contains("wrong-token"));
    t.gh.assert_clean();
}

#[tokio::test]
async fn unknown_repo_is_404_and_missing_user_agent_is_403() {
    let t = setup();
    let err = github_error(t.crab.repos("acme", "nope").get().await.unwrap_err());
    assert_eq!(
        (err.status_code.as_u16(), err.message.as_str()),
        (404, "Not Found")
    );
    let addr = t.gh.url().replace("http://", "");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    let request = "GET /repos/acme/svc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    t.gh.assert_clean();
}

#[tokio::test]
async fn issue_lifecycle_comments_and_milestones_match_the_description() {
    let t = setup();
    let issues = t.issues();
    assert_eq!(t.crab.current().user().await.unwrap().login, "octocat");
    let due = "2024-03-01T00:00:00Z".parse::<chrono::DateTime<chrono::Utc>>();
    let m = issues
        .milestones()
        .create("Q1")
        .due_on(due.unwrap())
        .send()
        .await;
    let due = m.unwrap().due_on.unwrap().to_rfc3339();
    assert_eq!(due, "2024-02-29T08:00:00+00:00", "midnight Pacific");
    let crab = &t.crab;
    let patch = |body: Value| async move {
        let path = "/repos/acme/svc/milestones/1";
        crab.patch::<Value, _, _>(path, Some(&body)).await.unwrap()
    };
    let summer = patch(json!({"due_on": "2024-07-01T00:00:00Z"})).await;
    assert_eq!(summer["due_on"], "2024-06-30T07:00:00Z");
    assert_eq!(patch(json!({"due_on": null})).await["due_on"], Value::Null);
    let issue = issues
        .create("t")
        .milestone(1u64)
        .body("b")
        .send()
        .await
        .unwrap();
    assert_eq!(issue.milestone.unwrap().title, "Q1");
    let closed = issues
        .update(1)
        .state(IssueState::Closed)
        .send()
        .await
        .unwrap();
    assert_eq!(closed.state_reason, Some(IssueStateReason::Completed));
    assert!(closed.closed_at.is_some());
    let reopened = issues
        .update(1)
        .state(IssueState::Open)
        .send()
        .await
        .unwrap();
    assert_eq!(reopened.state_reason, Some(IssueStateReason::Reopened));
    assert_eq!(reopened.closed_at, None);
    t.gh.close_issue("acme", "svc", 1, "not_planned");
    let seen = issues.get(1).await.unwrap();
    assert_eq!(seen.state_reason, Some(IssueStateReason::NotPlanned));
    assert_eq!(seen.closed_by.unwrap().login, "monalisa");
    t.gh.edit_issue_title("acme", "svc", 1, "renamed");
    assert_eq!(issues.get(1).await.unwrap().title, "renamed");
    let c = issues.create_comment(1, "first").await.unwrap();
    issues.update_comment(c.id, "edited").await.unwrap(); // POST where PATCH is documented
    let listed = issues.list_comments(1).send().await.unwrap();
    assert_eq!(listed.items[0].body.as_deref(), Some("edited"));
    assert_eq!(t.gh.comments("acme", "svc", 1)[0]["body"], "edited");
    let label = issues
        .update_label("bug", "defect", "000000", "broken")
        .await
        .unwrap();
    assert_eq!(issues.get_label("DEFECT").await.unwrap().id, label.id);
    let labels = issues
        .list_labels_for_repo()
        .per_page(5u8)
        .send()
        .await
        .unwrap();
    assert_eq!(t.crab.all_pages(labels).await.unwrap().len(), 9);
    t.crab.repos("acme", "svc").get().await.unwrap();
    let milestones = issues
        .milestones()
        .list()
        .state(params::State::All)
        .send()
        .await;
    assert_eq!(milestones.unwrap().items[0].closed_issues, Some(1));
    t.gh.assert_clean();
}

#[tokio::test]
async fn unserved_endpoint_is_404_and_a_violation() {
    let t = setup();
    let err = t.crab.pulls("acme", "svc").list().send().await.unwrap_err();
    assert_eq!(github_error(err).status_code, 404);
    let v = t.gh.violations().join("\n");
    assert!(v.contains("no route for GET /repos/acme/svc/pulls"), "{v}");
    if OpenApi::load().is_some() {
        assert!(
            v.contains("undescribed endpoint: GET /repos/acme/svc/pulls"),
            "{v}"
        );
    }
    let clean = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| t.gh.assert_clean()));
    assert!(clean.is_err(), "assert_clean must fail on violations");
}

/// A hand-made description, so the validator is tested even without the file.
fn mini_api() -> OpenApi {
    let tag = json!({"oneOf": [{"type": "string"}, {"type": "object",
        "additionalProperties": false, "properties": {"name": {"type": "string"}}}]});
    let thing = json!({"type": "object", "required": ["id", "tags"], "properties": {
        "id": {"type": "integer"},
        "note": {"type": "string", "nullable": true},
        "tags": {"type": "array", "items": tag}}});
    let params = json!([
        {"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}},
        {"name": "state", "in": "query", "schema": {"type": "string", "enum": ["open", "closed"]}}
    ]);
    let ok = json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/thing"}}}});
    OpenApi::from_value(json!({
        "paths": {"/things/{id}": {"get": {"parameters": params, "responses": {"200": ok}}}},
        "components": {"schemas": {"thing": thing}}
    }))
}

#[test]
fn validator_accepts_a_valid_exchange() {
    let body = json!({"id": 1, "note": null, "tags": ["a", {"name": "b"}], "extra": true});
    let problems = mini_api().check("GET", "/things/1", "state=open", None, 200, Some(&body));
    assert!(problems.is_empty(), "{problems:?}");
}

#[test]
fn validator_catches_wrong_types_missing_fields_and_bad_params() {
    let api = mini_api();
    let check = |path, query, status, body: Value| {
        api.check("GET", path, query, None, status, Some(&body))
            .join("\n")
    };
    let p = check("/things/1", "", 200, json!({"id": "1", "tags": []}));
    assert!(
        p.contains("response 200.id: expected integer, got \"1\""),
        "{p}"
    );
    let p = check("/things/1", "", 200, json!({"id": 1}));
    assert!(p.contains("missing required property \"tags\""), "{p}");
    let p = check(
        "/things/1",
        "",
        200,
        json!({"id": 1, "tags": [{"name": "b", "x": 1}]}),
    );
    assert!(p.contains("tags[0]: matches none of 2 alternatives"), "{p}");
    let p = check(
        "/things/x",
        "state=shut&per_page=5",
        200,
        json!({"id": 1, "tags": []}),
    );
    assert!(
        p.contains("path id: \"x\" is not") && p.contains("\"shut\" not in enum"),
        "{p}"
    );
    assert!(p.contains("unknown query parameter \"per_page\""), "{p}");
    let p = check("/others/1", "", 200, json!({}));
    assert!(p.contains("undescribed endpoint: GET /others/1"), "{p}");
    let p = check("/things/1", "", 201, json!({}));
    assert!(p.contains("status 201 not described"), "{p}");
}

#[test]
fn github_description_rejects_broken_issues_and_allows_real_quirks() {
    let Some(api) = OpenApi::load() else { return };
    let gh = FakeGitHub::start();
    gh.add_repo("acme", "svc");
    let (_, issue) = gh.act("POST", ISSUES, json!({"title": "t", "labels": ["x"]}));
    let get = |body: &Value| {
        let path = "/repos/acme/svc/issues/1";
        api.check("GET", path, "", None, 200, Some(body)).join("\n")
    };
    assert_eq!(get(&issue), "");
    let mut wrong = issue.clone();
    wrong["number"] = json!("1");
    assert!(get(&wrong).contains("response 200.number: expected integer"));
    let mut missing = issue.clone();
    missing.as_object_mut().unwrap().remove("node_id");
    assert!(get(&missing).contains("missing required property \"node_id\""));
    let err = json!({"message": "Validation Failed", "documentation_url": "d", "status": "422",
        "errors": [{"value": ["x"], "resource": "Issue", "field": "assignees", "code": "invalid"}]});
    let body = json!({"title": "t", "assignees": ["x"]});
    let p = api.check(
        "POST",
        "/repos/o/r/issues",
        "",
        Some(&body),
        422,
        Some(&err),
    );
    assert!(p.is_empty(), "{p:?}");
    let clear = json!({"due_on": null});
    let p = api.check(
        "PATCH",
        "/repos/o/r/milestones/1",
        "",
        Some(&clear),
        0,
        None,
    );
    assert!(p.is_empty(), "{p:?}");
    let query = "per_page=100&page=2&state=all";
    let page = json!([issue]);
    let p = api.check(
        "GET",
        "/repositories/42/issues",
        query,
        None,
        200,
        Some(&page),
    );
    assert!(p.is_empty(), "{p:?}");
    let p = api.check("POST", "/repos/o/r/issues/1/lock", "", None, 204, None);
    assert!(p[0].starts_with("undescribed endpoint"), "{p:?}");
}

/// Sub-issues: add by id (not number), one parent per child unless
/// `replace_parent`, never the parent itself, 100 at most; remove, get the
/// parent, list (paginated); every issue carries a correct
/// `sub_issues_summary`. Each exchange is checked against the API subset.
#[tokio::test]
async fn sub_issues_follow_githubs_rules() {
    let t = setup();
    let parent = t.create("parent").await.unwrap();
    let other = t.create("other parent").await.unwrap();
    let a = t.create("a").await.unwrap();
    let b = t.create("b").await.unwrap();
    let crab = &t.crab;
    let post = |n: u64, body: Value| {
        let path = format!("{ISSUES}/{n}/sub_issues");
        async move {
            let resp = crab._post(path, Some(&body)).await.unwrap();
            let status = resp.status().as_u16();
            let text = crab.body_to_string(resp).await.unwrap();
            (
                status,
                serde_json::from_str::<Value>(&text).unwrap_or(Value::Null),
            )
        }
    };
    let p = parent.number;
    let (s, v) = post(p, json!({"sub_issue_id": a.id.0})).await;
    assert_eq!((s, v["number"].as_u64()), (201, Some(p)));
    assert_eq!(post(p, json!({"sub_issue_id": b.id.0})).await.0, 201);
    // Already a child, the parent itself, an unknown id: 422.
    assert_eq!(post(p, json!({"sub_issue_id": a.id.0})).await.0, 422);
    assert_eq!(
        post(other.number, json!({"sub_issue_id": a.id.0})).await.0,
        422
    );
    assert_eq!(post(p, json!({"sub_issue_id": parent.id.0})).await.0, 422);
    // The number is not the id.
    assert_eq!(post(p, json!({"sub_issue_id": a.number})).await.0, 422);
    let (s, _) = post(
        other.number,
        json!({"sub_issue_id": a.id.0, "replace_parent": true}),
    )
    .await;
    assert_eq!(s, 201);
    assert_eq!(t.gh.parent_of("acme", "svc", a.number), Some(other.number));
    assert_eq!(t.gh.children_of("acme", "svc", p), vec![b.number]);

    t.gh.close_issue("acme", "svc", b.number, "completed");
    let (s, _, v) = t.get(&format!("{ISSUES}/{p}"), None).await;
    assert_eq!(s, 200);
    assert_eq!(
        v["sub_issues_summary"],
        json!({"total": 1, "completed": 1, "percent_completed": 100})
    );
    let (s, _, v) = t.get(&format!("{ISSUES}/{}/parent", b.number), None).await;
    assert_eq!((s, v["number"].as_u64()), (200, Some(p)));
    let (_, _, v) = t.get(&format!("{ISSUES}/{}", b.number), None).await;
    assert!(v["parent_issue_url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/repos/acme/svc/issues/{p}")));
    let (s, _, v) = t
        .get(&format!("{ISSUES}/{p}/sub_issues?per_page=1"), None)
        .await;
    assert_eq!((s, v.as_array().unwrap().len()), (200, 1));

    let resp = t
        .crab
        ._delete(
            format!("{ISSUES}/{p}/sub_issue"),
            Some(&json!({"sub_issue_id": b.id.0})),
        )
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(t.gh.parent_of("acme", "svc", b.number), None);
    let (s, _, _) = t.get(&format!("{ISSUES}/{}/parent", b.number), None).await;
    assert_eq!(s, 404);

    // At most 100 children (a is under `other` now, b removed).
    for n in 0..100 {
        let c = t.create(&format!("c{n}")).await.unwrap();
        assert_eq!(post(p, json!({"sub_issue_id": c.id.0})).await.0, 201);
    }
    let c = t.create("one too many").await.unwrap();
    assert_eq!(post(p, json!({"sub_issue_id": c.id.0})).await.0, 422);
    t.gh.assert_clean();
}

/// An older GitHub Enterprise Server: the endpoints answer 404.
#[tokio::test]
async fn without_sub_issues_the_endpoints_are_not_found() {
    let t = setup();
    t.gh.without_sub_issues();
    let a = t.create("a").await.unwrap();
    let (s, _, v) = t
        .get(&format!("{ISSUES}/{}/sub_issues", a.number), None)
        .await;
    assert_eq!(s, 404);
    assert!(v.get("sub_issues_summary").is_none());
    let (_, _, v) = t.get(&format!("{ISSUES}/{}", a.number), None).await;
    assert!(v.get("sub_issues_summary").is_none() && v.get("parent_issue_url").is_none());
    t.gh.assert_clean();
}
