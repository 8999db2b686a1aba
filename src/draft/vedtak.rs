//! Vedtak: the agenda's forslag til vedtak (or the sakstype's standard wording), adjusted
//! only where the chair's summing-up adds something the forslag does not say. By rules, so
//! the decision text is never a model's invention; any departure is flagged for review.

use super::check::{self, LineKind};
use super::turns::Turn;
use crate::artifact::{FlagKind, Line, Origin, Span};
use crate::meeting::{Item, Language, Meeting, Sakstype};
use crate::text::finish_sentence;
use crate::text::phrases::{fill, phrase};
use crate::text::{self, cue, split_sentences};

/// Openings of an addition, as the chair says them; ASR runs their words together ("I
/// tilegbetrådet om at KS får ..."), so they are also found letter by letter.
const ADDITION_OPENINGS: &[(&str, f64)] = &[("I tillegg ber rådet", 0.75), ("I tillegg", 0.85)];

/// The number of opening words of `t` that are a (garbled) addition opening, and the opening
/// as it should read.
fn addition_opening(t: &str) -> Option<(usize, &'static str)> {
    let letters = |x: &str| -> String { x.chars().filter(|c| c.is_alphabetic()).flat_map(char::to_lowercase).collect() };
    let words: Vec<&str> = t.split_whitespace().collect();
    let mut best: Option<(f64, usize, &'static str)> = None;
    for (cue, min) in ADDITION_OPENINGS {
        let target = letters(cue);
        for k in 1..=words.len().min(5) {
            let cat = letters(&words[..k].join(" "));
            let n = target.chars().count().max(cat.chars().count());
            let sim = 1.0 - text::levenshtein(&cat, &target) as f64 / n as f64;
            if sim >= *min && best.is_none_or(|b| sim > b.0) {
                best = Some((sim, k, cue));
            }
        }
    }
    best.map(|(_, k, cue)| (k, cue))
}

/// The sentence with a garbled addition opening written as it should read.
fn repair_opening(t: &str) -> String {
    match addition_opening(t) {
        Some((k, cue)) => std::iter::once(cue).chain(t.split_whitespace().skip(k)).collect::<Vec<_>>().join(" "),
        None => t.to_string(),
    }
}

/// Share of a summing-up sentence's content words that the forslag must already contain for
/// the sentence to count as a restatement of it rather than an addition.
const COVERED: f64 = 0.6;
/// Letter-level similarity above which a summing-up sentence is taken as the forslag read out.
const READ_OUT: f64 = 0.55;
/// Flag reason for the standard wording used when the agenda has no forslag.
pub const NO_FORSLAG_REASON: &str = "Ingen forslag til vedtak i sakskartet: kontroller vedtaket (standardformulering).";

/// The vedtak of one item. `summing_up` are the chair's closing turns of the sak (of the whole
/// group for joint items); `joint` is the group size (for "sakene").
pub fn draft_vedtak(meeting: &Meeting, item: &Item, summing_up: &[&Turn], joint_group: &[String]) -> Line {
    draft_vedtak_with(meeting, item, summing_up, joint_group, &[])
}

/// [`draft_vedtak`] that also sees every turn of the sak, for formal proposals put to the vote
/// ("Høyre fremmer følgende tilleggsforslag: ...").
pub fn draft_vedtak_with(meeting: &Meeting, item: &Item, summing_up: &[&Turn], joint_group: &[String], all: &[&Turn]) -> Line {
    let sentences: Vec<(Span, String)> = after_last_question(summing_up_for(meeting, item, summing_up, joint_group));
    let source: Vec<Span> = merge_spans(sentences.iter().map(|(s, _)| *s).collect());
    let su_text = sentences.iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>().join(" ");
    let council = meeting.council.trim();
    let plural = joint_group.len() > 1;
    let forslag = item.forslag.trim();
    let mut flags = Vec::new();

    let (text, origin) = if !forslag.is_empty() {
        // Additions: summing-up sentences with a request cue that the forslag does not cover.
        // The chair reading out the forslag of this item (or of another item in a joint
        // group) adds nothing, however garbled the transcript: compare letter by letter too.
        let group_forslag: Vec<String> = joint_group
            .iter()
            .filter_map(|s| meeting.item(s))
            .map(|i| i.forslag.clone())
            .chain(std::iter::once(forslag.to_string()))
            .collect();
        let reads_out = |t: &str| {
            group_forslag.iter().any(|f| {
                text::fuzzy_overlap(t, f) >= COVERED
                    || std::iter::once(f.clone()).chain(split_sentences(f)).any(|fs| text::char_similarity(t, &fs) >= READ_OUT)
            })
        };
        let mut additions: Vec<String> = Vec::new();
        let mut clause: Option<String> = None;
        for (_, t) in &sentences {
            let t = repair_opening(t);
            // "godkjent, med den endringen at sak 38 utsettes": the clause is the addition
            if let Some(c) = amendment_clause(&t) {
                clause.get_or_insert(c);
                continue;
            }
            if reads_out(&t) || !is_decision(&t) || text::content_stems(&t).len() < 3 {
                continue;
            }
            // The chair's "vi" is the council; other first-person talk is no decision.
            let mut a = strip_framing(&t);
            if let Some(rest) = a.strip_prefix("vi ").or_else(|| a.strip_prefix("Vi ")) {
                a = format!("{council} {rest}");
            }
            if text::words(&a).iter().any(|w| text::is_first_person(w)) {
                continue;
            }
            additions.push(finish_sentence(&check::correct_spelling(&a, meeting)));
        }
        additions.extend(adopted_proposals(all, &sentences));
        additions.extend(vote_outcome(&sentences));
        let forslag_tensed = if item.sakstype == Sakstype::Drøfting { past_tense(forslag) } else { forslag.to_string() };
        let base = match &clause {
            Some(c) => format!("{}, {}.", finish_sentence(&forslag_tensed).trim_end_matches('.'), check::correct_spelling(c, meeting)),
            None => forslag_tensed,
        };
        if clause.is_some() && additions.is_empty() {
            flags.push(check::flag(
                FlagKind::DepartsFromForslag,
                &format!("Ordstyrer godkjente med en endring: «{}»", clause.clone().unwrap_or_default()),
            ));
            (base, Origin::Extractive)
        } else if additions.is_empty() {
            let origin = if base == forslag { Origin::Template } else { Origin::Extractive };
            (base, origin)
        } else {
            let text = format!("{} {}", finish_sentence(&base), additions.join(" "));
            flags.push(check::flag(
                FlagKind::DepartsFromForslag,
                &format!("Ordstyrers oppsummering legger til noe som ikke står i forslaget til vedtak: «{}»", additions.join(" ")),
            ));
            (text, Origin::Extractive)
        }
    } else {
        // No forslag: the chair's own decision sentence(s) when they start with the council's
        // name ("Nasjonalt e-helseråd drøftet saken og støtter ..."), else the standard wording.
        let decision = decision_sentences(council, &sentences);
        if !decision.is_empty() && item.sakstype != Sakstype::Godkjenning {
            flags.push(check::flag(
                FlagKind::Uncertain,
                "Innkallingen har ikke forslag til vedtak; vedtaket er hentet fra ordstyrers oppsummering.",
            ));
            (check::correct_spelling(&decision, meeting), Origin::Extractive)
        } else {
            // The standard wording is a guess at what was decided, whatever the sakstype:
            // the secretary must confirm it.
            flags.push(check::flag(FlagKind::Uncertain, NO_FORSLAG_REASON));
            (standard_wording(council, item, plural), Origin::Template)
        }
    };

    if summing_up.is_empty() {
        flags.push(check::flag(FlagKind::Uncertain, "Fant ingen oppsummering fra møteleder å støtte vedtaket på."));
    } else {
        let agenda = format!("{} {} {}", item.title, forslag, council);
        for f in check::check_line_as(&text, &su_text, &agenda, meeting, LineKind::Vedtak) {
            if !flags.contains(&f) {
                flags.push(f);
            }
        }
    }
    if !forslag.is_empty() && text != forslag && !flags.iter().any(|f| f.kind == FlagKind::DepartsFromForslag) {
        flags.push(check::flag(FlagKind::DepartsFromForslag, "Vedtaket avviker fra forslaget til vedtak."));
    }
    Line { text, source, flags, origin }
}

/// Sentences after the chair's last question to the room ("Er det merknader?"): the
/// conclusion comes after it. All of them when there is no question, or nothing after it.
fn after_last_question(sentences: Vec<(Span, String)>) -> Vec<(Span, String)> {
    match sentences.iter().rposition(|(_, t)| t.trim_end().ends_with('?')) {
        Some(q) if q + 1 < sentences.len() => sentences[q + 1..].to_vec(),
        _ => sentences,
    }
}

/// "..., med den endringen at sak 38 utsettes": the amendment as a clause of the vedtak
/// ("med den endring at sak 38 utsettes").
fn amendment_clause(sentence: &str) -> Option<String> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(r"(?i)\bmed (den endringen?|de endringene|det tillegget|det tillegg|følgende tillegg|følgende endring|den rettelsen?|rettelsen?) (at |om at |:\s*)?([^.!?]+)").expect("static regex")
    });
    let c = re.captures(sentence)?;
    let kind = c[1].to_lowercase();
    let noun = if kind.contains("tillegg") {
        "det tillegg"
    } else if kind.contains("rettels") {
        "den rettelse"
    } else {
        "den endring"
    };
    Some(format!("med {noun} at {}", c[3].trim()))
}

