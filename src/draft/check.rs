//! Faithfulness checks: does a drafted line rest on the transcript it cites?
//!
//! Cheap, explainable rules rather than a second model: content-word overlap on crude stems,
//! numbers and proper names in the line must occur in the source (or the agenda), and person
//! names of the meeting never appear in an innspill. Spellings of names, organisations and
//! acronyms are corrected to the meeting file's.

use super::common::person_names;
use crate::artifact::{Flag, FlagKind};
use crate::meeting::Meeting;
use crate::text::{self, content_stems, fuzzy_overlap, overlap};
use std::collections::HashSet;

/// What kind of line is checked: innspill must also not name the speakers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Innspill,
    Aksjon,
    Vedtak,
    Intro,
}

/// Minimum share of content stems a line must share with its source.
pub const MIN_OVERLAP: f64 = 0.5;

/// Check one drafted line against the transcript text it cites. Returns the problems found,
/// empty when the line is supported. `agenda_text` is what the line may take from the agenda
/// (title, forslag, presenters) besides the source.
pub fn check_line(text: &str, source_text: &str, meeting: &Meeting) -> Vec<Flag> {
    check_line_as(text, source_text, "", meeting, LineKind::Innspill)
}

/// Share of its content words each sentence of a several-sentence bullet must find in the source.
pub const SENTENCE_OVERLAP: f64 = 0.7;

/// [`check_line`] with the line kind and extra allowed text from the agenda.
pub fn check_line_as(text: &str, source_text: &str, agenda_text: &str, meeting: &Meeting, kind: LineKind) -> Vec<Flag> {
    let mut flags = Vec::new();
    let allowed = format!("{source_text}\n{agenda_text}");
    let allowed_lc = allowed.to_lowercase();
    let t = text.trim();
    if t.is_empty() {
        flags.push(flag(FlagKind::Unsupported, "Linjen er tom."));
        return flags;
    }

    // Numbers must be in the source: an invented figure is the worst kind of error.
    let src_numbers: HashSet<String> = numbers(&allowed).into_iter().collect();
    let missing: Vec<String> = numbers(t).into_iter().filter(|n| !src_numbers.contains(n)).collect();
    if !missing.is_empty() {
        flags.push(flag(FlagKind::Unsupported, &format!("Tall som ikke finnes i kilden: {}.", missing.join(", "))));
    }

    // Proper names, organisations and acronyms must be in the source or the agenda.
    let unknown: Vec<String> = proper_words(t).into_iter().filter(|w| !allowed_lc.contains(&w.to_lowercase())).collect();
    if !unknown.is_empty() {
        flags.push(flag(FlagKind::Unsupported, &format!("Navn eller organisasjoner som ikke finnes i kilden: {}.", unknown.join(", "))));
    }

    if kind == LineKind::Innspill {
        let named: Vec<String> = person_names(meeting).into_iter().filter(|n| mentions_person(t, n)).collect();
        if !named.is_empty() {
            flags.push(flag(FlagKind::Unsupported, &format!("Innspill skal ikke navngi personer: {}.", named.join(", "))));
        }
    }

    // A bullet of several sentences: each must be supported on its own, so that a sentence
    // the model adds ("Det er viktig å bruke språkmodellene for å ...") cannot ride on a
    // faithful first one.
    if kind == LineKind::Innspill {
        let sents = text::split_sentences(t);
        if sents.len() > 1 {
            if let Some(weak) = sents
                .iter()
                .find(|s| content_stems(s).len() >= 3 && overlap(s, &allowed).max(fuzzy_overlap(s, &allowed)) < SENTENCE_OVERLAP)
            {
                flags.push(flag(FlagKind::Unsupported, &format!("En setning har lite støtte i kilden: «{}»", weak.trim())));
            }
        }
    }

    // Content: the line must say what the source says. Templates (intro, vedtak) are checked
    // against the agenda too, so they pass on their own wording.
    let ov = overlap(t, &allowed);
    if ov < MIN_OVERLAP {
        flags.push(flag(FlagKind::Unsupported, &format!("Lite innhold til felles med kilden ({:.0} % av ordene).", ov * 100.0)));
    } else if ov < 0.7 && kind != LineKind::Vedtak {
        flags.push(flag(FlagKind::Uncertain, &format!("Delvis støtte i kilden ({:.0} % av ordene).", ov * 100.0)));
    }

    let n_words = text::words(t).len();
    let max_words = match kind {
        LineKind::Innspill | LineKind::Aksjon => 50,
        LineKind::Vedtak | LineKind::Intro => 90,
    };
    if n_words > max_words {
        flags.push(flag(FlagKind::Uncertain, &format!("Linjen er lang ({n_words} ord).")));
    }
    flags
}

