//! The chair's summing-up read for the vedtak: which sentences conclude, what they add to the
//! forslag (in the council's third person), an approval "med den endringen ...", and a
//! postponement of the sak.

use super::spoken;
use crate::artifact::Span;
use crate::draft::check;
use crate::draft::turns::{Turn, TurnKind, TurnRole};
use crate::meeting::{Item, Meeting};
use crate::text::phrases::{fill, phrase};
use crate::text::{self, cue, finish_sentence, split_sentences};

/// Share of a summing-up sentence's content words that the forslag must already contain for
/// the sentence to count as a restatement of it rather than an addition.
const COVERED: f64 = 0.6;
/// Letter-level similarity above which a summing-up sentence is taken as the forslag read out.
const READ_OUT: f64 = 0.55;

/// What the vedtak of one item is drafted against.
pub struct Ctx<'a> {
    pub meeting: &'a Meeting,
    pub item: &'a Item,
    pub council: &'a str,
    /// The council's short name for the vedtak's later sentences ("Rådet", "Utvalget",
    /// "Ungdomsrådet").
    pub short: String,
    /// The forslag of this item and of the others discussed with it.
    group_forslag: Vec<String>,
    /// An outcome stated plainly counts as a decision ([`states_outcome`]): off when the
    /// summing-up was heard unclearly.
    pub plain_outcomes: bool,
    /// How the meeting's order departed from the agenda ("Sak 04/26 behandles etter Sak
    /// 07/26"): what an agenda approval "med den endringen" refers to.
    pub order_change: Option<String>,
}

impl<'a> Ctx<'a> {
    pub fn new(meeting: &'a Meeting, item: &'a Item, group: &[String]) -> Ctx<'a> {
        let group_forslag = group
            .iter()
            .filter_map(|s| meeting.item(s))
            .map(|i| i.forslag.clone())
            .chain(std::iter::once(item.forslag.trim().to_string()))
            .filter(|f| !f.is_empty())
            .collect();
        let council = meeting.council.trim();
        Ctx { meeting, item, council, short: short_name(council), group_forslag, plain_outcomes: true, order_change: None }
    }

    /// The chair reading out (or restating) the forslag of this item or of another in a joint
    /// group adds nothing, however garbled the transcript: compared letter by letter too.
    pub fn restates(&self, t: &str) -> bool {
        cue("refers_to_forslag").in_text(t)
            || self.group_forslag.iter().any(|f| {
                // saying the forslag's words with a "not" is the opposite of restating it
                if negated(t) && !negated(f) {
                    return false;
                }
                text::fuzzy_overlap(t, f) >= COVERED
                    || std::iter::once(f.clone()).chain(split_sentences(f)).any(|fs| text::char_similarity(t, &fs) >= READ_OUT)
            })
    }

    /// A clause in the council's words: the chair's "vi" is the council (also after the verb:
    /// "Dessuten ber vi om ..."); the spelling, saksnr and numbers as the referat writes them.
    pub fn as_council(&self, clause: &str) -> String {
        spoken::digits(&check::correct_spelling(&self.council_voice(clause), self.meeting))
    }

    /// [`Ctx::as_council`] leaving "sak fire" as said: in a correction of earlier minutes the
    /// number is not this meeting's.
    fn as_council_unnumbered(&self, clause: &str) -> String {
        spoken::digits(&check::correct_terms(&self.council_voice(clause), self.meeting))
    }

    fn council_voice(&self, clause: &str) -> String {
        // the chair's "til oss" is to the council ("rapporterer til styringsgruppen")
        static OSS: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
        let oss = OSS.get_or_init(|| regex::Regex::new(r"\b(til|for|hos|fra|med) oss\b").expect("static regex"));
        let who = if self.short.contains(' ') { self.short.clone() } else { self.short.to_lowercase() };
        let owned = oss.replace_all(clause.trim(), format!("$1 {who}").as_str()).into_owned();
        let c = owned.as_str();
        if let Some(rest) = c.strip_prefix("vi ").or_else(|| c.strip_prefix("Vi ")) {
            // the council is one: "er enig"; its own is "seg", "sin"
            let rest = rest.strip_prefix("er enige ").map(|r| format!("er enig {r}")).unwrap_or_else(|| rest.to_string());
            return format!("{} {}", self.short, reflexive(&rest));
        }
        let toks = text::tokens(c);
        let Some(k) = toks.iter().take(6).position(|t| t.w == "vi") else { return c.to_string() };
        if k == 0 || !cue("council_verbs").word(&toks[k - 1].w) {
            return c.to_string();
        }
        let verb = &c[toks[k - 1].start..toks[k - 1].end];
        let tail = &c[toks[k].end..];
        if toks[..k - 1].iter().all(|t| matches!(t.w.as_str(), "da" | "så" | "dermed" | "og" | "altså")) {
            // "Da ber vi kommunen ..." → "Rådet ber kommunen ..."
            return format!("{} {}", self.short, reflexive(&format!("{}{tail}", verb.to_lowercase())));
        }
        // "Dessuten ber vi om ..." → "Dessuten ber utvalget om ..." (a one-word name is a common
        // noun inside the sentence)
        let who = if self.short.contains(' ') { self.short.clone() } else { self.short.to_lowercase() };
        format!("{}{who}{}", &c[..toks[k].start], reflexive(tail))
    }

    /// The council as the subject: "Rådet ber ...", "Ungdomsrådet støtter ...", the council's
    /// own name.
    pub fn council_subject(&self, t: &str) -> bool {
        let toks = text::tokens(t);
        let lead = toks.iter().position(|w| !matches!(w.w.as_str(), "og" | "så" | "da" | "men" | "dermed")).unwrap_or(0);
        let Some(first) = toks.get(lead) else { return false };
        let own = text::words(self.council).first().is_some_and(|w| *w == first.w);
        own || text::rules().cue("council_words").phrases_words().iter().any(|c| first.w.ends_with(c.as_str()))
    }

    /// A sentence that states a decision: a request, support, a recommendation, an addition,
    /// or the council as the one deciding.
    pub fn is_decision(&self, sentence: &str) -> bool {
        is_decision(sentence) || self.council_subject(sentence) || (self.plain_outcomes && states_outcome(&text::tokens(sentence)))
    }
}

