//! Speech recognition: recording → timed Norwegian transcript with whisper.cpp (whisper-rs).
//!
//! Two streaming passes over the recording keep memory bounded for 6-hour meetings:
//! 1. decode, measure frame energies and detect speech ([`crate::transcribe::vad`]: Silero by default) →
//!    speech regions (long silences such as breaks are skipped: no decode time, no
//!    hallucinated text), split into windows of at most ~28 s at the quietest point;
//! 2. decode again and hand each window to whisper as soon as its audio is in.
//!
//! Every window is decoded on its own (no carried-over decoder state, the vocabulary prompt is
//! given to each window), which keeps whisper out of repetition loops that run across silence.
//! Each window's text then goes through the lexical corrector ([`crate::transcribe::lexicon`]), which keeps
//! Whisper's own text beside the corrected one, and every word carries Whisper's confidence.

use crate::artifact::{Artifact, Inputs, Segment, Transcript, Word, FORMAT_VERSION};
use crate::meeting::Meeting;
use crate::progress::{interrupted, Note, Report};
use crate::stage::{Ctx, Made, Stage};
use crate::transcribe::audio::{self, SAMPLE_RATE};
use crate::transcribe::vad::{self, Vad, VadKind};
use crate::workdir::{self, WorkDir};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use whisper_rs::{FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters};

#[derive(Debug, Clone)]
pub struct AsrOptions {
    /// whisper.cpp ggml model file.
    pub model: PathBuf,
    pub threads: usize,
    /// Give whisper the vocabulary prompt built from the meeting file.
    pub use_prompt: bool,
    /// Language code; "nb"/"nn"/"no" all mean Norwegian ("no" for whisper).
    pub language: String,
    /// Longest window handed to whisper in one call, in seconds.
    pub max_window: f64,
    pub decoding: Decoding,
    /// Correct non-Norwegian words after ASR with the Bokmål word lists and the meeting's
    /// vocabulary (see [`crate::transcribe::lexicon`]).
    pub correct: bool,
    /// Append the (corrected) last words of the previous window to the next window's prompt.
    /// Off: measured worse (WER +0.025 on two tuning meetings, bench/asr-carry-clip120.md),
    /// partly because it leaves less room for the vocabulary.
    pub carry_context: bool,
    /// Longest vocabulary prompt in whisper tokens (whisper decodes it again in every window).
    pub prompt_tokens: usize,
    /// Which detector finds the speech whisper gets.
    pub vad: VadKind,
    /// The Silero VAD model (ggml); `None`: the installed `silero-vad`.
    pub vad_model: Option<PathBuf>,
}

impl AsrOptions {
    pub fn new(model: PathBuf) -> AsrOptions {
        AsrOptions {
            model,
            threads: default_threads(),
            use_prompt: true,
            language: "no".into(),
            max_window: 28.0,
            decoding: Decoding::DEFAULT,
            correct: true,
            carry_context: false,
            prompt_tokens: PROMPT_TOKENS,
            vad: VadKind::default(),
            vad_model: None,
        }
    }

    /// The voice activity detector with its model file.
    pub fn resolve_vad(&self) -> Result<Vad> {
        Vad::resolve(self.vad, self.vad_model.as_deref())
    }
}

/// How whisper picks tokens. Both settings fall back to sampling at rising temperatures
/// (`best_of` candidates each) when a window's decode looks wrong (high entropy or low
/// log-probability); `bench/asr_decoding.sh` measures them against each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoding {
    /// 1 = greedy; more = beam search of that width.
    pub beam_size: u32,
    /// Candidates sampled per temperature step of the fallback (greedy only: whisper-rs leaves
    /// whisper.cpp's 5 in place for beam search).
    pub best_of: u32,
}

impl Decoding {
    /// Greedy (`--fast`).
    pub const GREEDY: Decoding = Decoding { beam_size: 1, best_of: 3 };
    /// The default, chosen by `bench/asr_decoding.sh` (bench/asr-quality.md): greedy. Beam 5
    /// gained 0.02 WER after correction at 2 to 3.7 times the time (the goal allows 1.3),
    /// beam 2 was worse, best-of 5 changed nothing (the fallback rarely fires).
    pub const DEFAULT: Decoding = Decoding::GREEDY;

    fn strategy(&self) -> SamplingStrategy {
        if self.beam_size > 1 {
            SamplingStrategy::BeamSearch { beam_size: self.beam_size as i32, patience: -1.0 }
        } else {
            SamplingStrategy::Greedy { best_of: self.best_of.max(1) as i32 }
        }
    }

    /// The key hashed into transcript.json's inputs.
    fn key(&self) -> String {
        format!("beam={};best_of={}", self.beam_size, self.best_of)
    }
}

