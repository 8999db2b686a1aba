//! The segmenter on the sample meeting, from the truth transcript (copied fixtures of
//! samples/truth.json and samples/sample.toml).

use referat::artifact::{Segment, Transcript, FORMAT_VERSION};
use referat::eval::{segmentation_metrics, Truth};
use referat::meeting::Meeting;

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// The bundled sample meeting (samples/), shared by the tests rather than copied.
fn sample_file(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/ehelse-2025-06").join(name)
}

#[test]
fn sample_truth_transcript_segments_within_goal() {
    let meeting = Meeting::load(&sample_file("meeting.toml")).unwrap();
    let truth = Truth::load(&sample_file("truth.json")).unwrap();
    let transcript = Transcript {
        version: FORMAT_VERSION,
        inputs: Default::default(),
        source: "json".into(),
        model: None,
        duration: truth.duration,
        segments: truth
            .utterances
            .iter()
            .map(|u| Segment {
                start: u.start,
                end: u.end,
                text: u.text.clone(),
                speaker: Some(u.speaker.clone()),
                words: vec![],
                ..Default::default()
            })
            .collect(),
        warnings: vec![],
    };
    let seg = referat::segment::segment(&meeting, &transcript).unwrap();
    for it in &seg.items {
        eprintln!("{} {:?} {:?} joint {:?} conf {:?}", it.saksnr, it.status, it.spans, it.joint_with, it.confidence);
    }
    for o in &seg.other {
        eprintln!("other {} {} {:.1}-{:.1}", o.kind, o.label, o.start, o.end);
    }
    let m = segmentation_metrics(&truth, &seg);
    eprintln!("{m:?}");
    assert_eq!(m.status_mismatches, 0);
    assert!(m.mean_boundary_error <= 10.0, "{m:?}");
    assert!(m.pk <= 0.10, "{m:?}");
}

#[test]
fn segment_and_eval_commands_on_the_sample() {
    use assert_cmd::Command;
    let truth = Truth::load(&sample_file("truth.json")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let wd = referat::workdir::WorkDir::create(dir.path()).unwrap();
    let t = Transcript {
        version: FORMAT_VERSION,
        inputs: Default::default(),
        source: "json".into(),
        model: None,
        duration: truth.duration,
        segments: truth
            .utterances
            .iter()
            .map(|u| Segment { start: u.start, end: u.end, text: u.text.clone(), speaker: None, words: vec![], ..Default::default() })
            .collect(),
        warnings: vec![],
    };
    wd.save(&t).unwrap();
    let meeting = sample_file("meeting.toml");
    Command::cargo_bin("referat").unwrap().args(["segment", "--meeting"]).arg(&meeting).arg("--out").arg(dir.path()).assert().success();
    assert!(dir.path().join("segments.json").exists());
    let out = Command::cargo_bin("referat")
        .unwrap()
        .args(["eval", "--meeting"])
        .arg(&meeting)
        .arg("--out")
        .arg(dir.path())
        .arg("--truth")
        .arg(sample_file("truth.json"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let table = String::from_utf8(out).unwrap();
    assert!(table.contains("| WER | 0.000 |"), "{table}");
    assert!(table.contains("| Pk (k = 34 s) | 0.000 |"), "{table}");
    // a missing truth file is an error naming it
    Command::cargo_bin("referat")
        .unwrap()
        .args(["eval", "--meeting"])
        .arg(&meeting)
        .arg("--out")
        .arg(dir.path())
        .args(["--truth", "/nonexistent/truth.json"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("/nonexistent/truth.json"));
}

/// Whisper base's transcript of the sample (`referat transcribe --no-prompt`, word times
/// dropped), which mishears most item numbers ("saktreten", "sak 4.4", "sakne nytten").
#[test]
fn sample_asr_transcript_segments_within_goal() {
    let meeting = Meeting::load(&sample_file("meeting.toml")).unwrap();
    let truth = Truth::load(&sample_file("truth.json")).unwrap();
    let text = std::fs::read_to_string(fixture("sample_asr_transcript.json")).unwrap();
    let transcript: Transcript = serde_json::from_str(&text).unwrap();
    let seg = referat::segment::segment(&meeting, &transcript).unwrap();
    let m = segmentation_metrics(&truth, &seg);
    eprintln!("{m:?}");
    assert_eq!(m.status_mismatches, 0, "{seg:?}");
    assert!(m.mean_boundary_error <= 10.0, "{m:?}");
    assert!(m.pk <= 0.10, "{m:?}");
}
