//! Speaker diarization: who speaks when, from the recording alone.
//!
//! 1. Speech regions from the voice activity detector, joined across pauses under 0.3 s (so a
//!    region is most often one speaker's sentence or two).
//! 2. GE2E embeddings ([`encoder`]) of 1.6 s windows every 0.5 s inside each region, averaged
//!    per region.
//! 3. Clustering of the regions ([`cluster`]): k-means from the bound (the people the meeting
//!    file lists), the closest speakers merged while they are more similar than a threshold:
//!    that estimates the number of speakers.
//! 4. Whisper's words take the speaker of the region they fall in; a segment whose words
//!    change speaker is split there ([`assign`]). Speakers are named "Taler 1", "Taler 2", ...
//!    in order of first speech.

pub mod cluster;
pub mod der;
pub mod encoder;
pub mod pth;

use crate::artifact::{Segment, Transcript};
use crate::meeting::{Attendance, Meeting};
use crate::progress::{interrupted, Report};
use crate::transcribe::audio::SAMPLE_RATE;
use crate::transcribe::vad::{self, SpeechMap};
use anyhow::{bail, Result};
use encoder::{Encoder, Mel, EMBED_DIM, HOP, N_MELS, PARTIAL_FRAMES};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Settings of one diarization run.
#[derive(Debug, Clone)]
pub struct DiarizeOptions {
    /// resemblyzer's `pretrained.pt`.
    pub encoder: PathBuf,
    /// At most this many speakers (the people the meeting file lists); 0: no bound.
    pub max_speakers: usize,
    /// Average-linkage similarity above which two groups of speech are one speaker.
    pub threshold: f32,
    /// Step between embedding windows, in mel frames (10 ms).
    pub hop_frames: usize,
}

impl DiarizeOptions {
    pub fn new(encoder: PathBuf, max_speakers: usize) -> DiarizeOptions {
        DiarizeOptions { encoder, max_speakers, threshold: DEFAULT_THRESHOLD, hop_frames: PARTIAL_FRAMES }
    }

    /// A short fingerprint of the settings for the stage's inputs.
    pub fn key(&self) -> String {
        format!("max={};thr={};hop={};v1", self.max_speakers, self.threshold, self.hop_frames)
    }
}

/// Tuned on the tuning meetings of samples/ (bench/diarize.sh).
pub const DEFAULT_THRESHOLD: f32 = 0.80;

/// Gaps shorter than this inside a speech region do not split it (seconds): longer regions
/// give steadier embeddings (0.3 s: region error 0.17 against 0.21 with 0.15 s on the tuning
/// meetings, where pauses between two speakers are 0.4 s or more).
const REGION_GAP: f64 = 0.3;
/// Speech regions shorter than this are not embedded (seconds); their words take the nearest
/// region's speaker.
const REGION_MIN: f64 = 0.3;

/// The people who may speak: members present and substitutes, presenters, secretariat.
pub fn people(meeting: &Meeting) -> BTreeSet<String> {
    let mut p = BTreeSet::new();
    for m in meeting.members.iter().filter(|m| m.status != Attendance::Absent) {
        p.insert(m.name.trim().to_string());
    }
    for it in &meeting.items {
        p.extend(it.presenters.iter().map(|x| x.name.trim().to_string()));
    }
    if let Some(s) = &meeting.secretariat {
        p.extend(s.names.iter().map(|x| x.trim().to_string()));
    }
    p.retain(|n| !n.is_empty());
    p
}

/// A stretch of speech by one speaker (0-based, in order of first speech).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Turn {
    pub start: f64,
    pub end: f64,
    pub speaker: usize,
}

/// The name of speaker `i` (0-based).
pub fn speaker_name(i: usize) -> String {
    format!("Taler {}", i + 1)
}

/// What a diarization run found.
#[derive(Debug, Clone, Default)]
pub struct Diarization {
    pub turns: Vec<Turn>,
    pub speakers: usize,
    /// For the secretary (Norwegian).
    pub warnings: Vec<String>,
    /// Seconds spent embedding and clustering.
    pub secs: f64,
}

/// An embedded speech region.
#[derive(Debug, Clone)]
pub struct Region {
    pub start: f64,
    pub end: f64,
    /// L2-normed mean of the region's window embeddings.
    pub embedding: Vec<f32>,
}

