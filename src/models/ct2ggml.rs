//! CTranslate2 (faster-whisper) Whisper `model.bin` → whisper.cpp ggml file.
//!
//! A port of the reference converter (`ct2_whisper_convert.py`: `load_ct2`, `hparams`,
//! `to_openai`, `mel_filters`, `regular_tokens`, `write_ggml` with f16). The output is
//! byte-identical to the reference, so its sha256 is pinned in the manifest.
//!
//! The CT2 file is indexed once (names, shapes, offsets) and each tensor is read back only when
//! it is written, so memory stays at about one tensor instead of the whole model.

use anyhow::{bail, ensure, Context, Result};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

const GGML_MAGIC: u32 = 0x6767_6d6c;

/// Weight type of the 2-D matrices in the written file (the rest stays f16/f32, as whisper.cpp's
/// own `quantize` tool leaves it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quant {
    /// The reference converter's output, byte for byte.
    F16,
    /// ggml Q8_0: blocks of 32 int8 with one f16 scale. whisper.cpp multiplies these with
    /// integer SIMD, about twice as fast as f16 on 2 AVX2 cores, with no measurable WER change.
    Q8_0,
}

impl Quant {
    /// (ggml tensor type, ggml file ftype as whisper.cpp's quantize tool writes it:
    /// GGML_QNT_VERSION 2 * 1000 + GGML_FTYPE_MOSTLY_Q8_0 7).
    fn types(self) -> (usize, usize) {
        match self {
            Quant::F16 => (1, 1),
            Quant::Q8_0 => (8, 2007),
        }
    }
}

/// ggml's reference `quantize_row_q8_0`: per 32 values, d = max|x| / 127 (stored as f16) and
/// q = round(x / d).
fn quantize_q8_0(x: &[f32], out: &mut Vec<u8>) {
    for block in x.chunks(32) {
        let amax = block.iter().fold(0f32, |m, v| m.max(v.abs()));
        let d = amax / 127.0;
        let id = if d != 0.0 { 1.0 / d } else { 0.0 };
        out.extend_from_slice(&half::f16::from_f32(d).to_le_bytes());
        out.extend(block.iter().map(|v| (v * id).round() as i8 as u8));
    }
}

/// One variable of a CT2 model: where its bytes are and how to read them.
#[derive(Debug, Clone)]
struct Var {
    dims: Vec<usize>,
    dtype: u8,
    offset: u64,
    nbytes: usize,
}

impl Var {
    fn elem_size(&self) -> usize {
        match self.dtype {
            0 | 3 => 4,
            1 => 1,
            2 | 4 => 2,
            _ => 0,
        }
    }
}

/// Index of a CT2 `model.bin` (binary version 6, `WhisperSpec`), aliases resolved.
pub struct Ct2Model {
    file: File,
    path: std::path::PathBuf,
    vars: HashMap<String, Var>,
}

/// whisper.cpp's header fields, in file order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hparams {
    pub n_vocab: usize,
    pub n_audio_ctx: usize,
    pub n_audio_state: usize,
    pub n_audio_head: usize,
    pub n_audio_layer: usize,
    pub n_text_ctx: usize,
    pub n_text_state: usize,
    pub n_text_head: usize,
    pub n_text_layer: usize,
    pub n_mels: usize,
}

fn rd_u8(r: &mut impl Read) -> std::io::Result<u8> {
    let mut b = [0u8; 1];
    r.read_exact(&mut b)?;
    Ok(b[0])
}
fn rd_u16(r: &mut impl Read) -> std::io::Result<u16> {
    let mut b = [0u8; 2];
    r.read_exact(&mut b)?;
    Ok(u16::from_le_bytes(b))
}
fn rd_u32(r: &mut impl Read) -> std::io::Result<u32> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b)?;
    Ok(u32::from_le_bytes(b))
}
/// u16 length + bytes including a trailing NUL.
fn rd_str(r: &mut impl Read) -> std::io::Result<String> {
    let n = rd_u16(r)? as usize;
    let mut b = vec![0u8; n];
    r.read_exact(&mut b)?;
    if b.last() == Some(&0) {
        b.pop();
    }
    Ok(String::from_utf8_lossy(&b).into_owned())
}

