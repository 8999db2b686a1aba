//! The review web server: one page, a small JSON API, the recording with HTTP Range support,
//! and the exported documents. Bound to 127.0.0.1 only; requests whose Host (or Origin) is not
//! 127.0.0.1/localhost are refused, so a web page elsewhere cannot reach it through DNS
//! rebinding or a cross-site form. Every change is saved at once, atomically.
//!
//! Every change carries the version of the state it was made against (`version` in
//! `/api/state`); a change against an older version (another tab changed something since) is
//! refused with 409 and the current state, never applied over the newer one. `referat review`
//! holds the work dir's lock while it serves, so no other referat process writes there.

mod redraft;

use crate::artifact::{Draft, Segmentation, Span, Transcript, Word};
use crate::draft::DraftOptions;
use crate::export::{self, ExportOptions, Format};
use crate::meeting::Meeting;
use crate::progress::Silent;
use crate::review::edit::{self, Edge};
use crate::review::{item_view, next_id, AddedLine, Counts, ItemReview, LineReview, Review, Section, Status, ViewLine, REVIEW_VERSION};
use crate::segment::SegmentStage;
use crate::transcribe::transcript::Subtitles;
use crate::workdir::{sha256_bytes, WorkDir};
use anyhow::{Context, Result};
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

const INDEX_HTML: &str = include_str!("page/index.html");
const APP_JS: &str = include_str!("page/app.js");
const APP_CSS: &str = include_str!("page/app.css");

/// Largest request body accepted (edits are short texts).
const MAX_BODY: usize = 64 * 1024;
/// Longest text accepted for one line or intro.
const MAX_TEXT: usize = 8_000;
/// Largest audio chunk sent per request.
const AUDIO_CHUNK: u64 = 2 * 1024 * 1024;

/// Shown on the page when a change was made against an older state.
pub(super) const STALE: &str =
    "Endringen ble ikke lagret: referatet er endret i en annen fane eller et annet vindu siden denne siden ble lastet. \
                     Siden viser nå det som er lagret; gjør endringen på nytt hvis den fortsatt trengs.";

/// Everything the page sees that can change, behind one lock so each change is checked
/// against and applied to one consistent state.
pub(super) struct Live {
    pub draft: Draft,
    pub draft_hash: String,
    pub review: Review,
    pub transcript: Option<Transcript>,
    pub transcript_hash: String,
    pub segments: Option<Segmentation>,
    /// Bumped by every saved change; with the server's start time it is the page's version.
    pub version: u64,
}

/// Where the recording for playback is, and what to tell the secretary when it is not found.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    pub path: Option<PathBuf>,
    /// For the terminal (English, like the rest of the CLI); empty when the recording is there.
    pub note: String,
    /// For the page (Norwegian).
    pub note_nb: String,
}

impl Recording {
    /// `--audio` when given (it must exist), else the recording the transcribe stage recorded
    /// in transcript.json, with a clear note when it has moved or was never known.
    pub fn find(given: Option<&Path>, transcript: Option<&Transcript>) -> Result<Recording> {
        let found = |p: PathBuf| Recording { path: Some(p), note: String::new(), note_nb: String::new() };
        let missing = |note: String, note_nb: String| Recording { path: None, note, note_nb };
        if let Some(a) = given {
            if !a.is_file() {
                anyhow::bail!("recording {} not found: give the right --audio path", a.display());
            }
            return Ok(found(a.to_path_buf()));
        }
        let Some(t) = transcript else {
            return Ok(missing(
                "no transcript.json in the work dir, so no recording is known: start with --audio FILE to play it".into(),
                "Ingen transkripsjon i arbeidsmappen, så opptaket er ukjent: start gjennomgangen med --audio FIL for avspilling.".into(),
            ));
        };
        Ok(match t.inputs.get(crate::transcribe::asr::RECORDING) {
            Some(p) if Path::new(p).is_file() => found(PathBuf::from(p)),
            Some(p) => missing(
                format!("the recording {p} (transcribed into this work dir) is not there any more: was it moved? Start with --audio NEW_PATH to play it"),
                format!("Opptaket {p} som ble transkribert, finnes ikke der lenger (flyttet eller slettet?). Start gjennomgangen med --audio NY_STI for avspilling."),
            ),
            None if t.source == "asr" => missing(
                "transcript.json does not say where the recording is (written by an older referat): start with --audio FILE to play it".into(),
                "Transkripsjonen sier ikke hvor opptaket er (laget av en eldre versjon av referat): start gjennomgangen med --audio FIL for avspilling.".into(),
            ),
            None => missing(
                format!("the transcript was imported ({}), so no recording is known: start with --audio FILE to play it", t.source),
                "Transkripsjonen er importert fra en fil, så opptaket er ukjent: start gjennomgangen med --audio FIL for avspilling.".into(),
            ),
        })
    }
}