pub fn default_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// Whisper knows Norwegian only as "no": "nb" would silently run with a wrong language token.
pub fn whisper_language(code: &str) -> String {
    match code.trim().to_lowercase().as_str() {
        "nb" | "nn" | "no" | "nob" | "nno" | "nor" | "norsk" | "norwegian" | "" => "no".into(),
        other => other.into(),
    }
}

// ---------------------------------------------------------------- Ctrl-C

unsafe extern "C" fn abort_on_interrupt(_: *mut std::ffi::c_void) -> bool {
    interrupted()
}

// ---------------------------------------------------------------- speech regions

/// A stretch of the recording to transcribe, in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    pub start: f64,
    pub end: f64,
}

/// Speech windows from frame energies alone (the energy detector): see [`windows`].
pub fn speech_windows(db: &[f32], min_silence: f64, max_window: f64) -> Vec<Window> {
    windows(db, &vad::energy_speech(db), min_silence, max_window)
}

/// Speech windows from per-frame speech decisions: gaps shorter than `min_silence` merged,
/// runs with less than 0.3 s of speech dropped, padded, then cut into windows of at most
/// `max_window` seconds at the quietest frame (by energy `db`), and short neighbours packed
/// together. Returns an empty list when no frame is speech.
pub fn windows(db: &[f32], speech: &[bool], min_silence: f64, max_window: f64) -> Vec<Window> {
    let fs = vad::FRAME_SECS;
    let min_speech = (0.3 / fs).round() as usize;
    let gap_frames = (min_silence / fs).round() as usize;
    let pad = (0.25 / fs).round() as usize;

    // Runs of speech frames, merged across short gaps.
    let mut regions: Vec<(usize, usize, usize)> = Vec::new(); // (start, end, speech frames)
    for (i, _) in speech.iter().enumerate().filter(|(_, &s)| s) {
        match regions.last_mut() {
            Some(r) if i - r.1 <= gap_frames => {
                r.1 = i + 1;
                r.2 += 1;
            }
            _ => regions.push((i, i + 1, 1)),
        }
    }
    let max_frames = ((max_window / fs) as usize).max(10);
    let mut out = Vec::new();
    for (s, e, n) in regions {
        if n < min_speech {
            continue;
        }
        let s = s.saturating_sub(pad);
        let e = (e + pad).min(db.len());
        // Cut long regions at the quietest (smoothed) frame in the second half of each window:
        // most often the pause between two speakers, which keeps turns whole for segmenting
        // (fuller windows cut mid-turn moved sak boundaries by up to 109 s on the sample).
        let mut cur = s;
        while e - cur > max_frames {
            let lo = cur + max_frames / 2;
            let hi = cur + max_frames;
            let smooth = |i: usize| -> f32 {
                let a = i.saturating_sub(5);
                let b = (i + 5).min(db.len());
                db[a..b].iter().sum::<f32>() / (b - a) as f32
            };
            let cut = (lo..hi).min_by(|&a, &b| smooth(a).total_cmp(&smooth(b))).unwrap_or(hi);
            out.push(Window { start: cur as f64 * fs, end: cut as f64 * fs });
            cur = cut;
        }
        out.push(Window { start: cur as f64 * fs, end: e as f64 * fs });
    }
    pack_windows(out, max_window)
}

/// Longest silence kept inside one window: a short pause costs the encoder a few seconds,
/// a longer one risks hallucinated text.
const MAX_PACKED_GAP: f64 = 5.0;

/// Join neighbouring windows while the result stays within `max_window`: each window costs a
/// decoder pass over the vocabulary prompt, however short its speech.
fn pack_windows(windows: Vec<Window>, max_window: f64) -> Vec<Window> {
    let mut out: Vec<Window> = Vec::with_capacity(windows.len());
    for w in windows {
        match out.last_mut() {
            Some(last) if w.start - last.end <= MAX_PACKED_GAP && w.end - last.start <= max_window => last.end = w.end,
            _ => out.push(w),
        }
    }
    out
}

// ---------------------------------------------------------------- prompt

/// The vocabulary prompt: sak titles first (whisper keeps the *last* ~224 tokens, so the
/// names and acronyms that matter most come last), then council, people, organisations and
/// the meeting's vocabulary list.
pub fn build_prompt(meeting: &Meeting) -> String {
    let titles: Vec<&str> = meeting.items.iter().map(|i| i.title.trim()).filter(|t| !t.is_empty()).collect();
    let terms = meeting.vocabulary_terms();
    let mut s = String::new();
    if !titles.is_empty() {
        s.push_str(&titles.join(". "));
        s.push_str(". ");
    }
    s.push_str(&terms.join(", "));
    s.push('.');
    s
}

