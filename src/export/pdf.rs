//! PDF through krilla, pure Rust (no LibreOffice needed): a tagged PDF/A-2a that is also
//! PDF/UA-1, the one file Norwegian public bodies can both publish (universell utforming) and
//! archive (Arkivverket). krilla writes the XMP with both identifications, the sRGB output
//! intent and the structure tree, embeds (subsets of) the fonts, and refuses to write a file
//! that breaks a rule it can check; the layout here supplies what it cannot know: the tags
//! (H1–H3, P, L/LI/Lbl/LBody, Table/THead/TBody/TR/TH/TD), the reading order, the document
//! language and title, the bookmarks, and table rules and bullets as layout artifacts.
//!
//! The font is DejaVu Sans, embedded in the binary (`assets/fonts/`, Bitstream Vera licence,
//! free to redistribute): PDF/A forbids the base-14 fonts unembedded, and nothing may be
//! fetched at run time. Lines are wrapped with the font's own glyph widths.

use super::{Block, DocInfo, Run, Style};
use anyhow::{anyhow, bail, Result};
use krilla::color::rgb;
use krilla::configure::{Accessibility, Archival, ConfigurationBuilder};
use krilla::destination::XyzDestination;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::tagging::{
    Artifact, ArtifactType, ContentTag, Identifier, ListNumbering, Node, SpanTag, TableHeaderScope, Tag, TagGroup, TagId, TagKind, TagTree,
};
use krilla::text::{Font, TextDirection};
use krilla::{Document, SerializeSettings};
use std::num::NonZeroU16;

const REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// Points per mm.
const MM: f32 = 72.0 / 25.4;
const PAGE_W: f32 = 210.0 * MM;
const PAGE_H: f32 = 297.0 * MM;
const MARGIN: f32 = 20.0 * MM;
const BODY: f32 = 10.5;
/// Agenda table columns.
const WIDTHS: [f32; 3] = [22.0 * MM, 118.0 * MM, 30.0 * MM];

struct Metrics<'a> {
    regular: ttf_parser::Face<'a>,
    bold: ttf_parser::Face<'a>,
}

impl Metrics<'_> {
    /// `s` with the characters the font cannot show replaced by "□" (which it can), and
    /// whether anything was replaced.
    fn drawable(&self, s: &str, bold: bool) -> (String, bool) {
        let face = if bold { &self.bold } else { &self.regular };
        let mut changed = false;
        let out = s
            .chars()
            .map(|c| {
                if c == ' ' || face.glyph_index(c).is_some_and(|g| g.0 != 0) {
                    c
                } else {
                    changed = true;
                    '□'
                }
            })
            .collect();
        (out, changed)
    }

    /// Width of `s` in points at `size`.
    fn width(&self, s: &str, bold: bool, size: f32) -> f32 {
        let face = if bold { &self.bold } else { &self.regular };
        let upem = face.units_per_em() as f32;
        let units: f32 = self
            .drawable(s, bold)
            .0
            .chars()
            .map(|c| face.glyph_index(c).and_then(|g| face.glyph_hor_advance(g)).unwrap_or(upem as u16 / 2) as f32)
            .sum();
        units / upem * size
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

fn color_of(s: Style) -> (u8, u8, u8) {
    match s {
        Style::Flag => (0xC0, 0, 0),
        Style::Time => (0x55, 0x55, 0x55),
        _ => (0, 0, 0),
    }
}

/// One thing to draw on a page. Text is a leaf of the structure tree (its number in
/// `Layout::leaves` order), or with no leaf a pagination artifact (a table header repeated on
/// the next page); rules are layout artifacts.
enum Op {
    Text(TextOp),
    Rule { x0: f32, y0: f32, x1: f32, y1: f32 },
}

struct TextOp {
    x: f32,
    y: f32,
    size: f32,
    bold: bool,
    color: (u8, u8, u8),
    /// What is drawn: the text with any character the font lacks shown as "□".
    text: String,
    /// The text as written, when it differs from what is drawn (PDF `/ActualText`, so
    /// copying and screen readers get the real characters; PDF/A forbids drawing a glyph the
    /// font does not have).
    actual: Option<String>,
    leaf: Option<usize>,
}

/// The structure tree as laid out; leaves are filled with krilla's identifiers once drawn.
enum SNode {
    Group(TagKind, Vec<SNode>),
    Leaf(usize),
}

type Words = Vec<(String, Style)>;

/// A bookmark: title, page index and top of the heading (points from the page top).
struct Mark {
    title: String,
    page: usize,
    y: f32,
    level: u8,
}

/// Pages of drawing operations plus the structure they belong to, in reading order.
struct Layout<'a> {
    m: Metrics<'a>,
    pages: Vec<Vec<Op>>,
    /// Top of the free space on the current page, in points from the page top.
    y: f32,
    leaves: usize,
    marks: Vec<Mark>,
}

