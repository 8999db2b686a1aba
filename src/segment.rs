//! Split the transcript into agenda items (saker): `segments.json`.
//!
//! # How
//! The transcript is cut into *units* (transcript segments, split further where a sentence
//! inside a segment announces an item). Every unit is labelled with one state: pre-meeting,
//! one item, a group of consecutive items discussed jointly, or after-meeting; states follow
//! an item order (monotonic, items may be skipped). The labelling is one global Viterbi
//! optimisation over the whole meeting, maximising the sum of
//! - per-unit evidence: lexical similarity of the unit's words to each item's title,
//!   presenters, organisations and forslag (stemmed, compound-prefix matched, weighted by how
//!   specific a word is to one item), plus a weak prior from the planned agenda times
//!   (interpolated where some items have none; none at all when the agenda has no times);
//! - per-boundary evidence: the chair announcing an item: by number in any spoken form, with
//!   the number fuzzy-matched against the agenda's numbers to survive speech recognition
//!   ("sakt rettifire", "tretti fire", "34", digits read singly), or by its title read out
//!   after a moving-on phrase ("Da går vi over til ..."); generic cues ("neste sak"); silences;
//! - penalties for switching item without evidence, for skipping an item (smaller when the
//!   item is said to be postponed), and for a joint group the chair did not declare.
//!
//! The item order is the agenda's, or the order in which the chair announced the items when
//! that differs ("vi tar sak 46 først"): both are decoded and the better-scoring one wins.
//!
//! A long silence after a break announcement, or a very long one, becomes a `break` span from
//! the announcement to where speech resumes, labelled from the agenda's breaks; speech before
//! the first item / after the last is `pre_meeting` / `after_meeting`. A skipped item is
//! reported as `not_discussed` with no spans. Each boundary gets a confidence from the
//! evidence behind it. The result is deterministic. Every word list, cue phrase and weight
//! comes from `src/text/rules.toml`.
//!
//! # Manual corrections
//! - In the meeting file, `spans = [[start, end], ...]` on an item fixes that item's spans.
//! - In `segments.json`, the secretary can edit an item's `spans` (or set `status` to
//!   `not_discussed`) and set `"manual": true`. [`run_stage`] keeps such items as they are,
//!   even when it reruns (new transcript, `--force`), and fits the other items around them;
//!   later stages read `segments.json`, so they use the corrected version. Set `manual` back to
//!   `false` (or delete the file) to let referat decide again. Meeting-file spans win over
//!   `segments.json` edits for the same item.

use crate::artifact::{ItemSegment, ItemStatus, OtherSpan, Segmentation, Span, Transcript, FORMAT_VERSION};
use crate::meeting::{parse_clock, Meeting};
use crate::text::{self, cue, Tok};
use crate::workdir::{sha256_file, WorkDir};
use anyhow::{bail, Context, Result};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::OnceLock;

// ---------------------------------------------------------------- weights

/// The segmentation weights and limits from `rules.toml` (`segment.*`).
struct Weights {
    announce: f64,
    switch: f64,
    skip: f64,
    joint: f64,
    gap: f64,
    time: f64,
    outside: f64,
    reorder: f64,
    break_gap: f64,
    break_min: f64,
    min_lead_in: usize,
    unit_max_secs: f64,
    fuzzy_number: f64,
    title_share: f64,
    title_only_share: f64,
    chair_turn: f64,
    mid_turn: f64,
    presenter_cue: f64,
}

fn weights() -> &'static Weights {
    static W: OnceLock<Weights> = OnceLock::new();
    W.get_or_init(|| {
        let t = |k: &str| text::threshold(&format!("segment.{k}"));
        Weights {
            announce: t("announce"),
            switch: t("switch"),
            skip: t("skip"),
            joint: t("joint"),
            gap: t("gap"),
            time: t("time"),
            outside: t("outside"),
            reorder: t("reorder"),
            break_gap: t("break_gap"),
            break_min: t("break_min"),
            min_lead_in: t("min_lead_in") as usize,
            unit_max_secs: t("unit_max_secs"),
            fuzzy_number: t("fuzzy_number"),
            title_share: t("title_share"),
            title_only_share: t("title_only_share"),
            chair_turn: t("chair_turn"),
            mid_turn: t("mid_turn"),
            presenter_cue: t("presenter_cue"),
        }
    })
}

/// Biggest number of items in one joint group.
const MAX_JOINT: usize = 3;

// ---------------------------------------------------------------- the agenda as the cue finder sees it

struct Agenda {
    /// The item's number (34 for "PS 34/25") per agenda index.
    numbers: Vec<Option<u32>>,
    /// Per item: its title's content stems, each with its specificity (how few titles share it).
    titles: Vec<Vec<(String, f64)>>,
    /// Phonetic keys of every spoken form of each agenda number, for fuzzy matching.
    number_keys: Vec<(u32, String)>,
    /// The specificity of a title word no other title has.
    unique_weight: f64,
    /// Per presenter name part (first or last name, lower-case): the items they present.
    presenters: Vec<(String, Vec<usize>)>,
}

impl Agenda {
    fn new(meeting: &Meeting) -> Agenda {
        let numbers: Vec<Option<u32>> = meeting.items.iter().map(|it| it.number()).collect();
        let stems: Vec<Vec<String>> = meeting
            .items
            .iter()
            .map(|it| {
                let mut v = text::content_stems(&it.title);
                v.sort();
                v.dedup();
                v
            })
            .collect();
        let m = stems.len().max(1) as f64;
        let mut df: HashMap<&str, usize> = HashMap::new();
        for s in &stems {
            for w in s {
                *df.entry(w.as_str()).or_default() += 1;
            }
        }
        let specificity = |df: usize| ((m + 1.0) / (df as f64 + 0.5)).ln().max(0.05);
        let titles = stems.iter().map(|s| s.iter().map(|w| (w.clone(), specificity(df[w.as_str()]))).collect()).collect();
        let mut number_keys = Vec::new();
        let mut seen = HashSet::new();
        for n in numbers.iter().flatten() {
            if seen.insert(*n) {
                for f in text::number_forms(*n) {
                    number_keys.push((*n, text::phonetic(f)));
                }
            }
        }
        let mut presenters: Vec<(String, Vec<usize>)> = Vec::new();
        for (i, it) in meeting.items.iter().enumerate() {
            for p in &it.presenters {
                for part in text::words(&p.name).into_iter().filter(|w| w.chars().count() >= 3) {
                    match presenters.iter_mut().find(|(n, _)| *n == part) {
                        Some((_, v)) if !v.contains(&i) => v.push(i),
                        Some(_) => {}
                        None => presenters.push((part, vec![i])),
                    }
                }
            }
        }
        // A name part shared with a member who is not a presenter says nothing about the item.
        let members: Vec<String> = meeting
            .members
            .iter()
            .filter(|m| !meeting.items.iter().any(|it| it.presenters.iter().any(|p| p.name == m.name)))
            .flat_map(|m| text::words(&m.name))
            .collect();
        presenters.retain(|(n, _)| !members.contains(n));
        Agenda { numbers, titles, number_keys, unique_weight: specificity(1), presenters }
    }

    fn items_numbered(&self, n: u32) -> Vec<usize> {
        self.numbers.iter().enumerate().filter(|(_, x)| **x == Some(n)).map(|(i, _)| i).collect()
    }

    fn on_agenda(&self, n: u32) -> bool {
        self.numbers.contains(&Some(n))
    }

    /// The agenda number whose spoken form `letters` sounds most like, when it is clearly the
    /// nearest: (number, similarity).
    fn fuzzy_number(&self, letters: &str) -> Option<(u32, f64)> {
        let key = text::phonetic(letters);
        if key.chars().count() < 3 {
            return None;
        }
        let mut best: Option<(u32, f64)> = None;
        let mut second = 0.0f64;
        for (n, k) in &self.number_keys {
            // A short number word only matches itself: "to", "ni", "ti" are too easily heard.
            if k.chars().count() < 4 && *k != key {
                continue;
            }
            let s = text::similarity_chars(&key, k);
            match best {
                Some((bn, bs)) if s > bs => {
                    if bn != *n {
                        second = second.max(bs);
                    }
                    best = Some((*n, s));
                }
                Some((bn, _)) if bn != *n => second = second.max(s),
                None => best = Some((*n, s)),
                _ => {}
            }
        }
        best.filter(|&(_, s)| s >= weights().fuzzy_number && s - second >= 0.05)
    }

    /// Items whose title the words name: the specificity-weighted share of the title's words
    /// found among `words` (see [`title_word_match`]), for items reaching `min` (best first).
    /// With `moving_on` (the chair says "Da går vi over til ..."), one long word that no other
    /// title has names the item too ("frisklivssentralen").
    fn titles_named(&self, words: &[String], min: f64, moving_on: bool) -> Vec<(usize, f64)> {
        let mut out: Vec<(usize, f64)> = Vec::new();
        for (i, title) in self.titles.iter().enumerate() {
            let total: f64 = title.iter().map(|(_, w)| w).sum();
            if total <= 0.0 {
                continue;
            }
            let mut hit = 0.0;
            let mut named = 0;
            let mut distinctive = false;
            for (t, w) in title {
                let m = title_word_match(words, t);
                if m > 0.0 {
                    hit += w * m;
                    named += 1;
                    distinctive |= *w >= self.unique_weight - 1e-9 && t.chars().count() >= 8;
                }
            }
            let share = hit / total;
            // One shared word names a one-word title ("Eventuelt"), not a longer one, unless
            // the chair is moving on and the word is the title's own.
            if (share >= min && (named >= 2 || title.len() == 1)) || (moving_on && named == 1 && distinctive) {
                out.push((i, share.max(min)));
            }
        }
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        out
    }
}

/// How well the best of `words` (lower-cased) matches the title stem `t`: by stem, or, for
/// long words, as speech recognition mishears, splits and glues them (letter similarity of
/// the phonetic keys, or the stem inside a longer word).
fn title_word_match(words: &[String], t: &str) -> f64 {
    let long = t.chars().count() >= 5;
    let tk = text::phonetic(t);
    words
        .iter()
        .map(|w| {
            let m = text::stem_match(&text::stem(w), t);
            if m > 0.0 || !long || w.chars().count() < 4 {
                return m;
            }
            let wk = text::phonetic(w);
            let sim = text::similarity_chars(&text::phonetic(&text::stem(w)), &tk).max(text::similarity_chars(&wk, &tk));
            if sim >= 0.7 || (wk.len() > tk.len() && wk.contains(tk.as_str())) {
                0.6
            } else {
                0.0
            }
        })
        .fold(0.0, f64::max)
}

