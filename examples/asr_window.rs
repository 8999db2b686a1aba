//! Experiment: transcribe with a given maximum window length and write transcript.json.
//! usage: cargo run --release --example asr_window -- AUDIO MEETING.toml MAX_WINDOW_S THREADS OUT.json
use referat::{meeting::Meeting, transcribe::asr};
use std::path::Path;

fn main() -> anyhow::Result<()> {
    let a: Vec<String> = std::env::args().collect();
    let meeting = Meeting::load(Path::new(&a[2]))?;
    let mut o = asr::AsrOptions::new(referat::models::whisper_path(None, Some(&meeting))?);
    o.max_window = a[3].parse()?;
    o.threads = a[4].parse()?;
    let t0 = std::time::Instant::now();
    let t = asr::transcribe(Path::new(&a[1]), &meeting, &o, &referat::progress::Silent)?;
    eprintln!("max_window {} s: {:.1} s wall", o.max_window, t0.elapsed().as_secs_f64());
    std::fs::write(&a[5], serde_json::to_vec(&t)?)?;
    Ok(())
}
