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
//!   `not_discussed`) and set `"manual": true`. [`SegmentStage`] keeps such items as they are,
//!   even when it reruns (new transcript, `--force`), and fits the other items around them;
//!   later stages read `segments.json`, so they use the corrected version. Set `manual` back to
//!   `false` (or delete the file) to let referat decide again. Meeting-file spans win over
//!   `segments.json` edits for the same item.

mod cues;
mod decoding;
mod scoring;
mod units;

use crate::artifact::{Inputs, ItemSegment, ItemStatus, OtherKind, OtherSpan, Segmentation, Span, Transcript, FORMAT_VERSION};
use crate::meeting::{parse_clock, Meeting};
use crate::stage::{Ctx, Made, Stage};
use crate::text;
use crate::workdir::{sha256_file, Hashed, WorkDir};
use anyhow::{bail, Result};
use cues::{Agenda, CueKind};
use decoding::{decode_best_order, Decoded};
use scoring::{boundary_confidence, time_scale, Problem};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;
use units::{build_units, find_breaks, Unit};

// ---------------------------------------------------------------- weights

/// The segmentation weights and limits from `rules.toml` (`segment.*`).
struct Weights {
    announce: f64,
    switch: f64,
    skip: f64,
    skip_formal: f64,
    joint: f64,
    gap: f64,
    time: f64,
    outside: f64,
    reorder: f64,
    move_min: f64,
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
    bare_number: f64,
}

fn weights() -> &'static Weights {
    static W: OnceLock<Weights> = OnceLock::new();
    W.get_or_init(|| {
        let t = |k: &str| text::threshold(&format!("segment.{k}"));
        Weights {
            announce: t("announce"),
            switch: t("switch"),
            skip: t("skip"),
            skip_formal: t("skip_formal"),
            joint: t("joint"),
            gap: t("gap"),
            time: t("time"),
            outside: t("outside"),
            reorder: t("reorder"),
            move_min: t("move_min"),
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
            bare_number: t("bare_number"),
        }
    })
}

/// Biggest number of items in one joint group.
const MAX_JOINT: usize = 3;

// ---------------------------------------------------------------- states

/// A state over positions in the item order being decoded.
#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Pre,
    /// Positions `first..=last` of the order; more than one = joint.
    Items(usize, usize),
    Post,
}

impl State {
    /// The first position of the order after this state (`m` = the order's length).
    fn after(self, m: usize) -> usize {
        match self {
            State::Pre => 0,
            State::Items(_, l) => l + 1,
            State::Post => m,
        }
    }

    /// The first position of the order this state covers (`m` after the last item).
    fn first(self, m: usize) -> usize {
        match self {
            State::Pre => 0,
            State::Items(f, _) => f,
            State::Post => m,
        }
    }

    /// (first, last) rank in the order, counting `Pre` as 0 and `Post` as `m + 1`: a state can
    /// follow another only if its first rank is above the other's last.
    fn rank(self, m: usize) -> (usize, usize) {
        match self {
            State::Pre => (0, 0),
            State::Items(f, l) => (f + 1, l + 1),
            State::Post => (m + 1, m + 1),
        }
    }
}

/// Manual constraints: per agenda index, its spans (empty = not discussed).
type Manual = BTreeMap<usize, Vec<Span>>;

// ---------------------------------------------------------------- segmentation

/// Segment the transcript into the meeting's items. See the module docs.
pub fn segment(meeting: &Meeting, transcript: &Transcript) -> Result<Segmentation> {
    segment_with_manual(meeting, transcript, &[], false)
}

