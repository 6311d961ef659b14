//! What an item's issue should say: title, body, labels, assignees,
//! milestone; and how pmtrack's labels merge with the ones people added.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};

use super::due::last_day_of_month;
use super::identity::Item;
use super::{Change, LabelSpec, MilestoneSpec, PlanInput, MAX_ASSIGNEES};
use crate::config::{Labels, MilestoneMode};
use crate::insight::kind::{self, Vocabulary};
use crate::issue_text::{self, BodyContext};
use crate::model::{Horizon, ItemType, Priority, Task};
use crate::parse::text::collapse;

/// What an item's issue should look like.
pub(super) struct Wanted {
    pub(super) title: String,
    /// Body with a marker that records the wanted milestone (flags unset).
    pub(super) body: String,
    pub(super) labels: Vec<String>,
    pub(super) assignees: Vec<String>,
    pub(super) milestone: Option<MilestoneSpec>,
}

pub(super) fn wanted(
    item: &Item,
    due: Option<NaiveDate>,
    pm_due: Option<NaiveDate>,
    input: &PlanInput,
    warnings: &mut Vec<String>,
) -> Wanted {
    let task = item.task;
    let config = input.config;
    let mut assignees: Vec<String> = Vec::new();
    for owner in &task.owners {
        let login = owner.trim().trim_start_matches('@');
        if !is_login(login) {
            warnings.push(format!(
                "{}: owner `{owner}` is not a GitHub login; not assigned (write `@login` to assign)",
                item.at()
            ));
        } else if input
            .assignable
            .is_some_and(|set| !set.contains(&login.to_ascii_lowercase()))
        {
            warnings.push(format!(
                "{}: owner `{login}` cannot be assigned in {} (not a collaborator); not assigned",
                item.at(),
                input.repo
            ));
        } else if !assignees.iter().any(|a| a.eq_ignore_ascii_case(login)) {
            assignees.push(login.to_owned());
        }
    }
    if assignees.len() > MAX_ASSIGNEES {
        warnings.push(format!(
            "{}: {} owners, but GitHub assigns at most {MAX_ASSIGNEES}; assigned the first {MAX_ASSIGNEES}",
            item.at(),
            assignees.len()
        ));
        assignees.truncate(MAX_ASSIGNEES);
    }
    let milestone = match config.milestones {
        MilestoneMode::None => None,
        MilestoneMode::Postmortem => {
            let title = collapse(&item.pm.title);
            Some(MilestoneSpec {
                title: if title.is_empty() {
                    item.pm.path.clone()
                } else {
                    title
                },
                due_on: pm_due,
            })
        }
        MilestoneMode::DueMonth => due.map(|d| MilestoneSpec {
            title: format!("Due {:04}-{:02}", d.year(), d.month()),
            due_on: last_day_of_month(d),
        }),
    };
    let ctx = BodyContext {
        repo: input.repo,
        server_url: input.server_url,
        branch: input.branch,
        assignees: &assignees,
    };
    let mut body = issue_text::issue_body(task, item.pm, due, &ctx);
    if let Some(ms) = &milestone {
        if let Some(mut m) = issue_text::parse_marker(&body) {
            m.milestone = Some(ms.title.clone());
            body = issue_text::with_marker(&body, &m);
        }
    }
    Wanted {
        title: issue_text::issue_title(task),
        body,
        labels: wanted_labels(task, &config.labels, &config.types),
        assignees,
        milestone,
    }
}

/// Whether GitHub could accept `s` as a login: letters, digits and hyphens,
/// not starting with a hyphen, at most 39 characters.
pub(super) fn is_login(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 39
        && !s.starts_with('-')
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Labels an item's issue should carry, base first, without repeats.
pub(super) fn wanted_labels(task: &Task, cfg: &Labels, types: &Vocabulary) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |l: &str| {
        let l = l.trim();
        if !l.is_empty() && !out.iter().any(|x| x.eq_ignore_ascii_case(l)) {
            out.push(l.to_owned());
        }
    };
    add(&cfg.base);
    if let Some(h) = task.horizon.and_then(|h| cfg.horizon_label(h)) {
        add(&h);
    }
    if cfg.priority {
        if let Some(p) = task.priority {
            add(p.as_str());
        }
    }
    if let Some(g) = cfg.group_label(&task.group) {
        add(g);
    }
    for e in &cfg.extra {
        add(e);
    }
    if cfg.types {
        let t = kind::classify(task.type_cell.as_deref(), &task.title, &task.detail, types);
        if let Some(t) = t {
            add(&format!("{TYPE_PREFIX}{}", t.as_str()));
        }
    }
    out
}

/// Prefix of type labels (`type:detect`).
const TYPE_PREFIX: &str = "type:";

/// The kinds of label pmtrack manages.
#[derive(Clone, Copy)]
pub(super) enum LabelKind {
    Base,
    Horizon(Horizon),
    Priority(Priority),
    Group,
    Extra,
    Type,
}

pub(super) const HORIZONS: [Horizon; 4] = [
    Horizon::Immediate,
    Horizon::ShortTerm,
    Horizon::MediumTerm,
    Horizon::LongTerm,
];
pub(super) const PRIORITIES: [Priority; 4] =
    [Priority::P0, Priority::P1, Priority::P2, Priority::P3];

