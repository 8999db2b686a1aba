//! The opening paragraph: who presented (from the agenda) and what the sak was about.
//!
//! The first sentence is a template from the agenda; what the council was asked for comes by
//! rule from the presenter's own "vi ønsker rådets innspill til ..."; one short model sentence
//! on what the sak was about is kept only when it passes the faithfulness check.

use super::check::{self, LineKind};
use super::turns::Turn;
use super::vedtak::godkjenning_object;
use super::{Prompts, Stats};
use crate::artifact::FlagKind;
use crate::llm::{ChatMessage, GenParams, Llm};
use crate::meeting::{Item, Language, Meeting, Sakstype};
use crate::text;
use crate::text::phrases::{fill, phrase};
use crate::text::{cue, finish_sentence};
use anyhow::Result;
use regex::Regex;
use std::sync::OnceLock;

/// A title that opens an organisation as the agenda gives it ("Kommunedirektør, Fjellby
/// kommune") in lower case inside a sentence, as titles are written: "kommunedirektør, ...".
fn title_in_text(org: &str) -> String {
    let toks = text::tokens(org);
    match toks.first() {
        Some(t) if t.start == 0 && cue("actor_roles").at(&toks, 0).is_some() && org.contains(',') => {
            let mut c = org.chars();
            c.next().map(|f| f.to_lowercase().chain(c).collect()).unwrap_or_default()
        }
        _ => org.to_string(),
    }
}

/// "Norunn Saure og Per Ludvig Skjerven, Helsedirektoratet, og Kristin Lyng, Norsk helsenett SF"
pub fn presenters_phrase(item: &Item) -> String {
    // Group consecutive presenters of the same organisation.
    let mut groups: Vec<(Vec<&str>, &str)> = Vec::new();
    for p in &item.presenters {
        match groups.last_mut() {
            Some((names, org)) if *org == p.organisation.as_str() => names.push(&p.name),
            _ => groups.push((vec![&p.name], &p.organisation)),
        }
    }
    let parts: Vec<String> = groups
        .iter()
        .map(|(names, org)| {
            let n = join_og(&names.iter().map(|s| s.to_string()).collect::<Vec<_>>());
            if org.is_empty() {
                n
            } else {
                format!("{n}, {}", title_in_text(org))
            }
        })
        .collect();
    if parts.len() <= 1 {
        parts.join("")
    } else {
        format!("{}, og {}", parts[..parts.len() - 1].join(", "), parts[parts.len() - 1])
    }
}

fn join_og(v: &[String]) -> String {
    match v.len() {
        0 => String::new(),
        1 => v[0].clone(),
        _ => format!("{} og {}", v[..v.len() - 1].join(", "), v[v.len() - 1]),
    }
}

/// "la frem saken for drøfting" (the phrase table's wording, or the template's).
fn presented(item: &Item) -> String {
    let nb = Language::Nb;
    let who = presenters_phrase(item);
    let purpose = match item.sakstype {
        Sakstype::Drøfting => phrase(nb, "draft.intro.purpose.drofting"),
        Sakstype::Orientering => phrase(nb, "draft.intro.purpose.orientering"),
        Sakstype::Godkjenning => phrase(nb, "draft.intro.purpose.godkjenning"),
        Sakstype::Beslutning => phrase(nb, "draft.intro.purpose.beslutning"),
        Sakstype::Annet => "",
    };
    if who.is_empty() {
        fill(nb, "draft.intro.presented_nobody", &[("purpose", purpose)])
    } else {
        let sep = if who.contains(", ") { "," } else { "" };
        fill(nb, "draft.intro.presented", &[("who", &who), ("sep", sep), ("purpose", purpose)])
    }
}

/// What the presenter asked of the council, by rule: "Vi ønsker rådets innspill til X" →
/// "og ba om rådets innspill til X".
pub fn asked_for(presenter_text: &str) -> Option<String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(
            r"(?i)\b(?:vi|jeg) (?:ønsker|ber om|vil (?:gjerne )?ha|trenger|spør om) ((?:\p{L}+ets|\p{L}+ens|deres) (?:innspill|syn|råd|støtte|vurdering|tilbakemelding|innspel)(?: (?:til|på|om) [^.!?]+)?)",
        )
        .expect("static regex")
    });
    re.captures(presenter_text).map(|c| c[1].trim().to_string())
}

