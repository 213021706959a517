//! What the shell holds between commands: the vault folder, and at most one unlocked session.
//! The data key lives only inside the core's `Session`; the UI never sees key material.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use casebook::vault::{LockReason, RecoveredVault, Session, Vault};

use crate::error::{CommandError, CommandResult};

/// The session slot: locked, opened by recovery code (waiting for a new passphrase), or open.
#[derive(Default)]
pub enum Slot {
    #[default]
    Locked,
    Recovered(Box<RecoveredVault>),
    Open(Box<Session>),
}

pub struct AppState {
    pub vault: Vault,
    slot: Mutex<Slot>,
    activity: Mutex<Activity>,
}

/// When the DSL last did something, and how long until the app locks itself.
#[derive(Debug, Clone, Copy)]
pub struct Activity {
    pub last: Instant,
    pub idle_limit: Duration,
}

impl AppState {
    pub fn new(vault: Vault) -> Self {
        AppState {
            vault,
            slot: Mutex::new(Slot::Locked),
            activity: Mutex::new(Activity {
                last: Instant::now(),
                idle_limit: Duration::from_secs(
                    60 * u64::from(casebook::vault::DEFAULT_IDLE_LOCK_MINUTES),
                ),
            }),
        }
    }

    /// The session slot. A poisoned lock (a panic while held) is still usable: the slot only
    /// ever holds whole values.
    pub fn slot(&self) -> MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on the open session, or says the vault is locked.
    pub fn with_session<T>(
        &self,
        f: impl FnOnce(&mut Session) -> CommandResult<T>,
    ) -> CommandResult<T> {
        match &mut *self.slot() {
            Slot::Open(session) => f(session),
            _ => Err(CommandError::locked()),
        }
    }

    /// Locks whatever is open. Returns whether anything was.
    pub fn lock(&self, reason: LockReason) -> CommandResult<bool> {
        let previous = std::mem::take(&mut *self.slot());
        match previous {
            Slot::Open(session) => {
                session.lock(reason)?;
                Ok(true)
            }
            // Dropping it closes the database and wipes the key.
            Slot::Recovered(_) => Ok(true),
            Slot::Locked => Ok(false),
        }
    }

    pub fn touch(&self) {
        self.activity().last = Instant::now();
    }

    pub fn set_idle_limit(&self, limit: Duration) {
        self.activity().idle_limit = limit;
    }

    pub fn activity(&self) -> MutexGuard<'_, Activity> {
        self.activity.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn is_unlocked(&self) -> bool {
        !matches!(*self.slot(), Slot::Locked)
    }
}
