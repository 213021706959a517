//! The safeguarding team on one vault: the DSL and up to eight deputies or other members the DSL
//! names, each unlocking in their own name with their own key slots (see `keyslots.rs`), each
//! recorded as the author of what they do, each signing referrals with their own certificate.
//!
//! Only the DSL adds or removes members or makes another member the DSL; everything else is open
//! to every member. Members change by new versions in `member_versions` (schema 14), audited.
//! Removing a member also replaces the data key (a rekey: `keys.rs`), so a copy of the old key
//! file with the removed member's passphrase or recovery code no longer opens the vault as it
//! is now. A backup made before still opens with the slots it carries: the DSL should make a
//! new backup and destroy the older ones, and the app says so.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::keyslots::{NewMember, Seed, MAX_MEMBERS};
use super::{passphrase_policy, RecoveryCode, Session};
use crate::audit::{self, Action};
use crate::error::{Field, Form};
use crate::organisation;
use crate::secret::{Key32, Passphrase};
use crate::time;
use crate::{Error, Result};

text_enum! {
    /// What a member does in the team.
    MemberRole {
        Dsl = "dsl", "Designated Safeguarding Lead";
        Deputy = "deputy", "Deputy DSL";
        Other = "other", "Other member";
    }
}

/// A member as the record knows them (the newest version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Member {
    /// The id of their key slots.
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub id: Uuid,
    pub name: String,
    pub role: MemberRole,
    /// How the organisation names the role ("Deputy DSL", "Online safety lead").
    pub role_title: String,
    /// False once removed: their name stays on what they did.
    pub active: bool,
    pub added_at: String,
    pub added_by: String,
    pub changed_at: String,
    pub changed_by: String,
    /// How a recipient reaches them about a referral they made (their own, kept as versions).
    pub phone: String,
    pub secure_email: String,
}

/// Who can unlock: the key file's ids with the names this computer's keyring keeps for them,
/// read before anything is decrypted (no secret in it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MemberName {
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub id: Uuid,
    pub name: String,
}

/// What the DSL gives to add a member; the member types their own passphrase, and has been
/// shown `recovery_code` (made with [`RecoveryCode::generate`]) and typed part of it back.
pub struct AddMember<'a> {
    pub name: &'a str,
    pub role: MemberRole,
    /// Empty means the role's own label.
    pub role_title: &'a str,
    pub passphrase: &'a Passphrase,
    pub confirm: &'a Passphrase,
    pub recovery_code: &'a RecoveryCode,
}

const SELECT: &str = "SELECT m.member_id, v.name, v.role, v.role_title, v.active, m.added_at,
        m.added_by, v.at, v.by_whom, m.id, coalesce(c.phone, ''), coalesce(c.secure_email, '')
     FROM members m JOIN member_versions v ON v.member_id = m.id
      AND v.version = (SELECT max(version) FROM member_versions WHERE member_id = m.id)
     LEFT JOIN member_contacts c ON c.member_id = m.id
      AND c.version = (SELECT max(version) FROM member_contacts WHERE member_id = m.id)";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Member, i64)> {
    let id: String = r.get(0)?;
    Ok((
        Member {
            id: Uuid::parse_str(&id).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
            })?,
            name: r.get(1)?,
            role: r.get(2)?,
            role_title: r.get(3)?,
            active: r.get(4)?,
            added_at: r.get(5)?,
            added_by: r.get(6)?,
            changed_at: r.get(7)?,
            changed_by: r.get(8)?,
            phone: r.get(10)?,
            secure_email: r.get(11)?,
        },
        r.get(9)?,
    ))
}

/// Every member there has been, in the order they were added (removed ones too).
pub fn list(conn: &Connection) -> Result<Vec<Member>> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} ORDER BY m.id"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows
        .map(|r| r.map(|(m, _)| m))
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The member with key-slot id `id`, with their row id.
pub(crate) fn get(conn: &Connection, id: Uuid) -> Result<Option<(Member, i64)>> {
    Ok(conn
        .query_row(
            &format!("{SELECT} WHERE m.member_id = ?1"),
            [id.to_string()],
            from_row,
        )
        .optional()?)
}

/// The member a signature was made by, from the certificate's fingerprint.
pub fn signed_by(conn: &Connection, fingerprint: &str) -> Result<Option<Member>> {
    Ok(conn
        .query_row(
            &format!(
                "{SELECT} JOIN signing_identity_members s ON s.member_id = m.id
                 JOIN signing_identities i ON i.id = s.identity_id WHERE i.fingerprint = ?1"
            ),
            [fingerprint],
            from_row,
        )
        .optional()?
        .map(|(m, _)| m))
}