pub fn flag(kind: FlagKind, reason: &str) -> Flag {
    Flag { kind, reason: reason.to_string() }
}

/// Digit groups in a text ("2026", "3,5" → "3,5"), normalised so "1 000" matches "1000".
pub fn numbers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let next_digit = chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
        if c.is_ascii_digit() {
            cur.push(c);
        } else if !cur.is_empty() && (c == ',' || c == '.') && next_digit {
            cur.push(',');
        } else if !cur.is_empty()
            && c == ' '
            && next_digit
            && chars.get(i + 4).is_none_or(|c| !c.is_ascii_digit())
            && chars[i + 1..].iter().take(3).all(|c| c.is_ascii_digit())
        {
            // thousands separator "1 000"
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Capitalised words that are not at a sentence start, and acronyms anywhere: the words that
/// name people, organisations and systems.
pub fn proper_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut sentence_start = true;
    for raw in text.split_whitespace() {
        let w: String = raw.trim_matches(|c: char| !c.is_alphanumeric() && c != '-').to_string();
        let ends_sentence = raw.ends_with(['.', '!', '?', ':']);
        if !w.is_empty() {
            let first_upper = w.chars().next().is_some_and(|c| c.is_uppercase());
            let letters: Vec<char> = w.chars().filter(|c| c.is_alphabetic()).collect();
            let acronym = letters.len() >= 2 && letters.iter().all(|c| c.is_uppercase());
            if acronym || (first_upper && !sentence_start) {
                out.push(w);
            }
            sentence_start = false;
        }
        if ends_sentence || raw.starts_with(['-', '•']) {
            sentence_start = true;
        }
    }
    out
}

/// True when the text names the person by full name or by first or last name (capitalised).
fn mentions_person(text: &str, name: &str) -> bool {
    let tokens: HashSet<&str> = text.split(|c: char| !c.is_alphanumeric() && c != '-').filter(|w| !w.is_empty()).collect();
    let parts: Vec<&str> = name.split_whitespace().collect();
    if text.contains(name) {
        return true;
    }
    match (parts.first(), parts.last()) {
        (Some(first), Some(last)) if parts.len() >= 2 => tokens.contains(first) || tokens.contains(last),
        _ => false,
    }
}

/// Correct names, organisations and acronyms to the meeting file's spelling: a word or word
/// run that equals a vocabulary term case-insensitively, or is within a small edit distance,
/// is replaced by the term.
pub fn correct_spelling(text: &str, meeting: &Meeting) -> String {
    correct_terms(&write_saksnr(text, meeting), meeting)
}