/// Embed every speech region of the recording (a streaming pass over the audio).
pub fn embed_regions(audio_path: &Path, map: &SpeechMap, enc: &Encoder, hop_frames: usize, report: &dyn Report) -> Result<Vec<Region>> {
    let spans = vad::regions(&map.speech, REGION_GAP, REGION_MIN);
    let total: f64 = spans.iter().map(|(a, b)| b - a).sum();
    let pb = report.bar("talere", total.ceil() as u64, "s");
    let mel = Mel::new();
    let sr = SAMPLE_RATE as f64;
    let mut out: Vec<Region> = Vec::with_capacity(spans.len());
    // Windows waiting for the encoder: (region index, mel frames).
    let mut batch: Vec<f32> = Vec::new();
    let mut owners: Vec<usize> = Vec::new();
    let mut sums: Vec<(Vec<f32>, usize)> = vec![(vec![0f32; EMBED_DIM], 0); spans.len()];
    let mut done = 0.0;
    const BATCH: usize = 64;
    let flush = |batch: &mut Vec<f32>, owners: &mut Vec<usize>, sums: &mut Vec<(Vec<f32>, usize)>| -> Result<()> {
        if owners.is_empty() {
            return Ok(());
        }
        for (e, &o) in enc.embed(batch, owners.len())?.iter().zip(owners.iter()) {
            sums[o].0.iter_mut().zip(e).for_each(|(a, b)| *a += b);
            sums[o].1 += 1;
        }
        batch.clear();
        owners.clear();
        Ok(())
    };
    let mut buf: Vec<f32> = Vec::new();
    let mut buf_start = 0usize;
    let mut next = 0usize;
    let mut take = |buf: &mut Vec<f32>, buf_start: &mut usize, final_: bool| -> Result<()> {
        while next < spans.len() {
            let (a, b) = spans[next];
            let (s0, s1) = ((a * sr) as usize, (b * sr) as usize);
            if *buf_start + buf.len() < s1 && !final_ {
                break;
            }
            if interrupted() {
                bail!("interrupted: nothing was written");
            }
            let lo = s0.saturating_sub(*buf_start).min(buf.len());
            let hi = s1.saturating_sub(*buf_start).min(buf.len());
            let mut pcm = buf[lo..hi].to_vec();
            // A region shorter than a window is zero-padded, as resemblyzer pads utterances.
            pcm.resize(pcm.len().max(PARTIAL_FRAMES * HOP), 0.0);
            let frames = mel.frames(&pcm);
            let n = frames.len() / N_MELS;
            for s in window_starts(n, hop_frames) {
                batch.extend_from_slice(&frames[s * N_MELS..(s + PARTIAL_FRAMES) * N_MELS]);
                owners.push(next);
                if owners.len() == BATCH {
                    flush(&mut batch, &mut owners, &mut sums)?;
                }
            }
            done += b - a;
            pb.set_position(done as u64);
            next += 1;
            let keep_from = spans.get(next).map(|w| (w.0 * sr) as usize).unwrap_or(usize::MAX);
            let k = keep_from.saturating_sub(*buf_start).min(buf.len());
            buf.drain(..k);
            *buf_start += k;
        }
        Ok(())
    };
    crate::transcribe::audio::decode_chunks(audio_path, 5.0, |c| {
        if interrupted() {
            bail!("interrupted: nothing was written");
        }
        buf.extend_from_slice(c);
        take(&mut buf, &mut buf_start, false)
    })?;
    take(&mut buf, &mut buf_start, true)?;
    flush(&mut batch, &mut owners, &mut sums)?;
    pb.finish();
    for ((a, b), (sum, n)) in spans.into_iter().zip(sums) {
        if n == 0 {
            continue;
        }
        let norm = sum.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
        out.push(Region { start: a, end: b, embedding: sum.iter().map(|x| x / norm).collect() });
    }
    Ok(out)
}

/// Start frames of the windows over `n` mel frames: every `hop`, the last one flush with the
/// end so the tail is covered.
fn window_starts(n: usize, hop: usize) -> Vec<usize> {
    if n <= PARTIAL_FRAMES {
        return vec![0];
    }
    let last = n - PARTIAL_FRAMES;
    let mut s: Vec<usize> = (0..=last).step_by(hop.max(1)).collect();
    if s.last() != Some(&last) {
        s.push(last);
    }
    s
}

/// Speakers found for embedded regions.
#[derive(Debug, Clone, PartialEq)]
pub struct Clustering {
    /// Speaker per region, 0-based in order of first speech.
    pub labels: Vec<usize>,
    pub speakers: usize,
    /// The voices looked like more speakers than the bound allowed (merged down to it).
    pub over_bound: bool,
}

