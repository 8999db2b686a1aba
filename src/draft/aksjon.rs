//! Aksjonspunkter: commitments to follow up ("vi kommer tilbake med ...", "følger opp",
//! "til neste møte"), detected by rules, written as "who + what" from the speaker's own
//! sentence with the first person replaced by the speaker's organisation.

use super::check::{self, LineKind};
use super::common::normalise;
use super::turns::{member_of, speaker_is, Turn, TurnKind, TurnRole};
use super::vedtak::conclusion::Ctx;
use crate::artifact::{FlagKind, Line, Origin};
use crate::meeting::{Item, Meeting};
use crate::text::{self, cue, finish_sentence, Phrases, Tok};
use regex::Regex;
use std::sync::OnceLock;

/// Who a follow-up can be given to besides the speaker's own "jeg"/"vi": the meeting's people
/// (also by first name) and organisations, and the roles in `rules.toml` ("sekretariatet").
pub struct Actors {
    named: Phrases,
    /// (first name, full name) of the people whose first name no one else has.
    first_names: Vec<(String, String)>,
}

impl Actors {
    pub fn of(meeting: &Meeting) -> Actors {
        let people = meeting.members.iter().map(|m| (&m.name, &m.organisation));
        let presenters = meeting.items.iter().flat_map(|i| i.presenters.iter()).map(|p| (&p.name, &p.organisation));
        let mut names: Vec<String> = Vec::new();
        let mut first_names: Vec<(String, String)> = Vec::new();
        for (name, org) in people.chain(presenters) {
            let words = text::words(name);
            if let Some(first) = words.first() {
                if !first_names.iter().any(|(f, full)| f == first && full == name) {
                    first_names.push((first.clone(), name.clone()));
                }
                names.push(first.clone());
            }
            names.push(words.join(" "));
            let org = text::words(org);
            // "Norsk helsenett" for "Norsk helsenett SF": the company form is left out when said
            if org.len() > 1 && org.last().is_some_and(|w| cue("company_forms").word(w)) {
                names.push(org[..org.len() - 1].join(" "));
            }
            names.push(org.join(" "));
        }
        names.retain(|n| !n.is_empty() && !n.contains(['|', '?', '*']));
        names.sort();
        names.dedup();
        let shared: Vec<String> =
            first_names.iter().filter(|(f, _)| first_names.iter().filter(|(g, _)| g == f).count() > 1).map(|(f, _)| f.clone()).collect();
        first_names.retain(|(f, _)| !shared.contains(f));
        Actors { named: Phrases::new(&names), first_names }
    }

    /// The line with a person named by first name at its start named in full ("Mari skriver"
    /// → "Mari Kvam skriver"), when only one person in the meeting has that first name.
    fn in_full(&self, line: &str) -> String {
        let toks = text::tokens(line);
        let Some(first) = toks.first() else { return line.to_string() };
        match self.first_names.iter().find(|(f, _)| *f == first.w) {
            // (not when the surname follows already)
            Some((_, full)) if text::words(full).get(1).is_none_or(|w| toks.get(1).is_none_or(|t| t.w != *w)) => {
                format!("{}{full}{}", &line[..first.start], &line[first.end..])
            }
            _ => line.to_string(),
        }
    }

    /// Words used by an actor named at `toks[i]`.
    fn at(&self, toks: &[Tok], i: usize) -> Option<usize> {
        self.named.at(toks, i).or_else(|| cue("actor_roles").at(toks, i))
    }

    /// [`Actors::at`], or a capitalised word inside `text` (not its first): a name the meeting
    /// file does not know ("Og så tar Vegvesenet kontakt ...").
    fn at_or_name(&self, text: &str, toks: &[Tok], i: usize) -> Option<usize> {
        self.at(toks, i).or((i > 0 && text[toks[i].start..].starts_with(char::is_uppercase)).then_some(1))
    }
}

