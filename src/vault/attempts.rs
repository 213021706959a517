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
}

/// The contents of the failed-attempt file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedAttempts {
    /// Every failure since the last good unlock, up to [`FailedAttempts::KEEP`]; older ones are
    /// counted in `dropped` so the total stays right.
    pub attempts: Vec<FailedAttempt>,
    #[serde(default)]
    pub dropped: u64,
}

impl FailedAttempts {
    const KEEP: usize = 1000;

    /// Reads the file; a missing file means no failures. A damaged file is reported, not ignored:
    /// silently resetting it would also reset the delay.
    pub fn load(path: &Path) -> Result<Self> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| Error::DamagedKeyFile {
                path: path.to_path_buf(),
                detail: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(Error::io(path, e)),
        }
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

    pub fn record(&mut self, at: DateTime<Utc>, method: UnlockMethod) {
        self.attempts.push(FailedAttempt { at, method });
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
            r.record(start, UnlockMethod::Passphrase);
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
    fn long_runs_keep_the_total() {
        let mut r = FailedAttempts::default();
        for _ in 0..1005 {
            r.record(Utc::now(), UnlockMethod::RecoveryCode);
        }
        assert_eq!(r.count(), 1005);
        assert_eq!(r.attempts.len(), 1000);
    }
}