/// Trim the prompt from the front to at most `max_tokens` whisper tokens, at a sentence or
/// comma boundary.
fn fit_prompt(ctx: &WhisperContext, prompt: &str, max_tokens: usize) -> String {
    let mut p = prompt.to_string();
    loop {
        let n = ctx.tokenize(&p, 1024).map(|t| t.len()).unwrap_or(usize::MAX);
        if n <= max_tokens {
            return p;
        }
        match p.find([',', '.']) {
            Some(i) => p = p[i + 1..].trim_start().to_string(),
            None => return String::new(),
        }
    }
}

// ---------------------------------------------------------------- hallucination filters

/// Phrases whisper writes over silence or noise (from subtitles in its training data).
const SILENCE_PHRASES: &[&str] = &[
    "teksting av",
    "tekstet av",
    "undertekster av",
    "undertekst",
    "takk for at du så på",
    "takk for at du så",
    "takk for at dere så på",
    "takk for at du lyttet",
    "amara.org",
    "nicolai winther",
    "subtitles by",
    "norsk tekst",
    "www.",
];

fn norm(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() || c == '.' || c.is_whitespace() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A known silence hallucination ("Teksting av ...", "Takk for at du så på").
pub fn is_silence_hallucination(text: &str) -> bool {
    let t = norm(text);
    t.is_empty() || SILENCE_PHRASES.iter().any(|p| t.contains(p))
}

/// Collapse an n-gram (1..=8 words) repeated 4 or more times in a row to one occurrence.
/// Returns the cleaned text and whether a loop was found.
pub fn collapse_repetitions(text: &str) -> (String, bool) {
    let words: Vec<&str> = text.split_whitespace().collect();
    let key = |w: &str| w.to_lowercase().trim_matches(|c: char| !c.is_alphanumeric()).to_string();
    let keys: Vec<String> = words.iter().map(|w| key(w)).collect();
    let mut out: Vec<&str> = Vec::new();
    let mut i = 0;
    let mut found = false;
    while i < words.len() {
        let mut skipped = false;
        for n in 1..=8usize {
            if i + n * 4 > words.len() {
                break;
            }
            let mut reps = 1;
            while i + (reps + 1) * n <= words.len() && keys[i + reps * n..i + (reps + 1) * n] == keys[i..i + n] {
                reps += 1;
            }
            if reps >= 4 {
                out.extend_from_slice(&words[i..i + n]);
                i += reps * n;
                found = true;
                skipped = true;
                break;
            }
        }
        if !skipped {
            out.push(words[i]);
            i += 1;
        }
    }
    (out.join(" "), found)
}

// ---------------------------------------------------------------- transcription

/// Transcribe a recording. `meeting` supplies the vocabulary prompt when `opts.use_prompt`.
pub fn transcribe(audio_path: &Path, meeting: &Meeting, opts: &AsrOptions, report: &dyn Report) -> Result<Transcript> {
    let map = vad::speech_map(audio_path, &opts.resolve_vad()?)?;
    transcribe_speech(audio_path, &map, meeting, opts, report)
}

/// Transcribe the speech `map` found in the recording (pass 1 done by [`vad::speech_map`]).
pub fn transcribe_speech(
    audio_path: &Path,
    map: &vad::SpeechMap,
    meeting: &Meeting,
    opts: &AsrOptions,
    report: &dyn Report,
) -> Result<Transcript> {
    let t_start = std::time::Instant::now();
    let duration = map.info.duration();
    let mut warnings = map.info.warnings.clone();
    let windows = windows(&map.db, &map.speech, 2.0, opts.max_window);
    let model_name = opts.model.file_name().map(|f| f.to_string_lossy().into_owned());
    let mut t = Transcript {
        version: FORMAT_VERSION,
        inputs: Inputs::new(),
        source: "asr".into(),
        model: model_name,
        duration,
        segments: vec![],
        warnings: vec![],
    };
    if windows.is_empty() {
        warnings.push(format!("Opptaket ({:.0} s) ser ut til å være stille: ingen tale å transkribere.", duration));
        t.warnings = warnings;
        return Ok(t);
    }

    let ctx = load_whisper(&opts.model)?;
    let mut state = ctx.create_state().map_err(|e| anyhow::anyhow!("{e}")).context("cannot create whisper state")?;
    let lang = whisper_language(&opts.language);
    let context_budget = if opts.carry_context { CONTEXT_TOKENS + 2 } else { 0 };
    let vocab_prompt = if opts.use_prompt {
        fit_prompt(&ctx, &build_prompt(meeting), opts.prompt_tokens.saturating_sub(context_budget))
    } else {
        String::new()
    };
    let eot = ctx.token_eot();
    let lexicon = if opts.correct { load_lexicon(&mut warnings, report) } else { None };
    let mut corrector = lexicon.as_ref().map(|l| crate::transcribe::lexicon::Corrector::new(l, meeting));
    let mut corrections = 0usize;
    let mut previous = String::new();

    let speech_secs: f64 = windows.iter().map(|w| w.end - w.start).sum();
    let pb = report.bar("transkriberer", duration.ceil() as u64, "s");
    let mut dropped_silence = 0usize;
    let mut loops = 0usize;

    // Pass 2: stream the audio again, transcribing each window as soon as it is complete.
    // Only audio from the current window's start on is kept.
    let sr = SAMPLE_RATE as f64;
    let mut buf: Vec<f32> = Vec::new();
    let mut buf_start: usize = 0; // sample index of buf[0]
    let mut wi = 0usize;
    let mut segs: Vec<Segment> = Vec::new();
    let mut step = |buf: &mut Vec<f32>, buf_start: &mut usize, final_: bool| -> Result<()> {
        while wi < windows.len() {
            let w = windows[wi];
            let s0 = (w.start * sr) as usize;
            let s1 = (w.end * sr) as usize;
            if *buf_start + buf.len() < s1 && !final_ {
                break;
            }
            if interrupted() {
                bail!("interrupted: nothing was written");
            }
            let a = s0.saturating_sub(*buf_start).min(buf.len());
            let b = s1.saturating_sub(*buf_start).min(buf.len());
            if b - a >= SAMPLE_RATE as usize / 10 {
                let prompt = if opts.carry_context { window_prompt(&ctx, &vocab_prompt, &previous) } else { vocab_prompt.clone() };
                let cfg = WindowConfig { lang: &lang, prompt: &prompt, threads: opts.threads, eot, decoding: opts.decoding };
                let (mut new, d, l) = run_window(&mut state, &buf[a..b], w.start, &cfg)?;
                dropped_silence += d;
                loops += l;
                if let Some(c) = corrector.as_mut() {
                    for s in new.iter_mut() {
                        corrections += c.correct_segment(s);
                    }
                }
                if opts.carry_context {
                    previous = new.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join(" ");
                }
                segs.append(&mut new);
            }
            pb.set_position(w.end.min(duration) as u64);
            wi += 1;
        }
        let keep_from = windows.get(wi).map(|w| (w.start * sr) as usize).unwrap_or(usize::MAX);
        let n = keep_from.saturating_sub(*buf_start).min(buf.len());
        buf.drain(..n);
        *buf_start += n;
        Ok(())
    };
    audio::decode_chunks(audio_path, 5.0, |c| {
        if interrupted() {
            bail!("interrupted: nothing was written");
        }
        buf.extend_from_slice(c);
        step(&mut buf, &mut buf_start, false)
    })?;
    step(&mut buf, &mut buf_start, true)?;
    pb.finish();

    let (cleaned, cross_loops) = drop_cross_window_loops(segs);
    loops += cross_loops;
    push_cleanup_warnings(&mut warnings, dropped_silence, loops, cleaned.is_empty());
    let elapsed = t_start.elapsed().as_secs_f64() + map.secs;
    report.note(
        STAGE,
        Note::Info(format!(
            "transcribed {:.0} s of audio ({:.0} s in {} speech windows) in {:.1} s (speech detection {:.1} s): real-time factor {:.3}; {} word(s) corrected",
            duration,
            speech_secs,
            windows.len(),
            elapsed,
            map.secs,
            elapsed / duration.max(1e-9),
            corrections
        )),
    );
    t.segments = cleaned;
    t.warnings = warnings;
    Ok(t)
}

/// Load the model with whisper.cpp's loading chatter kept off the terminal and an error that says what the file must be.
fn load_whisper(model: &Path) -> Result<WhisperContext> {
    // whisper.cpp prints ~30 lines while loading; route them to whisper-rs's (disabled) log
    // backend so the secretary sees our progress bar and messages only.
    whisper_rs::install_logging_hooks();
    // Flash attention stays off (whisper-rs's default): on 2 AVX2 cores it made the base model
    // twice as slow.
    WhisperContext::new_with_params(model, WhisperContextParameters::default()).map_err(|e| anyhow::anyhow!("{e}")).with_context(|| {
        format!("cannot load whisper model {}: it must be a whisper.cpp ggml file (run `referat models verify`)", model.display())
    })
}

/// Whisper also loops across windows, which [`run_window`] cannot see: returns the kept segments and the number dropped.
fn drop_cross_window_loops(segs: Vec<Segment>) -> (Vec<Segment>, usize) {
    // Identical segments in a row (3 or more) are a loop across windows: keep the first.
    let mut cleaned: Vec<Segment> = Vec::new();
    let mut loops = 0usize;
    let mut run = 0;
    for s in segs {
        if let Some(prev) = cleaned.last() {
            if norm(&prev.text) == norm(&s.text) {
                run += 1;
                if run >= 2 {
                    loops += 1;
                    continue;
                }
            } else {
                run = 0;
            }
        }
        cleaned.push(s);
    }
    (cleaned, loops)
}

/// Tell the secretary what cleaning removed, or that nothing was recognised, so the text gets checked against the recording.
fn push_cleanup_warnings(warnings: &mut Vec<String>, dropped_silence: usize, loops: usize, no_segments: bool) {
    if dropped_silence > 0 {
        warnings.push(format!(
            "{dropped_silence} segment(er) med typisk whisper-hallusinasjon over stillhet (f.eks. «Teksting av …») ble fjernet."
        ));
    }
    if loops > 0 {
        warnings.push(format!("{loops} gjentakelsessløyfe(r) i transkripsjonen ble fjernet; sjekk teksten rundt dem mot opptaket."));
    }
    if no_segments {
        warnings.push("Ingen tale ble gjenkjent i opptaket.".into());
    }
}

/// The Bokmål lexicon for the corrector, or None with a warning that says how to install it:
/// the transcript is still written, uncorrected.
fn load_lexicon(warnings: &mut Vec<String>, report: &dyn Report) -> Option<crate::transcribe::lexicon::Lexicon> {
    let t = std::time::Instant::now();
    let loaded = crate::models::lexicon_files().and_then(|f| crate::transcribe::lexicon::Lexicon::load(&f));
    match loaded {
        Ok(l) => {
            report.note(STAGE, Note::Info(format!("loaded the Bokmål lexicon in {:.1} s", t.elapsed().as_secs_f64())));
            Some(l)
        }
        Err(e) => {
            report.note(STAGE, Note::Warning(format!("no lexical correction: {e:#}")));
            warnings.push(format!("Ordene fra talegjenkjenningen er ikke rettet mot ordlisten: {e:#}"));
            None
        }
    }
}

/// Whisper encoder frames (50 per second, at most 1500 = 30 s) for a window of `samples` PCM
/// samples, with 1 s of margin.
fn audio_ctx_frames(samples: usize) -> i32 {
    ((samples as f64 / SAMPLE_RATE as f64 + 1.0) * 50.0).ceil().min(1500.0) as i32
}

/// Transcribe one window; returns segments on the recording's time line, the number of
/// dropped silence hallucinations and of collapsed loops.
fn run_window(state: &mut whisper_rs::WhisperState, pcm: &[f32], offset: f64, cfg: &WindowConfig) -> Result<(Vec<Segment>, usize, usize)> {
    let mut p = FullParams::new(cfg.decoding.strategy());
    p.set_language(Some(cfg.lang));
    p.set_n_threads(cfg.threads.max(1) as i32);
    p.set_translate(false);
    p.set_no_context(true);
    p.set_token_timestamps(true);
    // Encode only the window plus 1 s instead of a padded 30 s: windows are 14-28 s, and the
    // sample then transcribes ~10 % faster with the same WER.
    p.set_audio_ctx(audio_ctx_frames(pcm.len()));
    p.set_print_progress(false);
    p.set_print_realtime(false);
    p.set_print_special(false);
    p.set_print_timestamps(false);
    p.set_suppress_blank(true);
    // Temperature fallback with the usual thresholds (entropy stands in for compression ratio).
    p.set_temperature(0.0);
    p.set_temperature_inc(0.2);
    p.set_entropy_thold(2.4);
    p.set_logprob_thold(-1.0);
    p.set_no_speech_thold(0.6);
    if !cfg.prompt.is_empty() {
        p.set_initial_prompt(cfg.prompt);
    }
    // SAFETY: the callback only reads a static atomic flag.
    unsafe {
        p.set_abort_callback(Some(abort_on_interrupt));
    }
    let r = state.full(p, pcm);
    if interrupted() {
        bail!("interrupted: nothing was written");
    }
    r.map_err(|e| anyhow::anyhow!("{e}")).with_context(|| format!("whisper failed on the audio at {offset:.1} s"))?;
    let win_end = offset + pcm.len() as f64 / SAMPLE_RATE as f64;
    let mut out = Vec::new();
    let mut dropped = 0;
    let mut loops = 0;
    for seg in state.as_iter() {
        let raw = seg.to_str_lossy().map(|s| s.into_owned()).unwrap_or_default();
        let text = raw.trim().to_string();
        if text.is_empty() {
            continue;
        }
        if is_silence_hallucination(&text) {
            dropped += 1;
            continue;
        }
        let (text, looped) = collapse_repetitions(&text);
        if looped {
            loops += 1;
        }
        let start = (offset + seg.start_timestamp() as f64 / 100.0).min(win_end);
        let end = (offset + seg.end_timestamp() as f64 / 100.0).clamp(start, win_end);
        // Words from the text tokens, each with the mean probability of its tokens (the
        // convention of faster-whisper's word probabilities).
        let mut words: Vec<Word> = Vec::new();
        let mut probs: Vec<(f32, u32)> = Vec::new();
        for i in 0..seg.n_tokens() {
            let Some(tok) = seg.get_token(i) else { continue };
            if tok.token_id() >= cfg.eot {
                continue;
            }
            let piece = tok.to_str_lossy().map(|s| s.into_owned()).unwrap_or_default();
            if piece.is_empty() || piece.starts_with("[_") {
                continue;
            }
            let d = tok.token_data();
            let t0 = (offset + d.t0 as f64 / 100.0).clamp(start, end);
            let t1 = (offset + d.t1 as f64 / 100.0).clamp(t0, end);
            match (words.last_mut(), probs.last_mut()) {
                (Some(w), Some(pr)) if !piece.starts_with(' ') => {
                    w.text.push_str(&piece);
                    w.end = t1;
                    pr.0 += d.p;
                    pr.1 += 1;
                }
                _ => {
                    words.push(Word { start: t0, end: t1, text: piece.trim().to_string(), ..Default::default() });
                    probs.push((d.p, 1));
                }
            }
        }
        for (w, (sum, n)) in words.iter_mut().zip(&probs) {
            w.confidence = Some(round3(sum / *n as f32));
        }
        words.retain(|w| !w.text.is_empty());
        let confidence = segment_confidence(&words);
        if looped {
            // Word times no longer match the shortened text.
            words.clear();
        }
        out.push(Segment { start, end, text, speaker: None, words, confidence, ..Default::default() });
    }
    Ok((out, dropped, loops))
}

/// What every window of one run shares.
struct WindowConfig<'a> {
    lang: &'a str,
    prompt: &'a str,
    threads: usize,
    eot: i32,
    decoding: Decoding,
}

