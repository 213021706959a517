//! Secrets that must not leak: they print as `<redacted>`, cannot be serialised, and are zeroed
//! when dropped. Keep them in these types from the moment they arrive until they are used.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// A passphrase typed by the DSL (or a recovery code as typed, before it is parsed).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Passphrase(String);

impl Passphrase {
    pub fn new(s: impl Into<String>) -> Self {
        Passphrase(s.into())
    }
    /// The passphrase text; do not copy it into anything that outlives the call.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Passphrase {
    fn from(s: String) -> Self {
        Passphrase(s)
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(<redacted>)")
    }
}

impl<'de> serde::Deserialize<'de> for Passphrase {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Passphrase)
    }
}

/// 32 bytes of key material (the data key, a key-encryption key, the device secret).
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct Key32([u8; 32]);

impl Key32 {
    /// A fresh key from the operating system's random source.
    pub fn random() -> crate::Result<Self> {
        let mut k = [0u8; 32];
        fill_random(&mut k)?;
        Ok(Key32(k))
    }
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Key32(bytes)
    }
    /// Copies from a slice of exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        let arr: [u8; 32] = bytes.try_into().ok()?;
        Some(Key32(arr))
    }
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }
    /// Lower-case hex, in memory that is zeroed on drop.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0))
    }
    pub fn from_hex(s: &str) -> Option<Self> {
        let bytes = Zeroizing::new(hex::decode(s.trim()).ok()?);
        Self::from_slice(&bytes)
    }
}

impl fmt::Debug for Key32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key32(<redacted>)")
    }
}

/// Fills `buf` from the operating system's random source.
pub fn fill_random(buf: &mut [u8]) -> crate::Result<()> {
    getrandom::fill(buf)
        .map_err(|e| crate::Error::Internal(format!("no random numbers available: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let p = Passphrase::new("correct horse battery staple");
        assert!(!format!("{p:?}").contains("horse"));
        let k = Key32::from_bytes([0xAB; 32]);
        assert!(!format!("{k:?}").to_lowercase().contains("abab"));
    }

    #[test]
    fn hex_round_trip() {
        let k = Key32::random().unwrap();
        assert_eq!(Key32::from_hex(&k.to_hex()), Some(k));
        assert_eq!(Key32::from_hex("00"), None);
    }
}

/// Keeps this process's memory (where the data key lives while the vault is open) out of core
/// dumps, and out of reach of debuggers run as the same user: on Linux, `PR_SET_DUMPABLE` 0,
/// which also refuses `ptrace` attach by anyone but root. The desktop app and the command line
/// call it first thing.
pub fn harden_process() -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable)?;
    Ok(())
}

#[cfg(all(test, target_os = "linux"))]
mod hardening_tests {
    #[test]
    fn the_process_is_not_dumpable_after_hardening() {
        super::harden_process().unwrap();
        assert_eq!(
            rustix::process::dumpable_behavior().unwrap(),
            rustix::process::DumpableBehavior::NotDumpable
        );
    }
}
