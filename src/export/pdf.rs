//! PDF through printpdf, pure Rust (no LibreOffice needed). The font is DejaVu Sans, embedded
//! in the binary (`assets/fonts/`, Bitstream Vera licence, free to redistribute): the PDF
//! base-14 fonts cannot show every Norwegian letter reliably, and nothing may be fetched at
//! run time. Lines are wrapped with the font's own glyph widths.

use super::{Block, Run, Style};
use anyhow::{anyhow, Context, Result};
use printpdf::{Color, IndirectFontRef, Line, Mm, PdfDocument, PdfDocumentReference, PdfLayerReference, Point, Rgb};
use std::io::Cursor;

const REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

const PAGE_W: f32 = 210.0;
const PAGE_H: f32 = 297.0;
const MARGIN: f32 = 20.0;
const BODY: f32 = 10.5;
const PT: f32 = 0.352_778; // mm per point

struct Metrics<'a> {
    regular: ttf_parser::Face<'a>,
    bold: ttf_parser::Face<'a>,
}

impl Metrics<'_> {
    /// Width of `s` in mm at `size` points.
    fn width(&self, s: &str, bold: bool, size: f32) -> f32 {
        let face = if bold { &self.bold } else { &self.regular };
        let upem = face.units_per_em() as f32;
        let units: f32 =
            s.chars().map(|c| face.glyph_index(c).and_then(|g| face.glyph_hor_advance(g)).unwrap_or(upem as u16 / 2) as f32).sum();
        units / upem * size * PT
    }
}

fn is_bold(s: Style) -> bool {
    matches!(s, Style::Bold | Style::Flag)
}

fn size_of(s: Style, base: f32) -> f32 {
    if s == Style::Time {
        base - 2.0
    } else {
        base
    }
}

struct Writer<'a> {
    doc: PdfDocumentReference,
    layer: PdfLayerReference,
    regular: IndirectFontRef,
    bold: IndirectFontRef,
    m: Metrics<'a>,
    /// Current baseline position from the bottom of the page, in mm.
    y: f32,
}

type Words = Vec<(String, Style)>;

impl Writer<'_> {
    fn new_page(&mut self) {
        let (p, l) = self.doc.add_page(Mm(PAGE_W), Mm(PAGE_H), "Lag 1");
        self.layer = self.doc.get_page(p).get_layer(l);
        self.y = PAGE_H - MARGIN;
    }

    /// Make room for `h` mm, starting a new page if needed.
    fn need(&mut self, h: f32) {
        if self.y - h < MARGIN {
            self.new_page();
        }
    }

    /// Greedy word wrap of styled runs into lines no wider than `max` mm.
    fn wrap(&self, runs: &[Run], size: f32, max: f32) -> Vec<Words> {
        let mut lines: Vec<Words> = vec![vec![]];
        let mut w = 0.0;
        let space = self.m.width(" ", false, size);
        for r in runs {
            for word in r.text.split_whitespace() {
                let ww = self.m.width(word, is_bold(r.style), size_of(r.style, size));
                let cur = lines.last_mut().expect("never empty");
                if !cur.is_empty() && w + space + ww > max {
                    lines.push(vec![(word.to_string(), r.style)]);
                    w = ww;
                } else {
                    w += if cur.is_empty() { ww } else { space + ww };
                    cur.push((word.to_string(), r.style));
                }
            }
        }
        lines
    }

    /// Draw one wrapped line at `x`, one text object per stretch of equal style.
    fn draw_line(&self, words: &Words, x: f32, size: f32) {
        let mut x = x;
        let space = self.m.width(" ", false, size);
        let mut i = 0;
        while i < words.len() {
            let style = words[i].1;
            let mut j = i;
            while j < words.len() && words[j].1 == style {
                j += 1;
            }
            let text = words[i..j].iter().map(|w| w.0.as_str()).collect::<Vec<_>>().join(" ");
            let (font, bold) = if is_bold(style) { (&self.bold, true) } else { (&self.regular, false) };
            let sz = size_of(style, size);
            let color = match style {
                Style::Flag => Rgb::new(0.75, 0.0, 0.0, None),
                Style::Time => Rgb::new(0.4, 0.4, 0.4, None),
                _ => Rgb::new(0.0, 0.0, 0.0, None),
            };
            self.layer.set_fill_color(Color::Rgb(color));
            self.layer.use_text(text.as_str(), sz, Mm(x), Mm(self.y), font);
            x += self.m.width(&text, bold, sz) + space;
            i = j;
        }
        self.layer.set_fill_color(Color::Rgb(Rgb::new(0.0, 0.0, 0.0, None)));
    }

    /// A wrapped paragraph; `keep` extra mm must fit on the page with its first line.
    /// Returns where the first line went (layer and baseline), for a bullet mark.
    fn para(&mut self, runs: &[Run], size: f32, indent: f32, before: f32, after: f32, keep: f32) -> (PdfLayerReference, f32) {
        let lh = size * 1.35 * PT;
        let lines = self.wrap(runs, size, PAGE_W - 2.0 * MARGIN - indent);
        self.y -= before;
        self.need(lh + keep);
        let first = (self.layer.clone(), self.y - lh);
        for (k, l) in lines.iter().enumerate() {
            if k > 0 {
                self.need(lh);
            }
            self.y -= lh;
            self.draw_line(l, MARGIN + indent, size);
        }
        self.y -= after;
        first
    }

    fn rule(&self, x0: f32, y0: f32, x1: f32, y1: f32) {
        self.layer
            .add_line(Line { points: vec![(Point::new(Mm(x0), Mm(y0)), false), (Point::new(Mm(x1), Mm(y1)), false)], is_closed: false });
    }

    fn table(&mut self, header: &[String], rows: &[Vec<String>]) {
        let widths = [22.0, 118.0, 30.0];
        let size = BODY - 0.5;
        let lh = size * 1.35 * PT;
        let pad = 1.5;
        self.y -= 4.0;
        self.layer.set_outline_thickness(0.5);
        let all = std::iter::once((header, true)).chain(rows.iter().map(|r| (r.as_slice(), false)));
        for (cells, head) in all {
            let style = if head { Style::Bold } else { Style::Normal };
            let wrapped: Vec<Vec<Words>> = cells
                .iter()
                .enumerate()
                .map(|(i, c)| self.wrap(&[Run::new(c.as_str(), style)], size, widths.get(i).copied().unwrap_or(30.0) - 2.0 * pad))
                .collect();
            let n = wrapped.iter().map(|w| w.len()).max().unwrap_or(1).max(1);
            let h = n as f32 * lh + 2.0 * pad;
            self.need(h);
            let top = self.y;
            let mut x = MARGIN;
            for (i, cell) in wrapped.iter().enumerate() {
                let mut yy = top - pad;
                for l in cell {
                    yy -= lh;
                    let saved = self.y;
                    self.y = yy + 0.8;
                    self.draw_line(l, x + pad, size);
                    self.y = saved;
                }
                x += widths.get(i).copied().unwrap_or(30.0);
            }
            let right = MARGIN + widths.iter().sum::<f32>();
            self.rule(MARGIN, top, right, top);
            self.rule(MARGIN, top - h, right, top - h);
            let mut x = MARGIN;
            self.rule(x, top, x, top - h);
            for w in widths {
                x += w;
                self.rule(x, top, x, top - h);
            }
            self.y = top - h;
        }
        self.y -= 4.0;
    }
}

