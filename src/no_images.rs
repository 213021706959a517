//! "No images, ever": every piece of text Casebook stores (record fields, drafts, organisation
//! and DSL names, the checklist templates kept with each run) passes through [`check_text`],
//! the one guard. It works in two layers.
//!
//! **Matching** (a named format in the message) refuses:
//! - control characters (raw binary pasted as text), and Latin-1 text whose bytes are an image,
//! - `data:` URIs,
//! - runs of base64 (standard or URL-safe, padded or not, at any alignment, and *joined across
//!   white space*, so a space or line break inside does not hide it), base32, hex (plain, spaced,
//!   `0x`/`\x`/`%`-prefixed), Ascii85 (`<~ … ~>`), uuencode lines, quoted-printable (`=89PNG`),
//!   C escapes (`\211PNG\r\n`) and decimal or octal byte lists (`137 80 78 71`) that decode to a
//!   JPEG, JPEG 2000, JPEG XL, PNG, GIF, WebP, HEIC/AVIF, BMP, TIFF, BigTIFF, Photoshop, QOI or
//!   netpbm (PBM/PGM/PPM/PAM) signature, also when the decoded text is itself encoded again (up
//!   to [`MAX_DEPTH`] levels),
//! - images written as text: netpbm (`P2 1 1 255 …`), XPM, XBM, and vector image markup (SVG,
//!   VML, PostScript/EPS, TikZ).
//!
//! Full-width (homoglyph) Latin letters and digits (U+FF01–U+FF5E) are read as their ASCII
//! twins for every check, so `ｉＶＢＯＲｗ０…` is the same as `iVBORw0…`; any white space reads
//! as a space, and characters that draw nothing of their own (soft hyphens, variation
//! selectors, joiners, tag characters, combining accents) are left out before the checks
//! below, so none of them can break up an encoding.
//!
//! **Prose** (matching cannot list every encoding, and a safeguarding note is prose) refuses:
//! - a token (text between spaces, surrounding punctuation removed) longer than
//!   [`MAX_TOKEN`] = 80 characters, unless it is a web address (`http(s)://`, `www.`, `…://`, up
//!   to [`MAX_URL`] = 2048 characters with no part between `/?&=#;` over [`MAX_URL_PART`] = 200),
//!   an e-mail address, or a reference or path whose parts between `- / _ . : \ |` are words of
//!   letters (up to 40) or codes (up to 16 characters);
//! - text with the character statistics of an encoding. Inside each token, a pair of adjacent
//!   characters *switches* when it goes lower→upper case or letter↔digit, touches a symbol other
//!   than `- / \ . : , ' _`, or is the third of one capital letter in a row (zero bytes encode as
//!   `AAAA`). Words switch almost never: at most 3 in any window of 64 pairs over the 443
//!   seed-policy sentences (`tests/fixtures/no-images/prose.txt`); random base64 switches about
//!   0.45 of its pairs, hex 0.47, base32 0.30, Ascii85 and uuencode more. Refused: any window of
//!   [`WINDOW`] = 64 pairs with [`MAX_SWITCHES`] = 12 switches (0.19), or with 6 switches and
//!   fewer than one vowel in four letters (random letters are a fifth vowels, words two fifths);
//!   a text of 32 to 63 pairs at [`SHORT_SWITCHES`] = 20 per 64 (so one reference code in a short
//!   sentence passes). Web and e-mail addresses, UUIDs and up to [`MAX_DIGESTS`] = 4 hex digests
//!   (32, 40, 64 or 128 hex digits, in one run or in colon-separated pairs: a file's SHA-256
//!   quoted in a note, a certificate's fingerprint) are left out;
//! - [`MAX_TINY_TOKENS`] = 32 tokens of one or two characters in a row (an encoding spaced out);
//! - [`MAX_NUMBERS`] = 16 numbers of up to three digits in a row (a file's bytes written out),
//!   or [`MAX_LONG_NUMBERS`] = 8 numbers of six digits or more in a row (hex of zero bytes).
//!
//! **Invisible characters** are refused, so the screen and the PDF read the same: direction
//! overrides and isolates (U+202A–U+202E, U+2066–U+2069), zero-width space, no-break and word
//! joiner (U+200B, U+FEFF, U+2060–U+2064). The zero-width joiner and non-joiner (U+200C,
//! U+200D) are needed inside words of Indic and Arabic-script languages and in emoji sequences,
//! so they pass only between two non-ASCII, non-space characters (`क्‍ष`, `👩‍👧`); anywhere else
//! (beside ASCII, beside a space, two in a row, at either end) they are refused. Left-to-right
//! and right-to-left marks (U+200E, U+200F) pass: they are common in pasted Arabic and Hebrew and
//! only place neutral characters, which the PDF renders the same way.
//!
//! Known to pass (tests/no_images_corpus.rs): the seed policies' sentences, names in many
//! scripts, URLs with long query strings, e-mail addresses, UK phone numbers, crime, UPN and
//! CEOP/NCMEC references, hex digests, dates, money, long unpunctuated quotes. Known limits: an
//! encoding that uses only lower-case letters, spaced out into word-length groups, is not
//! recognised by statistics (no such encoding of an image is in common use); several short hex
//! references close together in one note read as hex and are refused.
//!
//! There is no image type, attachment table or file command anywhere in Casebook; this guard
//! closes the remaining door, text.

