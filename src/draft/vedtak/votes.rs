//! Proposals made in the meeting and the votes the chair announces on them.
//!
//! A member's proposal ("Venstre fremmer et tilleggsforslag: ...", "Jeg har et
//! endringsforslag fra SV: ...") is found by the patterns in `rules.toml`; its party is the one
//! named, else the speaker's organisation when that is a party. The chair's voting is read in
//! order, sentence by sentence: which proposal is put to the vote ("Først voterer vi over
//! innstillingen", "Så endringsforslaget fra SV"), the counts however said ("ni for, to imot",
//! "vedtatt med elleve mot fire stemmer", "Tolv." after "De som støtter innstillingen, rekk opp
//! hånda"), who voted how ("Rødt og SV stemte for motforslaget", "to imot, det er MDG") and the
//! outcome ("enstemmig", "falt", "har flertall"). The result is written as minutes write it:
//! "Innstillingen ble vedtatt med 9 mot 2 stemmer (MDG stemte imot). SVs endringsforslag ble
//! enstemmig vedtatt."

use super::super::turns::{member_of, Turn, TurnRole};
use crate::artifact::Span;
use crate::meeting::Language;
use crate::meeting::Meeting;
use crate::text::phrases::{fill, phrase};
use crate::text::{self, cue, rules, Party, Tok};

/// Wording is drafted in Bokmål and carried into Nynorsk on export.
const NB: Language = Language::Nb;

/// What a proposal does to the agenda's forslag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Adds to the forslag (joins the vedtak when adopted).
    Tillegg,
    /// Changes the forslag (joins the vedtak when adopted).
    Endring,
    /// Instead of the forslag (replaces it when adopted).
    Alternativ,
    /// Made by several parties together (joins the vedtak when adopted).
    Felles,
    /// A proposal without a kind named (treated as an addition).
    Forslag,
}

impl Kind {
    pub fn of(word: &str) -> Kind {
        let w = word.to_lowercase();
        if w.starts_with("tillegg") {
            Kind::Tillegg
        } else if w.starts_with("endring") {
            Kind::Endring
        } else if w.starts_with("alternativ") || w.starts_with("motforslag") {
            Kind::Alternativ
        } else if w.starts_with("felles") {
            Kind::Felles
        } else {
            Kind::Forslag
        }
    }
    /// "KrFs tilleggsforslag": the noun after a genitive.
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Tillegg => "tilleggsforslag",
            Kind::Endring => "endringsforslag",
            Kind::Alternativ => "alternative forslag",
            Kind::Felles => "fellesforslag",
            Kind::Forslag => "forslag",
        }
    }
    /// "tilleggsforslaget fra V og MDG": the definite form.
    fn definite(self) -> &'static str {
        match self {
            Kind::Tillegg => "tilleggsforslaget",
            Kind::Endring => "endringsforslaget",
            Kind::Alternativ => "det alternative forslaget",
            Kind::Felles => "fellesforslaget",
            Kind::Forslag => "forslaget",
        }
    }
}

/// A proposal made in the meeting.
#[derive(Debug, Clone)]
pub struct Proposal {
    pub kind: Kind,
    /// The parties behind it, as the referat writes them ("H", "FrP").
    pub parties: Vec<String>,
    /// The speaker, when no party is known.
    pub by: Option<String>,
    /// Who made it.
    pub speaker: Option<String>,
    /// The proposal's words, as said.
    pub text: String,
    pub span: Span,
}

impl Proposal {
    /// "SVs tilleggsforslag", "det alternative forslaget fra V og MDG", "tilleggsforslaget".
    pub fn name(&self, meeting: &Meeting) -> String {
        match self.parties.as_slice() {
            [one] => format!("{} {}", genitive(meeting, one), self.kind.noun()),
            [] => match &self.by {
                Some(by) => format!("{} fra {by}", self.kind.definite()),
                None => self.kind.definite().to_string(),
            },
            many => format!("{} fra {}", self.kind.definite(), list(many)),
        }
    }
}

