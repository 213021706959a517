//! The encrypted vault: a SQLCipher database keyed with a random data key, a key-slot file
//! beside it, and a failed-attempt file. See `docs/security-model.md` for the reasoning.
//!
//! A [`Vault`] is a folder, locked. Unlocking it yields a [`Session`] holding the open
//! connection and the data key in zeroizing memory; locking (or dropping) the session closes
//! the connection and wipes the key.

pub mod anchor;
mod attempts;
pub mod backup;
pub mod db;
pub mod device;
pub mod kdf;
mod keys;
pub mod keyslots;
pub mod members;
pub mod passphrase_policy;
pub mod recovery;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, Transaction};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub use attempts::{FailedAttempts, Throttle, UnlockMethod};
pub use device::{DeviceSecretStore, MemoryStore, Note, OsKeyring};
pub use kdf::KdfParams;
pub use members::{AddMember, Member, MemberName, MemberRole};
pub use recovery::RecoveryCode;

use crate::audit::{self, Action, ChainState};
use crate::error::{ErrorCode, Field, Form};
use crate::files;
use crate::organisation::{self, Organisation};
use crate::secret::{Key32, Passphrase};
use crate::time;
use crate::{Error, Result};
use keyslots::KeySlotFile;

/// File names inside a vault folder.
const DB_FILE: &str = "casebook.vault";
const KEYS_FILE: &str = "casebook.keys";
const ATTEMPTS_FILE: &str = "casebook.attempts";

/// How long deriving a passphrase key should take on this computer.
pub const KDF_TARGET: Duration = Duration::from_millis(500);

/// The default vault folder: the operating system's data folder for Casebook
/// (`~/.local/share/casebook` on Linux).
pub fn default_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("uk", "Casebook", "casebook").map(|d| d.data_dir().to_path_buf())
}

/// Where a vault's files are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultPaths {
    dir: PathBuf,
}

impl VaultPaths {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        VaultPaths { dir: dir.into() }
    }
    pub fn dir(&self) -> &Path {
        &self.dir
    }
    /// The SQLCipher database (its `-wal` and `-shm` files sit beside it).
    pub fn db(&self) -> PathBuf {
        self.dir.join(DB_FILE)
    }
    pub fn keys(&self) -> PathBuf {
        self.dir.join(KEYS_FILE)
    }
    /// A re-encrypted copy of the database being prepared (see `keys.rs`, "rekey").
    pub(crate) fn db_next(&self) -> PathBuf {
        self.dir.join(format!("{DB_FILE}.next"))
    }
    /// The key-slot file that goes with [`VaultPaths::db_next`].
    pub(crate) fn keys_next(&self) -> PathBuf {
        self.dir.join(format!("{KEYS_FILE}.next"))
    }
    pub fn attempts(&self) -> PathBuf {
        self.dir.join(ATTEMPTS_FILE)
    }
    /// The organisation's own checklist templates (plain TOML, not confidential): adapted or
    /// added templates offered beside the shipped ones.
    pub fn checklists(&self) -> PathBuf {
        self.dir.join("checklists")
    }
}

/// How key derivation costs are chosen for new slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KdfSetting {
    /// Tuned to [`KDF_TARGET`] on this computer, never below [`KdfParams::PRODUCTION_FLOOR`].
    Tuned,
    /// Fixed parameters (tests use cheap ones so the suite stays fast).
    Fixed(KdfParams),
}

/// What a vault needs from its surroundings.
#[derive(Clone)]
pub struct VaultConfig {
    pub device_store: Arc<dyn DeviceSecretStore>,
    pub kdf: KdfSetting,
    pub throttle: Throttle,
}

impl std::fmt::Debug for VaultConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VaultConfig")
            .field("kdf", &self.kdf)
            .field("throttle", &self.throttle)
            .finish_non_exhaustive()
    }
}

impl VaultConfig {
    /// The real thing: OS keyring, tuned Argon2id, growing delays.
    pub fn production() -> Self {
        VaultConfig {
            device_store: Arc::new(OsKeyring),
            kdf: KdfSetting::Tuned,
            throttle: Throttle::DEFAULT,
        }
    }

    /// For tests, benchmarks and examples only: the given keyring stand-in, cheap key derivation
    /// and no delays after wrong attempts. Never for a real vault.
    pub fn for_tests(device_store: Arc<dyn DeviceSecretStore>) -> Self {
        VaultConfig {
            device_store,
            kdf: KdfSetting::Fixed(KdfParams::INSECURE_FOR_TESTS),
            throttle: Throttle::NONE,
        }
    }

    /// Parameters for a new or re-wrapped slot.
    fn kdf_params(&self) -> Result<KdfParams> {
        static TUNED: OnceLock<KdfParams> = OnceLock::new();
        match self.kdf {
            KdfSetting::Fixed(p) => Ok(p),
            KdfSetting::Tuned => {
                if let Some(p) = TUNED.get() {
                    return Ok(*p);
                }
                let p = KdfParams::tune(KDF_TARGET)?;
                Ok(*TUNED.get_or_init(|| p))
            }
        }
    }

