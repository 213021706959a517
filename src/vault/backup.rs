//! Backups: one encrypted file, made from a consistent snapshot while the vault is in use,
//! carrying the key slots so the passphrase (on this computer) or the recovery code (anywhere)
//! opens it, and checked by reopening it before anyone is told it is done.
//!
//! File layout: the line `CASEBOOK BACKUP 1\n`, a 4-byte little-endian manifest length, the
//! manifest (JSON: key slots, schema version, table counts, the audit trail's head, the SHA-256
//! of the database bytes), then the SQLCipher database itself — still encrypted page by page with
//! the vault's data key. Nothing in the file is plaintext record content.
//!
//! The manifest anchors the audit trail's newest entry: a restored vault whose trail is shorter
//! than its backup said would be detected.
//!
//! The manifest also carries the organisation's own checklist templates (the vault folder's
//! `checklists/`: plain TOML, not confidential, not records), so that a restore on a new
//! computer offers the same checklists. They are bound to the vault by a MAC under its data
//! key: nobody without the key can change or add a template in a backup.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::keyslots::KeySlotFile;
use super::{db, RecoveredVault, Session, UnlockMethod, Vault};
use crate::audit::{self, Action};
use crate::error::Field;
use crate::files;
use crate::secret::Key32;
use crate::vault::recovery::RecoveryCode;
use crate::vault::Passphrase;
use crate::{Error, Result};

const MAGIC: &[u8] = b"CASEBOOK BACKUP 1\n";
/// A manifest is a few kilobytes, with the organisation's checklist templates a few hundred;
/// anything much larger is not one.
const MAX_MANIFEST: u32 = 16 * 1024 * 1024;
/// The most checklist templates a backup carries, and their most bytes in all.
const MAX_CHECKLIST_FILES: usize = 100;
/// A larger file is not a template Casebook offers: the same limit as the checklists' own
/// (`checklists::template::MAX_TEMPLATE_BYTES`, a layer above; tests/backup.rs keeps them equal).
pub const MAX_CHECKLIST_FILE_BYTES: u64 = 512 * 1024;
const MAX_CHECKLIST_BYTES: usize = 8 * 1024 * 1024;
/// Far above any backup Casebook makes (a 100 000-incident vault is under 1 GB): a larger
/// "backup", or a device that never ends, is refused before it is read.
const MAX_BACKUP_BYTES: u64 = 16 * 1024 * 1024 * 1024;
/// Days after the last verified backup before the DSL is reminded.
pub const DEFAULT_REMINDER_DAYS: u32 = 7;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub created_at: DateTime<Utc>,
    pub schema_version: i64,
    /// The key file as it was (format 1 in backups made before the team).
    #[serde(deserialize_with = "key_file_any_format")]
    pub keys: KeySlotFile,
    pub db_len: u64,
    pub db_sha256: String,
    /// Row counts per table at the snapshot.
    pub tables: Vec<(String, i64)>,
    /// The audit trail's newest entry at the snapshot: (seq, hash).
    pub audit_head: Option<(i64, String)>,
    /// The organisation's checklist templates (none in backups made before they were kept).
    #[serde(default)]
    pub checklists: Checklists,
}

/// The `checklists/` folder's templates as a backup carries them, with their MAC.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checklists {
    pub files: Vec<ChecklistFile>,
    /// HMAC-SHA256 under the vault's data key over the vault's id and `files` (hex); empty
    /// when there are none.
    pub mac: String,
}

/// One template file: its name in the folder and its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistFile {
    pub name: String,
    pub text: String,
}

/// A template's file name as the folder may hold it and a restore may write it: one plain
/// name ending `.toml`, never a path, never hidden.
fn is_checklist_name(name: &str) -> bool {
    name.len() <= 255
        && name.ends_with(".toml")
        && !name.starts_with('.')
        && !name.contains(['/', '\\', '\0'])
        && !name.chars().any(char::is_control)
}