/// Proposals made in the sak's turns by the members (and presenters after their
/// presentation); in every turn when there are no speakers (`tagged` false) and roles are a
/// guess.
pub fn proposals(turns: &[&Turn], meeting: &Meeting, tagged: bool) -> Vec<Proposal> {
    let mut out = Vec::new();
    let by_member = |t: &&&Turn| !tagged || t.role == TurnRole::Member || (t.role == TurnRole::Presenter && !t.presenting);
    for t in turns.iter().filter(by_member) {
        for (k, s) in t.sentences.iter().enumerate() {
            // A proposal announced in one sentence ("Jeg vil fremme et alternativt forslag.") is
            // worded in the speaker's next one, first person and all.
            let announced = || -> Option<(Said, Span, usize)> {
                let toks = text::tokens(&s.text);
                let (at, n) = cue("proposal").find(&toks)?;
                // nothing after the announcement but who makes it ("... et fellesforslag fra Ap og Sp.")
                let named = parties_from(&s.text, &toks, at + n, meeting);
                if toks.len() > at + n + 1 && named.is_empty() {
                    return None;
                }
                let next = t.sentences.get(k + 1).filter(|n| !n.text.trim_end().ends_with('?'))?;
                let kind = toks.iter().find_map(|w| (w.w.contains("forslag") || w.w.starts_with("alternativ")).then(|| Kind::of(&w.w)))?;
                let text = crate::draft::common::normalise(&wording(&next.text));
                let parties = if named.is_empty() {
                    t.speaker.as_deref().and_then(|sp| speaker_party(sp, meeting)).into_iter().collect()
                } else {
                    named
                };
                (!text.is_empty()).then_some((Said { kind, parties, text }, next.span, k + 1))
            };
            let (Said { kind, parties, text }, mut span, last) = match proposal_in(&s.text, t.speaker.as_deref(), meeting) {
                Some(said) => (said, s.span, k),
                None => match announced() {
                    Some(found) => found,
                    None => continue,
                },
            };
            let k = last;
            let by = if parties.is_empty() { t.speaker.clone() } else { None };
            let mut text = text;
            // The proposal may go on in the speaker's next sentences of the same breath.
            for next in t.sentences.iter().skip(k + 1).take(3) {
                let words = text::words(&next.text);
                let talk = words.iter().any(|w| text::is_first_person(w)) || next.text.trim_end().ends_with('?');
                if next.starts_segment || talk {
                    break;
                }
                text = format!("{text} {}", next.text.trim());
                span[1] = next.span[1];
            }
            out.push(Proposal { kind, parties, by, text, span, speaker: t.speaker.clone() });
        }
    }
    out
}

/// The wording of a proposal announced in the sentence before, without the words that open it
/// ("Det lyder slik: Kommunedirektøren bes ..." -> "Kommunedirektøren bes ...").
pub fn wording(sentence: &str) -> String {
    let toks = text::tokens(sentence);
    match cue("proposal_wording").at(&toks, 0) {
        Some(n) if n < toks.len() => text::capitalise(sentence[toks[n - 1].end..].trim_start_matches([':', ',', ' '])),
        _ => sentence.to_string(),
    }
}

/// A proposal as one sentence puts it.
pub struct Said {
    pub kind: Kind,
    /// The parties named, else the speaker's party (none when neither is known).
    pub parties: Vec<String>,
    /// The proposal's words.
    pub text: String,
}

