//! Chat templates. We do not run the Jinja template from the GGUF; we recognise its family
//! (ChatML, Gemma, Llama 3) and render that format ourselves, which covers the models we claim
//! and keeps the exact prompt text under test.

use super::{ChatMessage, Role};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    ChatMl,
    Gemma,
    Llama3,
}

#[derive(Debug, Clone)]
pub struct ChatTemplate {
    pub family: Family,
    /// System text the model's own template inserts when the caller gives none (Qwen, SmolLM).
    pub default_system: Option<String>,
}

impl ChatTemplate {
    /// Pick the family from the GGUF chat template text; without one, from the special tokens
    /// the vocabulary has (`has_token`), then from the architecture.
    pub fn detect(template: Option<&str>, has_token: impl Fn(&str) -> bool, arch: super::gguf::Arch) -> ChatTemplate {
        let from_text = template.and_then(|t| {
            if t.contains("<|im_start|>") {
                Some(Family::ChatMl)
            } else if t.contains("<start_of_turn>") {
                Some(Family::Gemma)
            } else if t.contains("<|start_header_id|>") {
                Some(Family::Llama3)
            } else {
                None
            }
        });
        let family = from_text.unwrap_or_else(|| {
            if has_token("<|im_start|>") {
                Family::ChatMl
            } else if has_token("<start_of_turn>") {
                Family::Gemma
            } else if has_token("<|start_header_id|>") {
                Family::Llama3
            } else {
                match arch {
                    super::gguf::Arch::Gemma3 => Family::Gemma,
                    super::gguf::Arch::Llama => Family::Llama3,
                    _ => Family::ChatMl,
                }
            }
        });
        let default_system = match (family, template) {
            (Family::ChatMl, Some(t)) => default_system_of(t),
            _ => None,
        };
        ChatTemplate { family, default_system }
    }

    /// End-of-turn tokens of this family (stop generation when produced).
    pub fn end_of_turn(&self) -> &'static str {
        match self.family {
            Family::ChatMl => "<|im_end|>",
            Family::Gemma => "<end_of_turn>",
            Family::Llama3 => "<|eot_id|>",
        }
    }

    /// The prompt text (without BOS) for `messages` followed by the start of the assistant's
    /// turn and `prefill`, and the byte length of its leading system part (0 if none), whose
    /// KV cache can be shared between calls.
    pub fn render(&self, messages: &[ChatMessage], prefill: &str) -> (String, usize) {
        let mut out = String::new();
        let mut system_end = 0;
        match self.family {
            Family::ChatMl | Family::Llama3 => {
                let (start, mid, end) = match self.family {
                    Family::ChatMl => ("<|im_start|>", "\n", "<|im_end|>\n"),
                    _ => ("<|start_header_id|>", "<|end_header_id|>\n\n", "<|eot_id|>"),
                };
                let has_system = messages.first().is_some_and(|m| m.role == Role::System);
                if !has_system {
                    if let Some(d) = &self.default_system {
                        out.push_str(&format!("{start}system{mid}{d}{end}"));
                    }
                }
                for (i, m) in messages.iter().enumerate() {
                    let role = match m.role {
                        Role::System => "system",
                        Role::User => "user",
                        Role::Assistant => "assistant",
                    };
                    out.push_str(&format!("{start}{role}{mid}{}{end}", m.content));
                    if i == 0 && has_system {
                        system_end = out.len();
                    }
                }
                out.push_str(&format!("{start}assistant{mid}{prefill}"));
            }
            Family::Gemma => {
                // Gemma has no system role: its template prepends the system text to the
                // first user turn.
                let mut pending_system: Option<&str> = None;
                for m in messages {
                    match m.role {
                        Role::System => {
                            pending_system = Some(&m.content);
                        }
                        Role::User | Role::Assistant => {
                            let role = if m.role == Role::User { "user" } else { "model" };
                            out.push_str(&format!("<start_of_turn>{role}\n"));
                            if let Some(s) = pending_system.take() {
                                out.push_str(s);
                                out.push_str("\n\n");
                                system_end = out.len();
                            }
                            out.push_str(&m.content);
                            out.push_str("<end_of_turn>\n");
                        }
                    }
                }
                if let Some(s) = pending_system {
                    out.push_str(&format!("<start_of_turn>user\n{s}<end_of_turn>\n"));
                }
                out.push_str("<start_of_turn>model\n");
                out.push_str(prefill);
            }
        }
        (out, system_end)
    }
}

/// The literal default system prompt in a ChatML Jinja template ("You are Qwen, ...").
fn default_system_of(template: &str) -> Option<String> {
    let start = template.find("You are ")?;
    let rest = &template[start..];
    let end = rest.find(['\'', '"', '<', '\\']).unwrap_or(rest.len());
    let s = rest[..end].trim_end();
    (!s.is_empty()).then(|| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::gguf::Arch;

    #[test]
    fn chatml_with_default_system() {
        let t = ChatTemplate::detect(
            Some("{{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}<|im_start|>"),
            |_| false,
            Arch::Qwen2,
        );
        assert_eq!(t.family, Family::ChatMl);
        let (s, sys) = t.render(&[ChatMessage::user("Hei")], "- ");
        assert_eq!(
            s,
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\nHei<|im_end|>\n<|im_start|>assistant\n- "
        );
        assert_eq!(sys, 0);
        let (s, sys) = t.render(&[ChatMessage::system("S"), ChatMessage::user("U")], "");
        assert_eq!(&s[..sys], "<|im_start|>system\nS<|im_end|>\n");
    }

    #[test]
    fn gemma_merges_system_into_user() {
        let t = ChatTemplate::detect(None, |_| false, Arch::Gemma3);
        let (s, sys) = t.render(&[ChatMessage::system("S"), ChatMessage::user("U")], "P");
        assert_eq!(s, "<start_of_turn>user\nS\n\nU<end_of_turn>\n<start_of_turn>model\nP");
        assert_eq!(&s[..sys], "<start_of_turn>user\nS\n\n");
    }

    #[test]
    fn llama3_format() {
        let t = ChatTemplate::detect(Some("<|start_header_id|>"), |_| false, Arch::Llama);
        let (s, _) = t.render(&[ChatMessage::user("U")], "");
        assert_eq!(s, "<|start_header_id|>user<|end_header_id|>\n\nU<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
    }
}
