//! `everynode diff`: kubectl diff's answer, offline: exit 0 when nothing differs, 1 when
//! something does, 2 on error.

use crate::report;
use everynode_core::compare::diff::{differences, not_compared};

use crate::args::{DiffArgs, DiffFormat};
use crate::cmd::plan::inputs;
use crate::terminal::{colour, print_diagnostics, print_stdout};
use crate::{EXIT_ERROR, EXIT_FINDINGS, EXIT_OK};

pub fn run(args: &DiffArgs) -> u8 {
    let Some((desired, cluster)) = inputs(&args.paths, &args.state, false) else {
        return EXIT_ERROR;
    };
    print_diagnostics(&not_compared(&desired, &cluster));
    let found = differences(&desired, &cluster);
    let text = match args.format {
        DiffFormat::Human => report::diff::human(&found, colour(&std::io::stdout())),
        DiffFormat::Markdown => report::diff::markdown(&found),
    };
    print_stdout(&text);
    if found.is_empty() {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    }
}
