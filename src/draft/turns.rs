//! Split a sak's transcript into speaker turns and give each a role and a kind, by structure.
//!
//! Roles come from who speaks where, not from phrases: the chair is the meeting file's `chair`,
//! else the speaker who opens and closes the items ([`chair_speaker`]); the presenters are the
//! agenda's, plus whoever speaks after the chair's announcement until the chair opens the
//! floor; everyone else is a member. The chair's summing-up is the chair's closing turn of the
//! sak: the chair talking after the last contribution, in whatever words.
//!
//! Turn boundaries: speaker tags (an imported Teams/Zoom transcript, or diarization); without
//! them, pauses longer than [`PAUSE_SECS`] and the chair's hand-over cues, and the roles fall
//! back on those cues. Classification is by rules, not by the model: the small model answers
//! "procedural" to everything when offered the choice.

use crate::artifact::{Segmentation, Span, Transcript};
use crate::meeting::{Item, Meeting, Member};
use crate::text::{self, cue};

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
    /// Greetings, thanks, hand-overs, announcements, short questions: no referat line.
    Procedural,
    /// A point made in the discussion (member) or the presentation (presenter).
    Substantive,
    /// The chair's closing summary: evidence for the vedtak.
    SummingUp,
}

/// A sentence with its time span.
#[derive(Debug, Clone, PartialEq)]
pub struct Sentence {
    pub span: Span,
    pub text: String,
    pub speaker: Option<String>,
    /// The first sentence of its transcript segment (a cue of a VTT file, a speaker's line).
    pub starts_segment: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    pub span: Span,
    pub sentences: Vec<Sentence>,
    pub speaker: Option<String>,
    pub role: TurnRole,
    pub kind: TurnKind,
    /// Spoken before the chair opened the floor (the presentation of the sak).
    pub presenting: bool,
}

impl Turn {
    pub fn text(&self) -> String {
        self.sentences.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join(" ")
    }
    pub fn word_count(&self) -> usize {
        self.sentences.iter().map(|s| s.text.split_whitespace().count()).sum()
    }
    fn new(sentences: Vec<Sentence>) -> Turn {
        let span = [sentences[0].span[0], sentences[sentences.len() - 1].span[1]];
        let speaker = sentences[0].speaker.clone();
        Turn { span, sentences, speaker, role: TurnRole::Member, kind: TurnKind::Substantive, presenting: false }
    }
}

/// The sentences of the segments in `spans`, with times from the word times where the ASR gave
/// them, else interpolated by character position inside the segment.
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
        let parts = text::split_sentences(text);
        let total: usize = parts.iter().map(|p| p.chars().filter(|c| !c.is_whitespace()).count()).sum::<usize>().max(1);
        let dur = (seg.end - seg.start).max(0.0);
        // Word times: the sentence starts at the word where its characters begin.
        let word_at = |chars_before: usize| -> Option<(f64, f64)> {
            if seg.words.is_empty() {
                return None;
            }
            let mut seen = 0;
            for w in &seg.words {
                let n = w.text.chars().filter(|c| !c.is_whitespace()).count();
                if seen + n > chars_before {
                    return Some((w.start, w.end));
                }
                seen += n;
            }
            seg.words.last().map(|w| (w.start, w.end))
        };
        let mut pos = 0usize;
        let mut first = true;
        for p in parts {
            let n = p.chars().filter(|c| !c.is_whitespace()).count();
            let (mut s, mut e) = (seg.start + dur * pos as f64 / total as f64, seg.start + dur * (pos + n) as f64 / total as f64);
            if let (Some(a), Some(b)) = (word_at(pos), word_at((pos + n).saturating_sub(1))) {
                (s, e) = (a.0.max(seg.start), b.1.min(seg.end).max(a.0));
            }
            pos += n;
            // A segment cut by a sak boundary gives each sak its own sentences.
            let mid = 0.5 * (s + e);
            if !spans.iter().any(|sp| mid >= sp[0] && mid < sp[1]) {
                continue;
            }
            out.push(Sentence { span: [round2(s), round2(e)], text: p, speaker: seg.speaker.clone(), starts_segment: first });
            first = false;
        }
    }
    out
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The member of the meeting file a speaker tag refers to.
pub fn member_of<'m>(tag: &str, meeting: &'m Meeting) -> Option<&'m Member> {
    meeting.members.iter().find(|m| speaker_is(tag, &m.name))
}