/// A sentence of the summing-up that states a decision: a request, support, a recommendation,
/// an addition, or the council named as the one deciding.
fn is_decision(sentence: &str) -> bool {
    let toks = text::tokens(sentence);
    cue("addition").find(&toks).is_some() || cue("decision").find(&toks).is_some()
}

/// The summing-up's own framing removed ("Da konkluderer vi med at ...", "Slik jeg hører det, ...").
fn strip_framing(sentence: &str) -> String {
    let mut s = sentence.trim().to_string();
    for _ in 0..2 {
        for (re, rep) in &text::rules().framing {
            s = re.replace(&s, rep.as_str()).trim().to_string();
        }
    }
    s
}

/// Formal proposals made in the sak and adopted by the vote the chair announces
/// ("Høyre fremmer følgende tilleggsforslag: X." ... "Tilleggsforslaget er vedtatt.").
fn adopted_proposals(all: &[&Turn], summing_up: &[(Span, String)]) -> Vec<String> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(r"(?i)\bfremmer (følgende |et |eit )?(tilleggsforslag|endringsforslag|alternativt forslag|alternative forslag|forslag)( om)?\s*:\s*(.+)$").expect("static regex")
    });
    let mut out = Vec::new();
    for t in all.iter().filter(|t| t.kind != super::turns::TurnKind::SummingUp) {
        for (k, s) in t.sentences.iter().enumerate() {
            let Some(c) = re.captures(&s.text) else { continue };
            let kind = c[2].to_lowercase();
            let head = if kind.starts_with("tillegg") {
                "tilleggsforslag"
            } else if kind.starts_with("endring") {
                "endringsforslag"
            } else {
                "forslag"
            };
            let adopted = summing_up.iter().any(|(_, su)| {
                let lc = su.to_lowercase();
                lc.contains(head)
                    && (lc.contains("vedtatt") || lc.contains("enstemmig") || lc.contains("flertall"))
                    && !lc.contains("falt")
                    && !lc.contains("ikke vedtatt")
            });
            // Only additions and amendments join the vedtak; an adopted alternative replaces it,
            // which the secretary must see (left to the departure flag).
            if adopted && head != "forslag" {
                let mut text = c[4].trim().to_string();
                // the proposal may go on in the speaker's next sentence
                if let Some(next) =
                    t.sentences.get(k + 1).filter(|n| !text.ends_with(['.', '!', '?']) || n.text.starts_with(char::is_lowercase))
                {
                    text = format!("{text} {}", next.text);
                }
                out.push(finish_sentence(&text));
            }
        }
    }
    out
}

