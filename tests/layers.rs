//! The core's layers (README, "Architecture"): a module may use its own layer or those below,
//! never one above. This reads every source file's `crate::…` paths and fails on an upward one.

#![allow(clippy::unwrap_used)]

use std::path::Path;

/// Layer of each top-level module of `src/`, lowest first.
const LAYERS: &[(&str, u8)] = &[
    ("error", 1),
    ("secret", 1),
    ("time", 1),
    ("calendar", 1),
    ("files", 1),
    ("no_images", 1),
    ("audit", 1),
    ("organisation", 1),
    ("vault", 2),
    ("settings", 3),
    ("records", 3),
    ("checklists", 4),
    ("pdf", 4),
    ("referral", 5),
    ("demo", 5),
    ("today", 5),
    ("person_pdf", 5),
    ("trends", 5),
    ("incident_pdf", 5),
    ("disclosure", 6),
];

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

/// The top-level module a file under `src/` belongs to (`src/vault/db.rs` → `vault`).
fn module_of(relative: &Path) -> Option<String> {
    let first = relative.components().next()?.as_os_str().to_str()?;
    Some(first.trim_end_matches(".rs").to_owned())
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_module_uses_a_layer_above_its_own() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut upward = Vec::new();
    let mut unknown = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        let Some(module) = module_of(relative) else {
            continue;
        };
        // lib.rs declares the modules; bin/ is the command line, a front over all of them.
        if module == "lib" || module == "bin" {
            continue;
        }
        let Some(own) = layer(&module) else {
            unknown.push(module);
            continue;
        };
        // Code only: a doc comment may point anywhere.
        let text: String = std::fs::read_to_string(file)
            .unwrap()
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        // Paths written `crate::x` and grouped imports `use crate::{x, y::z}`.
        let mut used: Vec<String> = text
            .split("crate::")
            .skip(1)
            .filter_map(|rest| {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                (!name.is_empty()).then_some(name)
            })
            .collect();
        for group in text.split("crate::{").skip(1) {
            let inside = group.split('}').next().unwrap_or_default();
            used.extend(
                inside
                    .split(',')
                    .filter_map(|p| p.trim().split("::").next().map(str::to_owned)),
            );
        }
        for target in used {
            if let Some(theirs) = layer(&target) {
                if theirs > own {
                    upward.push(format!(
                        "{} (layer {own}) uses {target} (layer {theirs})",
                        relative.display()
                    ));
                }
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "modules with no layer: {unknown:?} (add them to LAYERS and the README)"
    );
    assert!(upward.is_empty(), "upward imports:\n{}", upward.join("\n"));
}
