//! The review server end to end: its guards over raw HTTP; the page in headless Chromium on a
//! fixture work dir (tests/browser/review.test.mjs: edit, accept, reject, add, move, play,
//! reload, export, a transcript correction, a moved boundary, a stale second tab), then a
//! server restart and an export from the saved review; `referat review` finding the recording
//! that `referat transcribe` recorded (and saying when it moved) and locking the work dir; and
//! the secretary's whole loop on the sample with a real model (tests/browser/loop.test.mjs).
//!
//! Needs: node, `npm ci --prefix tests/browser` (playwright-core), the Debian `chromium`
//! package (or CHROMIUM=/path/to/chrome), and for the last two the whisper-base and smollm2
//! test models (REFERAT_MODELS_DIR or `referat models install --test`).

mod common;

use common::{referat, root};
use referat::artifact::Transcript;
use referat::meeting::Meeting;
use referat::server::{router, App};
use referat::workdir::WorkDir;
use std::io::{BufRead, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures").join(name)
}

/// The segment stage, as `referat segment` runs it.
fn segment(meeting_path: &Path, meeting: &Meeting, wd: &WorkDir) {
    let stage = referat::segment::SegmentStage::new(meeting_path, meeting, wd).unwrap();
    referat::stage::run_stage(wd, &stage, false, &referat::progress::Silent).unwrap();
}

/// Work dir with the fixture draft and transcript, the segmentation stage's segments.json, and
/// a quiet recording long enough for the whole sample meeting (524 s; 8 kHz, 8 bit: small).
fn workdir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("draft-sample.json"), dir.path().join("draft.json")).unwrap();
    std::fs::copy(fixture("transcript-sample.json"), dir.path().join("transcript.json")).unwrap();
    let meeting = Meeting::load(&common::sample("meeting.toml")).unwrap();
    segment(&common::sample("meeting.toml"), &meeting, &WorkDir::open(dir.path()).unwrap());
    let wav = dir.path().join("opptak.wav");
    let spec = hound::WavSpec { channels: 1, sample_rate: 8000, bits_per_sample: 8, sample_format: hound::SampleFormat::Int };
    let mut w = hound::WavWriter::create(&wav, spec).unwrap();
    for i in 0..8000u32 * 530 {
        // A faint 440 Hz tone, so a listener can hear that playback works.
        let s = ((i as f32 * 440.0 * std::f32::consts::TAU / 8000.0).sin() * 20.0) as i8;
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
    (dir, wav)
}

/// Serve the work dir on a free port in a background thread.
fn serve(dir: &Path, wav: &Path) -> SocketAddr {
    let app = App::load(&common::sample("meeting.toml"), WorkDir::open(dir).unwrap(), Some(wav.to_path_buf()), Default::default()).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || rt.block_on(async move { axum::serve(listener, router(app)).await }));
    addr
}

