//! Opening and validating GGUF files before any model code touches them, so that a wrong,
//! truncated or unsupported file gives an error naming the file and what was expected.

use anyhow::{bail, Context, Result};
use candle_core::quantized::gguf_file::{Content, Value};
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Architectures with a quantized implementation wired in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    Qwen2,
    Qwen3,
    Gemma3,
    Llama,
}

pub const SUPPORTED: &str = "qwen2, qwen3, gemma3, llama";

impl Arch {
    pub fn parse(s: &str) -> Option<Arch> {
        match s {
            "qwen2" => Some(Arch::Qwen2),
            "qwen3" => Some(Arch::Qwen3),
            "gemma3" => Some(Arch::Gemma3),
            "llama" => Some(Arch::Llama),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Arch::Qwen2 => "qwen2",
            Arch::Qwen3 => "qwen3",
            Arch::Gemma3 => "gemma3",
            Arch::Llama => "llama",
        }
    }
}

/// Read and check the header of a GGUF language model: magic, metadata, architecture, and
/// that every tensor lies inside the file. Returns the parsed header and the open file.
pub fn open(path: &Path) -> Result<(Content, File, Arch)> {
    let expected = format!("a GGUF language model (architecture {SUPPORTED})");
    let mut file = File::open(path).with_context(|| {
        format!(
            "cannot open model file {}: expected {expected}; install one with `referat models install` or pass the path of a .gguf file",
            path.display()
        )
    })?;
    let file_len = file.metadata().with_context(|| format!("cannot read {}", path.display()))?.len();
    let mut magic = [0u8; 4];
    if file_len < 4 || file.read_exact(&mut magic).is_err() {
        bail!("{} is not a GGUF file (only {file_len} bytes): expected {expected}", path.display());
    }
    if &magic != b"GGUF" {
        let hint = match &magic {
            b"lmgg" | b"ggml" | b"ggjt" | b"ggmf" => " (this looks like a whisper.cpp/old ggml file, not a GGUF language model)",
            _ => "",
        };
        bail!(
            "{} is not a GGUF file: magic {:?} where \"GGUF\" was expected{hint}; expected {expected}",
            path.display(),
            String::from_utf8_lossy(&magic)
        );
    }
    use std::io::Seek;
    file.rewind()?;
    let content = Content::read(&mut file).map_err(|e| {
        anyhow::anyhow!(
            "{} has a damaged or truncated GGUF header ({e}); expected {expected}: re-download or reinstall the model",
            path.display()
        )
    })?;

    // Tensor data beyond the end of the file means an interrupted download or copy.
    let mut needed = content.tensor_data_offset;
    for (name, info) in &content.tensor_infos {
        let block = info.ggml_dtype.block_size();
        let elems = info.shape.elem_count();
        let bytes = (elems / block.max(1)) as u64 * info.ggml_dtype.type_size() as u64;
        let end = content.tensor_data_offset.saturating_add(info.offset).saturating_add(bytes);
        if end > file_len {
            bail!(
                "{} is truncated: tensor `{name}` ends at byte {end} but the file has {file_len} bytes; re-download or reinstall the model (`referat models verify`)",
                path.display()
            );
        }
        needed = needed.max(end);
    }
    if content.tensor_infos.is_empty() {
        bail!("{} holds no tensors: expected {expected}", path.display());
    }

    let arch_name = match content.metadata.get("general.architecture") {
        Some(Value::String(s)) => s.clone(),
        _ => bail!("{} has no `general.architecture` in its metadata: expected {expected}", path.display()),
    };
    let Some(arch) = Arch::parse(&arch_name) else {
        bail!(
            "{}: unsupported model architecture `{arch_name}`; supported are {SUPPORTED}: give a GGUF of one of these with --llm-model, or leave it out to use the installed default",
            path.display()
        );
    };
    Ok((content, file, arch))
}

pub fn md_str<'a>(ct: &'a Content, key: &str) -> Option<&'a str> {
    match ct.metadata.get(key) {
        Some(Value::String(s)) => Some(s.as_str()),
        _ => None,
    }
}

pub fn md_u32(ct: &Content, key: &str) -> Option<u32> {
    ct.metadata
        .get(key)
        .and_then(|v| v.to_u32().ok().or_else(|| v.to_i32().ok().map(|x| x as u32)).or_else(|| v.to_u64().ok().map(|x| x as u32)))
}

pub fn md_bool(ct: &Content, key: &str) -> Option<bool> {
    ct.metadata.get(key).and_then(|v| v.to_bool().ok())
}
