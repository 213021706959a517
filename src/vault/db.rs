//! Opening the SQLCipher database with the raw data key, the durability settings, and the
//! schema migrations (rusqlite_migration, tracked in `PRAGMA user_version`).

use std::path::Path;
use std::sync::{LazyLock, OnceLock};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use rusqlite_migration::{Migrations, M};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::secret::Key32;
use crate::{Error, Result};

/// Every migration, in order; the schema version is their count. Never edit a released one:
/// add a new file.
static MIGRATIONS: LazyLock<Migrations<'static>> = LazyLock::new(|| {
    Migrations::new(vec![
        M::up(include_str!("../../migrations/0001_vault.sql")),
        M::up(include_str!("../../migrations/0002_organisation.sql")),
        M::up(include_str!("../../migrations/0003_records.sql")),
        M::up(include_str!("../../migrations/0004_drafts.sql")),
        M::up(include_str!("../../migrations/0005_checklists.sql")),
        M::up(include_str!("../../migrations/0006_referrals.sql")),
        M::up(include_str!(
            "../../migrations/0007_audit_covers_records.sql"
        )),
        M::up(include_str!("../../migrations/0008_demo_vault.sql")),
        M::up(include_str!("../../migrations/0009_action_states.sql")),
        M::up(include_str!("../../migrations/0010_people_search.sql")),
        M::up(include_str!("../../migrations/0011_agency_answers.sql")),
        M::up(include_str!("../../migrations/0012_the_whole_record.sql")),
        M::up(include_str!("../../migrations/0013_what_is_due.sql")),
        M::up(include_str!("../../migrations/0014_members.sql")),
        M::up(include_str!(
            "../../migrations/0015_referrer_and_setting.sql"
        )),
        M::up(include_str!("../../migrations/0016_trends.sql")),
        M::up(include_str!("../../migrations/0017_transfers.sql")),
        M::up(include_str!("../../migrations/0018_subject_access.sql")),
        M::up(include_str!("../../migrations/0019_after_transfer.sql")),
        M::up(include_str!("../../migrations/0020_signer_trust.sql")),
    ])
});

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 20;

/// How the database pages are encrypted and authenticated. Fixed when a vault is made and
/// recorded in its key-slot file, because SQLCipher cannot tell from an encrypted file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CipherProfile {
    /// SQLCipher 4 defaults: AES-256-CBC, HMAC-SHA512 per 4 KiB page. Vaults made before the
    /// profile was recorded use this, so it is what a key-slot file without one means.
    #[default]
    Sqlcipher4,
    /// SQLCipher 4 with HMAC-SHA256 page authentication. Just as sound for a 256-bit MAC key,
    /// and about three times cheaper on CPUs with SHA extensions (measured: a child's
    /// chronology, which reads pages that are rarely cached; see docs/benchmarks.md).
    Sqlcipher4HmacSha256,
}

impl CipherProfile {
    /// What new vaults are made with.
    pub const NEW_VAULTS: CipherProfile = CipherProfile::Sqlcipher4HmacSha256;

    fn pragmas(self) -> &'static str {
        match self {
            CipherProfile::Sqlcipher4 => "PRAGMA cipher_compatibility = 4;",
            CipherProfile::Sqlcipher4HmacSha256 => {
                "PRAGMA cipher_compatibility = 4; PRAGMA cipher_hmac_algorithm = HMAC_SHA256;"
            }
        }
    }
}