use base64::alphabet;
use base64::engine::{DecodePaddingMode, Engine, GeneralPurpose, GeneralPurposeConfig};

/// Why a piece of text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Contains a `data:` URI.
    DataUri,
    /// Decodes to an image file's signature, or is an image written as text.
    EncodedImage(&'static str),
    /// Contains control characters (binary data).
    ControlCharacters,
    /// Contains direction overrides or zero-width characters.
    InvisibleCharacters,
    /// Markup that draws a picture (SVG, VML, PostScript).
    VectorImage(&'static str),
    /// A very long run of characters with no spaces that is not a web address or a reference.
    LongRun,
    /// Text with the character statistics of an encoding rather than words.
    EncodedData,
    /// A long list of small numbers, as a file's bytes are written out.
    NumberList,
}

impl Refusal {
    /// The sentence shown to the DSL.
    pub fn message(self) -> String {
        let tail = "Casebook never stores images: describe what was seen in words instead, and \
                    do not copy, save or forward the image itself.";
        let files = "Casebook stores descriptions, never images or files: describe what was \
                     seen in words instead.";
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
            Refusal::InvisibleCharacters => "This text contains invisible characters (direction \
                 overrides or zero-width characters) that can make it read differently on screen \
                 and on paper. Retype the text, or paste it as plain text."
                .to_owned(),
            Refusal::VectorImage(kind) => {
                format!(
                    "This text contains {kind} drawing instructions, which are an image. {tail}"
                )
            }
            Refusal::LongRun => format!(
                "This text contains a very long run of characters without spaces that is not a \
                 web address or a reference; it looks like encoded data rather than words. {files}"
            ),
            Refusal::EncodedData => {
                format!("This looks like encoded data rather than words. {files}")
            }
            Refusal::NumberList => format!(
                "This text contains a long list of numbers, as a file's contents are written out; \
                 it looks like encoded data rather than words. {files}"
            ),
        }
    }
}