/// The proposal `sentence` puts, by the patterns in `rules.toml`, with the parties it names
/// or else the party of `speaker`.
pub fn proposal_in(sentence: &str, speaker: Option<&str>, meeting: &Meeting) -> Option<Said> {
    let c = rules().proposal.iter().find_map(|re| re.captures(sentence))?;
    let kind = c.name("kind").map(|m| Kind::of(m.as_str())).unwrap_or(Kind::Forslag);
    let mut said: Vec<String> = Vec::new();
    for p in ["who", "party", "party2"].iter().filter_map(|g| c.name(g)).flat_map(|m| parties_in(m.as_str(), meeting)) {
        if !said.contains(&p) {
            said.push(p);
        }
    }
    let parties = if said.is_empty() { speaker.and_then(|sp| speaker_party(sp, meeting)).into_iter().collect() } else { said };
    Some(Said { kind, parties, text: c["text"].trim().to_string() })
}

/// Per proposal: the chair took it up without a vote, in the first words after it ("Det er
/// et godt forslag, det tar vi med.").
pub fn consented(all: &[&Turn], proposals: &[Proposal]) -> Vec<bool> {
    proposals
        .iter()
        .map(|p| {
            let Some(k) = all.iter().position(|t| t.span[0] <= p.span[0] && p.span[1] <= t.span[1] + 1e-6) else { return false };
            all[k + 1..]
                .iter()
                .find(|t| t.role == TurnRole::Chair)
                .is_some_and(|t| t.sentences.iter().any(|s| cue("consent").in_text(&s.text)))
        })
        .collect()
}

/// The parties a proposal is "fra" when `toks[i]` (of `sentence`) is that "fra" ("et
/// fellesforslag fra Ap og Sp"); none otherwise.
pub fn parties_from(sentence: &str, toks: &[Tok], i: usize, meeting: &Meeting) -> Vec<String> {
    match toks.get(i) {
        Some(f) if f.w == "fra" => parties_in(&sentence[f.end..], meeting),
        _ => Vec::new(),
    }
}

/// The parties named in `text`, as the referat writes them, in order.
pub fn parties_in(text: &str, meeting: &Meeting) -> Vec<String> {
    let toks = text::tokens(text);
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        match party_at(&toks, i) {
            Some((p, used)) => {
                let d = display(meeting, p);
                if !out.contains(&d) {
                    out.push(d);
                }
                i += used;
            }
            None => i += 1,
        }
    }
    out
}

/// The party named at `toks[i]` ("Høyre", "Høyres", "Kristelig Folkeparti"), with words used.
fn party_at(toks: &[Tok], i: usize) -> Option<(&'static Party, usize)> {
    let mut best: Option<(&'static Party, usize)> = None;
    for p in &rules().parties {
        for name in &p.names {
            let parts: Vec<&str> = name.split(|c: char| !c.is_alphanumeric()).filter(|s| !s.is_empty()).collect();
            let n = parts.len();
            if i + n > toks.len() {
                continue;
            }
            let hit = parts.iter().enumerate().all(|(k, part)| {
                let w = toks[i + k].w.as_str();
                // the last word may carry the genitive -s ("Høyres", "KrFs")
                w == *part || (k + 1 == n && part.chars().count() >= 2 && w.strip_suffix('s') == Some(part))
            });
            if hit && best.is_none_or(|b| n > b.1) {
                best = Some((p, n));
            }
        }
    }
    best
}

/// A party as this meeting writes it: the member list's spelling when a member's organisation
/// is that party, else the party's short form.
fn display(meeting: &Meeting, p: &Party) -> String {
    meeting
        .members
        .iter()
        .map(|m| m.organisation.trim())
        .find(|o| p.names.iter().any(|n| n.eq_ignore_ascii_case(o)) || o.eq_ignore_ascii_case(&p.short))
        .map(str::to_string)
        .unwrap_or_else(|| p.short.clone())
}

/// "Høyres", "FrPs", "Arbeiderpartiets".
fn genitive(meeting: &Meeting, shown: &str) -> String {
    if let Some(p) = rules().parties.iter().find(|p| display(meeting, p) == shown && shown == p.short) {
        return p.genitive.clone();
    }
    if shown.ends_with('s') {
        shown.to_string()
    } else {
        format!("{shown}s")
    }
}

/// Who is named in `text`: the parties, or else the members named (by full or first name), as
/// the referat writes them.
pub fn who_in(text: &str, meeting: &Meeting) -> Vec<String> {
    let parties = parties_in(text, meeting);
    if !parties.is_empty() {
        return parties;
    }
    members_in(text, meeting)
}

/// The members named in `text`, by full name or by a first name no other member has.
pub fn members_in(text: &str, meeting: &Meeting) -> Vec<String> {
    let toks: Vec<String> = text::words(text);
    let firsts: Vec<String> = meeting.members.iter().filter_map(|m| text::words(&m.name).first().cloned()).collect();
    meeting
        .members
        .iter()
        .filter(|m| {
            let name = text::words(&m.name);
            let full = toks.windows(name.len().max(1)).any(|w| w == name.as_slice());
            let first = name.first().is_some_and(|f| firsts.iter().filter(|x| *x == f).count() == 1 && toks.contains(f));
            !name.is_empty() && (full || first)
        })
        .map(|m| m.name.clone())
        .collect()
}

/// The party of a speaker: their organisation in the member list, when that is a party.
pub fn speaker_party(speaker: &str, meeting: &Meeting) -> Option<String> {
    let m = member_of(speaker, meeting)?;
    parties_in(&m.organisation, meeting).into_iter().next()
}

/// "A", "A og B", "A, B og C".
pub fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} og {last}", init.join(", ")),
    }
}