/// Speakers of embedded regions ([`cluster::speakers`]): k-means from two more clusters than
/// the bound, so that a recording with more voices than people listed shows it.
pub fn cluster_regions(regions: &[Region], threshold: f32, max_speakers: usize) -> Clustering {
    let x: Vec<Vec<f32>> = regions.iter().map(|r| r.embedding.clone()).collect();
    let w: Vec<f64> = regions.iter().map(|r| r.end - r.start).collect();
    let bound = if max_speakers == 0 { UNBOUNDED } else { max_speakers };
    let mut labels = cluster::speakers(&x, &w, (bound + 2).min(x.len()), threshold, bound + 2);
    let mut speakers = cluster::compact(&mut labels);
    let over_bound = speakers > bound;
    if over_bound {
        speakers = cluster::merge_close(&cluster::centre(&x, &w), &w, &mut labels, threshold, bound);
    }
    Clustering { labels, speakers, over_bound }
}

/// One voice is worth a warning only in this much speech (seconds): a meeting, not a clip.
const ONE_VOICE_WARNING: f64 = 60.0;

/// The most speakers looked for when the meeting file lists nobody.
const UNBOUNDED: usize = 30;

/// Diarize the recording: embed, cluster, turns.
pub fn diarize(audio_path: &Path, map: &SpeechMap, opts: &DiarizeOptions, report: &dyn Report) -> Result<Diarization> {
    let t0 = std::time::Instant::now();
    let enc = Encoder::load(&opts.encoder)?;
    let regions = embed_regions(audio_path, map, &enc, opts.hop_frames, report)?;
    let mut d = speakers_of(&regions, opts.threshold, opts.max_speakers);
    d.secs = t0.elapsed().as_secs_f64();
    Ok(d)
}

/// Turns and warnings from embedded regions.
pub fn speakers_of(regions: &[Region], threshold: f32, max_speakers: usize) -> Diarization {
    let c = cluster_regions(regions, threshold, max_speakers);
    let turns: Vec<Turn> = regions.iter().zip(&c.labels).map(|(r, &l)| Turn { start: r.start, end: r.end, speaker: l }).collect();
    let mut warnings = Vec::new();
    if regions.is_empty() {
        warnings.push("Fant ingen tale å skille talere i.".to_string());
    } else if c.speakers == 1 && regions.iter().map(|r| r.end - r.start).sum::<f64>() >= ONE_VOICE_WARNING {
        warnings.push("Bare én stemme ble funnet i opptaket: alle segmentene er merket «Taler 1».".to_string());
    } else if c.over_bound {
        warnings.push(format!(
            "Opptaket ser ut til å ha flere stemmer enn de {max_speakers} personene møtefilen lister; talerne er slått sammen til \
             {max_speakers}. Legg til de som mangler i møtefilen om noen snakket uten å stå der."
        ));
    }
    Diarization { turns, speakers: c.speakers, warnings, secs: 0.0 }
}

/// Put the speakers on the transcript: each word takes the speaker of the turn it overlaps
/// most (the nearest turn if none), runs of fewer than 3 words and under 1 s join their
/// neighbours, and a segment is split where its words change speaker. Segments without word
/// times take the speaker of the turns they overlap most.
pub fn assign(t: &mut Transcript, turns: &[Turn]) {
    if turns.is_empty() {
        return;
    }
    // (segment, speaker label) in time order; names are given at the end so that they follow
    // the order of first speech in the transcript itself.
    let mut out: Vec<(Segment, Option<usize>)> = Vec::with_capacity(t.segments.len());
    for seg in t.segments.drain(..) {
        if seg.edited {
            out.push((seg, None));
            continue;
        }
        if seg.words.is_empty() {
            let speaker = speaker_at(turns, seg.start, seg.end);
            out.push((seg, Some(speaker)));
            continue;
        }
        let mut who: Vec<usize> = seg.words.iter().map(|w| speaker_at(turns, w.start, w.end)).collect();
        smooth_runs(&mut who, &seg.words);
        snap_changes(&mut who, &seg.words);
        let n = seg.words.len();
        if who.iter().all(|&w| w == who[0]) {
            let w = who[0];
            out.push((seg, Some(w)));
            continue;
        }
        let mut i = 0;
        while i < n {
            let mut j = i + 1;
            while j < n && who[j] == who[i] {
                j += 1;
            }
            let words = seg.words[i..j].to_vec();
            let start = if i == 0 { seg.start } else { words[0].start };
            let end = if j == n { seg.end } else { words[words.len() - 1].end };
            let text = words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" ");
            let confs: Vec<f32> = words.iter().filter_map(|w| w.confidence).collect();
            let confidence = (!confs.is_empty()).then(|| confs.iter().sum::<f32>() / confs.len() as f32);
            out.push((Segment { start, end: end.max(start), text, speaker: None, words, confidence, ..Default::default() }, Some(who[i])));
            i = j;
        }
    }
    let mut order: Vec<usize> = Vec::new();
    for (seg, label) in &mut out {
        if let Some(l) = *label {
            let k = order.iter().position(|&o| o == l).unwrap_or_else(|| {
                order.push(l);
                order.len() - 1
            });
            seg.speaker = Some(speaker_name(k));
        }
    }
    t.segments = out.into_iter().map(|(s, _)| s).collect();
}

