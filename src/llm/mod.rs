//! Local language models behind a narrow seam. The rest of the code sees only [`Llm`]:
//! prompts and drafting logic do not care which model family runs.

use anyhow::Result;

pub mod gguf;
mod model;
mod qwen2;
pub mod template;
pub mod tokenizer;

pub use model::{load, GgufLlm};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    System,
    User,
    Assistant,
}

#[derive(Debug, Clone)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
}

impl ChatMessage {
    pub fn system(s: impl Into<String>) -> Self {
        ChatMessage { role: Role::System, content: s.into() }
    }
    pub fn user(s: impl Into<String>) -> Self {
        ChatMessage { role: Role::User, content: s.into() }
    }
}

#[derive(Debug, Clone)]
pub struct GenParams {
    /// Hard cap on generated tokens.
    pub max_tokens: usize,
    /// 0.0 = greedy.
    pub temperature: f64,
    pub seed: u64,
    /// Extra stop strings besides the model's own end-of-turn tokens (e.g. "\n").
    pub stop: Vec<String>,
}

impl Default for GenParams {
    fn default() -> Self {
        GenParams { max_tokens: 96, temperature: 0.0, seed: 42, stop: vec![] }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Completion {
    /// Generated text, without the prefill and without stop tokens.
    pub text: String,
    pub prompt_tokens: usize,
    pub generated_tokens: usize,
    pub prompt_secs: f64,
    pub gen_secs: f64,
}

pub trait Llm {
    /// Run one chat turn. `prefill` is put at the start of the assistant's answer
    /// (a skeleton the model continues); it is not repeated in the result.
    fn complete(&mut self, messages: &[ChatMessage], prefill: &str, params: &GenParams) -> Result<Completion>;
    /// Short identity for artifacts and logs (model file name).
    fn name(&self) -> String;
}

/// No language model: every task returns nothing, so drafting keeps the rules and the
/// speakers' own words (`--rules-only`: fast, and a baseline for what the model adds).
pub struct RulesOnly;

impl Llm for RulesOnly {
    fn complete(&mut self, _: &[ChatMessage], _: &str, _: &GenParams) -> Result<Completion> {
        Ok(Completion::default())
    }
    fn name(&self) -> String {
        "rules-only".into()
    }
}
