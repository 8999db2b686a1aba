//! Helpers shared by the integration test crates (`mod common;`). Each crate uses a subset.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn sample(name: &str) -> PathBuf {
    root().join("samples/ehelse-2025-06").join(name)
}

/// The `referat` binary that cargo built for this test run.
pub fn referat() -> Command {
    Command::new(env!("CARGO_BIN_EXE_referat"))
}

/// A minimal valid GGUF v3 file of architecture `arch`: one metadata string and one small f32
/// tensor.
pub fn tiny_gguf(arch: &str) -> Vec<u8> {
    fn s(out: &mut Vec<u8>, x: &str) {
        out.extend((x.len() as u64).to_le_bytes());
        out.extend(x.as_bytes());
    }
    let mut b = b"GGUF".to_vec();
    b.extend(3u32.to_le_bytes());
    b.extend(1u64.to_le_bytes()); // tensors
    b.extend(1u64.to_le_bytes()); // metadata entries
    s(&mut b, "general.architecture");
    b.extend(8u32.to_le_bytes()); // string
    s(&mut b, arch);
    s(&mut b, "token_embd.weight");
    b.extend(1u32.to_le_bytes());
    b.extend(32u64.to_le_bytes());
    b.extend(0u32.to_le_bytes()); // F32
    b.extend(0u64.to_le_bytes());
    while !b.len().is_multiple_of(32) {
        b.push(0);
    }
    b.extend([0u8; 128]);
    b
}

/// Small deterministic generator (xorshift) so the fuzz tests need no extra crate.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    pub fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

/// A language model with scripted answers: `reply` gets the task (the user message) and gives
/// the answer, so the logic around the model (checks, fallbacks, register) is tested fast and
/// exactly. Every task it saw is kept in `seen`.
pub struct Scripted<F: FnMut(&str) -> String> {
    pub reply: F,
    pub seen: Vec<String>,
}

impl<F: FnMut(&str) -> String> Scripted<F> {
    pub fn new(reply: F) -> Self {
        Scripted { reply, seen: vec![] }
    }
}

impl<F: FnMut(&str) -> String> referat::llm::Llm for Scripted<F> {
    fn complete(
        &mut self,
        messages: &[referat::llm::ChatMessage],
        _prefill: &str,
        _params: &referat::llm::GenParams,
    ) -> anyhow::Result<referat::llm::Completion> {
        let task = messages.last().map(|m| m.content.clone()).unwrap_or_default();
        let text = (self.reply)(&task);
        self.seen.push(task);
        Ok(referat::llm::Completion { text, ..Default::default() })
    }
    fn name(&self) -> String {
        "scripted".into()
    }
}

/// The quoted turn of an innspill task (between « and »).
pub fn quoted_turn(task: &str) -> Option<&str> {
    let a = task.find('«')? + '«'.len_utf8();
    let b = task[a..].find('»')? + a;
    Some(&task[a..b])
}