/// What was presented, by rule, when the model gives nothing usable: the presentation's most
/// content-bearing sentence, reported ("Helsedirektoratet orienterte om at ..."), with the
/// presenter's "vi" as the organisation.
pub fn reported(presenter_text: &str, item: &Item) -> Option<String> {
    let sents: Vec<String> = text::split_sentences(presenter_text)
        .into_iter()
        .filter(|s| !s.trim_end().ends_with('?') && text::content_stems(s).len() >= 4 && s.split_whitespace().count() <= 30)
        .collect();
    let agenda: std::collections::HashSet<String> = text::content_stems(&format!("{} {}", item.title, item.forslag)).into_iter().collect();
    let best = sents.iter().max_by(|a, b| {
        let score = |s: &str| {
            let st = text::content_stems(s);
            (st.len() + st.iter().filter(|x| agenda.contains(*x)).count()) as f64 / (s.split_whitespace().count() as f64).sqrt()
        };
        score(a).total_cmp(&score(b))
    })?;
    let mut orgs: Vec<&str> = item.presenters.iter().map(|p| p.organisation.as_str()).filter(|o| !o.is_empty()).collect();
    orgs.dedup();
    // The organisation speaks ("Helsedirektoratet orienterte om ..."); where the agenda gives
    // a title with it ("Kommunedirektør, Fjellby kommune"), the one presenter by name does.
    let org = match (orgs.as_slice(), item.presenters.as_slice()) {
        ([o], _) if !o.contains(',') => Some(o.to_string()),
        (_, [p]) => Some(p.name.clone()),
        _ => None,
    };
    let body = super::common::normalise(best);
    let body = body.trim_end_matches('.');
    let mut words: Vec<String> = body.split(' ').map(String::from).collect();
    // the presenter's "vi" is the organisation, already the subject: "X orienterte om at de ..."
    if let (Some(first), Some(_)) = (words.first_mut(), &org) {
        if first.eq_ignore_ascii_case("vi") {
            *first = "de".to_string();
        }
    }
    let mut clause = words.join(" ");
    // lower-case the first letter unless it starts a name
    if !text::words(&clause).first().is_some_and(|w| item.presenters.iter().any(|p| p.organisation.to_lowercase().starts_with(w.as_str())))
    {
        let mut c = clause.chars();
        if let Some(f) = c.next() {
            if !c.as_str().starts_with(char::is_uppercase) {
                clause = f.to_lowercase().collect::<String>() + c.as_str();
            }
        }
    }
    if text::words(&clause).iter().any(|w| text::is_first_person(w)) {
        return None;
    }
    let subject = org.unwrap_or_else(|| "Det".to_string());
    let verb = if subject == "Det" { "ble orientert om at" } else { "orienterte om at" };
    Some(finish_sentence(&format!("{subject} {verb} {clause}")))
}

pub struct Intro {
    pub text: String,
    /// The model's sentence was rejected (kept for the run report).
    pub rejected: Option<String>,
}

