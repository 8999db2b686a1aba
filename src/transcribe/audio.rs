//! Audio in: decode any common recording (WAV, MP3, AAC/M4A, FLAC, OGG Vorbis, the audio track
//! of MP4/MKV/WebM) with symphonia, mix to mono and resample to 16 kHz with rubato, streaming.
//!
//! Memory stays bounded by one decoded packet plus one output chunk: callers receive the
//! 16 kHz signal in chunks through a callback and decide what to keep.

use anyhow::{bail, Context, Result};
use rubato::{FftFixedIn, Resampler};
use std::path::Path;
use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::{CodecParameters, DecoderOptions, CODEC_TYPE_NULL, CODEC_TYPE_OPUS};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::{FormatOptions, FormatReader, Track};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

/// Whisper's input rate.
pub const SAMPLE_RATE: u32 = 16_000;

/// What decoding found out about a recording.
#[derive(Debug, Clone, Default)]
pub struct DecodeInfo {
    /// Output samples delivered (16 kHz mono).
    pub samples: u64,
    pub source_rate: u32,
    pub channels: usize,
    /// Codec name as symphonia reports it ("pcm_s16le", "mp3", "aac", ...).
    pub codec: String,
    /// Problems that did not stop decoding (truncated or damaged data), in Norwegian for the
    /// secretary: they end up in the transcript's warnings.
    pub warnings: Vec<String>,
}

impl DecodeInfo {
    pub fn duration(&self) -> f64 {
        self.samples as f64 / SAMPLE_RATE as f64
    }
}

/// Decode `path` to 16 kHz mono f32 and hand it to `sink` in chunks of `chunk_secs` seconds
/// (the last chunk may be shorter). Damaged or truncated data is decoded as far as possible
/// and reported in `DecodeInfo::warnings`; a file with no decodable audio is an error.
pub fn decode_chunks(path: &Path, chunk_secs: f64, mut sink: impl FnMut(&[f32]) -> Result<()>) -> Result<DecodeInfo> {
    let shown = path.display();
    let convert = format!("convert it with `ffmpeg -i {shown} -ac 1 -ar 16000 out.wav`");
    let mut format = open_format(path, &convert)?;
    let track = audio_track(format.as_ref(), path, &convert)?;
    let codec_name = codec_name(&track.codec_params);
    let mut decoder = symphonia::default::get_codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("{shown}: unsupported codec {codec_name}: {convert}"))?;

    let chunk = ((chunk_secs * SAMPLE_RATE as f64) as usize).max(1);
    let mut info = DecodeInfo { codec: codec_name, ..Default::default() };
    let mut out = Output { chunk, buf: Vec::with_capacity(chunk), delivered: 0 };
    let mut rs: Option<Stream16k> = None;
    let mut sample_buf: Option<SampleBuffer<f32>> = None;
    let mut mono: Vec<f32> = Vec::new();
    let mut errors_in_row = 0usize;
    let mut bad_packets = 0usize;

    loop {
        let packet = match format.next_packet() {
            Ok(p) => p,
            Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(SymError::ResetRequired) => break,
            Err(e) => {
                // A damaged container: keep what was decoded.
                if rs.is_some() {
                    info.warnings.push(format!("Lydfilen {shown} er skadet ({e}); resten av opptaket mangler."));
                    break;
                }
                bail!("{shown}: cannot read the audio ({e}): {convert}");
            }
        };
        if packet.track_id() != track.id {
            continue;
        }
        let decoded = match decoder.decode(&packet) {
            Ok(d) => {
                errors_in_row = 0;
                d
            }
            Err(SymError::DecodeError(_)) | Err(SymError::IoError(_)) => {
                bad_packets += 1;
                errors_in_row += 1;
                // Never loop forever on garbage: many bad packets in a row means this is not audio.
                if errors_in_row > 200 {
                    if rs.is_some() {
                        info.warnings.push(format!("Slutten av lydfilen {shown} er skadet og ble hoppet over."));
                        break;
                    }
                    bail!("{shown}: the audio data cannot be decoded: {convert}");
                }
                continue;
            }
            Err(e) => {
                if rs.is_some() {
                    info.warnings.push(format!("Lesingen av lydfilen {shown} stoppet for tidlig ({e})."));
                    break;
                }
                bail!("{shown}: cannot decode the audio ({e}): {convert}");
            }
        };
        let spec = *decoded.spec();
        let frames = decoded.frames();
        if frames == 0 {
            continue;
        }
        let channels = spec.channels.count().max(1);
        if rs.is_none() {
            info.source_rate = spec.rate;
            info.channels = channels;
            rs = Some(Stream16k::new(spec.rate).with_context(|| format!("{shown}: cannot resample from {} Hz", spec.rate))?);
        }
        let sb = match &mut sample_buf {
            Some(sb) if sb.capacity() >= frames * channels => sb,
            _ => {
                sample_buf = Some(SampleBuffer::<f32>::new(decoded.capacity() as u64, spec));
                sample_buf.as_mut().expect("just set")
            }
        };
        sb.copy_interleaved_ref(decoded);
        let samples = sb.samples();
        mono.clear();
        mono.extend(samples.chunks_exact(channels).map(|fr| fr.iter().sum::<f32>() / channels as f32));
        rs.as_mut().expect("set above").push(&mono, &mut |s| out.push(s, &mut sink))?;
    }
    if bad_packets > 0 {
        info.warnings.push(format!("{bad_packets} skadede lydpakker i {shown} ble hoppet over."));
    }
    let Some(mut rs) = rs else {
        if bad_packets == 0 {
            // A well-formed file with no samples (a recording stopped at once): converting won't help.
            bail!("{shown} holds no audio (0 seconds): check that the recording was saved completely and give the complete file");
        }
        bail!("{shown} contains no decodable audio: {convert}");
    };
    rs.finish(&mut |s| out.push(s, &mut sink))?;
    out.flush(&mut sink)?;
    info.samples = out.delivered;
    warn_if_truncated(&mut info, track.codec_params.n_frames, path);
    Ok(info)
}

