//! Innspill: one referat bullet per point made in a member's turn.
//!
//! A turn is cut into points (runs of sentences; a sentence that leans on the one before,
//! "Ellers ...", "Da må ...", "Det gjør ...", stays with it). Each point goes to the model in a
//! tightly framed rewrite; the output is checked, and where it fails the point's own words,
//! lightly normalised, stand instead ("extractive").

use super::check::{self, LineKind};
use super::common::{is_filler_sentence, normalise, strip_vocative};
use super::turns::{self, Sentence, Turn};
use super::vedtak::votes;
use super::{Prompts, Stats};
use crate::artifact::{clock, span_text, FlagKind, Line, Origin, Span};
use crate::llm::{ChatMessage, GenParams, Llm, Request};
use crate::meeting::{Item, Meeting};
use crate::text::{self, cue, finish_sentence};
use anyhow::Result;

/// A point made in a turn: one or more consecutive sentences.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub span: Span,
    pub text: String,
}

/// Words that tie a sentence to the one before it.
const LEANING: &[&str] = &["ellers", "eller", "da", "så", "fordi", "derfor", "slik", "siden", "og", "særlig", "spesielt", "altså"];

/// Pronouns that refer back to the sentence before ("De trenger veiledning.", "Men den må
/// holdes oppdatert.") and fragments that complete it ("Ikke bare en liste med krav.").
const REFERRING: &[&str] = &["de", "den", "dette", "disse", "ikke"];

/// Longest stretch (s) of one transcript segment whose sentences are kept together as one
/// point without a leaning cue.
const BREATH_S: f64 = 8.0;

/// Does the sentence lean on the one before it (a connective, a pronoun referring back,
/// "Det gjør ...")? A topic marker ("Om prismodellen, ...") never does.
fn leans_back(text: &str) -> bool {
    let w = text::words(text);
    let first = w.first().map(String::as_str).unwrap_or("");
    let second = w.get(1).map(String::as_str).unwrap_or("");
    if first == "om" && text.split(',').next().is_some_and(|t| t.split_whitespace().count() <= 4) && text.contains(',') {
        return false;
    }
    LEANING.contains(&first)
        || REFERRING.contains(&first)
        || (first == "men" && REFERRING.contains(&second))
        || (first == "det" && ["gjør", "betyr", "gir"].contains(&second))
}

/// Share of a point's content words a model line must keep.
pub const MIN_COVERAGE: f64 = 0.3;

/// Cut a substantive turn into points. Hand-overs and announcements inside the turn
/// (untagged text runs them in) are dropped sentence by sentence.
pub fn points(turn: &Turn, meeting: &Meeting) -> Vec<Point> {
    if turn.speaker.is_some() {
        return speaker_points(turn, meeting);
    }
    // Extent of each sentence's run of abutting sentences (one transcript segment, or ASR
    // windows that follow each other without a gap).
    let ss: Vec<Sentence> = turn.sentences.iter().flat_map(split_contrast).collect();
    let mut run_len = vec![0.0; ss.len()];
    let mut i = 0;
    while i < ss.len() {
        let mut j = i;
        while j + 1 < ss.len() && (ss[j].span[1] - ss[j + 1].span[0]).abs() < 1e-6 {
            j += 1;
        }
        run_len[i..=j].fill(ss[j].span[1] - ss[i].span[0]);
        i = j + 1;
    }
    let mut groups: Vec<Vec<&Sentence>> = Vec::new();
    for (k, s) in ss.iter().enumerate() {
        if is_filler_sentence(&s.text) || turns::is_handover_sentence(&s.text, meeting) || turns::is_announcement(&s.text) {
            continue;
        }
        // "Kravene må komme tidlig nok." after "... tydelige krav ...": a sentence that opens
        // on a word of the sentence before continues its point.
        let repeats = groups.last().and_then(|g| g.last()).is_some_and(|p| {
            let first = text::words(&s.text).into_iter().next().unwrap_or_default();
            let fs = text::content_stems(&first);
            !fs.is_empty() && text::content_stems(&p.text).contains(&fs[0])
        });
        let leans = leans_back(&s.text) || repeats;
        // Sentences of one short transcript segment stay together (a tagged utterance is
        // roughly one breath group of the speaker); a new segment starts a new point unless
        // it leans back. An ASR segment is a 10-30 s decoding window holding several points:
        // past BREATH_S only the leaning rules keep sentences together.
        let same_breath =
            run_len[k] <= BREATH_S && groups.last().and_then(|g| g.last()).is_some_and(|p| (p.span[1] - s.span[0]).abs() < 1e-6);
        let small = text::content_stems(&s.text).len() < 2;
        match groups.last_mut() {
            Some(g) if leans || same_breath || small => g.push(s),
            _ => groups.push(vec![s]),
        }
    }
    // A point with too little content joins its neighbour.
    let mut out: Vec<Point> = Vec::new();
    for g in groups {
        let text = g.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join(" ");
        let span = [g[0].span[0], g[g.len() - 1].span[1]];
        match out.last_mut() {
            Some(p) if text::content_stems(&text).len() < 4 => {
                p.text = format!("{} {}", p.text, text);
                p.span[1] = span[1];
            }
            _ => out.push(Point { span, text }),
        }
    }
    if out.len() > 1 && text::content_stems(&out[0].text).len() < 4 {
        let first = out.remove(0);
        out[0].text = format!("{} {}", first.text, out[0].text);
        out[0].span[0] = first.span[0];
    }
    out.into_iter().flat_map(|p| split_long(p, &ss)).collect()
}