/// The council's own in a sentence it is the subject of: "oss" → "seg", "vår" → "sin" ("vi
/// slutter oss til" → "rådet slutter seg til").
fn reflexive(rest: &str) -> String {
    rest.split(' ')
        .map(|w| {
            let core = w.trim_matches(|c: char| !c.is_alphanumeric());
            let own = match core.to_lowercase().as_str() {
                "oss" => "seg",
                "vår" => "sin",
                "vårt" => "sitt",
                "våre" => "sine",
                _ => return w.to_string(),
            };
            w.replacen(core, own, 1)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// "Ungdomsrådet i Fjellby kommune" → "Ungdomsrådet", "Regionalt fagråd" → "Rådet",
/// "Hovedutvalg for oppvekst og kultur" → "Utvalget": the council's first word when it names
/// the kind of body, else the kind itself.
fn short_name(council: &str) -> String {
    let words = text::words(council);
    let kinds = text::rules().cue("council_words").phrases_words();
    let first = council.split_whitespace().next().unwrap_or(council);
    if words.first().is_some_and(|w| kinds.iter().any(|k| w.ends_with(k.as_str()))) {
        return first.to_string();
    }
    for (stem, name) in [("råd", "Rådet"), ("utvalg", "Utvalget"), ("styre", "Styret"), ("nemnd", "Nemnda"), ("komit", "Komiteen")] {
        if words.iter().any(|w| w.ends_with(stem) || w.ends_with(&format!("{stem}et"))) {
            return name.to_string();
        }
    }
    council.to_string()
}

/// The sentences that conclude: those after the chair's last question to the room ("Er det
/// merknader?"). A question checking the conclusion just stated ("Er det en grei
/// oppsummering?") or putting something to the vote is no such cut; one that states the
/// conclusion ("Kan vi konkludere med at utvalget anbefaler ...?") is kept as a statement.
/// Other questions are dropped.
pub fn conclusion(sentences: Vec<(Span, String)>) -> Vec<(Span, String)> {
    let is_q = |t: &str| t.trim_end().ends_with('?');
    let confirms = |t: &str| cue("confirm_question").in_text(t);
    let votes = |t: &str| {
        let toks = text::tokens(t);
        cue("vote_call").find(&toks).is_some()
            || cue("vote_innstilling").find(&toks).is_some()
            || toks.iter().any(|w| w.w.contains("forslag"))
    };
    let cut = sentences.iter().rposition(|(_, t)| is_q(t) && !confirms(t) && !votes(t));
    let kept = match cut {
        Some(q) if q + 1 < sentences.len() => sentences[q + 1..].to_vec(),
        _ => sentences,
    };
    kept.into_iter()
        .filter_map(|(span, t)| {
            if !is_q(&t) {
                return Some((span, t));
            }
            // "Kan vi si at utvalget anbefaler X?" → "Kan vi si at utvalget anbefaler X."
            // (framing removes the question's frame later)
            let toks = text::tokens(&t);
            let stated = confirms(&t) && toks.iter().any(|w| w.w == "at") && text::content_stems(&t).len() >= 4;
            stated.then(|| (span, format!("{}.", t.trim_end().trim_end_matches('?'))))
        })
        .collect()
}

/// What the summing-up adds to the forslag.
#[derive(Debug, Default)]
pub struct Additions {
    /// Sentences that join the vedtak.
    pub sentences: Vec<String>,
    /// An approval's amendment: "med den endring at sak 12 flyttes til høsten".
    pub clause: Option<String>,
    /// Where an amendment the chair referred to was stated.
    pub evidence: Vec<(Span, String)>,
    /// What the meeting landed on, as a list after a colon ("Da går vi for kompromisset: tjue
    /// til festivalen og femten til treningskort"): the forslag's details.
    pub details: Option<String>,
}

/// The additions of the summing-up: sentences that state a decision the forslag does not,
/// in the council's words; an approval's amendment, looked up in the sak when the chair only
/// refers to it ("med den rettelsen").
pub fn additions(ctx: &Ctx, sentences: &[(Span, String)], all: &[&Turn]) -> Additions {
    let mut out = Additions::default();
    // A statement that is no decision itself, for a request that refers back to it ("Det ber
    // vi kommunedirektøren se på.").
    let mut prev: Option<String> = None;
    for (span, raw) in sentences {
        let t = super::repair_opening(raw);
        // "Da er det vi sier: mer lys, toalett og en graffitivegg": the details, not a sentence
        if let Some((head, tail)) = t.split_once(": ") {
            let tail = tail.trim();
            if text::words(head).len() <= 8
                && cue("lands_on").in_text(head)
                && text::content_stems(tail).len() >= 3
                && !ctx.is_decision(tail)
            {
                out.evidence.push((*span, raw.clone()));
                out.details.get_or_insert_with(|| ctx.as_council(tail).trim_end_matches(['.', '!', '?']).to_string());
                continue;
            }
        }
        // "God idé, den tar vi med": the suggestion a member made just before joins the vedtak
        if cue("adopts_previous").in_text(&t) {
            if let Some((at, said, suggestion)) = suggestion_before(all, span[0]) {
                out.evidence.push((at, said));
                out.sentences.push(finish_sentence(&ctx.as_council(&suggestion)));
                continue;
            }
        }
        if let Some((noun, rest)) = amendment_clause(&t) {
            // Said in the approval, the clause's "sak 38" is this meeting's; a correction of
            // earlier minutes ("i sak fire skal det stå ...") speaks of that meeting's saker.
            // Referred to only: the correction stated in the sak, else what the speaker who
            // announced a change went on to say (an agenda's changes: see vedtak.rs).
            let clause = if rest.is_empty() {
                resolve_amendment(all)
                    .map(|(span, said, what)| {
                        out.evidence.push((span, said));
                        format!("med {noun} at {}", ctx.as_council_unnumbered(&what))
                    })
                    .or_else(|| {
                        stated_change(all).map(|(span, said)| {
                            let what = ctx.as_council_unnumbered(&crate::draft::common::normalise(&said));
                            out.evidence.push((span, said));
                            format!("med følgende {}: {}", noun.rsplit(' ').next().unwrap_or(noun), what.trim_end_matches('.'))
                        })
                    })
            } else {
                Some(format!("med {noun} at {}", ctx.as_council(&rest)))
            };
            if let Some(c) = clause {
                out.clause.get_or_insert(c);
            }
            continue;
        }
        let mut t = strip_framing(&after_own_colon(&t));
        if let Some(c) = refers_back(&t) {
            t = match prev.take() {
                Some(p) => format!("vi ber {c} at {}", lower_first(p.trim_end_matches('.'))),
                // the sentence before was the decision itself: "ber kommunen følge opp dette"
                None => format!("vi ber {c} dette"),
            };
        }
        // "vi er enige om at utvalget anbefaler ...": the agreement is the council's decision
        if let Some(rest) = t.strip_prefix("vi er enige om at ") {
            if ctx.council_subject(rest) || rest.starts_with("vi ") {
                t = rest.to_string();
            }
        }
        // Putting something to the vote is the vote's, and moving on to the next sak the
        // meeting's: neither is an addition.
        if cue("vote_call").in_text(&t) || moves_on(raw) {
            continue;
        }
        if !ctx.is_decision(&t) {
            let clean = !has_person(&t) && text::content_stems(&t).len() >= 3 && !ctx.restates(&t);
            prev = clean.then_some(t);
            continue;
        }
        out.sentences.extend(decision_clauses(ctx, &t));
    }
    out
}

/// The chair moving on to another sak ("Da går vi videre til sak tolv"), not "Da tar vi
/// rapporten til etterretning".
fn moves_on(sentence: &str) -> bool {
    let toks = text::tokens(sentence);
    cue("moves_on").starts(sentence) && toks.iter().any(|t| cue("sak_words").word(&t.w) || t.w == "neste" || t.w == "videre")
}

/// The clauses of a decision sentence that add to the forslag, as sentences: each main clause
/// ("..., og vi ber ..." starts another) with its "..., og at ..." complements, less those
/// that restate the forslag, speak in the first or second person, or (standing alone) state
/// no decision.
fn decision_clauses(ctx: &Ctx, t: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (main, subs) in clauses(ctx, t) {
        // enough to say something: three content words, or two with a decision's words
        let says = |c: &str| {
            let n = text::content_stems(c).len();
            n >= 3 || (n == 2 && is_decision(c))
        };
        let fits = |c: &str| !has_person(&ctx.as_council(c)) && says(c) && !ctx.restates(c);
        let subs: Vec<(&str, &str)> = subs.into_iter().filter(|(_, c)| !has_person(&ctx.as_council(c)) && !ctx.restates(c)).collect();
        if fits(main) && ctx.is_decision(main) && !cue("not_decision").in_text(main) {
            let mut s = ctx.as_council(main);
            // "ber om at A, og at B"; a main clause that governs no "at" (its framing "vi noterer
            // at" was taken off) coordinates: "A, og B"
            let at = if text::words(main).iter().any(|w| w == "at") { "at " } else { "" };
            for (conj, c) in &subs {
                s.push_str(&format!(", {conj} {at}{}", ctx.as_council(c)));
            }
            out.push(finish_sentence(&s));
            continue;
        }
        // The main clause goes: complements that state a decision of their own stand alone, and
        // so does what is concluded together with the forslag ("vi godkjenner det som foreslått,
        // og at X").
        let approves_forslag = ctx.restates(main) && ctx.is_decision(main);
        out.extend(
            subs.into_iter()
                .filter(|(_, c)| (approves_forslag || ctx.is_decision(c)) && fits(c))
                .map(|(_, c)| finish_sentence(&ctx.as_council(c))),
        );
    }
    out
}

/// A sentence cut into main clauses with their "at" complements: ", og at X" and ", men at X"
/// are complements; ", og vi ber ..." and ", men rådet vil ..." start a main clause.
/// Each complement comes with its conjunction ("og", "men").
fn clauses<'t>(ctx: &Ctx, t: &'t str) -> Vec<(&'t str, Vec<(&'static str, &'t str)>)> {
    type Clause<'t> = (&'t str, Vec<(&'static str, &'t str)>);
    let mut out: Vec<Clause<'t>> = Vec::new();
    let mut start = 0;
    let mut is_main = true;
    let mut conj = "og";
    let push = |piece: &'t str, main: bool, conj: &'static str, out: &mut Vec<Clause<'t>>| {
        let piece = piece.trim().trim_end_matches(',').trim();
        if piece.is_empty() {
            return;
        }
        match out.last_mut() {
            Some(last) if !main => last.1.push((conj, piece)),
            _ => out.push((piece, Vec::new())),
        }
    };
    for (at, _) in t.match_indices(", ") {
        let rest = &t[at + 2..];
        let (next_conj, after) = match (rest.strip_prefix("og "), rest.strip_prefix("men ")) {
            (Some(a), _) => ("og", a),
            (_, Some(a)) => ("men", a),
            _ => continue,
        };
        let (next_main, skip) = if let Some(x) = after.strip_prefix("om at ").or_else(|| after.strip_prefix("at ")) {
            // "..., og at vi ber X" is a request of its own
            (x.starts_with("vi ") || ctx.council_subject(x), rest.len() - x.len())
        } else if after.starts_with("vi ") || ctx.council_subject(after) {
            (true, rest.len() - after.len())
        } else {
            continue;
        };
        push(&t[start..at], is_main, conj, &mut out);
        start = at + 2 + skip;
        is_main = next_main;
        conj = next_conj;
    }
    push(&t[start..], is_main, conj, &mut out);
    out
}

