//! PURE (tasks, managed issues, config, today) → [`Plan`]: the changes that
//! bring GitHub in line with the postmortems. No IO, no clock.
//!
//! Types first; the planner itself is `plan()` below.

use crate::model::{CloseReason, TaskKey};
use serde::Serialize;

/// A label pmtrack may need to create (once), with colour and description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LabelSpec {
    /// Name.
    pub name: String,
    /// Six hex digits, no `#`.
    pub color: String,
    /// Description.
    pub description: String,
}

/// A milestone pmtrack wants an issue in (created when missing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MilestoneSpec {
    /// Title.
    pub title: String,
    /// Due date.
    pub due_on: Option<chrono::NaiveDate>,
}

/// The fields of an issue that pmtrack writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssueFields {
    /// Title (≤ 256 chars).
    pub title: String,
    /// Body, with the hidden marker.
    pub body: String,
    /// Labels (the full wanted set).
    pub labels: Vec<String>,
    /// Assignees (logins).
    pub assignees: Vec<String>,
    /// Milestone by title, when milestones are on.
    pub milestone: Option<MilestoneSpec>,
}

/// One change to make on GitHub.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Change {
    /// Open a new issue for a task.
    Create {
        /// The task.
        key: TaskKey,
        /// Where it is written (`path:line`).
        at: String,
        /// What to send.
        fields: IssueFields,
    },
    /// Change an existing issue; only `Some` fields are sent.
    Update {
        /// The task.
        key: TaskKey,
        /// Issue number.
        number: u64,
        /// Where it is written.
        at: String,
        /// New title.
        title: Option<String>,
        /// New body.
        body: Option<String>,
        /// New full label set.
        labels: Option<Vec<String>>,
        /// New assignees.
        assignees: Option<Vec<String>>,
        /// New milestone.
        milestone: Option<MilestoneSpec>,
        /// Human-readable list of what differs.
        why: Vec<String>,
    },
    /// Close an issue.
    Close {
        /// The task.
        key: TaskKey,
        /// Issue number.
        number: u64,
        /// Completed (done in the document) or not planned (removed / dropped).
        reason: CloseReason,
        /// Comment to post first (e.g. "removed from postmortems/x.md").
        comment: Option<String>,
        /// New body (marker records that pmtrack closed it).
        body: Option<String>,
    },
    /// Reopen an issue pmtrack itself closed, whose item is open again.
    Reopen {
        /// The task.
        key: TaskKey,
        /// Issue number.
        number: u64,
        /// New body.
        body: Option<String>,
    },
    /// Post a comment only (removed item under the `comment` policy).
    Comment {
        /// The task.
        key: TaskKey,
        /// Issue number.
        number: u64,
        /// The comment.
        body: String,
    },
    /// Nothing to do.
    Noop {
        /// The task.
        key: TaskKey,
        /// Issue number.
        number: u64,
    },
}
