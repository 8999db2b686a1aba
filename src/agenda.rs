//! Agenda import: turn agenda text as extracted from the slide deck or PDF into a meeting
//! file that the secretary corrects.
//!
//! The text has two parts that matter:
//! - the agenda table, one row per sak: `saksnr`, title (wrapped over lines), presenters with
//!   organisations, planned time, sakstype; break rows such as `Lunsj 11:35`;
//! - later, per sak (after a `Sak 13/25: ...` heading), a `Forslag til vedtak` slide, possibly
//!   updated (`Oppdatert forslag til vedtak`, `Forslag til vedtak - oppdatert`).
//!
//! Everything else (slide text) is ignored. Table lines that cannot be understood are
//! reported as [`Warning`]s with their line number, never silently dropped.

use crate::meeting::{Break, Item, Meeting, Presenter, Sakstype};
use anyhow::{bail, Context, Result};
use regex::Regex;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::OnceLock;

macro_rules! re {
    ($pat:expr) => {{
        static RE: OnceLock<Regex> = OnceLock::new();
        // Compiled once, however often a loop asks for it.
        fn compile() -> Regex {
            Regex::new($pat).expect("valid regex")
        }
        RE.get_or_init(compile)
    }};
}

/// Something in the agenda text the importer could not understand (1-based line number).
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    pub line: usize,
    pub message: String,
}

/// The parsed agenda: items in meeting order, breaks, and what the title line tells.
#[derive(Debug, Clone, PartialEq)]
pub struct Agenda {
    /// Council name from a title line such as "Agenda Nasjonalt e-helseråd 12. juni 2025".
    pub council: Option<String>,
    /// Meeting date from the same title line ("12. juni 2025").
    pub date: Option<String>,
    pub items: Vec<Item>,
    pub breaks: Vec<Break>,
    pub warnings: Vec<Warning>,
}

/// Placeholder for what the agenda text does not say; the secretary replaces it.
pub const FILL_IN: &str = "FYLL INN";

/// Read and parse an agenda text file.
pub fn import(file: &Path) -> Result<Agenda> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read agenda file {}: check the path", file.display()))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        anyhow::anyhow!(
            "agenda file {} is not UTF-8 text: convert it first (e.g. `iconv -f latin1 -t utf-8`), or extract the PDF with `pdftotext`",
            file.display()
        )
    })?;
    parse(&text).with_context(|| format!("cannot import agenda file {}", file.display()))
}

/// Parse agenda text. Fails only when there is no agenda table at all.
pub fn parse(text: &str) -> Result<Agenda> {
    if text.trim().is_empty() {
        bail!("the agenda text is empty: export the agenda (slide deck or PDF) as text, e.g. with `pdftotext -layout`");
    }
    // A byte-order mark would hide a saksnr at the start of the first line.
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    let mut warnings = Vec::new();
    let (council, date) = title_line(&lines);
    let headings = headings(&lines);
    let table = scan_table(&lines, &mut warnings);
    if table.rows.is_empty() {
        bail!(
            "no agenda table found: expected rows such as \"13/25 <title> <presenter>, <organisation> 10:15 Drøfting\" (saksnr at the start of a line)"
        );
    }

    // Organisations and people that the table states unambiguously help split the rows
    // where title and presenter run together on one line.
    let mut known = Known::default();
    for row in &table.rows {
        known.learn(row);
    }

    let mut items: Vec<Item> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for row in &table.rows {
        let heading = headings.iter().find(|h| h.saksnr.as_deref() == Some(&row.saksnr));
        let item = build_item(row, heading, &known, &mut warnings);
        if let Some(first) = seen.get(&item.saksnr) {
            warnings.push(Warning {
                line: row.line,
                message: format!("saksnr {} appears again (first at line {first}): this row was left out", item.saksnr),
            });
            continue;
        }
        seen.insert(item.saksnr.clone(), row.line);
        items.push(item);
    }

    let numbers: Vec<String> = items.iter().map(|i| i.saksnr.clone()).collect();
    for (saksnr, text) in forslag(&lines, &numbers, &mut warnings) {
        if let Some(it) = items.iter_mut().find(|i| i.saksnr == saksnr) {
            it.forslag = text;
        }
    }

    warnings.sort_by_key(|w| w.line);
    Ok(Agenda { council, date, items, breaks: table.breaks, warnings })
}

// ---------------------------------------------------------------------------------------
// The table

