//! A small page-layout layer over printpdf, shared by blank checklists and referral summaries.
//!
//! Text only, by construction: this module has no way to place an image. It embeds DejaVu Sans
//! (`assets/fonts/`, full Latin and Vietnamese coverage) so names in any of those scripts print
//! exactly, wraps long text by measuring glyph advances, flows onto new pages, and stamps a
//! header and "page N of M" footer on every page once the page count is known.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use printpdf::{
    Color, Line, LinePoint, Mm, Op, PaintMode, ParsedFont, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Polygon, PolygonRing, Pt, Rgb, TextItem, WindingOrder,
};

use crate::{Error, Result};

const REGULAR_TTF: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
const BOLD_TTF: &[u8] = include_bytes!("../assets/fonts/DejaVuSans-Bold.ttf");

/// Parsed once: parsing a 700 KB font takes a few milliseconds.
static FONTS: LazyLock<Option<(ParsedFont, ParsedFont)>> = LazyLock::new(|| {
    let regular = ParsedFont::from_bytes(REGULAR_TTF, 0, &mut Vec::new())?;
    let bold = ParsedFont::from_bytes(BOLD_TTF, 0, &mut Vec::new())?;
    Some((regular, bold))
});

/// A4 in points.
pub const PAGE_WIDTH: f32 = 595.28;
pub const PAGE_HEIGHT: f32 = 841.89;
pub const MARGIN: f32 = 56.0;
const HEADER_SPACE: f32 = 40.0;
const FOOTER_SPACE: f32 = 36.0;

/// Which of the two embedded faces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    Regular,
    Bold,
}

/// A text style.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Style {
    pub face: Face,
    pub size: f32,
    pub grey: f32,
}

impl Style {
    pub const BODY: Style = Style {
        face: Face::Regular,
        size: 10.5,
        grey: 0.0,
    };
    pub const SMALL: Style = Style {
        face: Face::Regular,
        size: 8.5,
        grey: 0.3,
    };
    pub const LABEL: Style = Style {
        face: Face::Bold,
        size: 10.5,
        grey: 0.0,
    };
    pub const H1: Style = Style {
        face: Face::Bold,
        size: 17.0,
        grey: 0.0,
    };
    pub const H2: Style = Style {
        face: Face::Bold,
        size: 13.0,
        grey: 0.0,
    };

    fn line_height(self) -> f32 {
        self.size * 1.35
    }
}

/// A colour for drawn shapes, red, green and blue from 0 to 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ink {
    pub r: f32,
    pub g: f32,
    pub b: f32,
}

impl Ink {
    pub const BLACK: Ink = Ink {
        r: 0.0,
        g: 0.0,
        b: 0.0,
    };
    pub const GREY: Ink = Ink {
        r: 0.6,
        g: 0.6,
        b: 0.6,
    };

    fn color(self) -> Color {
        Color::Rgb(Rgb {
            r: self.r,
            g: self.g,
            b: self.b,
            icc_profile: None,
        })
    }
}

/// A vector shape of a drawing (a chart), in points from the bottom-left corner of the block
/// reserved for it. Paths and text only: there is no way to place an image.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// A filled rectangle.
    Bar {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        ink: Ink,
    },
    /// A rectangle's outline (a value known only as a range).
    Outline {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        ink: Ink,
    },
    /// A line through the points.
    Line {
        points: Vec<(f32, f32)>,
        ink: Ink,
        thickness: f32,
    },
    /// One line of text, its baseline at `y`.
    Text {
        x: f32,
        y: f32,
        text: String,
        style: Style,
    },
}

/// What goes at the top and bottom of every page.
#[derive(Debug, Clone)]
pub struct Furniture {
    /// Left of the header, bold (e.g. the protective marking).
    pub marking: String,
    /// Right of the header (organisation, reference, recipient).
    pub header: String,
    /// Left of the footer; "page N of M" is added on the right.
    pub footer: String,
}

/// Lays out text onto A4 pages.
pub struct Layout {
    fonts: &'static (ParsedFont, ParsedFont),
    pages: Vec<Vec<Op>>,
    /// Distance from the bottom of the page to the top of the next line.
    y: f32,
    furniture: Furniture,
}