/// First- or second-person words: the chair's own talk, or talk to someone in the room.
fn has_person(t: &str) -> bool {
    text::words(t).iter().any(|w| text::is_first_person(w) || cue("second_person").word(w))
}

/// A sentence with a decision's words: a request, support, a recommendation, an addition.
fn is_decision(sentence: &str) -> bool {
    let toks = text::tokens(sentence);
    cue("addition").find(&toks).is_some() || cue("decision").find(&toks).is_some()
}

/// An outcome in whatever words, as a summing-up states one: the chair's "vi" (the council)
/// doing something in the present tense ("vi prøver ut ...", "... tar vi inn"), or something
/// done to the matter in the passive ("... skrives inn i hvert tiltak", "Den evalueres før
/// ..."). Talk about the meeting itself ("vi har hørt", "vi snakket om") is not one.
fn states_outcome(toks: &[text::Tok]) -> bool {
    // "da skriver vi det slik" refers back to an outcome stated before; it states none
    if toks.iter().filter(|t| text::is_content(&t.w)).count() < 3 {
        return false;
    }
    let present = |w: &str| w.chars().count() >= 3 && w.ends_with('r') && !cue("recap_verbs").word(w);
    let acts = toks.iter().enumerate().take(8).any(|(i, t)| {
        (t.w == "vi" || text::bokmål_of(&t.w) == Some("vi"))
            && (toks.get(i + 1).is_some_and(|n| present(&n.w)) || (i > 0 && present(&toks[i - 1].w)))
    });
    let passive = toks.iter().any(|t| t.w == "tas" || (t.w.ends_with("es") && t.w.chars().count() >= 6 && !cue("not_passive").word(&t.w)));
    // "vi tar fem minutter" is the break, not the sak's outcome
    (acts || passive) && !text::says_break(toks)
}

