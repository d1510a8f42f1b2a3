//! The everynode binary's layer over `everynode-core`: flags ([`args`]), reading inputs
//! ([`input`]), the live cluster ([`live`], read-only), the terminal ([`terminal`]), writing files ([`output`]), the
//! reports ([`report`]) and published schemas ([`schema`]), one module per command
//! ([`cmd`]) and the entry point ([`cli`]). Only this layer does I/O, prints or exits.

pub mod args;
pub mod cli;
pub mod cmd;
pub mod input;
pub mod live;
pub mod output;
pub mod report;
pub mod schema;
pub mod terminal;

/// Exit codes, the same for every command (DESIGN.md).
pub const EXIT_OK: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;
