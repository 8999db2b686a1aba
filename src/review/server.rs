//! The review web server: one page, a small JSON API, the recording with HTTP Range support,
//! and the exported documents. Bound to 127.0.0.1 only; requests whose Host (or Origin) is not
//! 127.0.0.1/localhost are refused, so a web page elsewhere cannot reach it through DNS
//! rebinding or a cross-site form. Every change is saved to `review.json` at once, atomically.

use super::{item_view, AddedLine, ItemReview, LineReview, Review, Section, Status, ViewLine, REVIEW_VERSION};
use crate::artifact::{Draft, Segmentation, Span, Transcript};
use crate::export::{self, ExportOptions, Format};
use crate::meeting::Meeting;
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
use std::sync::{Arc, Mutex};

const INDEX_HTML: &str = include_str!("page/index.html");
const APP_JS: &str = include_str!("page/app.js");
const APP_CSS: &str = include_str!("page/app.css");

/// Largest request body accepted (edits are short texts).
const MAX_BODY: usize = 64 * 1024;
/// Longest text accepted for one line or intro.
const MAX_TEXT: usize = 8_000;
/// Largest audio chunk sent per request.
const AUDIO_CHUNK: u64 = 2 * 1024 * 1024;

pub struct App {
    meeting: Meeting,
    wd: WorkDir,
    draft: Draft,
    draft_hash: String,
    review: Mutex<Review>,
    transcript: Option<Transcript>,
    segments: Option<Segmentation>,
    audio: Option<PathBuf>,
}

impl App {
    /// Load everything the page needs from the work dir. `review.json` is created on the
    /// first change, not here.
    pub fn load(meeting: Meeting, wd: WorkDir, audio: Option<PathBuf>) -> Result<App> {
        let draft_path = wd.path("draft.json");
        let bytes =
            std::fs::read(&draft_path).with_context(|| format!("cannot read {}: run `referat draft` first", draft_path.display()))?;
        let draft: Draft = wd.load("referat draft")?;
        let review = super::load(&wd)?.unwrap_or(Review { version: REVIEW_VERSION, ..Default::default() });
        let transcript = wd.load_opt::<Transcript>().ok().flatten();
        let segments = wd.load_opt::<Segmentation>().ok().flatten();
        if let Some(a) = &audio {
            if !a.is_file() {
                anyhow::bail!("recording {} not found: give the right --audio path", a.display());
            }
        }
        Ok(App { meeting, wd, draft, draft_hash: sha256_bytes(&bytes), review: Mutex::new(review), transcript, segments, audio })
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
        .route("/api/op", post(op))
        .route("/api/export", post(export_doc))
        .route("/download/{name}", get(download))
        .route("/audio", get(audio))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn(guard))
        .with_state(app)
}

/// Run the server until Ctrl-C.
pub fn run(meeting_path: &Path, out: &Path, audio: Option<&Path>, port: u16) -> Result<()> {
    let meeting = Meeting::load(meeting_path)?;
    let wd = WorkDir::open(out)?;
    let app = App::load(meeting, wd, audio.map(Path::to_path_buf))?;
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().context("cannot start the async runtime")?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .with_context(|| format!("cannot listen on 127.0.0.1:{port}: pick another --port (0 picks a free one)"))?;
        let addr = listener.local_addr()?;
        println!("Gjennomgang: http://{addr}/  (Ctrl-C stops the server)");
        if app.audio.is_none() {
            println!("note: no --audio given: the page works, but cannot play the recording");
        }
        axum::serve(listener, router(app))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .context("the review server stopped with an error")
    })
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

struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({ "error": self.1 }))).into_response()
    }
}

fn bad(msg: impl Into<String>) -> ApiError {
    ApiError(StatusCode::BAD_REQUEST, msg.into())
}

fn internal(e: anyhow::Error) -> ApiError {
    ApiError(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}"))
}

// ------------------------------------------------------------------ state

#[derive(Serialize)]
struct PageState {
    council: String,
    number: String,
    date: String,
    time: String,
    place: String,
    audio: bool,
    transcript: bool,
    /// The draft changed since the review was last saved (re-drafted).
    redrafted: bool,
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
    lines: Vec<ViewLine>,
}

