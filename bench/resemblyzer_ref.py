"""Reference GE2E embeddings (resemblyzer 0.1.4) in numpy, for checking referat's Rust encoder.

PyPI's Linux torch wheel pulls several GB of CUDA packages, so this re-implements resemblyzer's VoiceEncoder.forward and
embed_utterance in numpy, reading the same pretrained.pt with Python's own unpickler
(PyTorch's legacy, non-zip serialisation), and computes the mel input with librosa exactly as
resemblyzer/audio.py's wav_to_mel_spectrogram does.

    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install numpy librosa
    /tmp/ref/bin/python bench/resemblyzer_ref.py models/resemblyzer/pretrained.pt \
        samples/ehelse-2025-06/recording.wav 1.0:7.88 30.69:32.97 ...   # JSON on stdout

tests/fixtures/resemblyzer_ref.json holds its output for the clips tests/diarize.rs checks.
"""
import pickle, struct, sys, json
import numpy as np
import librosa

def load_legacy_pt(path):
    f = open(path, "rb")
    storages = {}
    class Storage:
        def __init__(self, dtype, key, numel):
            self.dtype, self.key, self.numel = dtype, key, numel
    class U(pickle.Unpickler):
        def find_class(self, mod, name):
            if mod == "torch" and name.endswith("Storage"):
                return {"FloatStorage": np.float32, "LongStorage": np.int64}[name]
            if mod == "torch._utils" and name == "_rebuild_tensor_v2":
                def rebuild(storage, offset, size, stride, requires_grad, hooks):
                    return ("tensor", storage, offset, tuple(size), tuple(stride))
                return rebuild
            if mod == "collections" and name == "OrderedDict":
                import collections
                return collections.OrderedDict
            raise pickle.UnpicklingError(f"{mod}.{name}")
        def persistent_load(self, pid):
            typename, dtype, key, location, numel, view = pid
            assert typename == "storage" and view is None
            if key not in storages:
                storages[key] = Storage(dtype, key, numel)
            return storages[key]
    magic = pickle.load(f)
    assert magic == 0x1950a86a20f9469cfc6c, magic
    assert pickle.load(f) == 1001
    pickle.load(f)  # sys info
    obj = U(f).load()
    keys = pickle.load(f)
    data = {}
    for k in keys:
        (n,) = struct.unpack("<q", f.read(8))
        s = storages[k]
        assert n == s.numel
        data[k] = np.frombuffer(f.read(n * np.dtype(s.dtype).itemsize), dtype=s.dtype)
    assert f.read() == b""
    out = {}
    for name, t in obj["model_state"].items():
        _, s, off, size, stride = t
        a = data[s.key]
        out[name] = np.lib.stride_tricks.as_strided(a[off:], shape=size, strides=[x * a.itemsize for x in stride]).copy()
    return out

def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))

def forward(W, mels):
    """mels: (batch, frames, 40) -> (batch, 256) L2-normed embeddings."""
    x = mels.astype(np.float64)
    B, T, _ = x.shape
    for l in range(3):
        wih, whh = W[f"lstm.weight_ih_l{l}"].astype(np.float64), W[f"lstm.weight_hh_l{l}"].astype(np.float64)
        b = (W[f"lstm.bias_ih_l{l}"] + W[f"lstm.bias_hh_l{l}"]).astype(np.float64)
        H = whh.shape[1]
        h = np.zeros((B, H)); c = np.zeros((B, H))
        xs = x @ wih.T + b
        outs = np.zeros((B, T, H))
        for t in range(T):
            g = xs[:, t] + h @ whh.T
            i, fg, gg, o = sigmoid(g[:, :H]), sigmoid(g[:, H:2*H]), np.tanh(g[:, 2*H:3*H]), sigmoid(g[:, 3*H:])
            c = fg * c + i * gg
            h = o * np.tanh(c)
            outs[:, t] = h
        x = outs
    e = np.maximum(h @ W["linear.weight"].T.astype(np.float64) + W["linear.bias"], 0)
    return e / np.linalg.norm(e, axis=1, keepdims=True)

def wav_to_mel(wav):
    return librosa.feature.melspectrogram(y=wav, sr=16000, n_fft=400, hop_length=160, n_mels=40).astype(np.float32).T

def partial_slices(n_samples, rate=1.3, min_coverage=0.75):
    spf = 160
    n_frames = int(np.ceil((n_samples + 1) / spf))
    frame_step = int(np.round((16000 / rate) / spf))
    wav_slices, mel_slices = [], []
    steps = max(1, n_frames - 160 + frame_step + 1)
    for i in range(0, steps, frame_step):
        mel_slices.append(slice(i, i + 160)); wav_slices.append(slice(i * spf, (i + 160) * spf))
    last = wav_slices[-1]
    if (n_samples - last.start) / (last.stop - last.start) < min_coverage and len(mel_slices) > 1:
        mel_slices, wav_slices = mel_slices[:-1], wav_slices[:-1]
    return wav_slices, mel_slices

def embed_utterance(W, wav):
    wav_slices, mel_slices = partial_slices(len(wav))
    if wav_slices[-1].stop >= len(wav):
        wav = np.pad(wav, (0, wav_slices[-1].stop - len(wav)))
    mel = wav_to_mel(wav)
    partials = forward(W, np.array([mel[s] for s in mel_slices]))
    e = partials.mean(axis=0)
    return e / np.linalg.norm(e), partials, mel

if __name__ == "__main__":
    pt, wavpath = sys.argv[1], sys.argv[2]
    clips = [tuple(map(float, c.split(":"))) for c in sys.argv[3:]]
    W = load_legacy_pt(pt)
    y, sr = librosa.load(wavpath, sr=None)
    assert sr == 16000
    out = []
    for a, b in clips:
        wav = y[int(a * sr):int(b * sr)].astype(np.float32)
        e, partials, mel = embed_utterance(W, wav)
        out.append({"start": a, "end": b, "embedding": [round(float(v), 6) for v in e],
                    "mel_frame10": [float(v) for v in mel[10]], "partials": len(partials)})
    json.dump(out, sys.stdout)