struct Row {
    /// Line of the saksnr.
    line: usize,
    saksnr: String,
    /// Text before the planned time, per line (1-based line number, trimmed text; "" for a
    /// blank line). The first entry has the saksnr removed.
    pre: Vec<(usize, String)>,
    time: Option<String>,
    sakstype: Option<(usize, String)>,
}

struct Table {
    rows: Vec<Row>,
    breaks: Vec<Break>,
}

const BREAK_WORDS: &[&str] = &["lunsj", "lunch", "pause", "kaffepause", "kaffe", "middag", "frokost", "registrering", "beinstrekk"];

/// Most lines a row may span before its planned time; a row without time ends there.
const MAX_ROW_LINES: usize = 10;

fn is_header(l: &str) -> bool {
    re!(r"(?i)\bsaksnr\b").is_match(l) && re!(r"(?i)\b(tid|sakstype|presenter)").is_match(l)
}

fn is_heading(l: &str) -> bool {
    re!(r"(?i)^\s*sak\s+\d{1,3}\s*(/\s*\d{2,4})?\s*:").is_match(l)
}

fn forslag_heading(l: &str) -> Option<bool> {
    let c = re!(r"(?i)^\s*(oppdatert\s+)?forslag\s+til\s+vedtak\s*[-–—:(]?\s*(oppdatert)?\s*\)?\s*:?\s*$").captures(l)?;
    Some(c.get(1).is_some() || c.get(2).is_some())
}

fn saksnr_start(l: &str) -> Option<(String, String)> {
    let c = re!(r"^\s*(\d{1,3})\s*/\s*(\d{2,4})(?:\s+(.*))?$").captures(l)?;
    Some((format!("{}/{}", &c[1], &c[2]), c.get(3).map_or("", |m| m.as_str()).trim().to_string()))
}

/// The planned time in a line: the last clock time, or the start of a final range such as
/// "10.15–10.55". Returns (byte start, byte end of the whole time or range, "HH:MM").
fn last_time(l: &str) -> Option<(usize, usize, String)> {
    // A clock time not glued to other digits or dots (so "16.06.2025" is a date, not 16:06).
    let mut found: Vec<(usize, usize, String)> = Vec::new();
    for c in re!(r"(?:^|[^\d.:])(([01]?\d|2[0-3])[:.]([0-5]\d))(?:$|[^\d.:])").captures_iter(l) {
        let m = c.get(1).expect("group 1");
        let h: u32 = c[2].parse().unwrap_or(0);
        found.push((m.start(), m.end(), format!("{h:02}:{}", &c[3])));
    }
    let last = found.pop()?;
    if let Some(prev) = found.pop() {
        if re!(r"^\s*[-–—]\s*$").is_match(&l[prev.1..last.0]) {
            return Some((prev.0, last.1, prev.2));
        }
    }
    Some(last)
}

/// A break row: "Lunsj 11:35", "Pause 12:45".
fn break_line(l: &str, known_word_only: bool) -> Option<Break> {
    let c = re!(r"^\s*(\p{L}[\p{L}\- ]{0,30}?)\s+(([01]?\d|2[0-3])[:.]([0-5]\d))\s*$").captures(l)?;
    let label = c[1].trim().to_string();
    let first = label.split_whitespace().next().unwrap_or("").to_lowercase();
    if label.split_whitespace().count() > 3 || (known_word_only && !BREAK_WORDS.contains(&first.as_str())) {
        return None;
    }
    let h: u32 = c[3].parse().unwrap_or(0);
    Some(Break { label, time: format!("{h:02}:{}", &c[4]) })
}

/// What follows a planned time on its line: empty or a short sakstype-like word.
fn sakstype_like(rest: &str) -> bool {
    let n = rest.split_whitespace().count();
    n <= 3 && !rest.chars().any(|c| c.is_ascii_digit() || c == ',')
}