fn build_state(app: &App, review: &Review) -> PageState {
    let mut items = Vec::new();
    for d in &app.draft.items {
        let m = app.meeting.item(&d.saksnr);
        let (intro, lines) = item_view(d, review.items.get(&d.saksnr));
        let spans = app
            .segments
            .as_ref()
            .and_then(|s| s.items.iter().find(|i| i.saksnr == d.saksnr))
            .map(|i| i.spans.clone())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| {
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
        items.push(PageItem {
            saksnr: d.saksnr.clone(),
            title: m.map(|m| m.title.clone()).unwrap_or_default(),
            sakstype: m.map(|m| m.sakstype.as_str().to_string()).unwrap_or_default(),
            presenters: m.map(|m| m.presenters.iter().map(|p| p.display()).collect::<Vec<_>>().join("; ")).unwrap_or_default(),
            forslag: m.map(|m| m.forslag.clone()).unwrap_or_default(),
            intro,
            machine_intro: d.intro.clone(),
            spans,
            joint_with: d.joint_with.clone(),
            lines,
        });
    }
    // Meeting order.
    let pos = |nr: &str| app.meeting.items.iter().position(|i| i.saksnr == nr).unwrap_or(usize::MAX);
    items.sort_by_key(|i| pos(&i.saksnr));
    PageState {
        council: app.meeting.council.clone(),
        number: app.meeting.number.clone(),
        date: app.meeting.date.clone(),
        time: app.meeting.time.clone(),
        place: app.meeting.place.clone(),
        audio: app.audio.is_some(),
        transcript: app.transcript.is_some(),
        redrafted: !review.draft_hash.is_empty() && review.draft_hash != app.draft_hash,
        items,
    }
}

async fn state(State(app): State<Shared>) -> Response {
    let review = app.review.lock().unwrap_or_else(|e| e.into_inner());
    Json(build_state(&app, &review)).into_response()
}

#[derive(Serialize)]
struct Seg<'a> {
    start: f64,
    end: f64,
    text: &'a str,
    speaker: Option<&'a str>,
}

async fn transcript(State(app): State<Shared>) -> Response {
    let segs: Vec<Seg> = app
        .transcript
        .iter()
        .flat_map(|t| t.segments.iter())
        .map(|s| Seg { start: s.start, end: s.end, text: s.text.trim(), speaker: s.speaker.as_deref() })
        .collect();
    Json(segs).into_response()
}

// ------------------------------------------------------------------ changes

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
}

fn clean_text(t: &str) -> Result<String, ApiError> {
    let t: String = t.chars().filter(|c| !c.is_control() || *c == '\n').collect();
    let t = t.trim().to_string();
    if t.chars().count() > MAX_TEXT {
        return Err(bad(format!("text is longer than {MAX_TEXT} characters")));
    }
    Ok(t)
}