/// True when a speaker tag ("Kari Nordmann", "Kari", "KARI NORDMANN (KS)") refers to `name`.
pub fn speaker_is(tag: &str, name: &str) -> bool {
    let parts = text::words(name);
    let tag_words = text::words(tag);
    if parts.is_empty() {
        return false;
    }
    // The whole name, word for word ("KARI NORDMANN (KS)", but "Taler 10" is not "Taler 1").
    if tag_words.windows(parts.len()).any(|w| w == parts.as_slice()) {
        return true;
    }
    match (parts.first(), parts.last()) {
        (Some(f), Some(l)) if parts.len() >= 2 => {
            (tag_words.iter().any(|w| w == f) && tag_words.iter().any(|w| w == l))
                || (tag_words.len() == 1 && (tag_words[0] == *f || tag_words[0] == *l))
        }
        _ => false,
    }
}

/// The chair's speaker tag: the meeting file's `chair` where a tag matches it, else the
/// speaker who speaks first or last in most of the discussed saker (the chair opens and closes
/// items). None for a transcript without speakers.
pub fn chair_speaker(meeting: &Meeting, transcript: &Transcript, seg: &Segmentation) -> Option<String> {
    let tags: Vec<&String> = transcript.segments.iter().filter_map(|s| s.speaker.as_ref()).collect();
    if tags.is_empty() {
        return None;
    }
    if let Some(c) = &meeting.chair {
        if let Some(t) = tags.iter().find(|t| speaker_is(t, c)) {
            return Some((*t).clone());
        }
    }
    let mut count: Vec<(String, usize)> = Vec::new();
    let mut items = 0;
    let mut seen_spans: Vec<Vec<Span>> = Vec::new();
    for it in seg.items.iter().filter(|i| !i.spans.is_empty()) {
        if seen_spans.contains(&it.spans) {
            continue;
        }
        seen_spans.push(it.spans.clone());
        let inside: Vec<&crate::artifact::Segment> =
            transcript.segments.iter().filter(|s| it.spans.iter().any(|sp| s.start >= sp[0] - 0.01 && s.start < sp[1])).collect();
        items += 1;
        for s in [inside.first(), inside.last()].into_iter().flatten() {
            if let Some(sp) = &s.speaker {
                match count.iter_mut().find(|(n, _)| n == sp) {
                    Some(c) => c.1 += 1,
                    None => count.push((sp.clone(), 1)),
                }
            }
        }
    }
    // The secretariat opens saker too (reads the agenda, reports absences), but never chairs.
    count.retain(|(sp, _)| !in_secretariat(sp, meeting));
    count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    count.into_iter().next().filter(|(_, n)| *n >= 2 && *n * 2 >= items).map(|(s, _)| s)
}

/// The speaker tag is one of the meeting file's secretariat.
fn in_secretariat(tag: &str, meeting: &Meeting) -> bool {
    meeting.secretariat.iter().flat_map(|s| &s.names).any(|n| speaker_is(tag, n))
}

/// The chair handing the word on inside running (untagged) text: a hand-over cue, a short
/// question to the room, or a short sentence that names a participant and thanks, asks or
/// calls on them ("Takk, Norunn, vil du kommentere?").
pub fn is_handover_sentence(sentence: &str, meeting: &Meeting) -> bool {
    let toks = text::tokens(sentence);
    let n = toks.len();
    if n < 20 && cue("handover").find(&toks).is_some() {
        return true;
    }
    let rest = if toks.first().is_some_and(|t| t.w == "takk") { &toks[1..] } else { &toks[..] };
    if n <= 10 && cue("room_questions").find(rest).is_some() {
        return true;
    }
    // Opening the floor for a joint discussion, as speech recognition may write it.
    if n <= 14 && (text::fuzzy_contains(sentence, "til begge sakene", 0.75) || text::fuzzy_contains(sentence, "åpner for innspill", 0.75))
    {
        return true;
    }
    let named = names_person(sentence, meeting) || calls_on_person(sentence, meeting);
    let thanks = toks.first().is_some_and(|t| t.w == "takk" || t.w == "thank") || sentence.to_lowercase().contains("så god");
    named && n <= 14 && (thanks || sentence.trim_end().ends_with('?') || n <= 5)
}

/// The chair moving the meeting along: a break or the next item, also when garbled
/// ("kott paelse og starte det igjen med saken 15").
pub fn is_announcement(sentence: &str) -> bool {
    let toks = text::tokens(sentence);
    let lead = toks.iter().take_while(|t| matches!(t.w.as_str(), "takk" | "ok" | "okei" | "fint" | "flott" | "bra" | "ja")).count();
    let moves = cue("moves_on").at(&toks, lead).is_some() || cue("resume").find(&toks).is_some();
    let sak = toks.windows(2).any(|w| cue("sak_words").word(&w[0].w) && text::number_value(&w[1].w).is_some());
    let pause = text::says_break(&toks);
    moves || (pause && toks.len() <= 12) || (sak && toks.len() <= 12)
}

