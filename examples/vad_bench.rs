//! Frame-level speech / non-speech accuracy of the two voice activity detectors against the
//! sample meetings' truth (utterance times are exact), clean and mixed with noise at given SNRs.
//! Run by `bench/vad.sh`, which makes the noises with sox:
//!
//! `cargo run --release --example vad_bench -- NOISE_DIR SAMPLE_DIR...`
//!
//! NOISE_DIR holds `room.wav`, `music.wav` and `babble-<meeting id>.wav` (the other meetings
//! mixed). The SNR is speech power (over the truth's utterances) to noise power. Scored on
//! 10 ms frames: accuracy, miss (truth speech called non-speech) and false alarm (truth
//! non-speech called speech), for the detector's own frames and for the windows whisper gets
//! (gaps under 2 s merged, padded).
use anyhow::{Context, Result};
use referat::eval::Truth;
use referat::transcribe::{asr, audio, vad};
use std::path::{Path, PathBuf};
use std::time::Instant;

const SNRS: [f64; 3] = [20.0, 10.0, 5.0];

#[derive(Default, Clone, Copy)]
struct Score {
    tp: u64,
    fp: u64,
    fn_: u64,
    tn: u64,
}

impl Score {
    fn add(&mut self, o: Score) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
        self.tn += o.tn;
    }
    fn acc(&self) -> f64 {
        (self.tp + self.tn) as f64 / (self.tp + self.tn + self.fp + self.fn_).max(1) as f64
    }
    fn miss(&self) -> f64 {
        self.fn_ as f64 / (self.tp + self.fn_).max(1) as f64
    }
    fn fa(&self) -> f64 {
        self.fp as f64 / (self.fp + self.tn).max(1) as f64
    }
}

/// Truth speech per 10 ms.
fn truth_frames(t: &Truth, n: usize) -> Vec<bool> {
    let mut f = vec![false; n];
    for u in &t.utterances {
        let a = (u.start * 100.0).round() as usize;
        let b = ((u.end * 100.0).round() as usize).min(n);
        f[a.min(n)..b].iter_mut().for_each(|x| *x = true);
    }
    f
}

fn score(truth: &[bool], hyp: impl Fn(f64) -> bool) -> Score {
    let mut s = Score::default();
    for (i, &t) in truth.iter().enumerate() {
        let h = hyp((i as f64 + 0.5) / 100.0);
        match (t, h) {
            (true, true) => s.tp += 1,
            (false, true) => s.fp += 1,
            (true, false) => s.fn_ += 1,
            (false, false) => s.tn += 1,
        }
    }
    s
}

fn frames_hyp(mask: &[bool]) -> impl Fn(f64) -> bool + '_ {
    move |t| mask.get((t / vad::FRAME_SECS) as usize).copied().unwrap_or(false)
}

fn windows_hyp(w: &[asr::Window]) -> impl Fn(f64) -> bool + '_ {
    move |t| w.iter().any(|w| t >= w.start && t < w.end)
}

fn power(x: &[f32]) -> f64 {
    x.iter().map(|&v| (v as f64) * (v as f64)).sum::<f64>() / x.len().max(1) as f64
}

