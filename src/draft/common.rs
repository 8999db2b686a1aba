//! Helpers the drafting of every section shares: the referat's register from spoken words,
//! fillers, the people of the meeting.

use crate::meeting::Meeting;
use crate::text::{self, finish_sentence};
use std::collections::HashSet;

/// "Takk.", "Ja.", "Om prismodellen.": no content of their own.
pub(super) fn is_filler_sentence(s: &str) -> bool {
    let w = text::words(s);
    let content = text::content_stems(s).len();
    w.is_empty() || (w.len() <= 3 && content <= 1) || (w.len() <= 6 && s.to_lowercase().starts_with("takk"))
}

/// Referat style from spoken words: drop fillers and "jeg tenker at", turn the simplest
/// first-person forms neutral ("vi må skille" → "det må skilles", "vi trenger" → "det trengs").
pub fn normalise(text: &str) -> String {
    let rules = &text::rules().register;
    let mut out = Vec::new();
    for sent in text::split_sentences(text) {
        let mut s = sent.trim().to_string();
        for _ in 0..2 {
            for (r, rep) in rules.iter() {
                s = r.replace_all(&s, rep.as_str()).trim().to_string();
            }
        }
        if text::words(&s).is_empty() || is_filler_sentence(&s) {
            continue;
        }
        out.push(finish_sentence(&s));
    }
    out.join(" ")
}

/// A sentence without the name it opens by addressing someone in the meeting ("Kari, hvis
/// vi ..." → "Hvis vi ..."): the referat does not say who answered whom.
pub fn strip_vocative(sentence: &str, meeting: &Meeting) -> String {
    let Some((head, rest)) = sentence.split_once(", ") else { return sentence.to_string() };
    let head_words = text::words(head);
    let named = !head_words.is_empty()
        && head_words.len() <= 3
        && head.chars().next().is_some_and(char::is_uppercase)
        && head_words.iter().all(|w| person_names(meeting).iter().any(|n| text::words(n).contains(w)));
    if !named || text::words(rest).len() < 3 {
        return sentence.to_string();
    }
    text::capitalise(rest)
}

/// Names of the people in the meeting file (members, presenters, secretariat).
pub fn person_names(meeting: &Meeting) -> Vec<String> {
    let mut out: Vec<String> = meeting.members.iter().map(|m| m.name.clone()).collect();
    for it in &meeting.items {
        for p in &it.presenters {
            out.push(p.name.clone());
        }
    }
    if let Some(s) = &meeting.secretariat {
        out.extend(s.names.iter().cloned());
    }
    let mut seen = HashSet::new();
    out.retain(|n| !n.trim().is_empty() && seen.insert(n.clone()));
    out
}