/// How strongly a sentence reads as the chair's summing-up: the council's name (the chair
/// reads out the decision), a summing-up phrase, and content shared with the forslag. 0 to 4.
pub fn summing_up_score(sentence: &str, item: &Item, meeting: &Meeting) -> u32 {
    let mut score = 0;
    if !meeting.council.is_empty() && text::fuzzy_contains(sentence, &meeting.council, 0.7) {
        score += 1;
    }
    if cue("summing_up").in_text(sentence) {
        score += 1;
    }
    if !item.forslag.trim().is_empty() && text::content_stems(sentence).len() >= 3 {
        let o = text::fuzzy_overlap(sentence, &item.forslag);
        score += (o >= 0.4) as u32 + (o >= 0.6) as u32;
    }
    score
}

/// Greetings, thanks, hand-overs and short questions: talk that makes no point of its own.
fn is_procedural_text(t: &str, meeting: &Meeting) -> bool {
    let words = t.split_whitespace().count();
    // Questions (and fillers around them) ask for facts: no point of the speaker's own.
    let sentences = text::split_sentences(t);
    // (a suggestion put as a question, "Kan vi ikke dele?", makes a point)
    let is_question =
        |s: &str| (s.trim_end().ends_with('?') && !cue("suggestion_question").starts(s)) || cue("indirect_question").starts(s);
    let suggests = sentences.iter().any(|s| cue("suggestion_question").starts(s));
    let asks = !suggests && sentences.iter().any(|s| is_question(s));
    let besides = sentences.iter().filter(|s| !is_question(s)).map(|s| text::content_stems(s).len()).max().unwrap_or(0);
    if asks && besides <= text::threshold("turns.question_context") as usize {
        return true;
    }
    if cue("greetings").whole(t) || words < 6 {
        return true;
    }
    // A member raising a disqualification (their own or another's) is the meeting's procedure.
    if words < 40 && cue("inhabil").in_text(t) {
        return true;
    }
    // A short question ("Når kommer neste status?") asks; it makes no point of its own.
    if words < 15 && t.trim_end().ends_with('?') && !suggests {
        return true;
    }
    let content = text::content_stems(t).len();
    let all_procedural = sentences.iter().all(|s| {
        is_handover_sentence(s, meeting) || cue("procedural").in_text(s) || cue("greetings").whole(s) || s.split_whitespace().count() < 4
    });
    content < 4 || (all_procedural && words < 35)
}

/// Split a sak's transcript into turns and classify them. `chair` is the chair's speaker tag
/// ([`chair_speaker`]) when the transcript has speakers.
pub fn split_turns(transcript: &Transcript, spans: &[Span], meeting: &Meeting, item: &Item, chair: Option<&str>) -> Vec<Turn> {
    let sents = sentences(transcript, spans);
    if sents.iter().any(|s| s.speaker.is_some()) {
        tagged_turns(sents, meeting, item, chair)
    } else {
        untagged_turns(sents, meeting, item)
    }
}

