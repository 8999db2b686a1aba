//! Fuzzing the text importers (issue 7): VTT, SRT and JSON transcripts, the agenda text, and
//! the meeting file.
//! Random bytes and random mutations of real files (samples/ehelse-2025-06/truth.vtt, its SRT form, the agenda
//! fixture) must never panic; an error is an `Err` with a message; a successful parse gives
//! segments with finite times, 0 <= start <= end, and survives a VTT/SRT round trip; an agenda
//! that parses gives a meeting file that parses.
//!
//! tests/agenda_import.rs already feeds the agenda parser sentences built from agenda
//! fragments; this file adds byte-level mutation and random bytes.
//!
//! A seeded xorshift generator keeps failures reproducible without an extra crate. Iterations
//! per target: 2,000 by default; `FUZZ_ITERS=200000 cargo test --release --test fuzz_import --
//! --nocapture` for a long session (it prints the executions).

use referat::artifact::Transcript;
use referat::{agenda, meeting::Meeting, transcribe::transcript};
use std::panic::{catch_unwind, AssertUnwindSafe};

mod common;
use common::{root, Rng};

fn iters() -> usize {
    std::env::var("FUZZ_ITERS").ok().and_then(|s| s.parse().ok()).unwrap_or(2_000)
}

/// Tokens that matter to the parsers: timing syntax, tags, entities, huge numbers, odd text.
const TOKENS: &[&str] = &[
    "-->", " --> ", "->", ":", ".", ",", "\n", "\n\n", "\r\n", "\r", "\t", " ", "<v ", "<v.x ", "<", ">", "</v>", "<i>",
    "&amp;", "&lt;", "&", "WEBVTT", "NOTE", "STYLE", "REGION", "\u{feff}", "00:00:01.000", "00:00:02,500", "99:59:59.999",
    "01:02.5", "00:60:00.000", "-00:00:01.000", "9999999999999999999999:00.000",
    "999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999:00.000",
    "1", "12", "0", "Ola Nordmann: ", "Sak 13/25", "13/25", "10:15", "Drøfting", "Forslag til vedtak", "Lunsj 11:35", "ø", "🙂", "\u{0}",
];

/// One random edit of `s`: delete, insert a token or random byte, duplicate or drop a line,
/// swap two lines, or cut the text.
fn mutate(rng: &mut Rng, s: &mut Vec<u8>) {
    let n = s.len();
    match rng.below(8) {
        0 if n > 0 => {
            let a = rng.below(n);
            let len = 1 + rng.below(16.min(n - a));
            s.drain(a..a + len);
        }
        1 => {
            let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
            let a = rng.below(n + 1);
            s.splice(a..a, t.iter().copied());
        }
        2 => {
            let a = rng.below(n + 1);
            s.insert(a, rng.next() as u8);
        }
        3 if n > 0 => {
            let a = rng.below(n);
            s[a] = match rng.below(4) {
                0 => b'0' + rng.below(10) as u8,
                1 => b':',
                2 => b'\n',
                _ => rng.next() as u8,
            };
        }
        4 | 5 => {
            let mut lines: Vec<Vec<u8>> = s.split(|&b| b == b'\n').map(|l| l.to_vec()).collect();
            let i = rng.below(lines.len());
            let j = rng.below(lines.len());
            match rng.below(3) {
                0 => {
                    let l = lines[i].clone();
                    lines.insert(j, l);
                }
                1 if lines.len() > 1 => {
                    lines.remove(i);
                }
                _ => lines.swap(i, j),
            }
            *s = lines.join(&b'\n');
        }
        6 if n > 0 => s.truncate(rng.below(n)),
        _ => {
            let a = rng.below(n + 1);
            let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
            s.splice(a..a, t.iter().copied());
        }
    }
}

fn random_bytes(rng: &mut Rng) -> Vec<u8> {
    let n = rng.below(400);
    let mut v: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
    // Bias towards text: splice in some tokens.
    for _ in 0..rng.below(12) {
        let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
        let a = rng.below(v.len() + 1);
        v.splice(a..a, t.iter().copied());
    }
    v
}

