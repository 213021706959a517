//! Casebook core: the encrypted vault and everything a Designated Safeguarding Lead's record
//! depends on. This crate has no Tauri or GUI dependency; the desktop shell (`src-tauri/`) and
//! the `casebook` command line are thin fronts over it.
//!
//! Layers, lowest first; a module imports only from its own layer or below (README,
//! "Architecture"):
//! 1. foundations: [`error`] (the error type, with messages written for a DSL and stable codes),
//!    [`secret`] (passphrases and keys that never print and are zeroed on drop), [`time`] (how
//!    dates and times are stored), [`files`] (atomic and owner-only writes), [`no_images`] (the guard every text passes), [`audit`] (the append-only, hash-chained trail),
//!    [`organisation`] (the organisation's and DSL's names, which the vault itself needs);
//! 2. [`vault`]: creating, unlocking and locking the SQLCipher store, key slots, the device
//!    secret, failed-attempt throttling, schema migrations, backups;
//! 3. [`settings`] and [`records`]: the DSL's settings; people, incidents, chronology, evidence
//!    and custody, search, drafts, retention;
//! 4. [`checklists`] (templates, validator, run engine) and [`pdf`] (the text-only layout);
//! 5. [`referral`] (summaries, signed PDFs and their checking), [`demo`] (fictional data),
//!    [`today`], [`trends`] and the incident and person PDFs;
//! 6. [`disclosure`]: a child's whole file leaving the vault (child protection file transfer).

/// Generates an enum stored as snake_case text, with its labels for people, and its SQLite
/// conversions (an unknown stored value fails loudly). Defined before the modules so each of
/// them can use it.
macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $text:literal, $label:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "specta", derive(specta::Type))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            /// How it is written for people (screens, PDFs).
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        impl rusqlite::types::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(self.as_str().into())
            }
        }

        /// A stored value this version does not know is an error, never a silent default.
        impl rusqlite::types::FromSql for $name {
            fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
                let text = value.as_str()?;
                Self::parse(text).ok_or_else(|| {
                    rusqlite::types::FromSqlError::Other(
                        format!("unknown {} {text:?}", stringify!($name)).into(),
                    )
                })
            }
        }
    };
}

pub mod audit;
pub mod calendar;
pub mod checklists;
pub mod demo;
pub mod disclosure;
pub mod error;
pub mod files;
pub mod incident_pdf;
pub mod no_images;
pub mod organisation;
pub mod pdf;
pub mod person_pdf;
pub mod records;
pub mod referral;
pub mod secret;
pub mod settings;
pub mod time;
pub mod today;
pub mod trends;
pub mod vault;

pub use error::{Error, ErrorCode, Field, FieldError, Result};

#[cfg(test)]
mod tests {
    /// Every word list is stored (`as_str`) and sent to the UI (serde) as the same text, and a
    /// stored value this version does not know fails loudly instead of becoming a default.
    macro_rules! check_text_enums {
        ($($t:ty),+ $(,)?) => {$(
            for v in <$t>::ALL {
                assert_eq!(serde_json::to_value(v).unwrap(), v.as_str(), "{}", stringify!($t));
                assert_eq!(<$t>::parse(v.as_str()), Some(*v));
            }
            let conn = rusqlite::Connection::open_in_memory().unwrap();
            let known: $t = conn
                .query_row("SELECT ?1", [<$t>::ALL[0]], |r| r.get(0))
                .unwrap();
            assert_eq!(known, <$t>::ALL[0]);
            let unknown = conn.query_row("SELECT 'no_such_value'", [], |r| r.get::<_, $t>(0));
            assert!(unknown.is_err(), "{} accepted an unknown stored value", stringify!($t));
        )+};
    }

    #[test]
    fn word_lists_store_send_and_refuse_unknown_values_alike() {
        use crate::checklists::contacts::ContactKey;
        use crate::disclosure::transfer::SignerDecision;
        use crate::records::actions::ActionState;
        use crate::records::answers::AnswerEvent;
        use crate::records::chronology::EntryKind;
        use crate::records::evidence::CustodyKind;
        use crate::records::incidents::{Category, FourC, Risk, Role, Status};
        use crate::records::local_practice::AfterTransferRule;
        use crate::records::people::PersonKind;
        use crate::records::subject_access::{Exemption, RequestEventKind, Requester};
        use crate::records::transfers::{
            Move, OtherChildren, ReceiptHow, TransferEventKind, TransferMethod, TransferState,
        };
        use crate::referral::Recipient;
        check_text_enums!(
            SignerDecision,
            crate::error::Field,
            ActionState,
            AnswerEvent,
            ContactKey,
            EntryKind,
            CustodyKind,
            Category,
            FourC,
            Risk,
            Role,
            Status,
            PersonKind,
            Recipient,
            Requester,
            Exemption,
            RequestEventKind,
            Move,
            TransferMethod,
            OtherChildren,
            TransferEventKind,
            ReceiptHow,
            TransferState,
            AfterTransferRule,
        );
    }
}
