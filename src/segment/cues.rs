//! Cues: the chair announcing an item (by number in any spoken form, or by its title read
//! out), moving on, postponing, closing, opening, breaks and handing a presenter the word.

use super::{weights, MAX_JOINT};
use crate::meeting::Meeting;
use crate::text::{self, cue, Tok};
use std::collections::{HashMap, HashSet};

// ---------------------------------------------------------------- the agenda as the cue finder sees it

pub(super) struct Agenda {
    /// The item's number (34 for "PS 34/25") per agenda index.
    numbers: Vec<Option<u32>>,
    /// Per item: its title's content stems, each with its specificity (how few titles share it).
    titles: Vec<Vec<(String, f64)>>,
    /// The phonetic key of each title stem (as `titles`).
    title_keys: Vec<Vec<String>>,
    /// Phonetic keys of every spoken form of each agenda number, for fuzzy matching.
    number_keys: Vec<(u32, String)>,
    /// The specificity of a title word no other title has.
    unique_weight: f64,
    /// Per presenter name part (first or last name, lower-case): the items they present.
    presenters: Vec<(String, Vec<usize>)>,
    /// Every name part (lower-case) of the members and presenters, to tell a phrase said to one
    /// person from one said to the meeting.
    people: HashSet<String>,
    /// How many words a spoken agenda number can take ("fire og tretti": 3, "ett hundre og
    /// tolv": 4), so fuzzy matching looks that far.
    number_span: usize,
}

