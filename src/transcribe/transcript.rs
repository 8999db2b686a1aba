//! Transcripts in and out: import WebVTT (with Teams/Zoom voice tags), SRT and referat's own
//! JSON, so a meeting that already has a transcript skips ASR and keeps speaker names; export
//! WebVTT and SRT next to `transcript.json`.

use crate::artifact::{Inputs, Segment, Transcript, FORMAT_VERSION};
use crate::stage::{Ctx, Made, Stage};
use crate::workdir::{self, WorkDir};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

/// Read a transcript file; the format follows the extension (.vtt, .srt, .json) or, failing
/// that, the content.
pub fn load_file(path: &Path) -> Result<Transcript> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read transcript {}: check the path (it must be UTF-8 text)", path.display()))?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_lowercase();
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let r = match ext.as_str() {
        "vtt" | "webvtt" => parse_vtt(&text),
        "srt" => parse_srt(&text),
        "json" => parse_json(&text),
        _ if trimmed.starts_with("WEBVTT") => parse_vtt(&text),
        _ if trimmed.starts_with('{') => parse_json(&text),
        _ => parse_srt(&text),
    };
    r.with_context(|| format!("invalid transcript {}", path.display()))
}

pub fn parse_json(text: &str) -> Result<Transcript> {
    let mut t: Transcript = serde_json::from_str(text).map_err(|e| {
        anyhow::anyhow!("line {}, column {}: {e}: fix the JSON (see transcript.json written by `referat transcribe`)", e.line(), e.column())
    })?;
    for (i, s) in t.segments.iter().enumerate() {
        if !(s.start >= 0.0 && s.end >= s.start) {
            bail!("segment {} has start {} and end {}: times must satisfy 0 <= start <= end", i + 1, s.start, s.end);
        }
    }
    if !(t.duration.is_finite() && t.duration >= 0.0) {
        bail!("duration {} must be a number of seconds >= 0 (or left out)", t.duration);
    }
    // Like the VTT/SRT import: the recording lasts at least until the last segment ends
    // (a file without "duration" would otherwise claim 0 s and confuse segmentation).
    t.duration = t.segments.iter().map(|s| s.end).fold(t.duration, f64::max);
    t.version = FORMAT_VERSION;
    if t.source.is_empty() {
        t.source = "json".into();
    }
    Ok(t)
}

/// Parse `hh:mm:ss.mmm`, `mm:ss.mmm` (WebVTT) or `hh:mm:ss,mmm` (SRT) into seconds.
pub fn parse_timestamp(s: &str) -> Option<f64> {
    let s = s.trim();
    let (hms, frac) = match s.rfind(['.', ',']) {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    };
    let parts: Vec<&str> = hms.split(':').collect();
    if parts.len() < 2 || parts.len() > 3 || parts.iter().any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 3 {
        return None;
    }
    let nums: Vec<f64> = parts.iter().map(|p| p.parse::<f64>().ok()).collect::<Option<Vec<_>>>()?;
    let (h, m, sec) = if nums.len() == 3 { (nums[0], nums[1], nums[2]) } else { (0.0, nums[0], nums[1]) };
    if m >= 60.0 || sec >= 60.0 {
        return None;
    }
    let ms = if frac.is_empty() { 0.0 } else { frac.parse::<f64>().ok()? / 10f64.powi(frac.len() as i32) };
    // Hundreds of digits parse to infinity: not a time.
    Some(h * 3600.0 + m * 60.0 + sec + ms).filter(|t| t.is_finite())
}

/// Parse a "start --> end [settings]" line; `lineno` is 1-based for the error.
fn parse_timing(line: &str, lineno: usize) -> Result<(f64, f64)> {
    let (a, b) =
        line.split_once("-->").with_context(|| format!("line {lineno}: expected a timing line \"start --> end\", found {line:?}"))?;
    let b = b.split_whitespace().next().unwrap_or("");
    let bad = |t: &str| anyhow::anyhow!("line {lineno}: bad timestamp {:?}: write it as hh:mm:ss.mmm", t.trim());
    let start = parse_timestamp(a).ok_or_else(|| bad(a))?;
    let end = parse_timestamp(b).ok_or_else(|| bad(b))?;
    if end < start {
        bail!("line {lineno}: cue ends ({}) before it starts ({})", b.trim(), a.trim());
    }
    Ok((start, end))
}

fn decode_entities(s: &str) -> String {
    s.replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
}

