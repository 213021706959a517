//! The trends report as a signed PDF for leaders and governors: the sentences, then each table
//! drawn as a chart (vector paths: bars, and a line for months) with its figures written
//! beside every bar, the times, how to read the figures, and the signature block. Counts and
//! vocabulary only, as [`super::publish`] made them.
//!
//! Colours are the Okabe–Ito blue and orange: told apart with every common colour-vision
//! deficiency, and in greyscale (dark and light). A figure known only as a range ("fewer than
//! 5") is drawn as an outline up to the most it can be, never as a solid bar.

use chrono::Utc;

use super::publish::{Figure, Report, Row, Table};
use crate::pdf::{Face, Furniture, Ink, Layout, Shape, Style};
use crate::referral::sign;
use crate::vault::Session;
use crate::{Error, Result};

/// This period: Okabe–Ito blue (dark in greyscale).
const NOW: Ink = Ink {
    r: 0.0,
    g: 0.447,
    b: 0.698,
};
/// The period before: Okabe–Ito orange (light in greyscale).
const BEFORE: Ink = Ink {
    r: 0.902,
    g: 0.624,
    b: 0.0,
};

const LABEL_WIDTH: f32 = 170.0;
const VALUE_WIDTH: f32 = 120.0;
const ROW_HEIGHT: f32 = 17.0;

const SMALL: Style = Style {
    face: Face::Regular,
    size: 8.0,
    grey: 0.0,
};

/// Who signs, as the signature block shows it: the same block as a referral's.
pub use crate::referral::render::Signer;

/// The drawn, unsigned report and where its signature block is.
pub struct Rendered {
    pub pdf: Vec<u8>,
    pub signature: crate::pdf::Area,
}

/// The top of a chart's scale: the largest figure can reach, up to a multiple of 5 (an axis
/// labelled with a figure's exact upper bound would say more than the figure).
fn scale_max(rows: &[&Row]) -> f32 {
    let most = rows
        .iter()
        .flat_map(|r| [r.now, r.before])
        .filter(|f| *f != Figure::Withheld)
        .map(|f| f.bounds().1)
        .max()
        .unwrap_or(0);
    (most.div_ceil(5).max(1) * 5) as f32
}

/// One bar for a figure: solid to the least it can be, outlined to the most.
fn bar(f: Figure, x: f32, y: f32, scale: f32, height: f32, ink: Ink) -> Vec<Shape> {
    if f == Figure::Withheld {
        return Vec::new();
    }
    let (low, high) = f.bounds();
    // "About 10" is surely 8 (solid) and at most 12 (outlined); "fewer than 5" only outlined.
    let sure = match f {
        Figure::FewerThanFive | Figure::Withheld => 0,
        _ => low,
    };
    let mut out = Vec::new();
    if sure > 0 {
        out.push(Shape::Bar {
            x,
            y,
            width: sure as f32 * scale,
            height,
            ink,
        });
    }
    if high > sure && low != high {
        out.push(Shape::Outline {
            x: x + sure as f32 * scale,
            y,
            width: (high - sure) as f32 * scale,
            height,
            ink,
        });
    }
    out
}

/// A horizontal bar chart: a row per label, this period's bar above the period before's, and
/// both figures written at the right.
fn bars(l: &mut Layout, table: &Table) {
    let rows: Vec<&Row> = table.rows.iter().chain(table.total.iter()).collect();
    let plotted: Vec<&Row> = table.rows.iter().collect();
    let width = l.content_width() - LABEL_WIDTH - VALUE_WIDTH;
    let scale = width / scale_max(&plotted);
    let height = ROW_HEIGHT * rows.len() as f32 + 4.0;
    let mut shapes = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let top = height - ROW_HEIGHT * i as f32;
        let total = Some(*row) == table.total.as_ref();
        let style = if total { Style::LABEL } else { SMALL };
        let label = fit(l, &row.label, style, LABEL_WIDTH - 6.0);
        shapes.push(Shape::Text {
            x: 0.0,
            y: top - 11.0,
            text: label,
            style: Style { size: 8.0, ..style },
        });
        if !total {
            shapes.extend(bar(row.now, LABEL_WIDTH, top - 8.0, scale, 6.0, NOW));
            shapes.extend(bar(row.before, LABEL_WIDTH, top - 14.5, scale, 5.0, BEFORE));
        }
        shapes.push(Shape::Text {
            x: LABEL_WIDTH + width + 8.0,
            y: top - 11.0,
            text: format!("{}  ·  before {}", row.now.text(), row.before.text()),
            style: Style { size: 8.0, ..style },
        });
    }
    // The axis.
    shapes.push(Shape::Line {
        points: vec![(LABEL_WIDTH, 2.0), (LABEL_WIDTH, height)],
        ink: Ink::GREY,
        thickness: 0.5,
    });
    l.drawing(height, &shapes);
}