/// The speaker of the turn overlapping [a, b] most, or of the nearest turn.
fn speaker_at(turns: &[Turn], a: f64, b: f64) -> usize {
    let mut best = (f64::NEG_INFINITY, 0usize);
    // Turns are in time order: start near the first that could overlap.
    let from = turns.partition_point(|t| t.end < a).saturating_sub(1);
    for t in &turns[from..] {
        if t.start > b + 30.0 {
            break;
        }
        let overlap = t.end.min(b) - t.start.max(a);
        // Negative overlap is minus the distance: the nearest turn wins when none overlaps.
        if overlap > best.0 {
            best = (overlap, t.speaker);
        }
    }
    if best.0 == f64::NEG_INFINITY {
        // Far after the last turn (or before the first): the closest end.
        let last = turns.last().expect("turns is not empty");
        return if a >= last.end { last.speaker } else { turns[0].speaker };
    }
    best.1
}

/// Words a speaker change may move to reach a likelier place.
const SNAP_WORDS: usize = 4;

/// A speaker change inside a segment moves, within [`SNAP_WORDS`] words, to where the next
/// speaker most likely began: the longest pause between words, helped by a sentence end
/// before it and a capital after it. Word times and the speaker turns are each off by a few
/// tenths of a second, enough to give a sentence's first words to the speaker before.
fn snap_changes(who: &mut [usize], words: &[crate::artifact::Word]) {
    let n = who.len();
    let score = |p: usize, k: usize| {
        let gap = (words[p].start - words[p - 1].end).max(0.0);
        let before = words[p - 1].text.trim_end();
        let ends = if before.ends_with(['.', '?', '!']) {
            0.5
        } else if before.ends_with([',', ':', ';']) {
            0.15
        } else {
            0.0
        };
        let capital = if words[p].text.trim_start().starts_with(char::is_uppercase) { 0.15 } else { 0.0 };
        gap + ends + capital - 0.02 * p.abs_diff(k) as f64
    };
    let mut k = 1;
    while k < n {
        if who[k] == who[k - 1] {
            k += 1;
            continue;
        }
        let (a, b) = (who[k - 1], who[k]);
        // Only between the two speakers' own runs: never across a third speaker's words.
        let mut lo = k;
        while lo > 1 && k - lo < SNAP_WORDS && who[lo - 2] == a {
            lo -= 1;
        }
        let mut hi = k;
        while hi + 1 < n && hi - k < SNAP_WORDS && who[hi + 1] == b {
            hi += 1;
        }
        let best = (lo..=hi).max_by(|&p, &q| score(p, k).total_cmp(&score(q, k)).then(q.abs_diff(k).cmp(&p.abs_diff(k)))).unwrap_or(k);
        for w in who.iter_mut().take(k).skip(best) {
            *w = b;
        }
        for w in who.iter_mut().take(best).skip(k) {
            *w = a;
        }
        k = best.max(k) + 1;
    }
}

