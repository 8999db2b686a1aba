//! The review server end to end: its guards over raw HTTP, then the page in headless Chromium
//! (tests/browser/review.test.mjs: edit, accept, reject, add, move, play, reload, export), then
//! a server restart and an export from the saved review.
//!
//! Needs: node, `npm ci --prefix tests/browser` (playwright-core), and the Debian `chromium`
//! package (or CHROMIUM=/path/to/chrome).

use referat::meeting::Meeting;
use referat::review::server::{router, App};
use referat::workdir::WorkDir;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures").join(name)
}

/// The bundled sample meeting (samples/), shared by the tests rather than copied.
fn sample_file(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/ehelse-2025-06").join(name)
}

/// Work dir with the fixture draft and transcript, and a quiet recording long enough for the
/// whole sample meeting (524 s; 8 kHz, 8 bit: small).
fn workdir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("draft-sample.json"), dir.path().join("draft.json")).unwrap();
    std::fs::copy(fixture("transcript-sample.json"), dir.path().join("transcript.json")).unwrap();
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
    let meeting = Meeting::load(&sample_file("meeting.toml")).unwrap();
    let app = App::load(meeting, WorkDir::open(dir).unwrap(), Some(wav.to_path_buf())).unwrap();
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
    let ok = r#"{"op":"status","saksnr":"13/25","key":"innspill/0","status":"accepted"}"#;
    assert_eq!(post(addr, &local, "Origin: http://evil.example\r\n", ok).0, 403);
    assert_eq!(post(addr, &local, "", r#"{"op":"status","saksnr":"13/25","key":"../../etc","status":"accepted"}"#).0, 400);
    assert!(post(addr, &local, "", r#"{"op":"edit","saksnr":"13/25","key":"vedtak","text":"x","file":"/etc/passwd"}"#).0 >= 400);
    let big = format!(r#"{{"op":"add","saksnr":"13/25","section":"innspill","text":"{}"}}"#, "x".repeat(100_000));
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
    let browser_dir = root().join("tests/browser");
    assert!(tool_ok("node", &["--version"]), "node is not installed: apt-get install -y nodejs npm");
    assert!(browser_dir.join("node_modules/playwright-core").is_dir(), "playwright-core is missing: run `npm ci --prefix tests/browser`");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(Path::new(&chromium).exists(), "{chromium} not found: apt-get install -y chromium (or set CHROMIUM)");

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
    let review = referat::review::load(&WorkDir::open(dir.path()).unwrap()).unwrap().expect("review.json");
    let ir = &review.items["13/25"];
    assert_eq!(ir.lines["innspill/0"].text.as_deref(), Some("Kommunene trenger klarere krav før anskaffelser (redigert)."));
    assert_eq!(ir.lines["innspill/1"].status, referat::review::Status::Rejected);
    assert_eq!(ir.lines["innspill/2"].moved_to.as_deref(), Some("14/25"));
    for f in ["docx", "pdf"] {
        assert!(dir.path().join(format!("referat.{f}")).is_file(), "export button made no referat.{f}");
    }

    // A restarted server shows the same state.
    let addr2 = serve(dir.path(), &wav);
    let (st, body) = get(addr2, &format!("127.0.0.1:{}", addr2.port()), "/api/state");
    assert_eq!(st, 200);
    assert!(body.contains("(redigert)"), "{body}");

    // And the export follows the review.
    let meeting = Meeting::load(&sample_file("meeting.toml")).unwrap();
    let wd = WorkDir::open(dir.path()).unwrap();
    let opts = referat::export::ExportOptions { final_: true, times: false };
    let p = referat::export::run_stage(&meeting, &wd, referat::export::Format::Md, &opts).unwrap();
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
    let status_op = r#"{"op":"status","saksnr":"13/25","key":"innspill/0","status":"accepted"}"#;
    expect("Origin: null", post(addr, &local, "Origin: null\r\n", status_op).0, &|s| s == 403);
    expect("Origin http://127.0.0.1.evil.example", post(addr, &local, "Origin: http://127.0.0.1.evil.example\r\n", status_op).0, &|s| {
        s == 403
    });
    expect("truncated JSON", post(addr, &local, "", r#"{"op":"status","saksnr":"#).0, &client_error);
    expect("JSON of the wrong type", post(addr, &local, "", "[1,2,3]").0, &client_error);
    expect("unknown op", post(addr, &local, "", r#"{"op":"delete","saksnr":"13/25"}"#).0, &client_error);
    expect("not JSON content type", raw("POST", "/api/op", "text/plain", status_op), &client_error);
    expect("form post (cross-site form shape)", raw("POST", "/api/op", "application/x-www-form-urlencoded", "op=status"), &client_error);
    let long = format!(r#"{{"op":"add","saksnr":"13/25","section":"innspill","text":"{}"}}"#, "æ".repeat(9_000));
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
    assert!(!dir.path().join("referat.md").exists(), "a refused export wrote a document");
    // Still serving after all that.
    assert_eq!(get(addr, &local, "/api/state").0, 200);
    eprintln!("{tried} malformed requests refused");
}