/// Records a member's version (in the caller's transaction, which audits it).
fn insert_version(
    tx: &Connection,
    row: i64,
    m: &Member,
    reason: &str,
    at: DateTime<Utc>,
    by: &str,
) -> Result<()> {
    tx.execute(
        "INSERT INTO member_versions (member_id, version, name, role, role_title, active,
             reason, at, by_whom)
         VALUES (?1, (SELECT coalesce(max(version), 0) + 1 FROM member_versions
                      WHERE member_id = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            row,
            m.name,
            m.role,
            m.role_title,
            m.active,
            reason,
            time::format(at),
            by
        ],
    )?;
    Ok(())
}

/// Records a new member (the vault's first at set-up, or one the DSL adds).
pub(crate) fn insert_member(
    tx: &Connection,
    id: Uuid,
    name: &str,
    role: MemberRole,
    role_title: &str,
    at: DateTime<Utc>,
    by: &str,
) -> Result<i64> {
    tx.execute(
        "INSERT INTO members (member_id, added_at, added_by) VALUES (?1, ?2, ?3)",
        params![id.to_string(), time::format(at), by],
    )?;
    let row = tx.last_insert_rowid();
    let member = Member {
        id,
        name: name.to_owned(),
        role,
        role_title: role_title.to_owned(),
        active: true,
        added_at: time::format(at),
        added_by: by.to_owned(),
        changed_at: time::format(at),
        changed_by: by.to_owned(),
        phone: String::new(),
        secure_email: String::new(),
    };
    insert_version(tx, row, &member, "Added to the team", at, by)?;
    Ok(row)
}

fn title_or_label(role: MemberRole, title: &str) -> String {
    let t = title.trim();
    if t.is_empty() {
        role.label().to_owned()
    } else {
        t.to_owned()
    }
}

impl Session {
    /// The key-slot id of the member this session belongs to.
    pub fn member(&self) -> Uuid {
        self.member
    }

    /// This session's member, as the record knows them now.
    pub fn current_member(&self) -> Result<Member> {
        get(&self.conn, self.member)?
            .map(|(m, _)| m)
            .ok_or_else(|| Error::Internal("this session's member is not recorded".into()))
    }

    /// Every member there has been (removed ones too, marked).
    pub fn members(&self) -> Result<Vec<Member>> {
        list(&self.conn)
    }

    /// This member records how a recipient can reach them about a referral they make: a phone
    /// number, a secure e-mail, or both (a referral is refused without either). Each member
    /// changes only their own, as a new version.
    pub fn change_my_contact(&mut self, phone: &str, secure_email: &str) -> Result<Member> {
        let mut form = Form::default();
        let phone = form.check(organisation::check_phone(Field::Phone, phone));
        let secure_email = form.check(organisation::check_email(Field::SecureEmail, secure_email));
        form.finish()?;
        let (me, row) = get(&self.conn, self.member)?
            .ok_or_else(|| Error::Internal("this session's member is not recorded".into()))?;
        if me.phone == phone && me.secure_email == secure_email {
            return Err(Error::field(
                Field::Phone,
                "these are the details already recorded",
            ));
        }
        let actor = self.actor.clone();
        let now = Utc::now();
        self.with_tx(|tx| {
            tx.execute(
                "INSERT INTO member_contacts (member_id, version, phone, secure_email, at, by_whom)
                 VALUES (?1, (SELECT coalesce(max(version), 0) + 1 FROM member_contacts
                              WHERE member_id = ?1), ?2, ?3, ?4, ?5)",
                params![row, phone, secure_email, time::format(now), actor],
            )?;
            audit::append(
                tx,
                now,
                &actor,
                Action::MemberChanged,
                "team",
                &json!({ "member": me.id, "contact_details": true }),
            )
            .map(drop)
        })?;
        self.current_member()
    }

    fn require_dsl(&self) -> Result<Member> {
        let me = self.current_member()?;
        if me.role != MemberRole::Dsl || !me.active {
            return Err(Error::field(
                Field::Member,
                "only the Designated Safeguarding Lead can add or remove members of the team",
            ));
        }
        Ok(me)
    }