/// Which kind of pmtrack label `name` is, if any. Horizon labels are the
/// prefix plus a horizon name (not anything with the prefix, so a person's
/// `pm:blocked` is kept); `P0`–`P3` only while priority labels are on.
pub(super) fn label_kind(name: &str, cfg: &Labels) -> Option<LabelKind> {
    let is = |l: &str| l.trim().eq_ignore_ascii_case(name.trim());
    if is(&cfg.base) {
        return Some(LabelKind::Base);
    }
    if let Some(h) = HORIZONS
        .into_iter()
        .find(|h| is(&format!("{}{}", cfg.horizon_prefix, h.label_name())))
    {
        return Some(LabelKind::Horizon(h));
    }
    if cfg.priority {
        if let Some(p) = PRIORITIES.into_iter().find(|p| is(p.as_str())) {
            return Some(LabelKind::Priority(p));
        }
    }
    if cfg.groups.values().any(|g| is(g)) {
        return Some(LabelKind::Group);
    }
    if cfg.extra.iter().any(|e| is(e)) {
        return Some(LabelKind::Extra);
    }
    if cfg.types {
        let named = name
            .get(..TYPE_PREFIX.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(TYPE_PREFIX))
            && ItemType::ALL
                .iter()
                .any(|t| name[TYPE_PREFIX.len()..].eq_ignore_ascii_case(t.as_str()));
        if named {
            return Some(LabelKind::Type);
        }
    }
    None
}

/// (current − managed-but-unwanted) ∪ wanted, keeping current order.
pub(super) fn merge_labels(current: &[String], wanted: &[String], cfg: &Labels) -> Vec<String> {
    let has = |set: &[String], l: &str| set.iter().any(|x| x.eq_ignore_ascii_case(l));
    let mut out: Vec<String> = current
        .iter()
        .filter(|l| label_kind(l, cfg).is_none() || has(wanted, l))
        .cloned()
        .collect();
    for l in wanted {
        if !has(&out, l) {
            out.push(l.clone());
        }
    }
    out
}

/// Same names, ignoring case and order.
pub(super) fn same_set(a: &[String], b: &[String]) -> bool {
    let norm = |v: &[String]| v.iter().map(|s| s.to_lowercase()).collect::<BTreeSet<_>>();
    norm(a) == norm(b)
}

/// `+added −removed`, for `why`.
pub(super) fn describe_diff(old: &[String], new: &[String]) -> String {
    let has = |set: &[String], l: &str| set.iter().any(|x| x.eq_ignore_ascii_case(l));
    let mut parts: Vec<String> = new
        .iter()
        .filter(|l| !has(old, l))
        .map(|l| format!("+{l}"))
        .collect();
    parts.extend(old.iter().filter(|l| !has(new, l)).map(|l| format!("−{l}")));
    parts.join(" ")
}

/// Colour and description of every pmtrack label the changes set.
pub(super) fn label_specs(changes: &[Change], cfg: &Labels) -> Vec<LabelSpec> {
    let mut out: Vec<LabelSpec> = Vec::new();
    for c in changes {
        let names = match c {
            Change::Create { fields, .. } => &fields.labels,
            Change::Update {
                labels: Some(l), ..
            } => l,
            _ => continue,
        };
        for name in names {
            if out.iter().any(|s| s.name.eq_ignore_ascii_case(name)) {
                continue;
            }
            let Some(kind) = label_kind(name, cfg) else {
                continue;
            };
            let (color, description) = match kind {
                LabelKind::Base => ("5319e7", "postmortem action item".to_owned()),
                LabelKind::Horizon(h) => (
                    match h {
                        Horizon::Immediate => "b60205",
                        Horizon::ShortTerm => "d93f0b",
                        Horizon::MediumTerm => "fbca04",
                        Horizon::LongTerm => "0e8a16",
                    },
                    format!(
                        "postmortem action item: {}",
                        h.label_name().replace('-', " ")
                    ),
                ),
                LabelKind::Priority(p) => match p {
                    Priority::P0 => ("b60205", "priority P0: critical".to_owned()),
                    Priority::P1 => ("d93f0b", "priority P1: high".to_owned()),
                    Priority::P2 => ("fbca04", "priority P2: medium".to_owned()),
                    Priority::P3 => ("c5def5", "priority P3: low".to_owned()),
                },
                LabelKind::Group => ("1d76db", "postmortem action item group".to_owned()),
                LabelKind::Extra => (
                    "bfdadc",
                    "added to postmortem action items by pmtrack".to_owned(),
                ),
                LabelKind::Type => (
                    "c5def5",
                    format!(
                        "postmortem action item type: {}",
                        &name[TYPE_PREFIX.len()..]
                    ),
                ),
            };
            out.push(LabelSpec {
                name: name.clone(),
                color: color.to_owned(),
                description,
            });
        }
    }
    out
}

/// Every milestone the changes set, once (the latest due date wins).
pub(super) fn milestone_specs(changes: &[Change]) -> Vec<MilestoneSpec> {
    let mut out: Vec<MilestoneSpec> = Vec::new();
    for c in changes {
        let ms = match c {
            Change::Create { fields, .. } => fields.milestone.as_ref(),
            Change::Update { milestone, .. } => milestone.as_ref(),
            _ => None,
        };
        let Some(ms) = ms else { continue };
        match out.iter_mut().find(|m| m.title == ms.title) {
            Some(m) => m.due_on = m.due_on.max(ms.due_on),
            None => out.push(ms.clone()),
        }
    }
    out
}
