//! Export the referat (reviewed state, else the machine draft) as Markdown, DOCX, ODT or PDF.
//!
//! The layout of `docs/minutes-format.md` is built once, as a small list of [`Block`]s
//! ([`layout`]); each format module only turns blocks into bytes, so the four documents
//! always say the same thing. Every fixed phrase comes from the phrase table in the meeting's
//! language (`language = "nn"`: Nynorsk, with the free text carried over by [`nynorsk`]).
//!
//! The documents are structured for publishing and archiving: the title is a level-1 heading,
//! each section and sak a level-2 heading, each label ("Innspill:") a level-3 heading, bullets
//! are real lists, the agenda table has a header row, and the document language and title are
//! set. The PDF is tagged PDF/A-2a and PDF/UA-1 ([`pdf`]).

mod docx;
mod markdown;
pub mod nynorsk;
mod odt;
mod pdf;

use crate::artifact::{span_text, Draft, DraftItem, Line};
use crate::meeting::{Attendance, Language, Meeting, Sakstype};
use crate::text::phrases::{fill, lang_tag, phrase};
use crate::workdir::{write_atomic, WorkDir};
use anyhow::{Context, Result};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Md,
    Docx,
    Odt,
    Pdf,
}

impl Format {
    pub fn ext(self) -> &'static str {
        match self {
            Format::Md => "md",
            Format::Docx => "docx",
            Format::Odt => "odt",
            Format::Pdf => "pdf",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "md" => Some(Format::Md),
            "docx" => Some(Format::Docx),
            "odt" => Some(Format::Odt),
            "pdf" => Some(Format::Pdf),
            _ => None,
        }
    }

    /// The file the stage writes in the work dir: `referat.<ext>`.
    pub fn file_name(self) -> String {
        format!("referat.{}", self.ext())
    }

    pub fn mime(self) -> &'static str {
        match self {
            Format::Md => "text/markdown; charset=utf-8",
            Format::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Format::Odt => "application/vnd.oasis.opendocument.text",
            Format::Pdf => "application/pdf",
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ExportOptions {
    /// Final document: no "Utkast" marking, no flags, no source times.
    pub final_: bool,
    /// In a draft document, show each line's source times.
    pub times: bool,
}

/// What a document says about itself: its title (document properties, PDF title bar) and
/// its language tag ("nb-NO", "nn-NO").
#[derive(Debug, Clone)]
pub struct DocInfo {
    pub title: String,
    pub lang: &'static str,
}

/// The draft's text as the referat delivers it: in a Nynorsk meeting its free text carried
/// into Nynorsk (Apertium); the draft itself otherwise.
pub fn delivered<'d>(meeting: &Meeting, draft: &'d Draft) -> Result<std::borrow::Cow<'d, Draft>> {
    Ok(if meeting.language == Language::Nn {
        std::borrow::Cow::Owned(nynorsk::draft_to_nynorsk(meeting, draft)?)
    } else {
        std::borrow::Cow::Borrowed(draft)
    })
}

/// Render the referat for `meeting` from `draft` (already reviewed, if there was a review).
pub fn render(meeting: &Meeting, draft: &Draft, opts: &ExportOptions, format: Format) -> Result<Vec<u8>> {
    let delivered = delivered(meeting, draft)?;
    let draft = delivered.as_ref();
    let blocks = layout(meeting, draft, opts);
    let lang = meeting.language;
    let title = format!("{} {}", fill(lang, "referat.title", &[("council", &meeting.council)]), meeting.number);
    let info = DocInfo { title, lang: lang_tag(lang) };
    match format {
        Format::Md => Ok(markdown::render(&blocks).into_bytes()),
        Format::Docx => docx::render(&blocks, &info),
        Format::Odt => odt::render(&blocks, &info),
        Format::Pdf => pdf::render(&blocks, &info),
    }
}

/// The export stage: render `draft` (as reviewed: [`crate::review::load_reviewed`]) and write
/// `referat.<ext>` atomically into the work dir; returns its path. Always written, never
/// skipped as up to date: a document has no place to record the inputs it was made from, and
/// rendering costs less than a check would.
pub fn write_document(meeting: &Meeting, draft: &Draft, wd: &WorkDir, format: Format, opts: &ExportOptions) -> Result<PathBuf> {
    let bytes = render(meeting, draft, opts, format).with_context(|| format!("cannot render the referat as {}", format.ext()))?;
    let path = wd.path(&format.file_name());
    write_atomic(&path, &bytes)?;
    Ok(path)
}

