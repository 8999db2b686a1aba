//! Probe behind batched decoding (src/llm/rows.rs): products of m activation rows with all
//! quantized layer weights of a GGUF (as one decode step of m sequences) through three kernels:
//! `k_quants::matmul` on the GGUF blocks (candle's one-row decode kernel, row-exact),
//! `referat::llm::rows::matmul` (row-exact, the weights unpacked once for all rows) and
//! candle's `QMatMul` (repacked tiles, not row-exact). Best of 5 passes per m, wall time and
//! the calling thread's CPU time (with CANDLE_NUM_THREADS=1 all work runs on it, and CPU
//! time compares kernels even on a busy machine).
//! Usage: CANDLE_NUM_THREADS=1 cargo run --release --example batch_probe -- MODEL.gguf
use candle_core::quantized::{gguf_file, k_quants, GgmlDType, QMatMul, QTensor};
use candle_core::{Device, Module, Tensor};
use referat::llm::rows;
use std::time::Instant;

fn kq(w: &QTensor, (m, k, n): (usize, usize, usize), x: &[f32], dst: &mut [f32]) -> anyhow::Result<()> {
    let data = w.data()?;
    // SAFETY: the QTensor's own aligned block storage, as in src/llm/qwen2.rs.
    unsafe {
        match w.dtype() {
            GgmlDType::Q4K => k_quants::matmul(
                (m, k, n),
                x,
                std::slice::from_raw_parts(data.as_ptr() as *const k_quants::BlockQ4K, data.len() / 144),
                dst,
            )?,
            _ => k_quants::matmul(
                (m, k, n),
                x,
                std::slice::from_raw_parts(data.as_ptr() as *const k_quants::BlockQ6K, data.len() / 210),
                dst,
            )?,
        }
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let p = std::env::args().nth(1).unwrap();
    let mut f = std::fs::File::open(&p)?;
    let ct = gguf_file::Content::read(&mut f)?;
    let dev = Device::Cpu;
    let mut ws = vec![];
    let mut names: Vec<String> =
        ct.tensor_infos.keys().filter(|n| (n.starts_with("blk.") && n.ends_with(".weight")) || *n == "output.weight").cloned().collect();
    names.sort();
    let mut bytes = 0;
    for name in names {
        let qt = ct.tensor(&mut f, &name, &dev)?;
        if !rows::supported(qt.dtype()) {
            continue;
        }
        bytes += qt.storage_size_in_bytes();
        let mm = QMatMul::from_qtensor(qt)?;
        let QMatMul::QTensor(t) = &mm else { anyhow::bail!("{name} not quantized") };
        ws.push((t.clone(), mm));
    }
    let mk = |m: usize, k: usize| -> Vec<f32> { (0..m * k).map(|i| ((i * 37 % 101) as f32 - 50.0) / 50.0).collect() };
    println!("threads {} weights {:.0} MB (all layers and the output)", candle_core::utils::get_num_threads(), bytes as f64 / 1e6);
    // ROWS=1,8 limits the row counts measured.
    let ms: Vec<usize> = match std::env::var("ROWS") {
        Ok(v) => v.split(',').map(|x| x.parse()).collect::<Result<_, _>>()?,
        Err(_) => vec![1, 2, 3, 4, 6, 8, 12, 16],
    };
    for m in ms {
        let mut best = [(f64::MAX, f64::MAX); 3];
        for pass in 0..6 {
            for (kernel, b) in best.iter_mut().enumerate() {
                let c = cpu_secs();
                let t = Instant::now();
                for (w, mm) in &ws {
                    let (n, k) = w.shape().dims2()?;
                    let x = mk(m, k);
                    let mut dst = vec![0f32; m * n];
                    match kernel {
                        0 => kq(w, (m, k, n), &x, &mut dst)?,
                        1 => rows::matmul(w, &x, m, &mut dst)?,
                        _ => drop(mm.forward(&Tensor::from_vec(x, (1, m, k), &dev)?)?),
                    }
                }
                if pass > 0 {
                    b.0 = b.0.min(t.elapsed().as_secs_f64());
                    b.1 = b.1.min(cpu_secs() - c);
                }
            }
        }
        let cell = |(w, c): (f64, f64)| format!("wall {:6.1} ms, cpu {:5.1} ms/row", w * 1e3, c * 1e3 / m as f64);
        println!("m={m:2}: k_quants {} | rows {} | tiles {}", cell(best[0]), cell(best[1]), cell(best[2]));
    }
    Ok(())
}

fn cpu_secs() -> f64 {
    // Time this thread ran on a CPU, in ns (with one candle thread all the work runs here).
    let st = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap();
    st.split(' ').next().unwrap().parse::<f64>().unwrap() / 1e9
}