fn check_transcript(kind: &str, t: &Transcript) -> Result<(), String> {
    if !(t.duration.is_finite() && t.duration >= 0.0) {
        return Err(format!("duration {}", t.duration));
    }
    for s in &t.segments {
        if !(s.start.is_finite() && s.end.is_finite() && s.start >= 0.0 && s.start <= s.end) {
            return Err(format!("segment times {} .. {}", s.start, s.end));
        }
        if s.end > t.duration + 1e-9 {
            return Err(format!("segment end {} after duration {}", s.end, t.duration));
        }
    }
    // What we import we can export and import again (the work dir holds both forms).
    let back = match kind {
        "srt" if !t.segments.is_empty() => transcript::parse_srt(&transcript::to_srt(t)),
        "srt" => return Ok(()),
        _ => transcript::parse_vtt(&transcript::to_vtt(t)),
    };
    match back {
        Ok(b) if b.segments.len() == t.segments.len() => Ok(()),
        Ok(b) => Err(format!("round trip gives {} segments, not {}", b.segments.len(), t.segments.len())),
        Err(e) => Err(format!("round trip fails: {e:#}")),
    }
}

/// Run one input through one parser; `Err(description)` on a broken invariant or a panic.
fn run_one(kind: &str, input: &str) -> Result<bool, String> {
    let r = catch_unwind(AssertUnwindSafe(|| -> Result<bool, String> {
        match kind {
            "vtt" | "srt" | "json" => {
                let parsed = match kind {
                    "vtt" => transcript::parse_vtt(input),
                    "srt" => transcript::parse_srt(input),
                    _ => transcript::parse_json(input),
                };
                match parsed {
                    Ok(t) => check_transcript(kind, &t).map(|_| true),
                    Err(e) if format!("{e:#}").trim().is_empty() => Err("empty error message".into()),
                    Err(_) => Ok(false),
                }
            }
            "meeting" => match Meeting::parse(input) {
                Ok(m) => {
                    let mut seen = std::collections::HashSet::new();
                    if m.items.is_empty() || !m.items.iter().all(|i| seen.insert(i.saksnr.trim().to_string())) {
                        return Err("a meeting without items or with duplicate saksnr was accepted".into());
                    }
                    Ok(true)
                }
                Err(e) if format!("{e:#}").trim().is_empty() => Err("empty error message".into()),
                Err(_) => Ok(false),
            },
            _ => match agenda::parse(input) {
                Ok(a) => {
                    if a.items.is_empty() {
                        return Err("Ok without items".into());
                    }
                    let toml = agenda::to_meeting_toml(&a, "fuzz.txt").map_err(|e| format!("to_meeting_toml: {e:#}"))?;
                    let m = Meeting::parse(&toml).map_err(|e| format!("meeting file does not parse: {e:#}\n{toml}"))?;
                    if m.items != a.items {
                        return Err("items changed through the meeting file".into());
                    }
                    Ok(true)
                }
                Err(e) if format!("{e:#}").trim().is_empty() => Err("empty error message".into()),
                Err(_) => Ok(false),
            },
        }
    }));
    match r {
        Ok(x) => x,
        Err(p) => Err(format!(
            "panicked: {}",
            p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default()
        )),
    }
}

/// Fuzz one parser with `n` inputs from `seeds` (mutated) and random bytes.
fn fuzz(kind: &str, seeds: &[String], seed: u64, n: usize) -> (usize, usize) {
    let mut rng = Rng(seed);
    let mut ok = 0;
    for case in 0..n {
        let bytes = if seeds.is_empty() || rng.below(5) == 0 {
            random_bytes(&mut rng)
        } else {
            let mut s = seeds[rng.below(seeds.len())].as_bytes().to_vec();
            for _ in 0..1 + rng.below(8) {
                mutate(&mut rng, &mut s);
            }
            s
        };
        let input = String::from_utf8_lossy(&bytes).into_owned();
        match run_one(kind, &input) {
            Ok(parsed) => ok += parsed as usize,
            Err(why) => {
                // Keep the input for a regression test.
                let dump = std::env::temp_dir().join(format!("referat-fuzz-{kind}-{seed:x}-{case}.txt"));
                let _ = std::fs::write(&dump, &input);
                panic!("{kind} case {case} (seed {seed:#x}): {why}\ninput saved to {}\n{input:?}", dump.display());
            }
        }
    }
    eprintln!("fuzz {kind}: {n} executions, {ok} parsed, {} errors", n - ok);
    (n, ok)
}