/// Where a signature widget may be placed (issue: the visible signature block).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Area {
    /// 0-based page index.
    pub page: usize,
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

impl Layout {
    pub fn new(furniture: Furniture) -> Result<Self> {
        let fonts = FONTS
            .as_ref()
            .ok_or_else(|| Error::Internal("the embedded fonts could not be read".into()))?;
        let mut l = Layout {
            fonts,
            pages: Vec::new(),
            y: 0.0,
            furniture,
        };
        l.new_page();
        Ok(l)
    }

    fn font(&self, face: Face) -> &ParsedFont {
        match face {
            Face::Regular => &self.fonts.0,
            Face::Bold => &self.fonts.1,
        }
    }

    /// The width of `text` in points.
    pub fn width(&self, text: &str, style: Style) -> f32 {
        let font = self.font(style.face);
        let upm = f32::from(font.pdf_font_metrics.units_per_em.max(1));
        let units: usize = text
            .chars()
            .map(|c| {
                font.lookup_glyph_index(c as u32)
                    .and_then(|g| font.get_glyph_width_internal(g))
                    .unwrap_or(500)
            })
            .sum();
        units as f32 * style.size / upm
    }

    pub fn content_width(&self) -> f32 {
        PAGE_WIDTH - 2.0 * MARGIN
    }