    /// What [`Self::add_member`] checks before any key is made, all at once: the name, the
    /// role, room in the team and the member's passphrase. The window asks this before it shows
    /// the new member their recovery code. Returns the name and role title as they will be kept.
    pub fn check_new_member(
        &self,
        name: &str,
        role: MemberRole,
        role_title: &str,
        passphrase: &Passphrase,
        confirm: &Passphrase,
    ) -> Result<(String, String)> {
        self.require_dsl()?;
        let mut form = Form::default();
        let name = form.check(organisation::check_name(Field::MemberName, name).map(str::to_owned));
        let everyone = list(&self.conn)?;
        if everyone
            .iter()
            .any(|m| m.name.to_lowercase() == name.to_lowercase())
        {
            form.add(Error::field(
                Field::MemberName,
                "someone in the team already has (or had) this name: add a middle name or initial so the record can tell them apart",
            ));
        }
        if role == MemberRole::Dsl {
            form.add(Error::field(
                Field::MemberRole,
                "add them as a deputy, then make them the DSL (the vault has one DSL at a time)",
            ));
        }
        let title = title_or_label(role, role_title);
        form.check(organisation::check_name(Field::RoleTitle, &title));
        let org = organisation::current(&self.conn)?;
        // A weak or mistyped passphrase keeps its own error when it is the only problem, and
        // joins the field errors when there are others, so that all are shown at once.
        match passphrase_policy::check_new(passphrase, confirm, &[&org.name, &name]) {
            Err(e) if !form.is_empty() && !e.fields().is_empty() => {
                form.add(Error::Invalid(e.fields()));
            }
            Err(e) => form.add(e),
            Ok(()) => {}
        }
        form.finish()?;
        if everyone.iter().filter(|m| m.active).count() >= MAX_MEMBERS {
            return Err(Error::field(
                Field::MemberName,
                &format!("the team already has {MAX_MEMBERS} members: remove one first"),
            ));
        }
        Ok((name, title))
    }

    /// The DSL adds a member with their own passphrase and recovery code (their signing
    /// identity is made next, by `referral::ensure_identity_of`, a layer above). Refused, changing
    /// nothing, for an empty name or one any member has had (names identify members in the
    /// record for good), a team already full, or a passphrase the policy refuses.
    pub fn add_member(&mut self, new: &AddMember<'_>) -> Result<Member> {
        let me = self.require_dsl()?;
        let (name, title) = self.check_new_member(
            new.name,
            new.role,
            new.role_title,
            new.passphrase,
            new.confirm,
        )?;

        let id = Uuid::new_v4();
        let seed = Seed::random()?;
        // This computer's device secret, as the other slots use it.
        let device_secret_id = self
            .keys
            .member(self.member)
            .map(|m| m.passphrase.device_secret_id)
            .ok_or_else(|| Error::Internal("no key slots for this session".into()))?;
        let device_secret = self
            .config
            .device_store
            .get(&device_secret_id)
            .map_err(|e| Error::KeyringUnavailable { detail: e.0 })?
            .ok_or(Error::NotThisComputer)?;
        let kdf = self.config.kdf_params()?;
        let mut keys = self.keys.clone();
        keys.add_member(
            &self.data_key,
            NewMember {
                id,
                seed: &seed,
                passphrase: new.passphrase,
                device_secret_id,
                device_secret: &device_secret,
                recovery: new.recovery_code,
                kdf,
            },
        )?;
        keys.bind(&self.data_key)?;
        // The key file first: a crash before the record is written leaves slots the record
        // does not know, which the next unlock removes (see `Vault::finish_unlock`).
        keys.save(&self.paths.keys())?;
        self.keys = keys;
        let actor = self.actor.clone();
        let now = Utc::now();
        self.with_tx(|tx| {
            insert_member(tx, id, &name, new.role, &title, now, &actor)?;
            audit::append(
                tx,
                now,
                &actor,
                Action::MemberAdded,
                "team",
                &json!({ "member": id, "name": name, "role": new.role.as_str(), "by": me.id }),
            )?;
            Ok(())
        })?;
        self.note_member_names();
        self.anchor_audit_head()?;
        get(&self.conn, id)?
            .map(|(m, _)| m)
            .ok_or_else(|| Error::Internal("member not recorded".into()))
    }

