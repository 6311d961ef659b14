//! The fake GitHub's in-memory world (repositories, issues, labels, milestones,
//! comments) and how each object renders as the full JSON GitHub sends.
//!
//! No HTTP here and no request validation: `routes` decides what a request does,
//! this module only stores and renders. Objects are shaped like the recorded
//! responses in `../shared/github-api/fixtures` because octocrab's models need
//! nearly every field.

use serde_json::{json, Value};

/// The login the API token belongs to (`GET /user`, author of API-created objects).
pub const API_USER: &str = "octocat";
/// The login used by test hooks that play "a human did it on github.com".
pub const HUMAN_USER: &str = "monalisa";

/// The 9 labels every new repository has (`fixtures/labels.raw.json`).
const DEFAULT_LABELS: [(&str, &str, &str); 9] = [
    ("bug", "d73a4a", "Something isn't working"),
    (
        "documentation",
        "0075ca",
        "Improvements or additions to documentation",
    ),
    (
        "duplicate",
        "cfd3d7",
        "This issue or pull request already exists",
    ),
    ("enhancement", "a2eeef", "New feature or request"),
    ("good first issue", "7057ff", "Good for newcomers"),
    ("help wanted", "008672", "Extra attention is needed"),
    ("invalid", "e4e669", "This doesn't seem right"),
    ("question", "d876e3", "Further information is requested"),
    ("wontfix", "ffffff", "This will not be worked on"),
];

/// `key=suffix` pairs of the repository's URL fields (`{u}{suffix}`).
const REPO_URLS: &str = "\
    forks_url=/forks keys_url=/keys{/key_id} collaborators_url=/collaborators{/collaborator} \
    teams_url=/teams hooks_url=/hooks issue_events_url=/issues/events{/number} \
    events_url=/events assignees_url=/assignees{/user} branches_url=/branches{/branch} \
    tags_url=/tags blobs_url=/git/blobs{/sha} git_tags_url=/git/tags{/sha} \
    git_refs_url=/git/refs{/sha} trees_url=/git/trees{/sha} statuses_url=/statuses/{sha} \
    languages_url=/languages stargazers_url=/stargazers contributors_url=/contributors \
    subscribers_url=/subscribers subscription_url=/subscription commits_url=/commits{/sha} \
    git_commits_url=/git/commits{/sha} comments_url=/comments{/number} \
    issue_comment_url=/issues/comments{/number} contents_url=/contents/{+path} \
    compare_url=/compare/{base}...{head} merges_url=/merges archive_url=/{archive_format}{/ref} \
    downloads_url=/downloads issues_url=/issues{/number} pulls_url=/pulls{/number} \
    milestones_url=/milestones{/number} \
    notifications_url=/notifications{?since,all,participating} labels_url=/labels{/name} \
    releases_url=/releases{/id} deployments_url=/deployments";

pub struct Label {
    pub id: u64,
    pub name: String,
    pub color: String,
    pub description: Option<String>,
    pub default: bool,
}

pub struct Comment {
    pub id: u64,
    pub body: String,
    pub user: String,
    pub created_at: String,
    pub updated_at: String,
}

pub struct Issue {
    pub id: u64,
    pub number: u64,
    pub title: String,
    pub body: Option<String>,
    pub user: String,
    pub state: String,
    pub state_reason: Option<String>,
    /// Label ids, so a renamed label shows its new name.
    pub labels: Vec<u64>,
    pub assignees: Vec<String>,
    pub milestone: Option<u64>,
    pub comments: Vec<Comment>,
    pub created_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
    /// A pull request (the issues endpoints serve them too): when merged.
    pub pull: Option<Option<String>>,
    /// The number of its parent issue (same repository), when a sub-issue,
    /// and when it was attached (sub-issues list in that order).
    pub parent: Option<(u64, u64)>,
}

pub struct Milestone {
    pub id: u64,
    pub number: u64,
    pub title: String,
    pub description: Option<String>,
    pub state: String,
    pub due_on: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
}

pub struct Repo {
    pub id: u64,
    pub owner: String,
    pub name: String,
    pub labels: Vec<Label>,
    pub issues: Vec<Issue>,
    pub milestones: Vec<Milestone>,
    pub collaborators: Vec<String>,
}

impl Issue {
    /// The timestamp `sort=created|updated` orders by.
    pub fn sort_time(&self, sort: &str) -> &str {
        match sort {
            "updated" => &self.updated_at,
            _ => &self.created_at,
        }
    }
}

