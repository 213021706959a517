//! Which passphrases are strong enough, with a reason the DSL can act on when one is not.

use serde::Serialize;
use zxcvbn::Score;

use crate::secret::Passphrase;
use crate::{Error, Result};

/// The fewest characters a passphrase may have.
pub const MIN_CHARS: usize = 12;

/// Feedback on a passphrase as it is typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Strength {
    /// 0 (very weak) to 4 (strong), from the zxcvbn estimate.
    pub score: u8,
    /// Whether Casebook will accept it.
    pub acceptable: bool,
    /// What is wrong, or empty when acceptable.
    pub problem: Option<String>,
    /// Suggestions to make it stronger.
    pub suggestions: Vec<String>,
}

/// Estimates strength; `context` holds words a guesser would try first (organisation, DSL name).
pub fn assess(passphrase: &Passphrase, context: &[&str]) -> Strength {
    let text = passphrase.expose();
    let chars = text.chars().count();
    let estimate = zxcvbn::zxcvbn(text, context);
    let score = match estimate.score() {
        Score::Zero => 0,
        Score::One => 1,
        Score::Two => 2,
        Score::Three => 3,
        _ => 4,
    };
    let feedback = estimate.feedback();
    let suggestions = feedback
        .map(|f| f.suggestions().iter().map(|s| s.to_string()).collect())
        .unwrap_or_default();
    let problem = if chars < MIN_CHARS {
        Some(format!(
            "Use at least {MIN_CHARS} characters: a few unrelated words work well."
        ))
    } else if score < 3 {
        let why = feedback
            .and_then(|f| f.warning())
            .map(|w| format!(" ({w})"))
            .unwrap_or_default();
        Some(format!(
            "This passphrase would be too easy to guess{why}. Add another unusual word or two."
        ))
    } else {
        None
    };
    Strength {
        score,
        acceptable: problem.is_none(),
        problem,
        suggestions,
    }
}

/// Checks a new passphrase and its confirmation, as asked twice.
pub fn check_new(passphrase: &Passphrase, confirm: &Passphrase, context: &[&str]) -> Result<()> {
    if passphrase.expose() != confirm.expose() {
        return Err(Error::PassphrasesDiffer);
    }
    let s = assess(passphrase, context);
    match s.problem {
        Some(reason) => Err(Error::WeakPassphrase { reason }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Passphrase {
        Passphrase::new(s)
    }

    #[test]
    fn short_and_common_passphrases_are_refused_with_a_reason() {
        let short = assess(&p("Tr0ub4dor&3"), &[]);
        assert!(!short.acceptable);
        assert!(short.problem.unwrap().contains("12 characters"));
        let common = assess(&p("password1234"), &[]);
        assert!(!common.acceptable);
        assert!(common.problem.unwrap().contains("too easy to guess"));
    }

    #[test]
    fn the_organisation_name_does_not_make_a_passphrase() {
        let s = assess(&p("Riverside Academy"), &["Riverside Academy"]);
        assert!(!s.acceptable);
    }

    #[test]
    fn unrelated_words_are_accepted() {
        assert!(assess(&p("lantern orbit mossy kettle"), &[]).acceptable);
        assert!(check_new(
            &p("lantern orbit mossy kettle"),
            &p("lantern orbit mossy kettle"),
            &[]
        )
        .is_ok());
    }

    #[test]
    fn the_two_entries_must_match() {
        let e = check_new(
            &p("lantern orbit mossy kettle"),
            &p("lantern orbit mossy kettl"),
            &[],
        )
        .unwrap_err();
        assert!(matches!(e, Error::PassphrasesDiffer));
    }
}