    /// Slots weaker than this are re-wrapped at the next passphrase unlock.
    fn kdf_floor(&self) -> KdfParams {
        match self.kdf {
            KdfSetting::Fixed(p) => p,
            KdfSetting::Tuned => KdfParams::PRODUCTION_FLOOR,
        }
    }
}

/// Whether a folder holds a vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum VaultState {
    /// Nothing here yet: set-up can create one.
    Missing,
    /// A vault is here, locked.
    Locked,
    /// Some vault files are here but not all: set-up will not touch them.
    Incomplete,
}

/// What set-up asks for.
#[derive(Debug)]
pub struct NewVault<'a> {
    pub organisation: &'a str,
    pub dsl_name: &'a str,
    pub passphrase: &'a Passphrase,
    pub confirm: &'a Passphrase,
    /// A demo vault, for fictional records only (marked so for good; see `demo.rs`).
    pub demo: bool,
}

/// "3 failed attempts since …", shown after the next good unlock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailureNotice {
    pub count: u64,
    pub since: DateTime<Utc>,
}

impl FailureNotice {
    pub fn message(&self) -> String {
        let s = if self.count == 1 { "" } else { "s" };
        format!(
            "{} failed unlock attempt{s} since {}. If that was not you, tell your head teacher and change your passphrase.",
            self.count,
            crate::time::human(self.since)
        )
    }
}

/// A vault folder, locked.
#[derive(Debug, Clone)]
pub struct Vault {
    paths: VaultPaths,
    config: VaultConfig,
}

/// A successful unlock.
#[derive(Debug)]
pub struct Unlocked {
    pub session: Session,
    /// Failed attempts since the last good unlock, now recorded in the audit trail.
    pub failures: Option<FailureNotice>,
}

impl Vault {
    pub fn new(dir: impl Into<PathBuf>, config: VaultConfig) -> Self {
        Vault {
            paths: VaultPaths::new(dir),
            config,
        }
    }

    pub fn paths(&self) -> &VaultPaths {
        &self.paths
    }

    pub fn state(&self) -> VaultState {
        match (self.paths.keys().exists(), self.paths.db().exists()) {
            (true, true) => VaultState::Locked,
            (false, false) => VaultState::Missing,
            _ => VaultState::Incomplete,
        }
    }

    /// Whether this computer's keyring answers. When it does not, the passphrase cannot work
    /// here and the unlock screen leads with the recovery code.
    pub fn keyring_available(&self) -> bool {
        self.config.device_store.probe().is_ok()
    }

    /// How long until another unlock may be tried by `member` (zero when it may be tried now).
    pub fn wait_before_next_try(&self, member: Option<Uuid>) -> Result<Duration> {
        let now = Utc::now();
        let vault_id = KeySlotFile::load(&self.paths.keys())
            .ok()
            .map(|k| k.vault_id);
        let record = self.failed_attempts(vault_id, now)?;
        Ok(self.config.throttle.remaining_for(&record, member, now))
    }

    /// Who can unlock this vault: the key file's members, named as this computer's keyring
    /// knows them (no secret in it). A member this computer has no name for is listed as
    /// "Member 2" and so on. A vault made before the team lists nobody until its first
    /// unlock: its one member is implied.
    pub fn members(&self) -> Result<Vec<MemberName>> {
        let keys = self.load_keys()?;
        let names = self
            .config
            .device_store
            .note(Note::Members, &keys.vault_id.to_string())
            .ok()
            .flatten()
            .and_then(|json| serde_json::from_str::<Vec<MemberName>>(&json).ok())
            .unwrap_or_default();
        Ok(keys
            .members
            .iter()
            .enumerate()
            .filter(|(_, m)| !m.id.is_nil())
            .map(|(n, m)| MemberName {
                id: m.id,
                name: names
                    .iter()
                    .find(|k| k.id == m.id)
                    .map_or_else(|| format!("Member {}", n + 1), |k| k.name.clone()),
            })
            .collect())
    }

