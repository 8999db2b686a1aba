//! Vedtak: the agenda's forslag til vedtak (or the sakstype's standard wording), adjusted
//! only where the chair's summing-up adds something the forslag does not say. By rules, so
//! the decision text is never a model's invention; any departure is flagged for review.

use super::check::{self, LineKind};
use super::innspill::finish_sentence;
use super::turns::Turn;
use crate::text::split_sentences;
use crate::artifact::{FlagKind, Line, Span};
use crate::text;
use crate::meeting::{Item, Meeting, Sakstype};

/// Phrases by which a summing-up asks for or adds something.
const ADDITION_CUES: &[&str] = &[
    "i tillegg",
    "ber om",
    "ber rådet",
    "rådet ber",
    "ber at",
    "ønsker at",
    "forutsetter",
    "med den endring",
    "med de endringer",
    "endres",
    "utsett",
    "ikke godkjent",
    "godkjennes ikke",
];

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
    let sentences: Vec<(Span, String)> = summing_up_for(item, summing_up, joint_group);
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
        let additions: Vec<String> = sentences
            .iter()
            .map(|(_, t)| t.clone())
            .filter(|t| {
                let lc = t.to_lowercase();
                (ADDITION_CUES.iter().any(|c| lc.contains(c)) || addition_opening(t).is_some()) && !reads_out(t)
            })
            .map(|t| finish_sentence(&check::correct_spelling(&repair_opening(&t), meeting)))
            .collect();
        if additions.is_empty() {
            (forslag.to_string(), "template")
        } else {
            let text = format!("{} {}", finish_sentence(forslag), additions.join(" "));
            flags.push(check::flag(
                FlagKind::DepartsFromForslag,
                &format!("Ordstyrers oppsummering legger til noe som ikke står i forslaget til vedtak: «{}»", additions.join(" ")),
            ));
            (text, "extractive")
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
            (check::correct_spelling(&decision, meeting), "extractive")
        } else {
            // The standard wording is a guess at what was decided, whatever the sakstype:
            // the secretary must confirm it.
            flags.push(check::flag(FlagKind::Uncertain, NO_FORSLAG_REASON));
            (standard_wording(council, item, plural), "template")
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
    Line { text, source, flags, origin: origin.into() }
}

/// The sakstype's wording when the agenda has no forslag.
pub fn standard_wording(council: &str, item: &Item, plural: bool) -> String {
    let saken = if plural { "sakene" } else { "saken" };
    match item.sakstype {
        Sakstype::Godkjenning => match godkjenning_object(&item.title) {
            Some(obj) => format!("{council} godkjenner {obj}."),
            None => format!("{council} godkjenner {saken}."),
        },
        Sakstype::Orientering | Sakstype::Annet => format!("{council} tar {saken} til orientering."),
        Sakstype::Drøfting => format!("{council} drøftet {saken}."),
        Sakstype::Beslutning => format!("{council} behandlet {saken}."),
    }
}

/// "Godkjenning av innkalling og dagsorden" → "innkalling og dagsorden".
pub fn godkjenning_object(title: &str) -> Option<String> {
    let t = title.trim();
    let lc = t.to_lowercase();
    lc.strip_prefix("godkjenning av ").map(|_| t["godkjenning av ".len()..].trim().to_string())
}

/// Summing-up sentences of the chair, restricted to this item in a joint group where the
/// chair names the items ("Da oppsummerer jeg sak femten. ... Og sak seksten. ...").
fn summing_up_for(item: &Item, summing_up: &[&Turn], group: &[String]) -> Vec<(Span, String)> {
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
        out
    } else {
        all
    }
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
