//! The meeting file (TOML): what is known before the meeting. See README for the format.

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::Path;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Meeting {
    /// Council name, e.g. "Nasjonalt e-helseråd". Every vedtak starts with it.
    pub council: String,
    /// Meeting number, e.g. "2/2025".
    pub number: String,
    /// Date as written in the referat, e.g. "12. juni 2025".
    pub date: String,
    /// Time span as written in the referat, e.g. "Kl. 10.00 – 16.00".
    pub time: String,
    pub place: String,
    /// Clock time at which the recording starts ("10:00"), so planned item times can be
    /// placed on the recording's time line. Defaults to the first item's planned time.
    #[serde(default)]
    pub recording_start: Option<String>,
    #[serde(default)]
    pub members: Vec<Member>,
    #[serde(default)]
    pub secretariat: Option<Secretariat>,
    /// Agenda items in meeting order (which may differ from numeric order).
    pub items: Vec<Item>,
    /// Breaks on the agenda (lunch, pauses), by planned clock time.
    #[serde(default)]
    pub breaks: Vec<Break>,
    /// Extra vocabulary for the ASR prompt and name correction (acronyms, product names).
    #[serde(default)]
    pub vocabulary: Vec<String>,
    /// Optional model and prompt overrides; command-line flags win over these.
    #[serde(default)]
    pub models: ModelSettings,
    /// Who chairs the meeting, when the secretary knows it; otherwise referat infers the chair
    /// as the speaker who opens and closes the items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chair: Option<String>,
    /// Written language of the referat: "nb" (Bokmål, the default) or "nn" (Nynorsk).
    #[serde(default)]
    pub language: Language,
    /// The secretariat's own fixed wording (headings, labels, standard vedtak): a TOML file of
    /// the shape of `src/text/phrases.toml`, relative to the meeting file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
}

/// The referat's written standard.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    Nb,
    Nn,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Member {
    pub name: String,
    #[serde(default)]
    pub organisation: String,
    #[serde(default)]
    pub status: Attendance,
    /// For `status = "substitute"`: the member this person stands in for.
    #[serde(default)]
    pub substitute_for: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Attendance {
    #[default]
    Present,
    Absent,
    Substitute,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Secretariat {
    pub organisation: String,
    #[serde(default)]
    pub names: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// "13/25"
    pub saksnr: String,
    pub title: String,
    #[serde(default)]
    pub presenters: Vec<Presenter>,
    /// Planned start, clock time "10:15".
    #[serde(default)]
    pub time: Option<String>,
    /// Empty or left out (agendas leave Eventuelt blank): [`Sakstype::Annet`].
    #[serde(default)]
    pub sakstype: Sakstype,
    /// Forslag til vedtak; may be empty.
    #[serde(default)]
    pub forslag: String,
    /// Manual segmentation override: recording spans `[[start, end], ...]` in seconds.
    /// When set, `referat segment` uses these instead of its own boundaries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spans: Option<Vec<[f64; 2]>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Presenter {
    pub name: String,
    #[serde(default)]
    pub organisation: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Break {
    /// "Lunsj", "Pause"
    pub label: String,
    /// Planned clock time "11:35".
    pub time: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ModelSettings {
    /// whisper.cpp ggml file (any size, e.g. NB-Whisper's ggml-model.bin).
    #[serde(default)]
    pub whisper: Option<String>,
    /// GGUF language model.
    #[serde(default)]
    pub llm: Option<String>,
    /// tokenizer.json that wins over the tokenizer in the GGUF.
    #[serde(default)]
    pub tokenizer: Option<String>,
    /// Folder with prompt files replacing the bundled `prompts/`.
    #[serde(default)]
    pub prompts: Option<String>,
}

/// What kind of decision the item asks for; drives the vedtak wording. Read with
/// [`Sakstype::parse`], so a meeting file may use the words agendas use ("Vedtakssak").
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq, Hash)]
pub enum Sakstype {
    Godkjenning,
    Orientering,
    Drøfting,
    Beslutning,
    /// Items such as "Eventuelt" that have no sakstype on the agenda (written as `""`).
    #[default]
    Annet,
}

impl<'de> Deserialize<'de> for Sakstype {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.trim().is_empty() {
            return Ok(Sakstype::Annet);
        }
        Sakstype::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown sakstype {s:?}: write Godkjenning, Orientering, Drøfting, Beslutning (or Vedtak), or leave it empty"
            ))
        })
    }
}