impl Ct2Model {
    /// Index the variables of `path`. A truncated or foreign file gives an error naming it.
    pub fn open(path: &Path) -> Result<Ct2Model> {
        let fix = "reinstall it with `referat models install`";
        let file = File::open(path).with_context(|| format!("cannot open CTranslate2 model {}", path.display()))?;
        let len = file.metadata().with_context(|| format!("cannot read {}", path.display()))?.len();
        let mut r = BufReader::new(file.try_clone()?);
        let truncated = |what: &str| {
            format!("{} is truncated or not a CTranslate2 model (while reading {what}; file is {len} bytes): {fix}", path.display())
        };
        let ver = rd_u32(&mut r).with_context(|| truncated("the header"))?;
        if ver != 6 {
            bail!(
                "{} is not a CTranslate2 binary version 6 model (version field {ver}): expected faster-whisper's model.bin",
                path.display()
            );
        }
        let spec = rd_str(&mut r).with_context(|| truncated("the header"))?;
        if spec != "WhisperSpec" {
            bail!("{} is a CTranslate2 {spec:?} model, not a Whisper model", path.display());
        }
        let _rev = rd_u32(&mut r).with_context(|| truncated("the header"))?;
        let nvar = rd_u32(&mut r).with_context(|| truncated("the header"))?;
        let mut vars = HashMap::new();
        let mut pos: u64 = r.stream_position()?;
        for _ in 0..nvar {
            let name = rd_str(&mut r).with_context(|| truncated("a variable name"))?;
            let ctx = || truncated(&format!("variable {name}"));
            let rank = rd_u8(&mut r).with_context(ctx)? as usize;
            let mut dims = Vec::with_capacity(rank);
            for _ in 0..rank {
                dims.push(rd_u32(&mut r).with_context(ctx)? as usize);
            }
            let dtype = rd_u8(&mut r).with_context(ctx)?;
            let nbytes = rd_u32(&mut r).with_context(ctx)? as usize;
            pos += 2 + name.len() as u64 + 1 + 1 + 4 * rank as u64 + 1 + 4;
            if pos + nbytes as u64 > len {
                bail!(
                    "{} is truncated: variable {name} needs bytes up to {} but the file has {len}: {fix}",
                    path.display(),
                    pos + nbytes as u64
                );
            }
            let var = Var { dims, dtype, offset: pos, nbytes };
            if var.elem_size() == 0 {
                bail!("{}: variable {name} has unknown dtype {dtype}", path.display());
            }
            let count: usize = var.dims.iter().product();
            if count * var.elem_size() != nbytes {
                bail!("{}: variable {name} has {nbytes} bytes for shape {:?}: the file is damaged: {fix}", path.display(), var.dims);
            }
            r.seek_relative(nbytes as i64)?;
            pos += nbytes as u64;
            vars.insert(name, var);
        }
        let nalias = rd_u32(&mut r).with_context(|| truncated("the alias table"))?;
        for _ in 0..nalias {
            let a = rd_str(&mut r).with_context(|| truncated("the alias table"))?;
            let b = rd_str(&mut r).with_context(|| truncated("the alias table"))?;
            let v = vars.get(&b).cloned().with_context(|| format!("{}: alias {a} points to missing {b}", path.display()))?;
            vars.insert(a, v);
        }
        Ok(Ct2Model { file, path: path.to_path_buf(), vars })
    }

    fn var(&self, name: &str) -> Result<&Var> {
        self.vars.get(name).with_context(|| format!("{}: variable {name} is missing: not a Whisper CTranslate2 model", self.path.display()))
    }

    fn read(&self, v: &Var) -> Result<Vec<u8>> {
        let mut buf = vec![0u8; v.nbytes];
        let mut f = &self.file;
        f.seek(SeekFrom::Start(v.offset))?;
        f.read_exact(&mut buf).with_context(|| format!("cannot read {}", self.path.display()))?;
        Ok(buf)
    }

