//! Vedtak: the agenda's forslag til vedtak (or the sakstype's standard wording), adjusted
//! where the meeting decided otherwise: what the chair's summing-up adds ([`conclusion`]),
//! proposals made in the meeting and the votes on them ([`votes`]), and a postponement of the
//! sak. By rules, so the decision text is never a model's invention; any departure is flagged
//! for review.

mod appoint;
pub(crate) mod conclusion;
mod inhabil;
mod spoken;
pub(super) mod votes;

use super::check::{self, LineKind};
use super::turns::{Turn, TurnKind, TurnRole};
use crate::artifact::{Flag, FlagKind, ItemStatus, Line, Origin, OtherKind, Segmentation, Span, Transcript};
use crate::meeting::{Item, Language, Meeting, Sakstype};
use crate::text::finish_sentence;
use crate::text::phrases::{fill, phrase};
use crate::text::{self, cue, split_sentences, Tok};
use conclusion::Ctx;
use votes::{Kind, Proposal, Votes};

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

/// Flag reason for the standard wording used when the agenda has no forslag.
pub const NO_FORSLAG_REASON: &str = "Ingen forslag til vedtak i sakskartet: kontroller vedtaket (standardformulering).";

/// The vedtak of one item. `summing_up` are the chair's closing turns of the sak (of the whole
/// group for joint items); `joint` is the group size (for "sakene").
pub fn draft_vedtak(meeting: &Meeting, item: &Item, summing_up: &[&Turn], joint_group: &[String]) -> Line {
    draft_vedtak_with(meeting, item, summing_up, joint_group, &[])
}

/// [`draft_vedtak`] that also sees every turn of the sak: the chair's voting, proposals put to
/// the vote ("Høyre fremmer følgende tilleggsforslag: ..."), a postponement.
pub fn draft_vedtak_with(meeting: &Meeting, item: &Item, summing_up: &[&Turn], joint_group: &[String], all: &[&Turn]) -> Line {
    draft_vedtak_in(meeting, item, summing_up, joint_group, all, &Facts { clearly: true, order_change: None })
}

/// What a vedtak is drafted against besides the sak's own turns.
pub struct Facts {
    /// The summing-up was heard clearly: from words heard unclearly (a recording's
    /// misrecognitions) only a decision in a decision's own words is taken, never an outcome
    /// the chair stated plainly.
    pub clearly: bool,
    /// How the meeting's order departed from the agenda ([`order_change`]).
    pub order_change: Option<String>,
}

/// [`draft_vedtak_with`] with the [`Facts`] of the meeting.
pub fn draft_vedtak_in(meeting: &Meeting, item: &Item, summing_up: &[&Turn], joint_group: &[String], all: &[&Turn], facts: &Facts) -> Line {
    let mut ctx = Ctx::new(meeting, item, joint_group);
    ctx.plain_outcomes = facts.clearly;
    ctx.order_change = facts.order_change.clone();
    let (sentences, acting) = conclusion_of(&ctx, summing_up, joint_group, all);
    // The chair's words anywhere in the sak: votes are taken, and saker postponed, before the
    // closing words.
    let mut chair_turns: Vec<&Turn> = all.iter().copied().filter(|t| t.role == TurnRole::Chair || t.kind == TurnKind::SummingUp).collect();
    for t in summing_up.iter().chain(&acting) {
        if !chair_turns.iter().any(|c| c.span == t.span) {
            chair_turns.push(t);
        }
    }
    chair_turns.sort_by(|a, b| a.span[0].total_cmp(&b.span[0]));
    let chair = summing_up_for(meeting, item, &chair_turns, joint_group);
    // Without speakers (speech recognition alone) who said what is a guess: votes are read
    // from every sentence of the sak.
    let tagged = all.iter().any(|t| t.speaker.is_some());
    let voting = if tagged || all.is_empty() { chair.clone() } else { summing_up_for(meeting, item, all, joint_group) };
    let mut source: Vec<Span> = sentences.iter().map(|(s, _)| *s).collect();
    let mut evidence: Vec<String> = sentences.iter().map(|(_, t)| t.clone()).collect();
    let mut found = Found::default();

    let proposals = votes::proposals(all, meeting, tagged);
    let v = votes::count(&voting, &proposals, meeting);
    // A proposal to postpone or send back that was carried: its words carry the reason, and
    // the vote is recorded.
    let by_proposal = proposals
        .iter()
        .zip(&v.proposals)
        .filter(|(_, t)| t.carried())
        .find_map(|(p, _)| conclusion::postponement(&ctx, &[(p.span, p.text.clone())]));
    let mut record_votes = || {
        source.extend(v.spans.iter().copied());
        evidence.extend(voting.iter().filter(|(s, _)| v.spans.contains(s)).map(|(_, t)| t.clone()));
        for (p, t) in proposals.iter().zip(&v.proposals) {
            if t.any() {
                source.push(p.span);
                evidence.push(p.text.clone());
                // the proposal as the vote line names it ("FrPs alternative forslag")
                evidence.push(p.name(meeting));
            }
        }
    };
    let (mut text, origin) = if let Some((_, text)) = by_proposal {
        record_votes();
        found.flags.push(check::flag(
            FlagKind::DepartsFromForslag,
            "Møtet vedtok å utsette saken: vedtaket er utsettelsen, ikke forslaget til vedtak.",
        ));
        let votes = votes::sentences(&v, &proposals, meeting);
        let text = std::iter::once(text).chain(votes).collect::<Vec<_>>().join(" ");
        (text, Origin::Extractive)
    } else if let Some((span, text)) = conclusion::postponement(&ctx, &chair) {
        source.push(span);
        evidence.extend(chair.iter().filter(|(s, _)| *s == span).map(|(_, t)| t.clone()));
        found.flags.push(check::flag(
            FlagKind::DepartsFromForslag,
            "Ordstyrer utsatte saken: vedtaket er utsettelsen, ikke forslaget til vedtak.",
        ));
        (text, Origin::Extractive)
    } else {
        record_votes();
        if item.forslag.trim().is_empty() {
            without_forslag(&ctx, &sentences, all, &proposals, &v, joint_group.len() > 1, &mut found)
        } else {
            with_forslag(&ctx, &sentences, all, &proposals, &v, &mut found)
        }
    };
    // A member who was disqualified (inhabil) and left while the sak was dealt with.
    for (span, said, sentence) in inhabil::declared(&ctx, all) {
        text = format!("{} {sentence}", finish_sentence(&text));
        found.evidence.push((span, said));
    }
    for (span, said) in found.evidence {
        source.push(span);
        evidence.push(said);
    }
    let mut flags = found.flags;

    let evidence = evidence.join(" ");
    if summing_up.is_empty() && acting.is_empty() {
        flags.push(check::flag(FlagKind::Uncertain, "Fant ingen oppsummering fra møteleder å støtte vedtaket på."));
    } else {
        // Numbers said in words are in the vedtak as digits: the check sees both.
        let said = format!("{evidence}\n{}\n{}", spoken::digits(&evidence), spoken::all_digits(&evidence));
        // The meeting file may be quoted too: the agenda's saksnr, the members and their
        // organisations (an appointment), the meeting's date (a postponement's year).
        let people = meeting.members.iter().map(|m| format!("{} {}", m.name, m.organisation)).collect::<Vec<_>>().join(" ");
        let saksnr = meeting.items.iter().map(|i| i.saksnr.as_str()).collect::<Vec<_>>().join(" ");
        let agenda = format!("{} {} {} {saksnr} {people} {}", item.title, item.forslag.trim(), ctx.council, meeting.date);
        for f in check::check_line_as(&text, &said, &agenda, meeting, LineKind::Vedtak) {
            if !flags.contains(&f) {
                flags.push(f);
            }
        }
    }
    Line { text, source: merge_spans(source), flags, origin }
}

/// A sak not discussed that someone postponed by name elsewhere in the meeting ("Sak
/// tjueni utsetter vi til juni"): the postponement as its vedtak, flagged for review.
pub fn postponed_elsewhere(meeting: &Meeting, item: &Item, transcript: &Transcript) -> Option<Line> {
    let ctx = Ctx::new(meeting, item, &[]);
    let named: Vec<(Span, String)> = transcript
        .segments
        .iter()
        .flat_map(|seg| split_sentences(&seg.text).into_iter().map(move |t| ([seg.start, seg.end], t)))
        .filter(|(_, t)| mentions_sak(t, &item.saksnr))
        .collect();
    let (span, text) = conclusion::postponement(&ctx, &named)?;
    let flag = check::flag(FlagKind::Uncertain, "Saken ble ikke behandlet, men utsatt i møtet: kontroller vedtaket.");
    Some(Line { text, source: vec![span], flags: vec![flag], origin: Origin::Extractive })
}

