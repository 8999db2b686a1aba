//! Tensors from a PyTorch checkpoint in the legacy (pre-1.6, non-zip) serialisation, as
//! resemblyzer's `pretrained.pt` is saved. candle reads only the zip format, but its pickle
//! interpreter reads the pickles; the rest of the format is small:
//!
//! 1. a pickle of the magic number 0x1950a86a20f9469cfc6c, 2. a pickle of the protocol version
//!    (1001), 3. a pickle of system info (byte order, type sizes),
//! 4. the pickled object; tensors refer to storages through persistent ids
//!    `("storage", <Type>Storage, key, location, numel, view)`,
//! 5. a pickle of the list of storage keys, 6. per key in that order: numel as a little-endian
//!    i64, then the raw little-endian elements.

use anyhow::{bail, ensure, Context, Result};
use candle_core::pickle::{Object, Stack};
use candle_core::{Device, Tensor};
use std::collections::HashMap;
use std::io::{BufRead, Read};
use std::path::Path;

/// The first pickle of every legacy checkpoint: PROTO 2, LONG1 of the magic number, STOP.
const MAGIC_PICKLE: [u8; 15] = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e];

fn pickle(r: &mut impl BufRead) -> Result<Object> {
    let mut st = Stack::empty();
    st.read_loop(r).map_err(anyhow::Error::from)?;
    st.finalize().map_err(anyhow::Error::from)
}

/// Bytes per element of a storage class.
fn elem_size(storage_class: &str) -> Result<usize> {
    Ok(match storage_class {
        "DoubleStorage" | "LongStorage" => 8,
        "FloatStorage" | "IntStorage" => 4,
        "HalfStorage" | "BFloat16Storage" | "ShortStorage" => 2,
        "ByteStorage" | "CharStorage" | "BoolStorage" => 1,
        other => bail!("unsupported storage type {other}"),
    })
}

/// Every storage the object refers to: key → storage class name.
fn storages(obj: &Object, out: &mut HashMap<String, String>) {
    match obj {
        Object::PersistentLoad(id) => {
            if let Object::Tuple(t) = id.as_ref() {
                if let [Object::Unicode(kind), Object::Class { class_name, .. }, Object::Unicode(key), ..] = &t[..] {
                    if kind == "storage" {
                        out.insert(key.clone(), class_name.clone());
                    }
                }
            }
        }
        Object::Tuple(v) | Object::List(v) => v.iter().for_each(|o| storages(o, out)),
        Object::Dict(kv) => kv.iter().for_each(|(k, v)| {
            storages(k, out);
            storages(v, out);
        }),
        Object::Reduce { callable, args } | Object::Build { callable, args } => {
            storages(callable, out);
            storages(args, out);
        }
        _ => {}
    }
}

/// The tensors of the state dict stored under `key` in the checkpoint's top-level dict
/// (resemblyzer: "model_state"), by name.
pub fn load(path: &Path, key: &str) -> Result<HashMap<String, Tensor>> {
    let what = || format!("{} is not a PyTorch legacy checkpoint with a {key:?} state dict", path.display());
    let f = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut r = std::io::BufReader::new(f);
    let mut magic = [0u8; 15];
    r.read_exact(&mut magic).with_context(what)?;
    ensure!(magic == MAGIC_PICKLE, "{}: no legacy PyTorch magic number (a zip-format checkpoint is not read here)", what());
    ensure!(pickle(&mut r).with_context(what)? == Object::Int(1001), "{}: protocol version is not 1001", what());
    let sys = pickle(&mut r).with_context(what)?;
    let little = matches!(&sys, Object::Dict(kv) if kv.iter().any(|(k, v)| *k == Object::Unicode("little_endian".into()) && *v == Object::Bool(true)));
    ensure!(little, "{}: only little-endian checkpoints are supported", what());
    let obj = pickle(&mut r).with_context(what)?;
    let mut classes = HashMap::new();
    storages(&obj, &mut classes);
    let keys = match pickle(&mut r).with_context(what)? {
        Object::List(k) => {
            k.into_iter().map(|k| k.unicode().map_err(|_| anyhow::anyhow!("{}: bad storage key", what()))).collect::<Result<Vec<_>>>()?
        }
        _ => bail!("{}: no storage key list", what()),
    };
    let mut data: HashMap<String, Vec<u8>> = HashMap::new();
    for k in keys {
        let class = classes.get(&k).with_context(|| format!("{}: storage {k} is not referred to", what()))?;
        let es = elem_size(class)?;
        let mut n = [0u8; 8];
        r.read_exact(&mut n).with_context(what)?;
        let n = usize::try_from(i64::from_le_bytes(n)).with_context(what)?;
        let mut bytes = vec![0u8; n.checked_mul(es).with_context(what)?];
        r.read_exact(&mut bytes).with_context(|| format!("{}: the file ends inside storage {k}", what()))?;
        data.insert(k, bytes);
    }

    let Object::Dict(top) = obj else { bail!("{}: the checkpoint is not a dict", what()) };
    let state = top.into_iter().find(|(k, _)| *k == Object::Unicode(key.into())).map(|(_, v)| v).with_context(what)?;
    let Object::Dict(state) = state else { bail!("{}: {key:?} is not a dict", what()) };
    let mut out = HashMap::new();
    for (name, value) in state {
        let Some(info) = value.into_tensor_info(name, Path::new("")).map_err(anyhow::Error::from)? else { continue };
        ensure!(info.layout.is_contiguous(), "{}: tensor {} is not contiguous", what(), info.name);
        let key = info.path.trim_start_matches('/');
        let bytes = data.get(key).with_context(|| format!("{}: tensor {} has no storage", what(), info.name))?;
        let start = info.layout.start_offset();
        let len = info.layout.shape().elem_count() * info.dtype.size_in_bytes();
        let raw = bytes.get(start..start + len).with_context(|| format!("{}: tensor {} lies outside its storage", what(), info.name))?;
        let t = Tensor::from_raw_buffer(raw, info.dtype, info.layout.dims(), &Device::Cpu)?;
        out.insert(info.name, t);
    }
    Ok(out)
}