/// A sentence that denies something ("ikke", "ingen").
pub fn negated(t: &str) -> bool {
    text::words(t).iter().any(|w| cue("negation").word(w))
}

/// A Drøfting vedtak the chair dictates in the council's name ("... konkluderer slik: Utvalget
/// har drøftet saken og ber ... Før ..., inviterer ..."): from that sentence to the first
/// question or short remark after it, in the council's full name, with the sentences said.
pub fn dictated(ctx: &Ctx, sentences: &[(Span, String)]) -> Option<(Vec<(Span, String)>, String)> {
    // the sentence, or what follows a lead-in of any length before a colon ("Slik jeg har
    // oppfattet drøftingen, ..., og jeg foreslår at vi konkluderer slik: Utvalget ...")
    let clean = |raw: &str| {
        let own = strip_framing(&after_own_colon(&super::repair_opening(raw)));
        let dictates = |t: &str| {
            // a main clause of its own, not "at ... har drøftet X, og at ..." taken out of a report
            ctx.council_subject(t) && text::words(t).iter().any(|w| w.starts_with("drøft")) && !t.contains(", og at ")
        };
        if dictates(&own) {
            return Some(own);
        }
        raw.split_once(": ").map(|(_, tail)| strip_framing(tail)).filter(|t| dictates(t))
    };
    let (k, first) = sentences.iter().enumerate().find_map(|(k, (_, raw))| clean(raw).map(|t| (k, t)))?;
    let mut spans = vec![sentences[k].clone()];
    // the council's own name for its first word ("Utvalget har drøftet ...")
    let first = match first.split_once(' ') {
        Some((_, rest)) if !first.starts_with(ctx.council) => format!("{} {rest}", ctx.council),
        _ => first,
    };
    let mut said = vec![finish_sentence(&ctx.as_council(&first))];
    for (span, raw) in &sentences[k + 1..] {
        let t = raw.trim();
        // the chair speaking of the meeting again ("Vi er ikke helt enige ...") ends it
        let personal = text::words(t).iter().any(|w| text::is_first_person(w));
        if t.ends_with('?') || personal || text::content_stems(t).len() < 3 || cue("vote_call").in_text(t) {
            break;
        }
        spans.push((*span, raw.clone()));
        said.push(finish_sentence(&ctx.as_council(t)));
    }
    Some((spans, said.join(" ")))
}