fn mix(clean: &[f32], noise: &[f32], speech_power: f64, snr_db: f64) -> Vec<f32> {
    let g = (speech_power / (power(noise) * 10f64.powf(snr_db / 10.0))).sqrt() as f32;
    clean.iter().enumerate().map(|(i, &c)| c + g * noise[i % noise.len()]).collect()
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    anyhow::ensure!(args.len() >= 2, "usage: vad_bench NOISE_DIR SAMPLE_DIR...");
    let noise_dir = PathBuf::from(&args[0]);
    let silero_path = referat::models::installed("silero-vad")?;
    let mut silero = vad::Silero::load(&silero_path)?;
    let room = audio::decode_all(&noise_dir.join("room.wav"))?.0;
    let music = audio::decode_all(&noise_dir.join("music.wav"))?.0;

    // condition -> detector -> (frames, windows)
    let mut conds: Vec<String> = vec!["clean".into()];
    for n in ["room", "babble", "music"] {
        for s in SNRS {
            conds.push(format!("{n} {s:.0} dB"));
        }
    }
    let mut totals = vec![[[Score::default(); 2]; 2]; conds.len()];
    let (mut secs_energy, mut secs_silero, mut audio_secs) = (0.0, 0.0, 0.0);
    for dir in &args[1..] {
        let dir = Path::new(dir);
        let id = dir.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
        let truth = Truth::load(&dir.join("truth.json"))?;
        let rec = ["recording.flac", "recording.wav"].iter().map(|f| dir.join(f)).find(|p| p.exists()).context("no recording")?;
        let (clean, _) = audio::decode_all(&rec)?;
        let n10 = clean.len() / 160;
        let tf = truth_frames(&truth, n10);
        let speech: Vec<f32> =
            clean.iter().enumerate().filter(|(i, _)| tf.get(i / 160).copied().unwrap_or(false)).map(|(_, &x)| x).collect();
        let sp = power(&speech);
        let babble = audio::decode_all(&noise_dir.join(format!("babble-{id}.wav")))?.0;
        for (ci, cond) in conds.iter().enumerate() {
            let pcm = match cond.split_whitespace().collect::<Vec<_>>()[..] {
                ["clean"] => clean.clone(),
                [n, s, _] => {
                    let noise = match n {
                        "room" => &room,
                        "babble" => &babble,
                        _ => &music,
                    };
                    mix(&clean, noise, sp, s.parse()?)
                }
                _ => unreachable!(),
            };
            let t = Instant::now();
            let db = vad::energies(&pcm);
            let e_mask = vad::energy_speech(&db);
            secs_energy += t.elapsed().as_secs_f64();
            let t = Instant::now();
            let probs = silero.probs(&pcm)?;
            let s_mask = vad::silero_speech(&probs, db.len(), vad::SILERO_THRESHOLD);
            secs_silero += t.elapsed().as_secs_f64();
            audio_secs += pcm.len() as f64 / 16000.0;
            for (di, mask) in [e_mask, s_mask].iter().enumerate() {
                let w = asr::windows(&db, mask, 2.0, 28.0);
                let f = score(&tf, frames_hyp(mask));
                let ws = score(&tf, windows_hyp(&w));
                totals[ci][di][0].add(f);
                totals[ci][di][1].add(ws);
                println!(
                    "{id:<28} {cond:<14} {:<7} frames acc {:.3} miss {:.3} fa {:.3} | windows acc {:.3} miss {:.3} fa {:.3}",
                    ["energy", "silero"][di],
                    f.acc(),
                    f.miss(),
                    f.fa(),
                    ws.acc(),
                    ws.miss(),
                    ws.fa()
                );
            }
        }
    }
    println!();
    println!("All {} meetings, 10 ms frames (acc = accuracy, miss = speech lost, fa = non-speech kept):", args.len() - 1);
    println!();
    println!("| condition | energy acc | energy miss | energy fa | silero acc | silero miss | silero fa | energy windows miss / fa | silero windows miss / fa |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for (ci, cond) in conds.iter().enumerate() {
        let [e, s] = totals[ci];
        println!(
            "| {cond} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} / {:.3} | {:.3} / {:.3} |",
            e[0].acc(),
            e[0].miss(),
            e[0].fa(),
            s[0].acc(),
            s[0].miss(),
            s[0].fa(),
            e[1].miss(),
            e[1].fa(),
            s[1].miss(),
            s[1].fa()
        );
    }
    println!();
    println!(
        "time per hour of audio: energy {:.1} s, silero {:.1} s (1 thread; {:.0} s of audio)",
        secs_energy / audio_secs * 3600.0,
        secs_silero / audio_secs * 3600.0,
        audio_secs
    );
    Ok(())
}
