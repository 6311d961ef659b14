//! Shared helpers for the integration tests; one `pub mod` per helper.
pub mod fake_github;
pub mod openapi;
pub mod repo;
pub mod world;