/// The last suggestion a member put before `before` ("Kan vi også be om at bussen stopper ved
/// hallen?") as the council's statement ("vi ber også om at bussen stopper ved hallen"), with
/// where and how it was said.
fn suggestion_before(all: &[&Turn], before: f64) -> Option<(Span, String, String)> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(r"(?i)^(?:men |og |så )?(?:kan|bør|burde|skal|kunne) vi (?:ikke )?(også |heller |bare )?(\p{L}+) (.+?)\?$")
            .expect("static regex")
    });
    let turn = all.iter().rev().find(|t| t.role != TurnRole::Chair && t.span[1] <= before + 1e-6)?;
    turn.sentences.iter().rev().find_map(|s| {
        let c = re.captures(s.text.trim())?;
        let verb = text::present_tense(&c[2]);
        let also = c.get(1).map_or("", |m| m.as_str());
        Some((s.span, s.text.clone(), format!("vi {verb} {also}{}", &c[3])))
    })
}

/// "Jeg har ett punkt til: Utvalget ønsker ..." → "Utvalget ønsker ...": a first-person
/// lead-in before a colon goes.
fn after_own_colon(t: &str) -> String {
    match t.split_once(':') {
        Some((head, rest)) if !rest.trim().is_empty() && has_person(head) && text::words(head).len() <= 10 => text::capitalise(rest.trim()),
        _ => t.to_string(),
    }
}

