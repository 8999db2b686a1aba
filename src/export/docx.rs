//! DOCX (Office Open XML) through docx-rs. Text escaping is docx-rs's (`Text::new` escapes).

use super::{Block, Run as DocRun, Style as DocStyle};
use anyhow::{Context, Result};
use docx_rs::{
    AbstractNumbering, AlignmentType, Docx, IndentLevel, Level, LevelJc, LevelText, LineSpacing, NumberFormat, Numbering, NumberingId,
    Paragraph, Run, RunFonts, SpecialIndentType, Start, Style, StyleType, Table, TableCell, TableRow, WidthType,
};

// docx-rs already defines numbering 1 (decimal).
const BULLETS: usize = 2;

fn runs(p: Paragraph, rs: &[DocRun]) -> Paragraph {
    rs.iter().fold(p, |p, r| {
        let run = Run::new().add_text(r.text.as_str());
        let run = match r.style {
            DocStyle::Normal => run,
            DocStyle::Bold => run.bold(),
            DocStyle::Flag => run.bold().color("C00000").highlight("yellow"),
            DocStyle::Time => run.size(18).color("666666"),
        };
        p.add_run(run)
    })
}

fn text(s: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(s))
}

/// Space before and after a paragraph, in twentieths of a point.
fn space(p: Paragraph, before: u32, after: u32) -> Paragraph {
    p.line_spacing(LineSpacing::new().before(before).after(after))
}

pub fn render(blocks: &[Block]) -> Result<Vec<u8>> {
    let mut doc = Docx::new()
        .default_fonts(RunFonts::new().ascii("Arial").hi_ansi("Arial").cs("Arial"))
        .default_size(22)
        .add_style(Style::new("Title", StyleType::Paragraph).name("Title").size(36).bold())
        .add_style(Style::new("Subtitle", StyleType::Paragraph).name("Subtitle").size(26))
        .add_style(Style::new("Heading1", StyleType::Paragraph).name("heading 1").size(28).bold().outline_lvl(0))
        .add_style(Style::new("Heading2", StyleType::Paragraph).name("heading 2").size(24).bold().outline_lvl(1))
        .add_abstract_numbering(AbstractNumbering::new(BULLETS).add_level(
            Level::new(0, Start::new(1), NumberFormat::new("bullet"), LevelText::new("•"), LevelJc::new("left")).indent(
                Some(720),
                Some(SpecialIndentType::Hanging(360)),
                None,
                None,
            ),
        ))
        .add_numbering(Numbering::new(BULLETS, BULLETS));
    for b in blocks {
        doc = match b {
            Block::Title(t) => doc.add_paragraph(space(text(t).style("Title"), 0, 60)),
            Block::Subtitle(t) => doc.add_paragraph(space(text(t).style("Subtitle"), 0, 200)),
            Block::Notice(t) => {
                doc.add_paragraph(space(Paragraph::new().add_run(Run::new().add_text(t.as_str()).bold().color("C00000")), 0, 200))
            }
            Block::Heading(t) => doc.add_paragraph(space(text(t).style("Heading2").keep_next(true), 280, 100)),
            Block::Label(t) => {
                doc.add_paragraph(space(Paragraph::new().add_run(Run::new().add_text(t.as_str()).bold()).keep_next(true), 140, 40))
            }
            Block::Para(rs) => doc.add_paragraph(space(runs(Paragraph::new(), rs), 0, 60)),
            Block::Bullet(rs) => {
                doc.add_paragraph(space(runs(Paragraph::new().numbering(NumberingId::new(BULLETS), IndentLevel::new(0)), rs), 0, 60))
            }
            Block::Table { header, rows } => {
                let widths = [1300usize, 6400, 1700];
                let row = |cells: &[String], bold: bool| {
                    TableRow::new(
                        cells
                            .iter()
                            .enumerate()
                            .map(|(i, c)| {
                                let r = Run::new().add_text(c.as_str());
                                let r = if bold { r.bold() } else { r };
                                TableCell::new()
                                    .width(widths.get(i).copied().unwrap_or(1700), WidthType::Dxa)
                                    .add_paragraph(Paragraph::new().add_run(r))
                            })
                            .collect(),
                    )
                };
                let mut trs = vec![row(header, true)];
                trs.extend(rows.iter().map(|r| row(r, false)));
                doc.add_paragraph(Paragraph::new())
                    .add_table(Table::new(trs).set_grid(widths.to_vec()))
                    .add_paragraph(Paragraph::new().align(AlignmentType::Left))
            }
        };
    }
    let mut buf = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut buf).context("docx-rs could not write the document")?;
    Ok(buf.into_inner())
}