    fn bottom(&self) -> f32 {
        MARGIN + FOOTER_SPACE
    }

    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = PAGE_HEIGHT - MARGIN - HEADER_SPACE;
    }

    /// Starts a new page unless `height` more points fit on this one.
    pub fn keep(&mut self, height: f32) {
        if self.y - height < self.bottom() {
            self.new_page();
        }
    }

    pub fn gap(&mut self, points: f32) {
        self.y -= points;
        if self.y < self.bottom() {
            self.new_page();
        }
    }

    fn page(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn text_ops(&self, x: f32, y: f32, text: &str, style: Style) -> Vec<Op> {
        let id = match style.face {
            Face::Regular => "F1",
            Face::Bold => "F2",
        };
        vec![
            Op::StartTextSection,
            Op::SetFillColor {
                col: grey(style.grey),
            },
            Op::SetFont {
                font: PdfFontHandle::External(printpdf::FontId(id.to_owned())),
                size: Pt(style.size),
            },
            Op::SetTextCursor {
                pos: Point { x: Pt(x), y: Pt(y) },
            },
            Op::ShowText {
                items: vec![TextItem::Text(text.to_owned())],
            },
            Op::EndTextSection,
        ]
    }

    /// Splits text into lines that fit `width`, keeping the author's line breaks. A word
    /// longer than a line (a URL, say) is broken by characters, so nothing is ever cut off.
    pub fn wrap(&self, text: &str, style: Style, width: f32) -> Vec<String> {
        self.wrap_hanging(text, style, width, width)
    }

    /// [`Layout::wrap`], with the first line `first` wide and every other line `rest` wide (a
    /// value that starts after its label on the same line).
    pub fn wrap_hanging(&self, text: &str, style: Style, first: f32, rest: f32) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let width = |out: &Vec<String>| if out.is_empty() { first } else { rest };
        for para in text.split('\n') {
            let mut line = String::new();
            for word in para.split(' ') {
                let candidate = if line.is_empty() {
                    word.to_owned()
                } else {
                    format!("{line} {word}")
                };
                if self.width(&candidate, style) <= width(&out) {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    out.push(std::mem::take(&mut line));
                }
                // The word alone: break it by characters if it is still too wide.
                for c in word.chars() {
                    let mut next = line.clone();
                    next.push(c);
                    if !line.is_empty() && self.width(&next, style) > width(&out) {
                        out.push(std::mem::take(&mut line));
                        line.push(c);
                    } else {
                        line = next;
                    }
                }
            }
            out.push(line);
        }
        out
    }

    /// Writes wrapped text at the left margin plus `indent`, flowing across pages.
    pub fn text(&mut self, text: &str, style: Style, indent: f32) {
        let width = self.content_width() - indent;
        for line in self.wrap(&clean(text), style, width) {
            self.keep(style.line_height());
            let baseline = self.y - style.size;
            let ops = self.text_ops(MARGIN + indent, baseline, &line, style);
            self.page().extend(ops);
            self.y -= style.line_height();
        }
    }

    /// How tall `text` is when written by [`Layout::text`] with `indent`.
    pub fn height(&self, text: &str, style: Style, indent: f32) -> f32 {
        let lines = self.wrap(&clean(text), style, self.content_width() - indent);
        lines.len() as f32 * style.line_height()
    }

    /// Keeps `height` points together on one page when they fit on a page at all; a block
    /// taller than a page starts where it is and flows.
    pub fn keep_together(&mut self, height: f32) {
        let page = PAGE_HEIGHT - 2.0 * MARGIN - HEADER_SPACE - FOOTER_SPACE;
        if height <= page {
            self.keep(height);
        }
    }

    /// "Label: value", the label in bold and the value after it on the same line, its further
    /// lines under the label, slightly indented; kept on one page. On one baseline, extracted
    /// text (a screen reader, a copy into a case system, `pdftotext`) reads each label with its
    /// own value; a label column beside a value column reads as all the labels, then all the
    /// values.
    pub fn field(&mut self, label: &str, value: &str) {
        const HANG: f32 = 12.0;
        let value = if value.trim().is_empty() {
            "—".to_owned()
        } else {
            clean(value)
        };
        let label = format!("{}:", clean(label));
        let after_label = self.width(&format!("{label} "), Style::LABEL);
        // A label too long to leave a fair width beside it: the value goes under it.
        let separate = after_label > self.content_width() * 0.6;
        let first = if separate {
            self.content_width() - HANG
        } else {
            self.content_width() - after_label
        };
        let lines = self.wrap_hanging(&value, Style::BODY, first, self.content_width() - HANG);
        let rows = lines.len() + usize::from(separate);
        self.keep_together(rows as f32 * Style::BODY.line_height());
        if separate {
            self.text(&label, Style::LABEL, 0.0);
        }
        for (i, v) in lines.iter().enumerate() {
            self.keep(Style::BODY.line_height());
            let baseline = self.y - Style::BODY.size;
            let x = if i == 0 && !separate {
                let ops = self.text_ops(MARGIN, baseline, &label, Style::LABEL);
                self.page().extend(ops);
                MARGIN + after_label
            } else {
                MARGIN + HANG
            };
            let ops = self.text_ops(x, baseline, v, Style::BODY);
            self.page().extend(ops);
            self.y -= Style::BODY.line_height();
        }
    }

    /// A label with a ruled line to write the value on.
    pub fn blank_field(&mut self, label: &str) {
        let label_width = 150.0;
        self.keep(24.0);
        self.y -= 18.0;
        let y = self.y;
        let ops = self.text_ops(MARGIN, y + 2.0, label, Style::LABEL);
        self.page().extend(ops);
        self.page().extend(rule_ops(
            MARGIN + label_width,
            PAGE_WIDTH - MARGIN,
            y,
            0.4,
            0.55,
        ));
        self.y -= 4.0;
    }

    /// How tall an [`Layout::entry`] is.
    pub fn entry_height(&self, heading: &str, lines: &[String]) -> f32 {
        self.height(heading, Style::LABEL, 0.0)
            + lines
                .iter()
                .map(|line| self.height(line, Style::BODY, 12.0))
                .sum::<f32>()
    }

    /// A dated entry: its heading in bold and its lines indented under it, read as one thing,
    /// so never split across pages unless it is longer than a page.
    pub fn entry(&mut self, heading: &str, lines: &[String]) {
        self.keep_together(self.entry_height(heading, lines));
        self.text(heading, Style::LABEL, 0.0);
        for line in lines {
            self.text(line, Style::BODY, 12.0);
        }
        self.gap(4.0);
    }

    /// A heading, kept with the `next` points that follow it (its first item), so that it is
    /// never left alone at the foot of a page.
    pub fn heading_with(&mut self, text: &str, style: Style, next: f32) {
        let own = style.size * 0.6 + self.height(text, style, 0.0) + 2.0;
        self.keep_together(own + next);
        self.heading(text, style);
    }

    pub fn heading(&mut self, text: &str, style: Style) {
        self.keep(style.line_height() * 3.0);
        self.gap(style.size * 0.6);
        self.text(text, style, 0.0);
        self.gap(2.0);
    }

    /// A horizontal rule across the content width.
    pub fn rule(&mut self) {
        self.gap(4.0);
        let y = self.y;
        self.page()
            .extend(rule_ops(MARGIN, PAGE_WIDTH - MARGIN, y, 0.5, 0.6));
        self.gap(6.0);
    }

    /// An empty box to tick, then the text beside it.
    pub fn checkbox(&mut self, text: &str, style: Style) {
        self.keep(style.line_height());
        let size = style.size * 0.9;
        let top = self.y - 1.5;
        let ops = box_ops(MARGIN, top - size, size, size);
        self.page().extend(ops);
        self.text(text, style, size + 8.0);
    }

    /// Ruled lines to write on.
    pub fn writing_lines(&mut self, count: usize) {
        for _ in 0..count {
            self.keep(22.0);
            self.y -= 20.0;
            let y = self.y;
            self.page()
                .extend(rule_ops(MARGIN, PAGE_WIDTH - MARGIN, y, 0.4, 0.55));
            self.y -= 2.0;
        }
        self.gap(4.0);
    }

    /// Reserves a framed block of `height` points (kept on one page) and returns where it is.
    pub fn block(&mut self, height: f32) -> Area {
        self.keep(height + 4.0);
        let top = self.y;
        let area = Area {
            page: self.pages.len() - 1,
            x: MARGIN,
            y: top - height,
            width: self.content_width(),
            height,
        };
        self.page()
            .extend(box_ops(area.x, area.y, area.width, area.height));
        area
    }

    /// Writes text inside a reserved block, from its top-left corner.
    pub fn text_in(&mut self, area: Area, lines: &[(String, Style)]) {
        let mut y = area.y + area.height - 8.0;
        for (text, style) in lines {
            for line in self.wrap(&clean(text), *style, area.width - 16.0) {
                y -= style.line_height();
                if y < area.y + 2.0 {
                    return;
                }
                let ops = self.text_ops(area.x + 8.0, y + style.size * 0.3, &line, *style);
                if let Some(page) = self.pages.get_mut(area.page) {
                    page.extend(ops);
                }
            }
        }
    }

    /// Reserves `height` points of the content width (kept on one page, unframed) and draws
    /// `shapes` in it, positioned from its bottom-left corner; then moves below it.
    pub fn drawing(&mut self, height: f32, shapes: &[Shape]) {
        self.keep(height + 4.0);
        let (x0, y0) = (MARGIN, self.y - height);
        let mut ops = Vec::new();
        for shape in shapes {
            match shape {
                Shape::Bar {
                    x,
                    y,
                    width,
                    height,
                    ink,
                } => {
                    let (x, y) = (x0 + x, y0 + y);
                    ops.push(Op::SetFillColor { col: ink.color() });
                    ops.push(Op::DrawPolygon {
                        polygon: Polygon {
                            rings: vec![PolygonRing {
                                points: vec![
                                    point(x, y),
                                    point(x + width, y),
                                    point(x + width, y + height),
                                    point(x, y + height),
                                ],
                            }],
                            mode: PaintMode::Fill,
                            winding_order: WindingOrder::NonZero,
                        },
                    });
                }
                Shape::Outline {
                    x,
                    y,
                    width,
                    height,
                    ink,
                } => {
                    let (x, y) = (x0 + x, y0 + y);
                    ops.push(Op::SetOutlineColor { col: ink.color() });
                    ops.push(Op::SetOutlineThickness { pt: Pt(0.8) });
                    ops.push(Op::DrawLine {
                        line: Line {
                            points: vec![
                                point(x, y),
                                point(x + width, y),
                                point(x + width, y + height),
                                point(x, y + height),
                            ],
                            is_closed: true,
                        },
                    });
                }
                Shape::Line {
                    points,
                    ink,
                    thickness,
                } => {
                    ops.push(Op::SetOutlineColor { col: ink.color() });
                    ops.push(Op::SetOutlineThickness { pt: Pt(*thickness) });
                    ops.push(Op::DrawLine {
                        line: Line {
                            points: points.iter().map(|(x, y)| point(x0 + x, y0 + y)).collect(),
                            is_closed: false,
                        },
                    });
                }
                Shape::Text { x, y, text, style } => {
                    ops.extend(self.text_ops(x0 + x, y0 + y, &clean(text), *style));
                }
            }
        }
        self.page().extend(ops);
        self.y = y0;
        self.gap(6.0);
    }

    /// Moves below a block written with [`Layout::text_in`].
    pub fn after(&mut self, area: Area) {
        self.y = area.y;
        self.gap(8.0);
    }

    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// Adds the header and footer to every page and serialises the document.
    pub fn finish(mut self, title: &str, author: &str, at: DateTime<Utc>) -> Result<Vec<u8>> {
        let total = self.pages.len();
        let furniture = self.furniture.clone();
        for n in 0..total {
            let mut ops = Vec::new();
            let top = PAGE_HEIGHT - MARGIN + 8.0;
            ops.extend(self.text_ops(MARGIN, top, &furniture.marking, Style::LABEL));
            // The header takes what the marking leaves on its line; when a long marking (a
            // demo vault's) leaves too little, it goes on a line of its own above.
            let marking_w = self.width(&furniture.marking, Style::LABEL);
            let header = clean(&furniture.header);
            let room = self.content_width() - marking_w - 16.0;
            let (header, header_y) = if room >= 160.0 {
                (fit(&self, &header, Style::SMALL, room), top)
            } else {
                (
                    fit(&self, &header, Style::SMALL, self.content_width()),
                    top + 11.0,
                )
            };
            let w = self.width(&header, Style::SMALL);
            ops.extend(self.text_ops(PAGE_WIDTH - MARGIN - w, header_y, &header, Style::SMALL));
            ops.extend(rule_ops(MARGIN, PAGE_WIDTH - MARGIN, top - 6.0, 0.5, 0.4));
            let bottom = MARGIN - 4.0;
            ops.extend(rule_ops(
                MARGIN,
                PAGE_WIDTH - MARGIN,
                bottom + 14.0,
                0.5,
                0.4,
            ));
            let footer = fit(
                &self,
                &clean(&furniture.footer),
                Style::SMALL,
                self.content_width() - 90.0,
            );
            ops.extend(self.text_ops(MARGIN, bottom, &footer, Style::SMALL));
            let page_no = format!("page {} of {}", n + 1, total);
            let w = self.width(&page_no, Style::SMALL);
            ops.extend(self.text_ops(PAGE_WIDTH - MARGIN - w, bottom, &page_no, Style::SMALL));
            // The marking again at the foot, as protective markings are shown.
            let mark_w = self.width(&furniture.marking, Style::SMALL);
            ops.extend(self.text_ops(
                (PAGE_WIDTH - mark_w) / 2.0,
                bottom - 12.0,
                &furniture.marking,
                Style::SMALL,
            ));
            self.pages[n].extend(ops);
        }

        let mut doc = PdfDocument::new(title);
        let regular = doc.add_font(&self.fonts.0);
        let bold = doc.add_font(&self.fonts.1);
        let pages: Vec<PdfPage> = std::mem::take(&mut self.pages)
            .into_iter()
            .map(|ops| {
                let ops = ops
                    .into_iter()
                    .map(|op| match op {
                        Op::SetFont {
                            font: PdfFontHandle::External(id),
                            size,
                        } => Op::SetFont {
                            font: PdfFontHandle::External(if id.0 == "F2" {
                                bold.clone()
                            } else {
                                regular.clone()
                            }),
                            size,
                        },
                        other => other,
                    })
                    .collect();
                PdfPage::new(Mm::from(Pt(PAGE_WIDTH)), Mm::from(Pt(PAGE_HEIGHT)), ops)
            })
            .collect();
        let when = printpdf::date::OffsetDateTime::from_unix_timestamp(at.timestamp())
            .map_err(|e| Error::Internal(format!("PDF date: {e}")))?;
        doc.metadata.info.creation_date = when;
        doc.metadata.info.modification_date = when;
        doc.metadata.info.metadata_date = when;
        doc.metadata.info.author = author.to_owned();
        doc.metadata.info.creator = "Casebook".to_owned();
        doc.metadata.info.producer = "Casebook (printpdf)".to_owned();
        let bytes = doc
            .with_pages(pages)
            .save(&PdfSaveOptions::default(), &mut Vec::new());
        Ok(bytes)
    }
}

