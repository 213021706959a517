//! Argon2id key derivation for the key slots. Parameters are stored in each slot, so they can be
//! raised later without breaking old vaults.

use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};

use crate::secret::Key32;
use crate::{Error, Result};

/// Argon2id cost parameters, as stored in a key slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Always "argon2id" today; kept so another algorithm can be added without ambiguity.
    pub algorithm: KdfAlgorithm,
    /// Memory cost in KiB.
    pub memory_kib: u32,
    /// Number of passes.
    pub iterations: u32,
    /// Degree of parallelism (lanes).
    pub parallelism: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KdfAlgorithm {
    Argon2id,
}

impl KdfParams {
    /// The floor for real vaults: above OWASP's Argon2id minimums, whatever tuning says.
    pub const PRODUCTION_FLOOR: KdfParams = KdfParams {
        algorithm: KdfAlgorithm::Argon2id,
        memory_kib: 64 * 1024,
        iterations: 2,
        parallelism: 1,
    };

    /// Very cheap parameters for tests only: never use them for a real vault.
    pub const INSECURE_FOR_TESTS: KdfParams = KdfParams {
        algorithm: KdfAlgorithm::Argon2id,
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };

    /// Picks parameters that take about `target` on this machine: 64 MiB of memory and as many
    /// passes as fit, never below [`KdfParams::PRODUCTION_FLOOR`].
    pub fn tune(target: Duration) -> Result<KdfParams> {
        let probe = KdfParams {
            iterations: 1,
            ..Self::PRODUCTION_FLOOR
        };
        let salt = [0u8; 16];
        let secret = Key32::from_bytes([0u8; 32]);
        let start = Instant::now();
        derive(b"tuning probe", &salt, Some(&secret), &probe)?;
        let one_pass = start.elapsed().max(Duration::from_millis(1));
        let passes = (target.as_secs_f64() / one_pass.as_secs_f64()).round() as u32;
        Ok(KdfParams {
            iterations: passes.clamp(Self::PRODUCTION_FLOOR.iterations, 32),
            ..Self::PRODUCTION_FLOOR
        })
    }

    /// The most any slot may ask for: far above what [`KdfParams::tune`] chooses (64 MiB, at
    /// most 32 passes, one lane), and bounded so that a hostile key file or backup cannot make
    /// Casebook allocate or compute without end.
    pub const MAX: KdfParams = KdfParams {
        algorithm: KdfAlgorithm::Argon2id,
        memory_kib: 1024 * 1024,
        iterations: 64,
        parallelism: 8,
    };

    /// Refuses parameters outside what Casebook writes (see [`KdfParams::MAX`]).
    pub fn check(&self) -> std::result::Result<(), String> {
        let max = Self::MAX;
        if self.memory_kib == 0 || self.memory_kib > max.memory_kib {
            return Err(format!(
                "asks for {} KiB of memory (Casebook uses at most {} KiB)",
                self.memory_kib, max.memory_kib
            ));
        }
        if self.iterations == 0 || self.iterations > max.iterations {
            return Err(format!("asks for {} passes", self.iterations));
        }
        if self.parallelism == 0 || self.parallelism > max.parallelism {
            return Err(format!("asks for {} lanes", self.parallelism));
        }
        Ok(())
    }

    /// True when these parameters cost less than `other` in memory or passes.
    pub fn weaker_than(&self, other: &KdfParams) -> bool {
        self.memory_kib < other.memory_kib || self.iterations < other.iterations
    }
}

/// Derives a 32-byte key from `input` (passphrase or recovery code), `salt`, and an optional
/// `secret` — Argon2's keyed mode, used to mix in the device secret held in the OS keyring.
pub fn derive(
    input: &[u8],
    salt: &[u8],
    secret: Option<&Key32>,
    params: &KdfParams,
) -> Result<Key32> {
    // Every caller's parameters are checked where they are read; this is the last guard.
    params
        .check()
        .map_err(|why| Error::Internal(format!("key-derivation parameters: {why}")))?;
    let argon_params = Params::new(
        params.memory_kib,
        params.iterations,
        params.parallelism,
        Some(32),
    )
    .map_err(|e| Error::Internal(format!("bad key-derivation parameters: {e}")))?;
    let argon = match secret {
        Some(s) => Argon2::new_with_secret(
            s.expose(),
            Algorithm::Argon2id,
            Version::V0x13,
            argon_params,
        )
        .map_err(|e| Error::Internal(format!("key derivation: {e}")))?,
        None => Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params),
    };
    let mut out = [0u8; 32];
    argon
        .hash_password_into(input, salt, &mut out)
        .map_err(|e| Error::Internal(format!("key derivation: {e}")))?;
    let key = Key32::from_bytes(out);
    zeroize::Zeroize::zeroize(&mut out);
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_changes_the_key() {
        let p = KdfParams::INSECURE_FOR_TESTS;
        let salt = [7u8; 16];
        let a = derive(b"pw", &salt, Some(&Key32::from_bytes([1; 32])), &p).unwrap();
        let b = derive(b"pw", &salt, Some(&Key32::from_bytes([2; 32])), &p).unwrap();
        let c = derive(b"pw", &salt, None, &p).unwrap();
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_eq!(
            a,
            derive(b"pw", &salt, Some(&Key32::from_bytes([1; 32])), &p).unwrap()
        );
    }

    #[test]
    fn weaker_than_compares_costs() {
        let floor = KdfParams::PRODUCTION_FLOOR;
        assert!(KdfParams::INSECURE_FOR_TESTS.weaker_than(&floor));
        assert!(!floor.weaker_than(&floor));
    }
}