/// Three decimals are plenty for a probability and keep transcript.json readable.
fn round3(x: f32) -> f32 {
    (x * 1000.0).round() / 1000.0
}

/// A segment's confidence: the mean of its words' confidences (None without word data).
fn segment_confidence(words: &[Word]) -> Option<f32> {
    let c: Vec<f32> = words.iter().filter_map(|w| w.confidence).collect();
    (!c.is_empty()).then(|| round3(c.iter().sum::<f32>() / c.len() as f32))
}

/// The prompt for the next window: the vocabulary prompt plus, with `carry_context`, the last
/// words of the previous window (Whisper reads a prompt as the text said just before).
fn window_prompt(ctx: &WhisperContext, vocab: &str, previous: &str) -> String {
    if previous.is_empty() {
        return vocab.to_string();
    }
    let tail = fit_prompt_tail(ctx, previous, CONTEXT_TOKENS);
    format!("{vocab} {tail}").trim().to_string()
}

/// Tokens of the previous window's text carried into the next prompt.
const CONTEXT_TOKENS: usize = 48;
/// The whole prompt stays under whisper's limit of 224 tokens.
const PROMPT_TOKENS: usize = 200;

/// The last words of `text` that fit in `max_tokens` whisper tokens.
fn fit_prompt_tail(ctx: &WhisperContext, text: &str, max_tokens: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut from = words.len().saturating_sub(max_tokens);
    loop {
        let s = words[from..].join(" ");
        let n = ctx.tokenize(&s, 1024).map(|t| t.len()).unwrap_or(usize::MAX);
        if n <= max_tokens || from >= words.len() {
            return s;
        }
        from += 1;
    }
}

