//! "Lag nytt utkast" on the review page: re-segment, then re-draft some saker with the
//! language model, in a background thread (one job at a time) whose progress the page polls.
//! The new lines replace those saker's lines in draft.json; the secretary's reviews are carried
//! over to them ([`crate::review::carry_over`]), so nothing accepted or edited is lost.
//!
//! Only the stages' public functions are used (`segment::SegmentStage`, `draft::draft_with_stats`
//! on a segmentation holding just the saker to redo), so the drafting stays the pipeline's own.

use super::{bad, build_state, conflict, save_review, ApiError, App, STALE};
use crate::artifact::{Artifact, Draft, Segmentation, Transcript};
use crate::draft;
use crate::review::edit;
use crate::review::{carry_over, last_id, Review};
use crate::workdir::{sha256_bytes, write_atomic};
use anyhow::{Context, Result};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use indicatif::ProgressBar;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The one re-draft job of the server (the last one, when none is running).
#[derive(Default)]
pub struct Jobs {
    inner: Mutex<Option<Job>>,
}

struct Job {
    id: u64,
    saker: Vec<String>,
    started: Instant,
    phase: &'static str,
    /// Advanced by the drafting stage (one step per member turn and per sak).
    progress: ProgressBar,
    drafting_since: Option<Instant>,
    end: Option<(bool, String, f64)>,
}

/// The job as the page sees it.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct JobView {
    /// 0 before the first job; each job has its own, so the page reports each end once.
    pub id: u64,
    /// `idle`, `running`, `done` or `failed`.
    pub state: &'static str,
    pub saker: Vec<String>,
    /// What it is doing now (Norwegian).
    pub phase: String,
    pub done: u64,
    pub total: u64,
    pub elapsed_secs: f64,
    /// Estimated seconds left while drafting, once a step is done.
    pub eta_secs: Option<f64>,
    /// When finished: what came out, or what went wrong (Norwegian).
    pub message: String,
}

impl Jobs {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Job>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn running(&self) -> bool {
        self.lock().as_ref().is_some_and(|j| j.end.is_none())
    }

    /// Start a job unless one is running; returns its progress bar.
    fn begin(&self, saker: Vec<String>) -> Option<ProgressBar> {
        let mut g = self.lock();
        if g.as_ref().is_some_and(|j| j.end.is_none()) {
            return None;
        }
        let id = g.as_ref().map_or(1, |j| j.id + 1);
        let progress = ProgressBar::hidden();
        *g =
            Some(Job { id, saker, started: Instant::now(), phase: "Starter", progress: progress.clone(), drafting_since: None, end: None });
        Some(progress)
    }

    fn update(&self, f: impl FnOnce(&mut Job)) {
        if let Some(j) = self.lock().as_mut() {
            f(j);
        }
    }

    fn phase(&self, phase: &'static str) {
        self.update(|j| {
            j.phase = phase;
            if phase == DRAFTING {
                j.drafting_since = Some(Instant::now());
            }
        });
    }

    fn finish(&self, result: Result<String>) {
        self.update(|j| {
            let secs = j.started.elapsed().as_secs_f64();
            j.end = Some(match result {
                Ok(msg) => (true, msg, secs),
                Err(e) => (false, format!("Nytt utkast feilet: {e:#}"), secs),
            });
        });
    }

    pub fn view(&self) -> JobView {
        let g = self.lock();
        let Some(j) = g.as_ref() else { return JobView { state: "idle", ..Default::default() } };
        let (done, total) = (j.progress.position(), j.progress.length().unwrap_or(0));
        let eta_secs = j.drafting_since.filter(|_| done > 0 && total > done && j.end.is_none()).map(|t| {
            let per = t.elapsed().as_secs_f64() / done as f64;
            per * (total - done) as f64
        });
        let (state, message, elapsed) = match &j.end {
            None => ("running", String::new(), j.started.elapsed().as_secs_f64()),
            Some((ok, msg, secs)) => (if *ok { "done" } else { "failed" }, msg.clone(), *secs),
        };
        JobView {
            id: j.id,
            state,
            saker: j.saker.clone(),
            phase: j.phase.to_string(),
            done,
            total,
            elapsed_secs: elapsed,
            eta_secs,
            message,
        }
    }
}

const DRAFTING: &str = "Skriver utkast";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedraftReq {
    pub version: String,
    pub saker: Vec<String>,
}