/// Items named by their spoken number ("sak trettiåtte") written as the agenda writes them
/// ("PS 38/25", "sak 38/25").
fn write_saksnr(line: &str, meeting: &Meeting) -> String {
    let toks = text::tokens(line);
    let mut out = String::new();
    let mut last = 0;
    let mut i = 0;
    while i < toks.len() {
        if crate::text::cue("sak_words").word(&toks[i].w) && toks[i].w.starts_with("sak") {
            let reading = text::number_readings(&toks, i + 1)
                .into_iter()
                .find_map(|(n, used)| meeting.items.iter().find(|it| it.number() == Some(n)).map(|it| (it, used)));
            if let Some((it, used)) = reading {
                let end = toks[i + used].end;
                // leave "sak 38/25" as it is
                if !line[end..].starts_with('/') {
                    let prefixed = it.saksnr.starts_with(|c: char| c.is_alphabetic());
                    let written = if prefixed { it.saksnr.clone() } else { format!("{} {}", &line[toks[i].start..toks[i].end], it.saksnr) };
                    out.push_str(&line[last..toks[i].start]);
                    out.push_str(&written);
                    last = end;
                    i += used + 1;
                    continue;
                }
            }
        }
        i += 1;
    }
    out.push_str(&line[last..]);
    out
}

/// Names, organisations and acronyms spelled as the meeting file spells them.
pub fn correct_terms(text: &str, meeting: &Meeting) -> String {
    // Names, organisations and acronyms only: a lower-case vocabulary word ("kjernejournal")
    // has inflected forms that are right as they stand.
    let mut terms: Vec<String> = meeting.vocabulary_terms().into_iter().filter(|t| t.chars().any(|c| c.is_uppercase())).collect();
    // Longest terms first so "Helse Sør-Øst RHF" wins over "RHF".
    terms.sort_by_key(|t| std::cmp::Reverse(t.chars().count()));

    let tokens: Vec<&str> = text.split(' ').collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    'outer: while i < tokens.len() {
        for term in &terms {
            let n = term.split_whitespace().count();
            if n == 0 || i + n > tokens.len() {
                continue;
            }
            let run = tokens[i..i + n].join(" ");
            let (lead, core, trail) = split_punct(&run);
            if core.is_empty() || core == term.as_str() {
                continue;
            }
            let core_lc = core.to_lowercase();
            let term_lc = term.to_lowercase();
            let len = term.chars().count();
            let close = core_lc == term_lc
                || (len >= 6
                    && text::levenshtein(&core_lc, &term_lc) <= if len >= 10 { 2 } else { 1 }
                    && core_lc.chars().next() == term_lc.chars().next());
            // Genitive "Helsedirektoratets" keeps its -s.
            let genitive = core_lc == format!("{term_lc}s");
            if close || genitive {
                let fixed = if genitive { format!("{term}s") } else { term.clone() };
                if fixed != core {
                    out.push(format!("{lead}{fixed}{trail}"));
                    i += n;
                    continue 'outer;
                }
            }
        }
        out.push(tokens[i].to_string());
        i += 1;
    }
    out.join(" ")
}

