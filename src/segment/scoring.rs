//! Scoring: the evidence for each unit belonging to each item (lexical profiles, the planned
//! agenda times, who speaks), and the [`Scorer`] that turns it into the Viterbi's emission and
//! entry scores for one item order.

use super::cues::CueKind;
use super::units::{declared_groups, Unit};
use super::{weights, Manual, State, MAX_JOINT};
use crate::meeting::{parse_clock, Meeting};
use crate::text;
use std::collections::HashMap;

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

// ---------------------------------------------------------------- the problem

/// Everything the decoder needs that does not depend on the item order.
pub(super) struct Problem<'a> {
    pub(super) units: &'a [Unit],
    /// Per unit and agenda index: lexical evidence.
    pub(super) emit: Vec<Vec<f64>>,
    /// Per unit and agenda index: the (negative) time prior, applied to the items the decoded
    /// order keeps in agenda order (an item taken early is not where the agenda planned it).
    time: Vec<Vec<f64>>,
    /// Per unit: the agenda index a manual span forces it into.
    forced: Vec<Option<usize>>,
    pub(super) manual: &'a Manual,
    skip_cost: Vec<f64>,
    declared: Vec<Vec<usize>>,
    pub(super) gap_before: Vec<f64>,
    /// Per unit: evidence from who speaks. A sak starts where the chair takes the word, not in
    /// the middle of someone else's talk.
    turn_bonus: Vec<f64>,
}

impl<'a> Problem<'a> {
    /// The evidence for `units` (recording of `duration` seconds) against the meeting's items,
    /// with the `manual` spans as constraints.
    pub(super) fn new(meeting: &Meeting, units: &'a [Unit], manual: &'a Manual, duration: f64) -> Problem<'a> {
        let w = weights();
        let m = meeting.items.len();
        let n = units.len();
        let (emit, time) = evidence(meeting, units, duration);
        let forced: Vec<Option<usize>> = units
            .iter()
            .map(|u| {
                let mid = 0.5 * (u.start + u.end);
                manual.iter().find(|(_, spans)| spans.iter().any(|s| mid >= s[0] && mid < s[1])).map(|(i, _)| *i)
            })
            .collect();
        let mut postponed = vec![false; m];
        for u in units {
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
                // a formal approval (agenda, minutes) is taken, however briefly or garbled
                _ if meeting.items[i].sakstype == crate::meeting::Sakstype::Godkjenning => w.skip_formal,
                _ => w.skip,
            })
            .collect();
        let gap_before: Vec<f64> =
            (0..n).map(|j| if j == 0 { units[0].start } else { (units[j].start - units[j - 1].end).max(0.0) }).collect();
        let turn_bonus = turn_bonus(units);
        Problem { units, emit, time, forced, turn_bonus, manual, skip_cost, declared: declared_groups(units), gap_before }
    }
}

/// Per unit and agenda index: the lexical evidence, and the (negative) time prior from the
/// planned agenda times.
fn evidence(meeting: &Meeting, units: &[Unit], duration: f64) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let w = weights();
    let m = meeting.items.len();
    let n = units.len();
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
    (emit, time)
}

// ---------------------------------------------------------------- scores for one item order

/// The scores of the states over one item order (agenda indices): what the Viterbi adds for
/// a unit in a state (emission), for entering a state at a unit (entry), and for the items
/// skipped between two states.
pub(super) struct Scorer<'p, 'a> {
    p: &'p Problem<'a>,
    order: &'p [usize],
    /// Per agenda index: is the item kept in agenda order (see [`in_agenda_order`])?
    in_place: Vec<bool>,
    /// Skip costs summed over the order's prefixes.
    skip_prefix: Vec<f64>,
    /// Per run of positions `f..=l` (at `[f][l - f]`), what does not depend on the unit: its
    /// agenda indices sorted, its joint cost, and whether one of them is placed by hand. The
    /// decoding asks for them per unit and state, hours of meeting times hundreds of states.
    runs: Vec<Vec<Run>>,
}

struct Run {
    items: Vec<usize>,
    joint: f64,
    manual: bool,
}

impl<'p, 'a> Scorer<'p, 'a> {
    pub(super) fn new(p: &'p Problem<'a>, order: &'p [usize]) -> Self {
        let skip_prefix: Vec<f64> = std::iter::once(0.0)
            .chain(order.iter().scan(0.0, |acc, &i| {
                *acc += p.skip_cost[i];
                Some(*acc)
            }))
            .collect();
        let runs = (0..order.len())
            .map(|f| {
                (f..(f + MAX_JOINT).min(order.len()))
                    .map(|l| {
                        let mut items = order[f..=l].to_vec();
                        items.sort_unstable();
                        let joint = joint_cost(p, order, f, l, &items);
                        let manual = items.iter().any(|i| p.manual.contains_key(i));
                        Run { items, joint, manual }
                    })
                    .collect()
            })
            .collect();
        Scorer { p, order, in_place: in_agenda_order(order), skip_prefix, runs }
    }

