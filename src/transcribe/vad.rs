//! Voice activity: which 30 ms frames of a recording hold speech, from one streaming pass.
//!
//! Two detectors, selectable: frame energy against an adaptive threshold (no model), and
//! Silero VAD run by whisper.cpp (`WhisperVadContext`) on the weights `referat models install`
//! converts. `bench/vad.sh` measures both against the sample meetings' truth, clean and in
//! noise; the figures chose Silero as the default (see [`VadKind::default`]).

use crate::progress::interrupted;
use crate::transcribe::audio::{self, SAMPLE_RATE};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

/// Frame length: 30 ms.
pub const FRAME: usize = 480;
/// Frame length in seconds.
pub const FRAME_SECS: f64 = FRAME as f64 / SAMPLE_RATE as f64;

/// Which detector decides speech.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VadKind {
    /// Frame energy above an adaptive threshold.
    Energy,
    /// Silero VAD (whisper.cpp), threshold 0.5.
    Silero,
}

impl Default for VadKind {
    /// Silero, from bench/vad.sh on the five sample meetings (10 ms frame accuracy, energy →
    /// Silero): clean 0.850 → 0.948, room noise at 5 dB SNR 0.556 → 0.947, music at 5 dB
    /// 0.519 → 0.943; the energy detector loses speech as the floor rises (miss 0.17 clean,
    /// 0.52 at 5 dB). Babble made of other meetings is speech to both (Silero keeps all of it).
    /// The windows whisper gets miss no speech with either; WER on the first sample 0.654
    /// against 0.657. Cost: about 9 s per hour of audio on one core.
    fn default() -> Self {
        VadKind::Silero
    }
}

impl VadKind {
    pub fn as_str(self) -> &'static str {
        match self {
            VadKind::Energy => "energy",
            VadKind::Silero => "silero",
        }
    }
}

impl std::str::FromStr for VadKind {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_lowercase().as_str() {
            "energy" => Ok(VadKind::Energy),
            "silero" => Ok(VadKind::Silero),
            other => bail!("unknown voice activity detector {other:?}: use \"silero\" or \"energy\""),
        }
    }
}

/// The detector with its model file, resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum Vad {
    Energy,
    Silero(PathBuf),
}

impl Vad {
    /// `kind` with its model: `model` if given, else the installed `silero-vad`.
    pub fn resolve(kind: VadKind, model: Option<&Path>) -> Result<Vad> {
        Ok(match kind {
            VadKind::Energy => Vad::Energy,
            VadKind::Silero => Vad::Silero(match model {
                Some(p) => p.to_path_buf(),
                None => crate::models::installed("silero-vad").context("the Silero voice activity detector is the default")?,
            }),
        })
    }
}

/// Per-frame energies and speech decisions of a whole recording.
pub struct SpeechMap {
    /// Energy per frame, dB.
    pub db: Vec<f32>,
    /// Speech per frame, from the detector chosen.
    pub speech: Vec<bool>,
    pub info: audio::DecodeInfo,
    /// Wall time the pass took, seconds.
    pub secs: f64,
}

/// Decode `path` once and decide speech per frame with `vad`.
pub fn speech_map(path: &Path, vad: &Vad) -> Result<SpeechMap> {
    let t0 = std::time::Instant::now();
    let mut silero = match vad {
        Vad::Silero(model) => Some(Silero::load(model)?),
        Vad::Energy => None,
    };
    let mut energy = Energy::default();
    let info = audio::decode_chunks(path, 10.0, |c| {
        if interrupted() {
            bail!("interrupted: nothing was written");
        }
        energy.push(c);
        if let Some(s) = silero.as_mut() {
            s.push(c)?;
        }
        Ok(())
    })?;
    let db = energy.finish();
    let speech = match silero {
        Some(s) => silero_speech(&s.finish()?, db.len(), SILERO_THRESHOLD),
        None => energy_speech(&db),
    };
    Ok(SpeechMap { db, speech, info, secs: t0.elapsed().as_secs_f64() })
}

/// Frame energies, streamed.
#[derive(Default)]
pub struct Energy {
    db: Vec<f32>,
    acc: f64,
    n: usize,
}

