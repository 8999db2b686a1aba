//! Aksjonspunkter: commitments to follow up ("vi kommer tilbake med ...", "følger opp",
//! "til neste møte"), detected by rules, written as "who + what" from the speaker's own
//! sentence with the first person replaced by the speaker's organisation.

use super::check::{self, LineKind};
use super::common::normalise;
use super::turns::{member_of, speaker_is, Turn, TurnKind, TurnRole};
use crate::artifact::{FlagKind, Line, Origin};
use crate::meeting::{Item, Meeting};
use crate::text::{self, cue, finish_sentence};
use regex::Regex;
use std::sync::OnceLock;

/// The sentences of a turn that commit someone to something concrete: a commitment phrase
/// ("kommer tilbake med", "til neste møte"), or the speaker's own intent ("vi skal informere
/// om ...", "jeg tar det opp med ..."). Questions, formal proposals and courtesies ("vi tar med
/// oss innspillene") are none.
pub fn commitments(turn: &Turn) -> Vec<String> {
    turn.sentences
        .iter()
        .flat_map(|s| text::split_sentences(&s.text))
        .filter(|s| {
            let toks = text::tokens(s);
            if s.trim_end().ends_with('?') || cue("proposal").find(&toks).is_some() {
                return false;
            }
            let cued = cue("commitment").find(&toks).is_some() || cue("intent").find(&toks).is_some();
            if !cued {
                return false;
            }
            let lc = s.to_lowercase();
            let generic = cue("courtesy").find(&toks).is_some()
                && text::content_stems(&lc.replace("innspillene", "").replace("innspill", "")).len() < 4;
            !generic
        })
        .collect()
}

/// Who speaks: the organisation of a tagged speaker (member or presenter), else the
/// presenters' organisation for a presenter's turn.
fn speaker_org(turn: &Turn, meeting: &Meeting, item: &Item) -> Option<String> {
    if let Some(sp) = &turn.speaker {
        let from_members = member_of(sp, meeting).map(|m| m.organisation.clone());
        let from_presenters =
            meeting.items.iter().flat_map(|i| i.presenters.iter()).find(|p| speaker_is(sp, &p.name)).map(|p| p.organisation.clone());
        // A presenter speaks for the organisation on the agenda.
        if let Some(o) = item.presenters.iter().find(|p| speaker_is(sp, &p.name)).map(|p| p.organisation.clone()) {
            return Some(o).filter(|o| !o.is_empty());
        }
        return from_presenters.or(from_members).filter(|o| !o.is_empty());
    }
    if turn.role == TurnRole::Presenter {
        let mut orgs: Vec<&str> = item.presenters.iter().map(|p| p.organisation.as_str()).filter(|o| !o.is_empty()).collect();
        orgs.dedup();
        if orgs.len() == 1 {
            return Some(orgs[0].to_string());
        }
    }
    None
}

/// Aksjonspunkter of one sak from all its turns except the chair's summing-up (which states
/// the vedtak).
pub fn draft_aksjon(turns: &[&Turn], meeting: &Meeting, item: &Item) -> Vec<Line> {
    static FIRST_PERSON: OnceLock<Regex> = OnceLock::new();
    let fp = FIRST_PERSON.get_or_init(|| Regex::new(r"(?i)^(vi|jeg)\s+").expect("static regex"));
    let mut out = Vec::new();
    for t in turns {
        for sent in commitments(t) {
            // In the summing-up only the chair's own undertakings count ("Jeg tar det opp med
            // kommunedirektøren"); the rest of it states the vedtak.
            let own = text::words(&sent).first().is_some_and(|w| w == "jeg" || w == "vi");
            if t.kind == TurnKind::SummingUp && !own {
                continue;
            }
            let who = if t.role == TurnRole::Chair {
                Some(text::phrases::phrase(meeting.language, "draft.aksjon.chair").to_string())
            } else {
                speaker_org(t, meeting, item)
            };
            let mut text = strip_opening(&sent);
            let mut flags = Vec::new();
            if fp.is_match(&text) {
                match &who {
                    Some(org) => text = fp.replace(&text, format!("{org} ").as_str()).to_string(),
                    None => flags.push(check::flag(FlagKind::Uncertain, "Uklart hvem som følger opp.")),
                }
            }
            let text = check::correct_spelling(&finish_sentence(&text), meeting);
            let agenda = who.clone().unwrap_or_default();
            for f in check::check_line_as(&text, &t.text(), &agenda, meeting, LineKind::Aksjon) {
                flags.push(f);
            }
            out.push(Line { text, source: vec![t.span], flags, origin: Origin::Extractive });
        }
    }
    out
}

/// Drop "Ja." / "Takk for gode innspill." before the commitment; keep the subject.
fn strip_opening(s: &str) -> String {
    let n = normalise(s);
    if n.is_empty() {
        s.trim().to_string()
    } else {
        // normalise() rewrites "vi må gjøre" into a passive: for an action keep the speaker's
        // own subject instead, so only take its filler removal.
        let lc = n.to_lowercase();
        if lc.starts_with("det ") && !s.to_lowercase().trim_start().starts_with("det ") {
            s.trim().to_string()
        } else {
            n
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draft::turns::Sentence;

    #[test]
    fn commitments_become_who_and_what() {
        let m = crate::meeting::Meeting::parse(
            r#"
council = "R"
number = "1"
date = "d"
time = "t"
place = "p"
[[items]]
saksnr = "13/25"
title = "T"
sakstype = "Drøfting"
presenters = [{ name = "Norunn Saure", organisation = "Helsedirektoratet" }]
"#,
        )
        .unwrap();
        let item = &m.items[0];
        let t = Turn {
            span: [115.9, 121.4],
            sentences: vec![
                Sentence {
                    span: [115.9, 118.0],
                    text: "Takk for gode innspill.".into(),
                    speaker: Some("Norunn Saure".into()),
                    starts_segment: true,
                },
                Sentence {
                    span: [118.0, 121.4],
                    text: "Vi kommer tilbake med en plan for aktørnettverket til neste møte.".into(),
                    speaker: Some("Norunn Saure".into()),
                    starts_segment: false,
                },
            ],
            speaker: Some("Norunn Saure".into()),
            role: TurnRole::Presenter,
            kind: TurnKind::Substantive,
            presenting: false,
        };
        let a = draft_aksjon(&[&t], &m, item);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].text, "Helsedirektoratet kommer tilbake med en plan for aktørnettverket til neste møte.");
        assert!(a[0].flags.is_empty(), "{:?}", a[0].flags);

        let courtesy = Turn {
            sentences: vec![Sentence { span: [1.0, 2.0], text: "Vi tar med oss innspillene.".into(), speaker: None, starts_segment: true }],
            speaker: None,
            ..t.clone()
        };
        assert!(draft_aksjon(&[&courtesy], &m, item).is_empty());
    }
}