/// Apply one change to the review. Pure (no I/O), so it can be tested directly.
pub fn apply(draft: &Draft, review: &mut Review, op: Op) -> Result<(), String> {
    let item = |nr: &str| draft.items.iter().find(|d| d.saksnr == nr).ok_or_else(|| format!("unknown sak {nr:?}"));
    match op {
        Op::Intro { saksnr, text } => {
            let d = item(&saksnr)?;
            let ir = review.items.entry(saksnr).or_default();
            ir.intro = (text != d.intro).then_some(text);
        }
        Op::Add { saksnr, section, text } => {
            item(&saksnr)?;
            if section == Section::Vedtak {
                return Err("a sak has one vedtak: edit it instead".into());
            }
            if text.is_empty() {
                return Err("empty text".into());
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
                return Err("empty text: reject the line instead".into());
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
                return Err("the bullet is already in that sak".into());
            }
            let d = item(&saksnr)?;
            let (_, lines) = item_view(d, review.items.get(&saksnr));
            let v = lines.iter().find(|l| l.key == key).ok_or_else(|| format!("unknown line {key:?} in sak {saksnr}"))?;
            if v.section == Section::Vedtak {
                return Err("the vedtak cannot be moved".into());
            }
            if v.moved_to.is_some() {
                return Err("the bullet has already been moved".into());
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
                let i = ir.added.iter().position(|a| a.id == id).ok_or("unknown line")?;
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

fn next_id(review: &Review) -> String {
    let n = review
        .items
        .values()
        .flat_map(|ir| ir.added.iter())
        .filter_map(|a| a.id.strip_prefix('a').and_then(|n| n.parse::<u64>().ok()))
        .max()
        .unwrap_or(0);
    format!("a{}", n + 1)
}

enum Target<'a> {
    Machine(&'a mut LineReview, String),
    Added(&'a mut AddedLine),
}

/// Find the line `key` of sak `saksnr` and let `f` change its review entry. A machine line's
/// entry is (re)based on the current machine text: the secretary has now seen that text.
fn with_line(draft: &Draft, review: &mut Review, saksnr: &str, key: &str, f: impl FnOnce(Target)) -> Result<(), String> {
    let d = draft.items.iter().find(|d| d.saksnr == saksnr).ok_or_else(|| format!("unknown sak {saksnr:?}"))?;
    let ir: &mut ItemReview = review.items.entry(saksnr.to_string()).or_default();
    if let Some(id) = key.strip_prefix("added/") {
        let a = ir.added.iter_mut().find(|a| a.id == id).ok_or_else(|| format!("unknown line {key:?} in sak {saksnr}"))?;
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
    .ok_or_else(|| format!("unknown line {key:?} in sak {saksnr}"))?;
    let lr = ir.lines.entry(key.to_string()).or_default();
    if lr.orig != machine {
        // Re-drafted since the last review of this line: keep a human edit, drop the rest.
        *lr = LineReview { orig: machine.clone(), text: lr.text.clone(), ..Default::default() };
    }
    f(Target::Machine(lr, machine));
    Ok(())
}

async fn op(State(app): State<Shared>, Json(op): Json<Op>) -> Result<Response, ApiError> {
    let op = match op {
        Op::Edit { saksnr, key, text } => Op::Edit { saksnr, key, text: clean_text(&text)? },
        Op::Add { saksnr, section, text } => Op::Add { saksnr, section, text: clean_text(&text)? },
        Op::Intro { saksnr, text } => Op::Intro { saksnr, text: clean_text(&text)? },
        o => o,
    };
    let mut review = app.review.lock().unwrap_or_else(|e| e.into_inner());
    let mut next = review.clone();
    apply(&app.draft, &mut next, op).map_err(bad)?;
    next.version = REVIEW_VERSION;
    next.draft_hash = app.draft_hash.clone();
    // Save first: the page only sees a change that is on disk.
    super::save(&app.wd, &next).map_err(internal)?;
    *review = next;
    Ok(Json(build_state(&app, &review)).into_response())
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

async fn export_doc(State(app): State<Shared>, Json(req): Json<ExportReq>) -> Result<Response, ApiError> {
    let format = Format::parse(&req.format).ok_or_else(|| bad("format must be md, docx, odt or pdf"))?;
    let opts = ExportOptions { final_: req.final_, times: req.times && !req.final_ };
    let app2 = app.clone();
    // Hold the review lock so the document reflects one consistent review.json.
    let path = tokio::task::spawn_blocking(move || {
        let _guard = app2.review.lock().unwrap_or_else(|e| e.into_inner());
        export::run_stage(&app2.meeting, &app2.wd, format, &opts)
    })
    .await
    .map_err(|e| internal(anyhow::anyhow!("export task failed: {e}")))?
    .map_err(internal)?;
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let file = format.file_name();
    Ok(Json(serde_json::json!({ "file": file, "bytes": size, "url": format!("/download/{file}") })).into_response())
}

async fn download(State(app): State<Shared>, UrlPath(name): UrlPath<String>) -> Result<Response, ApiError> {
    // Only the four exported documents, by exact name: no other path is ever served.
    let format = ["md", "docx", "odt", "pdf"]
        .into_iter()
        .filter_map(Format::parse)
        .find(|f| f.file_name() == name)
        .ok_or_else(|| ApiError(StatusCode::NOT_FOUND, "no such document".into()))?;
    let bytes = std::fs::read(app.wd.path(&format.file_name()))
        .map_err(|_| ApiError(StatusCode::NOT_FOUND, "not exported yet: press an export button".into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(format.mime())),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"{}\"", format.file_name())).map_err(|e| internal(e.into()))?,
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
    let path =
        app.audio.clone().ok_or_else(|| ApiError(StatusCode::NOT_FOUND, "no recording: start the review with --audio FILE".into()))?;
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
        use crate::artifact::{DraftItem, ItemStatus, Line};
        let line = |t: &str| Line { text: t.into(), source: vec![[1.0, 2.0]], flags: vec![], origin: "model".into() };
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
        let out = super::super::reviewed_draft(&d, &r);
        assert_eq!(out.items[0].innspill.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(), ["A2"]);
        assert_eq!(out.items[1].innspill[0].text, "B");
        assert_eq!(out.items[1].aksjonspunkter[0].text, "X følger opp");
        // Re-draft changes A: the edit survives, flagged; accepting it now re-bases it, unflagged.
        let mut d2 = d.clone();
        d2.items[0].innspill[0].text = "A ny".into();
        let out = super::super::reviewed_draft(&d2, &r);
        assert_eq!(out.items[0].innspill[0].text, "A2");
        assert!(!out.items[0].innspill[0].flags.is_empty());
        apply(&d2, &mut r, op(r#"{"op":"status","saksnr":"1","key":"innspill/0","status":"accepted"}"#)).unwrap();
        let out = super::super::reviewed_draft(&d2, &r);
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