// ---------------------------------------------------------------- cues

#[derive(Debug, Clone, PartialEq)]
enum CueKind {
    /// The items (agenda indices) are announced here.
    Announce(Vec<usize>),
    /// "neste sak": some item starts here.
    Next,
    /// The items are postponed / not discussed.
    Postponed(Vec<usize>),
    /// "møtet er hevet", "takk for et godt møte".
    Close,
    /// "velkommen", "god morgen": the chair opens (the meeting, or again after a break).
    Opening,
    /// "lunsj", "pause": only cuts the segment there, so a break can start at its announcement.
    BreakWord,
    /// The chair gives the word to a presenter of these items ("Kjetil, du har ordet").
    Presenter(Vec<usize>),
}

#[derive(Debug, Clone)]
struct Cue {
    kind: CueKind,
    strength: f64,
    /// Byte offset of the start of the sentence holding the cue.
    sentence_at: usize,
    /// The items are said to be taken together ("under ett", "samlet").
    declared_joint: bool,
}

fn cue_of(kind: CueKind, strength: f64, sentence_at: usize) -> Cue {
    Cue { kind, strength, sentence_at, declared_joint: false }
}

/// Is `w` a word naming an item ("sak", "PS", "punkt"), or one as speech recognition writes
/// it ("sakt", "sagt", "sakk", or "sak" glued to the number: "saktretten")? Returns the
/// letters glued after it and whether the match is inexact.
fn sak_word(w: &str) -> Option<(String, bool)> {
    if cue("sak_words").word(w) {
        return Some((String::new(), false));
    }
    let key = text::phonetic(w);
    ["sak", "sag"].iter().find_map(|p| key.strip_prefix(p)).map(|rest| (rest.to_string(), true))
}

/// The agenda numbers named from `toks[q]` on (after a sak word whose glued letters are
/// `glued`): exact spoken or written numbers on the agenda, else a fuzzy match of the letters
/// against the agenda's spoken numbers; "og" or a comma joins further numbers. Returns the
/// numbers, the index after the last word used, and whether any match was inexact.
fn numbers_after(text: &str, toks: &[Tok], mut q: usize, glued: &str, ag: &Agenda) -> (Vec<u32>, usize, bool) {
    let mut found = Vec::new();
    let mut fuzzy = false;
    let mut glued = glued.to_string();
    loop {
        // Fillers ("sak nummer", "neste sak er") and the year part of "34/25".
        let mut fillers = 0;
        while fillers < 2 && toks.get(q).is_some_and(|t| cue("number_fillers").word(&t.w)) {
            q += 1;
            fillers += 1;
        }
        while toks.get(q).is_some_and(|t| t.before(text) == Some('/') && t.w.bytes().all(|b| b.is_ascii_digit())) {
            q += 1;
        }
        // An exact number (spoken or written) on the agenda, then the glued letters as a
        // number word, then the best clear fuzzy match of the glued letters and up to three
        // following words (the glued letters may also be noise of the sak word: "sakt 36").
        let mut got: Option<(u32, usize)> = text::number_readings(toks, q).into_iter().find(|(n, _)| ag.on_agenda(*n));
        if got.is_none() {
            got = text::number_value(&glued).filter(|n| ag.on_agenda(*n)).map(|n| (n, 0));
        }
        if got.is_none() {
            let mut best: Option<(u32, usize, f64)> = None;
            let starts: Vec<&str> = if glued.is_empty() { vec![""] } else { vec![glued.as_str(), ""] };
            for start in starts {
                let mut cat = start.to_string();
                if !cat.is_empty() {
                    if let Some((n, s)) = ag.fuzzy_number(&cat) {
                        best = Some((n, 0, s));
                    }
                }
                for k in 0..3 {
                    let Some(t) = toks.get(q + k) else { break };
                    if text::is_stop(&t.w) && cat.is_empty() {
                        break;
                    }
                    cat.push_str(&text::letters(&t.w));
                    if let Some((n, s)) = ag.fuzzy_number(&cat) {
                        if best.is_none_or(|b| s > b.2) {
                            best = Some((n, k + 1, s));
                        }
                    }
                }
            }
            if let Some((n, used, _)) = best {
                got = Some((n, used));
                fuzzy = true;
            }
        }
        glued.clear();
        let Some((n, used)) = got else { break };
        if !found.contains(&n) {
            found.push(n);
        }
        q += used;
        // "sak femten og seksten", "sakene trettifem, trettiseks og trettisju"
        let comma = q > 0 && toks.get(q).is_some_and(|t| text[toks[q - 1].end.min(t.start)..t.start].contains(','));
        if toks.get(q).is_some_and(|t| t.w == "og") {
            q += 1;
        } else if !comma {
            break;
        }
        if let Some((g, _)) = toks.get(q).and_then(|t| sak_word(&t.w)) {
            glued = g;
            q += 1;
        }
    }
    (found, q, fuzzy)
}

/// "under ett", "samlet": the items are taken together; "under ett" also as speech
/// recognition glues it ("underett", "underret").
fn says_joint(toks: &[Tok]) -> bool {
    let glued = text::phonetic("underett");
    cue("joint").find(toks).is_some() || toks.iter().any(|t| text::similarity_chars(&text::phonetic(&t.w), &glued) >= 0.8)
}

fn find_cues(text: &str, ag: &Agenda) -> Vec<Cue> {
    let toks = text::tokens(text);
    let w = weights();
    let mut cues: Vec<Cue> = Vec::new();
    let mut p = 0;
    while p < toks.len() {
        if let Some((glued, inexact)) = sak_word(&toks[p].w) {
            let (numbers, q, fuzzy) = numbers_after(text, &toks, p + 1, &glued, ag);
            let mut items: Vec<usize> = numbers.iter().flat_map(|n| ag.items_numbered(*n)).collect();
            items.dedup();
            if !items.is_empty() {
                let sentence_at = text::sentence_start(text, toks[p].start);
                let sentence_end = text::sentence_end(text, toks[p].start);
                let in_sentence = |t: &&Tok| t.start >= sentence_at && t.start < sentence_end;
                let before: Vec<Tok> = toks[p.saturating_sub(5)..p].iter().filter(in_sentence).cloned().collect();
                let after: Vec<Tok> = toks[q.min(toks.len())..(q + 6).min(toks.len())].iter().filter(in_sentence).cloned().collect();
                let sentence: Vec<Tok> = toks.iter().filter(in_sentence).cloned().collect();
                let postponed = cue("postponed").find(&sentence).is_some();
                let closing = before.iter().any(|t| cue("closing").word(&t.w));
                let intro = before.iter().any(|t| cue("announce_intro").word(&t.w))
                    || toks[p].start == sentence_at
                    || cue("moves_on").find(&sentence[..sentence.iter().position(|t| t.start >= toks[p].start).unwrap_or(0)]).is_some();
                let mut strength = if intro { 1.0 } else { 0.5 };
                if fuzzy || inexact {
                    strength *= 0.8;
                }
                let declared = says_joint(&after);
                // "sak femten, <title>, og sak seksten": one joint announcement
                let joins_previous = p > 0 && toks[p - 1].w == "og";
                let merged = match cues.last_mut() {
                    Some(Cue { kind: CueKind::Announce(prev), sentence_at: sa, declared_joint, .. })
                        if joins_previous && *sa == sentence_at && !postponed && !closing =>
                    {
                        for i in &items {
                            if !prev.contains(i) {
                                prev.push(*i);
                            }
                        }
                        prev.sort_unstable();
                        *declared_joint |= declared;
                        true
                    }
                    _ => false,
                };
                if !merged {
                    if postponed {
                        cues.push(cue_of(CueKind::Postponed(items), 1.0, sentence_at));
                    } else if closing {
                        cues.push(cue_of(CueKind::Next, 0.3, sentence_at));
                    } else {
                        items.sort_unstable();
                        let mut c = cue_of(CueKind::Announce(items), strength, sentence_at);
                        c.declared_joint = declared;
                        cues.push(c);
                    }
                }
                p = q.max(p + 1);
                continue;
            }
        }
        p += 1;
    }
    // Sentence-level cues: moving on (with a title read out, an announcement), titles alone,
    // the meeting's close, openings and breaks.
    let mut at = 0;
    for sentence in text::split_sentences(text) {
        let Some(off) = text[at..].find(sentence.as_str()).map(|o| o + at) else { continue };
        at = off + sentence.len();
        let st = text::tokens(&sentence);
        let content: Vec<String> = st.iter().filter(|t| text::is_content(&t.w)).map(|t| t.w.clone()).collect();
        let numbered = cues.iter().any(|c| c.sentence_at == off && matches!(c.kind, CueKind::Announce(_) | CueKind::Postponed(_)));
        if !numbered {
            let moves = cue("moves_on").find(&st).is_some() && cue("not_items").find(&st).is_none();
            let postponed = cue("postponed").find(&st).is_some();
            let min = if moves { w.title_share } else { w.title_only_share };
            let named = ag.titles_named(&content, min, moves);
            let declared = says_joint(&st);
            // Several items named in one sentence are one announcement when they are close in
            // share (the chair reads out both titles) or the sentence says they go together.
            let best = named.first().map(|x| x.1).unwrap_or(0.0);
            let mut items: Vec<usize> =
                named.iter().filter(|(_, s)| declared || *s >= 0.8 * best).take(MAX_JOINT).map(|(i, _)| *i).collect();
            items.sort_unstable();
            // Without moving-on words only a sentence that is mostly a title read out counts:
            // a member using a title word in passing does not announce anything.
            let title_like = || {
                let covered = content
                    .iter()
                    .filter(|w| items.iter().any(|&i| ag.titles[i].iter().any(|(t, _)| title_word_match(std::slice::from_ref(w), t) > 0.0)))
                    .count();
                // "Da er vi ved ...": the chair's "vi" is the meeting; "jeg" speaks for oneself.
                st.len() <= 15 && !st.iter().any(|t| matches!(t.w.as_str(), "jeg" | "meg" | "min" | "mitt")) && covered * 2 >= content.len()
            };
            // A title read out in full announces its item in any sentence ("..., så er det
            // orienteringen fra administrerende direktør", with the moving-on words misheard).
            let in_full = || {
                items.len() == 1
                    && best >= 0.9
                    && content
                        .iter()
                        .filter(|w| ag.titles[items[0]].iter().any(|(t, _)| title_word_match(std::slice::from_ref(w), t) > 0.0))
                        .count()
                        >= 3
            };
            if !items.is_empty() && (moves || title_like() || in_full()) {
                let kind = if postponed { CueKind::Postponed(items) } else { CueKind::Announce(items) };
                let strength = if moves { 0.6 + 0.4 * best.min(1.0) } else { 0.5 * best.min(1.0) };
                let mut c = cue_of(kind, strength, off);
                c.declared_joint = declared;
                cues.push(c);
            } else if moves {
                cues.push(cue_of(CueKind::Next, 0.6, off));
            }
        }
        if cue("meeting_close").find(&st).is_some() && !cues.iter().any(|c| c.kind == CueKind::Close) {
            cues.push(cue_of(CueKind::Close, 1.0, off));
        }
        if st.iter().any(|t| cue("break_words").word(&t.w)) && !cues.iter().any(|c| c.kind == CueKind::BreakWord) {
            cues.push(cue_of(CueKind::BreakWord, 1.0, off));
        }
        if cue("opening").find(&st).is_some() && !cues.iter().any(|c| c.kind == CueKind::Opening) {
            cues.push(cue_of(CueKind::Opening, 1.0, off));
        }
        // A short sentence giving a presenter the word.
        if st.len() <= 20 && (cue("handover").find(&st).is_some() || st.len() <= 6) {
            let mut items: Vec<usize> =
                st.iter().filter_map(|t| ag.presenters.iter().find(|(n, _)| *n == t.w)).flat_map(|(_, v)| v.iter().copied()).collect();
            items.sort_unstable();
            items.dedup();
            if !items.is_empty() {
                cues.push(cue_of(CueKind::Presenter(items), weights().presenter_cue, off));
            }
        }
    }
    cues.sort_by_key(|c| c.sentence_at);
    cues
}

