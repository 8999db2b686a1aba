//! Qwen2 GGUF model: a copy of candle-transformers 0.11.1 `models::quantized_qwen2`
//! (MIT/Apache-2.0, HuggingFace), vendored so that `ModelWeights` is `Clone`: the KV cache
//! of a shared prompt prefix (the system message) can then be snapshotted and reused across
//! calls. Changes: `#[derive(Clone)]` on `ModelWeights`, tracing spans removed, grouped-query
//! attention without copying the KV cache per query head (`forward_attn`), one-row Q4_K
//! products on the GGUF blocks (`QLinear`), the token embedding table kept in f16; the
//! weights shared behind an `Arc` and the KV cache per sequence, and [`forward_spans`]: new
//! tokens of several sequences in one pass, each row's logits bit-identical to decoding it
//! alone (batched decoding, speculative verification).

use candle_core::{
    quantized::{gguf_file, k_quants, QMatMul, QTensor},
    DType, Device, IndexOp, Result, Tensor,
};
use candle_nn::{Embedding, Module};
use candle_transformers::quantized_nn::RmsNorm;
use std::collections::HashMap;
use std::sync::Arc;

/// A quantized weight. For a single input row (decode) a Q4_K or Q6_K weight is multiplied on
/// its GGUF blocks with [`super::rows::matmul`] (candle's `k_quants::matmul`, or on AVX-512
/// VNNI the kernel giving its bits): candle's default x86 path first repacks Q4_K into tiles
/// with f32 scales, a third more bytes, and a decode step streams every weight from RAM once,
/// so on AVX2 the compact blocks are faster (measured with examples/gemv_probe.rs).
/// Several rows (prefill) keep candle's tiled path, where each weight load serves many rows.
#[derive(Debug, Clone)]
struct QLinear(QMatMul);

impl QLinear {
    fn from_qtensor(t: QTensor) -> Result<Self> {
        Ok(Self(QMatMul::from_qtensor(t)?))
    }
}

impl Module for QLinear {
    fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        if let QMatMul::QTensor(t) = &self.0 {
            let (n, k) = t.shape().dims2()?;
            if super::rows::supported(t.dtype())
                && xs.elem_count() == k
                && xs.dtype() == DType::F32
                && xs.device().is_cpu()
                && k % k_quants::QK_K == 0
            {
                return gemv(t, xs, n);
            }
        }
        self.0.forward(xs)
    }
}

impl QLinear {
    /// The product for decode rows: each row's result bit-identical to `forward` on that row
    /// alone (`forward` on several rows takes candle's tiled kernels, which round differently).
    fn forward_rows(&self, xs: &Tensor) -> Result<Tensor> {
        let QMatMul::QTensor(t) = &self.0 else { return self.0.forward(xs) };
        let (n, k) = t.shape().dims2()?;
        let m = xs.elem_count() / k;
        if m <= 1 {
            return self.forward(xs);
        }
        let mut dims = xs.dims().to_vec();
        if let Some(last) = dims.last_mut() {
            *last = n;
        }
        if super::rows::supported(t.dtype()) && xs.dtype() == DType::F32 && xs.device().is_cpu() && k % k_quants::QK_K == 0 {
            let x = xs.flatten_all()?.to_vec1::<f32>()?;
            let mut dst = vec![0f32; m * n];
            super::rows::matmul(t, &x, m, &mut dst)?;
            return Tensor::from_vec(dst, dims, xs.device());
        }
        // Other quantizations: one row at a time, exact by construction.
        let flat = xs.reshape((m, k))?;
        let rows = (0..m).map(|r| self.forward(&flat.narrow(0, r, 1)?)).collect::<Result<Vec<_>>>()?;
        Tensor::cat(&rows, 0)?.reshape(dims)
    }
}