fn split_punct(s: &str) -> (&str, &str, &str) {
    let start = s.find(|c: char| c.is_alphanumeric()).unwrap_or(s.len());
    let end = s.rfind(|c: char| c.is_alphanumeric()).map(|i| i + s[i..].chars().next().map_or(1, |c| c.len_utf8())).unwrap_or(start);
    if end <= start {
        return (s, "", "");
    }
    (&s[..start], &s[start..end], &s[end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meeting() -> Meeting {
        Meeting::parse(
            r#"
council = "Nasjonalt e-helseråd"
number = "2/2025"
date = "12. juni 2025"
time = "Kl. 10.00 – 16.00"
place = "Oslo"
vocabulary = ["EHDS", "KS", "Helseplattformen"]
[[members]]
name = "Kari Nordmann"
organisation = "KS"
[[members]]
name = "Ola Hansen"
organisation = "Helse Vest RHF"
[[items]]
saksnr = "13/25"
title = "Veilednings- og godkjenningsordning for helseteknologier"
presenters = [{ name = "Norunn Saure", organisation = "Helsedirektoratet" }]
sakstype = "Drøfting"
forslag = "Nasjonalt e-helseråd drøfter saken."
"#,
        )
        .unwrap()
    }

    const SOURCE: &str = "Ja, takk. Jeg tenker at kommunene trenger tydeligere krav før de gjør anskaffelser \
        av helseteknologi, og at ordningen bør gjelde fra 2026. Det er også viktig at KS blir involvert tidlig.";

    #[test]
    fn a_faithful_bullet_passes() {
        let m = meeting();
        let f = check_line("Kommunene trenger tydeligere krav før anskaffelser av helseteknologi.", SOURCE, &m);
        assert!(f.is_empty(), "{f:?}");
        let f = check_line("KS bør involveres tidlig, og ordningen bør gjelde fra 2026.", SOURCE, &m);
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn invented_numbers_names_and_content_are_flagged() {
        let m = meeting();
        let f = check_line("Ordningen bør gjelde fra 2027.", SOURCE, &m);
        assert!(f.iter().any(|f| f.kind == FlagKind::Unsupported && f.reason.contains("2027")), "{f:?}");
        let f = check_line("Kommunene trenger krav, og Sykehuspartner bør lede arbeidet.", SOURCE, &m);
        assert!(f.iter().any(|f| f.reason.contains("Sykehuspartner")), "{f:?}");
        let f = check_line("Rådet bør prioritere kunstig intelligens i radiologi.", SOURCE, &m);
        assert!(f.iter().any(|f| f.kind == FlagKind::Unsupported && f.reason.contains("innhold")), "{f:?}");
    }

    #[test]
    fn an_added_sentence_cannot_ride_on_a_faithful_one() {
        let m = meeting();
        let src = "Om språkmodellene, vi må skille mellom verktøy med lav risiko og beslutningsstøtte.";
        let good = "Det må skilles mellom verktøy med lav risiko og beslutningsstøtte.";
        assert!(check_line(good, src, &m).is_empty());
        let bad = format!("{good} Det er viktig å bruke språkmodellene for å hjelpe med å beslutte språk og språkkonflikter.");
        let f = check_line(&bad, src, &m);
        assert!(f.iter().any(|f| f.kind == FlagKind::Unsupported && f.reason.contains("En setning")), "{f:?}");
        // Two sentences both from the source pass.
        assert!(check_line("Kommunene trenger tydeligere krav før anskaffelser. KS bør involveres tidlig.", SOURCE, &m).is_empty());
    }

    #[test]
    fn speaker_names_in_innspill_are_flagged() {
        let m = meeting();
        let f = check_line("Kari Nordmann mener kommunene trenger tydeligere krav.", SOURCE, &m);
        assert!(f.iter().any(|f| f.reason.contains("navngi")), "{f:?}");
        let f = check_line("Nordmann sier at kommunene trenger tydeligere krav.", SOURCE, &m);
        assert!(f.iter().any(|f| f.reason.contains("navngi")), "{f:?}");
    }

    #[test]
    fn an_echoed_prompt_or_long_line_is_flagged() {
        let m = meeting();
        let echo = "Skriv innlegget om til ett kulepunkt for referatet, nøytralt og i presens.";
        assert!(!check_line(echo, SOURCE, &m).is_empty());
        let long = "Kommunene trenger tydeligere krav før anskaffelser. ".repeat(10);
        assert!(check_line(&long, SOURCE, &m).iter().any(|f| f.reason.contains("lang")));
    }

    #[test]
    fn spelling_is_corrected_to_the_meeting_file() {
        let m = meeting();
        assert_eq!(
            correct_spelling("Helsedirektoratet og ks mener at ehds og helseplatformen er viktig.", &m),
            "Helsedirektoratet og KS mener at EHDS og Helseplattformen er viktig."
        );
        assert_eq!(correct_spelling("helse vest rhf sitt syn.", &m), "Helse Vest RHF sitt syn.");
        assert_eq!(correct_spelling("Helsedirektoratets rolle", &m), "Helsedirektoratets rolle");
        // ordinary words are left alone
        assert_eq!(correct_spelling("krav før anskaffelser", &m), "krav før anskaffelser");
    }

    #[test]
    fn numbers_in_lines() {
        assert_eq!(numbers("fra 2026 og 3,5 mill og 1 000 kr"), vec!["2026", "3,5", "1000"]);
    }
}