// ---------------------------------------------------------------- stage

/// Key in transcript.json's `inputs` holding the transcribed recording's absolute path.
pub const RECORDING: &str = "recording";

/// Inputs recorded in transcript.json for an ASR run.
pub fn stage_inputs(audio_path: &Path, meeting_path: &Path, opts: &AsrOptions) -> Result<Inputs> {
    let mut inputs = Inputs::new();
    // Checked before anything else so a wrong --audio path gets a message about the recording.
    inputs.insert(
        "audio".into(),
        workdir::file_fingerprint(audio_path)
            .with_context(|| format!("cannot open audio file {}: check the --audio path", audio_path.display()))?,
    );
    // Where the recording is, so `referat review` can play it without --audio (absolute: the
    // review may be started from another folder). Part of the fingerprint above already.
    let recording = std::fs::canonicalize(audio_path).unwrap_or_else(|_| audio_path.to_path_buf());
    inputs.insert(RECORDING.into(), recording.to_string_lossy().into_owned());
    inputs.insert("model".into(), workdir::file_fingerprint(&opts.model)?);
    // The corrector reads the meeting's vocabulary too.
    if opts.use_prompt || opts.correct {
        inputs.insert("meeting".into(), workdir::sha256_file(meeting_path)?);
    }
    if opts.correct {
        // A lexicon installed later makes the transcript stale, so the next run corrects it.
        let lex = match crate::models::lexicon_files() {
            Ok(f) => f.fingerprint()?,
            Err(_) => "missing".into(),
        };
        inputs.insert("lexicon".into(), lex);
    }
    if let Vad::Silero(model) = opts.resolve_vad()? {
        inputs.insert("vad_model".into(), workdir::file_fingerprint(&model)?);
    }
    inputs.insert(
        "asr_options".into(),
        workdir::sha256_bytes(
            format!(
                "lang={};prompt={};window={};packed;actx;{};correct={};carry={};vad={}{}",
                whisper_language(&opts.language),
                opts.use_prompt,
                opts.max_window,
                opts.decoding.key(),
                opts.correct,
                opts.carry_context,
                opts.vad.as_str(),
                // (only when not the default, so transcripts made before it are still up to date)
                if opts.prompt_tokens == PROMPT_TOKENS { String::new() } else { format!(";prompt_tokens={}", opts.prompt_tokens) }
            )
            .as_bytes(),
        ),
    );
    Ok(inputs)
}

