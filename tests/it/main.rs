//! pmtrack's integration tests: one binary, offline, helpers in `support/`.
mod action;
mod budget;
mod corpus;
mod fake_github_selftest;
mod guarantees;
mod module_map;
mod mutations;
mod report;
mod settle;
mod support;
mod sync;
mod tracking;
mod workflows;
mod writeback;