impl Layout<'_> {
    fn page(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("never empty")
    }

    /// Make room for `h` points, starting a new page if needed.
    fn need(&mut self, h: f32) {
        if self.y + h > PAGE_H - MARGIN && self.y > MARGIN + 0.1 {
            self.pages.push(Vec::new());
            self.y = MARGIN;
        }
    }

    fn text_op(&self, x: f32, baseline: f32, size: f32, style: Style, text: String, leaf: Option<usize>) -> Op {
        let bold = is_bold(style);
        // Control characters have no glyph and no meaning on paper.
        let text: String = text.chars().filter(|c| !c.is_control()).collect();
        let (drawn, changed) = self.m.drawable(&text, bold);
        let actual = changed.then_some(text);
        Op::Text(TextOp { x, y: baseline, size: size_of(style, size), bold, color: color_of(style), text: drawn, actual, leaf })
    }

    fn text(&mut self, x: f32, baseline: f32, size: f32, style: Style, text: String) -> SNode {
        let leaf = self.leaves;
        self.leaves += 1;
        let op = self.text_op(x, baseline, size, style, text, Some(leaf));
        self.page().push(op);
        SNode::Leaf(leaf)
    }

    fn rule(&mut self, x0: f32, y0: f32, x1: f32, y1: f32) {
        self.page().push(Op::Rule { x0, y0, x1, y1 });
    }

    /// Greedy word wrap of styled runs into lines no wider than `max` points.
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

    /// One wrapped line at `x`: one text leaf per stretch of equal style. Word breaks are real
    /// spaces in the text (PDF/A-2a), also at the end of a line that wraps.
    fn line(&mut self, words: &Words, x: f32, baseline: f32, size: f32, wraps: bool) -> Vec<SNode> {
        let mut out = Vec::new();
        let mut x = x;
        let mut i = 0;
        while i < words.len() {
            let style = words[i].1;
            let mut j = i;
            while j < words.len() && words[j].1 == style {
                j += 1;
            }
            let mut text = words[i..j].iter().map(|w| w.0.as_str()).collect::<Vec<_>>().join(" ");
            if j < words.len() || wraps {
                text.push(' ');
            }
            let advance = self.m.width(&text, is_bold(style), size_of(style, size));
            out.push(self.text(x, baseline, size, style, text));
            x += advance;
            i = j;
        }
        out
    }

    /// A wrapped paragraph; `keep` extra points must fit on the page with its first line.
    /// Returns its leaves and where its first line went (page, baseline).
    fn para(&mut self, runs: &[Run], size: f32, indent: f32, before: f32, after: f32, keep: f32) -> (Vec<SNode>, usize, f32) {
        let lh = size * 1.35;
        let lines = self.wrap(runs, size, PAGE_W - 2.0 * MARGIN - indent);
        self.y += before;
        self.need(lh + keep);
        let first = (self.pages.len() - 1, self.y + lh - 0.25 * size);
        let mut leaves = Vec::new();
        let n = lines.len();
        for (k, l) in lines.iter().enumerate() {
            if k > 0 {
                self.need(lh);
            }
            self.y += lh;
            let baseline = self.y - 0.25 * size;
            leaves.extend(self.line(l, MARGIN + indent, baseline, size, k + 1 < n));
        }
        self.y += after;
        (leaves, first.0, first.1)
    }

    fn heading(&mut self, t: &str, level: u8, size: f32, before: f32, after: f32, keep: f32) -> SNode {
        let (leaves, page, baseline) = self.para(&[Run::new(t, Style::Bold)], size, 0.0, before, after, keep);
        self.marks.push(Mark { title: t.to_string(), page, y: baseline - size, level });
        let level = NonZeroU16::new(level.into()).expect("levels start at 1");
        SNode::Group(Tag::Hn(level, Some(t.to_string())).into(), leaves)
    }

    /// One table row at the current position, with its rules; the text of each cell as
    /// structure leaves, or (`tagged` false) as artifacts.
    fn row(&mut self, cells: &[Vec<Words>], h: f32, size: f32, tagged: bool) -> Vec<Vec<SNode>> {
        let (lh, pad) = (size * 1.35, 1.5 * MM);
        let top = self.y;
        let mut x = MARGIN;
        let mut out = Vec::new();
        for (i, cell) in cells.iter().enumerate() {
            let mut leaves = Vec::new();
            for (k, l) in cell.iter().enumerate() {
                let baseline = top + pad + (k + 1) as f32 * lh - 0.25 * size;
                let wraps = k + 1 < cell.len();
                if tagged {
                    leaves.extend(self.line(l, x + pad, baseline, size, wraps));
                } else {
                    let text = l.iter().map(|w| w.0.as_str()).collect::<Vec<_>>().join(" ");
                    let op = self.text_op(x + pad, baseline, size, l.first().map(|w| w.1).unwrap_or(Style::Normal), text, None);
                    self.page().push(op);
                }
            }
            out.push(leaves);
            x += WIDTHS.get(i).copied().unwrap_or(WIDTHS[2]);
        }
        let right = MARGIN + WIDTHS.iter().sum::<f32>();
        self.rule(MARGIN, top, right, top);
        self.rule(MARGIN, top + h, right, top + h);
        let mut x = MARGIN;
        self.rule(x, top, x, top + h);
        for w in WIDTHS {
            x += w;
            self.rule(x, top, x, top + h);
        }
        self.y = top + h;
        out
    }

    fn table(&mut self, header: &[String], rows: &[Vec<String>], summary: &str) -> SNode {
        let size = BODY - 0.5;
        let (lh, pad) = (size * 1.35, 1.5 * MM);
        self.y += 4.0 * MM;
        let header_id = |i: usize| TagId::from(format!("agenda-col-{i}").into_bytes());
        let wrap_row = |l: &Self, cells: &[String], style: Style| -> (Vec<Vec<Words>>, f32) {
            let wrapped: Vec<Vec<Words>> = cells
                .iter()
                .enumerate()
                .map(|(i, c)| l.wrap(&[Run::new(c.as_str(), style)], size, WIDTHS.get(i).copied().unwrap_or(WIDTHS[2]) - 2.0 * pad))
                .collect();
            let n = wrapped.iter().map(|w| w.len()).max().unwrap_or(1).max(1);
            (wrapped, n as f32 * lh + 2.0 * pad)
        };
        let (head, head_h) = wrap_row(self, header, Style::Bold);
        self.need(head_h + lh + 2.0 * pad);
        let ths = self.row(&head, head_h, size, true);
        let th_row = ths
            .into_iter()
            .enumerate()
            .map(|(i, leaves)| SNode::Group(Tag::TH(TableHeaderScope::Column).with_id(Some(header_id(i))).into(), leaves));
        let mut parts = vec![SNode::Group(Tag::THead.into(), vec![SNode::Group(Tag::TR.into(), th_row.collect())])];
        let mut body_rows = Vec::new();
        for r in rows {
            let (cells, h) = wrap_row(self, r, Style::Normal);
            let page = self.pages.len();
            self.need(h);
            if self.pages.len() != page {
                // The header row again at the top of the next page, as in DOCX and ODT.
                self.need(head_h + h);
                self.row(&head, head_h, size, false);
            }
            let tds = self.row(&cells, h, size, true);
            let tds =
                tds.into_iter().enumerate().map(|(i, leaves)| SNode::Group(Tag::TD.with_headers(Some([header_id(i)])).into(), leaves));
            body_rows.push(SNode::Group(Tag::TR.into(), tds.collect()));
        }
        self.y += 4.0 * MM;
        if !body_rows.is_empty() {
            parts.push(SNode::Group(Tag::TBody.into(), body_rows));
        }
        SNode::Group(Tag::Table.with_summary(Some(summary.to_string())).into(), parts)
    }
}

