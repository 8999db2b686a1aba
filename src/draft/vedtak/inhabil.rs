//! Disqualification (inhabilitet): a member the chair declares inhabil ("Da er Kari Holm
//! inhabil og fratrer"), or who declares it of themselves ("Jeg er inhabil i denne saken"),
//! is recorded in the vedtak as minutes record it: "Kari Holm (Sp) ble erklært inhabil og
//! fratrådte under behandlingen av saken." A question or a doubt ("om jeg er inhabil", "ikke
//! inhabil", "er noen inhabile?") records nothing.

use super::super::turns::{member_of, Turn, TurnRole};
use super::conclusion::Ctx;
use super::votes;
use crate::artifact::Span;
use crate::meeting::Language;
use crate::text::phrases::fill;
use crate::text::{self, cue};

/// The members declared inhabil in the sak's turns: (span, the sentence said, the sentence
/// for the vedtak), once per member, in the order said.
pub fn declared(ctx: &Ctx, all: &[&Turn]) -> Vec<(Span, String, String)> {
    let meeting = ctx.meeting;
    // without speakers, any sentence may be the chair's ruling
    let tagged = all.iter().any(|t| t.speaker.is_some());
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for t in all {
        for s in &t.sentences {
            let toks = text::tokens(&s.text);
            if s.text.trim_end().ends_with('?') || cue("inhabil").find(&toks).is_none() || cue("inhabil_doubt").find(&toks).is_some() {
                continue;
            }
            let who = if cue("inhabil_self").find(&toks).is_some() {
                // the speaker's own declaration (the chair's too: someone else leads the sak)
                let own = t.speaker.as_deref().and_then(|tag| member_of(tag, meeting));
                own.map(|m| vec![m.name.clone()]).unwrap_or_default()
            } else if !tagged || t.role == TurnRole::Chair {
                votes::members_in(&s.text, meeting)
            } else {
                Vec::new()
            };
            for name in who {
                if seen.contains(&name) {
                    continue;
                }
                let shown = match votes::speaker_party(&name, meeting) {
                    Some(p) => format!("{name} ({p})"),
                    None => name.clone(),
                };
                out.push((s.span, s.text.clone(), fill(Language::Nb, "draft.vedtak.inhabil", &[("who", &shown)])));
                seen.push(name);
            }
        }
    }
    out
}
