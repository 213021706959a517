//! A strict, bounded reader of the one file layout a signed Casebook referral has, used to find
//! its signature before the signature itself is checked (in `sign.rs`).
//!
//! A referral is the PDF Casebook rendered (revision 1: classic cross-reference table, trailer,
//! `%%EOF`) followed by exactly one incremental update that adds the signature (revision 2). The
//! signature is the one the document's form points to (trailer → catalogue → `/AcroForm` →
//! its only field → `/V`), and its `/ByteRange` must leave out exactly that signature's own
//! `/Contents` hex string and nothing else, and run to the last byte of the file.
//!
//! That closes the published attacks on PDF signatures (Mladenov, Mainka, Meyer zu Selhausen,
//! Grothe, Schwenk, "1 Trillion Dollar Refund: How To Spoof PDF Signatures", CCS 2019):
//! - *incremental saving*: anything appended after the signed revision is a third revision, or
//!   bytes after the signed range;
//! - *signature wrapping*: content hidden in the gap between the signed ranges makes the gap
//!   larger than the `/Contents` string;
//! - *universal signature forgery*: a signature dictionary without a usable `/ByteRange` or
//!   `/Contents`, or one the form does not point to, is not accepted.
//!
//! The reader never trusts a count or a length from the file beyond the file itself: it reads
//! only what a cross-reference entry points to, with a budget of objects and nesting, and it
//! allocates nothing larger than the file. Anything else is "not the layout Casebook writes",
//! which the caller reports as "cannot be confirmed", never as intact.

use std::collections::BTreeMap;

/// Why the layout is not one Casebook can confirm, in words for the DSL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotConfirmable(pub String);

fn no(why: impl Into<String>) -> NotConfirmable {
    NotConfirmable(why.into())
}

/// More cross-reference entries than this is not a referral (a 200-page referral has about
/// 1 000 objects).
const MAX_OBJECTS: usize = 200_000;
/// Dictionaries and arrays nested deeper than this are not a referral.
const MAX_DEPTH: usize = 32;
/// How far from the end of the file `startxref` may be.
const TAIL: usize = 64;

/// The signature Casebook found, and where it sits in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedLayout {
    /// `/ByteRange`: the signed bytes are `[0, gap_start)` and `[gap_end, len)`.
    pub gap_start: usize,
    pub gap_end: usize,
    /// The signature's `/Contents`, decoded (the CMS, possibly followed by zero padding).
    pub contents: Vec<u8>,
    /// `/M`, as written.
    pub signed_at: String,
}

/// A parsed PDF value. Strings keep the span of their bytes in the file.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Real,
    Name(Vec<u8>),
    Str {
        bytes: Vec<u8>,
        start: usize,
        end: usize,
    },
    Array(Vec<Value>),
    Dict(BTreeMap<Vec<u8>, Value>),
    Ref(u32, u16),
}

impl Value {
    fn dict(&self) -> Option<&BTreeMap<Vec<u8>, Value>> {
        match self {
            Value::Dict(d) => Some(d),
            _ => None,
        }
    }
    fn get(&self, key: &[u8]) -> Option<&Value> {
        self.dict()?.get(key)
    }
    fn int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
    fn name(&self) -> Option<&[u8]> {
        match self {
            Value::Name(n) => Some(n),
            _ => None,
        }
    }
    fn reference(&self) -> Option<(u32, u16)> {
        match self {
            Value::Ref(n, g) => Some((*n, *g)),
            _ => None,
        }
    }
}

/// A cursor over the file with the PDF lexical rules Casebook's files need.
struct Lexer<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// Objects parsed so far (the budget).
    parsed: usize,
}