/// "jeg", "vi" (and Nynorsk "eg", "me"): the speaker as a subject.
fn is_subject_i_or_we(w: &str) -> bool {
    matches!(w, "jeg" | "vi" | "eg" | "me")
}

/// Whose a commitment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Actor {
    /// The speaker's ("jeg", "vi").
    Own,
    /// Someone the sentence names ("Sekretariatet sender ...").
    Named,
}

/// The actor of the commitment `s` makes, if it makes one: a verb of doing with its actor in
/// the main clause (in an "at"-clause only when the chair reports what was agreed: what is
/// asked of someone is the vedtak's), and a time it is to be done by or a future ("skal",
/// "vil"). The speaker's own "vi sender ..." and a task the chair's summing-up gives someone
/// named need no time. Questions, conditions, formal proposals and courtesies ("vi tar med oss
/// innspillene") commit nobody.
fn commitment_in(s: &str, actors: &Actors, turn: Option<&Turn>, council: Option<&Ctx>) -> Option<(Actor, usize)> {
    let toks = text::tokens(s);
    let summing_up = turn.is_some_and(|t| t.kind == TurnKind::SummingUp);
    let presenting = turn.is_some_and(|t| t.presenting);
    // what the council does is the vedtak's; a line of a few words ("Det kan vi ordne.") says
    // nothing to follow up
    if s.trim_end().ends_with('?')
        || cue("proposal").find(&toks).is_some()
        || cue("vote_call").find(&toks).is_some()
        || cue("proposal_wording").starts(s)
        || council.is_some_and(|c| c.council_subject(s))
        || text::content_stems(s).len() < 3
    {
        return None;
    }
    if toks.first().is_some_and(|t| matches!(t.w.as_str(), "hvis" | "dersom" | "når" | "om")) {
        return None;
    }
    let (at, n) = cue("commitment_verb").find(&toks)?;
    // "X bes legge fram ...": what is asked of someone, the vedtak's (or a proposal's) words
    if toks[..at].iter().any(|t| t.w == "bes") {
        return None;
    }
    let in_at_clause = toks[..at].iter().any(|t| t.w == "at");
    if in_at_clause && !(summing_up && cue("commitment_report").find(&toks[..at]).is_some()) {
        return None;
    }
    // the subject: the actor nearest before the verb, else right after it ("I dag sender vi
    // ...", "den kan vi legge fram")
    let first_person = |t: &Tok| is_subject_i_or_we(&t.w);
    let from = at.saturating_sub(6);
    let to = (at + n + 2).min(toks.len());
    let actor_at = |i: usize| {
        if first_person(&toks[i]) {
            Some(Actor::Own)
        } else {
            actors.at_or_name(s, &toks, i).map(|_| Actor::Named)
        }
    };
    let before = (from..at).rev().find_map(|i| actor_at(i).map(|a| (i, a)));
    // an actor in a clause of its own ("..., som vi kommer tilbake til", "før vi lager ...")
    if before.is_some_and(|(i, _)| i > 0 && cue("subordinator").word(&toks[i - 1].w)) {
        return None;
    }
    let actor = before.map(|(_, a)| a).or_else(|| (at + 1..to).find_map(actor_at))?;
    // the follow-up in an "at"-clause is the clause, from its actor; in a second main clause
    // with its own actor ("Vi utsetter saken, og så sørger administrasjonen for ..."), that clause
    // (a clause opens after a comma, "og" included: "Takk for innspillene, vi kommer tilbake ...")
    let clause = (1..=at).rev().find(|&k| s[toks[k - 1].end..toks[k].start].contains(','));
    let clause = clause.map(|k| k + toks[k..at].iter().take_while(|t| matches!(t.w.as_str(), "og" | "så" | "da" | "nå")).count());
    // (only a clause that opens on its actor, or on the verb with a named actor after it, which
    // the write-up turns round: "sørger administrasjonen for" → "Administrasjonen sørger for")
    let start = match (before, clause) {
        (Some((i, _)), _) if in_at_clause => toks[i].start,
        (Some((i, _)), Some(k)) if i == k => toks[k].start,
        (None, Some(k)) if k == at && actor == Actor::Named => toks[k].start,
        _ => 0,
    };
    if in_at_clause && actor != Actor::Named {
        return None;
    }
    let lc = s.to_lowercase();
    if cue("courtesy").find(&toks).is_some() && text::content_stems(&lc.replace("innspillene", "").replace("innspill", "")).len() < 4 {
        return None;
    }
    let timed = cue("commitment_time").find(&toks).is_some();
    let future = cue("commitment_modal").find(&toks[from..at + n]).is_some();
    // "vi sender ...": the speaker's own undertaking, said as done
    // (not in a presentation: "vi legger fram et budsjett med ..." describes it)
    let undertaking = actor == Actor::Own && at > 0 && first_person(&toks[at - 1]) && !presenting;
    let assigned = summing_up && actor == Actor::Named;
    (timed || future || undertaking || assigned).then_some((actor, start))
}

