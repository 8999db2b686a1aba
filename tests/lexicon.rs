//! The lexical corrector on the real word lists: Debian's Bokmål hunspell dictionary
//! (`apt-get install hunspell-no`, done by scripts/setup.sh) and wordfreq's Bokmål list
//! (`referat models install`; REFERAT_MODELS_DIR may point to a store that has it).

use referat::artifact::{Segment, Transcript, Word};
use referat::meeting::Meeting;
use referat::transcribe::lexicon::{Corrector, Fate, Lexicon};
use std::sync::OnceLock;

mod common;

const MEETING: &str = r#"
council = "Hovedutvalg for helse og velferd"
number = "6/2025"
date = "21. oktober 2025"
time = "Kl. 09.00"
place = "Fjordvik rådhus"
vocabulary = ["NAV", "Frisklivssentralen"]
[[members]]
name = "Kjersti Nygård"
organisation = "Fjordvik kommune"
[[members]]
name = "Rune Simensen"
organisation = "Helse Sør-Øst RHF"
[[items]]
saksnr = "PS 31/25"
title = "Godkjenning av innkalling og saksliste"
sakstype = "Godkjenning"
forslag = "Hovedutvalget godkjenner innkalling og saksliste."
"#;

fn lexicon() -> &'static Lexicon {
    static L: OnceLock<Lexicon> = OnceLock::new();
    L.get_or_init(|| {
        let files = referat::models::lexicon_files().unwrap_or_else(|e| panic!("the word lists are needed for this test: {e:#}"));
        Lexicon::load(&files).unwrap()
    })
}

fn meeting() -> Meeting {
    Meeting::parse(MEETING).unwrap()
}

#[test]
fn constructed_misspellings_are_corrected() {
    let m = meeting();
    let mut c = Corrector::new(lexicon(), &m);
    for (wrong, right) in [
        ("Vi trænger mer tid.", "Vi trenger mer tid."),
        ("Er det noe fra segretariatet?", "Er det noe fra sekretariatet?"),
        ("Merknader til inkalling og saksliste?", "Merknader til innkalling og saksliste?"),
        ("Vi spør administrationen om dette.", "Vi spør administrasjonen om dette."),
        ("Takk for et godt möte.", "Takk for et godt møte."),
        ("Den har ligget ved protokalen.", "Den har ligget ved protokollen."),
        ("Ordet går til Rune Simmensen.", "Ordet går til Rune Simensen."),
    ] {
        let (got, fates) = c.correct_text(wrong);
        assert_eq!(got, right, "{fates:?}");
        assert_eq!(fates.iter().filter(|f| matches!(f, Fate::Corrected(_))).count(), 1, "{wrong}: {fates:?}");
    }
}

#[test]
fn correct_text_is_left_alone() {
    let m = meeting();
    let mut c = Corrector::new(lexicon(), &m);
    let text = "God morgen, alle sammen. Kjersti Nygård har meldt forfall, og vararepresentanten møter for henne. \
                Frisklivssentralen i Fjordvik kommune har fått 2,5 millioner fra NAV og Helse Sør-Øst RHF til \
                lavterskeltilbud og helsetjenester. Søknadsfristen er forlenget, så saken er ikke ferdig utredet. \
                Vi tar høringsutkastet til orientering, og kommunedirektøren tar med seg innspillene videre.";
    let (got, fates) = c.correct_text(text);
    assert_eq!(got, text, "{:?}", fates.iter().zip(text.split_whitespace()).filter(|(f, _)| **f != Fate::Known).collect::<Vec<_>>());
    // nb_NO lacks "lavterskeltilbud" (and "lav" is too short a compound part): unknown, but
    // with no certain correction it stays as it is. Every other word is known.
    let unknown: Vec<&str> = text.split_whitespace().zip(&fates).filter(|(_, f)| **f != Fate::Known).map(|(t, _)| t).collect();
    assert_eq!(unknown, vec!["lavterskeltilbud"]);
}