/// A line chart of the months: this period and the period before, month by month, then the
/// figures in a table beneath.
fn months(l: &mut Layout, table: &Table) {
    let plotted: Vec<&Row> = table.rows.iter().collect();
    if plotted.is_empty() {
        return;
    }
    let (chart_h, axis_w) = (120.0, 28.0);
    let width = l.content_width() - axis_w - 8.0;
    let max = scale_max(&plotted);
    let step = if plotted.len() > 1 {
        width / (plotted.len() - 1) as f32
    } else {
        width
    };
    let y_of = |f: Figure| {
        let (low, high) = f.bounds();
        16.0 + (low as f32 + high as f32) / 2.0 / max * (chart_h - 24.0)
    };
    let mut shapes = vec![
        Shape::Line {
            points: vec![(axis_w, 16.0), (axis_w + width, 16.0)],
            ink: Ink::GREY,
            thickness: 0.5,
        },
        Shape::Text {
            x: 0.0,
            y: chart_h - 10.0,
            text: format!("{max:.0}"),
            style: SMALL,
        },
        Shape::Text {
            x: 0.0,
            y: 14.0,
            text: "0".into(),
            style: SMALL,
        },
    ];
    for (series, ink, thickness) in [(0, BEFORE, 1.0), (1, NOW, 1.8)] {
        let mut points = Vec::new();
        for (i, row) in plotted.iter().enumerate() {
            let f = if series == 1 { row.now } else { row.before };
            if f == Figure::Withheld {
                continue;
            }
            let (x, y) = (axis_w + step * i as f32, y_of(f));
            points.push((x, y));
            // A solid mark for a figure, an outline for one known only as a range.
            let mark = if f.hides() && !matches!(f, Figure::About { .. }) {
                Shape::Outline {
                    x: x - 2.5,
                    y: y - 2.5,
                    width: 5.0,
                    height: 5.0,
                    ink,
                }
            } else {
                Shape::Bar {
                    x: x - 2.0,
                    y: y - 2.0,
                    width: 4.0,
                    height: 4.0,
                    ink,
                }
            };
            shapes.push(mark);
        }
        if points.len() > 1 {
            shapes.push(Shape::Line {
                points,
                ink,
                thickness,
            });
        }
    }
    // Month initials under the axis, every month when they fit.
    let every = (plotted.len() / 13) + 1;
    for (i, row) in plotted.iter().enumerate().step_by(every) {
        shapes.push(Shape::Text {
            x: axis_w + step * i as f32 - 6.0,
            y: 4.0,
            text: row.label.chars().take(3).collect(),
            style: SMALL,
        });
    }
    l.drawing(chart_h, &shapes);
    for row in table.rows.iter().chain(table.total.iter()) {
        let before = match &row.before_label {
            Some(b) => format!("{} ({b})", row.before.text()),
            None => row.before.text(),
        };
        l.field(
            &row.label,
            &format!("{}  ·  before {}", row.now.text(), before),
        );
    }
}

/// Shortens `text` with "…" until it fits `width`.
fn fit(l: &Layout, text: &str, style: Style, width: f32) -> String {
    if l.width(text, style) <= width {
        return text.to_owned();
    }
    let mut s: String = text.to_owned();
    while !s.is_empty() && l.width(&format!("{s}…"), style) > width {
        s.pop();
    }
    format!("{}…", s.trim_end())
}

fn key(l: &mut Layout) {
    l.drawing(
        14.0,
        &[
            Shape::Bar {
                x: 0.0,
                y: 3.0,
                width: 14.0,
                height: 7.0,
                ink: NOW,
            },
            Shape::Text {
                x: 18.0,
                y: 3.5,
                text: "This period".into(),
                style: SMALL,
            },
            Shape::Bar {
                x: 90.0,
                y: 3.0,
                width: 14.0,
                height: 7.0,
                ink: BEFORE,
            },
            Shape::Text {
                x: 108.0,
                y: 3.5,
                text: "The period before".into(),
                style: SMALL,
            },
            Shape::Outline {
                x: 200.0,
                y: 3.0,
                width: 14.0,
                height: 7.0,
                ink: Ink::BLACK,
            },
            Shape::Text {
                x: 218.0,
                y: 3.5,
                text: "an outline: a range (\"fewer than 5\")".into(),
                style: SMALL,
            },
        ],
    );
}