/// A task the chair asks someone named to take ("Mari, kan du skrive uttalelsen og sende den
/// innen fredag?"), as the follow-up it gives them ("Mari skriver uttalelsen og sender den
/// innen fredag."); the answer is not read, a "no" being rare and said in other words.
fn asked(s: &str, actors: &Actors) -> Option<String> {
    let s = s.trim();
    let body = s.strip_suffix('?')?;
    let toks = text::tokens(body);
    let k = actors.at(&toks, 0)?;
    let (modal, you) = (toks.get(k)?, toks.get(k + 1)?);
    if !matches!(modal.w.as_str(), "kan" | "vil" | "skal") || !matches!(you.w.as_str(), "du" | "dere" | "de") {
        return None;
    }
    let verb = toks.get(k + 2)?;
    cue("commitment_verb").at(&toks, k + 2)?;
    let actor = &body[toks[0].start..toks[k - 1].end];
    // the verbs joined to it by "og" are in the present tense too ("og sende" → "og sender")
    let mut rest = String::new();
    let mut last = verb.end;
    for i in k + 3..toks.len() {
        if toks[i - 1].w == "og" && !toks[i].w.ends_with('r') && cue("commitment_verb").at(&toks, i).is_some() {
            rest.push_str(&body[last..toks[i].start]);
            rest.push_str(&text::present_tense(&toks[i].w));
            last = toks[i].end;
        }
    }
    rest.push_str(&body[last..]);
    Some(format!("{actor} {}{rest}.", text::present_tense(&verb.w)))
}

/// The speaker's own undertaking ("Jeg sender det ut i morgen", "vi skal undersøke ..."): an
/// aksjonspunkt, not an innspill.
pub fn is_own_undertaking(sentence: &str) -> bool {
    static NOBODY: OnceLock<Actors> = OnceLock::new();
    let nobody = NOBODY.get_or_init(|| Actors { named: Phrases::new::<&str>(&[]), first_names: Vec::new() });
    commitment_in(sentence, nobody, None, None).is_some_and(|(a, _)| a == Actor::Own)
}