/// How many times decoded text is examined again (base64 of hex of base64 …).
pub const MAX_DEPTH: usize = 8;
/// Shorter runs cannot hold a recognisable signature in base64 (8 bytes → 11 characters).
const MIN_B64_RUN: usize = 8;
const MIN_HEX_RUN: usize = 6;
/// The longest token that is neither a web address nor a reference.
pub const MAX_TOKEN: usize = 80;
/// The longest web address.
pub const MAX_URL: usize = 2048;
/// The longest part of a web address between `/ ? & = # ;`.
pub const MAX_URL_PART: usize = 200;
/// The longest word in a reference or path between separators.
const MAX_REFERENCE_PART: usize = 40;
/// The longest code (letters and digits) in a reference or path between separators.
const MAX_CODE_PART: usize = 16;
/// Fewer character pairs than this are too few to judge by statistics.
const MIN_PAIRS: usize = 32;
/// Character pairs per window of the statistics check.
pub const WINDOW: usize = 64;
/// Switches per window at which text reads as an encoding.
pub const MAX_SWITCHES: usize = 12;
/// Switches per [`WINDOW`] pairs at which a text too short for one window reads as an encoding.
pub const SHORT_SWITCHES: usize = 20;
/// One- or two-character tokens in a row at which text reads as a spaced-out encoding.
pub const MAX_TINY_TOKENS: usize = 32;
/// Small numbers in a row at which text reads as a byte list.
pub const MAX_NUMBERS: usize = 16;
/// Hex digests (32, 40, 64 or 128 hex digits) left out of the statistics, per text: a
/// fingerprint or two is quoted, an image cut into digest-sized pieces is not.
pub const MAX_DIGESTS: usize = 4;
/// Numbers of six digits or more in a row at which text reads as encoded data (hex of
/// mostly-zero bytes is all digits).
pub const MAX_LONG_NUMBERS: usize = 8;

/// Checks one text value. `Ok(())` means it may be stored.
pub fn check_text(text: &str) -> Result<(), Refusal> {
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Refusal::ControlCharacters);
    }
    // Text whose characters are Latin-1 bytes (as some clipboards give binary) is checked raw.
    if let Some(kind) = latin1_bytes(text).and_then(|b| find_signature(&b)) {
        return Err(Refusal::EncodedImage(kind));
    }
    let folded = fold_full_width(text);
    check_invisible(&folded)?;
    let text = analysed(&folded);
    let text = text.as_str();
    if has_data_uri(text) {
        return Err(Refusal::DataUri);
    }
    check_markup(text)?;
    check_encoded(text.as_bytes(), 0)?;
    check_other_encodings(text)?;
    check_prose(text)
}

/// Direction overrides, zero-width characters; ZWJ/ZWNJ only between two non-ASCII,
/// non-space characters.
fn check_invisible(text: &str) -> Result<(), Refusal> {
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let refused = match c {
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => true,
            '\u{200B}' | '\u{FEFF}' | '\u{2060}'..='\u{2064}' => true,
            '\u{200C}' | '\u{200D}' => {
                let ok = |o: Option<&char>| {
                    o.is_some_and(|&n| {
                        !n.is_ascii() && !n.is_whitespace() && !matches!(n, '\u{200C}' | '\u{200D}')
                    })
                };
                !(i > 0 && ok(chars.get(i - 1)) && ok(chars.get(i + 1)))
            }
            _ => false,
        };
        if refused {
            return Err(Refusal::InvisibleCharacters);
        }
    }
    Ok(())
}

/// Full-width ASCII forms (U+FF01–U+FF5E) read as ASCII, and the ideographic space as a space.
fn fold_full_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        })
        .collect()
}

/// The text every later check reads: any white space as a space, and characters that draw
/// nothing of their own (default-ignorable characters such as the soft hyphen, variation
/// selectors and joiners, and combining accents) left out, so that none of them can break up an
/// encoding.
fn analysed(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            c if c.is_whitespace() && !matches!(c, '\n' | '\r' | '\t') => Some(' '),
            '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}' => None,
            '\u{0300}'..='\u{036F}'
            | '\u{1AB0}'..='\u{1AFF}'
            | '\u{1DC0}'..='\u{1DFF}'
            | '\u{20D0}'..='\u{20FF}'
            | '\u{FE20}'..='\u{FE2F}' => None,
            c => Some(c),
        })
        .collect()
}

