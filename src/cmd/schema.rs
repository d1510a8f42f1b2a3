//! `everynode schema`: the JSON Schema of a description's YAML form, of the plan, of
//! lint's report, or of coverage.

use crate::schema;

use crate::EXIT_OK;
use crate::args::{SchemaArgs, SchemaKind};
use crate::terminal::print_stdout;

pub fn run(args: &SchemaArgs) -> u8 {
    let value = match args.kind {
        SchemaKind::Daemon => schema::daemon_schema(),
        SchemaKind::Plan => schema::plan_schema(),
        SchemaKind::Lint => schema::lint_schema(),
        SchemaKind::Coverage => schema::coverage_schema(),
    };
    print_stdout(&schema::to_text(&value));
    EXIT_OK
}