#[test]
fn the_true_transcripts_are_left_almost_alone() {
    // Every sample meeting's true utterances, through the corrector: each change is a correct
    // word made wrong. The goal is fewer than 1 in 1,000.
    let (mut words, mut changed) = (0usize, Vec::new());
    let samples = common::root().join("samples");
    for e in std::fs::read_dir(&samples).unwrap().flatten() {
        let dir = e.path();
        if !dir.join("truth.json").is_file() {
            continue;
        }
        let m = Meeting::load(&dir.join("meeting.toml")).unwrap();
        let truth: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("truth.json")).unwrap()).unwrap();
        let mut c = Corrector::new(lexicon(), &m);
        for u in truth["utterances"].as_array().unwrap() {
            let text = u["text"].as_str().unwrap();
            let (_, fates) = c.correct_text(text);
            words += fates.len();
            for (tok, f) in text.split_whitespace().zip(&fates) {
                if let Fate::Corrected(to) = f {
                    changed.push(format!("{tok} -> {to}"));
                }
            }
        }
    }
    assert!(words > 5000, "{words}");
    println!("{} of {words} words changed: {changed:?}", changed.len());
    assert!((changed.len() as f64) < words as f64 / 1000.0, "{} of {words} words changed: {changed:?}", changed.len());
}

fn word(text: &str, start: f64) -> Word {
    Word { start, end: start + 0.3, text: text.into(), confidence: Some(0.6), unknown: false }
}

#[test]
fn a_segment_keeps_whispers_text_and_edited_segments_are_left_alone() {
    let m = meeting();
    let mut c = Corrector::new(lexicon(), &m);
    let toks = ["Vi", "trænger", "vrølsk", "hjelp."];
    let mut s = Segment {
        start: 0.0,
        end: 2.0,
        text: toks.join(" "),
        words: toks.iter().enumerate().map(|(i, t)| word(t, i as f64 * 0.4)).collect(),
        ..Default::default()
    };
    assert_eq!(c.correct_segment(&mut s), 1);
    assert_eq!(s.text, "Vi trenger vrølsk hjelp.");
    assert_eq!(s.asr_text.as_deref(), Some("Vi trænger vrølsk hjelp."));
    assert_eq!(s.words[1].text, "trenger");
    assert!(s.words[2].unknown && !s.words[1].unknown && !s.words[0].unknown, "{:?}", s.words);
    // Again: corrected from Whisper's text, not twice.
    assert_eq!(c.correct_segment(&mut s), 1);
    assert_eq!(s.asr_text.as_deref(), Some("Vi trænger vrølsk hjelp."));

    let mut edited = Segment { start: 0.0, end: 1.0, text: "Vi trænger".into(), edited: true, ..Default::default() };
    assert_eq!(c.correct_segment(&mut edited), 0);
    assert_eq!(edited.text, "Vi trænger");
    assert_eq!(edited.asr_text, None);
}

#[test]
fn confidence_is_stored_and_old_transcripts_still_load() {
    let old = r#"{"version":1,"source":"asr","duration":3.0,"segments":[{"start":0.0,"end":2.0,"text":"Hei",
        "words":[{"start":0.0,"end":0.5,"text":"Hei"}]}]}"#;
    let t: Transcript = serde_json::from_str(old).unwrap();
    assert_eq!(t.segments[0].confidence, None);
    assert_eq!(t.segments[0].words[0].confidence, None);
    assert!(!t.segments[0].words[0].unknown);
    let mut t = t;
    t.segments[0].confidence = Some(0.42);
    t.segments[0].words[0].confidence = Some(0.42);
    t.segments[0].words[0].unknown = true;
    let json = serde_json::to_string(&t).unwrap();
    assert!(json.contains(r#""confidence":0.42"#) && json.contains(r#""unknown":true"#), "{json}");
    let back: Transcript = serde_json::from_str(&json).unwrap();
    assert_eq!(back, t);
}

#[test]
fn a_missing_dictionary_is_named_with_the_fix() {
    let d = tempfile::tempdir().unwrap();
    let e = referat::models::lexicon_files_in(d.path(), [d.path()].into_iter()).unwrap_err();
    let msg = format!("{e:#}");
    assert!(msg.contains("nb_NO.dic") && msg.contains("apt-get install hunspell-no"), "{msg}");
}