// ---------------------------------------------------------------- the chair's voting

/// What was put to the vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// The agenda's forslag (the innstilling).
    Innstilling,
    /// A proposal made in the meeting (index into the proposals).
    Proposal(usize),
}

/// The votes on one subject.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Tally {
    pub for_n: Option<u32>,
    pub against_n: Option<u32>,
    pub unanimous: bool,
    pub adopted: Option<bool>,
    pub who_for: Vec<String>,
    pub who_against: Vec<String>,
}

impl Tally {
    /// Anything was said about this vote.
    pub fn any(&self) -> bool {
        self.for_n.is_some() || self.against_n.is_some() || self.unanimous || self.adopted.is_some()
    }
    /// Adopted, as far as the chair said.
    pub fn carried(&self) -> bool {
        self.adopted == Some(true)
            || (self.adopted.is_none() && (self.unanimous || self.for_n > self.against_n && self.against_n.is_some()))
    }
}

/// The votes of a sak.
#[derive(Debug, Default)]
pub struct Votes {
    pub innstilling: Tally,
    /// What the chair called the innstilling when it was voted on ("Kommunedirektørens forslag").
    pub innstilling_name: Option<String>,
    pub proposals: Vec<Tally>,
    /// Two subjects put to the vote against each other.
    pub paired: Option<(Subject, Subject)>,
    /// The innstilling was named or put to the vote (counts said of nothing named are no
    /// vote on it: "Kari fikk fem stemmer").
    pub innstilling_voted: bool,
    /// The sentences the votes were read from.
    pub spans: Vec<Span>,
}

impl Votes {
    fn tally(&mut self, s: Subject) -> &mut Tally {
        match s {
            Subject::Innstilling => &mut self.innstilling,
            Subject::Proposal(i) => &mut self.proposals[i],
        }
    }
    fn get(&self, s: Subject) -> &Tally {
        match s {
            Subject::Innstilling => &self.innstilling,
            Subject::Proposal(i) => &self.proposals[i],
        }
    }
}

/// A subject named in a sentence.
struct Named {
    subject: Option<Subject>,
    /// The chair's own name for the innstilling ("kommunedirektørens forslag").
    name: Option<String>,
}

