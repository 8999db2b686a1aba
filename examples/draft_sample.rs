//! Benchmark and quality check of the drafting stage on a sample meeting with known truth.
//!
//! Builds a transcript from the truth's utterances (with speaker tags, or without them with
//! `--untagged`, as an ASR transcript would be) and a segmentation from the truth's item
//! spans, drafts the chosen saker with the model, and prints per-sak time, tokens/s, the
//! model/extractive share, and innspill recall/precision against the truth bullets.
//!
//! cargo run --release --example draft_sample -- samples/ehelse-2025-06/meeting.toml samples/ehelse-2025-06/truth.json \
//!     [--model FILE.gguf] [--items 13/25,14/25] [--untagged] [--out draft.json] [--no-model]
//!     [--workdir DIR]   (transcript.json + segments.json from DIR, e.g. a real ASR run)
//!
//! Matching: as `referat eval` does ([`referat::eval::token_f1`] of content tokens at least
//! [`referat::eval::BULLET_MATCH`], greedy one-to-one, best pairs first), so the figures agree.
//! Printed pairs let a reader confirm the matches.

use anyhow::{Context, Result};
use referat::artifact::*;
use referat::draft::{self, Prompts};
use referat::meeting::Meeting;
use serde_json::Value;
use std::path::PathBuf;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let pos: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let opt = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let meeting_path =
        PathBuf::from(pos.first().context("usage: draft_sample MEETING.toml TRUTH.json [--model F] [--items a,b] [--untagged]")?);
    let truth_path = PathBuf::from(pos.get(1).context("missing TRUTH.json")?);
    let meeting = Meeting::load(&meeting_path)?;
    let truth: Value = serde_json::from_str(&std::fs::read_to_string(&truth_path)?)?;
    let untagged = args.iter().any(|a| a == "--untagged");
    let only: Option<Vec<String>> = opt("--items").map(|s| s.split(',').map(String::from).collect());

    // --workdir DIR: draft from a real run's transcript.json + segments.json (e.g. an ASR run)
    // instead of the truth's utterances and item spans.
    let workdir = opt("--workdir").map(PathBuf::from);
    let transcript = if let Some(wd) = &workdir {
        let f = wd.join("transcript.json");
        serde_json::from_str(&std::fs::read_to_string(&f).with_context(|| format!("cannot read {}", f.display()))?)
            .with_context(|| format!("{} is not a transcript", f.display()))?
    } else {
        Transcript {
            version: FORMAT_VERSION,
            inputs: Inputs::new(),
            source: "json".into(),
            model: None,
            duration: truth["duration"].as_f64().unwrap_or(0.0),
            segments: truth["utterances"]
                .as_array()
                .context("truth has no utterances")?
                .iter()
                .map(|u| Segment {
                    start: u["start"].as_f64().unwrap_or(0.0),
                    end: u["end"].as_f64().unwrap_or(0.0),
                    text: u["text"].as_str().unwrap_or("").to_string(),
                    speaker: if untagged { None } else { u["speaker"].as_str().map(String::from) },
                    words: vec![],
                    ..Default::default()
                })
                .collect(),
            warnings: vec![],
        }
    };
    let titems = truth["items"].as_array().context("truth has no items")?;
    let seg = if let Some(wd) = &workdir {
        let f = wd.join("segments.json");
        let mut seg: Segmentation =
            serde_json::from_str(&std::fs::read_to_string(&f).with_context(|| format!("cannot read {}", f.display()))?)
                .with_context(|| format!("{} is not a segmentation", f.display()))?;
        if let Some(o) = &only {
            seg.items.retain(|i| o.contains(&i.saksnr));
        }
        seg
    } else {
        Segmentation {
            version: FORMAT_VERSION,
            inputs: Inputs::new(),
            items: titems
                .iter()
                .filter(|t| only.as_ref().is_none_or(|o| o.iter().any(|s| Some(s.as_str()) == t["saksnr"].as_str())))
                .map(|t| {
                    let (s, e) = (t["start"].as_f64().unwrap_or(0.0), t["end"].as_f64().unwrap_or(0.0));
                    let nd = t["status"].as_str() == Some("not_discussed");
                    ItemSegment {
                        saksnr: t["saksnr"].as_str().unwrap_or("").to_string(),
                        spans: if nd { vec![] } else { vec![[s, e]] },
                        status: if nd { ItemStatus::NotDiscussed } else { ItemStatus::Discussed },
                        joint_with: t["joint_with"]
                            .as_array()
                            .map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect())
                            .unwrap_or_default(),
                        confidence: [1.0, 1.0],
                        manual: true,
                    }
                })
                .collect(),
            other: vec![],
        }
    };
    // The draft covers every meeting item; items outside --items come out "not discussed"
    // and are not scored.
    let meeting_sub = meeting.clone();

    // --no-model: every model line "fails", so this measures the rules and the extractive
    // fallback alone (a baseline, not a substitute for the model).
    let mut llm: Box<dyn referat::llm::Llm> = if args.iter().any(|a| a == "--no-model") {
        Box::new(referat::llm::RulesOnly)
    } else {
        let files = referat::models::llm_files(opt("--model").map(PathBuf::from).as_deref(), None, Some(&meeting))?;
        eprintln!("loading {}", files.gguf.display());
        draft::load_llm(&files.gguf, files.tokenizer.as_deref(), None)?
    };
    let pb = referat::progress::bar("draft", 0, "steps");
    let (d, stats) = draft::draft_with_stats(&meeting_sub, &transcript, &seg, llm.as_mut(), &Prompts::bundled(), &pb, false)?;
    if let Some(out) = opt("--out") {
        referat::workdir::write_atomic(&PathBuf::from(out), &serde_json::to_vec_pretty(&d)?)?;
    }

    let (mut matched, mut n_truth, mut n_draft, mut flagged, mut lines) = (0, 0, 0, 0, 0);
    let mut vedtak_ok = 0;
    for it in d.items.iter().filter(|i| only.as_ref().is_none_or(|o| o.contains(&i.saksnr))) {
        let t = titems.iter().find(|t| t["saksnr"].as_str() == Some(it.saksnr.as_str()));
        println!("\n=== {} ({:?})\nINTRO: {}", it.saksnr, it.status, it.intro);
        for l in it.innspill.iter() {
            println!("  - [{}] {} {:?}{}", l.origin, l.text, l.source, flags(l));
        }
        for l in &it.aksjonspunkter {
            println!("  AKSJON [{}] {}{}", l.origin, l.text, flags(l));
        }
        println!("  VEDTAK [{}] {}{}", it.vedtak.origin, it.vedtak.text, flags(&it.vedtak));
        for l in it.innspill.iter().chain(&it.aksjonspunkter).chain(std::iter::once(&it.vedtak)) {
            lines += 1;
            if l.is_flagged() && !l.flags.iter().all(|f| f.kind == FlagKind::DepartsFromForslag) {
                flagged += 1;
            }
        }
        let Some(t) = t else { continue };
        let tv = t["vedtak"].as_str().unwrap_or("");
        let vsim = referat::text::jaccard(&it.vedtak.text, tv);
        let vok = it.vedtak.text.trim() == tv.trim() || vsim >= 0.6;
        vedtak_ok += vok as usize;
        println!("  vedtak vs truth: similarity {vsim:.2} {}", if vok { "OK" } else { "DIFFERENT" });
        // Joint items: the truth repeats the shared list on each; the draft has it on the last.
        let joint_first = !it.joint_with.is_empty() && it.innspill.is_empty();
        if joint_first {
            continue;
        }
        let tb: Vec<String> =
            t["innspill"].as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect()).unwrap_or_default();
        let db: Vec<&str> = it.innspill.iter().map(|l| l.text.as_str()).collect();
        let m = match_bullets(&tb, &db);
        for (i, j, s) in &m {
            println!("  MATCH {s:.2}: «{}» ~ «{}»", tb[*i], db[*j]);
        }
        for (i, b) in tb.iter().enumerate() {
            if !m.iter().any(|(ti, _, _)| *ti == i) {
                println!("  MISSED: «{b}»");
            }
        }
        matched += m.len();
        n_truth += tb.len();
        n_draft += db.len();
    }
    println!(
        "\nSUMMARY: innspill recall {}/{} = {:.0} %, precision {}/{} = {:.0} %; flagged lines {}/{} = {:.0} %; vedtak correct {}/{}",
        matched,
        n_truth,
        pct(matched, n_truth),
        matched,
        n_draft,
        pct(matched, n_draft),
        flagged,
        lines,
        pct(flagged, lines),
        vedtak_ok,
        d.items.iter().filter(|i| only.as_ref().is_none_or(|o| o.contains(&i.saksnr))).count()
    );
    println!("STATS: {}", stats.summary());
    for r in &stats.rejected {
        println!("REJECTED: {r}");
    }
    Ok(())
}

fn pct(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        100.0 * a as f64 / b as f64
    }
}

fn flags(l: &Line) -> String {
    if l.flags.is_empty() {
        String::new()
    } else {
        format!("  FLAGS: {}", l.flags.iter().map(|f| format!("{:?}: {}", f.kind, f.reason)).collect::<Vec<_>>().join("; "))
    }
}

/// Greedy one-to-one matching of truth and drafted bullets, best pairs first.
fn match_bullets(truth: &[String], drafted: &[&str]) -> Vec<(usize, usize, f64)> {
    let mut pairs = Vec::new();
    for (i, t) in truth.iter().enumerate() {
        for (j, d) in drafted.iter().enumerate() {
            let s = referat::eval::token_f1(t, d);
            if s >= referat::eval::BULLET_MATCH {
                pairs.push((i, j, s));
            }
        }
    }
    pairs.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    let mut out: Vec<(usize, usize, f64)> = Vec::new();
    for p in pairs {
        if !out.iter().any(|q| q.0 == p.0 || q.1 == p.1) {
            out.push(p);
        }
    }
    out
}