impl Checklists {
    /// The templates in `dir` (none if it does not exist): every regular `*.toml` file that
    /// Casebook could offer (UTF-8, within the template size limit), by name.
    fn read(dir: &Path, vault_id: uuid::Uuid, key: &Key32) -> Result<Self> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Ok(Self::default());
        };
        let mut files = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !is_checklist_name(&name) {
                continue;
            }
            let Ok(bytes) = files::read_regular(&entry.path(), MAX_CHECKLIST_FILE_BYTES) else {
                continue;
            };
            let Ok(text) = String::from_utf8(bytes) else {
                continue;
            };
            files.push(ChecklistFile { name, text });
        }
        files.sort_by(|a, b| a.name.cmp(&b.name));
        if files.len() > MAX_CHECKLIST_FILES
            || files.iter().map(|f| f.text.len()).sum::<usize>() > MAX_CHECKLIST_BYTES
        {
            return Err(Error::Unavailable(format!(
                "the checklists folder ({}) holds more than a backup carries ({MAX_CHECKLIST_FILES} \
                 templates, 8 MB): remove the templates no longer used, then back up again",
                dir.display()
            )));
        }
        let mac = if files.is_empty() {
            String::new()
        } else {
            hex::encode(Self::mac(vault_id, key, &files)?.finalize().into_bytes())
        };
        Ok(Checklists { files, mac })
    }

    fn mac(vault_id: uuid::Uuid, key: &Key32, files: &[ChecklistFile]) -> Result<Hmac<Sha256>> {
        let bytes = serde_json::to_vec(files)
            .map_err(|e| Error::Internal(format!("backup checklists: {e}")))?;
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.expose())
            .map_err(|_| Error::Internal("backup checklists key".into()))?;
        mac.update(format!("casebook backup checklists v1|{vault_id}|").as_bytes());
        mac.update(&bytes);
        Ok(mac)
    }

    /// The shape a backup's templates must have before anything reads them.
    fn well_formed(&self) -> bool {
        let mut names: Vec<&str> = self.files.iter().map(|f| f.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        self.files.len() <= MAX_CHECKLIST_FILES
            && names.len() == self.files.len()
            && self.files.iter().all(|f| is_checklist_name(&f.name))
            && self.files.iter().map(|f| f.text.len()).sum::<usize>() <= MAX_CHECKLIST_BYTES
            && (self.files.is_empty() == self.mac.is_empty())
    }

    /// Whether the templates are the vault's own, as its backup wrote them.
    fn checks(&self, vault_id: uuid::Uuid, key: &Key32) -> bool {
        if self.files.is_empty() {
            return self.mac.is_empty();
        }
        let Ok(mac) = Self::mac(vault_id, key, &self.files) else {
            return false;
        };
        hex::decode(&self.mac).is_ok_and(|expected| mac.verify_slice(&expected).is_ok())
    }

    /// Writes each template into `dir` where no file of that name is; one already there with
    /// other text is left as it is. Returns the names written and the names left.
    fn restore_into(&self, dir: &Path) -> Result<(Vec<String>, Vec<String>)> {
        let (mut written, mut left) = (Vec::new(), Vec::new());
        if self.files.is_empty() {
            return Ok((written, left));
        }
        files::create_private_dir(dir)?;
        for f in &self.files {
            let path = dir.join(&f.name);
            match std::fs::read(&path) {
                Ok(there) if there == f.text.as_bytes() => {}
                Ok(_) => left.push(f.name.clone()),
                Err(_) => {
                    files::write_private_new(&path, f.text.as_bytes())?;
                    written.push(f.name.clone());
                }
            }
        }
        let _ = files::sync_dir(dir);
        Ok((written, left))
    }
}

/// What a verified backup holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BackupReport {
    pub file: String,
    pub bytes: u32,
    pub sha256: String,
    pub records: u32,
    pub audit_entries: u32,
}

fn key_file_any_format<'de, D: serde::Deserializer<'de>>(d: D) -> Result<KeySlotFile, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    let bytes = serde_json::to_vec(&value).map_err(serde::de::Error::custom)?;
    KeySlotFile::from_slice(&bytes).map_err(serde::de::Error::custom)
}

fn damaged(path: &Path, detail: impl Into<String>) -> Error {
    Error::DamagedBackup {
        path: path.to_path_buf(),
        detail: detail.into(),
    }
}

