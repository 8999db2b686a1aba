//! Lexical corrector benchmark (not part of the referat CLI).
//!
//! Usage: bench_lexicon MEETING.toml TRUTH.json [TRANSCRIPT.json OUT.json]
//!        bench_lexicon --why MEETING.toml WORD...   (the candidates for each word)
//!
//! Feeds the true utterances of a sample meeting through the corrector and counts the words it
//! changes (each one is a correct word made wrong: the goal is fewer than 1 in 1,000). With a
//! transcript, corrects Whisper's own text of it again (`asr_text`, else `text`) and writes the
//! result to OUT.json, so corrector settings can be scored with bench/wer.py without running
//! Whisper again. Figures are printed as `key=value` lines for scripts.

use anyhow::{Context, Result};
use referat::artifact::Transcript;
use referat::meeting::Meeting;
use referat::transcribe::lexicon::{Corrector, Fate, Lexicon};
use std::path::Path;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--why") && args.len() >= 3 {
        let meeting = Meeting::load(Path::new(&args[1]))?;
        let lex = Lexicon::load(&referat::models::lexicon_files()?)?;
        let c = Corrector::new(&lex, &meeting);
        for w in &args[2..] {
            println!("{w}: {:?} (zipf {:?}, word {})", c.judge(w, false), lex.zipf(w), lex.is_word(w));
            for k in c.candidates(&w.to_lowercase(), false, 2.0).iter().take(6) {
                println!("  {:<24} score {:.2} cost {:.2} zipf {:?}", k.word, k.score, k.cost, lex.zipf(&k.word));
            }
        }
        return Ok(());
    }
    if args.len() != 2 && args.len() != 4 {
        anyhow::bail!("usage: bench_lexicon MEETING.toml TRUTH.json [TRANSCRIPT.json OUT.json]");
    }
    let meeting = Meeting::load(Path::new(&args[0]))?;
    let t0 = std::time::Instant::now();
    let lex = Lexicon::load(&referat::models::lexicon_files()?)?;
    println!("lexicon_load_s={:.2}", t0.elapsed().as_secs_f64());

    let truth: serde_json::Value = serde_json::from_slice(&std::fs::read(&args[1]).with_context(|| format!("cannot read {}", args[1]))?)?;
    let mut c = Corrector::new(&lex, &meeting);
    let (mut words, mut changed, mut unknown) = (0usize, 0usize, 0usize);
    let t1 = std::time::Instant::now();
    for u in truth["utterances"].as_array().context("truth.json has no utterances")? {
        let text = u["text"].as_str().unwrap_or("");
        let toks: Vec<&str> = text.split_whitespace().collect();
        let (_, fates) = c.correct_text(text);
        words += fates.len();
        for (tok, f) in toks.iter().zip(&fates) {
            match f {
                Fate::Corrected(to) => {
                    changed += 1;
                    eprintln!("truth changed: {tok} -> {to}");
                }
                Fate::Unknown => {
                    unknown += 1;
                    eprintln!("truth unknown: {tok}");
                }
                Fate::Known => {}
            }
        }
    }
    println!("truth_words={words}");
    println!("truth_changed={changed}");
    println!("truth_changed_per_1000={:.2}", 1000.0 * changed as f64 / words.max(1) as f64);
    println!("truth_unknown={unknown}");
    println!("truth_correct_s={:.2}", t1.elapsed().as_secs_f64());

    if args.len() == 4 {
        let mut t: Transcript = serde_json::from_slice(&std::fs::read(&args[2]).with_context(|| format!("cannot read {}", args[2]))?)?;
        let mut c = Corrector::new(&lex, &meeting);
        let mut n = 0;
        let t2 = std::time::Instant::now();
        for s in t.segments.iter_mut() {
            let before = s.asr_text.clone().unwrap_or_else(|| s.text.clone());
            n += c.correct_segment(s);
            for (a, b) in before.split_whitespace().zip(s.text.split_whitespace()) {
                if a != b {
                    eprintln!("asr changed: {a} -> {b}");
                }
            }
        }
        println!("asr_changed={n}");
        println!("asr_correct_s={:.2}", t2.elapsed().as_secs_f64());
        std::fs::write(&args[3], serde_json::to_vec(&t)?)?;
    }
    Ok(())
}