impl Sakstype {
    /// The sakstype a word on an agenda names, in any case, with a trailing "." or ":"
    /// ("Vedtakssak", "drøfting", "Informasjon:"); none for an empty or unknown word (a meeting
    /// file's empty sakstype is [`Sakstype::Annet`]).
    pub fn parse(s: &str) -> Option<Sakstype> {
        let w = s.trim().trim_end_matches(['.', ':']).to_lowercase();
        Some(match w.as_str() {
            "godkjenning" | "godkjennelse" | "godkjenningssak" => Sakstype::Godkjenning,
            "orientering" | "orienteringssak" | "informasjon" | "informasjonssak" | "referatsak" => Sakstype::Orientering,
            "drøfting" | "drofting" | "drøftingssak" | "droftingssak" | "diskusjon" | "diskusjonssak" => Sakstype::Drøfting,
            "beslutning" | "beslutningssak" | "vedtak" | "vedtakssak" => Sakstype::Beslutning,
            "annet" | "eventuelt" => Sakstype::Annet,
            _ => return None,
        })
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Sakstype::Godkjenning => "Godkjenning",
            Sakstype::Orientering => "Orientering",
            Sakstype::Drøfting => "Drøfting",
            Sakstype::Beslutning => "Beslutning",
            Sakstype::Annet => "Annet",
        }
    }
}

impl Item {
    /// The item's number as the chair says it: 34 for "34/25", "PS 34/25" or "sak 34".
    pub fn number(&self) -> Option<u32> {
        saksnr_number(&self.saksnr)
    }
}

/// The number part of a saksnr: "PS 34/25" → 34, "045-2025" → 45, "2025/012" → 12. A
/// four-digit year is never the number when another group of digits is there; otherwise the
/// digits right before the '/' win, then the first group.
pub fn saksnr_number(saksnr: &str) -> Option<u32> {
    let is_year = |g: &str| g.len() == 4 && (g.starts_with("19") || g.starts_with("20"));
    let groups: Vec<&str> = saksnr.split(|c: char| !c.is_ascii_digit()).filter(|g| !g.is_empty()).collect();
    let before_slash = saksnr.split_once('/').and_then(|(h, _)| h.split(|c: char| !c.is_ascii_digit()).rfind(|g| !g.is_empty()));
    let pick = before_slash
        .filter(|g| !is_year(g))
        .or_else(|| groups.iter().copied().find(|g| !is_year(g)))
        .or_else(|| groups.first().copied())?;
    pick.parse().ok()
}

impl Presenter {
    /// "Erik Hedlund, Helsedirektoratet"
    pub fn display(&self) -> String {
        if self.organisation.is_empty() {
            self.name.clone()
        } else {
            format!("{}, {}", self.name, self.organisation)
        }
    }
}