impl Agenda {
    pub(super) fn new(meeting: &Meeting) -> Agenda {
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
        let titles: Vec<Vec<(String, f64)>> =
            stems.iter().map(|s| s.iter().map(|w| (w.clone(), specificity(df[w.as_str()]))).collect()).collect();
        let title_keys = stems.iter().map(|s| s.iter().map(|w| text::phonetic(w)).collect()).collect();
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
        let people: HashSet<String> = meeting
            .members
            .iter()
            .map(|m| m.name.as_str())
            .chain(meeting.items.iter().flat_map(|it| it.presenters.iter().map(|p| p.name.as_str())))
            .flat_map(text::words)
            .filter(|w| w.chars().count() >= 3)
            .collect();
        presenters.retain(|(n, _)| !members.contains(n));
        let number_span = if numbers.iter().flatten().any(|n| *n >= 100) { 4 } else { 3 };
        Agenda { numbers, titles, title_keys, number_keys, unique_weight: specificity(1), presenters, people, number_span }
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

    /// The items presented by someone the words name (a first or last name), sorted.
    fn presented_by(&self, st: &[Tok]) -> Vec<usize> {
        let mut items: Vec<usize> =
            st.iter().filter_map(|t| self.presenters.iter().find(|(n, _)| *n == t.w)).flat_map(|(_, v)| v.iter().copied()).collect();
        items.sort_unstable();
        items.dedup();
        items
    }

    /// Items whose title the words name: the specificity-weighted share of the title's words
    /// found among the words `heard` (see [`title_word_match`]), for items reaching `min` (best first).
    /// With `moving_on` (the chair says "Da går vi over til ..."), a long word that no other
    /// title has names the item too ("frisklivssentralen").
    fn titles_named(&self, heard: &[Heard], min: f64, moving_on: bool) -> Vec<(usize, f64)> {
        let mut out: Vec<(usize, f64)> = Vec::new();
        for (i, (title, keys)) in self.titles.iter().zip(&self.title_keys).enumerate() {
            let total: f64 = title.iter().map(|(_, w)| w).sum();
            if total <= 0.0 {
                continue;
            }
            let mut hit = 0.0;
            let mut named = 0;
            let mut distinctive = false;
            for ((t, w), tk) in title.iter().zip(keys) {
                let m = title_word_match(heard, t, tk);
                if m > 0.0 {
                    hit += w * m;
                    named += 1;
                    distinctive |= *w >= self.unique_weight - 1e-9 && t.chars().count() >= 8;
                }
            }
            let share = hit / total;
            // One shared word names a one-word title ("Eventuelt"), not a longer one, unless
            // the chair is moving on and a word named is the title's own.
            if (share >= min && (named >= 2 || title.len() == 1)) || (moving_on && distinctive) {
                out.push((i, share.max(min)));
            }
        }
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        out
    }

    /// Whether the word names a word of item `i`'s title.
    fn title_has(&self, i: usize, w: &Heard) -> bool {
        self.titles[i].iter().zip(&self.title_keys[i]).any(|((t, _), tk)| title_word_match(std::slice::from_ref(w), t, tk) > 0.0)
    }
}

/// A word heard, with the forms title matching compares (computed once per sentence, not once
/// per title word).
struct Heard {
    stem: String,
    long: bool,
    /// Phonetic keys of the word and of its stem (long words only).
    key: String,
    stem_key: String,
}

impl Heard {
    fn new(w: &str) -> Heard {
        let stem = text::stem(w);
        let long = w.chars().count() >= 4;
        let (key, stem_key) = if long { (text::phonetic(w), text::phonetic(&stem)) } else { (String::new(), String::new()) };
        Heard { stem, long, key, stem_key }
    }
}

/// How well the best of `words` (lower-cased) matches the title stem `t` (phonetic key `tk`):
/// by stem, or, for long words, as speech recognition mishears, splits and glues them (letter
/// similarity of the phonetic keys, or the stem inside a longer word).
fn title_word_match(words: &[Heard], t: &str, tk: &str) -> f64 {
    let long = t.chars().count() >= 5;
    words
        .iter()
        .map(|w| {
            let m = text::stem_match(&w.stem, t);
            if m > 0.0 || !long || !w.long {
                return m;
            }
            let sim = text::similarity_chars(&w.stem_key, tk).max(text::similarity_chars(&w.key, tk));
            if sim >= 0.7 || (w.key.len() > tk.len() && w.key.contains(tk)) {
                0.6
            } else {
                0.0
            }
        })
        .fold(0.0, f64::max)
}

// ---------------------------------------------------------------- cues

#[derive(Debug, Clone, PartialEq)]
pub(super) enum CueKind {
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
pub(super) struct Cue {
    pub(super) kind: CueKind,
    pub(super) strength: f64,
    /// Byte offset of the start of the sentence holding the cue.
    pub(super) sentence_at: usize,
    /// The items are said to be taken together ("under ett", "samlet").
    pub(super) declared_joint: bool,
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
    ["sak", "sag"].iter().find_map(|p| key.strip_prefix(p)).map(|rest| (rest.to_string(), true)).or_else(|| {
        // the word before glued on ("er at sak nitten" heard as "rettssak nitten")
        (key.chars().count() >= 6 && (key.ends_with("sak") || key.ends_with("sag"))).then(|| (String::new(), true))
    })
}

/// The agenda numbers named from `toks[q]` on (after a sak word whose glued letters are
/// `glued`): exact spoken or written numbers on the agenda, else a fuzzy match of the letters
/// against the agenda's spoken numbers; "og" or a comma joins further numbers. Returns the
/// numbers, the index after the last word used, and whether any match was inexact.
fn numbers_after(text: &str, toks: &[Tok], q: usize, glued: &str, ag: &Agenda) -> (Vec<u32>, usize, bool) {
    numbers_from(text, toks, q, glued, ag, true)
}

/// [`numbers_after`], with fuzzy matching only when `fuzzy_ok`.
fn numbers_from(text: &str, toks: &[Tok], mut q: usize, glued: &str, ag: &Agenda, fuzzy_ok: bool) -> (Vec<u32>, usize, bool) {
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
        // number word, then the best clear fuzzy match of the glued letters and the
        // following words a spoken number can take (the glued letters may also be noise of the sak word: "sakt 36").
        let mut got: Option<(u32, usize)> = text::number_readings(toks, q).into_iter().find(|(n, _)| ag.on_agenda(*n));
        if got.is_none() {
            got = text::number_value(&glued).filter(|n| ag.on_agenda(*n)).map(|n| (n, 0));
        }
        if got.is_none() && fuzzy_ok {
            let mut best: Option<(u32, usize, f64)> = None;
            let starts: Vec<&str> = if glued.is_empty() { vec![""] } else { vec![glued.as_str(), ""] };
            for start in starts {
                let mut cat = start.to_string();
                if !cat.is_empty() {
                    if let Some((n, s)) = ag.fuzzy_number(&cat) {
                        best = Some((n, 0, s));
                    }
                }
                for k in 0..ag.number_span {
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
        // The year part said out: "tolv skråstrek tjueseks".
        if toks.get(q).is_some_and(|t| cue("year_separator").word(&t.w)) {
            q += 1;
            q += text::number_readings(toks, q).first().map_or(0, |r| r.1);
        }
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

/// Whether the sentence of the numbers named at `toks[p..q]` (the words `toks[sentence]`)
/// postpones them: a postponement word in it ("utsatt", "trukket") with no other agenda number
/// between it and them, so that "sak femtito, eventuelt, fordi femtien er utsatt" announces 52
/// and postpones nothing.
fn postponement_of(toks: &[Tok], sentence: std::ops::Range<usize>, p: usize, q: usize, numbers: &[u32], ag: &Agenda) -> bool {
    let other_number = |range: std::ops::Range<usize>| {
        range.into_iter().any(|k| text::number_readings(toks, k).iter().any(|(n, _)| ag.on_agenda(*n) && !numbers.contains(n)))
    };
    let words = &toks[sentence.clone()];
    sentence.clone().any(|i| {
        cue("postponed").at(words, i - sentence.start).is_some()
            && if i < p { !other_number(i + 1..p) } else { i < q || !other_number(q..i) }
    })
}

/// "under ett", "samlet": the items are taken together; "under ett" also as speech
/// recognition glues it ("underett", "underret").
fn says_joint(toks: &[Tok]) -> bool {
    let glued = text::phonetic("underett");
    cue("joint").find(toks).is_some() || toks.iter().any(|t| text::similarity_chars(&text::phonetic(&t.w), &glued) >= 0.8)
}

/// Every cue in `text` (one transcript segment), ordered by where its sentence starts.
pub(super) fn find_cues(text: &str, ag: &Agenda) -> Vec<Cue> {
    let mut cues = number_cues(text, ag);
    sentence_cues(text, ag, &mut cues);
    cues.sort_by_key(|c| c.sentence_at);
    cues
}

/// Cues naming items by number ("sak femten", "PS 34/25"): announcements, postponements,
/// and "neste sak" after a closing word.
fn number_cues(text: &str, ag: &Agenda) -> Vec<Cue> {
    let toks = text::tokens(text);
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
                // the sentence's words (contiguous)
                let words =
                    toks.iter().position(|t| in_sentence(&t)).unwrap_or(p)..toks.iter().rposition(|t| in_sentence(&t)).map_or(p, |e| e + 1);
                let sentence = &toks[words.clone()];
                let postponed = postponement_of(&toks, words, p, q, &numbers, ag);
                let closing = before.iter().any(|t| cue("closing").word(&t.w));
                let intro = before.iter().any(|t| cue("announce_intro").word(&t.w))
                    || (before.iter().any(|t| cue("announce_weak").word(&t.w)) && before.iter().any(|t| t.w == "vi"))
                    || toks[p].start == sentence_at
                    || cue("moves_on").find(&sentence[..sentence.iter().position(|t| t.start >= toks[p].start).unwrap_or(0)]).is_some();
                // the item's title said with its number ("sak femtisju, val av representant
                // til ...") announces it however the words before it were heard
                let titled = || {
                    let words: Vec<Heard> =
                        toks[q.min(toks.len())..(q + 10).min(toks.len())].iter().filter(in_sentence).map(|t| Heard::new(&t.w)).collect();
                    ag.titles_named(&words, weights().title_share, true).iter().any(|(i, _)| items.contains(i))
                };
                let mut strength = if intro || titled() { 1.0 } else { 0.5 };
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
        if let Some((c, q)) = bare_numbers(text, &toks, p, ag) {
            cues.push(c);
            p = q;
            continue;
        }
        p += 1;
    }
    cues
}

/// Agenda numbers opening a sentence without a sak word, the way a chair reads down the list
/// ("Hundre og nitten, tilskudd til ...", "Nittifem og nittiseks tar vi samlet"): exact
/// numbers only, set off by a comma, joined by "og", or alone, so that a figure opening a
/// sentence ("Trettifem personer venter ...") is no announcement.
/// A number heading a clause later in the sentence ("Ingen merknader, hundre og nitten, tilskudd
/// til ...") or set off by a comma after it ("Nå er vi tilbake på trettifire, vedlikeholdsrapporten")
/// announces its item when the words after it name that item's title; so does an opening
/// number not set off ("Trettifire er budsjettsaken"). Two agenda numbers or more in a row after
/// a comma or the chair moving on ("Så har vi tolv og tretten") are an announcement by themselves.
fn bare_numbers(text: &str, toks: &[Tok], p: usize, ag: &Agenda) -> Option<(Cue, usize)> {
    if text::number_readings(toks, p).is_empty() {
        return None;
    }
    let sentence_at = text::sentence_start(text, toks[p].start);
    let lead = toks[..p].iter().rev().take_while(|t| t.start >= sentence_at).count();
    let leads_ok = toks[p - lead..p].iter().all(|t| cue("bare_number_lead").word(&t.w));
    let opens = lead <= 2 && leads_ok;
    let clause = p > 0 && lead > 0 && text[toks[p - 1].end..toks[p].start].contains(',');
    // "..., tar vi femtiåtte og femtini", "Så har vi tolv og tretten": the numbers right after the
    // chair takes up or moves on
    let taken = (lead >= 2 && cue("announce_intro").word(&toks[p - 2].w) && toks[p - 1].w == "vi")
        || (1..=lead).any(|k| cue("moves_on").at(toks, p - k) == Some(k));
    let (numbers, q, _) = numbers_from(text, toks, p, "", ag, false);
    let mut items: Vec<usize> = numbers.iter().flat_map(|n| ag.items_numbered(*n)).collect();
    items.dedup();
    if items.is_empty() {
        return None;
    }
    let sentence_end = text::sentence_end(text, toks[p].start);
    let comma_after = toks.get(q).is_some_and(|t| t.start < sentence_end && text[toks[q - 1].end..t.start].contains(','));
    let set_off = toks.get(q).is_none_or(|t| t.start >= sentence_end) || comma_after || numbers.len() > 1;
    let names_title = || {
        let words: Vec<Heard> =
            toks[q.min(toks.len())..(q + 8).min(toks.len())].iter().filter(|t| t.start < sentence_end).map(|t| Heard::new(&t.w)).collect();
        ag.titles_named(&words, weights().title_share, true).iter().any(|(i, _)| items.contains(i))
    };
    // (taken one by one they could be any figure: "tar vi to runder")
    let listed = (taken || clause) && numbers.len() >= 2;
    // (the title said after the number confirms it as a number after a sak word does)
    let titled = (opens || clause || comma_after) && names_title();
    if !(titled || set_off && (opens || listed)) {
        return None;
    }
    let after: Vec<Tok> = toks[q.min(toks.len())..(q + 6).min(toks.len())].iter().filter(|t| t.start < sentence_end).cloned().collect();
    let postponed = cue("postponed").find(&after).is_some();
    items.sort_unstable();
    let kind = if postponed { CueKind::Postponed(items) } else { CueKind::Announce(items) };
    let mut c = cue_of(kind, if titled { 1.0 } else { weights().bare_number }, sentence_at);
    c.declared_joint = says_joint(&after);
    Some((c, q.max(p + 1)))
}

/// The item whose title the sentence names (two of its words or more) and whose presenter it
/// gives the word ("..., kommunedirektørens orientering, Espen, du har ordet"): the chair
/// introducing it, however the number was heard.
fn presented_title(ag: &Agenda, st: &[Tok], content: &[Heard]) -> Option<usize> {
    cue("handover").find(st)?;
    let presented = ag.presented_by(st);
    let named = ag.titles_named(content, weights().title_share, false);
    let mut of_presenter = named.iter().filter(|(i, _)| presented.contains(i));
    match (of_presenter.next(), of_presenter.next()) {
        (Some((i, _)), None) => Some(*i),
        _ => None,
    }
}

/// An item whose title is one word ("Eventuelt", "Referatsaker") named at the end of a clause
/// of a short sentence ("Og så sak nittito, eventuelt."), however the rest was heard: as an
/// adverb the word leads into something, as a title it stands last.
fn one_word_title_said(ag: &Agenda, sentence: &str) -> Option<usize> {
    if text::words(sentence).len() > 15 {
        return None;
    }
    let ends: Vec<String> = sentence
        .split([',', '.', '?', '!', ';', ':'])
        .filter_map(|c| text::words(c).last().cloned())
        .flat_map(|w| text::content_stems(&w))
        .collect();
    let mut found = ag.titles.iter().enumerate().filter(|(_, t)| t.len() == 1 && ends.contains(&t[0].0)).map(|(i, _)| i);
    match (found.next(), found.next()) {
        (Some(i), None) => Some(i),
        _ => None,
    }
}

/// "PS åttini er protokollen": a sak word as the sentence's first or second word.
fn opens_with_sak(st: &[Tok], ag: &Agenda) -> bool {
    (0..st.len().min(2)).any(|i| cue("sak_opening").word(&st[i].w) && !proposal_point(st, i, ag))
}

/// "punkt to" with no item 2 on the agenda: a point of a proposal, not an item.
fn proposal_point(st: &[Tok], i: usize, ag: &Agenda) -> bool {
    let readings = text::number_readings(st, i + 1);
    cue("proposal_points").word(&st[i].w) && !readings.is_empty() && !readings.iter().any(|(n, _)| ag.on_agenda(*n))
}

/// "Den nestesaken er ...": "neste sak" glued into one word, as heard.
fn glued_moves_on(st: &[Tok]) -> bool {
    static KEYS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let keys = KEYS.get_or_init(|| cue("moves_on_glued").phrases_words().iter().map(|w| text::phonetic(w)).collect());
    st.iter().filter(|t| t.w.chars().count() >= 7).any(|t| {
        let k = text::phonetic(&t.w);
        keys.iter().any(|g| text::similarity_chars(&k, g) >= 0.8)
    })
}

/// A sentence split where a clause after a comma moves on (", så er det ..."): speech
/// recognition often runs the chair's closing of one sak and the announcement of the next
/// into one sentence.
/// `true` marks a clause split off so: it announces only an item it names.
fn run_on_clauses(sentence: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut from = 0;
    for (i, _) in sentence.match_indices(", ") {
        let rest = &sentence[i + 2..];
        if i > from && cue("moves_on").starts(rest) {
            out.push((sentence[from..i + 1].trim().to_string(), from > 0));
            from = i + 2;
        }
    }
    out.push((sentence[from..].trim().to_string(), from > 0));
    out.retain(|c| !c.0.is_empty());
    out
}

/// Sentence-level cues: moving on (with a title read out, an announcement), titles alone,
/// the meeting's close, openings, breaks and a presenter given the word.
fn sentence_cues(text: &str, ag: &Agenda, cues: &mut Vec<Cue>) {
    let w = weights();
    let mut at = 0;
    for (sentence, run_on) in text::split_sentences(text).iter().flat_map(|s| run_on_clauses(s)) {
        let Some(off) = text[at..].find(sentence.as_str()).map(|o| o + at) else { continue };
        at = off + sentence.len();
        let st = text::tokens(&sentence);
        let numbered = cues.iter().any(|c| c.sentence_at == off && matches!(c.kind, CueKind::Announce(_) | CueKind::Postponed(_)));
        if !numbered {
            // the content words, with the forms title matching compares
            let heard: Vec<Heard> = st.iter().filter(|t| text::is_content(&t.w)).map(|t| Heard::new(&t.w)).collect();
            // "sak" and a number not on the agenda is an announcement whose number was misheard:
            // it counts as moving on, so the title words heard can still name the item.
            let says_sak = st.iter().enumerate().any(|(i, t)| {
                sak_word(&t.w).is_some()
                    && st.get(i + 1).is_some_and(|n| n.w.chars().any(|c| c.is_ascii_digit()) || text::number_value(&n.w).is_some())
                    && !proposal_point(&st, i, ag)
            });
            let moves_at = cue("moves_on").find(&st).map(|(i, _)| i);
            // a sak word or "neste sak" however heard, wherever in the sentence
            let sak_said = says_sak || opens_with_sak(&st, ag) || glued_moves_on(&st);
            let moves = (sak_said || moves_at.is_some()) && cue("not_items").find(&st).is_none();
            // Moving on with nothing named: only near the sentence's start ("Så er det ..."), not
            // in a clause after other words ("Etter loven er det klart, så er det ...").
            let next = moves && !run_on && (sak_said || moves_at.is_some_and(|i| i <= 3));
            let postponed = cue("postponed").find(&st).is_some();
            let min = if moves { w.title_share } else { w.title_only_share };
            let named = ag.titles_named(&heard, min, moves);
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
                let covered = heard.iter().filter(|w| items.iter().any(|&i| ag.title_has(i, w))).count();
                // "Da er vi ved ...": the chair's "vi" is the meeting; "jeg" speaks for oneself.
                st.len() <= 15 && !st.iter().any(|t| matches!(t.w.as_str(), "jeg" | "meg" | "min" | "mitt")) && covered * 2 >= heard.len()
            };
            // A title read out in full announces its item in any sentence ("..., så er det
            // orienteringen fra administrerende direktør", with the moving-on words misheard).
            let in_full = || items.len() == 1 && best >= 0.9 && heard.iter().filter(|w| ag.title_has(items[0], w)).count() >= 3;
            if !items.is_empty() && (moves || title_like() || in_full()) {
                let kind = if postponed { CueKind::Postponed(items) } else { CueKind::Announce(items) };
                let strength = if moves { 0.6 + 0.4 * best.min(1.0) } else { 0.5 * best.min(1.0) };
                let mut c = cue_of(kind, strength, off);
                c.declared_joint = declared;
                cues.push(c);
            } else if let Some(i) = presented_title(ag, &st, &heard).or_else(|| one_word_title_said(ag, &sentence)) {
                cues.push(cue_of(CueKind::Announce(vec![i]), 0.6, off));
            } else if next {
                cues.push(cue_of(CueKind::Next, 0.6, off));
            }
        }
        // (not "Takk for i dag, Kari.": one person leaving)
        let to_one = st.len() <= 8 && st.last().is_some_and(|t| ag.people.contains(&t.w));
        if cue("meeting_close").find(&st).is_some() && !to_one && !cues.iter().any(|c| c.kind == CueKind::Close) {
            cues.push(cue_of(CueKind::Close, 1.0, off));
        }
        if text::says_break(&st) && !cues.iter().any(|c| c.kind == CueKind::BreakWord) {
            cues.push(cue_of(CueKind::BreakWord, 1.0, off));
        }
        if cue("opening").find(&st).is_some() && !cues.iter().any(|c| c.kind == CueKind::Opening) {
            cues.push(cue_of(CueKind::Opening, 1.0, off));
        }
        // A short sentence giving a presenter the word.
        if st.len() <= 20 && (cue("handover").find(&st).is_some() || st.len() <= 6) {
            let items = ag.presented_by(&st);
            if !items.is_empty() {
                cues.push(cue_of(CueKind::Presenter(items), weights().presenter_cue, off));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // moved to the next meeting, "neste" heard with a Swedish vowel
        let c = find_cues("Sak trettifem rakk vi ikke i dag, den flytter vi til niste møte.", &ag);
        assert!(matches!(&c[0].kind, CueKind::Postponed(v) if v == &vec![2]), "{c:?}");
        // a misheard sak word with the number and the title after it is a full announcement
        let strength = |f: &str| find_cues(f, &ag).into_iter().find(|c| matches!(c.kind, CueKind::Announce(_))).map(|c| c.strength);
        let titled = strength("At vi har sagt trettifire, rapport om vedlikehold av skolebygg, den tar vi nå.").unwrap();
        let bare = strength("At vi har sagt trettifire, det var det.").unwrap();
        assert!(titled > bare, "{titled} {bare}");
        // numbers right after "tar vi", without a sak word
        assert_eq!(announced("Og som sagt, tar vi trettifire og trettifem, altså rapporten.", &ag), Some(vec![1, 2]));
        assert_eq!(announced("Og så tar vi to runder til.", &agenda(&[1, 2, 3])), None);
    }

    #[test]
    fn numbers_in_the_hundreds_and_bare_numbers_announce_their_item() {
        let ag = agenda(&[141, 142, 143]);
        for (f, n) in [
            ("Vi begynner med sak hundre og førtien.", 141),
            ("Så går vi til sak etthundreogførtito.", 142),
            ("Sak én-fire-tre, plan for beredskap.", 143),
            // the number alone opening the sentence, set off or joined
            ("Hundre og førtito, rapporten om skolebyggene.", 142),
            ("Da hundre og førtitre.", 143),
        ] {
            assert_eq!(announced(f, &ag), Some(ag.items_numbered(n)), "{f}");
        }
        let c = find_cues("Hundre og førtito og hundre og førtitre tar vi samlet.", &ag);
        assert!(matches!(&c[0].kind, CueKind::Announce(v) if v == &vec![1, 2]) && c[0].declared_joint, "{c:?}");
        // a figure opening a sentence is no announcement
        let small = agenda(&[33, 34, 35]);
        assert_eq!(announced("Trettifire personer står på venteliste.", &small), None);
        // the year said after the number is skipped, not read as another item
        let c = find_cues("Da går vi til sak trettifire skråstrek tjuefem.", &small);
        assert!(matches!(&c[0].kind, CueKind::Announce(v) if v == &vec![1]), "{c:?}");
    }

    #[test]
    fn a_one_word_title_said_last_in_a_clause_announces_its_item() {
        let ag = agenda(&[33, 34, 35, 36]);
        assert_eq!(announced("Og så saknet det to eventuelt, innod innod, hannet.", &ag), Some(vec![3]));
        // the adverb leads into something: no announcement
        assert_eq!(announced("Vi kan eventuelt ta det opp igjen på neste møte.", &ag), None);
    }

    #[test]
    fn a_passing_reference_to_a_sak_is_weaker_than_its_announcement() {
        let ag = agenda(&[33, 34, 35]);
        let strength = |t: &str| find_cues(t, &ag).into_iter().find(|c| matches!(c.kind, CueKind::Announce(_))).map(|c| c.strength);
        let passing = strength("Vedlegget til sak trettifem ble sendt ut i går.").unwrap();
        let announced_here = strength("Da er vi ved sak trettifem.").unwrap();
        assert!(passing < 0.7 && announced_here >= 0.7, "{passing} {announced_here}");
    }

    #[test]
    fn a_misheard_announcement_still_moves_on_to_the_title_named() {
        let ag = agenda(&[40, 41, 42, 43]);
        // a sak word opening the sentence, its number lost
        assert_eq!(announced("PS trøtt er rapporten om vedlikeholdet.", &ag), Some(vec![1]));
        // "neste sak" glued into one word
        assert_eq!(announced("Den nestesaken er vedlikeholdsrapporten.", &ag), Some(vec![1]));
        // "så er det" after other words is no moving on
        let next = |t: &str| find_cues(t, &ag).into_iter().any(|c| c.kind == CueKind::Next);
        assert!(next("Så er det neste sak."));
        assert!(!next("Etter loven er søsken inhabile, så er det ganske klart."));
        // a conclusion run on into the next announcement, as speech recognition writes it: the
        // clause that moves on announces the title it names, at its own start
        let run_on = "Bra, da slutter rådet seg til forslaget, så er det rapporten om vedlikeholdet av skolebyggene.";
        let c = find_cues(run_on, &ag);
        assert!(c.iter().any(|c| c.kind == CueKind::Announce(vec![1]) && c.sentence_at == run_on.find("så er det").unwrap()), "{c:?}");
    }

    #[test]
    fn a_number_or_a_presenter_with_the_title_announces_mid_sentence() {
        let toml = "council = \"R\"\nnumber = \"1\"\ndate = \"d\"\ntime = \"t\"\nplace = \"p\"\n\
            [[items]]\nsaksnr = \"FS 118/25\"\ntitle = \"Referatsaker\"\nsakstype = \"Orientering\"\n\
            [[items]]\nsaksnr = \"FS 119/25\"\ntitle = \"Tilskudd til ny kunstgressbane\"\nsakstype = \"Beslutning\"\n\
            [[items]]\nsaksnr = \"FS 120/25\"\ntitle = \"Kommunedirektørens orientering\"\nsakstype = \"Orientering\"\n\
            presenters = [{ name = \"Espen Vik\", organisation = \"Kommunedirektør\" }]\n";
        let ag = Agenda::new(&Meeting::parse(toml).unwrap());
        // a number heading a clause, the title after it
        assert_eq!(announced("Ingen merknader til referatsakene, hundrede nitten, tilskudd til kunstgressbanen.", &ag), Some(vec![1]));
        // a number in a clause without its title is a figure
        assert_eq!(announced("Det koster mye, hundre og nitten tusen kroner i året.", &ag), None);
        // the title and its presenter given the word
        assert_eq!(announced("Da kan en fem mere kommunedirektørens orientering, Espen, du har ordet.", &ag), Some(vec![2]));
        let passing = "Jeg synes kommunedirektørens orientering om økonomien var nyttig, og jeg har ett spørsmål om fondet til Espen.";
        assert_eq!(announced(passing, &ag), None);
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
    fn bare_numbers_listed_or_titled_announce_and_postponement_stays_with_its_number() {
        let ag = agenda(&[33, 34, 35]);
        let c = find_cues("Så har vi trettifire og trettifem, og dem tar vi sammen.", &ag);
        assert!(matches!(&c[0].kind, CueKind::Announce(v) if v == &vec![1, 2]) && c[0].declared_joint, "{c:?}");
        let c = find_cues("Neste sak. Det gjelder skolebyggene, trettifire og trettifem, som vi tar sammen.", &ag);
        assert!(c.iter().any(|c| matches!(&c.kind, CueKind::Announce(v) if v == &vec![1, 2]) && c.declared_joint), "{c:?}");
        // an opening number with its title after it, not set off by a comma
        assert_eq!(announced("Trettifire er rapporten om vedlikehold.", &ag), Some(vec![1]));
        // coming back to an item taken out of order
        assert_eq!(announced("Nå er vi tilbake på trettifire, rapporten om vedlikehold.", &ag), Some(vec![1]));
        // the postponement is said of another number than the one announced
        let c = find_cues("Da er vi kommet til sak trettifem, fordi trettifire er utsatt.", &ag);
        assert!(matches!(&c[0].kind, CueKind::Announce(v) if v == &vec![2]), "{c:?}");
        let c = find_cues("Sak trettifire utsetter vi, og så går vi til trettifem.", &ag);
        assert!(matches!(&c[0].kind, CueKind::Postponed(v) if v == &vec![1]), "{c:?}");
        // the points of a proposal are no items and no moving on
        let c = find_cues("Vi stemmer over forslaget til punkt to. Punkt en og tre er vi enige om.", &ag);
        assert!(c.iter().all(|c| !matches!(c.kind, CueKind::Announce(_) | CueKind::Next)), "{c:?}");
    }

    #[test]
    fn thanks_to_one_person_do_not_close_the_meeting() {
        let toml = "council = \"R\"\nnumber = \"1\"\ndate = \"d\"\ntime = \"t\"\nplace = \"p\"\n\
            [[members]]\nname = \"Randi Fossum\"\n\
            [[items]]\nsaksnr = \"1/25\"\ntitle = \"Budsjett\"\nsakstype = \"Vedtak\"\n";
        let ag = Agenda::new(&Meeting::parse(toml).unwrap());
        assert!(!find_cues("Takk for i dag, Randi.", &ag).iter().any(|c| c.kind == CueKind::Close));
        assert!(find_cues("Takk for i dag, alle sammen.", &ag).iter().any(|c| c.kind == CueKind::Close));
    }
}
