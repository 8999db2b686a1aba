//! A GGUF model loaded once and run through candle's quantized implementations.
//!
//! Each `complete` starts from the loaded weights with an empty KV cache, so calls are
//! independent and deterministic. When the prompt starts with a system message, its KV cache
//! is kept and reused by the next call with the same system message (qwen2, llama): put long
//! shared instructions there. Logits can differ in the last digits between a prompt read in
//! one piece and in two, so a run with prefix reuse may differ from one without; both are
//! deterministic.
//!
//! qwen2 decodes through `qwen2::forward_spans`, whose rows are bit-identical to one-token
//! steps; so `complete_batch` (several requests decoded together) and speculative decoding
//! (tokens proposed from the prompt, verified in one pass) give exactly the text `complete`
//! gives for each request alone.

use super::gguf::{self, Arch};
use super::template::ChatTemplate;
use super::tokenizer::Tokenizer;
use super::{qwen2, ChatMessage, Completion, GenParams, Llm, Request};
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
    /// qwen2: requests of one `complete_batch` decoded together (1: one after the other).
    pub batch_size: usize,
    /// qwen2, greedy requests: most tokens proposed per step by prompt lookup (0: off).
    pub lookahead: usize,
}

/// Default of [`GgufLlm::batch_size`] (`bench_llm --tasks N --configs B:L,...` compares).
pub const DEFAULT_BATCH: usize = 4;
/// Default of [`GgufLlm::lookahead`] (`bench_llm --tasks N --configs B:L,...` compares).
pub const DEFAULT_LOOKAHEAD: usize = 6;

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
        batch_size: DEFAULT_BATCH,
        lookahead: DEFAULT_LOOKAHEAD,
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

    fn check_context(&self, ids: &[u32], params: &GenParams) -> Result<()> {
        if ids.len() + params.max_tokens > self.context_len {
            bail!(
                "prompt of {} tokens plus {} new tokens exceeds the context of {} tokens of {}",
                ids.len(),
                params.max_tokens,
                self.context_len,
                self.path.display()
            );
        }
        Ok(())
    }

    /// The model state a prompt continues from, and the position from which the prompt must
    /// still be read: a clone holding the cached system prefix when the prompt starts with it
    /// (reading and keeping the prefix first if it is new), else a clone with an empty cache;
    /// `None`: run on `self.model` in place (qwen3 keeps a preallocated in-place cache: reset
    /// it rather than clone it).
    fn start_state(&mut self, ids: &[u32], sys_len: usize) -> Result<(Option<Weights>, usize)> {
        if self.reuse_prefix && sys_len > 0 {
            if let Some((p, w)) = &self.prefix {
                if p.len() == sys_len && ids.starts_with(p) {
                    return Ok((Some(w.clone()), sys_len));
                }
            }
            let mut w = self.model.clone();
            forward(&self.path, &self.device, &mut w, &ids[..sys_len], 0)?;
            self.prefix = Some((ids[..sys_len].to_vec(), w.clone()));
            return Ok((Some(w), sys_len));
        }
        match &mut self.model {
            Weights::Qwen3(q) => {
                q.clear_kv_cache();
                Ok((None, 0))
            }
            w => Ok((Some(w.clone()), 0)),
        }
    }

    /// Read a qwen2 request's prompt and take its first token.
    fn start(&mut self, idx: usize, req: &Request) -> Result<Seq> {
        let t0 = Instant::now();
        let (ids, sys_len) = self.prompt_tokens(&req.messages, &req.prefill)?;
        self.check_context(&ids, &req.params)?;
        let (state, start) = self.start_state(&ids, sys_len)?;
        let Some(mut w) = state else { bail!("{}: no batched decoding for {}", self.path.display(), self.arch.as_str()) };
        let logits = forward(&self.path, &self.device, &mut w, &ids[start..], start)?;
        let Weights::Qwen2(model) = w else { bail!("{}: no batched decoding for {}", self.path.display(), self.arch.as_str()) };
        let prompt_secs = t0.elapsed().as_secs_f64();
        let t1 = Instant::now();
        let params = &req.params;
        let mut lp = LogitsProcessor::from_sampling(params.seed, sampling(params));
        let mut out = Output::new(params);
        let mut next = 0;
        if !out.done {
            next = lp.sample(&logits)?;
            out.push(next, &self.stop_ids, &self.tokenizer, params)?;
        }
        let pos = ids.len();
        let greedy = params.temperature <= 0.0;
        Ok(Seq {
            idx,
            model,
            prompt: ids,
            out,
            lp,
            next,
            pos,
            greedy,
            lookahead: self.lookahead,
            prompt_secs,
            gen_secs: t1.elapsed().as_secs_f64(),
            drafted: 0,
            accepted: 0,
        })
    }

    /// One decode step for every active sequence: each feeds its last token and the tokens
    /// proposed from its prompt, all rows in one pass; each takes the tokens the model agrees
    /// with, then the model's own next one.
    fn step(&self, active: &mut [Seq], params: &[&GenParams]) -> Result<()> {
        let t = Instant::now();
        let inputs: Vec<Vec<u32>> = active
            .iter()
            .zip(params)
            .map(|(s, p)| {
                // A step yields at most drafts + 1 tokens: propose none beyond max_tokens.
                let room = p.max_tokens.saturating_sub(s.out.gen.len() + 1);
                let k = if s.greedy { s.lookahead.min(self.lookahead).min(room) } else { 0 };
                let mut toks = vec![s.next];
                if k > 0 {
                    toks.extend(lookup(&s.prompt, &s.out.gen, k));
                }
                toks
            })
            .collect();
        let mut spans: Vec<qwen2::Span> =
            active.iter_mut().zip(&inputs).map(|(s, toks)| qwen2::Span { model: &mut s.model, tokens: toks, pos: s.pos }).collect();
        let logits = qwen2::forward_spans(&mut spans).with_context(|| format!("{}: forward pass failed", self.path.display()))?;
        drop(spans);
        for ((s, (rows, toks)), p) in active.iter_mut().zip(logits.iter().zip(&inputs)).zip(params) {
            let draft = &toks[1..];
            let mut j = 0;
            loop {
                let tok = s.lp.sample(&rows.get(j)?)?;
                if !s.out.push(tok, &self.stop_ids, &self.tokenizer, p)? {
                    break;
                }
                if j < draft.len() && tok == draft[j] {
                    j += 1;
                    continue;
                }
                s.next = tok;
                break;
            }
            s.drafted += draft.len();
            s.accepted += j;
            // Every rejected proposal is a wasted row: propose one more than was taken last
            // time, two more after a full match.
            if !draft.is_empty() {
                s.lookahead = if j == draft.len() { j + 2 } else { j + 1 };
            }
            // Valid in the cache: the fed token and the j accepted ones.
            s.pos += j + 1;
            if !s.out.done {
                s.model.truncate(s.pos)?;
            }
        }
        let share = t.elapsed().as_secs_f64() / active.len() as f64;
        for s in active.iter_mut() {
            s.gen_secs += share;
        }
        Ok(())
    }

    fn complete_qwen2(&mut self, requests: &[Request]) -> Result<Vec<Completion>> {
        let mut results: Vec<Option<Completion>> = vec![None; requests.len()];
        let mut pending = 0;
        let mut active: Vec<Seq> = Vec::new();
        while pending < requests.len() || !active.is_empty() {
            // Keep batch_size sequences decoding: a finished one's place goes to the next request.
            while active.len() < self.batch_size.max(1) && pending < requests.len() {
                let s = self.start(pending, &requests[pending])?;
                pending += 1;
                if s.out.done {
                    let i = s.idx;
                    results[i] = Some(s.finish());
                } else {
                    active.push(s);
                }
            }
            if active.is_empty() {
                continue;
            }
            // Ctrl-C: stop between tokens; the caller writes nothing.
            if crate::progress::interrupted() {
                anyhow::bail!("interrupted: nothing was written");
            }
            let params: Vec<&GenParams> = active.iter().map(|s| &requests[s.idx].params).collect();
            self.step(&mut active, &params)?;
            let (done, rest): (Vec<Seq>, Vec<Seq>) = active.into_iter().partition(|s| s.out.done);
            active = rest;
            for s in done {
                let i = s.idx;
                results[i] = Some(s.finish());
            }
        }
        Ok(results.into_iter().map(|c| c.unwrap_or_default()).collect())
    }

    /// The reference decode loop: one forward pass per token, no batching, no speculation
    /// (what `complete` ran before batched decoding; every architecture). For qwen2,
    /// `complete` and `complete_batch` give exactly its text (tests/llm.rs).
    pub fn complete_stepwise(&mut self, messages: &[ChatMessage], prefill: &str, params: &GenParams) -> Result<Completion> {
        let t0 = Instant::now();
        let (ids, sys_len) = self.prompt_tokens(messages, prefill)?;
        self.check_context(&ids, params)?;
        let (mut owned, start) = self.start_state(&ids, sys_len)?;
        let m = match owned.as_mut() {
            Some(w) => w,
            None => &mut self.model,
        };
        let mut logits = forward(&self.path, &self.device, m, &ids[start..], start)?;
        let prompt_secs = t0.elapsed().as_secs_f64();

        let t1 = Instant::now();
        let mut lp = LogitsProcessor::from_sampling(params.seed, sampling(params));
        let mut out = Output::new(params);
        let mut pos = ids.len();
        while !out.done {
            // Ctrl-C: stop between tokens; the caller writes nothing.
            if crate::progress::interrupted() {
                anyhow::bail!("interrupted: nothing was written");
            }
            let next = lp.sample(&logits)?;
            if out.push(next, &self.stop_ids, &self.tokenizer, params)? {
                logits = forward(&self.path, &self.device, m, &[next], pos)?;
                pos += 1;
            }
        }
        let generated_tokens = out.gen.len();
        Ok(Completion {
            text: out.into_text(),
            prompt_tokens: ids.len(),
            generated_tokens,
            prompt_secs,
            gen_secs: t1.elapsed().as_secs_f64(),
            ..Completion::default()
        })
    }
}

