//! Both sides of the no-images guard, as a corpus: every way of carrying an image as text is
//! refused, and the text a DSL really writes (policy prose, names in many scripts, web and e-mail
//! addresses, phone and reference numbers, dates, money, a child's words) is accepted. Also every
//! door: record fields, drafts (keys and numbers too), organisation and DSL names, templates.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use proptest::prelude::*;

use casebook::error::Field;
use casebook::records::no_images::{check_text, max_switches, Refusal, MAX_SWITCHES};
use casebook::ErrorCode;
use common::*;

/// A real 1×1 PNG (67 bytes).
fn png() -> Vec<u8> {
    STANDARD
        .decode(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
        )
        .unwrap()
}

/// A tiny baseline JPEG: SOI, JFIF, a quantisation table, a 1×1 frame, a Huffman table, a scan.
fn jpeg() -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16];
    j.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    j.extend_from_slice(&[0xFF, 0xDB, 0, 67, 0]);
    j.extend((1..=64u8).map(|i| i.wrapping_mul(3) | 1));
    j.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8, 0, 1, 0, 1, 1, 1, 0x11, 0]);
    j.extend_from_slice(&[0xFF, 0xC4, 0, 20, 0, 1]);
    j.extend_from_slice(&[0; 15]);
    j.push(0);
    j.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 63, 0]);
    j.extend_from_slice(&[0xD2, 0xCF, 0x20, 0x7F, 0xA8, 0x51, 0x3C, 0x9E]);
    j.extend_from_slice(&[0xFF, 0xD9]);
    j
}

fn base32(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut out, mut acc, mut bits) = (String::new(), 0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(A[((acc >> bits) & 31) as usize]));
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(A[((acc << (5 - bits)) & 31) as usize]));
    }
    out
}

fn ascii85(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(4) {
        let mut four = [0u8; 4];
        four[..chunk.len()].copy_from_slice(chunk);
        let mut v = u32::from_be_bytes(four);
        let mut digits = [0u8; 5];
        for d in digits.iter_mut().rev() {
            *d = (v % 85) as u8 + b'!';
            v /= 85;
        }
        out.extend(digits[..=chunk.len()].iter().map(|&d| char::from(d)));
    }
    out
}

fn uuencode(bytes: &[u8]) -> String {
    let enc = |v: u8| char::from(if v == 0 { b'`' } else { v + 32 });
    let mut out = String::from("begin 644 photo.png\n");
    for line in bytes.chunks(45) {
        out.push(enc(line.len() as u8));
        for g in line.chunks(3) {
            let b = |i: usize| g.get(i).copied().unwrap_or(0);
            out.push(enc(b(0) >> 2));
            out.push(enc(((b(0) & 3) << 4) | (b(1) >> 4)));
            out.push(enc(((b(1) & 15) << 2) | (b(2) >> 6)));
            out.push(enc(b(2) & 63));
        }
        out.push('\n');
    }
    out + "`\nend\n"
}

fn quoted_printable(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("={b:02X}")
            }
        })
        .collect()
}

fn full_width(ascii: &str) -> String {
    ascii
        .chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(u32::from(c) + 0xFEE0).unwrap(),
            c => c,
        })
        .collect()
}

