//! `everynode schema`: the JSON Schema of the YAML form of a description.

use crate::cli::{EXIT_OK, print_stdout};

pub fn run() -> u8 {
    print_stdout(&everynode::schema::to_text(
        &everynode::schema::daemon_schema(),
    ));
    EXIT_OK
}