    /// An integer scalar (num_heads is stored as int16).
    fn scalar_int(&self, name: &str) -> Result<usize> {
        let v = self.var(name)?;
        let b = self.read(v)?;
        Ok(match v.dtype {
            1 => b[0] as i8 as i64,
            2 => i16::from_le_bytes([b[0], b[1]]) as i64,
            3 => i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64,
            _ => bail!("{}: {name} is not an integer", self.path.display()),
        } as usize)
    }

    fn dim(&self, name: &str, i: usize) -> Result<usize> {
        let v = self.var(name)?;
        v.dims.get(i).copied().with_context(|| format!("{}: {name} has shape {:?}", self.path.display(), v.dims))
    }

    fn count_layers(&self, side: &str) -> usize {
        let prefix = format!("{side}/layer_");
        let mut set = std::collections::HashSet::new();
        for k in self.vars.keys() {
            if let Some(rest) = k.strip_prefix(&prefix) {
                if let Some((n, _)) = rest.split_once('/') {
                    if n.bytes().all(|c| c.is_ascii_digit()) && !n.is_empty() {
                        set.insert(n.to_string());
                    }
                }
            }
        }
        set.len()
    }

    pub fn hparams(&self) -> Result<Hparams> {
        Ok(Hparams {
            n_vocab: self.dim("decoder/embeddings/weight", 0)?,
            n_audio_ctx: self.dim("encoder/position_encodings/encodings", 0)?,
            n_audio_state: self.dim("encoder/conv2/weight", 0)?,
            n_audio_head: self.scalar_int("encoder/num_heads")?,
            n_audio_layer: self.count_layers("encoder"),
            n_text_ctx: self.dim("decoder/position_encodings/encodings", 0)?,
            n_text_state: self.dim("decoder/embeddings/weight", 1)?,
            n_text_head: self.scalar_int("decoder/num_heads")?,
            n_text_layer: self.count_layers("decoder"),
            n_mels: self.dim("encoder/conv1/weight", 1)?,
        })
    }
}

/// A tensor of the openai-whisper state dict: a row range `rows` of a CT2 variable
/// (fused q/k/v weights are split along axis 0, which is a contiguous byte range).
struct Tensor {
    name: String,
    src: String,
    rows: Option<(usize, usize)>,
}