/// Reads and checks a backup file's structure (not yet its keys). Never panics on any input.
pub fn read(path: &Path) -> Result<(Manifest, Vec<u8>)> {
    let bytes = files::read_regular(path, MAX_BACKUP_BYTES)?;
    parse(path, &bytes)
}

/// What the restore screen shows about a chosen backup before any code is typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BackupFacts {
    /// The file's name (not its folder).
    pub file_name: String,
    /// When the backup was made (a stored time).
    pub made_at: String,
}

/// Checks a backup file's structure and says when it was made: a damaged or foreign file is
/// refused when it is chosen, before the DSL types a recovery code for it.
pub fn describe(path: &Path) -> Result<BackupFacts> {
    let (manifest, _) = read(path)?;
    Ok(BackupFacts {
        file_name: path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        made_at: crate::time::format(manifest.created_at),
    })
}

/// [`read`] on bytes already in memory (also what the fuzz tests call).
pub fn parse(path: &Path, bytes: &[u8]) -> Result<(Manifest, Vec<u8>)> {
    let rest = bytes
        .strip_prefix(MAGIC)
        .ok_or_else(|| damaged(path, "it is not a Casebook backup"))?;
    let (len, rest) = rest
        .split_first_chunk::<4>()
        .ok_or_else(|| damaged(path, "it is cut short"))?;
    let len = u32::from_le_bytes(*len);
    if len > MAX_MANIFEST {
        return Err(damaged(path, "its description is damaged"));
    }
    let len = usize::try_from(len).map_err(|_| damaged(path, "its description is damaged"))?;
    if rest.len() < len {
        return Err(damaged(path, "it is cut short"));
    }
    let (manifest, db_bytes) = rest.split_at(len);
    let manifest: Manifest = serde_json::from_slice(manifest)
        .map_err(|_| damaged(path, "its description is damaged"))?;
    if manifest.format != 1 {
        return Err(damaged(path, "it was made by a newer Casebook"));
    }
    // Key-derivation costs, salts and nonces as Casebook writes them, before anything uses
    // them (a hostile backup could ask for terabytes of memory, or a nonce of the wrong size).
    manifest
        .keys
        .check()
        .map_err(|why| damaged(path, format!("its key slots are damaged ({why})")))?;
    if manifest.schema_version > db::SCHEMA_VERSION {
        return Err(damaged(path, "it was made by a newer Casebook"));
    }
    if !manifest.checklists.well_formed() {
        return Err(damaged(path, "its checklist templates are damaged"));
    }
    if db_bytes.len() as u64 != manifest.db_len {
        return Err(damaged(path, "it is cut short or has extra bytes"));
    }
    if hex::encode(Sha256::digest(db_bytes)) != manifest.db_sha256 {
        return Err(damaged(path, "its contents were changed or damaged"));
    }
    Ok((manifest, db_bytes.to_vec()))
}

/// Removes a SQLite file with its -wal and -shm companions.
fn changed_checklists(path: &Path) -> Error {
    damaged(
        path,
        "its checklist templates were changed or added to outside Casebook",
    )
}