fn tagged_turns(sents: Vec<Sentence>, meeting: &Meeting, item: &Item, chair: Option<&str>) -> Vec<Turn> {
    let mut groups: Vec<Vec<Sentence>> = Vec::new();
    for s in sents {
        match groups.last_mut() {
            Some(g) if g[0].speaker == s.speaker => g.push(s),
            _ => groups.push(vec![s]),
        }
    }
    let mut turns: Vec<Turn> = groups.into_iter().map(Turn::new).collect();
    // The chair, by tag; or whoever hands the word on in a short turn (speaker detection can
    // split the chair's voice, or give it to someone else).
    let is_chair = |t: &Turn| {
        let tagged_chair = match (chair, &t.speaker) {
            (Some(c), Some(sp)) => sp == c || speaker_is(sp, c),
            _ => false,
        };
        tagged_chair || acts_as_chair(t, meeting)
    };
    let listed = |t: &Turn| t.speaker.as_deref().is_some_and(|sp| item.presenters.iter().any(|p| speaker_is(sp, &p.name)));
    let member = |t: &Turn| t.speaker.as_deref().is_some_and(|sp| meeting.members.iter().any(|m| speaker_is(sp, &m.name)));
    // The presentation: from the start until the chair takes the word back after someone else
    // has spoken, unless the chair gives the word to a presenter who has not yet presented (a
    // second presenter, or one whose line failed).
    let presented = |upto: usize, sp: &Option<String>| turns[..upto].iter().any(|p| p.speaker == *sp && p.word_count() >= 15);
    let mut floor_open = turns.len();
    let mut other_spoke = false;
    for (i, t) in turns.iter().enumerate() {
        if is_chair(t) {
            let next = turns[i + 1..].iter().find(|u| !is_chair(u));
            let another_presenter = next.is_some_and(|u| listed(u) && !presented(i, &u.speaker));
            if other_spoke && !another_presenter {
                floor_open = i;
                break;
            }
        } else {
            other_spoke = true;
        }
    }
    // A speaker the meeting file does not name ("Taler 3" from speaker detection, a guest):
    // before the floor opens only the first such speakers, as many as the sak has presenters,
    // present; the others who take the word are the members' discussion.
    let known = |t: &Turn| {
        t.speaker.as_deref().is_some_and(|sp| {
            meeting.items.iter().flat_map(|i| &i.presenters).any(|p| speaker_is(sp, &p.name))
                || meeting.members.iter().any(|m| speaker_is(sp, &m.name))
                || in_secretariat(sp, meeting)
        })
    };
    let mut unnamed_presenters: Vec<String> = Vec::new();
    for t in &turns[..floor_open] {
        if let Some(sp) = t.speaker.as_ref().filter(|_| !is_chair(t) && !known(t)) {
            if !unnamed_presenters.contains(sp) && unnamed_presenters.len() < item.presenters.len().max(1) {
                unnamed_presenters.push(sp.clone());
            }
        }
    }
    let presents =
        |t: &Turn| listed(t) || (!member(t) && (known(t) || t.speaker.as_ref().is_some_and(|sp| unnamed_presenters.contains(sp))));
    let chair_presents = chair.is_some_and(|c| item.presenters.iter().any(|p| speaker_is(c, &p.name)));
    let someone_else_presents = turns[..floor_open].iter().any(|t| !is_chair(t) && presents(t) && t.word_count() >= 15);
    let mut presenters: Vec<String> = Vec::new();
    for (i, t) in turns.iter_mut().enumerate() {
        t.presenting = i < floor_open;
        let sp = t.speaker.clone().unwrap_or_default();
        t.role = if is_chair(t) {
            // The chair presenting a sak of their own: the long turns before the floor opens.
            if chair_presents && !someone_else_presents && t.presenting && t.word_count() >= 30 {
                TurnRole::Presenter
            } else {
                TurnRole::Chair
            }
        } else if t.presenting && presents(t) {
            presenters.push(sp);
            TurnRole::Presenter
        } else if presenters.contains(&sp) || (listed(t) && !member(t)) {
            // Presenters answering later, and listed presenters who are not members.
            TurnRole::Presenter
        } else {
            TurnRole::Member
        };
    }
    let secretariat = |t: &Turn| t.speaker.as_deref().is_some_and(|sp| in_secretariat(sp, meeting));
    for i in 0..turns.len() {
        // A reply to a question gives a fact asked for, not a point: any reply by the
        // presenters or the administration, a short one by a member.
        let asked = i > 0 && turns[i - 1].sentences.iter().any(|s| s.text.trim_end().ends_with('?'));
        let answers = asked && (turns[i].role != TurnRole::Member || turns[i].word_count() <= 12);
        turns[i].kind = match turns[i].role {
            TurnRole::Chair => TurnKind::Procedural,
            // The secretariat reports and answers; it makes no innspill of its own.
            _ if secretariat(&turns[i]) => TurnKind::Procedural,
            _ if answers || is_procedural_text(&turns[i].text(), meeting) => TurnKind::Procedural,
            _ => TurnKind::Substantive,
        };
    }
    mark_summing_up(&mut turns, item, meeting);
    turns
}

/// A short turn that only hands the word on ("Takk. Hans Olav Berg.", "Noen flere innspill?").
fn acts_as_chair(t: &Turn, meeting: &Meeting) -> bool {
    let hands_on = t.sentences.iter().any(|s| is_handover_sentence(&s.text, meeting) || calls_on_person(&s.text, meeting));
    hands_on
        && t.word_count() < 25
        && t.sentences.iter().all(|s| {
            is_handover_sentence(&s.text, meeting)
                || calls_on_person(&s.text, meeting)
                || cue("greetings").whole(&s.text)
                || cue("procedural").in_text(&s.text)
                || s.text.split_whitespace().count() < 4
        })
}

/// The chair's closing turns of the sak are its summing-up: the chair talking after the last
/// contribution (a short "ja" from the room in between does not end it). When the sak ends on
/// someone else, the last chair turn that reads as a summing-up.
fn mark_summing_up(turns: &mut [Turn], item: &Item, meeting: &Meeting) {
    let Some(last_chair) = turns.iter().rposition(|t| t.role == TurnRole::Chair) else { return };
    let last_other = turns.iter().rposition(|t| t.role != TurnRole::Chair && t.kind == TurnKind::Substantive);
    let chair_only = turns.iter().all(|t| t.role == TurnRole::Chair || t.kind == TurnKind::Procedural);
    let closing_from = match last_other {
        Some(o) if o < last_chair => o + 1,
        Some(_) => {
            let half = turns[0].span[0] + 0.5 * (turns[turns.len() - 1].span[1] - turns[0].span[0]);
            if let Some(k) = turns.iter().rposition(|t| {
                t.role == TurnRole::Chair && t.span[0] >= half && t.sentences.iter().any(|s| summing_up_score(&s.text, item, meeting) >= 2)
            }) {
                turns[k].kind = TurnKind::SummingUp;
            }
            return;
        }
        None => 0,
    };
    for (i, t) in turns.iter_mut().enumerate().skip(closing_from) {
        // The sak's own announcement is not its summing-up, unless the chair says nothing else.
        if t.role == TurnRole::Chair && (i > 0 || !chair_only || i == last_chair) {
            let content = text::content_stems(&t.text()).len();
            if content >= 3 || i == last_chair {
                t.kind = TurnKind::SummingUp;
            }
        }
    }
}