/// One row times a Q4_K or Q6_K weight on its GGUF blocks ([`super::rows::matmul`]: candle's
/// own one-row product, or the AVX-512 VNNI kernel that gives the same bits).
fn gemv(t: &QTensor, xs: &Tensor, n: usize) -> Result<Tensor> {
    let x = xs.flatten_all()?.to_vec1::<f32>()?;
    let mut dst = vec![0f32; n];
    super::rows::matmul(t, &x, 1, &mut dst)?;
    let mut dims = xs.dims().to_vec();
    if let Some(last) = dims.last_mut() {
        *last = n;
    }
    Tensor::from_vec(dst, dims, xs.device())
}

#[derive(Debug, Clone)]
struct Mlp {
    feed_forward_w1: QLinear,
    feed_forward_w2: QLinear,
    feed_forward_w3: QLinear,
}

impl Module for Mlp {
    fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        let w1 = self.feed_forward_w1.forward(xs)?;
        let w3 = self.feed_forward_w3.forward(xs)?;
        self.feed_forward_w2.forward(&(candle_nn::ops::silu(&w1)? * w3)?)
    }
}

impl Mlp {
    fn forward_rows(&self, xs: &Tensor) -> Result<Tensor> {
        let w1 = self.feed_forward_w1.forward_rows(xs)?;
        let w3 = self.feed_forward_w3.forward_rows(xs)?;
        self.feed_forward_w2.forward_rows(&(candle_nn::ops::silu(&w1)? * w3)?)
    }
}

/// A layer's key and value cache, `(1, n_kv_head, positions, head_dim)` each.
type Kv = Option<(Tensor, Tensor)>;

#[derive(Debug, Clone)]
struct LayerWeights {
    attention_wq: QLinear,
    attention_wk: QLinear,
    attention_wv: QLinear,
    attention_bq: Tensor,
    attention_bk: Tensor,
    attention_bv: Tensor,
    attention_wo: QLinear,
    attention_norm: RmsNorm,
    mlp: Mlp,
    ffn_norm: RmsNorm,
    n_head: usize,
    n_kv_head: usize,
    head_dim: usize,
    cos: Tensor,
    sin: Tensor,
    neg_inf: Tensor,
}

fn masked_fill(on_false: &Tensor, mask: &Tensor, on_true: &Tensor) -> Result<Tensor> {
    let shape = mask.shape();
    let m = mask.where_cond(&on_true.broadcast_as(shape.dims())?, on_false)?;
    Ok(m)
}

impl LayerWeights {
    fn apply_rotary_emb(&self, x: &Tensor, index_pos: usize) -> Result<Tensor> {
        let (_b_sz, _n_head, seq_len, _n_embd) = x.dims4()?;
        let cos = self.cos.narrow(0, index_pos, seq_len)?;
        let sin = self.sin.narrow(0, index_pos, seq_len)?;
        candle_nn::rotary_emb::rope(&x.contiguous()?, &cos, &sin)
    }

    fn forward_attn(&self, x: &Tensor, mask: Option<&Tensor>, index_pos: usize, kv_cache: &mut Kv) -> Result<Tensor> {
        let (b_sz, seq_len, n_embd) = x.dims3()?;

        let q = self.attention_wq.forward(x)?;
        let k = self.attention_wk.forward(x)?;
        let v = self.attention_wv.forward(x)?;

        let q = q.broadcast_add(&self.attention_bq)?;
        let k = k.broadcast_add(&self.attention_bk)?;
        let v = v.broadcast_add(&self.attention_bv)?;

        let q = q.reshape((b_sz, seq_len, self.n_head, self.head_dim))?.transpose(1, 2)?.contiguous()?;
        let k = k.reshape((b_sz, seq_len, self.n_kv_head, self.head_dim))?.transpose(1, 2)?.contiguous()?;
        let v = v.reshape((b_sz, seq_len, self.n_kv_head, self.head_dim))?.transpose(1, 2)?.contiguous()?;

        // let (q, k) = self
        //     .rotary_embedding
        //     .apply_rotary_emb_qkv(&q, &k, index_pos)?;
        let q = self.apply_rotary_emb(&q, index_pos)?;
        let k = self.apply_rotary_emb(&k, index_pos)?;

        let (k, v) = match &*kv_cache {
            None => (k, v),
            Some((k_cache, v_cache)) => {
                if index_pos == 0 {
                    (k, v)
                } else {
                    let k = Tensor::cat(&[k_cache, &k], 2)?;
                    let v = Tensor::cat(&[v_cache, &v], 2)?;
                    (k, v)
                }
            }
        };
        *kv_cache = Some((k.clone(), v.clone()));
        self.attend(&q, &k, &v, mask, b_sz, seq_len, n_embd)
    }

