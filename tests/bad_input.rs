//! Bad input at the command line (issue 7): one row per bad input, each asserting a non-zero
//! exit, a message that names the offending file and says what to do, no panic, and no
//! artifact or temporary file left for the failing stage. Inputs that only damage part of the
//! recording (truncated files, silence) must still work and say so in `transcript.warnings`;
//! recordings at 8 kHz and 48 kHz stereo must simply work.
//!
//! Library-level checks of the same code live elsewhere and are not repeated here:
//! tests/audio.rs (decoder errors), tests/transcript.rs (VTT/SRT errors), src/meeting.rs
//! (meeting file errors), tests/llm.rs `bad_files_give_clear_errors` (GGUF loader),
//! tests/models.rs `verify_detects_a_flipped_byte` and `cli_verify_fails_on_an_empty_store…`.
//!
//! Needs: ffmpeg, the whisper-base and smollm2 test models (REFERAT_MODELS_DIR or
//! `referat models install --test`), and root for the read-only and disk-full rows, which
//! mount a tiny tmpfs inside a private mount namespace (`unshare -m`): chmod does not stop root
//! from writing, so a real read-only / full file system is the honest test.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::{referat, root, sample, tiny_gguf};

fn whisper() -> PathBuf {
    referat::models::installed("whisper-base")
        .unwrap_or_else(|e| panic!("this test needs the whisper model (`referat models install`): {e:#}"))
}

fn small_llm() -> PathBuf {
    referat::models::installed("smollm2-135m-instruct")
        .unwrap_or_else(|e| panic!("this test needs the test models (`referat models install --test`): {e:#}"))
}

fn ffmpeg(args: &[&str], out: &Path) {
    let o = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .arg(out)
        .output()
        .expect("ffmpeg is needed for the audio fixtures: apt-get install -y ffmpeg");
    assert!(o.status.success(), "ffmpeg failed: {}", String::from_utf8_lossy(&o.stderr));
}

const MEETING: &str = "council = \"Rådet\"\nnumber = \"1/2025\"\ndate = \"1. mai 2025\"\ntime = \"Kl. 10\"\nplace = \"Oslo\"\n\n[[items]]\nsaksnr = \"1/25\"\ntitle = \"Godkjenning av innkalling\"\nsakstype = \"Godkjenning\"\n\n[[items]]\nsaksnr = \"2/25\"\ntitle = \"Eventuelt\"\nsakstype = \"Annet\"\n";

fn write(path: &Path, bytes: impl AsRef<[u8]>) -> PathBuf {
    std::fs::write(path, bytes).unwrap();
    path.to_path_buf()
}

/// Files in `dir` (none if it does not exist).
fn files_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir).map(|rd| rd.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect()).unwrap_or_default()
}

/// One bad input: the command, what the message must contain, and what must not be written.
struct Case {
    name: &'static str,
    cmd: Command,
    /// Must appear in stderr: names the offending file (or folder).
    file: String,
    /// Must all appear in stderr: the fix (and, where the issue asks, line and column).
    fix: Vec<&'static str>,
    /// Paths that must not exist afterwards (the failing stage's artifact).
    absent: Vec<PathBuf>,
    /// Folders that must hold no file at all afterwards (no artifact, no temp file).
    empty: Vec<PathBuf>,
    /// The message is a report on stdout plus an error on stderr (`models verify`).
    stdout_too: bool,
}

impl Case {
    fn new(name: &'static str, cmd: Command, file: impl Into<String>, fix: &[&'static str]) -> Case {
        Case { name, cmd, file: file.into(), fix: fix.to_vec(), absent: vec![], empty: vec![], stdout_too: false }
    }
    fn absent(mut self, p: impl Into<PathBuf>) -> Case {
        self.absent.push(p.into());
        self
    }
    fn empty(mut self, p: impl Into<PathBuf>) -> Case {
        self.empty.push(p.into());
        self
    }
}

fn stage(cmd: &str, meeting: &Path, out: &Path) -> Command {
    let mut c = referat();
    c.arg(cmd).arg("--meeting").arg(meeting).arg("--out").arg(out);
    c
}