/// Untagged sentences in turns: a new turn at a long pause, a hand-over, or a turn opened
/// with thanks or a summing-up.
fn pause_groups(sents: Vec<Sentence>, meeting: &Meeting) -> Vec<Vec<Sentence>> {
    let opens = |s: &str| {
        let toks = text::tokens(s);
        toks.first().is_some_and(|t| t.w == "takk") || cue("summing_up").at(&toks, 0).is_some() || cue("moves_on").at(&toks, 0).is_some()
    };
    let mut groups: Vec<Vec<Sentence>> = Vec::new();
    for s in sents {
        let new_turn = match groups.last().and_then(|g| g.last()) {
            None => true,
            Some(prev) => {
                s.span[0] - prev.span[1] > PAUSE_SECS
                    || (is_handover_sentence(&prev.text, meeting) && !calls_on_person(&s.text, meeting))
                    || is_handover_sentence(&s.text, meeting)
                    || calls_on_person(&prev.text, meeting)
                    // A turn that opens with thanks is the chair taking the word back (or the
                    // next speaker thanking for it); so does a summing-up.
                    || (opens(&s.text) && !opens(&prev.text))
            }
        };
        if new_turn {
            groups.push(vec![s]);
        } else if let Some(g) = groups.last_mut() {
            g.push(s);
        }
    }
    groups
}

/// Roles and kinds of untagged turns: the chair by its words; the presentation runs from the
/// first turn after the announcement until the chair opens the floor; later the presenter
/// speaks when the chair asks for a reply or calls on a presenter.
fn assign_roles(turns: &mut [Turn], meeting: &Meeting, item: &Item) {
    let chairing = |t: &Turn| {
        let text = t.text();
        let toks = text::tokens(&text);
        let cued = t.sentences.iter().any(|s| is_handover_sentence(&s.text, meeting) || is_announcement(&s.text))
            || cue("procedural").find(&toks).is_some()
            || cue("room_questions").find(&toks).is_some();
        (cued && t.word_count() < 60) || cue("summing_up").at(&toks, 0).is_some() || (t.word_count() < 15 && names_person(&text, meeting))
    };
    let mut floor_open = false;
    let mut seen_other = false;
    let mut calls_presenter_next = false;
    for (i, t) in turns.iter_mut().enumerate() {
        let is_chair = i == 0 || chairing(t);
        if is_chair {
            t.role = TurnRole::Chair;
            if seen_other {
                floor_open = true;
            }
            let last = t.sentences.last().map(|s| s.text.clone()).unwrap_or_default();
            let lc = t.text().to_lowercase();
            calls_presenter_next = calls_presenter(&last, item, meeting) || lc.contains("vil du svare") || lc.contains("vil du kommentere");
            continue;
        }
        seen_other = true;
        t.presenting = !floor_open;
        t.role = if !floor_open || calls_presenter_next { TurnRole::Presenter } else { TurnRole::Member };
        calls_presenter_next = false;
    }
    if item.presenters.is_empty() {
        // No presenter on the agenda: what looked like a presentation is the discussion.
        for t in turns.iter_mut().filter(|t| t.role == TurnRole::Presenter) {
            t.role = TurnRole::Member;
        }
    }
    for t in turns.iter_mut() {
        t.kind = match t.role {
            TurnRole::Chair => TurnKind::Procedural,
            _ if is_procedural_text(&t.text(), meeting) => TurnKind::Procedural,
            _ => TurnKind::Substantive,
        };
    }
}