fn scan_table(lines: &[&str], warnings: &mut Vec<Warning>) -> Table {
    let start = lines.iter().position(|l| is_header(l) || saksnr_start(l).is_some()).unwrap_or(lines.len());
    let end = (start..lines.len()).find(|&i| is_heading(lines[i]) || forslag_heading(lines[i]).is_some()).unwrap_or(lines.len());

    let mut rows: Vec<Row> = Vec::new();
    let mut breaks = Vec::new();
    let mut open: Option<Row> = None;
    // Lines that belong to nothing; reported if they lie inside the table (before its last
    // row or break), ignored if they trail it (slide text after the table).
    let mut stray: Vec<usize> = Vec::new();
    let mut last_structural = start;

    let mut i = start;
    while i < end {
        let l = lines[i].trim();
        let lineno = i + 1;
        if l.is_empty() {
            if let Some(r) = open.as_mut() {
                r.pre.push((lineno, String::new()));
            }
            i += 1;
            continue;
        }
        if is_header(l) {
            i += 1;
            continue;
        }
        if let Some((saksnr, rest)) = saksnr_start(l) {
            if let Some(r) = open.take() {
                rows.push(r);
            }
            open = Some(Row { line: lineno, saksnr, pre: vec![], time: None, sakstype: None });
            last_structural = i;
            i = add_to_row(open.as_mut().expect("just set"), lines, i, end, &rest);
            if open.as_ref().is_some_and(|r| r.time.is_some()) {
                rows.push(open.take().expect("open"));
            }
            continue;
        }
        if let Some(r) = open.as_mut() {
            if let Some(b) = break_line(l, true) {
                rows.push(open.take().expect("open"));
                breaks.push(b);
                last_structural = i;
                i += 1;
                continue;
            }
            let nonblank = r.pre.iter().filter(|(_, t)| !t.is_empty()).count();
            if nonblank >= MAX_ROW_LINES {
                rows.push(open.take().expect("open"));
                stray.push(i);
                i += 1;
                continue;
            }
            i = add_to_row(r, lines, i, end, l);
            if r.time.is_some() {
                last_structural = i - 1;
                rows.push(open.take().expect("open"));
            }
            continue;
        }
        if let Some(b) = break_line(l, false) {
            breaks.push(b);
            last_structural = i;
        } else {
            stray.push(i);
        }
        i += 1;
    }
    if let Some(r) = open.take() {
        last_structural = r.pre.last().map_or(r.line - 1, |(n, _)| n - 1);
        rows.push(r);
    }
    for s in stray {
        if s < last_structural {
            warnings.push(Warning {
                line: s + 1,
                message: format!("not understood as part of the agenda table, left out: {:?}", lines[s].trim()),
            });
        }
    }
    for r in &rows {
        // Trailing blank lines carry no information.
        if r.time.is_none() {
            warnings.push(Warning {
                line: r.line,
                message: format!("sak {} has no planned time (HH:MM) in the table: add `time` by hand", r.saksnr),
            });
        }
    }
    let rows = rows
        .into_iter()
        .map(|mut r| {
            while r.pre.last().is_some_and(|(_, t)| t.is_empty()) {
                r.pre.pop();
            }
            r
        })
        .collect();
    Table { rows, breaks }
}

/// Add the text `l` of line `i` to the open row; if it holds the planned time, record time
/// and sakstype (which may stand alone on the next non-blank line). Returns the next line.
fn add_to_row(r: &mut Row, lines: &[&str], i: usize, end: usize, l: &str) -> usize {
    let lineno = i + 1;
    match last_time(l).filter(|(_, e, _)| sakstype_like(&l[*e..])) {
        Some((s, e, time)) => {
            r.pre.push((lineno, l[..s].trim().to_string()));
            r.time = Some(time);
            let rest = l[e..].trim();
            if !rest.is_empty() {
                r.sakstype = Some((lineno, rest.to_string()));
                return i + 1;
            }
            // "15:55" alone, sakstype maybe on the next non-blank line.
            let mut j = i + 1;
            while j < end && lines[j].trim().is_empty() {
                j += 1;
            }
            if j < end && Sakstype::parse(lines[j]).is_some() {
                r.sakstype = Some((j + 1, lines[j].trim().to_string()));
                return j + 1;
            }
            i + 1
        }
        None => {
            r.pre.push((lineno, l.to_string()));
            i + 1
        }
    }
}

// ---------------------------------------------------------------------------------------
// Title and presenters of one row

#[derive(Default)]
struct Known {
    orgs: HashSet<String>,
    people: Vec<Vec<String>>,
}