    /// Attention of `q` (after rope) over the whole cache `k`, `v`, and the output projection's
    /// input, `(b, seq_len, n_embd)`.
    #[allow(clippy::too_many_arguments)]
    fn attend(
        &self,
        q: &Tensor,
        k: &Tensor,
        v: &Tensor,
        mask: Option<&Tensor>,
        b_sz: usize,
        seq_len: usize,
        n_embd: usize,
    ) -> Result<Tensor> {
        // Grouped-query attention without `repeat_kv`: the query heads that share a KV head
        // are adjacent, so fold them into the row dimension and multiply against the KV
        // head directly. Saves copying the whole cache n_rep times per layer per token.
        let n_rep = self.n_head / self.n_kv_head;
        let kv_len = k.dim(2)?;
        let q = q.reshape((b_sz, self.n_kv_head, n_rep * seq_len, self.head_dim))?;
        let att = (q.matmul(&k.t()?)? / (self.head_dim as f64).sqrt())?;
        let att = match mask {
            None => att,
            Some(mask) => {
                let mask = if n_rep > 1 {
                    mask.unsqueeze(0)?.expand((n_rep, seq_len, kv_len))?.reshape((n_rep * seq_len, kv_len))?
                } else {
                    mask.clone()
                };
                let mask = mask.broadcast_as(att.shape())?;
                masked_fill(&att, &mask, &self.neg_inf)?
            }
        };
        let att = candle_nn::ops::softmax_last_dim(&att)?;
        // Convert to contiguous as matmul doesn't support strided vs for now.
        let y = att.matmul(&v.contiguous()?)?;
        y.reshape((b_sz, self.n_head, seq_len, self.head_dim))?.transpose(1, 2)?.reshape(&[b_sz, seq_len, n_embd])
    }

    /// Attention for `t` new decode rows of one sequence starting at `pos` (`q`, `k`, `v`:
    /// `(1, t, dim)` after the projections and biases). Each row attends exactly as a one-token
    /// decode step at its position would: same rope, the cache up to and including itself as
    /// a contiguous tensor of that length, same shapes, so the same floats.
    fn attend_rows(&self, q: &Tensor, k: &Tensor, v: &Tensor, pos: usize, kv_cache: &mut Kv) -> Result<Tensor> {
        let (_, t, n_embd) = q.dims3()?;
        let q = q.reshape((1, t, self.n_head, self.head_dim))?.transpose(1, 2)?.contiguous()?;
        let k = k.reshape((1, t, self.n_kv_head, self.head_dim))?.transpose(1, 2)?.contiguous()?;
        let v = v.reshape((1, t, self.n_kv_head, self.head_dim))?.transpose(1, 2)?.contiguous()?;
        let q = self.apply_rotary_emb(&q, pos)?;
        let k = self.apply_rotary_emb(&k, pos)?;
        let (k, v) = match &*kv_cache {
            Some((kc, vc)) if pos > 0 => (Tensor::cat(&[kc, &k], 2)?, Tensor::cat(&[vc, &v], 2)?),
            _ => (k, v),
        };
        *kv_cache = Some((k.clone(), v.clone()));
        let mut ys = Vec::with_capacity(t);
        for i in 0..t {
            let qi = if t == 1 { q.clone() } else { q.narrow(2, i, 1)?.contiguous()? };
            let len = pos + i + 1;
            let (ki, vi) =
                if i + 1 == t { (k.clone(), v.clone()) } else { (k.narrow(2, 0, len)?.contiguous()?, v.narrow(2, 0, len)?.contiguous()?) };
            ys.push(self.attend(&qi, &ki, &vi, None, 1, 1, n_embd)?);
        }
        if t == 1 {
            Ok(ys.remove(0))
        } else {
            Tensor::cat(&ys, 1)
        }
    }
}