fn transcribe_audio(meeting: &Path, audio: &Path, out: &Path) -> Command {
    let mut c = stage("transcribe", meeting, out);
    c.arg("--audio").arg(audio).arg("--whisper-model").arg(whisper()).args(["--threads", "1"]);
    c
}

fn transcribe_file(meeting: &Path, transcript: &Path, out: &Path) -> Command {
    let mut c = stage("transcribe", meeting, out);
    c.arg("--transcript").arg(transcript);
    c
}

fn ok(mut c: Command) -> Output {
    let o = c.output().unwrap();
    assert!(o.status.success(), "{:?} failed:\n{}", c, String::from_utf8_lossy(&o.stderr));
    o
}

/// A command run in a private mount namespace with a tmpfs of `size` mounted at `mnt`
/// (`ro`: remounted read-only after `mkdir mnt/w`). Prints the work dir's listing on stdout
/// after the command, since the mount vanishes with the namespace.
fn in_tmpfs(mnt: &Path, size: &str, ro: bool, inner: Command) -> Command {
    let mut script = format!("mount -t tmpfs -o size={size} tmpfs \"$1\" && mkdir \"$1/w\" || exit 99\n");
    if ro {
        script.push_str("mount -o remount,ro \"$1\" || exit 99\n");
    }
    script.push_str("shift; \"$@\"; rc=$?; echo \"LISTING:$(ls -A \"$MNT/w\" | tr '\\n' ' ')\"; exit $rc\n");
    let mut c = Command::new("unshare");
    c.args(["-m", "sh", "-c", &script, "sh"]).arg(mnt).arg(inner.get_program()).args(inner.get_args()).env("MNT", mnt);
    c
}

