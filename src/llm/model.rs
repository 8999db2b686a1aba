//! A GGUF model loaded once and run through candle's quantized implementations.
//!
//! Each `complete` starts from the loaded weights with an empty KV cache, so calls are
//! independent and deterministic. When the prompt starts with a system message, its KV cache
//! is kept and reused by the next call with the same system message (qwen2, llama): put long
//! shared instructions there. Logits can differ in the last digits between a prompt read in
//! one piece and in two, so a run with prefix reuse may differ from one without; both are
//! deterministic.

use super::gguf::{self, Arch};
use super::template::ChatTemplate;
use super::tokenizer::Tokenizer;
use super::{ChatMessage, Completion, GenParams, Llm};
use anyhow::{anyhow, bail, Context, Result};
use candle_core::{Device, Tensor};
use candle_transformers::generation::{LogitsProcessor, Sampling};
use candle_transformers::models::{quantized_gemma3, quantized_llama, quantized_qwen3};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Clone)]
enum Weights {
    Qwen2(super::qwen2::ModelWeights),
    Qwen3(quantized_qwen3::ModelWeights),
    Gemma3(quantized_gemma3::ModelWeights),
    Llama(quantized_llama::ModelWeights),
}

impl Weights {
    fn forward(&mut self, x: &Tensor, pos: usize) -> candle_core::Result<Tensor> {
        match self {
            Weights::Qwen2(m) => m.forward(x, pos),
            Weights::Qwen3(m) => m.forward(x, pos),
            Weights::Gemma3(m) => m.forward(x, pos),
            Weights::Llama(m) => m.forward(x, pos),
        }
    }
}

/// A loaded GGUF chat model. Implements [`Llm`].
pub struct GgufLlm {
    path: PathBuf,
    arch: Arch,
    /// Weights with an empty KV cache; every call starts from a clone (tensors are shared,
    /// so the clone is cheap), which also resets models that have no cache reset (gemma3).
    model: Weights,
    tokenizer: Tokenizer,
    template: ChatTemplate,
    bos: Option<u32>,
    stop_ids: Vec<u32>,
    context_len: usize,
    device: Device,
    /// KV cache after the last system prefix: its tokens and the model state holding them.
    prefix: Option<(Vec<u32>, Weights)>,
    /// Reuse the system prefix's KV cache across calls (default: on for qwen2 and llama, where
    /// candle's models handle a prompt chunk that starts after a cached prefix).
    pub reuse_prefix: bool,
}

/// Load a GGUF model once. `tokenizer_json` overrides the tokenizer built from the GGUF
/// metadata. `threads` sets candle's CPU thread count (default: all cores); it only takes
/// effect if no candle computation ran before in this process.
pub fn load(gguf_path: &Path, tokenizer_json: Option<&Path>, threads: Option<usize>) -> Result<GgufLlm> {
    if let Some(n) = threads.filter(|n| *n > 0) {
        // candle sizes its worker pool once, from these variables, on first use.
        std::env::set_var("CANDLE_NUM_THREADS", n.to_string());
        std::env::set_var("RAYON_NUM_THREADS", n.to_string());
    }
    let (content, mut file, arch) = gguf::open(gguf_path)?;
    let tokenizer = match tokenizer_json {
        Some(p) => Tokenizer::from_file(p)?,
        None => Tokenizer::from_gguf(&content, gguf_path)?,
    };
    let template = ChatTemplate::detect(gguf::md_str(&content, "tokenizer.chat_template"), |t| tokenizer.token_id(t).is_some(), arch);
    let eos = gguf::md_u32(&content, "tokenizer.ggml.eos_token_id");
    let bos = gguf::md_u32(&content, "tokenizer.ggml.bos_token_id");
    let add_bos = gguf::md_bool(&content, "tokenizer.ggml.add_bos_token").unwrap_or(false);
    let mut stop_ids: Vec<u32> = eos.into_iter().collect();
    for t in ["<|im_end|>", "<end_of_turn>", "<|eot_id|>", "<|endoftext|>", "<|end_of_text|>", "<eos>"] {
        if let Some(id) = tokenizer.token_id(t) {
            if !stop_ids.contains(&id) {
                stop_ids.push(id);
            }
        }
    }
    let context_len = gguf::md_u32(&content, &format!("{}.context_length", arch.as_str())).unwrap_or(4096) as usize;

    let device = Device::Cpu;
    let fail = |e: candle_core::Error| anyhow!("{}: cannot load the {} model weights: {e}", gguf_path.display(), arch.as_str());
    let model = match arch {
        Arch::Qwen2 => Weights::Qwen2(super::qwen2::ModelWeights::from_gguf(content, &mut file, &device).map_err(fail)?),
        Arch::Qwen3 => Weights::Qwen3(quantized_qwen3::ModelWeights::from_gguf(content, &mut file, &device).map_err(fail)?),
        Arch::Gemma3 => Weights::Gemma3(quantized_gemma3::ModelWeights::from_gguf(content, &mut file, &device).map_err(fail)?),
        Arch::Llama => Weights::Llama(quantized_llama::ModelWeights::from_gguf(content, &mut file, &device).map_err(fail)?),
    };
    Ok(GgufLlm {
        path: gguf_path.to_path_buf(),
        arch,
        model,
        tokenizer,
        template,
        bos: if add_bos { bos } else { None },
        stop_ids,
        context_len,
        device,
        prefix: None,
        // qwen3's CPU cache is written in place, so a snapshot would be overwritten; candle's
        // gemma3 builds a wrong mask for a chunk that does not start at position 0.
        reuse_prefix: matches!(arch, Arch::Qwen2 | Arch::Llama),
    })
}