#[derive(Debug)]
struct Weights {
    tok_embeddings: Embedding,
    layers: Vec<LayerWeights>,
    norm: RmsNorm,
    output: QLinear,
}

/// The shared weights and one sequence's KV cache: a clone is a new sequence with a copy of
/// this one's cache (tensors are reference-counted, so cloning copies no data).
#[derive(Debug, Clone)]
pub struct ModelWeights {
    weights: Arc<Weights>,
    kv: Vec<Kv>,
    masks: HashMap<(usize, usize), Tensor>,
}

fn precomput_freqs_cis(head_dim: usize, freq_base: f32, context_length: usize, device: &Device) -> Result<(Tensor, Tensor)> {
    let theta: Vec<_> = (0..head_dim).step_by(2).map(|i| 1f32 / freq_base.powf(i as f32 / head_dim as f32)).collect();
    let theta = Tensor::new(theta.as_slice(), device)?;
    let idx_theta = Tensor::arange(0, context_length as u32, device)?
        .to_dtype(DType::F32)?
        .reshape((context_length, 1))?
        .matmul(&theta.reshape((1, theta.elem_count()))?)?;
    let cos = idx_theta.cos()?;
    let sin = idx_theta.sin()?;
    Ok((cos, sin))
}

impl ModelWeights {
    pub fn from_gguf<R: std::io::Seek + std::io::Read>(ct: gguf_file::Content, reader: &mut R, device: &Device) -> Result<Self> {
        let md_get = |s: &str| match ct.metadata.get(s) {
            None => candle_core::bail!("cannot find {s} in metadata"),
            Some(v) => Ok(v),
        };

        let head_count = md_get("qwen2.attention.head_count")?.to_u32()? as usize;
        let head_count_kv = md_get("qwen2.attention.head_count_kv")?.to_u32()? as usize;
        let embedding_length = md_get("qwen2.embedding_length")?.to_u32()? as usize;
        let context_length = md_get("qwen2.context_length")?.to_u32()? as usize;
        let block_count = md_get("qwen2.block_count")?.to_u32()? as usize;
        let rms_norm_eps = md_get("qwen2.attention.layer_norm_rms_epsilon")?.to_f32()? as f64;
        let rope_freq_base = md_get("qwen2.rope.freq_base").and_then(|m| m.to_f32()).unwrap_or(10000f32);

        let head_dim = embedding_length / head_count;

        let neg_inf = Tensor::new(f32::NEG_INFINITY, device)?;

        let tok_embeddings = ct.tensor(reader, "token_embd.weight", device)?;
        // f16, not f32: the 151,936 x 1,536 table is 0.9 GB in f32, the largest single
        // allocation of a drafting run; rows are widened to f32 as they are looked up.
        let tok_embeddings = tok_embeddings.dequantize_f16(device)?;
        let norm = RmsNorm::from_qtensor(ct.tensor(reader, "output_norm.weight", device)?, rms_norm_eps)?;
        let output = match ct.tensor(reader, "output.weight", device) {
            Ok(v) => QLinear::from_qtensor(v)?,
            _ => {
                // use tie_word_embeddings
                QLinear::from_qtensor(ct.tensor(reader, "token_embd.weight", device)?)?
            }
        };

        let (cos, sin) = precomput_freqs_cis(head_dim, rope_freq_base, context_length, device)?;

        let mut layers = Vec::with_capacity(block_count);

        for layer_idx in 0..block_count {
            let prefix = format!("blk.{layer_idx}");
            let attention_wq = ct.tensor(reader, &format!("{prefix}.attn_q.weight"), device)?;
            let attention_wk = ct.tensor(reader, &format!("{prefix}.attn_k.weight"), device)?;
            let attention_wv = ct.tensor(reader, &format!("{prefix}.attn_v.weight"), device)?;

            let attention_bq = ct.tensor(reader, &format!("{prefix}.attn_q.bias"), device)?;
            let attention_bk = ct.tensor(reader, &format!("{prefix}.attn_k.bias"), device)?;
            let attention_bv = ct.tensor(reader, &format!("{prefix}.attn_v.bias"), device)?;

            let attention_wo = ct.tensor(reader, &format!("{prefix}.attn_output.weight"), device)?;

            let mlp = {
                let feed_forward_w1 = ct.tensor(reader, &format!("{prefix}.ffn_gate.weight"), device)?;
                let feed_forward_w2 = ct.tensor(reader, &format!("{prefix}.ffn_down.weight"), device)?;
                let feed_forward_w3 = ct.tensor(reader, &format!("{prefix}.ffn_up.weight"), device)?;
                Mlp {
                    feed_forward_w1: QLinear::from_qtensor(feed_forward_w1)?,
                    feed_forward_w2: QLinear::from_qtensor(feed_forward_w2)?,
                    feed_forward_w3: QLinear::from_qtensor(feed_forward_w3)?,
                }
            };

            let attention_norm = ct.tensor(reader, &format!("{prefix}.attn_norm.weight"), device)?;
            let ffn_norm = ct.tensor(reader, &format!("{prefix}.ffn_norm.weight"), device)?;

            layers.push(LayerWeights {
                attention_wq: QLinear::from_qtensor(attention_wq)?,
                attention_wk: QLinear::from_qtensor(attention_wk)?,
                attention_wv: QLinear::from_qtensor(attention_wv)?,
                attention_bq: attention_bq.dequantize(device)?,
                attention_bk: attention_bk.dequantize(device)?,
                attention_bv: attention_bv.dequantize(device)?,
                attention_wo: QLinear::from_qtensor(attention_wo)?,
                attention_norm: RmsNorm::from_qtensor(attention_norm, rms_norm_eps)?,
                cos: cos.clone(),
                sin: sin.clone(),
                mlp,
                ffn_norm: RmsNorm::from_qtensor(ffn_norm, rms_norm_eps)?,
                n_head: head_count,
                n_kv_head: head_count_kv,
                head_dim,
                neg_inf: neg_inf.clone(),
            });
        }

        let kv = vec![None; layers.len()];
        let weights = Weights { tok_embeddings: Embedding::new(tok_embeddings, embedding_length), layers, norm, output };
        Ok(Self { weights: Arc::new(weights), kv, masks: HashMap::new() })
    }