impl Energy {
    pub fn push(&mut self, pcm: &[f32]) {
        for &x in pcm {
            self.acc += (x as f64) * (x as f64);
            self.n += 1;
            if self.n == FRAME {
                self.db.push((10.0 * (self.acc / FRAME as f64 + 1e-10).log10()) as f32);
                self.acc = 0.0;
                self.n = 0;
            }
        }
    }

    pub fn finish(mut self) -> Vec<f32> {
        if self.n > 0 {
            self.db.push((10.0 * (self.acc / self.n as f64 + 1e-10).log10()) as f32);
        }
        self.db
    }
}

/// Energy frames of `pcm`.
pub fn energies(pcm: &[f32]) -> Vec<f32> {
    let mut e = Energy::default();
    e.push(pcm);
    e.finish()
}

/// Speech frames by energy: above a threshold 30 % of the way from the noise floor (15th
/// percentile) to the speech level (95th percentile of the frames clearly above the floor).
/// All false for a recording with less than 0.3 s above the floor.
pub fn energy_speech(db: &[f32]) -> Vec<bool> {
    let mut out = vec![false; db.len()];
    if db.is_empty() {
        return out;
    }
    let mut sorted: Vec<f32> = db.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let floor = sorted[((sorted.len() - 1) as f64 * 0.15) as usize];
    // "Active" frames stand clearly above the noise floor; a recording that is mostly silence
    // (a 6-hour file with minutes of talk) still has its speech level measured on them.
    let active_min = (floor + 10.0).max(-60.0);
    let first_active = sorted.partition_point(|&e| e <= active_min);
    let active = &sorted[first_active..];
    if active.len() < ((0.3 / FRAME_SECS).round() as usize).max(1) {
        return out;
    }
    let loud = active[((active.len() - 1) as f64 * 0.95) as usize];
    let thr = (floor + 0.3 * (loud - floor)).max(-58.0);
    for (o, &e) in out.iter_mut().zip(db) {
        *o = e > thr;
    }
    out
}

// ---------------------------------------------------------------- Silero

/// Samples per Silero probability (32 ms).
pub const SILERO_CHUNK: usize = 512;
/// Silero's own default speech threshold.
pub const SILERO_THRESHOLD: f32 = 0.5;
/// whisper.cpp resets the LSTM state on every call: feed it a minute at a time.
const SILERO_BLOCK: usize = SILERO_CHUNK * 1875;

/// whisper.cpp's Silero VAD, fed a stream of samples.
pub struct Silero {
    ctx: whisper_rs::WhisperVadContext,
    pending: Vec<f32>,
    probs: Vec<f32>,
}

impl Silero {
    pub fn load(model: &Path) -> Result<Silero> {
        whisper_rs::install_logging_hooks();
        let mut p = whisper_rs::WhisperVadContextParams::new();
        // One thread: the model is tiny and a second one only adds synchronisation per 32 ms chunk.
        p.set_n_threads(1);
        let path = model.to_str().with_context(|| format!("VAD model path {} is not UTF-8", model.display()))?;
        let ctx = whisper_rs::WhisperVadContext::new(path, p).map_err(|e| anyhow::anyhow!("{e}")).with_context(|| {
            format!("cannot load the Silero VAD model {}: run `referat models verify` (or `referat models install`)", model.display())
        })?;
        Ok(Silero { ctx, pending: Vec::with_capacity(SILERO_BLOCK), probs: Vec::new() })
    }

    pub fn push(&mut self, mut pcm: &[f32]) -> Result<()> {
        while !pcm.is_empty() {
            let n = (SILERO_BLOCK - self.pending.len()).min(pcm.len());
            self.pending.extend_from_slice(&pcm[..n]);
            pcm = &pcm[n..];
            if self.pending.len() == SILERO_BLOCK {
                self.run()?;
            }
        }
        Ok(())
    }

    fn run(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        self.ctx.detect_speech(&self.pending).map_err(|e| anyhow::anyhow!("{e}")).context("Silero VAD failed")?;
        self.probs.extend_from_slice(self.ctx.probabilities());
        self.pending.clear();
        Ok(())
    }

    /// Speech probability per 512-sample chunk.
    pub fn finish(mut self) -> Result<Vec<f32>> {
        self.run()?;
        Ok(self.probs)
    }

    /// Probabilities of a whole buffer.
    pub fn probs(&mut self, pcm: &[f32]) -> Result<Vec<f32>> {
        self.probs.clear();
        self.push(pcm)?;
        self.run()?;
        Ok(std::mem::take(&mut self.probs))
    }
}