/// Untagged text (speech recognition without speakers): turns by pauses and hand-over cues,
/// roles by the chair's words and by position.
fn untagged_turns(sents: Vec<Sentence>, meeting: &Meeting, item: &Item) -> Vec<Turn> {
    let groups = pause_groups(sents, meeting);
    // The chair's summing-up runs on from the last speaker's words: split it off at the first
    // sentence that reads as one, in the second half of the sak.
    let (start, end) =
        (groups.first().map(|g| g[0].span[0]).unwrap_or(0.0), groups.last().and_then(|g| g.last()).map(|s| s.span[1]).unwrap_or(0.0));
    let late = |s: &Sentence| s.span[0] >= start + 0.5 * (end - start);
    let mut split: Vec<Vec<Sentence>> = Vec::new();
    for mut g in groups {
        match g.iter().position(|s| late(s) && summing_up_score(&s.text, item, meeting) >= 2) {
            Some(i) if i > 0 => {
                let rest = g.split_off(i);
                split.push(g);
                split.push(rest);
            }
            _ => split.push(g),
        }
    }
    let mut turns: Vec<Turn> = split.into_iter().map(Turn::new).collect();

    assign_roles(&mut turns, meeting, item);
    // A late turn that opens with a summing-up sentence is the chair's summing-up; so is the
    // sak's last turn when it carries any summing-up signal or runs into the next announcement.
    let last = turns.iter().rposition(|t| t.kind != TurnKind::Procedural || t.role == TurnRole::Chair);
    let mut out: Vec<Turn> = Vec::with_capacity(turns.len());
    for (i, mut t) in turns.into_iter().enumerate() {
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
            .or_else(|| {
                let ends_chairing = t.sentences.iter().rev().take(2).any(|s| is_announcement(&s.text));
                (Some(i) == last && ends_chairing && opening.first().is_some_and(|&k| late(&t.sentences[k]))).then(|| opening[0])
            });
        match hit {
            // The summing-up starts inside the turn: what comes before it keeps its role.
            Some(k) if Some(&k) != opening.first() => {
                let tail = t.sentences.split_off(k);
                t.span[1] = t.sentences.last().map(|s| s.span[1]).unwrap_or(t.span[1]);
                out.push(t);
                let mut su = Turn::new(tail);
                su.role = TurnRole::Chair;
                su.kind = TurnKind::SummingUp;
                out.push(su);
            }
            Some(_) => {
                t.role = TurnRole::Chair;
                t.kind = TurnKind::SummingUp;
                out.push(t);
            }
            None => out.push(t),
        }
    }
    if !out.iter().any(|t| t.kind == TurnKind::SummingUp) {
        mark_summing_up(&mut out, item, meeting);
    }
    out
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
        && super::common::person_names(meeting).iter().any(|n| n.split_whitespace().any(|p| words.contains(&p)))
}

/// True when the text names anyone in the meeting file (first or last name).
fn names_person(text: &str, meeting: &Meeting) -> bool {
    let words: Vec<&str> = text.split(|c: char| !c.is_alphanumeric() && c != '-').filter(|w| !w.is_empty()).collect();
    super::common::person_names(meeting).iter().any(|n| {
        let parts: Vec<&str> = n.split_whitespace().collect();
        parts.len() > 1 && (words.contains(&parts[0]) || words.contains(&parts[parts.len() - 1]))
    })
}

