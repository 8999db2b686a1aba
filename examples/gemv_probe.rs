//! Probe behind `QLinear` in src/llm/qwen2.rs: one-row products (decode) over all Q4_K layer
//! weights of a GGUF, so that they stream from RAM as in a decode step, through candle's
//! `QMatMul` (repacked tiles) and through `k_quants::matmul` on the GGUF blocks; best of 8 passes.
//! Usage: CANDLE_NUM_THREADS=1 cargo run --release --example gemv_probe -- MODEL.gguf
use candle_core::quantized::{
    gguf_file,
    k_quants::{self, BlockQ4K},
    GgmlDType, QMatMul,
};
use candle_core::{Device, Module, Tensor};
use std::time::Instant;
fn main() -> anyhow::Result<()> {
    let p = std::env::args().nth(1).unwrap();
    let mut f = std::fs::File::open(&p)?;
    let ct = gguf_file::Content::read(&mut f)?;
    let dev = Device::Cpu;
    let mut ws = vec![];
    let names: Vec<String> = ct.tensor_infos.keys().filter(|n| n.starts_with("blk.")).cloned().collect();
    let mut bytes = 0;
    for name in names {
        let qt = ct.tensor(&mut f, &name, &dev)?;
        if qt.dtype() != GgmlDType::Q4K {
            continue;
        }
        let (n, k) = qt.shape().dims2()?;
        let data = qt.data()?.into_owned();
        bytes += data.len();
        ws.push((n, k, data, QMatMul::from_qtensor(qt)?));
    }
    let mk = |k: usize| -> Vec<f32> { (0..k).map(|i| ((i * 37 % 101) as f32 - 50.0) / 50.0).collect() };
    for (_, k, _, mm) in &ws {
        let _ = mm.forward(&Tensor::from_vec(mk(*k), (1, 1, *k), &dev)?)?;
    }
    let (mut ba, mut bb) = (f64::MAX, f64::MAX);
    for _ in 0..8 {
        let t = Instant::now();
        for (_, k, _, mm) in &ws {
            let _ = mm.forward(&Tensor::from_vec(mk(*k), (1, 1, *k), &dev)?)?;
        }
        ba = ba.min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        for (n, k, data, _) in &ws {
            let x = mk(*k);
            let mut dst = vec![0f32; *n];
            let b = unsafe { std::slice::from_raw_parts(data.as_ptr() as *const BlockQ4K, data.len() / std::mem::size_of::<BlockQ4K>()) };
            k_quants::matmul((1, *k, *n), &x, b, &mut dst)?;
        }
        bb = bb.min(t.elapsed().as_secs_f64());
    }
    println!(
        "threads {} Q4K {} tensors {:.0} MB: tiles {:.1} ms, k_quants {:.1} ms (orig-bytes GB/s {:.1} / {:.1})",
        candle_core::utils::get_num_threads(),
        ws.len(),
        bytes as f64 / 1e6,
        ba * 1e3,
        bb * 1e3,
        bytes as f64 / ba / 1e9,
        bytes as f64 / bb / 1e9
    );
    Ok(())
}