pub struct App {
    pub(super) meeting_path: PathBuf,
    pub(super) meeting: Meeting,
    pub(super) wd: WorkDir,
    /// The language model for re-drafts (command-line flags; the meeting file fills in).
    pub(super) llm: DraftOptions,
    recording: Recording,
    /// Start time of this server (ms): versions of an earlier server never match.
    boot: u128,
    pub(super) live: Mutex<Live>,
    pub(super) job: redraft::Jobs,
}

impl App {
    /// Load everything the page needs from the work dir. `review.json` is created on the
    /// first change, not here. Without `audio`, the recording is the one transcribed.
    pub fn load(meeting_path: &Path, wd: WorkDir, audio: Option<PathBuf>, llm: DraftOptions) -> Result<App> {
        let meeting = Meeting::load(meeting_path)?;
        let draft_path = wd.path("draft.json");
        let bytes =
            std::fs::read(&draft_path).with_context(|| format!("cannot read {}: run `referat draft` first", draft_path.display()))?;
        let draft: Draft = wd.load("referat draft")?;
        let draft_hash = sha256_bytes(&bytes);
        let mut review = wd.load_opt::<Review>()?.unwrap_or(Review { version: REVIEW_VERSION, ..Default::default() });
        if !review.draft_hash.is_empty() && review.draft_hash != draft_hash {
            // Re-drafted outside the page (`referat draft`): every sak is drafted from the
            // current transcript, so none is outdated any more.
            review.outdated.clear();
        }
        let transcript = wd.load_opt::<Transcript>().ok().flatten();
        let transcript_hash = std::fs::read(wd.path("transcript.json")).map(|b| sha256_bytes(&b)).unwrap_or_default();
        let segments = wd.load_opt::<Segmentation>().ok().flatten();
        let recording = Recording::find(audio.as_deref(), transcript.as_ref())?;
        let boot = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
        Ok(App {
            meeting_path: meeting_path.to_path_buf(),
            meeting,
            wd,
            llm,
            recording,
            boot,
            live: Mutex::new(Live { draft, draft_hash, review, transcript, transcript_hash, segments, version: 0 }),
            job: Default::default(),
        })
    }

    /// The segment stage over the work dir's transcript (the page shows no stage notes).
    pub(super) fn segment(&self, force: bool) -> Result<Segmentation> {
        crate::stage::run_stage(&self.wd, &SegmentStage::new(&self.meeting_path, &self.meeting, &self.wd)?, force, &Silent)
    }

    pub(super) fn live(&self) -> MutexGuard<'_, Live> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn version(&self, live: &Live) -> String {
        format!("{}-{}", self.boot, live.version)
    }
}

type Shared = Arc<App>;

/// The router, for the CLI and for tests.
pub fn router(app: App) -> Router {
    let app = Arc::new(app);
    Router::new()
        .route("/", get(|| async { page(INDEX_HTML, "text/html; charset=utf-8") }))
        .route("/app.js", get(|| async { page(APP_JS, "text/javascript; charset=utf-8") }))
        .route("/app.css", get(|| async { page(APP_CSS, "text/css; charset=utf-8") }))
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .route("/api/state", get(state))
        .route("/api/transcript", get(transcript))
        .route("/api/poll", get(poll))
        .route("/api/op", post(op))
        .route("/api/redraft", post(redraft::start))
        .route("/api/export", post(export_doc))
        .route("/download/{name}", get(download))
        .route("/audio", get(audio))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn(guard))
        .with_state(app)
}

/// Run the server until Ctrl-C, holding the work dir's lock all the while. `listening` is
/// told the page's address and the recording once the server listens.
pub fn run(
    meeting_path: &Path,
    out: &Path,
    audio: Option<&Path>,
    port: u16,
    llm: DraftOptions,
    listening: impl FnOnce(&str, &Recording),
) -> Result<()> {
    let wd = WorkDir::open(out)?;
    let _lock = crate::workdir::lock(out)?;
    let app = App::load(meeting_path, wd, audio.map(Path::to_path_buf), llm)?;
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().context("cannot start the async runtime")?;
    let note = out.join(crate::workdir::REVIEW_NOTE);
    let result = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .with_context(|| format!("cannot listen on 127.0.0.1:{port}: pick another --port (0 picks a free one)"))?;
        let addr = listener.local_addr()?;
        let url = format!("http://{addr}/");
        // Tells a `referat run` that finds the work dir locked where the page is.
        let _ = std::fs::write(&note, format!("{}\n{url}\n", std::process::id()));
        listening(&url, &app.recording);
        axum::serve(listener, router(app))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .context("the review server stopped with an error")
    });
    let _ = std::fs::remove_file(&note);
    result
}