/// Lay the blocks out: pages of operations, the structure tree in reading order, bookmarks.
fn lay_out<'a>(blocks: &[Block], m: Metrics<'a>) -> (Layout<'a>, Vec<SNode>) {
    let mut l = Layout { m, pages: vec![Vec::new()], y: MARGIN, leaves: 0, marks: Vec::new() };
    let body_lh = BODY * 1.35;
    let mut tree: Vec<SNode> = Vec::new();
    // The list being filled by consecutive bullets.
    let mut list: Vec<SNode> = Vec::new();
    for b in blocks {
        if !matches!(b, Block::Bullet(_)) && !list.is_empty() {
            tree.push(SNode::Group(Tag::L(ListNumbering::Disc).into(), std::mem::take(&mut list)));
        }
        match b {
            Block::Title(t) => tree.push(l.heading(t, 1, 18.0, 0.0, 2.0 * MM, 0.0)),
            Block::Heading(t) => tree.push(l.heading(t, 2, 12.5, 5.0 * MM, 1.5 * MM, 3.0 * body_lh)),
            Block::Label(t) => tree.push(l.heading(t, 3, BODY, 2.0 * MM, 1.0 * MM, 2.0 * body_lh)),
            Block::Subtitle(t) => {
                let (leaves, ..) = l.para(&[Run::new(t.as_str(), Style::Normal)], 13.0, 0.0, 0.0, 4.0 * MM, 0.0);
                tree.push(SNode::Group(Tag::P.into(), leaves));
            }
            Block::Notice(t) => {
                let (leaves, ..) = l.para(&[Run::new(t.as_str(), Style::Flag)], BODY, 0.0, 0.0, 4.0 * MM, 0.0);
                tree.push(SNode::Group(Tag::P.into(), leaves));
            }
            Block::Para(rs) => {
                let (leaves, ..) = l.para(rs, BODY, 0.0, 0.0, 1.2 * MM, 0.0);
                tree.push(SNode::Group(Tag::P.into(), leaves));
            }
            Block::Bullet(rs) => {
                let (body, page, baseline) = l.para(rs, BODY, 6.0 * MM, 0.0, 1.2 * MM, 0.0);
                // The bullet goes on the page of the item's first line, in reading order first.
                let leaf = l.leaves;
                l.leaves += 1;
                let (x, size) = (MARGIN + 1.5 * MM, BODY);
                let op = l.text_op(x, baseline, size, Style::Normal, "•".into(), Some(leaf));
                l.pages[page].push(op);
                let label = SNode::Group(Tag::Lbl.into(), vec![SNode::Leaf(leaf)]);
                list.push(SNode::Group(Tag::LI.into(), vec![label, SNode::Group(Tag::LBody.into(), body)]));
            }
            Block::Table { header, rows, summary } => tree.push(l.table(header, rows, summary)),
        }
    }
    if !list.is_empty() {
        tree.push(SNode::Group(Tag::L(ListNumbering::Disc).into(), list));
    }
    (l, tree)
}