/// The sentences that conclude the sak, and the turn that concluded it when that was not the
/// chair's closing turn: the summing-up; when it decides nothing (a last remark or thanks came
/// after the conclusion), the chair's last earlier turn that sums up; when the chair did not
/// (someone else chaired the sak), the last turn of the sak's second half that opens with a
/// summing-up.
fn conclusion_of<'t>(ctx: &Ctx, summing_up: &[&'t Turn], group: &[String], all: &[&'t Turn]) -> (Vec<(Span, String)>, Vec<&'t Turn>) {
    let (meeting, item) = (ctx.meeting, ctx.item);
    let mut sentences = conclusion::conclusion(summing_up_for(meeting, item, summing_up, group));
    let decides = |ss: &[(Span, String)]| ss.iter().any(|(_, t)| ctx.is_decision(&conclusion::strip_framing(t)));
    if decides(&sentences) {
        return (sentences, Vec::new());
    }
    let sums_up = |t: &Turn| t.sentences.iter().any(|s| cue("summing_up").in_text(&s.text));
    let floor = all.iter().position(|t| t.role != TurnRole::Chair);
    let earlier = all.iter().rposition(|t| t.role == TurnRole::Chair && !summing_up.iter().any(|s| s.span == t.span) && sums_up(t));
    if let (Some(k), Some(f)) = (earlier, floor) {
        if k > f {
            let mut before = conclusion::conclusion(summing_up_for(meeting, item, &[all[k]], group));
            if decides(&before) {
                before.append(&mut sentences);
                return (before, Vec::new());
            }
        }
    }
    let (start, end) = match (all.first(), all.last()) {
        (Some(a), Some(b)) => (a.span[0], b.span[1]),
        _ => return (sentences, Vec::new()),
    };
    // a sentence that opens with a summing-up, after a word or two ("Da konkluderer vi ...")
    let opens = |t: &Turn| {
        t.sentences.iter().any(|s| {
            let toks = text::tokens(&s.text);
            let at = |c: &str| cue(c).find(&toks).is_some_and(|(at, _)| at <= 3);
            at("summing_up") || at("concludes")
        })
    };
    // (without speakers, roles are a guess: any turn)
    let tagged = all.iter().any(|t| t.speaker.is_some());
    let acting = all.iter().rposition(|t| {
        let presenting = tagged && t.role == TurnRole::Presenter && t.presenting;
        t.role != TurnRole::Chair && !presenting && t.span[0] >= start + 0.5 * (end - start) && opens(t)
    });
    if let Some(k) = acting {
        let theirs = conclusion::conclusion(summing_up_for(meeting, item, &[all[k]], group));
        if decides(&theirs) {
            return (theirs, vec![all[k]]);
        }
    }
    (sentences, Vec::new())
}

/// What drafting found besides the text: flags, and sentences the vedtak rests on.
#[derive(Default)]
struct Found {
    flags: Vec<Flag>,
    evidence: Vec<(Span, String)>,
}

/// The vedtak from the agenda's forslag: the forslag (in the past tense for a Drøfting), an
/// approval's amendment, what the summing-up adds, the proposals adopted in the meeting (an
/// adopted alternative replaces the forslag), and the votes.
fn with_forslag(
    ctx: &Ctx,
    sentences: &[(Span, String)],
    all: &[&Turn],
    proposals: &[Proposal],
    v: &Votes,
    found: &mut Found,
) -> (String, Origin) {
    let flags = &mut found.flags;
    let forslag = ctx.item.forslag.trim();
    let add = conclusion::additions(ctx, sentences, all);
    found.evidence.extend(add.evidence.iter().cloned());
    let mut additions = add.sentences;
    // An appointment: the people the chair concluded with in the roles the forslag leaves open.
    let mut base = match appoint::fill(ctx, forslag, sentences, all) {
        Some(filled) => {
            flags.push(check::flag(FlagKind::Uncertain, "Navn og roller fra ordstyrers konklusjon: kontroller."));
            filled
        }
        None => forslag.to_string(),
    };
    let mut clause = add.clause;
    // a forslag in numbered points gets an adopted proposal as its next point
    let mut points = numbered_points(&base);
    let consented = votes::consented(all, proposals);
    for ((p, t), agreed) in proposals.iter().zip(&v.proposals).zip(consented) {
        // adopted by a vote, or taken up by the chair without one (unless voted down)
        if !(t.carried() || (agreed && t.adopted != Some(false))) {
            continue;
        }
        let text = finish_sentence(&ctx.as_council(&p.text));
        // the chair reading the proposal out adds nothing of its own
        additions.retain(|a| text::fuzzy_overlap(a, &text) < 0.6);
        if p.kind == Kind::Alternativ {
            flags.push(check::flag(
                FlagKind::DepartsFromForslag,
                &format!("{} ble vedtatt i stedet for forslaget til vedtak.", text::capitalise(&p.name(ctx.meeting))),
            ));
            // An alternative that only changes part of the forslag (shorter, about the same
            // things) amends it; a whole vedtak of its own (the council deciding) replaces it.
            let (own, theirs) = (text::content_stems(&text), text::content_stems(forslag));
            let partial = !ctx.council_subject(&text) && own.len() * 3 < theirs.len() * 2 && text::fuzzy_overlap(&text, forslag) >= 0.3;
            base = if partial {
                format!("{}, med den endring at {}", base.trim_end_matches('.'), conclusion::lower_first(&text))
            } else {
                text
            };
        } else if p.kind == Kind::Endring && clause.as_deref().is_none_or(|c| c.starts_with("med følgende")) {
            // an adopted change is the change the forslag is approved with (its wording, without
            // the reasons given after it), rather than whatever a speaker said last
            let wording = split_sentences(&text).into_iter().next().unwrap_or_default();
            clause = Some(format!("med den endring at {}", conclusion::lower_first(wording.trim_end_matches('.'))));
        } else if !additions.contains(&text) {
            additions.push(match points.as_mut() {
                Some(n) => {
                    *n += 1;
                    format!("{n}. {text}")
                }
                None => text,
            });
        }
    }
    // A Drøfting vedtak the chair dictated stands in the chair's words, in place of the forslag
    // and of what the summing-up added on the way to it.
    let dictated = (ctx.item.sakstype == Sakstype::Drøfting).then(|| conclusion::dictated(ctx, sentences)).flatten();
    // A Drøfting whose summing-up denies what the forslag proposes ("Vi anbefaler ikke oppstart
    // i januar") concluded otherwise: the discussion and the summing-up's conclusions.
    let denies = ctx.item.sakstype == Sakstype::Drøfting
        && !conclusion::negated(forslag)
        && additions.iter().any(|a| conclusion::negated(a) && text::fuzzy_overlap(a, forslag) >= 0.3);
    let details_used = dictated.is_none() && !denies && add.details.is_some();
    let tensed = match dictated {
        Some((evidence, said)) => {
            found.evidence.extend(evidence);
            flags.push(check::flag(FlagKind::DepartsFromForslag, "Ordstyrer formulerte vedtaket selv i oppsummeringen: kontroller."));
            additions.clear();
            said
        }
        None if denies => {
            flags.push(check::flag(FlagKind::DepartsFromForslag, "Oppsummeringen går imot forslaget til vedtak: kontroller."));
            join_to_standard(ctx, &standard_wording(ctx.council, ctx.item, false), &std::mem::take(&mut additions))
        }
        None if ctx.item.sakstype == Sakstype::Drøfting => past_tense(&with_details(&base, add.details.as_deref())),
        None => with_details(&base, add.details.as_deref()),
    };
    if details_used {
        flags.push(check::flag(FlagKind::DepartsFromForslag, "Detaljene er hentet fra ordstyrers oppsummering: kontroller."));
    }
    // The agenda approved with changes (referred to, or in the chair's own words about which
    // sak goes where): the saker withdrawn in the sak and the order the meeting then kept.
    if cue("agenda_approval").in_text(&ctx.item.title) {
        let about_saker = |a: &String| ctx.meeting.items.iter().any(|i| i.saksnr != ctx.item.saksnr && mentions_sak(a, &i.saksnr));
        let referred = clause.as_deref().is_some_and(|c| c.starts_with("med følgende"));
        let changes: Vec<String> = withdrawn_in(ctx, all).into_iter().chain(ctx.order_change.clone()).collect();
        if !changes.is_empty() && (referred || (clause.is_none() && additions.iter().any(about_saker))) {
            additions.retain(|a| !about_saker(a));
            clause = Some(format!("med den endring at {}", changes.join(", og at ")));
        }
    }
    let with_clause = match &clause {
        Some(c) => format!("{}, {}.", finish_sentence(&tensed).trim_end_matches('.'), c),
        None => tensed,
    };
    if let Some(c) = &clause {
        flags.push(check::flag(FlagKind::DepartsFromForslag, &format!("Ordstyrer godkjente med en endring: «{c}»")));
    }
    if !additions.is_empty() {
        flags.push(check::flag(
            FlagKind::DepartsFromForslag,
            &format!("Ordstyrers oppsummering legger til noe som ikke står i forslaget til vedtak: «{}»", additions.join(" ")),
        ));
    }
    // The votes are recorded; they change nothing the forslag says.
    additions.extend(votes::sentences(v, proposals, ctx.meeting));
    let text = if additions.is_empty() { with_clause } else { format!("{} {}", finish_sentence(&with_clause), additions.join(" ")) };
    let origin = if text == forslag { Origin::Template } else { Origin::Extractive };
    (text, origin)
}