fn page(body: &'static str, ctype: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, ctype),
            // Nothing external, no framing, no inline script.
            (header::CONTENT_SECURITY_POLICY, "default-src 'self'; media-src 'self'; object-src 'none'; frame-ancestors 'none'"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

// ------------------------------------------------------------------ request guard

fn local_host(h: &str) -> bool {
    let host = if let Some(rest) = h.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        h.rsplit_once(':').map(|(a, _)| a).unwrap_or(h)
    };
    matches!(host, "127.0.0.1" | "localhost")
}

/// Refuse requests not addressed to this machine by name (DNS rebinding) and writes from
/// other origins (cross-site requests).
async fn guard(req: Request, next: Next) -> Response {
    let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !local_host(host) {
        return ApiError(StatusCode::FORBIDDEN, "host not allowed: open the page as http://127.0.0.1:<port>/".into()).into_response();
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        if let Some(origin) = req.headers().get(header::ORIGIN) {
            let o = origin.to_str().unwrap_or("");
            let ok = o.strip_prefix("http://").is_some_and(local_host);
            if !ok {
                return ApiError(StatusCode::FORBIDDEN, "origin not allowed".into()).into_response();
            }
        }
    }
    next.run(req).await
}

pub(super) struct ApiError(pub StatusCode, pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({ "error": self.1 }))).into_response()
    }
}

pub(super) fn bad(msg: impl Into<String>) -> ApiError {
    ApiError(StatusCode::BAD_REQUEST, msg.into())
}

pub(super) fn internal(e: anyhow::Error) -> ApiError {
    ApiError(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}"))
}

/// 409 with the Norwegian message and the current state, so the page can show both.
pub(super) fn conflict(app: &App, live: &Live, msg: &str) -> Response {
    (StatusCode::CONFLICT, Json(serde_json::json!({ "error": msg, "state": build_state(app, live) }))).into_response()
}

/// Run blocking work (file writes, segmentation) off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| internal(anyhow::anyhow!("task failed: {e}")))
}

// ------------------------------------------------------------------ state

#[derive(Serialize)]
pub(super) struct PageState {
    /// The version this state is; changes are made against it.
    version: String,
    council: String,
    number: String,
    date: String,
    time: String,
    place: String,
    audio: bool,
    /// Why there is no playback (or empty).
    audio_note: String,
    transcript: bool,
    /// Changes whenever transcript.json does: the page then fetches it again.
    transcript_hash: String,
    /// Speakers seen in the transcript (for the speaker field of a correction).
    speakers: Vec<String>,
    /// The draft changed since the review was last saved (re-drafted).
    redrafted: bool,
    /// Lines still to review and flagged lines, in all.
    counts: Counts,
    job: redraft::JobView,
    items: Vec<PageItem>,
}

#[derive(Serialize)]
struct PageItem {
    saksnr: String,
    title: String,
    sakstype: String,
    presenters: String,
    forslag: String,
    intro: String,
    machine_intro: String,
    spans: Vec<Span>,
    joint_with: Vec<String>,
    discussed: bool,
    /// Boundaries set by hand (the secretary or the meeting file).
    manual: bool,
    /// Transcript or boundaries changed since this sak was drafted.
    outdated: bool,
    counts: Counts,
    lines: Vec<ViewLine>,
}

