//! "No images, ever": every piece of text that goes into a record passes through [`check_text`],
//! which refuses anything that is, or carries, an image:
//! - control characters (raw binary pasted as text cannot get through),
//! - `data:` URIs,
//! - runs of base64 (standard or URL-safe, padded or not, wrapped or not, at any alignment)
//!   or hex (plain, spaced, `0x`/`\x`/`%`-prefixed) that decode to a JPEG, PNG, GIF, WebP,
//!   HEIC/AVIF, BMP or TIFF file signature anywhere in the decoded bytes — also when that
//!   decoded text is itself encoded again.
//!
//! There is no image type, attachment table or file command anywhere in Casebook; this guard
//! closes the remaining door, text fields.

use base64::alphabet;
use base64::engine::{DecodePaddingMode, Engine, GeneralPurpose, GeneralPurposeConfig};

/// Why a piece of text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Contains a `data:` URI.
    DataUri,
    /// Decodes to an image file's signature.
    EncodedImage(&'static str),
    /// Contains control characters (binary data).
    ControlCharacters,
}

impl Refusal {
    /// The sentence shown to the DSL.
    pub fn message(self) -> String {
        let tail = "Casebook never stores images: describe what was seen in words instead, and \
                    do not copy, save or forward the image itself.";
        match self {
            Refusal::DataUri => {
                format!("This text contains an embedded file (a \"data:\" link). {tail}")
            }
            Refusal::EncodedImage(kind) => {
                format!("This text contains an encoded {kind} image. {tail}")
            }
            Refusal::ControlCharacters => {
                format!("This text contains hidden control characters, as pasted files do. {tail}")
            }
        }
    }
}

/// How many times decoded text is examined again (base64 of hex of base64 …).
const MAX_DEPTH: usize = 3;
/// Shorter runs cannot hold a recognisable signature in base64 (8 bytes → 11 characters).
const MIN_B64_RUN: usize = 8;
const MIN_HEX_RUN: usize = 6;

/// Checks one text value. `Ok(())` means it may be stored.
pub fn check_text(text: &str) -> Result<(), Refusal> {
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Refusal::ControlCharacters);
    }
    if has_data_uri(text) {
        return Err(Refusal::DataUri);
    }
    // Text whose characters are Latin-1 bytes (as some clipboards give binary) is checked raw.
    if let Some(kind) = latin1_bytes(text).and_then(|b| find_signature(&b)) {
        return Err(Refusal::EncodedImage(kind));
    }
    check_encoded(text.as_bytes(), 0)
}

fn check_encoded(text: &[u8], depth: usize) -> Result<(), Refusal> {
    if depth >= MAX_DEPTH {
        return Ok(());
    }
    for decoded in base64_candidates(text).chain(hex_candidates(text)) {
        if let Some(kind) = find_signature(&decoded) {
            return Err(Refusal::EncodedImage(kind));
        }
        if decoded.len() >= MIN_HEX_RUN
            && decoded
                .iter()
                .all(|b| b.is_ascii() && !b.is_ascii_control() || b.is_ascii_whitespace())
        {
            if has_data_uri(&String::from_utf8_lossy(&decoded)) {
                return Err(Refusal::DataUri);
            }
            check_encoded(&decoded, depth + 1)?;
        }
    }
    Ok(())
}

/// `data:` at the start of a word, followed by a media type, `;base64` or a comma.
fn has_data_uri(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut from = 0;
    while let Some(pos) = lower[from..].find("data:") {
        let at = from + pos;
        let word_start = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
        let rest = lower[at + 5..].trim_start();
        let looks_like_uri = rest.starts_with(',')
            || rest.starts_with(';')
            || rest.split_once('/').is_some_and(|(kind, _)| {
                !kind.is_empty()
                    && kind.len() <= 20
                    && kind.bytes().all(|b| b.is_ascii_alphabetic())
            });
        if word_start && looks_like_uri {
            return true;
        }
        from = at + 5;
    }
    false
}

fn latin1_bytes(text: &str) -> Option<Vec<u8>> {
    if text.is_ascii() {
        return None;
    }
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect()
}

fn is_b64_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_' | b'=')
}

/// Runs of base64 characters; lines of a wrapped block are joined (MIME wraps at 76).
fn b64_runs(text: &[u8]) -> Vec<Vec<u8>> {
    let mut runs = Vec::new();
    let mut current = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        if is_b64_char(b) {
            current.push(b);
        } else if matches!(b, b'\n' | b'\r') && !current.is_empty() {
            // A line break inside a block continues it; anything else ends the run.
        } else {
            if current.len() >= MIN_B64_RUN {
                runs.push(std::mem::take(&mut current));
            }
            current.clear();
        }
        i += 1;
    }
    if current.len() >= MIN_B64_RUN {
        runs.push(current);
    }
    runs
}

fn lenient(alphabet: &alphabet::Alphabet) -> GeneralPurpose {
    GeneralPurpose::new(
        alphabet,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    )
}