fn is_white(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

impl<'a> Lexer<'a> {
    fn at(bytes: &'a [u8], pos: usize) -> Self {
        Lexer {
            bytes,
            pos,
            parsed: 0,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_space(&mut self) {
        while let Some(b) = self.peek() {
            if is_white(b) {
                self.pos += 1;
            } else if b == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\n' || c == b'\r' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    fn keyword(&mut self, word: &[u8]) -> bool {
        self.skip_space();
        let end = self.pos + word.len();
        if self.bytes.get(self.pos..end) == Some(word)
            && self
                .bytes
                .get(end)
                .is_none_or(|b| is_white(*b) || is_delimiter(*b))
        {
            self.pos = end;
            true
        } else {
            false
        }
    }

    /// A run of regular characters (a number or a keyword).
    fn token(&mut self) -> &'a [u8] {
        self.skip_space();
        let start = self.pos;
        while let Some(b) = self.peek() {
            if is_white(b) || is_delimiter(b) {
                break;
            }
            self.pos += 1;
        }
        &self.bytes[start..self.pos]
    }

    fn unsigned(&mut self) -> Option<u64> {
        let t = self.token();
        if t.is_empty() || t.len() > 12 || !t.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(t).ok()?.parse().ok()
    }

    fn value(&mut self, depth: usize) -> Result<Value, NotConfirmable> {
        if depth > MAX_DEPTH {
            return Err(no("its objects are nested too deeply"));
        }
        self.parsed += 1;
        if self.parsed > MAX_OBJECTS * 4 {
            return Err(no("it has more objects than a referral"));
        }
        self.skip_space();
        let start = self.pos;
        match self.peek() {
            None => Err(no("it ends in the middle of an object")),
            Some(b'/') => {
                self.pos += 1;
                let name = self.token_after_slash();
                Ok(Value::Name(name))
            }
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_space();
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                        return Ok(Value::Array(items));
                    }
                    items.push(self.value(depth + 1)?);
                    items = fold_reference(items);
                }
            }
            Some(b'<') if self.bytes.get(self.pos + 1) == Some(&b'<') => {
                self.pos += 2;
                let mut dict = BTreeMap::new();
                loop {
                    self.skip_space();
                    if self.bytes.get(self.pos..self.pos + 2) == Some(b">>") {
                        self.pos += 2;
                        return Ok(Value::Dict(dict));
                    }
                    let Value::Name(key) = self.value(depth + 1)? else {
                        return Err(no("a dictionary key is not a name"));
                    };
                    let mut v = self.value(depth + 1)?;
                    // `n g R` after a key.
                    if let Value::Int(n) = v {
                        let save = self.pos;
                        match (self.unsigned(), self.keyword(b"R")) {
                            (Some(g), true) => {
                                v = Value::Ref(
                                    u32::try_from(n)
                                        .map_err(|_| no("a reference is out of range"))?,
                                    u16::try_from(g)
                                        .map_err(|_| no("a reference is out of range"))?,
                                );
                            }
                            _ => self.pos = save,
                        }
                    }
                    dict.insert(key, v);
                }
            }
            Some(b'<') => {
                self.pos += 1;
                let mut hex = Vec::new();
                loop {
                    match self.peek() {
                        None => return Err(no("a string never ends")),
                        Some(b'>') => {
                            self.pos += 1;
                            break;
                        }
                        Some(b) if is_white(b) => self.pos += 1,
                        Some(b) if b.is_ascii_hexdigit() => {
                            hex.push(b);
                            self.pos += 1;
                        }
                        Some(_) => return Err(no("a hexadecimal string holds other characters")),
                    }
                }
                if hex.len() % 2 == 1 {
                    hex.push(b'0');
                }
                let bytes = hex::decode(&hex).map_err(|_| no("a hexadecimal string is damaged"))?;
                Ok(Value::Str {
                    bytes,
                    start,
                    end: self.pos,
                })
            }
            Some(b'(') => {
                self.pos += 1;
                let mut depth_paren = 1usize;
                let mut out = Vec::new();
                while depth_paren > 0 {
                    let Some(b) = self.peek() else {
                        return Err(no("a string never ends"));
                    };
                    self.pos += 1;
                    match b {
                        b'\\' => {
                            if let Some(c) = self.peek() {
                                self.pos += 1;
                                out.push(c);
                            }
                        }
                        b'(' => {
                            depth_paren += 1;
                            out.push(b);
                        }
                        b')' => {
                            depth_paren -= 1;
                            if depth_paren > 0 {
                                out.push(b);
                            }
                        }
                        _ => out.push(b),
                    }
                }
                Ok(Value::Str {
                    bytes: out,
                    start,
                    end: self.pos,
                })
            }
            Some(_) => {
                let t = self.token();
                match t {
                    b"null" => Ok(Value::Null),
                    b"true" => Ok(Value::Bool(true)),
                    b"false" => Ok(Value::Bool(false)),
                    b"R" => Ok(Value::Name(b"R".to_vec())),
                    _ => {
                        let text = std::str::from_utf8(t).map_err(|_| no("a value is damaged"))?;
                        if let Ok(i) = text.parse::<i64>() {
                            Ok(Value::Int(i))
                        } else if text.parse::<f64>().is_ok() {
                            Ok(Value::Real)
                        } else {
                            Err(no("a value is not one a PDF may hold"))
                        }
                    }
                }
            }
        }
    }

    fn token_after_slash(&mut self) -> Vec<u8> {
        let start = self.pos;
        while let Some(b) = self.peek() {
            if is_white(b) || is_delimiter(b) {
                break;
            }
            self.pos += 1;
        }
        self.bytes[start..self.pos].to_vec()
    }
}