/// CT2 names → openai-whisper names, in the reference's insertion order (the ggml file order).
fn to_openai(m: &Ct2Model, hp: &Hparams) -> Result<Vec<Tensor>> {
    let mut sd: Vec<Tensor> = Vec::new();
    fn put(sd: &mut Vec<Tensor>, dst: &str, src: &str, rows: Option<(usize, usize)>) {
        sd.push(Tensor { name: dst.to_string(), src: src.to_string(), rows });
    }
    fn ln(sd: &mut Vec<Tensor>, dst: &str, src: &str) {
        put(sd, &format!("{dst}.weight"), &format!("{src}/gamma"), None);
        put(sd, &format!("{dst}.bias"), &format!("{src}/beta"), None);
    }
    fn lin(sd: &mut Vec<Tensor>, dst: &str, src: &str) {
        put(sd, &format!("{dst}.weight"), &format!("{src}/weight"), None);
        put(sd, &format!("{dst}.bias"), &format!("{src}/bias"), None);
    }
    // Whisper's key projections have no bias; CT2 stores zeros there, which the reference asserts.
    let check_zero = |src: &str, from: usize, to: usize| -> Result<()> {
        let v = m.var(src)?;
        let b = m.read(v)?;
        let es = v.elem_size();
        let zero = b[from * es..to * es].chunks(es).all(|c| {
            // +0.0 and -0.0 both count as zero, as in numpy's `np.any`.
            c.iter().enumerate().all(|(i, &x)| if i == es - 1 { x & 0x7f == 0 } else { x == 0 })
        });
        ensure!(zero, "{}: unexpected non-zero key bias in {src}", m.path.display());
        Ok(())
    };
    let fused_qkv = |sd: &mut Vec<Tensor>, dst: &str, src: &str, d: usize| -> Result<()> {
        let w = format!("{src}/linear_0/weight");
        let b = format!("{src}/linear_0/bias");
        put(sd, &format!("{dst}.query.weight"), &w, Some((0, d)));
        put(sd, &format!("{dst}.query.bias"), &b, Some((0, d)));
        put(sd, &format!("{dst}.key.weight"), &w, Some((d, 2 * d)));
        check_zero(&b, d, 2 * d)?;
        put(sd, &format!("{dst}.value.weight"), &w, Some((2 * d, 3 * d)));
        put(sd, &format!("{dst}.value.bias"), &b, Some((2 * d, 3 * d)));
        lin(sd, &format!("{dst}.out"), &format!("{src}/linear_1"));
        Ok(())
    };

    put(&mut sd, "encoder.conv1.weight", "encoder/conv1/weight", None);
    put(&mut sd, "encoder.conv1.bias", "encoder/conv1/bias", None);
    put(&mut sd, "encoder.conv2.weight", "encoder/conv2/weight", None);
    put(&mut sd, "encoder.conv2.bias", "encoder/conv2/bias", None);
    put(&mut sd, "encoder.positional_embedding", "encoder/position_encodings/encodings", None);
    let d = hp.n_audio_state;
    for i in 0..hp.n_audio_layer {
        let p = format!("encoder/layer_{i}");
        let o = format!("encoder.blocks.{i}");
        fused_qkv(&mut sd, &format!("{o}.attn"), &format!("{p}/self_attention"), d)?;
        ln(&mut sd, &format!("{o}.attn_ln"), &format!("{p}/self_attention/layer_norm"));
        lin(&mut sd, &format!("{o}.mlp.0"), &format!("{p}/ffn/linear_0"));
        lin(&mut sd, &format!("{o}.mlp.2"), &format!("{p}/ffn/linear_1"));
        ln(&mut sd, &format!("{o}.mlp_ln"), &format!("{p}/ffn/layer_norm"));
    }
    ln(&mut sd, "encoder.ln_post", "encoder/layer_norm");

    let d = hp.n_text_state;
    put(&mut sd, "decoder.token_embedding.weight", "decoder/embeddings/weight", None);
    put(&mut sd, "decoder.positional_embedding", "decoder/position_encodings/encodings", None);
    for i in 0..hp.n_text_layer {
        let p = format!("decoder/layer_{i}");
        let o = format!("decoder.blocks.{i}");
        fused_qkv(&mut sd, &format!("{o}.attn"), &format!("{p}/self_attention"), d)?;
        ln(&mut sd, &format!("{o}.attn_ln"), &format!("{p}/self_attention/layer_norm"));
        let a = format!("{p}/attention");
        put(&mut sd, &format!("{o}.cross_attn.query.weight"), &format!("{a}/linear_0/weight"), None);
        put(&mut sd, &format!("{o}.cross_attn.query.bias"), &format!("{a}/linear_0/bias"), None);
        let wkv = format!("{a}/linear_1/weight");
        let bkv = format!("{a}/linear_1/bias");
        put(&mut sd, &format!("{o}.cross_attn.key.weight"), &wkv, Some((0, d)));
        check_zero(&bkv, 0, d)?;
        put(&mut sd, &format!("{o}.cross_attn.value.weight"), &wkv, Some((d, 2 * d)));
        put(&mut sd, &format!("{o}.cross_attn.value.bias"), &bkv, Some((d, 2 * d)));
        lin(&mut sd, &format!("{o}.cross_attn.out"), &format!("{a}/linear_2"));
        ln(&mut sd, &format!("{o}.cross_attn_ln"), &format!("{a}/layer_norm"));
        lin(&mut sd, &format!("{o}.mlp.0"), &format!("{p}/ffn/linear_0"));
        lin(&mut sd, &format!("{o}.mlp.2"), &format!("{p}/ffn/linear_1"));
        ln(&mut sd, &format!("{o}.mlp_ln"), &format!("{p}/ffn/layer_norm"));
    }
    ln(&mut sd, "decoder.ln", "decoder/layer_norm");
    Ok(sd)
}