impl Known {
    /// Learn organisations (any comma part that is not a list of names) and people from rows
    /// whose presenters stand apart from the title.
    fn learn(&mut self, row: &Row) {
        if let Some((_, presenters)) = blocks_split(row) {
            for p in parse_presenters(&presenters, &HashSet::new()).0 {
                let toks: Vec<String> = p.name.split_whitespace().map(str::to_string).collect();
                if toks.len() >= 2 && !self.people.contains(&toks) {
                    self.people.push(toks);
                }
                self.orgs.insert(p.organisation);
            }
        } else {
            // Title and presenters in one run: the parts after the first comma are
            // organisations or further names.
            let text = join_wrapped(row.pre.iter().map(|(_, t)| t.as_str()));
            for part in text.split(',').skip(1) {
                let p = part.trim();
                let p = p.strip_prefix("og ").unwrap_or(p).trim();
                if !p.is_empty() && !is_names(p, &HashSet::new()) {
                    self.orgs.insert(p.to_string());
                }
            }
        }
        self.orgs.remove("");
    }
}

/// Blank-line blocks of the text before the time: with two or more, the first is
/// saksnr + title and the rest are presenters.
fn blocks_split(row: &Row) -> Option<(String, String)> {
    let mut blocks: Vec<Vec<&str>> = vec![vec![]];
    for (_, t) in &row.pre {
        if t.is_empty() {
            if !blocks.last().is_some_and(|b| b.is_empty()) {
                blocks.push(vec![]);
            }
        } else {
            blocks.last_mut().expect("non-empty").push(t);
        }
    }
    blocks.retain(|b| !b.is_empty());
    if blocks.len() < 2 {
        return None;
    }
    let title = join_wrapped(blocks[0].iter().copied());
    let presenters = join_presenter_lines(blocks[1..].iter().flatten().copied());
    Some((title, presenters))
}

fn build_item(row: &Row, heading: Option<&Heading>, known: &Known, warnings: &mut Vec<Warning>) -> Item {
    let (mut title, presenter_text) = match blocks_split(row) {
        Some(tp) => tp,
        None => split_title_presenters(row, heading, known, warnings),
    };
    if title.is_empty() {
        if let Some(h) = heading.filter(|h| !h.title.is_empty()) {
            title = h.title.clone();
            warnings.push(Warning {
                line: row.line,
                message: format!("sak {}: no title in the table, took it from the heading at line {}", row.saksnr, h.line),
            });
        } else {
            warnings.push(Warning { line: row.line, message: format!("sak {}: no title found", row.saksnr) });
        }
    }
    let (presenters, orphans) = parse_presenters(&presenter_text, &known.orgs);
    for o in orphans {
        warnings.push(Warning {
            line: row.line,
            message: format!("sak {}: {:?} in the presenter column has no name before it", row.saksnr, o),
        });
    }
    let sakstype = match &row.sakstype {
        None => Sakstype::Annet,
        Some((line, s)) => Sakstype::parse(s).unwrap_or_else(|| {
            warnings.push(Warning {
                line: *line,
                message: format!(
                    "sak {}: unknown sakstype {s:?} (expected Godkjenning, Orientering, Drøfting or Beslutning): set to Annet",
                    row.saksnr
                ),
            });
            Sakstype::Annet
        }),
    };
    Item { saksnr: row.saksnr.clone(), title, presenters, time: row.time.clone(), sakstype, forslag: String::new(), spans: None }
}

