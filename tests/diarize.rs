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
    let (pcm, _) = referat::audio::decode_all(&common::sample("recording.wav")).unwrap();
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