/// Remove `<...>` tags; returns the text and the name of the first `<v Name>` voice tag.
fn strip_tags(payload: &str) -> (String, Option<String>) {
    let mut out = String::new();
    let mut speaker = None;
    let mut rest = payload;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let Some(j) = rest[i..].find('>') else {
            out.push_str(&rest[i..]);
            rest = "";
            break;
        };
        let tag = &rest[i + 1..i + j];
        // `<v Name>` or `<v.class Name>`
        if speaker.is_none() && (tag.starts_with("v ") || tag.starts_with("v.")) {
            if let Some((_, name)) = tag.split_once(' ') {
                let name = decode_entities(name.trim());
                if !name.is_empty() {
                    speaker = Some(name);
                }
            }
        }
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    (decode_entities(&out).split_whitespace().collect::<Vec<_>>().join(" "), speaker)
}

/// "Ola Nordmann: tekst" as Zoom and many SRT files write speakers: 1-4 capitalised words
/// without digits before the colon.
fn split_name_prefix(text: &str) -> Option<(String, String)> {
    let (name, rest) = text.split_once(": ")?;
    let words: Vec<&str> = name.split_whitespace().collect();
    let ok = !words.is_empty()
        && words.len() <= 4
        && name.chars().count() <= 40
        && words.iter().all(|w| w.chars().next().is_some_and(|c| c.is_uppercase()))
        && !name.chars().any(|c| c.is_ascii_digit());
    ok.then(|| (name.trim().to_string(), rest.trim().to_string()))
}