/// Check that `path` is a non-empty file and let symphonia probe it, with errors that tell the secretary what to do.
fn open_format(path: &Path, convert: &str) -> Result<Box<dyn FormatReader>> {
    let shown = path.display();
    let md = std::fs::metadata(path).with_context(|| format!("cannot open audio file {shown}: check the path"))?;
    if !md.is_file() {
        bail!("audio file {shown} is not a file: give the path of the recording");
    }
    if md.len() == 0 {
        bail!("audio file {shown} is empty (0 bytes): give the complete recording");
    }
    let file = std::fs::File::open(path).with_context(|| format!("cannot open audio file {shown}: check the path and permissions"))?;
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let probed = symphonia::default::get_probe()
        .format(&hint, mss, &FormatOptions::default(), &MetadataOptions::default())
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| {
            format!("{shown} is not a recognised audio or video file (WAV, MP3, M4A/AAC, FLAC, OGG Vorbis, MP4, MKV/WebM): {convert}")
        })?;
    Ok(probed.format)
}

/// The track to decode: video files also carry non-audio tracks, so prefer one with a sample rate.
fn audio_track(format: &dyn FormatReader, path: &Path, convert: &str) -> Result<Track> {
    let track = format
        .tracks()
        .iter()
        .find(|t| t.codec_params.codec != CODEC_TYPE_NULL && t.codec_params.sample_rate.is_some())
        .or_else(|| format.tracks().iter().find(|t| t.codec_params.codec != CODEC_TYPE_NULL))
        .with_context(|| format!("{} has no audio track: {convert}", path.display()))?;
    Ok(track.clone())
}

/// The codec's short name for `DecodeInfo` and errors, also for codecs symphonia has no decoder for (Opus).
fn codec_name(params: &CodecParameters) -> String {
    symphonia::default::get_codecs().get_codec(params.codec).map(|d| d.short_name.to_string()).unwrap_or_else(|| {
        if params.codec == CODEC_TYPE_OPUS {
            "opus".into()
        } else {
            format!("{:?}", params.codec)
        }
    })
}

/// A cut-off file decodes to its end without an error: compare what was read with the frame count its header promises.
fn warn_if_truncated(info: &mut DecodeInfo, n_frames: Option<u64>, path: &Path) {
    if let Some(n_frames) = n_frames {
        // A header that promises more than the data holds: the file was cut off.
        let expected = n_frames as f64 / info.source_rate.max(1) as f64;
        if expected - info.duration() > 1.0 {
            info.warnings.push(format!(
                "Lydfilen {} ser ut til å være avkortet: filhodet sier {:.1} s, bare {:.1} s kunne leses.",
                path.display(),
                expected,
                info.duration()
            ));
        }
    }
}

/// Decode the whole file into memory (16 kHz mono). For short files and tests; long meetings
/// should use [`decode_chunks`].
pub fn decode_all(path: &Path) -> Result<(Vec<f32>, DecodeInfo)> {
    let mut all = Vec::new();
    let info = decode_chunks(path, 30.0, |c| {
        all.extend_from_slice(c);
        Ok(())
    })?;
    Ok((all, info))
}

/// Re-chunks the resampler's output into fixed-size chunks for the caller.
struct Output {
    chunk: usize,
    buf: Vec<f32>,
    delivered: u64,
}