    /// Creates a new vault, with the DSL as its first member. Returns the open session and the
    /// DSL's recovery code, which is shown once and never stored anywhere in clear.
    pub fn create(&self, new: NewVault<'_>) -> Result<(Session, RecoveryCode)> {
        if self.state() != VaultState::Missing {
            return Err(Error::VaultExists {
                path: self.paths.dir().to_path_buf(),
            });
        }
        let mut form = Form::default();
        let organisation = form.check(
            organisation::check_name(Field::Organisation, new.organisation).map(str::to_owned),
        );
        let dsl_name =
            form.check(organisation::check_name(Field::DslName, new.dsl_name).map(str::to_owned));
        form.finish()?;
        let (organisation, dsl_name) = (organisation.as_str(), dsl_name.as_str());
        passphrase_policy::check_new(new.passphrase, new.confirm, &[organisation, dsl_name])?;

        let vault_id = Uuid::new_v4();
        let member = Uuid::new_v4();
        let data_key = Key32::random()?;
        let recovery = RecoveryCode::generate()?;
        let device_secret = Key32::random()?;
        let device_secret_id = Uuid::new_v4();
        let kdf = self.config.kdf_params()?;
        let mut keys = KeySlotFile::empty(vault_id, db::CipherProfile::NEW_VAULTS);
        keys.add_member(
            &data_key,
            keyslots::NewMember {
                id: member,
                seed: &keyslots::Seed::random()?,
                passphrase: new.passphrase,
                device_secret_id,
                device_secret: &device_secret,
                recovery: &recovery,
                kdf,
            },
        )?;
        keys.bind(&data_key)?;
        self.put_device_secret(&device_secret_id, &device_secret)?;

        files::create_private_dir(self.paths.dir())?;
        let built = (|| {
            keys.save(&self.paths.keys())?;
            let mut conn = db::open(&self.paths.db(), &data_key, keys.cipher, true)?;
            db::migrate(&mut conn, &self.paths.db())?;
            let now = Utc::now();
            let tx = conn
                .transaction()
                .map_err(|e| Error::sqlite(&self.paths.db(), e))?;
            tx.execute(
                "INSERT INTO vault_meta (key, value) VALUES ('vault_id', ?1), ('created_at', ?2)",
                params![vault_id.to_string(), time::format(now)],
            )
            .map_err(|e| Error::sqlite(&self.paths.db(), e))?;
            if new.demo {
                tx.execute(
                    "INSERT INTO vault_meta (key, value) VALUES ('demo', '1')",
                    [],
                )
                .map_err(|e| Error::sqlite(&self.paths.db(), e))?;
            }
            organisation::insert_version(&tx, 1, organisation, dsl_name, now, dsl_name)?;
            members::insert_member(
                &tx,
                member,
                dsl_name,
                MemberRole::Dsl,
                MemberRole::Dsl.label(),
                now,
                dsl_name,
            )?;
            audit::append(
                &tx,
                now,
                dsl_name,
                Action::VaultCreated,
                "vault",
                &json!({ "schema_version": db::SCHEMA_VERSION, "kdf": kdf, "demo": new.demo, "member": member }),
            )?;
            tx.commit()
                .map_err(|e| Error::sqlite(&self.paths.db(), e))?;
            Ok(conn)
        })();
        match built {
            Ok(conn) => {
                let session = Session {
                    conn,
                    data_key,
                    keys,
                    paths: self.paths.clone(),
                    config: self.config.clone(),
                    actor: dsl_name.to_owned(),
                    member,
                    pending: Vec::new(),
                };
                session.note_member_names();
                Ok((session, recovery))
            }
            Err(e) => {
                // Nothing was recorded yet: remove the partial vault so set-up can be retried.
                self.remove_partial_files();
                Err(e)
            }
        }
    }

    /// Unlocks with the passphrase (on the computer the vault was made or last reset on), when
    /// the vault has one member; with several, [`Self::unlock_as`] says who.
    /// A database older than the one last opened here is refused ([`Error::OlderCopy`]).
    pub fn unlock(&self, passphrase: &Passphrase) -> Result<Unlocked> {
        self.unlock_passphrase(None, passphrase, false)
    }

    /// Unlocks as `member` (from [`Self::members`]) with their passphrase.
    pub fn unlock_as(&self, member: Option<Uuid>, passphrase: &Passphrase) -> Result<Unlocked> {
        self.unlock_passphrase(member, passphrase, false)
    }

    /// Unlocks with the passphrase even though the database is older than the one last opened
    /// here (after putting back a copy on purpose); the audit trail records it.
    pub fn unlock_older_copy(
        &self,
        member: Option<Uuid>,
        passphrase: &Passphrase,
    ) -> Result<Unlocked> {
        self.unlock_passphrase(member, passphrase, true)
    }

    pub(crate) fn unlock_passphrase(
        &self,
        member: Option<Uuid>,
        passphrase: &Passphrase,
        accept_older: bool,
    ) -> Result<Unlocked> {
        let keys = self.load_keys()?;
        let slots = pick_member(&keys, member)?.clone();
        let mut record = self.check_throttle(keys.vault_id, Some(slots.id))?;
        let device_secret = self.device_secret_for(&keys, &slots)?;
        let Some(seed) = keys.open_with_passphrase(&slots, passphrase, &device_secret)? else {
            record.record(Utc::now(), UnlockMethod::Passphrase, Some(slots.id));
            self.save_failed_attempts(keys.vault_id, &record)?;
            return Err(Error::WrongPassphrase);
        };
        let mut unlocked = self.finish_unlock(
            keys,
            &slots,
            &seed,
            record,
            UnlockMethod::Passphrase,
            accept_older,
        )?;
        unlocked
            .session
            .strengthen_passphrase_slot(&seed, passphrase, &device_secret)?;
        Ok(unlocked)
    }