/// Subjects named in a sentence, in order. `None` subject: a bare "forslaget" that the
/// context must resolve.
fn named_subjects(sentence: &str, toks: &[Tok], proposals: &[Proposal], meeting: &Meeting) -> Vec<Named> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if let Some(n) = cue("vote_innstilling").at(toks, i) {
            let said = &sentence[toks[i].start..toks[i + n - 1].end];
            let possessive = toks[i].w.ends_with('s') && n == 2 || n == 3 && toks[i + 1].w.ends_with('s');
            out.push(Named { subject: Some(Subject::Innstilling), name: possessive.then(|| said.to_string()) });
            i += n;
            continue;
        }
        let kind = if let Some(n) = cue("vote_tillegg").at(toks, i) {
            Some((Kind::Tillegg, n))
        } else if let Some(n) = cue("vote_endring").at(toks, i) {
            Some((Kind::Endring, n))
        } else if let Some(n) = cue("vote_alternativ").at(toks, i) {
            Some((Kind::Alternativ, n))
        } else if let Some(n) = cue("vote_felles").at(toks, i) {
            Some((Kind::Felles, n))
        } else if toks[i].w.starts_with("forslag") {
            Some((Kind::Forslag, 1))
        } else {
            None
        };
        if let Some((kind, n)) = kind {
            // the party: "KrFs tilleggsforslag", "tilleggsforslaget fra KrF"
            let before = i.checked_sub(1).and_then(|b| party_at(toks, b)).map(|(p, _)| display(meeting, p));
            let after = (toks.get(i + n).is_some_and(|t| t.w == "fra"))
                .then(|| party_at(toks, i + n + 1).map(|(p, _)| display(meeting, p)))
                .flatten();
            let party = before.or(after);
            // or the member: "Emmas forslag", "forslaget fra Emma"
            let person = |k: Option<&Tok>| k.and_then(|t| proposals.iter().position(|p| first_name_is(p, &t.w)));
            let by_person = person(i.checked_sub(1).and_then(|b| toks.get(b))).or_else(|| {
                if toks.get(i + n).is_some_and(|t| t.w == "fra") {
                    person(toks.get(i + n + 1))
                } else {
                    None
                }
            });
            let subject = match (party.as_deref(), by_person) {
                (None, Some(p)) => Some(Subject::Proposal(p)),
                _ => pick(proposals, kind, party.as_deref()),
            };
            out.push(Named { subject, name: None });
            i += n;
            continue;
        }
        i += 1;
    }
    out
}

/// The proposal's speaker goes by this first name (also in the genitive: "Emmas").
fn first_name_is(p: &Proposal, w: &str) -> bool {
    let first = p.speaker.as_deref().and_then(|s| text::words(s).into_iter().next());
    first.is_some_and(|f| f == w || w.strip_suffix('s') == Some(f.as_str()))
}

/// The proposal a vote names: by kind and party; a bare "forslaget" only with a party.
fn pick(proposals: &[Proposal], kind: Kind, party: Option<&str>) -> Option<Subject> {
    // a party named fits that party's proposal, or one whose party nobody knows
    let fits = |p: &Proposal| party.is_none_or(|pa| p.parties.is_empty() || p.parties.iter().any(|x| x == pa));
    let idx = match kind {
        Kind::Forslag => party.and_then(|_| proposals.iter().position(fits)),
        k => proposals.iter().position(|p| p.kind == k && fits(p)).or_else(|| proposals.iter().position(|p| p.kind == k)),
    };
    idx.map(Subject::Proposal)
}

