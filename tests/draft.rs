//! Drafting with real language models on short inputs.
//!
//! Models are found in `$REFERAT_MODELS_DIR/<model-id>/model.gguf` (install them with
//! `referat models install --test`). SmolLM2-135M (English only) checks the plumbing; the
//! default Qwen2.5-Coder-1.5B checks that a Norwegian turn becomes one supported bullet.

use referat::artifact::*;
use referat::draft::{self, check, Prompts};
use referat::llm::RulesOnly;
use referat::meeting::Meeting;
use std::path::PathBuf;

mod common;
use common::{quoted_turn, Scripted};

fn model(id: &str) -> PathBuf {
    let dir = std::env::var_os("REFERAT_MODELS_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("models"));
    let p = dir.join(id).join("model.gguf");
    assert!(
        p.is_file(),
        "model {} is missing: set REFERAT_MODELS_DIR to the model store or run `referat models install --test`",
        p.display()
    );
    p
}

const MEETING: &str = r#"
council = "Nasjonalt e-helseråd"
number = "2/2025"
date = "12. juni 2025"
time = "Kl. 10.00 – 16.00"
place = "Oslo"
[[members]]
name = "Rune Simensen"
organisation = "Helse Sør-Øst RHF"
[[members]]
name = "Marte Lien"
organisation = "KS"
[[members]]
name = "Hans Olav Berg"
organisation = "Helse Vest RHF"
[[items]]
saksnr = "11/25"
title = "Godkjenning av innkalling og dagsorden"
presenters = [{ name = "Rune Simensen", organisation = "Helse Sør-Øst RHF" }]
sakstype = "Godkjenning"
forslag = "Nasjonalt e-helseråd godkjenner innkalling og dagsorden."
[[items]]
saksnr = "13/25"
title = "Veilednings- og godkjenningsordning for helseteknologier"
presenters = [{ name = "Norunn Saure", organisation = "Helsedirektoratet" }]
sakstype = "Drøfting"
forslag = "Nasjonalt e-helseråd drøftet saken."
"#;

fn seg(start: f64, end: f64, speaker: &str, text: &str) -> Segment {
    Segment { start, end, text: text.into(), speaker: Some(speaker.into()), words: vec![], ..Default::default() }
}

fn inputs() -> (Meeting, Transcript, Segmentation) {
    let meeting = Meeting::parse(MEETING).unwrap();
    let transcript = Transcript {
        version: FORMAT_VERSION,
        inputs: Inputs::new(),
        source: "vtt".into(),
        model: None,
        duration: 60.0,
        segments: vec![
            seg(1.0, 5.0, "Rune Simensen", "Da går vi til sak elleve, godkjenning av innkalling og dagsorden. Er det noen kommentarer?"),
            seg(5.5, 7.0, "Hans Olav Berg", "Nei, ingen kommentarer fra Helse Vest."),
            seg(7.5, 10.0, "Rune Simensen", "Takk. Da er innkalling og dagsorden godkjent."),
            seg(10.5, 13.0, "Rune Simensen", "Da går vi til sak tretten. Norunn Saure, værsågod."),
            seg(13.5, 22.0, "Norunn Saure", "Takk. Ordningen samler krav og godkjenningsprosedyrer for helseteknologi. Vi ønsker rådets innspill til videreutviklingen."),
            seg(22.5, 24.0, "Rune Simensen", "Takk. Marte Lien."),
            // Long enough that its own words are no finished referat line: the model is asked.
            seg(
                24.5,
                31.0,
                "Marte Lien",
                "Kommunene trenger tydelige krav før de starter en anskaffelse. Kravene må komme tidlig nok, slik at leverandørene \
                 rekker å tilpasse løsningene sine, og slik at kommunene kan planlegge innkjøpene sammen i regionen.",
            ),
            seg(31.5, 38.0, "Rune Simensen", "Takk. Da oppsummerer jeg. Nasjonalt e-helseråd drøftet saken."),
        ],
        warnings: vec![],
    };
    let item = |saksnr: &str, a: f64, b: f64| ItemSegment {
        saksnr: saksnr.into(),
        spans: vec![[a, b]],
        status: ItemStatus::Discussed,
        joint_with: vec![],
        confidence: [1.0, 1.0],
        manual: true,
    };
    let seg = Segmentation {
        version: FORMAT_VERSION,
        inputs: Inputs::new(),
        items: vec![item("11/25", 0.5, 10.2), item("13/25", 10.3, 39.0)],
        other: vec![],
    };
    (meeting, transcript, seg)
}

/// Plumbing with the tiny model: a procedural turn gives no bullet, the Godkjenning vedtak is
/// the forslag, and every line carries its source.
#[test]
fn procedural_turn_gives_no_bullet_and_godkjenning_is_the_forslag() {
    let (meeting, transcript, mut seg) = inputs();
    seg.items.truncate(1);
    let mut llm = draft::load_llm(&model("smollm2-135m-instruct"), None, Some(2)).unwrap();
    let d = draft::draft(&meeting, &transcript, &seg, llm.as_mut(), &Prompts::bundled(), &indicatif::ProgressBar::hidden()).unwrap();
    let it = d.items.iter().find(|i| i.saksnr == "11/25").unwrap();
    assert!(it.innspill.is_empty(), "{:?}", it.innspill);
    assert_eq!(it.intro, "Det kom ingen innspill til innkalling og dagsorden.");
    assert_eq!(it.vedtak.text, "Nasjonalt e-helseråd godkjenner innkalling og dagsorden.");
    assert!(it.vedtak.flags.is_empty(), "{:?}", it.vedtak.flags);
    assert_eq!(it.vedtak.source, vec![[7.5, 10.0]]);
    // 13/25 is not in this segmentation: it is reported as not discussed, flagged.
    let nd = d.items.iter().find(|i| i.saksnr == "13/25").unwrap();
    assert_eq!(nd.status, ItemStatus::NotDiscussed);
    assert!(nd.vedtak.is_flagged());
}

/// The real default model: a substantive member turn gives exactly one bullet (per point),
/// supported by its span, whether the model's line or the extractive fallback stands.
#[test]
#[ignore = "slow: runs Qwen2.5-Coder-1.5B on two prompts (about a minute on 2 cores)"]
fn substantive_turn_gives_one_supported_bullet() {
    let (meeting, transcript, seg) = inputs();
    let mut llm = draft::load_llm(&model("qwen2.5-coder-1.5b-instruct"), None, None).unwrap();
    let (d, stats) =
        draft::draft_with_stats(&meeting, &transcript, &seg, llm.as_mut(), &Prompts::bundled(), &indicatif::ProgressBar::hidden(), false)
            .unwrap();
    eprintln!("{}", stats.summary());
    let it = d.items.iter().find(|i| i.saksnr == "13/25").unwrap();
    assert_eq!(it.innspill.len(), 1, "{:#?}", it.innspill);
    let b = &it.innspill[0];
    eprintln!("bullet [{}]: {}", b.origin, b.text);
    assert_eq!(b.source, vec![[24.5, 31.0]]);
    let src = transcript.text_in(&b.source);
    let flags = check::check_line(&b.text, &src, &meeting);
    assert!(!flags.iter().any(|f| f.kind == FlagKind::Unsupported), "{} {:?}", b.text, flags);
    assert!(b.text.to_lowercase().contains("krav"), "{}", b.text);
    assert!(it.intro.starts_with("Norunn Saure, Helsedirektoratet, la frem saken for drøfting"), "{}", it.intro);
    assert_eq!(it.vedtak.text, "Nasjonalt e-helseråd drøftet saken.");
}

/// The stage on a work dir: writes draft.json with its inputs, skips when up to date, and
/// names the missing artifact when an earlier stage has not run.
#[test]
fn stage_writes_draft_and_skips_when_fresh() {
    let (_meeting, transcript, seg) = inputs();
    let dir = tempfile::tempdir().unwrap();
    let meeting_path = dir.path().join("meeting.toml");
    std::fs::write(&meeting_path, MEETING).unwrap();
    let meeting = Meeting::load(&meeting_path).unwrap();
    let wd = referat::workdir::WorkDir::create(&dir.path().join("work")).unwrap();
    let opts = draft::DraftOptions { llm_model: Some(model("smollm2-135m-instruct")), threads: Some(2), ..Default::default() };

    let run = |opts: &draft::DraftOptions, force: bool| -> anyhow::Result<referat::artifact::Draft> {
        let stage = draft::DraftStage::new(&meeting_path, &meeting, &wd, opts)?;
        referat::stage::run_stage(&wd, &stage, force, &referat::progress::Silent)
    };
    let e = format!("{:#}", run(&opts, false).unwrap_err());
    assert!(e.contains("transcript.json") && e.contains("referat transcribe"), "{e}");

    let mut seg = seg;
    seg.items.truncate(1);
    wd.save(&transcript).unwrap();
    wd.save(&seg).unwrap();
    let d = run(&opts, false).unwrap();
    assert_eq!(d.items.len(), 2);
    for role in ["meeting", "transcript", "segments", "model", "prompts"] {
        assert!(d.inputs.contains_key(role), "missing input hash {role}");
    }
    let written = std::fs::metadata(wd.path("draft.json")).unwrap().modified().unwrap();
    let again = run(&opts, false).unwrap();
    assert_eq!(again, d);
    assert_eq!(std::fs::metadata(wd.path("draft.json")).unwrap().modified().unwrap(), written, "a fresh draft must not be rewritten");

    // A user prompt folder changes the prompts hash, so the draft is redone.
    let pdir = dir.path().join("prompts");
    std::fs::create_dir(&pdir).unwrap();
    std::fs::write(pdir.join("intro.svar.txt"), "Saken handlet om").unwrap();
    let opts2 = draft::DraftOptions { prompts: Some(pdir), ..opts };
    let redone = run(&opts2, false).unwrap();
    assert_ne!(redone.inputs["prompts"], d.inputs["prompts"]);

    let bad = draft::DraftOptions { llm_model: Some(dir.path().join("nope.gguf")), ..Default::default() };
    let e = format!("{:#}", run(&bad, true).unwrap_err());
    assert!(e.contains("nope.gguf") && e.contains("--llm-model"), "{e}");
}

/// The origin of a line as written in draft.json ("model", "extractive", "template").
fn origin(l: &Line) -> String {
    serde_json::to_value(l.origin).unwrap().as_str().unwrap_or_default().to_string()
}

/// Draft the sample inputs with a scripted model that answers every innspill task with
/// `answer(turn)` and every other task with nothing; returns the bullets of 13/25.
fn innspill_with(answer: impl Fn(&str) -> String) -> Vec<Line> {
    let (meeting, transcript, seg) = inputs();
    let mut llm = Scripted::new(|task: &str| quoted_turn(task).filter(|_| task.contains("kulepunkt")).map(&answer).unwrap_or_default());
    let d = draft::draft(&meeting, &transcript, &seg, &mut llm, &Prompts::bundled(), &indicatif::ProgressBar::hidden()).unwrap();
    assert!(llm.seen.iter().any(|t| t.contains("Kommunene trenger tydelige krav")), "the member's turn never reached the model");
    d.items.into_iter().find(|i| i.saksnr == "13/25").unwrap().innspill
}

/// A faithful neutral rewrite is taken as the model's line, with the turn as its source.
#[test]
fn a_faithful_rewrite_is_accepted() {
    let rewrite = "Kommunene trenger tydelige krav før de starter en anskaffelse, og kravene må komme tidlig nok.";
    let b = innspill_with(|_| rewrite.to_string());
    assert_eq!(b.len(), 1, "{b:#?}");
    assert_eq!(origin(&b[0]), "model", "{b:#?}");
    assert_eq!(b[0].text, rewrite);
    assert_eq!(b[0].source, vec![[24.5, 31.0]]);
    assert!(b[0].flags.is_empty(), "{:?}", b[0].flags);
}

/// A rewrite that says what the speaker did not is rejected: the extractive line from the
/// speaker's own words stands instead, unflagged as unsupported.
#[test]
fn an_invented_rewrite_falls_back_to_the_speakers_words() {
    let b = innspill_with(|_| "Rådet vedtok å kjøpe nye datamaskiner til alle sykehusene i landet innen neste år.".to_string());
    assert_eq!(b.len(), 1, "{b:#?}");
    assert_eq!(origin(&b[0]), "extractive", "{b:#?}");
    assert!(b[0].text.contains("tydelige krav"), "{}", b[0].text);
    assert!(!b[0].text.contains("datamaskiner"), "{}", b[0].text);
    assert!(!b[0].flags.iter().any(|f| f.kind == FlagKind::Unsupported), "{:?}", b[0].flags);
}

/// A rewrite in the first person never reaches the referat as such: it is recast neutrally
/// or replaced by the extractive line.
#[test]
fn a_first_person_rewrite_is_not_kept_in_the_first_person() {
    let b = innspill_with(|_| "Jeg mener at kommunene trenger tydelige krav før de starter en anskaffelse.".to_string());
    assert_eq!(b.len(), 1, "{b:#?}");
    let words = referat::text::words(&b[0].text);
    assert!(!words.iter().any(|w| w == "jeg" || w == "meg"), "{}", b[0].text);
    assert!(b[0].text.contains("tydelige krav"), "{}", b[0].text);
}

/// An empty answer (the model gave nothing) is the extractive line, the same as rules-only.
#[test]
fn an_empty_answer_is_the_extractive_line() {
    let b = innspill_with(|_| String::new());
    assert_eq!(b.len(), 1, "{b:#?}");
    assert_eq!(origin(&b[0]), "extractive");
    let (meeting, transcript, seg) = inputs();
    let rules = draft::draft(&meeting, &transcript, &seg, &mut RulesOnly, &Prompts::bundled(), &indicatif::ProgressBar::hidden()).unwrap();
    assert_eq!(b, rules.items.into_iter().find(|i| i.saksnr == "13/25").unwrap().innspill);
}

/// A point whose own words already make a clean referat line is written as it stands: the
/// model is not asked to restate it.
#[test]
fn a_clean_point_is_not_sent_to_the_model() {
    let (meeting, mut transcript, seg) = inputs();
    let clean = "Kommunene trenger tydelige krav før de starter en anskaffelse.";
    for s in transcript.segments.iter_mut().filter(|s| s.speaker.as_deref() == Some("Marte Lien")) {
        s.text = clean.into();
    }
    let mut llm = Scripted::new(|_: &str| "Rådet vedtok noe helt annet.".to_string());
    let d = draft::draft(&meeting, &transcript, &seg, &mut llm, &Prompts::bundled(), &indicatif::ProgressBar::hidden()).unwrap();
    assert!(!llm.seen.iter().any(|t| t.contains(clean)), "a clean point was sent to the model");
    let b = d.items.into_iter().find(|i| i.saksnr == "13/25").unwrap().innspill;
    assert_eq!(b.len(), 1, "{b:#?}");
    assert_eq!(b[0].text, clean);
    assert_eq!(origin(&b[0]), "extractive");
}

/// The meeting's tasks asked ahead all together give the same draft as asking them sak by sak,
/// each task is put to the model once, and the counts of the run report are the same.
#[test]
fn tasks_asked_ahead_give_the_same_draft() {
    // The whole sample meeting from its true transcript: tasks in most saker.
    let meeting = Meeting::load(&common::sample("meeting.toml")).unwrap();
    let transcript = referat::transcribe::transcript::load_file(&common::sample("truth.vtt")).unwrap();
    let seg = referat::segment::segment(&meeting, &transcript).unwrap();
    // Answers that differ per task, so a mix-up of answers changes the draft.
    let answer = |task: &str| match quoted_turn(task) {
        Some(turn) if task.contains("kulepunkt") => turn.split_whitespace().take(12).collect::<Vec<_>>().join(" ") + ".",
        Some(turn) => format!("gjaldt {}.", turn.split_whitespace().skip(3).take(6).collect::<Vec<_>>().join(" ")),
        None => String::new(),
    };
    let hidden = indicatif::ProgressBar::hidden();
    let mut one = Scripted::new(answer);
    let (d1, s1) = draft::draft_with_stats(&meeting, &transcript, &seg, &mut one, &Prompts::bundled(), &hidden, false).unwrap();
    let mut ahead = Scripted::new(answer);
    let (d2, s2) = draft::draft_prefetched(&meeting, &transcript, &seg, &mut ahead, &Prompts::bundled(), &hidden, false).unwrap();
    assert!(s1.calls >= 5, "too few model tasks to compare: {}", s1.calls);
    assert_eq!(serde_json::to_string(&d1).unwrap(), serde_json::to_string(&d2).unwrap());
    assert_eq!((s1.calls, s1.model_lines, s1.intro_model), (s2.calls, s2.model_lines, s2.intro_model));
    let mut unique = one.seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(ahead.seen.len(), unique.len(), "a task was asked twice or missed");
}