/// Vector image markup and images written as text (netpbm, XPM, XBM).
fn check_markup(text: &str) -> Result<(), Refusal> {
    let lower = text.to_ascii_lowercase();
    const TAGS: [(&str, &str); 15] = [
        ("<svg", "SVG"),
        ("<path", "SVG"),
        ("<polygon", "SVG"),
        ("<polyline", "SVG"),
        ("<circle", "SVG"),
        ("<ellipse", "SVG"),
        ("<rect", "SVG"),
        ("<image", "SVG"),
        ("<lineargradient", "SVG"),
        ("<radialgradient", "SVG"),
        ("<foreignobject", "SVG"),
        ("<canvas", "HTML canvas"),
        ("<vml", "VML"),
        ("<v:", "VML"),
        ("<o:", "VML"),
    ];
    for (tag, kind) in TAGS {
        let mut from = 0;
        while let Some(pos) = lower[from..].find(tag) {
            let after = from + pos + tag.len();
            let next = lower[after..].chars().next();
            if tag.ends_with(':')
                || next.is_none_or(|c| c.is_whitespace() || matches!(c, '>' | '/' | ':'))
            {
                return Err(Refusal::VectorImage(kind));
            }
            from = after;
        }
    }
    for (needle, kind) in [
        ("w3.org/2000/svg", "SVG"),
        ("%!ps", "PostScript"),
        ("%%boundingbox", "PostScript"),
        ("epsf-", "PostScript"),
        ("\\begin{tikzpicture}", "TikZ"),
        ("\\pdfliteral", "PDF"),
    ] {
        if lower.contains(needle) {
            return Err(Refusal::VectorImage(kind));
        }
    }
    if lower.contains("/* xpm */") || (lower.contains("static") && lower.contains("_xpm[")) {
        return Err(Refusal::EncodedImage("XPM"));
    }
    if lower.contains("#define") && (lower.contains("_width") || lower.contains("_bits[")) {
        return Err(Refusal::EncodedImage("XBM"));
    }
    if let Some(kind) = find_signature(text.as_bytes()) {
        return Err(Refusal::EncodedImage(kind));
    }
    Ok(())
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

/// Base32, Ascii85, uuencode, quoted-printable, C escapes and byte lists, decoded and matched.
fn check_other_encodings(text: &str) -> Result<(), Refusal> {
    let found = |bytes: Vec<u8>| find_signature(&bytes).map(Refusal::EncodedImage);
    let mut candidates = base32_candidates(text.as_bytes());
    candidates.extend(ascii85_candidates(text));
    candidates.extend(uuencode_candidates(text));
    candidates.push(unescape(text.as_bytes()));
    candidates.extend(number_lists(text));
    for c in candidates {
        if let Some(r) = found(c) {
            return Err(r);
        }
    }
    Ok(())
}

fn base32_value(b: u8) -> Option<u8> {
    match b.to_ascii_uppercase() {
        c @ b'A'..=b'Z' => Some(c - b'A'),
        c @ b'2'..=b'7' => Some(c - b'2' + 26),
        _ => None,
    }
}

/// Runs of base32 characters (joined across white space), decoded at each of the 8 alignments.
fn base32_candidates(text: &[u8]) -> Vec<Vec<u8>> {
    let mut runs = Vec::new();
    let mut current = Vec::new();
    for &b in text {
        if let Some(v) = base32_value(b) {
            current.push(v);
        } else if (b.is_ascii_whitespace() || b == b'=') && !current.is_empty() {
        } else if !current.is_empty() {
            runs.push(std::mem::take(&mut current));
        }
    }
    runs.push(current);
    let mut out = Vec::new();
    for run in runs.into_iter().filter(|r| r.len() >= 13) {
        for skip in 0..8 {
            let mut bytes = Vec::with_capacity(run.len() * 5 / 8);
            let (mut acc, mut bits) = (0u32, 0u32);
            for &v in &run[skip.min(run.len())..] {
                acc = (acc << 5) | u32::from(v);
                bits += 5;
                if bits >= 8 {
                    bits -= 8;
                    bytes.push((acc >> bits) as u8);
                    acc &= (1 << bits) - 1;
                }
            }
            out.push(bytes);
        }
    }
    out
}

/// Ascii85 between `<~` and `~>` (or to the end), and bare runs of its alphabet.
fn ascii85_candidates(text: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let body: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let mut from = 0;
    while from < body.len() {
        let start = body[from..]
            .windows(2)
            .position(|w| w == b"<~")
            .map(|p| from + p + 2);
        let Some(start) = start else { break };
        let end = body[start..]
            .windows(2)
            .position(|w| w == b"~>")
            .map_or(body.len(), |p| start + p);
        out.push(decode_ascii85(&body[start..end]));
        from = end;
    }
    // Without the delimiters: every run of the alphabet long enough to hold a signature.
    let mut run = Vec::new();
    for &b in body.iter().chain(std::iter::once(&b' ')) {
        if (b'!'..=b'u').contains(&b) || b == b'z' {
            run.push(b);
        } else {
            if run.len() >= 10 {
                for skip in 0..5 {
                    out.push(decode_ascii85(&run[skip.min(run.len())..]));
                }
            }
            run.clear();
        }
    }
    out
}

fn decode_ascii85(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() * 4 / 5);
    let mut group = Vec::with_capacity(5);
    for &b in s {
        if b == b'z' && group.is_empty() {
            out.extend_from_slice(&[0, 0, 0, 0]);
            continue;
        }
        if !(b'!'..=b'u').contains(&b) {
            continue;
        }
        group.push(u32::from(b - b'!'));
        if group.len() == 5 {
            let v = group.iter().fold(0u64, |a, &d| a * 85 + u64::from(d));
            out.extend_from_slice(&(v as u32).to_be_bytes());
            group.clear();
        }
    }
    out
}