/// Every decoding of every base64 run, at each of the four alignments, in both alphabets.
fn base64_candidates(text: &[u8]) -> impl Iterator<Item = Vec<u8>> {
    let standard = lenient(&alphabet::STANDARD);
    let url_safe = lenient(&alphabet::URL_SAFE);
    let mut out = Vec::new();
    for run in b64_runs(text) {
        let body: Vec<u8> = run.iter().copied().filter(|&b| b != b'=').collect();
        for skip in 0..4 {
            if body.len() < skip + MIN_B64_RUN {
                break;
            }
            let mut slice = body[skip..].to_vec();
            // Unpadded base64 may end anywhere except one character past a group of four.
            if slice.len() % 4 == 1 {
                slice.pop();
            }
            let (std_form, url_form): (Vec<u8>, Vec<u8>) = (
                slice
                    .iter()
                    .map(|&b| match b {
                        b'-' => b'+',
                        b'_' => b'/',
                        b => b,
                    })
                    .collect(),
                slice
                    .iter()
                    .map(|&b| match b {
                        b'+' => b'-',
                        b'/' => b'_',
                        b => b,
                    })
                    .collect(),
            );
            if let Ok(d) = standard.decode(&std_form) {
                out.push(d);
            } else if let Ok(d) = url_safe.decode(&url_form) {
                out.push(d);
            }
        }
    }
    out.into_iter()
}

/// Hex digits with the usual separators and prefixes removed, decoded at both alignments.
fn hex_candidates(text: &[u8]) -> impl Iterator<Item = Vec<u8>> {
    let mut digits = Vec::new();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        let prefix = (b == b'0' || b == b'\\') && matches!(text.get(i + 1), Some(b'x' | b'X'));
        if prefix && text.get(i + 2).is_some_and(u8::is_ascii_hexdigit) {
            i += 2;
            continue;
        }
        if b.is_ascii_hexdigit() {
            digits.push(b);
        } else if !matches!(b, b' ' | b',' | b':' | b'-' | b'%' | b'\n' | b'\r' | b'\t') {
            if digits.len() >= MIN_HEX_RUN {
                runs.push(std::mem::take(&mut digits));
            }
            digits.clear();
        }
        i += 1;
    }
    if digits.len() >= MIN_HEX_RUN {
        runs.push(digits);
    }
    let mut out = Vec::new();
    for run in runs {
        for skip in 0..2 {
            let mut s = run[skip..].to_vec();
            s.truncate(s.len() - s.len() % 2);
            if let Ok(d) = hex::decode(&s) {
                out.push(d);
            }
        }
    }
    out.into_iter()
}

/// The image format whose file signature occurs anywhere in `bytes`.
fn find_signature(bytes: &[u8]) -> Option<&'static str> {
    (0..bytes.len()).find_map(|i| signature_at(&bytes[i..]))
}