fn remove_db_files(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// Opens an extracted backup database and checks it thoroughly: SQLite's and SQLCipher's
/// integrity checks, the counts in the manifest, and the audit chain with its recorded head.
fn check_extracted(
    db_path: &Path,
    key: &crate::secret::Key32,
    manifest: &Manifest,
    backup: &Path,
) -> Result<(u32, u32)> {
    let conn = db::open(db_path, key, manifest.keys.cipher, false)
        .map_err(|_| damaged(backup, "it does not open with its keys"))?;
    let sql = |_| damaged(backup, "its database is damaged");
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(sql)?;
    if ok != "ok" {
        return Err(damaged(backup, "its database failed the integrity check"));
    }
    let cipher_problems: Option<String> = conn
        .query_row("PRAGMA cipher_integrity_check", [], |r| r.get(0))
        .optional()
        .map_err(sql)?;
    if let Some(p) = cipher_problems {
        return Err(damaged(backup, format!("a page failed its check ({p})")));
    }
    let mut records = 0i64;
    for (table, expected) in &manifest.tables {
        let n: i64 = conn
            .query_row(
                &format!("SELECT count(*) FROM \"{}\"", table.replace('"', "\"\"")),
                [],
                |r| r.get(0),
            )
            .map_err(sql)?;
        if n != *expected {
            return Err(damaged(
                backup,
                format!("table {table} has {n} rows, not {expected}"),
            ));
        }
        if !table.starts_with("search_") && table != "audit_log" {
            records += n;
        }
    }
    let chain = audit::verify(&conn)?;
    if !chain.is_intact() {
        return Err(damaged(backup, "its audit trail does not verify"));
    }
    let head: Option<(i64, String)> = conn
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(sql)?;
    if head != manifest.audit_head {
        return Err(damaged(
            backup,
            "its audit trail is not the one recorded when it was made",
        ));
    }
    let entries = head.map_or(0, |(seq, _)| seq);
    Ok((
        u32::try_from(records).unwrap_or(u32::MAX),
        u32::try_from(entries).unwrap_or(u32::MAX),
    ))
}

/// A unique scratch path beside `near` (same file system, so a rename is atomic).
fn scratch(near: &Path, what: &str) -> Result<PathBuf> {
    let mut tag = [0u8; 8];
    crate::secret::fill_random(&mut tag)?;
    let name = format!(".casebook-{what}-{}", hex::encode(tag));
    Ok(near.parent().unwrap_or(Path::new(".")).join(name))
}

/// Whether a backup may take the name of an existing file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IfExists {
    Refuse,
    /// Only an older Casebook backup is replaced, and only once the new one is verified.
    ReplaceBackup,
}

fn name_taken(dest: &Path) -> Error {
    Error::field(
        Field::BackupFile,
        &format!("{} already exists; choose a new name", dest.display()),
    )
}

/// Refuses a destination that is taken (or, when replacing, taken by anything but a backup).
fn check_destination(dest: &Path, if_exists: IfExists) -> Result<()> {
    let Ok(meta) = std::fs::symlink_metadata(dest) else {
        return Ok(());
    };
    if if_exists == IfExists::Refuse {
        return Err(name_taken(dest));
    }
    let mut start = vec![0u8; MAGIC.len()];
    let is_backup = meta.is_file()
        && std::fs::File::open(dest)
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut start))
            .is_ok()
        && start == MAGIC;
    if !is_backup {
        return Err(Error::field(
            Field::BackupFile,
            &format!(
                "{} is not a Casebook backup, so Casebook will not write over it; choose a new name",
                dest.display()
            ),
        ));
    }
    Ok(())
}

/// Gives the verified `partial` file its name. A new name is taken with a hard link, which
/// fails if anything appeared there meanwhile; file systems without hard links (FAT on USB
/// sticks) get a rename after a last check. An older backup is replaced in one rename.
fn place(partial: &Path, dest: &Path, if_exists: IfExists) -> Result<()> {
    if if_exists == IfExists::ReplaceBackup {
        check_destination(dest, if_exists)?;
        return std::fs::rename(partial, dest).map_err(|e| Error::io(dest, e));
    }
    match std::fs::hard_link(partial, dest) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(name_taken(dest)),
        Err(_) => {
            check_destination(dest, IfExists::Refuse)?;
            std::fs::rename(partial, dest).map_err(|e| Error::io(dest, e))
        }
    }
}

impl Session {
    /// Writes a verified backup to `dest` (which must not exist) and records it.
    pub fn backup_to(&mut self, dest: &Path) -> Result<BackupReport> {
        self.backup(dest, IfExists::Refuse)
    }

    /// As [`Session::backup_to`], but an older Casebook backup at `dest` is replaced (the save
    /// dialog has asked). It is replaced only after the new one is written and verified, in
    /// one rename, so at every moment one good backup has the name. Any other file is refused.
    pub fn backup_replacing(&mut self, dest: &Path) -> Result<BackupReport> {
        self.backup(dest, IfExists::ReplaceBackup)
    }