// ------------------------------------------------------------------ document model

/// How a piece of text is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Normal,
    Bold,
    /// A check note for the secretary ("[Sjekk: ...]"): stands out.
    Flag,
    /// Source times: small and grey.
    Time,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub text: String,
    pub style: Style,
}

impl Run {
    fn new(text: impl Into<String>, style: Style) -> Run {
        Run { text: text.into(), style }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// The document title: the one level-1 heading.
    Title(String),
    Subtitle(String),
    /// The visible "Utkast" marking of a draft document.
    Notice(String),
    /// Section heading ("Medlemmer", "<saksnr> <tittel>"): level 2.
    Heading(String),
    /// A label on its own line ("Innspill:", "Til stede:"), shown bold: a level-3 heading,
    /// so a screen reader can jump to it.
    Label(String),
    Para(Vec<Run>),
    /// One item of a bullet list; consecutive bullets form one list.
    Bullet(Vec<Run>),
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
        /// What the table holds, for readers that cannot see it (PDF table summary).
        summary: String,
    },
}

impl Block {
    fn text(s: impl Into<String>) -> Block {
        Block::Para(vec![Run::new(s, Style::Normal)])
    }
}

/// All text of a list of runs (for formats that only want plain text).
pub fn plain(runs: &[Run]) -> String {
    runs.iter().map(|r| r.text.as_str()).collect()
}

/// A referat line with, in a draft, its check notes and source times.
fn line_runs(line: &Line, opts: &ExportOptions, lang: Language) -> Vec<Run> {
    let mut runs = vec![Run::new(line.text.trim(), Style::Normal)];
    if !opts.final_ {
        for f in &line.flags {
            runs.push(Run::new(fill(lang, "referat.check", &[("reason", f.reason.trim())]), Style::Flag));
        }
        if opts.times && !line.source.is_empty() {
            runs.push(Run::new(format!(" ({})", span_text(&line.source)), Style::Time));
        }
    }
    runs
}

/// The phrase key of a sakstype's name.
fn sakstype_key(t: Sakstype) -> &'static str {
    match t {
        Sakstype::Godkjenning => "sakstype.godkjenning",
        Sakstype::Orientering => "sakstype.orientering",
        Sakstype::Drøfting => "sakstype.drofting",
        Sakstype::Beslutning => "sakstype.beslutning",
        Sakstype::Annet => "sakstype.annet",
    }
}

/// Medlemmer: present, absent, substitutes (with whom they stand in for) and the secretariat.
fn member_blocks(meeting: &Meeting, out: &mut Vec<Block>) {
    let lang = meeting.language;
    let p = |key: &str| phrase(lang, key).to_string();
    out.push(Block::Heading(p("referat.members")));
    let with_org = |name: &str, org: &str| {
        if org.trim().is_empty() {
            name.to_string()
        } else {
            format!("{name} ({org})")
        }
    };
    let present: Vec<_> = meeting.members.iter().filter(|m| m.status == Attendance::Present).collect();
    let absent: Vec<_> = meeting.members.iter().filter(|m| m.status == Attendance::Absent).collect();
    let subs: Vec<_> = meeting.members.iter().filter(|m| m.status == Attendance::Substitute).collect();
    out.push(Block::Label(p("referat.present")));
    for m in &present {
        out.push(Block::text(with_org(&m.name, &m.organisation)));
    }
    if !absent.is_empty() {
        out.push(Block::Label(p("referat.absent")));
        for m in &absent {
            out.push(Block::text(with_org(&m.name, &m.organisation)));
        }
    }
    if !subs.is_empty() {
        out.push(Block::Label(p("referat.substitutes")));
        for m in &subs {
            let other = m.substitute_for.as_deref().unwrap_or("");
            let org = if m.organisation.trim().is_empty() {
                meeting.members.iter().find(|x| x.name == other).map(|x| x.organisation.as_str()).unwrap_or("")
            } else {
                m.organisation.as_str()
            };
            out.push(Block::text(with_org(&fill(lang, "referat.substitute_for", &[("name", &m.name), ("other", other)]), org)));
        }
    }
    if let Some(s) = &meeting.secretariat {
        out.push(Block::Label(p("referat.secretariat")));
        if s.names.is_empty() {
            out.push(Block::text(s.organisation.clone()));
        }
        for n in &s.names {
            out.push(Block::text(with_org(n, &s.organisation)));
        }
    }
}