/// The vote as the chair announces it: "Vedtaket var enstemmig." or "Innstillingen ble vedtatt
/// med 7 mot 2 stemmer."
fn vote_outcome(summing_up: &[(Span, String)]) -> Vec<String> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(r"(?i)\b(innstillingen|forslaget|vedtaket) (er|ble) vedtatt med (\w+) mot (\w+)( stemmer)?")
            .expect("static regex")
    });
    for (_, s) in summing_up {
        if let Some(c) = re.captures(s) {
            let n = |w: &str| text::number_value(&w.to_lowercase()).map(|v| v.to_string()).unwrap_or_else(|| w.to_string());
            return vec![format!(
                "{} ble vedtatt med {} mot {} stemmer.",
                finish_sentence(&c[1]).trim_end_matches('.'),
                n(&c[3]),
                n(&c[4])
            )];
        }
    }
    if summing_up.iter().any(|(_, s)| text::words(s).iter().any(|w| w == "enstemmig" || w == "enstemmige")) {
        return vec!["Vedtaket var enstemmig.".to_string()];
    }
    Vec::new()
}

/// A Drøfting vedtak in the referat's past tense: "drøfter" → "drøftet", and the verb that
/// follows "drøftet ... og" ("og ber om" → "og ba om"), from the tense table in `rules.toml`.
pub fn past_tense(vedtak: &str) -> String {
    let table = &text::rules().past_tense;
    let mut out: Vec<String> = Vec::new();
    for sent in split_sentences(vedtak) {
        let words: Vec<&str> = sent.split(' ').collect();
        let mut after_drøftet = false;
        let mut changed = Vec::with_capacity(words.len());
        for w in words {
            let core = w.trim_matches(|c: char| !c.is_alphanumeric());
            let lc = core.to_lowercase();
            let mut word = w.to_string();
            if lc == "drøfter" {
                word = w.replacen(core, "drøftet", 1);
            }
            if after_drøftet {
                if let Some(p) = table.get(&lc) {
                    word = w.replacen(core, p, 1);
                    after_drøftet = false;
                }
            }
            if lc == "drøftet" || lc == "drøfter" {
                after_drøftet = false;
            }
            if lc == "og" && changed.iter().any(|x: &String| x.to_lowercase().starts_with("drøftet")) {
                after_drøftet = true;
            }
            changed.push(word);
        }
        out.push(changed.join(" "));
    }
    out.join(" ")
}

