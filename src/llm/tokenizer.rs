//! Tokenizers for GGUF models. A given `tokenizer.json` wins; otherwise the tokenizer is built
//! from the GGUF metadata (`tokenizer.ggml.*`): byte-level BPE (`gpt2`: Qwen, SmolLM, Llama 3)
//! through candle's `TokenizerFromGguf`, SentencePiece (`llama`: Gemma) by our own merge loop
//! over the vocabulary scores, as llama.cpp does.

use anyhow::{anyhow, bail, Context, Result};
use candle_core::quantized::gguf_file::{Content, Value};
use candle_core::quantized::tokenizer::TokenizerFromGguf;
use std::collections::{BinaryHeap, HashMap};
use std::path::Path;

pub enum Tokenizer {
    Hf(Box<tokenizers::Tokenizer>),
    Spm(Box<Spm>),
}

impl Tokenizer {
    pub fn from_file(path: &Path) -> Result<Tokenizer> {
        let t = tokenizers::Tokenizer::from_file(path)
            .map_err(|e| anyhow!("cannot read tokenizer {}: {e}; expected a Hugging Face tokenizer.json", path.display()))?;
        Ok(Tokenizer::Hf(Box::new(t)))
    }

    pub fn from_gguf(ct: &Content, path: &Path) -> Result<Tokenizer> {
        let kind = super::gguf::md_str(ct, "tokenizer.ggml.model").unwrap_or("");
        match kind {
            "gpt2" => {
                let mut t = tokenizers::Tokenizer::from_gguf(ct).map_err(|e| {
                    anyhow!("{}: cannot build the tokenizer from the GGUF metadata ({e}); pass --tokenizer tokenizer.json", path.display())
                })?;
                // candle maps `smollm` to plain GPT-2 byte level; SmolLM's tokenizer.json also
                // splits digits one by one, which changes ids of numbers.
                if super::gguf::md_str(ct, "tokenizer.ggml.pre") == Some("smollm") {
                    use tokenizers::pre_tokenizers::{byte_level::ByteLevel, digits::Digits, sequence::Sequence};
                    let seq = Sequence::new(vec![Digits::new(true).into(), ByteLevel::new(false, true, true).into()]);
                    t.with_pre_tokenizer(Some(seq));
                }
                Ok(Tokenizer::Hf(Box::new(t)))
            }
            "llama" => Ok(Tokenizer::Spm(Box::new(Spm::from_gguf(ct).with_context(|| {
                format!(
                    "{}: cannot build the SentencePiece tokenizer from the GGUF metadata; pass --tokenizer tokenizer.json",
                    path.display()
                )
            })?))),
            "" => bail!("{}: no tokenizer in the GGUF metadata; pass --tokenizer tokenizer.json", path.display()),
            other => bail!(
                "{}: tokenizer type `{other}` in the GGUF metadata is not supported (gpt2 and llama are); pass --tokenizer tokenizer.json",
                path.display()
            ),
        }
    }

    /// Token ids of `text`; special tokens written in the text (`<|im_start|>`) become their
    /// ids. No BOS is added.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
        match self {
            Tokenizer::Hf(t) => Ok(t.encode(text, false).map_err(|e| anyhow!("tokenizer: {e}"))?.get_ids().to_vec()),
            Tokenizer::Spm(s) => Ok(s.encode(text)),
        }
    }

    /// Text of `ids`, special tokens left out.
    pub fn decode(&self, ids: &[u32]) -> Result<String> {
        match self {
            Tokenizer::Hf(t) => t.decode(ids, true).map_err(|e| anyhow!("tokenizer: {e}")),
            Tokenizer::Spm(s) => Ok(s.decode(ids)),
        }
    }

    /// Id of a single token given by its text, if the vocabulary has it.
    pub fn token_id(&self, tok: &str) -> Option<u32> {
        match self {
            Tokenizer::Hf(t) => t.token_to_id(tok),
            Tokenizer::Spm(s) => s.ids.get(tok).copied(),
        }
    }
}

const TYPE_NORMAL: u32 = 1;
const TYPE_CONTROL: u32 = 3;
const TYPE_USER_DEFINED: u32 = 4;
const TYPE_BYTE: u32 = 6;

