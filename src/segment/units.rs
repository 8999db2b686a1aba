//! Units: transcript segments, split where a sentence inside announces an item (and at every
//! sentence of a long segment), and the breaks found in the silences between them.

use super::cues::{find_cues, Agenda, Cue, CueKind};
use super::weights;
use crate::artifact::Transcript;
use crate::text::{self, cue};

// ---------------------------------------------------------------- units

#[derive(Debug, Clone)]
pub(super) struct Unit {
    pub(super) start: f64,
    pub(super) end: f64,
    pub(super) text: String,
    pub(super) cues: Vec<Cue>,
    /// The speaker tag of the transcript segment (imported, or from speaker detection).
    pub(super) speaker: Option<String>,
}

/// Transcript segments as units, split where a cue's sentence starts inside a segment.
pub(super) fn build_units(t: &Transcript, ag: &Agenda) -> Vec<Unit> {
    let mut segs: Vec<&crate::artifact::Segment> =
        t.segments.iter().filter(|s| !s.text.trim().is_empty() && s.end.is_finite() && s.start.is_finite()).collect();
    segs.sort_by(|a, b| a.start.total_cmp(&b.start).then(a.end.total_cmp(&b.end)));
    let mut units = Vec::new();
    for s in segs {
        let text = s.text.trim().to_string();
        let end = s.end.max(s.start);
        let cues = find_cues(&text, ag);
        let mut cuts: Vec<usize> = cues
            .iter()
            .filter(|c| !matches!(c.kind, CueKind::Postponed(_)))
            .map(|c| c.sentence_at)
            // a short sentence just before ("Takk.") is the chair speaking: keep it with the cue
            .map(|a| {
                if a == 0 {
                    return a;
                }
                let b = text::sentence_start(&text, text[..a].trim_end().len().saturating_sub(1));
                if text[b..a].split_whitespace().count() <= 2 {
                    b
                } else {
                    a
                }
            })
            // a short lead-in stays with the announcement: too little to be someone else
            .filter(|&a| a >= weights().min_lead_in && a < text.len())
            .collect();
        // A long segment (a speech-recognition window runs several speakers, even items,
        // together) is cut at every sentence, so evidence can move a boundary inside it.
        if end - s.start > weights().unit_max_secs {
            let mut at = 0;
            for sent in text::split_sentences(&text) {
                if let Some(off) = text[at..].find(sent.as_str()).map(|o| o + at) {
                    if off > 0 {
                        cuts.push(off);
                    }
                    at = off + sent.len();
                }
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        // A piece of one or two words ("Takk.") stays with what follows it.
        let mut kept: Vec<usize> = Vec::with_capacity(cuts.len());
        for c in cuts {
            let from = kept.last().copied().unwrap_or(0);
            if text[from..c].split_whitespace().count() > 2 {
                kept.push(c);
            }
        }
        let cuts = kept;
        if cuts.is_empty() {
            units.push(Unit { start: s.start, end, text, cues, speaker: s.speaker.clone() });
            continue;
        }
        let time_at = |byte: usize| -> f64 {
            // Word times when the ASR gave them, else proportional to characters.
            if !s.words.is_empty() {
                let target = text[..byte].chars().filter(|c| !c.is_whitespace()).count();
                let mut seen = 0;
                for w in &s.words {
                    if seen >= target {
                        return w.start.clamp(s.start, end);
                    }
                    seen += w.text.chars().filter(|c| !c.is_whitespace()).count();
                }
            }
            let total = text.chars().count().max(1) as f64;
            s.start + (end - s.start) * text[..byte].chars().count() as f64 / total
        };
        let mut bounds = vec![0usize];
        bounds.extend(cuts);
        bounds.push(text.len());
        for w in bounds.windows(2) {
            let (a, b) = (w[0], w[1]);
            let piece = text[a..b].trim().to_string();
            if piece.is_empty() {
                continue;
            }
            let (ts, te) = (time_at(a), if b == text.len() { end } else { time_at(b) });
            let pc: Vec<Cue> = cues
                .iter()
                .filter(|c| c.sentence_at >= a && c.sentence_at < b)
                .map(|c| Cue { sentence_at: c.sentence_at - a, ..c.clone() })
                .collect();
            units.push(Unit { start: ts, end: te.max(ts), text: piece, cues: pc, speaker: s.speaker.clone() });
        }
    }
    units
}

/// Talk about a break ("Da tar vi lunsj", "vi starter igjen med sak femten"), also as speech
/// recognition garbles the break word: only asked of the talk just before a long silence.
fn mentions_break(text: &str) -> bool {
    let words = text::words(text);
    let heard = |w: &String| {
        let k = text::phonetic(w);
        k.chars().count() >= 4 && ["lunsj", "pause"].iter().any(|b| text::similarity_chars(&k, &text::phonetic(b)) >= 0.6)
    };
    text::says_break(&text::tokens(text)) || words.iter().any(heard) || cue("resume").in_text(text)
}

/// Breaks: silences of at least max(`break_min`, 8 × the 90th percentile of the gaps between
/// units) right after a unit that mentions a break ("Da tar vi lunsj"), or without one while
/// fewer breaks than the agenda's have been found, or of at least `break_gap` in any case.
/// The break starts at that announcement (its units are removed) and ends where speech
/// resumes.
pub(super) fn find_breaks(units: Vec<Unit>, agenda_breaks: usize) -> (Vec<Unit>, Vec<(f64, f64, String)>) {
    let w = weights();
    let mut gaps: Vec<f64> = units.windows(2).map(|w| (w[1].start - w[0].end).max(0.0)).collect();
    gaps.sort_by(|a, b| a.total_cmp(b));
    let p90 = gaps.get(gaps.len() * 9 / 10).copied().unwrap_or(0.0);
    let threshold = w.break_min.max(8.0 * p90);
    let mut drop = vec![false; units.len()];
    let mut breaks = Vec::new();
    for j in 1..units.len() {
        let gap = units[j].start - units[j - 1].end;
        if gap < threshold {
            continue;
        }
        // The break is announced in the last 20 s of speech before the silence, not always in
        // its last words ("... en kort pause." "Ti minutter, så fortsetter vi med ...").
        let mut start = units[j - 1].end;
        let mut k = j;
        let mut i = j;
        while i > 0 && units[j - 1].end - units[i - 1].start <= 20.0 {
            i -= 1;
            if mentions_break(&units[i].text) {
                k = i;
                start = units[i].start;
            }
        }
        // a silence alone is a break while the agenda has breaks left to place
        let silent_ok = breaks.len() < agenda_breaks;
        if k < j || gap >= w.break_gap || silent_ok {
            for d in drop.iter_mut().take(j).skip(k) {
                *d = true;
            }
            let said: Vec<&str> = units[k..j].iter().map(|u| u.text.as_str()).collect();
            breaks.push((start, units[j].start, said.join(" ")));
        }
    }
    let kept = units.into_iter().zip(drop).filter(|(_, d)| !d).map(|(u, _)| u).collect();
    (kept, breaks)
}

/// Items said to be taken together ("sakene om ventetider og om fristbrudd tar vi under ett"):
/// from announcements that declare it, and from sentences that name items by title with a
/// joint phrase.
pub(super) fn declared_groups(units: &[Unit]) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    for u in units {
        for c in &u.cues {
            if let (CueKind::Announce(set), true) = (&c.kind, c.declared_joint) {
                if set.len() > 1 && !out.contains(set) {
                    out.push(set.clone());
                }
            }
        }
    }
    out
}