    /// The DSL removes a member: their slots go, and the vault is rekeyed under a new data key
    /// sealed to those who remain. Refused for yourself (hand over first) or an unknown or
    /// already removed member.
    pub fn remove_member(&mut self, id: Uuid, reason: &str) -> Result<()> {
        let me = self.require_dsl()?;
        if id == me.id {
            return Err(Error::field(
                Field::Member,
                "you cannot remove yourself: make another member the DSL first (a handover), and they can remove you",
            ));
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Error::field(
                Field::Reason,
                "say why they are leaving the team (for example, left the school)",
            ));
        }
        let (member, row) = self.active_member(id)?;
        self.remove_and_rekey(&member, row, reason, None)?;
        self.note_member_names();
        Ok(())
    }

    /// The DSL makes another member the DSL; the DSL becomes a deputy. The organisation's
    /// details name the new DSL from now on.
    pub fn make_dsl(&mut self, id: Uuid, reason: &str) -> Result<()> {
        let me = self.require_dsl()?;
        if id == me.id {
            return Err(Error::field(Field::Member, "you are already the DSL"));
        }
        let (mut member, row) = self.active_member(id)?;
        let (_, my_row) = get(&self.conn, me.id)?
            .ok_or_else(|| Error::Internal("this session's member is not recorded".into()))?;
        let reason = if reason.trim().is_empty() {
            "Handover of the DSL role"
        } else {
            reason.trim()
        };
        let org = organisation::current(&self.conn)?;
        let actor = self.actor.clone();
        let now = Utc::now();
        self.with_tx(|tx| {
            let mut demoted = me.clone();
            demoted.role = MemberRole::Deputy;
            demoted.role_title = MemberRole::Deputy.label().to_owned();
            insert_version(tx, my_row, &demoted, reason, now, &actor)?;
            member.role = MemberRole::Dsl;
            member.role_title = MemberRole::Dsl.label().to_owned();
            insert_version(tx, row, &member, reason, now, &actor)?;
            organisation::insert_version(
                tx,
                org.version + 1,
                &org.name,
                &member.name,
                now,
                &actor,
            )?;
            audit::append(
                tx,
                now,
                &actor,
                Action::MemberChanged,
                "team",
                &json!({ "member": id, "role": "dsl", "previous_dsl": me.id, "reason": reason }),
            )?;
            Ok(())
        })
    }

    /// A handover in one step: `to` becomes the DSL, and this member (the outgoing DSL) is
    /// removed, with the vault rekeyed so that neither their passphrase nor their recovery code
    /// opens it as it is now. Lock the session after: its member is no longer one.
    pub fn hand_over_to(&mut self, to: Uuid, reason: &str) -> Result<()> {
        self.make_dsl(to, reason)?;
        let (me, row) = get(&self.conn, self.member)?
            .ok_or_else(|| Error::Internal("this session's member is not recorded".into()))?;
        let reason = if reason.trim().is_empty() {
            "Handed over the DSL role and left the team"
        } else {
            reason.trim()
        };
        self.remove_and_rekey(&me, row, reason, Some(to))?;
        self.note_member_names();
        Ok(())
    }

    fn active_member(&self, id: Uuid) -> Result<(Member, i64)> {
        match get(&self.conn, id)? {
            Some((m, row)) if m.active => Ok((m, row)),
            Some(_) => Err(Error::field(Field::Member, "they were already removed")),
            None => Err(Error::field(Field::Member, "there is no such member")),
        }
    }

    fn remove_and_rekey(
        &mut self,
        member: &Member,
        row: i64,
        reason: &str,
        handed_to: Option<Uuid>,
    ) -> Result<()> {
        let new_key = Key32::random()?;
        let mut keys = self.keys.clone();
        keys.remove_member(member.id);
        keys.reseal(&new_key)?;
        keys.bind(&new_key)?;
        let mut removed = member.clone();
        removed.active = false;
        let reason = reason.to_owned();
        self.rekey(new_key, keys, move |tx, actor| {
            let now = Utc::now();
            insert_version(tx, row, &removed, &reason, now, actor)?;
            audit::append(
                tx,
                now,
                actor,
                Action::MemberRemoved,
                "team",
                &json!({ "member": removed.id, "name": removed.name, "reason": reason,
                         "handed_over_to": handed_to, "rekeyed": true }),
            )
            .map(drop)
        })
    }
}

/// The member a format 1 key file's one slot belongs to: the vault's first member (the DSL who
/// made it), recorded by schema 14's migration.
pub(crate) fn first(conn: &Connection) -> Result<(Member, i64)> {
    conn.query_row(&format!("{SELECT} WHERE m.id = 1"), [], from_row)
        .optional()?
        .ok_or_else(|| Error::Internal("the vault's first member is not recorded".into()))
}
