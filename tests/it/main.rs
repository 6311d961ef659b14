//! pmtrack's integration tests: one binary, offline, helpers in `support/`.
mod action;
mod fake_github_selftest;
mod corpus;
mod report;
mod support;
mod sync;
mod writeback;