/// The votes in the chair's sentences, in order.
pub fn count(chair: &[(Span, String)], proposals: &[Proposal], meeting: &Meeting) -> Votes {
    let mut v = Votes { proposals: vec![Tally::default(); proposals.len()], ..Default::default() };
    let mut current: Option<Subject> = None;
    // The last call to vote: on what, and whether those for (true) or against (false) raise hands.
    let mut call: Option<(Subject, bool)> = None;
    for (span, s) in chair {
        let toks = text::tokens(s);
        let named = named_subjects(s, &toks, proposals, meeting);
        let question = s.trim_end().ends_with('?');
        if let Some(n) = named.iter().find_map(|n| n.name.clone()) {
            v.innstilling_name.get_or_insert(n);
        }
        let resolved: Vec<Subject> = named.iter().map(|n| n.subject.unwrap_or(current.unwrap_or(Subject::Innstilling))).collect();
        let mut distinct: Vec<Subject> = Vec::new();
        for r in &resolved {
            if !distinct.contains(r) {
                distinct.push(*r);
            }
        }
        if distinct.len() >= 2 && toks.iter().any(|t| t.w == "mot" || t.w == "hverandre") {
            v.paired = Some((distinct[0], distinct[1]));
        }
        let is_call = cue("vote_call").find(&toks).is_some() || (question && !resolved.is_empty());
        let against_call = is_call && toks.iter().any(|t| t.w == "imot" || t.w == "mot") && distinct.len() < 2;
        let target = resolved.first().copied().or(current).or(call.map(|c| c.0)).unwrap_or(Subject::Innstilling);
        let before = (v.innstilling.clone(), v.proposals.clone(), v.paired);
        let pending = call;
        if is_call {
            call = Some((target, !against_call));
        }
        if resolved.contains(&Subject::Innstilling) || (is_call && target == Subject::Innstilling) {
            v.innstilling_voted = true;
        }
        if !question {
            read_outcome(&mut v, Reading { target, pending, is_call }, s, &toks, proposals, meeting);
        }
        if !resolved.is_empty() {
            current = Some(resolved[0]);
        }
        if is_call || before != (v.innstilling.clone(), v.proposals.clone(), v.paired) {
            v.spans.push(*span);
        }
    }
    settle_pair(&mut v);
    v
}

/// Where a sentence stands in the voting.
struct Reading {
    /// What the sentence's votes concern.
    target: Subject,
    /// The call to vote before it.
    pending: Option<(Subject, bool)>,
    /// The sentence itself calls a vote.
    is_call: bool,
}

/// Counts, unanimity, outcome and who voted how, from one (non-question) sentence.
fn read_outcome(v: &mut Votes, r: Reading, s: &str, toks: &[Tok], proposals: &[Proposal], meeting: &Meeting) {
    let Reading { target, pending, is_call } = r;
    let (for_n, against_n, bare) = counts(toks);
    let parties = who_in(s, meeting);
    let named_here = !named_subjects(s, toks, proposals, meeting).is_empty();
    // A bare count ("Det er ni.", "Tre, altså R og SV.") answers the last call.
    if let (Some(n), Some((subj, for_call))) = (bare, pending) {
        if for_n.is_none() && against_n.is_none() && !named_here {
            let t = v.tally(subj);
            if for_call {
                t.for_n = Some(n);
                t.who_for.extend(parties.iter().cloned());
            } else {
                t.against_n = Some(n);
                t.who_against.extend(parties.iter().cloned());
            }
            return;
        }
    }
    let nobody = pending.is_some_and(|(_, for_call)| !for_call) && cue("vote_none").starts(s);
    let t = v.tally(target);
    if for_n.is_some() {
        t.for_n = for_n;
    }
    if against_n.is_some() {
        t.against_n = against_n;
    }
    if cue("vote_unanimous").find(toks).is_some() || nobody {
        t.unanimous = true;
        t.adopted = Some(true);
    }
    if cue("vote_rejected").find(toks).is_some() {
        t.adopted = Some(false);
    } else if cue("vote_adopted").find(toks).is_some() {
        t.adopted = Some(true);
    }
    // Who voted how: "Rødt og SV stemte for motforslaget", "to imot, det er MDG".
    if !parties.is_empty() && !is_call {
        let voted = |w: &str| toks.windows(2).any(|p| matches!(p[0].w.as_str(), "stemte" | "stemmer" | "var") && p[1].w == w);
        let stemte_for = voted("for");
        if stemte_for && !named_here {
            t.who_for.extend(parties);
        } else if stemte_for {
            // the parties voted for the subject named in this sentence, not the target
            let subj = named_subjects(s, toks, proposals, meeting).iter().find_map(|n| n.subject).unwrap_or(target);
            v.tally(subj).who_for.extend(parties);
        } else if voted("imot") || voted("mot") || (against_n.is_some() && !named_here) {
            // (a count after a proposal named by its owner: the owner is no voter against it)
            t.who_against.extend(parties);
        } else if for_n.is_some() && !named_here {
            // "Alternativet fikk tre, altså V og MDG."
            t.who_for.extend(parties);
        }
    }
}