fn signature_at(b: &[u8]) -> Option<&'static str> {
    let starts = |sig: &[u8]| b.starts_with(sig);
    if starts(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        return Some("PNG");
    }
    // JPEG: SOI then a marker (APPn, DQT, SOF, DHT, COM).
    if b.len() >= 4 && b[..3] == [0xFF, 0xD8, 0xFF] && matches!(b[3], 0xC0..=0xFE) {
        return Some("JPEG");
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return Some("GIF");
    }
    if b.len() >= 12 && starts(b"RIFF") && &b[8..12] == b"WEBP" {
        return Some("WebP");
    }
    if b.len() >= 12 && &b[4..8] == b"ftyp" {
        let brand = &b[8..12];
        if [
            b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif",
            b"avis",
        ]
        .iter()
        .any(|x| brand == *x)
        {
            return Some("HEIC");
        }
    }
    if starts(b"II*\0") || starts(b"MM\0*") {
        return Some("TIFF");
    }
    // BMP: "BM", then reserved zero bytes and a known header size; "BM" alone is too common.
    if b.len() >= 18 && starts(b"BM") && b[6..10] == [0, 0, 0, 0] {
        let header = u32::from_le_bytes([b[14], b[15], b[16], b[17]]);
        if matches!(header, 12 | 40 | 52 | 56 | 64 | 108 | 124) {
            return Some("BMP");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    use proptest::prelude::*;

    /// The first bytes of a real file of each format, enough to be recognised.
    fn header(kind: usize, tail: &[u8]) -> Vec<u8> {
        let mut h: Vec<u8> = match kind % 9 {
            0 => vec![
                0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R',
            ],
            1 => vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0],
            2 => b"GIF89a\x01\x00\x01\x00".to_vec(),
            3 => b"RIFF\x24\x00\x00\x00WEBPVP8 ".to_vec(),
            4 => b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00".to_vec(),
            5 => b"BM\x3a\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00".to_vec(),
            6 => b"II*\x00\x08\x00\x00\x00".to_vec(),
            7 => b"MM\x00*\x00\x00\x00\x08".to_vec(),
            _ => b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00".to_vec(),
        };
        h.extend_from_slice(tail);
        h
    }

    #[test]
    fn ordinary_safeguarding_text_is_accepted() {
        for ok in [
            "Zoë said: \"he told me to send a picture or he'd share the others\".",
            "Phone seized 10:42, sealed in bag SB-20331, locked in the DSL cabinet.",
            "URL reported: https://example.com/watch?v=dQw4w9WgXcQ&t=42s (not opened)",
            "Metadata: the account was created in 2024. Data: none kept.",
            "Siobhán, Łukasz, Nguyễn Thị Ánh and Ådne were in the group chat.",
            "Reference 4f3a9c2e1b7d reported to CEOP; crime number 01/2345/26.",
            "Tab\tseparated\r\nand multi-line text is fine.",
            "Snapchat username: xXdarkangel2009Xx, Instagram: @the.real.one_",
        ] {
            assert_eq!(check_text(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn data_uris_are_refused() {
        for bad in [
            "data:image/png;base64,iVBORw0KGgo=",
            "look: DATA:image/jpeg;base64,/9j/4AAQ",
            "data:,hello",
            "(data:text/plain;charset=utf-8,abc)",
        ] {
            assert_eq!(check_text(bad), Err(Refusal::DataUri), "{bad}");
        }
    }

    #[test]
    fn encoded_images_of_every_kind_are_refused() {
        for kind in 0..9 {
            let img = header(kind, b"some pixel data follows here");
            for text in [
                STANDARD.encode(&img),
                URL_SAFE_NO_PAD.encode(&img),
                hex::encode(&img),
                hex::encode_upper(&img),
                img.iter()
                    .map(|b| format!("0x{b:02x}, "))
                    .collect::<String>(),
                img.iter()
                    .map(|b| format!("\\x{b:02X}"))
                    .collect::<String>(),
            ] {
                assert!(
                    matches!(check_text(&text), Err(Refusal::EncodedImage(_))),
                    "{kind}: {text}"
                );
            }
        }
    }

    #[test]
    fn a_short_unpadded_run_keeps_its_last_bytes() {
        // Found by `smuggled_images_are_refused`: a BMP header after four zero bytes.
        let text = "AAAAAEJNOgAAAAAAAAA2AAAAKAAAAA==";
        assert_eq!(check_text(text), Err(Refusal::EncodedImage("BMP")));
    }

    #[test]
    fn raw_binary_is_refused() {
        let png: String = header(0, b"").iter().map(|&b| char::from(b)).collect();
        assert!(check_text(&png).is_err());
        let jpeg_latin1: String = [0xFFu8, 0xD8, 0xFF, 0xE0, b'J']
            .iter()
            .map(|&b| char::from(b))
            .collect();
        assert_eq!(check_text(&jpeg_latin1), Err(Refusal::EncodedImage("JPEG")));
    }

    #[test]
    fn messages_tell_the_dsl_what_to_do() {
        let m = Refusal::EncodedImage("PNG").message();
        assert!(m.contains("never stores images") && m.contains("describe what was seen in words"));
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        /// Any image header with any payload, in any of the encodings, wrapped in ordinary
        /// words, at any alignment, is refused.
        #[test]
        fn smuggled_images_are_refused(
            kind in 0usize..9,
            tail in proptest::collection::vec(any::<u8>(), 0..200),
            junk in proptest::collection::vec(any::<u8>(), 0..5),
            encoding in 0usize..9,
            before in "[A-Za-z ,.]{0,40}",
            after in "[A-Za-z ,.]{0,40}",
        ) {
            let mut img = junk.clone();
            img.extend(header(kind, &tail));
            let encoded = match encoding {
                0 => STANDARD.encode(&img),
                1 => STANDARD_NO_PAD.encode(&img),
                2 => URL_SAFE.encode(&img),
                3 => STANDARD.encode(&img).as_bytes().chunks(76).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("\n"),
                4 => hex::encode(&img),
                5 => img.iter().map(|b| format!("{b:02x} ")).collect(),
                6 => img.iter().map(|b| format!("%{b:02X}")).collect(),
                7 => STANDARD.encode(STANDARD.encode(&img)),
                _ => STANDARD.encode(hex::encode(&img)),
            };
            let text = format!("{before} {encoded} {after}");
            prop_assert!(check_text(&text).is_err(), "accepted: {}", text);
        }

        #[test]
        fn data_uris_with_any_media_type_are_refused(
            kind in "[a-z]{1,10}", sub in "[a-z0-9.+-]{1,20}", payload in "[A-Za-z0-9+/=]{0,60}",
        ) {
            let text = format!("see data:{kind}/{sub};base64,{payload}");
            prop_assert_eq!(check_text(&text), Err(Refusal::DataUri));
        }

        /// Words and names in any script are never mistaken for images.
        #[test]
        fn prose_is_accepted(words in proptest::collection::vec("[\\p{L}]{1,12}", 0..60)) {
            let text = words.join(" ");
            prop_assert_eq!(check_text(&text), Ok(()));
        }

        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = check_text(&s);
        }
    }
}