/// SentencePiece-style BPE: start from characters, repeatedly merge the adjacent pair whose
/// concatenation is the vocabulary piece with the highest score; unknown pieces fall back to
/// `<0xNN>` byte tokens. Spaces are written as `▁`.
pub struct Spm {
    pieces: Vec<String>,
    types: Vec<u32>,
    ids: HashMap<String, u32>,
    scores: Vec<f32>,
    byte_ids: [u32; 256],
    unk: u32,
    add_space_prefix: bool,
    /// Control and user-defined tokens matched literally in the text, longest first.
    specials: Vec<(String, u32)>,
}

fn strings(v: &Value, key: &str) -> Result<Vec<String>> {
    v.to_vec().map_err(|e| anyhow!("{key}: {e}"))?.iter().map(|x| x.to_string().cloned().map_err(|e| anyhow!("{key}: {e}"))).collect()
}

impl Spm {
    pub fn from_gguf(ct: &Content) -> Result<Spm> {
        let get = |k: &str| ct.metadata.get(k).ok_or_else(|| anyhow!("missing GGUF metadata `{k}`"));
        let pieces = strings(get("tokenizer.ggml.tokens")?, "tokenizer.ggml.tokens")?;
        let scores: Vec<f32> = get("tokenizer.ggml.scores")?
            .to_vec()
            .map_err(|e| anyhow!("tokenizer.ggml.scores: {e}"))?
            .iter()
            .map(|x| x.to_f32().unwrap_or(0.0))
            .collect();
        let types: Vec<u32> = match ct.metadata.get("tokenizer.ggml.token_type") {
            Some(v) => v
                .to_vec()
                .map_err(|e| anyhow!("tokenizer.ggml.token_type: {e}"))?
                .iter()
                .map(|x| x.to_i32().map(|t| t as u32).or_else(|_| x.to_u32()).unwrap_or(TYPE_NORMAL))
                .collect(),
            None => vec![TYPE_NORMAL; pieces.len()],
        };
        if scores.len() != pieces.len() || types.len() != pieces.len() {
            bail!("tokenizer.ggml.tokens/scores/token_type lengths differ");
        }
        let mut ids = HashMap::with_capacity(pieces.len());
        for (i, p) in pieces.iter().enumerate() {
            ids.entry(p.clone()).or_insert(i as u32);
        }
        let unk = super::gguf::md_u32(ct, "tokenizer.ggml.unknown_token_id").unwrap_or(0);
        let mut byte_ids = [unk; 256];
        for (b, slot) in byte_ids.iter_mut().enumerate() {
            if let Some(&id) = ids.get(&format!("<0x{b:02X}>")) {
                *slot = id;
            }
        }
        let mut specials: Vec<(String, u32)> = pieces
            .iter()
            .enumerate()
            .filter(|(i, p)| matches!(types[*i], TYPE_CONTROL | TYPE_USER_DEFINED) && !p.is_empty())
            .map(|(i, p)| (p.clone(), i as u32))
            .collect();
        specials.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.1.cmp(&b.1)));
        let add_space_prefix = super::gguf::md_bool(ct, "tokenizer.ggml.add_space_prefix").unwrap_or(false);
        Ok(Spm { pieces, types, ids, scores, byte_ids, unk, add_space_prefix, specials })
    }

    pub fn encode(&self, text: &str) -> Vec<u32> {
        let mut out = Vec::new();
        let mut rest = text;
        let mut first = true;
        while !rest.is_empty() {
            // Next special token occurrence (earliest start; longest at that start).
            let mut best: Option<(usize, &str, u32)> = None;
            for (s, id) in &self.specials {
                if let Some(pos) = rest.find(s.as_str()) {
                    if best.is_none_or(|(bp, bs, _)| pos < bp || (pos == bp && s.len() > bs.len())) {
                        best = Some((pos, s.as_str(), *id));
                    }
                }
            }
            let (plain, special) = match best {
                Some((pos, s, id)) => (&rest[..pos], Some((s, id))),
                None => (rest, None),
            };
            if !plain.is_empty() {
                self.encode_plain(plain, first && self.add_space_prefix, &mut out);
            }
            first = false;
            match special {
                Some((s, id)) => {
                    out.push(id);
                    rest = &rest[plain.len() + s.len()..];
                }
                None => break,
            }
        }
        out
    }

    fn encode_plain(&self, text: &str, space_prefix: bool, out: &mut Vec<u32>) {
        let mut norm = String::with_capacity(text.len() + 3);
        if space_prefix {
            norm.push('▁');
        }
        for c in text.chars() {
            norm.push(if c == ' ' { '▁' } else { c });
        }
        // Symbols as byte ranges into `norm`, in a linked list so merges are O(1).
        struct Sym {
            start: usize,
            len: usize,
            prev: Option<usize>,
            next: Option<usize>,
        }
        let mut syms: Vec<Sym> = Vec::new();
        for (i, (pos, c)) in norm.char_indices().enumerate() {
            syms.push(Sym { start: pos, len: c.len_utf8(), prev: i.checked_sub(1), next: None });
            if i > 0 {
                syms[i - 1].next = Some(i);
            }
        }
        // Heap of candidate merges: (score, earlier position first, left, right, merged length).
        #[derive(PartialEq)]
        struct Cand(f32, std::cmp::Reverse<usize>, usize, usize, usize);
        impl Eq for Cand {}
        impl PartialOrd for Cand {
            fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(o))
            }
        }
        impl Ord for Cand {
            fn cmp(&self, o: &Self) -> std::cmp::Ordering {
                self.0.total_cmp(&o.0).then(self.1.cmp(&o.1))
            }
        }
        let mut heap = BinaryHeap::new();
        let try_add = |heap: &mut BinaryHeap<Cand>, syms: &[Sym], l: usize, r: usize| {
            let s = syms[l].start;
            let len = syms[l].len + syms[r].len;
            if let Some(&id) = self.ids.get(&norm[s..s + len]) {
                if self.types[id as usize] == TYPE_NORMAL || self.types[id as usize] == TYPE_USER_DEFINED {
                    heap.push(Cand(self.scores[id as usize], std::cmp::Reverse(s), l, r, len));
                }
            }
        };
        for i in 1..syms.len() {
            try_add(&mut heap, &syms, i - 1, i);
        }
        while let Some(Cand(_, _, l, r, len)) = heap.pop() {
            // Stale candidate: one side was merged away or grown since.
            if syms[l].len == 0 || syms[r].len == 0 || syms[l].len + syms[r].len != len || syms[l].next != Some(r) {
                continue;
            }
            syms[l].len = len;
            syms[r].len = 0;
            syms[l].next = syms[r].next;
            if let Some(n) = syms[r].next {
                syms[n].prev = Some(l);
            }
            if let Some(p) = syms[l].prev {
                try_add(&mut heap, &syms, p, l);
            }
            if let Some(n) = syms[l].next {
                try_add(&mut heap, &syms, l, n);
            }
        }
        let mut i = if syms.is_empty() { None } else { Some(0) };
        while let Some(k) = i {
            let piece = &norm[syms[k].start..syms[k].start + syms[k].len];
            match self.ids.get(piece) {
                Some(&id) => out.push(id),
                None => out.extend(piece.bytes().map(|b| self.byte_ids[b as usize])),
            }
            i = syms[k].next;
        }
        let _ = self.unk;
    }

    pub fn decode(&self, ids: &[u32]) -> String {
        let mut bytes = Vec::new();
        for &id in ids {
            let Some(p) = self.pieces.get(id as usize) else { continue };
            match self.types[id as usize] {
                TYPE_CONTROL => {}
                TYPE_BYTE => {
                    if let Some(b) = p.strip_prefix("<0x").and_then(|h| h.strip_suffix('>')).and_then(|h| u8::from_str_radix(h, 16).ok()) {
                        bytes.push(b);
                    }
                }
                _ => bytes.extend(p.replace('▁', " ").bytes()),
            }
        }
        let s = String::from_utf8_lossy(&bytes).into_owned();
        match (self.add_space_prefix, s.strip_prefix(' ')) {
            (true, Some(t)) => t.to_string(),
            _ => s,
        }
    }
}