/// The sakstype's wording when the agenda has no forslag (the phrase table's, or the
/// secretariat's template; the draft is written in Bokmål and carried into Nynorsk on export).
pub fn standard_wording(council: &str, item: &Item, plural: bool) -> String {
    let nb = Language::Nb;
    let saken = phrase(nb, if plural { "draft.vedtak.the_items" } else { "draft.vedtak.the_item" });
    let (key, object) = match item.sakstype {
        Sakstype::Godkjenning => ("draft.vedtak.godkjenner", godkjenning_object(&item.title).unwrap_or_else(|| saken.to_string())),
        Sakstype::Orientering | Sakstype::Annet => ("draft.vedtak.orientering", String::new()),
        Sakstype::Drøfting => ("draft.vedtak.drofting", String::new()),
        Sakstype::Beslutning => ("draft.vedtak.beslutning", String::new()),
    };
    fill(nb, key, &[("council", council), ("saken", saken), ("object", &object)])
}

/// "Godkjenning av innkalling og dagsorden" → "innkalling og dagsorden".
pub fn godkjenning_object(title: &str) -> Option<String> {
    let t = title.trim();
    let prefix = phrase(Language::Nb, "draft.vedtak.godkjenning_prefix");
    t.to_lowercase().starts_with(prefix).then(|| t[prefix.len()..].trim().to_string())
}