impl Meeting {
    /// Read and validate a meeting file. Errors name the file, the place and the fix.
    pub fn load(path: &Path) -> Result<Meeting> {
        let text = std::fs::read_to_string(path).with_context(|| {
            format!("cannot read meeting file {}: check the path (create one with `referat agenda import`)", path.display())
        })?;
        let mut m = Self::parse(&text).with_context(|| format!("invalid meeting file {}", path.display()))?;
        // Relative model and prompt paths mean "next to the meeting file", wherever referat runs.
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let s = &mut m.models;
            for p in [&mut s.whisper, &mut s.llm, &mut s.tokenizer, &mut s.prompts, &mut m.template].into_iter().flatten() {
                if Path::new(p.as_str()).is_relative() {
                    *p = dir.join(&*p).to_string_lossy().into_owned();
                }
            }
        }
        // The template is the wording of every later stage of this run.
        crate::text::phrases::use_template(m.template.as_deref().map(Path::new))
            .with_context(|| format!("the template named in meeting file {}", path.display()))?;
        Ok(m)
    }

    pub fn parse(text: &str) -> Result<Meeting> {
        let m: Meeting = toml::from_str(text).map_err(|e| {
            let (line, col) = e.span().map(|s| line_col(text, s.start)).unwrap_or((0, 0));
            anyhow::anyhow!("line {line}, column {col}: {}\nfix the meeting file (see the format in README.md)", e.message().trim())
        })?;
        m.validate()?;
        Ok(m)
    }

    fn validate(&self) -> Result<()> {
        if self.items.is_empty() {
            bail!("the meeting has no [[items]]: add the agenda items (saksnr, title, sakstype)");
        }
        let mut seen = HashSet::new();
        for it in &self.items {
            if it.saksnr.trim().is_empty() {
                bail!("an item has an empty saksnr (title {:?}): give it a number such as \"13/25\"", it.title);
            }
            if !seen.insert(it.saksnr.trim()) {
                bail!("duplicate saksnr {:?}: each agenda item needs its own number", it.saksnr);
            }
            if let Some(t) = &it.time {
                parse_clock(t).with_context(|| format!("item {}: time {:?}", it.saksnr, t))?;
            }
            if let Some(spans) = &it.spans {
                for s in spans {
                    if !(s[0] >= 0.0 && s[1] > s[0]) {
                        bail!("item {}: span {:?} must have 0 <= start < end (seconds)", it.saksnr, s);
                    }
                }
            }
        }
        for b in &self.breaks {
            parse_clock(&b.time).with_context(|| format!("break {:?}: time {:?}", b.label, b.time))?;
        }
        if let Some(t) = &self.recording_start {
            parse_clock(t).with_context(|| format!("recording_start {:?}", t))?;
        }
        for m in &self.members {
            if m.status == Attendance::Substitute && m.substitute_for.is_none() {
                bail!("member {:?} is a substitute: add substitute_for = \"<name of the member>\"", m.name);
            }
        }
        Ok(())
    }

    pub fn item(&self, saksnr: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.saksnr == saksnr)
    }

    /// Recording start as seconds since midnight, if known.
    pub fn recording_start_secs(&self) -> Option<f64> {
        self.recording_start.as_deref().or_else(|| self.items.iter().find_map(|i| i.time.as_deref())).and_then(|t| parse_clock(t).ok())
    }

    /// Every name, organisation and acronym the meeting file knows: used for ASR hints
    /// and for correcting spellings in the draft.
    pub fn vocabulary_terms(&self) -> Vec<String> {
        let mut out: Vec<String> = vec![self.council.clone()];
        for m in &self.members {
            out.push(m.name.clone());
            out.push(m.organisation.clone());
        }
        for it in &self.items {
            for p in &it.presenters {
                out.push(p.name.clone());
                out.push(p.organisation.clone());
            }
        }
        if let Some(s) = &self.secretariat {
            out.push(s.organisation.clone());
            out.extend(s.names.iter().cloned());
        }
        out.extend(self.vocabulary.iter().cloned());
        let mut seen = HashSet::new();
        out.retain(|t| !t.trim().is_empty() && seen.insert(t.clone()));
        out
    }
}

/// "10:15" or "10.15" → seconds since midnight.
pub fn parse_clock(t: &str) -> Result<f64> {
    let t = t.trim();
    let (h, m) = t.split_once([':', '.']).with_context(|| format!("{t:?} is not a clock time: write it as HH:MM"))?;
    let h: u32 = h.trim().parse().with_context(|| format!("{t:?}: hour is not a number"))?;
    let m: u32 = m.trim().parse().with_context(|| format!("{t:?}: minute is not a number"))?;
    if h > 23 || m > 59 {
        bail!("{t:?} is not a valid clock time (HH:MM)");
    }
    Ok((h * 3600 + m * 60) as f64)
}