/// Title and presenters written in one run ("11/25 Godkjenning av innkalling og dagsorden
/// Rune Simensen, Helse Sør-Øst RHF"): find where the presenter's name starts.
fn split_title_presenters(row: &Row, heading: Option<&Heading>, known: &Known, warnings: &mut Vec<Warning>) -> (String, String) {
    let texts: Vec<&str> = row.pre.iter().map(|(_, t)| t.as_str()).filter(|t| !t.is_empty()).collect();
    // Several lines: the presenters start on the first later line that begins with names
    // followed by a comma.
    for k in 1..texts.len() {
        if let Some((before, _)) = texts[k].split_once(',') {
            if is_names(before.trim(), &known.orgs) {
                return (join_wrapped(texts[..k].iter().copied()), join_presenter_lines(texts[k..].iter().copied()));
            }
        }
    }
    let text = join_wrapped(texts.iter().copied());
    let toks: Vec<(usize, &str)> = re!(r"\S+").find_iter(&text).map(|m| (m.start(), m.as_str())).collect();
    let split_at = |k: usize| -> (String, String) {
        let at = toks.get(k).map_or(text.len(), |t| t.0);
        (text[..at].trim().to_string(), text[at..].trim().to_string())
    };
    // 1. The sak's own heading later in the deck gives the title's words.
    if let Some(h) = heading {
        let hw: Vec<String> = h.title.split_whitespace().map(norm_word).collect();
        if !hw.is_empty() && hw.len() < toks.len() && toks.iter().zip(&hw).all(|((_, t), w)| norm_word(t) == *w) {
            return split_at(hw.len());
        }
    }
    // Only the words before the first comma can hold the (first) presenter's name.
    let before_comma = toks.iter().position(|(_, t)| t.contains(',')).map(|p| p + 1);
    let Some(nb) = before_comma else {
        warnings.push(Warning {
            line: row.line,
            message: format!(
                "sak {}: cannot tell the title from the presenter (no \"Name, Organisation\"): all taken as title",
                row.saksnr
            ),
        });
        return (text.clone(), String::new());
    };
    let words: Vec<String> = toks[..nb].iter().map(|(_, t)| t.trim_end_matches(',').to_string()).collect();
    // 2. A person the table names elsewhere.
    for person in &known.people {
        let n = person.len();
        if n < words.len() && words[words.len() - n..] == person[..] {
            return split_at(nb - n);
        }
    }
    // 3. Walk back over capitalised name words (and "og" between names), leaving a title.
    let mut cands = Vec::new();
    let (mut i, mut cur) = (words.len(), 0);
    while i > 0 {
        let t = words[i - 1].as_str();
        if name_word(t) && !known.orgs.contains(t) && cur < 3 {
            cur += 1;
            i -= 1;
            if cur >= 2 {
                cands.push(i);
            }
        } else if (t == "og" || t == "&") && cur >= 2 && i >= 2 && name_word(&words[i - 2]) {
            cur = 0;
            i -= 1;
        } else {
            break;
        }
    }
    match cands.iter().copied().filter(|&k| k > 0).min() {
        Some(k) => split_at(k),
        None => {
            warnings.push(Warning {
                line: row.line,
                message: format!("sak {}: cannot find the presenter's name before the first comma: all taken as title", row.saksnr),
            });
            (text.clone(), String::new())
        }
    }
}

/// Words that mark an organisation, not a person.
fn org_word(t: &str) -> bool {
    const WORDS: &[&str] = &["helse", "norsk", "nasjonalt", "nasjonal", "statens", "direktoratet", "kommune", "ks"];
    const SUFFIXES: &[&str] = &[
        "direktoratet",
        "foreningen",
        "forbund",
        "forbundet",
        "instituttet",
        "departementet",
        "tilsynet",
        "etaten",
        "senteret",
        "sykehuset",
        "universitetet",
        "kommune",
        "rådet",
        "nett",
    ];
    let l = t.to_lowercase();
    WORDS.contains(&l.as_str()) || SUFFIXES.iter().any(|s| l.ends_with(s))
}

/// A word of a person's name: capitalised, not an acronym, not an organisation word.
fn name_word(t: &str) -> bool {
    let mut cs = t.chars();
    let Some(first) = cs.next() else { return false };
    first.is_uppercase()
        && t.chars().all(|c| c.is_alphabetic() || c == '-' || c == '.')
        && (t.chars().count() == 1 || t.chars().skip(1).any(|c| c.is_lowercase()) || t.ends_with('.'))
        && !org_word(t)
}

/// "Kari Jørgensen og Randi Halle-Knutzen": one or more names of 2 to 4 name words.
fn is_names(part: &str, orgs: &HashSet<String>) -> bool {
    if part.is_empty() || orgs.contains(part) {
        return false;
    }
    split_names(part).iter().all(|n| {
        let w: Vec<&str> = n.split_whitespace().collect();
        (2..=4).contains(&w.len()) && w.iter().all(|t| name_word(t))
    })
}

fn split_names(part: &str) -> Vec<String> {
    re!(r"\s+(?:og|&|and)\s+")
        .split(part.trim().trim_start_matches("og ").trim())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Presenter lines: a line break separates "Name, Org" groups unless the line ends with a
/// comma or "og" (the group wraps), so join those with a space and the others with a comma.
fn join_presenter_lines<'a>(lines: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for l in lines.map(str::trim).filter(|l| !l.is_empty()) {
        if !out.is_empty() {
            let t = out.trim_end();
            let wraps = t.ends_with(',') || t.ends_with(" og") || t.ends_with('&') || l.starts_with(|c: char| c.is_lowercase());
            out = t.to_string();
            out.push_str(if wraps { " " } else { ", " });
        }
        out.push_str(l);
    }
    out
}