/// A turn of one known speaker is one point, unless the speaker lists points ("For det
/// første ...", "Når det gjelder ...") or turns to a new claim ("Men <something else>"), or
/// speaks at great length; then it is cut there.
fn speaker_points(turn: &Turn, meeting: &Meeting) -> Vec<Point> {
    // A sentence that only announces another point ("Og så et annet punkt.") is dropped, and
    // the sentence after it opens that point.
    let mut opens_next: Vec<Span> = Vec::new();
    // a question right after a suggestion put as a question spells it out ("Kan vi ikke bare
    // dele? Tjue til festivalen og femten til kortene?")
    let spells_out: Vec<bool> = std::iter::once(false)
        .chain(turn.sentences.windows(2).map(|w| w[0].text.trim_end().ends_with('?') && cue("suggestion_question").starts(&w[0].text)))
        .collect();
    let ss: Vec<&Sentence> = turn
        .sentences
        .iter()
        .enumerate()
        .filter(|&(k, s)| {
            if opens_topic(&s.text) && text::content_stems(&s.text).len() <= 2 {
                opens_next.push(s.span);
                return false;
            }
            !is_filler_sentence(&s.text)
                && !is_meta_sentence(&s.text)
                && (!is_question(&s.text) || spells_out[k])
                && !super::aksjon::is_own_undertaking(&s.text)
                && !turns::is_handover_sentence(&s.text, meeting)
                && !turns::is_announcement(&s.text)
        })
        .map(|(_, s)| s)
        .collect();
    let announced = |s: &Sentence| opens_next.iter().any(|o| o[1] <= s.span[0] + 1e-6 && s.span[0] - o[1] < 2.0);
    // Content words from each sentence to the end of its transcript segment: a new line of
    // the speaker's is a point of its own when it says enough.
    let line_stems: Vec<usize> = (0..ss.len())
        .map(|k| {
            ss[k..]
                .iter()
                .enumerate()
                .take_while(|(i, x)| *i == 0 || !x.starts_segment)
                .map(|(_, x)| text::content_stems(&x.text).len())
                .sum()
        })
        .collect();
    let mut groups: Vec<Vec<&Sentence>> = Vec::new();
    for (k, s) in ss.iter().copied().enumerate() {
        let stems = text::content_stems(&s.text).len();
        // A new point: a topic opener, a contrast with a new claim, or a new line of the
        // speaker's (a transcript segment) that makes a claim of its own after one already made.
        // A formal proposal is a point of its own, and the rest of the speaker's line belongs to
        // it; an argument before it is a point of its own when it says enough, else it is the
        // proposal's motivation, left out of the proposal's line.
        let in_proposal = groups.last().is_some_and(|g| g.iter().any(|x| is_proposal(&x.text)));
        let new_point = groups.last().is_some_and(|g| {
            let so_far: usize = g.iter().map(|x| text::content_stems(&x.text).len()).sum();
            let own_line = s.starts_segment && !leans_back(&s.text) && line_stems[k] >= 4 && so_far >= SEGMENT_POINT_STEMS;
            (is_proposal(&s.text) && so_far as f64 >= text::threshold("innspill.proposal_preamble"))
                || (so_far >= 2 && announced(s))
                || (so_far >= 4
                    && (own_line
                        || !in_proposal
                            && (opens_topic(&s.text)
                                || (opens_contrast(&s.text) && so_far >= CONTRAST_MIN_STEMS.0 && stems >= CONTRAST_MIN_STEMS.1))))
        });
        match groups.last_mut() {
            Some(g) if !new_point => g.push(s),
            _ => groups.push(vec![s]),
        }
    }
    let all: Vec<Sentence> = turn.sentences.clone();
    groups
        .into_iter()
        // a sentence alone that only takes a position, or says too little to record
        .filter(|g| {
            !(g.len() == 1
                && (is_bare_stance(&g[0].text)
                    // a stance in a speech frame ("Da sier jeg bare at Sp støtter ..."), as the register rules leave it
                    || is_bare_stance(&normalise(&g[0].text))
                    || (text::content_stems(&g[0].text).len() as f64) < text::threshold("innspill.min_point_stems")))
        })
        .flat_map(|g| {
            let text = g.iter().map(|s| strip_vocative(&s.text, meeting)).collect::<Vec<_>>().join(" ");
            let span = [g[0].span[0], g[g.len() - 1].span[1]];
            match formal_proposal(&text, turn.speaker.as_deref(), meeting) {
                // A proposal is written out whole, however long.
                Some(text) => vec![Point { span, text }],
                None => split_long_at(Point { span, text }, &all, LONG_POINT_WORDS),
            }
        })
        .collect()
}

/// A sentence putting a formal proposal ("... fremmer følgende tilleggsforslag: ...", "Jeg har
/// et alternativt forslag fra ...").
fn is_proposal(sentence: &str) -> bool {
    cue("proposal").find(&text::tokens(sentence)).is_some()
}

/// A sentence that only takes a position on what is put forward, with no reason or claim of
/// its own ("Austevik støtter også forslaget fra Terje.").
fn is_bare_stance(sentence: &str) -> bool {
    let toks = text::tokens(sentence);
    let clause = toks.iter().any(|t| matches!(t.w.as_str(), "at" | "som" | "fordi" | "siden" | "når" | "hvis" | "om" | "men"));
    cue("stance").find(&toks).is_some() && !clause && text::content_stems(sentence).len() <= 5
}

/// A point that puts a formal proposal, written as a protocol writes it: "<who> fremmer
/// følgende <kind>: <the proposal>", who being the parties named, else the speaker's party or
/// organisation. The proposal is read by the vedtak's patterns ([`votes::proposal_in`]); a
/// proposal announced in one sentence and said in the next ("Jeg har et tilleggsforslag.
/// ...") is the rest of the point. The motivation before it is left out. `None` when the
/// point puts no proposal.
pub fn formal_proposal(point: &str, speaker: Option<&str>, meeting: &Meeting) -> Option<String> {
    let sents = text::split_sentences(point);
    let (k, said) = sents.iter().enumerate().find_map(|(k, s)| {
        if let Some(p) = votes::proposal_in(s, speaker, meeting) {
            return Some((k, p));
        }
        // Announced, and said in the sentences after it.
        let toks = text::tokens(s);
        let at = toks.iter().position(|t| t.w.ends_with("forslag") || t.w.starts_with("alternativ"))?;
        let kind = &toks[at];
        // the parties it is from ("et fellesforslag fra Ap og Sp"), else those the sentence names
        let from = votes::parties_from(s, &toks, at + 1, meeting);
        let parties = if from.is_empty() { votes::parties_in(s, meeting) } else { from };
        (is_proposal(s) && k + 1 < sents.len()).then(|| (k, votes::Said { kind: votes::Kind::of(&kind.w), parties, text: String::new() }))
    })?;
    // the sentences after the one that puts it go on with it (and are all of it when the
    // proposal was only announced there)
    let after: Vec<String> = sents
        .get(k + 1..)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, s)| if i == 0 { votes::wording(s) } else { s.clone() })
        .collect();
    let text = if after.first().is_some_and(|a| said.text.contains(a.as_str())) {
        said.text
    } else {
        [said.text].into_iter().chain(after).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ")
    };
    let org = speaker.and_then(|sp| turns::member_of(sp, meeting)).map(|m| m.organisation.clone());
    let who = if said.parties.is_empty() { org.filter(|o| !o.is_empty()) } else { Some(votes::list(&said.parties)) };
    let kind = said.kind.noun();
    let body = finish_sentence(text.trim());
    Some(match who {
        Some(w) => format!("{w} fremmer følgende {kind}: {body}"),
        None => format!("Følgende {kind} ble fremmet: {body}"),
    })
}

/// Content words a point must have before a new line of the same speaker starts another.
const SEGMENT_POINT_STEMS: usize = 5;

/// A speaker's point longer than this (words) is cut at sentences.
const LONG_POINT_WORDS: usize = 60;

/// "For det andre ...", "Når det gjelder brevene, ...", "Om prismodellen, ...": a new point.
fn opens_topic(sentence: &str) -> bool {
    let toks = text::tokens(sentence);
    let short_lead = sentence.split(',').next().is_some_and(|t| t.split_whitespace().count() <= 4) && sentence.contains(',');
    cue("topic").at(&toks, 0).is_some() || (toks.first().is_some_and(|t| t.w == "om") && short_lead)
}

