//! The shell's side: `everynode completions SHELL` for each shell, and the man pages
//! under man/, generated from the same flags (the one registry in src/args.rs) and
//! committed so packagers install them: the test fails when they are not current, and
//! `EVERYNODE_BLESS=1 cargo test --test shell` rewrites them (review them as a diff).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is its failure

use std::path::Path;

use clap::CommandFactory;

mod common;

/// The commands, from the flags themselves: a new command is checked without a change here.
fn subcommands() -> Vec<String> {
    everynode::args::Cli::command()
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect()
}

#[test]
fn completions_for_each_shell_name_every_command() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let (code, stdout, stderr) = common::everynode(here, &["completions", shell]);
        assert_eq!(code, 0, "{shell}: {stderr}");
        assert!(stderr.is_empty(), "{shell}: {stderr}");
        for command in subcommands() {
            assert!(
                stdout.contains(&command),
                "{shell}: the script does not mention {command}"
            );
        }
        // Flags are there too, and in bash, zsh and fish, values: lint's
        // formats (elvish and PowerShell scripts complete no values).
        let words: &[&str] = match shell {
            "bash" | "zsh" | "fish" => &["state", "deny-warnings", "junit", "gitlab"],
            _ => &["state", "deny-warnings"],
        };
        for word in words {
            assert!(stdout.contains(word), "{shell}: no {word}");
        }
    }
    let (bash, zsh, fish) = (
        common::everynode(here, &["completions", "bash"]).1,
        common::everynode(here, &["completions", "zsh"]).1,
        common::everynode(here, &["completions", "fish"]).1,
    );
    assert!(bash.contains("complete -F _everynode"), "{bash}");
    assert!(zsh.starts_with("#compdef everynode"), "{zsh}");
    assert!(fish.contains("complete -c everynode"), "{fish}");
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (code, stdout, stderr) = common::everynode(here, &["completions", "tcsh"]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(stderr.contains("[possible values: bash"), "{stderr}");
}

/// Every man page: everynode(1) and one per command, `everynode-lint.1`, …, as
/// clap_mangen renders them.
fn man_pages() -> Vec<(String, Vec<u8>)> {
    fn pages(command: clap::Command, out: &mut Vec<(String, Vec<u8>)>) {
        for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
            pages(sub.clone(), out);
        }
        let man = clap_mangen::Man::new(command)
            .source(format!("everynode {}", env!("CARGO_PKG_VERSION")))
            .manual("everynode manual");
        let mut text = Vec::new();
        man.render(&mut text).expect("render into memory");
        out.push((man.get_filename(), text));
    }
    let mut command = everynode::args::Cli::command().disable_help_subcommand(true);
    command.build();
    let mut out = Vec::new();
    pages(command, &mut out);
    out.sort();
    out
}

#[test]
fn the_man_pages_are_current() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    let pages = man_pages();
    assert_eq!(pages.len(), subcommands().len() + 1);
    if common::blessing() {
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "1") {
                std::fs::remove_file(path).unwrap();
            }
        }
    }
    let mut failures = Vec::new();
    for (name, text) in &pages {
        let text = String::from_utf8(text.clone()).expect("roff is UTF-8");
        common::check_expectation(&dir.join(name), &text, &mut failures);
    }
    let mut committed: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".1"))
                .collect()
        })
        .unwrap_or_default();
    committed.sort();
    let generated: Vec<String> = pages.iter().map(|(n, _)| n.clone()).collect();
    if committed != generated {
        failures.push(format!(
            "man/ holds {committed:?}, the flags make {generated:?}"
        ));
    }
    assert!(
        failures.is_empty(),
        "the man pages are not current (EVERYNODE_BLESS=1 cargo test --test shell rewrites them):\n{}",
        failures.join("\n")
    );
}