/// The counts of a sentence: (for, against, a bare count). "ni for, to imot", "med elleve mot
/// fire stemmer", "vedtatt mot tre stemmer", "seks stemmer", "Det er ni.", "Tre, altså ...".
fn counts(toks: &[Tok]) -> (Option<u32>, Option<u32>, Option<u32>) {
    let (mut for_n, mut against_n, mut bare) = (None, None, None);
    let mut i = 0;
    while i < toks.len() {
        let Some((n, used)) = text::number_readings(toks, i).into_iter().next() else {
            i += 1;
            continue;
        };
        let w = |k: usize| toks.get(i + used + k).map(|t| t.w.as_str()).unwrap_or("");
        let after_stemme = matches!(w(0), "stemmer" | "stemme" | "stemte");
        let next = if after_stemme { w(1) } else { w(0) };
        if next == "for" {
            for_n = Some(n);
        } else if next == "imot" || next == "mot" {
            let k = used + usize::from(after_stemme) + 1;
            match text::number_readings(toks, i + k).into_iter().next() {
                Some((m, used2)) if !after_stemme => {
                    for_n = Some(n);
                    against_n = Some(m);
                    i += k + used2;
                    continue;
                }
                _ => against_n = Some(n),
            }
        } else if i > 0 && toks[i - 1].w == "fikk" {
            // "Innstillingen fikk ni stemmer", "Alternativet fikk fire"
            for_n = Some(n);
        } else if i > 0 && toks[i - 1].w == "mot" && for_n.is_none() && against_n.is_none() {
            // "vedtatt mot to stemmer"
            against_n = Some(n);
        } else if after_stemme {
            for_n.get_or_insert(n);
        } else if i == 0 || (i == 2 && matches!(toks[0].w.as_str(), "det" | "da") && matches!(toks[1].w.as_str(), "er" | "var" | "ble")) {
            bare = Some(n);
        }
        i += used;
    }
    (for_n, against_n, bare)
}

/// Two proposals voted against each other: each one's votes against are the other's for, and
/// the one with more votes carried.
fn settle_pair(v: &mut Votes) {
    let Some((a, b)) = v.paired else { return };
    let (ta, tb) = (v.get(a).clone(), v.get(b).clone());
    if ta.against_n.is_none() {
        v.tally(a).against_n = tb.for_n;
    }
    if tb.for_n.is_none() {
        v.tally(b).for_n = ta.against_n;
    }
    if tb.against_n.is_none() {
        v.tally(b).against_n = v.get(a).for_n;
    }
    let (fa, fb) = (v.get(a).for_n, v.get(b).for_n);
    let a_won = match (v.get(a).adopted, v.get(b).adopted) {
        (Some(x), _) => x,
        (None, Some(y)) => !y,
        (None, None) => fa > fb,
    };
    v.tally(a).adopted = Some(a_won);
    v.tally(b).adopted = Some(!a_won);
}