    /// Positions held in the KV cache.
    pub fn cached_len(&self) -> usize {
        self.kv.first().and_then(|c| c.as_ref()).map_or(0, |(k, _)| k.dim(2).unwrap_or(0))
    }

    /// Keep only the first `len` positions of the KV cache (drop rejected speculative tokens).
    pub fn truncate(&mut self, len: usize) -> Result<()> {
        for (k, v) in self.kv.iter_mut().flatten() {
            if k.dim(2)? > len {
                *k = k.narrow(2, 0, len)?;
                *v = v.narrow(2, 0, len)?;
            }
        }
        Ok(())
    }

    fn mask(&mut self, seq_len: usize, index_pos: usize, device: &Device) -> Result<Tensor> {
        let kv_len = index_pos + seq_len;
        if let Some(mask) = self.masks.get(&(seq_len, kv_len)) {
            Ok(mask.clone())
        } else {
            let mask = candle_transformers::utils::build_causal_mask(seq_len, index_pos, device)?;
            self.masks.insert((seq_len, kv_len), mask.clone());
            Ok(mask)
        }
    }

    pub fn forward(&mut self, x: &Tensor, index_pos: usize) -> Result<Tensor> {
        let (_b_sz, seq_len) = x.dims2()?;
        let mask = if seq_len == 1 { None } else { Some(self.mask(seq_len, index_pos, x.device())?) };
        let w = self.weights.clone();
        let mut layer_in = w.tok_embeddings.forward(x)?.to_dtype(DType::F32)?;
        for (layer, kv) in w.layers.iter().zip(self.kv.iter_mut()) {
            let x = layer_in;
            let residual = &x;
            let x = layer.attention_norm.forward(&x)?;
            let attn = layer.forward_attn(&x, mask.as_ref(), index_pos, kv)?;
            let attn = layer.attention_wo.forward(&attn)?;
            let x = (attn + residual)?;

            // MLP
            let residual = &x;
            let x = layer.ffn_norm.forward(&x)?;
            let x = layer.mlp.forward(&x)?;
            let x = (x + residual)?;
            layer_in = x
        }
        let x = w.norm.forward(&layer_in)?;
        let x = x.i((.., seq_len - 1, ..))?;
        w.output.forward(&x)
    }
}