fn line_col(text: &str, byte: usize) -> (usize, usize) {
    let before = &text[..byte.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINI: &str = r#"
council = "Nasjonalt e-helseråd"
number = "2/2025"
date = "12. juni 2025"
time = "Kl. 10.00 – 16.00"
place = "Oslo"

[[items]]
saksnr = "11/25"
title = "Godkjenning av innkalling og dagsorden"
presenters = [{ name = "Rune Simensen", organisation = "Helse Sør-Øst RHF" }]
time = "10:00"
sakstype = "Godkjenning"
forslag = "Nasjonalt e-helseråd godkjenner innkalling og dagsorden."
"#;

    #[test]
    fn parses_minimal_meeting() {
        let m = Meeting::parse(MINI).unwrap();
        assert_eq!(m.items[0].sakstype, Sakstype::Godkjenning);
        assert_eq!(m.recording_start_secs(), Some(36000.0));
        assert!(m.vocabulary_terms().contains(&"Helse Sør-Øst RHF".to_string()));
    }

    #[test]
    fn saksnr_numbers_and_empty_sakstype() {
        for (s, n) in [
            ("34/25", Some(34)),
            ("PS 34/25", Some(34)),
            ("RS 4/25", Some(4)),
            ("sak 7", Some(7)),
            ("2025/012", Some(12)),
            ("045-2025", Some(45)),
            ("Sak 23-2025", Some(23)),
            ("08/25", Some(8)),
            ("Eventuelt", None),
        ] {
            assert_eq!(saksnr_number(s), n, "{s}");
        }
        let m = Meeting::parse(&MINI.replace("sakstype = \"Godkjenning\"", "sakstype = \"\"")).unwrap();
        assert_eq!(m.items[0].sakstype, Sakstype::Annet);
        let m = Meeting::parse(&MINI.replace("sakstype = \"Godkjenning\"", "")).unwrap();
        assert_eq!(m.items[0].sakstype, Sakstype::Annet);
        // the words agendas use, in any case
        for (word, t) in [
            ("Vedtakssak", Sakstype::Beslutning),
            ("vedtak", Sakstype::Beslutning),
            ("Drøftingssak", Sakstype::Drøfting),
            ("Informasjon", Sakstype::Orientering),
        ] {
            let m = Meeting::parse(&MINI.replace("sakstype = \"Godkjenning\"", &format!("sakstype = \"{word}\""))).unwrap();
            assert_eq!(m.items[0].sakstype, t, "{word}");
        }
        let e = format!("{:#}", Meeting::parse(&MINI.replace("sakstype = \"Godkjenning\"", "sakstype = \"Forhandling\"")).unwrap_err());
        assert!(e.contains("Forhandling") && e.contains("Beslutning"), "{e}");
    }

    #[test]
    fn syntax_error_has_line_and_column() {
        let bad = MINI.replace("place = \"Oslo\"", "place = Oslo");
        let e = format!("{:#}", Meeting::parse(&bad).unwrap_err());
        assert!(e.contains("line 6"), "{e}");
    }

    #[test]
    fn rejects_duplicates_unknown_sakstype_and_missing_fields() {
        let dup = format!("{MINI}\n{}", &MINI[MINI.find("[[items]]").unwrap()..]);
        assert!(format!("{:#}", Meeting::parse(&dup).unwrap_err()).contains("duplicate saksnr"));
        let unk = MINI.replace("sakstype = \"Godkjenning\"", "sakstype = \"Forhandling\"");
        assert!(format!("{:#}", Meeting::parse(&unk).unwrap_err()).contains("unknown sakstype \"Forhandling\""));
        let missing = MINI.replace("council = \"Nasjonalt e-helseråd\"", "");
        assert!(format!("{:#}", Meeting::parse(&missing).unwrap_err()).contains("council"));
    }
}
