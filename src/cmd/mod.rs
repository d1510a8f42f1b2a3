//! One module per command: glue between the library's stages and the command line.

pub mod completions;
pub mod coverage;
pub mod diff;
pub mod explain;
pub mod import;
pub mod lint;
pub mod plan;
pub mod render;
pub mod schema;
