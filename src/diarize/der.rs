//! Diarization error rate: (missed speech + false alarm + speaker confusion) / truth speech,
//! on 10 ms frames, with a collar around every truth boundary left unscored and the optimal
//! one-to-one mapping of hypothesis to truth speakers (Hungarian algorithm). One speaker per
//! frame on each side (the sample meetings have no overlapping speech).

use std::collections::HashMap;

/// A labelled stretch of time.
#[derive(Debug, Clone, PartialEq)]
pub struct Labelled {
    pub start: f64,
    pub end: f64,
    pub speaker: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Der {
    /// Scored truth speech, seconds.
    pub speech: f64,
    pub missed: f64,
    pub false_alarm: f64,
    pub confusion: f64,
}

impl Der {
    pub fn rate(&self) -> f64 {
        (self.missed + self.false_alarm + self.confusion) / self.speech.max(1e-9)
    }
    pub fn add(&mut self, o: Der) {
        self.speech += o.speech;
        self.missed += o.missed;
        self.false_alarm += o.false_alarm;
        self.confusion += o.confusion;
    }
}

const STEP: f64 = 0.01;

/// Frame labels: index into `names`, or None.
fn frames(spans: &[Labelled], n: usize, names: &mut Vec<String>) -> Vec<Option<usize>> {
    let mut f = vec![None; n];
    for s in spans {
        let id = names.iter().position(|x| *x == s.speaker).unwrap_or_else(|| {
            names.push(s.speaker.clone());
            names.len() - 1
        });
        let a = ((s.start / STEP).round().max(0.0) as usize).min(n);
        let b = ((s.end / STEP).round().max(0.0) as usize).min(n);
        f[a..b].iter_mut().for_each(|x| *x = Some(id));
    }
    f
}

/// DER of `hyp` against `truth` with `collar` seconds unscored on each side of every truth
/// boundary.
pub fn der(truth: &[Labelled], hyp: &[Labelled], collar: f64) -> Der {
    let end = truth.iter().chain(hyp).map(|s| s.end).fold(0.0, f64::max);
    let n = (end / STEP).ceil() as usize + 1;
    let (mut tn, mut hn) = (Vec::new(), Vec::new());
    let tf = frames(truth, n, &mut tn);
    let hf = frames(hyp, n, &mut hn);
    let mut scored = vec![true; n];
    let c = (collar / STEP).round() as usize;
    for s in truth {
        for t in [s.start, s.end] {
            let m = (t / STEP).round() as usize;
            scored[m.saturating_sub(c)..(m + c).min(n)].iter_mut().for_each(|x| *x = false);
        }
    }
    // Co-occurrence (truth × hyp) on scored frames.
    let mut co: HashMap<(usize, usize), f64> = HashMap::new();
    let mut out = Der::default();
    for i in (0..n).filter(|&i| scored[i]) {
        match (tf[i], hf[i]) {
            (Some(t), Some(h)) => {
                *co.entry((t, h)).or_default() += STEP;
                out.speech += STEP;
            }
            (Some(_), None) => {
                out.speech += STEP;
                out.missed += STEP;
            }
            (None, Some(_)) => out.false_alarm += STEP,
            (None, None) => {}
        }
    }
    let matched: f64 = {
        let k = tn.len().max(hn.len());
        let mut cost = vec![vec![0f64; k]; k];
        for (&(t, h), &v) in &co {
            cost[t][h] = -v;
        }
        let assignment = hungarian(&cost);
        assignment.iter().enumerate().map(|(t, &h)| co.get(&(t, h)).copied().unwrap_or(0.0)).sum()
    };
    let both: f64 = co.values().sum();
    out.confusion = both - matched;
    out
}

/// Minimum-cost assignment for a square cost matrix (rows to columns), O(n³).
pub fn hungarian(cost: &[Vec<f64>]) -> Vec<usize> {
    let n = cost.len();
    if n == 0 {
        return vec![];
    }
    // e-maxx formulation, 1-based with a virtual column 0.
    let inf = f64::INFINITY;
    let (mut u, mut v) = (vec![0f64; n + 1], vec![0f64; n + 1]);
    let mut p = vec![0usize; n + 1];
    let mut way = vec![0usize; n + 1];
    for i in 1..=n {
        p[0] = i;
        let mut j0 = 0;
        let mut minv = vec![inf; n + 1];
        let mut used = vec![false; n + 1];
        loop {
            used[j0] = true;
            let i0 = p[j0];
            let mut delta = inf;
            let mut j1 = 0;
            for j in 1..=n {
                if !used[j] {
                    let cur = cost[i0 - 1][j - 1] - u[i0] - v[j];
                    if cur < minv[j] {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if minv[j] < delta {
                        delta = minv[j];
                        j1 = j;
                    }
                }
            }
            for j in 0..=n {
                if used[j] {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if p[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    let mut row_to_col = vec![0usize; n];
    for j in 1..=n {
        if p[j] > 0 {
            row_to_col[p[j] - 1] = j - 1;
        }
    }
    row_to_col
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(s: f64, e: f64, who: &str) -> Labelled {
        Labelled { start: s, end: e, speaker: who.into() }
    }

    #[test]
    fn renamed_speakers_score_zero_and_a_swap_scores_its_length() {
        let truth = vec![l(0.0, 10.0, "A"), l(10.0, 20.0, "B"), l(20.0, 30.0, "A")];
        let same = vec![l(0.0, 10.0, "x"), l(10.0, 20.0, "y"), l(20.0, 30.0, "x")];
        assert!(der(&truth, &same, 0.25).rate() < 1e-9);
        // The last 10 s given to B: 10 s of confusion out of (30 - collars) s.
        let wrong = vec![l(0.0, 10.0, "x"), l(10.0, 30.0, "y")];
        let d = der(&truth, &wrong, 0.0);
        assert!((d.confusion - 10.0).abs() < 0.02 && (d.speech - 30.0).abs() < 0.02, "{d:?}");
        // Missed and false alarm.
        let d = der(&truth[..1], &[l(2.0, 12.0, "x")], 0.0);
        assert!((d.missed - 2.0).abs() < 0.02 && (d.false_alarm - 2.0).abs() < 0.02, "{d:?}");
    }

    #[test]
    fn hungarian_finds_the_best_assignment() {
        let c = vec![vec![4.0, 1.0, 3.0], vec![2.0, 0.0, 5.0], vec![3.0, 2.0, 2.0]];
        let a = hungarian(&c);
        let total: f64 = a.iter().enumerate().map(|(i, &j)| c[i][j]).sum();
        assert_eq!(total, 5.0);
    }
}