/// "Rune Simensen,Helse Sør-Øst RHF, og Tobias Iveland, Legeforeningen" → presenters.
/// Also returns organisation parts that have no name before them.
fn parse_presenters(text: &str, orgs: &HashSet<String>) -> (Vec<Presenter>, Vec<String>) {
    let mut out: Vec<Presenter> = Vec::new();
    let mut pending: Vec<String> = Vec::new();
    let mut orphans = Vec::new();
    let mut last_group: std::ops::Range<usize> = 0..0;
    for part in text.split(',') {
        let p = part.trim();
        let p = p.strip_prefix("og ").unwrap_or(p).trim();
        if p.is_empty() {
            continue;
        }
        if is_names(p, orgs) {
            pending.extend(split_names(p));
        } else if !pending.is_empty() {
            let from = out.len();
            out.extend(pending.drain(..).map(|name| Presenter { name, organisation: p.to_string() }));
            last_group = from..out.len();
        } else if !last_group.is_empty() {
            // "Name, department, Organisation": a second organisation part.
            for pr in &mut out[last_group.clone()] {
                pr.organisation = format!("{}, {p}", pr.organisation);
            }
        } else {
            orphans.push(p.to_string());
        }
    }
    out.extend(pending.into_iter().map(|name| Presenter { name, organisation: String::new() }));
    (out, orphans)
}

// ---------------------------------------------------------------------------------------
// Headings and forslag til vedtak

struct Heading {
    line: usize,
    /// "13/25" when the heading has the year; None for "Sak 13:".
    saksnr: Option<String>,
    title: String,
}

fn headings(lines: &[&str]) -> Vec<Heading> {
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let Some(c) = re!(r"(?i)^\s*sak\s+(\d{1,3})\s*(?:/\s*(\d{2,4}))?\s*:\s*(.*)$").captures(l) else {
            continue;
        };
        let mut parts = vec![c[3].trim().to_string()];
        for next in lines.iter().skip(i + 1).take(6) {
            let t = next.trim();
            if t.is_empty() || is_heading(t) {
                break;
            }
            parts.push(t.to_string());
        }
        out.push(Heading {
            line: i + 1,
            saksnr: c.get(2).map(|y| format!("{}/{}", &c[1], y.as_str())),
            title: join_wrapped(parts.iter().map(String::as_str)),
        });
    }
    out
}

/// Forslag til vedtak per sak. The sak is the one of the nearest heading above; an updated
/// forslag wins over the original, and a later one over an earlier one of the same kind.
fn forslag(lines: &[&str], saksnr: &[String], warnings: &mut Vec<Warning>) -> Vec<(String, String)> {
    let by_number = |n: &str| -> Option<String> {
        let mut m = saksnr.iter().filter(|s| s.split('/').next() == Some(n));
        match (m.next(), m.next()) {
            (Some(s), None) => Some(s.clone()),
            _ => None,
        }
    };
    let mut current: Option<String> = None;
    let mut best: HashMap<String, (bool, usize, String)> = HashMap::new();
    let mut order = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if let Some(c) = re!(r"(?i)^\s*sak\s+(\d{1,3})\s*(?:/\s*(\d{2,4}))?\s*:").captures(l) {
            current = match c.get(2) {
                Some(y) => Some(format!("{}/{}", &c[1], y.as_str())),
                None => by_number(&c[1]),
            };
            continue;
        }
        let Some(updated) = forslag_heading(l) else { continue };
        let text = forslag_text(lines, i + 1);
        let Some(sak) = current.clone() else {
            warnings.push(Warning {
                line: i + 1,
                message: "\"Forslag til vedtak\" without a \"Sak NN/YY:\" heading before it: not assigned to any sak".into(),
            });
            continue;
        };
        if text.is_empty() {
            warnings.push(Warning { line: i + 1, message: format!("sak {sak}: \"Forslag til vedtak\" without text") });
            continue;
        }
        if !saksnr.contains(&sak) {
            warnings.push(Warning {
                line: i + 1,
                message: format!("forslag til vedtak for sak {sak}, which is not in the agenda table: left out"),
            });
            continue;
        }
        let better = best.get(&sak).is_none_or(|(u, _, _)| updated || !*u);
        if better {
            if !best.contains_key(&sak) {
                order.push(sak.clone());
            }
            best.insert(sak, (updated, i, text));
        }
    }
    order.into_iter().filter_map(|s| best.remove(&s).map(|(_, _, t)| (s, t))).collect()
}

