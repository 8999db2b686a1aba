//! A secretariat's own wording through the meeting file's `template`: its headings and
//! standard vedtak reach the referat, and a broken template is refused naming the file and key.

use std::path::Path;

mod common;
use common::{referat, sample};

/// The sample meeting with `template = "mal.toml"` and that template, in `dir`.
fn meeting_with_template(dir: &Path, template: &str) -> std::path::PathBuf {
    let meeting = std::fs::read_to_string(sample("meeting.toml")).unwrap();
    let m = dir.join("meeting.toml");
    std::fs::write(&m, format!("template = \"mal.toml\"\n{meeting}")).unwrap();
    std::fs::write(dir.join("mal.toml"), template).unwrap();
    m
}

fn run(args: &[&str], meeting: &Path, out: &Path) -> std::process::Output {
    referat().args(args).arg("--meeting").arg(meeting).arg("--out").arg(out).output().unwrap()
}

#[test]
fn the_templates_wording_reaches_the_referat() {
    let dir = tempfile::tempdir().unwrap();
    let m = meeting_with_template(
        dir.path(),
        r#"
[referat]
innspill = { nb = "Behandling:" }
vedtak = { nb = "Konklusjon:" }
title = { nb = "Protokoll fra {council}" }
"#,
    );
    let out = dir.path().join("w");
    let t = referat()
        .args(["transcribe", "--meeting"])
        .arg(&m)
        .arg("--transcript")
        .arg(sample("truth.vtt"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(t.status.success(), "{}", String::from_utf8_lossy(&t.stderr));
    for args in [&["segment"][..], &["draft", "--rules-only"], &["export", "--format", "md"]] {
        let o = run(args, &m, &out);
        assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    }
    let md = std::fs::read_to_string(out.join("referat.md")).unwrap();
    assert!(md.contains("Behandling:") && !md.contains("Innspill:"), "{md}");
    assert!(md.contains("Konklusjon:") && !md.contains("Vedtak:"), "{md}");
    assert!(md.contains("Protokoll fra Nasjonalt e-helseråd"), "{md}");
    // Wording the template leaves alone stays the bundled one.
    assert!(md.contains("Sakstype"), "{md}");
}

#[test]
fn a_broken_template_is_refused_naming_file_and_key() {
    for (template, needle) in [
        ("[referat]\ninnspil = { nb = \"Behandling:\" }\n", "referat.innspil is not a phrase"),
        ("[draft.vedtak]\norientering = { nb = \"{council} tok {sak} til orientering.\" }\n", "{sak} is not filled"),
        ("[referat\n", "not valid TOML"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let m = meeting_with_template(dir.path(), template);
        let o = run(&["segment"], &m, &dir.path().join("w"));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{template}");
        assert!(err.contains("mal.toml") && err.contains(needle), "{template}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}
