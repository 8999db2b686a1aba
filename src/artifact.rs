//! The typed artifacts that pass between stages. Each is one JSON file in the work dir.
//!
//! Every artifact carries `version` (so an old work dir is recognised, not misread) and
//! `inputs`: hashes of what it was made from, so a rerun can tell whether it is up to date.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Bumped whenever an artifact's shape changes incompatibly.
pub const FORMAT_VERSION: u32 = 1;

/// A time span in seconds on the recording's time line: `[start, end]`.
pub type Span = [f64; 2];

/// "mm:ss", or "h:mm:ss" past the first hour: a time in the recording as the secretary reads it.
pub fn clock(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    let (h, m, s) = (s / 3600, (s % 3600) / 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

/// "01:00–01:20, 1:01:40–1:02:00": spans to listen to.
pub fn span_text(spans: &[Span]) -> String {
    spans.iter().map(|s| format!("{}–{}", clock(s[0]), clock(s[1]))).collect::<Vec<_>>().join(", ")
}

/// A versioned JSON file in the work dir, loaded and saved by [`crate::workdir::WorkDir`]
/// (one path for every artifact: the same checks, the same messages).
pub trait Artifact: Serialize + for<'de> Deserialize<'de> {
    /// File name inside the work dir.
    const FILE: &'static str;
    /// The format version this build reads and writes.
    const VERSION: u32 = FORMAT_VERSION;
    /// What to do with a file that cannot be used (damaged, or another format version) when no
    /// stage can make it again. `None`: rerun the stage that writes it (the caller names it).
    const UNUSABLE: Option<&'static str> = None;
    fn version(&self) -> u32;
}

/// An artifact that a stage makes from inputs: up to date while they are unchanged
/// (see [`crate::stage`]).
pub trait Derived: Artifact {
    fn inputs(&self) -> &Inputs;
    fn set_inputs(&mut self, inputs: Inputs);
}

/// [`Artifact`] and [`Derived`] for a stage's artifact with `version` and `inputs` fields.
macro_rules! derived_artifact {
    ($t:ty, $file:literal) => {
        impl Artifact for $t {
            const FILE: &'static str = $file;
            fn version(&self) -> u32 {
                self.version
            }
        }

        impl Derived for $t {
            fn inputs(&self) -> &Inputs {
                &self.inputs
            }
            fn set_inputs(&mut self, inputs: Inputs) {
                self.inputs = inputs;
            }
        }
    };
}

derived_artifact!(Transcript, "transcript.json");
derived_artifact!(Segmentation, "segments.json");
derived_artifact!(Draft, "draft.json");

/// Hashes (sha256 hex) of the inputs an artifact was made from, by role
/// ("meeting", "audio", "transcript", "model", "prompts", ...).
pub type Inputs = BTreeMap<String, String>;

fn default_version() -> u32 {
    0
}

// ---------------------------------------------------------------- transcript.json

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Transcript {
    #[serde(default = "default_version")]
    pub version: u32,
    #[serde(default)]
    pub inputs: Inputs,
    /// Where the text came from: "asr", "vtt", "srt" or "json".
    #[serde(default)]
    pub source: String,
    /// Model used for ASR (file name), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Length of the recording in seconds (0 if unknown, e.g. for an imported transcript).
    #[serde(default)]
    pub duration: f64,
    pub segments: Vec<Segment>,
    /// Things the secretary should know: dropped hallucinations, silent audio, ...
    #[serde(default)]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Segment {
    pub start: f64,
    pub end: f64,
    /// The text every later stage uses.
    pub text: String,
    #[serde(default)]
    pub speaker: Option<String>,
    /// Per-word times where the ASR gives them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub words: Vec<Word>,
    /// Whisper's own text, kept when `text` differs from it (corrected after ASR, or edited by
    /// the secretary), so nothing is lost and review can show both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asr_text: Option<String>,
    /// The secretary corrected this segment in review: no automatic stage changes its text or
    /// speaker again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub edited: bool,
    /// Whisper's confidence in the segment (0..1): the mean of its words' confidences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f32>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Word {
    pub start: f64,
    pub end: f64,
    pub text: String,
    /// Whisper's confidence in the word (0..1): the mean probability of its tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f32>,
    /// Neither a Bokmål word nor one of the meeting's names and terms, and no correction was
    /// certain enough: likely misheard.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unknown: bool,
}

impl Transcript {
    /// Segments that overlap `span`.
    pub fn segments_in(&self, span: Span) -> impl Iterator<Item = &Segment> {
        self.segments.iter().filter(move |s| s.end > span[0] && s.start < span[1])
    }

    /// The text of everything overlapping the given spans, in time order.
    pub fn text_in(&self, spans: &[Span]) -> String {
        let mut parts = Vec::new();
        for s in &self.segments {
            if spans.iter().any(|sp| s.end > sp[0] && s.start < sp[1]) {
                parts.push(s.text.trim());
            }
        }
        parts.join(" ")
    }
}

// ---------------------------------------------------------------- segments.json

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Segmentation {
    #[serde(default = "default_version")]
    pub version: u32,
    #[serde(default)]
    pub inputs: Inputs,
    /// One entry per agenda item, in meeting order.
    pub items: Vec<ItemSegment>,
    /// Parts of the recording that belong to no item.
    #[serde(default)]
    pub other: Vec<OtherSpan>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ItemSegment {
    pub saksnr: String,
    /// Empty when the item was not discussed.
    pub spans: Vec<Span>,
    #[serde(default)]
    pub status: ItemStatus,
    /// Other items discussed together with this one (same spans).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub joint_with: Vec<String>,
    /// Confidence (0..1) in the start and end boundary.
    #[serde(default)]
    pub confidence: [f64; 2],
    /// True when the spans come from a manual override (meeting file or edited JSON).
    #[serde(default)]
    pub manual: bool,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    #[default]
    Discussed,
    NotDiscussed,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OtherSpan {
    pub kind: OtherKind,
    #[serde(default)]
    pub label: String,
    pub start: f64,
    pub end: f64,
}

/// What a part of the recording outside the items is.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OtherKind {
    /// A break (lunsj, pause).
    Break,
    /// Before the first item.
    PreMeeting,
    /// After the last item.
    AfterMeeting,
}

impl OtherKind {
    /// The name in `segments.json`: "break", "pre_meeting" or "after_meeting".
    pub fn as_str(self) -> &'static str {
        match self {
            OtherKind::Break => "break",
            OtherKind::PreMeeting => "pre_meeting",
            OtherKind::AfterMeeting => "after_meeting",
        }
    }
}

impl std::fmt::Display for OtherKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

// ---------------------------------------------------------------- draft.json

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Draft {
    #[serde(default = "default_version")]
    pub version: u32,
    #[serde(default)]
    pub inputs: Inputs,
    /// The language model that wrote it (file name), for the record.
    #[serde(default)]
    pub model: String,
    pub items: Vec<DraftItem>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DraftItem {
    pub saksnr: String,
    /// Opening paragraph.
    pub intro: String,
    #[serde(default)]
    pub innspill: Vec<Line>,
    #[serde(default)]
    pub aksjonspunkter: Vec<Line>,
    pub vedtak: Line,
    /// Items discussed together with this one; the shared innspill stand on the last of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub joint_with: Vec<String>,
    #[serde(default)]
    pub status: ItemStatus,
}

/// One line of the referat with the transcript spans it rests on.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Line {
    pub text: String,
    #[serde(default)]
    pub source: Vec<Span>,
    /// Empty when the line passed every check.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<Flag>,
    /// How the line was made.
    #[serde(default)]
    pub origin: Origin,
}

/// How a line of the referat was made.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// Written by the language model.
    Model,
    /// The speaker's own words.
    Extractive,
    /// From a template (the forslag til vedtak, a fixed phrase).
    Template,
    /// A point heard unclearly in the recording: its clear words, flagged.
    Unclear,
    /// Written or edited by the secretary in review.
    Human,
    /// Not recorded (a line from before origins were kept).
    #[default]
    #[serde(rename = "")]
    Unknown,
}

impl Origin {
    /// The name in `draft.json`: "model", "extractive", "template", "unclear", "human" (or ""
    /// when unknown).
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Model => "model",
            Origin::Extractive => "extractive",
            Origin::Template => "template",
            Origin::Unclear => "unclear",
            Origin::Human => "human",
            Origin::Unknown => "",
        }
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Flag {
    pub kind: FlagKind,
    /// Norwegian, for the secretary: why the line needs a look.
    pub reason: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    /// The cited transcript does not support the line.
    Unsupported,
    /// The line may be right but the evidence is weak.
    Uncertain,
    /// The vedtak differs from the forslag til vedtak.
    DepartsFromForslag,
}

impl Line {
    pub fn is_flagged(&self) -> bool {
        !self.flags.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_formats() {
        assert_eq!(clock(65.4), "01:05");
        assert_eq!(clock(3725.0), "1:02:05");
        assert_eq!(span_text(&[[60.0, 80.0], [3700.0, 3720.0]]), "01:00–01:20, 1:01:40–1:02:00");
    }
}