/// Turns `… n g R` at the end of an array into a reference (arrays are read item by item).
fn fold_reference(mut items: Vec<Value>) -> Vec<Value> {
    if let [.., Value::Int(n), Value::Int(g), Value::Name(r)] = items.as_slice() {
        if r == b"R" {
            if let (Ok(n), Ok(g)) = (u32::try_from(*n), u16::try_from(*g)) {
                items.truncate(items.len() - 3);
                items.push(Value::Ref(n, g));
            }
        }
    }
    items
}

/// One cross-reference section: where it starts, its in-use entries, and its trailer.
struct Section {
    offset: usize,
    entries: BTreeMap<u32, (usize, u16)>,
    trailer: Value,
}

fn read_section(bytes: &[u8], offset: usize) -> Result<Section, NotConfirmable> {
    let mut lx = Lexer::at(bytes, offset);
    if !lx.keyword(b"xref") {
        return Err(no(
            "its cross-reference table is not where the file says (it was changed or rebuilt)",
        ));
    }
    let mut entries = BTreeMap::new();
    loop {
        let save = lx.pos;
        if lx.keyword(b"trailer") {
            break;
        }
        lx.pos = save;
        let (Some(first), Some(count)) = (lx.unsigned(), lx.unsigned()) else {
            return Err(no("its cross-reference table is damaged"));
        };
        let count =
            usize::try_from(count).map_err(|_| no("its cross-reference table is damaged"))?;
        if entries.len() + count > MAX_OBJECTS || count.saturating_mul(18) > bytes.len() {
            return Err(no("its cross-reference table is larger than the file"));
        }
        for i in 0..count {
            let (Some(off), Some(generation)) = (lx.unsigned(), lx.unsigned()) else {
                return Err(no("its cross-reference table is damaged"));
            };
            let kind = lx.token();
            let number = u32::try_from(first + i as u64)
                .map_err(|_| no("its cross-reference table is damaged"))?;
            let generation = u16::try_from(generation)
                .map_err(|_| no("its cross-reference table is damaged"))?;
            match kind {
                b"n" => {
                    let off = usize::try_from(off)
                        .ok()
                        .filter(|o| *o < bytes.len())
                        .ok_or_else(|| no("an object is said to lie outside the file"))?;
                    entries.insert(number, (off, generation));
                }
                b"f" => {}
                _ => return Err(no("its cross-reference table is damaged")),
            }
        }
    }
    let trailer = lx.value(0)?;
    if trailer.dict().is_none() {
        return Err(no("its trailer is damaged"));
    }
    Ok(Section {
        offset,
        entries,
        trailer,
    })
}

/// The offset after the last `startxref`, which must close the file (`%%EOF` and at most an
/// end of line after it).
fn last_startxref(bytes: &[u8]) -> Result<usize, NotConfirmable> {
    let from = bytes.len().saturating_sub(TAIL);
    let tail = &bytes[from..];
    let at = tail
        .windows(9)
        .rposition(|w| w == b"startxref")
        .ok_or_else(|| no("it does not end as a PDF ends"))?;
    let mut lx = Lexer::at(bytes, from + at + 9);
    let offset = lx
        .unsigned()
        .and_then(|o| usize::try_from(o).ok())
        .ok_or_else(|| no("it does not end as a PDF ends"))?;
    lx.skip_space_no_comment();
    let rest = &bytes[lx.pos..];
    let ends = rest
        .strip_prefix(b"%%EOF")
        .is_some_and(|r| r.iter().all(|b| *b == b'\r' || *b == b'\n'));
    if !ends {
        return Err(no("there are bytes after the end of the signed file"));
    }
    Ok(offset)
}