/// The votes as the referat writes them.
pub fn sentences(v: &Votes, proposals: &[Proposal], meeting: &Meeting) -> Vec<String> {
    let mut out = Vec::new();
    let innst = v.innstilling_name.as_deref().map(text::finish_sentence).map(|s| s.trim_end_matches('.').to_string());
    let innst = innst.unwrap_or_else(|| "Innstillingen".to_string());
    let name = |s: Subject| match s {
        Subject::Innstilling => innst.clone(),
        Subject::Proposal(i) => text::capitalise(&proposals[i].name(meeting)),
    };
    let any_proposal_voted = v.proposals.iter().any(Tally::any);
    let paired_other = |s: Subject| {
        v.paired.and_then(|(a, b)| {
            if a == s {
                Some(b)
            } else if b == s {
                Some(a)
            } else {
                None
            }
        })
    };
    let mut subjects = vec![Subject::Innstilling];
    subjects.extend((0..proposals.len()).map(Subject::Proposal));
    for s in subjects {
        let t = v.get(s);
        if !t.any() || (s == Subject::Innstilling && !v.innstilling_voted && !t.unanimous) {
            continue;
        }
        if let Some(other) = paired_other(s) {
            // A pair is written once, from the side that carried.
            if !t.carried() {
                continue;
            }
            let o = v.get(other);
            let note = if o.who_for.is_empty() {
                String::new()
            } else {
                fill(NB, "draft.vedtak.voted_for_other", &[("who", &list(&o.who_for)), ("other", &lower_first(&name(other)))])
            };
            out.push(fill(NB, "draft.vedtak.adopted", &[("what", &name(s)), ("counts", &with_counts(t)), ("note", &note)]));
            continue;
        }
        if s == Subject::Innstilling && t.unanimous && t.for_n.is_none() && !any_proposal_voted {
            out.push(phrase(NB, "draft.vedtak.unanimous").to_string());
            continue;
        }
        let line = if t.unanimous && t.for_n.is_none() && t.against_n.is_none() {
            fill(NB, "draft.vedtak.adopted_unanimously", &[("what", &name(s))])
        } else if t.unanimous && t.against_n.is_none() && t.adopted != Some(false) {
            // "enstemmig vedtatt med 5 stemmer": the count of those present, all for
            fill(NB, "draft.vedtak.adopted_unanimously_counted", &[("what", &name(s)), ("counts", &with_counts(t))])
        } else if t.adopted == Some(false) || (t.adopted.is_none() && !t.carried() && t.for_n.is_some()) {
            fill(NB, "draft.vedtak.fell", &[("what", &name(s)), ("counts", &with_counts(t))])
        } else if t.for_n.is_some() || t.against_n.is_some() || s != Subject::Innstilling {
            let note = if t.who_against.is_empty() {
                String::new()
            } else {
                fill(NB, "draft.vedtak.voted_against", &[("who", &list(&t.who_against))])
            };
            fill(NB, "draft.vedtak.adopted", &[("what", &name(s)), ("counts", &with_counts(t)), ("note", &note)])
        } else {
            continue;
        };
        out.push(line);
    }
    out
}

/// " med 9 mot 1 stemme", " mot 3 stemmer", "" (the noun agrees with the last number).
fn with_counts(t: &Tally) -> String {
    let noun = |n: u32| phrase(NB, if n == 1 { "draft.vedtak.vote_one" } else { "draft.vedtak.vote_many" });
    match (t.for_n, t.against_n) {
        (Some(f), Some(a)) => fill(NB, "draft.vedtak.counts", &[("for", &f.to_string()), ("against", &a.to_string()), ("votes", noun(a))]),
        (None, Some(a)) => fill(NB, "draft.vedtak.counts_against", &[("against", &a.to_string()), ("votes", noun(a))]),
        (Some(f), None) => fill(NB, "draft.vedtak.counts_for", &[("for", &f.to_string()), ("votes", noun(f))]),
        (None, None) => String::new(),
    }
}

/// "Det alternative forslaget" → "det alternative forslaget"; a party's name stays as it is.
fn lower_first(s: &str) -> String {
    if party_at(&text::tokens(s), 0).is_some() {
        return s.to_string();
    }
    let mut c = s.chars();
    c.next().map(|f| f.to_lowercase().collect::<String>() + c.as_str()).unwrap_or_default()
}
