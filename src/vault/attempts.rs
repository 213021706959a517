//! Failed unlock attempts. A wrong passphrase cannot write into the encrypted database, so the
//! failures are kept in a small sidecar file (times only, no secrets), which also drives the
//! growing delay. At the next successful unlock they move into the audit trail and the file is
//! cleared.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::files::write_atomic;
use crate::{Error, Result};

/// How an unlock was attempted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnlockMethod {
    Passphrase,
    RecoveryCode,
}

impl UnlockMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            UnlockMethod::Passphrase => "passphrase",
            UnlockMethod::RecoveryCode => "recovery code",
        }
    }
}

/// One failed attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedAttempt {
    pub at: DateTime<Utc>,
    pub method: UnlockMethod,
    /// The member whose passphrase or code was tried (none in files written before the team,
    /// or when nobody was chosen).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<uuid::Uuid>,
}

/// The contents of the failed-attempt file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedAttempts {
    /// Every failure since the last good unlock, up to [`FailedAttempts::KEEP`]; older ones are
    /// counted in `dropped` so the total stays right.
    pub attempts: Vec<FailedAttempt>,
    #[serde(default)]
    pub dropped: u64,
    /// The file was found damaged and replaced (see [`FailedAttempts::load`]).
    #[serde(default)]
    pub damaged_file_replaced: bool,
}

impl FailedAttempts {
    const KEEP: usize = 1000;

    /// Reads the file; a missing file means no failures.
    ///
    /// A damaged file is neither trusted nor allowed to lock anyone out: it is kept aside as
    /// `casebook.attempts.damaged`, and replaced by a record of "an unknown number of failures,
    /// just now", which asks for the longest delay once (then the passphrase or the recovery
    /// code works again) and is reported in the audit trail at the next unlock. Failures dated
    /// in the future (a clock set wrong, or a doctored file) count as now, for the same reason.
    pub fn load(path: &Path, now: DateTime<Utc>) -> Result<Self> {
        let bytes = match crate::files::read_regular(path, 1024 * 1024) {
            Ok(bytes) => bytes,
            Err(Error::Io { .. }) if !path.exists() => return Ok(Self::default()),
            Err(_) => return Self::replace_damaged(path, now),
        };
        let Ok(mut record) = serde_json::from_slice::<FailedAttempts>(&bytes) else {
            return Self::replace_damaged(path, now);
        };
        let mut clamped = false;
        for a in &mut record.attempts {
            if a.at > now {
                a.at = now;
                clamped = true;
            }
        }
        if clamped {
            record.save(path)?;
        }
        Ok(record)
    }

    fn replace_damaged(path: &Path, now: DateTime<Utc>) -> Result<Self> {
        let mut aside = path.as_os_str().to_owned();
        aside.push(".damaged");
        let _ = std::fs::rename(path, std::path::PathBuf::from(aside));
        let record = FailedAttempts {
            attempts: vec![FailedAttempt {
                at: now,
                method: UnlockMethod::Passphrase,
                member: None,
            }],
            // Enough for the longest delay, once.
            dropped: 64,
            damaged_file_replaced: true,
        };
        record.save(path)?;
        Ok(record)
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| Error::Internal(format!("attempt record: {e}")))?;
        write_atomic(path, &json)
    }

    /// Total failures since the last good unlock.
    pub fn count(&self) -> u64 {
        self.dropped + self.attempts.len() as u64
    }

    pub fn first_at(&self) -> Option<DateTime<Utc>> {
        self.attempts.first().map(|a| a.at)
    }

    pub fn record(&mut self, at: DateTime<Utc>, method: UnlockMethod, member: Option<uuid::Uuid>) {
        self.attempts.push(FailedAttempt { at, method, member });
        if self.attempts.len() > Self::KEEP {
            self.attempts.remove(0);
            self.dropped += 1;
        }
    }
}

/// The growing delay after failed unlocks. Failures never destroy data; they only slow guessing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    /// Failures allowed before any delay.
    pub free_attempts: u64,
    /// The first delay; each further failure doubles it.
    pub base: Duration,
    /// The longest delay.
    pub max: Duration,
}

impl Throttle {
    /// Three tries, then 2 s, 4 s, 8 s … up to 5 minutes between tries.
    pub const DEFAULT: Throttle = Throttle {
        free_attempts: 3,
        base: Duration::from_secs(2),
        max: Duration::from_secs(300),
    };

    /// No delay at all (tests).
    pub const NONE: Throttle = Throttle {
        free_attempts: u64::MAX,
        base: Duration::ZERO,
        max: Duration::ZERO,
    };

    /// The delay required after `failures` consecutive failures.
    pub fn delay_after(&self, failures: u64) -> Duration {
        if failures <= self.free_attempts {
            return Duration::ZERO;
        }
        let doublings = (failures - self.free_attempts - 1).min(30) as u32;
        self.base.saturating_mul(1u32 << doublings).min(self.max)
    }

    /// The throttle for the vault as a whole, across members: three times as many free tries,
    /// then the same delays, so guessing at every member in turn is slowed down too.
    pub fn for_the_vault(&self) -> Throttle {
        Throttle {
            free_attempts: self.free_attempts.saturating_mul(3),
            ..*self
        }
    }