/// Items said to be taken together ("sakene om ventetider og om fristbrudd tar vi under ett"):
/// from announcements that declare it, and from sentences that name items by title with a
/// joint phrase.
fn declared_groups(units: &[Unit]) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    for u in units {
        for c in &u.cues {
            if let (CueKind::Announce(set), true) = (&c.kind, c.declared_joint) {
                if set.len() > 1 && !out.contains(set) {
                    out.push(set.clone());
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------- units

#[derive(Debug, Clone)]
struct Unit {
    start: f64,
    end: f64,
    text: String,
    cues: Vec<Cue>,
    /// The speaker tag of the transcript segment (imported, or from speaker detection).
    speaker: Option<String>,
}

/// Transcript segments as units, split where a cue's sentence starts inside a segment.
fn build_units(t: &Transcript, ag: &Agenda) -> Vec<Unit> {
    let mut segs: Vec<&crate::artifact::Segment> =
        t.segments.iter().filter(|s| !s.text.trim().is_empty() && s.end.is_finite() && s.start.is_finite()).collect();
    segs.sort_by(|a, b| a.start.total_cmp(&b.start).then(a.end.total_cmp(&b.end)));
    let mut units = Vec::new();
    for s in segs {
        let text = s.text.trim().to_string();
        let end = s.end.max(s.start);
        let cues = find_cues(&text, ag);
        let mut cuts: Vec<usize> = cues
            .iter()
            .filter(|c| !matches!(c.kind, CueKind::Postponed(_)))
            .map(|c| c.sentence_at)
            // a short sentence just before ("Takk.") is the chair speaking: keep it with the cue
            .map(|a| {
                if a == 0 {
                    return a;
                }
                let b = text::sentence_start(&text, text[..a].trim_end().len().saturating_sub(1));
                if text[b..a].split_whitespace().count() <= 2 {
                    b
                } else {
                    a
                }
            })
            // a short lead-in stays with the announcement: too little to be someone else
            .filter(|&a| a >= weights().min_lead_in && a < text.len())
            .collect();
        // A long segment (a speech-recognition window runs several speakers, even items,
        // together) is cut at every sentence, so evidence can move a boundary inside it.
        if end - s.start > weights().unit_max_secs {
            let mut at = 0;
            for sent in text::split_sentences(&text) {
                if let Some(off) = text[at..].find(sent.as_str()).map(|o| o + at) {
                    if off > 0 {
                        cuts.push(off);
                    }
                    at = off + sent.len();
                }
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        // A piece of one or two words ("Takk.") stays with what follows it.
        let mut kept: Vec<usize> = Vec::with_capacity(cuts.len());
        for c in cuts {
            let from = kept.last().copied().unwrap_or(0);
            if text[from..c].split_whitespace().count() > 2 {
                kept.push(c);
            }
        }
        let cuts = kept;
        if cuts.is_empty() {
            units.push(Unit { start: s.start, end, text, cues, speaker: s.speaker.clone() });
            continue;
        }
        let time_at = |byte: usize| -> f64 {
            // Word times when the ASR gave them, else proportional to characters.
            if !s.words.is_empty() {
                let target = text[..byte].chars().filter(|c| !c.is_whitespace()).count();
                let mut seen = 0;
                for w in &s.words {
                    if seen >= target {
                        return w.start.clamp(s.start, end);
                    }
                    seen += w.text.chars().filter(|c| !c.is_whitespace()).count();
                }
            }
            let total = text.chars().count().max(1) as f64;
            s.start + (end - s.start) * text[..byte].chars().count() as f64 / total
        };
        let mut bounds = vec![0usize];
        bounds.extend(cuts);
        bounds.push(text.len());
        for w in bounds.windows(2) {
            let (a, b) = (w[0], w[1]);
            let piece = text[a..b].trim().to_string();
            if piece.is_empty() {
                continue;
            }
            let (ts, te) = (time_at(a), if b == text.len() { end } else { time_at(b) });
            let pc: Vec<Cue> = cues
                .iter()
                .filter(|c| c.sentence_at >= a && c.sentence_at < b)
                .map(|c| Cue { sentence_at: c.sentence_at - a, ..c.clone() })
                .collect();
            units.push(Unit { start: ts, end: te.max(ts), text: piece, cues: pc, speaker: s.speaker.clone() });
        }
    }
    units
}

/// Talk about a break ("Da tar vi lunsj", "vi starter igjen med sak femten"), also as speech
/// recognition garbles the break word: only asked of the talk just before a long silence.
fn mentions_break(text: &str) -> bool {
    let words = text::words(text);
    let heard = |w: &String| {
        let k = text::phonetic(w);
        k.chars().count() >= 4 && ["lunsj", "pause"].iter().any(|b| text::similarity_chars(&k, &text::phonetic(b)) >= 0.6)
    };
    words.iter().any(|w| cue("break_words").word(w) || heard(w)) || cue("resume").in_text(text)
}

/// Breaks: silences of at least max(`break_min`, 8 × the 90th percentile of the gaps between
/// units) right after a unit that mentions a break ("Da tar vi lunsj"), or without one while
/// fewer breaks than the agenda's have been found, or of at least `break_gap` in any case.
/// The break starts at that announcement (its units are removed) and ends where speech
/// resumes.
fn find_breaks(units: Vec<Unit>, agenda_breaks: usize) -> (Vec<Unit>, Vec<(f64, f64, String)>) {
    let w = weights();
    let mut gaps: Vec<f64> = units.windows(2).map(|w| (w[1].start - w[0].end).max(0.0)).collect();
    gaps.sort_by(|a, b| a.total_cmp(b));
    let p90 = gaps.get(gaps.len() * 9 / 10).copied().unwrap_or(0.0);
    let threshold = w.break_min.max(8.0 * p90);
    let mut drop = vec![false; units.len()];
    let mut breaks = Vec::new();
    for j in 1..units.len() {
        let gap = units[j].start - units[j - 1].end;
        if gap < threshold {
            continue;
        }
        let mut start = units[j - 1].end;
        let mut k = j;
        while k > 0 && units[j - 1].end - units[k - 1].start <= 20.0 && mentions_break(&units[k - 1].text) {
            k -= 1;
            start = units[k].start;
        }
        // a silence alone is a break while the agenda has breaks left to place
        let silent_ok = breaks.len() < agenda_breaks;
        if k < j || gap >= w.break_gap || silent_ok {
            for d in drop.iter_mut().take(j).skip(k) {
                *d = true;
            }
            let said: Vec<&str> = units[k..j].iter().map(|u| u.text.as_str()).collect();
            breaks.push((start, units[j].start, said.join(" ")));
        }
    }
    let kept = units.into_iter().zip(drop).filter(|(_, d)| !d).map(|(u, _)| u).collect();
    (kept, breaks)
}

// ---------------------------------------------------------------- lexical profiles

struct Profiles {
    /// Per item: stem → weight (already multiplied by specificity).
    items: Vec<HashMap<String, f64>>,
}

impl Profiles {
    /// Weights from the agenda: title 1, presenter names 0.7, forslag 0.5, organisations 0.3,
    /// each multiplied by how few items share the word (idf over items).
    fn new(meeting: &Meeting) -> Profiles {
        let m = meeting.items.len();
        let mut raw: Vec<HashMap<String, f64>> = vec![HashMap::new(); m];
        let add = |i: usize, text: &str, w: f64, raw: &mut Vec<HashMap<String, f64>>| {
            for t in text::content_stems(text) {
                let e = raw[i].entry(t).or_insert(0.0);
                *e = e.max(w);
            }
        };
        for (i, it) in meeting.items.iter().enumerate() {
            add(i, &it.title, 1.0, &mut raw);
            for p in &it.presenters {
                add(i, &p.name, 0.7, &mut raw);
                add(i, &p.organisation, 0.3, &mut raw);
            }
            add(i, &it.forslag, 0.5, &mut raw);
        }
        let mf = m.max(1) as f64;
        let mut df: HashMap<&str, usize> = HashMap::new();
        for p in &raw {
            for k in p.keys() {
                *df.entry(k.as_str()).or_default() += 1;
            }
        }
        let idf: HashMap<String, f64> =
            df.iter().map(|(k, d)| (k.to_string(), ((mf + 1.0) / (*d as f64 + 0.5)).ln() / (mf + 1.0).ln().max(1e-9) * 2.0)).collect();
        let items = raw.iter().map(|p| p.iter().map(|(k, w)| (k.clone(), w * idf[k])).collect()).collect();
        Profiles { items }
    }

    /// Evidence per item for one stemmed word, centred on the mean over items.
    fn word_scores(&self, stem: &str, cache: &mut HashMap<String, Vec<f64>>) -> Vec<f64> {
        if let Some(v) = cache.get(stem) {
            return v.clone();
        }
        let mut v: Vec<f64> = self.items.iter().map(|p| p.iter().map(|(k, w)| text::stem_match(stem, k) * w).fold(0.0, f64::max)).collect();
        let mean = v.iter().sum::<f64>() / v.len().max(1) as f64;
        for x in &mut v {
            *x -= mean;
        }
        cache.insert(stem.to_string(), v.clone());
        v
    }
}

// ---------------------------------------------------------------- states and Viterbi

/// A state over positions in the item order being decoded.
#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Pre,
    /// Positions `first..=last` of the order; more than one = joint.
    Items(usize, usize),
    Post,
}

/// Manual constraints: per agenda index, its spans (empty = not discussed).
type Manual = BTreeMap<usize, Vec<Span>>;

/// Everything the decoder needs that does not depend on the item order.
struct Problem<'a> {
    units: &'a [Unit],
    /// Per unit and agenda index: lexical evidence.
    emit: Vec<Vec<f64>>,
    /// Per unit and agenda index: the (negative) time prior, applied to the items the decoded
    /// order keeps in agenda order (an item taken early is not where the agenda planned it).
    time: Vec<Vec<f64>>,
    /// Per unit: the agenda index a manual span forces it into.
    forced: Vec<Option<usize>>,
    manual: &'a Manual,
    skip_cost: Vec<f64>,
    declared: Vec<Vec<usize>>,
    gap_before: Vec<f64>,
    /// Per unit: evidence from who speaks. A sak starts where the chair takes the word, not in
    /// the middle of someone else's talk.
    turn_bonus: Vec<f64>,
}

/// One decoding: per unit the state, in terms of an item order, and its score.
struct Decoded {
    order: Vec<usize>,
    states: Vec<State>,
    path: Vec<usize>,
    score: f64,
}

impl Problem<'_> {
    /// The best labelling of the units with the items taken in `order` (agenda indices).
    fn decode(&self, order: &[usize]) -> Result<Decoded> {
        let w = weights();
        let m = order.len();
        let n = self.units.len();
        let mut states = vec![State::Pre];
        for f in 0..m {
            for l in f..(f + MAX_JOINT).min(m) {
                let blocked = (f..=l).any(|p| matches!(self.manual.get(&order[p]), Some(s) if s.is_empty()));
                if !blocked {
                    states.push(State::Items(f, l));
                }
            }
        }
        states.push(State::Post);
        let ns = states.len();
        let skip_prefix: Vec<f64> = std::iter::once(0.0)
            .chain(order.iter().scan(0.0, |acc, &i| {
                *acc += self.skip_cost[i];
                Some(*acc)
            }))
            .collect();
        let skip_between = |a: usize, b: usize| if b > a { skip_prefix[b] - skip_prefix[a] } else { 0.0 };
        let after = |s: State| match s {
            State::Pre => 0,
            State::Items(_, l) => l + 1,
            State::Post => m,
        };
        let first = |s: State| match s {
            State::Pre => 0,
            State::Items(f, _) => f,
            State::Post => m,
        };
        let rank = |s: State| -> (usize, usize) {
            match s {
                State::Pre => (0, 0),
                State::Items(f, l) => (f + 1, l + 1),
                State::Post => (m + 1, m + 1),
            }
        };
        let items_of = |f: usize, l: usize| -> Vec<usize> {
            let mut v: Vec<usize> = order[f..=l].to_vec();
            v.sort_unstable();
            v
        };
        let in_place = in_agenda_order(order);
        let emission = |j: usize, s: State| -> f64 {
            let d = (self.units[j].end - self.units[j].start).max(0.5);
            match s {
                State::Pre | State::Post => {
                    if self.forced[j].is_some() {
                        f64::NEG_INFINITY
                    } else {
                        -w.outside * d
                    }
                }
                State::Items(f, l) => {
                    let mine = &order[f..=l];
                    if let Some(fi) = self.forced[j] {
                        if !mine.contains(&fi) {
                            return f64::NEG_INFINITY;
                        }
                    } else if mine.iter().any(|i| self.manual.contains_key(i)) {
                        // a manually placed item gets no speech outside its spans
                        return f64::NEG_INFINITY;
                    }
                    mine.iter()
                        .map(|&i| self.emit[j][i] + if in_place[i] { self.time[j][i] } else { 0.0 })
                        .fold(f64::NEG_INFINITY, f64::max)
                }
            }
        };
        let entry = |j: usize, s: State| -> f64 {
            let mut bonus: f64 = 0.0;
            for c in &self.units[j].cues {
                let b = match (&c.kind, s) {
                    (CueKind::Announce(set), State::Items(f, l)) => {
                        let mine = items_of(f, l);
                        if *set == mine {
                            w.announce * c.strength
                        } else if mine.iter().any(|i| set.contains(i)) {
                            w.announce * c.strength * 0.4
                        } else {
                            0.0
                        }
                    }
                    (CueKind::Next, State::Items(..)) => w.announce * 0.5 * c.strength,
                    (CueKind::Presenter(set), State::Items(f, l)) if order[f..=l].iter().any(|i| set.contains(i)) => {
                        w.announce * c.strength
                    }
                    (CueKind::Close, State::Post) => w.announce * c.strength,
                    // "velkommen" opens an item at the start and after a break; elsewhere it
                    // greets a presenter
                    (CueKind::Opening, State::Items(..)) if j == 0 || self.gap_before[j] >= w.break_min => w.announce * c.strength,
                    _ => 0.0,
                };
                bonus = bonus.max(b);
            }
            // A joint group costs extra unless the chair declared it; then splitting it costs.
            let joint = match s {
                State::Items(f, l) => {
                    let mine = items_of(f, l);
                    if self.declared.contains(&mine) {
                        0.0
                    } else if l > f {
                        w.joint * (l - f) as f64
                    } else if self.declared.iter().any(|d| d.contains(&order[f])) {
                        w.joint
                    } else {
                        0.0
                    }
                }
                _ => 0.0,
            };
            let gap = if j > 0 && self.gap_before[j] > 1.0 { w.gap * ((self.gap_before[j] - 1.0) / 10.0).min(1.0) } else { 0.0 };
            bonus + gap + self.turn_bonus[j] - joint - if j > 0 { w.switch } else { 0.0 }
        };

        let mut score = vec![f64::NEG_INFINITY; ns];
        let mut back = vec![vec![usize::MAX; ns]; n];
        if n > 0 {
            for (k, &s) in states.iter().enumerate() {
                let e = emission(0, s);
                if e == f64::NEG_INFINITY {
                    continue;
                }
                score[k] = -skip_between(0, first(s)) + entry(0, s) + e;
            }
        }
        for j in 1..n {
            let mut next = vec![f64::NEG_INFINITY; ns];
            for (t, &st) in states.iter().enumerate() {
                let e = emission(j, st);
                if e == f64::NEG_INFINITY {
                    continue;
                }
                let ent = entry(j, st);
                let mut best = f64::NEG_INFINITY;
                let mut arg = usize::MAX;
                for (k, &sk) in states.iter().enumerate() {
                    if score[k] == f64::NEG_INFINITY {
                        continue;
                    }
                    let v = if k == t {
                        score[k]
                    } else if rank(st).0 > rank(sk).1 || (st == State::Post && sk != State::Post) {
                        score[k] - skip_between(after(sk), first(st)) + ent
                    } else {
                        continue;
                    };
                    if v > best {
                        best = v;
                        arg = k;
                    }
                }
                if arg != usize::MAX {
                    next[t] = best + e;
                    back[j][t] = arg;
                }
            }
            score = next;
        }
        let mut path = vec![0usize; n];
        let mut total = 0.0;
        if n > 0 {
            let mut best = f64::NEG_INFINITY;
            let mut arg = usize::MAX;
            for (k, &s) in states.iter().enumerate() {
                let v = score[k] - skip_between(after(s), m);
                if v > best {
                    best = v;
                    arg = k;
                }
            }
            if arg == usize::MAX {
                bail!("the manual spans leave no consistent segmentation: check that they follow the meeting order and do not overlap");
            }
            total = best;
            path[n - 1] = arg;
            for j in (1..n).rev() {
                path[j - 1] = back[j][path[j]];
            }
        }
        Ok(Decoded { order: order.to_vec(), states, path, score: total })
    }
}

/// Per unit: a bonus where the chair takes the word after someone else, a cost where someone
/// other than the chair goes on talking. The chair is the speaker with the most turns (the
/// chair speaks between everyone else). Nothing without speaker tags.
fn turn_bonus(units: &[Unit]) -> Vec<f64> {
    let w = weights();
    let mut runs: HashMap<&str, usize> = HashMap::new();
    for (j, u) in units.iter().enumerate() {
        if let Some(sp) = u.speaker.as_deref() {
            if j == 0 || units[j - 1].speaker.as_deref() != Some(sp) {
                *runs.entry(sp).or_default() += 1;
            }
        }
    }
    let chair = runs.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))).map(|(s, _)| *s);
    (0..units.len())
        .map(|j| {
            let (Some(sp), Some(prev)) = (units[j].speaker.as_deref(), j.checked_sub(1).and_then(|p| units[p].speaker.as_deref())) else {
                return 0.0;
            };
            if Some(sp) == chair && prev != sp {
                w.chair_turn
            } else if sp == prev && Some(sp) != chair {
                -w.mid_turn
            } else {
                0.0
            }
        })
        .collect()
}

