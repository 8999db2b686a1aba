//! The segmenter on the sample meeting, from the truth transcript (copied fixtures of
//! samples/truth.json and samples/sample.toml).

use referat::artifact::{Segment, Transcript, FORMAT_VERSION};
use referat::eval::{segmentation_metrics, Truth};
use referat::meeting::Meeting;

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn sample_truth_transcript_segments_within_goal() {
    let meeting = Meeting::load(&fixture("sample.toml")).unwrap();
    let truth = Truth::load(&fixture("sample_truth.json")).unwrap();
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
            })
            .collect(),
        warnings: vec![],
    };
    let seg = referat::segment::segment(&meeting, &transcript).unwrap();
    for it in &seg.items {
        eprintln!(
            "{} {:?} {:?} joint {:?} conf {:?}",
            it.saksnr, it.status, it.spans, it.joint_with, it.confidence
        );
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