pub(super) fn build_state(app: &App, live: &Live) -> PageState {
    let review = &live.review;
    let mut items = Vec::new();
    let mut total = Counts::default();
    for d in &live.draft.items {
        let m = app.meeting.item(&d.saksnr);
        let (intro, lines) = item_view(d, review.items.get(&d.saksnr));
        let si = live.segments.as_ref().and_then(|s| s.items.iter().find(|i| i.saksnr == d.saksnr));
        let spans = si.map(|i| i.spans.clone()).filter(|s| !s.is_empty()).unwrap_or_else(|| {
            // Without segments.json: from the first to the last source time of the sak.
            let all: Vec<Span> = lines.iter().filter(|l| l.from.is_none()).flat_map(|l| l.source.iter().copied()).collect();
            let lo = all.iter().map(|s| s[0]).fold(f64::INFINITY, f64::min);
            let hi = all.iter().map(|s| s[1]).fold(0.0, f64::max);
            if lo.is_finite() && hi > lo {
                vec![[lo, hi]]
            } else {
                vec![]
            }
        });
        let counts = Counts::of(&lines);
        total.add(counts);
        items.push(PageItem {
            saksnr: d.saksnr.clone(),
            title: m.map(|m| m.title.clone()).unwrap_or_default(),
            sakstype: m.map(|m| m.sakstype.as_str().to_string()).unwrap_or_default(),
            presenters: m.map(|m| m.presenters.iter().map(|p| p.display()).collect::<Vec<_>>().join("; ")).unwrap_or_default(),
            forslag: m.map(|m| m.forslag.clone()).unwrap_or_default(),
            intro,
            machine_intro: d.intro.clone(),
            discussed: d.status == crate::artifact::ItemStatus::Discussed,
            manual: si.is_some_and(|i| i.manual) || m.is_some_and(|m| m.spans.is_some()),
            outdated: review.outdated.contains(&d.saksnr),
            spans,
            joint_with: d.joint_with.clone(),
            counts,
            lines,
        });
    }
    // Meeting order.
    let pos = |nr: &str| app.meeting.items.iter().position(|i| i.saksnr == nr).unwrap_or(usize::MAX);
    items.sort_by_key(|i| pos(&i.saksnr));
    PageState {
        version: app.version(live),
        council: app.meeting.council.clone(),
        number: app.meeting.number.clone(),
        date: app.meeting.date.clone(),
        time: app.meeting.time.clone(),
        place: app.meeting.place.clone(),
        audio: app.recording.path.is_some(),
        audio_note: app.recording.note_nb.clone(),
        transcript: live.transcript.is_some(),
        transcript_hash: live.transcript_hash.clone(),
        speakers: live.transcript.as_ref().map(edit::speakers).unwrap_or_default(),
        redrafted: !review.draft_hash.is_empty() && review.draft_hash != live.draft_hash,
        counts: total,
        job: app.job.view(),
        items,
    }
}

async fn state(State(app): State<Shared>) -> Response {
    let live = app.live();
    Json(build_state(&app, &live)).into_response()
}

/// What the page polls: has anything changed (another tab, a finished re-draft), and how far
/// the re-draft has come.
async fn poll(State(app): State<Shared>) -> Response {
    let version = app.version(&app.live());
    Json(serde_json::json!({ "version": version, "job": app.job.view() })).into_response()
}

#[derive(Serialize)]
struct Seg<'a> {
    /// Index in transcript.json (with `start`, the identity a correction is made against).
    i: usize,
    start: f64,
    end: f64,
    text: &'a str,
    speaker: Option<&'a str>,
    edited: bool,
    /// Whisper's own text, when the segment was corrected.
    asr_text: Option<&'a str>,
    /// Word times (and whatever else the ASR gives per word, such as a confidence).
    words: &'a [Word],
}

async fn transcript(State(app): State<Shared>) -> Response {
    let live = app.live();
    let segs: Vec<Seg> = live
        .transcript
        .iter()
        .flat_map(|t| t.segments.iter().enumerate())
        .map(|(i, s)| Seg {
            i,
            start: s.start,
            end: s.end,
            text: s.text.trim(),
            speaker: s.speaker.as_deref(),
            edited: s.edited,
            asr_text: s.asr_text.as_deref(),
            words: &s.words,
        })
        .collect();
    Json(segs).into_response()
}

// ------------------------------------------------------------------ changes

/// A change and the version of the state it was made against.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    pub version: String,
    pub change: Op,
}

/// The only request shapes the page may send.
#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Op {
    /// Replace a line's text (machine line or added line; the vedtak included).
    Edit { saksnr: String, key: String, text: String },
    /// Accept, reject or reset a line.
    Status { saksnr: String, key: String, status: Status },
    /// Add a bullet under innspill or aksjonspunkter.
    Add { saksnr: String, section: Section, text: String },
    /// Move a bullet to another sak.
    Move { saksnr: String, key: String, to: String },
    /// Replace the intro.
    Intro { saksnr: String, text: String },
    /// Correct transcript segment `index` (which starts at `start`): its words, its speaker.
    Segment { index: usize, start: f64, text: String, speaker: Option<String> },
    /// Move the start or end of a sak to `at` seconds.
    Boundary { saksnr: String, edge: Edge, at: f64 },
}

fn clean_text(t: &str) -> Result<String, ApiError> {
    let t: String = t.chars().filter(|c| !c.is_control() || *c == '\n').collect();
    let t = t.trim().to_string();
    if t.chars().count() > MAX_TEXT {
        return Err(bad(format!("Teksten er lengre enn {MAX_TEXT} tegn.")));
    }
    Ok(t)
}

