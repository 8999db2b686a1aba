//! Local language models behind a narrow seam. The rest of the code sees only [`Llm`]:
//! prompts and drafting logic do not care which model family runs.

use anyhow::Result;

pub mod gguf;
mod model;
mod qwen2;
pub mod rows;
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
    /// Time spent generating. In a batch, this request's share of the batch's decode time
    /// (so that the shares add up to the wall time).
    pub gen_secs: f64,
    /// Speculative decoding: tokens proposed from the prompt, and how many the model agreed with.
    pub drafted_tokens: usize,
    pub accepted_tokens: usize,
}

/// One chat turn for [`Llm::complete_batch`]: the same three things [`Llm::complete`] takes.
#[derive(Debug, Clone)]
pub struct Request {
    pub messages: Vec<ChatMessage>,
    pub prefill: String,
    pub params: GenParams,
}

impl Request {
    pub fn new(messages: Vec<ChatMessage>, prefill: impl Into<String>, params: GenParams) -> Self {
        Request { messages, prefill: prefill.into(), params }
    }
}

pub trait Llm {
    /// Run one chat turn. `prefill` is put at the start of the assistant's answer
    /// (a skeleton the model continues); it is not repeated in the result.
    fn complete(&mut self, messages: &[ChatMessage], prefill: &str, params: &GenParams) -> Result<Completion>;
    /// Run several independent chat turns; the results come in the order of `requests`, each
    /// with the same text `complete` gives for that request alone. A model may run them
    /// together (the GGUF qwen2 model decodes them as one batch); by default they run one
    /// after the other.
    fn complete_batch(&mut self, requests: &[Request]) -> Result<Vec<Completion>> {
        requests.iter().map(|r| self.complete(&r.messages, &r.prefill, &r.params)).collect()
    }
    /// Short identity for artifacts and logs (model file name).
    fn name(&self) -> String;
    /// Whether the answers were computed ahead ([`Prefetched`]): their time was spent before
    /// they are asked for, and the caller counts it where they are used.
    fn answers_ahead(&self) -> bool {
        false
    }
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

/// Records every request and answers none, as [`RulesOnly`] does: the first pass of
/// [`crate::draft::draft_prefetched`], which collects the tasks of a whole meeting (drafting
/// asks for the same tasks whatever the answers are).
#[derive(Default)]
pub struct Recorder {
    pub requests: Vec<Request>,
}

impl Llm for Recorder {
    fn complete(&mut self, messages: &[ChatMessage], prefill: &str, params: &GenParams) -> Result<Completion> {
        self.requests.push(Request::new(messages.to_vec(), prefill, params.clone()));
        Ok(Completion::default())
    }
    fn name(&self) -> String {
        "recorder".into()
    }
}

/// A model with answers computed ahead: a request asked again (the same messages, prefill and
/// parameters) gets the answer the model gave it; any other goes to the model.
pub struct Prefetched<'a> {
    llm: &'a mut dyn Llm,
    answers: std::collections::HashMap<String, Completion>,
}

impl<'a> Prefetched<'a> {
    pub fn new(llm: &'a mut dyn Llm) -> Self {
        Prefetched { llm, answers: Default::default() }
    }

    /// Requests it has no answer for, each once, in order.
    pub fn unanswered(&self, requests: Vec<Request>) -> Vec<Request> {
        let mut seen = std::collections::HashSet::new();
        requests
            .into_iter()
            .filter(|r| {
                let k = request_key(&r.messages, &r.prefill, &r.params);
                !self.answers.contains_key(&k) && seen.insert(k)
            })
            .collect()
    }

    pub fn add(&mut self, answered: impl IntoIterator<Item = (Request, Completion)>) {
        self.answers.extend(answered.into_iter().map(|(r, c)| (request_key(&r.messages, &r.prefill, &r.params), c)));
    }

    /// The model itself (to run the requests ahead).
    pub fn model(&mut self) -> &mut dyn Llm {
        self.llm
    }
}

fn request_key(messages: &[ChatMessage], prefill: &str, params: &GenParams) -> String {
    format!("{messages:?}\u{0}{prefill:?}\u{0}{params:?}")
}

impl Llm for Prefetched<'_> {
    fn complete(&mut self, messages: &[ChatMessage], prefill: &str, params: &GenParams) -> Result<Completion> {
        match self.answers.get(&request_key(messages, prefill, params)) {
            Some(c) => Ok(c.clone()),
            None => self.llm.complete(messages, prefill, params),
        }
    }
    fn name(&self) -> String {
        self.llm.name()
    }
    fn answers_ahead(&self) -> bool {
        true
    }
}