impl Output {
    fn push(&mut self, mut s: &[f32], sink: &mut impl FnMut(&[f32]) -> Result<()>) -> Result<()> {
        while !s.is_empty() {
            let take = (self.chunk - self.buf.len()).min(s.len());
            self.buf.extend_from_slice(&s[..take]);
            s = &s[take..];
            if self.buf.len() == self.chunk {
                self.flush(sink)?;
            }
        }
        Ok(())
    }
    fn flush(&mut self, sink: &mut impl FnMut(&[f32]) -> Result<()>) -> Result<()> {
        if !self.buf.is_empty() {
            self.delivered += self.buf.len() as u64;
            sink(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }
}

/// Streaming mono resampler to 16 kHz that removes the filter delay and delivers exactly
/// `round(n_in * 16000 / rate_in)` samples.
struct Stream16k {
    rs: Option<FftFixedIn<f32>>,
    rate_in: u32,
    pending: Vec<f32>,
    n_in: u64,
    n_out: u64,
    skip: usize,
}

impl Stream16k {
    fn new(rate_in: u32) -> Result<Self> {
        if rate_in == 0 {
            bail!("the file gives a sample rate of 0 Hz");
        }
        let rs =
            if rate_in == SAMPLE_RATE { None } else { Some(FftFixedIn::<f32>::new(rate_in as usize, SAMPLE_RATE as usize, 4096, 2, 1)?) };
        let skip = rs.as_ref().map(|r| r.output_delay()).unwrap_or(0);
        Ok(Stream16k { rs, rate_in, pending: Vec::new(), n_in: 0, n_out: 0, skip })
    }

    fn expected_out(&self) -> u64 {
        ((self.n_in as f64) * SAMPLE_RATE as f64 / self.rate_in as f64).round() as u64
    }

    fn emit(&mut self, mut s: &[f32], out: &mut dyn FnMut(&[f32]) -> Result<()>) -> Result<()> {
        let skip = self.skip.min(s.len());
        self.skip -= skip;
        s = &s[skip..];
        let room = self.expected_out().saturating_sub(self.n_out) as usize;
        let s = &s[..s.len().min(room)];
        if !s.is_empty() {
            self.n_out += s.len() as u64;
            out(s)?;
        }
        Ok(())
    }

    fn push(&mut self, mono: &[f32], out: &mut dyn FnMut(&[f32]) -> Result<()>) -> Result<()> {
        self.n_in += mono.len() as u64;
        let Some(rs) = self.rs.as_mut() else {
            self.n_out += mono.len() as u64;
            return out(mono);
        };
        self.pending.extend_from_slice(mono);
        let mut off = 0;
        let mut produced = Vec::new();
        loop {
            let need = rs.input_frames_next();
            if self.pending.len() - off < need {
                break;
            }
            let r = rs.process(&[&self.pending[off..off + need]], None)?;
            off += need;
            produced.extend_from_slice(&r[0]);
        }
        self.pending.drain(..off);
        self.emit(&produced, out)
    }

    fn finish(&mut self, out: &mut dyn FnMut(&[f32]) -> Result<()>) -> Result<()> {
        let want = self.expected_out() + self.skip as u64;
        let Some(rs) = self.rs.as_mut() else { return Ok(()) };
        let mut produced = Vec::new();
        let rest = std::mem::take(&mut self.pending);
        produced.extend_from_slice(&rs.process_partial(Some(&[&rest[..]]), None)?[0]);
        // Flush the filter delay with silence until every expected sample is out.
        let mut guard = 0;
        while self.n_out + (produced.len() as u64) < want && guard < 64 {
            produced.extend_from_slice(&rs.process_partial(None::<&[&[f32]]>, None)?[0]);
            guard += 1;
        }
        self.emit(&produced, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resample_len(rate: u32, n: usize) -> u64 {
        let mut rs = Stream16k::new(rate).unwrap();
        let mut total = 0u64;
        let sig: Vec<f32> = (0..n).map(|i| (i as f32 * 0.01).sin()).collect();
        for c in sig.chunks(1000) {
            rs.push(c, &mut |s| {
                total += s.len() as u64;
                Ok(())
            })
            .unwrap();
        }
        rs.finish(&mut |s| {
            total += s.len() as u64;
            Ok(())
        })
        .unwrap();
        total
    }

    #[test]
    fn resampler_delivers_exact_length() {
        assert_eq!(resample_len(48_000, 48_000 * 3 + 17), 48_006);
        assert_eq!(resample_len(8_000, 8_000 * 2), 32_000);
        assert_eq!(resample_len(44_100, 44_100), 16_000);
        assert_eq!(resample_len(16_000, 12_345), 12_345);
    }
}