/// numpy's `linspace(start, stop, num)`: `i * step + start`, the last point set to `stop`.
fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    let step = (stop - start) / (num - 1) as f64;
    let mut y: Vec<f64> = (0..num).map(|i| i as f64 * step + start).collect();
    if num > 1 {
        y[num - 1] = stop;
    }
    y
}

// Slaney mel scale, as librosa (and so openai-whisper's mel_filters.npz) computes it.
fn hz_to_mel(f: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    let min_log_hz = 1000.0;
    let min_log_mel = min_log_hz / f_sp;
    let logstep = 6.4f64.ln() / 27.0;
    if f >= min_log_hz {
        min_log_mel + (f.max(1e-10) / min_log_hz).ln() / logstep
    } else {
        f / f_sp
    }
}

fn mel_to_hz(m: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    let min_log_hz = 1000.0;
    let min_log_mel = min_log_hz / f_sp;
    let logstep = 6.4f64.ln() / 27.0;
    if m >= min_log_mel {
        min_log_hz * (logstep * (m - min_log_mel)).exp()
    } else {
        f_sp * m
    }
}

/// `librosa.filters.mel(sr=16000, n_fft=400, n_mels)` with Slaney norm, row-major
/// `n_mels × (1 + n_fft/2)`, computed in f64 and rounded to f32 at the end like the reference.
pub fn mel_filters(n_mels: usize) -> Vec<f32> {
    let (sr, n_fft) = (16000.0f64, 400usize);
    let n_freq = 1 + n_fft / 2;
    let fftfreqs = linspace(0.0, sr / 2.0, n_freq);
    let mel_f: Vec<f64> = linspace(hz_to_mel(0.0), hz_to_mel(sr / 2.0), n_mels + 2).into_iter().map(mel_to_hz).collect();
    let fdiff: Vec<f64> = mel_f.windows(2).map(|w| w[1] - w[0]).collect();
    let mut out = Vec::with_capacity(n_mels * n_freq);
    for i in 0..n_mels {
        let enorm = 2.0 / (mel_f[i + 2] - mel_f[i]);
        for &f in &fftfreqs {
            let lower = -(mel_f[i] - f) / fdiff[i];
            let upper = (mel_f[i + 2] - f) / fdiff[i + 1];
            // numpy's minimum/maximum, spelled out because signed zeros matter for byte identity:
            // at 0 Hz `lower` is -0.0 and numpy's (SIMD) maximum(0, -0.0) keeps -0.0.
            let m = if lower <= upper { lower } else { upper };
            let w = if 0.0 > m { 0.0 } else { m };
            out.push((w * enorm) as f32);
        }
    }
    out
}

/// GPT-2's byte ↔ unicode table: the inverse maps a BPE token's characters back to raw bytes.
fn unicode_to_byte() -> HashMap<char, u8> {
    let mut bs: Vec<u32> = (b'!' as u32..=b'~' as u32).chain(0xA1..=0xAC).chain(0xAE..=0xFF).collect();
    let mut cs = bs.clone();
    let mut n = 0;
    for b in 0..256u32 {
        if !bs.contains(&b) {
            bs.push(b);
            cs.push(256 + n);
            n += 1;
        }
    }
    bs.into_iter().zip(cs).filter_map(|(b, c)| char::from_u32(c).map(|c| (c, b as u8))).collect()
}

