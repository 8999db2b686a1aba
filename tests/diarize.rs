//! Speaker embeddings and diarization on real audio: the GE2E encoder against the Python
//! reference (tests/fixtures/resemblyzer_ref.json, from bench/resemblyzer_ref.py).
//! Needs the installed models (`referat models install`, or REFERAT_MODELS_DIR).

mod common;

use referat::diarize::encoder::{cosine, Encoder, Mel};

fn encoder() -> Encoder {
    let p = referat::models::installed("resemblyzer").unwrap_or_else(|e| panic!("this test needs the speaker encoder: {e:#}"));
    Encoder::load(&p).unwrap()
}

#[test]
fn embeddings_match_the_python_reference() {
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(common::root().join("tests/fixtures/resemblyzer_ref.json")).unwrap()).unwrap();
    let (pcm, _) = referat::transcribe::audio::decode_all(&common::sample("recording.wav")).unwrap();
    let enc = encoder();
    let mel = Mel::new();
    let clips = r["clips"].as_array().unwrap();
    for (i, c) in clips.iter().enumerate() {
        let (a, b) = (c["start"].as_f64().unwrap(), c["end"].as_f64().unwrap());
        let clip = &pcm[(a * 16000.0) as usize..(b * 16000.0) as usize];
        if i == 0 {
            let frames = mel.frames(clip);
            let want: Vec<f32> = r["mel_frame10_of_first_clip"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect();
            for (m, (x, y)) in frames[10 * 40..11 * 40].iter().zip(&want).enumerate() {
                assert!((x - y).abs() <= 1e-3 * y.abs().max(1e-3), "mel band {m}: {x} vs librosa {y}");
            }
        }
        let e = enc.embed_utterance(&mel, clip).unwrap();
        let want: Vec<f32> = c["embedding"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect();
        let cos = cosine(&e, &want);
        eprintln!("clip {a}-{b}: cosine to the reference {cos:.6}");
        assert!(cos >= 0.99, "clip {a}-{b}: cosine {cos}");
    }
}

use referat::diarize::{self, der, Region};
use referat::eval::Truth;
use referat::progress::Note;
use referat::transcribe::vad::{self, Vad, VadKind};
use std::path::Path;

fn silero() -> Vad {
    Vad::resolve(VadKind::Silero, None).unwrap_or_else(|e| panic!("this test needs the Silero VAD: {e:#}"))
}

fn regions_of(audio: &Path) -> Vec<Region> {
    let map = vad::speech_map(audio, &silero()).unwrap();
    diarize::embed_regions(audio, &map, &encoder(), diarize::encoder::PARTIAL_FRAMES, &referat::progress::Silent).unwrap()
}

fn write_wav(path: &Path, pcm: &[f32]) {
    let spec = hound::WavSpec { channels: 1, sample_rate: 16000, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &x in pcm {
        w.write_sample((x * 32767.0).clamp(-32768.0, 32767.0) as i16).unwrap();
    }
    w.finalize().unwrap();
}

/// The sample meeting (12 voices, 16 people listed): DER floor, speaker count near the truth,
/// and a bound below the number of voices is kept, with a warning.
#[test]
fn the_sample_meeting_is_diarized_within_the_floor() {
    let truth = Truth::load(&common::sample("truth.json")).unwrap();
    let meeting = referat::meeting::Meeting::load(&common::sample("meeting.toml")).unwrap();
    let people = diarize::people(&meeting).len();
    assert_eq!(people, 16);
    let regions = regions_of(&common::sample("recording.wav"));
    let d = diarize::speakers_of(&regions, diarize::DEFAULT_THRESHOLD, people);
    let hyp: Vec<der::Labelled> =
        d.turns.iter().map(|t| der::Labelled { start: t.start, end: t.end, speaker: diarize::speaker_name(t.speaker) }).collect();
    let truth_l: Vec<der::Labelled> =
        truth.utterances.iter().map(|u| der::Labelled { start: u.start, end: u.end, speaker: u.speaker.clone() }).collect();
    let e = der::der(&truth_l, &hyp, 0.25);
    eprintln!("DER {:.3}, {} speakers (12 true)", e.rate(), d.speakers);
    // Measured 0.115 with 15 speakers (bench/diarize.sh).
    assert!(e.rate() <= 0.20, "DER {:.3}", e.rate());
    assert!((9..=16).contains(&d.speakers), "{} speakers", d.speakers);
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    // The chair speaks first and most: Taler 1 holds the most speech.
    let mut secs = vec![0.0; d.speakers];
    for t in &d.turns {
        secs[t.speaker] += t.end - t.start;
    }
    assert!(secs.iter().all(|&s| s <= secs[0]), "{secs:?}");

    // Only 4 people listed for 12 voices: 4 speakers and a warning.
    let d = diarize::speakers_of(&regions, diarize::DEFAULT_THRESHOLD, 4);
    assert_eq!(d.speakers, 4);
    assert!(d.warnings.iter().any(|w| w.contains("flere stemmer enn de 4")), "{:?}", d.warnings);
}

/// One voice (the chair's utterances of the sample, end to end) is one speaker, with a
/// warning; silence gives no turns and a warning, and no panic.
#[test]
fn one_voice_is_one_speaker_and_silence_has_none() {
    let truth = Truth::load(&common::sample("truth.json")).unwrap();
    let (pcm, _) = referat::transcribe::audio::decode_all(&common::sample("recording.wav")).unwrap();
    let mut one = Vec::new();
    for u in truth.utterances.iter().filter(|u| u.speaker == "Rune Simensen") {
        one.extend_from_slice(&pcm[(u.start * 16000.0) as usize..(u.end * 16000.0) as usize]);
        one.extend(std::iter::repeat_n(0.0, 8000));
    }
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("one.wav");
    write_wav(&f, &one);
    let d = diarize::speakers_of(&regions_of(&f), diarize::DEFAULT_THRESHOLD, 16);
    assert_eq!(d.speakers, 1, "{:?}", d.warnings);
    assert!(d.warnings.iter().any(|w| w.contains("Bare én stemme")), "{:?}", d.warnings);

    let f = dir.path().join("silence.wav");
    write_wav(&f, &vec![0.0; 16000 * 10]);
    let d = diarize::speakers_of(&regions_of(&f), diarize::DEFAULT_THRESHOLD, 16);
    assert!(d.turns.is_empty() && d.speakers == 0);
    assert!(d.warnings.iter().any(|w| w.contains("ingen tale")), "{:?}", d.warnings);
}

/// A transcribe stage interrupted during speaker detection resumes from Whisper's saved
/// transcript (transcript-asr.json) without transcribing again, and then is up to date.
#[test]
fn the_stage_resumes_from_the_saved_transcription() {
    use referat::artifact::{Segment, Transcript, Word};
    let dir = tempfile::tempdir().unwrap();
    let (pcm, _) = referat::transcribe::audio::decode_all(&common::sample("recording.wav")).unwrap();
    // 0-47 s: the chair, then 48-71.4 s: Norunn Saure.
    let audio = dir.path().join("cut.wav");
    write_wav(&audio, &pcm[..16000 * 72]);
    let meeting_path = common::sample("meeting.toml");
    let meeting = referat::meeting::Meeting::load(&meeting_path).unwrap();
    let whisper = referat::models::whisper_path(None, None).unwrap();
    let opts = referat::transcribe::asr::AsrOptions::new(whisper);
    let speakers = diarize::DiarizeOptions::new(referat::models::installed("resemblyzer").unwrap(), diarize::people(&meeting).len());
    let wd = referat::workdir::WorkDir::create(&dir.path().join("work")).unwrap();
    // What an interrupted run leaves: Whisper's transcript (text made up here, so that a real
    // transcription would show).
    let w = |s: f64, e: f64, t: &str| Word { start: s, end: e, text: t.into(), ..Default::default() };
    let checkpoint = Transcript {
        version: referat::artifact::FORMAT_VERSION,
        inputs: referat::transcribe::asr::stage_inputs(&audio, &meeting_path, &opts).unwrap(),
        source: "asr".into(),
        model: None,
        duration: 72.0,
        segments: vec![Segment {
            start: 38.0,
            end: 71.4,
            text: "eins zwei drei vier fünf sechs".into(),
            words: vec![
                w(38.0, 40.0, "eins"),
                w(40.0, 43.0, "zwei"),
                w(43.0, 46.5, "drei"),
                w(52.4, 55.0, "vier"),
                w(56.0, 60.0, "fünf"),
                w(62.0, 67.0, "sechs"),
            ],
            ..Default::default()
        }],
        warnings: vec![],
    };
    std::fs::write(wd.path(referat::transcribe::asr::ASR_CHECKPOINT), serde_json::to_vec(&checkpoint).unwrap()).unwrap();
    let stage = referat::transcribe::asr::AsrStage {
        meeting_path: &meeting_path,
        meeting: &meeting,
        audio: &audio,
        opts: &opts,
        speakers: Some(&speakers),
    };
    let notes = std::cell::RefCell::new(Vec::new());
    let t = referat::stage::run_stage(&wd, &stage, false, &notes).unwrap();
    assert!(notes.borrow().iter().any(|(_, n)| matches!(n, Note::Info(t) if t.starts_with("resuming from"))), "{:?}", notes.borrow());
    let texts: Vec<&str> = t.segments.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(texts, ["eins zwei drei", "vier fünf sechs"], "{:#?}", t.segments);
    assert_eq!(t.segments[0].speaker.as_deref(), Some("Taler 1"));
    assert_eq!(t.segments[1].speaker.as_deref(), Some("Taler 2"));
    let vtt = std::fs::read_to_string(wd.path("transcript.vtt")).unwrap();
    assert!(vtt.contains("<v Taler 2>vier fünf sechs</v>"), "{vtt}");
    // Up to date now: loaded, not redone.
    std::fs::remove_file(wd.path(referat::transcribe::asr::ASR_CHECKPOINT)).unwrap();
    notes.borrow_mut().clear();
    let again = referat::stage::run_stage(&wd, &stage, false, &notes).unwrap();
    assert_eq!(again, t);
    assert_eq!(notes.borrow()[..], [("transcribe".to_string(), Note::UpToDate(wd.path("transcript.json")))]);
}
