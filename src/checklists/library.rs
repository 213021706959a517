//! The templates on offer: those shipped in `assets/checklists/`, plus any the organisation
//! keeps in a folder of its own (an adapted version of a shipped template, with a higher
//! version number, takes its place). A template that fails validation is never offered; its
//! problems are kept so they can be shown.

use std::path::Path;

use super::template::{self, Template, TemplateError};
use crate::records::incidents::Category;

/// The shipped templates, compiled in. `every_shipped_file_is_listed` keeps this list honest.
pub const SHIPPED: &[(&str, &str)] = &[
    (
        "sharing-nudes.toml",
        include_str!("../../assets/checklists/sharing-nudes.toml"),
    ),
    (
        "indecent-images.toml",
        include_str!("../../assets/checklists/indecent-images.toml"),
    ),
    (
        "online-sexual-abuse.toml",
        include_str!("../../assets/checklists/online-sexual-abuse.toml"),
    ),
    (
        "radicalisation.toml",
        include_str!("../../assets/checklists/radicalisation.toml"),
    ),
    (
        "cyberbullying.toml",
        include_str!("../../assets/checklists/cyberbullying.toml"),
    ),
    (
        "online-hate.toml",
        include_str!("../../assets/checklists/online-hate.toml"),
    ),
    (
        "misuse.toml",
        include_str!("../../assets/checklists/misuse.toml"),
    ),
    (
        "upskirting-harassment.toml",
        include_str!("../../assets/checklists/upskirting-harassment.toml"),
    ),
    (
        "allegation-against-staff.toml",
        include_str!("../../assets/checklists/allegation-against-staff.toml"),
    ),
];

/// A valid template with the exact text it was read from (kept with each run).
#[derive(Debug, Clone)]
pub struct Entry {
    pub file: String,
    pub text: String,
    pub template: Template,
}

/// The templates on offer and the problems of any that were refused.
#[derive(Debug, Clone, Default)]
pub struct Library {
    entries: Vec<Entry>,
    problems: Vec<TemplateError>,
}

impl Library {
    /// Only the shipped templates.
    pub fn shipped() -> Self {
        let mut lib = Library::default();
        for (file, text) in SHIPPED {
            lib.add(file, text);
        }
        lib
    }

    /// The shipped templates, then every `*.toml` in `dir` (if it exists).
    pub fn with_folder(dir: &Path) -> Self {
        let mut lib = Self::shipped();
        lib.add_folder(dir);
        lib
    }

    /// Only the templates in `dir` (what `casebook checklists validate DIR` checks).
    pub fn folder_only(dir: &Path) -> Self {
        let mut lib = Library::default();
        lib.add_folder(dir);
        lib
    }

    fn add_folder(&mut self, dir: &Path) {
        let Ok(read) = std::fs::read_dir(dir) else {
            if dir.exists() {
                self.refuse(dir.display().to_string(), "the folder could not be read");
            }
            return;
        };
        let mut files: Vec<_> = read
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        for path in files {
            let name = path.display().to_string();
            match crate::files::read_regular(&path, template::MAX_TEMPLATE_BYTES as u64) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => self.add(&name, &text),
                    Err(_) => self.refuse(name, "the file is not UTF-8 text"),
                },
                Err(crate::Error::Io { detail, .. }) => {
                    self.refuse(name, &format!("the file could not be read: {detail}"))
                }
                Err(e) => self.refuse(name, &format!("the file could not be read: {e}")),
            }
        }
    }

    fn refuse(&mut self, file: String, message: &str) {
        self.problems.push(TemplateError {
            file,
            line: None,
            step: None,
            message: message.to_owned(),
        });
    }

    /// Validates one file and adds it; a template with the same id is replaced only by a
    /// higher version.
    pub fn add(&mut self, file: &str, text: &str) {
        match template::parse(file, text) {
            Ok(template) => {
                let entry = Entry {
                    file: file.to_owned(),
                    text: text.to_owned(),
                    template,
                };
                match self
                    .entries
                    .iter_mut()
                    .find(|e| e.template.id == entry.template.id)
                {
                    Some(existing) if entry.template.version > existing.template.version => {
                        match weakened(&existing.template, &entry.template) {
                            Some(why) => self.problems.push(TemplateError {
                                file: file.to_owned(),
                                line: None,
                                step: None,
                                message: format!(
                                    "this adapted \"{}\" {why}: an organisation can strengthen a checklist it adapts, not weaken it, so {} (version {}) stays on offer",
                                    entry.template.id, existing.file, existing.template.version
                                ),
                            }),
                            None => *existing = entry,
                        }
                    }
                    Some(existing) => self.problems.push(TemplateError {
                        file: file.to_owned(),
                        line: None,
                        step: None,
                        message: format!(
                            "\"{}\" version {} is already offered from {} (version {}); give an adapted template a higher version",
                            entry.template.id,
                            entry.template.version,
                            existing.file,
                            existing.template.version
                        ),
                    }),
                    None => self.entries.push(entry),
                }
            }
            Err(errors) => self.problems.extend(errors),
        }
    }

    pub fn templates(&self) -> impl Iterator<Item = &Template> {
        self.entries.iter().map(|e| &e.template)
    }

    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.template.id == id)
    }

    /// Templates that apply to a category, for suggesting the right one first.
    pub fn for_category(&self, category: Category) -> impl Iterator<Item = &Template> {
        self.templates()
            .filter(move |t| t.categories.contains(&category))
    }

    pub fn problems(&self) -> &[TemplateError] {
        &self.problems
    }
}

/// How `adapted` weakens `original`, if it does: a promise dropped, or a mark taken off a step
/// it keeps (so the 999 question cannot quietly stop counting as one).
fn weakened(original: &Template, adapted: &Template) -> Option<String> {
    if let Some(p) = original
        .promises
        .iter()
        .find(|p| !adapted.promises.contains(p))
    {
        return Some(format!(
            "drops the promise \"{}\" ({})",
            p.as_str(),
            p.meaning()
        ));
    }
    original.steps.iter().find_map(|step| {
        let kept = adapted.step(&step.id)?;
        let lost = step.marks.iter().find(|m| !kept.marks.contains(m))?;
        Some(format!(
            "takes the mark \"{}\" off the step \"{}\"",
            lost.as_str(),
            step.id
        ))
    })
}