impl Repo {
    /// Owner and collaborators can be assigned.
    pub fn assignable(&self, login: &str) -> bool {
        self.owner.eq_ignore_ascii_case(login)
            || self
                .collaborators
                .iter()
                .any(|c| c.eq_ignore_ascii_case(login))
    }

    pub fn label(&self, name: &str) -> Option<&Label> {
        self.labels
            .iter()
            .find(|l| l.name.eq_ignore_ascii_case(name))
    }

    pub fn issue_mut(&mut self, number: u64) -> Option<&mut Issue> {
        self.issues.iter_mut().find(|i| i.number == number)
    }
}

/// Everything the fake knows. Ids are global and increasing, like GitHub's.
pub struct World {
    /// `http://127.0.0.1:PORT`: API URLs in bodies and `Link` headers use it.
    pub base: String,
    pub repos: Vec<Repo>,
    next_id: u64,
    /// Sub-issues exist (false: an older GitHub Enterprise Server, whose
    /// endpoints answer 404 and whose issues carry no sub-issue fields).
    pub sub_issues: bool,
    /// Issues say their parent (`parent_issue_url`); false: a server with
    /// sub-issues whose issue representation does not.
    pub parent_in_issues: bool,
}

impl World {
    pub fn new(base: String) -> World {
        World {
            base,
            repos: Vec::new(),
            next_id: 1_000,
            sub_issues: true,
            parent_in_issues: true,
        }
    }

    pub fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn add_repo(&mut self, owner: &str, name: &str) {
        if self.repo_index(owner, name).is_some() {
            return;
        }
        let id = self.next_id();
        let labels = DEFAULT_LABELS
            .iter()
            .map(|(name, color, desc)| Label {
                id: self.next_id(),
                name: name.to_string(),
                color: color.to_string(),
                description: Some(desc.to_string()),
                default: true,
            })
            .collect();
        self.repos.push(Repo {
            id,
            owner: owner.into(),
            name: name.into(),
            labels,
            issues: Vec::new(),
            milestones: Vec::new(),
            collaborators: Vec::new(),
        });
    }

    /// Owner and name match case-insensitively, as on GitHub.
    pub fn repo_index(&self, owner: &str, name: &str) -> Option<usize> {
        self.repos
            .iter()
            .position(|r| r.owner.eq_ignore_ascii_case(owner) && r.name.eq_ignore_ascii_case(name))
    }

    /// Finds a label by name or creates it as GitHub does for unknown names in
    /// issue requests: colour `ededed`, no description.
    pub fn ensure_label(&mut self, repo: usize, name: &str) -> u64 {
        if let Some(l) = self.repos[repo].label(name) {
            return l.id;
        }
        let id = self.next_id();
        self.repos[repo].labels.push(Label {
            id,
            name: name.into(),
            color: "ededed".into(),
            description: None,
            default: false,
        });
        id
    }

    fn repo_url(&self, repo: &Repo) -> String {
        format!("{}/repos/{}/{}", self.base, repo.owner, repo.name)
    }

    pub fn user_json(&self, login: &str) -> Value {
        let u = format!("{}/users/{login}", self.base);
        let id = user_id(login);
        json!({
            "login": login, "id": id, "node_id": format!("U_fake{id}"),
            "avatar_url": format!("https://avatars.githubusercontent.com/u/{id}?v=4"),
            "gravatar_id": "", "url": u, "html_url": format!("https://github.com/{login}"),
            "followers_url": format!("{u}/followers"),
            "following_url": format!("{u}/following{{/other_user}}"),
            "gists_url": format!("{u}/gists{{/gist_id}}"),
            "starred_url": format!("{u}/starred{{/owner}}{{/repo}}"),
            "subscriptions_url": format!("{u}/subscriptions"),
            "organizations_url": format!("{u}/orgs"), "repos_url": format!("{u}/repos"),
            "events_url": format!("{u}/events{{/privacy}}"),
            "received_events_url": format!("{u}/received_events"),
            "type": "User", "user_view_type": "public", "site_admin": false
        })
    }

    /// `GET /user`: the private view of the token's owner.
    pub fn private_user_json(&self) -> Value {
        let mut u = self.user_json(API_USER);
        let extra = json!({
            "user_view_type": "private", "name": "The Octocat", "company": null,
            "blog": "", "location": null, "email": null, "hireable": null, "bio": null,
            "twitter_username": null, "public_repos": self.repos.len(), "public_gists": 0,
            "followers": 0, "following": 0, "created_at": "2011-01-25T18:44:36Z",
            "updated_at": "2024-01-01T00:00:00Z", "private_gists": 0,
            "total_private_repos": 0, "owned_private_repos": 0, "disk_usage": 0,
            "collaborators": 0, "two_factor_authentication": true
        });
        merge(&mut u, extra);
        u
    }

