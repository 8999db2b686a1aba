//! Convert an installed CTranslate2 Whisper model to ggml by hand (what `models install` does):
//! `cargo run --release --example ct2ggml_convert -- MODEL_DIR OUT.bin [f16|q8_0]`.
use referat::models::ct2ggml::{convert, Quant};
use std::path::Path;

fn main() -> anyhow::Result<()> {
    let a: Vec<String> = std::env::args().skip(1).collect();
    anyhow::ensure!(a.len() >= 2, "usage: ct2ggml_convert MODEL_DIR OUT.bin [f16|q8_0]");
    let quant = match a.get(2).map(String::as_str) {
        None | Some("f16") => Quant::F16,
        Some("q8_0") => Quant::Q8_0,
        Some(q) => anyhow::bail!("unknown type {q}: use f16 or q8_0"),
    };
    let dir = Path::new(&a[0]);
    let t = std::time::Instant::now();
    let (size, sha) = convert(&dir.join("model.bin"), &dir.join("tokenizer.json"), Path::new(&a[1]), quant)?;
    println!("{} bytes, sha256 {sha}, {:.1} s", size, t.elapsed().as_secs_f64());
    Ok(())
}