/// Where the transcribe stage keeps Whisper's transcript before speakers are added, so that a
/// run interrupted during speaker detection resumes without redoing the transcription.
pub const ASR_CHECKPOINT: &str = "transcript-asr.json";

/// The checkpoint file: a transcript, read and written like every artifact.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
struct Checkpoint(Transcript);

impl Artifact for Checkpoint {
    const FILE: &'static str = ASR_CHECKPOINT;
    fn version(&self) -> u32 {
        self.0.version
    }
}

/// The checkpoint when it holds Whisper's transcript made from `inputs` (one that cannot be
/// read is transcribed again).
fn load_checkpoint(wd: &WorkDir, inputs: &Inputs) -> Option<Transcript> {
    wd.load_opt::<Checkpoint>().ok().flatten().map(|c| c.0).filter(|t| &t.inputs == inputs)
}

/// Keys of transcript.json's `inputs` that only speaker detection adds: the checkpoint is
/// Whisper's transcript without them.
const SPEAKER_INPUTS: [&str; 2] = ["speaker_model", "speakers"];

/// The stage's name in notes.
const STAGE: &str = "transcribe";

/// The `transcribe --audio` stage: transcribe into `transcript.json` (plus .vtt and .srt),
/// with the speakers from `speakers` (diarization) when given.
pub struct AsrStage<'a> {
    pub meeting_path: &'a Path,
    pub meeting: &'a Meeting,
    pub audio: &'a Path,
    pub opts: &'a AsrOptions,
    pub speakers: Option<&'a crate::diarize::DiarizeOptions>,
}

