//! The stages with the command line's typed choices ([`Job`]), and `referat run`: every stage
//! in order, each skipped when its artifact is up to date, with wall time and peak memory per
//! stage.

use crate::artifact::{Draft, Segmentation, Transcript};
use crate::diarize::DiarizeOptions;
use crate::draft::{DraftOptions, DraftStage};
use crate::export::{ExportOptions, Format};
use crate::meeting::Meeting;
use crate::progress::{Note, Report};
use crate::segment::SegmentStage;
use crate::stage::{run_stage, Stage};
use crate::transcribe::asr::{AsrOptions, AsrStage};
use crate::transcribe::transcript::ImportStage;
use crate::workdir::WorkDir;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Where the words come from.
#[derive(Debug, Clone)]
pub enum Input {
    Audio(PathBuf),
    Transcript(PathBuf),
}

/// Model and prompt choices from the command line (they win over the meeting file).
#[derive(Debug, Clone, Default)]
pub struct ModelChoice {
    pub whisper: Option<PathBuf>,
    pub llm: Option<PathBuf>,
    pub tokenizer: Option<PathBuf>,
    pub prompts: Option<PathBuf>,
    pub threads: Option<usize>,
    /// Draft without a language model.
    pub rules_only: bool,
    /// The model's batch size and prompt-lookup length (default: the measured defaults).
    pub decoding: Option<(usize, usize)>,
}

/// Transcription choices from the command line.
#[derive(Debug, Clone)]
pub struct AsrChoice {
    /// Give Whisper the meeting's vocabulary prompt.
    pub use_prompt: bool,
    /// Greedy decoding (`--fast`) instead of the default.
    pub fast: bool,
    /// Beam width, overriding both.
    pub beam_size: Option<u32>,
    /// Sampled candidates per fallback step (greedy).
    pub best_of: Option<u32>,
    /// Lexical correction after ASR.
    pub correct: bool,
    /// Carry the previous window's words into the next prompt.
    pub carry_context: bool,
    /// Longest vocabulary prompt in whisper tokens (default: the transcriber's).
    pub prompt_tokens: Option<usize>,
    /// Voice activity detector (default: [`crate::transcribe::vad::VadKind::default`]).
    pub vad: Option<crate::transcribe::vad::VadKind>,
    /// Transcribe without speaker detection (diarization).
    pub no_speakers: bool,
}

impl Default for AsrChoice {
    fn default() -> Self {
        AsrChoice {
            use_prompt: true,
            fast: false,
            beam_size: None,
            best_of: None,
            correct: true,
            carry_context: false,
            prompt_tokens: None,
            vad: None,
            no_speakers: false,
        }
    }
}

impl AsrChoice {
    fn apply(&self, opts: &mut crate::transcribe::asr::AsrOptions) {
        opts.use_prompt = self.use_prompt;
        if self.fast {
            opts.decoding = crate::transcribe::asr::Decoding::GREEDY;
        }
        if let Some(b) = self.beam_size {
            opts.decoding.beam_size = b.max(1);
        }
        if let Some(b) = self.best_of {
            opts.decoding.best_of = b.max(1);
        }
        opts.correct = self.correct;
        opts.carry_context = self.carry_context;
        if let Some(n) = self.prompt_tokens {
            opts.prompt_tokens = n;
        }
        if let Some(v) = self.vad {
            opts.vad = v;
        }
    }
}

/// Dumps on stderr for development (the command line sets them from `REFERAT_DEBUG_SEGMENT`
/// and `REFERAT_DEBUG_TURNS`).
#[derive(Debug, Clone, Copy, Default)]
pub struct DebugDumps {
    /// Segmentation: the units with their cues, and the orders' scores.
    pub segment: bool,
    /// Drafting: each sak's turns with their roles.
    pub turns: bool,
}

/// Everything the command line decides for the stages.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub models: ModelChoice,
    pub asr: AsrChoice,
    /// Redo the stages even when they are up to date.
    pub force: bool,
    pub debug: DebugDumps,
}

impl Options {
    /// The draft stage's options.
    pub fn draft_options(&self) -> DraftOptions {
        let m = &self.models;
        DraftOptions {
            llm_model: m.llm.clone(),
            tokenizer: m.tokenizer.clone(),
            prompts: m.prompts.clone(),
            threads: m.threads,
            rules_only: m.rules_only,
            decoding: m.decoding,
            dump_turns: self.debug.turns,
        }
    }