/// The intro of one discussed item.
pub fn draft_intro(
    meeting: &Meeting,
    item: &Item,
    presenter_turns: &[&Turn],
    has_discussion: bool,
    llm: &mut dyn Llm,
    prompts: &Prompts,
    stats: &mut Stats,
) -> Result<Intro> {
    if item.sakstype == Sakstype::Godkjenning && !has_discussion {
        let obj = godkjenning_object(&item.title).unwrap_or_else(|| "saken".to_string());
        return Ok(Intro { text: format!("Det kom ingen innspill til {obj}."), rejected: None });
    }
    let mut first = presented(item);
    let ptext: String = presenter_turns.iter().map(|t| t.text()).collect::<Vec<_>>().join(" ");
    if let Some(a) = asked_for(&ptext) {
        first = format!("{first} og ba om {a}");
    }
    let first = finish_sentence(&first);
    if ptext.trim().is_empty() {
        return Ok(Intro { text: first, rejected: None });
    }

    // One model sentence on what the sak was about, continuing a prefilled skeleton.
    let words: Vec<&str> = ptext.split_whitespace().collect();
    let excerpt = words[..words.len().min(150)].join(" ");
    let user = prompts.fill(
        "intro",
        &[
            ("council", &meeting.council),
            ("saksnr", &item.saksnr),
            ("tittel", &item.title),
            ("sakstype", item.sakstype.as_str()),
            ("tur", &excerpt),
        ],
    );
    let system = prompts.fill("system", &[("council", &meeting.council)]);
    let prefill = prompts.fill("intro.svar", &[]);
    let params = GenParams { max_tokens: 60, stop: vec!["\n".into()], ..GenParams::default() };
    let c = llm.complete(&[ChatMessage::system(system), ChatMessage::user(user)], &prefill, &params)?;
    stats.add(&c);
    let cont = c.text.trim();
    // Only the first sentence of the continuation.
    let cut = cont.find(['.', '!', '?']).map(|i| &cont[..=i]).unwrap_or(cont);
    // "Saken gjaldt om ..." is a common slip of the model: "gjaldt" takes no preposition.
    let cut = cut.strip_prefix("om ").unwrap_or(cut);
    let sentence = check::correct_spelling(&finish_sentence(&format!("{} {}", prefill.trim(), cut.trim())), meeting);
    let agenda = item.title.clone();
    let flags = check::check_line_as(cut, &ptext, &agenda, meeting, LineKind::Intro);
    let bad = cut.split_whitespace().count() < 3 || flags.iter().any(|f| f.kind != FlagKind::Uncertain) || text::words(cut).len() > 40;
    if bad {
        if !c.text.trim().is_empty() {
            stats.intro_rejected += 1;
        }
        let text = match reported(&ptext, item) {
            Some(r) => format!("{first} {r}"),
            None => first,
        };
        return Ok(Intro { text, rejected: (!c.text.trim().is_empty()).then_some(sentence) });
    }
    stats.intro_model += 1;
    Ok(Intro { text: format!("{first} {sentence}"), rejected: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presenters_and_request() {
        let m = crate::meeting::Meeting::parse(
            r#"
council = "R"
number = "1"
date = "d"
time = "t"
place = "p"
[[items]]
saksnr = "14/25"
title = "T"
sakstype = "Drøfting"
presenters = [{ name = "Erik Hedlund", organisation = "Helsedirektoratet" }, { name = "Kristin Lyng", organisation = "Norsk helsenett SF" }]
[[items]]
saksnr = "13/25"
title = "T2"
sakstype = "Orientering"
presenters = [{ name = "A B", organisation = "Hdir" }, { name = "C D", organisation = "Hdir" }]
"#,
        )
        .unwrap();
        assert_eq!(
            presented(&m.items[0]),
            "Erik Hedlund, Helsedirektoratet, og Kristin Lyng, Norsk helsenett SF, la frem saken for drøfting"
        );
        assert_eq!(presented(&m.items[1]), "A B og C D, Hdir, la frem saken til orientering");
        let mut item = m.items[1].clone();
        item.presenters.truncate(1);
        item.presenters[0].organisation = "Kommunedirektør, Fjellby kommune".into();
        assert_eq!(presented(&item), "A B, kommunedirektør, Fjellby kommune, la frem saken til orientering");
        assert_eq!(
            reported("Vi har laget tre skisser til en ny plan for parken og rådet.", &m.items[1]).as_deref(),
            Some("Hdir orienterte om at de har laget tre skisser til en ny plan for parken og rådet.")
        );
        assert_eq!(
            asked_for("Første versjon lanseres i oktober. Vi ønsker rådets innspill til hva som er viktig i videreutviklingen.").as_deref(),
            Some("rådets innspill til hva som er viktig i videreutviklingen")
        );
        assert_eq!(
            asked_for("Vi ønsker rådets syn på om dette er riktig retning.").as_deref(),
            Some("rådets syn på om dette er riktig retning")
        );
    }
}