    fn backup(&mut self, dest: &Path, if_exists: IfExists) -> Result<BackupReport> {
        check_destination(dest, if_exists)?;
        // 1. A consistent snapshot through SQLite's online backup, into an encrypted copy;
        // 2. the backup file, written beside its final name and synced;
        // 3. reopened from the disk and checked, before it takes the name.
        let snap = scratch(dest, "snapshot")?;
        let partial = scratch(dest, "partial")?;
        let written = self.write_backup(&snap, &partial, dest);
        remove_db_files(&snap);
        let placed = written
            .and_then(|()| self.verify_file(&partial, dest))
            .and_then(|report| place(&partial, dest, if_exists).map(|()| report));
        let _ = std::fs::remove_file(&partial);
        let report = placed?;
        let _ = files::sync_dir(dest.parent().unwrap_or(Path::new(".")));

        let actor = self.actor.clone();
        let detail = json!({ "sha256": report.sha256, "bytes": report.bytes, "records": report.records, "audit_entries": report.audit_entries });
        self.with_tx(|tx| {
            audit::append(
                tx,
                Utc::now(),
                &actor,
                Action::BackupVerified,
                "backup",
                &detail,
            )
        })?;
        Ok(report)
    }

    /// Writes the backup file to `partial` (a new file) and syncs it; errors name `dest`.
    fn write_backup(&self, snap: &Path, partial: &Path, dest: &Path) -> Result<()> {
        let mut out = db::open(snap, &self.data_key, self.keys.cipher, true)?;
        {
            let backup = rusqlite::backup::Backup::new(&self.conn, &mut out)
                .map_err(|e| Error::sqlite(snap, e))?;
            backup
                .run_to_completion(1024, std::time::Duration::ZERO, None)
                .map_err(|e| Error::sqlite(snap, e))?;
        }
        out.execute_batch("PRAGMA journal_mode = DELETE;")
            .map_err(|e| Error::sqlite(snap, e))?;
        let tables = Session::table_counts(&out, snap)?;
        let head = audit::head(&out).map_err(|e| e.in_file(snap))?;
        let schema_version = db::schema_version(&out).map_err(|e| Error::sqlite(snap, e))?;
        drop(out);
        let db_bytes = std::fs::read(snap).map_err(|e| Error::io(snap, e))?;
        let manifest = Manifest {
            format: 1,
            created_at: Utc::now(),
            schema_version,
            keys: self.keys.clone(),
            db_len: db_bytes.len() as u64,
            db_sha256: hex::encode(Sha256::digest(&db_bytes)),
            tables,
            audit_head: head,
            checklists: Checklists::read(
                &self.paths.checklists(),
                self.keys.vault_id,
                &self.data_key,
            )?,
        };
        let json = serde_json::to_vec(&manifest)
            .map_err(|e| Error::Internal(format!("backup description: {e}")))?;
        let write = (|| -> std::io::Result<()> {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(partial)?;
            f.write_all(MAGIC)?;
            f.write_all(&u32::try_from(json.len()).unwrap_or(u32::MAX).to_le_bytes())?;
            f.write_all(&json)?;
            f.write_all(&db_bytes)?;
            f.sync_all()
        })();
        write.map_err(|e| Error::io(dest, e))
    }

    /// Reads a backup of this vault back from disk and checks it completely.
    pub fn verify_backup_file(&self, path: &Path) -> Result<BackupReport> {
        self.verify_file(path, path)
    }

    /// Checks the backup file at `path`; problems (and the report) name `named`.
    fn verify_file(&self, read_from: &Path, path: &Path) -> Result<BackupReport> {
        let bytes = files::read_regular(read_from, MAX_BACKUP_BYTES).map_err(|e| match e {
            Error::Io { detail, .. } => Error::io(
                path,
                std::io::Error::new(std::io::ErrorKind::InvalidInput, detail),
            ),
            other => other,
        })?;
        let (manifest, db_bytes) = parse(path, &bytes)?;
        if !manifest
            .checklists
            .checks(manifest.keys.vault_id, &self.data_key)
        {
            return Err(changed_checklists(path));
        }
        let extracted = scratch(&std::env::temp_dir().join("x"), "verify")?;
        let result = (|| {
            files::write_private_new(&extracted, &db_bytes)?;
            check_extracted(&extracted, &self.data_key, &manifest, path)
        })();
        remove_db_files(&extracted);
        let (records, audit_entries) = result?;
        Ok(BackupReport {
            file: path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            bytes: u32::try_from(bytes.len()).unwrap_or(u32::MAX),
            sha256: hex::encode(Sha256::digest(&bytes)),
            records,
            audit_entries,
        })
    }