/// Run `ids` at position `pos` and return the last position's logits.
fn forward(path: &Path, device: &Device, m: &mut Weights, ids: &[u32], pos: usize) -> Result<Tensor> {
    let input = Tensor::new(ids, device)?.unsqueeze(0)?;
    let logits = m.forward(&input, pos).with_context(|| format!("{}: forward pass failed", path.display()))?;
    Ok(logits.squeeze(0)?.to_dtype(candle_core::DType::F32)?)
}

fn sampling(params: &GenParams) -> Sampling {
    if params.temperature <= 0.0 {
        Sampling::ArgMax
    } else {
        Sampling::All { temperature: params.temperature }
    }
}

/// A request's answer so far, with its stop rules applied token by token.
struct Output {
    gen: Vec<u32>,
    text: String,
    done: bool,
}

impl Output {
    fn new(params: &GenParams) -> Self {
        Output { gen: Vec::new(), text: String::new(), done: params.max_tokens == 0 }
    }

    /// Take the next token; false once the answer is complete (end-of-turn token, a stop
    /// string, or max_tokens).
    fn push(&mut self, next: u32, stop_ids: &[u32], tokenizer: &Tokenizer, params: &GenParams) -> Result<bool> {
        if stop_ids.contains(&next) {
            self.done = true;
            return Ok(false);
        }
        self.gen.push(next);
        self.text = tokenizer.decode(&self.gen)?;
        if let Some(cut) = params.stop.iter().filter(|s| !s.is_empty()).filter_map(|s| self.text.find(s.as_str())).min() {
            self.text.truncate(cut);
            self.done = true;
        }
        if self.gen.len() >= params.max_tokens {
            self.done = true;
        }
        Ok(!self.done)
    }