    /// This computer's device secret for `member`'s passphrase slot; [`Error::NotThisComputer`]
    /// when the keyring does not hold the one the slot was made with.
    pub(crate) fn device_secret_for(
        &self,
        keys: &KeySlotFile,
        member: &keyslots::MemberSlots,
    ) -> Result<Key32> {
        match self
            .config
            .device_store
            .get(&member.passphrase.device_secret_id)
        {
            Err(e) => Err(Error::KeyringUnavailable { detail: e.0 }),
            Ok(None) => Err(Error::NotThisComputer),
            Ok(Some(s)) if !keys.device_matches(member, &s) => Err(Error::NotThisComputer),
            Ok(Some(s)) => Ok(s),
        }
    }

    /// Unlocks with the recovery code, on any computer. The member must then choose a new
    /// passphrase before the vault can be used: see [`RecoveredVault::set_new_passphrase`].
    pub fn unlock_with_recovery(&self, code: &RecoveryCode) -> Result<RecoveredVault> {
        self.unlock_recovery(None, code, false)
    }

    /// Unlocks as `member` with their recovery code.
    pub fn unlock_with_recovery_as(
        &self,
        member: Option<Uuid>,
        code: &RecoveryCode,
    ) -> Result<RecoveredVault> {
        self.unlock_recovery(member, code, false)
    }

    pub(crate) fn unlock_recovery(
        &self,
        member: Option<Uuid>,
        code: &RecoveryCode,
        accept_older: bool,
    ) -> Result<RecoveredVault> {
        let keys = self.load_keys()?;
        let mut record = self.check_throttle(keys.vault_id, member)?;
        let Some((slots, seed)) = open_with_recovery(&keys, member, code)? else {
            record.record(Utc::now(), UnlockMethod::RecoveryCode, member);
            self.save_failed_attempts(keys.vault_id, &record)?;
            return Err(Error::WrongRecoveryCode);
        };
        let unlocked = self.finish_unlock(
            keys,
            &slots,
            &seed,
            record,
            UnlockMethod::RecoveryCode,
            accept_older,
        )?;
        Ok(RecoveredVault {
            session: unlocked.session,
            seed,
            failures: unlocked.failures,
        })
    }

    fn load_keys(&self) -> Result<KeySlotFile> {
        keys::finish_interrupted_rekey(&self.paths)?;
        match self.state() {
            VaultState::Locked => KeySlotFile::load(&self.paths.keys()),
            VaultState::Missing => Err(Error::NoVault {
                path: self.paths.dir().to_path_buf(),
            }),
            VaultState::Incomplete if !self.paths.keys().exists() => Err(Error::DamagedKeyFile {
                path: self.paths.keys(),
                detail: "the file is missing".into(),
            }),
            VaultState::Incomplete => Err(Error::DamagedDatabase {
                path: Some(self.paths.db()),
            }),
        }
    }