/// Lines that read as uuencode (characters 32–96; the first, the line's length, is skipped),
/// decoded and joined.
fn uuencode_candidates(text: &str) -> Vec<Vec<u8>> {
    let mut joined = Vec::new();
    for line in text.lines() {
        let b = line.as_bytes();
        if b.len() < 5 || !b.iter().all(|&c| (32..=96).contains(&c)) {
            continue;
        }
        for quad in b[1..].chunks(4) {
            let v: Vec<u8> = quad.iter().map(|&c| (c.wrapping_sub(32)) & 63).collect();
            let g = |i: usize| v.get(i).copied().unwrap_or(0);
            joined.extend_from_slice(&[
                (g(0) << 2) | (g(1) >> 4),
                (g(1) << 4) | (g(2) >> 2),
                (g(2) << 6) | g(3),
            ]);
        }
    }
    vec![joined]
}

/// Quoted-printable (`=89`), C and shell escapes (`\211`, `\x89`, `\r`, `\n`) turned into bytes.
fn unescape(t: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(t.len());
    let mut i = 0;
    let hex = |b: &[u8]| -> Option<u8> {
        let s = std::str::from_utf8(b).ok()?;
        u8::from_str_radix(s, 16).ok()
    };
    while i < t.len() {
        match t[i] {
            b'=' if t.get(i + 1) == Some(&b'\n') => i += 2,
            b'=' if t.get(i + 1..i + 3).and_then(hex).is_some() => {
                out.push(hex(&t[i + 1..i + 3]).unwrap_or(0));
                i += 3;
            }
            b'\\' => {
                let rest = &t[i + 1..];
                let octal = rest
                    .iter()
                    .take(3)
                    .take_while(|b| (b'0'..=b'7').contains(b))
                    .count();
                if octal > 0 {
                    let s = std::str::from_utf8(&rest[..octal]).unwrap_or("0");
                    out.push(u16::from_str_radix(s, 8).unwrap_or(0) as u8);
                    i += 1 + octal;
                } else if matches!(rest.first(), Some(b'x' | b'X'))
                    && rest.get(1..3).and_then(hex).is_some()
                {
                    out.push(hex(&rest[1..3]).unwrap_or(0));
                    i += 4;
                } else {
                    let e = match rest.first() {
                        Some(b'n') => b'\n',
                        Some(b'r') => b'\r',
                        Some(b't') => b'\t',
                        Some(b'a') => 7,
                        Some(b'b') => 8,
                        Some(b'f') => 12,
                        Some(b'v') => 11,
                        Some(b'e') => 27,
                        Some(&c) => c,
                        None => b'\\',
                    };
                    out.push(e);
                    i += 2;
                }
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// Runs of numbers separated by spaces, commas or semicolons, read as decimal and as octal bytes.
fn number_lists(text: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut run: Vec<&str> = Vec::new();
    let flush = |run: &mut Vec<&str>, out: &mut Vec<Vec<u8>>| {
        if run.len() >= 4 {
            for radix in [10, 8] {
                out.push(
                    run.iter()
                        .map(|n| u32::from_str_radix(n, radix).unwrap_or(0) as u8)
                        .collect(),
                );
            }
        }
        run.clear();
    };
    for tok in text.split(|c: char| {
        c.is_whitespace() || matches!(c, ',' | ';' | '[' | ']' | '{' | '}' | '(' | ')')
    }) {
        if tok.is_empty() {
            continue;
        }
        if tok.len() <= 3 && tok.bytes().all(|b| b.is_ascii_digit()) {
            run.push(tok);
        } else {
            flush(&mut run, &mut out);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// The prose checks: long tokens, the statistics of an encoding, spaced-out runs, number lists.
fn check_prose(text: &str) -> Result<(), Refusal> {
    const TRIM: &[char] = &[
        '"', '\'', '(', ')', '[', ']', '{', '}', '<', '>', '.', ',', ';', ':', '!', '?', '“', '”',
        '‘', '’', '«', '»', '*',
    ];
    let mut switches: Vec<Pair> = Vec::new();
    let (mut tiny, mut numbers, mut long_numbers) = (0usize, 0usize, 0usize);
    let mut digests = 0;
    for raw in text.split_whitespace() {
        let token = raw.trim_matches(TRIM);
        let chars = token.chars().count();
        tiny = if raw.chars().count() <= 2 && raw.is_ascii() {
            tiny + 1
        } else {
            0
        };
        let is_number =
            !token.is_empty() && token.len() <= 3 && token.bytes().all(|b| b.is_ascii_digit())
                || token.starts_with('\\') && token.len() <= 4;
        numbers = if is_number { numbers + 1 } else { 0 };
        let long_number = token.len() >= 6 && token.bytes().all(|b| b.is_ascii_digit());
        long_numbers = if long_number { long_numbers + 1 } else { 0 };
        if long_numbers >= MAX_LONG_NUMBERS {
            return Err(Refusal::NumberList);
        }
        if tiny >= MAX_TINY_TOKENS {
            return Err(Refusal::EncodedData);
        }
        if numbers >= MAX_NUMBERS {
            return Err(Refusal::NumberList);
        }
        if is_url(token) {
            if chars > MAX_URL
                || token
                    .split(['/', '?', '&', '=', '#', ';'])
                    .any(|p| p.chars().count() > MAX_URL_PART)
            {
                return Err(Refusal::LongRun);
            }
            continue;
        }
        if is_email(token) || is_uuid(token) {
            continue;
        }
        if is_digest(token) && digests < MAX_DIGESTS {
            digests += 1;
            continue;
        }
        if chars > MAX_TOKEN && !is_reference(token) {
            return Err(Refusal::LongRun);
        }
        let cs: Vec<char> = token.chars().collect();
        for (i, w) in cs.windows(2).enumerate() {
            switches.push(Pair {
                switch: is_switch(w[0], w[1]) || is_capital_run(&cs, i + 1),
                letter: w[1].is_ascii_alphabetic(),
                vowel: matches!(w[1].to_ascii_lowercase(), 'a' | 'e' | 'i' | 'o' | 'u'),
            });
        }
    }
    if encoding_like(&switches) {
        return Err(Refusal::EncodedData);
    }
    Ok(())
}

/// Whether any window of pairs has the statistics of an encoding: [`MAX_SWITCHES`] switches, or
/// half as many with fewer than one vowel in four letters (base32 and base64 letters are random,
/// a fifth of them vowels; words are about two fifths vowels). A text with fewer than [`WINDOW`]
/// pairs (but at least [`MIN_PAIRS`]) is refused at [`SHORT_SWITCHES`] per [`WINDOW`] pairs.
fn encoding_like(pairs: &[Pair]) -> bool {
    let judge = |w: &[Pair]| {
        let n = w.len();
        let switches = w.iter().filter(|p| p.switch).count();
        let letters = w.iter().filter(|p| p.letter).count();
        let vowels = w.iter().filter(|p| p.vowel).count();
        switches * WINDOW >= MAX_SWITCHES * n
            || (switches * WINDOW * 2 >= MAX_SWITCHES * n
                && letters * 2 >= n
                && vowels * 4 < letters)
    };
    if pairs.len() < MIN_PAIRS {
        return false;
    }
    if pairs.len() < WINDOW {
        // A short text is judged at a stricter rate: one reference code in a sentence must pass.
        let switches = pairs.iter().filter(|p| p.switch).count();
        return switches * WINDOW >= SHORT_SWITCHES * pairs.len();
    }
    pairs.windows(WINDOW).any(judge)
}

/// One pair of adjacent characters inside a token: whether it switches, and whether its second
/// character is an ASCII letter and a vowel.
#[derive(Clone, Copy)]
struct Pair {
    switch: bool,
    letter: bool,
    vowel: bool,
}

/// The most switches in any window (for measuring the corpus).
#[doc(hidden)]
pub fn max_switches(text: &str) -> usize {
    let mut switches = Vec::new();
    for raw in text.split_whitespace() {
        let token = raw.trim_matches(['"', '\'', '(', ')', '.', ',', ';', ':', '!', '?']);
        if is_url(token) || is_email(token) || is_uuid(token) {
            continue;
        }
        let cs: Vec<char> = token.chars().collect();
        for (i, w) in cs.windows(2).enumerate() {
            switches.push(is_switch(w[0], w[1]) || is_capital_run(&cs, i + 1));
        }
    }
    switches
        .windows(WINDOW)
        .map(|w| w.iter().filter(|&&s| s).count())
        .max()
        .unwrap_or(0)
}

/// The third (or later) of one capital letter in a row (`AAAA`, as runs of zero bytes encode):
/// words do not have it.
fn is_capital_run(cs: &[char], i: usize) -> bool {
    i >= 2 && cs[i].is_ascii_uppercase() && cs[i] == cs[i - 1] && cs[i] == cs[i - 2]
}

/// A pair of adjacent characters that words rarely have and encodings often do.
fn is_switch(a: char, b: char) -> bool {
    if !a.is_ascii() || !b.is_ascii() {
        return false;
    }
    let neutral = |c: char| matches!(c, '-' | '/' | '\\' | '.' | ':' | ',' | '\'' | '_');
    if neutral(a) || neutral(b) {
        return false;
    }
    let symbol = |c: char| c.is_ascii_punctuation();
    if symbol(a) || symbol(b) {
        return true;
    }
    (a.is_ascii_lowercase() && b.is_ascii_uppercase())
        || (a.is_ascii_alphabetic() && b.is_ascii_digit())
        || (a.is_ascii_digit() && b.is_ascii_alphabetic())
}

fn is_url(t: &str) -> bool {
    let l = t.to_ascii_lowercase();
    l.starts_with("http://")
        || l.starts_with("https://")
        || l.starts_with("www.")
        || l.contains("://")
}

/// A digest written in hex (MD5, SHA-1, SHA-256, SHA-512), as a file's fingerprint is quoted:
/// in one run, or in pairs separated by colons as certificate fingerprints are shown
/// (`04:63:C3:…`).
fn is_digest(t: &str) -> bool {
    let hex =
        |s: &str| matches!(s.len(), 32 | 40 | 64 | 128) && s.bytes().all(|b| b.is_ascii_hexdigit());
    hex(t) || (t.split(':').all(|pair| pair.len() == 2) && hex(&t.split(':').collect::<String>()))
}

/// A UUID (`8f3a9c2e-1b7d-4e6f-9a0b-2c3d4e5f6a7b`), as case systems use for references.
fn is_uuid(t: &str) -> bool {
    let parts: Vec<&str> = t.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn is_email(t: &str) -> bool {
    let mut parts = t.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && domain.contains('.')
        && domain.len() <= 255
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-'))
}

/// A reference or a path: parts between separators are words (letters only, up to
/// [`MAX_REFERENCE_PART`]) or short codes (up to [`MAX_CODE_PART`] characters).
fn is_reference(t: &str) -> bool {
    let parts: Vec<&str> = t.split(['-', '/', '_', '.', ':', '\\', '|']).collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            let n = p.chars().count();
            n <= MAX_CODE_PART || (n <= MAX_REFERENCE_PART && p.chars().all(char::is_alphabetic))
        })
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

/// Runs of base64 characters, twice: with line breaks joined (MIME wraps at 76) and with any
/// white space joined (a space slipped in does not hide a block).
fn b64_runs(text: &[u8]) -> Vec<Vec<u8>> {
    let mut runs = Vec::new();
    for join_spaces in [false, true] {
        let mut current = Vec::new();
        for &b in text {
            let joins = if join_spaces {
                b.is_ascii_whitespace()
            } else {
                matches!(b, b'\n' | b'\r')
            };
            if is_b64_char(b) {
                current.push(b);
            } else if joins && !current.is_empty() {
                // Continues the block; anything else ends the run.
            } else {
                if current.len() >= MIN_B64_RUN {
                    runs.push(std::mem::take(&mut current));
                }
                current.clear();
            }
        }
        if current.len() >= MIN_B64_RUN {
            runs.push(current);
        }
    }
    runs.dedup();
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
    if starts(b"II+\0\x08\0\0\0") || starts(b"MM\0+\0\x08\0\0") {
        return Some("BigTIFF");
    }
    if starts(b"\0\0\0\x0CjP  \r\n\x87\n") || starts(&[0xFF, 0x4F, 0xFF, 0x51]) {
        return Some("JPEG 2000");
    }
    if starts(b"\0\0\0\x0CJXL \r\n\x87\n") {
        return Some("JPEG XL");
    }
    if starts(b"8BPS\0\x01") || starts(b"qoif") || starts(b"farbfeld") {
        return Some("image file");
    }
    if netpbm_at(b) {
        return Some("PBM/PGM/PPM");
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

/// Netpbm: `P1`–`P7`, white space, then width and height (and a maximum value) as numbers.
fn netpbm_at(b: &[u8]) -> bool {
    if b.len() < 7 || b[0] != b'P' || !(b'1'..=b'7').contains(&b[1]) {
        return false;
    }
    let mut i = 2;
    let numbers_needed = if matches!(b[1], b'1' | b'4') { 2 } else { 3 };
    if b[1] == b'7' {
        return b[2..].starts_with(b"\nWIDTH");
    }
    for _ in 0..numbers_needed {
        let start = i;
        loop {
            i += b[i..]
                .iter()
                .take_while(|c| c.is_ascii_whitespace())
                .count();
            if b.get(i) != Some(&b'#') || i == start {
                break;
            }
            // A comment runs to the end of its line.
            i += b[i..].iter().take_while(|&&c| c != b'\n').count();
        }
        if i == start {
            return false;
        }
        let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 || digits > 5 {
            return false;
        }
        i += digits;
    }
    b.get(i).is_some_and(u8::is_ascii_whitespace)
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
            // A certificate's fingerprint, as it is read out by phone (found by the transfer
            // tests: a random one is refused about one time in two without this).
            "20:EF:B8:24:E5:C0:5E:36:AD:A6:78:F5:0E:5D:F4:C5:5D:95:77:71:5B:6F:F8:72:59:BB:F7:21:5B:0A:43:86",
            "Signer C7:BF:5D:70:D5:27:08:36:58:D7:74:E2:B6:BF:55:C3:7E:58:25:B9:53:37:0F:4C:9F:C8:A9:43:C9:CF:7C:FC checked by phone.",
        ] {
            assert_eq!(check_text(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn a_fingerprint_is_a_digest_but_pairs_of_another_length_are_not() {
        let pairs = |n: usize| vec!["A7"; n].join(":");
        assert!(is_digest(&pairs(32)) && is_digest(&pairs(20)) && is_digest(&pairs(16)));
        assert!(!is_digest(&pairs(33)) && !is_digest(&pairs(31)));
        assert!(!is_digest("A7:B:C7D:") && !is_digest(&format!("{}:", pairs(32))));
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