    pub fn repo_json(&self, repo: &Repo) -> Value {
        let u = self.repo_url(repo);
        let html = format!("https://github.com/{}/{}", repo.owner, repo.name);
        let open = repo.issues.iter().filter(|i| i.state == "open").count();
        let mut v = json!({
            "id": repo.id, "node_id": format!("R_fake{}", repo.id), "name": repo.name,
            "full_name": format!("{}/{}", repo.owner, repo.name), "private": false,
            "owner": self.user_json(&repo.owner), "html_url": html, "description": null,
            "fork": false, "url": u, "created_at": "2024-01-01T00:00:00Z",
            "updated_at": "2024-01-01T00:00:00Z", "pushed_at": "2024-01-01T00:00:00Z",
            "git_url": format!("git://github.com/{}/{}.git", repo.owner, repo.name),
            "ssh_url": format!("git@github.com:{}/{}.git", repo.owner, repo.name),
            "clone_url": format!("{html}.git"), "svn_url": html, "homepage": null,
            "mirror_url": null, "size": 0, "stargazers_count": 0, "watchers_count": 0,
        });
        merge(
            &mut v,
            json!({
                "language": null, "has_issues": true, "has_projects": true, "has_downloads": true,
                "has_wiki": true, "has_pages": false, "has_discussions": false, "forks_count": 0,
                "archived": false, "disabled": false, "open_issues_count": open, "license": null,
                "allow_forking": true, "is_template": false, "web_commit_signoff_required": false,
                "topics": [], "visibility": "public", "forks": 0, "open_issues": open,
                "watchers": 0, "default_branch": "main",
                "permissions": {"admin": true, "maintain": true, "push": true, "triage": true, "pull": true},
                "network_count": 0, "subscribers_count": 1
            }),
        );
        let urls = REPO_URLS
            .split_whitespace()
            .filter_map(|p| p.split_once('='));
        for (key, suffix) in urls {
            v[key] = json!(format!("{u}{suffix}"));
        }
        v
    }

    pub fn label_json(&self, repo: &Repo, label: &Label) -> Value {
        json!({
            "id": label.id, "node_id": format!("LA_fake{}", label.id),
            "url": format!("{}/labels/{}", self.repo_url(repo), pct_encode(&label.name)),
            "name": label.name, "color": label.color, "default": label.default,
            "description": label.description
        })
    }

    pub fn milestone_json(&self, repo: &Repo, m: &Milestone) -> Value {
        let u = format!("{}/milestones/{}", self.repo_url(repo), m.number);
        let count = |state: &str| {
            let of = |i: &&Issue| i.milestone == Some(m.id) && i.state == state;
            repo.issues.iter().filter(of).count()
        };
        json!({
            "url": u, "labels_url": format!("{u}/labels"),
            "html_url": format!("https://github.com/{}/{}/milestone/{}", repo.owner, repo.name, m.number),
            "id": m.id, "node_id": format!("MI_fake{}", m.id), "number": m.number,
            "title": m.title, "description": m.description, "creator": self.user_json(API_USER),
            "open_issues": count("open"), "closed_issues": count("closed"), "state": m.state,
            "created_at": m.created_at, "updated_at": m.updated_at, "due_on": m.due_on,
            "closed_at": m.closed_at
        })
    }

    pub fn comment_json(&self, repo: &Repo, issue: &Issue, c: &Comment) -> Value {
        let ru = self.repo_url(repo);
        json!({
            "url": format!("{ru}/issues/comments/{}", c.id),
            "html_url": format!("https://github.com/{}/{}/issues/{}#issuecomment-{}",
                repo.owner, repo.name, issue.number, c.id),
            "issue_url": format!("{ru}/issues/{}", issue.number),
            "id": c.id, "node_id": format!("IC_fake{}", c.id), "user": self.user_json(&c.user),
            "created_at": c.created_at, "updated_at": c.updated_at, "body": c.body,
            "author_association": "OWNER", "performed_via_github_app": null,
            "reactions": reactions(&format!("{ru}/issues/comments/{}/reactions", c.id))
        })
    }