/// Apply one change to the review. Pure (no I/O), so it can be tested directly.
pub fn apply(draft: &Draft, review: &mut Review, op: Op) -> Result<(), String> {
    let item = |nr: &str| draft.items.iter().find(|d| d.saksnr == nr).ok_or_else(|| format!("Ukjent sak {nr:?}."));
    match op {
        Op::Segment { .. } | Op::Boundary { .. } => return Err("Ikke en endring av en linje.".into()),
        Op::Intro { saksnr, text } => {
            let d = item(&saksnr)?;
            let ir = review.items.entry(saksnr).or_default();
            ir.intro = (text != d.intro).then_some(text);
        }
        Op::Add { saksnr, section, text } => {
            item(&saksnr)?;
            if section == Section::Vedtak {
                return Err("En sak har ett vedtak: rediger det i stedet.".into());
            }
            if text.is_empty() {
                return Err("Teksten er tom.".into());
            }
            let id = next_id(review);
            review.items.entry(saksnr).or_default().added.push(AddedLine {
                id,
                section,
                text,
                status: Status::Pending,
                source: vec![],
                flags: vec![],
                from: String::new(),
            });
        }
        Op::Edit { saksnr, key, text } => {
            if text.is_empty() {
                return Err("Teksten er tom: avvis linjen i stedet.".into());
            }
            with_line(draft, review, &saksnr, &key, |target| match target {
                Target::Machine(lr, machine) => lr.text = (text != machine).then(|| text.clone()),
                Target::Added(a) => a.text = text.clone(),
            })?;
        }
        Op::Status { saksnr, key, status } => {
            with_line(draft, review, &saksnr, &key, |target| match target {
                Target::Machine(lr, _) => lr.status = status,
                Target::Added(a) => a.status = status,
            })?;
        }
        Op::Move { saksnr, key, to } => {
            item(&to)?;
            if to == saksnr {
                return Err("Punktet står allerede i den saken.".into());
            }
            let d = item(&saksnr)?;
            let (_, lines) = item_view(d, review.items.get(&saksnr));
            let v = lines.iter().find(|l| l.key == key).ok_or_else(|| format!("Ukjent linje {key:?} i sak {saksnr}."))?;
            if v.section == Section::Vedtak {
                return Err("Vedtaket kan ikke flyttes.".into());
            }
            if v.moved_to.is_some() {
                return Err("Punktet er allerede flyttet.".into());
            }
            let mut moved = AddedLine {
                id: String::new(),
                section: v.section,
                text: v.text.clone(),
                status: v.status,
                source: v.source.clone(),
                flags: v.flags.clone(),
                from: saksnr.clone(),
            };
            if let Some(id) = key.strip_prefix("added/") {
                let ir = review.items.entry(saksnr.clone()).or_default();
                let i = ir.added.iter().position(|a| a.id == id).ok_or("Ukjent linje.")?;
                let a = ir.added.remove(i);
                moved.id = a.id;
                if !a.from.is_empty() {
                    moved.from = a.from;
                }
            } else {
                moved.id = next_id(review);
                let ir = review.items.entry(saksnr.clone()).or_default();
                let machine = v.machine.clone().unwrap_or_default();
                let lr = ir.lines.entry(key.clone()).or_default();
                if lr.orig != machine {
                    *lr = LineReview { orig: machine, text: lr.text.clone(), ..Default::default() };
                }
                lr.moved_to = Some(to.clone());
            }
            review.items.entry(to).or_default().added.push(moved);
        }
    }
    Ok(())
}