/// The last point's number of a forslag written as numbered points ("1. Kommunestyret vedtar
/// ... 2. ..."), counted from 1 without a gap; `None` for a forslag in running text.
fn numbered_points(forslag: &str) -> Option<u32> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| regex::Regex::new(r"(?:^|[.:;]\s+)(\d{1,2})\.\s+\p{Lu}").expect("static regex"));
    let mut last = 0;
    for c in re.captures_iter(forslag) {
        match c[1].parse::<u32>() {
            Ok(n) if n == last + 1 => last = n,
            _ => return None,
        }
    }
    (last >= 2).then_some(last)
}

/// The forslag with the details the meeting landed on after a colon ("...: tjue til
/// festivalen og femten til treningskort.").
fn with_details(base: &str, details: Option<&str>) -> String {
    match details {
        Some(d) => format!("{}: {}.", base.trim_end().trim_end_matches('.'), conclusion::lower_first(d)),
        None => base.to_string(),
    }
}

/// No forslag: the chair's own decision sentence(s) when they start with the council's name
/// ("Nasjonalt e-helseråd drøftet saken og støtter ..."), else the standard wording with what
/// the summing-up decided; the votes after it. Flagged for the secretary either way.
fn without_forslag(
    ctx: &Ctx,
    sentences: &[(Span, String)],
    all: &[&Turn],
    proposals: &[Proposal],
    v: &Votes,
    plural: bool,
    found: &mut Found,
) -> (String, Origin) {
    let flags = &mut found.flags;
    // The people elected, or the chair's own words for taking it to orientation, else the
    // sakstype's wording.
    let said = (ctx.item.sakstype != Sakstype::Godkjenning)
        .then(|| appoint::elect(ctx, sentences, all).or_else(|| conclusion::orientation(ctx, sentences, plural)))
        .flatten();
    let standard = said.clone().unwrap_or_else(|| standard_wording(ctx.council, ctx.item, plural));
    let add = if ctx.item.sakstype != Sakstype::Godkjenning { conclusion::additions(ctx, sentences, all).sentences } else { Vec::new() };
    let (mut text, origin) = if add.is_empty() && said.is_none() {
        // The standard wording is a guess at what was decided, whatever the sakstype: the
        // secretary must confirm it.
        flags.push(check::flag(FlagKind::Uncertain, NO_FORSLAG_REASON));
        (standard, Origin::Template)
    } else if add.is_empty() || said.is_some() {
        flags.push(check::flag(
            FlagKind::Uncertain,
            "Innkallingen har ikke forslag til vedtak; vedtaket er hentet fra ordstyrers oppsummering.",
        ));
        (std::iter::once(standard).chain(add).collect::<Vec<_>>().join(" "), Origin::Extractive)
    } else {
        flags.push(check::flag(
            FlagKind::Uncertain,
            "Innkallingen har ikke forslag til vedtak; vedtaket er hentet fra ordstyrers oppsummering.",
        ));
        // The chair's own decision in the council's name stands as said; else it follows the
        // standard wording.
        let own = (add[0].starts_with(ctx.council) || add[0].starts_with(ctx.short.as_str()))
            && text::words(&add[0]).iter().any(|w| w.starts_with("drøft") || w == "tar" || w == "vedtar");
        let text = if own {
            // the vedtak starts with the council's full name
            let first = match add[0].strip_prefix(ctx.council) {
                Some(_) => add[0].clone(),
                None => format!("{}{}", ctx.council, &add[0][ctx.short.len()..]),
            };
            std::iter::once(first).chain(add[1..].iter().cloned()).collect::<Vec<_>>().join(" ")
        } else {
            join_to_standard(ctx, &standard, &add)
        };
        (text, Origin::Extractive)
    };
    let vs = votes::sentences(v, proposals, ctx.meeting);
    if !vs.is_empty() {
        text = format!("{} {}", finish_sentence(&text), vs.join(" "));
    }
    (text, origin)
}