/// The summing-up's own framing removed ("Da konkluderer vi med at ...", "Slik jeg hører det, ...").
pub fn strip_framing(sentence: &str) -> String {
    let mut s = sentence.trim().to_string();
    for _ in 0..2 {
        for (re, rep) in &text::rules().framing {
            s = re.replace(&s, rep.as_str()).trim().to_string();
        }
    }
    s
}

/// "Det ber vi kommunedirektøren se på." → "kommunedirektøren se på": a request whose object is
/// the sentence before.
fn refers_back(t: &str) -> Option<String> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| regex::Regex::new(r"(?i)^(?:og |så )?(?:det|dette) ber vi (.+?)[.!]?$").expect("static regex"));
    re.captures(t).map(|c| c[1].to_string())
}

pub(super) fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        // keep acronyms and names ("KS", "Helse Vest")
        Some(f)
            if c.clone().next().is_some_and(char::is_lowercase)
                && !s.split_whitespace().nth(1).is_some_and(|w| w.starts_with(char::is_uppercase)) =>
        {
            f.to_lowercase().collect::<String>() + c.as_str()
        }
        _ => s.to_string(),
    }
}

/// "..., med den endringen at sak 12 flyttes til høsten": the amendment's noun as the vedtak
/// writes it ("den endring") and its content, empty when the chair only refers to it ("med
/// endringen", "med de endringene som ble nevnt").
pub fn amendment_clause(sentence: &str) -> Option<(&'static str, String)> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(
            r"(?i)\bmed (den endringen|den endring|de endringene|det tillegget|det tillegg|følgende tillegg|følgende endring|den rettelsen|den rettelse|rettelsen|rettelsene|de rettelsene|endringen|endringene)\b(?:(?: som)? (?:at|om at) |\s*:\s*)?([^.!?]*)",
        )
        .expect("static regex")
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
    let rest = c[2].trim();
    // "som ble nevnt", "vi snakket om": a reference, not the content; nor is the approval
    // itself ("Med den rettelsen er protokollen godkjent")
    let first = text::words(rest).into_iter().next();
    let refers = rest.is_empty()
        || first.as_deref().is_some_and(|w| matches!(w, "som" | "er" | "blir" | "ble" | "var"))
        || has_person(rest)
        || text::content_stems(rest).len() < 2;
    Some((noun, if refers { String::new() } else { rest.to_string() }))
}