enum Target<'a> {
    Machine(&'a mut LineReview, String),
    Added(&'a mut AddedLine),
}

/// Find the line `key` of sak `saksnr` and let `f` change its review entry. A machine line's
/// entry is (re)based on the current machine text: the secretary has now seen that text.
fn with_line(draft: &Draft, review: &mut Review, saksnr: &str, key: &str, f: impl FnOnce(Target)) -> Result<(), String> {
    let d = draft.items.iter().find(|d| d.saksnr == saksnr).ok_or_else(|| format!("Ukjent sak {saksnr:?}."))?;
    let ir: &mut ItemReview = review.items.entry(saksnr.to_string()).or_default();
    if let Some(id) = key.strip_prefix("added/") {
        let a = ir.added.iter_mut().find(|a| a.id == id).ok_or_else(|| format!("Ukjent linje {key:?} i sak {saksnr}."))?;
        f(Target::Added(a));
        return Ok(());
    }
    let nth = |list: &[crate::artifact::Line], n: &str| n.parse::<usize>().ok().and_then(|n| list.get(n)).map(|l| l.text.clone());
    let machine = match key.split_once('/') {
        _ if key == "vedtak" => Some(d.vedtak.text.clone()),
        Some(("innspill", n)) => nth(&d.innspill, n),
        Some(("aksjonspunkter", n)) => nth(&d.aksjonspunkter, n),
        _ => None,
    }
    .ok_or_else(|| format!("Ukjent linje {key:?} i sak {saksnr}."))?;
    let lr = ir.lines.entry(key.to_string()).or_default();
    if lr.orig != machine {
        // Re-drafted since the last review of this line: keep a human edit, drop the rest.
        *lr = LineReview { orig: machine.clone(), text: lr.text.clone(), ..Default::default() };
    }
    f(Target::Machine(lr, machine));
    Ok(())
}

async fn op(State(app): State<Shared>, Json(req): Json<Change>) -> Result<Response, ApiError> {
    let change = match req.change {
        Op::Edit { saksnr, key, text } => Op::Edit { saksnr, key, text: clean_text(&text)? },
        Op::Add { saksnr, section, text } => Op::Add { saksnr, section, text: clean_text(&text)? },
        Op::Intro { saksnr, text } => Op::Intro { saksnr, text: clean_text(&text)? },
        Op::Segment { index, start, text, speaker } => {
            Op::Segment { index, start, text: clean_text(&text)?, speaker: speaker.map(|s| clean_text(&s)).transpose()? }
        }
        o => o,
    };
    blocking(move || {
        let mut live = app.live();
        if req.version != app.version(&live) {
            return Ok(conflict(&app, &live, STALE));
        }
        match change {
            ground @ (Op::Segment { .. } | Op::Boundary { .. }) => {
                if app.job.running() {
                    return Ok(conflict(
                        &app,
                        &live,
                        "Et nytt utkast lages nå: vent til det er ferdig før du retter transkripsjonen eller flytter en grense.",
                    ));
                }
                ground_change(&app, &mut live, ground)?;
            }
            line => {
                let mut next = live.review.clone();
                apply(&live.draft, &mut next, line).map_err(bad)?;
                save_review(&app, &mut live, next).map_err(internal)?;
            }
        }
        Ok(Json(build_state(&app, &live)).into_response())
    })
    .await?
}

/// Save a changed review (first: the page only sees a change that is on disk) and count it.
pub(super) fn save_review(app: &App, live: &mut Live, mut next: Review) -> Result<()> {
    next.version = REVIEW_VERSION;
    next.draft_hash = live.draft_hash.clone();
    app.wd.save(&next)?;
    live.review = next;
    live.version += 1;
    Ok(())
}

/// A change under the draft: a transcript correction or a moved boundary. The transcript
/// (with its VTT and SRT) or segments.json is saved, segmentation is rerun over it (items with
/// manual boundaries kept), and the saker it touched are marked outdated until re-drafted.
fn ground_change(app: &App, live: &mut Live, op: Op) -> Result<(), ApiError> {
    let old = live.segments.clone();
    let (span, force) = match op {
        Op::Segment { index, start, text, speaker } => {
            let mut t = live.transcript.clone().ok_or_else(|| bad("Ingen transkripsjon i arbeidsmappen."))?;
            if !edit::correct_segment(&mut t, index, start, &text, speaker.as_deref()).map_err(bad)? {
                return Ok(());
            }
            crate::transcribe::transcript::save_with_exports(&app.wd, &t).map_err(internal)?;
            live.transcript_hash = crate::workdir::sha256_file(&app.wd.path("transcript.json")).map_err(internal)?;
            let span = [t.segments[index].start, t.segments[index].end];
            live.transcript = Some(t);
            (Some(span), false)
        }
        Op::Boundary { saksnr, edge, at } => {
            let mut seg = old.clone().ok_or_else(|| bad("Saksinndelingen (segments.json) mangler: kjør `referat segment` først."))?;
            edit::move_boundary(&mut seg, &app.meeting, &saksnr, edge, at).map_err(bad)?;
            app.wd.save(&seg).map_err(internal)?;
            // Forced: the transcript is the same, but the other items must fit around this one.
            (None, true)
        }
        _ => return Err(bad("Ikke en endring av transkripsjonen eller grensene.")),
    };
    let seg = match app.segment(force) {
        Ok(seg) => seg,
        Err(e) => {
            // What was saved is the new state: pages that saw the old one must not write over it.
            live.version += 1;
            return Err(internal(e.context("endringen er lagret, men inndelingen i saker feilet")));
        }
    };
    let mut next = live.review.clone();
    next.outdated.extend(edit::affected(old.as_ref(), &seg, span));
    live.segments = Some(seg);
    save_review(app, live, next).map_err(internal)
}

// ------------------------------------------------------------------ export and download

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportReq {
    format: String,
    #[serde(default, rename = "final")]
    final_: bool,
    #[serde(default)]
    times: bool,
}

/// Files the page may download, by exact name: the referat in four formats and the (corrected)
/// transcript as WebVTT and SRT. No other path is ever served.
const TRANSCRIPT_FILES: [(&str, &str); 2] =
    [("transcript.vtt", "text/vtt; charset=utf-8"), ("transcript.srt", "application/x-subrip; charset=utf-8")];

async fn export_doc(State(app): State<Shared>, Json(req): Json<ExportReq>) -> Result<Response, ApiError> {
    let opts = ExportOptions { final_: req.final_, times: req.times && !req.final_ };
    let path = blocking(move || -> Result<PathBuf, ApiError> {
        // Under the lock, so the document reflects one consistent state.
        let live = app.live();
        match req.format.as_str() {
            f @ ("vtt" | "srt") => {
                let t = live.transcript.as_ref().ok_or_else(|| bad("Ingen transkripsjon i arbeidsmappen."))?;
                let kind = if f == "vtt" { Subtitles::Vtt } else { Subtitles::Srt };
                crate::transcribe::transcript::write_subtitles(&app.wd, t, kind).map_err(internal)
            }
            f => {
                let format = Format::parse(f).ok_or_else(|| bad("format must be md, docx, odt, pdf, vtt or srt"))?;
                let draft = crate::review::reviewed_draft(&live.draft, &live.review);
                export::write_document(&app.meeting, &draft, &app.wd, format, &opts).map_err(internal)
            }
        }
    })
    .await??;
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    Ok(Json(serde_json::json!({ "file": file, "bytes": size, "url": format!("/download/{file}") })).into_response())
}

async fn download(State(app): State<Shared>, UrlPath(name): UrlPath<String>) -> Result<Response, ApiError> {
    let mime = ["md", "docx", "odt", "pdf"]
        .into_iter()
        .filter_map(Format::parse)
        .map(|f| (f.file_name(), f.mime()))
        .chain(TRANSCRIPT_FILES.map(|(n, m)| (n.to_string(), m)))
        .find(|(f, _)| *f == name)
        .map(|(_, m)| m)
        .ok_or_else(|| ApiError(StatusCode::NOT_FOUND, "no such document".into()))?;
    let bytes = std::fs::read(app.wd.path(&name))
        .map_err(|_| ApiError(StatusCode::NOT_FOUND, "not exported yet: press an export button".into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(mime)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")).map_err(|e| internal(e.into()))?,
            ),
        ],
        bytes,
    )
        .into_response())
}