    pub fn issue_json(&self, repo: &Repo, i: &Issue) -> Value {
        let u = format!("{}/issues/{}", self.repo_url(repo), i.number);
        let labels: Vec<Value> = i
            .labels
            .iter()
            .filter_map(|id| repo.labels.iter().find(|l| l.id == *id))
            .map(|l| self.label_json(repo, l))
            .collect();
        let assignees: Vec<Value> = i.assignees.iter().map(|a| self.user_json(a)).collect();
        let milestone = i
            .milestone
            .and_then(|id| repo.milestones.iter().find(|m| m.id == id))
            .map(|m| self.milestone_json(repo, m));
        let kind = if i.pull.is_some() { "pull" } else { "issues" };
        let html = format!(
            "https://github.com/{}/{}/{kind}/{}",
            repo.owner, repo.name, i.number
        );
        let mut v = json!({
            "url": u, "repository_url": self.repo_url(repo),
            "labels_url": format!("{u}/labels{{/name}}"), "comments_url": format!("{u}/comments"),
            "events_url": format!("{u}/events"),
            "html_url": html,
            "id": i.id, "node_id": format!("I_fake{}", i.id), "number": i.number,
            "title": i.title, "user": self.user_json(&i.user), "labels": labels,
            "state": i.state, "locked": false, "assignee": assignees.first(),
            "assignees": assignees, "milestone": milestone, "comments": i.comments.len(),
            "created_at": i.created_at, "updated_at": i.updated_at, "closed_at": i.closed_at,
            "author_association": "OWNER", "active_lock_reason": null, "body": i.body,
            "closed_by": i.closed_by.as_deref().map(|c| self.user_json(c)),
            "reactions": reactions(&format!("{u}/reactions")),
            "timeline_url": format!("{u}/timeline"), "performed_via_github_app": null,
            "state_reason": i.state_reason
        });
        if self.sub_issues {
            let children: Vec<&Issue> = repo
                .issues
                .iter()
                .filter(|c| c.parent.is_some_and(|(p, _)| p == i.number))
                .collect();
            let total = children.len() as u64;
            let completed = children
                .iter()
                .filter(|c| c.state == "closed" && c.state_reason.as_deref() != Some("not_planned"))
                .count() as u64;
            v["sub_issues_summary"] = json!({
                "total": total, "completed": completed,
                "percent_completed": (completed * 100).checked_div(total).unwrap_or(0),
            });
            if self.parent_in_issues {
                v["parent_issue_url"] = match i.parent {
                    Some((p, _)) => json!(format!("{}/issues/{p}", self.repo_url(repo))),
                    None => Value::Null,
                };
            }
        }
        if let Some(merged_at) = &i.pull {
            let pulls = format!("{}/pulls/{}", self.repo_url(repo), i.number);
            v["pull_request"] = json!({
                "url": pulls, "html_url": html, "diff_url": format!("{html}.diff"),
                "patch_url": format!("{html}.patch"), "merged_at": merged_at,
            });
        }
        v
    }
}

fn reactions(url: &str) -> Value {
    json!({"url": url, "total_count": 0, "+1": 0, "-1": 0, "laugh": 0, "hooray": 0,
           "confused": 0, "heart": 0, "rocket": 0, "eyes": 0})
}

fn merge(into: &mut Value, from: Value) {
    if let (Some(a), Value::Object(b)) = (into.as_object_mut(), from) {
        a.extend(b);
    }
}

/// The token's owner is user 1 (as in "API rate limit exceeded for user ID 1");
/// other logins get a stable id derived from the name.
pub fn user_id(login: &str) -> u64 {
    if login == API_USER {
        return 1;
    }
    let hash = login.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    100 + hash % 1_000_000
}

/// Percent-encodes everything but unreserved characters (a path segment).
pub fn pct_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Now, as GitHub writes timestamps: `2024-01-01T00:00:00Z`.
pub fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// GitHub keeps only a milestone's date in US Pacific time and answers with
/// midnight Pacific in UTC. DST is approximated by month (Mar–Oct: UTC−7).
pub fn pacific_midnight(input: &str) -> Option<String> {
    use chrono::{Datelike, Duration, NaiveDate, Utc};
    let utc = match chrono::DateTime::parse_from_rfc3339(input) {
        Ok(t) => t.with_timezone(&Utc).naive_utc(),
        Err(_) => NaiveDate::parse_from_str(input, "%Y-%m-%d")
            .ok()?
            .and_hms_opt(0, 0, 0)?,
    };
    let offset = |month: u32| if (3..=10).contains(&month) { 7 } else { 8 };
    let day = (utc - Duration::hours(offset(utc.month()))).date();
    let midnight = day.and_hms_opt(0, 0, 0)? + Duration::hours(offset(day.month()));
    Some(midnight.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}
