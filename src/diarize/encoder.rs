//! The GE2E speaker encoder of resemblyzer 0.1.4 in candle: 40-band mel frames (25 ms window,
//! 10 ms step) of 1.6 s partials → 3-layer LSTM (256) → linear 256 → ReLU → L2 norm.
//!
//! The mel input is resemblyzer's `audio.wav_to_mel_spectrogram`, i.e. librosa's
//! `melspectrogram(sr=16000, n_fft=400, hop_length=160, n_mels=40)`: centred frames (zero
//! padding), periodic Hann window, power spectrum, Slaney mel filters (not logarithmic).

use super::pth;
use anyhow::{Context, Result};
use candle_core::{DType, Device, Tensor, D};
use std::path::Path;
use std::sync::Arc;

pub const N_MELS: usize = 40;
pub const N_FFT: usize = 400;
pub const HOP: usize = 160;
/// Mel frames per partial utterance (1.6 s).
pub const PARTIAL_FRAMES: usize = 160;
pub const EMBED_DIM: usize = 256;
const HIDDEN: usize = 256;
const LAYERS: usize = 3;

/// Mel spectrogram computer (keeps the FFT plan and the filter bank).
pub struct Mel {
    fft: Arc<dyn realfft::RealToComplex<f32>>,
    window: Vec<f32>,
    filters: Vec<f32>,
}

impl Default for Mel {
    fn default() -> Self {
        Mel::new()
    }
}

impl Mel {
    pub fn new() -> Mel {
        let fft = realfft::RealFftPlanner::<f32>::new().plan_fft_forward(N_FFT);
        let window = (0..N_FFT).map(|n| (0.5 - 0.5 * (2.0 * std::f64::consts::PI * n as f64 / N_FFT as f64).cos()) as f32).collect();
        Mel { fft, window, filters: crate::models::ct2ggml::mel_filters(N_MELS) }
    }

    /// Mel frames of `pcm` (16 kHz), `1 + len / 160` rows of 40, row-major.
    pub fn frames(&self, pcm: &[f32]) -> Vec<f32> {
        let n_frames = 1 + pcm.len() / HOP;
        let half = N_FFT / 2;
        let n_freq = N_FFT / 2 + 1;
        let mut out = vec![0f32; n_frames * N_MELS];
        let mut buf = self.fft.make_input_vec();
        let mut spec = self.fft.make_output_vec();
        let mut power = vec![0f32; n_freq];
        for f in 0..n_frames {
            // Frame f is centred on sample f * HOP; outside the signal is zero.
            for (k, b) in buf.iter_mut().enumerate() {
                let i = (f * HOP + k) as isize - half as isize;
                *b = if i >= 0 && (i as usize) < pcm.len() { pcm[i as usize] * self.window[k] } else { 0.0 };
            }
            // Input and output lengths come from the plan: this cannot fail.
            let _ = self.fft.process(&mut buf, &mut spec);
            for (p, c) in power.iter_mut().zip(&spec) {
                *p = c.norm_sqr();
            }
            let row = &mut out[f * N_MELS..(f + 1) * N_MELS];
            for (m, r) in row.iter_mut().enumerate() {
                *r = self.filters[m * n_freq..(m + 1) * n_freq].iter().zip(&power).map(|(a, b)| a * b).sum();
            }
        }
        out
    }
}

struct Layer {
    /// [in, 4H] (transposed once at load)
    w_ih_t: Tensor,
    /// [H, 4H]
    w_hh_t: Tensor,
    /// [4H]
    bias: Tensor,
}

/// The GE2E encoder.
pub struct Encoder {
    layers: Vec<Layer>,
    /// [256, 256] transposed
    linear_t: Tensor,
    linear_b: Tensor,
    dev: Device,
}

impl Encoder {
    /// Load resemblyzer's `pretrained.pt`.
    pub fn load(path: &Path) -> Result<Encoder> {
        let w = pth::load(path, "model_state").with_context(|| format!("cannot read the speaker encoder {}", path.display()))?;
        let get = |name: &str| -> Result<Tensor> {
            w.get(name).cloned().with_context(|| format!("{}: no tensor {name}: not resemblyzer's pretrained.pt", path.display()))
        };
        let mut layers = Vec::new();
        for l in 0..LAYERS {
            let w_ih = get(&format!("lstm.weight_ih_l{l}"))?;
            let w_hh = get(&format!("lstm.weight_hh_l{l}"))?;
            let in_dim = if l == 0 { N_MELS } else { HIDDEN };
            anyhow::ensure!(
                w_ih.dims() == [4 * HIDDEN, in_dim] && w_hh.dims() == [4 * HIDDEN, HIDDEN],
                "{}: LSTM layer {l} has shapes {:?} / {:?}, not GE2E's",
                path.display(),
                w_ih.dims(),
                w_hh.dims()
            );
            let bias = (get(&format!("lstm.bias_ih_l{l}"))? + get(&format!("lstm.bias_hh_l{l}"))?)?;
            layers.push(Layer { w_ih_t: w_ih.t()?.contiguous()?, w_hh_t: w_hh.t()?.contiguous()?, bias });
        }
        Ok(Encoder { layers, linear_t: get("linear.weight")?.t()?.contiguous()?, linear_b: get("linear.bias")?, dev: Device::Cpu })
    }