// ------------------------------------------------------------------ audio

fn audio_mime(p: &Path) -> &'static str {
    match p.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase()).as_deref() {
        Some("wav") => "audio/wav",
        Some("mp3") => "audio/mpeg",
        Some("m4a") | Some("mp4") | Some("aac") => "audio/mp4",
        Some("ogg") | Some("opus") | Some("oga") => "audio/ogg",
        Some("flac") => "audio/flac",
        Some("webm") => "audio/webm",
        _ => "application/octet-stream",
    }
}

/// Parse a single `bytes=a-b`, `bytes=a-` or `bytes=-n` range against a file of `len` bytes.
pub fn parse_range(h: &str, len: u64) -> Option<(u64, u64)> {
    let spec = h.trim().strip_prefix("bytes=")?;
    if spec.contains(',') || len == 0 {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (start, end) = if a.trim().is_empty() {
        let n: u64 = b.trim().parse().ok()?;
        (len.saturating_sub(n), len - 1)
    } else {
        let start: u64 = a.trim().parse().ok()?;
        let end = if b.trim().is_empty() { len - 1 } else { b.trim().parse::<u64>().ok()?.min(len - 1) };
        (start, end)
    };
    (start <= end && start < len).then_some((start, end))
}

async fn audio(State(app): State<Shared>, headers: HeaderMap) -> Result<Response, ApiError> {
    let path = app.recording.path.clone().ok_or_else(|| ApiError(StatusCode::NOT_FOUND, app.recording.note_nb.clone()))?;
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok()).map(str::to_string);
    tokio::task::spawn_blocking(move || -> Result<Response, ApiError> {
        let mut f = std::fs::File::open(&path).map_err(|e| internal(anyhow::anyhow!("cannot open the recording: {e}")))?;
        let len = f.metadata().map(|m| m.len()).map_err(|e| internal(e.into()))?;
        let (start, end, partial) = match &range {
            Some(r) => match parse_range(r, len) {
                Some((s, e)) => (s, e.min(s + AUDIO_CHUNK - 1), true),
                None => return Ok((StatusCode::RANGE_NOT_SATISFIABLE, [(header::CONTENT_RANGE, format!("bytes */{len}"))]).into_response()),
            },
            // Small files whole; large ones in chunks (browsers ask with Range anyway).
            None if len <= AUDIO_CHUNK => (0, len.saturating_sub(1), false),
            None => (0, AUDIO_CHUNK - 1, true),
        };
        let mut buf = vec![0u8; if len == 0 { 0 } else { (end - start + 1) as usize }];
        f.seek(SeekFrom::Start(start)).and_then(|_| f.read_exact(&mut buf)).map_err(|e| internal(e.into()))?;
        let mut resp = Response::new(Body::from(buf));
        *resp.status_mut() = if partial { StatusCode::PARTIAL_CONTENT } else { StatusCode::OK };
        let h = resp.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(audio_mime(&path)));
        h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
        if partial {
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{len}")) {
                h.insert(header::CONTENT_RANGE, v);
            }
        }
        Ok(resp)
    })
    .await
    .map_err(|e| internal(anyhow::anyhow!("audio task failed: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-", 100), Some((0, 99)));
        assert_eq!(parse_range("bytes=10-19", 100), Some((10, 19)));
        assert_eq!(parse_range("bytes=-10", 100), Some((90, 99)));
        assert_eq!(parse_range("bytes=50-500", 100), Some((50, 99)));
        assert_eq!(parse_range("bytes=100-", 100), None);
        assert_eq!(parse_range("bytes=0-1,5-6", 100), None);
        assert_eq!(parse_range("items=0-1", 100), None);
    }

    #[test]
    fn hosts() {
        for ok in ["127.0.0.1:8737", "localhost:1", "localhost", "127.0.0.1"] {
            assert!(local_host(ok), "{ok}");
        }
        for bad in ["evil.example:8737", "127.0.0.1.evil.example", "", "localhost.evil:80"] {
            assert!(!local_host(bad), "{bad}");
        }
    }

    #[test]
    fn apply_edits_moves_and_survives_a_redraft() {
        use crate::artifact::{DraftItem, ItemStatus, Line, Origin};
        let line = |t: &str| Line { text: t.into(), source: vec![[1.0, 2.0]], flags: vec![], origin: Origin::Model };
        let item = |nr: &str, inn: &[&str]| DraftItem {
            saksnr: nr.into(),
            intro: "i".into(),
            innspill: inn.iter().map(|t| line(t)).collect(),
            aksjonspunkter: vec![],
            vedtak: line("v"),
            joint_with: vec![],
            status: ItemStatus::Discussed,
        };
        let d = Draft { version: 1, inputs: Default::default(), model: "m".into(), items: vec![item("1", &["A", "B"]), item("2", &[])] };
        let mut r = Review { version: REVIEW_VERSION, ..Default::default() };
        let op = |j: &str| serde_json::from_str::<Op>(j).unwrap();
        apply(&d, &mut r, op(r#"{"op":"edit","saksnr":"1","key":"innspill/0","text":"A2"}"#)).unwrap();
        apply(&d, &mut r, op(r#"{"op":"move","saksnr":"1","key":"innspill/1","to":"2"}"#)).unwrap();
        apply(&d, &mut r, op(r#"{"op":"add","saksnr":"2","section":"aksjonspunkter","text":"X følger opp"}"#)).unwrap();
        assert!(apply(&d, &mut r, op(r#"{"op":"move","saksnr":"1","key":"vedtak","to":"2"}"#)).is_err());
        assert!(apply(&d, &mut r, op(r#"{"op":"edit","saksnr":"9","key":"vedtak","text":"x"}"#)).is_err());
        assert!(apply(&d, &mut r, op(r#"{"op":"status","saksnr":"1","key":"innspill/7","status":"rejected"}"#)).is_err());
        let out = crate::review::reviewed_draft(&d, &r);
        assert_eq!(out.items[0].innspill.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(), ["A2"]);
        assert_eq!(out.items[1].innspill[0].text, "B");
        assert_eq!(out.items[1].aksjonspunkter[0].text, "X følger opp");
        // Re-draft changes A: the edit survives, flagged; accepting it now re-bases it, unflagged.
        let mut d2 = d.clone();
        d2.items[0].innspill[0].text = "A ny".into();
        let out = crate::review::reviewed_draft(&d2, &r);
        assert_eq!(out.items[0].innspill[0].text, "A2");
        assert!(!out.items[0].innspill[0].flags.is_empty());
        apply(&d2, &mut r, op(r#"{"op":"status","saksnr":"1","key":"innspill/0","status":"accepted"}"#)).unwrap();
        let out = crate::review::reviewed_draft(&d2, &r);
        assert_eq!(out.items[0].innspill[0].text, "A2");
        assert!(out.items[0].innspill[0].flags.is_empty());
    }

    #[test]
    fn ops_reject_unknown_shapes() {
        assert!(serde_json::from_str::<Op>(r#"{"op":"edit","saksnr":"1","key":"vedtak","text":"x","path":"/etc"}"#).is_err());
        assert!(serde_json::from_str::<Op>(r#"{"op":"rm","saksnr":"1"}"#).is_err());
        assert!(serde_json::from_str::<Op>(r#"{"op":"status","saksnr":"1","key":"vedtak","status":"accepted"}"#).is_ok());
    }
}