    /// The failed attempts since the last good unlock: the file beside the vault, or this
    /// computer's keyring note of them when that counts more (the file was deleted or put back
    /// from a copy, which must not reset the delay). The note is per vault, so a restore of the
    /// same vault into another folder is slowed down alike.
    fn failed_attempts(
        &self,
        vault_id: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<FailedAttempts> {
        let mut record = FailedAttempts::load(&self.paths.attempts(), now)?;
        let noted = vault_id.and_then(|id| {
            self.config
                .device_store
                .note(Note::FailedAttempts, &id.to_string())
                .ok()
                .flatten()
        });
        if let Some((count, last)) = noted.as_deref().and_then(parse_attempts_note) {
            if count > record.count() {
                let last = last.min(now);
                record.dropped += count - record.count() - 1;
                record.record(last, UnlockMethod::Passphrase, None);
            }
        }
        Ok(record)
    }

    /// Saves the failed attempts to the file and notes them in the keyring.
    fn save_failed_attempts(&self, vault_id: Uuid, record: &FailedAttempts) -> Result<()> {
        record.save(&self.paths.attempts())?;
        self.note_failed_attempts(vault_id, record);
        Ok(())
    }

    /// Notes the failed attempts in this computer's keyring (best effort: without a keyring,
    /// the file beside the vault still counts).
    pub(crate) fn note_failed_attempts(&self, vault_id: Uuid, record: &FailedAttempts) {
        if let Some(last) = record.attempts.last() {
            let line = format!("{} {}", record.count(), time::format(last.at));
            let _ = self.config.device_store.set_note(
                Note::FailedAttempts,
                &vault_id.to_string(),
                Some(&line),
            );
        }
    }

    /// The failed attempts so far, once `member` (and the vault as a whole) may try again.
    pub(crate) fn check_throttle(
        &self,
        vault_id: Uuid,
        member: Option<Uuid>,
    ) -> Result<FailedAttempts> {
        let now = Utc::now();
        let record = self.failed_attempts(Some(vault_id), now)?;
        let wait = self.config.throttle.remaining_for(&record, member, now);
        if !wait.is_zero() {
            return Err(Error::TooManyAttempts {
                wait_seconds: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
            });
        }
        Ok(record)
    }

    /// Opens the database with the data key `slots`' seed unseals, after checking the key
    /// file's binding; runs migrations; checks the member is one; and moves the failed-attempt
    /// record into the audit trail in the same transaction as the "unlocked" entry. A format 1
    /// key file is upgraded (and the vault rekeyed) here.
    fn finish_unlock(
        &self,
        keys: KeySlotFile,
        slots: &keyslots::MemberSlots,
        seed: &keyslots::Seed,
        record: FailedAttempts,
        method: UnlockMethod,
        accept_older: bool,
    ) -> Result<Unlocked> {
        let changed_outside = || {
            Error::DamagedKeyFile {
            path: self.paths.keys(),
            detail: "its key slots were changed outside Casebook (a slot added, removed or altered by hand), so Casebook will not trust it. Put back the key file from your latest backup, or restore the backup".into(),
        }
        };
        let data_key = keys.data_key(slots, seed).ok_or_else(changed_outside)?;
        if !keys.is_format_one() && !keys.binding_checks(&data_key) {
            return Err(changed_outside());
        }
        let db_path = self.paths.db();
        let mut conn = db::open(&db_path, &data_key, keys.cipher, false)?;
        db::migrate(&mut conn, &db_path)?;
        let older = self.older_than_anchored(&conn, &keys, &data_key)?;
        if let (Some(why), false) = (&older, accept_older) {
            return Err(Error::OlderCopy { why: why.clone() });
        }
        let member = if keys.is_format_one() {
            members::first(&conn).map_err(|e| e.in_file(&db_path))?.0
        } else {
            match members::get(&conn, slots.id)? {
                Some((m, _)) if m.active => m,
                Some(m) => {
                    return Err(Error::field(
                        Field::Member,
                        &format!("{} is no longer a member of the team, so their passphrase no longer opens this vault", m.0.name),
                    ))
                }
                None => return Err(changed_outside()),
            }
        };
        let actor = member.name.clone();
        let now = Utc::now();
        // What this unlock writes to the trail: failed attempts since the last one, an older
        // copy opened, and the unlock itself.
        let mut entries: Vec<PendingEntry> = Vec::new();
        let mut entry = |actor: &str, action: Action, detail: serde_json::Value| {
            entries.push(PendingEntry {
                at: now,
                actor: actor.to_owned(),
                action,
                subject: "vault".to_owned(),
                detail,
            });
        };
        for attempt in &record.attempts {
            entry(
                "unknown",
                Action::UnlockFailed,
                json!({ "attempted_at": time::format(attempt.at), "method": attempt.method.as_str(), "member": attempt.member }),
            );
        }
        if record.damaged_file_replaced {
            entry(
                "unknown",
                Action::UnlockFailed,
                json!({ "failed_attempt_file": "found damaged, kept aside as casebook.attempts.damaged and replaced" }),
            );
        }
        if record.dropped > 0 {
            entry(
                "unknown",
                Action::UnlockFailed,
                json!({ "earlier_attempts_not_itemised": record.dropped }),
            );
        }
        if let Some(why) = &older {
            entry(&actor, Action::OlderCopyOpened, json!({ "why": why }));
        }
        let action = match method {
            UnlockMethod::Passphrase => Action::Unlocked,
            UnlockMethod::RecoveryCode => Action::RecoveryCodeUsed,
        };
        entry(
            &actor,
            action,
            json!({ "method": method.as_str(), "failed_attempts_before": record.count(), "member": member.id }),
        );
        let written = (|| {
            let tx = conn.transaction().map_err(|e| Error::sqlite(&db_path, e))?;
            for e in &entries {
                e.append(&tx)?;
            }
            tx.commit().map_err(|e| Error::sqlite(&db_path, e))
        })();
        // A DSL must be able to open and read a vault on a full disk: the entries then wait in
        // the session and go into the trail first thing in the next transaction that commits
        // (nothing else can be written before space is freed, so none can come before them).
        let pending = match written {
            Ok(()) => Vec::new(),
            Err(e) if e.code() == ErrorCode::DiskFull => entries,
            Err(e) => return Err(e),
        };
        let failures = record.first_at().map(|since| FailureNotice {
            count: record.count(),
            since,
        });
        if failures.is_some() && pending.is_empty() {
            // Now in the audit trail. If removal fails the same attempts would be audited
            // again next time: a duplicate, never a loss, so the unlock still succeeds.
            let _ = std::fs::remove_file(self.paths.attempts());
        }
        let _ = self.config.device_store.set_note(
            Note::FailedAttempts,
            &keys.vault_id.to_string(),
            None,
        );
        let mut session = Session {
            conn,
            data_key,
            keys,
            paths: self.paths.clone(),
            config: self.config.clone(),
            actor,
            member: member.id,
            pending,
        };
        if session.keys.is_format_one() {
            session.upgrade_key_file(seed)?;
        } else {
            session.drop_unrecorded_slots()?;
        }
        session.note_member_names();
        match session.anchor_audit_head() {
            // An anchor behind the trail only weakens the rollback check until the next write
            // anchors again; a DSL must still be able to open (and read) a vault on a full disk.
            Err(e) if e.code() == ErrorCode::DiskFull => {}
            other => other?,
        }
        Ok(Unlocked { session, failures })
    }
    /// Why the database's trail is not the one anchored in the key file or the keyring (see
    /// `anchor.rs`), if it is not. Anchors whose MAC does not check are reported the same way:
    /// they were damaged or forged.
    fn older_than_anchored(
        &self,
        conn: &Connection,
        keys: &KeySlotFile,
        data_key: &Key32,
    ) -> Result<Option<String>> {
        let head_seq = audit::head(conn)?.map_or(0, |(seq, _)| seq);
        let entry_hash = |seq: i64| -> Result<Option<String>> {
            use rusqlite::OptionalExtension;
            Ok(conn
                .query_row("SELECT hash FROM audit_log WHERE seq = ?1", [seq], |r| {
                    r.get(0)
                })
                .optional()?)
        };
        // The keyring's anchor counts only when its MAC checks: one made under a data key
        // since rotated (a rekey interrupted before the next lock) says nothing, as none would.
        // No keyring here, or no anchor yet: the key file's anchor still counts.
        let account = anchor::keyring_account(keys.vault_id, self.paths.dir());
        let from_keyring = match self.config.device_store.note(Note::AuditAnchor, &account) {
            Ok(Some(line)) => anchor::AuditAnchor::from_line(&line)
                .filter(|a| a.checks(keys.vault_id, data_key))
                .map(Some),
            _ => None,
        };
        let anchors = [
            (keys.audit_anchor.clone().map(Some), "in the key file"),
            (from_keyring, "in this computer's keyring"),
        ];
        for (found, place) in anchors {
            match found {
                None => {}
                Some(Some(a)) if a.checks(keys.vault_id, data_key) => {
                    if let Some(why) = anchor::disagreement(&a, place, head_seq, entry_hash)? {
                        return Ok(Some(why));
                    }
                }
                Some(_) => {
                    return Ok(Some(format!(
                    "the record of its audit trail kept {place} does not check (damaged or forged)"
                )))
                }
            }
        }
        Ok(None)
    }

    fn put_device_secret(&self, id: &Uuid, secret: &Key32) -> Result<()> {
        self.config
            .device_store
            .put(id, secret)
            .map_err(|e| Error::KeyringUnavailable { detail: e.0 })
    }

    fn remove_partial_files(&self) {
        let db = self.paths.db();
        for path in [
            self.paths.keys(),
            db.clone(),
            PathBuf::from(format!("{}-wal", db.display())),
            PathBuf::from(format!("{}-shm", db.display())),
        ] {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A vault opened with a member's recovery code: usable only to set a new passphrase.
pub struct RecoveredVault {
    session: Session,
    /// The member's seed, to wrap under their new passphrase.
    seed: keyslots::Seed,
    pub failures: Option<FailureNotice>,
}

impl std::fmt::Debug for RecoveredVault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecoveredVault")
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

impl RecoveredVault {
    /// Sets a new passphrase and ties the vault to this computer with a fresh device secret.
    /// When refused (too weak, the two differ, no keyring) the recovered vault comes back with
    /// the reason, so the DSL can try again without re-typing the recovery code.
    pub fn set_new_passphrase(
        mut self,
        passphrase: &Passphrase,
        confirm: &Passphrase,
    ) -> Result<Session, Box<Refused>> {
        match self
            .session
            .reset_passphrase_slot(&self.seed, passphrase, confirm)
        {
            Ok(()) => Ok(self.session),
            Err(error) => Err(Box::new(Refused { error, vault: self })),
        }
    }

    /// Opens the vault for this session only, without a new passphrase, when this computer's
    /// keyring cannot be used (so no passphrase slot can be tied to it). Refused when the keyring
    /// works: then the DSL must set a new passphrase.
    pub fn open_without_keyring(mut self) -> Result<Session> {
        if self.session.config.device_store.probe().is_ok() {
            return Err(Error::field(
                Field::Passphrase,
                "this computer's keyring works, so please choose a new passphrase",
            ));
        }
        let actor = self.session.actor.clone();
        self.session.with_tx(|tx| {
            audit::append(
                tx,
                Utc::now(),
                &actor,
                Action::RecoveryCodeUsed,
                "vault",
                &json!({ "passphrase_reset": false, "reason": "keyring unavailable" }),
            )?;
            Ok(())
        })?;
        Ok(self.session)
    }

    /// The organisation's details (for the "set a new passphrase" screen).
    pub fn organisation(&self) -> Result<Organisation> {
        organisation::current(&self.session.conn)
    }

    /// The member whose recovery code opened the vault.
    pub fn member(&self) -> Result<members::Member> {
        self.session.current_member()
    }
}

/// A new passphrase that was refused, with the recovered vault handed back.
#[derive(Debug)]
pub struct Refused {
    pub error: Error,
    pub vault: RecoveredVault,
}

impl From<Box<Refused>> for Error {
    fn from(r: Box<Refused>) -> Self {
        r.error
    }
}

/// Why a session ended, for the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockReason {
    /// The DSL chose "Lock now" or pressed the shortcut.
    Manual,
    /// No activity for the idle time-out.
    Idle,
    /// The application closed.
    Exit,
    /// The computer is going to sleep (suspend or hibernate).
    Sleep,
}

impl LockReason {
    fn as_str(self) -> &'static str {
        match self {
            LockReason::Manual => "lock now",
            LockReason::Idle => "idle time-out",
            LockReason::Exit => "application closed",
            LockReason::Sleep => "computer going to sleep",
        }
    }
}

/// Counts and checks for `casebook status` and support.
#[derive(Debug, Clone, Serialize)]
pub struct VaultStatus {
    pub schema_version: i64,
    pub tables: Vec<(String, i64)>,
    pub audit: ChainState,
}

/// An unlocked vault. Dropping it closes the database and zeroes the data key.
pub struct Session {
    conn: Connection,
    data_key: Key32,
    keys: KeySlotFile,
    paths: VaultPaths,
    config: VaultConfig,
    /// The member's name, recorded as the author of what they do.
    actor: String,
    /// The member's key-slot id.
    member: Uuid,
    /// Audit entries of an unlock on a full disk, written by the next transaction that commits.
    pending: Vec<PendingEntry>,
}

/// An audit entry made before it could be written (see [`Session::with_tx`]).
#[derive(Debug, Clone)]
struct PendingEntry {
    at: DateTime<Utc>,
    actor: String,
    action: Action,
    subject: String,
    detail: serde_json::Value,
}

impl PendingEntry {
    fn append(&self, tx: &Connection) -> Result<()> {
        audit::append(
            tx,
            self.at,
            &self.actor,
            self.action,
            &self.subject,
            &self.detail,
        )
        .map(|_| ())
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("vault", &self.paths.dir())
            .finish_non_exhaustive()
    }
}

impl Session {
    /// The name recorded as the author of changes: the member who unlocked.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    pub fn paths(&self) -> &VaultPaths {
        &self.paths
    }

    /// The database connection, for the record modules of this crate.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Records that `file` (a PDF of `subject`, of the kind `what`: "incident_pdf",
    /// "person_pdf") leaves the vault, and has `write` put it where the DSL chose, in one
    /// transaction: a write that fails records nothing. The entry holds the file's SHA-256 and
    /// size, never its content, so a copy found later can be matched to it. Should the record
    /// fail to commit after `write` succeeded, the caller removes the file it wrote.
    pub fn export(
        &mut self,
        subject: &str,
        what: &str,
        file: &[u8],
        write: impl FnOnce(&[u8]) -> Result<()>,
    ) -> Result<()> {
        let actor = self.actor.clone();
        let sha256 = hex::encode(Sha256::digest(file));
        self.with_tx(|tx| {
            audit::append(
                tx,
                Utc::now(),
                &actor,
                Action::RecordExported,
                subject,
                &json!({ "what": what, "sha256": sha256, "bytes": file.len() }),
            )?;
            write(file)
        })
    }

    /// Runs `f` in one transaction: commits when it returns `Ok`, rolls back on `Err`. One user
    /// action is one transaction, so it is either saved whole or not at all.
    pub fn with_tx<T>(&mut self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let db_path = self.paths.db();
        let tx = self
            .conn
            .transaction()
            .map_err(|e| Error::sqlite(&db_path, e))?;
        for e in &self.pending {
            e.append(&tx)?;
        }
        let value = f(&tx)?;
        tx.commit().map_err(|e| Error::sqlite(&db_path, e))?;
        self.pending.clear();
        Ok(value)
    }

    /// Schema version, row counts per table, and the audit chain's state.
    pub fn status(&self) -> Result<VaultStatus> {
        let db_path = self.paths.db();
        let schema_version = db::schema_version(&self.conn)?;
        let tables = Session::table_counts(&self.conn, &db_path)?;
        Ok(VaultStatus {
            schema_version,
            tables,
            audit: audit::verify(&self.conn)?,
        })
    }

    /// Verifies the audit chain.
    pub fn verify_audit(&self) -> Result<ChainState> {
        audit::verify(&self.conn)
    }

    /// Records the audit trail's head outside the database, in the key file and this
    /// computer's keyring (see `anchor.rs`), so an older copy put back is noticed at unlock.
    /// The keyring is best effort: without one, the key file's anchor still counts.
    pub(crate) fn anchor_audit_head(&mut self) -> Result<()> {
        let Some((seq, hash)) = audit::head(&self.conn)? else {
            return Ok(());
        };
        let a = anchor::AuditAnchor::new(self.keys.vault_id, &self.data_key, seq, &hash)?;
        // The keyring first: it is not on the vault's disk, so a full disk still anchors there.
        let account = anchor::keyring_account(self.keys.vault_id, self.paths.dir());
        let _ = self
            .config
            .device_store
            .set_note(Note::AuditAnchor, &account, Some(&a.to_line()));
        if self.keys.audit_anchor.as_ref() != Some(&a) {
            let mut keys = self.keys.clone();
            keys.audit_anchor = Some(a.clone());
            keys.save(&self.paths.keys())?;
            self.keys = keys;
        }
        Ok(())
    }

    /// Locks: records why, anchors the trail's head, closes the database and zeroes the key.
    pub fn lock(mut self, reason: LockReason) -> Result<()> {
        let actor = self.actor.clone();
        let audited = self
            .with_tx(|tx| {
                audit::append(
                    tx,
                    Utc::now(),
                    &actor,
                    Action::Locked,
                    "vault",
                    &json!({ "reason": reason.as_str() }),
                )?;
                Ok(())
            })
            .and_then(|()| self.anchor_audit_head());
        // SQLite's advice for long-lived databases, just before the connection closes: refresh
        // the planner's statistics where they are missing or stale (bounded by an automatic
        // analysis limit since SQLite 3.46). The benchmarks' fixtures have them too, so they
        // measure the plans a DSL gets (docs/benchmarks.md). Best effort: it never stops a lock.
        let _ = self.conn.execute_batch("PRAGMA optimize;");
        // The session is dropped (and the key wiped) whether or not the entry could be written.
        drop(self);
        audited
    }
}

/// Opens `member`'s recovery slot with `code`; with no member named, every member's in turn.
/// A recovery code is 160 random bits of one member's, so it cannot open the wrong one, and it
/// is what a member uses on another computer, whose keyring has no names to choose from. (Each
/// try costs one key derivation, so at most [`keyslots::MAX_MEMBERS`] of them.)
pub(crate) fn open_with_recovery(
    keys: &KeySlotFile,
    member: Option<Uuid>,
    code: &RecoveryCode,
) -> Result<Option<(keyslots::MemberSlots, keyslots::Seed)>> {
    let candidates: Vec<&keyslots::MemberSlots> = match member {
        Some(_) => vec![pick_member(keys, member)?],
        None => keys.members.iter().collect(),
    };
    for slots in candidates {
        if let Some(seed) = keys.open_with_recovery(slots, code)? {
            return Ok(Some((slots.clone(), seed)));
        }
    }
    Ok(None)
}

/// The slots of `member`, or of the only member when none is named.
pub(crate) fn pick_member(
    keys: &KeySlotFile,
    member: Option<Uuid>,
) -> Result<&keyslots::MemberSlots> {
    match member {
        Some(id) => keys.member(id).ok_or_else(|| {
            Error::field(
                Field::Member,
                "that member is not in this vault's team: choose your name from the list",
            )
        }),
        None if keys.members.len() == 1 => keys
            .members
            .first()
            .ok_or_else(|| Error::Internal("a key file with no members".into())),
        None => Err(Error::field(
            Field::Member,
            "choose who you are from the list of the team",
        )),
    }
}

impl Session {
    /// A vault made before the team: its key file becomes format 2, with the member's old data
    /// key as their seed, and the database is rekeyed under a new data key, so that no member
    /// added later ever holds a key that is also someone's seed.
    fn upgrade_key_file(&mut self, seed: &keyslots::Seed) -> Result<()> {
        let new_key = Key32::random()?;
        let mut keys = self.keys.clone();
        keys.upgrade(self.member, seed, &new_key)?;
        keys.bind(&new_key)?;
        let member = self.member;
        self.rekey(new_key, keys, move |tx, actor| {
            audit::append(
                tx,
                Utc::now(),
                actor,
                Action::KeyFileUpgraded,
                "vault",
                &json!({ "format": keyslots::FORMAT, "member": member, "rekeyed": true }),
            )
            .map(drop)
        })
    }

