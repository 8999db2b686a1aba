//! Export the sample meeting's draft to all four formats through the CLI and check the text
//! of each document. DOCX and ODT are opened with LibreOffice headless (converted to PDF) and
//! every PDF is read back with pdftotext, so the files are proven readable, not only written.
//! Their structure is checked with tools independent of referat: the PDF's tags, fonts, XMP
//! and language with qpdf (PDF/A-2a + PDF/UA-1), the DOCX's and ODT's headings, lists, table
//! header row, language and title as LibreOffice reads them. A Nynorsk meeting exports with
//! no Bokmål fixed phrase left (the free text carried over by Apertium).

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

/// The sample meeting, in Bokmål (as its file says) or made Nynorsk.
fn meeting(lang: referat::meeting::Language) -> referat::meeting::Meeting {
    let mut m = referat::meeting::Meeting::load(&sample_file("meeting.toml")).unwrap();
    m.language = lang;
    m
}

/// Run the export stage through the library (the CLI arm is a thin shell over `write_document`;
/// `missing_draft_is_a_clear_error` covers the CLI itself).
fn export(dir: &Path, format: &str, extra: &[&str]) -> PathBuf {
    export_meeting(&meeting(referat::meeting::Language::Nb), dir, format, extra)
}

fn export_meeting(meeting: &referat::meeting::Meeting, dir: &Path, format: &str, extra: &[&str]) -> PathBuf {
    let wd = referat::workdir::WorkDir::open(dir).unwrap();
    let opts = referat::export::ExportOptions { final_: extra.contains(&"--final"), times: extra.contains(&"--times") };
    let fmt = referat::export::Format::parse(format).unwrap();
    let draft = referat::review::load_reviewed(&wd).unwrap();
    let p = referat::export::write_document(meeting, &draft, &wd, fmt, &opts).unwrap_or_else(|e| panic!("export {format}: {e:#}"));
    assert_eq!(p, dir.join(format!("referat.{format}")));
    assert!(p.is_file(), "{} missing", p.display());
    eprintln!("referat.{format} {:?}: {} bytes", extra, std::fs::metadata(&p).unwrap().len());
    // For a look at the documents by hand: REFERAT_EXPORT_KEEP=/some/dir
    if let Some(keep) = std::env::var_os("REFERAT_EXPORT_KEEP") {
        let lang = if meeting.language == referat::meeting::Language::Nn { "-nn" } else { "" };
        let name = format!("referat{lang}{}.{format}", extra.concat().replace("--", "-"));
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

// ------------------------------------------------------------------ structure, read back by independent tools

use referat::meeting::Language;
use serde_json::Value;

/// The PDF's objects as qpdf reads them (`qpdf --json`), by reference ("12 0 R").
struct QpdfObjects(serde_json::Map<String, Value>);

impl QpdfObjects {
    fn load(pdf: &Path) -> QpdfObjects {
        let q = tool("qpdf", "apt-get install -y qpdf");
        let check = Command::new(&q).arg("--check").arg(pdf).output().unwrap();
        assert!(check.status.success(), "qpdf --check {}: {}", pdf.display(), String::from_utf8_lossy(&check.stdout));
        let out = Command::new(&q).args(["--json=2", "--json-key=qpdf", "--json-stream-data=none"]).arg(pdf).output().unwrap();
        assert!(out.status.success(), "qpdf --json failed: {}", String::from_utf8_lossy(&out.stderr));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let objs = v["qpdf"][1].as_object().unwrap().clone();
        QpdfObjects(objs.into_iter().map(|(k, v)| (k.trim_start_matches("obj:").to_string(), v)).collect())
    }

    /// An object's dictionary (a stream's dictionary for streams); follows a reference.
    fn get<'a>(&'a self, v: &'a Value) -> &'a Value {
        match v.as_str().and_then(|r| self.0.get(r)) {
            Some(o) => o.get("value").unwrap_or_else(|| &o["stream"]["dict"]),
            None => v,
        }
    }

    fn all(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter().map(|(k, o)| (k, o.get("value").unwrap_or_else(|| &o["stream"]["dict"])))
    }

    fn catalog(&self) -> &Value {
        self.all().map(|(_, v)| v).find(|v| v["/Type"] == "/Catalog").expect("no /Catalog")
    }

    /// The structure tree as indented lines "S" with depth, in reading order, with each
    /// element's dictionary.
    fn structure(&self) -> Vec<(usize, String, Value)> {
        let mut out = Vec::new();
        let root = self.get(&self.catalog()["/StructTreeRoot"]).clone();
        self.walk(&root["/K"], 0, &mut out);
        out
    }

    fn walk(&self, k: &Value, depth: usize, out: &mut Vec<(usize, String, Value)>) {
        match k {
            Value::Array(a) => a.iter().for_each(|x| self.walk(x, depth, out)),
            Value::String(_) => {
                let e = self.get(k);
                if let Some(s) = e["/S"].as_str() {
                    out.push((depth, s.to_string(), e.clone()));
                    self.walk(&e["/K"], depth + 1, out);
                }
            }
            _ => {}
        }
    }

    /// The decoded XMP metadata stream of the catalog.
    fn xmp(&self, pdf: &Path) -> String {
        let r = self.catalog()["/Metadata"].as_str().expect("no /Metadata in the catalog");
        let id = r.split_whitespace().next().unwrap();
        let out = Command::new("qpdf").arg(format!("--show-object={id}")).arg("--filtered-stream-data").arg(pdf).output().unwrap();
        String::from_utf8(out.stdout).unwrap()
    }
}

fn text_str(v: &Value) -> String {
    v.as_str().unwrap_or("").trim_start_matches("u:").to_string()
}

/// PDF/A-2a + PDF/UA-1 as far as qpdf can show it: tagged (the structure tree with headings,
/// lists, a table with column header cells), language and title set and shown, all fonts
/// embedded, the XMP with both identifications.
fn check_pdf_structure(pdf: &Path, lang: &str, title: &str) {
    let o = QpdfObjects::load(pdf);
    let cat = o.catalog().clone();
    assert_eq!(text_str(&cat["/Lang"]), lang, "document language");
    assert_eq!(cat["/MarkInfo"]["/Marked"], true, "marked as tagged");
    assert_eq!(cat["/ViewerPreferences"]["/DisplayDocTitle"], true, "title shown instead of the file name");
    assert!(!o.get(&cat["/Outlines"]).is_null(), "bookmarks");
    assert!(!o.get(&cat["/OutputIntents"]).is_null(), "PDF/A output intent");

    let st = o.structure();
    let tags: Vec<&str> = st.iter().map(|(_, s, _)| s.as_str()).collect();
    let count = |t: &str| tags.iter().filter(|x| **x == t).count();
    assert_eq!(tags.first(), Some(&"/Document"), "{tags:?}");
    assert_eq!(count("/H1"), 1, "one level-1 heading: {tags:?}");
    let h1 = st.iter().find(|(_, s, _)| s == "/H1").unwrap();
    assert_eq!(text_str(&h1.2["/T"]), title.rsplit_once(' ').map(|(t, _)| t).unwrap_or(title), "H1 title");
    // Medlemmer and the ten saker.
    assert_eq!(count("/H2"), 11, "{tags:?}");
    assert!(count("/H3") >= 20, "labels as level-3 headings: {tags:?}");
    assert!(count("/P") >= 30, "{tags:?}");
    // Lists: L > LI > (Lbl, LBody), every item with its label and body.
    assert!(count("/L") >= 8, "{tags:?}");
    assert_eq!(count("/LI"), count("/Lbl"));
    assert_eq!(count("/LI"), count("/LBody"));
    assert!(count("/LI") >= 20, "{tags:?}");
    for (i, (d, s, _)) in st.iter().enumerate() {
        if s == "/LI" {
            assert_eq!((st[i + 1].0, st[i + 1].1.as_str()), (d + 1, "/Lbl"), "list item starts with its label");
        }
    }
    // The agenda table: a header row of column header cells, then one row per sak.
    assert_eq!(count("/Table"), 1, "{tags:?}");
    assert_eq!(count("/THead"), 1);
    assert_eq!(count("/TH"), 3);
    assert_eq!(count("/TR"), 11, "header row and ten saker");
    assert_eq!(count("/TD"), 30);
    for (_, s, e) in &st {
        if s == "/TH" {
            assert_eq!(e["/A"][0]["/Scope"], "/Column", "header cell scope: {e}");
        }
    }
    // Fonts: every font program embedded.
    let descriptors: Vec<_> = o.all().filter(|(_, v)| v["/Type"] == "/FontDescriptor").collect();
    assert!(descriptors.len() >= 2, "regular and bold");
    for (k, d) in &descriptors {
        assert!(d.get("/FontFile2").or(d.get("/FontFile")).or(d.get("/FontFile3")).is_some(), "font {k} not embedded: {d}");
    }
    for (k, f) in o.all().filter(|(_, v)| v["/Type"] == "/Font") {
        assert_ne!(f["/Subtype"], "/Type1", "font {k} is a base-14 Type1 font: {f}");
    }
    // Every page's content belongs to the structure tree.
    for (k, p) in o.all().filter(|(_, v)| v["/Type"] == "/Page") {
        assert!(p.get("/StructParents").is_some(), "page {k} has no /StructParents");
    }
    let xmp = o.xmp(pdf);
    for want in ["<pdfaid:part>2</pdfaid:part>", "<pdfaid:conformance>A</pdfaid:conformance>", "<pdfuaid:part>1</pdfuaid:part>"] {
        assert!(xmp.contains(want), "XMP lacks {want}:\n{xmp}");
    }
    assert!(xmp.contains(&format!("<rdf:li>{lang}</rdf:li>")), "XMP language:\n{xmp}");
    assert!(xmp.contains(&format!(">{title}</rdf:li>")), "XMP title:\n{xmp}");
    let size = std::fs::metadata(pdf).unwrap().len();
    eprintln!(
        "{}: {size} bytes, {} structure elements ({} H2, {} LI, {} TR), {} embedded fonts, XMP pdfaid 2A + pdfuaid 1, /Lang {lang}",
        pdf.display(),
        tags.len(),
        count("/H2"),
        count("/LI"),
        count("/TR"),
        descriptors.len()
    );
}

#[test]
fn pdf_is_tagged_pdf_a2a_and_pdf_ua1() {
    let dir = workdir();
    let p = export(dir.path(), "pdf", &["--times"]);
    check_pdf_structure(&p, "nb-NO", "Referat fra møte i Nasjonalt e-helseråd 2/2025");
    let p = export(dir.path(), "pdf", &["--final"]);
    check_pdf_structure(&p, "nb-NO", "Referat fra møte i Nasjonalt e-helseråd 2/2025");
    // The agenda table goes on over the page: its header row is repeated there (an artifact,
    // so the structure keeps one header row, checked above).
    let out = Command::new("pdftotext").args(["-f", "2", "-l", "2", "-layout"]).arg(&p).arg("-").output().unwrap();
    let page2 = norm(&String::from_utf8_lossy(&out.stdout));
    assert!(regex::Regex::new(r"^Sak Agenda Nasjonalt e-helseråd Sakstype \d+/25 ").unwrap().is_match(&page2), "{page2}");
}

/// A line with characters DejaVu Sans lacks (an emoji, CJK) still exports: PDF/A forbids
/// drawing a missing glyph, so "□" is drawn and the real text kept as /ActualText.
#[test]
fn pdf_keeps_characters_the_font_lacks() {
    let dir = workdir();
    let mut draft: Value = serde_json::from_slice(&std::fs::read(dir.path().join("draft.json")).unwrap()).unwrap();
    draft["items"][2]["innspill"][0]["text"] = "Kommunene 👍 trenger 漢字 krav\u{1} og ≠ tydelighet.".into();
    std::fs::write(dir.path().join("draft.json"), serde_json::to_vec(&draft).unwrap()).unwrap();
    let p = export(dir.path(), "pdf", &[]);
    let t = norm(&pdftotext(&p));
    assert!(t.contains("Kommunene 👍 trenger 漢字 krav og ≠ tydelighet."), "{t}");
    check_pdf_structure(&p, "nb-NO", "Referat fra møte i Nasjonalt e-helseråd 2/2025");
}

/// A document converted by LibreOffice to flat ODF XML: how an independent office suite
/// reads its structure.
fn libreoffice_fodt(doc: &Path) -> String {
    let soffice = tool("soffice", "apt-get install -y libreoffice-writer-nogui");
    let outdir = tempfile::tempdir().unwrap();
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(soffice)
        .arg(format!("-env:UserInstallation=file://{}", profile.path().display()))
        .args(["--headless", "--convert-to", "fodt", "--outdir"])
        .arg(outdir.path())
        .arg(doc)
        .output()
        .unwrap();
    let f = outdir.path().join(doc.with_extension("fodt").file_name().unwrap());
    std::fs::read_to_string(&f)
        .unwrap_or_else(|_| panic!("LibreOffice could not read {}: {}", doc.display(), String::from_utf8_lossy(&out.stderr)))
}

/// Headings at levels 1–3, real lists, the agenda's header row, language and title, as
/// LibreOffice reads them from the DOCX or ODT.
fn check_office_structure(fodt: &str, what: &str, lang: &str, title: &str) {
    let level = |n: u32| regex::Regex::new(&format!(r#"<text:h [^>]*text:outline-level="{n}""#)).unwrap().find_iter(fodt).count();
    assert_eq!(level(1), 1, "{what}: one level-1 heading");
    assert_eq!(level(2), 11, "{what}: Medlemmer and ten saker as level-2 headings");
    assert!(level(3) >= 20, "{what}: labels as level-3 headings ({})", level(3));
    let h1 = regex::Regex::new(r#"<text:h [^>]*text:outline-level="1"[^>]*>([^<]*)<"#).unwrap();
    assert_eq!(&h1.captures(fodt).unwrap()[1], title.rsplit_once(' ').unwrap().0, "{what}: H1 text");
    let lists = fodt.matches("<text:list ").count();
    assert!(lists >= 8, "{what}: {lists} lists");
    assert!(fodt.matches("<text:list-item>").count() >= 20, "{what}: list items");
    assert_eq!(fodt.matches("<table:table-header-rows>").count(), 1, "{what}: the agenda's header row");
    let (l, c) = lang.split_once('-').unwrap();
    assert!(fodt.contains(&format!(r#"fo:language="{l}" fo:country="{c}""#)), "{what}: language {lang}");
    assert!(fodt.contains(&format!("<dc:title>{title}</dc:title>")), "{what}: title");
}

#[test]
fn docx_and_odt_structure_read_back_by_libreoffice() {
    for lang in [Language::Nb, Language::Nn] {
        let dir = workdir();
        let m = meeting(lang);
        let (tag, title) = match lang {
            Language::Nb => ("nb-NO", "Referat fra møte i Nasjonalt e-helseråd 2/2025"),
            Language::Nn => ("nn-NO", "Referat frå møte i Nasjonalt e-helseråd 2/2025"),
        };
        for f in ["docx", "odt"] {
            let p = export_meeting(&m, dir.path(), f, &[]);
            check_office_structure(&libreoffice_fodt(&p), &format!("{f} {lang:?}"), tag, title);
        }
    }
}

/// Bokmål fragments of the fixed phrases that Nynorsk words differently ("la frem saken",
/// "Ikke til stede", "tar"), as whole words.
fn bokmal_fragments() -> Vec<(String, String)> {
    let nb = referat::text::phrases::all(Language::Nb);
    let nn = referat::text::phrases::all(Language::Nn);
    let slot = regex::Regex::new(r"\{[a-z_]+\}").unwrap();
    let mut out = Vec::new();
    for (k, b) in &nb {
        let n = nn[k];
        // The review page's own labels are not in the documents.
        if b == &n || k.starts_with("review.") {
            continue;
        }
        for f in slot.split(b) {
            let f = f.trim_matches(|c: char| c == ' ' || c == '.' || c == ':');
            if f.chars().count() >= 3 && !n.contains(f) {
                out.push((k.to_string(), f.to_string()));
            }
        }
    }
    out
}

#[test]
fn nynorsk_meeting_exports_with_no_bokmal_fixed_phrase() {
    let dir = workdir();
    let m = meeting(Language::Nn);
    let p = export_meeting(&m, dir.path(), "md", &[]);
    let md = strip_md(&std::fs::read_to_string(&p).unwrap());
    let pdf = norm(&pdftotext(&export_meeting(&m, dir.path(), "pdf", &[])));
    check_pdf_structure(&dir.path().join("referat.pdf"), "nn-NO", "Referat frå møte i Nasjonalt e-helseråd 2/2025");
    let frags = bokmal_fragments();
    assert!(frags.len() > 40, "{frags:?}");
    for (what, text) in [("md", md.clone()), ("pdf", pdf)] {
        // The agenda's own text (titles, forslag) is the secretariat's, in whatever form it
        // was written: the sample's is Bokmål, so it is left out of the check.
        let mut rest = norm(&text);
        for t in m.items.iter().flat_map(|i| [norm(&i.title), norm(&i.forslag)]).filter(|t| !t.is_empty()) {
            rest = rest.replace(&t, " ");
        }
        for (key, f) in &frags {
            let re = regex::Regex::new(&format!(r"(?i)(^|[^\w]){}([^\w]|$)", regex::escape(f))).unwrap();
            assert!(!re.is_match(&rest), "{what}: Bokmål {f:?} (phrase {key}) left in:\n{rest}");
        }
        for want in [
            "Referat frå møte i Nasjonalt e-helseråd",
            "Medlemar",
            "Til stades:",
            "Ikkje til stades:",
            "Stadfortredar:",
            "Innspel:",
            "Aksjonspunkt:",
            "Vedtak:",
            "Det kom ingen innspel til innkalling og dagsorden.",
            "la fram saka for drøfting",
            "Det vart ei felles drøfting av denne saka med sak 16/25.",
            "Kommunane treng tydelege krav tidleg nok",
            "Nasjonalt e-helseråd drøfta saka.",
        ] {
            assert!(rest.contains(want), "{what}: {want:?} missing in:\n{rest}");
        }
        // Names stay exactly as the meeting file writes them.
        for name in [
            "Helse Sør-Øst RHF",
            "Norunn Saure og Per Ludvig Skjerven, Helsedirektoratet",
            "Anne Kristin Dahl for Bjørn Eriksen (Oslo kommune)",
        ] {
            assert!(rest.contains(name), "{what}: {name:?} changed in:\n{rest}");
        }
    }
    // A vedtak that is the agenda's forslag keeps its wording; the addition is carried over.
    assert!(md.contains("Nasjonalt e-helseråd godkjenner innkalling og dagsorden."), "{md}");
    let forslag = &m.item("17/25").unwrap().forslag;
    assert!(md.contains(&format!("{forslag} I tillegg ber rådet om at KS får ein fast plass i utvalet.")), "{md}");
}
