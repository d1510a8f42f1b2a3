//! Writing files into the directory a user named (`render --out`, `import --out`): all
//! or nothing, never through a link, never over a file another run is writing.

use std::path::{Component, Path, PathBuf};

use everynode_core::diagnostic::{Code, Diagnostic};
use everynode_core::source::display_path;

/// A file-system problem of `--out`; a caller with a more precise fix replaces the help.
pub fn fs_problem(path: &Path, action: &str, error: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::new(
        Code::io_error,
        format!("cannot {action} {}: {error}", display_path(path)),
    )
    .with_help("--out DIR must be a directory you can write, holding a real directory (not a link) per namespace")
}

/// `NAMESPACE/FILE` inside an output directory, refused when either part would lead
/// out of it (`..`, a separator, an absolute path).
pub fn namespaced_path(namespace: &str, file: &str) -> Result<PathBuf, Diagnostic> {
    let relative = PathBuf::from(namespace).join(file);
    if !relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
        || relative.components().count() != 2
    {
        return Err(Diagnostic::new(
            Code::invalid_name,
            format!(
                "refusing to write {}: the path would leave the output directory",
                display_path(&relative)
            ),
        ));
    }
    Ok(relative)
}

/// Writes each `(target, content)`: every file beside its target first, then, only when
/// all are written, each renamed into place, so a failure (permissions, a full disk)
/// leaves `dir` as it was.
pub fn write_all(dir: &Path, files: &[(PathBuf, &str)]) -> Result<(), Diagnostic> {
    let mut written: Vec<(PathBuf, &Path)> = Vec::new();
    for (target, content) in files {
        match write_temporary(dir, target, content) {
            Ok(temporary) => written.push((temporary, target)),
            Err(problem) => {
                for (temporary, _) in &written {
                    let _ = std::fs::remove_file(temporary);
                }
                return Err(problem);
            }
        }
    }
    for (i, (temporary, target)) in written.iter().enumerate() {
        if let Err(error) = std::fs::rename(temporary, target) {
            for (left, _) in &written[i..] {
                let _ = std::fs::remove_file(left);
            }
            return Err(fs_problem(target, "write", error));
        }
    }
    Ok(())
}

/// Writes `content` to a new temporary file beside `target` and returns its path. The file
/// is created, never opened (`create_new`): a name that is taken (a leftover, another run
/// writing into the same DIR, or a symbolic link planted to redirect the write outside
/// DIR) is left alone and the next name tried.
fn write_temporary(dir: &Path, target: &Path, content: &str) -> Result<PathBuf, Diagnostic> {
    use std::io::{ErrorKind, Write};
    let parent = target.parent().unwrap_or(dir);
    std::fs::create_dir_all(parent).map_err(|e| fs_problem(parent, "create", e))?;
    let name = target
        .file_name()
        .map(|f| f.to_string_lossy())
        .unwrap_or_default();
    let base = parent.join(format!(".{name}.everynode-tmp"));
    for attempt in 0..64 {
        let temporary = if attempt == 0 {
            base.clone()
        } else {
            parent.join(format!(".{name}.everynode-tmp.{attempt}"))
        };
        let mut file = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)
        {
            Ok(file) => file,
            Err(error) if error.kind() == ErrorKind::AlreadyExists => continue,
            Err(error) => return Err(fs_problem(&temporary, "write", error)),
        };
        return match file.write_all(content.as_bytes()) {
            Ok(()) => Ok(temporary),
            Err(error) => {
                let _ = std::fs::remove_file(&temporary);
                Err(fs_problem(&temporary, "write", error))
            }
        };
    }
    Err(
        fs_problem(&base, "write", "64 temporary names beside it are taken")
            .with_help("remove the leftover .*.everynode-tmp* files from the output directory"),
    )
}
