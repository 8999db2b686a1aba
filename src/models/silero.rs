//! Silero VAD (the `silero_vad_16k.safetensors` of PyPI `silero-vad`) → whisper.cpp's ggml VAD
//! file, the layout whisper.cpp's `models/convert-silero-vad-to-ggml.py` writes and
//! `whisper_vad_init_with_params` reads: a header (magic, model type, version, window and
//! context size, layer sizes), then each tensor as n_dims, name length, type, dims (innermost
//! first), name, data. Convolution kernels and the STFT basis are f16, everything else f32.
//!
//! The reference script reads the JIT model's state dict; the safetensors file holds the same
//! 16 kHz tensors under tinygrad's names, mapped below.

use anyhow::{ensure, Context, Result};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

const GGML_MAGIC: u32 = 0x6767_6d6c;
/// The silero-vad package version the weights come from (recorded in the header, as the
/// reference script records its `silero_vad.__version__`).
const VERSION: [i32; 3] = [6, 2, 3];

/// (safetensors name, whisper.cpp name, stored as f16), in the reference script's order.
const TENSORS: &[(&str, &str, bool)] = &[
    ("conv1.weight", "_model.encoder.0.reparam_conv.weight", true),
    ("conv1.bias", "_model.encoder.0.reparam_conv.bias", false),
    ("conv2.weight", "_model.encoder.1.reparam_conv.weight", true),
    ("conv2.bias", "_model.encoder.1.reparam_conv.bias", false),
    ("conv3.weight", "_model.encoder.2.reparam_conv.weight", true),
    ("conv3.bias", "_model.encoder.2.reparam_conv.bias", false),
    ("conv4.weight", "_model.encoder.3.reparam_conv.weight", true),
    ("conv4.bias", "_model.encoder.3.reparam_conv.bias", false),
    ("lstm_cell.weight_ih", "_model.decoder.rnn.weight_ih", false),
    ("lstm_cell.weight_hh", "_model.decoder.rnn.weight_hh", false),
    ("lstm_cell.bias_ih", "_model.decoder.rnn.bias_ih", false),
    ("lstm_cell.bias_hh", "_model.decoder.rnn.bias_hh", false),
    ("final_conv.weight", "_model.decoder.decoder.2.weight", true),
    ("final_conv.bias", "_model.decoder.decoder.2.bias", false),
    ("stft_conv.weight", "_model.stft.forward_basis_buffer", true),
];

/// Convert `safetensors` to a ggml VAD file at `out` (written directly: callers write to a
/// temporary name and rename after checking). Returns (size, sha256) of what was written.
pub fn convert(safetensors: &Path, out: &Path) -> Result<(u64, String)> {
    let tensors = candle_core::safetensors::load(safetensors, &candle_core::Device::Cpu)
        .with_context(|| format!("cannot read {}: it must be silero-vad's silero_vad_16k.safetensors", safetensors.display()))?;
    let mut body: Vec<u8> = Vec::with_capacity(1 << 20);
    let i32le = |b: &mut Vec<u8>, v: i32| b.extend_from_slice(&v.to_le_bytes());
    body.extend_from_slice(&GGML_MAGIC.to_le_bytes());
    let model_type = b"silero-16k";
    i32le(&mut body, model_type.len() as i32);
    body.extend_from_slice(model_type);
    for v in VERSION {
        i32le(&mut body, v);
    }
    // window, context, encoder layers (in, out, kernel), LSTM (in, hidden), final conv (in, out)
    for v in [512, 64, 4, 129, 128, 3, 128, 64, 3, 64, 64, 3, 64, 128, 3, 128, 128, 128, 1] {
        i32le(&mut body, v);
    }
    for &(src, name, f16) in TENSORS {
        let t = tensors.get(src).with_context(|| format!("{}: no tensor {src}: not a Silero VAD 16 kHz file", safetensors.display()))?;
        let shape = t.dims().to_vec();
        // The reference squeezes size-1 dims, except for the STFT basis (kept 3-D).
        let mut dims: Vec<usize> =
            if src == "stft_conv.weight" { shape.clone() } else { shape.iter().copied().filter(|&d| d != 1).collect() };
        dims.reverse();
        let expect: &[usize] = match src {
            "stft_conv.weight" => &[256, 1, 258],
            "final_conv.bias" => &[],
            _ => &dims,
        };
        ensure!(dims == expect, "{}: tensor {src} has shape {shape:?}, not Silero VAD's", safetensors.display());
        let data: Vec<f32> = t.flatten_all()?.to_dtype(candle_core::DType::F32)?.to_vec1()?;
        i32le(&mut body, dims.len() as i32);
        i32le(&mut body, name.len() as i32);
        i32le(&mut body, if f16 { 1 } else { 0 });
        for &d in &dims {
            i32le(&mut body, d as i32);
        }
        body.extend_from_slice(name.as_bytes());
        for x in data {
            if f16 {
                body.extend_from_slice(&half::f16::from_f32(x).to_le_bytes());
            } else {
                body.extend_from_slice(&x.to_le_bytes());
            }
        }
    }
    let f = File::create(out).with_context(|| format!("cannot create {}: check that the folder is writable", out.display()))?;
    let mut w = BufWriter::new(f);
    w.write_all(&body).with_context(|| format!("cannot write {}", out.display()))?;
    let f = w.into_inner().map_err(|e| e.into_error())?;
    f.sync_all()?;
    Ok((body.len() as u64, crate::workdir::sha256_bytes(&body)))
}
