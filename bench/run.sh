#!/usr/bin/env bash
# Every benchmark and the quality evaluation in one run; writes bench/results.md.
#
#   bash bench/run.sh            # all (about 35 min on 2 idle cores)
#   bash bench/run.sh --quick    # without the one-hour meeting (about 12 min)
#
# - ASR: referat vs faster-whisper (int8, the same whisper-base weights), same audio and threads.
# - LLM: candle in referat vs llama.cpp (cyllama wheel), same GGUF, prompt and settings.
# - End to end: `referat run` on the sample and on a one-hour meeting (the sample looped), per
#   stage wall time and peak RSS.
# - Quality: `referat eval` against samples/ehelse-2025-06/truth.json, from the ASR and the truth transcript.
# llama.cpp picks its own thread count (all physical cores). Peers are installed into
# bench/.venv-peers (PyPI). Run it on an idle machine: figures are
# ratios of runs made one after the other, and other load distorts them.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
[ "${1:-}" = "--quick" ] && quick=1
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
export REFERAT_MODELS_DIR=${REFERAT_MODELS_DIR:-$PWD/models}
bin=$CARGO_TARGET_DIR/release
work=$PWD/bench/tmp/run
threads=$(nproc)
venv=$PWD/bench/.venv-peers

cargo build --release --locked --bins
"$bin/referat" models install
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import faster_whisper, cyllama" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q faster-whisper==1.2.1 cyllama==0.2.18
fi
rm -rf "$work"
mkdir -p "$work"
{
  echo "date=$(date -u +%Y-%m-%dT%H:%MZ)"
  echo "cores=$threads"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "mem_gib=$(awk '/MemTotal/ {printf "%.0f", $2/1048576}' /proc/meminfo)"
  echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
} >"$work/machine.txt"

step() { echo; echo "== $* ($(date -u +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg))"; }

step "ASR: referat vs faster-whisper on the sample"
REFERAT_BIN=$bin/referat FW_VENV=$venv bash bench/asr_vs_faster_whisper.sh samples/ehelse-2025-06/recording.wav samples/ehelse-2025-06/meeting.toml "$threads" samples/ehelse-2025-06/truth.json | tee "$work/asr.txt"
step "ASR: referat without the vocabulary prompt"
"$bin/referat" transcribe --meeting samples/ehelse-2025-06/meeting.toml --audio samples/ehelse-2025-06/recording.wav --out "$work/noprompt" --no-prompt --force 2>"$work/noprompt.log"
python3 bench/wer.py "$work/noprompt/transcript.json" samples/ehelse-2025-06/truth.json | tee "$work/asr-noprompt.txt"

step "LLM: candle vs llama.cpp"
gguf=$REFERAT_MODELS_DIR/qwen2.5-coder-1.5b-instruct/model.gguf
"$bin/bench_llm" "$gguf" --gen 64 --threads "$threads" 2>&1 | tee "$work/llm-candle.txt"
"$venv/bin/python" bench/llamacpp_compare.py "$gguf" 64 2>/dev/null | tee "$work/llm-llamacpp.txt"

step "End to end: the sample recording"
/usr/bin/time -f "max_rss_kib=%M" "$bin/referat" run --meeting samples/ehelse-2025-06/meeting.toml --audio samples/ehelse-2025-06/recording.wav --out "$work/sample" --force 2>&1 | tee "$work/e2e-sample.log"
"$bin/referat" eval --meeting samples/ehelse-2025-06/meeting.toml --out "$work/sample" --truth samples/ehelse-2025-06/truth.json | tee "$work/eval-asr.md"
step "End to end: the truth transcript (imported VTT)"
"$bin/referat" run --meeting samples/ehelse-2025-06/meeting.toml --transcript samples/ehelse-2025-06/truth.vtt --out "$work/truth" --force 2>&1 | tee "$work/e2e-truth.log"
"$bin/referat" eval --meeting samples/ehelse-2025-06/meeting.toml --out "$work/truth" --truth samples/ehelse-2025-06/truth.json | tee "$work/eval-truth.md"

if [ "$quick" = 0 ]; then
  step "End to end: a one-hour meeting (the sample looped 7 times)"
  sox $(for _ in 1 2 3 4 5 6 7; do echo samples/ehelse-2025-06/recording.wav; done) "$work/hour.wav"
  /usr/bin/time -f "max_rss_kib=%M" "$bin/referat" run --meeting samples/ehelse-2025-06/meeting.toml --audio "$work/hour.wav" --out "$work/hour" --force 2>&1 | tee "$work/e2e-hour.log"
fi

echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$work/machine.txt"
python3 bench/report.py "$work" >bench/results.md.tmp
mv bench/results.md.tmp bench/results.md
echo
echo "wrote bench/results.md"