/// Per agenda index: does `order` keep the item in agenda order, i.e. in its longest
/// increasing run (one item taken early is the one out of place, however far it moved)?
fn in_agenda_order(order: &[usize]) -> Vec<bool> {
    let n = order.len();
    // longest increasing subsequence with back pointers
    let mut len = vec![1usize; n];
    let mut prev = vec![usize::MAX; n];
    for i in 0..n {
        for j in 0..i {
            if order[j] < order[i] && len[j] + 1 > len[i] {
                len[i] = len[j] + 1;
                prev[i] = j;
            }
        }
    }
    let mut keep = vec![false; order.iter().copied().max().map_or(0, |x| x + 1)];
    let mut k = (0..n).max_by_key(|&i| (len[i], std::cmp::Reverse(i)));
    while let Some(i) = k {
        keep[order[i]] = true;
        k = (prev[i] != usize::MAX).then_some(prev[i]);
    }
    keep
}

/// Items out of agenda order in `order` (see [`in_agenda_order`]).
fn moved_items(order: &[usize]) -> usize {
    in_agenda_order(order).iter().filter(|k| !**k).count()
}

/// The best decoding over item orders: the agenda's order, improved one move at a time by
/// taking an announced item to where its last strong announcement falls ("vi tar sak 58
/// først" said early is followed by the real start), while the score, less
/// `segment.reorder` per item out of agenda order, improves.
fn decode_best_order(problem: &Problem, m: usize) -> Result<Decoded> {
    let w = weights();
    // Per item, its last strong announcement (a move's target) and its last announcement of
    // any strength (to see what is out of order).
    let mut last: Vec<Option<usize>> = vec![None; m];
    let mut heard: Vec<Option<usize>> = vec![None; m];
    for (j, u) in problem.units.iter().enumerate() {
        for c in &u.cues {
            if let CueKind::Announce(set) = &c.kind {
                for &i in set {
                    heard[i] = Some(j);
                    if c.strength >= 0.7 {
                        last[i] = Some(j);
                    }
                }
            }
        }
    }
    // Only an item announced out of agenda order is worth moving: announced after an item the
    // agenda puts later, or before one it puts earlier.
    let inverted = |x: usize| {
        let Some(jx) = last[x] else { return false };
        (0..m).any(|y| heard[y].is_some_and(|jy| (y < x && jy > jx) || (y > x && jy < jx)))
    };
    let mut best = problem.decode(&(0..m).collect::<Vec<_>>())?;
    let mut best_adj = best.score;
    for _ in 0..m.min(8) {
        let mut improved: Option<(Decoded, f64)> = None;
        for (x, j) in last.iter().enumerate().filter_map(|(x, j)| j.map(|j| (x, j))).filter(|(x, _)| inverted(*x)) {
            let target = match best.states[best.path[j]] {
                State::Items(f, l) if best.order[f..=l].contains(&x) => continue,
                State::Items(f, _) => f,
                State::Pre => 0,
                State::Post => m,
            };
            let cur = best.order.iter().position(|&i| i == x).unwrap_or(0);
            for t in [target, target + 1] {
                let mut o = best.order.clone();
                o.remove(cur);
                let at = if t > cur { t - 1 } else { t }.min(o.len());
                o.insert(at, x);
                if o == best.order {
                    continue;
                }
                let d = problem.decode(&o)?;
                let adj = d.score - w.reorder * moved_items(&o) as f64;
                if adj > improved.as_ref().map_or(best_adj, |i| i.1) + 1e-9 {
                    improved = Some((d, adj));
                }
            }
        }
        match improved {
            Some((d, adj)) => {
                best = d;
                best_adj = adj;
            }
            None => break,
        }
    }
    Ok(best)
}

