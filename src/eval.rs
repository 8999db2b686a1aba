//! Score a work dir against a truth file: WER, segmentation, innspill, vedtak, flags.
//!
//! `referat eval --meeting M --out DIR --truth samples/ehelse-2025-06/truth.json` prints a Markdown table.
//! Each metric is computed only when its artifact exists in the work dir.
//!
//! Truth file (JSON): `{"audio", "duration", "items": [{"saksnr", "start", "end", "status",
//! "joint_with", "innspill", "aksjonspunkter", "vedtak"}], "breaks": [{"label", "start", "end"}],
//! "utterances": [{"start", "end", "speaker", "text", "item"}]}`.
//!
//! How each number is scored:
//! - **WER**: word edit distance / reference words, after [`normalize`]: lower case, every
//!   character that is not a letter or digit becomes a space, whitespace collapsed. Numbers are
//!   compared as written (the truth writes them as words, as spoken; a digit in the ASR output
//!   counts as an error against the word). Reference = the truth utterances in time order;
//!   hypothesis = the transcript's segments in order.
//! - **Boundaries**: per item discussed in both truth and output, |start − start| and
//!   |end − end| in seconds (output start/end = first span start / last span end); mean and max
//!   over all these boundaries. Items whose status differs are counted separately.
//! - **Pk / WindowDiff**: both time lines are labelled on a 1-second grid (label at t + 0.5 s):
//!   an item or joint group, each break, pre/after-meeting talk and unlabelled time are their
//!   own segments. k = half the mean length of the truth's discussed items (rounded, ≥ 1).
//!   Pk = share of positions i where "i and i+k are in the same segment" differs between truth
//!   and output; WindowDiff = share where the number of boundaries between i and i+k differs.
//! - **Innspill / aksjonspunkter recall and precision**: per item (joint groups pooled), truth
//!   bullets (a joint group's shared list counted once, even when each of its items repeats
//!   it) and draft bullets are matched one to one, greedily by decreasing score, where the
//!   score is the F1 of their sets of content tokens ([`crate::text::content_stems`]:
//!   normalised, Norwegian stop words removed, crudely stemmed); a pair matches when the F1 is at
//!   least [`BULLET_MATCH`]. Recall = matched / truth bullets, precision = matched / draft bullets.
//! - **Flagged**: share of the draft's lines (innspill, aksjonspunkter, vedtak) carrying a flag.
//! - **Vedtak**: per item with a truth vedtak, exact match after [`normalize`], and "close"
//!   match when the content-token F1 is at least [`VEDTAK_CLOSE`].

use crate::artifact::{Draft, ItemStatus, Segmentation, Transcript};
use crate::meeting::Meeting;
use crate::workdir::WorkDir;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};
use std::path::Path;