/// Summing-up sentences of the chair, restricted to this item in a joint group where the
/// chair names the items ("Da oppsummerer jeg sak femten. ... Og sak seksten. ...").
fn summing_up_for(meeting: &Meeting, item: &Item, summing_up: &[&Turn], group: &[String]) -> Vec<(Span, String)> {
    let all: Vec<(Span, String)> = summing_up
        .iter()
        .flat_map(|t| t.sentences.iter().map(|s| (s.span, s.text.clone())))
        .flat_map(|(span, text)| split_sentences(&text).into_iter().map(move |t| (span, t)))
        .collect();
    if group.len() <= 1 {
        return all;
    }
    // Which item does each sentence speak of? The last one named so far.
    let mut current: Option<String> = None;
    let mut out = Vec::new();
    let mut any_named = false;
    for (span, text) in &all {
        if let Some(n) = group.iter().find(|s| mentions_sak(text, s)) {
            current = Some(n.clone());
            any_named = true;
        }
        if current.as_deref() == Some(item.saksnr.as_str()) {
            out.push((*span, text.clone()));
        }
    }
    if any_named {
        return out;
    }
    // Nobody named: each sentence goes to the item whose title and forslag it shares most with.
    let share = |t: &str, s: &str| meeting.item(s).map(|i| text::fuzzy_overlap(t, &format!("{} {}", i.title, i.forslag))).unwrap_or(0.0);
    all.into_iter()
        .filter(|(_, t)| {
            let mine = share(t, &item.saksnr);
            group.iter().all(|g| share(t, g) <= mine + 1e-9)
        })
        .collect()
}

/// "sak 16", "sak seksten", "16/25".
pub fn mentions_sak(text: &str, saksnr: &str) -> bool {
    let lc = text.to_lowercase();
    if lc.contains(&saksnr.to_lowercase()) {
        return true;
    }
    let Some(n) = saksnr.split('/').next().and_then(|n| n.trim().parse::<u32>().ok()) else {
        return false;
    };
    let words = text::words(&lc);
    words.windows(2).any(|w| (w[0] == "sak" || w[0] == "sakene") && (w[1] == n.to_string() || w[1] == number_word(n)))
        || words.windows(3).any(|w| w[0] == "sak" && format!("{}{}", w[1], w[2]) == number_word(n))
}

/// Norwegian number words 1..99 as the chair says them ("seksten", "tjuefem").
pub fn number_word(n: u32) -> String {
    const ONES: [&str; 20] = [
        "null", "en", "to", "tre", "fire", "fem", "seks", "sju", "åtte", "ni", "ti", "elleve", "tolv", "tretten", "fjorten", "femten",
        "seksten", "sytten", "atten", "nitten",
    ];
    const TENS: [&str; 10] = ["", "", "tjue", "tretti", "førti", "femti", "seksti", "sytti", "åtti", "nitti"];
    match n {
        0..=19 => ONES[n as usize].to_string(),
        20..=99 => {
            let (t, o) = (n / 10, n % 10);
            if o == 0 {
                TENS[t as usize].to_string()
            } else {
                format!("{}{}", TENS[t as usize], if o == 1 { "en" } else { ONES[o as usize] })
            }
        }
        _ => n.to_string(),
    }
}

/// From the first sentence that starts with the council's name (or "Rådet") to the end.
fn decision_sentences(council: &str, sentences: &[(Span, String)]) -> String {
    let lc_council = council.to_lowercase();
    let start = sentences.iter().position(|(_, t)| {
        let lc = t.trim().to_lowercase();
        // Exact start only: a garbled ASR decision ("Nå sjungelt er helt råd røftet ...") reads
        // worse than the standard wording (measured on the sample's ASR run).
        lc.starts_with(&lc_council) || lc.starts_with("rådet ")
    });
    match start {
        Some(i) => sentences[i..].iter().map(|(_, t)| finish_sentence(t)).collect::<Vec<_>>().join(" "),
        None => String::new(),
    }
}