/// Lines grouped into blank-line separated blocks, with the 1-based number of each line.
fn blocks(text: &str) -> Vec<Vec<(usize, &str)>> {
    let mut out = Vec::new();
    let mut cur: Vec<(usize, &str)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = if i == 0 { line.trim_start_matches('\u{feff}') } else { line };
        if line.trim().is_empty() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        } else {
            cur.push((i + 1, line.trim_end()));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

pub fn parse_vtt(text: &str) -> Result<Transcript> {
    let bl = blocks(text);
    let Some(first) = bl.first() else { bail!("the file is empty: a WebVTT file starts with \"WEBVTT\"") };
    if !first[0].1.starts_with("WEBVTT") {
        bail!("line {}: a WebVTT file must start with \"WEBVTT\"", first[0].0);
    }
    let has_voice_tags = text.contains("<v ") || text.contains("<v.");
    let mut segments = Vec::new();
    for b in &bl[1..] {
        let head = b[0].1;
        if head.starts_with("NOTE") || head.starts_with("STYLE") || head.starts_with("REGION") {
            continue;
        }
        // Optional cue id line before the timing line.
        let ti = if head.contains("-->") { 0 } else { 1 };
        let Some(&(lineno, timing)) = b.get(ti) else {
            bail!("line {}: cue {:?} has no timing line \"start --> end\"", b[0].0, head);
        };
        let (start, end) = parse_timing(timing, lineno)?;
        push_cue(&mut segments, start, end, &b[ti + 1..], !has_voice_tags);
    }
    Ok(imported(segments, "vtt"))
}

pub fn parse_srt(text: &str) -> Result<Transcript> {
    let mut segments = Vec::new();
    for b in blocks(text) {
        let head = b[0].1.trim();
        let ti = if head.contains("-->") {
            0
        } else if head.bytes().all(|c| c.is_ascii_digit()) {
            1
        } else {
            bail!("line {}: expected a cue number or \"start --> end\", found {:?}", b[0].0, head);
        };
        let Some(&(lineno, timing)) = b.get(ti) else {
            bail!("line {}: cue {} has no timing line \"start --> end\"", b[0].0, head);
        };
        let (start, end) = parse_timing(timing, lineno)?;
        push_cue(&mut segments, start, end, &b[ti + 1..], true);
    }
    if segments.is_empty() {
        bail!("no cues found: an SRT file has blocks of number, \"start --> end\" and text");
    }
    Ok(imported(segments, "srt"))
}

fn push_cue(segments: &mut Vec<Segment>, start: f64, end: f64, payload: &[(usize, &str)], name_prefix: bool) {
    let joined = payload.iter().map(|(_, l)| *l).collect::<Vec<_>>().join(" ");
    let (mut text, mut speaker) = strip_tags(&joined);
    if speaker.is_none() && name_prefix {
        if let Some((name, rest)) = split_name_prefix(&text) {
            speaker = Some(name);
            text = rest;
        }
    }
    if !text.is_empty() {
        segments.push(Segment { start, end, text, speaker, words: vec![], ..Default::default() });
    }
}

fn imported(mut segments: Vec<Segment>, source: &str) -> Transcript {
    segments.sort_by(|a, b| a.start.total_cmp(&b.start));
    let duration = segments.iter().map(|s| s.end).fold(0.0, f64::max);
    Transcript { version: FORMAT_VERSION, inputs: Inputs::new(), source: source.into(), model: None, duration, segments, warnings: vec![] }
}

fn fmt_ts(t: f64, sep: char) -> String {
    let ms = (t.max(0.0) * 1000.0).round() as u64;
    format!("{:02}:{:02}:{:02}{sep}{:03}", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
}

fn escape_vtt(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// WebVTT with `<v Name>` voice tags where the speaker is known.
pub fn to_vtt(t: &Transcript) -> String {
    let mut out = String::from("WEBVTT\n\n");
    for (i, s) in t.segments.iter().enumerate() {
        out.push_str(&format!("{}\n{} --> {}\n", i + 1, fmt_ts(s.start, '.'), fmt_ts(s.end, '.')));
        let text = escape_vtt(s.text.trim());
        match &s.speaker {
            Some(name) => out.push_str(&format!("<v {}>{}</v>\n\n", escape_vtt(name).replace('>', ""), text)),
            None => out.push_str(&format!("{text}\n\n")),
        }
    }
    out
}

/// SRT; speakers as a "Name: " prefix, the usual SRT convention.
pub fn to_srt(t: &Transcript) -> String {
    let mut out = String::new();
    for (i, s) in t.segments.iter().enumerate() {
        out.push_str(&format!("{}\n{} --> {}\n", i + 1, fmt_ts(s.start, ','), fmt_ts(s.end, ',')));
        match &s.speaker {
            Some(name) => out.push_str(&format!("{}: {}\n\n", name, s.text.trim())),
            None => out.push_str(&format!("{}\n\n", s.text.trim())),
        }
    }
    out
}

/// The transcript's formats for other tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subtitles {
    Vtt,
    Srt,
}

/// Write the transcript as `transcript.vtt` or `transcript.srt` in the work dir (atomic);
/// returns its path.
pub fn write_subtitles(wd: &WorkDir, t: &Transcript, kind: Subtitles) -> Result<PathBuf> {
    let (name, text) = match kind {
        Subtitles::Vtt => ("transcript.vtt", to_vtt(t)),
        Subtitles::Srt => ("transcript.srt", to_srt(t)),
    };
    let path = wd.path(name);
    workdir::write_atomic(&path, text.as_bytes())?;
    Ok(path)
}

/// Save transcript.json and write transcript.vtt and transcript.srt next to it (all atomic).
pub fn save_with_exports(wd: &WorkDir, t: &Transcript) -> Result<()> {
    write_subtitles(wd, t, Subtitles::Vtt)?;
    write_subtitles(wd, t, Subtitles::Srt)?;
    // The JSON last: its presence marks the stage as done.
    wd.save(t)
}

/// The `transcribe --transcript FILE` stage: import `file` into `transcript.json`.
pub struct ImportStage<'a> {
    pub file: &'a Path,
}

impl Stage for ImportStage<'_> {
    type Output = Transcript;
    const NAME: &'static str = "transcribe";

    fn inputs(&self) -> Result<Inputs> {
        Ok(Inputs::from([("transcript".to_string(), workdir::sha256_file(self.file)?)]))
    }

    fn run(&self, _: Ctx<'_, Transcript>) -> Result<Made<Transcript>> {
        let mut t = load_file(self.file)?;
        if t.segments.is_empty() {
            t.warnings.push(format!("Den importerte transkripsjonen {} er tom.", self.file.display()));
        }
        Ok(Made::new(t))
    }

    fn save(&self, wd: &WorkDir, t: &Transcript) -> Result<()> {
        save_with_exports(wd, t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(parse_timestamp("01:02:03.456"), Some(3723.456));
        assert_eq!(parse_timestamp("02:03.5"), Some(123.5));
        assert_eq!(parse_timestamp("00:00:01,000"), Some(1.0));
        assert_eq!(parse_timestamp("00:61:00.000"), None);
        assert_eq!(parse_timestamp("aa:00.000"), None);
        assert_eq!(fmt_ts(3723.456, '.'), "01:02:03.456");
    }
}