/// Minimum content-token F1 for a draft bullet to count as a truth bullet.
pub const BULLET_MATCH: f64 = 0.3;
/// Minimum content-token F1 for a vedtak to count as a close match.
pub const VEDTAK_CLOSE: f64 = 0.8;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Truth {
    #[serde(default)]
    pub audio: String,
    #[serde(default)]
    pub duration: f64,
    pub items: Vec<TruthItem>,
    #[serde(default)]
    pub breaks: Vec<TruthBreak>,
    #[serde(default)]
    pub utterances: Vec<TruthUtterance>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TruthItem {
    pub saksnr: String,
    #[serde(default)]
    pub start: Option<f64>,
    #[serde(default)]
    pub end: Option<f64>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub joint_with: Vec<String>,
    #[serde(default)]
    pub innspill: Vec<String>,
    #[serde(default)]
    pub aksjonspunkter: Vec<String>,
    #[serde(default)]
    pub vedtak: String,
}

impl TruthItem {
    pub fn discussed(&self) -> bool {
        self.status.as_deref().is_none_or(|s| s == "discussed") && self.start.is_some() && self.end.is_some()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TruthBreak {
    #[serde(default)]
    pub label: String,
    pub start: f64,
    pub end: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TruthUtterance {
    pub start: f64,
    pub end: f64,
    #[serde(default)]
    pub speaker: String,
    pub text: String,
    #[serde(default)]
    pub item: Option<String>,
}

impl Truth {
    pub fn load(path: &Path) -> Result<Truth> {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read truth file {}: check the path", path.display()))?;
        serde_json::from_str(&text)
            .with_context(|| format!("truth file {} is not valid truth JSON (see the format in src/eval.rs)", path.display()))
    }

    /// The length of the time line: the truth's duration, or its last time.
    pub fn length(&self) -> f64 {
        let mut d = self.duration;
        for i in &self.items {
            d = d.max(i.end.unwrap_or(0.0));
        }
        for u in &self.utterances {
            d = d.max(u.end);
        }
        d
    }
}

// ---------------------------------------------------------------- WER

/// Lower case, non-alphanumerics to spaces, whitespace collapsed.
pub fn normalize(text: &str) -> String {
    crate::text::words(text).join(" ")
}

/// Word error rate of `hypothesis` against `reference` after [`normalize`] (see module docs).
/// An empty reference gives 0 for an empty hypothesis, else 1.
pub fn wer(reference: &str, hypothesis: &str) -> f64 {
    let r: Vec<String> = crate::text::words(reference);
    let h: Vec<String> = crate::text::words(hypothesis);
    if r.is_empty() {
        return if h.is_empty() { 0.0 } else { 1.0 };
    }
    let mut prev: Vec<usize> = (0..=h.len()).collect();
    let mut cur = vec![0; h.len() + 1];
    for i in 1..=r.len() {
        cur[0] = i;
        for j in 1..=h.len() {
            let sub = prev[j - 1] + usize::from(r[i - 1] != h[j - 1]);
            cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[h.len()] as f64 / r.len() as f64
}

// ---------------------------------------------------------------- segmentation

#[derive(Debug, Clone, Default, Serialize)]
pub struct SegMetrics {
    pub mean_boundary_error: f64,
    pub max_boundary_error: f64,
    /// Boundaries compared (2 per item discussed in both).
    pub boundaries: usize,
    /// Items whose discussed / not discussed status differs.
    pub status_mismatches: usize,
    pub pk: f64,
    pub windowdiff: f64,
    pub k: usize,
}

fn group_key(saksnr: &str, joint: &[String]) -> String {
    let mut v: BTreeSet<&str> = joint.iter().map(|s| s.as_str()).collect();
    v.insert(saksnr);
    v.into_iter().collect::<Vec<_>>().join("+")
}

/// Truth labels on the 1-second grid.
pub fn truth_labels(truth: &Truth, n: usize) -> Vec<String> {
    let mut labels = vec!["none".to_string(); n];
    for it in truth.items.iter().filter(|i| i.discussed()) {
        let key = group_key(&it.saksnr, &it.joint_with);
        paint(&mut labels, it.start.unwrap_or(0.0), it.end.unwrap_or(0.0), &key);
    }
    for (i, b) in truth.breaks.iter().enumerate() {
        paint(&mut labels, b.start, b.end, &format!("break{i}:{}", b.label));
    }
    labels
}

/// Output labels on the 1-second grid.
pub fn seg_labels(seg: &Segmentation, n: usize) -> Vec<String> {
    let mut labels = vec!["none".to_string(); n];
    for it in &seg.items {
        let key = group_key(&it.saksnr, &it.joint_with);
        for s in &it.spans {
            paint(&mut labels, s[0], s[1], &key);
        }
    }
    for (i, o) in seg.other.iter().enumerate() {
        paint(&mut labels, o.start, o.end, &format!("{}{i}:{}", o.kind, o.label));
    }
    labels
}

fn paint(labels: &mut [String], start: f64, end: f64, key: &str) {
    for (t, l) in labels.iter_mut().enumerate() {
        let mid = t as f64 + 0.5;
        if mid >= start && mid < end {
            *l = key.to_string();
        }
    }
}

/// Segment index of each position: increments where the label changes.
fn run_ids(labels: &[String]) -> Vec<usize> {
    let mut id = 0;
    labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if i > 0 && *l != labels[i - 1] {
                id += 1;
            }
            id
        })
        .collect()
}

/// Pk (Beeferman et al.): share of windows (i, i+k) where truth and hypothesis disagree on
/// whether both ends lie in the same segment. 0 when there are no windows.
pub fn pk(reference: &[String], hypothesis: &[String], k: usize) -> f64 {
    let n = reference.len().min(hypothesis.len());
    if k == 0 || n <= k {
        return 0.0;
    }
    let (r, h) = (run_ids(&reference[..n]), run_ids(&hypothesis[..n]));
    let bad = (0..n - k).filter(|&i| (r[i] == r[i + k]) != (h[i] == h[i + k])).count();
    bad as f64 / (n - k) as f64
}

/// WindowDiff (Pevzner & Hearst): share of windows (i, i+k) where the number of boundaries
/// inside differs between truth and hypothesis.
pub fn windowdiff(reference: &[String], hypothesis: &[String], k: usize) -> f64 {
    let n = reference.len().min(hypothesis.len());
    if k == 0 || n <= k {
        return 0.0;
    }
    let (r, h) = (run_ids(&reference[..n]), run_ids(&hypothesis[..n]));
    let bad = (0..n - k).filter(|&i| r[i + k] - r[i] != h[i + k] - h[i]).count();
    bad as f64 / (n - k) as f64
}

/// Segmentation metrics of `seg` against `truth` (see module docs).
pub fn segmentation_metrics(truth: &Truth, seg: &Segmentation) -> SegMetrics {
    let mut errs = Vec::new();
    let mut status_mismatches = 0;
    for ti in &truth.items {
        let hi = seg.items.iter().find(|h| h.saksnr == ti.saksnr);
        let h_disc = hi.is_some_and(|h| h.status == ItemStatus::Discussed && !h.spans.is_empty());
        if ti.discussed() != h_disc {
            status_mismatches += 1;
            continue;
        }
        if let (true, Some(h)) = (h_disc, hi) {
            let hs = h.spans.iter().map(|s| s[0]).fold(f64::INFINITY, f64::min);
            let he = h.spans.iter().map(|s| s[1]).fold(f64::NEG_INFINITY, f64::max);
            errs.push((hs - ti.start.unwrap_or(0.0)).abs());
            errs.push((he - ti.end.unwrap_or(0.0)).abs());
        }
    }
    let lens: Vec<f64> = truth.items.iter().filter(|i| i.discussed()).map(|i| i.end.unwrap_or(0.0) - i.start.unwrap_or(0.0)).collect();
    let mean_len = if lens.is_empty() { 0.0 } else { lens.iter().sum::<f64>() / lens.len() as f64 };
    let k = ((mean_len / 2.0).round() as usize).max(1);
    let n = truth.length().ceil() as usize;
    let (r, h) = (truth_labels(truth, n), seg_labels(seg, n));
    SegMetrics {
        mean_boundary_error: if errs.is_empty() { 0.0 } else { errs.iter().sum::<f64>() / errs.len() as f64 },
        max_boundary_error: errs.iter().cloned().fold(0.0, f64::max),
        boundaries: errs.len(),
        status_mismatches,
        pk: pk(&r, &h, k),
        windowdiff: windowdiff(&r, &h, k),
        k,
    }
}

// ---------------------------------------------------------------- bullets and vedtak

pub use crate::text::token_f1;

/// Number of one-to-one matches (greedy by decreasing F1, at least `threshold`).
pub fn match_bullets(truth: &[String], draft: &[String], threshold: f64) -> usize {
    bullet_pairs(truth, draft, threshold).len()
}

/// The one-to-one matches themselves: (truth index, draft index, F1).
pub fn bullet_pairs(truth: &[String], draft: &[String], threshold: f64) -> Vec<(usize, usize, f64)> {
    let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
    for (i, t) in truth.iter().enumerate() {
        for (j, d) in draft.iter().enumerate() {
            let f = token_f1(t, d);
            if f >= threshold {
                pairs.push((f, i, j));
            }
        }
    }
    // deterministic order: score, then positions
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let (mut ut, mut ud) = (vec![false; truth.len()], vec![false; draft.len()]);
    let mut out = Vec::new();
    for (f, i, j) in pairs {
        if !ut[i] && !ud[j] {
            ut[i] = true;
            ud[j] = true;
            out.push((i, j, f));
        }
    }
    out
}

/// What was matched and what was not, per item group: for reading an evaluation, not for
/// the figures.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ItemDetail {
    pub saker: String,
    pub matched: Vec<(String, String, f64)>,
    pub missed: Vec<String>,
    pub extra: Vec<String>,
}

fn detail(saker: &str, truth: &[String], draft: &[String]) -> ItemDetail {
    let pairs = bullet_pairs(truth, draft, BULLET_MATCH);
    ItemDetail {
        saker: saker.to_string(),
        matched: pairs.iter().map(|(i, j, f)| (truth[*i].clone(), draft[*j].clone(), (f * 100.0).round() / 100.0)).collect(),
        missed: truth.iter().enumerate().filter(|(i, _)| !pairs.iter().any(|p| p.0 == *i)).map(|(_, t)| t.clone()).collect(),
        extra: draft.iter().enumerate().filter(|(j, _)| !pairs.iter().any(|p| p.1 == *j)).map(|(_, d)| d.clone()).collect(),
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct BulletMetrics {
    pub truth: usize,
    pub draft: usize,
    pub matched: usize,
}

impl BulletMetrics {
    pub fn recall(&self) -> f64 {
        if self.truth == 0 {
            1.0
        } else {
            self.matched as f64 / self.truth as f64
        }
    }
    pub fn precision(&self) -> f64 {
        if self.draft == 0 {
            1.0
        } else {
            self.matched as f64 / self.draft as f64
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DraftMetrics {
    pub innspill: BulletMetrics,
    pub aksjonspunkter: BulletMetrics,
    pub lines: usize,
    pub flagged: usize,
    pub vedtak_items: usize,
    pub vedtak_exact: usize,
    pub vedtak_close: usize,
    /// Innspill bullets with a first-person word (the referat's register has none).
    pub first_person: usize,
    /// Per item group: the innspill matched, missed and extra.
    pub details: Vec<ItemDetail>,
    /// Per item: (saksnr, truth vedtak, drafted vedtak, F1).
    pub vedtak: Vec<(String, String, String, f64)>,
}

/// The bullets in order, each text once.
fn dedup(bullets: Vec<String>) -> Vec<String> {
    let mut seen = HashSet::new();
    bullets.into_iter().filter(|b| seen.insert(normalize(b))).collect()
}

/// Draft metrics against the truth (see module docs).
pub fn draft_metrics(truth: &Truth, draft: &Draft) -> DraftMetrics {
    let mut m = DraftMetrics::default();
    // Pool bullets per joint group: the shared list may stand on either item.
    let mut done: HashSet<String> = HashSet::new();
    for ti in &truth.items {
        let key = group_key(&ti.saksnr, &ti.joint_with);
        if !done.insert(key.clone()) {
            continue;
        }
        let members: Vec<&str> = key.split('+').collect();
        let t_in: Vec<String> =
            truth.items.iter().filter(|x| members.contains(&x.saksnr.as_str())).flat_map(|x| x.innspill.clone()).collect();
        // A joint group's shared list may be written out on each of its items: count each
        // truth bullet once.
        let t_in = dedup(t_in);
        let t_ak: Vec<String> =
            truth.items.iter().filter(|x| members.contains(&x.saksnr.as_str())).flat_map(|x| x.aksjonspunkter.clone()).collect();
        let t_ak = dedup(t_ak);
        let d_items: Vec<_> = draft.items.iter().filter(|x| members.contains(&x.saksnr.as_str())).collect();
        let d_in: Vec<String> = d_items.iter().flat_map(|x| x.innspill.iter().map(|l| l.text.clone())).collect();
        m.first_person += d_in.iter().filter(|b| crate::text::words(b).iter().any(|w| crate::text::is_first_person(w))).count();
        let d_ak: Vec<String> = d_items.iter().flat_map(|x| x.aksjonspunkter.iter().map(|l| l.text.clone())).collect();
        m.innspill.truth += t_in.len();
        m.innspill.draft += d_in.len();
        m.innspill.matched += match_bullets(&t_in, &d_in, BULLET_MATCH);
        m.details.push(detail(&key, &t_in, &d_in));
        m.aksjonspunkter.truth += t_ak.len();
        m.aksjonspunkter.draft += d_ak.len();
        m.aksjonspunkter.matched += match_bullets(&t_ak, &d_ak, BULLET_MATCH);
    }
    for d in &draft.items {
        for l in d.innspill.iter().chain(&d.aksjonspunkter).chain(std::iter::once(&d.vedtak)) {
            if l.text.trim().is_empty() {
                continue;
            }
            m.lines += 1;
            m.flagged += usize::from(l.is_flagged());
        }
    }
    for ti in truth.items.iter().filter(|t| !t.vedtak.trim().is_empty()) {
        m.vedtak_items += 1;
        if let Some(d) = draft.items.iter().find(|d| d.saksnr == ti.saksnr) {
            m.vedtak_exact += usize::from(normalize(&d.vedtak.text) == normalize(&ti.vedtak));
            let f = token_f1(&ti.vedtak, &d.vedtak.text);
            m.vedtak_close += usize::from(f >= VEDTAK_CLOSE);
            m.vedtak.push((ti.saksnr.clone(), ti.vedtak.clone(), d.vedtak.text.clone(), (f * 100.0).round() / 100.0));
        }
    }
    m
}

// ---------------------------------------------------------------- report

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub wer: Option<f64>,
    pub segmentation: Option<SegMetrics>,
    pub draft: Option<DraftMetrics>,
}

/// Score the artifacts in `wd` against the truth file, the draft as delivered. Missing
/// artifacts are left out.
pub fn evaluate(meeting: &Meeting, wd: &WorkDir, truth_path: &Path) -> Result<Report> {
    let truth = Truth::load(truth_path)?;
    let mut r = Report::default();
    if let Some(t) = wd.load_opt::<Transcript>()? {
        let mut utts = truth.utterances.clone();
        utts.sort_by(|a, b| a.start.total_cmp(&b.start));
        let reference: Vec<&str> = utts.iter().map(|u| u.text.as_str()).collect();
        let hyp: Vec<&str> = t.segments.iter().map(|s| s.text.as_str()).collect();
        r.wer = Some(wer(&reference.join(" "), &hyp.join(" ")));
    }
    if let Some(s) = wd.load_opt::<Segmentation>()? {
        r.segmentation = Some(segmentation_metrics(&truth, &s));
    }
    if let Some(d) = wd.load_opt::<Draft>()? {
        // scored as the secretary gets it (a Nynorsk referat in Nynorsk)
        r.draft = Some(draft_metrics(&truth, crate::export::delivered(meeting, &d)?.as_ref()));
    }
    Ok(r)
}

impl Report {
    pub fn to_markdown(&self) -> String {
        let mut s = String::from("| metric | value |\n|---|---|\n");
        let na = "– (artifact missing)";
        match self.wer {
            Some(w) => s += &format!("| WER | {:.3} |\n", w),
            None => s += &format!("| WER | {na} |\n"),
        }
        match &self.segmentation {
            Some(g) => {
                s += &format!("| boundary error, mean (s) | {:.1} |\n", g.mean_boundary_error);
                s += &format!("| boundary error, max (s) | {:.1} |\n", g.max_boundary_error);
                s += &format!("| boundaries compared | {} |\n", g.boundaries);
                s += &format!("| item status mismatches | {} |\n", g.status_mismatches);
                s += &format!("| Pk (k = {} s) | {:.3} |\n", g.k, g.pk);
                s += &format!("| WindowDiff (k = {} s) | {:.3} |\n", g.k, g.windowdiff);
            }
            None => s += &format!("| segmentation | {na} |\n"),
        }
        match &self.draft {
            Some(d) => {
                s += &format!(
                    "| innspill recall | {:.2} ({}/{}) |\n| innspill precision | {:.2} ({}/{}) |\n",
                    d.innspill.recall(),
                    d.innspill.matched,
                    d.innspill.truth,
                    d.innspill.precision(),
                    d.innspill.matched,
                    d.innspill.draft
                );
                s += &format!(
                    "| aksjonspunkter recall | {:.2} ({}/{}) |\n| aksjonspunkter precision | {:.2} ({}/{}) |\n",
                    d.aksjonspunkter.recall(),
                    d.aksjonspunkter.matched,
                    d.aksjonspunkter.truth,
                    d.aksjonspunkter.precision(),
                    d.aksjonspunkter.matched,
                    d.aksjonspunkter.draft
                );
                let share = if d.lines == 0 { 0.0 } else { d.flagged as f64 / d.lines as f64 };
                s += &format!("| flagged lines | {:.2} ({}/{}) |\n", share, d.flagged, d.lines);
                s += &format!("| vedtak exact | {}/{} |\n", d.vedtak_exact, d.vedtak_items);
                s += &format!("| vedtak close (F1 ≥ {VEDTAK_CLOSE}) | {}/{} |\n", d.vedtak_close, d.vedtak_items);
            }
            None => s += &format!("| draft | {na} |\n"),
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(s: &str) -> Vec<String> {
        s.chars().map(|c| c.to_string()).collect()
    }

    #[test]
    fn wer_counts_edits_after_normalisation() {
        assert_eq!(wer("Da går vi til sak fjorten.", "da går vi til sak fjorten"), 0.0);
        // one substitution, one deletion in 6 words
        assert!((wer("da går vi til sak fjorten", "da gikk vi til sak") - 2.0 / 6.0).abs() < 1e-12);
        // insertion
        assert!((wer("a b", "a x b") - 0.5).abs() < 1e-12);
        assert_eq!(wer("", ""), 0.0);
        assert_eq!(wer("", "x"), 1.0);
        assert_eq!(normalize("  Sak 13/25:  Godkjenning!"), "sak 13 25 godkjenning");
    }

    #[test]
    fn pk_and_windowdiff_by_hand() {
        // ref: AAAABBBB (boundary after 4), hyp: AAAAAABB (boundary after 6), k = 2.
        // windows i=0..5 (n-k=6): ref same? i:0 AA y,1 AA y,2 AB n,3 AB n,4 BB y,5 BB y
        // hyp same?                 0 y, 1 y, 2 y, 3 y, 4 AB n, 5 AB n  -> differ at 2,3,4,5
        let r = l("AAAABBBB");
        let h = l("AAAAAABB");
        assert!((pk(&r, &h, 2) - 4.0 / 6.0).abs() < 1e-12);
        // boundary counts equal the "same" disagreement here (at most one boundary per window)
        assert!((windowdiff(&r, &h, 2) - 4.0 / 6.0).abs() < 1e-12);
        // identical → 0
        assert_eq!(pk(&r, &r, 2), 0.0);
        // ref ABAB.. with k=2: every window holds 2 boundaries in ref; hyp AAAA.. none.
        // Pk: ref windows are i and i+2: different segments (A≠ run) → ref "not same" everywhere;
        // hyp "same" everywhere → Pk = 1. WindowDiff: 2 vs 0 → 1.
        let r2 = l("ABABAB");
        let h2 = l("AAAAAA");
        assert_eq!(pk(&r2, &h2, 2), 1.0);
        assert_eq!(windowdiff(&r2, &h2, 2), 1.0);
        // WindowDiff differs from Pk: ref AABBCC, hyp AAAACC, k=3, windows i=0..2
        // ref boundaries in (i, i+3]: i0: 1 (2), i1: 2 (2,4), i2: 1 (4)
        // hyp boundaries:             i0: 0, i1: 1 (4), i2: 1 (4)   → WD = 2/3
        // ref same? all no; hyp same? i0 yes, i1 no, i2 no → Pk = 1/3
        let r3 = l("AABBCC");
        let h3 = l("AAAACC");
        assert!((windowdiff(&r3, &h3, 3) - 2.0 / 3.0).abs() < 1e-12);
        assert!((pk(&r3, &h3, 3) - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn segmentation_metrics_on_a_small_case() {
        use crate::artifact::{ItemSegment, Segmentation};
        let truth: Truth = serde_json::from_str(
            r#"{"duration": 100, "items": [
                {"saksnr": "1/25", "start": 0, "end": 40, "status": "discussed"},
                {"saksnr": "2/25", "start": 40, "end": 100, "status": "discussed"},
                {"saksnr": "3/25", "start": null, "end": null, "status": "not_discussed"}]}"#,
        )
        .unwrap();
        let item = |s: &str, spans: Vec<[f64; 2]>| ItemSegment {
            saksnr: s.into(),
            status: if spans.is_empty() { ItemStatus::NotDiscussed } else { ItemStatus::Discussed },
            spans,
            joint_with: vec![],
            confidence: [1.0, 1.0],
            manual: false,
        };
        let seg = Segmentation {
            version: 1,
            inputs: Default::default(),
            items: vec![item("1/25", vec![[0.0, 50.0]]), item("2/25", vec![[50.0, 100.0]]), item("3/25", vec![])],
            other: vec![],
        };
        let m = segmentation_metrics(&truth, &seg);
        // errors: 0, 10, 10, 0
        assert_eq!(m.boundaries, 4);
        assert!((m.mean_boundary_error - 5.0).abs() < 1e-12);
        assert_eq!(m.max_boundary_error, 10.0);
        assert_eq!(m.status_mismatches, 0);
        // k = round(50/2) = 25; windows i = 0..74; disagree where exactly one of the two has the
        // boundary inside (i, i+25]: ref boundary at 40 → i in 15..=39, hyp at 50 → i in 25..=49;
        // disagreement i in 15..=24 and 40..=49 → 20 of 75.
        assert_eq!(m.k, 25);
        assert!((m.pk - 20.0 / 75.0).abs() < 1e-12, "{}", m.pk);
        assert!((m.windowdiff - 20.0 / 75.0).abs() < 1e-12);
    }

    #[test]
    fn bullets_match_one_to_one_by_content_overlap() {
        let truth = vec![
            "Kommunene trenger tydeligere krav før anskaffelser.".to_string(),
            "Samtykke til kjernejournal bør forenkles.".to_string(),
        ];
        let draft = vec![
            "Kommunene trenger tydelige krav før anskaffelsene.".to_string(),
            "Kommunene trenger krav.".to_string(),
            "Prismodellen må vurderes på nytt.".to_string(),
        ];
        // "tydeligere" vs "tydelige" stems differ; kommun, trenger→treng, krav, anskaffels... match
        assert!(token_f1(&truth[0], &draft[0]) >= BULLET_MATCH);
        assert_eq!(token_f1(&truth[1], &draft[2]), 0.0);
        // draft 0 and 1 both match truth 0; one-to-one gives one match
        assert_eq!(match_bullets(&truth, &draft, BULLET_MATCH), 1);
    }

    #[test]
    fn a_joint_groups_repeated_truth_list_counts_once() {
        let v = |s: &str| s.split('|').map(String::from).collect::<Vec<_>>();
        assert_eq!(dedup(v("A b.|Cc dd.|a b.|Ee.")), v("A b.|Cc dd.|Ee."));
    }
}