fn to_node(n: SNode, ids: &mut [Option<Identifier>]) -> Result<Node> {
    Ok(match n {
        SNode::Leaf(i) => Node::Leaf(ids.get_mut(i).and_then(Option::take).ok_or_else(|| anyhow!("PDF layout: text {i} was not drawn"))?),
        SNode::Group(tag, children) => {
            Node::Group(TagGroup::with_children(tag, children.into_iter().map(|c| to_node(c, ids)).collect::<Result<Vec<_>>>()?))
        }
    })
}

/// Bookmarks: the title, with the level-2 headings under it.
fn outline(marks: &[Mark]) -> Outline {
    let dest = |m: &Mark| XyzDestination::new(m.page, Point::from_xy(MARGIN, m.y.max(0.0)));
    let mut o = Outline::new();
    let mut root: Option<OutlineNode> = None;
    for m in marks {
        match (m.level, root.as_mut()) {
            (1, _) => {
                if let Some(r) = root.take() {
                    o.push_child(r);
                }
                root = Some(OutlineNode::new(m.title.clone(), dest(m)).with_open(true));
            }
            (2, Some(r)) => r.push_child(OutlineNode::new(m.title.clone(), dest(m))),
            (2, None) => o.push_child(OutlineNode::new(m.title.clone(), dest(m))),
            _ => {}
        }
    }
    if let Some(r) = root {
        o.push_child(r);
    }
    o
}