    /// How long `member` must still wait before another try, or zero: their own failures count
    /// against this throttle, and everyone's against [`Self::for_the_vault`].
    pub fn remaining_for(
        &self,
        record: &FailedAttempts,
        member: Option<uuid::Uuid>,
        now: DateTime<Utc>,
    ) -> Duration {
        let theirs = FailedAttempts {
            attempts: record
                .attempts
                .iter()
                .filter(|a| member.is_none() || a.member.is_none() || a.member == member)
                .cloned()
                .collect(),
            // Failures no longer itemised (or known only from the keyring's count) say not
            // whose they were: they count for everyone.
            dropped: record.dropped,
            damaged_file_replaced: record.damaged_file_replaced,
        };
        // A damaged file asks everyone for the longest delay once.
        let own = if record.damaged_file_replaced {
            self.remaining(record, now)
        } else {
            self.remaining(&theirs, now)
        };
        own.max(self.for_the_vault().remaining(record, now))
    }

    /// How long the DSL must still wait before another try, or zero. If the clock went
    /// backwards since the last failure, the full delay applies again.
    pub fn remaining(&self, record: &FailedAttempts, now: DateTime<Utc>) -> Duration {
        let Some(last) = record.attempts.last() else {
            return Duration::ZERO;
        };
        let delay = self.delay_after(record.count());
        let elapsed = (now - last.at).to_std().unwrap_or(Duration::ZERO);
        delay.saturating_sub(elapsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_grows_and_is_capped() {
        let t = Throttle::DEFAULT;
        assert_eq!(t.delay_after(0), Duration::ZERO);
        assert_eq!(t.delay_after(3), Duration::ZERO);
        assert_eq!(t.delay_after(4), Duration::from_secs(2));
        assert_eq!(t.delay_after(5), Duration::from_secs(4));
        assert_eq!(t.delay_after(6), Duration::from_secs(8));
        assert_eq!(t.delay_after(40), Duration::from_secs(300));
        assert_eq!(t.delay_after(u64::MAX), Duration::from_secs(300));
        assert_eq!(Throttle::NONE.delay_after(u64::MAX), Duration::ZERO);
    }

    #[test]
    fn remaining_counts_from_the_last_failure() {
        let t = Throttle::DEFAULT;
        let start = Utc::now();
        let mut r = FailedAttempts::default();
        for _ in 0..5 {
            r.record(start, UnlockMethod::Passphrase, None);
        }
        assert_eq!(t.remaining(&r, start), Duration::from_secs(4));
        assert_eq!(
            t.remaining(&r, start + chrono::Duration::seconds(3)),
            Duration::from_secs(1)
        );
        assert_eq!(
            t.remaining(&r, start + chrono::Duration::seconds(10)),
            Duration::ZERO
        );
        // A clock set back does not shorten the wait.
        assert_eq!(
            t.remaining(&r, start - chrono::Duration::hours(1)),
            Duration::from_secs(4)
        );
    }

    #[test]
    fn each_member_has_their_own_count_and_the_vault_one_for_all() {
        let t = Throttle::DEFAULT;
        let now = Utc::now();
        let (a, b) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
        let mut r = FailedAttempts::default();
        for _ in 0..5 {
            r.record(now, UnlockMethod::Passphrase, Some(a));
        }
        // Five wrong tries for one member slow them down, not another member.
        assert_eq!(t.remaining_for(&r, Some(a), now), Duration::from_secs(4));
        assert_eq!(t.remaining_for(&r, Some(b), now), Duration::ZERO);
        // Guessing at every member in turn is slowed down for all.
        for _ in 0..5 {
            r.record(now, UnlockMethod::Passphrase, Some(b));
        }
        let c = uuid::Uuid::new_v4();
        assert_eq!(t.remaining_for(&r, Some(c), now), Duration::from_secs(2));
    }

    #[test]
    fn long_runs_keep_the_total() {
        let mut r = FailedAttempts::default();
        for _ in 0..1005 {
            r.record(Utc::now(), UnlockMethod::RecoveryCode, None);
        }
        assert_eq!(r.count(), 1005);
        assert_eq!(r.attempts.len(), 1000);
    }
}

#[cfg(test)]
mod file_tests {
    use super::*;

    #[test]
    fn a_damaged_file_asks_for_the_longest_delay_once_and_is_kept_aside() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("casebook.attempts");
        std::fs::write(&path, b"{ not json").unwrap();
        let now = Utc::now();
        let r = FailedAttempts::load(&path, now).unwrap();
        assert!(r.damaged_file_replaced);
        let t = Throttle::DEFAULT;
        assert_eq!(t.remaining(&r, now), t.max);
        assert_eq!(
            t.remaining(&r, now + chrono::Duration::seconds(301)),
            Duration::ZERO
        );
        assert!(dir.path().join("casebook.attempts.damaged").exists());
    }

    #[test]
    fn failures_dated_in_the_future_count_as_now() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("casebook.attempts");
        let now = Utc::now();
        let mut r = FailedAttempts::default();
        for _ in 0..40 {
            r.record(
                now + chrono::Duration::days(3650),
                UnlockMethod::Passphrase,
                None,
            );
        }
        r.save(&path).unwrap();
        let loaded = FailedAttempts::load(&path, now).unwrap();
        let t = Throttle::DEFAULT;
        assert_eq!(
            t.remaining(&loaded, now + chrono::Duration::seconds(301)),
            Duration::ZERO,
            "the wait ends within the longest delay"
        );
    }
}