/// "Men pasientene må ...": a contrast that opens a new claim (not "Men den ...", which
/// refers back).
fn opens_contrast(sentence: &str) -> bool {
    let w = text::words(sentence);
    w.first().is_some_and(|f| f == "men") && w.get(1).is_some_and(|x| !cue("referring").word(x))
}

/// Talk about the talk: "Jeg var nesten ferdig.", "Unnskyld at jeg avbryter.", "Jeg står på
/// det jeg sa." (first person, next to no content, or a meta phrase).
fn is_meta_sentence(sentence: &str) -> bool {
    let w = text::words(sentence);
    (w.iter().any(|x| text::is_first_person(x)) && text::content_stems(sentence).len() <= 2)
        || cue("meta").whole(sentence)
        || cue("meta").starts(sentence) && w.len() <= 8
        || cue("listing").starts(sentence)
}

/// Content words before and after ", men" for the sentence to be cut there.
const CONTRAST_MIN_STEMS: (usize, usize) = (5, 4);

/// "Legeforeningen støtter en endring, dagens samtykke gir mye ekstra arbeid, men pasientene
/// må fortsatt kunne reservere seg": ASR loses the full stop, and a contrast that opens a new
/// claim ("men pasientene ...", not "men den ...") is a point of its own. Both halves must be
/// substantial; the spans are shared out by length.
fn split_contrast(s: &Sentence) -> Vec<Sentence> {
    let Some(at) = s.text.find(", men ") else { return vec![s.clone()] };
    let (a, b) = (s.text[..at].trim(), s.text[at + ", men ".len()..].trim());
    let after = text::words(b);
    if after.first().is_some_and(|w| REFERRING.contains(&w.as_str()))
        || text::content_stems(a).len() < CONTRAST_MIN_STEMS.0
        || text::content_stems(b).len() < CONTRAST_MIN_STEMS.1
    {
        return vec![s.clone()];
    }
    let b = text::capitalise(b);
    let cut = s.span[0] + (s.span[1] - s.span[0]) * (a.len() as f64 / s.text.len() as f64);
    let cut = (cut * 100.0).round() / 100.0;
    vec![
        Sentence { span: [s.span[0], cut], text: format!("{a}."), speaker: s.speaker.clone(), starts_segment: s.starts_segment },
        Sentence { span: [cut, s.span[1]], text: b, speaker: s.speaker.clone(), starts_segment: false },
    ]
}

/// A point longer than [`MAX_EXTRACTIVE_WORDS`] (an ASR segment holds a speaker's several
/// points run together) is cut into runs of whole sentences of at most that length, each
/// with its own span, so that each becomes its own bullet instead of one run-on line.
fn split_long(p: Point, sentences: &[Sentence]) -> Vec<Point> {
    split_long_at(p, sentences, MAX_EXTRACTIVE_WORDS)
}

/// [`split_long`] with the limit `max` (words).
fn split_long_at(p: Point, sentences: &[Sentence], max: usize) -> Vec<Point> {
    if p.text.split_whitespace().count() <= max {
        return vec![p];
    }
    let inside: Vec<&Sentence> = sentences
        .iter()
        .filter(|s| s.span[0] >= p.span[0] - 1e-6 && s.span[1] <= p.span[1] + 1e-6 && p.text.contains(s.text.as_str()))
        .collect();
    let mut out: Vec<Point> = Vec::new();
    let mut cur: Vec<&Sentence> = Vec::new();
    let flush = |cur: &mut Vec<&Sentence>, out: &mut Vec<Point>| {
        if let (Some(f), Some(l)) = (cur.first(), cur.last()) {
            let text = cur.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join(" ");
            // A short remainder (too little content for a point) joins the previous run.
            match out.last_mut() {
                Some(prev) if text::content_stems(&text).len() < 4 => {
                    prev.text = format!("{} {}", prev.text, text);
                    prev.span[1] = l.span[1];
                }
                _ => out.push(Point { span: [f.span[0], l.span[1]], text }),
            }
        }
        cur.clear();
    };
    for s in inside {
        let n: usize = cur.iter().map(|c| c.text.split_whitespace().count()).sum();
        let leans = leans_back(&s.text);
        if !cur.is_empty() && n + s.text.split_whitespace().count() > max && !(leans && n < max / 2) {
            flush(&mut cur, &mut out);
        }
        cur.push(s);
    }
    flush(&mut cur, &mut out);
    if out.is_empty() {
        vec![p]
    } else {
        out
    }
}

/// A question asks; it makes no point of its own in the referat. A suggestion put as a
/// question ("Hva med andelen som ...?") does.
fn is_question(s: &str) -> bool {
    s.trim_end().ends_with('?') && !cue("suggestion_question").starts(s)
}

/// "hos oss", "for oss", "til oss" with the speaker's organisation for "oss". A party's
/// member says "hos oss" of the place they represent, not of the party: "her".
fn ours_as(text: &str, org: &str, party: bool) -> String {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| regex::Regex::new(r"\b(hos|for|til|fra|mot|med) oss\b").expect("static regex"));
    re.replace_all(text, |c: &regex::Captures| if party && &c[1] == "hos" { "her".to_string() } else { format!("{} {org}", &c[1]) })
        .into_owned()
}