/// Speech frames (30 ms) from Silero probabilities (32 ms), with Silero's own post-processing
/// (`get_speech_timestamps`): speech starts at `threshold`, ends after 100 ms below
/// `threshold - 0.15`; runs under 250 ms are dropped, 30 ms of padding on each side.
pub fn silero_speech(probs: &[f32], n_frames: usize, threshold: f32) -> Vec<bool> {
    let chunk_secs = SILERO_CHUNK as f64 / SAMPLE_RATE as f64;
    let min_silence = (0.100 / chunk_secs).ceil() as usize;
    let min_speech = (0.250 / chunk_secs).ceil() as usize;
    let neg = threshold - 0.15;
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut start: Option<usize> = None;
    let mut below = 0usize;
    for (j, &p) in probs.iter().enumerate() {
        match start {
            None if p >= threshold => {
                start = Some(j);
                below = 0;
            }
            Some(s) if p < neg => {
                below += 1;
                if below >= min_silence {
                    runs.push((s, j + 1 - below));
                    start = None;
                }
            }
            Some(_) => below = 0,
            None => {}
        }
    }
    if let Some(s) = start {
        runs.push((s, probs.len()));
    }
    let mut out = vec![false; n_frames];
    let pad = 0.030;
    for (s, e) in runs.into_iter().filter(|(s, e)| e - s >= min_speech) {
        let t0 = (s as f64 * chunk_secs - pad).max(0.0);
        let t1 = e as f64 * chunk_secs + pad;
        let f0 = (t0 / FRAME_SECS).round() as usize;
        let f1 = ((t1 / FRAME_SECS).round() as usize).min(n_frames);
        out[f0.min(n_frames)..f1].iter_mut().for_each(|x| *x = true);
    }
    out
}

/// Runs of `true` frames as (start, end) seconds, merged across gaps shorter than `min_gap`,
/// runs shorter than `min_len` dropped.
pub fn regions(speech: &[bool], min_gap: f64, min_len: f64) -> Vec<(f64, f64)> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let gap = (min_gap / FRAME_SECS).round() as usize;
    for (i, &s) in speech.iter().enumerate() {
        if !s {
            continue;
        }
        match runs.last_mut() {
            Some(r) if i - r.1 <= gap => r.1 = i + 1,
            _ => runs.push((i, i + 1)),
        }
    }
    runs.into_iter().map(|(a, b)| (a as f64 * FRAME_SECS, b as f64 * FRAME_SECS)).filter(|(a, b)| b - a >= min_len).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silero_hysteresis_keeps_short_dips_and_drops_blips() {
        // 1 s speech, a 64 ms dip (kept), 1 s speech, 1 s silence, a 96 ms blip (dropped).
        let mut p = vec![0.9f32; 31];
        p.extend([0.1, 0.1]);
        p.extend(vec![0.9; 31]);
        p.extend(vec![0.05; 31]);
        p.extend([0.8, 0.8, 0.8]);
        p.extend(vec![0.05; 20]);
        let n = (p.len() as f64 * 0.032 / FRAME_SECS) as usize;
        let s = silero_speech(&p, n, 0.5);
        let r = regions(&s, 0.0, 0.0);
        assert_eq!(r.len(), 1, "{r:?}");
        assert!(r[0].0 < 0.01 && (r[0].1 - 2.08).abs() < 0.05, "{r:?}");
    }

    #[test]
    fn energy_detector_finds_loud_frames_and_nothing_in_silence() {
        assert!(energy_speech(&[-100.0; 500]).iter().all(|&s| !s));
        let mut db = vec![-80.0f32; 300];
        db[100..200].iter_mut().for_each(|e| *e = -20.0);
        let s = energy_speech(&db);
        assert!(s[100..200].iter().all(|&x| x) && s[..100].iter().all(|&x| !x) && s[200..].iter().all(|&x| !x));
    }

    #[test]
    fn kinds_parse() {
        assert_eq!("Silero".parse::<VadKind>().unwrap(), VadKind::Silero);
        assert_eq!("energy".parse::<VadKind>().unwrap(), VadKind::Energy);
        assert!("webrtc".parse::<VadKind>().is_err());
    }
}