/// The regular (non-special) BPE tokens of a HF `tokenizer.json`, as raw bytes in id order.
pub fn regular_tokens(tokenizer_json: &Path) -> Result<Vec<Vec<u8>>> {
    let text =
        std::fs::read_to_string(tokenizer_json).with_context(|| format!("cannot read Whisper tokenizer {}", tokenizer_json.display()))?;
    let tj: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid JSON: reinstall with `referat models install`", tokenizer_json.display()))?;
    let vocab = tj["model"]["vocab"]
        .as_object()
        .with_context(|| format!("{} has no model.vocab: not a BPE tokenizer.json", tokenizer_json.display()))?;
    let special: std::collections::HashSet<&str> =
        tj["added_tokens"].as_array().map(|a| a.iter().filter_map(|t| t["content"].as_str()).collect()).unwrap_or_default();
    let dec = unicode_to_byte();
    let mut items: Vec<(u64, &str)> = vocab
        .iter()
        .filter(|(t, _)| !special.contains(t.as_str()))
        .map(|(t, i)| {
            i.as_u64().map(|i| (i, t.as_str())).with_context(|| format!("{}: token {t:?} has no integer id", tokenizer_json.display()))
        })
        .collect::<Result<_>>()?;
    items.sort_by_key(|x| x.0);
    for (k, (i, _)) in items.iter().enumerate() {
        ensure!(*i == k as u64, "{}: regular vocabulary ids are not contiguous from 0 (id {i} at {k})", tokenizer_json.display());
    }
    items
        .into_iter()
        .map(|(_, t)| {
            t.chars()
                .map(|c| dec.get(&c).copied().with_context(|| format!("{}: token {t:?} is not byte-level BPE", tokenizer_json.display())))
                .collect()
        })
        .collect()
}

/// Writes and hashes at once, so the output need not be read back to be checked.
struct HashingWriter<W: Write> {
    inner: W,
    hasher: sha2::Sha256,
    written: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        sha2::Digest::update(&mut self.hasher, &buf[..n]);
        self.written += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Convert `model_bin` (+ its `tokenizer.json`) to a whisper.cpp ggml file at `out`, with its
/// matrices in `quant`. Writes `out` directly (callers write to a temporary name and rename
/// after checking); returns (size, sha256) of what was written.
pub fn convert(model_bin: &Path, tokenizer_json: &Path, out: &Path, quant: Quant) -> Result<(u64, String)> {
    let m = Ct2Model::open(model_bin)?;
    let hp = m.hparams()?;
    let sd = to_openai(&m, &hp)?;
    let tokens = regular_tokens(tokenizer_json)?;
    let f = File::create(out).with_context(|| format!("cannot create {}: check that the folder is writable", out.display()))?;
    let mut w = HashingWriter { inner: BufWriter::with_capacity(1 << 20, f), hasher: Default::default(), written: 0 };
    write_ggml(&m, &hp, &sd, &tokens, quant, &mut w).with_context(|| format!("cannot write {}", out.display()))?;
    w.flush()?;
    let HashingWriter { inner, hasher, written } = w;
    let f = inner.into_inner().map_err(|e| e.into_error())?;
    f.sync_all()?;
    Ok((written, hex::encode(sha2::Digest::finalize(hasher))))
}

fn write_ggml(m: &Ct2Model, hp: &Hparams, sd: &[Tensor], tokens: &[Vec<u8>], quant: Quant, w: &mut impl Write) -> Result<()> {
    let i32le = |w: &mut dyn Write, v: usize| -> Result<()> {
        let v = i32::try_from(v).context("value does not fit the ggml header")?;
        w.write_all(&v.to_le_bytes())?;
        Ok(())
    };
    w.write_all(&GGML_MAGIC.to_le_bytes())?;
    for v in [
        hp.n_vocab,
        hp.n_audio_ctx,
        hp.n_audio_state,
        hp.n_audio_head,
        hp.n_audio_layer,
        hp.n_text_ctx,
        hp.n_text_state,
        hp.n_text_head,
        hp.n_text_layer,
        hp.n_mels,
    ] {
        i32le(w, v)?;
    }
    let (matrix_type, ftype) = quant.types();
    i32le(w, ftype)?;
    let filt = mel_filters(hp.n_mels);
    i32le(w, hp.n_mels)?;
    i32le(w, filt.len() / hp.n_mels)?;
    for x in &filt {
        w.write_all(&x.to_le_bytes())?;
    }
    i32le(w, tokens.len())?;
    for t in tokens {
        i32le(w, t.len())?;
        w.write_all(t)?;
    }
    for t in sd {
        let v = m.var(&t.src)?;
        let es = v.elem_size();
        let row: usize = v.dims.iter().skip(1).product();
        let mut dims = v.dims.clone();
        let bytes = match t.rows {
            Some((a, b)) => {
                ensure!(b <= v.dims.first().copied().unwrap_or(0), "{}: {} is too small to split", m.path.display(), t.src);
                dims[0] = b - a;
                let full = m.read(v)?;
                full[a * row * es..b * row * es].to_vec()
            }
            None => m.read(v)?,
        };
        let conv_bias = t.name == "encoder.conv1.bias" || t.name == "encoder.conv2.bias";
        if conv_bias {
            dims = vec![dims[0], 1];
        }
        let n_dims = dims.len();
        let small = n_dims < 2 || conv_bias || t.name == "encoder.positional_embedding" || t.name == "decoder.positional_embedding";
        let (mut ftype, mut data) = match (v.dtype, small) {
            (4, false) => (1, bytes),
            (4, true) => (0, bytes.chunks_exact(2).flat_map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32().to_le_bytes()).collect()),
            (0, true) => (0, bytes),
            (0, false) => (
                1,
                bytes
                    .chunks_exact(4)
                    .flat_map(|c| half::f16::from_f32(f32::from_le_bytes([c[0], c[1], c[2], c[3]])).to_le_bytes())
                    .collect(),
            ),
            (dt, _) => {
                bail!("{}: tensor {} has dtype {dt}; only float16/float32 CTranslate2 models can be converted", m.path.display(), t.src)
            }
        };
        // Like whisper.cpp's quantize: 2-D matrices only; conv kernels (3-D) stay f16.
        if quant != Quant::F16 && ftype == 1 && n_dims == 2 {
            let f32s: Vec<f32> = data.chunks_exact(2).map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32()).collect();
            ensure!(dims[n_dims - 1] % 32 == 0, "{}: tensor {} rows are not a multiple of 32", m.path.display(), t.src);
            data = Vec::with_capacity(f32s.len() / 32 * 34);
            quantize_q8_0(&f32s, &mut data);
            ftype = matrix_type;
        }
        i32le(w, n_dims)?;
        i32le(w, t.name.len())?;
        i32le(w, ftype)?;
        for i in 0..n_dims {
            i32le(w, dims[n_dims - 1 - i])?;
        }
        w.write_all(t.name.as_bytes())?;
        w.write_all(&data)?;
    }
    Ok(())
}

