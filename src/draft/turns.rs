//! Split a sak's transcript into speaker turns and classify them by rules.
//!
//! Boundaries: speaker tags where an imported transcript has them; otherwise pauses longer
//! than [`PAUSE_SECS`] and the chair's hand-over cues ("takk", "værsågod", "ordet går til").
//! Classification is by rules, not by the model: the 1.5B model answers "procedural" to
//! everything when offered the choice.

use crate::artifact::{Span, Transcript};
use crate::meeting::{Item, Meeting};

/// A silence longer than this between two segments starts a new turn (when there are no
/// speaker tags).
pub const PAUSE_SECS: f64 = 1.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TurnRole {
    Chair,
    Presenter,
    Member,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TurnKind {
    /// Greetings, thanks, hand-overs, announcements: no referat line.
    Procedural,
    /// A point made in the discussion (member) or the presentation (presenter).
    Substantive,
    /// The chair's closing summary: evidence for the vedtak.
    SummingUp,
}

/// A sentence with its (interpolated) time span.
#[derive(Debug, Clone, PartialEq)]
pub struct Sentence {
    pub span: Span,
    pub text: String,
    pub speaker: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    pub span: Span,
    pub sentences: Vec<Sentence>,
    pub speaker: Option<String>,
    pub role: TurnRole,
    pub kind: TurnKind,
}

impl Turn {
    pub fn text(&self) -> String {
        self.sentences.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join(" ")
    }
    pub fn word_count(&self) -> usize {
        self.sentences.iter().map(|s| s.text.split_whitespace().count()).sum()
    }
}

/// Cues by which the chair hands the word on or moves the meeting along.
const HANDOVER_END: &[&str] = &[
    "værsågod",
    "vær så god",
    "ordet går til",
    "ordet til",
    "du har ordet",
    "ordet er ditt",
    "slipper til",
    "ordet er fritt",
    "åpner jeg for",
    "innspill?",
    "kommentarer?",
    "spørsmål?",
    "merknader?",
    "vil du svare",
    "vil du kommentere",
];
/// Sentences that open a new (chair) turn.
const CHAIR_OPENERS: &[&str] = &["takk", "da oppsummerer", "jeg oppsummerer", "da går vi", "da tar vi", "og sak "];
const CHAIR_CUES: &[&str] = &[
    "da går vi til",
    "vi går til",
    "går videre til",
    "neste sak",
    "ordet går til",
    "værsågod",
    "vær så god",
    "noen flere",
    "flere innspill",
    "noen som ønsker ordet",
    "noen kommentarer",
    "noen spørsmål",
    "takk for innspill",
    "takk for presentasjon",
    "takk for gjennomgang",
    "takk for innlegg",
    "da oppsummerer",
    "oppsummere",
    "konkluderer",
    "da avslutter vi",
    "da er vi ferdig",
    "da er saken",
    "da tar vi",
    "velkommen til",
    "da starter vi",
    "pause",
    "lunsj",
    "vi tar sak",
    "under ett",
    "slipper til",
    "du har ordet",
    "godkjent",
    "godkjenner vi",
    "til orientering",
    "det er ingen",
    "ser ingen",
    "hånd oppe",
    "hånda oppe",
    "rekke opp",
    "er det noen",
    "noen innspill",
    "ordet er fritt",
    "vil du kommentere",
    "vil du svare",
    "åpner jeg for",
    "åpner for innspill",
    "har noen",
    "det ser jeg ikke",
];
const SUMMING_UP_CUES: &[&str] = &[
    "oppsummer",
    "konklu",
    "vedtak",
    "godkjent",
    "godkjenner",
    "til orientering",
    "tar med oss",
    "tar med seg",
    "rådet støtter",
    "rådet ber",
    "rådet mener",
    "slutter seg til",
    "forslaget",
    "drøftet",
    "da er vi enige",
    "enige om",
];
const GREETINGS: &[&str] =
    &["takk", "tusen takk", "takk skal du ha", "hei", "god morgen", "ja", "nei", "ok", "okei", "mhm", "ja takk", "takk for det"];

/// Split the segments of `spans` into sentences, with times interpolated by character
/// position inside a segment (or taken from word times where the ASR gave them).
pub fn sentences(transcript: &Transcript, spans: &[Span]) -> Vec<Sentence> {
    let mut out = Vec::new();
    for seg in &transcript.segments {
        if !spans.iter().any(|sp| seg.end > sp[0] && seg.start < sp[1]) {
            continue;
        }
        let text = seg.text.trim();
        if text.is_empty() {
            continue;
        }
        let parts = split_sentences(text);
        let total: usize = parts.iter().map(|p| p.chars().count()).sum::<usize>().max(1);
        let dur = (seg.end - seg.start).max(0.0);
        let mut pos = 0usize;
        for p in parts {
            let n = p.chars().count();
            let s = seg.start + dur * pos as f64 / total as f64;
            pos += n;
            let e = seg.start + dur * pos as f64 / total as f64;
            out.push(Sentence { span: [round2(s), round2(e)], text: p, speaker: seg.speaker.clone() });
        }
    }
    out
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Split text after '.', '!' or '?' followed by whitespace and a capital letter or digit.
pub fn split_sentences(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for i in 0..chars.len() {
        cur.push(chars[i]);
        if matches!(chars[i], '.' | '!' | '?')
            && chars.get(i + 1).is_some_and(|c| c.is_whitespace())
            && chars.get(i + 2).is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
            // "f.eks. Helse" or "nr. 3": a short abbreviation is not a sentence end.
            && !ends_with_abbreviation(&cur)
        {
            out.push(cur.trim().to_string());
            cur.clear();
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

fn ends_with_abbreviation(s: &str) -> bool {
    let last = s.split_whitespace().last().unwrap_or("").to_lowercase();
    matches!(last.as_str(), "f.eks." | "bl.a." | "nr." | "ca." | "dvs." | "mv." | "osv." | "kl." | "jf." | "pkt.")
}

/// Letters only, lowercased ("Nasjonalt e-helseråd" → "nasjonaltehelseråd").
fn letters(s: &str) -> String {
    s.chars().filter(|c| c.is_alphabetic()).flat_map(char::to_lowercase).collect()
}

/// True when some run of 1–5 consecutive words of `text`, written together, is within edit
/// similarity `min` of `target`: ASR garbles names and cue words and splits them
/// ("Nafsjonalte er helser rådene" for "Nasjonalt e-helseråd", "da opp som er" for
/// "da oppsummerer").
pub fn fuzzy_contains(text: &str, target: &str, min: f64) -> bool {
    let t = letters(target);
    let tn = t.chars().count();
    if tn == 0 {
        return false;
    }
    let ws: Vec<String> = super::check::words(text).iter().map(|w| letters(w)).filter(|w| !w.is_empty()).collect();
    for i in 0..ws.len() {
        let mut cat = String::new();
        for w in ws.iter().skip(i).take(5) {
            cat.push_str(w);
            let cn = cat.chars().count();
            if cn + 3 < tn * 2 / 3 {
                continue;
            }
            if cn > tn * 3 / 2 + 2 {
                break;
            }
            let d = super::check::edit_distance(&cat, &t);
            if 1.0 - d as f64 / tn.max(cn) as f64 >= min {
                return true;
            }
        }
    }
    false
}

/// Cue words of a summing-up, matched fuzzily (ASR garbles them).
const SUMMING_UP_FUZZY: &[&str] = &["oppsummerer", "oppsummere", "konklusjon", "konkluderer", "drøftet", "orientering", "anbefaler"];

/// How strongly a sentence reads as the chair's summing-up: the council's name (the chair
/// reads out the vedtak: "Nasjonalt e-helseråd drøftet ..."), a summing-up cue, and content
/// shared with the item's forslag til vedtak. 0 to 4.
pub fn summing_up_score(text: &str, item: &Item, meeting: &Meeting) -> u32 {
    let lc = text.to_lowercase();
    let mut score = 0;
    if !meeting.council.is_empty() && fuzzy_contains(text, &meeting.council, 0.7) {
        score += 1;
    }
    if SUMMING_UP_CUES.iter().any(|c| lc.contains(c)) || SUMMING_UP_FUZZY.iter().any(|c| fuzzy_contains(text, c, 0.75)) {
        score += 1;
    }
    let stems = super::check::content_stems(text).len();
    if !item.forslag.trim().is_empty() && stems >= 3 {
        let o = super::check::overlap(text, &item.forslag);
        score += (o >= 0.4) as u32 + (o >= 0.6) as u32;
    }
    score
}

/// Announcements that move the meeting along: breaks and the next item, also when garbled
/// ("kott paelse og starte det igjen med saken 15", "Da rår vi til saknyttren").
pub fn is_announcement(text: &str) -> bool {
    static RE: std::sync::OnceLock<[regex::Regex; 2]> = std::sync::OnceLock::new();
    let [moves, sak] = RE.get_or_init(|| {
        [
            regex::Regex::new(r"(?i)\b\p{L}?(år|går) vi (videre |tilbake |over )?til\b|\bneste sak\b|\bvidere til sak|\b(starte|starter|begynne|begynner|fortsette|fortsetter)( \p{L}+)? igjen\b|\bvelkommen tilbake\b|\bgjennom dagsorden")
                .expect("static regex"),
            regex::Regex::new(r"(?i)\bsak\p{L}*\s*(\d+|en|to|tre|fire|fem|seks|sju|åtte|ni|ti|elleve|tolv|tretten|fjorten|femten|seksten|sytten|atten|nitten|tjue)\b|\bsak(tretten|fjorten|femten|seksten|sytten|atten|nitten|tjue|\p{L}*tt?en)\b").expect("static regex"),
        ]
    });
    let ws = super::check::words(text);
    let pause = ws.iter().any(|w| {
        let l = letters(w);
        l == "lunsj"
            || l == "pause"
            || (l.len() >= 5
                && l.starts_with('p')
                && super::check::edit_distance(&l, "pause") <= 2
                && !["passe", "prøve", "presse", "pasient"].iter().any(|x| l.starts_with(x)))
    });
    let again = ws.iter().any(|w| w == "igjen" || w.starts_with("start"));
    moves.is_match(text) || (pause && (again || sak.is_match(text) || ws.len() <= 12)) || (sak.is_match(text) && again)
}

/// The chair handing the word on inside running (untagged) text: a hand-over cue, or a short
/// sentence that names a meeting participant and thanks, asks or calls on them ("Takk for
/// det, ordet er fritt, Marte Lien, du er så god.", "Takk, Norunn, vil du kommentere?").
pub fn is_handover_sentence(text: &str, meeting: &Meeting) -> bool {
    let lc = text.to_lowercase();
    let n = text.split_whitespace().count();
    if HANDOVER_END.iter().any(|c| lc.contains(c)) && n < 20 {
        return true;
    }
    // "Takk, noen kommentarer." (ASR drops the question mark): a short chair cue alone.
    let bare: String = lc.chars().filter(|c| c.is_alphanumeric() || c.is_whitespace()).collect();
    let bare = bare.trim_start_matches("takk").trim();
    if n <= 6
        && ["noen flere", "noen kommentar", "noen innspill", "noen spørsmål", "flere innspill", "ordet er fritt"]
            .iter()
            .any(|c| bare.starts_with(c))
    {
        return true;
    }
    // "Da åpner jeg for innspill til begge sakene." (garbled: "da oppen er det egentlig for
    // en instilt tilbegesaken det"): opening the floor for a joint discussion.
    if n <= 14 && (fuzzy_contains(text, "til begge sakene", 0.75) || fuzzy_contains(text, "åpner for innspill", 0.75)) {
        return true;
    }
    let named = names_person(text, meeting) || calls_on_person(text, meeting);
    let thanks = starts_with_word(&lc, "takk") || starts_with_word(&lc, "thank") || lc.contains("så god");
    named && n <= 14 && (thanks || text.trim_end().ends_with('?') || n <= 5)
}

/// Split a sak's transcript into turns and classify them.
pub fn split_turns(transcript: &Transcript, spans: &[Span], meeting: &Meeting, item: &Item) -> Vec<Turn> {
    let sents = sentences(transcript, spans);
    let tagged = sents.iter().any(|s| s.speaker.is_some());
    let mut groups: Vec<Vec<Sentence>> = Vec::new();
    for s in sents {
        let new_turn = match groups.last().and_then(|g| g.last()) {
            None => true,
            Some(prev) => {
                if tagged {
                    prev.speaker != s.speaker
                } else {
                    let lc_prev = prev.text.to_lowercase();
                    let lc = s.text.to_lowercase();
                    s.span[0] - prev.span[1] > PAUSE_SECS
                        || ((HANDOVER_END.iter().any(|c| lc_prev.contains(c)) || is_handover_sentence(&prev.text, meeting))
                            && !calls_on_person(&s.text, meeting))
                        || is_handover_sentence(&s.text, meeting)
                        || calls_on_person(&prev.text, meeting)
                        // A turn that opens with thanks is the chair taking the word back
                        // (or the next speaker thanking for it); so does a summing-up.
                        || (CHAIR_OPENERS.iter().any(|c| starts_with_word(&lc, c))
                            && !CHAIR_OPENERS.iter().any(|c| starts_with_word(&lc_prev, c)))
                }
            }
        };
        if new_turn {
            groups.push(vec![s]);
        } else if let Some(g) = groups.last_mut() {
            g.push(s);
        }
    }

    // Untagged text runs the chair's summing-up into the last speaker's words: split it off at
    // the first sentence that reads as one, in the second half of the sak.
    let (sak_start, sak_end) =
        (groups.first().map(|g| g[0].span[0]).unwrap_or(0.0), groups.last().and_then(|g| g.last()).map(|s| s.span[1]).unwrap_or(0.0));
    let late = |s: &Sentence| s.span[0] >= sak_start + 0.5 * (sak_end - sak_start);
    if !tagged {
        let mut out: Vec<Vec<Sentence>> = Vec::new();
        for g in groups {
            match g.iter().position(|s| late(s) && summing_up_score(&s.text, item, meeting) >= 2) {
                Some(i) if i > 0 => {
                    let mut g = g;
                    let rest = g.split_off(i);
                    out.push(g);
                    out.push(rest);
                }
                _ => out.push(g),
            }
        }
        groups = out;
    }
    let mut turns: Vec<Turn> = groups
        .into_iter()
        .map(|g| {
            let span = [g[0].span[0], g[g.len() - 1].span[1]];
            let speaker = g[0].speaker.clone();
            Turn { span, sentences: g, speaker, role: TurnRole::Member, kind: TurnKind::Substantive }
        })
        .collect();
    // The chair: from the agenda, else whoever announces the item.
    let chair = chair_name(meeting).or_else(|| {
        turns.first().filter(|t| CHAIR_CUES.iter().any(|c| t.text().to_lowercase().contains(c))).and_then(|t| t.speaker.clone())
    });
    classify(&mut turns, tagged, chair.as_deref(), item, meeting);
    if !tagged {
        // A late turn that opens with a summing-up sentence is the chair's summing-up; so is
        // the sak's last turn when it carries any summing-up signal.
        let last = turns.iter().rposition(|t| t.kind != TurnKind::Procedural);
        let mut out: Vec<Turn> = Vec::with_capacity(turns.len());
        for (i, mut t) in turns.into_iter().enumerate() {
            // The cue and the decision often come as two sentences ("Da oppsummerer jeg.
            // Nasjonalt e-helseråd drøftet ..."): look at the first two real sentences.
            // ("Takk." and other short fillers do not count.)
            let opening: Vec<usize> = (0..t.sentences.len())
                .filter(|&k| !is_handover_sentence(&t.sentences[k].text, meeting) && t.sentences[k].text.split_whitespace().count() >= 3)
                .take(2)
                .collect();
            let hit = opening
                .iter()
                .copied()
                .find(|&k| {
                    let s = &t.sentences[k];
                    let score = summing_up_score(&s.text, item, meeting);
                    late(s) && (score >= 2 || (Some(i) == last && score >= 1))
                })
                // The sak's last turn that runs on into the chair's announcement of the next item
                // ("Da går vi til sak 19.") with no hand-over between is the chair's: its summing-up.
                .or_else(|| {
                    let ends_chairing = t.sentences.iter().rev().take(2).any(|s| is_announcement(&s.text));
                    (Some(i) == last && ends_chairing && opening.first().is_some_and(|&k| late(&t.sentences[k]))).then(|| opening[0])
                });
            match hit {
                // The summing-up starts inside the turn: what comes before it (a presenter's
                // reply, a commitment) keeps its role.
                Some(k) if Some(&k) != opening.first() => {
                    let tail = t.sentences.split_off(k);
                    t.span[1] = t.sentences.last().map(|s| s.span[1]).unwrap_or(t.span[1]);
                    let span = [tail[0].span[0], tail[tail.len() - 1].span[1]];
                    out.push(t);
                    out.push(Turn { span, sentences: tail, speaker: None, role: TurnRole::Chair, kind: TurnKind::SummingUp });
                }
                Some(_) => {
                    t.role = TurnRole::Chair;
                    t.kind = TurnKind::SummingUp;
                    out.push(t);
                }
                None => out.push(t),
            }
        }
        turns = out;
    }
    turns
}

/// "Hans Olav Berg." / "Marte.": the chair giving the word to someone by name.
fn calls_on_person(sentence: &str, meeting: &Meeting) -> bool {
    let words: Vec<&str> = sentence
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .filter(|w| !w.is_empty() && !w.eq_ignore_ascii_case("takk") && !w.eq_ignore_ascii_case("så"))
        .collect();
    !words.is_empty()
        && words.len() <= 4
        && words.iter().all(|w| w.chars().next().is_some_and(|c| c.is_uppercase()))
        && super::check::person_names(meeting).iter().any(|n| n.split_whitespace().any(|p| words.contains(&p)))
}

/// True when the text names anyone in the meeting file (first or last name).
fn names_person(text: &str, meeting: &Meeting) -> bool {
    let words: Vec<&str> = text.split(|c: char| !c.is_alphanumeric() && c != '-').filter(|w| !w.is_empty()).collect();
    super::check::person_names(meeting).iter().any(|n| {
        let parts: Vec<&str> = n.split_whitespace().collect();
        parts.len() > 1 && (words.contains(&parts[0]) || words.contains(&parts[parts.len() - 1]))
    })
}

/// True when the last person the sentence names is one of the item's presenters: in "Takk,
/// Erik. Tobias Iveland." the chair thanks the presenter and calls on a member.
fn calls_presenter(sentence: &str, item: &Item, meeting: &Meeting) -> bool {
    let words: Vec<&str> = sentence.split(|c: char| !c.is_alphanumeric() && c != '-').filter(|w| !w.is_empty()).collect();
    let last = super::check::person_names(meeting)
        .into_iter()
        .filter_map(|n| {
            let parts: Vec<String> = n.split_whitespace().map(String::from).collect();
            let pos = words.iter().rposition(|w| parts.len() > 1 && (*w == parts[0] || *w == parts[parts.len() - 1]))?;
            Some((pos, n))
        })
        .max_by_key(|(pos, _)| *pos);
    match last {
        Some((_, name)) => item.presenters.iter().any(|p| p.name == name),
        None => names_presenter(sentence, item),
    }
}

/// True when the text names one of the item's presenters (first or last name).
fn names_presenter(text: &str, item: &Item) -> bool {
    let words: Vec<&str> = text.split(|c: char| !c.is_alphanumeric() && c != '-').filter(|w| !w.is_empty()).collect();
    item.presenters.iter().any(|p| {
        let parts: Vec<&str> = p.name.split_whitespace().collect();
        parts.first().is_some_and(|f| words.contains(f)) || (parts.len() > 1 && parts.last().is_some_and(|l| words.contains(l)))
    })
}

fn starts_with_word(text: &str, w: &str) -> bool {
    text.trim_start_matches(|c: char| !c.is_alphanumeric()).starts_with(w)
}

/// The chair: the presenter of the opening "Godkjenning av innkalling" item, where there is one.
pub fn chair_name(meeting: &Meeting) -> Option<String> {
    meeting.items.iter().find(|i| i.title.to_lowercase().contains("innkalling")).and_then(|i| i.presenters.first()).map(|p| p.name.clone())
}

/// True when a speaker tag ("Kari Nordmann", "Kari", "KARI NORDMANN (KS)") refers to `name`.
pub fn speaker_is(tag: &str, name: &str) -> bool {
    let tag = tag.to_lowercase();
    let name = name.to_lowercase();
    if tag.contains(&name) {
        return true;
    }
    let parts: Vec<&str> = name.split_whitespace().collect();
    let tag_words: Vec<&str> = tag.split(|c: char| !c.is_alphanumeric() && c != '-').filter(|w| !w.is_empty()).collect();
    // First and last name both present, or the tag is a single name that matches either.
    match (parts.first(), parts.last()) {
        (Some(f), Some(l)) if parts.len() >= 2 => {
            (tag_words.contains(f) && tag_words.contains(l)) || (tag_words.len() == 1 && (tag_words[0] == *f || tag_words[0] == *l))
        }
        _ => false,
    }
}

fn is_procedural_text(text: &str, words: usize) -> bool {
    let lc = text.to_lowercase();
    let bare: String = lc.chars().filter(|c| c.is_alphanumeric() || c.is_whitespace()).collect();
    let bare = bare.split_whitespace().collect::<Vec<_>>().join(" ");
    if GREETINGS.contains(&bare.as_str()) || words < 6 {
        return true;
    }
    // A short question ("Når kommer neste status?") asks; it makes no point of its own.
    if words < 12 && text.trim_end().ends_with('?') {
        return true;
    }
    // Short turns with a chair cue and little else.
    let content = super::check::content_stems(text).len();
    let cue = CHAIR_CUES.iter().any(|c| lc.contains(c));
    (cue && words < 35) || content < 4
}

fn classify(turns: &mut [Turn], tagged: bool, chair: Option<&str>, item: &Item, meeting: &Meeting) {
    // Roles.
    for t in turns.iter_mut() {
        t.role = match (&t.speaker, tagged) {
            (Some(sp), true) => {
                let is_chair = chair.is_some_and(|c| speaker_is(sp, c));
                let lc = t.text().to_lowercase();
                let chairing = CHAIR_CUES.iter().any(|c| lc.contains(c)) && t.word_count() < 60;
                if is_chair && chairing {
                    // The chair may also present an item; short turns that run the meeting
                    // are still the chair's.
                    TurnRole::Chair
                } else if item.presenters.iter().any(|p| speaker_is(sp, &p.name)) {
                    TurnRole::Presenter
                } else if is_chair {
                    TurnRole::Chair
                } else {
                    TurnRole::Member
                }
            }
            _ => {
                let text = t.text();
                let lc = text.to_lowercase();
                let cue = CHAIR_CUES.iter().any(|c| lc.contains(c));
                let summing =
                    ["da oppsummerer", "jeg oppsummerer", "og sak "].iter().any(|c| starts_with_word(&lc.replace("takk. ", ""), c));
                // "Takk. Så Sveinung Tornås fra Helsedirektoratet.": the chair calling on someone.
                let calls = t.word_count() < 15 && names_person(&text, meeting);
                if (cue && t.word_count() < 60) || summing || calls {
                    TurnRole::Chair
                } else {
                    TurnRole::Member
                }
            }
        };
    }
    if tagged {
        // A listed presenter who did not speak before the discussion opened takes part in
        // it as a member (the agenda lists several presenters; not all of them present).
        let mut presented: Vec<String> = Vec::new();
        let mut discussion = false;
        for t in turns.iter_mut() {
            let sp = t.speaker.clone().unwrap_or_default();
            match t.role {
                TurnRole::Member => discussion = true,
                TurnRole::Presenter if !discussion => presented.push(sp),
                TurnRole::Presenter if !presented.contains(&sp) => t.role = TurnRole::Member,
                _ => {}
            }
        }
    } else {
        // Untagged: the presenter speaks first after the chair's opening, after the chair
        // names a presenter ("Først Kari Jørgensen fra Norsk helsenett."), when the chair asks
        // for a reply ("vil du svare?"), and in answer to a member's short question.
        if !item.presenters.is_empty() {
            let mut seen_speaker = false;
            for i in 0..turns.len() {
                if turns[i].role == TurnRole::Chair {
                    continue;
                }
                let presenter = match i.checked_sub(1).map(|p| &turns[p]) {
                    _ if !seen_speaker => true,
                    Some(prev) if prev.role == TurnRole::Chair => {
                        let last = prev.sentences.last().map(|s| s.text.as_str()).unwrap_or("");
                        let lc = prev.text().to_lowercase();
                        calls_presenter(last, item, meeting) || lc.contains("vil du svare") || lc.contains("vil du kommentere")
                    }
                    Some(prev) => prev.text().trim_end().ends_with('?') && prev.word_count() < 20,
                    None => false,
                };
                seen_speaker = true;
                if presenter {
                    turns[i].role = TurnRole::Presenter;
                }
            }
        }
    }

    // Kinds.
    for t in turns.iter_mut() {
        let text = t.text();
        t.kind = if is_procedural_text(&text, t.word_count()) || (t.role == TurnRole::Chair && t.word_count() < 60) {
            TurnKind::Procedural
        } else {
            TurnKind::Substantive
        };
    }
    // The chair's summing-up: the last chair turn(s) of the sak with a summing-up cue, or
    // simply the last chair turn after the discussion.
    let last_chair = turns.iter().rposition(|t| t.role == TurnRole::Chair);
    if let Some(lc) = last_chair {
        let first_non_chair = turns.iter().position(|t| t.role != TurnRole::Chair);
        if first_non_chair.is_none_or(|f| f < lc) {
            turns[lc].kind = TurnKind::SummingUp;
            // A summing-up over two chair turns (interrupted by a short "ja" from the room).
            let mut i = lc;
            while i > 0 {
                i -= 1;
                let t = &turns[i];
                if t.role == TurnRole::Chair {
                    let lct = t.text().to_lowercase();
                    if SUMMING_UP_CUES.iter().any(|c| lct.contains(c)) {
                        turns[i].kind = TurnKind::SummingUp;
                        continue;
                    }
                    break;
                } else if t.kind == TurnKind::Procedural && t.word_count() < 6 {
                    continue;
                } else {
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::artifact::Segment;

    pub(crate) fn meeting() -> Meeting {
        Meeting::parse(
            r#"
council = "Nasjonalt e-helseråd"
number = "2/2025"
date = "12. juni 2025"
time = "Kl. 10.00 – 16.00"
place = "Oslo"
[[members]]
name = "Kari Nordmann"
organisation = "KS"
[[items]]
saksnr = "11/25"
title = "Godkjenning av innkalling og dagsorden"
presenters = [{ name = "Rune Simensen", organisation = "Helse Sør-Øst RHF" }]
sakstype = "Godkjenning"
forslag = "Nasjonalt e-helseråd godkjenner innkalling og dagsorden."
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

    fn seg(start: f64, end: f64, text: &str, speaker: Option<&str>) -> Segment {
        Segment { start, end, text: text.into(), speaker: speaker.map(String::from), words: vec![], ..Default::default() }
    }

    fn transcript(segs: Vec<Segment>) -> Transcript {
        Transcript {
            version: 1,
            inputs: Default::default(),
            source: "json".into(),
            model: None,
            duration: 0.0,
            segments: segs,
            warnings: vec![],
        }
    }

    const PRESENTATION: &str = "Takk for det. Vi har laget et forslag til en nasjonal veilednings- og godkjenningsordning \
        for helseteknologier, der leverandører og kommuner får ett sted å henvende seg. Ordningen skal gi veiledning \
        om regelverk, og på sikt en godkjenning av løsninger før de tas i bruk. Vi ber om rådets innspill til \
        avgrensning og organisering.";

    #[test]
    fn untagged_turns_split_on_pauses_and_cues_and_are_classified() {
        let m = meeting();
        let item = m.item("13/25").unwrap();
        let t = transcript(vec![
            seg(0.0, 4.0, "Da går vi til sak 13. Norunn, værsågod.", None),
            seg(4.5, 30.0, PRESENTATION, None),
            seg(32.0, 36.0, "Takk for det. Noen innspill? Kari.", None),
            seg(
                37.5,
                50.0,
                "Ja, takk. Jeg tenker at kommunene trenger tydeligere krav før de gjør anskaffelser av helseteknologi. Det haster.",
                None,
            ),
            seg(52.0, 54.0, "Takk.", None),
            seg(56.0, 64.0, "Takk. Da oppsummerer jeg: rådet støtter forslaget og ber om en ny runde til høsten.", None),
        ]);
        let turns = split_turns(&t, &[[0.0, 70.0]], &m, item);
        // Hand-over sentences become turns of their own (procedural); what matters is that
        // the presentation, the member's point and the summing-up come out right.
        let kept: Vec<&Turn> = turns.iter().filter(|t| t.kind != TurnKind::Procedural).collect();
        let kinds: Vec<(TurnRole, TurnKind)> = kept.iter().map(|t| (t.role, t.kind)).collect();
        assert_eq!(
            kinds,
            vec![
                (TurnRole::Presenter, TurnKind::Substantive),
                (TurnRole::Member, TurnKind::Substantive),
                (TurnRole::Chair, TurnKind::SummingUp)
            ],
            "{turns:#?}"
        );
        assert!(turns[0].role == TurnRole::Chair && turns[0].kind == TurnKind::Procedural);
        assert!(kept[1].text().contains("kommunene"));
        assert_eq!(kept[1].span, [37.5, 50.0]);
    }

    #[test]
    fn speaker_tags_decide_turns_and_roles() {
        let m = meeting();
        let item = m.item("13/25").unwrap();
        let t = transcript(vec![
            seg(0.0, 4.0, "Da går vi til sak 13.", Some("Rune Simensen")),
            seg(4.1, 5.0, "Norunn, værsågod.", Some("Rune Simensen")),
            seg(5.1, 30.0, PRESENTATION, Some("Norunn Saure")),
            seg(
                30.1,
                40.0,
                "Kommunene trenger tydeligere krav før de gjør anskaffelser av helseteknologi, og det haster.",
                Some("Kari Nordmann"),
            ),
            seg(40.1, 48.0, "Takk. Vi tar med oss det. Da konkluderer vi med at rådet støtter forslaget.", Some("Rune Simensen")),
        ]);
        let turns = split_turns(&t, &[[0.0, 50.0]], &m, item);
        assert_eq!(turns.len(), 4, "{turns:#?}");
        assert_eq!((turns[0].role, turns[0].kind), (TurnRole::Chair, TurnKind::Procedural));
        assert_eq!((turns[1].role, turns[1].kind), (TurnRole::Presenter, TurnKind::Substantive));
        assert_eq!((turns[2].role, turns[2].kind), (TurnRole::Member, TurnKind::Substantive));
        assert_eq!((turns[3].role, turns[3].kind), (TurnRole::Chair, TurnKind::SummingUp));
    }

    #[test]
    fn procedural_rules() {
        assert!(is_procedural_text("Takk skal du ha.", 4));
        assert!(is_procedural_text("Er det noen flere innspill til denne saken? Ser ingen hender.", 10));
        assert!(is_procedural_text("Da går vi til sak fjorten, og jeg gir ordet til Erik.", 11));
        assert!(!is_procedural_text(
            "Jeg mener at samtykkebestemmelsene i kjernejournalforskriften må endres slik at pasientene slipper å reservere seg flere ganger.",
            19
        ));
    }

    fn with_forslag(forslag: &str) -> Item {
        let mut it = meeting().item("13/25").unwrap().clone();
        it.forslag = forslag.into();
        it
    }

    #[test]
    fn garbled_council_name_and_forslag_mark_the_summing_up() {
        let m = meeting();
        let item = with_forslag(
            "Nasjonalt e-helseråd anbefaler at rådsmodellen fortsetter med tre nivåer, og at det lages nye mandater for hvert utvalg.",
        );
        assert!(fuzzy_contains("Takk, da opp som er grei, Nafsjonalte er helser rådene befaller at", "Nasjonalt e-helseråd", 0.7));
        assert!(!fuzzy_contains("Kommunene er for svakt representert i utvalgene.", "Nasjonalt e-helseråd", 0.7));
        let s = "Takk, da opp som er grei, Nafsjonalte er helser rådene befaller at rådsmodellen fortsetter med tre nivåer, mener til det lagets nye mandat.";
        assert!(summing_up_score(s, &item, &m) >= 2, "{}", summing_up_score(s, &item, &m));
        assert_eq!(summing_up_score("Kommunene er for svakt representert i utvalgene, det bør ses på.", &item, &m), 0);
    }

    #[test]
    fn untagged_summing_up_is_split_off_the_last_speakers_turn() {
        let m = meeting();
        let item =
            with_forslag("Nasjonalt e-helseråd drøftet saken og ber Helsedirektoratet ta med seg innspillene i det videre arbeidet.");
        let t = transcript(vec![
            seg(0.0, 4.0, "Da går vi til sak 13. Norunn, værsågod.", None),
            seg(4.5, 30.0, PRESENTATION, None),
            // Member and chair in one ASR segment, no pause between them.
            seg(32.0, 60.0, "Takk for det, ordet er frit, Kari Nordmann, du er så god. Kommunene trenger tydeligere krav før de gjør anskaffelser av helseteknologi. Takk, da opp som er jeg, Nafsjonalte e-helser råd røftet saken og ber Helsedirektoratet ta med seg innspillene i videre arbeidet.", None),
        ]);
        let turns = split_turns(&t, &[[0.0, 70.0]], &m, &item);
        let last = turns.last().unwrap();
        assert_eq!((last.role, last.kind), (TurnRole::Chair, TurnKind::SummingUp), "{turns:#?}");
        let member: Vec<&Turn> = turns.iter().filter(|t| t.role == TurnRole::Member && t.kind == TurnKind::Substantive).collect();
        assert_eq!(member.len(), 1, "{turns:#?}");
        assert!(member[0].text().starts_with("Kommunene") && !member[0].text().contains("røftet"), "{}", member[0].text());
    }

    #[test]
    fn a_last_turn_running_into_the_next_item_is_the_summing_up() {
        let m = meeting();
        let item = m.item("13/25").unwrap();
        let t = transcript(vec![
            seg(0.0, 4.0, "Da går vi til sak 13. Norunn, værsågod.", None),
            seg(4.5, 30.0, PRESENTATION, None),
            seg(32.0, 34.0, "Takk for det, ordet er frit, Kari Nordmann, du er så god.", None),
            seg(34.5, 50.0, "Kommunene trenger tydeligere krav før de gjør anskaffelser av helseteknologi.", None),
            // Garbled beyond the council-name match; only the position and the run-on
            // announcement tell it is the chair.
            seg(52.0, 64.0, "Takk, jeg jobb som er der. Nå skjømme alltid helser åre gangsmilt til å stille seg bak ordningen. Da rår vi til saknyttren.", None),
        ]);
        let turns = split_turns(&t, &[[0.0, 70.0]], &m, item);
        let last = turns.last().unwrap();
        assert_eq!((last.role, last.kind), (TurnRole::Chair, TurnKind::SummingUp), "{turns:#?}");
        assert_eq!(turns.iter().filter(|t| t.role == TurnRole::Member && t.kind == TurnKind::Substantive).count(), 1, "{turns:#?}");
    }

    #[test]
    fn garbled_break_and_next_item_announcements() {
        assert!(is_announcement("Dattavelunf, vidttavelunf, kott paelse og starte det igjen med saken 15."));
        assert!(is_announcement("Da rår vi til saknyttren, ordentlig ring fra helsen i ryktoratet."));
        assert!(is_announcement("Vi tar en kort pause."));
        assert!(is_announcement("Velkommen tilbake."));
        assert!(!is_announcement("Pasientene må fortsatt kunne reservere seg på en enkel måte."));
        assert!(!is_announcement("Transkripsjon av samtaler er et godt sted å starte."));
    }

    #[test]
    fn hand_over_sentences_name_the_next_speaker() {
        let m = meeting();
        assert!(is_handover_sentence("Takk for det, ordet er frit, Kari Nordmann, du er så god.", &m));
        assert!(is_handover_sentence("Takk, Norunn, vil du kommet dere?", &m));
        assert!(is_handover_sentence("Takk, noen kommentarer.", &m));
        assert!(is_handover_sentence("Thank, Kari.", &m));
        assert!(!is_handover_sentence(
            "Jeg er enig med Kari Nordmann i at kommunene trenger mer veiledning og tydelige krav før anskaffelser.",
            &m
        ));
        let item = m.item("13/25").unwrap();
        // The chair thanks the presenter and calls on a member: the member speaks next.
        assert!(!calls_presenter("Takk, Norunn. Kari Nordmann.", item, &m));
        assert!(calls_presenter("Takk. Norunn Saure.", item, &m));
    }

    #[test]
    fn sentences_get_interpolated_times() {
        let t = transcript(vec![seg(10.0, 20.0, "Første setning her. Andre setning her.", None)]);
        let s = sentences(&t, &[[0.0, 30.0]]);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].span[0], 10.0);
        assert!((s[0].span[1] - 15.0).abs() < 0.6);
        assert_eq!(s[1].span[1], 20.0);
    }
}
