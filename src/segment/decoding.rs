//! Decoding: the Viterbi labelling of the units for one item order, and the search over item
//! orders (the agenda's, improved by moving items announced out of order).

use super::cues::CueKind;
use super::scoring::{moved_items, Problem, Scorer};
use super::{weights, State, MAX_JOINT};
use anyhow::{bail, Result};

/// One decoding: per unit the state, in terms of an item order, and its score.
pub(super) struct Decoded {
    pub(super) order: Vec<usize>,
    pub(super) states: Vec<State>,
    pub(super) path: Vec<usize>,
    pub(super) score: f64,
}

impl Problem<'_> {
    /// The states over `order`: before the meeting, each run of up to [`MAX_JOINT`] items not
    /// marked not-discussed by hand, after the meeting.
    fn states(&self, order: &[usize]) -> Vec<State> {
        let m = order.len();
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
        states
    }

    /// The best labelling of the units with the items taken in `order` (agenda indices).
    pub(super) fn decode(&self, order: &[usize]) -> Result<Decoded> {
        let m = order.len();
        let n = self.units.len();
        let states = self.states(order);
        let ns = states.len();
        let sc = Scorer::new(self, order);

        let mut score = vec![f64::NEG_INFINITY; ns];
        let mut back = vec![vec![usize::MAX; ns]; n];
        if n > 0 {
            for (k, &s) in states.iter().enumerate() {
                let e = sc.emission(0, s);
                if e == f64::NEG_INFINITY {
                    continue;
                }
                score[k] = -sc.skip_between(0, s.first(m)) + sc.entry(0, s) + e;
            }
        }
        for (j, back_j) in back.iter_mut().enumerate().skip(1) {
            let mut next = vec![f64::NEG_INFINITY; ns];
            let below = best_ending_below(&states, &score, &sc, m);
            for (t, &st) in states.iter().enumerate() {
                let e = sc.emission(j, st);
                if e == f64::NEG_INFINITY {
                    continue;
                }
                let ent = sc.entry(j, st);
                // staying in the state, or entering it from the best state that ends before it
                // (ties to the earlier state)
                let mut best = f64::NEG_INFINITY;
                let mut arg = usize::MAX;
                if score[t] != f64::NEG_INFINITY {
                    (best, arg) = (score[t], t);
                }
                if let Some((_, k)) = below[st.rank(m).0] {
                    let v = score[k] - sc.skip_between(states[k].after(m), st.first(m)) + ent;
                    if v > best || (v == best && k < arg) {
                        (best, arg) = (v, k);
                    }
                }
                if arg != usize::MAX {
                    next[t] = best + e;
                    back_j[t] = arg;
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
                let v = score[k] - sc.skip_between(s.after(m), m);
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

/// Per rank `r`, the state ending below it (its last rank under `r`) with the best score plus
/// the skip cost up to its end: the best state to enter a state starting at rank `r` from, as
/// skipping items costs a difference of prefix sums. One pass serves every state, so a step of
/// the decoding is linear in the states, not quadratic (a six-hour meeting has hundreds of
/// items). Ties go to the earlier state, as a scan in state order would pick.
fn best_ending_below(states: &[State], score: &[f64], sc: &Scorer, m: usize) -> Vec<Option<(f64, usize)>> {
    let mut by_end: Vec<Option<(f64, usize)>> = vec![None; m + 2];
    for (k, &s) in states.iter().enumerate() {
        if score[k] == f64::NEG_INFINITY {
            continue;
        }
        let v = score[k] + sc.skip_before(s.after(m));
        let end = s.rank(m).1;
        if by_end[end].is_none_or(|(b, _)| v > b) {
            by_end[end] = Some((v, k));
        }
    }
    let mut below = vec![None; m + 3];
    for r in 0..m + 2 {
        below[r + 1] = match (below[r], by_end[r]) {
            (Some((a, ka)), Some((b, kb))) => Some(if b > a || (b == a && kb < ka) { (b, kb) } else { (a, ka) }),
            (x, None) | (None, x) => x,
        };
    }
    below
}

/// The best decoding over item orders: the agenda's order, improved one move at a time by
/// taking an announced item to where its last strong announcement falls ("vi tar sak 58
/// først" said early is followed by the real start), while the score, less
/// `segment.reorder` per item out of agenda order, improves.
pub(super) fn decode_best_order(problem: &Problem, m: usize) -> Result<Decoded> {
    let w = weights();
    // Per item, its last announcement of at least `segment.move_min` (a move's target) and its
    // last announcement of any strength (to see what is out of order).
    let mut last: Vec<Option<usize>> = vec![None; m];
    let mut heard: Vec<Option<usize>> = vec![None; m];
    for (j, u) in problem.units.iter().enumerate() {
        for c in &u.cues {
            if let CueKind::Announce(set) = &c.kind {
                for &i in set {
                    heard[i] = Some(j);
                    if c.strength >= w.move_min {
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
        let mut candidates: Vec<Vec<usize>> = Vec::new();
        for (x, j) in last.iter().enumerate().filter_map(|(x, j)| j.map(|j| (x, j))).filter(|(x, _)| inverted(*x)) {
            // before or after the items decoded where it was announced (after all of them: a
            // run taken together may be two items the moved one belongs between or after)
            let (target, after) = match best.states[best.path[j]] {
                State::Items(f, l) if best.order[f..=l].contains(&x) => continue,
                State::Items(f, l) => (f, l + 1),
                State::Pre => (0, 1),
                State::Post => (m, m + 1),
            };
            let cur = best.order.iter().position(|&i| i == x).unwrap_or(0);
            let mut targets = vec![target, target + 1, after];
            targets.dedup();
            for t in targets {
                let mut o = best.order.clone();
                o.remove(cur);
                let at = if t > cur { t - 1 } else { t }.min(o.len());
                o.insert(at, x);
                if o != best.order {
                    candidates.push(o);
                }
            }
        }
        // the first best in candidate order, as one decoding after the other would choose
        let mut improved: Option<(Decoded, f64)> = None;
        for d in decode_all(problem, candidates)? {
            let adj = d.score - w.reorder * moved_items(&d.order) as f64;
            if adj > improved.as_ref().map_or(best_adj, |i| i.1) + 1e-9 {
                improved = Some((d, adj));
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

/// The decodings of `orders`, in their order, on all cores: a long meeting has many items
/// announced out of order (or numbers that sound alike), each a full decoding to try.
fn decode_all(problem: &Problem, orders: Vec<Vec<usize>>) -> Result<Vec<Decoded>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(orders.len()).max(1);
    let per = orders.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = orders
            .chunks(per)
            .map(|chunk| scope.spawn(move || chunk.iter().map(|o| problem.decode(o)).collect::<Result<Vec<_>>>()))
            .collect();
        let mut all = Vec::new();
        for h in handles {
            all.extend(h.join().map_err(|_| anyhow::anyhow!("a segmentation thread panicked"))??);
        }
        Ok(all)
    })
}
