//! Diarization against the sample meetings' truth: DER (missed + false alarm + confusion over
//! truth speech, 10 ms frames, 0.25 s collar, optimal one-to-one speaker mapping), estimated
//! vs true number of speakers, and the time diarization takes against transcription.
//! Run by `bench/diarize.sh`:
//!
//! `cargo run --release --example diarize_bench -- [--asr] [--thresholds 0.75,0.8] SAMPLE_DIR...`
//!
//! Without `--asr` only the diarization turns are scored (no Whisper). With it, each meeting
//! is also transcribed, the speakers put on Whisper's words (segments split at speaker
//! changes), and the DER of the transcript's segments is reported beside the turns' DER, with
//! diarization time / transcription time (both single runs, one after the other).
use anyhow::{Context, Result};
use referat::diarize::{self, der, encoder::Encoder, DiarizeOptions};
use referat::transcribe::{asr, vad};
use referat::{eval::Truth, meeting::Meeting};
use std::path::Path;
use std::time::Instant;

fn truth_spans(t: &Truth) -> Vec<der::Labelled> {
    t.utterances.iter().map(|u| der::Labelled { start: u.start, end: u.end, speaker: u.speaker.clone() }).collect()
}

fn main() -> Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let with_asr = args.iter().any(|a| a == "--asr");
    args.retain(|a| a != "--asr");
    let mut thresholds = vec![diarize::DEFAULT_THRESHOLD];
    if let Some(i) = args.iter().position(|a| a == "--thresholds") {
        thresholds = args.get(i + 1).context("--thresholds needs a list")?.split(',').map(|x| x.parse()).collect::<Result<_, _>>()?;
        args.drain(i..i + 2);
    }
    let mut hop: Option<usize> = None;
    if let Some(i) = args.iter().position(|a| a == "--hop") {
        hop = Some(args.get(i + 1).context("--hop needs a number of 10 ms frames")?.parse()?);
        args.drain(i..i + 2);
    }
    let mut dump: Option<std::path::PathBuf> = None;
    if let Some(i) = args.iter().position(|a| a == "--dump") {
        dump = Some(args.get(i + 1).context("--dump needs a folder")?.into());
        args.drain(i..i + 2);
    }
    anyhow::ensure!(!args.is_empty(), "usage: diarize_bench [--asr] [--thresholds a,b] SAMPLE_DIR...");
    let enc_path = referat::models::installed("resemblyzer")?;
    let enc = Encoder::load(&enc_path)?;
    let vad = vad::Vad::resolve(vad::VadKind::Silero, None)?;
    let tuning = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/meetings.toml")).unwrap_or_default();

    let mut rows = Vec::new();
    let mut totals = vec![der::Der::default(); thresholds.len()];
    let mut seg_total = der::Der::default();
    let (mut asr_total, mut dia_total, mut audio_total) = (0.0, 0.0, 0.0);
    for dir in &args {
        let dir = Path::new(dir);
        let id = dir.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
        let held_out = tuning.contains(&format!("id = \"{id}\"\ntuning = false"));
        let meeting = Meeting::load(&dir.join("meeting.toml"))?;
        let truth = Truth::load(&dir.join("truth.json"))?;
        let truth_l = truth_spans(&truth);
        let n_true = truth.utterances.iter().map(|u| u.speaker.as_str()).collect::<std::collections::BTreeSet<_>>().len();
        let audio = ["recording.flac", "recording.wav"].iter().map(|f| dir.join(f)).find(|p| p.exists()).context("no recording")?;
        let people = diarize::people(&meeting).len();
        let t0 = Instant::now();
        let map = vad::speech_map(&audio, &vad)?;
        let vad_secs = t0.elapsed().as_secs_f64();
        audio_total += map.info.duration();
        let t1 = Instant::now();
        let mut opts = DiarizeOptions::new(enc_path.clone(), people);
        if let Some(h) = hop {
            opts.hop_frames = h;
        }
        let regions = diarize::embed_regions(&audio, &map, &enc, opts.hop_frames, &referat::progress::Silent)?;
        let embed_secs = t1.elapsed().as_secs_f64();
        if let Some(d) = &dump {
            // Regions and their embeddings, for analysis outside.
            let v: Vec<serde_json::Value> =
                regions.iter().map(|r| serde_json::json!({"start": r.start, "end": r.end, "embedding": r.embedding})).collect();
            std::fs::create_dir_all(d)?;
            std::fs::write(d.join(format!("{id}.json")), serde_json::to_vec(&v)?)?;
        }
        for (ti, &thr) in thresholds.iter().enumerate() {
            let t2 = Instant::now();
            let labels = diarize::cluster_regions(&regions, thr, people).labels;
            let secs = embed_secs + t2.elapsed().as_secs_f64();
            let hyp: Vec<der::Labelled> = regions
                .iter()
                .zip(&labels)
                .map(|(r, &l)| der::Labelled { start: r.start, end: r.end, speaker: diarize::speaker_name(l) })
                .collect();
            let d = der::der(&truth_l, &hyp, 0.25);
            totals[ti].add(d);
            let k = labels.iter().max().map(|m| m + 1).unwrap_or(0);
            let mut line = format!(
                "{id:<28}{} thr {thr:.2}: DER {:.3} (miss {:.3}, fa {:.3}, confusion {:.3}), speakers {k} of {n_true} (bound {people}), {} regions",
                if held_out { " (held out)" } else { "" },
                d.rate(),
                d.missed / d.speech,
                d.false_alarm / d.speech,
                d.confusion / d.speech,
                regions.len()
            );
            if with_asr && ti == 0 {
                let t3 = Instant::now();
                let mut t = asr::transcribe_speech(
                    &audio,
                    &map,
                    &meeting,
                    &asr::AsrOptions::new(referat::models::whisper_path(None, Some(&meeting))?),
                    &referat::progress::Silent,
                )?;
                let asr_secs = vad_secs + t3.elapsed().as_secs_f64();
                let turns: Vec<diarize::Turn> =
                    regions.iter().zip(&labels).map(|(r, &l)| diarize::Turn { start: r.start, end: r.end, speaker: l }).collect();
                diarize::assign(&mut t, &turns);
                let segs: Vec<der::Labelled> = t
                    .segments
                    .iter()
                    .map(|s| der::Labelled { start: s.start, end: s.end, speaker: s.speaker.clone().unwrap_or_default() })
                    .collect();
                let ds = der::der(&truth_l, &segs, 0.25);
                seg_total.add(ds);
                asr_total += asr_secs;
                dia_total += secs;
                line.push_str(&format!(
                    "; transcript segments DER {:.3}; diarization {secs:.1} s / transcription {asr_secs:.1} s = {:.3}",
                    ds.rate(),
                    secs / asr_secs
                ));
            }
            println!("{line}");
            rows.push((id.clone(), held_out, thr, d, k, n_true, people));
        }
        eprintln!("{id}: embedding {embed_secs:.1} s for {:.0} s of audio", map.info.duration());
    }
    println!();
    println!("| meeting | threshold | DER | miss | false alarm | confusion | speakers found / true (bound) |");
    println!("|---|---|---|---|---|---|---|");
    for (id, held_out, thr, d, k, n, p) in &rows {
        println!(
            "| {id}{} | {thr:.2} | {:.3} | {:.3} | {:.3} | {:.3} | {k} / {n} ({p}) |",
            if *held_out { " (held out)" } else { "" },
            d.rate(),
            d.missed / d.speech,
            d.false_alarm / d.speech,
            d.confusion / d.speech
        );
    }
    for (ti, thr) in thresholds.iter().enumerate() {
        println!("| all | {thr:.2} | {:.3} | | | | |", totals[ti].rate());
    }
    if with_asr {
        println!();
        println!("transcript segments (speakers on Whisper's words), all meetings: DER {:.3}", seg_total.rate());
        println!(
            "diarization {dia_total:.1} s / transcription {asr_total:.1} s = {:.3} ({:.0} s of audio; per hour of audio: diarization {:.0} s, transcription {:.0} s)",
            dia_total / asr_total,
            audio_total,
            dia_total / audio_total * 3600.0,
            asr_total / audio_total * 3600.0
        );
    }
    Ok(())
}