/// Segment the transcript into the meeting's items. See the module docs.
pub fn segment(meeting: &Meeting, transcript: &Transcript) -> Result<Segmentation> {
    segment_with_manual(meeting, transcript, &[])
}

/// [`segment`], keeping `manual` items (from an edited `segments.json`) as they are.
pub fn segment_with_manual(meeting: &Meeting, transcript: &Transcript, manual_items: &[ItemSegment]) -> Result<Segmentation> {
    let w = weights();
    let m = meeting.items.len();
    let ag = Agenda::new(meeting);

    // Manual overrides: meeting file first, then segments.json edits.
    let mut manual: Manual = BTreeMap::new();
    for mi in manual_items.iter().filter(|x| x.manual) {
        if let Some(i) = meeting.items.iter().position(|it| it.saksnr == mi.saksnr) {
            let spans = if mi.status == ItemStatus::NotDiscussed { vec![] } else { mi.spans.clone() };
            manual.insert(i, spans);
        }
    }
    for (i, it) in meeting.items.iter().enumerate() {
        if let Some(s) = &it.spans {
            manual.insert(i, s.clone());
        }
    }

    let (units, breaks) = find_breaks(build_units(transcript, &ag), meeting.breaks.len());
    if units.is_empty() && manual.len() < m {
        bail!(
            "the transcript has no text to segment: check transcript.json (rerun `referat transcribe`), \
             or give every item's spans in the meeting file"
        );
    }
    let n = units.len();
    // Automatic spans never overlap breaks or manual spans.
    let mut break_spans: Vec<(f64, f64)> = breaks.iter().map(|b| (b.0, b.1)).collect();
    break_spans.extend(manual.values().flatten().map(|s| (s[0], s[1])));
    let duration = transcript.duration.max(units.last().map(|u| u.end).unwrap_or(0.0));

    // Per-unit evidence per item: lexical plus the time prior.
    let profiles = Profiles::new(meeting);
    let slots = planned_slots(meeting, duration);
    let typical = if m > 0 { duration / m as f64 } else { duration }.max(1.0);
    let mut cache = HashMap::new();
    let mut emit = vec![vec![0.0; m]; n];
    let mut time = vec![vec![0.0; m]; n];
    for (j, u) in units.iter().enumerate() {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for t in text::content_stems(&u.text) {
            let c = counts.entry(t.clone()).or_default();
            *c += 1;
            if *c > 2 {
                continue; // a word repeated within one unit counts at most twice
            }
            let s = profiles.word_scores(&t, &mut cache);
            for i in 0..m {
                emit[j][i] += s[i];
            }
        }
        let d = (u.end - u.start).max(0.5);
        let mid = 0.5 * (u.start + u.end);
        for i in 0..m {
            if let Some((a, b)) = slots.as_ref().map(|s| s[i]) {
                let excess = (a - typical * 0.5 - mid).max(mid - b - typical * 0.5).max(0.0);
                time[j][i] = -w.time * d * (excess / typical).min(3.0);
            }
        }
    }
    let forced: Vec<Option<usize>> = units
        .iter()
        .map(|u| {
            let mid = 0.5 * (u.start + u.end);
            manual.iter().find(|(_, spans)| spans.iter().any(|s| mid >= s[0] && mid < s[1])).map(|(i, _)| *i)
        })
        .collect();
    let mut postponed = vec![false; m];
    for u in &units {
        for c in &u.cues {
            if let CueKind::Postponed(items) = &c.kind {
                for &i in items {
                    postponed[i] = true;
                }
            }
        }
    }
    let skip_cost: Vec<f64> = (0..m)
        .map(|i| match manual.get(&i) {
            Some(s) if s.is_empty() => 0.0,
            _ if postponed[i] => -2.0,
            _ => w.skip,
        })
        .collect();
    let gap_before: Vec<f64> = (0..n).map(|j| if j == 0 { units[0].start } else { (units[j].start - units[j - 1].end).max(0.0) }).collect();
    let turn_bonus = turn_bonus(&units);
    let problem = Problem {
        units: &units,
        emit,
        time,
        forced,
        turn_bonus,
        manual: &manual,
        skip_cost,
        declared: declared_groups(&units),
        gap_before,
    };

    let best = decode_best_order(&problem, m)?;
    if std::env::var_os("REFERAT_DEBUG_SEGMENT").is_some() {
        for u in &units {
            let cues: Vec<String> =
                u.cues.iter().map(|c| format!("{:?}@{:.2}{}", c.kind, c.strength, if c.declared_joint { "+joint" } else { "" })).collect();
            eprintln!("[{:7.1}-{:7.1}] {} :: {}", u.start, u.end, cues.join(" "), u.text.chars().take(110).collect::<String>());
        }
        eprintln!(
            "agenda order score {:.1}; chosen {:?} score {:.1}",
            problem.decode(&(0..m).collect::<Vec<_>>())?.score,
            best.order,
            best.score
        );
    }
    let Decoded { order, states, path, .. } = best;

    // Blocks of equal state.
    let mut blocks: Vec<(State, usize, usize)> = Vec::new(); // state, first unit, last unit
    for j in 0..n {
        let s = states[path[j]];
        match blocks.last_mut() {
            Some((bs, _, e)) if *bs == s => *e = j,
            _ => blocks.push((s, j, j)),
        }
    }

    // Label: an agenda break named in the announcement ("Da tar vi lunsj"), else the agenda
    // break planned nearest in time.
    let break_label = |t: f64, said: &str| -> String {
        let said: Vec<String> = text::words(said).iter().map(|w| text::phonetic(w)).collect();
        let heard = |w: &String| said.iter().any(|s| text::similarity_chars(s, &text::phonetic(w)) >= 0.6);
        if let Some(b) = meeting.breaks.iter().find(|b| text::words(&b.label).iter().filter(|w| text::is_content(w)).any(heard)) {
            return b.label.clone();
        }
        let Some(rs) = meeting.recording_start_secs() else {
            return "Pause".into();
        };
        let scale = time_scale(meeting, duration);
        meeting
            .breaks
            .iter()
            .filter_map(|b| parse_clock(&b.time).ok().map(|c| (b, ((c - rs) * scale - t).abs())))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(b, _)| b.label.clone())
            .unwrap_or_else(|| "Pause".into())
    };

    // Spans: a block runs from its first unit to the start of the next block (silences inside
    // belong to it), cut out where a break lies.
    let mut items: Vec<ItemSegment> = meeting
        .items
        .iter()
        .map(|it| ItemSegment {
            saksnr: it.saksnr.clone(),
            spans: vec![],
            status: ItemStatus::NotDiscussed,
            joint_with: vec![],
            confidence: [0.0, 0.0],
            manual: false,
        })
        .collect();
    let mut other: Vec<OtherSpan> = Vec::new();
    for (bi, &(s, a, b)) in blocks.iter().enumerate() {
        let start = units[a].start;
        let end = if bi + 1 < blocks.len() { units[blocks[bi + 1].1].start } else { units[b].end.max(duration.min(units[b].end + 5.0)) };
        let spans = cut_breaks([start, end], &break_spans);
        match s {
            State::Pre | State::Post => {
                let kind = if s == State::Pre { "pre_meeting" } else { "after_meeting" };
                for sp in spans {
                    other.push(OtherSpan { kind: kind.into(), label: String::new(), start: sp[0], end: sp[1] });
                }
            }
            State::Items(f, l) => {
                let prev = blocks.get(bi.wrapping_sub(1)).map(|x| x.0);
                let c_start = boundary_confidence(&units, &problem, &order, a, s, prev, bi == 0);
                let c_end = match blocks.get(bi + 1) {
                    Some(&(ns_, na, _)) => boundary_confidence(&units, &problem, &order, na, ns_, Some(s), false),
                    None => 0.9,
                };
                let group: Vec<usize> = order[f..=l].to_vec();
                let saks: Vec<String> = group.iter().map(|&i| meeting.items[i].saksnr.clone()).collect();
                for &i in &group {
                    let it = &mut items[i];
                    if !manual.contains_key(&i) {
                        it.spans.extend(spans.iter().copied());
                        it.status = ItemStatus::Discussed;
                        it.joint_with = saks.iter().filter(|x| **x != it.saksnr).cloned().collect();
                        if it.confidence == [0.0, 0.0] {
                            it.confidence[0] = c_start;
                        }
                        it.confidence[1] = c_end;
                    }
                }
            }
        }
    }
    for (lo, hi, said) in &breaks {
        other.push(OtherSpan { kind: "break".into(), label: break_label(*lo, said), start: *lo, end: *hi });
    }
    for (&i, spans) in &manual {
        let it = &mut items[i];
        it.spans = spans.clone();
        it.status = if spans.is_empty() { ItemStatus::NotDiscussed } else { ItemStatus::Discussed };
        it.joint_with = manual_items.iter().find(|x| x.manual && x.saksnr == it.saksnr).map(|x| x.joint_with.clone()).unwrap_or_default();
        it.confidence = [1.0, 1.0];
        it.manual = true;
    }
    // Merge adjacent spans of one item (a block split only by a manual neighbour's removal).
    for it in &mut items {
        it.spans.sort_by(|a, b| a[0].total_cmp(&b[0]));
        let mut merged: Vec<Span> = Vec::new();
        for s in it.spans.drain(..) {
            match merged.last_mut() {
                Some(l) if s[0] <= l[1] + 1e-6 => l[1] = l[1].max(s[1]),
                _ => merged.push(s),
            }
        }
        it.spans = merged;
    }
    // Items in the order the meeting took them: by where they start; items not discussed keep
    // their place in the decoded order.
    let mut ordered: Vec<ItemSegment> = order.iter().map(|&i| items[i].clone()).collect();
    let starts: Vec<Option<f64>> = ordered.iter().map(|it| it.spans.first().map(|s| s[0])).collect();
    let mut keyed: Vec<(f64, usize, ItemSegment)> = Vec::with_capacity(ordered.len());
    let mut last_start = f64::NEG_INFINITY;
    for (k, it) in ordered.drain(..).enumerate() {
        let key = starts[k].unwrap_or(last_start);
        last_start = last_start.max(key);
        keyed.push((key, k, it));
    }
    keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut items: Vec<ItemSegment> = keyed.into_iter().map(|(_, _, it)| it).collect();
    other.sort_by(|a, b| a.start.total_cmp(&b.start));
    // Millisecond times: stable through a JSON round trip, and finer than any boundary.
    let ms = |x: f64| (x * 1000.0).round() / 1000.0;
    for it in &mut items {
        for sp in &mut it.spans {
            *sp = [ms(sp[0]), ms(sp[1])];
        }
    }
    for o in &mut other {
        o.start = ms(o.start);
        o.end = ms(o.end);
    }
    Ok(Segmentation { version: FORMAT_VERSION, inputs: Default::default(), items, other })
}