    fn run(&self, f: usize, l: usize) -> &Run {
        &self.runs[f][l - f]
    }

    /// The cost of skipping every item before position `a` of the order.
    pub(super) fn skip_before(&self, a: usize) -> f64 {
        self.skip_prefix[a]
    }

    /// The cost of skipping the items at positions `a..b` of the order.
    pub(super) fn skip_between(&self, a: usize, b: usize) -> f64 {
        if b > a {
            self.skip_prefix[b] - self.skip_prefix[a]
        } else {
            0.0
        }
    }

    /// The evidence for unit `j` belonging to state `s` (minus infinity where the manual spans
    /// forbid it).
    pub(super) fn emission(&self, j: usize, s: State) -> f64 {
        let w = weights();
        let p = self.p;
        let d = (p.units[j].end - p.units[j].start).max(0.5);
        match s {
            State::Pre | State::Post => {
                if p.forced[j].is_some() {
                    f64::NEG_INFINITY
                } else {
                    -w.outside * d
                }
            }
            State::Items(f, l) => {
                let mine = &self.order[f..=l];
                if let Some(fi) = p.forced[j] {
                    if !mine.contains(&fi) {
                        return f64::NEG_INFINITY;
                    }
                } else if self.run(f, l).manual {
                    // a manually placed item gets no speech outside its spans
                    return f64::NEG_INFINITY;
                }
                mine.iter().map(|&i| p.emit[j][i] + if self.in_place[i] { p.time[j][i] } else { 0.0 }).fold(f64::NEG_INFINITY, f64::max)
            }
        }
    }

    /// The score for entering state `s` at unit `j`: the best cue for it, a silence before,
    /// who speaks, less the joint-group and switch costs.
    pub(super) fn entry(&self, j: usize, s: State) -> f64 {
        let w = weights();
        let p = self.p;
        let bonus = self.cue_bonus(j, s);
        let joint = match s {
            State::Items(f, l) => self.run(f, l).joint,
            _ => 0.0,
        };
        let gap = if j > 0 && p.gap_before[j] > 1.0 { w.gap * ((p.gap_before[j] - 1.0) / 10.0).min(1.0) } else { 0.0 };
        bonus + gap + p.turn_bonus[j] - joint - if j > 0 { w.switch } else { 0.0 }
    }

    /// The best bonus any cue of unit `j` gives for entering `s`.
    fn cue_bonus(&self, j: usize, s: State) -> f64 {
        let w = weights();
        let p = self.p;
        let mut bonus: f64 = 0.0;
        for c in &p.units[j].cues {
            let b = match (&c.kind, s) {
                (CueKind::Announce(set), State::Items(f, l)) => {
                    let mine = &self.run(f, l).items;
                    if set == mine {
                        w.announce * c.strength
                    } else if mine.iter().any(|i| set.contains(i)) {
                        w.announce * c.strength * 0.4
                    } else {
                        0.0
                    }
                }
                (CueKind::Next, State::Items(..)) => w.announce * 0.5 * c.strength,
                (CueKind::Presenter(set), State::Items(f, l)) if self.order[f..=l].iter().any(|i| set.contains(i)) => {
                    w.announce * c.strength
                }
                (CueKind::Close, State::Post) => w.announce * c.strength,
                // "velkommen" opens an item at the start and after a break; elsewhere it
                // greets a presenter
                (CueKind::Opening, State::Items(..)) if j == 0 || p.gap_before[j] >= w.break_min => w.announce * c.strength,
                _ => 0.0,
            };
            bonus = bonus.max(b);
        }
        bonus
    }
}

/// A joint group (positions `f..=l` of `order`, agenda indices `items` sorted) costs extra
/// unless the chair declared it; then splitting it costs.
fn joint_cost(p: &Problem, order: &[usize], f: usize, l: usize, items: &[usize]) -> f64 {
    let w = weights();
    if p.declared.iter().any(|d| d == items) {
        0.0
    } else if l > f {
        w.joint * (l - f) as f64
    } else if p.declared.iter().any(|d| d.contains(&order[f])) {
        w.joint
    } else {
        0.0
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
pub(super) fn moved_items(order: &[usize]) -> usize {
    in_agenda_order(order).iter().filter(|k| !**k).count()
}

/// Confidence in a boundary at unit `j` entering `s` from `prev`: an announcement is strong
/// evidence, a silence and a clear lexical contrast are weaker.
pub(super) fn boundary_confidence(
    units: &[Unit],
    p: &Problem,
    order: &[usize],
    j: usize,
    s: State,
    prev: Option<State>,
    first_block: bool,
) -> f64 {
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
pub(super) fn time_scale(meeting: &Meeting, duration: f64) -> f64 {
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
    for (i, g) in given.iter().enumerate() {
        let t = match *g {
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