impl Lexer<'_> {
    fn skip_space_no_comment(&mut self) {
        while self.peek().is_some_and(is_white) {
            self.pos += 1;
        }
    }
}

/// The object `number` (its newest definition), read at its cross-reference offset.
fn object(
    bytes: &[u8],
    xref: &BTreeMap<u32, (usize, u16)>,
    (number, generation): (u32, u16),
) -> Result<(usize, Value), NotConfirmable> {
    let &(offset, gen) = xref
        .get(&number)
        .ok_or_else(|| no("it points to an object that is not there"))?;
    if gen != generation {
        return Err(no("it points to an object that is not there"));
    }
    let mut lx = Lexer::at(bytes, offset);
    let ok = lx.unsigned() == Some(u64::from(number))
        && lx.unsigned() == Some(u64::from(generation))
        && lx.keyword(b"obj");
    if !ok {
        return Err(no(
            "an object is not where the cross-reference table says (the file was changed)",
        ));
    }
    let value = lx.value(0)?;
    Ok((offset, value))
}

/// Reads the layout and finds the signature the document's form points to.
pub fn read(bytes: &[u8]) -> Result<SignedLayout, NotConfirmable> {
    if !bytes.starts_with(b"%PDF-") {
        return Err(no("it is not a PDF"));
    }
    let last = read_section(bytes, last_startxref(bytes)?)?;
    let prev = match last.trailer.get(b"Prev").map(Value::int) {
        None => return Err(no("it has no signature: Casebook referrals are signed")),
        Some(Some(p)) => usize::try_from(p).map_err(|_| no("its revisions are damaged"))?,
        Some(None) => return Err(no("its revisions are damaged")),
    };
    if prev >= last.offset {
        return Err(no("its revisions are out of order"));
    }
    let first = read_section(bytes, prev)?;
    if first.trailer.get(b"Prev").is_some() {
        return Err(no(
            "it has been saved more than once since it was made; a Casebook referral has one \
             signature revision and nothing after it",
        ));
    }
    // Where revision 1 ends: its own `%%EOF` after its trailer.
    let first_end = find_after(bytes, prev, b"%%EOF")
        .map(|p| p + 5)
        .filter(|p| *p <= last.offset)
        .ok_or_else(|| no("its first revision does not end as a PDF ends"))?;
    if last
        .entries
        .values()
        .any(|(off, _)| *off < first_end || *off >= last.offset)
    {
        return Err(no(
            "its signature revision points into the signed document it should only add to",
        ));
    }
    if first.entries.values().any(|(off, _)| *off >= first_end) {
        return Err(no("its first revision points past its own end"));
    }

    // The newest definition of each object wins.
    let mut xref = first.entries.clone();
    xref.extend(last.entries.iter().map(|(k, v)| (*k, *v)));

    let root = last
        .trailer
        .get(b"Root")
        .and_then(Value::reference)
        .ok_or_else(|| no("it has no document catalogue"))?;
    let (_, catalogue) = object(bytes, &xref, root)?;
    let acroform = match catalogue.get(b"AcroForm") {
        Some(Value::Ref(n, g)) => object(bytes, &xref, (*n, *g))?.1,
        Some(d @ Value::Dict(_)) => d.clone(),
        _ => return Err(no("it has no signature field")),
    };
    let fields = match acroform.get(b"Fields") {
        Some(Value::Array(f)) => f.clone(),
        _ => return Err(no("it has no signature field")),
    };
    let [field] = fields.as_slice() else {
        return Err(no(format!(
            "it has {} form fields; a Casebook referral has exactly one, its signature, so \
             Casebook cannot say which signature covers what",
            fields.len()
        )));
    };
    let field_ref = field
        .reference()
        .ok_or_else(|| no("its signature field is damaged"))?;
    let (_, field) = object(bytes, &xref, field_ref)?;
    if field.get(b"FT").and_then(Value::name) != Some(b"Sig") {
        return Err(no("its only form field is not a signature"));
    }
    let sig_ref = field
        .get(b"V")
        .and_then(Value::reference)
        .ok_or_else(|| no("its signature field holds no signature"))?;
    if !last.entries.contains_key(&sig_ref.0) {
        return Err(no("its signature is not in the signature revision"));
    }
    let (_, sig) = object(bytes, &xref, sig_ref)?;
    if sig.get(b"Type").and_then(Value::name) != Some(b"Sig")
        || sig.get(b"SubFilter").and_then(Value::name) != Some(b"ETSI.CAdES.detached")
    {
        return Err(no(
            "its signature is not of the kind Casebook makes (PAdES)",
        ));
    }
    let Some(Value::Str {
        bytes: contents,
        start,
        end,
    }) = sig.get(b"Contents").cloned()
    else {
        return Err(no("its signature has no contents"));
    };
    let range: Vec<i64> = match sig.get(b"ByteRange") {
        Some(Value::Array(items)) => items.iter().filter_map(Value::int).collect(),
        _ => Vec::new(),
    };
    let [a, b, c, d] = range.as_slice() else {
        return Err(no("its signature's byte range is malformed"));
    };
    let len = bytes.len() as i64;
    if *a != 0 || *b != start as i64 || *c != end as i64 || c.checked_add(*d) != Some(len) {
        return Err(no(
            "its signature does not cover the whole file except the signature itself",
        ));
    }
    // Written as Casebook writes it: upper-case hex digits and nothing else, so that no byte
    // of the gap can change without changing the signature it decodes to.
    let digits = &bytes[start + 1..end - 1];
    if bytes[start] != b'<'
        || !digits
            .iter()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(b))
    {
        return Err(no("its signature is not written as Casebook writes it"));
    }
    // The signature sits in the signature revision.
    if start < first_end {
        return Err(no("its signature is not in the signature revision"));
    }
    let signed_at = match sig.get(b"M") {
        Some(Value::Str { bytes, .. }) => String::from_utf8_lossy(bytes).into_owned(),
        _ => String::new(),
    };
    Ok(SignedLayout {
        gap_start: start,
        gap_end: end,
        contents,
        signed_at,
    })
}