/// Cheap check that `path` looks like a whisper.cpp ggml model (magic + more than a header).
pub fn check_ggml(path: &Path) -> Result<()> {
    let mut f = File::open(path).with_context(|| format!("cannot open Whisper model {}: check the path", path.display()))?;
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let mut magic = [0u8; 4];
    let header = 4 + 11 * 4;
    if len <= header || f.read_exact(&mut magic).is_err() || u32::from_le_bytes(magic) != GGML_MAGIC {
        bail!(
            "{} is not a whisper.cpp ggml model (expected magic 0x67676d6c and more than a {header}-byte header; \
             the file has {len} bytes): give a ggml file such as ggml-base.bin or NB-Whisper's ggml-model.bin \
             (not a .safetensors, CTranslate2 or GGUF file), or run `referat models install`",
            path.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mel_filter_bank_shape_and_norm() {
        let f = mel_filters(80);
        assert_eq!(f.len(), 80 * 201);
        // Slaney-normalised triangles: every filter has some weight, none negative.
        for i in 0..80 {
            let row = &f[i * 201..(i + 1) * 201];
            assert!(row.iter().all(|&x| x >= 0.0));
            assert!(row.iter().any(|&x| x > 0.0), "filter {i} is empty");
        }
    }

    #[test]
    fn byte_table_is_a_bijection() {
        let t = unicode_to_byte();
        assert_eq!(t.len(), 256);
        assert_eq!(t[&'Ġ'], b' ');
        assert_eq!(t[&'a'], b'a');
    }
}