/// The sentences of a turn that commit someone to something concrete, with whose it is.
fn commitments(turn: &Turn, actors: &Actors, council: &Ctx) -> Vec<(String, Actor)> {
    turn.sentences
        .iter()
        .flat_map(|s| text::split_sentences(&s.text))
        .filter_map(|s| match asked(&s, actors).filter(|_| turn.role == TurnRole::Chair) {
            Some(task) => Some((task, Actor::Named)),
            None => commitment_in(&s, actors, Some(turn), Some(council)).map(|(a, start)| (s[start..].to_string(), a)),
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
    let actors = Actors::of(meeting);
    let council = Ctx::new(meeting, item, &[]);
    let mut out = Vec::new();
    for t in turns {
        for (sent, actor) in commitments(t, &actors, &council) {
            // In the summing-up a follow-up is the chair's own ("Jeg tar det opp med
            // kommunedirektøren") or given to someone named ("Sekretariatet sender ..."); what
            // "vi" do there is the council's, and the vedtak states it.
            let own = text::words(&sent).first().is_some_and(|w| is_subject_i_or_we(w));
            if t.kind == TurnKind::SummingUp && !own && actor != Actor::Named {
                continue;
            }
            let who = if t.role == TurnRole::Chair {
                Some(text::phrases::phrase(meeting.language, "draft.aksjon.chair").to_string())
            } else {
                speaker_org(t, meeting, item)
            };
            let mut text = actors.in_full(&actor_first(&strip_opening(&sent), &actors));
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

/// The actor first, as the referat writes a follow-up: "Tar KS kontakt med ..." → "KS tar
/// kontakt med ...", "Ber vi sekretariatet om å lage ..." → "Sekretariatet lager ...".
fn actor_first(line: &str, actors: &Actors) -> String {
    let toks = text::tokens(line);
    // a request: "ber (vi) <actor> om å <verb> ..."
    if toks.first().is_some_and(|t| t.w == "ber" || t.w == "be") {
        let a = 1 + usize::from(toks.get(1).is_some_and(|t| t.w == "vi"));
        if let Some(k) = actors.at(&toks, a) {
            let (om, aa, verb) = (toks.get(a + k), toks.get(a + k + 1), toks.get(a + k + 2));
            if let (Some(om), Some(aa), Some(verb)) = (om, aa, verb) {
                if om.w == "om" && aa.w == "å" {
                    let actor = &line[toks[a].start..toks[a + k - 1].end];
                    return format!("{} {}{}", text::capitalise(actor), text::present_tense(&verb.w), &line[verb.end..]);
                }
            }
        }
        return line.to_string();
    }
    // the actor addressed, the verb in the imperative: "Hanne, send gjerne eksemplene ..."
    if let Some(k) = actors.at(&toks, 0) {
        let addressed = line[toks[k - 1].end..].trim_start().starts_with(',');
        if let Some(v) = toks.get(k).filter(|v| addressed && !v.w.ends_with(['e', 'r']) && cue("commitment_verb").at(&toks, k).is_some()) {
            let infinitive = if v.w.ends_with(['a', 'i', 'o', 'u', 'y', 'å']) { v.w.clone() } else { format!("{}e", v.w) };
            let after = toks.get(k + 1).filter(|g| g.w == "gjerne").map_or(v.end, |g| g.end);
            return format!("{} {}{}", &line[toks[0].start..toks[k - 1].end], text::present_tense(&infinitive), &line[after..]);
        }
    }
    // the verb before its actor (one the meeting knows, or a name)
    if cue("commitment_verb").at(&toks, 0).is_some() {
        if let Some(k) = toks.get(1).and_then(|_| actors.at_or_name(line, &toks, 1)) {
            let actor = &line[toks[1].start..toks[k].end];
            return format!("{} {}{}", text::capitalise(actor), toks[0].w, &line[toks[k].end..]);
        }
    }
    line.to_string()
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
        let opened = |w: &str| lc.starts_with(w) && !s.to_lowercase().trim_start().starts_with(w);
        // (nor "vi regner med å levere ..." cut to "Å levere ...")
        if opened("det ") || opened("å ") {
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

    #[test]
    fn a_follow_up_is_an_actor_a_verb_of_doing_and_a_time_or_a_task_given() {
        let m = crate::meeting::Meeting::parse(
            r#"
council = "Nasjonalt råd"
number = "1"
date = "d"
time = "t"
place = "p"
[[members]]
name = "Rune Dahl"
organisation = "KS"
[[items]]
saksnr = "5/25"
title = "T"
sakstype = "Drøfting"
presenters = [{ name = "Kari Holm", organisation = "Norsk helsenett SF" }]
"#,
        )
        .unwrap();
        let item = &m.items[0];
        let turn = |role: TurnRole, kind: TurnKind, speaker: &str, text: &str| Turn {
            span: [1.0, 2.0],
            sentences: vec![Sentence { span: [1.0, 2.0], text: text.into(), speaker: Some(speaker.into()), starts_segment: true }],
            speaker: Some(speaker.into()),
            role,
            kind,
            presenting: false,
        };
        let member = |text: &str| turn(TurnRole::Member, TurnKind::Substantive, "Rune Dahl", text);
        let summing_up = |text: &str| turn(TurnRole::Chair, TurnKind::SummingUp, "Leder", text);
        let lines = |t: Turn| draft_aksjon(&[&t], &m, item).into_iter().map(|l| l.text).collect::<Vec<_>>();
        // the speaker's own undertaking, with no time said
        assert_eq!(
            lines(member("Ja, vi sender ut en kort melding til kommunene om status.")),
            ["KS sender ut en kort melding til kommunene om status."]
        );
        // the clause with its own actor
        assert_eq!(
            lines(member("Takk for gode innspill, vi kommer tilbake med en plan til neste møte.")),
            ["KS kommer tilbake med en plan til neste møte."]
        );
        assert_eq!(
            lines(summing_up("Vi utsetter saken til møtet i mars, og så sørger administrasjonen for at vedlegget kommer ut.")),
            ["Administrasjonen sørger for at vedlegget kommer ut."]
        );
        // an organisation named without its company form
        assert_eq!(lines(member("Norsk helsenett kommer tilbake med en oversikt til neste møte.")).len(), 1);
        // a task the chair's summing-up gives someone named, also after "noterer vi at"
        assert_eq!(
            lines(summing_up("Og så tar KS kontakt med fylkeskommunene om modellen.")),
            ["KS tar kontakt med fylkeskommunene om modellen."]
        );
        assert_eq!(
            lines(summing_up("Så ber vi sekretariatet om å lage en skisse til møtet i april.")),
            ["Sekretariatet lager en skisse til møtet i april."]
        );
        assert_eq!(
            lines(summing_up("Da noterer vi at planen får støtte, men at Rune supplerer den med en indikator for pasientene.")),
            ["Rune Dahl supplerer den med en indikator for pasientene."]
        );
        assert_eq!(
            lines(summing_up("Rune, send gjerne eksemplene til sekretariatet.")),
            ["Rune Dahl sender eksemplene til sekretariatet."]
        );
        // a task the chair asks someone named to take
        assert_eq!(
            lines(turn(
                TurnRole::Chair,
                TurnKind::Procedural,
                "Leder",
                "Rune, kan du skrive uttalelsen og sende den til fylket innen fredag?"
            )),
            ["Rune Dahl skriver uttalelsen og sender den til fylket innen fredag."]
        );
        // someone the meeting file does not know, named inside the sentence
        assert_eq!(
            lines(summing_up("Og så tar Vegvesenet kontakt med skolen om fartsgrensen.")),
            ["Vegvesenet tar kontakt med skolen om fartsgrensen."]
        );
        // none: a clause of its own, a duty with no actor, a presenter's introduction, what the
        // council asks, a line of a few words, a call to vote
        for none in [
            member("Det gjelder innkjøp, som vi kommer tilbake til i sak åtte."),
            member("Taket må skiftes innen tre år, og det koster mye."),
            turn(TurnRole::Chair, TurnKind::Procedural, "Leder", "Kari Holm fra Norsk helsenett legger frem saken."),
            summing_up("Rådet ber om at sekretariatet lager en skisse til møtet i april."),
            member("Det kan vi ordne."),
            summing_up("Da stemmer vi over forslaget fra Høyre om å sende saken tilbake."),
            member("Det lyder slik: Kommunedirektøren bes legge fram en sak innen mai."),
        ] {
            assert!(lines(none.clone()).is_empty(), "{:?}", none.sentences[0].text);
        }
    }
}