fn spaced(s: &str, every: usize) -> String {
    s.chars()
        .collect::<Vec<_>>()
        .chunks(every)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every carrier of one image's bytes, named.
fn carriers(img: &[u8]) -> Vec<(String, String)> {
    let b64 = STANDARD.encode(img);
    let mid = b64.len() / 2;
    let mut nested = img.to_vec();
    for _ in 0..5 {
        nested = STANDARD.encode(&nested).into_bytes();
    }
    vec![
        (
            "base64 with a space".into(),
            format!("{} {}", &b64[..mid], &b64[mid..]),
        ),
        ("base64 with spaces every 4".into(), spaced(&b64, 4)),
        ("base64 with every character spaced".into(), spaced(&b64, 1)),
        (
            "base64 with a zero-width space".into(),
            format!("{}\u{200B}{}", &b64[..mid], &b64[mid..]),
        ),
        (
            "base64 with a word joiner".into(),
            format!("{}\u{2060}{}", &b64[..mid], &b64[mid..]),
        ),
        ("full-width base64".into(), full_width(&b64)),
        (
            "base64 with a soft hyphen every 3".into(),
            b64.chars()
                .collect::<Vec<_>>()
                .chunks(3)
                .map(|c| c.iter().collect::<String>())
                .collect::<Vec<_>>()
                .join("\u{00AD}"),
        ),
        (
            "base64 with a combining accent every 2".into(),
            b64.chars()
                .collect::<Vec<_>>()
                .chunks(2)
                .map(|c| c.iter().collect::<String>())
                .collect::<Vec<_>>()
                .join("\u{0301}"),
        ),
        (
            "base64 with no-break spaces".into(),
            spaced(&b64, 7).replace(' ', "\u{00A0}"),
        ),
        (
            "full-width base64 with joiners".into(),
            full_width(&b64)
                .chars()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join("\u{200D}"),
        ),
        (
            "full-width base64, spaced".into(),
            spaced(&full_width(&b64), 6),
        ),
        ("base32".into(), base32(img)),
        ("base32 in groups of 8".into(), spaced(&base32(img), 8)),
        ("lower-case base32".into(), base32(img).to_lowercase()),
        (
            "ascii85 with delimiters".into(),
            format!("<~{}~>", ascii85(img)),
        ),
        ("bare ascii85".into(), ascii85(img)),
        ("uuencode".into(), uuencode(img)),
        ("quoted-printable".into(), quoted_printable(img)),
        (
            "octal escapes".into(),
            img.iter().map(|b| format!("\\{b:03o}")).collect(),
        ),
        (
            "octal byte list".into(),
            img.iter().map(|b| format!("{b:o} ")).collect(),
        ),
        (
            "decimal byte list".into(),
            img.iter().map(|b| format!("{b} ")).collect(),
        ),
        (
            "decimal byte list with commas".into(),
            img.iter()
                .map(|b| b.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (
            "short decimal list".into(),
            img[..12]
                .iter()
                .map(|b| b.to_string())
                .collect::<Vec<_>>()
                .join(" "),
        ),
        (
            "hex with spaces".into(),
            img.iter().map(|b| format!("{b:02x} ")).collect(),
        ),
        (
            "base64 nested five times".into(),
            String::from_utf8(nested).unwrap(),
        ),
    ]
}

fn assert_refused(what: &str, text: &str) {
    assert!(
        check_text(text).is_err(),
        "{what} was accepted: {}",
        text.chars().take(120).collect::<String>()
    );
    // Also inside ordinary words.
    let wrapped = format!("The pupil showed me this on his phone: {text} and then deleted it.");
    assert!(
        check_text(&wrapped).is_err(),
        "{what} in prose was accepted"
    );
}

#[test]
fn every_carrier_of_a_png_and_a_jpeg_is_refused() {
    for (kind, img) in [("PNG", png()), ("JPEG", jpeg())] {
        for (what, text) in carriers(&img) {
            assert_refused(&format!("{kind} as {what}"), &text);
        }
    }
}

#[test]
fn other_image_formats_are_refused() {
    let mut jp2 = b"\0\0\0\x0CjP  \r\n\x87\n\0\0\0\x14ftypjp2 \0\0\0\0jp2 ".to_vec();
    jp2.extend_from_slice(&[0; 24]);
    let mut j2k = vec![0xFF, 0x4F, 0xFF, 0x51, 0, 41, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1];
    j2k.extend_from_slice(&[0; 24]);
    let mut bigtiff = b"II+\0\x08\0\0\0\x10\0\0\0\0\0\0\0".to_vec();
    bigtiff.extend_from_slice(&[0; 24]);
    let mut bigtiff_be = b"MM\0+\0\x08\0\0\0\0\0\0\0\0\0\x10".to_vec();
    bigtiff_be.extend_from_slice(&[0; 24]);
    let pgm_binary = b"P5\n1 1\n255\n\x80".to_vec();
    let ppm_binary = b"P6 1 1 255 \xff\0\0".to_vec();
    for (what, img) in [
        ("JPEG 2000", jp2),
        ("JPEG 2000 codestream", j2k),
        ("BigTIFF", bigtiff),
        ("BigTIFF big-endian", bigtiff_be),
        ("binary PGM", pgm_binary),
        ("binary PPM", ppm_binary),
    ] {
        assert_refused(&format!("{what} in base64"), &STANDARD.encode(&img));
        assert_refused(&format!("{what} in hex"), &hex::encode(&img));
        assert_refused(&format!("{what} in base32"), &base32(&img));
    }
    for (what, text) in [
        ("plain PGM", "P2\n2 2\n255\n0 255\n255 0\n"),
        ("plain PPM", "P3 1 1 255 255 0 0"),
        ("plain PBM", "P1\n# a comment\n2 2\n0 1\n1 0\n"),
        ("PAM", "P7\nWIDTH 1\nHEIGHT 1\nDEPTH 1\nMAXVAL 255\nENDHDR\n"),
        (
            "XPM",
            "/* XPM */\nstatic char * dot_xpm[] = {\n\"1 1 1 1\",\n\"a c #FF0000\",\n\"a\"};",
        ),
        (
            "XBM",
            "#define dot_width 1\n#define dot_height 1\nstatic char dot_bits[] = { 0x01 };",
        ),
        (
            "SVG",
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1\" height=\"1\"><rect width=\"1\" height=\"1\"/></svg>",
        ),
        ("SVG without a namespace", "<svg><circle r='5'/></svg>"),
        ("an SVG path alone", "<path d=\"M0 0 L10 10 Z\" />"),
        ("VML", "<v:oval style='width:10pt;height:10pt' fillcolor='red'/>"),
        ("VML element", "<vml:shape coordsize=\"21600,21600\"></vml:shape>"),
        ("PostScript", "%!PS-Adobe-3.0\n0 0 moveto 10 10 lineto stroke showpage"),
        ("EPS", "%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n"),
        ("TikZ", "\\begin{tikzpicture}\\draw (0,0) circle (1);\\end{tikzpicture}"),
    ] {
        assert_refused(what, text);
    }
}

/// A JPEG split across two fields: the guard cannot see the other field, so each half must be
/// refused on its own, and the second half carries no image header at all (only statistics can
/// refuse it).
#[test]
fn each_half_of_a_split_jpeg_is_refused_on_its_own() {
    let img = jpeg();
    for encoded in [
        STANDARD.encode(&img),
        hex::encode(&img),
        base32(&img),
        ascii85(&img),
    ] {
        let mid = encoded.len() / 2;
        for half in [&encoded[..mid], &encoded[mid..]] {
            assert_refused("half a JPEG", half);
            assert_refused("half a JPEG, spaced", &spaced(half, 5));
        }
    }
}

/// The prose layer does not depend on a header: random bytes in every encoding are refused
/// (this is what refuses an image format the matcher does not know).
#[test]
fn encoded_data_without_any_signature_is_refused() {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut bytes = Vec::new();
    for _ in 0..48 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.push(state as u8);
    }
    for (what, text) in [
        ("base64", STANDARD.encode(&bytes)),
        ("base64 in groups of 4", spaced(&STANDARD.encode(&bytes), 4)),
        (
            "base64 in groups of 12",
            spaced(&STANDARD.encode(&bytes), 12),
        ),
        ("hex in groups of 8", spaced(&hex::encode(&bytes), 8)),
        ("base32 in groups of 8", spaced(&base32(&bytes), 8)),
        ("ascii85 in groups of 10", spaced(&ascii85(&bytes), 10)),
        ("uuencode", uuencode(&bytes)),
        ("quoted-printable", quoted_printable(&bytes)),
        (
            "decimal list",
            bytes.iter().map(|b| format!("{b} ")).collect::<String>(),
        ),
    ] {
        assert_refused(what, &text);
    }
}

/// The text a DSL writes.
fn accepted() -> Vec<&'static str> {
    vec![
        // Names in many scripts.
        "Nguyễn Thị Minh Khai and Trần Văn Đức were both in the group chat.",
        "Łukasz Wróblewski, Zofia Szczęsna and Grzegorz Brzęczyszczykiewicz",
        "محمد عبد الله والدته فاطمة الزهراء",
        "王小明 (Wang Xiaoming) 和 李华 在操场上。２０２６年３月４日",
        "Rhodri ap Gwynfor, Angharad Llŷr, Siân Ffion Jones",
        "Siobhán Ní Bhriain, Pádraig Ó Súilleabháin, Áine Nic Giolla Phádraig",
        "राहुल शर्मा और प्रिया क्षत्रिय",
        "عائشہ خان اور عمران علی",
        "Αλέξανδρος Παπαδόπουλος, Дмитрий Иванов, Олена Коваленко",
        "Jürgen Müller, François Lefèvre, Søren Kierkegaard, Björk Guðmundsdóttir",
        "佐藤 花子 (さとう はなこ), 김민준, ศุภชัย",
        "Chukwuemeka Okonkwo-Adeyemi, Oluwaseun Adebayo",
        "Hebrew: יוסף כהן",
        // Web and e-mail addresses.
        "https://www.gov.uk/government/publications/keeping-children-safe-in-education--2",
        "Reported at https://www.ceop.police.uk/Safety-Centre/ on Tuesday.",
        "https://www.google.com/search?q=how+to+report+a+nude+image&sca_esv=6d2b7f1a3c&source=hp&ei=Zm9vZXhhbXBsZQ&iflsig=AL9hbdgAAAAAZkExampleTokenValue1234567890abcdef&oq=how+to+report&gs_lp=Egdnd3Mtd2l6Ig1ob3cgdG8gcmVwb3J0KgIIADIFEAAYgAQyBRAAGIAE&sclient=gws-wiz",
        "The video was at https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=PLFgquLnL59alCl_2TQvOiD5Vgm1hCaGSI&index=3&t=42s (not opened).",
        "https://drive.google.com/file/d/1aBcD3eFgHiJkLmNoPqRsTuVwXyZ012345/view?usp=sharing",
        "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NjA2YmE5ZTUtYzQ2Ny00ZmI1LWE3ZjAtMzIxNjU0OTg3NjU0%40thread.v2/0?context=%7b%22Tid%22%3a%22abcd%22%7d",
        "www.thinkuknow.co.uk and www.iwf.org.uk/report",
        "Emailed lado@example-council.gov.uk and safeguarding.lead@quillbrook.sch.uk at 09:14.",
        "Her Snapchat is xXdarkangel2009Xx and Instagram @the.real.one_",
        // Phone numbers.
        "Called 0161 496 0000, then 07700 900123, then +44 (0)20 7946 0958, then 101 and 999.",
        "Childline 0800 1111; NSPCC helpline 0808 800 5000; LADO on 01632 960 001 ext. 4412.",
        // References.
        "Police crime reference 01/234567/26; CAD 1234 of 04/03/2026; incident number 26000123456.",
        "Crime ref CR/2026/0012345/MET and occurrence number 14-0000123-26.",
        "UPN A123456789012, former UPN T801200012345 (temporary), ULN 1234567890.",
        "CEOP report ID CEOP-2026-03-004512; NCMEC CyberTipline report 187654321.",
        "IWF ref IWF-26-03-0042; MASH referral MASH/26/004512; EHCP ref EH-2026-00451.",
        "Evidence bag SB-20331, seal number 0049231, exhibit JB/1 and JB/2.",
        "Case 8f3a9c2e-1b7d-4e6f-9a0b-2c3d4e5f6a7b in the council's system.",
        "Postcode NE33 1TL, room B12, Year 9 (9Y2), KS3, form 10HB.",
        // Dates, times and money.
        "On 04/03/2026 at 10:42, then 2026-03-05T08:15:00Z, then Tues 5th March 2026 at 3.15pm.",
        "He was paid £20, then £150.50, then €40 and $25; the total was £215.50 (about 250 EUR).",
        "Scores 12 15 18 and 21; ages 13, 14 and 15; rooms 101 to 104.",
        // A long child's-words quote with no punctuation.
        "he said if i didnt send him one he would tell everyone at school that i already did and then he said he had screenshots of our chats and he would send them to my mum and my dad and my form tutor and i was really scared so i just stayed in my room all weekend and didnt eat anything and i didnt tell anyone until today because i thought it was my fault",
        // Policy text with abbreviations and a list.
        "KCSIE 2025 Part 1, paras 14-19; WTSC 2023 ch. 1; UKCIS (2024) 'Sharing nudes and semi-nudes'.",
        "Steps: 1. 2. 3. 4. 5. 6. 7. 8. 9. 10. 11. 12. 13. 14. then review.",
        "Timeline: 08:15 08:20 08:45 09:00 09:30 10:15 11:00 12:30 13:15 14:00 15:20",
        "Emoji he sent: 😀🙈❤️‍🔥 👩‍👩‍👧‍👦 🏳️‍🌈",
        "Persian: می‌خواهم به خانه بروم",
        "Hindi with a joiner: क्‍ष and र्‍य and र‍्य",
        "C:\\Users\\pupil\\AppData\\Local\\Packages\\Microsoft.WindowsCommunicationsApps_8wekyb3d8bbwe\\LocalState\\Files",
    ]
}

#[test]
fn the_seed_policies_sentences_are_accepted() {
    let prose = include_str!("fixtures/no-images/prose.txt");
    let lines: Vec<&str> = prose.lines().collect();
    assert!(lines.len() >= 400, "{} sentences", lines.len());
    for line in &lines {
        assert_eq!(check_text(line), Ok(()), "{line}");
    }
    // The whole extract as one note, too, and the statistics well below the limit.
    assert_eq!(check_text(prose), Ok(()));
    assert!(
        max_switches(prose) * 3 <= MAX_SWITCHES,
        "{}",
        max_switches(prose)
    );
}

#[test]
fn names_addresses_numbers_and_references_are_accepted() {
    for text in accepted() {
        assert_eq!(check_text(text), Ok(()), "{text} ({})", max_switches(text));
    }
    let all = accepted().join("\n");
    assert_eq!(check_text(&all), Ok(()));
}

#[test]
fn bidi_overrides_and_zero_width_characters_are_refused() {
    for (what, text) in [
        (
            "right-to-left override",
            "Payment to \u{202E}gpj.exe\u{202C} was made",
        ),
        ("left-to-right override", "a\u{202D}b"),
        ("embedding", "a\u{202A}b\u{202C}"),
        ("isolate", "name \u{2067}abc\u{2069}"),
        ("first-strong isolate", "\u{2068}x\u{2069}"),
        ("zero-width space", "pass\u{200B}word"),
        ("byte order mark", "\u{FEFF}Summary"),
        ("word joiner", "a\u{2060}b"),
        ("invisible separator", "a\u{2063}b"),
        ("joiner between ASCII letters", "se\u{200D}xt"),
        ("non-joiner between ASCII letters", "se\u{200C}xt"),
        ("joiner beside a space", "क \u{200D}ष"),
        ("joiner at the end", "क\u{200D}"),
        ("joiner at the start", "\u{200D}क"),
        ("two joiners", "क\u{200D}\u{200D}ष"),
    ] {
        assert_eq!(
            check_text(text),
            Err(Refusal::InvisibleCharacters),
            "{what}"
        );
    }
    let m = Refusal::InvisibleCharacters.message();
    assert!(m.contains("on screen and on paper"), "{m}");
    // Joiners where scripts and emoji need them, and direction marks, pass.
    for text in [
        "क्\u{200D}ष",
        "می\u{200C}خواهم",
        "👩\u{200D}👧",
        "❤\u{FE0F}\u{200D}🔥",
        "مرحبا\u{200F} (Year 9)",
        "abc\u{200E}",
    ] {
        assert_eq!(check_text(text), Ok(()), "{text:?}");
    }
}

#[test]
fn messages_say_why_in_words() {
    for r in [Refusal::EncodedData, Refusal::LongRun, Refusal::NumberList] {
        let m = r.message();
        assert!(
            m.contains("encoded data rather than words") && m.contains("never images or files"),
            "{m}"
        );
    }
    assert!(Refusal::VectorImage("SVG")
        .message()
        .contains("SVG drawing instructions"));
}

#[test]
fn every_door_refuses_an_image() {
    let png_b64 = STANDARD.encode(png());
    let spaced_b64 = spaced(&png_b64, 4);
    // Organisation and DSL names.
    for field in [Field::Organisation, Field::DslName] {
        let err = casebook::organisation::check_name(field, &spaced_b64).unwrap_err();
        assert_eq!(err.code(), ErrorCode::ImageRefused);
        let err = casebook::organisation::check_name(field, "Quill\u{202E}brook").unwrap_err();
        assert_eq!(err.code(), ErrorCode::ImageRefused);
        assert!(casebook::organisation::check_name(field, "Ysgol Gymraeg Bro Ŵyn").is_ok());
    }

    let f = new_vault();
    let mut s = f.unlock();
    let save = |s: &mut casebook::vault::Session, body: &str| {
        casebook::records::drafts::save(s, "new-incident", body)
    };
    // Drafts: string values, object keys, numbers and lists of numbers.
    assert!(save(
        &mut s,
        r#"{"summary":"Year 9, £20, 04/03/2026","count":3,"ids":[1,2]}"#
    )
    .is_ok());
    let bytes = png()
        .iter()
        .map(u8::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let digits: String = png().iter().map(|b| format!("{b:03}")).collect();
    for body in [
        format!(r#"{{"summary":"{spaced_b64}"}}"#),
        format!(r#"{{"{png_b64}":"x"}}"#),
        format!(r#"{{"nested":{{"{}":1}}}}"#, spaced(&base32(&png()), 8)),
        format!(r#"{{"bytes":[{bytes}]}}"#),
        format!(r#"{{"n":{digits}}}"#),
        r#"{"summary":"a\u202eb"}"#.to_owned(),
    ] {
        let err = save(&mut s, &body).unwrap_err();
        assert_eq!(err.code(), ErrorCode::ImageRefused, "{body}");
    }
}

/// A template carrying an image, in a comment, the title, the summary or a source, is refused.
#[test]
fn a_template_carrying_an_image_is_refused() {
    let good = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/checklists/sharing-nudes.toml"
    ))
    .unwrap();
    assert!(casebook::checklists::template::parse("sharing-nudes.toml", &good).is_ok());
    let png_b64 = STANDARD.encode(png());
    let title_line = good
        .lines()
        .find(|l| l.starts_with("title"))
        .unwrap()
        .to_owned();
    let summary_line = good
        .lines()
        .find(|l| l.starts_with("summary"))
        .unwrap()
        .to_owned();
    for bad in [
        format!("# {}\n{good}", spaced(&png_b64, 4)),
        format!("{good}\n# <svg><circle r='1'/></svg>\n"),
        good.replacen(&title_line, &format!("title = \"{png_b64}\""), 1),
        good.replacen(&summary_line, "summary = \"Summary \\u202E reversed\"", 1),
        good.replacen(
            &title_line,
            &format!("{title_line} # {}", base32(&png())),
            1,
        ),
    ] {
        let errors = casebook::checklists::template::parse("bad.toml", &bad).unwrap_err();
        assert!(
            errors
                .iter()
                .any(|e| e.message.contains("never stores images")
                    || e.message.contains("invisible characters")),
            "{errors:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5afe_9a2d),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Any bytes (an image the matcher does not know) of 48 to 200 bytes, base64-encoded and cut
    /// into groups of any size, with ordinary words around, are refused.
    #[test]
    fn any_grouping_of_encoded_bytes_is_refused(
        bytes in proptest::collection::vec(any::<u8>(), 48..200),
        every in 3usize..40,
        encoding in 0usize..3,
    ) {
        let encoded = match encoding {
            0 => STANDARD.encode(&bytes),
            1 => hex::encode(&bytes),
            _ => base32(&bytes),
        };
        let text = format!("She said {} and left.", spaced(&encoded, every));
        prop_assert!(check_text(&text).is_err(), "accepted: {}", text);
    }

    /// Sentences built from words of the seed policies are accepted in any order.
    #[test]
    fn shuffled_policy_words_are_accepted(picks in proptest::collection::vec(0usize..10_000, 1..200)) {
        let words: Vec<&str> = include_str!("fixtures/no-images/prose.txt").split_whitespace().collect();
        let text = picks.iter().map(|&i| words[i % words.len()]).collect::<Vec<_>>().join(" ");
        prop_assert_eq!(check_text(&text), Ok(()));
    }
}

/// Casebook's own demo data (many seeds, every generator) passes the guard it is written through.
#[test]
fn demo_data_passes_the_guard() {
    let f = new_demo_vault();
    let mut s = f.unlock();
    for seed in [1, 7, 99] {
        casebook::demo::fill(&mut s, 12, seed).unwrap();
    }
}
