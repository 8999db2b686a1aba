//! Export the sample meeting's draft to all four formats through the CLI and check the text
//! of each document. DOCX and ODT are opened with LibreOffice headless (converted to PDF) and
//! every PDF is read back with pdftotext, so the files are proven readable, not only written.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// The bundled sample meeting (samples/), shared by the tests rather than copied.
fn sample_file(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/ehelse-2025-06").join(name)
}

/// A work dir holding the fixture draft.
fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("draft-sample.json"), dir.path().join("draft.json")).unwrap();
    dir
}

/// Run the export stage through the library (the CLI arm is a thin shell over `run_stage`;
/// `missing_draft_is_a_clear_error` covers the CLI itself).
fn export(dir: &Path, format: &str, extra: &[&str]) -> PathBuf {
    let meeting = referat::meeting::Meeting::load(&sample_file("meeting.toml")).unwrap();
    let wd = referat::workdir::WorkDir::open(dir).unwrap();
    let opts = referat::export::ExportOptions { final_: extra.contains(&"--final"), times: extra.contains(&"--times") };
    let fmt = referat::export::Format::parse(format).unwrap();
    let p = referat::export::run_stage(&meeting, &wd, fmt, &opts).unwrap_or_else(|e| panic!("export {format}: {e:#}"));
    assert_eq!(p, dir.join(format!("referat.{format}")));
    assert!(p.is_file(), "{} missing", p.display());
    eprintln!("referat.{format} {:?}: {} bytes", extra, std::fs::metadata(&p).unwrap().len());
    // For a look at the documents by hand: REFERAT_EXPORT_KEEP=/some/dir
    if let Some(keep) = std::env::var_os("REFERAT_EXPORT_KEEP") {
        let name = format!("referat{}.{format}", extra.concat().replace("--", "-"));
        std::fs::copy(&p, Path::new(&keep).join(name)).unwrap();
    }
    p
}

fn tool(name: &str, fix: &str) -> String {
    let ok = Command::new("sh").args(["-c", &format!("command -v {name}")]).output().map(|o| o.status.success());
    assert!(matches!(ok, Ok(true)), "{name} is not installed: {fix}");
    name.to_string()
}

