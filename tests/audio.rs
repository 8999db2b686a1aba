//! Audio decoding: every supported format decodes to the expected 16 kHz length, odd rates and
//! stereo are resampled and mixed, and bad files give clear errors, never panics or hangs.
//! Fixtures are generated with ffmpeg (installed: `apt-get install ffmpeg sox`).

use referat::transcribe::asr;
use referat::transcribe::audio::{decode_all, SAMPLE_RATE};
use std::path::{Path, PathBuf};
use std::process::Command;

const SECS: f64 = 2.5;

fn have_ffmpeg() -> bool {
    Command::new("ffmpeg").arg("-version").output().map(|o| o.status.success()).unwrap_or(false)
}

/// Encode a 2.5 s tone (440 Hz left, 660 Hz right) at `rate` with the given ffmpeg args.
/// Returns None (with a printed reason) when ffmpeg lacks the encoder.
fn make(dir: &Path, name: &str, rate: u32, channels: u32, args: &[&str]) -> Option<PathBuf> {
    let out = dir.join(name);
    let src = if channels == 2 {
        format!("sine=frequency=440:sample_rate={rate}:duration={SECS}[a];sine=frequency=660:sample_rate={rate}:duration={SECS}[b];[a][b]amerge=inputs=2")
    } else {
        format!("sine=frequency=440:sample_rate={rate}:duration={SECS}")
    };
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-hide_banner", "-loglevel", "error", "-y", "-filter_complex", &src]);
    cmd.args(args).arg(&out);
    let o = cmd.output().expect("ffmpeg runs");
    if !o.status.success() {
        let err = String::from_utf8_lossy(&o.stderr);
        eprintln!("SKIP {name}: ffmpeg cannot encode it here: {err}");
        return None;
    }
    Some(out)
}

fn check_len(path: &Path, tolerance_secs: f64) {
    let (pcm, info) = decode_all(path).unwrap_or_else(|e| panic!("{}: {e:#}", path.display()));
    let expected = SECS * SAMPLE_RATE as f64;
    let got = pcm.len() as f64;
    assert!(
        (got - expected).abs() <= tolerance_secs * SAMPLE_RATE as f64,
        "{}: {} samples, expected {} (codec {}, {} Hz, {} ch)",
        path.display(),
        got,
        expected,
        info.codec,
        info.source_rate,
        info.channels
    );
    let rms = (pcm.iter().map(|x| x * x).sum::<f32>() / pcm.len() as f32).sqrt();
    assert!(rms > 0.05, "{}: decoded signal is silent (rms {rms})", path.display());
    assert!(pcm.iter().all(|x| x.is_finite() && x.abs() <= 1.5));
}

#[test]
fn every_format_decodes_to_the_expected_length() {
    assert!(have_ffmpeg(), "ffmpeg is needed for the audio fixtures: apt-get install -y ffmpeg");
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    // (file, rate, channels, ffmpeg args, tolerance in s: lossy codecs add encoder padding)
    let cases: Vec<(&str, u32, u32, Vec<&str>, f64)> = vec![
        ("s16.wav", 44_100, 2, vec!["-c:a", "pcm_s16le"], 0.0),
        ("s24.wav", 22_050, 1, vec!["-c:a", "pcm_s24le"], 0.0),
        ("f32.wav", 48_000, 2, vec!["-c:a", "pcm_f32le"], 0.0),
        ("u8.wav", 11_025, 1, vec!["-c:a", "pcm_u8"], 0.001),
        ("8k.wav", 8_000, 1, vec!["-c:a", "pcm_s16le"], 0.0),
        ("48k_stereo.wav", 48_000, 2, vec!["-c:a", "pcm_s16le"], 0.0),
        ("a.mp3", 44_100, 2, vec!["-c:a", "libmp3lame", "-b:a", "128k"], 0.1),
        ("a.m4a", 44_100, 2, vec!["-c:a", "aac", "-b:a", "128k"], 0.1),
        ("a.aac", 48_000, 1, vec!["-c:a", "aac", "-f", "adts"], 0.1),
        ("a.flac", 48_000, 2, vec!["-c:a", "flac"], 0.0),
        ("a.ogg", 44_100, 2, vec!["-c:a", "libvorbis"], 0.1),
        ("a.mkv", 48_000, 2, vec!["-c:a", "flac"], 0.0),
        ("a.webm", 48_000, 2, vec!["-c:a", "libvorbis"], 0.1),
    ];
    for (name, rate, ch, args, tol) in cases {
        if let Some(f) = make(p, name, rate, ch, &args) {
            check_len(&f, tol);
        }
    }
}

#[test]
fn audio_track_of_a_video_file_is_decoded() {
    assert!(have_ffmpeg(), "ffmpeg is needed: apt-get install -y ffmpeg");
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("v.mp4");
    let o = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=2.5"])
        .args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=2.5"])
        .args(["-c:v", "mpeg4", "-c:a", "aac", "-shortest"])
        .arg(&out)
        .output()
        .unwrap();
    if !o.status.success() {
        eprintln!("SKIP mp4: {}", String::from_utf8_lossy(&o.stderr));
        return;
    }
    check_len(&out, 0.15);
}

