//! pmtrack: make postmortem action items actually get done.
//!
//! The pipeline: `parse` (text → [`model::Postmortem`]) · `plan` (postmortem +
//! issues + today → changes, with `issue_text` for titles, bodies and the
//! hidden marker) · `writeback` / `report` (render). These and `config` are
//! pure: no filesystem, network, environment or clock. The edges (`github`,
//! `git`, `files`, `workflow`) do IO and know nothing of postmortems beyond
//! the model; `command` joins edges to the core and returns what it did as
//! values; `cli` parses arguments, renders those values as text or JSON,
//! prints, reads the clock and chooses the exit code.
//!
//! # Module map
//!
//! Who may use whom (`crate::…` outside tests); `tests/it/module_map.rs`
//! keeps it true. Lower layers first; nothing uses a module above it.
//!
//! - `error` → nothing
//! - `model` → nothing
//! - `parse` → `model`
//! - `config` → `model` `error`
//! - `insight` → `model` `parse`
//! - `issue_text` → `model` `parse`
//! - `plan` → `model` `parse` `config` `issue_text` `insight`
//! - `writeback` → `model` `parse`
//! - `report` → `model` `parse` `issue_text` `writeback` `insight`
//! - `files` → `error`
//! - `git` → `error`
//! - `workflow` → `error`
//! - `github` → `model` `error` `plan` (it applies plain changes and
//!   decides nothing about postmortems)
//! - `command` → `model` `error` `parse` `config` `issue_text` `plan`
//!   `writeback` `report` `insight` `files` `git` `workflow` `github`
//! - `cli` → `model` `error` `issue_text` `plan` `report` `workflow` `github`
//!   `command`
//!
//! # Glossary
//!
//! One name per concept:
//!
//! - **postmortem** ([`model::Postmortem`]): one document, parsed.
//! - **action item** ([`model::Task`]): one corrective measure in it, with
//!   its group, owners, due date, status and tracker reference. Its
//!   **status** ([`model::Status`]: open, done, dropped) is what the document
//!   says; its **track state** ([`model::TrackState`]: open, done, not
//!   planned) is where it stands once synced ([`model::TrackState::of`] maps
//!   one to the other).
//! - **tracker reference** ([`model::TrackerRef`]): an issue, pull request,
//!   Jira key or tracker URL written on an item; an item whose reference
//!   points outside this repository's issues is **tracked elsewhere**.
//! - **issue** ([`model::Issue`]): a GitHub issue pmtrack manages, found by
//!   the hidden **marker** in its body ([`issue_text`]).
//! - **change** ([`plan::Change`]): one thing to do to an issue (in JSON its
//!   kind is the field `action`, kept for compatibility); a **plan**
//!   ([`plan::Plan`]) is every change of a run.
//! - **tracking issue**: one per postmortem, its items' issues as its
//!   **sub-issues** ([`plan::tracking`]).
//! - **link** ([`model::Link`]): after a sync, where an item is tracked and
//!   in what state.
//! - **write-back edit** ([`writeback::Edit`]): one splice into a document:
//!   an issue reference, a ticked box, the **status block**.
//! - **report** ([`report::Report`]): open and overdue items, by postmortem
//!   and by owner, with the **health figures** ([`report::health`]) and the
//!   recurring promises.
//! - **item type** ([`model::ItemType`]): investigate, mitigate, repair,
//!   detect, prevent, process or documentation ([`insight::kind`]).
//! - **advice** ([`insight::lint`]): how an item is written, as warnings of
//!   `check` that never fail it.
//! - **promise** ([`insight::recurring::promise`]): what an item promises,
//!   as the hashed stems of its title; a **recurring promise** is one made in
//!   two or more postmortems; items whose stems are the same share one
//!   **wording** ([`insight::recurring::Index`]).
#![warn(missing_docs)]
// Only the command line prints (`cli`, and `main.rs`, a crate of its own).
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod cli;
pub mod command;
pub mod config;
pub mod error;
pub mod files;
pub mod git;
pub mod github;
pub mod insight;
pub mod issue_text;
pub mod model;
pub mod parse;
pub mod plan;
pub mod report;
pub mod workflow;
pub mod writeback;