fn can_mount() -> bool {
    Command::new("unshare")
        .args(["-m", "sh", "-c", "d=$(mktemp -d) && mount -t tmpfs -o size=4k tmpfs \"$d\""])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

#[test]
fn bad_inputs_fail_clearly_without_partial_output() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let meeting = write(&t.join("m.toml"), MEETING);
    let truth = sample("truth.vtt");

    // A work dir ready for the draft stage (cheap: imported transcript + segmentation).
    let ready = t.join("ready");
    ok(transcribe_file(&meeting, &truth, &ready));
    ok(stage("segment", &meeting, &ready));

    let mut cases: Vec<Case> = Vec::new();

    // ---- recordings
    let out = |n: &str| t.join(format!("w-{n}"));
    let missing = t.join("missing.wav");
    cases.push(
        Case::new("missing audio file", transcribe_audio(&meeting, &missing, &out("missing")), "missing.wav", &["check the --audio path"])
            .empty(out("missing")),
    );
    let empty = write(&t.join("empty.wav"), b"");
    cases.push(
        Case::new(
            "empty audio file",
            transcribe_audio(&meeting, &empty, &out("empty")),
            "empty.wav",
            &["empty (0 bytes)", "complete recording"],
        )
        .empty(out("empty")),
    );
    for name in ["notes.wav", "notes.mp3"] {
        let f = write(&t.join(name), "Dette er ikke lyd, bare tekst fra møtet.\n".repeat(300));
        cases.push(
            Case::new(
                "text file with an audio extension",
                transcribe_audio(&meeting, &f, &out(name)),
                name,
                &["not a recognised audio", "ffmpeg -i"],
            )
            .empty(out(name)),
        );
    }
    let junk: Vec<u8> = (0..200_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8).collect();
    let junk = write(&t.join("junk.mp3"), junk);
    cases.push(
        Case::new("random bytes as .mp3", transcribe_audio(&meeting, &junk, &out("junk")), "junk.mp3", &["ffmpeg -i"]).empty(out("junk")),
    );
    let zero = t.join("zero.wav");
    ffmpeg(&["-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "0", "-c:a", "pcm_s16le"], &zero);
    cases.push(
        Case::new(
            "0-length recording (valid header, no samples)",
            transcribe_audio(&meeting, &zero, &out("zero")),
            "zero.wav",
            &["no audio (0 seconds)", "complete file"],
        )
        .empty(out("zero")),
    );
    cases.push(
        Case::new("a folder as the recording", transcribe_audio(&meeting, t, &out("dir")), t.display().to_string(), &["not a file"])
            .empty(out("dir")),
    );

    // ---- meeting file
    let bad_meeting = |n: &str, text: String| write(&t.join(n), text);
    let syntax = bad_meeting("syntax.toml", MEETING.replace("place = \"Oslo\"", "place = Oslo"));
    cases.push(
        Case::new(
            "meeting file syntax error",
            transcribe_file(&syntax, &truth, &out("syntax")),
            "syntax.toml",
            &["line 5, column 9", "fix the meeting file"],
        )
        .absent(out("syntax")),
    );
    let no_council = bad_meeting("nocouncil.toml", MEETING.replace("council = \"Rådet\"\n", ""));
    cases.push(
        Case::new(
            "meeting file without a required field",
            transcribe_file(&no_council, &truth, &out("nocouncil")),
            "nocouncil.toml",
            &["council", "fix the meeting file"],
        )
        .absent(out("nocouncil")),
    );
    let dup = bad_meeting("dup.toml", MEETING.replace("saksnr = \"2/25\"", "saksnr = \"1/25\""));
    cases.push(
        Case::new(
            "duplicate saksnr",
            transcribe_file(&dup, &truth, &out("dup")),
            "dup.toml",
            &["duplicate saksnr \"1/25\"", "its own number"],
        )
        .absent(out("dup")),
    );
    let unk = bad_meeting("unk.toml", MEETING.replace("sakstype = \"Annet\"", "sakstype = \"Forhandling\""));
    cases.push(
        Case::new(
            "unknown sakstype",
            transcribe_file(&unk, &truth, &out("unk")),
            "unk.toml",
            &["Forhandling", "Drøfting", "line 15", "fix the meeting file"],
        )
        .absent(out("unk")),
    );
    let no_items = bad_meeting("noitems.toml", MEETING[..MEETING.find("[[items]]").unwrap()].to_string() + "items = []\n");
    cases.push(
        Case::new(
            "meeting file without items",
            transcribe_file(&no_items, &truth, &out("noitems")),
            "noitems.toml",
            &["add the agenda items"],
        )
        .absent(out("noitems")),
    );
    cases.push(
        Case::new(
            "missing meeting file",
            transcribe_file(&t.join("nomeeting.toml"), &truth, &out("nomeeting")),
            "nomeeting.toml",
            &["referat agenda import"],
        )
        .absent(out("nomeeting")),
    );

    // ---- transcripts
    let vtt = write(&t.join("broken.vtt"), "WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\nHei.\n\n2\n00:00:05.000 --> 00:00:0x.500\nTekst\n");
    cases.push(
        Case::new(
            "VTT with a broken timestamp",
            transcribe_file(&meeting, &vtt, &out("vtt")),
            "broken.vtt",
            &["line 8", "00:00:0x.500", "hh:mm:ss.mmm"],
        )
        .empty(out("vtt")),
    );
    let srt = write(&t.join("broken.srt"), "1\n00:00:01,000 --> 00:00:02,000\nHei\n\n2\n00:00:03,000 -> 00:00:04,000\nTekst\n");
    cases.push(
        Case::new(
            "SRT with a broken timing line",
            transcribe_file(&meeting, &srt, &out("srt")),
            "broken.srt",
            &["line 6", "start --> end"],
        )
        .empty(out("srt")),
    );
    let bin = write(&t.join("binary.vtt"), [0xffu8, 0xfe, 0x00, 0x57, 0x80, 0x81]);
    cases.push(
        Case::new("transcript that is not UTF-8", transcribe_file(&meeting, &bin, &out("bin")), "binary.vtt", &["UTF-8"]).empty(out("bin")),
    );

    // ---- work dir from an older format version
    let old = t.join("old");
    std::fs::create_dir_all(&old).unwrap();
    let tj = std::fs::read_to_string(ready.join("transcript.json")).unwrap();
    let v = format!("\"version\": {}", referat::artifact::FORMAT_VERSION);
    assert!(tj.contains(&v), "transcript.json has no {v}");
    write(&old.join("transcript.json"), tj.replacen(&v, "\"version\": 0", 1));
    cases.push(
        Case::new(
            "work dir from an older format version",
            stage("segment", &meeting, &old),
            "transcript.json",
            &["another version", "referat transcribe --force"],
        )
        .absent(old.join("segments.json")),
    );
    cases.push(
        Case::new("stage run before its input exists", stage("draft", &meeting, &t.join("nowork")), "nowork", &["referat transcribe"])
            .absent(t.join("nowork")),
    );
    let partial = t.join("partial");
    std::fs::create_dir_all(&partial).unwrap();
    std::fs::copy(ready.join("transcript.json"), partial.join("transcript.json")).unwrap();
    cases.push(
        Case::new("export before draft", stage("export", &meeting, &partial), "draft.json", &["referat draft"])
            .absent(partial.join("referat.md")),
    );

    // ---- models
    let mut c = stage("transcribe", &meeting, &out("nowhisper"));
    c.arg("--audio").arg(sample("recording.wav")).args(["--whisper-model", "/nonexistent/ggml-model.bin"]);
    cases.push(
        Case::new("missing whisper model", c, "/nonexistent/ggml-model.bin", &["fix the path", "referat models install"])
            .empty(out("nowhisper")),
    );
    let not_ggml =
        write(&t.join("not-ggml.bin"), b"GGUF\x03\x00\x00\x00 this is a language model, not whisper, padded out to look like a header");
    let mut c = stage("transcribe", &meeting, &out("notggml"));
    c.arg("--audio").arg(sample("recording.wav")).arg("--whisper-model").arg(&not_ggml);
    cases.push(Case::new("whisper model that is not ggml", c, "not-ggml.bin", &["not a whisper.cpp ggml model"]).empty(out("notggml")));
    let draft = |llm: &Path| {
        let mut c = stage("draft", &meeting, &ready);
        c.arg("--llm-model").arg(llm).args(["--threads", "1"]);
        c
    };
    cases.push(
        Case::new("missing language model", draft(Path::new("/nonexistent/model.gguf")), "/nonexistent/model.gguf", &["fix the path"])
            .absent(ready.join("draft.json")),
    );
    let real = std::fs::read(small_llm()).unwrap();
    let half = write(&t.join("half.gguf"), &real[..real.len() / 2]);
    cases.push(Case::new("truncated GGUF (tensor data cut)", draft(&half), "half.gguf", &["truncated"]).absent(ready.join("draft.json")));
    let head = write(&t.join("head.gguf"), &real[..100_000]);
    cases.push(
        Case::new("truncated GGUF (header cut)", draft(&head), "head.gguf", &["truncated", "reinstall the model"])
            .absent(ready.join("draft.json")),
    );
    let mamba = write(&t.join("mamba.gguf"), tiny_gguf("mamba9"));
    cases.push(
        Case::new(
            "GGUF of an unsupported architecture",
            draft(&mamba),
            "mamba.gguf",
            &["unsupported model architecture `mamba9`", "qwen2", "give a GGUF of one of these"],
        )
        .absent(ready.join("draft.json")),
    );
    let text_model = write(&t.join("model.txt"), "not a model\n");
    cases.push(
        Case::new("text file as language model", draft(&text_model), "model.txt", &["not a GGUF file"]).absent(ready.join("draft.json")),
    );

    // Wrong hash: a copy of the test model with one byte flipped in a private store.
    let store = t.join("store");
    let dst = store.join("smollm2-135m-instruct");
    std::fs::create_dir_all(&dst).unwrap();
    let mut flipped = real.clone();
    flipped[real.len() / 3] ^= 0x40;
    write(&dst.join("model.gguf"), &flipped);
    drop((real, flipped));
    let mut c = referat();
    c.args(["models", "verify"]).env("REFERAT_MODELS_DIR", &store);
    let mut case =
        Case::new("model with a wrong hash (models verify)", c, "model.gguf", &["corrupt (sha256", "fix: run", "referat models install"]);
    case.stdout_too = true;
    cases.push(case);

    // ---- other commands' inputs
    let mut c = stage("eval", &meeting, &ready);
    c.arg("--truth").arg(t.join("notruth.json"));
    cases.push(Case::new("missing truth file (eval)", c, "notruth.json", &["check the path"]));
    let mut c = stage("review", &meeting, &ready);
    c.args(["--port", "0"]);
    cases.push(Case::new("review before draft", c, "draft.json", &["referat draft"]).absent(ready.join("review.json")));
    let agenda = |file: &Path, out: &Path| {
        let mut c = referat();
        c.args(["agenda", "import"]).arg(file).arg("--out").arg(out);
        c
    };
    cases.push(
        Case::new("missing agenda file", agenda(&t.join("noagenda.txt"), &t.join("a1.toml")), "noagenda.txt", &["check the path"])
            .absent(t.join("a1.toml")),
    );
    let bin_agenda = write(&t.join("agenda.bin"), (0..3000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 7) as u8).collect::<Vec<u8>>());
    cases.push(
        Case::new("agenda that is not UTF-8 text", agenda(&bin_agenda, &t.join("a2.toml")), "agenda.bin", &["not UTF-8", "pdftotext"])
            .absent(t.join("a2.toml")),
    );
    let fixture_agenda = root().join("tests/fixtures/agenda-2025-06-12.txt");
    cases.push(Case::new(
        "agenda import into a missing folder",
        agenda(&fixture_agenda, &t.join("nodir/m.toml")),
        "nodir",
        &["check that the folder exists"],
    ));

    // ---- output folder
    let file = write(&t.join("plain.txt"), "a file, not a folder");
    cases.push(Case::new(
        "--out below a regular file",
        transcribe_file(&meeting, &truth, &file.join("sub")),
        "plain.txt/sub",
        &["choose a writable --out folder"],
    ));
    if can_mount() {
        let ro = t.join("ro");
        std::fs::create_dir_all(&ro).unwrap();
        let c = in_tmpfs(&ro, "64k", true, transcribe_file(&meeting, &truth, &ro.join("w")));
        cases.push(Case::new("read-only output folder (ro tmpfs)", c, format!("{}/w", ro.display()), &["writable"]));
        let full = t.join("full");
        std::fs::create_dir_all(&full).unwrap();
        // 8 KiB: room for the folder, not for transcript.vtt (truth.vtt is 12 KB).
        let c = in_tmpfs(&full, "8k", false, transcribe_file(&meeting, &truth, &full.join("w")));
        cases.push(Case::new("disk full (8 KiB tmpfs)", c, "transcript.vtt", &["disk is not full"]));
    } else {
        panic!("cannot mount a tmpfs in a private namespace (`unshare -m`): run the tests as root on Linux");
    }

    // ---- run the table
    let n = cases.len();
    let mut failures = Vec::new();
    for mut case in cases {
        let o = case.cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr).to_string();
        let stdout = String::from_utf8_lossy(&o.stdout).to_string();
        let msg = if case.stdout_too { format!("{stdout}{stderr}") } else { stderr.clone() };
        let mut why = Vec::new();
        if o.status.success() {
            why.push("exit status 0".to_string());
        }
        if o.status.code() == Some(99) {
            why.push("tmpfs setup failed".to_string());
        }
        if !msg.contains(&case.file) {
            why.push(format!("message does not name {:?}", case.file));
        }
        for f in &case.fix {
            if !msg.contains(f) {
                why.push(format!("message lacks {f:?}"));
            }
        }
        if stderr.contains("panicked") || o.status.code() == Some(101) {
            why.push("panicked".into());
        }
        for p in &case.absent {
            if p.exists() {
                why.push(format!("{} was written", p.display()));
            }
        }
        for d in &case.empty {
            let f = files_in(d);
            if !f.is_empty() {
                why.push(format!("{} holds {f:?}", d.display()));
            }
        }
        if let Some(l) = stdout.lines().find_map(|l| l.strip_prefix("LISTING:")) {
            if !l.trim().is_empty() {
                why.push(format!("the work dir holds {l:?}"));
            }
        }
        let first = stderr.lines().find(|l| l.contains("error")).unwrap_or("").to_string();
        eprintln!("{:<48} {}", case.name, if why.is_empty() { format!("ok: {first}") } else { format!("FAIL: {}", why.join("; ")) });
        if !why.is_empty() {
            failures.push(format!("{}: {}\n  stderr: {stderr}", case.name, why.join("; ")));
        }
    }
    eprintln!("{n} bad inputs tried, {} failed", failures.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Damaged but partly usable recordings decode what is there, succeed, and put the problem in
/// `transcript.warnings` (and on stderr). Faint noise keeps Whisper out of it: the silence
/// check ends the stage before the model is loaded.
#[test]
fn damaged_recordings_decode_partially_with_warnings() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let meeting = write(&t.join("m.toml"), MEETING);
    let noise = "anoisesrc=a=0.0003:d=10:r=16000";
    let wav = t.join("cut.wav");
    ffmpeg(&["-f", "lavfi", "-i", noise, "-c:a", "pcm_s16le"], &wav);
    let mp3 = t.join("cut.mp3");
    ffmpeg(&["-f", "lavfi", "-i", noise, "-c:a", "libmp3lame"], &mp3);
    for f in [&wav, &mp3] {
        let b = std::fs::read(f).unwrap();
        write(f, &b[..b.len() / 2]);
    }
    let silent = t.join("silent.wav");
    ffmpeg(&["-f", "lavfi", "-i", "anullsrc=r=44100:cl=stereo", "-t", "20", "-c:a", "pcm_s16le"], &silent);
    // (file, expected duration, warnings that must be there)
    let cases: [(&Path, f64, &[&str]); 3] =
        [(&wav, 5.0, &["cut.wav", "avkortet", "stille"]), (&mp3, 5.0, &["cut.mp3", "avkortet"]), (&silent, 20.0, &["stille"])];
    for (i, (f, secs, needles)) in cases.iter().enumerate() {
        let out = t.join(format!("w{i}"));
        let o = ok(transcribe_audio(&meeting, f, &out));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("warning:") && !err.contains("panicked"), "{err}");
        let tr: referat::artifact::Transcript =
            serde_json::from_str(&std::fs::read_to_string(out.join("transcript.json")).unwrap()).unwrap();
        assert!(tr.segments.is_empty(), "{}: {:?}", f.display(), tr.segments);
        assert!((tr.duration - secs).abs() < 0.2, "{}: {} s", f.display(), tr.duration);
        let w = tr.warnings.join(" | ");
        for n in needles.iter() {
            assert!(w.contains(n), "{}: warnings lack {n:?}: {w}", f.display());
        }
    }
}

