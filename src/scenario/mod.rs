//! `scenario`: the case format (TOML), its validation with line and column, its JSON
//! Schema, and the library of cases a server offers (built-in plus a folder). Reads files,
//! but knows nothing of rooms or sockets.

mod model;
mod validate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rust_embed::RustEmbed;
use serde::Serialize;

pub use model::*;
pub use validate::{Problem, parse, schema};

/// The built-in cases, embedded in the binary.
#[derive(RustEmbed)]
#[folder = "scenarios/"]
#[include = "*.toml"]
struct BuiltIn;

/// A problem in a named file: what `scenario check` prints and the host page lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileProblem {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for FileProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)
    }
}

/// A scenario that can be played, with the text it was read from (a room keeps the text as
/// played, so later edits to the file never change a running or stored room).
#[derive(Debug, Clone)]
pub struct Entry {
    pub scenario: Arc<Scenario>,
    pub source: Arc<str>,
    /// Where it came from: `builtin:NAME.toml` or a file path.
    pub origin: String,
}

/// The scenarios a server offers: the built-ins, replaced or added to by a folder.
#[derive(Debug, Clone, Default)]
pub struct Library {
    entries: BTreeMap<String, Entry>,
    /// Problems found in the folder's files (never fatal: the other cases stay available).
    pub problems: Vec<FileProblem>,
}

impl Library {
    /// Loads the built-ins and then the `*.toml` files of `dir` in file-name order.
    pub fn load(dir: Option<&Path>) -> Library {
        let mut lib = Library::default();
        let mut builtin: Vec<_> = BuiltIn::iter().collect();
        builtin.sort();
        for name in builtin {
            let file = BuiltIn::get(&name).expect("an embedded file listed by iter exists");
            let text = String::from_utf8_lossy(&file.data).into_owned();
            match parse(&text) {
                Ok(s) => {
                    lib.entries.insert(s.id.clone(), entry(s, text, format!("builtin:{name}")));
                }
                Err(problems) => lib.problems.extend(named(&format!("builtin:{name}"), problems)),
            }
        }
        if let Some(dir) = dir {
            let (files, problems) = check_files(&toml_files(dir, &mut lib.problems));
            lib.problems.extend(problems);
            for (path, s, text) in files {
                lib.entries.insert(s.id.clone(), entry(s, text, path.display().to_string()));
            }
        }
        lib
    }

    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.get(id)
    }

    /// Every playable scenario, ordered by id.
    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values()
    }
}

fn entry(s: Scenario, text: String, origin: String) -> Entry {
    Entry { scenario: Arc::new(s), source: text.into(), origin }
}

fn named(file: &str, problems: Vec<Problem>) -> impl Iterator<Item = FileProblem> + '_ {
    problems.into_iter().map(move |p| FileProblem {
        file: file.to_string(),
        line: p.line,
        column: p.column,
        message: p.message,
    })
}

/// The `*.toml` files directly in `dir`, sorted by file name.
fn toml_files(dir: &Path, problems: &mut Vec<FileProblem>) -> Vec<PathBuf> {
    match std::fs::read_dir(dir) {
        Ok(rd) => {
            let mut files: Vec<PathBuf> = rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
                .collect();
            files.sort();
            files
        }
        Err(e) => {
            let file = dir.display().to_string();
            problems.push(FileProblem { file, line: 1, column: 1, message: format!("cannot read the folder: {e}") });
            Vec::new()
        }
    }
}

/// Checks files as one set: each on its own, and their ids unique (a repeated id is
/// reported at the second file's `id` line). Returns the valid ones and every problem.
pub fn check_files(paths: &[PathBuf]) -> (Vec<(PathBuf, Scenario, String)>, Vec<FileProblem>) {
    let mut ok: Vec<(PathBuf, Scenario, String)> = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        let file = path.display().to_string();
        let text = match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(_) => {
                    let message = "the file is not UTF-8 text; save it as UTF-8".to_string();
                    problems.push(FileProblem { file, line: 1, column: 1, message });
                    continue;
                }
            },
            Err(e) => {
                problems.push(FileProblem { file, line: 1, column: 1, message: format!("cannot read the file: {e}") });
                continue;
            }
        };
        match parse(&text) {
            Ok(s) => {
                if let Some((first, _, _)) = ok.iter().find(|(_, o, _)| o.id == s.id) {
                    let (line, column) = id_position(&text);
                    let message = format!("the id `{}` is already used by {}", s.id, first.display());
                    problems.push(FileProblem { file, line, column, message });
                } else {
                    ok.push((path.clone(), s, text));
                }
            }
            Err(ps) => problems.extend(named(&file, ps)),
        }
    }
    (ok, problems)
}

/// Line and column of the top-level `id` key.
fn id_position(text: &str) -> (usize, usize) {
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if t.starts_with("id") && t[2..].trim_start().starts_with('=') {
            return (i + 1, line.len() - t.len() + 1);
        }
    }
    (1, 1)
}

#[cfg(test)]
mod tests;