    /// Whisper's options and, unless `--no-speakers`, speaker detection's.
    fn asr_options(&self, meeting: &Meeting) -> Result<(AsrOptions, Option<DiarizeOptions>)> {
        let model = crate::models::whisper_path(self.models.whisper.as_deref(), Some(meeting))?;
        let mut opts = AsrOptions::new(model);
        self.asr.apply(&mut opts);
        if let Some(n) = self.models.threads {
            opts.threads = n.max(1);
        }
        let speakers = if self.asr.no_speakers {
            None
        } else {
            let encoder =
                crate::models::installed("resemblyzer").context("speaker detection needs the speaker encoder (or use --no-speakers)")?;
            Some(DiarizeOptions::new(encoder, crate::diarize::people(meeting).len()))
        };
        Ok((opts, speakers))
    }
}

/// One meeting's work dir with the command line's choices: each stage as `referat <stage>` and
/// `referat run` run it.
pub struct Job<'a> {
    pub meeting_path: &'a Path,
    pub meeting: &'a Meeting,
    pub wd: &'a WorkDir,
    pub opts: &'a Options,
    pub report: &'a dyn Report,
}

impl Job<'_> {
    /// The transcribe stage: import a transcript, or run Whisper on the recording.
    pub fn transcribe(&self, input: &Input) -> Result<Transcript> {
        match input {
            Input::Transcript(file) => self.run(&ImportStage { file }),
            Input::Audio(audio) => {
                let (opts, speakers) = self.opts.asr_options(self.meeting)?;
                let (meeting_path, meeting) = (self.meeting_path, self.meeting);
                self.run(&AsrStage { meeting_path, meeting, audio, opts: &opts, speakers: speakers.as_ref() })
            }
        }
    }

    pub fn segment(&self) -> Result<Segmentation> {
        let stage = SegmentStage { debug: self.opts.debug.segment, ..SegmentStage::new(self.meeting_path, self.meeting, self.wd)? };
        self.run(&stage)
    }

    pub fn draft(&self) -> Result<Draft> {
        let opts = self.opts.draft_options();
        self.run(&DraftStage::new(self.meeting_path, self.meeting, self.wd, &opts)?)
    }

    /// Export the referat as reviewed so far; returns the document's path.
    pub fn export(&self, format: Format, opts: &ExportOptions) -> Result<PathBuf> {
        crate::export::write_document(self.meeting, &crate::review::load_reviewed(self.wd)?, self.wd, format, opts)
    }

    fn run<S: Stage>(&self, stage: &S) -> Result<S::Output> {
        run_stage(self.wd, stage, self.opts.force, self.report)
    }
}

pub struct StageReport {
    pub stage: &'static str,
    pub secs: f64,
    /// Peak resident memory during the stage, MiB (Linux; 0 elsewhere).
    pub peak_rss_mib: f64,
}

/// Every stage in order; each one skips itself when its artifact is up to date, so a rerun
/// after an interruption resumes at the first stage that has not finished.
pub fn run(meeting_path: &Path, input: &Input, out: &Path, opts: &Options, report: &dyn Report) -> Result<Vec<StageReport>> {
    let meeting = Meeting::load(meeting_path)?;
    let wd = WorkDir::create(out)?;
    let job = Job { meeting_path, meeting: &meeting, wd: &wd, opts, report };
    let mut reports = Vec::new();
    let mut stage = |name: &'static str, f: &mut dyn FnMut() -> Result<()>| -> Result<()> {
        reset_peak_rss();
        let t = Instant::now();
        report.note(name, Note::Start);
        f()?;
        reports.push(StageReport { stage: name, secs: t.elapsed().as_secs_f64(), peak_rss_mib: peak_rss_mib() });
        Ok(())
    };
    stage("transcribe", &mut || job.transcribe(input).map(drop))?;
    stage("segment", &mut || job.segment().map(drop))?;
    stage("draft", &mut || job.draft().map(drop))?;
    stage("export", &mut || job.export(Format::Md, &ExportOptions::default()).map(drop))?;
    Ok(reports)
}

/// Reset the kernel's peak-RSS counter so each stage reports its own peak (Linux only).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// VmHWM from /proc/self/status, in MiB.
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}