/// One raw HTTP/1.1 request (so Host and Origin can be set freely); returns status and body.
fn http(addr: SocketAddr, req: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(req.as_bytes()).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let text = String::from_utf8_lossy(&out).to_string();
    let status = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

fn post(addr: SocketAddr, host: &str, extra: &str, body: &str) -> (u16, String) {
    http(
        addr,
        &format!(
            "POST /api/op HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
}

fn get(addr: SocketAddr, host: &str, path: &str) -> (u16, String) {
    http(addr, &format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"))
}

fn state(addr: SocketAddr) -> serde_json::Value {
    let (st, body) = get(addr, &format!("127.0.0.1:{}", addr.port()), "/api/state");
    assert_eq!(st, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// A change request as the page sends it: made against the server's current version.
fn versioned(addr: SocketAddr, op: &str) -> String {
    format!(r#"{{"version":{},"change":{op}}}"#, state(addr)["version"])
}

#[test]
fn guards_refuse_foreign_hosts_origins_shapes_and_big_bodies() {
    let (dir, wav) = workdir();
    let addr = serve(dir.path(), &wav);
    let local = format!("127.0.0.1:{}", addr.port());
    assert_eq!(get(addr, &local, "/").0, 200);
    assert_eq!(get(addr, &format!("localhost:{}", addr.port()), "/api/state").0, 200);
    // DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends its own Host.
    assert_eq!(get(addr, "evil.example", "/api/state").0, 403);
    assert_eq!(get(addr, "evil.example", "/audio").0, 403);
    let ok = &versioned(addr, r#"{"op":"status","saksnr":"13/25","key":"innspill/0","status":"accepted"}"#);
    assert_eq!(post(addr, &local, "Origin: http://evil.example\r\n", ok).0, 403);
    assert_eq!(
        post(addr, &local, "", &versioned(addr, r#"{"op":"status","saksnr":"13/25","key":"../../etc","status":"accepted"}"#)).0,
        400
    );
    assert!(
        post(addr, &local, "", &versioned(addr, r#"{"op":"edit","saksnr":"13/25","key":"vedtak","text":"x","file":"/etc/passwd"}"#)).0
            >= 400
    );
    let unversioned = r#"{"op":"status","saksnr":"13/25","key":"innspill/0","status":"accepted"}"#;
    assert!((400..500).contains(&post(addr, &local, "", unversioned).0), "a change must say which version it was made against");
    // Against an older state: 409, a Norwegian message and the current state for the page.
    let stale = ok.replace(&format!("{}", state(addr)["version"]), "\"1-0\"");
    let (st, body) = post(addr, &local, "", &stale);
    assert_eq!(st, 409, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(v["error"].as_str().unwrap().contains("endret i en annen fane"), "{body}");
    assert!(v["state"]["items"].is_array(), "{body}");
    let big = versioned(addr, &format!(r#"{{"op":"add","saksnr":"13/25","section":"innspill","text":"{}"}}"#, "x".repeat(100_000)));
    assert_eq!(post(addr, &local, "", &big).0, 413);
    assert_eq!(get(addr, &local, "/download/draft.json").0, 404);
    assert_eq!(get(addr, &local, "/download/..%2Fdraft.json").0, 404);
    assert!(!dir.path().join("review.json").exists(), "refused requests changed nothing");
    let (st, body) = post(addr, &local, &format!("Origin: http://{local}\r\n"), ok);
    assert_eq!(st, 200, "{body}");
    assert!(dir.path().join("review.json").exists());
}

fn tool_ok(cmd: &str, args: &[&str]) -> bool {
    Command::new(cmd).args(args).output().map(|o| o.status.success()).unwrap_or(false)
}

#[test]
fn review_in_headless_chromium() {
    let browser_dir = browser_dir();

    let (dir, wav) = workdir();
    let draft_before = std::fs::read(dir.path().join("draft.json")).unwrap();
    let addr = serve(dir.path(), &wav);
    let url = format!("http://127.0.0.1:{}/", addr.port());
    let shot = std::env::var_os("REFERAT_SCREENSHOT").map(PathBuf::from).unwrap_or_else(|| dir.path().join("review.png"));
    let out = Command::new("node").arg(browser_dir.join("review.test.mjs")).arg(&url).arg(&shot).output().unwrap();
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "browser test failed:\n{log}");
    assert!(shot.is_file(), "no screenshot");
    eprintln!("{log}screenshot: {}", shot.display());

    // What the page did is on disk, apart from the untouched machine draft.
    assert_eq!(std::fs::read(dir.path().join("draft.json")).unwrap(), draft_before);
    let review = WorkDir::open(dir.path()).unwrap().load_opt::<referat::review::Review>().unwrap().expect("review.json");
    let ir = &review.items["13/25"];
    assert_eq!(ir.lines["innspill/0"].text.as_deref(), Some("Kommunene trenger klarere krav før anskaffelser (redigert)."));
    assert_eq!(ir.lines["innspill/1"].status, referat::review::Status::Rejected);
    assert_eq!(ir.lines["innspill/2"].moved_to.as_deref(), Some("14/25"));
    for f in ["docx", "pdf"] {
        assert!(dir.path().join(format!("referat.{f}")).is_file(), "export button made no referat.{f}");
    }
    // The transcript correction is in transcript.json (Whisper's text beside it) and its VTT/SRT,
    // the moved boundary in segments.json; both saker wait for a re-draft.
    let wd = WorkDir::open(dir.path()).unwrap();
    let t: Transcript = wd.load("x").unwrap();
    let s = t.segments.iter().find(|s| s.start == 163.219).unwrap();
    assert!(s.edited && s.text.contains("støtter en slik endring"), "{s:?}");
    assert_eq!(s.asr_text.as_deref(), Some("Takk. Legeforeningen støtter en endring. Dagens samtykke gir mye ekstra arbeid for legene."));
    assert!(std::fs::read_to_string(dir.path().join("transcript.srt"))
        .unwrap()
        .contains("Tobias Iveland: Takk. Legeforeningen støtter en slik endring"));
    let seg: referat::artifact::Segmentation = wd.load("x").unwrap();
    let i19 = seg.items.iter().find(|i| i.saksnr == "19/25").unwrap();
    assert!(i19.manual);
    assert_eq!(i19.spans.last().unwrap()[1], 513.376);
    assert!(review.outdated.contains("14/25") && review.outdated.contains("19/25"), "{:?}", review.outdated);
    assert_eq!(review.items["18/25"].lines["innspill/0"].status, referat::review::Status::Accepted);
    assert!(
        !review.items["18/25"].lines.get("innspill/1").is_some_and(|l| l.status == referat::review::Status::Rejected),
        "stale tab's change"
    );

    // A restarted server shows the same state.
    let addr2 = serve(dir.path(), &wav);
    let (st, body) = get(addr2, &format!("127.0.0.1:{}", addr2.port()), "/api/state");
    assert_eq!(st, 200);
    assert!(body.contains("(redigert)"), "{body}");

    // And the export follows the review.
    let meeting = Meeting::load(&common::sample("meeting.toml")).unwrap();
    let wd = WorkDir::open(dir.path()).unwrap();
    let opts = referat::export::ExportOptions { final_: true, times: false };
    let draft = referat::review::load_reviewed(&wd).unwrap();
    let p = referat::export::write_document(&meeting, &draft, &wd, referat::export::Format::Md, &opts).unwrap();
    let md = std::fs::read_to_string(p).unwrap();
    let i13 = md.find("## 13/25").unwrap();
    let i14 = md.find("## 14/25").unwrap();
    let s13 = &md[i13..i14];
    assert!(s13.contains("Kommunene trenger klarere krav før anskaffelser (redigert)."), "{s13}");
    assert!(!s13.contains("Små kommuner har lite"), "{s13}");
    assert!(s13.contains("det videre arbeidet"), "{s13}");
    assert!(s13.contains("\\<script>"), "{s13}");
    assert!(!s13.contains("Listen over verifiserte"), "{s13}");
    assert!(md[i14..].contains("Listen over verifiserte produkter"), "moved bullet not under 14/25");
}

/// Request shapes the guard test above does not cover: a missing Host (HTTP/1.0), an
/// `Origin: null` write, malformed or mistyped JSON, over-long text under the body cap, a
/// chunked body over the cap, unknown export formats and fields, bad Range headers, other
/// methods and raw `..` paths. None of them may change anything on disk.
#[test]
fn server_refuses_malformed_requests() {
    let (dir, wav) = workdir();
    let addr = serve(dir.path(), &wav);
    let local = format!("127.0.0.1:{}", addr.port());
    let lenient = |req: String| -> u16 {
        // The server may answer and close before the whole body is sent: ignore write errors.
        let mut s = TcpStream::connect(addr).unwrap();
        let _ = s.write_all(req.as_bytes());
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        String::from_utf8_lossy(&out).split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
    };
    let raw = |method: &str, path: &str, ctype: &str, body: &str| {
        lenient(format!(
            "{method} {path} HTTP/1.1\r\nHost: {local}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ))
    };
    let mut tried = 0;
    let mut expect = |what: &str, got: u16, ok: &dyn Fn(u16) -> bool| {
        tried += 1;
        assert!(ok(got), "{what}: status {got}");
    };
    let client_error = |s: u16| (400..500).contains(&s);

    expect("no Host header", lenient("GET /api/state HTTP/1.0\r\n\r\n".into()), &|s| s == 403);
    let status_op = &versioned(addr, r#"{"op":"status","saksnr":"13/25","key":"innspill/0","status":"accepted"}"#);
    expect("Origin: null", post(addr, &local, "Origin: null\r\n", status_op).0, &|s| s == 403);
    expect("Origin http://127.0.0.1.evil.example", post(addr, &local, "Origin: http://127.0.0.1.evil.example\r\n", status_op).0, &|s| {
        s == 403
    });
    expect("truncated JSON", post(addr, &local, "", r#"{"op":"status","saksnr":"#).0, &client_error);
    expect("JSON of the wrong type", post(addr, &local, "", "[1,2,3]").0, &client_error);
    expect("unknown op", post(addr, &local, "", &versioned(addr, r#"{"op":"delete","saksnr":"13/25"}"#)).0, &client_error);
    let seg = |text: &str| versioned(addr, &format!(r#"{{"op":"segment","index":0,"start":1.0,"text":"{text}","speaker":null}}"#));
    expect(
        "transcript correction against another segment",
        post(addr, &local, "", &seg("x").replace("\"start\":1.0", "\"start\":7.0")).0,
        &|s| s == 400,
    );
    expect("empty transcript correction", post(addr, &local, "", &seg("  ")).0, &|s| s == 400);
    let boundary = |nr: &str, at: &str| versioned(addr, &format!(r#"{{"op":"boundary","saksnr":"{nr}","edge":"end","at":{at}}}"#));
    expect("boundary of an unknown sak", post(addr, &local, "", &boundary("99/25", "10.0")).0, &|s| s == 400);
    expect("boundary at a negative time", post(addr, &local, "", &boundary("13/25", "-5")).0, &|s| s == 400);
    expect("boundary before the sak's start", post(addr, &local, "", &boundary("13/25", "20.0")).0, &|s| s == 400);
    let redraft = |body: &str| raw("POST", "/api/redraft", "application/json", body);
    expect("re-draft without a version", redraft(r#"{"saker":["13/25"]}"#), &client_error);
    expect("re-draft of an unknown sak", redraft(&format!(r#"{{"version":{},"saker":["99/25"]}}"#, state(addr)["version"])), &|s| s == 400);
    expect("re-draft of no sak", redraft(&format!(r#"{{"version":{},"saker":[]}}"#, state(addr)["version"])), &|s| s == 400);
    expect("not JSON content type", raw("POST", "/api/op", "text/plain", status_op), &client_error);
    expect("form post (cross-site form shape)", raw("POST", "/api/op", "application/x-www-form-urlencoded", "op=status"), &client_error);
    let long = versioned(addr, &format!(r#"{{"op":"add","saksnr":"13/25","section":"innspill","text":"{}"}}"#, "æ".repeat(9_000)));
    expect("text over 8,000 characters", post(addr, &local, "", &long).0, &|s| s == 400);
    let chunk = "x".repeat(70_000);
    let chunked = format!(
        "POST /api/op HTTP/1.1\r\nHost: {local}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
        chunk.len()
    );
    expect("chunked body over the cap", lenient(chunked), &|s| s == 413);
    expect("unknown export format", raw("POST", "/api/export", "application/json", r#"{"format":"exe"}"#), &|s| s == 400);
    expect(
        "export with a path field",
        raw("POST", "/api/export", "application/json", r#"{"format":"md","path":"/tmp/x.md"}"#),
        &client_error,
    );
    let get_range = |range: &str| lenient(format!("GET /audio HTTP/1.1\r\nHost: {local}\r\nRange: {range}\r\nConnection: close\r\n\r\n"));
    expect("Range past the end", get_range("bytes=999999999-"), &|s| s == 416);
    expect("multi Range", get_range("bytes=0-1,4-5"), &|s| s == 416);
    expect("garbage Range", get_range("bytes=abc"), &|s| s == 416);
    expect("DELETE", raw("DELETE", "/api/op", "application/json", ""), &|s| s == 405);
    expect("raw .. path", get(addr, &local, "/../../etc/passwd").0, &|s| s == 404);
    expect("encoded .. download", get(addr, &local, "/download/%2e%2e%2freview.json").0, &|s| s == 404);
    expect("download of a work dir file", get(addr, &local, "/download/transcript.json").0, &|s| s == 404);
    assert!(!dir.path().join("review.json").exists(), "a refused request changed the review");
    assert_eq!(std::fs::read(dir.path().join("transcript.json")).unwrap(), std::fs::read(fixture("transcript-sample.json")).unwrap());
    assert!(!dir.path().join("referat.md").exists(), "a refused export wrote a document");
    // Still serving after all that.
    assert_eq!(get(addr, &local, "/api/state").0, 200);
    eprintln!("{tried} malformed requests refused");
}

// ------------------------------------------------------------------ `referat review` itself

fn models_dir() -> PathBuf {
    std::env::var_os("REFERAT_MODELS_DIR").map(PathBuf::from).unwrap_or_else(|| root().join("models"))
}

fn model(id: &str, file: &str) -> PathBuf {
    let p = models_dir().join(id).join(file);
    assert!(p.is_file(), "model {} is missing: set REFERAT_MODELS_DIR or run `referat models install --test`", p.display());
    p
}

/// A running `referat review` started by a test (stopped with SIGINT, as Ctrl-C would).
struct Review {
    child: Child,
    addr: SocketAddr,
    url: String,
    /// What it printed up to the URL and the line after it.
    said: String,
}

impl Review {
    fn start(out: &Path, extra: &[&std::ffi::OsStr]) -> Review {
        let mut child = referat()
            .arg("review")
            .arg("--meeting")
            .arg(common::sample("meeting.toml"))
            .arg("--out")
            .arg(out)
            .args(["--port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let mut said = String::new();
        let url = loop {
            let Some(Ok(l)) = lines.next() else {
                let mut err = String::new();
                child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
                panic!("referat review ended early:\n{said}{err}");
            };
            said.push_str(&l);
            said.push('\n');
            if let Some(rest) = l.strip_prefix("Gjennomgang: ") {
                break rest.split_whitespace().next().unwrap().to_string();
            }
        };
        // The recording line (or the note saying why there is none).
        if let Some(Ok(l)) = lines.next() {
            said.push_str(&l);
            said.push('\n');
        }
        let addr: SocketAddr = url.trim_start_matches("http://").trim_end_matches('/').parse().unwrap();
        Review { child, addr, url, said }
    }

    fn stop(mut self) {
        let _ = Command::new("kill").args(["-INT", &self.child.id().to_string()]).status();
        for _ in 0..100 {
            if self.child.try_wait().unwrap().is_some() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        panic!("referat review did not stop on SIGINT");
    }
}

/// `referat transcribe` records where the recording is; `referat review` without --audio plays
/// it, holds the work dir's lock (a stage run meanwhile is refused and told where the page
/// is), and says clearly when the recording has moved.
#[test]
fn review_plays_the_transcribed_recording_locks_the_work_dir_and_says_when_it_moved() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("opptak.flac");
    std::fs::copy(fixture("nb_clip.flac"), &rec).unwrap();
    let out = dir.path().join("work");
    let o = referat()
        .arg("transcribe")
        .arg("--meeting")
        .arg(common::sample("meeting.toml"))
        .arg("--audio")
        .arg(&rec)
        .arg("--out")
        .arg(&out)
        .arg("--whisper-model")
        .arg(model("whisper-base", "ggml-base-q8_0.bin"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let t: Transcript = WorkDir::open(&out).unwrap().load("x").unwrap();
    assert_eq!(t.inputs[referat::transcribe::asr::RECORDING], std::fs::canonicalize(&rec).unwrap().to_string_lossy());
    std::fs::copy(fixture("draft-sample.json"), out.join("draft.json")).unwrap();

    let r = Review::start(&out, &[]);
    assert!(r.said.contains(&format!("recording: {}", std::fs::canonicalize(&rec).unwrap().display())), "{}", r.said);
    assert_eq!(state(r.addr)["audio"], true);
    let (st, body) = http(r.addr, "GET /audio HTTP/1.1\r\nHost: 127.0.0.1\r\nRange: bytes=0-3\r\nConnection: close\r\n\r\n");
    assert_eq!((st, body.as_str()), (206, "fLaC"), "the recording itself is served");
    // While the page is open, a stage on the same work dir is refused and told where it is.
    let o = referat().arg("segment").arg("--meeting").arg(common::sample("meeting.toml")).arg("--out").arg(&out).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "a stage ran while the review was open");
    assert!(err.contains(&format!("is open for review at {}", r.url)), "{err}");
    assert!(!out.join("segments.json").exists(), "the refused stage wrote nothing");
    // So is a second review.
    let o =
        referat().args(["review", "--port", "0", "--meeting"]).arg(common::sample("meeting.toml")).arg("--out").arg(&out).output().unwrap();
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("use that page"), "{}", String::from_utf8_lossy(&o.stderr));
    r.stop();
    assert!(!out.join(referat::workdir::REVIEW_NOTE).exists(), "the note goes with the server");

    // The recording moved: the review still opens, and says so on the terminal and the page.
    let moved = dir.path().join("flyttet.flac");
    std::fs::rename(&rec, &moved).unwrap();
    let r = Review::start(&out, &[]);
    assert!(r.said.contains("is not there any more: was it moved? Start with --audio"), "{}", r.said);
    let s = state(r.addr);
    assert_eq!(s["audio"], false);
    assert!(s["audio_note"].as_str().unwrap().contains("finnes ikke der lenger"), "{s}");
    r.stop();
    let r = Review::start(&out, &[std::ffi::OsStr::new("--audio"), moved.as_os_str()]);
    assert_eq!(state(r.addr)["audio"], true);
    r.stop();
}

fn browser_dir() -> PathBuf {
    let browser_dir = root().join("tests/browser");
    assert!(tool_ok("node", &["--version"]), "node is not installed: apt-get install -y nodejs npm");
    assert!(browser_dir.join("node_modules/playwright-core").is_dir(), "playwright-core is missing: run `npm ci --prefix tests/browser`");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(Path::new(&chromium).exists(), "{chromium} not found: apt-get install -y chromium (or set CHROMIUM)");
    browser_dir
}

/// Text of the DOCX body (tags stripped).
fn docx_text(p: &Path) -> String {
    let mut z = zip::ZipArchive::new(std::fs::File::open(p).unwrap()).unwrap();
    let mut xml = String::new();
    z.by_name("word/document.xml").unwrap().read_to_string(&mut xml).unwrap();
    let mut text = String::new();
    let mut in_tag = false;
    for c in xml.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

/// The done-when of the review issue: on the sample, `referat review` opened without --audio
/// plays the recording; a misheard name is corrected in the transcript; 17/25 is re-drafted
/// with a real language model (SmolLM2, the small test model) and its line has the corrected
/// name; lines are accepted and rejected with the keyboard; a final DOCX is exported past the
/// warning, with the corrected text; a second tab's stale change is refused.
#[test]
#[ignore = "slow: SmolLM2 re-drafts one sak in the browser (one to three minutes on 2 cores)"]
fn review_loop_on_the_sample_in_headless_chromium() {
    let browser_dir = browser_dir();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("work");
    let wd = WorkDir::create(&out).unwrap();
    let meeting_path = common::sample("meeting.toml");
    let meeting = Meeting::load(&meeting_path).unwrap();
    // The work dir as the transcribe stage leaves it for the sample recording (the truth
    // transcript, so the rest of the draft fits it), with one name misheard as Whisper does.
    let mut t: Transcript = serde_json::from_str(&std::fs::read_to_string(fixture("transcript-sample.json")).unwrap()).unwrap();
    t.source = "asr".into();
    t.inputs.insert(
        referat::transcribe::asr::RECORDING.into(),
        std::fs::canonicalize(common::sample("recording.wav")).unwrap().to_string_lossy().into(),
    );
    let said = t.segments.iter_mut().find(|s| s.text.starts_with("KS støtter endringen")).expect("Marte Lien's turn in 17/25");
    said.text = said.text.replacen("KS", "Kåes", 1);
    referat::transcribe::transcript::save_with_exports(&wd, &t).unwrap();
    segment(&meeting_path, &meeting, &wd);
    std::fs::copy(fixture("draft-sample.json"), out.join("draft.json")).unwrap();
    let draft_before: referat::artifact::Draft = wd.load("x").unwrap();

    let llm = model("smollm2-135m-instruct", "model.gguf");
    let r = Review::start(
        &out,
        &[std::ffi::OsStr::new("--llm-model"), llm.as_os_str(), std::ffi::OsStr::new("--threads"), std::ffi::OsStr::new("2")],
    );
    let shot = std::env::var_os("REFERAT_SCREENSHOT").map(PathBuf::from).unwrap_or_else(|| dir.path().join("loop.png"));
    let o = Command::new("node").arg(browser_dir.join("loop.test.mjs")).arg(&r.url).arg(&shot).output().unwrap();
    r.stop();
    let log = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success(), "browser test failed:\n{log}");
    eprintln!("{log}screenshot: {}", shot.display());

    // The correction is in transcript.json, for every later stage, and in its VTT.
    let t: Transcript = wd.load("x").unwrap();
    let s = t.segments.iter().find(|s| s.start == 454.841).unwrap();
    assert!(s.edited && s.text.starts_with("KS støtter endringen"), "{s:?}");
    assert!(s.asr_text.as_deref().is_some_and(|a| a.starts_with("Kåes støtter")), "{s:?}");
    assert!(std::fs::read_to_string(out.join("transcript.vtt")).unwrap().contains("<v Marte Lien>KS støtter endringen"));
    // draft.json: 17/25 re-drafted from it, every other sak as it was.
    let d: referat::artifact::Draft = wd.load("x").unwrap();
    for (new, old) in d.items.iter().zip(&draft_before.items) {
        if new.saksnr == "17/25" {
            assert!(new.innspill.iter().any(|l| l.text.contains("KS støtter endringen")), "{:#?}", new.innspill);
        } else {
            assert_eq!(new, old);
        }
    }
    let review = wd.load_opt::<referat::review::Review>().unwrap().unwrap();
    assert!(review.outdated.is_empty(), "{:?}", review.outdated);
    let ir = &review.items["17/25"];
    assert_eq!(ir.lines["innspill/0"].status, referat::review::Status::Accepted);
    assert_eq!(ir.lines["innspill/1"].status, referat::review::Status::Rejected);
    assert!(!review.items.get("13/25").is_some_and(|i| i.lines.contains_key("innspill/0")), "the stale tab's change did not land");
    // The final DOCX the page exported has the corrected text, and not the misheard one.
    let text = docx_text(&out.join("referat.docx"));
    assert!(text.contains("KS støtter endringen"), "{text}");
    assert!(!text.contains("Kåes"));
    assert!(!text.contains("Utkast"), "a final document");
}