    /// Rows per table (names from sqlite_master, not from input; quoted all the same).
    pub(super) fn table_counts(
        conn: &rusqlite::Connection,
        path: &Path,
    ) -> Result<Vec<(String, i64)>> {
        let sql = |e| Error::sqlite(path, e);
        let names: Vec<String> = {
            let mut stmt = conn
                .prepare(
                    "SELECT name FROM sqlite_master WHERE type = 'table'
                     AND name NOT LIKE 'sqlite_%' ORDER BY name",
                )
                .map_err(sql)?;
            let rows = stmt.query_map([], |r| r.get(0)).map_err(sql)?;
            rows.collect::<rusqlite::Result<_>>().map_err(sql)?
        };
        let mut out = Vec::new();
        for name in names {
            let n: i64 = conn
                .query_row(
                    &format!("SELECT count(*) FROM \"{}\"", name.replace('"', "\"\"")),
                    [],
                    |r| r.get(0),
                )
                .map_err(sql)?;
            out.push((name, n));
        }
        Ok(out)
    }

    /// When the last verified backup was made, if ever.
    pub fn last_verified_backup(&self) -> Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT at FROM audit_log WHERE action = ?1 ORDER BY seq DESC LIMIT 1",
                [Action::BackupVerified.as_str()],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| Error::sqlite(&self.paths.db(), e))
    }

    /// A reminder when the last verified backup is older than `days` (or there is none).
    pub fn backup_reminder(&self, days: u32, now: DateTime<Utc>) -> Result<Option<String>> {
        let last = self.last_verified_backup()?;
        let last = last.as_deref().and_then(crate::time::parse);
        Ok(match last {
            None => Some("There is no verified backup of this vault yet. Make one now (a USB stick kept locked away is the usual place).".to_owned()),
            Some(t) if now - t > chrono::Duration::days(i64::from(days)) => Some(format!(
                "The last verified backup was made {} days ago. Make a new one now.",
                (now - t).num_days()
            )),
            Some(_) => None,
        })
    }
}

/// What to do when the target folder already holds a vault.
pub enum Existing<'a> {
    /// Refuse (the default).
    Refuse,
    /// Replace it: `typed` must be exactly `REPLACE`. The replaced files are kept, moved
    /// into a `replaced-<time>` folder inside the vault folder.
    Replace { typed: &'a str },
}