fn cut_breaks(span: Span, breaks: &[(f64, f64)]) -> Vec<Span> {
    let mut out = vec![span];
    for &(lo, hi) in breaks {
        out = out
            .into_iter()
            .flat_map(|s| {
                if hi <= s[0] || lo >= s[1] {
                    vec![s]
                } else {
                    let mut v = Vec::new();
                    if lo > s[0] {
                        v.push([s[0], lo]);
                    }
                    if hi < s[1] {
                        v.push([hi, s[1]]);
                    }
                    v
                }
            })
            .collect();
    }
    out.retain(|s| s[1] > s[0]);
    out
}

/// Confidence in a boundary at unit `j` entering `s` from `prev`: an announcement is strong
/// evidence, a silence and a clear lexical contrast are weaker.
fn boundary_confidence(units: &[Unit], p: &Problem, order: &[usize], j: usize, s: State, prev: Option<State>, first_block: bool) -> f64 {
    let mut ann: f64 = 0.0;
    for c in &units[j].cues {
        let v = match (&c.kind, s) {
            (CueKind::Announce(set), State::Items(f, l)) if order[f..=l].iter().any(|i| set.contains(i)) => c.strength,
            (CueKind::Next, _) => 0.5 * c.strength,
            (CueKind::Close, State::Post) => c.strength,
            _ => 0.0,
        };
        ann = ann.max(v);
    }
    let gap = ((p.gap_before[j] - 1.0) / 10.0).clamp(0.0, 1.0);
    let contrast = match (prev, s) {
        (Some(State::Items(pf, _)), State::Items(f, _)) => {
            let (pi, fi) = (order[pf], order[f]);
            let hi = (j + 4).min(units.len());
            let lo = j.saturating_sub(4);
            let after: f64 = (j..hi).map(|k| p.emit[k][fi] - p.emit[k][pi]).sum();
            let before: f64 = (lo..j).map(|k| p.emit[k][pi] - p.emit[k][fi]).sum();
            ((after + before) / 10.0).clamp(0.0, 1.0)
        }
        _ => 0.0,
    };
    let base = if first_block { 0.5 } else { 0.0 };
    let c = 1.0 - (1.0 - 0.9 * ann) * (1.0 - 0.4 * gap) * (1.0 - 0.5 * contrast) * (1.0 - base);
    (c * 100.0).round() / 100.0
}

/// Factor that maps planned agenda time to recording time: 1, unless the recording is much
/// shorter or longer than the planned meeting (then the agenda is stretched to fit).
fn time_scale(meeting: &Meeting, duration: f64) -> f64 {
    let Some(rs) = meeting.recording_start_secs() else {
        return 1.0;
    };
    let times: Vec<f64> = meeting.items.iter().filter_map(|i| i.time.as_deref()).filter_map(|t| parse_clock(t).ok()).collect();
    if times.len() < 2 || duration <= 0.0 {
        return 1.0;
    }
    let first = times.iter().cloned().fold(f64::INFINITY, f64::min);
    let last = times.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let mean_len = (last - first) / (times.len() - 1) as f64;
    let planned = last + mean_len - rs;
    if planned <= 0.0 {
        return 1.0;
    }
    let r = duration / planned;
    if (0.67..=1.5).contains(&r) {
        1.0
    } else {
        r
    }
}

/// Planned clock times per item: the agenda's, with the gaps filled in by interpolation
/// between the neighbouring items that have one (and extrapolation at the ends). None when
/// fewer than two items have a time, or the times do not increase in agenda order.
fn planned_times(meeting: &Meeting) -> Option<Vec<f64>> {
    let given: Vec<Option<f64>> = meeting.items.iter().map(|i| i.time.as_deref().and_then(|t| parse_clock(t).ok())).collect();
    let known: Vec<(usize, f64)> = given.iter().enumerate().filter_map(|(i, t)| t.map(|t| (i, t))).collect();
    if known.len() < 2 || known.windows(2).any(|w| w[1].1 < w[0].1) {
        return None;
    }
    let (f, l) = (known[0], known[known.len() - 1]);
    let per_item = (l.1 - f.1) / (l.0 - f.0) as f64;
    let mut out = Vec::with_capacity(given.len());
    for i in 0..given.len() {
        let t = match given[i] {
            Some(t) => t,
            None => {
                let before = known.iter().rev().find(|(k, _)| *k < i);
                let after = known.iter().find(|(k, _)| *k > i);
                match (before, after) {
                    (Some(&(a, ta)), Some(&(b, tb))) => ta + (tb - ta) * (i - a) as f64 / (b - a) as f64,
                    (Some(&(a, ta)), None) => ta + per_item * (i - a) as f64,
                    (None, Some(&(b, tb))) => tb - per_item * (b - i) as f64,
                    (None, None) => return None,
                }
            }
        };
        out.push(t);
    }
    Some(out)
}

/// Planned [start, end) per item on the recording's time line (see [`planned_times`]).
fn planned_slots(meeting: &Meeting, duration: f64) -> Option<Vec<(f64, f64)>> {
    let times = planned_times(meeting)?;
    let rs = meeting.recording_start_secs().unwrap_or(times[0]);
    let scale = time_scale(meeting, duration);
    let starts: Vec<f64> = times.iter().map(|t| (t - rs) * scale).collect();
    Some((0..starts.len()).map(|i| (starts[i], starts.get(i + 1).copied().unwrap_or(duration.max(starts[i])))).collect())
}

// ---------------------------------------------------------------- stage

