//! `referat run`: every stage in order, each skipped when its artifact is up to date, with
//! wall time and peak memory per stage.

use crate::artifact::{Draft, Transcript};
use crate::meeting::Meeting;
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
    /// Voice activity detector (default: [`crate::vad::VadKind::default`]).
    pub vad: Option<crate::vad::VadKind>,
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
            vad: None,
            no_speakers: false,
        }
    }
}

impl AsrChoice {
    fn apply(&self, opts: &mut crate::asr::AsrOptions) {
        opts.use_prompt = self.use_prompt;
        if self.fast {
            opts.decoding = crate::asr::Decoding::GREEDY;
        }
        if let Some(b) = self.beam_size {
            opts.decoding.beam_size = b.max(1);
        }
        if let Some(b) = self.best_of {
            opts.decoding.best_of = b.max(1);
        }
        opts.correct = self.correct;
        opts.carry_context = self.carry_context;
        if let Some(v) = self.vad {
            opts.vad = v;
        }
    }
}

pub struct StageReport {
    pub stage: &'static str,
    pub secs: f64,
    /// Peak resident memory during the stage, MiB (Linux; 0 elsewhere).
    pub peak_rss_mib: f64,
}

/// The transcribe stage: import a transcript, or run Whisper on the recording.
pub fn transcribe(
    meeting_path: &Path,
    meeting: &Meeting,
    input: &Input,
    wd: &WorkDir,
    models: &ModelChoice,
    asr: &AsrChoice,
    force: bool,
) -> Result<Transcript> {
    match input {
        Input::Transcript(file) => crate::transcript::import_stage(wd, file, force),
        Input::Audio(audio) => {
            let model = crate::models::whisper_path(models.whisper.as_deref(), Some(meeting))?;
            let mut opts = crate::asr::AsrOptions::new(model);
            asr.apply(&mut opts);
            if let Some(n) = models.threads {
                opts.threads = n.max(1);
            }
            let speakers = if asr.no_speakers {
                None
            } else {
                let encoder = crate::models::installed("resemblyzer")
                    .context("speaker detection needs the speaker encoder (or use --no-speakers)")?;
                Some(crate::diarize::DiarizeOptions::new(encoder, crate::diarize::people(meeting).len()))
            };
            crate::asr::run_stage(wd, meeting_path, meeting, audio, &opts, speakers.as_ref(), force)
        }
    }
}

/// The draft stage with the command line's model choices.
pub fn draft(meeting_path: &Path, meeting: &Meeting, wd: &WorkDir, models: &ModelChoice, force: bool) -> Result<Draft> {
    let opts = crate::draft::DraftOptions {
        llm_model: models.llm.clone(),
        tokenizer: models.tokenizer.clone(),
        prompts: models.prompts.clone(),
        threads: models.threads,
        rules_only: models.rules_only,
    };
    crate::draft::run_stage(meeting_path, meeting, wd, &opts, force)
}

/// Every stage in order; each one skips itself when its artifact is up to date, so a rerun
/// after an interruption resumes at the first stage that has not finished.
pub fn run(meeting_path: &Path, input: &Input, out: &Path, models: &ModelChoice, asr: &AsrChoice, force: bool) -> Result<Vec<StageReport>> {
    let meeting = Meeting::load(meeting_path)?;
    let wd = WorkDir::create(out)?;
    let mut reports = Vec::new();
    let mut stage = |name: &'static str, f: &mut dyn FnMut() -> Result<()>| -> Result<()> {
        reset_peak_rss();
        let t = Instant::now();
        eprintln!("referat: {name}");
        f()?;
        reports.push(StageReport { stage: name, secs: t.elapsed().as_secs_f64(), peak_rss_mib: peak_rss_mib() });
        Ok(())
    };
    stage("transcribe", &mut || transcribe(meeting_path, &meeting, input, &wd, models, asr, force).map(drop))?;
    stage("segment", &mut || crate::segment::run_stage(meeting_path, &meeting, &wd, force).map(drop))?;
    stage("draft", &mut || draft(meeting_path, &meeting, &wd, models, force).map(drop))?;
    stage("export", &mut || {
        let draft = crate::review::load_reviewed(&wd)?;
        crate::export::write_document(&meeting, &draft, &wd, crate::export::Format::Md, &Default::default()).map(drop)
    })?;
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