/// True when the last person the sentence names is one of the item's presenters: in "Takk,
/// Erik. Tobias Iveland." the chair thanks the presenter and calls on a member.
fn calls_presenter(sentence: &str, item: &Item, meeting: &Meeting) -> bool {
    let words: Vec<&str> = sentence.split(|c: char| !c.is_alphanumeric() && c != '-').filter(|w| !w.is_empty()).collect();
    let last = super::common::person_names(meeting)
        .into_iter()
        .filter_map(|n| {
            let parts: Vec<String> = n.split_whitespace().map(String::from).collect();
            let pos = words.iter().rposition(|w| parts.len() > 1 && (*w == parts[0] || *w == parts[parts.len() - 1]))?;
            Some((pos, n))
        })
        .max_by_key(|(pos, _)| *pos);
    match last {
        Some((_, name)) => item.presenters.iter().any(|p| p.name == name),
        None => false,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::artifact::{ItemSegment, ItemStatus, Segment};

    pub(crate) fn meeting() -> Meeting {
        Meeting::parse(
            r#"
council = "Regionrådet i Nordfjell"
number = "3/2026"
date = "d"
time = "t"
place = "p"
[[members]]
name = "Ingrid Berg"
organisation = "Vestby kommune"
[[members]]
name = "Tor Aas"
organisation = "Østby kommune"
[[members]]
name = "Liv Strand"
organisation = "Nordby kommune"
[[items]]
saksnr = "41/26"
title = "Godkjenning av innkalling"
sakstype = "Godkjenning"
forslag = "Regionrådet i Nordfjell godkjenner innkalling."
[[items]]
saksnr = "42/26"
title = "Felles beredskapsplan for flom"
presenters = [{ name = "Kari Lunde", organisation = "Statsforvalteren" }]
sakstype = "Drøfting"
forslag = "Regionrådet i Nordfjell drøfter utkastet til felles beredskapsplan og ber sekretariatet innarbeide innspillene."
"#,
        )
        .unwrap()
    }

    fn seg(start: f64, end: f64, text: &str, speaker: Option<&str>) -> Segment {
        Segment { start, end, text: text.into(), speaker: speaker.map(String::from), ..Default::default() }
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

    fn kinds(turns: &[Turn]) -> Vec<(TurnRole, TurnKind)> {
        turns.iter().map(|t| (t.role, t.kind)).collect()
    }

    /// A sak of the tagged kind: the chair announces, the presenter presents in two turns, the
    /// chair opens the floor, members speak (one asks a short question the presenter answers),
    /// and the chair closes in words that share nothing with the forslag.
    fn tagged_sak(chair: &str) -> Transcript {
        let c = Some(chair);
        transcript(vec![
            seg(0.0, 4.0, "Da tar vi for oss beredskapsplanen. Kari Lunde, værsågod.", c),
            seg(4.5, 15.0, "Takk. Vi har laget et utkast til en felles plan for alle fem kommunene i regionen.", Some("Kari Lunde")),
            seg(15.5, 25.0, "Planen beskriver hvem som leder arbeidet når elvene går over sine bredder.", Some("Kari Lunde")),
            seg(25.5, 28.0, "Takk for det. Hvem vil starte?", c),
            seg(28.5, 40.0, "De små kommunene har ikke nok folk til å bemanne en krisestab i flere døgn.", Some("Ingrid Berg")),
            seg(40.5, 43.0, "Når skal planen være ferdig?", Some("Tor Aas")),
            seg(43.5, 47.0, "Vi legger fram den ferdige planen for rådet til sommeren, etter en høring i kommunene.", Some("Kari Lunde")),
            seg(47.5, 58.0, "Planen må også omfatte hvordan vi varsler innbyggere som ikke har mobiltelefon.", Some("Liv Strand")),
            seg(58.5, 70.0, "Takk, alle. Jeg hører bred støtte, med vekt på bemanning og varsling av eldre.", c),
        ])
    }

    fn seg_of(spans: &[(&str, f64, f64)]) -> Segmentation {
        Segmentation {
            version: 1,
            inputs: Default::default(),
            items: spans
                .iter()
                .map(|(s, a, b)| ItemSegment {
                    saksnr: s.to_string(),
                    spans: vec![[*a, *b]],
                    status: ItemStatus::Discussed,
                    joint_with: vec![],
                    confidence: [1.0, 1.0],
                    manual: false,
                })
                .collect(),
            other: vec![],
        }
    }

    #[test]
    fn the_chair_is_who_opens_and_closes_the_saker() {
        let m = meeting();
        let mut t = tagged_sak("Ole Vik");
        // another sak before it, opened and closed by the same speaker
        t.segments.insert(0, seg(-20.0, -15.0, "Vi begynner med innkallingen.", Some("Ole Vik")));
        t.segments.insert(1, seg(-14.0, -10.0, "Den er godkjent.", Some("Ole Vik")));
        let s = seg_of(&[("41/26", -20.0, -1.0), ("42/26", 0.0, 70.0)]);
        assert_eq!(chair_speaker(&m, &t, &s).as_deref(), Some("Ole Vik"));
        // the meeting file's chair wins where a speaker tag matches it
        let mut m2 = m.clone();
        m2.chair = Some("Kari Lunde".into());
        assert_eq!(chair_speaker(&m2, &t, &s).as_deref(), Some("Kari Lunde"));
        // no speakers, no chair
        let untagged = transcript(vec![seg(0.0, 1.0, "Hei.", None)]);
        assert_eq!(chair_speaker(&m, &untagged, &s), None);
        // the secretariat, however often it opens and closes the saker, does not chair
        let mut m3 = m.clone();
        m3.secretariat = Some(crate::meeting::Secretariat { organisation: "Rådet".into(), names: vec!["Ole Vik".into()] });
        assert_ne!(chair_speaker(&m3, &t, &s).as_deref(), Some("Ole Vik"));
    }

    #[test]
    fn roles_and_summing_up_come_from_structure() {
        let m = meeting();
        let item = m.item("42/26").unwrap();
        let turns = split_turns(&tagged_sak("Ole Vik"), &[[0.0, 70.0]], &m, item, Some("Ole Vik"));
        assert_eq!(
            kinds(&turns),
            vec![
                (TurnRole::Chair, TurnKind::Procedural),
                (TurnRole::Presenter, TurnKind::Substantive),
                (TurnRole::Chair, TurnKind::Procedural),
                (TurnRole::Member, TurnKind::Substantive),
                (TurnRole::Member, TurnKind::Procedural),
                // the presenter answering a member's question gives a fact, not a point
                (TurnRole::Presenter, TurnKind::Procedural),
                (TurnRole::Member, TurnKind::Substantive),
                (TurnRole::Chair, TurnKind::SummingUp),
            ],
            "{turns:#?}"
        );
        assert!(turns[1].presenting && !turns[5].presenting);
        // a presenter the agenda does not name is still the presenter: who speaks after the
        // announcement until the chair opens the floor, when not a member
        let mut unlisted = item.clone();
        unlisted.presenters.clear();
        let turns = split_turns(&tagged_sak("Ole Vik"), &[[0.0, 70.0]], &m, &unlisted, Some("Ole Vik"));
        assert_eq!(turns[1].role, TurnRole::Presenter);
        assert_eq!(turns[3].role, TurnRole::Member);
    }

    #[test]
    fn untagged_turns_split_on_pauses_and_cues() {
        let m = meeting();
        let item = m.item("42/26").unwrap();
        let t = transcript(vec![
            seg(0.0, 4.0, "Da tar vi for oss beredskapsplanen. Kari Lunde, værsågod.", None),
            seg(4.5, 25.0, "Takk. Vi har laget et utkast til en felles plan for alle fem kommunene i regionen, og planen beskriver hvem som leder arbeidet.", None),
            seg(26.5, 28.0, "Takk for det. Hvem vil starte?", None),
            seg(29.5, 40.0, "De små kommunene har ikke nok folk til å bemanne en krisestab i flere døgn, og det bekymrer oss.", None),
            seg(41.5, 55.0, "Takk. Da oppsummerer jeg: regionrådet drøfter utkastet og ber sekretariatet innarbeide innspillene.", None),
        ]);
        let turns = split_turns(&t, &[[0.0, 60.0]], &m, item, None);
        let kept: Vec<(TurnRole, TurnKind)> = turns.iter().filter(|t| t.kind != TurnKind::Procedural).map(|t| (t.role, t.kind)).collect();
        assert_eq!(
            kept,
            vec![
                (TurnRole::Presenter, TurnKind::Substantive),
                (TurnRole::Member, TurnKind::Substantive),
                (TurnRole::Chair, TurnKind::SummingUp)
            ],
            "{turns:#?}"
        );
    }

    #[test]
    fn procedural_talk_and_hand_overs() {
        let m = meeting();
        for p in ["Takk skal du ha.", "Er det noen flere innspill til denne saken? Ser ingen hender.", "Når er neste møte?", "Ja, takk."]
        {
            assert!(is_procedural_text(p, &m), "{p}");
        }
        assert!(!is_procedural_text("De små kommunene har ikke nok folk til å bemanne en krisestab i flere døgn.", &m));
        // a suggestion put as a question makes a point
        for p in ["Hva med å åpne hallen i helgene for ungdom uten et sted å være?", "Bør vi ikke heller legge skateparken nede ved elva?"]
        {
            assert!(!is_procedural_text(p, &m), "{p}");
        }
        assert!(is_handover_sentence("Takk for det, ordet er fritt, Ingrid Berg, du er så god.", &m));
        assert!(is_handover_sentence("Takk, Tor, vil du kommentere?", &m));
        assert!(is_handover_sentence("Takk, noen kommentarer.", &m));
        assert!(!is_handover_sentence("Jeg er enig med Ingrid Berg i at kommunene trenger mer folk i krisestaben når det er flom.", &m));
        assert!(is_announcement("Da går vi videre til neste sak."));
        assert!(is_announcement("Vi tar en kort pause."));
        assert!(!is_announcement("Pasientene må fortsatt kunne reservere seg på en enkel måte."));
    }

    #[test]
    fn speaker_tags_match_whole_names() {
        assert!(speaker_is("KARI NORDMANN (KS)", "Kari Nordmann"));
        assert!(speaker_is("Kari", "Kari Nordmann"));
        assert!(speaker_is("Taler 1", "Taler 1"));
        assert!(!speaker_is("Taler 10", "Taler 1"));
        assert!(!speaker_is("Kari Nordby", "Kari Nordmann"));
    }

    #[test]
    fn sentences_get_word_times_or_interpolated_ones() {
        let t = transcript(vec![seg(10.0, 20.0, "Første setning her. Andre setning her.", None)]);
        let s = sentences(&t, &[[0.0, 30.0]]);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].span[0], 10.0);
        assert!((s[0].span[1] - 15.0).abs() < 0.6);
        assert_eq!(s[1].span[1], 20.0);
        // with word times, and a sak boundary inside the segment
        let mut seg2 = seg(10.0, 20.0, "Første setning her. Andre setning her.", None);
        let ws = ["Første", "setning", "her.", "Andre", "setning", "her."];
        seg2.words = ws
            .iter()
            .enumerate()
            .map(|(i, w)| crate::artifact::Word { start: 10.0 + i as f64, end: 10.9 + i as f64, text: w.to_string(), ..Default::default() })
            .collect();
        let t = transcript(vec![seg2]);
        let s = sentences(&t, &[[12.9, 30.0]]);
        assert_eq!(s.len(), 1, "{s:?}");
        assert_eq!(s[0].span, [13.0, 15.9]);
    }
}