/// A signature found by scanning a file that is not laid out as a Casebook referral (several
/// signatures, or changes saved after one): what its byte range says it covers. Nothing else
/// about the file is trusted; the caller checks each one's digest and reports what it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannedSignature {
    pub gap_start: usize,
    pub gap_end: usize,
    /// The signed bytes are `[0, gap_start)` and `[gap_end, covered_end)`.
    pub covered_end: usize,
    pub contents: Vec<u8>,
}

/// At most this many signatures are reported (a file with more is described by the first).
pub const MAX_SCANNED_SIGNATURES: usize = 8;

/// Every `/ByteRange [0 b c d]` in the file whose gap is exactly one hexadecimal string and whose
/// range lies inside the file, in file order. Bounded: one pass over the file, at most
/// [`MAX_SCANNED_SIGNATURES`] results, nothing allocated beyond the file's size.
pub fn scan_signatures(bytes: &[u8]) -> Vec<ScannedSignature> {
    let mut found = Vec::new();
    let mut at = 0;
    while found.len() < MAX_SCANNED_SIGNATURES {
        let Some(pos) = find_after(bytes, at, b"/ByteRange") else {
            break;
        };
        at = pos + b"/ByteRange".len();
        if let Some(sig) = scanned_at(bytes, at) {
            found.push(sig);
        }
    }
    found
}

fn scanned_at(bytes: &[u8], after_key: usize) -> Option<ScannedSignature> {
    // Exactly `[` four unsigned numbers `]`, read token by token (never a whole array, so a
    // hostile file of repeated keys costs one pass, not one pass per key).
    let mut lex = Lexer::at(bytes, after_key);
    lex.skip_space();
    if lex.peek() != Some(b'[') {
        return None;
    }
    lex.pos += 1;
    let mut range = [0usize; 4];
    for n in &mut range {
        *n = usize::try_from(lex.unsigned()?).ok()?;
    }
    lex.skip_space();
    if lex.peek() != Some(b']') {
        return None;
    }
    let [0, b, c, d] = range else {
        return None;
    };
    let covered_end = c.checked_add(d)?;
    if !(b + 2 <= c && covered_end <= bytes.len() && bytes[b] == b'<' && bytes[c - 1] == b'>') {
        return None;
    }
    let digits = &bytes[b + 1..c - 1];
    if digits.len() % 2 == 1 || !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    Some(ScannedSignature {
        gap_start: b,
        gap_end: c,
        covered_end,
        contents: hex::decode(digits).ok()?,
    })
}

fn find_after(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}