/// The pipeline stage: segment `wd/transcript.json` into `wd/segments.json`, unless that is up
/// to date (same meeting file and transcript) and `force` is off. Items marked `manual` in an
/// existing `segments.json` are kept (see the module docs).
pub fn run_stage(meeting_path: &Path, meeting: &Meeting, wd: &WorkDir, force: bool) -> Result<Segmentation> {
    let transcript: Transcript = wd.load("referat transcribe")?;
    let mut inputs = crate::artifact::Inputs::new();
    inputs.insert("meeting".into(), sha256_file(meeting_path)?);
    inputs.insert("transcript".into(), sha256_file(&wd.path(<Transcript as crate::artifact::Artifact>::FILE))?);
    let old: Option<Segmentation> = wd
        .load_opt()
        .with_context(|| format!("cannot use the existing {}: fix the edit or delete the file", wd.path("segments.json").display()))?;
    if let Some(old) = &old {
        if !force && old.inputs == inputs {
            return Ok(old.clone());
        }
    }
    let manual: Vec<ItemSegment> = old.map(|o| o.items.into_iter().filter(|i| i.manual).collect()).unwrap_or_default();
    let mut seg = segment_with_manual(meeting, &transcript, &manual)?;
    seg.inputs = inputs;
    wd.save(&seg)?;
    Ok(seg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifact::Segment;

    const MEETING: &str = r#"
council = "Nasjonalt e-helseråd"
number = "2/2025"
date = "12. juni 2025"
time = "Kl. 10.00 – 16.00"
place = "Oslo"
recording_start = "10:00"

[[items]]
saksnr = "13/25"
title = "Veilednings- og godkjenningsordning for helseteknologier"
presenters = [{ name = "Norunn Saure", organisation = "Helsedirektoratet" }]
time = "10:00"
sakstype = "Drøfting"

[[items]]
saksnr = "14/25"
title = "Vurdering av behov for endring av samtykkebestemmelsene for kjernejournal"
presenters = [{ name = "Erik Hedlund", organisation = "Helsedirektoratet" }]
time = "10:40"
sakstype = "Drøfting"

[[items]]
saksnr = "15/25"
title = "Anbefaling til justert prismodell 2026 for de nasjonale e-helseløsningene"
presenters = [{ name = "Kari Jørgensen", organisation = "Norsk helsenett SF" }]
time = "11:20"
sakstype = "Drøfting"

[[items]]
saksnr = "16/25"
title = "Bruk av store språkmodeller i helse- og omsorgssektoren"
presenters = [{ name = "Sveinung Tornås", organisation = "Helsedirektoratet" }]
time = "12:00"
sakstype = "Drøfting"

[[items]]
saksnr = "18/25"
title = "Evaluering av nasjonal rådsmodell for e-helse"
presenters = [{ name = "Siv Ingebrigtsen", organisation = "Helsedirektoratet" }]
time = "12:40"
sakstype = "Drøfting"

[[items]]
saksnr = "17/25"
title = "Endringer i mandat for Teknisk beregningsutvalg"
presenters = [{ name = "Siv Ingebrigtsen", organisation = "Helsedirektoratet" }]
time = "13:20"
sakstype = "Drøfting"

[[breaks]]
label = "Lunsj"
time = "11:15"
"#;

    /// Content lines per item, without announcements.
    fn body(saksnr: &str) -> Vec<&'static str> {
        match saksnr {
            "13/25" => vec![
                "Ordningen for veiledning og godkjenning samler krav til helseteknologier.",
                "Kommunene trenger veiledning før de kjøper helseteknologi.",
                "Listen over godkjente produkter må holdes oppdatert.",
                "Godkjenningsordningen bør også omfatte velferdsteknologi.",
            ],
            "14/25" => vec![
                "I dag må pasienten samtykke før helsepersonell ser kjernejournalen.",
                "Samtykkebestemmelsene ble laget før de digitale tjenestene.",
                "Vi trenger god logging av hvem som leser kjernejournal.",
                "Reservasjonsrett kan erstatte samtykke i kjernejournal.",
            ],
            "15/25" => vec![
                "Prismodellen for de nasjonale e-helseløsningene justeres for tjuetjueseks.",
                "Prisen skal følge den faktiske bruken av løsningene.",
                "Kommunene trenger en forutsigbar prismodell.",
            ],
            "16/25" => vec![
                "Store språkmodeller kan gi nytte i helsetjenesten.",
                "Norge trenger norske språkmodeller trent på norsk helsefag.",
                "Språkmodellene må følges opp som medisiner.",
            ],
            "18/25" => vec![
                "Vi har evaluert rådsmodellen med tre nivåer.",
                "Rådsmodellen bør beholde tre nivåer med tydeligere mandat.",
                "Evalueringen viser at møtene bør bli kortere.",
            ],
            "17/25" => vec![
                "Teknisk beregningsutvalg skal også vurdere nye tjenester.",
                "Mandatet for beregningsutvalget endres.",
                "Utvalget skal vurdere kostnadene tidlig.",
            ],
            _ => vec![],
        }
    }

    /// Utterances of 5 s with 0.5 s gaps; `pause` lines add silence instead.
    fn transcript(lines: &[&str]) -> (Transcript, Vec<f64>) {
        let mut t = 0.0;
        let mut segs = Vec::new();
        let mut starts = Vec::new();
        for l in lines {
            if let Some(p) = l.strip_prefix("#pause ") {
                t += p.parse::<f64>().unwrap();
                continue;
            }
            starts.push(t);
            segs.push(Segment { start: t, end: t + 5.0, text: l.to_string(), speaker: None, words: vec![], ..Default::default() });
            t += 5.5;
        }
        let tr = Transcript {
            version: FORMAT_VERSION,
            inputs: Default::default(),
            source: "json".into(),
            model: None,
            duration: t,
            segments: segs,
            warnings: vec![],
        };
        (tr, starts)
    }

    /// Build a script: for each (announcement, saksnr) the announcement line (if any) and body.
    fn script(parts: &[(&'static str, &'static str)]) -> Vec<&'static str> {
        let mut v = Vec::new();
        for (ann, sak) in parts {
            if ann.starts_with("#pause") {
                v.push(*ann);
                continue;
            }
            if !ann.is_empty() {
                v.push(*ann);
            }
            v.extend(body(sak));
        }
        v
    }

    fn item<'a>(s: &'a Segmentation, saksnr: &str) -> &'a ItemSegment {
        s.items.iter().find(|i| i.saksnr == saksnr).unwrap()
    }

    fn start(s: &Segmentation, saksnr: &str) -> f64 {
        item(s, saksnr).spans[0][0]
    }

    fn meeting() -> Meeting {
        Meeting::parse(MEETING).unwrap()
    }

    /// Start time of the n-th line of the script.
    fn at(lines: &[&str], starts: &[f64], needle: &str) -> f64 {
        let speech: Vec<&&str> = lines.iter().filter(|l| !l.starts_with("#pause")).collect();
        starts[speech.iter().position(|l| l.contains(needle)).unwrap()]
    }

    const ALL: [(&str, &str); 6] = [
        ("Da går vi til sak tretten, veiledning og godkjenning.", "13/25"),
        ("Takk. Da går vi til sak fjorten.", "14/25"),
        ("Neste sak er sak femten.", "15/25"),
        ("Da går vi til sak seksten.", "16/25"),
        ("Da går vi til sak atten, og tar sak sytten etterpå.", "18/25"),
        ("Da går vi tilbake til sak sytten.", "17/25"),
    ];

    #[test]
    fn announcements_in_words_and_out_of_numeric_order() {
        let lines = script(&ALL);
        let (t, starts) = transcript(&lines);
        let s = segment(&meeting(), &t).unwrap();
        for (ann, sak) in ALL {
            assert_eq!(item(&s, sak).status, ItemStatus::Discussed, "{sak}");
            assert_eq!(start(&s, sak), at(&lines, &starts, ann), "{sak}: {s:?}");
        }
        // 18/25 comes before 17/25 in the meeting, and the spans follow that order
        assert!(start(&s, "18/25") < start(&s, "17/25"));
        assert!(item(&s, "13/25").confidence[0] > 0.8);
    }

    #[test]
    fn misheard_numbers_and_digits() {
        let parts = [
            ("Da går vi til sak 13/25.", "13/25"),
            ("Takk. Da går vi til sak fjorden.", "14/25"),
            ("Da går vi til sak femtenn.", "15/25"),
            ("Da går vi til sak sejsten.", "16/25"),
            ("Da går vi til sak nummer 18.", "18/25"),
            ("Da går vi til sak syttenn.", "17/25"),
        ];
        let lines = script(&parts);
        let (t, starts) = transcript(&lines);
        let s = segment(&meeting(), &t).unwrap();
        for (ann, sak) in parts {
            assert_eq!(start(&s, sak), at(&lines, &starts, ann), "{sak}: {s:?}");
        }
    }

    /// An agenda of items numbered `numbers` ("N/25"), with distinct titles.
    fn agenda(numbers: &[u32]) -> Agenda {
        let mut toml = String::from("council = \"R\"\nnumber = \"1\"\ndate = \"d\"\ntime = \"t\"\nplace = \"p\"\n");
        let titles = ["Budsjett for neste år", "Rapport om vedlikehold av skolebygg", "Plan for beredskap", "Eventuelt"];
        for (k, n) in numbers.iter().enumerate() {
            toml += &format!("[[items]]\nsaksnr = \"PS {n}/25\"\ntitle = \"{}\"\nsakstype = \"Drøfting\"\n", titles[k % titles.len()]);
        }
        Agenda::new(&Meeting::parse(&toml).unwrap())
    }

    fn announced(text: &str, ag: &Agenda) -> Option<Vec<usize>> {
        find_cues(text, ag).into_iter().find_map(|c| match c.kind {
            CueKind::Announce(v) => Some(v),
            _ => None,
        })
    }

    #[test]
    fn numbers_in_every_spoken_form_announce_their_item() {
        for n in [1u32, 2, 3, 7, 9, 13, 21, 34, 38, 45, 52, 67, 71, 86, 93, 99] {
            let ag = agenda(&[if n > 1 { n - 1 } else { n + 2 }, n, n + 1]);
            let i = ag.items_numbered(n)[0];
            let word = text::number_word(n);
            let mut forms =
                vec![format!("Da går vi til sak {word}."), format!("Neste sak er {n}."), format!("Vi tar sak nummer {word} nå.")];
            if n >= 20 && n % 10 != 0 {
                let (t, u) = (text::number_word(n / 10 * 10), text::number_word(n % 10));
                forms.push(format!("Så er det sak {t} {u}."));
                forms.push(format!("Så er det sak {t}-{u}."));
                forms.push(format!("Da går vi til sak {u}og{t}."));
                forms.push(format!("Da går vi til sak {u} og {t}."));
                forms.push(format!("Da går vi til sak {} {}.", text::number_word(n / 10), text::number_word(n % 10)));
                forms.push(format!("Da går vi til PS {n}/25."));
            }
            for f in &forms {
                assert_eq!(announced(f, &ag), Some(vec![i]), "{n}: {f}");
            }
        }
    }

    #[test]
    fn misheard_and_glued_numbers_match_the_agenda() {
        let ag = agenda(&[33, 34, 35]);
        // "sak" glued to the number, or the number's first letter glued to "sak", as speech
        // recognition writes them
        for (f, n) in [
            ("Da går vi til saktrettifire.", 34),
            ("Sakt rettifire, budsjettet.", 34),
            ("Da går vi til sak tretti fem.", 35),
            ("Da går vi til sak trettitri.", 33),
            ("Sagt trettifem, rapporten.", 35),
            ("Da går vi videre til sak tredvefire.", 34),
        ] {
            assert_eq!(announced(f, &ag), Some(ag.items_numbered(n)), "{f}");
        }
        // numbers not on the agenda, and words far from any number, announce nothing
        assert_eq!(announced("Da går vi til sak tolv.", &ag), None);
        assert_eq!(announced("Som jeg har sagt to ganger.", &ag), None);
        assert_eq!(announced("Saksbehandlingen tar tid.", &ag), None);
        // two numbers: one joint announcement, declared with "under ett"
        let c = find_cues("Vi tar sak trettifire og trettifem under ett.", &ag);
        assert!(matches!(&c[0].kind, CueKind::Announce(v) if v == &vec![1, 2]) && c[0].declared_joint, "{c:?}");
        // postponed
        let c = find_cues("Sak trettifem er trukket og utsettes.", &ag);
        assert!(matches!(&c[0].kind, CueKind::Postponed(v) if v == &vec![2]), "{c:?}");
    }

    #[test]
    fn titles_read_out_announce_without_a_number() {
        let ag = agenda(&[40, 41, 42, 43]);
        assert_eq!(announced("Da går vi over til rapporten om vedlikehold av skolebyggene.", &ag), Some(vec![1]));
        assert_eq!(announced("Neste punkt er budsjettet for neste år.", &ag), Some(vec![0]));
        assert_eq!(announced("Da er vi ved eventuelt.", &ag), Some(vec![3]));
        // a member using a title word in passing announces nothing
        assert_eq!(announced("Jeg tror budsjettet blir stramt for kommunene i år, og det bekymrer meg mye.", &ag), None);
    }

    #[test]
    fn missing_announcements_fall_back_on_words_and_time() {
        let parts = [
            ("Da går vi til sak tretten.", "13/25"),
            ("", "14/25"), // no announcement: the content changes to kjernejournal
            ("Da går vi til sak femten.", "15/25"),
            ("", "16/25"), // none here either
            ("Da går vi til sak atten.", "18/25"),
            ("Da går vi til sak sytten.", "17/25"),
        ];
        let lines = script(&parts);
        let (t, starts) = transcript(&lines);
        let s = segment(&meeting(), &t).unwrap();
        let first14 = at(&lines, &starts, body("14/25")[0]);
        let first16 = at(&lines, &starts, body("16/25")[0]);
        assert!((start(&s, "14/25") - first14).abs() <= 5.5, "{s:?}");
        assert!((start(&s, "16/25") - first16).abs() <= 5.5, "{s:?}");
        assert!(item(&s, "14/25").confidence[0] < item(&s, "15/25").confidence[0]);
    }

    #[test]
    fn joint_items_share_one_span() {
        let parts = [
            ("Da går vi til sak tretten.", "13/25"),
            ("Da går vi til sak fjorten.", "14/25"),
            ("Da går vi til sak femten og seksten, vi tar dem under ett.", "15/25"),
            ("", "16/25"),
            ("Da går vi til sak atten.", "18/25"),
            ("Da går vi til sak sytten.", "17/25"),
        ];
        let lines = script(&parts);
        let (t, starts) = transcript(&lines);
        let s = segment(&meeting(), &t).unwrap();
        let (a, b) = (item(&s, "15/25"), item(&s, "16/25"));
        assert_eq!(a.spans, b.spans, "{s:?}");
        assert_eq!(a.joint_with, vec!["16/25".to_string()]);
        assert_eq!(b.joint_with, vec!["15/25".to_string()]);
        assert_eq!(start(&s, "15/25"), at(&lines, &starts, "femten og seksten"));
        assert_eq!(a.spans[0][1], start(&s, "18/25"));
        assert!(item(&s, "14/25").joint_with.is_empty());
    }

    #[test]
    fn skipped_and_postponed_items_are_not_discussed() {
        // 16/25 is never mentioned; 17/25 is postponed.
        let parts = [
            ("Da går vi til sak tretten.", "13/25"),
            ("Da går vi til sak fjorten.", "14/25"),
            ("Da går vi til sak femten.", "15/25"),
            ("Da går vi til sak atten.", "18/25"),
            ("Sak sytten er utsatt til neste møte. Takk for i dag, møtet er hevet.", ""),
        ];
        let lines = script(&parts);
        let (t, starts) = transcript(&lines);
        let s = segment(&meeting(), &t).unwrap();
        for sak in ["16/25", "17/25"] {
            assert_eq!(item(&s, sak).status, ItemStatus::NotDiscussed, "{sak}: {s:?}");
            assert!(item(&s, sak).spans.is_empty());
        }
        // the closing words start after-meeting talk, inside the last line
        let close = at(&lines, &starts, "utsatt");
        let end18 = item(&s, "18/25").spans[0][1];
        assert!(end18 > close && end18 < close + 5.0, "{s:?}");
        assert!(s.other.iter().any(|o| o.kind == "after_meeting" && o.start == end18), "{s:?}");
    }

    #[test]
    fn a_break_is_cut_out() {
        let parts = [
            ("Da går vi til sak tretten.", "13/25"),
            ("Da går vi til sak fjorten.", "14/25"),
            ("Da tar vi lunsj, og starter igjen med sak femten.", ""),
            ("#pause 600", ""),
            ("Velkommen tilbake. Da går vi til sak femten.", "15/25"),
            ("Da går vi til sak seksten.", "16/25"),
            ("Da går vi til sak atten.", "18/25"),
            ("Da går vi til sak sytten.", "17/25"),
        ];
        let lines = script(&parts);
        let (t, starts) = transcript(&lines);
        let s = segment(&meeting(), &t).unwrap();
        let lunch = at(&lines, &starts, "lunsj");
        let back = at(&lines, &starts, "Velkommen");
        let b = s.other.iter().find(|o| o.kind == "break").expect("a break");
        assert_eq!((b.start, b.end, b.label.as_str()), (lunch, back, "Lunsj"));
        assert_eq!(item(&s, "14/25").spans, vec![[start(&s, "14/25"), lunch]]);
        assert_eq!(start(&s, "15/25"), back);
        // a silence with no word about a break is one only while the agenda has a break to place
        let mut lines2 = script(&ALL);
        lines2.insert(3, "#pause 40");
        let (t2, _) = transcript(&lines2);
        let with_break = segment(&meeting(), &t2).unwrap();
        assert_eq!(with_break.other.iter().filter(|o| o.kind == "break").count(), 1);
        assert_eq!(item(&with_break, "13/25").spans.len(), 2, "the item goes on after the break");
        let mut no_breaks = meeting();
        no_breaks.breaks.clear();
        let s2 = segment(&no_breaks, &t2).unwrap();
        assert!(s2.other.iter().all(|o| o.kind != "break"), "{s2:?}");
        assert_eq!(item(&s2, "13/25").spans.len(), 1);
    }

    #[test]
    fn manual_spans_win_and_others_fit_around_them() {
        let lines = script(&ALL);
        let (t, starts) = transcript(&lines);
        let s14 = at(&lines, &starts, "sak fjorten");
        let s15 = at(&lines, &starts, "sak femten");
        // meeting file override: 14/25 ends 11 s early
        let mut m = meeting();
        m.items[1].spans = Some(vec![[s14, s15 - 11.0]]);
        let s = segment(&m, &t).unwrap();
        let i14 = item(&s, "14/25");
        assert!(i14.manual);
        assert_eq!(i14.spans, vec![[s14, s15 - 11.0]]);
        assert!(!item(&s, "13/25").manual);
        // segments.json edit: 16/25 marked not discussed by hand
        let edited = ItemSegment {
            saksnr: "16/25".into(),
            spans: vec![],
            status: ItemStatus::NotDiscussed,
            joint_with: vec![],
            confidence: [1.0, 1.0],
            manual: true,
        };
        let s = segment_with_manual(&meeting(), &t, &[edited]).unwrap();
        assert_eq!(item(&s, "16/25").status, ItemStatus::NotDiscussed);
        assert!(item(&s, "16/25").manual);
        assert_eq!(item(&s, "15/25").spans[0][1], start(&s, "18/25"));
    }

    #[test]
    fn stage_skips_when_fresh_and_keeps_manual_edits() {
        let dir = tempfile::tempdir().unwrap();
        let wd = WorkDir::create(dir.path()).unwrap();
        let mpath = dir.path().join("meeting.toml");
        std::fs::write(&mpath, MEETING).unwrap();
        let m = meeting();
        assert!(format!("{:#}", run_stage(&mpath, &m, &wd, false).unwrap_err()).contains("referat transcribe"));
        let (t, _) = transcript(&script(&ALL));
        wd.save(&t).unwrap();
        let first = run_stage(&mpath, &m, &wd, false).unwrap();
        assert_eq!(first.inputs.len(), 2);
        // the secretary moves 13/25's end and marks it manual
        let mut edited = first.clone();
        edited.items[0].spans = vec![[0.0, 12.0]];
        edited.items[0].manual = true;
        wd.save(&edited).unwrap();
        // fresh: returned as is
        assert_eq!(run_stage(&mpath, &m, &wd, false).unwrap(), edited);
        // forced rerun keeps the manual item
        let again = run_stage(&mpath, &m, &wd, true).unwrap();
        assert_eq!(again.items[0].spans, vec![[0.0, 12.0]]);
        assert!(again.items[0].manual);
        assert!(again.items[1].spans[0][0] >= 12.0);
    }

    #[test]
    fn announcement_inside_a_long_segment_splits_it_at_word_times() {
        let lines = script(&ALL);
        let (mut t, _) = transcript(&lines);
        // merge the last line of 13/25 with the announcement of 14/25, as Whisper does
        let k = lines.iter().position(|l| l.contains("sak fjorten")).unwrap();
        let ann = t.segments.remove(k);
        let prev = &mut t.segments[k - 1];
        let text = format!("{} {}", prev.text, ann.text);
        let mut words = Vec::new();
        let n = text.split_whitespace().count();
        for (i, w) in text.split_whitespace().enumerate() {
            let a = prev.start + (ann.end - prev.start) * i as f64 / n as f64;
            words.push(crate::artifact::Word { start: a, end: a + 0.1, text: w.to_string(), ..Default::default() });
        }
        let takk = words.iter().find(|w| w.text == "Takk.").unwrap().start;
        prev.text = text;
        prev.end = ann.end;
        prev.words = words;
        let s = segment(&meeting(), &t).unwrap();
        assert!((start(&s, "14/25") - takk).abs() < 1e-3, "{s:?}");
    }

    #[test]
    fn empty_transcript_is_an_error_unless_every_item_is_placed_by_hand() {
        let (t, _) = transcript(&[]);
        let e = format!("{:#}", segment(&meeting(), &t).unwrap_err());
        assert!(e.contains("no text"), "{e}");
        let mut m = meeting();
        for (k, it) in m.items.iter_mut().enumerate() {
            it.spans = Some(vec![[k as f64 * 10.0, k as f64 * 10.0 + 10.0]]);
        }
        let s = segment(&m, &t).unwrap();
        assert!(s.items.iter().all(|i| i.manual && i.spans.len() == 1));
    }

    #[test]
    fn deterministic() {
        let (t, _) = transcript(&script(&ALL));
        assert_eq!(segment(&meeting(), &t).unwrap(), segment(&meeting(), &t).unwrap());
    }
}