/// The referat as blocks, in the order of `minutes-format.md`, in the meeting's language.
pub fn layout(meeting: &Meeting, draft: &Draft, opts: &ExportOptions) -> Vec<Block> {
    let lang = meeting.language;
    let p = |key: &str| phrase(lang, key).to_string();
    let mut out = Vec::new();
    out.push(Block::Title(fill(lang, "referat.title", &[("council", &meeting.council)])));
    out.push(Block::Subtitle(fill(lang, "referat.subtitle", &[("number", &meeting.number)])));
    if !opts.final_ {
        out.push(Block::Notice(p("referat.draft_notice")));
    }
    for (label, value) in [("referat.date", &meeting.date), ("referat.time", &meeting.time), ("referat.place", &meeting.place)] {
        out.push(Block::Para(vec![Run::new(format!("{}: ", phrase(lang, label)), Style::Bold), Run::new(value.as_str(), Style::Normal)]));
    }

    member_blocks(meeting, &mut out);

    // Agenda table
    out.push(Block::Table {
        header: vec![
            p("referat.agenda_sak"),
            fill(lang, "referat.agenda_title", &[("council", &meeting.council)]),
            p("referat.agenda_sakstype"),
        ],
        rows: meeting
            .items
            .iter()
            .map(|i| {
                let t = if i.sakstype == Sakstype::Annet { "" } else { phrase(lang, sakstype_key(i.sakstype)) };
                vec![i.saksnr.clone(), i.title.clone(), t.to_string()]
            })
            .collect(),
        summary: p("referat.agenda_summary"),
    });

    // Items in meeting order; draft items the meeting file does not know come last.
    let mut order: Vec<(&str, &str)> = meeting.items.iter().map(|i| (i.saksnr.as_str(), i.title.as_str())).collect();
    for d in &draft.items {
        if meeting.item(&d.saksnr).is_none() {
            order.push((d.saksnr.as_str(), ""));
        }
    }
    let find = |nr: &str| draft.items.iter().find(|d| d.saksnr == nr);
    for (pos, (nr, title)) in order.iter().enumerate() {
        out.push(Block::Heading(format!("{nr} {title}").trim().to_string()));
        let Some(item) = find(nr) else {
            out.push(Block::Para(vec![Run::new(p("referat.no_text"), Style::Flag)]));
            continue;
        };
        if !item.intro.trim().is_empty() {
            out.push(Block::text(item.intro.trim()));
        }
        // Joint items: the shared innspill stand after the last of the group in meeting order.
        let group: Vec<&str> = std::iter::once(*nr).chain(item.joint_with.iter().map(|s| s.as_str())).collect();
        let last_of_group = order.iter().enumerate().filter(|(_, (n, _))| group.contains(n)).map(|(i, _)| i).max();
        if last_of_group == Some(pos) {
            let mut innspill: Vec<&Line> = order
                .iter()
                .filter(|(n, _)| group.contains(n))
                .filter_map(|(n, _)| find(n))
                .flat_map(|d: &DraftItem| d.innspill.iter())
                .collect();
            // A draft that repeats the shared list on each joint item gets it once.
            let mut seen = std::collections::HashSet::new();
            innspill.retain(|l| seen.insert(l.text.trim().to_string()));
            if !innspill.is_empty() {
                out.push(Block::Label(p("referat.innspill")));
                out.extend(innspill.into_iter().map(|l| Block::Bullet(line_runs(l, opts, lang))));
            }
        }
        if !item.aksjonspunkter.is_empty() {
            out.push(Block::Label(p("referat.aksjonspunkter")));
            out.extend(item.aksjonspunkter.iter().map(|l| Block::Bullet(line_runs(l, opts, lang))));
        }
        // An item that was not discussed has no vedtak.
        if !item.vedtak.text.trim().is_empty() {
            out.push(Block::Label(p("referat.vedtak")));
            out.push(Block::Para(line_runs(&item.vedtak, opts, lang)));
        }
    }
    out
}