/// `POST /api/redraft`: start re-drafting the given saker (and those discussed with them).
pub(super) async fn start(State(app): State<Arc<App>>, Json(req): Json<RedraftReq>) -> Result<Response, ApiError> {
    let live = app.live();
    if req.version != app.version(&live) {
        return Ok(conflict(&app, &live, STALE));
    }
    if req.saker.is_empty() || req.saker.len() > 100 {
        return Err(bad("Velg sakene som skal få nytt utkast."));
    }
    if let Some(nr) = req.saker.iter().find(|nr| !live.draft.items.iter().any(|d| &d.saksnr == *nr)) {
        return Err(bad(format!("Ukjent sak {nr:?}.")));
    }
    if live.transcript.is_none() {
        return Err(bad("Ingen transkripsjon i arbeidsmappen: nytt utkast trenger transcript.json."));
    }
    let Some(progress) = app.job.begin(req.saker.clone()) else {
        return Ok(conflict(&app, &live, "Et nytt utkast lages allerede: vent til det er ferdig."));
    };
    drop(live);
    let worker = app.clone();
    std::thread::Builder::new()
        .name("redraft".into())
        .spawn(move || {
            let r = redraft(&worker, &req.saker, &progress);
            worker.job.finish(r);
        })
        .map_err(|e| super::internal(e.into()))?;
    let live = app.live();
    Ok(Json(build_state(&app, &live)).into_response())
}

/// The job itself. Writes nothing until the new lines are ready (segments.json excepted, which
/// the segmentation stage writes atomically when the transcript changed).
fn redraft(app: &App, requested: &[String], progress: &ProgressBar) -> Result<String> {
    app.job.phase("Deler inn i saker");
    let before = app.live().segments.clone();
    let seg = app.segment(false)?;
    let transcript: Transcript = app.live().transcript.clone().context("transcript.json mangler")?;
    let mut saker: BTreeSet<String> = requested.iter().cloned().collect();
    for nr in requested {
        saker.extend(edit::group(&seg, nr));
    }
    if before.as_ref() != Some(&seg) {
        saker.extend(edit::affected(before.as_ref(), &seg, None));
    }
    app.job.update(|j| j.saker = saker.iter().cloned().collect());

    app.job.phase("Laster språkmodellen");
    let prompts = app.llm.prompts(&app.meeting)?;
    let mut llm = app.llm.load_llm(app.llm.llm_files(&app.meeting)?.as_ref())?;
    let model = llm.name();

    app.job.phase(DRAFTING);
    let only = Segmentation { items: seg.items.iter().filter(|i| saker.contains(&i.saksnr)).cloned().collect(), ..seg.clone() };
    let (new, stats) = draft::draft_with_stats(&app.meeting, &transcript, &only, llm.as_mut(), &prompts, progress, app.llm.dump_turns)?;
    drop(llm);

    app.job.phase("Lagrer");
    let mut live = app.live();
    let (mut draft, mut review) = (live.draft.clone(), live.review.clone());
    merge(&mut draft, &mut review, &new, &saker);
    let bytes = serde_json::to_vec_pretty(&draft)?;
    write_atomic(&app.wd.path(Draft::FILE), &bytes)?;
    live.draft_hash = sha256_bytes(&bytes);
    let other_model = (draft.model != model).then(|| draft.model.clone());
    live.draft = draft;
    live.segments = Some(seg);
    review.outdated.retain(|s| !saker.contains(s));
    save_review(app, &mut live, review)?;

    let list = saker.iter().cloned().collect::<Vec<_>>().join(", ");
    let mut msg =
        format!("Nytt utkast for {list} er klart ({} modellkall). Linjer du hadde godtatt eller redigert, er beholdt.", stats.calls);
    if let Some(m) = other_model {
        msg.push_str(&format!(" Merk: resten av utkastet ble laget med {m}, det nye med {model}."));
    }
    Ok(msg)
}