/// The current time in UTC (PDF/A wants the creation date in both the Info and the XMP).
fn now_utc() -> DateTime {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as u16;
    DateTime::new(year)
        .month(month)
        .day(day)
        .hour((rem / 3600) as u8)
        .minute((rem % 3600 / 60) as u8)
        .second((rem % 60) as u8)
        .utc_offset_hour(0)
        .utc_offset_minute(0)
}

pub fn render(blocks: &[Block], info: &DocInfo) -> Result<Vec<u8>> {
    let face = |b: &'static [u8]| ttf_parser::Face::parse(b, 0).map_err(|e| anyhow!("embedded font is broken: {e}"));
    let (layout, tree) = lay_out(blocks, Metrics { regular: face(REGULAR)?, bold: face(BOLD)? });

    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A2_A)
        .with_accessibility_validator(Accessibility::UA1)
        .finish()
        .map_err(|e| anyhow!("krilla cannot combine PDF/A-2a with PDF/UA-1: {e:?}"))?;
    let settings = SerializeSettings { configuration, enable_tagging: true, ..SerializeSettings::default() };
    let mut doc = Document::new_with(settings);
    let font = |b: &'static [u8]| Font::new(b.into(), 0).ok_or_else(|| anyhow!("embedded font cannot be read by krilla"));
    let (regular, bold) = (font(REGULAR)?, font(BOLD)?);

    let mut ids: Vec<Option<Identifier>> = vec![None; layout.leaves];
    let page_settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| anyhow!("bad page size"))?;
    for ops in &layout.pages {
        let mut page = doc.start_page_with(page_settings.clone());
        let mut s = page.surface();
        for op in ops {
            match op {
                Op::Text(t) => {
                    let (r, g, b) = t.color;
                    s.set_fill(Some(Fill {
                        paint: rgb::Color::new(r, g, b).into(),
                        opacity: NormalizedF32::ONE,
                        rule: Default::default(),
                    }));
                    match t.leaf {
                        Some(leaf) => {
                            let span = SpanTag::empty().with_actual_text(t.actual.as_deref());
                            ids[leaf] = Some(s.start_tagged(ContentTag::Span(span)));
                        }
                        None => {
                            s.start_tagged(ContentTag::Artifact(Artifact::with_kind(ArtifactType::PaginationOther)));
                        }
                    }
                    let font = if t.bold { bold.clone() } else { regular.clone() };
                    s.draw_text(Point::from_xy(t.x, t.y), font, t.size, &t.text, false, TextDirection::Auto);
                    s.end_tagged();
                }
                Op::Rule { x0, y0, x1, y1 } => {
                    let mut pb = PathBuilder::new();
                    pb.move_to(*x0, *y0);
                    pb.line_to(*x1, *y1);
                    let Some(path) = pb.finish() else { continue };
                    s.set_fill(None);
                    s.set_stroke(Some(Stroke { paint: rgb::Color::black().into(), width: 0.5, ..Default::default() }));
                    s.start_tagged(ContentTag::Artifact(Artifact::with_kind(ArtifactType::Layout)));
                    s.draw_path(&path);
                    s.end_tagged();
                    s.set_stroke(None);
                }
            }
        }
        s.finish();
        page.finish();
    }

    let mut tag_tree = TagTree::new();
    for n in tree {
        tag_tree.push(to_node(n, &mut ids)?);
    }
    doc.set_tag_tree(tag_tree);
    doc.set_outline(outline(&layout.marks));
    let meta = Metadata::new().title(info.title.clone()).language(info.lang.to_string()).creator("referat".into());
    doc.set_metadata(meta.creation_date(now_utc()));
    match doc.finish() {
        Ok(bytes) => Ok(bytes),
        Err(krilla::error::KrillaError::Validation(errs)) => {
            let list: Vec<String> = errs.iter().map(|(e, _)| format!("{e:?}")).collect();
            bail!("the PDF would not be valid PDF/A-2a and PDF/UA-1: {}", list.join("; "))
        }
        Err(e) => bail!("krilla could not write the PDF: {e}"),
    }
}