/// The text of a forslag slide starting at line `from`: wrapped lines (also across single
/// blank lines) up to two blank lines, a page number, the next heading or a closing quote.
/// Footers such as "Helsedirektoratet 14" and page numbers are dropped.
fn forslag_text(lines: &[&str], from: usize) -> String {
    let mut got: Vec<&str> = Vec::new();
    let mut blanks = 0;
    for l in lines.iter().skip(from).take(40) {
        let t = l.trim();
        if is_heading(t) || forslag_heading(t).is_some() {
            break;
        }
        if t.is_empty() {
            blanks += 1;
            if blanks >= 2 && !got.is_empty() {
                break;
            }
            continue;
        }
        blanks = 0;
        let page = re!(r"^\d{1,3}$").is_match(t);
        let footer = re!(r"^\p{Lu}[\p{L}\-]*\s+\d{1,3}$").is_match(t);
        if page || footer {
            if got.is_empty() {
                continue;
            }
            break;
        }
        got.push(t);
        if t.ends_with('»') || t.ends_with('”') {
            break;
        }
    }
    let text = join_wrapped(got.into_iter());
    let text = text.replace(['«', '»', '“', '”'], "");
    // "e -helseråd" (a hyphen the extraction moved) → "e-helseråd"
    let text = re!(r"(\p{L}) -(\p{L})").replace_all(&text, "$1-$2");
    text.trim().trim_matches('"').trim().to_string()
}

// ---------------------------------------------------------------------------------------
// Text helpers

/// Join wrapped lines: "e-" + "helseløsningene" → "e-helseløsningene", "helse-" + "og
/// omsorg" → "helse- og omsorg", otherwise with one space.
fn join_wrapped<'a>(lines: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for l in lines.map(str::trim).filter(|l| !l.is_empty()) {
        if !out.is_empty() {
            let first_word = l.split_whitespace().next().unwrap_or("");
            let glue = out.ends_with('-')
                && out.chars().rev().nth(1).is_some_and(char::is_alphabetic)
                && l.starts_with(|c: char| c.is_lowercase())
                && !matches!(first_word, "og" | "eller" | "til");
            if !glue {
                out.push(' ');
            }
        }
        out.push_str(l);
    }
    re!(r"\s+").replace_all(&out, " ").trim().to_string()
}

fn norm_word(w: &str) -> String {
    w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase()
}

/// "Agenda Nasjonalt e-helseråd 12. juni 2025" → council and date.
fn title_line(lines: &[&str]) -> (Option<String>, Option<String>) {
    for l in lines.iter().take(15) {
        if let Some(c) =
            re!(r"(?i)^\s*(?:agenda|dagsorden|innkalling)\s+(?:for\s+|til\s+)?(?:møte\s+i\s+)?(.+?)\s+(\d{1,2}\.\s*\p{L}+\s+\d{4})\s*$")
                .captures(l)
        {
            return (Some(c[1].trim().to_string()), Some(c[2].trim().to_string()));
        }
    }
    (None, None)
}

// ---------------------------------------------------------------------------------------
// Output

fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The meeting file: placeholders for what the agenda does not say, the items in meeting
/// order and the breaks. Checked with [`Meeting::parse`] before it is returned.
pub fn to_meeting_toml(a: &Agenda, source: &str) -> Result<String> {
    let mut s = String::new();
    let fill = |example: &str| format!("{FILL_IN} (f.eks. {example})");
    s.push_str(&format!(
        "# Meeting file made by `referat agenda import` from {source}.\n\
         # Check every field against the agenda and replace each \"{FILL_IN}\".\n"
    ));
    s.push_str(&format!("council = {}\n", q(a.council.as_deref().unwrap_or(&fill("Nasjonalt e-helseråd")))));
    s.push_str(&format!("number = {}\n", q(&fill("2/2025"))));
    s.push_str(&format!("date = {}\n", q(a.date.as_deref().unwrap_or(&fill("12. juni 2025")))));
    let first = a.items.iter().find_map(|i| i.time.as_deref());
    let time = match first {
        Some(t) => format!("Kl. {} – {FILL_IN}", t.replace(':', ".")),
        None => fill("Kl. 10.00 – 16.00"),
    };
    s.push_str(&format!("time = {}\n", q(&time)));
    s.push_str(&format!("place = {}\n", q(&fill("Helsedirektoratet, Oslo"))));
    if let Some(t) = first {
        s.push_str("# Clock time at which the recording starts (planned start of the first item).\n");
        s.push_str(&format!("recording_start = {}\n", q(t)));
    }
    s.push_str(
        "\n# Members: one block per person; status = \"present\", \"absent\" or \"substitute\"\n\
         # (with substitute_for = \"<member's name>\").\n\
         # [[members]]\n# name = \"\"\n# organisation = \"\"\n# status = \"present\"\n\
         \n# [secretariat]\n# organisation = \"\"\n# names = []\n",
    );
    s.push_str("\n# Agenda items in meeting order.\n");
    for it in &a.items {
        s.push_str("\n[[items]]\n");
        s.push_str(&format!("saksnr = {}\n", q(&it.saksnr)));
        s.push_str(&format!("title = {}\n", q(&it.title)));
        if it.presenters.is_empty() {
            s.push_str("presenters = []\n");
        } else {
            s.push_str("presenters = [\n");
            for p in &it.presenters {
                s.push_str(&format!("  {{ name = {}, organisation = {} }},\n", q(&p.name), q(&p.organisation)));
            }
            s.push_str("]\n");
        }
        match &it.time {
            Some(t) => s.push_str(&format!("time = {}\n", q(t))),
            None => s.push_str("# time = \"HH:MM\"  (not found in the agenda)\n"),
        }
        s.push_str(&format!("sakstype = {}\n", q(it.sakstype.as_str())));
        s.push_str(&format!("forslag = {}\n", q(&it.forslag)));
    }
    for b in &a.breaks {
        s.push_str(&format!("\n[[breaks]]\nlabel = {}\ntime = {}\n", q(&b.label), q(&b.time)));
    }
    Meeting::parse(&s).context("internal error: the imported meeting file does not parse (please report)")?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_wrapped_lines() {
        assert_eq!(join_wrapped(["nasjonale e-", "helseløsningene"].into_iter()), "nasjonale e-helseløsningene");
        assert_eq!(join_wrapped(["i helse-", "og omsorgstjenesten"].into_iter()), "i helse- og omsorgstjenesten");
        assert_eq!(join_wrapped(["for de ", " nasjonale"].into_iter()), "for de nasjonale");
    }

    #[test]
    fn presenters_with_several_organisations() {
        let (p, orphans) = parse_presenters(
            "Sveinung Tornås, Helsedirektoratet, Rune Simensen,Helse Sør-Øst RHF, og Tobias Iveland, Legeforeningen",
            &HashSet::new(),
        );
        assert!(orphans.is_empty());
        let got: Vec<String> = p.iter().map(Presenter::display).collect();
        assert_eq!(got, ["Sveinung Tornås, Helsedirektoratet", "Rune Simensen, Helse Sør-Øst RHF", "Tobias Iveland, Legeforeningen"]);
        let (p, _) = parse_presenters("Kari Jørgensen og Randi Halle-Knutzen, Norsk helsenett SF", &HashSet::new());
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].name, "Randi Halle-Knutzen");
        assert_eq!(p[1].organisation, "Norsk helsenett SF");
    }

    #[test]
    fn times_and_breaks() {
        assert_eq!(last_time("Rune Simensen, Helse Sør-Øst RHF 10:05 Godkjenning").map(|t| t.2), Some("10:05".into()));
        assert_eq!(last_time("16.06.2025Helsedirektoratet 161"), None);
        assert_eq!(last_time("kl 9.30").map(|t| t.2), Some("09:30".into()));
        let l = "Erik Hedlund, Helsedirektoratet 10.15 – 10.55 Drøfting";
        let (s, e, t) = last_time(l).unwrap();
        assert_eq!((t.as_str(), &l[e..], &l[..s]), ("10:15", " Drøfting", "Erik Hedlund, Helsedirektoratet "));
        assert_eq!(break_line("Lunsj 11:35", true), Some(Break { label: "Lunsj".into(), time: "11:35".into() }));
        assert_eq!(break_line("Erik Hedlund 10:55", true), None);
    }

    #[test]
    fn forslag_heading_variants() {
        assert_eq!(forslag_heading("Forslag til vedtak"), Some(false));
        assert_eq!(forslag_heading("Forslag til vedtak - oppdatert"), Some(true));
        assert_eq!(forslag_heading("Oppdatert forslag til vedtak"), Some(true));
        assert_eq!(forslag_heading("Forslag til vedtak:"), Some(false));
        assert_eq!(forslag_heading("Forslag til vedtak i saken er"), None);
    }
}