/// Shortens a one-line text with an ellipsis so it fits `width`.
fn fit(l: &Layout, text: &str, style: Style, width: f32) -> String {
    if l.width(text, style) <= width {
        return text.to_owned();
    }
    let mut out: String = String::new();
    for c in text.chars() {
        let mut next = out.clone();
        next.push(c);
        next.push('…');
        if l.width(&next, style) > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// Tabs become spaces and other control characters go: the PDF shows what can be printed.
fn clean(text: &str) -> String {
    text.replace('\t', "    ")
        .replace("\r\n", "\n")
        .chars()
        .filter(|c| *c == '\n' || !c.is_control())
        .collect()
}

fn grey(level: f32) -> Color {
    Color::Rgb(Rgb {
        r: level,
        g: level,
        b: level,
        icc_profile: None,
    })
}

fn point(x: f32, y: f32) -> LinePoint {
    LinePoint {
        p: Point { x: Pt(x), y: Pt(y) },
        bezier: false,
    }
}

fn rule_ops(x1: f32, x2: f32, y: f32, thickness: f32, level: f32) -> Vec<Op> {
    vec![
        Op::SetOutlineColor { col: grey(level) },
        Op::SetOutlineThickness { pt: Pt(thickness) },
        Op::DrawLine {
            line: Line {
                points: vec![point(x1, y), point(x2, y)],
                is_closed: false,
            },
        },
    ]
}

fn box_ops(x: f32, y: f32, w: f32, h: f32) -> Vec<Op> {
    vec![
        Op::SetOutlineColor { col: grey(0.2) },
        Op::SetOutlineThickness { pt: Pt(0.8) },
        Op::DrawLine {
            line: Line {
                points: vec![
                    point(x, y),
                    point(x + w, y),
                    point(x + w, y + h),
                    point(x, y + h),
                ],
                is_closed: true,
            },
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> Layout {
        Layout::new(Furniture {
            marking: "OFFICIAL-SENSITIVE".into(),
            header: "Header".into(),
            footer: "Footer".into(),
        })
        .unwrap()
    }

    #[test]
    fn the_embedded_fonts_measure_latin_and_vietnamese() {
        let l = layout();
        for c in ['a', 'Ł', 'ễ', 'Á', 'ø', '⚠', '☐'] {
            assert!(
                l.fonts.0.lookup_glyph_index(c as u32).is_some(),
                "no glyph for {c}"
            );
        }
        assert!(l.width("Nguyễn Thị Ánh", Style::BODY) > l.width("Nguyen", Style::BODY));
    }

    #[test]
    fn wrapping_keeps_every_character_and_fits_the_width() {
        let l = layout();
        let text = format!(
            "{} https://example.invalid/{}",
            "Łukasz said it happened after school. ".repeat(20),
            "x".repeat(300)
        );
        let lines = l.wrap(&text, Style::BODY, 300.0);
        for line in &lines {
            assert!(l.width(line, Style::BODY) <= 300.5, "{line}");
        }
        let rejoined: String = lines.concat().chars().filter(|c| *c != ' ').collect();
        let original: String = text.chars().filter(|c| *c != ' ').collect();
        assert_eq!(rejoined, original);
    }
}