/// The sentences whose "jeg" the register rules would leave ("Jeg hadde meldt forfall.") with
/// the speaker's name for it; the others as said, for the rules to recast.
fn named_where_personal(text: &str, name: &str) -> String {
    let singular = |s: &str| text::words(&in_register(s)).iter().any(|w| text::is_first_person_singular(w));
    // the rules recast or leave out every "jeg" of the point: nothing to name
    if !singular(text) {
        return text.to_string();
    }
    text::split_sentences(text)
        .iter()
        .map(|s| if singular(s) { text::in_third_person(s, name) } else { s.clone() })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Draft the innspill bullets of one sak from its member turns.
#[allow(clippy::too_many_arguments)]
pub fn draft_innspill(
    turns: &[&Turn],
    segments: &[crate::artifact::Segment],
    meeting: &Meeting,
    item: &Item,
    llm: &mut dyn Llm,
    prompts: &Prompts,
    stats: &mut Stats,
    tick: &mut dyn FnMut(),
) -> Result<Vec<Line>> {
    // Every point of the sak goes to the model in one batch: one pass over the weights serves
    // several rewrites.
    // Words heard as no word at all (speech recognition) are noise in a line: each shows as "…".
    let pts: Vec<Point> = turns
        .iter()
        .flat_map(|t| {
            // the speaker's "hos oss" is their organisation's ("hos NAV"), and a "jeg" the
            // register rules leave is the member by name
            let member = t.speaker.as_deref().and_then(|sp| turns::member_of(sp, meeting));
            let org = member.map(|m| m.organisation.trim().to_string()).filter(|o| !o.is_empty());
            let party = org.as_deref().is_some_and(|o| !votes::parties_in(o, meeting).is_empty());
            let name = member.map(|m| m.name.clone());
            points(t, meeting).into_iter().map(move |mut p| {
                if let Some(o) = &org {
                    p.text = ours_as(&p.text, o, party);
                }
                if let Some(n) = &name {
                    p.text = named_where_personal(&p.text, n);
                }
                p
            })
        })
        .map(|p| Point {
            text: crate::transcribe::lexicon::mask_unknown(&p.text, &crate::transcribe::lexicon::unknown_words(segments, p.span)),
            ..p
        })
        .collect();
    // Each point is written up one of three ways: flagged as unclear (heard too badly to write
    // up), its own words (already a clean referat line), or by the model. Only the last costs
    // a model call.
    enum Plan {
        Unclear(crate::transcribe::lexicon::Clarity),
        Own(Line),
        Model(usize),
    }
    let mut requests: Vec<Request> = Vec::new();
    let plans: Vec<Plan> = pts
        .iter()
        .map(|p| {
            let clarity = crate::transcribe::lexicon::clarity(segments, p.span);
            if clarity.words > 0 && f64::from(clarity.score) >= text::threshold("innspill.unclear_share") {
                return Plan::Unclear(clarity);
            }
            let own = extractive_line(p, meeting, item);
            // A formal proposal stands in its own words, however long.
            if is_clean_line(&own) || is_proposal(&p.text) {
                return Plan::Own(own);
            }
            requests.push(request_for(p, meeting, item, prompts));
            Plan::Model(requests.len() - 1)
        })
        .collect();
    let completions = llm.complete_batch(&requests)?;
    for _ in turns {
        tick();
    }
    let mut lines = Vec::with_capacity(pts.len());
    for (p, plan) in pts.iter().zip(plans) {
        lines.push(match plan {
            Plan::Unclear(clarity) => unclear_line(p, &clarity, meeting),
            Plan::Own(line) => {
                stats.extractive_lines += 1;
                line
            }
            Plan::Model(k) => {
                stats.add(&completions[k]);
                bullet_from(p, &completions[k].text, &requests[k].messages[1].content, meeting, item, stats)
            }
        });
    }
    Ok(one_unclear_line(merge_duplicates(lines), meeting))
}

/// A line in the speaker's own words that needs no rewrite: unflagged, short, no first person
/// left, whole sentences. A rewrite can only restate it, so the model is not asked.
fn is_clean_line(line: &Line) -> bool {
    let words = line.text.split_whitespace().count();
    line.flags.is_empty()
        && words <= text::threshold("innspill.clean_max_words") as usize
        && !personal(&line.text)
        && !line.text.contains('…')
        && text::split_sentences(&line.text).len() <= 2
}

/// The rewrite task for one point.
fn request_for(p: &Point, meeting: &Meeting, item: &Item, prompts: &Prompts) -> Request {
    let user = prompts.fill(
        "innspill",
        &[
            ("council", &meeting.council),
            ("saksnr", &item.saksnr),
            ("tittel", &item.title),
            ("sakstype", item.sakstype.as_str()),
            ("tur", &truncate_words(&p.text, 220)),
        ],
    );
    let system = prompts.fill("system", &[("council", &meeting.council)]);
    let prefill = prompts.fill("innspill.svar", &[]);
    let params = GenParams { max_tokens: 80, stop: vec!["\n".into()], ..GenParams::default() };
    Request { messages: vec![ChatMessage::system(system), ChatMessage::user(user)], prefill, params }
}

/// The bullet from the model's answer `answer` to the task `user`, checked, or the
/// extractive line where it fails.
fn bullet_from(p: &Point, answer: &str, user: &str, meeting: &Meeting, item: &Item, stats: &mut Stats) -> Line {
    // The small model often hands back the speaker's words nearly verbatim: the same
    // light normalisation as the extractive line applies.
    // A rewrite says no more than the point: sentences beyond the point's own count are the
    // model's additions ("Det er viktig å bruke språkmodellene for å ...") and are dropped.
    let cleaned = at_most_sentences(&clean_model_line(answer), text::split_sentences(&p.text).len().max(1));
    let normalised = in_register(&cleaned);
    let text = check::correct_spelling(if normalised.is_empty() { &cleaned } else { &normalised }, meeting);
    let mut flags = check::check_line_as(&text, &p.text, "", meeting, LineKind::Innspill);
    // A faithful but empty line ("Kommunene trenger krav.") loses the point: require that
    // it carries a fair share of the point's content.
    let coverage = text::overlap(&p.text, &text);
    if coverage < MIN_COVERAGE {
        flags.push(check::flag(FlagKind::Unsupported, &format!("Linjen dekker lite av innlegget ({:.0} %).", coverage * 100.0)));
    }
    if let Some(why) = bad_style(&text) {
        flags.push(check::flag(FlagKind::Unsupported, why));
    }
    if is_echo(&text, user) {
        flags.push(check::flag(FlagKind::Unsupported, "Modellen gjentok oppgaveteksten."));
    }
    if !flags.iter().any(|f| f.kind == FlagKind::Unsupported) {
        stats.model_lines += 1;
        return Line { text, source: vec![p.span], flags, origin: Origin::Model };
    }
    if !answer.trim().is_empty() {
        stats.rejected.push(format!("{} | {}", text, flags.iter().map(|f| f.reason.as_str()).collect::<Vec<_>>().join(" ")));
    }
    stats.extractive_lines += 1;
    extractive_line(p, meeting, item)
}

/// The points of a sak heard too unclearly, in one flagged line where the first of them was:
/// one pointer to every span to listen to, not a bullet of fragments each.
fn one_unclear_line(lines: Vec<Line>, meeting: &Meeting) -> Vec<Line> {
    let unclear: Vec<&Line> = lines.iter().filter(|l| l.origin == Origin::Unclear).collect();
    if unclear.len() < 2 {
        return lines;
    }
    let spans: Vec<Span> = unclear.iter().flat_map(|l| l.source.iter().copied()).collect();
    let reason = text::phrases::fill(meeting.language, "draft.flag.unclear_many", &[("spans", &span_text(&spans))]);
    let text = unclear.iter().map(|l| l.text.as_str()).collect::<Vec<_>>().join(" ");
    let merged = Line { text, source: spans, flags: vec![check::flag(FlagKind::Uncertain, &reason)], origin: Origin::Unclear };
    let mut out = Vec::with_capacity(lines.len());
    let mut merged = Some(merged);
    for l in lines {
        if l.origin == Origin::Unclear {
            out.extend(merged.take());
        } else {
            out.push(l);
        }
    }
    out
}

/// A point heard too unclearly to write up: not passed off as a bullet, but flagged with the
/// span to listen to and the clear words it has.
fn unclear_line(p: &Point, clarity: &crate::transcribe::lexicon::Clarity, meeting: &Meeting) -> Line {
    let reason = text::phrases::fill(meeting.language, "draft.flag.unclear", &[("from", &clock(p.span[0])), ("to", &clock(p.span[1]))]);
    let text = if clarity.clear_words.is_empty() { "…".to_string() } else { format!("… {} …", clarity.clear_words.join(" … ")) };
    Line { text, source: vec![p.span], flags: vec![check::flag(FlagKind::Uncertain, &reason)], origin: Origin::Unclear }
}

/// Most words an extractive line keeps: a long point (garbled ASR runs on) is cut to its
/// most content-bearing sentences.
pub const MAX_EXTRACTIVE_WORDS: usize = 45;

/// The point's own words, lightly normalised and cut to [`MAX_EXTRACTIVE_WORDS`], checked
/// like any other line.
pub fn extractive_line(p: &Point, meeting: &Meeting, item: &Item) -> Line {
    let own = in_register(&p.text);
    // A formal proposal is kept whole: its wording is what was voted on.
    let text = if is_proposal(&p.text) { own } else { key_sentences(&own, item, MAX_EXTRACTIVE_WORDS) };
    let text = check::correct_spelling(&text, meeting);
    let flags = check::check_line_as(&text, &p.text, "", meeting, LineKind::Innspill);
    Line { text, source: vec![p.span], flags, origin: Origin::Extractive }
}

/// The sentences of `text` that carry most content (content words, twice for words shared with
/// the sak's title and forslag), in their original order, within `max` words; a single
/// over-long sentence is cut at `max` words.
pub fn key_sentences(text: &str, item: &Item, max: usize) -> String {
    if text.split_whitespace().count() <= max {
        return text.to_string();
    }
    let agenda: std::collections::HashSet<String> = text::content_stems(&format!("{} {}", item.title, item.forslag)).into_iter().collect();
    let sents = text::split_sentences(text);
    let mut ranked: Vec<(usize, f64)> = sents
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let st = text::content_stems(s);
            let n = s.split_whitespace().count().max(1) as f64;
            let score = st.len() as f64 + st.iter().filter(|x| agenda.contains(*x)).count() as f64;
            // Dense sentences first; a slight preference for the first (the point's claim).
            (i, score / n.sqrt() + if i == 0 { 0.5 } else { 0.0 })
        })
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut keep: Vec<usize> = Vec::new();
    let mut used = 0;
    for (i, _) in ranked {
        let n = sents[i].split_whitespace().count();
        if keep.is_empty() || used + n <= max {
            keep.push(i);
            used += n;
        }
    }
    keep.sort();
    let out = keep.iter().map(|i| sents[*i].as_str()).collect::<Vec<_>>().join(" ");
    let w: Vec<&str> = out.split_whitespace().collect();
    if w.len() > max {
        format!("{} …", w[..max].join(" "))
    } else {
        out
    }
}