/// Opens (or, with `create`, creates) the database at `path` keyed with `key`.
///
/// The key pragma is the first statement, as SQLCipher requires; the first read then proves the
/// key. A file that does not decrypt with a key we unwrapped ourselves is damaged or replaced.
pub fn open(path: &Path, key: &Key32, profile: CipherProfile, create: bool) -> Result<Connection> {
    if !create && !path.exists() {
        return Err(Error::NoVault {
            path: path.parent().unwrap_or(path).to_path_buf(),
        });
    }
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        // Made here first so it is owner-only from its first byte; SQLite gives the -wal and
        // -shm files the same permissions as the database.
        crate::files::create_private_file(path)?;
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let sql_err = |e| Error::sqlite(path, e);
    sqlcipher_ready()?;
    let conn = Connection::open_with_flags(path, flags).map_err(sql_err)?;
    // SQLCipher would otherwise print "hmac check failed" and similar to standard error.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")
        .map_err(sql_err)?;
    // `cipher_memory_security` stays at SQLCipher's default, off: SQLCipher keeps the key and
    // its codec buffers in its own locked, wiped heap either way, and wiping every allocation
    // SQLite makes cost 10-250x on every query while the same plaintext sits unwiped in the
    // window's memory. The reasoning: docs/security-model.md, "Memory".
    // The key is handed over as SQL text: rusqlite offers no safe call for `sqlite3_key`, and
    // the crate forbids `unsafe`. The text is zeroed as soon as it has been run.
    let key_pragma = Zeroizing::new(format!("PRAGMA key = \"x'{}'\";", key.to_hex().as_str()));
    conn.execute_batch(&key_pragma).map_err(sql_err)?;
    drop(key_pragma);
    conn.execute_batch(profile.pragmas()).map_err(sql_err)?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(|_| Error::DamagedDatabase {
        path: Some(path.to_path_buf()),
    })?;
    apply_settings(&conn).map_err(sql_err)?;
    Ok(conn)
}

/// Waits, once per process, until SQLCipher has finished starting.
///
/// `sqlite3_initialize` marks SQLite initialised and only then runs SQLCipher's start-up
/// (`SQLITE_EXTRA_INIT`), outside its mutex; a thread whose first open falls in that gap is
/// refused its key with SQLITE_ERROR ("An error occurred with PRAGMA key"). Seen in CI when two
/// vaults were made at once; held by tests/first_open.rs. Keying a throwaway in-memory database
/// succeeds only once SQLCipher is ready; every caller waits here until one has.
fn sqlcipher_ready() -> Result<()> {
    static READY: OnceLock<bool> = OnceLock::new();
    let ready = READY.get_or_init(|| {
        // The gap lasts microseconds; a second is far more than it could need.
        (0..200).any(|attempt| {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(5));
            }
            Connection::open_in_memory()
                .and_then(|c| c.execute_batch("PRAGMA key = 'ready';"))
                .is_ok()
        })
    });
    if *ready {
        Ok(())
    } else {
        Err(Error::Internal("the database engine did not start".into()))
    }
}

/// WAL with full syncs: a committed transaction survives a crash or power cut. Temporary
/// tables stay in memory so no plaintext spills into temp files; freed pages are zeroed.
/// A 64 MiB page cache: every page read from disk must be decrypted and authenticated, so
/// keeping decrypted pages (in this process's memory only) is what makes lists fast.
fn apply_settings(conn: &Connection) -> rusqlite::Result<()> {
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(rusqlite::Error::InvalidQuery);
    }
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA secure_delete = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -65536;
         PRAGMA busy_timeout = 5000;",
    )
}

/// The schema version stored in the database.
pub fn schema_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// Brings the schema up to [`SCHEMA_VERSION`]; refuses a database from a newer Casebook.
/// Idempotent: running it on an up-to-date database changes nothing.
pub fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    migrate_to(conn, path, SCHEMA_VERSION)
}

/// Brings the schema up to `version` (tests use this to build an older vault).
pub fn migrate_to(conn: &mut Connection, path: &Path, version: i64) -> Result<()> {
    let found = schema_version(conn).map_err(|e| Error::sqlite(path, e))?;
    if found > SCHEMA_VERSION {
        return Err(Error::NewerSchema {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    if found >= version {
        return Ok(());
    }
    let target = usize::try_from(version)
        .map_err(|_| Error::Internal(format!("bad schema version {version}")))?;
    MIGRATIONS.to_version(conn, target).map_err(|e| match e {
        rusqlite_migration::Error::RusqliteError { err, .. } => Error::sqlite(path, err),
        other => Error::Internal(format!("schema migration: {other}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_migration_list_is_valid() {
        assert!(MIGRATIONS.validate().is_ok());
        assert_eq!(SCHEMA_VERSION, 20);
    }
}