/// Draws the report (unsigned).
pub fn render(report: &Report, signer: &Signer, demo: bool) -> Result<Rendered> {
    let schools = report.schools.join(", ");
    let mut l = Layout::new(Furniture {
        marking: crate::organisation::marking("OFFICIAL", demo),
        header: format!("{schools} · online safety trends"),
        footer: format!(
            "Casebook trends report, {}, digitally signed by {}",
            report.period.describe(),
            signer.name
        ),
    })?;
    l.text("Online safety trends", Style::H1, 0.0);
    l.text(&schools, Style::LABEL, 0.0);
    l.text(
        &format!(
            "{}, compared with {} · prepared {}",
            report.period.describe(),
            report.before.describe(),
            crate::time::uk(signer.at)
        ),
        Style::SMALL,
        0.0,
    );
    l.heading("What changed", Style::H2);
    for s in &report.sentences {
        l.text(s, Style::BODY, 0.0);
        l.gap(2.0);
    }
    l.heading("How to read these figures", Style::H2);
    l.text(
        "Counts only: no child, adult or incident is named. A count of 1 to 4 is shown as \
         \"fewer than 5\"; where a group of figures holds one, every figure in it is rounded to \
         the nearest 5 (\"about 35\"), so that no small count can be worked out by adding and \
         subtracting the others; a figure that would still give one away is \"not shown\".",
        Style::BODY,
        0.0,
    );
    if report.schools.len() > 1 {
        l.gap(3.0);
        l.text(
            "Trust totals add the schools' published figures: a total of figures that were \
             \"fewer than 5\" or \"about\" is shown as the range it must lie in (\"18 to 23\").",
            Style::BODY,
            0.0,
        );
    }
    if !report.is_empty() {
        key(&mut l);
        for t in &report.tables {
            if t.rows.is_empty() {
                continue;
            }
            l.heading_with(&t.title, Style::H2, 40.0);
            l.text(&t.note, Style::SMALL, 0.0);
            l.gap(4.0);
            if t.line {
                months(&mut l, t);
            } else {
                bars(&mut l, t);
            }
            if report.schools.len() > 1 {
                for row in t.rows.iter().chain(t.total.iter()) {
                    let each: Vec<String> = report
                        .schools
                        .iter()
                        .zip(&row.schools)
                        .map(|(s, f)| format!("{s} {}", f.text()))
                        .collect();
                    l.field(&row.label, &each.join(" · "));
                }
            }
        }
        l.heading("Times", Style::H2);
        for w in &report.waits {
            l.field(
                &w.label,
                &format!("{} (the period before: {})", w.now.text(), w.before.text()),
            );
            if report.schools.len() > 1 {
                for (school, f) in report.schools.iter().zip(&w.schools) {
                    l.field(school, &f.text());
                }
            }
        }
    }

    l.heading("Signature", Style::H2);
    let area = l.block(132.0);
    l.text_in(area, &crate::referral::render::signature_lines(signer));
    l.after(area);
    let pdf = l.finish(
        &format!("Online safety trends, {}", report.period.describe()),
        &signer.name,
        signer.at,
    )?;
    Ok(Rendered {
        pdf,
        signature: area,
    })
}

/// Draws and signs the report with the unlocked member's certificate, and has `write` put it
/// where the DSL chose; recorded in the audit trail with the file's SHA-256 (a failed write
/// records nothing). Returns the signed PDF.
pub fn issue(
    session: &mut Session,
    report: &Report,
    write: impl FnOnce(&[u8]) -> Result<()>,
) -> Result<Vec<u8>> {
    let at = Utc::now();
    let demo = crate::organisation::is_demo(session.conn())?;
    let (identity, signer) = crate::referral::member_signer(session, at)?;
    let rendered = render(report, &signer, demo)?;
    let a = rendered.signature;
    let pdf = sign::sign_pdf(
        rendered.pdf,
        &identity,
        &signer.name,
        &format!("Online safety trends, {}", report.period.describe()),
        at,
        a.page,
        [a.x, a.y, a.x + a.width, a.y + a.height],
    )
    .map_err(|e| Error::Internal(format!("signing the trends report: {e}")))?;
    session.export(
        &format!("trends {}", report.period.describe()),
        "trends_report",
        &pdf,
        write,
    )?;
    Ok(pdf)
}
