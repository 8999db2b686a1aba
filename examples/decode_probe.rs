//! Decode steps of the qwen2 model alone (PRE prompt tokens, then N greedy steps), printing
//! wall tok/s and process CPU ms per token: with CANDLE_NUM_THREADS=1 the CPU time per token
//! compares kernels even on a busy machine, where wall time does not.
//! Usage: PRE=50 CANDLE_NUM_THREADS=1 cargo run --release --example decode_probe -- MODEL.gguf 40
// The batched-decoding half of qwen2.rs is not used here.
#[allow(dead_code)]
#[path = "../src/llm/qwen2.rs"]
mod qwen2;
// qwen2.rs's exact multi-row products.
use candle_core::quantized::gguf_file;
use candle_core::{Device, Tensor};
use referat::llm::rows;
use std::time::Instant;
fn main() -> anyhow::Result<()> {
    let p = std::env::args().nth(1).unwrap();
    let steps: usize = std::env::args().nth(2).map(|s| s.parse().unwrap()).unwrap_or(100);
    let mut f = std::fs::File::open(&p)?;
    let ct = gguf_file::Content::read(&mut f)?;
    let dev = Device::Cpu;
    let mut m = qwen2::ModelWeights::from_gguf(ct, &mut f, &dev)?;
    let npre: u32 = std::env::var("PRE").ok().map(|s| s.parse().unwrap()).unwrap_or(300);
    let ids: Vec<u32> = (0..npre).map(|i| 1000 + i * 7).collect();
    let t = Instant::now();
    let mut logits = m.forward(&Tensor::new(ids.as_slice(), &dev)?.unsqueeze(0)?, 0)?;
    eprintln!("prefill {} tokens {:.2}s", ids.len(), t.elapsed().as_secs_f64());
    let t = Instant::now();
    let c0 = cpu_secs();
    let mut out = vec![];
    for i in 0..steps {
        let v: Vec<f32> = logits.squeeze(0)?.to_vec1()?;
        let next = v.iter().enumerate().fold((0, f32::MIN), |a, (i, &x)| if x > a.1 { (i, x) } else { a }).0 as u32;
        out.push(next);
        logits = m.forward(&Tensor::new(&[next], &dev)?.unsqueeze(0)?, ids.len() + i)?;
    }
    let s = t.elapsed().as_secs_f64();
    let c = cpu_secs() - c0;
    println!(
        "{} decode {steps} steps wall {:.2}s = {:.2} tok/s, process cpu {:.1} ms/token; tokens {:?}",
        env!("CARGO_BIN_NAME"),
        s,
        steps as f64 / s,
        c / steps as f64 * 1e3,
        out
    );
    Ok(())
}

fn cpu_secs() -> f64 {
    // utime + stime of the whole process, in clock ticks (100 Hz).
    let st = std::fs::read_to_string("/proc/self/stat").unwrap();
    let f: Vec<&str> = st[st.rfind(')').unwrap() + 2..].split(' ').collect();
    (f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap()) / 100.0
}