fn truth_vtt() -> String {
    std::fs::read_to_string(root().join("samples/ehelse-2025-06/truth.vtt")).unwrap()
}

fn vtt_seeds() -> Vec<String> {
    let full = truth_vtt();
    // Short seeds mutate into interesting shapes more often than the whole 12 KB file.
    let head: String = full.split("\n\n").take(4).collect::<Vec<_>>().join("\n\n");
    vec![full, head, "WEBVTT\n\nNOTE x\n\n00:01.000 --> 00:02.000 align:start\n<v.a B C>x &amp; y</v>\n".into()]
}

fn srt_seeds() -> Vec<String> {
    let t = transcript::parse_vtt(&truth_vtt()).unwrap();
    let full = transcript::to_srt(&t);
    let head: String = full.split("\n\n").take(3).collect::<Vec<_>>().join("\n\n");
    vec![full, head.replace('\n', "\r\n")]
}

fn json_seeds() -> Vec<String> {
    let mut t = transcript::parse_vtt(&truth_vtt()).unwrap();
    t.segments.truncate(3);
    vec![serde_json::to_string_pretty(&t).unwrap()]
}

fn agenda_seeds() -> Vec<String> {
    let full = std::fs::read_to_string(root().join("tests/fixtures/agenda-2025-06-12.txt")).unwrap();
    let head: String = full.lines().take(40).collect::<Vec<_>>().join("\n");
    vec![full, head]
}

#[test]
fn meeting_file_parser_survives_random_and_mutated_input() {
    // Not an importer, but the other text the secretary edits by hand: errors carry line and
    // column computed from byte offsets, which must never split a character.
    let sample = std::fs::read_to_string(root().join("samples/ehelse-2025-06/meeting.toml")).unwrap();
    let head: String = sample.split("[[items]]").take(3).collect::<Vec<_>>().join("[[items]]");
    fuzz("meeting", &[sample, head], 0x5EED_0005, iters() / 4);
}

#[test]
fn vtt_importer_survives_random_and_mutated_input() {
    fuzz("vtt", &vtt_seeds(), 0x5EED_0001, iters());
}

#[test]
fn srt_importer_survives_random_and_mutated_input() {
    fuzz("srt", &srt_seeds(), 0x5EED_0002, iters());
}

#[test]
fn json_importer_survives_random_and_mutated_input() {
    fuzz("json", &json_seeds(), 0x5EED_0003, iters());
}

#[test]
fn agenda_importer_survives_random_and_mutated_input() {
    // The agenda parser is slower per input (the whole fixture is 10 saker of slides).
    fuzz("agenda", &agenda_seeds(), 0x5EED_0004, iters() / 4);
}

/// Inputs the fuzzer found (or that target what it found): kept as regression tests.
#[test]
fn regressions() {
    // A timestamp with hundreds of digits parsed to an infinite time (found by reasoning about
    // the fuzz tokens; a finite-time check now refuses it with the line number).
    let huge = "9".repeat(400);
    let e = format!("{:#}", transcript::parse_vtt(&format!("WEBVTT\n\n{huge}:00.000 --> {huge}:00.000\nx\n")).unwrap_err());
    assert!(e.contains("line 3") && e.contains("bad timestamp"), "{e}");
    assert!(transcript::parse_srt(&format!("1\n00:00:01,000 --> {huge}:00,000\nx\n")).is_err());
    // A JSON transcript without "duration" (fuzz json case 663, seed 0x5eed0003) claimed 0 s
    // while its segments ran to 20.989 s.
    let j = r#"{"segments":[{"start":1.0,"end":7.883,"text":"a"},{"start":17.746,"end":20.989,"text":"b"}]}"#;
    let t = transcript::parse_json(j).unwrap();
    assert_eq!(t.duration, 20.989);
    let e = format!("{:#}", transcript::parse_json(r#"{"duration":-5,"segments":[]}"#).unwrap_err());
    assert!(e.contains("duration"), "{e}");
    for (kind, input) in [("vtt", format!("WEBVTT\n\n{huge}:00.000 --> 00:01.000\nx\n")), ("json", j.to_string())] {
        run_one(kind, &input).unwrap();
    }
}