/// A change announced in the sak ("Jeg har én liten rettelse.", "Og så én endring.") and what
/// its speaker said next in the same turn, up to a question: the last such in the sak; else
/// what the last member to speak said (in an approval, the one who asked for the change).
fn stated_change(all: &[&Turn]) -> Option<(Span, String)> {
    let said_after = |t: &Turn, k: usize| -> Option<(Span, String)> {
        let said: Vec<&crate::draft::turns::Sentence> = t.sentences[k..]
            .iter()
            .take_while(|s| !s.text.trim_end().ends_with('?'))
            .filter(|s| text::content_stems(&s.text).len() >= 2)
            .take(2)
            .collect();
        let (first, last) = (said.first()?, said.last()?);
        let words = said.iter().map(|s| s.text.trim()).collect::<Vec<_>>().join(" ");
        // the speaker's "jeg" is the referat's name for them (a person's, not "Taler 3")
        let words = match &t.speaker {
            Some(name) if !name.chars().any(|c| c.is_ascii_digit()) => text::in_third_person(&words, name),
            _ => words,
        };
        Some(([first.span[0], last.span[1]], words))
    };
    for t in all.iter().rev() {
        if let Some(k) = t.sentences.iter().rposition(|s| cue("change_announced").in_text(&s.text)) {
            if let Some(found) = said_after(t, k + 1) {
                return Some(found);
            }
        }
    }
    all.iter().rev().find(|t| t.role == TurnRole::Member && t.kind == TurnKind::Substantive).and_then(|t| said_after(t, 0))
}

/// The correction the chair approves by reference: the last sentence of the sak that states it
/// ("Vi retter formuleringen i sak tre til at ...", "Der skal det stå at ..."), with the
/// sentence and its span.
fn resolve_amendment(all: &[&Turn]) -> Option<(Span, String, String)> {
    for t in all.iter().rev() {
        for s in t.sentences.iter().rev() {
            for re in &text::rules().correction {
                if let Some(c) = re.captures(&s.text) {
                    let what = c.name("what").map(|m| m.as_str().trim()).unwrap_or("");
                    if text::content_stems(what).len() < 2 {
                        continue;
                    }
                    let clause = match c.name("sak") {
                        Some(sak) => format!("det i {} skal stå at {what}", sak.as_str().trim()),
                        None => what.to_string(),
                    };
                    return Some((s.span, s.text.clone(), clause));
                }
            }
        }
    }
    None
}

