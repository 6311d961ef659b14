//! pmtrack: make postmortem action items actually get done.
//!
//! The pipeline: `parse` (text → [`model::Postmortem`]) · `plan` (postmortem +
//! issues + today → changes, with `issue_text` for titles, bodies and the
//! hidden marker) · `writeback` / `report` (render). These and `config` are
//! pure: no filesystem, network, environment or clock. The edges (`github`,
//! `git`, `files`, `workflow`) do IO and know nothing of postmortems beyond
//! the model; `command` joins edges to the core; `cli` parses arguments,
//! prints and reads the clock.
#![warn(missing_docs)]

pub mod cli;
pub mod command;
pub mod config;
pub mod error;
pub mod files;
pub mod git;
pub mod github;
pub mod issue_text;
pub mod model;
pub mod parse;
pub mod plan;
pub mod report;
pub mod workflow;
pub mod writeback;