#[test]
fn opus_gives_a_clear_convert_hint() {
    let d = tempfile::tempdir().unwrap();
    let Some(f) = make(d.path(), "a.opus", 48_000, 1, &["-c:a", "libopus"]) else { return };
    let e = format!("{:#}", decode_all(&f).unwrap_err());
    assert!(e.contains("unsupported codec") && e.contains("ffmpeg -i"), "{e}");
}

#[test]
fn bad_inputs_give_clear_errors() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let e = format!("{:#}", decode_all(&p.join("missing.wav")).unwrap_err());
    assert!(e.contains("missing.wav") && e.contains("check the path"), "{e}");

    let empty = p.join("empty.wav");
    std::fs::write(&empty, b"").unwrap();
    let e = format!("{:#}", decode_all(&empty).unwrap_err());
    assert!(e.contains("empty"), "{e}");

    let text = p.join("notes.mp3");
    std::fs::write(&text, "Dette er ikke lyd, bare tekst.\n".repeat(200)).unwrap();
    let e = format!("{:#}", decode_all(&text).unwrap_err());
    assert!(e.contains("notes.mp3") && e.contains("ffmpeg"), "{e}");

    let junk = p.join("junk.wav");
    let bytes: Vec<u8> = (0..100_000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
    std::fs::write(&junk, bytes).unwrap();
    assert!(decode_all(&junk).is_err());

    let e = format!("{:#}", decode_all(p).unwrap_err());
    assert!(e.contains("not a file"), "{e}");
}

#[test]
fn truncated_files_decode_what_is_there_with_a_warning() {
    assert!(have_ffmpeg(), "ffmpeg is needed: apt-get install -y ffmpeg");
    let d = tempfile::tempdir().unwrap();
    for (name, args) in [("t.wav", vec!["-c:a", "pcm_s16le"]), ("t.mp3", vec!["-c:a", "libmp3lame"]), ("t.flac", vec!["-c:a", "flac"])] {
        let Some(f) = make(d.path(), name, 16_000, 1, &args) else { continue };
        let bytes = std::fs::read(&f).unwrap();
        std::fs::write(&f, &bytes[..bytes.len() / 2]).unwrap();
        let (pcm, info) = decode_all(&f).unwrap_or_else(|e| panic!("{name}: {e:#}"));
        let secs = pcm.len() as f64 / SAMPLE_RATE as f64;
        // FLAC headers hold ~8 KB of padding, so half the bytes is less than half the audio.
        assert!(secs > 0.3 && secs < 1.6, "{name}: {secs} s decoded");
        if name == "t.wav" {
            assert!(!info.warnings.is_empty(), "{name}: a truncated WAV should warn");
        }
    }
}

#[test]
fn silent_recording_gives_an_empty_transcript_with_a_warning() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("silence.wav");
    let spec = hound::WavSpec { channels: 1, sample_rate: 16_000, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut w = hound::WavWriter::create(&f, spec).unwrap();
    for i in 0..16_000i64 * 20 {
        // faint noise well below speech level
        w.write_sample(((i * 7919) % 13) as i16 - 6).unwrap();
    }
    w.finalize().unwrap();
    let m = referat::meeting::Meeting::parse(
        "council = \"R\"\nnumber = \"1\"\ndate = \"d\"\ntime = \"t\"\nplace = \"p\"\n[[items]]\nsaksnr = \"1/25\"\ntitle = \"T\"\nsakstype = \"Annet\"\n",
    )
    .unwrap();
    // The model is never loaded for a silent file, so a missing path must not matter.
    let opts = asr::AsrOptions::new(PathBuf::from("/nonexistent/ggml.bin"));
    let t = asr::transcribe(&f, &m, &opts, &referat::progress::Silent).unwrap();
    assert!(t.segments.is_empty());
    assert!((t.duration - 20.0).abs() < 0.01);
    assert!(t.warnings.iter().any(|w| w.contains("stille")), "{:?}", t.warnings);
}

#[test]
fn long_recording_streams_in_bounded_chunks() {
    // 10 minutes at 44.1 kHz stereo: chunks arrive with the requested size and the total is exact.
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("long.wav");
    let spec = hound::WavSpec { channels: 2, sample_rate: 44_100, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut w = hound::WavWriter::create(&f, spec).unwrap();
    for i in 0..44_100 * 600 {
        let v = ((i as f32 * 0.0627).sin() * 8000.0) as i16;
        w.write_sample(v).unwrap();
        w.write_sample(v).unwrap();
    }
    w.finalize().unwrap();
    let mut max_chunk = 0;
    let mut total = 0usize;
    let info = referat::transcribe::audio::decode_chunks(&f, 30.0, |c| {
        max_chunk = max_chunk.max(c.len());
        total += c.len();
        Ok(())
    })
    .unwrap();
    assert_eq!(total, 16_000 * 600);
    assert_eq!(info.samples as usize, total);
    assert_eq!(max_chunk, 16_000 * 30);
}