/// What opens a backup.
pub enum Opener<'a> {
    /// The recovery code: on any computer.
    RecoveryCode(&'a RecoveryCode),
    /// The passphrase: only where this computer's keyring holds the device secret the backup's
    /// passphrase slot was made with (the same computer, its keyring intact).
    Passphrase(&'a Passphrase),
}

/// Restores a backup into `vault`'s folder with the recovery code. The DSL then sets a new
/// passphrase for this computer on the returned [`RecoveredVault`].
pub fn restore(
    vault: &Vault,
    backup: &Path,
    code: &RecoveryCode,
    existing: Existing<'_>,
) -> Result<RecoveredVault> {
    restore_with(vault, backup, None, Opener::RecoveryCode(code), existing)
}

/// Restores a backup into `vault`'s folder, opened with `member`'s recovery code or passphrase
/// (no member: the backup's only one). Either way the member then sets a new passphrase on the
/// returned [`RecoveredVault`], which ties the vault to this computer's device secret.
pub fn restore_with(
    vault: &Vault,
    backup: &Path,
    member: Option<uuid::Uuid>,
    opener: Opener<'_>,
    existing: Existing<'_>,
) -> Result<RecoveredVault> {
    let (manifest, db_bytes) = read(backup)?;
    // The code or passphrase must open this backup before anything is touched; guesses wait
    // and are counted as unlocking this vault's would be.
    let vault_id = manifest.keys.vault_id;
    let mut attempts = vault.check_throttle(vault_id, member)?;
    let (opened, method, wrong) = match opener {
        // Any member's recovery code opens it (see `open_with_recovery`).
        Opener::RecoveryCode(code) => (
            super::open_with_recovery(&manifest.keys, member, code)?,
            UnlockMethod::RecoveryCode,
            Error::WrongRecoveryCode,
        ),
        Opener::Passphrase(passphrase) => {
            let slots = super::pick_member(&manifest.keys, member)?;
            let device_secret = vault.device_secret_for(&manifest.keys, slots)?;
            let seed = manifest
                .keys
                .open_with_passphrase(slots, passphrase, &device_secret)?;
            (
                seed.map(|seed| (slots.clone(), seed)),
                UnlockMethod::Passphrase,
                Error::WrongPassphrase,
            )
        }
    };
    let Some((slots, seed)) = opened else {
        attempts.record(Utc::now(), method, member);
        vault.note_failed_attempts(vault_id, &attempts);
        return Err(wrong);
    };
    let key = manifest
        .keys
        .data_key(&slots, &seed)
        .filter(|k| manifest.keys.is_format_one() || manifest.keys.binding_checks(k))
        .ok_or_else(|| damaged(backup, "its key slots were changed outside Casebook"))?;
    let extracted = scratch(&std::env::temp_dir().join("x"), "restore-check")?;
    let checked = (|| {
        files::write_private_new(&extracted, &db_bytes)?;
        check_extracted(&extracted, &key, &manifest, backup)
    })();
    remove_db_files(&extracted);
    checked?;
    if !manifest.checklists.checks(vault_id, &key) {
        return Err(changed_checklists(backup));
    }

    let paths = vault.paths();
    let present = paths.db().exists() || paths.keys().exists();
    if present {
        match existing {
            Existing::Refuse => {
                return Err(Error::VaultExists {
                    path: paths.dir().to_path_buf(),
                })
            }
            Existing::Replace { typed } if typed != "REPLACE" => {
                return Err(Error::field(
                    Field::Confirmation,
                    "type REPLACE in capital letters to replace the vault on this computer",
                ))
            }
            Existing::Replace { .. } => {
                let aside = paths
                    .dir()
                    .join(format!("replaced-{}", Utc::now().format("%Y%m%dT%H%M%SZ")));
                files::create_private_dir(&aside)?;
                for p in [paths.db(), paths.keys(), paths.attempts()] {
                    for suffix in ["", "-wal", "-shm"] {
                        let from = PathBuf::from(format!("{}{suffix}", p.display()));
                        if from.exists() {
                            let name = from.file_name().map(|n| n.to_owned()).unwrap_or_default();
                            std::fs::rename(&from, aside.join(name))
                                .map_err(|e| Error::io(&from, e))?;
                        }
                    }
                }
                // The replaced vault's checklists go aside with it, when the backup brings
                // its own: the restored vault offers what it offered when it was backed up.
                let checklists = paths.checklists();
                if !manifest.checklists.files.is_empty() && checklists.exists() {
                    std::fs::rename(&checklists, aside.join("checklists"))
                        .map_err(|e| Error::io(&checklists, e))?;
                }
            }
        }
    }
    files::create_private_dir(paths.dir())?;
    let (written, left) = manifest.checklists.restore_into(&paths.checklists())?;
    files::write_private_new(&paths.db(), &db_bytes)?;
    manifest.keys.save(&paths.keys())?;
    // A restored vault is older than the one this computer last opened, on purpose: it opens,
    // and the audit trail records both that and the restore.
    let mut recovered = match opener {
        Opener::RecoveryCode(code) => vault.unlock_recovery(member, code, true)?,
        Opener::Passphrase(passphrase) => {
            let unlocked = vault.unlock_passphrase(member, passphrase, true)?;
            RecoveredVault {
                session: unlocked.session,
                seed,
                failures: unlocked.failures,
            }
        }
    };
    let actor = recovered.session.actor.clone();
    let detail = json!({
        "backup_made_at": manifest.created_at.to_rfc3339(),
        "db_sha256": manifest.db_sha256,
        "checklists_restored": written,
        "checklists_already_here": left,
    });
    recovered.session.with_tx(|tx| {
        audit::append(
            tx,
            Utc::now(),
            &actor,
            Action::VaultRestored,
            "vault",
            &detail,
        )
    })?;
    Ok(recovered)
}
