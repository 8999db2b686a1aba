#!/usr/bin/env bash
# Benchmark (not a test): transcribe one recording with referat (whisper.cpp, ggml-base) and
# with faster-whisper (CTranslate2 int8, the same whisper-base weights) on the same machine,
# one after the other, and print wall times, real-time factors and the ratio.
#
# usage: bench/asr_vs_faster_whisper.sh AUDIO MEETING.toml [THREADS] [TRUTH.json]
# env:   REFERAT_MODELS_DIR (store with whisper-base/{ggml-base.bin,model.bin,config.json,...})
#        REFERAT_BIN (default target/release/referat), FW_VENV (default bench/.venv-peers),
#        NO_PROMPT=1 to run referat without the vocabulary prompt (faster-whisper gets none)
# Both decoders run greedy (referat: best_of 3 only on temperature fallback; faster-whisper:
# beam_size 1), language forced to Norwegian, no carried-over context; referat without its
# speaker detection (faster-whisper has none).
# Run it on an idle machine: other load distorts both figures.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
audio=${1:?usage: $0 AUDIO MEETING.toml [THREADS] [TRUTH.json]}
meeting=${2:?usage: $0 AUDIO MEETING.toml [THREADS] [TRUTH.json]}
threads=${3:-2}
truth=${4:-}
store=${REFERAT_MODELS_DIR:?set REFERAT_MODELS_DIR to the model store}
bin=${REFERAT_BIN:-${CARGO_TARGET_DIR:-$here/../target}/release/referat}
venv=${FW_VENV:-$here/.venv-peers}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q faster-whisper==1.2.1
fi
echo "machine: $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
t0=$(date +%s.%N)
"$bin" transcribe --meeting "$meeting" --audio "$audio" --out "$work/referat" --threads "$threads" --force --no-speakers ${NO_PROMPT:+--no-prompt} 2>"$work/referat.log"
t1=$(date +%s.%N)
grep -E "real-time factor" "$work/referat.log" || true
ref_s=$(echo "$t1 - $t0" | bc -l)
duration=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['duration'])" "$work/referat/transcript.json")

"$venv/bin/python" - "$store/whisper-base" "$audio" "$threads" "$work/fw.json" <<'PY'
import json, sys, time
from faster_whisper import WhisperModel
model_dir, audio, threads, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
t0 = time.time()
m = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=threads)
segs, info = m.transcribe(audio, language="no", beam_size=1, condition_on_previous_text=False)
segs = [{"start": s.start, "end": s.end, "text": s.text} for s in segs]  # decoding happens here
json.dump({"segments": segs}, open(out, "w"), ensure_ascii=False)
print(f"faster-whisper: {len(segs)} segments, audio {info.duration:.1f} s, {time.time()-t0:.1f} s")
PY
t2=$(date +%s.%N)
fw_s=$(echo "$t2 - $t1" | bc -l)

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "referat (whisper.cpp ggml-base, %s threads): %.1f s wall, RTF %.3f\n" "$threads" "$ref_s" "$(echo "$ref_s / $duration" | bc -l)"
printf "faster-whisper (int8, %s threads):           %.1f s wall, RTF %.3f\n" "$threads" "$fw_s" "$(echo "$fw_s / $duration" | bc -l)"
printf "ratio referat / faster-whisper: %.2f (below 1: referat is faster)\n" "$(echo "$ref_s / $fw_s" | bc -l)"
if [ -n "$truth" ]; then
  echo -n "referat        "; python3 "$here/wer.py" "$work/referat/transcript.json" "$truth"
  echo -n "faster-whisper "; python3 "$here/wer.py" "$work/fw.json" "$truth"
fi