/// The first `n` sentences of `text`.
pub fn at_most_sentences(text: &str, n: usize) -> String {
    let sents = text::split_sentences(text);
    if sents.len() <= n {
        text.to_string()
    } else {
        sents[..n].join(" ")
    }
}

fn truncate_words(s: &str, n: usize) -> String {
    let w: Vec<&str> = s.split_whitespace().collect();
    if w.len() <= n {
        s.to_string()
    } else {
        format!("{} ...", w[..n].join(" "))
    }
}

/// First line of the model's answer without bullet marks, quotes or a label; cut at the last
/// full sentence when the token cap hit mid-sentence.
pub fn clean_model_line(raw: &str) -> String {
    let mut t = raw.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("").to_string();
    for _ in 0..3 {
        t = t.trim_start_matches(['-', '•', '*', '–', ' ', '"', '«', '\'']).to_string();
        let lc = t.to_lowercase();
        for label in ["kulepunkt:", "innspill:", "referat:", "svar:", "punkt:"] {
            if lc.starts_with(label) {
                t = t[label.len()..].trim_start().to_string();
                break;
            }
        }
    }
    t = t.trim_end_matches(['"', '»', '\'', ' ']).to_string();
    if !t.ends_with(['.', '!', '?']) {
        if let Some(i) = t.rfind(['.', '!', '?']) {
            if i > t.len() / 2 {
                t.truncate(i + 1);
            }
        }
    }
    finish_sentence(&t)
}

/// Referat style: no first person, no "the member said".
fn bad_style(text: &str) -> Option<&'static str> {
    let w = text::words(text);
    let first = w.first().map(String::as_str).unwrap_or("");
    if w.iter().any(|x| x == "jeg" || x == "meg") || matches!(first, "vi" | "han" | "hun" | "medlemmet" | "medlemmen" | "innlegget") {
        return Some("Linjen er ikke i referatstil (første person eller «medlemmet sa»).");
    }
    if w.windows(2).any(|p| (p[0].starts_with("medlem") || p[0] == "taleren") && (p[1] == "sa" || p[1] == "sier" || p[1] == "mener")) {
        return Some("Linjen er ikke i referatstil (første person eller «medlemmet sa»).");
    }
    None
}

/// The model handed back (part of) the task instead of a bullet.
fn is_echo(text: &str, prompt: &str) -> bool {
    let lc = text.to_lowercase();
    ["kulepunkt", "referatet", "innlegget", "nøytralt", "presens", "møteleder", "oppgave"].iter().any(|w| lc.contains(w)) || {
        // The instruction part of the prompt (everything but the quoted turn).
        let instr: String = prompt.split('«').next().unwrap_or("").to_string() + prompt.rsplit('»').next().unwrap_or("");
        text::jaccard(text, &instr) > 0.5
    }
}