fn pdftotext(pdf: &Path) -> String {
    let t = tool("pdftotext", "apt-get install -y poppler-utils");
    let out = Command::new(t).arg("-layout").arg(pdf).arg("-").output().unwrap();
    assert!(out.status.success(), "pdftotext {} failed: {}", pdf.display(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Open a document with LibreOffice headless, convert it to PDF and return the PDF's text.
fn libreoffice_text(doc: &Path) -> String {
    let soffice = tool("soffice", "apt-get install -y libreoffice-writer-nogui");
    let outdir = tempfile::tempdir().unwrap();
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(soffice)
        .arg(format!("-env:UserInstallation=file://{}", profile.path().display()))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(outdir.path())
        .arg(doc)
        .output()
        .unwrap();
    let pdf = outdir.path().join(doc.with_extension("pdf").file_name().unwrap());
    assert!(
        pdf.is_file(),
        "LibreOffice could not open {}: {}{}",
        doc.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    pdftotext(&pdf)
}

/// Collapse whitespace so wrapped lines and table layout do not matter.
fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What every draft export of the sample must say, in this order.
fn check_draft_text(text: &str, what: &str) {
    let t = norm(text);
    let expect = [
        "Referat fra møte i Nasjonalt e-helseråd",
        "Møte 2/2025",
        "Utkast",
        "Dato",
        "12. juni 2025",
        "Tid",
        "Kl. 10.00 – 16.00",
        "Sted",
        "Medlemmer",
        "Til stede",
        "Hans Olav Berg (Helse Vest RHF)",
        "Ikke til stede",
        "Guro Nilsen (Helse Nord RHF)",
        "Stedfortreder",
        "Anne Kristin Dahl for Bjørn Eriksen (Oslo kommune)",
        "Siv Ingebrigtsen (Helsedirektoratet)",
        "Sak",
        "Agenda Nasjonalt e-helseråd",
        "Sakstype",
        "11/25 Godkjenning av innkalling og dagsorden",
        "Vedtak:",
        "Nasjonalt e-helseråd godkjenner innkalling og dagsorden.",
        "13/25 Veilednings- og godkjenningsordning for helseteknologier",
        "Innspill:",
        "Kommunene trenger tydelige krav tidlig nok, før de starter en anskaffelse.",
        "[Sjekk: svakt grunnlag i transkripsjonen]",
        "Aksjonspunkter:",
        "Helsedirektoratet kommer tilbake med en plan for aktørnettverket",
        "15/25 Anbefaling til justert prismodell 2026",
        "16/25 Bruk av store språkmodeller",
        "Det mangler tall på nytten",
        "18/25 Evaluering av nasjonal rådsmodell for e-helse",
        "17/25 Endringer i mandat for Teknisk beregningsutvalg",
        "[Sjekk: vedtaket avviker fra forslag til vedtak",
        "19/25 Orientering fra Helsedirektoratet",
        "Nasjonalt e-helseråd tar sakene til orientering.",
        "20/25 Eventuelt",
        "Saken ble ikke behandlet.",
    ];
    let mut at = 0;
    for e in expect {
        match t[at..].find(e) {
            Some(i) => at += i + e.len(),
            None => panic!("{what}: {e:?} missing or out of order after byte {at} in:\n{t}"),
        }
    }
    // Bullets are shown as bullets.
    assert!(text.contains('•') || text.contains("- Kommunene") || text.contains("●"), "{what}: no bullet marks:\n{text}");
    // Joint items (15/25 and 16/25): one shared innspill list, after the last of them.
    let i16 = t.find("16/25 Bruk av store").unwrap();
    assert!(t.find("Det mangler tall på nytten").unwrap() > i16, "{what}: joint innspill must follow 16/25");
    assert_eq!(t.matches("Det mangler tall på nytten").count(), 1, "{what}: shared innspill once");
    // Not discussed: no vedtak.
    assert!(!t[t.find("20/25 Eventuelt Saken").unwrap_or(0)..].contains("Vedtak:"), "{what}");
}

fn strip_md(s: &str) -> String {
    s.replace("**", "").replace("\\[", "[").replace("\\]", "]").replace('_', "")
}

#[test]
fn markdown_draft_final_and_times() {
    let dir = workdir();
    let p = export(dir.path(), "md", &["--times"]);
    let text = std::fs::read_to_string(&p).unwrap();
    check_draft_text(&strip_md(&text), "md");
    assert!(text.contains("| Sak | Agenda Nasjonalt e-helseråd | Sakstype |"), "{text}");
    assert!(text.contains("(01:19–01:25)"), "source times missing:\n{text}");
    assert!(text.contains("(02:43–02:49)"), "{text}");

    let p = export(dir.path(), "md", &["--final", "--times"]);
    let fin = std::fs::read_to_string(&p).unwrap();
    assert!(!fin.contains("Utkast"), "{fin}");
    assert!(!fin.contains("Sjekk"), "{fin}");
    assert!(!fin.contains("01:19"), "{fin}");
    assert!(fin.contains("- Kommunene trenger tydelige krav tidlig nok"), "{fin}");
}

#[test]
fn export_uses_the_review_and_escapes_text() {
    let dir = workdir();
    let draft = std::fs::read(dir.path().join("draft.json")).unwrap();
    let review = serde_json::json!({
        "version": 1,
        "draft_hash": referat::workdir::sha256_bytes(&draft),
        "items": {
            "13/25": {
                "intro": "Redigert intro.",
                "lines": {
                    "innspill/0": { "orig": "Kommunene trenger tydelige krav tidlig nok, før de starter en anskaffelse.",
                                    "text": "Kommunene <script>alert(1)</script> & KS trenger krav.", "status": "accepted" },
                    "innspill/1": { "orig": "Små kommuner har lite kompetanse på området og trenger veiledning, ikke bare en liste med krav.",
                                    "status": "rejected" }
                },
                "added": [ { "id": "a1", "section": "innspill", "text": "Et nytt innspill fra sekretæren." } ]
            }
        }
    });
    std::fs::write(dir.path().join("review.json"), serde_json::to_vec(&review).unwrap()).unwrap();
    for f in ["md", "docx", "odt"] {
        export(dir.path(), f, &["--final"]);
    }
    let md = std::fs::read_to_string(dir.path().join("referat.md")).unwrap();
    assert!(md.contains("Redigert intro."), "{md}");
    assert!(md.contains("\\<script>alert(1)\\</script> & KS"), "{md}");
    assert!(!md.contains("Små kommuner har lite"), "rejected line exported:\n{md}");
    assert!(md.contains("- Et nytt innspill fra sekretæren."), "{md}");
    // The machine draft is untouched.
    assert_eq!(std::fs::read(dir.path().join("draft.json")).unwrap(), draft);
    // XML formats stay well-formed with markup-like text in them.
    for f in ["docx", "odt"] {
        let t = norm(&libreoffice_text(&dir.path().join(format!("referat.{f}"))));
        assert!(t.contains("Kommunene <script>alert(1)</script> & KS trenger krav."), "{f}: {t}");
        assert!(!t.contains("Små kommuner har lite"), "{f}: {t}");
    }
}

#[test]
fn missing_draft_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_referat"))
        .args(["export", "--format", "md", "--meeting"])
        .arg(sample_file("meeting.toml"))
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("draft.json") && err.contains("referat draft"), "{err}");
    assert!(!dir.path().join("referat.md").exists());
}

#[test]
fn docx_opens_in_libreoffice() {
    let dir = workdir();
    let p = export(dir.path(), "docx", &["--times"]);
    let text = libreoffice_text(&p);
    check_draft_text(&text, "docx");
    assert!(norm(&text).replace("– ", "–").contains("(01:19–01:25)"), "{text}");
}

#[test]
fn odt_opens_in_libreoffice() {
    let dir = workdir();
    let p = export(dir.path(), "odt", &[]);
    let text = libreoffice_text(&p);
    check_draft_text(&text, "odt");
}

#[test]
fn pdf_has_the_text() {
    let dir = workdir();
    let p = export(dir.path(), "pdf", &["--times"]);
    let text = pdftotext(&p);
    check_draft_text(&text, "pdf");
    let p = export(dir.path(), "pdf", &["--final"]);
    let fin = norm(&pdftotext(&p));
    assert!(!fin.contains("Utkast") && !fin.contains("Sjekk"), "{fin}");
    assert!(fin.contains("Nasjonalt e-helseråd tar sakene til orientering."), "{fin}");
}