    fn into_text(mut self) -> String {
        // A cut inside a multi-byte character decodes to U+FFFD: drop the partial character.
        while self.text.ends_with('\u{FFFD}') {
            self.text.pop();
        }
        self.text
    }
}

/// One qwen2 request being decoded by `complete_batch`.
struct Seq {
    idx: usize,
    model: qwen2::ModelWeights,
    prompt: Vec<u32>,
    out: Output,
    lp: LogitsProcessor,
    /// The last token taken, not yet run through the model.
    next: u32,
    /// Its position (the KV cache holds the positions before it).
    pos: usize,
    greedy: bool,
    /// Tokens to propose next step (adapts to how many were taken; at most `GgufLlm::lookahead`).
    lookahead: usize,
    prompt_secs: f64,
    gen_secs: f64,
    drafted: usize,
    accepted: usize,
}

impl Seq {
    fn finish(self) -> Completion {
        let (prompt_tokens, generated_tokens) = (self.prompt.len(), self.out.gen.len());
        Completion {
            text: self.out.into_text(),
            prompt_tokens,
            generated_tokens,
            prompt_secs: self.prompt_secs,
            gen_secs: self.gen_secs,
            drafted_tokens: self.drafted,
            accepted_tokens: self.accepted,
        }
    }
}

/// Longest n-gram first, down to this many tokens.
const NGRAM_MAX: usize = 3;
const NGRAM_MIN: usize = 1;

/// Prompt lookup: the up to `k` tokens that followed the latest earlier occurrence of the
/// answer's last n-gram in the prompt and the answer (a rewrite largely copies its source).
fn lookup(prompt: &[u32], gen: &[u32], k: usize) -> Vec<u32> {
    let ctx: Vec<u32> = prompt.iter().chain(gen).copied().collect();
    for n in (NGRAM_MIN..=NGRAM_MAX).rev() {
        if gen.len() < n || ctx.len() <= n {
            continue;
        }
        let pat = &ctx[ctx.len() - n..];
        if let Some(start) = (0..ctx.len() - n).rev().find(|&i| &ctx[i..i + n] == pat) {
            let from = start + n;
            return ctx[from..(from + k).min(ctx.len())].to_vec();
        }
    }
    Vec::new()
}

impl Llm for GgufLlm {
    fn complete(&mut self, messages: &[ChatMessage], prefill: &str, params: &GenParams) -> Result<Completion> {
        if matches!(self.model, Weights::Qwen2(_)) {
            let req = Request::new(messages.to_vec(), prefill, params.clone());
            return Ok(self.complete_qwen2(std::slice::from_ref(&req))?.remove(0));
        }
        self.complete_stepwise(messages, prefill, params)
    }

    fn complete_batch(&mut self, requests: &[Request]) -> Result<Vec<Completion>> {
        if matches!(self.model, Weights::Qwen2(_)) {
            return self.complete_qwen2(requests);
        }
        requests.iter().map(|r| self.complete_stepwise(&r.messages, &r.prefill, &r.params)).collect()
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