/// [`normalise`], then the innspill's own register: the speakers' "vi" as the general "man",
/// and a sentence still spoken in the first person left out where the line has others.
pub fn in_register(text: &str) -> String {
    let mut sents: Vec<String> = text::split_sentences(&normalise(text))
        .into_iter()
        .map(|s| {
            let mut s = s;
            for (r, rep) in &text::rules().neutral {
                s = r.replace_all(&s, rep.as_str()).to_string();
            }
            finish_sentence(&s)
        })
        .collect();
    if sents.iter().any(|s| !personal(s) && text::content_stems(s).len() >= 4) {
        sents.retain(|s| !personal(s));
    }
    sents
        .iter()
        .map(|s| if personal(s) { impersonal_clauses(s).unwrap_or_else(|| s.clone()) } else { s.clone() })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Spoken in the first person ("jeg", "vi", "vår", ...).
fn personal(s: &str) -> bool {
    text::words(s).iter().any(|w| text::is_first_person(w))
}

/// A sentence still in the first person without its first-person clauses (split at commas),
/// when what is left carries the point (two content words or more); `None` otherwise.
fn impersonal_clauses(sentence: &str) -> Option<String> {
    let kept: Vec<&str> = sentence.trim_end_matches(['.', '!', '?']).split(", ").filter(|c| !personal(c)).collect();
    // The register rules again: a clause left at the front may open with the conjunction that
    // tied it to the one dropped.
    let joined = normalise(&kept.join(", "));
    (text::content_stems(&joined).len() >= 2).then(|| finish_sentence(&joined))
}

/// Merge bullets that say nearly the same thing; the merged line keeps both sources.
pub fn merge_duplicates(lines: Vec<Line>) -> Vec<Line> {
    let mut out: Vec<Line> = Vec::new();
    for l in lines {
        if let Some(prev) = out.iter_mut().find(|p| text::jaccard(&p.text, &l.text) >= 0.5) {
            let keep_new = (l.flags.len(), l.origin != Origin::Model) < (prev.flags.len(), prev.origin != Origin::Model);
            let mut sources = prev.source.clone();
            sources.extend(l.source.iter().copied());
            sources.sort_by(|a, b| a[0].total_cmp(&b[0]));
            sources.dedup();
            if keep_new {
                *prev = l;
            }
            prev.source = sources;
        } else {
            out.push(l);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draft::turns::{TurnKind, TurnRole};

    fn turn(sents: &[(f64, f64, &str)]) -> Turn {
        let sentences: Vec<Sentence> =
            sents.iter().map(|(s, e, t)| Sentence { span: [*s, *e], text: t.to_string(), speaker: None, starts_segment: true }).collect();
        Turn {
            span: [sents[0].0, sents[sents.len() - 1].1],
            sentences,
            speaker: None,
            role: TurnRole::Member,
            kind: TurnKind::Substantive,
            presenting: false,
        }
    }

    #[test]
    fn a_point_heard_unclearly_is_flagged_with_its_clear_words_not_written_up() {
        let m = crate::draft::turns::tests::meeting();
        let item = m.item("42/26").unwrap();
        let words = |pairs: &[(&str, f32)], start: f64| -> Vec<crate::artifact::Word> {
            pairs
                .iter()
                .enumerate()
                .map(|(i, (w, c))| crate::artifact::Word {
                    start: start + i as f64 * 0.5,
                    end: start + i as f64 * 0.5 + 0.4,
                    text: w.to_string(),
                    confidence: Some(*c),
                    ..Default::default()
                })
                .collect()
        };
        let garbled = [
            ("Fjelle", 0.2),
            ("kommunene", 0.9),
            ("trængre", 0.1),
            ("kriseståbben", 0.2),
            ("flomvarsling", 0.8),
            ("skjøl", 0.3),
            ("mannskapsplanl", 0.2),
            ("venterne", 0.3),
        ];
        let clear = [
            ("Kommunene", 0.9),
            ("trenger", 0.9),
            ("flere", 0.8),
            ("folk", 0.9),
            ("i", 0.9),
            ("krisestaben", 0.8),
            ("ved", 0.9),
            ("flom.", 0.9),
        ];
        let text = |ws: &[(&str, f32)]| ws.iter().map(|(w, _)| *w).collect::<Vec<_>>().join(" ");
        let segs = vec![
            crate::artifact::Segment { start: 0.0, end: 4.0, text: text(&garbled), words: words(&garbled, 0.0), ..Default::default() },
            crate::artifact::Segment { start: 4.0, end: 8.0, text: text(&clear), words: words(&clear, 4.0), ..Default::default() },
        ];
        let t1 = turn(&[(0.0, 4.0, &text(&garbled))]);
        let t2 = turn(&[(4.0, 8.0, &text(&clear))]);
        let mut stats = Stats::default();
        let lines =
            draft_innspill(&[&t1, &t2], &segs, &m, item, &mut crate::llm::RulesOnly, &Prompts::bundled(), &mut stats, &mut || {}).unwrap();
        assert_eq!(lines.len(), 2, "{lines:#?}");
        assert_eq!(lines[0].origin, Origin::Unclear);
        assert!(lines[0].flags.iter().any(|f| f.reason.starts_with("Uklart i opptaket, lytt på 00:00–00:04")), "{lines:#?}");
        assert!(
            lines[0].text.contains("kommunene") && lines[0].text.contains("flomvarsling") && !lines[0].text.contains("trængre"),
            "{}",
            lines[0].text
        );
        assert_ne!(lines[1].origin, Origin::Unclear);
        assert!(lines[1].text.starts_with("Kommunene trenger flere folk"), "{}", lines[1].text);
    }

    #[test]
    fn the_unclear_points_of_a_sak_are_one_flagged_line() {
        let m = crate::draft::turns::tests::meeting();
        let unclear = |a: f64, t: &str| Line { text: t.into(), source: vec![[a, a + 20.0]], flags: vec![], origin: Origin::Unclear };
        let clear =
            Line { text: "Kommunene trenger flere folk.".into(), source: vec![[30.0, 35.0]], flags: vec![], origin: Origin::Extractive };
        let out = one_unclear_line(vec![clear.clone(), unclear(60.0, "… skolen …"), unclear(3700.0, "…")], &m);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].text, clear.text);
        assert_eq!(out[1].source, vec![[60.0, 80.0], [3700.0, 3720.0]]);
        assert!(out[1].flags[0].reason.contains("01:00–01:20, 1:01:40–1:02:00"), "{}", out[1].flags[0].reason);
        // one alone stays as it is
        assert_eq!(one_unclear_line(vec![unclear(60.0, "…")], &m).len(), 1);
    }

    #[test]
    fn turns_are_cut_into_points() {
        let t = turn(&[
            (0.0, 2.0, "Takk."),
            (2.0, 4.0, "Dette er veldig bra for kommunene."),
            (4.5, 8.0, "Kommunene trenger tydelige krav før de starter en anskaffelse."),
            (8.0, 10.0, "Kravene må komme tidlig nok."),
            (10.5, 14.0, "Små kommuner har lite kompetanse på dette."),
            (14.0, 16.0, "De trenger veiledning, ikke bare en liste med krav."),
        ]);
        let p = points(&t, &crate::draft::turns::tests::meeting());
        assert_eq!(p.len(), 2, "{p:#?}");
        assert!(p[0].text.starts_with("Dette er veldig bra") && p[0].text.ends_with("tidlig nok."));
        assert_eq!(p[1].span, [10.5, 16.0]);

        let t = turn(&[
            (0.0, 3.0, "Listen over verifiserte produkter er nyttig. Men den må holdes oppdatert hele tiden."),
            (3.5, 6.0, "Ellers mister leverandørene tilliten til ordningen."),
        ]);
        // sentences of one segment share their boundary time
        let t = Turn {
            sentences: vec![
                Sentence {
                    span: [0.0, 1.5],
                    text: "Listen over verifiserte produkter er nyttig.".into(),
                    speaker: None,
                    starts_segment: true,
                },
                Sentence { span: [1.5, 3.0], text: "Men den må holdes oppdatert hele tiden.".into(), speaker: None, starts_segment: true },
                t.sentences[1].clone(),
            ],
            ..t
        };
        assert_eq!(points(&t, &crate::draft::turns::tests::meeting()).len(), 1);
    }

    #[test]
    fn formal_proposals_are_written_as_a_protocol_writes_them() {
        let m = crate::meeting::Meeting::parse(
            "council = \"R\"\nnumber = \"1\"\ndate = \"d\"\ntime = \"t\"\nplace = \"p\"\n\
             [[members]]\nname = \"Ola Dal\"\norganisation = \"Sp\"\n[[members]]\nname = \"Kari Li\"\norganisation = \"Nordby kommune\"\n\
             [[items]]\nsaksnr = \"1/26\"\ntitle = \"Plan\"\nsakstype = \"Drøfting\"\n",
        )
        .unwrap();
        let cases = [
            (
                "Jeg har et endringsforslag fra KrF: Planen vedtas med frist i mai.",
                None,
                "KrF fremmer følgende endringsforslag: Planen vedtas med frist i mai.",
            ),
            (
                "Vi fremmer følgende tilleggsforslag: Sekretariatet lager en oversikt.",
                Some("Ola Dal"),
                "Sp fremmer følgende tilleggsforslag: Sekretariatet lager en oversikt.",
            ),
            (
                "Dette henger ikke på greip. Sp og KrF fremmer derfor et alternativt forslag: Saken utsettes.",
                None,
                "Sp og KrF fremmer følgende alternative forslag: Saken utsettes.",
            ),
            (
                "Jeg har et tilleggsforslag. Rådet ber om en ny vurdering.",
                Some("Kari Li"),
                "Nordby kommune fremmer følgende tilleggsforslag: Rådet ber om en ny vurdering.",
            ),
            (
                "Jeg har et tilleggsforslag. Rådet ber om en ny vurdering.",
                None,
                "Følgende tilleggsforslag ble fremmet: Rådet ber om en ny vurdering.",
            ),
        ];
        for (said, speaker, want) in cases {
            assert_eq!(formal_proposal(said, speaker, &m).as_deref(), Some(want), "{said}");
        }
        assert_eq!(formal_proposal("Forslaget er godt, og vi støtter det.", Some("Ola Dal"), &m), None);
    }

    #[test]
    fn a_speaker_announcing_another_point_starts_it_and_undertakings_are_left_out() {
        let m = crate::draft::turns::tests::meeting();
        let mut t = turn(&[
            (0.0, 4.0, "Flomsonene i planen er tegnet etter gamle kart, og de må oppdateres før planen vedtas."),
            (4.0, 5.0, "Og så en helt annen ting."),
            (5.0, 9.0, "Øvelsene bør holdes om høsten, når de frivillige er tilbake fra sommerferie."),
            (9.0, 11.0, "Jeg sender dere kartene i morgen."),
        ]);
        t.speaker = Some("Tor Aas".into());
        let p = points(&t, &m);
        assert_eq!(p.len(), 2, "{p:#?}");
        assert!(p[1].text.starts_with("Øvelsene bør holdes"), "{p:#?}");
        assert!(!p.iter().any(|x| x.text.contains("sender dere")), "{p:#?}");
    }

    #[test]
    fn a_bare_position_or_remark_is_no_point_but_a_position_with_reasons_is() {
        let m = crate::draft::turns::tests::meeting();
        let mut t = turn(&[(0.0, 3.0, "Senterpartiet støtter også forslaget fra Tor.")]);
        t.speaker = Some("Tor Aas".into());
        assert!(points(&t, &m).is_empty());
        let mut t = turn(&[(0.0, 3.0, "Da sier jeg bare at Senterpartiet støtter fire promille.")]);
        t.speaker = Some("Tor Aas".into());
        assert!(points(&t, &m).is_empty());
        let mut t = turn(&[
            (0.0, 3.0, "Senterpartiet støtter forslaget."),
            (3.0, 7.0, "Flomsonene er tegnet etter gamle kart, og det må rettes før planen vedtas."),
        ]);
        t.speaker = Some("Tor Aas".into());
        assert_eq!(points(&t, &m).len(), 1);
        let mut t = turn(&[(0.0, 3.0, "Vi støtter at kommunen bygger ny skole i Nordbygda.")]);
        t.speaker = Some("Tor Aas".into());
        assert_eq!(points(&t, &m).len(), 1);
        // a remark alone with too little in it to record
        let mut t = turn(&[(0.0, 2.0, "Det var et ryddig referat.")]);
        t.speaker = Some("Tor Aas".into());
        assert!(points(&t, &m).is_empty());
        // a suggestion put as a question, spelled out in the question after it; a plain
        // question is none
        let mut t = turn(&[(0.0, 2.0, "Kan vi ikke bare dele?"), (2.0, 5.0, "Tjue til festivalen og femten til treningskortene?")]);
        t.speaker = Some("Tor Aas".into());
        assert_eq!(points(&t, &m).len(), 1);
        let mut t = turn(&[(0.0, 2.0, "Når blir parken bygget?"), (2.0, 5.0, "Tjue til festivalen og femten til treningskortene?")]);
        t.speaker = Some("Tor Aas".into());
        assert!(points(&t, &m).is_empty());
    }

    #[test]
    fn the_speakers_oss_is_their_organisation() {
        assert_eq!(ours_as("Man trodde faktisk feilen var hos oss.", "NAV", false), "Man trodde faktisk feilen var hos NAV.");
        assert_eq!(ours_as("Det er viktig for oss og for kommunene.", "KS", false), "Det er viktig for KS og for kommunene.");
        assert_eq!(ours_as("Oss gamle blir glemt.", "KS", false), "Oss gamle blir glemt.");
        assert_eq!(
            ours_as("Hver tredje tiåring hos oss svømmer dårlig, og det betyr mye for oss.", "FrP", true),
            "Hver tredje tiåring her svømmer dårlig, og det betyr mye for FrP."
        );
    }

    #[test]
    fn a_jeg_the_register_rules_leave_is_the_member_by_name() {
        let said = "I protokollen står det at jeg var til stede, men jeg hadde meldt forfall.";
        assert_eq!(
            in_register(&named_where_personal(said, "Kari Dahl")),
            "I protokollen står det at Kari Dahl var til stede, men Kari Dahl hadde meldt forfall."
        );
        // what the rules recast is left to them
        let said = "Jeg mener at planen må ta med grendehusene.";
        assert_eq!(named_where_personal(said, "Kari Dahl"), said);
    }

    #[test]
    fn a_name_addressed_is_dropped_from_the_point() {
        let m = crate::draft::turns::tests::meeting();
        let mut t = turn(&[(0.0, 4.0, "Ingrid, hvis vi sprer tiltakene for tynt, blir det ikke noe skikkelig tilbud noe sted.")]);
        t.speaker = Some("Tor Aas".into());
        let p = points(&t, &m);
        assert_eq!(p[0].text, "Hvis vi sprer tiltakene for tynt, blir det ikke noe skikkelig tilbud noe sted.");
    }

    #[test]
    fn a_long_asr_window_is_cut_by_cues_not_kept_whole() {
        let m = crate::draft::turns::tests::meeting();
        // One 28 s ASR window (abutting sentence spans) with four points of two speakers run
        // together; the chair's opening of the floor is dropped.
        let t = turn(&[
            (0.0, 3.0, "Takk, da åpner jeg for innspill til begge sakene."),
            (3.0, 7.0, "Om prismodellen, vi mangler tall om nytten av løsningene."),
            (7.0, 10.0, "Det gjør det vanskelig å vurdere prisen."),
            (10.0, 14.0, "For kommunene er det viktig at prisen ikke øker brått."),
            (14.0, 19.0, "Om språkmodellene, vi må skille mellom verktøy med lav risiko og beslutningsstøtte."),
            (19.0, 24.0, "Transkripsjon av samtalen er et godt sted å starte."),
            (24.0, 28.0, "Helsepersonell trenger opplæring i feil og hallusinering."),
        ]);
        let p = points(&t, &m);
        let texts: Vec<&str> = p.iter().map(|x| x.text.as_str()).collect();
        assert_eq!(texts.len(), 5, "{texts:#?}");
        assert!(texts[0].starts_with("Om prismodellen") && texts[0].ends_with("vurdere prisen."), "{texts:#?}");
        assert_eq!(p[0].span, [3.0, 10.0]);
        assert!(texts[1].starts_with("For kommunene") && texts[4].starts_with("Helsepersonell"), "{texts:#?}");
        assert!(!texts.iter().any(|x| x.contains("begge sakene")));
    }

    #[test]
    fn a_contrast_opening_a_new_claim_is_its_own_point() {
        let m = crate::draft::turns::tests::meeting();
        let t = turn(&[(0.0, 12.0, "Legeforeningen støtter en endring, dagens samtykkekrav gir mye ekstra arbeid for legene, men pasientene må fortsatt kunne reservere seg på en enkel måte.")]);
        let p = points(&t, &m);
        assert_eq!(p.len(), 2, "{p:#?}");
        assert_eq!(p[0].text, "Legeforeningen støtter en endring, dagens samtykkekrav gir mye ekstra arbeid for legene.");
        assert_eq!(p[1].text, "Pasientene må fortsatt kunne reservere seg på en enkel måte.");
        assert!(p[0].span[0] == 0.0 && p[0].span[1] == p[1].span[0] && p[1].span[1] == 12.0 && p[0].span[1] > 5.0);
        // "men den ..." refers back, and a short first half is no claim of its own: one point.
        for one in [
            "Listen over verifiserte produkter er nyttig for alle kommunene, men den må holdes oppdatert hele tiden av direktoratet.",
            "Vi støtter tre nivåer, men hvert utvalg må ha et klart mandat, slik at saker ikke behandles tre ganger.",
        ] {
            assert_eq!(points(&turn(&[(0.0, 9.0, one)]), &m).len(), 1, "{one}");
        }
    }

    #[test]
    fn a_rewrite_keeps_no_more_sentences_than_its_point() {
        let line = "Det må skilles mellom verktøy med lav risiko og beslutningsstøtte. Det er viktig å bruke språkmodellene.";
        assert_eq!(at_most_sentences(line, 1), "Det må skilles mellom verktøy med lav risiko og beslutningsstøtte.");
        assert_eq!(at_most_sentences(line, 2), line);
    }

    #[test]
    fn hand_overs_and_announcements_never_reach_a_bullet() {
        let m = crate::draft::turns::tests::meeting();
        let t = turn(&[
            (0.0, 3.0, "Takk for det, ordet er frit, Kari Nordmann, du er så god."),
            (3.0, 8.0, "Kommunene trenger tydelige krav før de starter en anskaffelse."),
            (8.0, 12.0, "Dattavelunf, vidttavelunf, kott paelse og starte det igjen med saken 15."),
        ]);
        let p = points(&t, &m);
        assert_eq!(p.len(), 1, "{p:#?}");
        assert!(p[0].text.starts_with("Kommunene") && !p[0].text.contains("Kari") && !p[0].text.contains("igjen"), "{p:#?}");
        assert_eq!(p[0].span, [3.0, 8.0]);
    }

    #[test]
    fn long_points_are_split_and_extractive_lines_capped() {
        let m = crate::draft::turns::tests::meeting();
        let item = m.item("42/26").unwrap();
        // One ASR segment (shared boundary times) holding several points.
        let t = turn(&[
            (0.0, 4.0, "Kommunene trenger tydelige krav tidlig nok før de starter en anskaffelse av helseteknologi."),
            (4.0, 8.0, "Små kommuner har lite kompetanse på området og trenger veiledning."),
            (8.0, 12.0, "Listen over verifiserte produkter må holdes oppdatert hele tiden av direktoratet."),
            (12.0, 16.0, "Pasienter og pårørende bør være med i aktørnettverket fra starten av arbeidet."),
        ]);
        let p = points(&t, &m);
        assert!(p.len() >= 2, "{p:#?}");
        assert!(p.iter().all(|x| x.text.split_whitespace().count() <= MAX_EXTRACTIVE_WORDS), "{p:#?}");
        assert_eq!((p[0].span[0], p[p.len() - 1].span[1]), (0.0, 16.0));
        // The extractive line of an over-long point keeps its most content-bearing sentences.
        let long = Point {
            span: [0.0, 16.0],
            text: t.sentences.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join(" ") + " Ja, det var det.",
        };
        let l = extractive_line(&long, &m, item);
        assert!(l.text.split_whitespace().count() <= MAX_EXTRACTIVE_WORDS + 1, "{}", l.text);
        assert!(!l.text.contains("det var det"), "{}", l.text);
    }

    #[test]
    fn normalisation_gives_referat_style() {
        assert_eq!(normalise("Ja, takk. Jeg tenker at kommunene trenger tydelige krav."), "Kommunene trenger tydelige krav.");
        assert_eq!(
            normalise("Om språkmodellene. Vi må skille mellom verktøy med lav risiko og beslutningsstøtte."),
            "Det må skilles mellom verktøy med lav risiko og beslutningsstøtte."
        );
        assert_eq!(
            normalise("Vi trenger også god logging, altså, slik at pasienten ser det."),
            "Det trengs også god logging, slik at pasienten ser det."
        );
        assert_eq!(
            normalise("Vi støtter tre nivåer. Men hvert utvalg må ha et klart mandat."),
            "Tre nivåer støttes. Hvert utvalg må ha et klart mandat."
        );
    }

    #[test]
    fn model_output_is_cleaned() {
        assert_eq!(clean_model_line("- Kommunene trenger krav.\nNoe mer"), "Kommunene trenger krav.");
        assert_eq!(clean_model_line("Kulepunkt: «kommunene trenger krav»"), "Kommunene trenger krav.");
        assert_eq!(clean_model_line("Kommunene trenger krav. Og de trenger"), "Kommunene trenger krav.");
    }

    #[test]
    fn near_duplicates_merge_and_keep_both_sources() {
        let a = Line {
            text: "Kommunene trenger tydelige krav før anskaffelser.".into(),
            source: vec![[1.0, 2.0]],
            flags: vec![],
            origin: Origin::Extractive,
        };
        let b = Line {
            text: "Kommunene trenger tydelige krav før de gjør anskaffelser.".into(),
            source: vec![[5.0, 6.0]],
            flags: vec![],
            origin: Origin::Model,
        };
        let c = Line {
            text: "Pasienter bør være med i aktørnettverket.".into(),
            source: vec![[7.0, 8.0]],
            flags: vec![],
            origin: Origin::Model,
        };
        let m = merge_duplicates(vec![a, b, c]);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].origin, Origin::Model);
        assert_eq!(m[0].source, vec![[1.0, 2.0], [5.0, 6.0]]);
    }
}