impl GgufLlm {
    pub fn arch(&self) -> Arch {
        self.arch
    }
    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }
    pub fn template(&self) -> &ChatTemplate {
        &self.template
    }
    pub fn context_len(&self) -> usize {
        self.context_len
    }

    /// The full prompt token ids for a chat turn, and the length of its system prefix in
    /// tokens (0 when it has none or it does not tokenize as a clean prefix).
    pub fn prompt_tokens(&self, messages: &[ChatMessage], prefill: &str) -> Result<(Vec<u32>, usize)> {
        let (text, sys_end) = self.template.render(messages, prefill);
        let mut ids: Vec<u32> = self.bos.into_iter().collect();
        ids.extend(self.tokenizer.encode(&text)?);
        let mut sys_len = 0;
        if sys_end > 0 {
            let mut sys: Vec<u32> = self.bos.into_iter().collect();
            sys.extend(self.tokenizer.encode(&text[..sys_end])?);
            if sys.len() < ids.len() && ids.starts_with(&sys) {
                sys_len = sys.len();
            }
        }
        Ok((ids, sys_len))
    }
}

/// Run `ids` at position `pos` and return the last position's logits.
fn forward(path: &Path, device: &Device, m: &mut Weights, ids: &[u32], pos: usize) -> Result<Tensor> {
    let input = Tensor::new(ids, device)?.unsqueeze(0)?;
    let logits = m.forward(&input, pos).with_context(|| format!("{}: forward pass failed", path.display()))?;
    Ok(logits.squeeze(0)?.to_dtype(candle_core::DType::F32)?)
}

impl Llm for GgufLlm {
    fn complete(&mut self, messages: &[ChatMessage], prefill: &str, params: &GenParams) -> Result<Completion> {
        let t0 = Instant::now();
        let (ids, sys_len) = self.prompt_tokens(messages, prefill)?;
        if ids.len() + params.max_tokens > self.context_len {
            bail!(
                "prompt of {} tokens plus {} new tokens exceeds the context of {} tokens of {}",
                ids.len(),
                params.max_tokens,
                self.context_len,
                self.path.display()
            );
        }
        // Start from the cached system prefix when this prompt begins with it.
        let reuse = self.reuse_prefix && sys_len > 0;
        let cached = match &self.prefix {
            Some((p, w)) if reuse && p.len() == sys_len && ids.starts_with(p) => Some(w.clone()),
            _ => None,
        };
        let mut owned;
        let (m, start): (&mut Weights, usize) = match cached {
            Some(w) => {
                owned = w;
                (&mut owned, sys_len)
            }
            None if reuse => {
                let mut w = self.model.clone();
                forward(&self.path, &self.device, &mut w, &ids[..sys_len], 0)?;
                self.prefix = Some((ids[..sys_len].to_vec(), w.clone()));
                owned = w;
                (&mut owned, sys_len)
            }
            // qwen3 keeps a preallocated in-place cache: reset it rather than clone it.
            None => match &mut self.model {
                Weights::Qwen3(q) => {
                    q.clear_kv_cache();
                    (&mut self.model, 0)
                }
                w => {
                    owned = w.clone();
                    (&mut owned, 0)
                }
            },
        };
        let mut logits = forward(&self.path, &self.device, m, &ids[start..], start)?;
        let prompt_secs = t0.elapsed().as_secs_f64();

        let t1 = Instant::now();
        let sampling = if params.temperature <= 0.0 { Sampling::ArgMax } else { Sampling::All { temperature: params.temperature } };
        let mut lp = LogitsProcessor::from_sampling(params.seed, sampling);
        let mut gen: Vec<u32> = Vec::new();
        let mut text = String::new();
        let mut pos = ids.len();
        while gen.len() < params.max_tokens {
            // Ctrl-C: stop between tokens; the caller writes nothing.
            if crate::progress::interrupted() {
                anyhow::bail!("interrupted: nothing was written");
            }
            let next = lp.sample(&logits)?;
            if self.stop_ids.contains(&next) {
                break;
            }
            gen.push(next);
            text = self.tokenizer.decode(&gen)?;
            if let Some(cut) = params.stop.iter().filter(|s| !s.is_empty()).filter_map(|s| text.find(s.as_str())).min() {
                text.truncate(cut);
                break;
            }
            if gen.len() >= params.max_tokens {
                break;
            }
            logits = forward(&self.path, &self.device, m, &[next], pos)?;
            pos += 1;
        }
        // A cut inside a multi-byte character decodes to U+FFFD: drop the partial character.
        while text.ends_with('\u{FFFD}') {
            text.pop();
        }
        Ok(Completion { text, prompt_tokens: ids.len(), generated_tokens: gen.len(), prompt_secs, gen_secs: t1.elapsed().as_secs_f64() })
    }

    fn name(&self) -> String {
        // In the model store every file is `<model-id>/model.gguf`: the folder is the identity.
        let file = self.path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        match self.path.parent().and_then(|p| p.file_name()) {
            Some(dir) if file == "model.gguf" => format!("{}/{file}", dir.to_string_lossy()),
            _ => file,
        }
    }
}