impl Stage for AsrStage<'_> {
    type Output = Transcript;
    const NAME: &'static str = STAGE;

    fn inputs(&self) -> Result<Inputs> {
        let mut inputs = stage_inputs(self.audio, self.meeting_path, self.opts)?;
        if let Some(d) = self.speakers {
            inputs.insert(SPEAKER_INPUTS[0].into(), workdir::file_fingerprint(&d.encoder)?);
            inputs.insert(SPEAKER_INPUTS[1].into(), workdir::sha256_bytes(d.key().as_bytes()));
        }
        Ok(inputs)
    }

    fn run(&self, ctx: Ctx<'_, Transcript>) -> Result<Made<Transcript>> {
        let (audio_path, opts, report) = (self.audio, self.opts, ctx.report);
        let asr_inputs: Inputs =
            ctx.inputs.iter().filter(|(k, _)| !SPEAKER_INPUTS.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
        let checkpoint = if ctx.force || self.speakers.is_none() { None } else { load_checkpoint(ctx.wd, &asr_inputs) };
        // Wall time of the transcription (None when resumed), to report what speakers add.
        let mut asr_secs = None;
        let (mut t, map) = match checkpoint {
            Some(t) => {
                report.note(
                    STAGE,
                    Note::Info(format!(
                        "resuming from {}: the transcription is done, adding speakers",
                        ctx.wd.path(ASR_CHECKPOINT).display()
                    )),
                );
                (t, None)
            }
            None => {
                let t0 = std::time::Instant::now();
                let map = vad::speech_map(audio_path, &opts.resolve_vad()?)?;
                let mut t = transcribe_speech(audio_path, &map, self.meeting, opts, report)?;
                t.inputs = asr_inputs;
                asr_secs = Some(t0.elapsed().as_secs_f64());
                if interrupted() {
                    bail!("interrupted: nothing was written");
                }
                if self.speakers.is_some() {
                    ctx.wd.save(&Checkpoint(t.clone()))?;
                }
                (t, Some(map))
            }
        };
        if let Some(d) = self.speakers {
            let map = match map {
                Some(m) => m,
                None => vad::speech_map(audio_path, &opts.resolve_vad()?)?,
            };
            let r = crate::diarize::diarize(audio_path, &map, d, report).map_err(|e| {
                if interrupted() {
                    anyhow::anyhow!("interrupted: the transcription is kept in {ASR_CHECKPOINT}; rerun to add the speakers")
                } else {
                    e
                }
            })?;
            crate::diarize::assign(&mut t, &r.turns);
            t.warnings.extend(r.warnings);
            report.note(
                STAGE,
                Note::Info(format!(
                    "found {} speaker(s) in {} turns in {:.1} s{}",
                    r.speakers,
                    r.turns.len(),
                    r.secs,
                    asr_secs.map(|a| format!(" ({:.1} % of the transcription time)", 100.0 * r.secs / a)).unwrap_or_default()
                )),
            );
        }
        if interrupted() {
            bail!("interrupted: nothing was written");
        }
        // Said once the transcript is written, where the secretary sees them last.
        let warnings = t.warnings.iter().map(|w| Note::Warning(w.clone())).collect();
        Ok(Made { output: t, notes: warnings })
    }

    fn save(&self, wd: &WorkDir, t: &Transcript) -> Result<()> {
        crate::transcribe::transcript::save_with_exports(wd, t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_codes_map_to_whisper() {
        assert_eq!(whisper_language("nb"), "no");
        assert_eq!(whisper_language("NN"), "no");
        assert_eq!(whisper_language("en"), "en");
    }

    #[test]
    fn silence_phrases_and_loops_are_caught() {
        assert!(is_silence_hallucination("Teksting av Nicolai Winther"));
        assert!(is_silence_hallucination(" Takk for at du så på! "));
        assert!(!is_silence_hallucination("Takk for innlegget, Rune."));
        let (t, l) = collapse_repetitions("vi må vi må vi må vi må vi må se på dette");
        assert!(l);
        assert_eq!(t, "vi må se på dette");
        let (t, l) = collapse_repetitions("ja ja, det er bra");
        assert!(!l);
        assert_eq!(t, "ja ja, det er bra");
    }

    #[test]
    fn silence_gives_no_windows_and_breaks_are_skipped() {
        let fs = vad::FRAME_SECS;
        assert!(speech_windows(&vec![-100.0; 1000], 2.0, 28.0).is_empty());
        // 10 s speech, 60 s silence, 40 s speech.
        let n = |s: f64| (s / fs) as usize;
        let mut db = vec![-20.0f32; n(10.0)];
        db.extend(vec![-90.0; n(60.0)]);
        db.extend((0..n(40.0)).map(|i| if i % 50 < 3 { -45.0 } else { -20.0 }));
        let w = speech_windows(&db, 2.0, 28.0);
        assert!(w.len() >= 3, "{w:?}");
        assert!(w[0].end < 11.0 && w[1].start > 69.0, "{w:?}");
        assert!(w.iter().all(|w| w.end - w.start <= 28.0 + 1e-6));
        let total: f64 = w.iter().map(|w| w.end - w.start).sum();
        assert!(total < 52.0, "{total}");
        // Mostly silence (hours) with a few seconds of talk: the talk is still found.
        let mut db = vec![-100.0f32; n(3600.0)];
        db[n(1800.0)..n(1805.0)].iter_mut().for_each(|e| *e = -25.0);
        let w = speech_windows(&db, 2.0, 28.0);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!((w[0].start - 1799.75).abs() < 0.1 && (w[0].end - 1805.25).abs() < 0.1, "{w:?}");
    }

    #[test]
    fn encoder_context_follows_the_window() {
        assert_eq!(audio_ctx_frames(SAMPLE_RATE as usize * 10), 550);
        assert_eq!(audio_ctx_frames(SAMPLE_RATE as usize * 28), 1450);
        assert_eq!(audio_ctx_frames(SAMPLE_RATE as usize * 40), 1500);
    }

    #[test]
    fn short_neighbours_share_a_window() {
        let w = |start, end| Window { start, end };
        let packed = pack_windows(vec![w(0.0, 6.0), w(9.0, 15.0), w(18.0, 27.0), w(30.0, 40.0), w(60.0, 65.0)], 28.0);
        // 0-27 fits in 28 s with pauses of 3 s; 30-40 would make it 40 s; 60 is after a long pause.
        assert_eq!(packed, vec![w(0.0, 27.0), w(30.0, 40.0), w(60.0, 65.0)]);
    }
}