pub fn render(blocks: &[Block], title: &str) -> Result<Vec<u8>> {
    let face = |b: &'static [u8]| ttf_parser::Face::parse(b, 0).map_err(|e| anyhow!("embedded font is broken: {e}"));
    let m = Metrics { regular: face(REGULAR)?, bold: face(BOLD)? };
    let (doc, p, l) = PdfDocument::new(title, Mm(PAGE_W), Mm(PAGE_H), "Lag 1");
    let regular = doc.add_external_font(Cursor::new(REGULAR)).context("cannot embed the PDF font")?;
    let bold = doc.add_external_font(Cursor::new(BOLD)).context("cannot embed the PDF font")?;
    let layer = doc.get_page(p).get_layer(l);
    let mut w = Writer { doc, layer, regular, bold, m, y: PAGE_H - MARGIN };
    let body_lh = BODY * 1.35 * PT;
    for b in blocks {
        match b {
            Block::Title(t) => {
                w.para(&[Run::new(t.as_str(), Style::Bold)], 18.0, 0.0, 0.0, 2.0, 0.0);
            }
            Block::Subtitle(t) => {
                w.para(&[Run::new(t.as_str(), Style::Normal)], 13.0, 0.0, 0.0, 4.0, 0.0);
            }
            Block::Notice(t) => {
                w.para(&[Run::new(t.as_str(), Style::Flag)], BODY, 0.0, 0.0, 4.0, 0.0);
            }
            Block::Heading(t) => {
                w.para(&[Run::new(t.as_str(), Style::Bold)], 12.5, 0.0, 5.0, 1.5, 3.0 * body_lh);
            }
            Block::Label(t) => {
                w.para(&[Run::new(t.as_str(), Style::Bold)], BODY, 0.0, 2.0, 1.0, 2.0 * body_lh);
            }
            Block::Para(rs) => {
                w.para(rs, BODY, 0.0, 0.0, 1.2, 0.0);
            }
            Block::Bullet(rs) => {
                let (layer, y) = w.para(rs, BODY, 6.0, 0.0, 1.2, 0.0);
                layer.use_text("•", BODY, Mm(MARGIN + 1.5), Mm(y), &w.regular);
            }
            Block::Table { header, rows } => w.table(header, rows),
        }
    }
    let bytes = w.doc.save_to_bytes().context("printpdf could not write the PDF")?;
    compress_fonts(&bytes).context("cannot compress the fonts in the PDF")
}

/// printpdf stores embedded fonts uncompressed (1.4 MB for DejaVu Sans and Bold); Flate
/// compression of a FontFile2 stream (which keeps its /Length1) is standard PDF and halves
/// the file.
fn compress_fonts(pdf: &[u8]) -> Result<Vec<u8>> {
    let mut doc = printpdf::lopdf::Document::load_mem(pdf)?;
    for obj in doc.objects.values_mut() {
        if let printpdf::lopdf::Object::Stream(s) = obj {
            if s.dict.has(b"Length1") {
                s.compress()?;
            }
        }
    }
    let mut out = Vec::new();
    doc.save_to(&mut out)?;
    Ok(out)
}