/// [`segment`], keeping `manual` items (from an edited `segments.json`) as they are; `debug`
/// dumps the units and scores on stderr.
pub fn segment_with_manual(meeting: &Meeting, transcript: &Transcript, manual_items: &[ItemSegment], debug: bool) -> Result<Segmentation> {
    let m = meeting.items.len();
    let ag = Agenda::new(meeting);
    let manual = manual_constraints(meeting, manual_items);

    let (units, breaks) = find_breaks(build_units(transcript, &ag), meeting.breaks.len());
    if units.is_empty() && manual.len() < m {
        bail!(
            "the transcript has no text to segment: check transcript.json (rerun `referat transcribe`), \
             or give every item's spans in the meeting file"
        );
    }
    // Automatic spans never overlap breaks or manual spans.
    let mut break_spans: Vec<(f64, f64)> = breaks.iter().map(|b| (b.0, b.1)).collect();
    break_spans.extend(manual.values().flatten().map(|s| (s[0], s[1])));
    let duration = transcript.duration.max(units.last().map(|u| u.end).unwrap_or(0.0));

    let problem = Problem::new(meeting, &units, &manual, duration);
    let best = decode_best_order(&problem, m)?;
    if debug {
        debug_dump(&problem, &best, m)?;
    }
    let blocks = blocks(&best);
    let order = &best.order;

    let (mut items, mut other) = place_blocks(meeting, &problem, order, &blocks, &break_spans, duration);
    for (lo, hi, said) in &breaks {
        other.push(OtherSpan { kind: OtherKind::Break, label: break_label(meeting, duration, *lo, said), start: *lo, end: *hi });
    }
    apply_manual(&mut items, &manual, manual_items);
    merge_spans(&mut items);
    drop_unheld(&mut items, problem.units);
    let mut items = in_meeting_order(items, order);
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

/// Manual overrides: meeting file first, then segments.json edits.
fn manual_constraints(meeting: &Meeting, manual_items: &[ItemSegment]) -> Manual {
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
    manual
}

/// The debug dump (`REFERAT_DEBUG_SEGMENT` for the command line): the units with their cues, and the scores of the agenda order and
/// the chosen one, on stderr.
fn debug_dump(problem: &Problem, best: &Decoded, m: usize) -> Result<()> {
    for u in problem.units {
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
    Ok(())
}

/// Blocks of equal state in a decoding: (state, first unit, last unit).
fn blocks(best: &Decoded) -> Vec<(State, usize, usize)> {
    let mut blocks: Vec<(State, usize, usize)> = Vec::new();
    for (j, &k) in best.path.iter().enumerate() {
        let s = best.states[k];
        match blocks.last_mut() {
            Some((bs, _, e)) if *bs == s => *e = j,
            _ => blocks.push((s, j, j)),
        }
    }
    blocks
}

/// A break's label: an agenda break named in the announcement ("Da tar vi lunsj"), else the
/// agenda break planned nearest in time `t`.
fn break_label(meeting: &Meeting, duration: f64, t: f64, said: &str) -> String {
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
}

/// Spans from the blocks: a block runs from its first unit to the start of the next block
/// (silences inside belong to it), cut out where a break lies. Returns the items (agenda
/// order, manual ones left empty) and the pre- and after-meeting spans.
fn place_blocks(
    meeting: &Meeting,
    problem: &Problem,
    order: &[usize],
    blocks: &[(State, usize, usize)],
    break_spans: &[(f64, f64)],
    duration: f64,
) -> (Vec<ItemSegment>, Vec<OtherSpan>) {
    let units: &[Unit] = problem.units;
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
        let spans = cut_breaks([start, end], break_spans);
        match s {
            State::Pre | State::Post => {
                let kind = if s == State::Pre { OtherKind::PreMeeting } else { OtherKind::AfterMeeting };
                for sp in spans {
                    other.push(OtherSpan { kind, label: String::new(), start: sp[0], end: sp[1] });
                }
            }
            State::Items(f, l) => {
                let prev = blocks.get(bi.wrapping_sub(1)).map(|x| x.0);
                let c_start = boundary_confidence(units, problem, order, a, s, prev, bi == 0);
                let c_end = match blocks.get(bi + 1) {
                    Some(&(ns_, na, _)) => boundary_confidence(units, problem, order, na, ns_, Some(s), false),
                    None => 0.9,
                };
                let group: Vec<usize> = order[f..=l].to_vec();
                let saks: Vec<String> = group.iter().map(|&i| meeting.items[i].saksnr.clone()).collect();
                for &i in &group {
                    let it = &mut items[i];
                    if !problem.manual.contains_key(&i) {
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
    (items, other)
}

/// A sak given only a short span in which it is said to be postponed or not reached ("Da
/// utsetter vi sak 29") before anyone took it up, or a short last one nobody named (the closing words, given to the
/// agenda's last sak), was not discussed: it becomes not discussed and its span goes to the
/// sak it follows (or to none, at the start).
fn drop_unheld(items: &mut [ItemSegment], units: &[Unit]) {
    let (postponed_max, unnamed_min) = (text::threshold("segment.postponed_max"), text::threshold("segment.unnamed_min"));
    let opened_min = text::threshold("segment.postponed_opened");
    let last_end = items.iter().flat_map(|it| it.spans.iter().map(|s| s[1])).fold(0.0, f64::max);
    for i in 0..items.len() {
        let it = &items[i];
        if it.manual || it.status != ItemStatus::Discussed || !it.joint_with.is_empty() || it.spans.len() != 1 {
            continue;
        }
        let span = it.spans[0];
        let inside = units.iter().filter(|u| u.start >= span[0] - 0.01 && u.end <= span[1] + 0.01);
        let (mut named, mut postponed_at) = (false, None);
        for u in inside {
            for c in &u.cues {
                match &c.kind {
                    CueKind::Announce(x) if x.contains(&i) => named = true,
                    CueKind::Postponed(x) if x.contains(&i) => postponed_at = postponed_at.or(Some(u.start)),
                    _ => {}
                }
            }
        }
        // Opened, talked about, then postponed: the sak was taken up and gets its vedtak
        // ("utsettes"); postponed as it is named, it was not.
        let postponed = postponed_at.is_some_and(|t| !(named && t - span[0] >= opened_min));
        let dur = span[1] - span[0];
        let last = span[1] >= last_end - 0.01;
        if !((postponed && dur < postponed_max) || (last && !named && postponed_at.is_none() && dur < unnamed_min)) {
            continue;
        }
        items[i].status = ItemStatus::NotDiscussed;
        items[i].spans.clear();
        // The sak before it, every item of it when joint (they share their spans).
        for prev in items.iter_mut().filter(|p| p.status == ItemStatus::Discussed) {
            if let Some(last) = prev.spans.last_mut().filter(|s| (s[1] - span[0]).abs() < 0.01) {
                last[1] = span[1];
            }
        }
    }
}

/// The manual items as the secretary or the meeting file placed them.
fn apply_manual(items: &mut [ItemSegment], manual: &Manual, manual_items: &[ItemSegment]) {
    for (&i, spans) in manual {
        let it = &mut items[i];
        it.spans = spans.clone();
        it.status = if spans.is_empty() { ItemStatus::NotDiscussed } else { ItemStatus::Discussed };
        it.joint_with = manual_items.iter().find(|x| x.manual && x.saksnr == it.saksnr).map(|x| x.joint_with.clone()).unwrap_or_default();
        it.confidence = [1.0, 1.0];
        it.manual = true;
    }
}

/// Merge adjacent spans of one item (a block split only by a manual neighbour's removal).
fn merge_spans(items: &mut [ItemSegment]) {
    for it in items {
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
}

/// Items in the order the meeting took them: by where they start; items not discussed keep
/// their place in the decoded `order`.
fn in_meeting_order(items: Vec<ItemSegment>, order: &[usize]) -> Vec<ItemSegment> {
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
    keyed.into_iter().map(|(_, _, it)| it).collect()
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

// ---------------------------------------------------------------- stage

/// The segment stage: the transcript into `segments.json`. Items marked `manual` in an
/// existing `segments.json` are kept, even when forced (see the module docs).
pub struct SegmentStage<'a> {
    pub meeting_path: &'a Path,
    pub meeting: &'a Meeting,
    pub transcript: Hashed<Transcript>,
    /// Dump the units and scores on stderr.
    pub debug: bool,
}

impl<'a> SegmentStage<'a> {
    /// The stage over the work dir's transcript.
    pub fn new(meeting_path: &'a Path, meeting: &'a Meeting, wd: &WorkDir) -> Result<SegmentStage<'a>> {
        Ok(SegmentStage { meeting_path, meeting, transcript: wd.load_hashed("referat transcribe")?, debug: false })
    }
}

impl Stage for SegmentStage<'_> {
    type Output = Segmentation;
    const NAME: &'static str = "segment";
    const KEEPS_EDITS: bool = true;

    fn inputs(&self) -> Result<Inputs> {
        Ok(Inputs::from([
            ("meeting".to_string(), sha256_file(self.meeting_path)?),
            ("transcript".to_string(), self.transcript.sha256.clone()),
        ]))
    }

    fn run(&self, ctx: Ctx<'_, Segmentation>) -> Result<Made<Segmentation>> {
        let manual: Vec<ItemSegment> = ctx.previous.map(|o| o.items.into_iter().filter(|i| i.manual).collect()).unwrap_or_default();
        Ok(Made::new(segment_with_manual(self.meeting, &self.transcript.artifact, &manual, self.debug)?))
    }
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
    fn an_item_taken_after_a_joint_run_is_followed_there() {
        // 15/25 was skipped and is taken after 16/25 and 18/25, which went together
        let parts = [
            ("Da går vi til sak tretten.", "13/25"),
            ("Da går vi til sak fjorten.", "14/25"),
            ("Da går vi til sak seksten og atten, vi tar dem under ett.", "16/25"),
            ("", "18/25"),
            ("Vi hoppet visst over sak femten, den tar vi nå.", "15/25"),
            ("Da går vi til sak sytten.", "17/25"),
        ];
        let lines = script(&parts);
        let (t, starts) = transcript(&lines);
        let s = segment(&meeting(), &t).unwrap();
        assert_eq!(start(&s, "15/25"), at(&lines, &starts, "hoppet visst over"), "{s:?}");
        assert_eq!(item(&s, "16/25").joint_with, vec!["18/25".to_string()], "{s:?}");
        assert_eq!(item(&s, "16/25").spans[0][1], start(&s, "15/25"), "{s:?}");
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
        assert!(s.other.iter().any(|o| o.kind == OtherKind::AfterMeeting && o.start == end18), "{s:?}");
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
        let b = s.other.iter().find(|o| o.kind == OtherKind::Break).expect("a break");
        assert_eq!((b.start, b.end, b.label.as_str()), (lunch, back, "Lunsj"));
        assert_eq!(item(&s, "14/25").spans, vec![[start(&s, "14/25"), lunch]]);
        assert_eq!(start(&s, "15/25"), back);
        // a silence with no word about a break is one only while the agenda has a break to place
        let mut lines2 = script(&ALL);
        lines2.insert(3, "#pause 40");
        let (t2, _) = transcript(&lines2);
        let with_break = segment(&meeting(), &t2).unwrap();
        assert_eq!(with_break.other.iter().filter(|o| o.kind == OtherKind::Break).count(), 1);
        assert_eq!(item(&with_break, "13/25").spans.len(), 2, "the item goes on after the break");
        let mut no_breaks = meeting();
        no_breaks.breaks.clear();
        let s2 = segment(&no_breaks, &t2).unwrap();
        assert!(s2.other.iter().all(|o| o.kind != OtherKind::Break), "{s2:?}");
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
        let s = segment_with_manual(&meeting(), &t, &[edited], false).unwrap();
        assert_eq!(item(&s, "16/25").status, ItemStatus::NotDiscussed);
        assert!(item(&s, "16/25").manual);
        assert_eq!(item(&s, "15/25").spans[0][1], start(&s, "18/25"));
    }

    fn run_stage(mpath: &Path, m: &Meeting, wd: &WorkDir, force: bool) -> Result<Segmentation> {
        crate::stage::run_stage(wd, &SegmentStage::new(mpath, m, wd)?, force, &crate::progress::Silent)
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