/// Telephone-quality 8 kHz mono and 48 kHz stereo recordings transcribe like the original
/// (the 7.6 s Norwegian clip; Whisper base on one thread).
#[test]
fn eight_khz_and_48_khz_stereo_recordings_work() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let meeting = write(&t.join("m.toml"), MEETING);
    let clip = root().join("tests/fixtures/nb_clip.flac");
    for (name, args) in [("clip8k.wav", ["-ar", "8000", "-ac", "1"]), ("clip48k.flac", ["-ar", "48000", "-ac", "2"])] {
        let f = t.join(name);
        let mut a = vec!["-i", clip.to_str().unwrap()];
        a.extend(args);
        ffmpeg(&a, &f);
        let out = t.join(format!("w-{name}"));
        ok(transcribe_audio(&meeting, &f, &out));
        let tr: referat::artifact::Transcript =
            serde_json::from_str(&std::fs::read_to_string(out.join("transcript.json")).unwrap()).unwrap();
        let text = tr.text_in(&[[0.0, 1e9]]).to_lowercase();
        assert!((tr.duration - 7.6).abs() < 0.05, "{name}: {} s", tr.duration);
        assert!(text.contains("velkommen") && text.contains("dagsorden"), "{name}: {text:?}");
        assert!(tr.warnings.is_empty(), "{name}: {:?}", tr.warnings);
    }
}