/// "Rådet drøftet saken." and "Rådet ber om X." → "Rådet drøftet saken og ba om X.": a
/// Drøfting's decisions coordinated after the standard wording, in the past tense.
fn join_to_standard(ctx: &Ctx, standard: &str, add: &[String]) -> String {
    let stem = standard.trim_end_matches('.');
    let first = add[0].trim_end_matches('.');
    // the council as the subject, by any of its names ("Utvalget ber ...")
    let subject_said = ctx.council_subject(first).then(|| first.split_once(' ').map(|(_, r)| r)).flatten();
    let rest = first.strip_prefix(ctx.council).or(subject_said).map(str::trim).filter(|r| {
        let verb = text::words(r).first().cloned().unwrap_or_default();
        text::rules().past_tense.contains_key(&verb)
    });
    match rest {
        Some(r) if ctx.item.sakstype == Sakstype::Drøfting && stem.ends_with("drøftet saken") => {
            let joined = past_tense(&format!("{stem} og {r}."));
            std::iter::once(joined).chain(add[1..].iter().cloned()).collect::<Vec<_>>().join(" ")
        }
        _ => std::iter::once(finish_sentence(standard)).chain(add.iter().cloned()).collect::<Vec<_>>().join(" "),
    }
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

/// Saker the chair withdraws or postpones while the agenda is approved ("sak nitten ... er
/// trukket"), as the amendment writes them: "RS 19/2026 er trukket", "PS 38/25 utsettes".
fn withdrawn_in(ctx: &Ctx, all: &[&Turn]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in all.iter().filter(|t| t.role == TurnRole::Chair || t.kind == TurnKind::SummingUp).flat_map(|t| &t.sentences) {
        let toks = text::tokens(&s.text);
        if cue("postponed").find(&toks).is_none() {
            continue;
        }
        let withdrawn = toks.iter().any(|t| t.w.starts_with("trukket") || t.w.starts_with("trekk"));
        for i in ctx.meeting.items.iter().filter(|i| i.saksnr != ctx.item.saksnr && mentions_sak(&s.text, &i.saksnr)) {
            let said = format!("{} {}", i.saksnr, if withdrawn { "er trukket" } else { "utsettes" });
            if !out.contains(&said) {
                out.push(said);
            }
        }
    }
    out
}

/// The saker the meeting took out of the agenda's order, each with where it was taken, as an
/// agenda approval's amendment states it: "Sak 04/26 behandles etter Sak 07/26", "... etter
/// lunsj" when a break came just before it. The saker moved are the fewest whose removal
/// leaves the rest in agenda order. None when the meeting kept the agenda's order.
pub fn order_change(meeting: &Meeting, seg: &Segmentation) -> Option<String> {
    // discussed saker in meeting order (a joint group once), with their agenda position
    let mut taken: Vec<(f64, usize, &str)> = seg
        .items
        .iter()
        .filter(|s| s.status != ItemStatus::NotDiscussed && !s.spans.is_empty())
        .filter_map(|s| meeting.items.iter().position(|i| i.saksnr == s.saksnr).map(|k| (s.spans[0][0], k, s.saksnr.as_str())))
        .collect();
    taken.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    taken.dedup_by(|b, a| a.0 == b.0);
    // longest increasing run of agenda positions (quadratic: agendas are short)
    let n = taken.len();
    let mut len = vec![1usize; n];
    let mut prev = vec![usize::MAX; n];
    for i in 0..n {
        for j in 0..i {
            if taken[j].1 < taken[i].1 && len[j] + 1 > len[i] {
                len[i] = len[j] + 1;
                prev[i] = j;
            }
        }
    }
    let mut keep = vec![false; n];
    let mut at = (0..n).max_by_key(|&i| (len[i], std::cmp::Reverse(i)))?;
    loop {
        keep[at] = true;
        if prev[at] == usize::MAX {
            break;
        }
        at = prev[at];
    }
    let moved: Vec<String> = (0..n)
        .filter(|&i| !keep[i])
        .map(|i| {
            let (start, _, saksnr) = taken[i];
            let before = i.checked_sub(1).map(|p| taken[p]);
            let pause =
                seg.other.iter().rfind(|o| o.kind == OtherKind::Break && o.end <= start + 1.0 && before.is_none_or(|b| o.start >= b.0));
            match (pause, before) {
                (Some(p), _) if !p.label.trim().is_empty() => format!("{saksnr} behandles etter {}", p.label.trim().to_lowercase()),
                (_, Some((_, _, b))) => format!("{saksnr} behandles etter {b}"),
                _ => format!("{saksnr} behandles først"),
            }
        })
        .collect();
    (!moved.is_empty()).then(|| moved.join(", og "))
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

/// "sak 16", "sak seksten", "16/25", "PS 16/25", "punkt nummer hundre og sytten".
pub fn mentions_sak(text: &str, saksnr: &str) -> bool {
    if text.to_lowercase().contains(&saksnr.to_lowercase()) {
        return true;
    }
    let Some(n) = crate::meeting::saksnr_number(saksnr) else { return false };
    sak_numbers(&text::tokens(text)).iter().any(|readings| readings.contains(&n))
}

/// True when the text names a sak by its number ("sak tjueni", "punkt 4").
fn names_a_sak_number(toks: &[Tok]) -> bool {
    !sak_numbers(toks).is_empty()
}

/// The numbers said after each word for a sak ("sak", "punkt", "sakene"), every reading.
fn sak_numbers(toks: &[Tok]) -> Vec<Vec<u32>> {
    let mut out = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        if !cue("sak_words").word(&t.w) {
            continue;
        }
        let mut j = i + 1;
        while toks.get(j).is_some_and(|t| cue("number_fillers").word(&t.w)) {
            j += 1;
        }
        let readings: Vec<u32> = text::number_readings(toks, j).into_iter().map(|(v, _)| v).collect();
        if !readings.is_empty() {
            out.push(readings);
        }
    }
    out
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
        // moving on to the next sak adds nothing to the vedtak
        let t = chair([17.0, 21.0], "Da er innkalling og dagsorden godkjent. Da går vi videre til sak tolv nå.");
        let v = draft_vedtak(&m, m.item("11/25").unwrap(), &[&t], &[]);
        assert_eq!(v.text, "Nasjonalt e-helseråd godkjenner innkalling og dagsorden.");
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
    fn a_noted_conclusion_keeps_its_conjunction_without_a_dangling_at() {
        let m = meeting();
        let item = m.item("17/25").unwrap();
        let t = chair(
            [400.0, 420.0],
            "Da noterer vi at en fast plass for kommunene i utvalget får støtte, men at sekretariatet legger fram en ny vurdering av mandatet i høst.",
        );
        let v = draft_vedtak(&m, item, &[&t], &[]);
        assert!(
            v.text.contains("En fast plass for kommunene i utvalget får støtte, men sekretariatet legger fram en ny vurdering"),
            "{}",
            v.text
        );
        assert!(!v.text.contains("noterer") && !v.text.contains(", men at") && !v.text.contains(", og at"), "{}", v.text);
    }

    /// A municipal body with party members, for votes and proposals.
    fn municipal() -> Meeting {
        crate::meeting::Meeting::parse(
            r#"
council = "Kommunestyret i Nordby"
number = "3/2026"
date = "5. mars 2026"
time = "Kl. 18.00"
place = "Nordby"
[[members]]
name = "Ida Strand"
organisation = "Ap"
[[members]]
name = "Knut Moe"
organisation = "Sp"
[[members]]
name = "Vera Lid"
organisation = "SV"
[[members]]
name = "Geir Aas"
organisation = "H"
[[items]]
saksnr = "PS 7/26"
title = "Ny turvei langs elva"
sakstype = "Beslutning"
forslag = "Kommunestyret i Nordby bevilger 2 mill. kroner til ny turvei langs elva."
[[items]]
saksnr = "PS 8/26"
title = "Plan for idrettsanlegg"
sakstype = "Drøfting"
forslag = "Kommunestyret i Nordby drøfter planen og ber kommunedirektøren ta innspillene med i det videre arbeidet."
[[items]]
saksnr = "PS 9/26"
title = "Godkjenning av protokoll"
sakstype = "Godkjenning"
forslag = "Kommunestyret i Nordby godkjenner protokollen fra møtet 6. februar 2026."
[[items]]
saksnr = "PS 10/26"
title = "Trafikksikkerhet ved skolene"
sakstype = "Drøfting"
"#,
        )
        .unwrap()
    }

    fn turn(role: TurnRole, speaker: &str, start: f64, text: &str) -> Turn {
        let parts = split_sentences(text);
        let n = parts.len() as f64;
        let sentences = parts
            .into_iter()
            .enumerate()
            .map(|(k, t)| {
                let span = [start + k as f64, start + k as f64 + 1.0];
                Sentence { span, text: t, speaker: Some(speaker.into()), starts_segment: k == 0 }
            })
            .collect();
        let kind = if role == TurnRole::Chair { TurnKind::Procedural } else { TurnKind::Substantive };
        Turn { span: [start, start + n], sentences, speaker: Some(speaker.into()), role, kind, presenting: false }
    }

    /// The vedtak of `saksnr` from a sak of turns, the last chair turn its summing-up.
    fn vedtak_of(m: &Meeting, saksnr: &str, turns: &mut [Turn]) -> Line {
        if let Some(last) = turns.iter_mut().rev().find(|t| t.role == TurnRole::Chair) {
            last.kind = TurnKind::SummingUp;
        }
        let su: Vec<&Turn> = turns.iter().filter(|t| t.kind == TurnKind::SummingUp).collect();
        let all: Vec<&Turn> = turns.iter().collect();
        draft_vedtak_with(m, m.item(saksnr).unwrap(), &su, &[], &all)
    }

    #[test]
    fn the_chair_postponing_this_sak_is_the_vedtak() {
        let m = municipal();
        for said in [
            "Vi har ikke fått svar fra fylket ennå. Saken utsettes til møtet i april.",
            "Da venter vi med saken til møtet i april.",
            "Vi utsetter sak sju til møtet i april, og så kommer administrasjonen med et nytt notat.",
        ] {
            let mut t =
                [turn(TurnRole::Member, "Knut Moe", 1.0, "Vi mangler kostnadsoverslaget."), turn(TurnRole::Chair, "Ida Strand", 5.0, said)];
            let v = vedtak_of(&m, "PS 7/26", &mut t);
            assert_eq!(v.text, "Kommunestyret i Nordby utsetter saken til møtet i april.", "{said}");
            assert!(v.flags.iter().any(|f| f.kind == FlagKind::DepartsFromForslag), "{said}");
        }
        let mut t = [turn(TurnRole::Chair, "Ida Strand", 1.0, "Den tar vi på neste møte.")];
        assert_eq!(vedtak_of(&m, "PS 7/26", &mut t).text, "Kommunestyret i Nordby utsetter saken til neste møte.");
        let mut t = [turn(TurnRole::Chair, "Ida Strand", 1.0, "Vi sender saken tilbake til kommunedirektøren.")];
        assert_eq!(vedtak_of(&m, "PS 7/26", &mut t).text, "Kommunestyret i Nordby sender saken tilbake til kommunedirektøren.");
        // Another sak postponed, or a postponement looked back on, is not this sak's vedtak.
        for said in ["Da utsetter vi sak ni til neste møte.", "Denne saken ble utsatt fra forrige møte. Forslaget er vedtatt."] {
            let mut t = [turn(TurnRole::Chair, "Ida Strand", 1.0, said)];
            assert_eq!(vedtak_of(&m, "PS 7/26", &mut t).text, m.item("PS 7/26").unwrap().forslag, "{said}");
        }
    }

    #[test]
    fn a_carried_proposal_to_send_back_is_the_vedtak_with_its_reason_and_vote() {
        let m = municipal();
        let mut t = [
            turn(
                TurnRole::Member,
                "Geir Aas",
                1.0,
                "Høyre fremmer følgende forslag: Saken sendes tilbake til kommunedirektøren for en ny kostnadsberegning.",
            ),
            turn(TurnRole::Chair, "Ida Strand", 5.0, "Vi stemmer over forslaget fra Høyre. Forslaget er vedtatt med ni mot fire stemmer."),
        ];
        let v = vedtak_of(&m, "PS 7/26", &mut t);
        assert!(
            v.text.starts_with("Kommunestyret i Nordby sender saken tilbake til kommunedirektøren for en ny kostnadsberegning."),
            "{}",
            v.text
        );
        assert!(v.text.contains("vedtatt med 9 mot 4 stemmer"), "{}", v.text);
        // voted down, the forslag stands
        let mut t = [
            turn(TurnRole::Member, "Geir Aas", 1.0, "Høyre fremmer følgende forslag: Saken sendes tilbake til kommunedirektøren."),
            turn(TurnRole::Chair, "Ida Strand", 5.0, "Forslaget fra Høyre fikk fire stemmer og falt. Innstillingen er vedtatt."),
        ];
        assert!(vedtak_of(&m, "PS 7/26", &mut t).text.starts_with(&m.item("PS 7/26").unwrap().forslag));
    }

    #[test]
    fn a_member_declared_inhabil_is_recorded_and_a_question_is_not() {
        let m = municipal();
        let recorded = "Knut Moe (Sp) ble erklært inhabil og fratrådte under behandlingen av saken.";
        for (who, role, said) in [
            ("Ida Strand", TurnRole::Chair, "Knut Moe er inhabil i denne saken og forlater salen."),
            ("Knut Moe", TurnRole::Member, "Jeg er inhabil, søkeren er svogeren min."),
        ] {
            let mut t = [turn(role, who, 1.0, said), turn(TurnRole::Chair, "Ida Strand", 5.0, "Innstillingen er enstemmig vedtatt.")];
            let v = vedtak_of(&m, "PS 7/26", &mut t);
            assert!(v.text.ends_with(recorded), "{said}: {}", v.text);
            assert_eq!(v.text.matches("inhabil").count(), 1, "once: {}", v.text);
        }
        for (who, role, said) in [
            ("Knut Moe", TurnRole::Member, "Jeg ber om at møtet vurderer om jeg er inhabil."),
            ("Ida Strand", TurnRole::Chair, "Er Knut Moe inhabil?"),
            ("Ida Strand", TurnRole::Chair, "Møtet mener at Knut Moe ikke er inhabil."),
            ("Vera Lid", TurnRole::Member, "Knut Moe er inhabil, mener jeg."),
        ] {
            let mut t = [turn(role, who, 1.0, said), turn(TurnRole::Chair, "Ida Strand", 5.0, "Innstillingen er enstemmig vedtatt.")];
            assert!(!vedtak_of(&m, "PS 7/26", &mut t).text.contains("inhabil"), "{said}");
        }
    }

    #[test]
    fn votes_are_written_with_digits_and_who_voted_against() {
        let m = municipal();
        let mut t = [
            turn(TurnRole::Member, "Vera Lid", 1.0, "SV kommer til å stemme imot, fordi pengene trengs i skolen."),
            turn(TurnRole::Chair, "Ida Strand", 5.0, "Da voterer vi over innstillingen. Elleve for og to imot, det er SV."),
        ];
        let v = vedtak_of(&m, "PS 7/26", &mut t);
        assert!(v.text.ends_with("turvei langs elva. Innstillingen ble vedtatt med 11 mot 2 stemmer (SV stemte imot)."), "{}", v.text);
        assert!(!v.flags.iter().any(|f| f.kind == FlagKind::DepartsFromForslag), "a vote departs from nothing: {:?}", v.flags);
        assert!(!v.flags.iter().any(|f| f.reason.starts_with("Tall")), "the counts were said in words: {:?}", v.flags);
        for said in ["Stemmer noen imot? Nei. Da er forslaget vedtatt.", "Alle stemte for.", "Forslaget er enstemmig vedtatt."] {
            let mut t = [turn(TurnRole::Chair, "Ida Strand", 1.0, said)];
            assert!(vedtak_of(&m, "PS 7/26", &mut t).text.ends_with("elva. Vedtaket var enstemmig."), "{said}");
        }
        let mut t = [turn(TurnRole::Chair, "Ida Strand", 1.0, "Innstillingen ble vedtatt mot én stemme.")];
        assert!(vedtak_of(&m, "PS 7/26", &mut t).text.ends_with("Innstillingen ble vedtatt mot 1 stemme."));
    }

    #[test]
    fn an_adopted_addition_joins_the_vedtak_and_a_rejected_one_stays_out() {
        let m = municipal();
        let proposal = "Jeg vil fremme et tilleggsforslag på vegne av Senterpartiet: Turveien skal ha belysning hele året.";
        let mut t = [
            turn(TurnRole::Member, "Knut Moe", 1.0, proposal),
            turn(
                TurnRole::Chair,
                "Ida Strand",
                5.0,
                "Først innstillingen. Den er enstemmig vedtatt. Så tilleggsforslaget fra Sp. Sju for og seks imot.",
            ),
        ];
        let v = vedtak_of(&m, "PS 7/26", &mut t);
        assert_eq!(
            v.text,
            "Kommunestyret i Nordby bevilger 2 mill. kroner til ny turvei langs elva. Turveien skal ha belysning hele året. \
             Innstillingen ble enstemmig vedtatt. Sps tilleggsforslag ble vedtatt med 7 mot 6 stemmer."
        );
        assert!(v.flags.iter().any(|f| f.kind == FlagKind::DepartsFromForslag), "{:?}", v.flags);
        let mut t = [
            turn(TurnRole::Member, "Knut Moe", 1.0, proposal),
            turn(TurnRole::Chair, "Ida Strand", 5.0, "Vi stemmer over tilleggsforslaget fra Senterpartiet. Det fikk fire stemmer og falt."),
        ];
        let v = vedtak_of(&m, "PS 7/26", &mut t);
        assert!(!v.text.contains("belysning"), "{}", v.text);
        assert!(v.text.ends_with("Sps tilleggsforslag falt med 4 stemmer."), "{}", v.text);
    }

    #[test]
    fn a_joint_proposal_announced_then_worded_is_the_next_point_of_a_numbered_forslag() {
        let mut m = municipal();
        m.items[0].forslag = "1. Kommunestyret vedtar budsjettet. 2. Svømmehallen holdes stengt 1. juni - 31. august.".into();
        let mut t = [
            turn(
                TurnRole::Member,
                "Knut Moe",
                1.0,
                "Vi har snakket med Ap om svømmehallen, og vi legger fram et fellesforslag fra Ap og Sp. Det lyder slik: Kommunedirektøren bes utrede sommeråpent.",
            ),
            turn(
                TurnRole::Chair,
                "Ida Strand",
                5.0,
                "Først innstillingen. Den er vedtatt med ni mot to stemmer. Så votering over fellesforslaget fra Ap og Sp. Atten for og tre imot. Fellesforslaget er vedtatt.",
            ),
        ];
        let v = vedtak_of(&m, "PS 7/26", &mut t);
        assert_eq!(
            v.text,
            "1. Kommunestyret vedtar budsjettet. 2. Svømmehallen holdes stengt 1. juni - 31. august. 3. Kommunedirektøren bes utrede sommeråpent. \
             Innstillingen ble vedtatt med 9 mot 2 stemmer. Fellesforslaget fra Ap og Sp ble vedtatt med 18 mot 3 stemmer."
        );
        // the innspill writes it as a protocol does, without the words that opened it
        assert_eq!(
            crate::draft::innspill::formal_proposal(&t[0].text(), Some("Knut Moe"), &m).as_deref(),
            Some("Ap og Sp fremmer følgende fellesforslag: Kommunedirektøren bes utrede sommeråpent.")
        );
    }

    #[test]
    fn a_unanimous_vote_with_its_count() {
        let m = municipal();
        let mut t = [turn(
            TurnRole::Chair,
            "Ida Strand",
            5.0,
            "De som støtter innstillingen, rekk opp hånda. Det er fem stemmer for. Innstillingen er enstemmig vedtatt.",
        )];
        let v = vedtak_of(&m, "PS 7/26", &mut t);
        assert!(v.text.ends_with("Innstillingen ble enstemmig vedtatt med 5 stemmer."), "{}", v.text);
    }

    #[test]
    fn all_hands_up_is_a_unanimous_vote() {
        let m = municipal();
        let mut t = [turn(TurnRole::Chair, "Ida Strand", 5.0, "Da går vi for innstillingen. Er alle enige? Ja, alle hender oppe.")];
        let v = vedtak_of(&m, "PS 7/26", &mut t);
        assert!(v.text.ends_with("enstemmig."), "{}", v.text);
    }

    #[test]
    fn an_adopted_change_is_what_the_forslag_is_approved_with() {
        let m = municipal();
        let mut t = [
            turn(
                TurnRole::Member,
                "Knut Moe",
                1.0,
                "Senterpartiet fremmer et endringsforslag: Turveien legges på østsiden av elva. Det er der folk bor.",
            ),
            turn(TurnRole::Member, "Geir Aas", 3.0, "Høyre stemmer mot endringsforslaget. Vestsiden er billigere."),
            turn(
                TurnRole::Chair,
                "Ida Strand",
                5.0,
                "Først endringsforslaget fra Sp. Det er vedtatt med sju mot seks. Så stemmer vi over innstillingen med den endringen. Enstemmig vedtatt.",
            ),
        ];
        let v = vedtak_of(&m, "PS 7/26", &mut t);
        assert!(
            v.text.starts_with(
                "Kommunestyret i Nordby bevilger 2 mill. kroner til ny turvei langs elva, med den endring at turveien legges på østsiden av elva."
            ),
            "{}",
            v.text
        );
        assert!(!v.text.contains("billigere") && !v.text.contains("folk bor"), "{}", v.text);
    }

    #[test]
    fn what_is_concluded_with_the_forslag_joins_it_and_the_forslag_pointed_at_is_not_repeated() {
        let m = municipal();
        let mut t = [turn(
            TurnRole::Chair,
            "Ida Strand",
            5.0,
            "Så konklusjonen er at vi bevilger pengene slik det er foreslått, og at kommunedirektøren rapporterer fremdriften til oss hver måned.",
        )];
        assert_eq!(
            vedtak_of(&m, "PS 7/26", &mut t).text,
            "Kommunestyret i Nordby bevilger 2 mill. kroner til ny turvei langs elva. Kommunedirektøren rapporterer fremdriften til \
             kommunestyret hver måned."
        );
    }

    #[test]
    fn a_summing_up_that_denies_the_forslag_of_a_drofting_replaces_it() {
        let mut m = municipal();
        let k = m.items.iter().position(|i| i.saksnr == "PS 8/26").unwrap();
        m.items[k].forslag = "Kommunestyret i Nordby anbefaler at de nye kravene gjelder fra 1. januar 2027.".into();
        let mut t = [
            turn(TurnRole::Member, "Geir Aas", 1.0, "Vi er enige i innholdet, men datoen er for tidlig for de små kommunene."),
            turn(
                TurnRole::Chair,
                "Ida Strand",
                5.0,
                "Da lander vi der: Vi støtter innholdet i kravene. Vi anbefaler ikke at kravene gjelder fra januar. Går det, Geir?",
            ),
            turn(TurnRole::Member, "Geir Aas", 8.0, "Det går fint."),
            turn(TurnRole::Chair, "Ida Strand", 9.0, "Supert."),
        ];
        // both of the chair's closing turns sum up (as turns::mark_summing_up finds them)
        t[1].kind = TurnKind::SummingUp;
        let v = vedtak_of(&m, "PS 8/26", &mut t);
        assert_eq!(
            v.text,
            "Kommunestyret i Nordby drøftet saken og støttet innholdet i kravene. Kommunestyret anbefaler ikke at kravene gjelder fra januar."
        );
        assert!(v.flags.iter().any(|f| f.kind == FlagKind::DepartsFromForslag), "{:?}", v.flags);
    }

    #[test]
    fn a_suggestion_the_chair_takes_up_joins_the_vedtak() {
        let m = municipal();
        let mut t = [
            turn(TurnRole::Member, "Geir Aas", 1.0, "Kan vi også be om at turveien får belysning? Det er mørkt om vinteren."),
            turn(TurnRole::Member, "Vera Lid", 3.0, "Kan vi ikke heller legge den på østsiden av elva?"),
            turn(TurnRole::Chair, "Ida Strand", 5.0, "God idé, den tar vi med. Da gjør vi det sånn."),
        ];
        let v = vedtak_of(&m, "PS 7/26", &mut t);
        assert_eq!(
            v.text,
            "Kommunestyret i Nordby bevilger 2 mill. kroner til ny turvei langs elva. Kommunestyret legger heller den på østsiden av elva."
        );
        // nothing suggested: nothing added
        let mut t = [
            turn(TurnRole::Member, "Geir Aas", 1.0, "Turveien er viktig for mange."),
            turn(TurnRole::Chair, "Ida Strand", 5.0, "Den tar vi med. Da gjør vi det sånn."),
        ];
        assert_eq!(vedtak_of(&m, "PS 7/26", &mut t).text, m.item("PS 7/26").unwrap().forslag);
    }

    #[test]
    fn what_the_meeting_lands_on_after_a_colon_details_the_forslag() {
        let m = municipal();
        let mut t = [
            turn(TurnRole::Member, "Geir Aas", 1.0, "Belysning og benker er det viktigste for de eldre."),
            turn(TurnRole::Chair, "Ida Strand", 5.0, "Da er det vi sier: belysning hele veien, benker ved brua og en gapahuk ved vannet."),
        ];
        let v = vedtak_of(&m, "PS 8/26", &mut t);
        assert_eq!(
            v.text,
            "Kommunestyret i Nordby drøftet planen og ba kommunedirektøren ta innspillene med i det videre arbeidet: belysning hele \
             veien, benker ved brua og en gapahuk ved vannet."
        );
        assert!(v.flags.iter().any(|f| f.kind == FlagKind::DepartsFromForslag), "{:?}", v.flags);
    }

    #[test]
    fn an_adopted_alternative_replaces_the_forslag_and_is_flagged() {
        let m = municipal();
        let mut t = [
            turn(TurnRole::Member, "Geir Aas", 1.0, "Høyre fremmer et alternativt forslag: Kommunestyret i Nordby ber om en ny vurdering av traseen."),
            turn(
                TurnRole::Chair,
                "Ida Strand",
                5.0,
                "Vi stemmer over innstillingen mot Høyres alternative forslag. Innstillingen fikk seks stemmer. Alternativet fikk åtte, altså H, Sp og SV.",
            ),
        ];
        let v = vedtak_of(&m, "PS 7/26", &mut t);
        assert_eq!(
            v.text,
            "Kommunestyret i Nordby ber om en ny vurdering av traseen. Høyres alternative forslag ble vedtatt med 8 mot 6 stemmer."
        );
        assert!(v.flags.iter().any(|f| f.kind == FlagKind::DepartsFromForslag && f.reason.contains("i stedet for")), "{:?}", v.flags);
    }

    #[test]
    fn summing_up_requests_are_the_councils_in_the_third_person() {
        let m = municipal();
        let cases = [
            // a request that refers back to the sentence before
            (
                "Flere pekte på at banen mangler garderober. Det ber vi kommunedirektøren se på.",
                "ber kommunedirektøren se på at flere pekte på at banen mangler garderober",
            ),
            // the chair's "vi" after the verb, and the council's own "oss"
            ("I tillegg ber vi om at klubbene får uttale seg.", "I tillegg ber kommunestyret om at klubbene får uttale seg."),
            ("Vi slutter oss til prioriteringen av svømmehallen.", "Kommunestyret slutter seg til prioriteringen av svømmehallen."),
            // an agreement stated by the chair
            (
                "Så vi er enige om at kunstgressbanen må prioriteres først.",
                "Kommunestyret er enig om at kunstgressbanen må prioriteres først.",
            ),
            (
                "Kommunestyret er opptatt av at anleggene blir universelt utformet.",
                "Kommunestyret er opptatt av at anleggene blir universelt utformet.",
            ),
            // what the meeting agrees on, as the chair hears it
            ("Jeg hører at det er bred enighet om at garderobene bygges ut.", "Kommunestyret støtter at garderobene bygges ut."),
            ("Det er også stor støtte for å åpne hallen i helgene.", "Kommunestyret går inn for å åpne hallen i helgene."),
        ];
        for (said, want) in cases {
            let mut t =
                [turn(TurnRole::Member, "Vera Lid", 1.0, "Garderobene er for små."), turn(TurnRole::Chair, "Ida Strand", 5.0, said)];
            let v = vedtak_of(&m, "PS 8/26", &mut t);
            assert!(v.text.starts_with("Kommunestyret i Nordby drøftet planen og ba kommunedirektøren"), "{}", v.text);
            assert!(v.text.contains(want), "{said}\n→ {}", v.text);
            assert!(!text::words(&v.text).iter().any(|w| text::is_first_person(w)), "{}", v.text);
        }
        // Restating the forslag, talk to the room and disagreement on record add nothing.
        for said in [
            "Da har vi drøftet planen, og kommunedirektøren tar innspillene med i det videre arbeidet.",
            "Jeg hører at dere er opptatt av garderobene.",
            "Kommunestyret er ikke samstemte om rekkefølgen, og det skal stå i protokollen.",
        ] {
            let mut t = [turn(TurnRole::Chair, "Ida Strand", 5.0, said)];
            let v = vedtak_of(&m, "PS 8/26", &mut t);
            assert_eq!(v.text, past_tense(&m.item("PS 8/26").unwrap().forslag), "{said}");
        }
    }

    #[test]
    fn without_forslag_a_drofting_joins_what_was_asked_in_the_past_tense() {
        let m = municipal();
        let mut t = [
            turn(TurnRole::Member, "Knut Moe", 1.0, "Det mangler fortau ved Nordby skole."),
            turn(TurnRole::Chair, "Ida Strand", 5.0, "Takk. Da ber vi kommunedirektøren om en plan for fortau ved alle skolene."),
        ];
        let v = vedtak_of(&m, "PS 10/26", &mut t);
        assert_eq!(v.text, "Kommunestyret i Nordby drøftet saken og ba kommunedirektøren om en plan for fortau ved alle skolene.");
        assert!(v.flags.iter().any(|f| f.kind == FlagKind::Uncertain), "{:?}", v.flags);
    }

    #[test]
    fn an_approval_with_a_correction_said_earlier_in_the_sak() {
        let m = municipal();
        let mut t = [
            turn(TurnRole::Member, "Geir Aas", 1.0, "I sak fire skal det stå at forslaget ble vedtatt mot tre stemmer."),
            turn(TurnRole::Chair, "Ida Strand", 5.0, "Det stemmer. Protokollen er godkjent med den endringen."),
        ];
        let v = vedtak_of(&m, "PS 9/26", &mut t);
        assert_eq!(
            v.text,
            "Kommunestyret i Nordby godkjenner protokollen fra møtet 6. februar 2026, med den endring at det i sak fire skal stå at forslaget ble vedtatt mot tre stemmer."
        );
        assert!(v.source.iter().any(|s| s[0] == 1.0), "the correction is a source: {:?}", v.source);
    }

    #[test]
    fn a_summing_up_states_an_outcome_in_plain_words_when_heard_clearly() {
        let m = municipal();
        let said = "Kort sagt: vi prøver ut en ny modell for vedlikehold fra februar, og tiltakene evalueres før sommeren.";
        let mut t =
            [turn(TurnRole::Member, "Knut Moe", 1.0, "Banen trenger bedre vedlikehold."), turn(TurnRole::Chair, "Ida Strand", 5.0, said)];
        let v = vedtak_of(&m, "PS 8/26", &mut t);
        assert!(
            v.text.ends_with("Kommunestyret prøver ut en ny modell for vedlikehold fra februar, og tiltakene evalueres før sommeren."),
            "{}",
            v.text
        );
        // heard unclearly, only a decision in a decision's own words counts
        t[1].kind = TurnKind::SummingUp;
        let su: Vec<&Turn> = vec![&t[1]];
        let all: Vec<&Turn> = t.iter().collect();
        let facts = Facts { clearly: false, order_change: None };
        let v = draft_vedtak_in(&m, m.item("PS 8/26").unwrap(), &su, &[], &all, &facts);
        assert_eq!(v.text, past_tense(&m.item("PS 8/26").unwrap().forslag));
    }

    #[test]
    fn a_proposal_announced_then_worded_is_voted_on_as_an_amendment() {
        let m = municipal();
        let mut t = [
            turn(
                TurnRole::Member,
                "Vera Lid",
                1.0,
                "Jeg vil fremme et alternativt forslag. Jeg mener turveien langs elva skal ha belysning.",
            ),
            turn(TurnRole::Chair, "Ida Strand", 5.0, "Da stemmer vi. Forslaget fra Vera Lid er vedtatt med seks mot tre stemmer."),
        ];
        let v = vedtak_of(&m, "PS 7/26", &mut t);
        assert!(
            v.text
                == "Kommunestyret i Nordby bevilger 2 mill. kroner til ny turvei langs elva, med den endring at turveien langs elva skal ha belysning. SVs alternative forslag ble vedtatt med 6 mot 3 stemmer.",
            "{}",
            v.text
        );
    }

    #[test]
    fn an_approval_by_reference_takes_the_change_its_speaker_stated() {
        let m = municipal();
        let mut t = [
            turn(
                TurnRole::Member,
                "Geir Aas",
                1.0,
                "Jeg har én liten rettelse. Under sak fire står det Nordby skole. Det skal være Sørby skole, ikke Nordby skole.",
            ),
            turn(TurnRole::Chair, "Ida Strand", 5.0, "Takk, det retter vi. Da er protokollen godkjent med den rettelsen."),
        ];
        let v = vedtak_of(&m, "PS 9/26", &mut t);
        assert_eq!(
            v.text,
            "Kommunestyret i Nordby godkjenner protokollen fra møtet 6. februar 2026, med følgende rettelse: Under sak fire står det Nordby skole. Det skal være Sørby skole, ikke Nordby skole."
        );
        assert!(v.source.iter().any(|s| s[0] == 2.0), "the stated change is a source: {:?}", v.source);
    }

    fn segmentation(items: &[(&str, f64)], breaks: &[(&str, f64, f64)]) -> Segmentation {
        Segmentation {
            items: items
                .iter()
                .map(|(n, start)| crate::artifact::ItemSegment {
                    saksnr: n.to_string(),
                    spans: if *start < 0.0 { vec![] } else { vec![[*start, start + 10.0]] },
                    status: if *start < 0.0 { ItemStatus::NotDiscussed } else { ItemStatus::Discussed },
                    joint_with: vec![],
                    confidence: [1.0, 1.0],
                    manual: false,
                })
                .collect(),
            other: breaks
                .iter()
                .map(|(l, a, b)| crate::artifact::OtherSpan { kind: OtherKind::Break, label: l.to_string(), start: *a, end: *b })
                .collect(),
            version: crate::artifact::FORMAT_VERSION,
            inputs: Default::default(),
        }
    }

    #[test]
    fn the_order_change_names_each_moved_sak_and_where_it_was_taken() {
        let m = municipal();
        // agenda order 7, 8, 9, 10; the meeting took 9 last, after lunch
        let seg = segmentation(&[("PS 7/26", 0.0), ("PS 8/26", 20.0), ("PS 9/26", 70.0), ("PS 10/26", 40.0)], &[("Lunsj", 55.0, 68.0)]);
        assert_eq!(order_change(&m, &seg).as_deref(), Some("PS 9/26 behandles etter lunsj"));
        let seg = segmentation(&[("PS 7/26", 0.0), ("PS 8/26", 20.0), ("PS 9/26", 70.0), ("PS 10/26", 40.0)], &[]);
        assert_eq!(order_change(&m, &seg).as_deref(), Some("PS 9/26 behandles etter PS 10/26"));
        // agenda order kept, one sak not discussed: no change of order
        let seg = segmentation(&[("PS 7/26", 0.0), ("PS 8/26", 20.0), ("PS 9/26", -1.0), ("PS 10/26", 40.0)], &[]);
        assert_eq!(order_change(&m, &seg), None);
    }

    #[test]
    fn an_appointment_names_the_people_in_the_roles_the_forslag_leaves_open() {
        let m = crate::meeting::Meeting::parse(
            r#"
council = "Eldrerådet i Nordby"
number = "1/2026"
date = "2. februar 2026"
time = "Kl. 10.00"
place = "Nordby"
[[members]]
name = "Randi Ås"
organisation = "Pensjonistforbundet"
[[members]]
name = "Leif Arne Moe"
organisation = "Seniorsaken"
[[items]]
saksnr = "3/26"
title = "Oppnevning til brukerpanel"
sakstype = "Beslutning"
forslag = "Eldrerådet i Nordby oppnevner ett medlem og ett varamedlem til brukerpanelet for kollektivtrafikk."
[[items]]
saksnr = "4/26"
title = "Valg av nestleder"
sakstype = "Beslutning"
"#,
        )
        .unwrap();
        let mut t = [
            turn(TurnRole::Chair, "Randi Ås", 1.0, "Vi trenger ett medlem og en vara. Tove Lie fra Nordby seniorkor har meldt seg."),
            turn(TurnRole::Chair, "Randi Ås", 5.0, "Kan vi si at Tove blir medlem, med Leif Arne som vara? Ja, da gjør vi det slik."),
        ];
        let v = vedtak_of(&m, "3/26", &mut t);
        assert_eq!(
            v.text,
            "Eldrerådet i Nordby oppnevner Tove Lie, Nordby seniorkor, som medlem og Leif Arne Moe, Seniorsaken, som varamedlem til brukerpanelet for kollektivtrafikk."
        );
        let mut t = [turn(TurnRole::Chair, "Randi Ås", 5.0, "Leif Arne fikk flest stemmer. Da er Leif Arne valgt som nestleder.")];
        assert_eq!(vedtak_of(&m, "4/26", &mut t).text, "Eldrerådet i Nordby velger Leif Arne Moe, Seniorsaken, som nestleder.");
        // blanks for the names
        let mut m = m;
        m.items[0].forslag = "Eldrerådet i Nordby velger ______ som leder og N.N. som vara til brukerpanelet.".into();
        let mut t =
            [turn(TurnRole::Chair, "Randi Ås", 5.0, "Da har vi forslag om Leif Arne som leder og Randi Ås som vara. Da er de to valgt.")];
        assert_eq!(
            vedtak_of(&m, "3/26", &mut t).text,
            "Eldrerådet i Nordby velger Leif Arne Moe, Seniorsaken, som leder og Randi Ås, Pensjonistforbundet, som vara til brukerpanelet."
        );
        m.items[0].forslag = "Eldrerådet i Nordby velger ______ og ______ som representanter til brukerpanelet.".into();
        let mut t = [turn(TurnRole::Chair, "Randi Ås", 5.0, "Noen flere? Nei? Da er Leif Arne og Randi valgt, gratulerer.")];
        assert_eq!(
            vedtak_of(&m, "3/26", &mut t).text,
            "Eldrerådet i Nordby velger Leif Arne Moe, Seniorsaken, og Randi Ås, Pensjonistforbundet, som representanter til brukerpanelet."
        );
    }

    #[test]
    fn a_drofting_vedtak_the_chair_dictates_stands_in_the_chairs_words() {
        let m = municipal();
        let mut t = [turn(
            TurnRole::Chair,
            "Ida Strand",
            5.0,
            "Jeg prøver å summere opp. Det er litt ulikt syn på tempoet. Så jeg foreslår at vi konkluderer slik: Kommunestyret har \
             drøftet saken og ber kommunedirektøren ta innspillene med i planarbeidet. Før planen sendes på høring, inviterer \
             kommunedirektøren lagene til et åpent møte. Kan vi gjøre det slik?",
        )];
        assert_eq!(
            vedtak_of(&m, "PS 8/26", &mut t).text,
            "Kommunestyret i Nordby har drøftet saken og ber kommunedirektøren ta innspillene med i planarbeidet. Før planen \
             sendes på høring, inviterer kommunedirektøren lagene til et åpent møte."
        );
        // after a long lead-in, with the room asked for remarks after it
        let mut t = [turn(
            TurnRole::Chair,
            "Ida Strand",
            5.0,
            "Slik jeg har oppfattet drøftingen, er det bred enighet, og jeg foreslår at vi konkluderer slik: Kommunestyret drøftet \
             saken og ber om en ny plan før sommeren. Har noen merknader til den konklusjonen? Nei. Da gjør vi det slik.",
        )];
        assert_eq!(vedtak_of(&m, "PS 8/26", &mut t).text, "Kommunestyret i Nordby drøftet saken og ber om en ny plan før sommeren.");
        // a report of what was said ("at ... har drøftet X, og at ...") is no dictation: the forslag in the past tense
        let mut t = [turn(
            TurnRole::Chair,
            "Ida Strand",
            5.0,
            "Da konkluderer vi med at kommunestyret har drøftet planen, og at innspillene tas med videre.",
        )];
        assert!(vedtak_of(&m, "PS 8/26", &mut t).text.starts_with("Kommunestyret i Nordby drøftet planen og ba kommunedirektøren"));
    }

    #[test]
    fn without_forslag_the_chairs_own_words_for_an_orientation() {
        let m = municipal();
        let mut item = m.item("PS 10/26").unwrap().clone();
        item.sakstype = Sakstype::Orientering;
        let mut t =
            [turn(TurnRole::Chair, "Ida Strand", 5.0, "Takk. Da tar vi statusrapporten til etterretning, og ber om en ny status i juni.")];
        t[0].kind = TurnKind::SummingUp;
        let su: Vec<&Turn> = t.iter().collect();
        let v = draft_vedtak_with(&m, &item, &su, &[], &su);
        assert_eq!(v.text, "Kommunestyret i Nordby tar statusrapporten til etterretning. Kommunestyret ber om en ny status i juni.");
    }

    #[test]
    fn a_sak_not_discussed_but_postponed_by_name_elsewhere() {
        let m = municipal();
        let seg = |start: f64, text: &str| crate::artifact::Segment {
            start,
            end: start + 4.0,
            text: text.into(),
            speaker: Some("Ida Strand".into()),
            ..Default::default()
        };
        let transcript = Transcript {
            version: 1,
            inputs: Default::default(),
            source: "vtt".into(),
            model: None,
            duration: 10.0,
            segments: vec![
                seg(1.0, "Velkommen. Sak sju utsetter vi til møtet i mai, fordi kostnadene ikke er klare."),
                seg(6.0, "Neste sak er sak åtte."),
            ],
            warnings: vec![],
        };
        let v = postponed_elsewhere(&m, m.item("PS 7/26").unwrap(), &transcript).unwrap();
        assert_eq!(v.text, "Kommunestyret i Nordby utsetter saken til møtet i mai.");
        assert_eq!(v.source, vec![[1.0, 5.0]]);
        assert!(postponed_elsewhere(&m, m.item("PS 8/26").unwrap(), &transcript).is_none());
    }

    #[test]
    fn a_proposal_the_chair_takes_up_without_a_vote_joins_the_vedtak() {
        let m = municipal();
        let proposal = "Jeg foreslår at kommunen lager et kart over alle turstiene.";
        let mut t = [
            turn(TurnRole::Member, "Vera Lid", 1.0, proposal),
            turn(TurnRole::Chair, "Ida Strand", 3.0, "Godt forslag, det tar vi med. Flere som vil si noe?"),
            turn(TurnRole::Member, "Knut Moe", 5.0, "Turveien bør ha benker."),
            turn(TurnRole::Chair, "Ida Strand", 7.0, "Takk for innspillene."),
        ];
        let v = vedtak_of(&m, "PS 7/26", &mut t);
        assert!(v.text.ends_with("langs elva. Kommunen lager et kart over alle turstiene."), "{}", v.text);
        let mut t = [
            turn(TurnRole::Member, "Vera Lid", 1.0, proposal),
            turn(TurnRole::Chair, "Ida Strand", 3.0, "Takk. Knut."),
            turn(TurnRole::Member, "Knut Moe", 5.0, "Det synes jeg blir for dyrt."),
            turn(TurnRole::Chair, "Ida Strand", 7.0, "Da gjør vi det slik. Takk for innspillene."),
        ];
        assert_eq!(vedtak_of(&m, "PS 7/26", &mut t).text, m.item("PS 7/26").unwrap().forslag);
    }

    #[test]
    fn a_sak_chaired_by_someone_else_takes_their_conclusion() {
        let m = municipal();
        // The chair is inhabil and leaves the sak to a member, who concludes it.
        let mut t = [
            turn(TurnRole::Chair, "Ida Strand", 1.0, "Jeg er inhabil i denne saken, så Knut leder den."),
            turn(TurnRole::Member, "Vera Lid", 3.0, "Turveien må ha god belysning."),
            turn(TurnRole::Member, "Knut Moe", 5.0, "Da konkluderer vi med at kommunestyret ber om en plan for belysning langs turveien."),
        ];
        t[0].kind = TurnKind::SummingUp;
        let su: Vec<&Turn> = vec![&t[0]];
        let all: Vec<&Turn> = t.iter().collect();
        let v = draft_vedtak_with(&m, m.item("PS 7/26").unwrap(), &su, &[], &all);
        assert!(
            v.text.ends_with(
                "langs elva. Kommunestyret ber om en plan for belysning langs turveien. \
                 Ida Strand (Ap) ble erklært inhabil og fratrådte under behandlingen av saken."
            ),
            "{}",
            v.text
        );
        assert!(v.source.iter().any(|s| s[0] >= 5.0), "{:?}", v.source);
    }

    #[test]
    fn without_speakers_votes_are_read_from_every_sentence() {
        let m = municipal();
        let untagged = |role: TurnRole, start: f64, text: &str| {
            let mut t = turn(role, "x", start, text);
            t.speaker = None;
            t.sentences.iter_mut().for_each(|s| s.speaker = None);
            t
        };
        // Speech recognition without speakers: the chair's voting lands in a member's turn.
        let mut t = [
            untagged(TurnRole::Chair, 1.0, "Da voterer vi."),
            untagged(TurnRole::Member, 3.0, "Ni for og to imot. Innstillingen er vedtatt."),
        ];
        let v = vedtak_of(&m, "PS 7/26", &mut t);
        assert!(v.text.ends_with("Innstillingen ble vedtatt med 9 mot 2 stemmer."), "{}", v.text);
    }

    #[test]
    fn godkjenning_object_from_title() {
        assert_eq!(godkjenning_object("Godkjenning av innkalling og dagsorden").as_deref(), Some("innkalling og dagsorden"));
        assert_eq!(godkjenning_object("Budsjett"), None);
    }
}
