//! One module per command: glue between the library's stages and the command line.

pub mod render;
pub mod schema;
