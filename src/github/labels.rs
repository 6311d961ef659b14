//! Labels and milestones a plan needs: created once when missing, a
//! milestone's due date kept.

use super::http::RequestKind;
use super::wire::WireRepoLabel;
use super::*;
use crate::error::Result;
use crate::plan::{Change, LabelSpec, MilestoneSpec};
use ::http::Method;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

impl GitHub {
    /// Creates the labels changes use that are not known to exist, with
    /// their colour and description. The repository's labels are listed only
    /// when some label is not already seen on a managed issue, so a no-op
    /// sync makes no such call.
    pub(super) async fn ensure_labels(
        &mut self,
        changes: &[&Change],
        specs: &[LabelSpec],
        progress: &dyn Progress,
        report: &mut ApplyResult,
    ) -> Result<()> {
        let mut used = BTreeSet::new();
        for c in changes {
            let names = match c {
                Change::Create { fields, .. } => Some(&fields.labels),
                Change::Update { labels, .. } => labels.as_ref(),
                _ => None,
            };
            used.extend(names.into_iter().flatten().map(|l| l.to_lowercase()));
        }
        for i in self.issues.values() {
            for l in &i.labels {
                used.remove(&l.to_lowercase());
            }
        }
        if used.is_empty() {
            return Ok(());
        }
        let first = format!("{}/labels?per_page=100", self.repo_path());
        let existing: BTreeSet<String> = match self.get_all::<WireRepoLabel>(first, progress).await
        {
            Ok(labels) => labels.into_iter().map(|l| l.name.to_lowercase()).collect(),
            Err(f) if Self::is_fatal(&f) => return Err(self.error("list labels", &f)),
            Err(f) => {
                progress.note(&format!(
                    "cannot list the labels of {} ({}); GitHub creates missing ones without colour",
                    self.full_name(),
                    f.describe()
                ));
                return Ok(());
            }
        };
        let note = |l: &str| progress.note(l);
        let url = format!("{}/labels", self.repo_path());
        for name in used.iter().filter(|n| !existing.contains(*n)) {
            let Some(spec) = specs.iter().find(|s| s.name.to_lowercase() == *name) else {
                continue;
            };
            if self.budget_left() == Some(0) {
                // No change can be made this run either.
                break;
            }
            let body = json!({
                "name": spec.name,
                "color": spec.color.trim_start_matches('#'),
                "description": spec.description,
            });
            match self
                .http
                .request(Method::POST, &url, Some(&body), None, RequestKind::Create, &note)
                .await
            {
                Ok(_) => report.labels_created.push(spec.name.clone()),
                // Already there (a concurrent run, or it was made after all).
                Err(f) if f.status() == Some(422) && f.describe().contains("already_exists") => {}
                Err(f) if Self::is_fatal(&f) => return Err(self.error("create labels", &f)),
                Err(f) => progress.note(&format!(
                    "cannot create label `{}` ({}); GitHub creates it without colour when an issue uses it",
                    spec.name,
                    f.describe()
                )),
            }
        }
        Ok(())
    }

    /// Finds (and creates when missing) the milestones changes name; maps
    /// lower-case title → number. Lists milestones only when some change
    /// names one.
    pub(super) async fn ensure_milestones(
        &mut self,
        changes: &[&Change],
        progress: &dyn Progress,
        report: &mut ApplyResult,
    ) -> Result<HashMap<String, u64>> {
        let mut wanted: BTreeMap<String, &MilestoneSpec> = BTreeMap::new();
        for c in changes {
            let m = match c {
                Change::Create { fields, .. } => fields.milestone.as_ref(),
                Change::Update { milestone, .. } => milestone.as_ref(),
                _ => None,
            };
            if let Some(m) = m {
                wanted.entry(m.title.to_lowercase()).or_insert(m);
            }
        }
        let mut map = HashMap::new();
        if wanted.is_empty() {
            return Ok(map);
        }
        self.list_milestones(&mut map, progress).await?;
        let url = format!("{}/milestones", self.repo_path());
        let note = |l: &str| progress.note(l);
        for (lower, spec) in wanted {
            if map.contains_key(&lower) {
                continue;
            }
            if self.budget_left() == Some(0) {
                // No change can be made this run either.
                break;
            }
            let mut body = json!({ "title": spec.title });
            if let Some(d) = spec.due_on {
                // GitHub keeps only the date in US Pacific time: noon UTC is
                // the same calendar day there.
                body["due_on"] = json!(format!("{d}T12:00:00Z"));
            }
            match self
                .http
                .request(
                    Method::POST,
                    &url,
                    Some(&body),
                    None,
                    RequestKind::Create,
                    &note,
                )
                .await
            {
                Ok(reply) => {
                    let number = serde_json::from_str::<Value>(&reply.body)
                        .ok()
                        .and_then(|v| v["number"].as_u64());
                    if let Some(n) = number {
                        map.insert(lower, n);
                        report.milestones_created.push(spec.title.clone());
                    }
                }
                Err(f) if Self::is_fatal(&f) => return Err(self.error("create milestones", &f)),
                Err(f) => {
                    // Perhaps it exists after all (a retry, a concurrent run).
                    self.list_milestones(&mut map, progress).await?;
                    if !map.contains_key(&lower) {
                        progress.note(&format!(
                            "cannot create milestone `{}` ({}); its issues get none this time",
                            spec.title,
                            f.describe()
                        ));
                    }
                }
            }
        }
        Ok(map)
    }

    pub(super) async fn list_milestones(
        &mut self,
        map: &mut HashMap<String, u64>,
        progress: &dyn Progress,
    ) -> Result<()> {
        let first = format!("{}/milestones?state=all&per_page=100", self.repo_path());
        match self.get_all::<Value>(first, progress).await {
            Ok(items) => {
                for m in items {
                    if let (Some(t), Some(n)) = (m["title"].as_str(), m["number"].as_u64()) {
                        map.insert(t.to_lowercase(), n);
                    }
                }
            }
            Err(f) if Self::is_fatal(&f) => return Err(self.error("list milestones", &f)),
            Err(f) => progress.note(&format!(
                "cannot list the milestones of {} ({})",
                self.full_name(),
                f.describe()
            )),
        }
        Ok(())
    }
}