/// Put the re-drafted items of `saker` from `new` into `draft` in place of the old ones, and
/// carry each sak's review over to its new lines.
pub fn merge(draft: &mut Draft, review: &mut Review, new: &Draft, saker: &BTreeSet<String>) {
    let mut last = last_id(review);
    let mut next_id = || {
        last += 1;
        format!("a{last}")
    };
    for n in new.items.iter().filter(|i| saker.contains(&i.saksnr)) {
        match draft.items.iter_mut().find(|i| i.saksnr == n.saksnr) {
            Some(old) => {
                if let Some(ir) = review.items.get_mut(&n.saksnr) {
                    carry_over(old, n, ir, &mut next_id);
                }
                *old = n.clone();
            }
            None => draft.items.push(n.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifact::{DraftItem, ItemStatus, Line, Origin};
    use crate::review::{item_view, ItemReview, LineReview, Status};

    fn line(t: &str, at: f64) -> Line {
        Line { text: t.into(), source: vec![[at, at + 5.0]], flags: vec![], origin: Origin::Model }
    }

    fn item(nr: &str, innspill: Vec<Line>) -> DraftItem {
        DraftItem {
            saksnr: nr.into(),
            intro: "Intro".into(),
            innspill,
            aksjonspunkter: vec![],
            vedtak: line("Vedtak", 90.0),
            joint_with: vec![],
            status: ItemStatus::Discussed,
        }
    }

    fn review_of(pairs: &[(&str, LineReview)]) -> Review {
        let mut r = Review::default();
        let ir: &mut ItemReview = r.items.entry("1/25".into()).or_default();
        for (k, lr) in pairs {
            ir.lines.insert(k.to_string(), lr.clone());
        }
        r
    }

    /// Every line the secretary accepted or edited survives a re-draft that renumbers, rewrites
    /// and drops lines; the corrected new line shows where nothing was decided.
    #[test]
    fn a_redraft_keeps_accepted_and_edited_lines_and_shows_the_corrected_ones() {
        let old = Draft {
            version: 1,
            inputs: Default::default(),
            model: "m".into(),
            items: vec![
                item("1/25", vec![line("A", 10.0), line("B Kåes", 20.0), line("C", 30.0), line("D", 40.0), line("E", 50.0)]),
                item("2/25", vec![line("X", 100.0)]),
            ],
        };
        let acc = |o: &str| LineReview { orig: o.into(), status: Status::Accepted, ..Default::default() };
        let mut review = review_of(&[
            ("innspill/0", acc("A")), // accepted, comes back at 1
            ("innspill/2", LineReview { orig: "C".into(), text: Some("C fikset".into()), ..Default::default() }), // edited, rewritten
            ("innspill/3", acc("D")), // accepted, gone
            ("innspill/4", LineReview { orig: "E".into(), status: Status::Rejected, ..Default::default() }), // rejected, rewritten
        ]);
        // The new draft: a new first line, A unchanged, B corrected (not reviewed), C and E rewritten, D gone.
        let new = Draft {
            items: vec![item("1/25", vec![line("Ny", 5.0), line("A", 10.0), line("B KS", 20.0), line("C ny", 30.0), line("E ny", 50.0)])],
            ..old.clone()
        };
        let mut draft = old.clone();
        merge(&mut draft, &mut review, &new, &["1/25".to_string()].into());
        assert_eq!(draft.items[0], new.items[0]);
        assert_eq!(draft.items[1], old.items[1], "other saker untouched");

        let (_, lines) = item_view(&draft.items[0], review.items.get("1/25"));
        let by = |k: &str| lines.iter().find(|l| l.key == k).unwrap();
        assert_eq!((by("innspill/1").text.as_str(), by("innspill/1").status), ("A", Status::Accepted));
        assert_eq!((by("innspill/2").text.as_str(), by("innspill/2").status), ("B KS", Status::Pending), "the corrected line shows");
        let c = by("innspill/3");
        assert_eq!(c.text, "C fikset");
        assert!(c.machine_changed && c.flags[0].reason.contains("C ny"), "{c:?}");
        assert_eq!(by("innspill/4").status, Status::Rejected, "the rejection of the same point holds");
        let kept = lines.iter().find(|l| l.key.starts_with("added/")).expect("D kept as an added bullet");
        assert_eq!((kept.text.as_str(), kept.source.clone()), ("D", vec![[40.0, 45.0]]));
        assert!(!kept.flags.is_empty());
        assert_eq!(by("innspill/0").status, Status::Pending);
        assert_eq!(lines.len(), 7);
    }

    #[test]
    fn an_accepted_line_rewritten_by_the_redraft_keeps_its_text_and_offers_the_new_one() {
        let old =
            Draft { version: 1, inputs: Default::default(), model: "m".into(), items: vec![item("1/25", vec![line("B Kåes", 20.0)])] };
        let mut review = review_of(&[("innspill/0", LineReview { orig: "B Kåes".into(), status: Status::Accepted, ..Default::default() })]);
        let new = Draft { items: vec![item("1/25", vec![line("B KS", 20.0)])], ..old.clone() };
        let mut draft = old.clone();
        merge(&mut draft, &mut review, &new, &["1/25".to_string()].into());
        let (_, lines) = item_view(&draft.items[0], review.items.get("1/25"));
        assert_eq!(lines[0].text, "B Kåes");
        assert!(lines[0].machine_changed);
        assert_eq!(lines[0].machine.as_deref(), Some("B KS"));
    }
}