/// Runs of fewer than 3 words lasting under 1 s take the speaker of the longer neighbouring
/// run: a speaker change inside a segment must be backed by more than a stray word.
fn smooth_runs(who: &mut [usize], words: &[crate::artifact::Word]) {
    loop {
        let mut runs: Vec<(usize, usize)> = Vec::new();
        let mut i = 0;
        while i < who.len() {
            let mut j = i + 1;
            while j < who.len() && who[j] == who[i] {
                j += 1;
            }
            runs.push((i, j));
            i = j;
        }
        if runs.len() < 2 {
            return;
        }
        let dur = |r: (usize, usize)| words[r.1 - 1].end - words[r.0].start;
        let short = runs.iter().enumerate().filter(|(_, r)| r.1 - r.0 < 3 && dur(**r) < 1.0).min_by(|a, b| dur(*a.1).total_cmp(&dur(*b.1)));
        let Some((k, &(a, b))) = short else { return };
        let left = if k > 0 { Some(runs[k - 1]) } else { None };
        let right = runs.get(k + 1).copied();
        let take = match (left, right) {
            (Some(l), Some(r)) => {
                if dur(l) >= dur(r) {
                    who[l.0]
                } else {
                    who[r.0]
                }
            }
            (Some(l), None) => who[l.0],
            (None, Some(r)) => who[r.0],
            (None, None) => return,
        };
        who[a..b].iter_mut().for_each(|w| *w = take);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifact::Word;

    fn word(s: f64, e: f64, t: &str) -> Word {
        Word { start: s, end: e, text: t.into(), ..Default::default() }
    }

    #[test]
    fn a_segment_holding_two_speakers_is_split_at_the_word() {
        let turns = vec![Turn { start: 0.0, end: 3.0, speaker: 0 }, Turn { start: 3.4, end: 8.0, speaker: 1 }];
        let mut t = Transcript {
            version: 1,
            inputs: Default::default(),
            source: "asr".into(),
            model: None,
            duration: 8.0,
            segments: vec![Segment {
                start: 0.0,
                end: 7.5,
                text: "Takk for det. Ja, jeg vil si noe om dette.".into(),
                words: vec![
                    word(0.1, 0.6, "Takk"),
                    word(0.6, 1.0, "for"),
                    word(1.0, 2.8, "det."),
                    word(3.5, 3.9, "Ja,"),
                    word(3.9, 4.3, "jeg"),
                    word(4.3, 4.6, "vil"),
                    word(4.6, 5.0, "si"),
                    word(5.0, 5.4, "noe"),
                    word(5.4, 6.0, "om"),
                    word(6.0, 7.5, "dette."),
                ],
                ..Default::default()
            }],
            warnings: vec![],
        };
        assign(&mut t, &turns);
        assert_eq!(t.segments.len(), 2, "{:#?}", t.segments);
        assert_eq!(t.segments[0].text, "Takk for det.");
        assert_eq!(t.segments[0].speaker.as_deref(), Some("Taler 1"));
        assert_eq!(t.segments[1].text, "Ja, jeg vil si noe om dette.");
        assert_eq!(t.segments[1].speaker.as_deref(), Some("Taler 2"));
        assert_eq!((t.segments[0].start, t.segments[1].end), (0.0, 7.5));
    }

    #[test]
    fn a_speaker_change_moves_to_the_pause_after_a_sentence() {
        // The turns put the change 1 s early, inside the last word of the first speaker.
        let turns = vec![Turn { start: 0.0, end: 1.6, speaker: 0 }, Turn { start: 1.6, end: 8.0, speaker: 1 }];
        let words = vec![
            word(0.1, 0.5, "Takk"),
            word(0.5, 0.8, "for"),
            word(0.8, 1.2, "det,"),
            word(1.2, 2.6, "Kari."),
            word(3.3, 3.7, "Ja,"),
            word(3.7, 4.1, "jeg"),
            word(4.1, 4.5, "er"),
            word(4.5, 5.0, "enig."),
        ];
        let mut t = Transcript {
            version: 1,
            inputs: Default::default(),
            source: "asr".into(),
            model: None,
            duration: 8.0,
            segments: vec![Segment {
                start: 0.0,
                end: 5.0,
                text: "Takk for det, Kari. Ja, jeg er enig.".into(),
                words,
                ..Default::default()
            }],
            warnings: vec![],
        };
        assign(&mut t, &turns);
        assert_eq!(t.segments.len(), 2, "{:#?}", t.segments);
        assert_eq!(t.segments[0].text, "Takk for det, Kari.");
        assert_eq!(t.segments[1].text, "Ja, jeg er enig.");
    }

    #[test]
    fn a_stray_word_does_not_split_a_segment() {
        let turns = vec![
            Turn { start: 0.0, end: 2.0, speaker: 0 },
            Turn { start: 2.0, end: 2.4, speaker: 1 },
            Turn { start: 2.4, end: 6.0, speaker: 0 },
        ];
        let words: Vec<Word> = (0..12).map(|i| word(i as f64 * 0.5, i as f64 * 0.5 + 0.4, "ord")).collect();
        let mut who: Vec<usize> = words.iter().map(|w| speaker_at(&turns, w.start, w.end)).collect();
        assert!(who.contains(&1));
        smooth_runs(&mut who, &words);
        assert!(who.iter().all(|&w| w == 0), "{who:?}");
        // Words outside every turn take the nearest one.
        assert_eq!(speaker_at(&turns, 40.0, 41.0), 0);
    }

    #[test]
    fn windows_cover_the_region() {
        assert_eq!(window_starts(100, 50), vec![0]);
        assert_eq!(window_starts(160, 50), vec![0]);
        assert_eq!(window_starts(300, 50), vec![0, 50, 100, 140]);
    }
}
