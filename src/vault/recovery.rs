//! Recovery codes: 160 random bits written as 32 Crockford base-32 characters in 8 groups of 4,
//! easy to read aloud, print, and type back (no I, L, O or U; case and dashes do not matter).

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::secret::fill_random;
use crate::{Error, Result};

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters in a code (20 random bytes, 5 bits each).
pub const CODE_CHARS: usize = 32;
/// Characters per printed group.
pub const GROUP_LEN: usize = 4;

/// A recovery code, held in its normalised form (32 upper-case characters, no dashes).
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct RecoveryCode(String);

impl RecoveryCode {
    /// A new random code.
    pub fn generate() -> Result<Self> {
        let mut bytes = [0u8; 20];
        fill_random(&mut bytes)?;
        let mut out = String::with_capacity(CODE_CHARS);
        // 20 bytes = 160 bits = 32 groups of 5 bits.
        let mut acc: u64 = 0;
        let mut bits = 0;
        for b in bytes.iter() {
            acc = (acc << 8) | u64::from(*b);
            bits += 8;
            while bits >= 5 {
                bits -= 5;
                out.push(char::from(ALPHABET[((acc >> bits) & 31) as usize]));
            }
        }
        bytes.zeroize();
        acc.zeroize();
        Ok(RecoveryCode(out))
    }

    /// Reads a code as typed: case, spaces and dashes are ignored; O is read as 0 and I or L as 1.
    pub fn parse(typed: &str) -> Result<Self> {
        let mut out = String::with_capacity(CODE_CHARS);
        for c in typed.chars() {
            let c = match c.to_ascii_uppercase() {
                ' ' | '-' | '\t' | '\n' | '\r' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
                out.zeroize();
                return Err(Error::MalformedRecoveryCode);
            }
            out.push(c);
        }
        if out.len() != CODE_CHARS {
            out.zeroize();
            return Err(Error::MalformedRecoveryCode);
        }
        Ok(RecoveryCode(out))
    }

    /// The 8 groups of 4 characters, for showing and printing.
    pub fn groups(&self) -> Vec<String> {
        self.0
            .as_bytes()
            .chunks(GROUP_LEN)
            .map(|g| String::from_utf8_lossy(g).into_owned())
            .collect()
    }

    /// Whether `typed` is group `index` (0 to 7) of this code, read as [`RecoveryCode::parse`]
    /// reads a code: the check that the DSL wrote the code down before it is used.
    pub fn group_matches(&self, index: usize, typed: &str) -> bool {
        let typed: String = typed
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '\t'))
            .map(|c| match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            })
            .collect();
        self.groups().get(index).is_some_and(|g| *g == typed)
    }

    /// The code grouped with dashes (`7KQ2-M9XD-…`), for showing once at set-up.
    pub fn display_grouped(&self) -> String {
        self.groups().join("-")
    }

    /// The bytes fed to the key derivation.
    pub(crate) fn kdf_input(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryCode(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn generated_codes_are_grouped_and_parse_back() {
        let c = RecoveryCode::generate().unwrap();
        let shown = c.display_grouped();
        assert_eq!(shown.len(), 32 + 7);
        assert_eq!(c.groups().len(), 8);
        assert_eq!(RecoveryCode::parse(&shown).unwrap(), c);
        assert_eq!(RecoveryCode::parse(&shown.to_lowercase()).unwrap(), c);
        assert_ne!(RecoveryCode::generate().unwrap(), c);
    }

    #[test]
    fn a_group_typed_back_matches_as_the_code_itself_would() {
        let code = RecoveryCode::parse("7KQ2-M9XD-0000-1111-2222-3333-4444-5555").unwrap();
        assert!(code.group_matches(0, "7kq2"));
        assert!(code.group_matches(2, "oOoO"));
        assert!(code.group_matches(3, "I l 1-1"));
        assert!(!code.group_matches(1, "M9XE"));
        assert!(!code.group_matches(1, "M9X"));
        assert!(!code.group_matches(8, "7KQ2"));
    }

    #[test]
    fn confusable_letters_are_read_as_digits() {
        let a = RecoveryCode::parse("0000 1111 2222 3333 4444 5555 6666 7777").unwrap();
        let b = RecoveryCode::parse("oooo-iiii-2222-3333-4444-5555-6666-7777").unwrap();
        let c = RecoveryCode::parse("OOOO-LLLL-2222-3333-4444-5555-6666-7777").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
    }

    #[test]
    fn wrong_lengths_and_letters_are_refused() {
        assert!(RecoveryCode::parse("ABCD-EFGH").is_err());
        assert!(RecoveryCode::parse("UUUU-1111-2222-3333-4444-5555-6666-7777").is_err());
        assert!(RecoveryCode::parse("").is_err());
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC*") {
            let _ = RecoveryCode::parse(&s);
        }
    }
}