    /// Embeddings of a batch of partials: `mels` holds `batch` × 160 frames × 40, row-major.
    /// Returns `batch` L2-normed 256-d vectors.
    pub fn embed(&self, mels: &[f32], batch: usize) -> Result<Vec<Vec<f32>>> {
        if batch == 0 {
            return Ok(vec![]);
        }
        let t = mels.len() / (batch * N_MELS);
        let mut x = Tensor::from_slice(mels, (batch, t, N_MELS), &self.dev)?;
        let mut h = Tensor::zeros((batch, HIDDEN), DType::F32, &self.dev)?;
        for layer in &self.layers {
            let in_dim = x.dim(2)?;
            // The input projection of every time step in one product; only h·W_hh is sequential.
            let xs = x.reshape((batch * t, in_dim))?.matmul(&layer.w_ih_t)?.broadcast_add(&layer.bias)?.reshape((batch, t, 4 * HIDDEN))?;
            h = Tensor::zeros((batch, HIDDEN), DType::F32, &self.dev)?;
            let mut c = Tensor::zeros((batch, HIDDEN), DType::F32, &self.dev)?;
            let mut outs = Vec::with_capacity(t);
            for step in 0..t {
                let g = (xs.narrow(1, step, 1)?.squeeze(1)? + h.matmul(&layer.w_hh_t)?)?;
                let i = candle_nn::ops::sigmoid(&g.narrow(1, 0, HIDDEN)?)?;
                let f = candle_nn::ops::sigmoid(&g.narrow(1, HIDDEN, HIDDEN)?)?;
                let gg = g.narrow(1, 2 * HIDDEN, HIDDEN)?.tanh()?;
                let o = candle_nn::ops::sigmoid(&g.narrow(1, 3 * HIDDEN, HIDDEN)?)?;
                c = ((f * &c)? + (i * gg)?)?;
                h = (o * c.tanh()?)?;
                outs.push(h.clone());
            }
            x = Tensor::stack(&outs, 1)?;
        }
        let e = h.matmul(&self.linear_t)?.broadcast_add(&self.linear_b)?.relu()?;
        let norm = e.sqr()?.sum_keepdim(D::Minus1)?.sqrt()?.clamp(1e-12, f32::MAX)?;
        let e = e.broadcast_div(&norm)?;
        Ok(e.to_vec2()?)
    }

    /// resemblyzer's `embed_utterance`: partials of 1.6 s at 1.3 per second (the last one
    /// kept if it is at least 75 % covered), zero-padded, averaged and L2-normed.
    pub fn embed_utterance(&self, mel: &Mel, pcm: &[f32]) -> Result<Vec<f32>> {
        let slices = partial_slices(pcm.len(), 1.3, 0.75);
        let end = slices.last().map(|s| (s + PARTIAL_FRAMES) * HOP).unwrap_or(0);
        let mut wav = pcm.to_vec();
        if end >= wav.len() {
            wav.resize(end, 0.0);
        }
        let frames = mel.frames(&wav);
        let mut batch = Vec::with_capacity(slices.len() * PARTIAL_FRAMES * N_MELS);
        for &s in &slices {
            batch.extend_from_slice(&frames[s * N_MELS..(s + PARTIAL_FRAMES) * N_MELS]);
        }
        let partials = self.embed(&batch, slices.len())?;
        Ok(mean_normed(&partials))
    }
}

/// The L2-normed mean of unit vectors.
pub fn mean_normed(v: &[Vec<f32>]) -> Vec<f32> {
    let mut m = vec![0f32; v.first().map(|x| x.len()).unwrap_or(0)];
    for x in v {
        for (a, b) in m.iter_mut().zip(x) {
            *a += b;
        }
    }
    let n = m.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    m.iter_mut().for_each(|x| *x /= n);
    m
}

/// resemblyzer's `compute_partial_slices`: start frames of the partials.
fn partial_slices(n_samples: usize, rate: f64, min_coverage: f64) -> Vec<usize> {
    let n_frames = (n_samples + 1).div_ceil(HOP);
    let step = ((16000.0 / rate) / HOP as f64).round() as usize;
    let steps = (n_frames as isize - PARTIAL_FRAMES as isize + step as isize + 1).max(1) as usize;
    let mut starts: Vec<usize> = (0..steps).step_by(step).collect();
    if let Some(&last) = starts.last() {
        let a = last * HOP;
        let coverage = (n_samples as f64 - a as f64) / (PARTIAL_FRAMES * HOP) as f64;
        if coverage < min_coverage && starts.len() > 1 {
            starts.pop();
        }
    }
    starts
}

/// Cosine of two unit vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partials_follow_resemblyzer() {
        // 2 s at 1.3/s: frames 0..201, step 77 → starts 0, 77 (77 covers 1.6 s from 0.77 s:
        // (32000 - 12320) / 25600 = 0.77 ≥ 0.75, kept).
        assert_eq!(partial_slices(32000, 1.3, 0.75), vec![0, 77]);
        // Shorter than one partial: one slice, padded.
        assert_eq!(partial_slices(8000, 1.3, 0.75), vec![0]);
    }

    #[test]
    fn mel_of_a_tone_peaks_in_its_band() {
        let pcm: Vec<f32> = (0..16000).map(|i| (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / 16000.0).sin()).collect();
        let m = Mel::new().frames(&pcm);
        assert_eq!(m.len(), 101 * N_MELS);
        let row = &m[50 * N_MELS..51 * N_MELS];
        let peak = row.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0;
        // 1 kHz sits near mel band 15 of 40 (Slaney scale, 0-8 kHz).
        assert!((13..=17).contains(&peak), "{peak}");
    }
}