fn merge_spans(mut spans: Vec<Span>) -> Vec<Span> {
    spans.sort_by(|a, b| a[0].total_cmp(&b[0]));
    let mut out: Vec<Span> = Vec::new();
    for s in spans {
        match out.last_mut() {
            Some(l) if s[0] <= l[1] + 0.01 => l[1] = l[1].max(s[1]),
            _ => out.push(s),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draft::turns::{Sentence, TurnKind, TurnRole};

    fn meeting() -> Meeting {
        crate::meeting::Meeting::parse(
            r#"
council = "Nasjonalt e-helseråd"
number = "2/2025"
date = "12. juni 2025"
time = "Kl. 10.00 – 16.00"
place = "Oslo"
vocabulary = ["KS"]
[[items]]
saksnr = "11/25"
title = "Godkjenning av innkalling og dagsorden"
sakstype = "Godkjenning"
forslag = "Nasjonalt e-helseråd godkjenner innkalling og dagsorden."
[[items]]
saksnr = "14/25"
title = "Samtykke for kjernejournal"
sakstype = "Drøfting"
[[items]]
saksnr = "17/25"
title = "Endringer i mandat for Teknisk beregningsutvalg"
sakstype = "Drøfting"
forslag = "Nasjonalt e-helseråd ga innspill til og stiller seg bak foreslåtte endringer i mandat for Teknisk beregningsutvalg."
[[items]]
saksnr = "19/25"
title = "Orientering fra Helsedirektoratet"
sakstype = "Orientering"
"#,
        )
        .unwrap()
    }

    fn chair(span: Span, text: &str) -> Turn {
        Turn {
            span,
            sentences: vec![Sentence { span, text: text.into(), speaker: None, starts_segment: true }],
            speaker: None,
            role: TurnRole::Chair,
            kind: TurnKind::SummingUp,
            presenting: false,
        }
    }

    #[test]
    fn godkjenning_is_the_forslag() {
        let m = meeting();
        let t = chair([17.0, 21.0], "Det ser jeg ikke. Da er innkalling og dagsorden godkjent.");
        let v = draft_vedtak(&m, m.item("11/25").unwrap(), &[&t], &[]);
        assert_eq!(v.text, "Nasjonalt e-helseråd godkjenner innkalling og dagsorden.");
        assert!(v.flags.is_empty(), "{:?}", v.flags);
        assert_eq!(v.source, vec![[17.0, 21.0]]);
    }

    #[test]
    fn an_addition_in_the_summing_up_departs_and_is_flagged() {
        let m = meeting();
        let t = chair(
            [467.0, 480.0],
            "Takk. Jeg oppsummerer. Nasjonalt e-helseråd ga innspill til og stiller seg bak foreslåtte endringer i mandat for Teknisk beregningsutvalg. I tillegg ber rådet om at ks får en fast plass i utvalget.",
        );
        let v = draft_vedtak(&m, m.item("17/25").unwrap(), &[&t], &[]);
        assert_eq!(
            v.text,
            "Nasjonalt e-helseråd ga innspill til og stiller seg bak foreslåtte endringer i mandat for Teknisk beregningsutvalg. I tillegg ber rådet om at KS får en fast plass i utvalget."
        );
        assert!(v.flags.iter().any(|f| f.kind == FlagKind::DepartsFromForslag));
    }

    #[test]
    fn no_forslag_takes_the_chairs_decision_or_the_standard_wording() {
        let m = meeting();
        let t = chair([196.0, 206.0], "Takk. Da oppsummerer jeg. Nasjonalt e-helseråd drøftet saken og støtter at arbeidet fortsetter.");
        let v = draft_vedtak(&m, m.item("14/25").unwrap(), &[&t], &[]);
        assert_eq!(v.text, "Nasjonalt e-helseråd drøftet saken og støtter at arbeidet fortsetter.");
        assert!(v.flags.iter().any(|f| f.kind == FlagKind::Uncertain));
        let t = chair([1.0, 2.0], "Takk.");
        let v = draft_vedtak(&m, m.item("19/25").unwrap(), &[&t], &["19/25".into(), "20/25".into()]);
        assert_eq!(v.text, "Nasjonalt e-helseråd tar sakene til orientering.");
    }

    #[test]
    fn a_garbled_addition_opening_is_found_and_repaired() {
        let m = meeting();
        let t = chair(
            [466.5, 484.2],
            "Takk, jeg oppsummerer. Nasjonalt e-helseråd ga innspill til og stiller seg bak foreslåtte endringer i mandat for Teknisk beregningsutvalg. I tilegbetrådet om at KS får en fastplass i utvalget.",
        );
        let v = draft_vedtak(&m, m.item("17/25").unwrap(), &[&t], &[]);
        assert!(v.text.ends_with("Teknisk beregningsutvalg. I tillegg ber rådet om at KS får en fastplass i utvalget."), "{}", v.text);
        assert!(v.flags.iter().any(|f| f.kind == FlagKind::DepartsFromForslag), "{:?}", v.flags);
        assert_eq!(addition_opening("I tillegg ber rådet om at KS får plass."), Some((4, "I tillegg ber rådet")));
        assert_eq!(addition_opening("Til slutt takker jeg alle."), None);
        assert_eq!(addition_opening("Tiltakene er gode."), None);
    }

    #[test]
    fn standard_wording_without_forslag_is_flagged_for_every_sakstype() {
        let m = meeting();
        // 14/25 (Drøfting) has no forslag; the chair's summing-up has no decision sentence.
        let t = chair([196.0, 206.0], "Takk for gode innspill. Da går vi videre.");
        let v = draft_vedtak(&m, m.item("14/25").unwrap(), &[&t], &[]);
        assert_eq!(v.text, "Nasjonalt e-helseråd drøftet saken.");
        assert!(v.flags.iter().any(|f| f.kind == FlagKind::Uncertain && f.reason == NO_FORSLAG_REASON), "{:?}", v.flags);
        for sakstype in [Sakstype::Godkjenning, Sakstype::Orientering, Sakstype::Drøfting, Sakstype::Beslutning, Sakstype::Annet] {
            let mut item = m.item("14/25").unwrap().clone();
            item.sakstype = sakstype;
            let v = draft_vedtak(&m, &item, &[&t], &[]);
            assert!(v.flags.iter().any(|f| f.reason == NO_FORSLAG_REASON), "{sakstype:?}: {:?}", v.flags);
        }
        // With a forslag, restated by the chair, nothing is flagged for this reason.
        let v = draft_vedtak(&m, m.item("11/25").unwrap(), &[&chair([1.0, 2.0], "Da er innkalling og dagsorden godkjent.")], &[]);
        assert!(!v.flags.iter().any(|f| f.reason == NO_FORSLAG_REASON), "{:?}", v.flags);
    }

    #[test]
    fn joint_summing_up_is_split_by_item_and_numbers_are_words() {
        assert_eq!(number_word(16), "seksten");
        assert_eq!(number_word(25), "tjuefem");
        assert_eq!(number_word(21), "tjueen");
        assert!(mentions_sak("Og sak seksten.", "16/25"));
        assert!(mentions_sak("Da oppsummerer jeg sak 15.", "15/25"));
        assert!(!mentions_sak("Da oppsummerer jeg sak femten.", "16/25"));
    }

    #[test]
    fn a_garbled_read_out_of_the_forslag_is_no_addition() {
        let m = meeting();
        let item = m.item("17/25").unwrap();
        // ASR of the chair reading the forslag, with a request cue ("ber om") inside.
        let t = chair([467.0, 480.0], "Nasjonalt e-helseråd ga innspill til og stiller seg bak forreslått endringer i mandatet for Teknisk beregnings utvalg, og ber om det.");
        let v = draft_vedtak(&m, item, &[&t], &[]);
        assert_eq!(v.text, item.forslag);
        assert!(!v.flags.iter().any(|f| f.kind == FlagKind::DepartsFromForslag), "{:?}", v.flags);
        // A real addition is still one.
        let t = chair([467.0, 480.0], "Rådet ber om at kommunene får en fast plass i utvalget fra neste år.");
        let v = draft_vedtak(&m, item, &[&t], &[]);
        assert!(v.flags.iter().any(|f| f.kind == FlagKind::DepartsFromForslag), "{v:?}");
    }

    #[test]
    fn godkjenning_object_from_title() {
        assert_eq!(godkjenning_object("Godkjenning av innkalling og dagsorden").as_deref(), Some("innkalling og dagsorden"));
        assert_eq!(godkjenning_object("Budsjett"), None);
    }
}