/// The chair taking the sak to orientation in their own words: "Vi tar rapporten til
/// etterretning." → "<council> tar rapporten til etterretning." (a pronoun is "saken").
pub fn orientation(ctx: &Ctx, sentences: &[(Span, String)], plural: bool) -> Option<String> {
    let said = sentences.iter().rev().find_map(|(_, t)| text::rules().orientation.iter().find_map(|re| re.captures(t)))?;
    let obj = said.name("obj").map(|m| m.as_str().trim().to_lowercase()).unwrap_or_default();
    let pronoun = matches!(obj.as_str(), "det" | "den" | "dette" | "denne" | "dem" | "disse" | "") || obj.starts_with("vi ");
    let obj = if pronoun { if plural { "sakene" } else { "saken" }.to_string() } else { check::correct_spelling(&obj, ctx.meeting) };
    Some(format!("{} tar {obj} til {}.", ctx.council, &said["what"].to_lowercase()))
}

/// A postponement of this sak by the chair ("Vi utsetter saken til neste møte", "Den tar vi
/// neste gang", "Vi sender saken tilbake til administrasjonen"): the vedtak it gives, with the
/// sentence's span. The last such sentence wins (the last that says until when, when one
/// does); one about another sak (named by number or
/// title) or looking back ("ble utsatt fra forrige møte") is none.
pub fn postponement(ctx: &Ctx, chair: &[(Span, String)]) -> Option<(Span, String)> {
    // the last that says until when, else the last
    let (mut found, mut dated) = (None, None);
    for (span, s) in chair {
        if s.trim_end().ends_with('?') {
            continue;
        }
        let toks = text::tokens(s);
        let (postpone, back) = (cue("postpone").find(&toks), cue("send_back").find(&toks));
        let Some((at, used)) = postpone.or(back) else { continue };
        if cue("postpone_past").find(&toks).is_some() || !about_this_sak(ctx, s, &toks) {
            continue;
        }
        let after = &s[toks[(at + used - 1).min(toks.len() - 1)].end..];
        let target = until(after).or_else(|| toks.iter().any(|t| t.w == "neste").then(|| "neste møte".to_string()));
        let nb = crate::meeting::Language::Nb;
        let saken = phrase(nb, "draft.vedtak.the_item");
        let has_target = target.is_some();
        let text = if back.is_some() && postpone.is_none() {
            let to = target.map(|t| format!(" til {}", check::correct_spelling(&t, ctx.meeting))).unwrap_or_default();
            fill(nb, "draft.vedtak.sent_back", &[("council", ctx.council), ("saken", saken), ("to", &to)])
        } else {
            let when = target.map(|t| format!(" til {}", spoken::with_year(&spoken::digits(&t), ctx.meeting))).unwrap_or_default();
            fill(nb, "draft.vedtak.postponed", &[("council", ctx.council), ("saken", saken), ("until", &when)])
        };
        if has_target {
            dated = Some((*span, text.clone()));
        }
        found = Some((*span, text));
    }
    dated.or(found)
}

/// The sentence speaks of this sak: it names it, or names a sak by a word or pronoun and
/// names no other item (by number, or by more of its title than of this one's).
fn about_this_sak(ctx: &Ctx, s: &str, toks: &[text::Tok]) -> bool {
    if super::mentions_sak(s, &ctx.item.saksnr) {
        return true;
    }
    let title_share = |i: &Item| text::overlap(&i.title, s);
    let mine = title_share(ctx.item);
    let other_title = ctx
        .meeting
        .items
        .iter()
        .filter(|i| i.saksnr != ctx.item.saksnr)
        .any(|o| title_share(o) > mine && title_share(o) >= 0.5 && text::content_stems(&o.title).len() >= 2);
    // a sak named by number that is not this one
    !other_title && !super::names_a_sak_number(toks) && toks.iter().any(|t| cue("postpone_object").word(&t.w))
}

/// "til møtet tredje mars, og så ..." → "møtet tredje mars": when a postponed sak
/// comes back (or to whom it is sent), up to the end of the clause.
fn until(after: &str) -> Option<String> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(r"(?i)^(?:[^.,;!?]*?\s)?til ([^.,;!?]+?)(?:\s+(?:og|fordi|siden|slik|så|sånn|når|hvis|der)\b|[.,;!?]|$)")
            .expect("static regex")
    });
    let c = re.captures(after.trim_start())?;
    let w = c[1].trim();
    (!w.is_empty()).then(|| w.to_string())
}
