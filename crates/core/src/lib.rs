//! The everynode compiler, without I/O: it takes text and returns values.
//!
//! The pipeline, one module per stage, data flowing one way:
//! [`parse`] → [`validate`] → [`expand`] ([`compile`] runs the three) → [`compare`]
//! (plan, diff, explain), [`lint`] and [`coverage`] (node pools), with the cluster's side read by [`state`] and
//! Kubernetes' own rules (placement, validation, defaults) from `everynode-k8s`.
//! Below the stages: [`source`] (files and spans), [`diagnostic`], the description
//! [`model`], the class compiler [`classes`], the JSON Schemas checked against ([`schema`])
//! and [`parallel`]. No module does I/O, prints or exits: the binary owns files, flags,
//! the terminal and exit codes.

pub mod classes;
pub mod compare;
pub mod coverage;
pub mod diagnostic;
pub mod expand;
pub mod import;
pub mod lint;
pub mod model;
pub mod parallel;
pub mod parse;
pub mod pipeline;
pub mod schema;
pub mod source;
pub mod state;
pub mod validate;

pub use pipeline::{Compiled, compile};