/// New tokens of one sequence for [`forward_spans`]: its model (KV cache), the tokens, and
/// the position of the first (the cache must hold exactly the positions before it).
pub struct Span<'a> {
    pub model: &'a mut ModelWeights,
    pub tokens: &'a [u32],
    pub pos: usize,
}

/// Run the new tokens of several sequences in one pass: the projections stream the weights
/// once for all rows, attention runs per sequence against its own cache. Returns per span
/// the logits of each of its tokens, `(tokens, vocab)`, every row bit-identical to what
/// `forward` of that token alone at its position would give (see `QLinear::forward_rows`,
/// `LayerWeights::attend_rows`). All spans must come from the same loaded model.
pub fn forward_spans(spans: &mut [Span<'_>]) -> Result<Vec<Tensor>> {
    let Some(first) = spans.first() else { return Ok(vec![]) };
    let w = first.model.weights.clone();
    for s in spans.iter() {
        if !Arc::ptr_eq(&s.model.weights, &w) {
            candle_core::bail!("forward_spans: sequences of different models")
        }
        if s.tokens.is_empty() || s.model.cached_len() != s.pos {
            candle_core::bail!("forward_spans: {} tokens at {} after a cache of {}", s.tokens.len(), s.pos, s.model.cached_len())
        }
    }
    let ids: Vec<u32> = spans.iter().flat_map(|s| s.tokens.iter().copied()).collect();
    let device = w.tok_embeddings.embeddings().device().clone();
    let mut x = w.tok_embeddings.forward(&Tensor::new(ids.as_slice(), &device)?.unsqueeze(0)?)?.to_dtype(DType::F32)?;
    for (li, layer) in w.layers.iter().enumerate() {
        let residual = &x;
        let h = layer.attention_norm.forward(&x)?;
        let q = layer.attention_wq.forward_rows(&h)?.broadcast_add(&layer.attention_bq)?;
        let k = layer.attention_wk.forward_rows(&h)?.broadcast_add(&layer.attention_bk)?;
        let v = layer.attention_wv.forward_rows(&h)?.broadcast_add(&layer.attention_bv)?;
        let mut ys = Vec::with_capacity(spans.len());
        let mut off = 0;
        for s in spans.iter_mut() {
            let t = s.tokens.len();
            ys.push(layer.attend_rows(&q.narrow(1, off, t)?, &k.narrow(1, off, t)?, &v.narrow(1, off, t)?, s.pos, &mut s.model.kv[li])?);
            off += t;
        }
        let y = if ys.len() == 1 { ys.remove(0) } else { Tensor::cat(&ys, 1)? };
        let y = layer.attention_wo.forward_rows(&y)?;
        let x2 = (y + residual)?;
        let h = layer.ffn_norm.forward(&x2)?;
        let h = layer.mlp.forward_rows(&h)?;
        x = (h + &x2)?;
    }
    let x = w.norm.forward(&x)?;
    let logits = w.output.forward_rows(&x)?.squeeze(0)?;
    let mut out = Vec::with_capacity(spans.len());
    let mut off = 0;
    for s in spans.iter() {
        out.push(logits.narrow(0, off, s.tokens.len())?);
        off += s.tokens.len();
    }
    Ok(out)
}