    /// Removes slots the record does not hold as a current member: an addition that was
    /// interrupted after the key file was saved, before the record was written.
    fn drop_unrecorded_slots(&mut self) -> Result<()> {
        let current: Vec<Uuid> = members::list(&self.conn)?
            .into_iter()
            .filter(|m| m.active)
            .map(|m| m.id)
            .collect();
        let stray: Vec<Uuid> = self
            .keys
            .members
            .iter()
            .filter(|m| !current.contains(&m.id))
            .map(|m| m.id)
            .collect();
        if stray.is_empty() {
            return Ok(());
        }
        let mut keys = self.keys.clone();
        for id in &stray {
            keys.remove_member(*id);
        }
        self.commit_keys(
            keys,
            Action::MemberRemoved,
            json!({ "unrecorded_slots_removed": stray }),
        )
    }

    /// Keeps the team's names in this computer's keyring for the unlock screen (best effort:
    /// without it the screen lists "Member 1", "Member 2"…).
    pub(crate) fn note_member_names(&self) {
        let Ok(members) = members::list(&self.conn) else {
            return;
        };
        let names: Vec<MemberName> = members
            .into_iter()
            .filter(|m| m.active)
            .map(|m| MemberName {
                id: m.id,
                name: m.name,
            })
            .collect();
        if let Ok(json) = serde_json::to_string(&names) {
            let _ = self.config.device_store.set_note(
                Note::Members,
                &self.keys.vault_id.to_string(),
                Some(&json),
            );
        }
    }
}

/// "COUNT TIME", as [`Vault::save_failed_attempts`] notes it.
fn parse_attempts_note(line: &str) -> Option<(u64, DateTime<Utc>)> {
    let (count, at) = line.split_once(' ')?;
    Some((count.parse().ok()?, time::parse(at)?))
}
