#!/usr/bin/env bash
# Every benchmark and the quality evaluation in one run; writes bench/results.md.
#
#   bash bench/run.sh            # all (several hours on 2 idle cores: 1 h, 3 h and 6 h meetings)
#   bash bench/run.sh --quick    # a 20-minute long meeting instead of 1/3/6 h, fewer LLM tasks
#   HOURS="1" bash bench/run.sh --quick   # the long meetings to build, in hours
#
# - ASR: referat vs faster-whisper (int8, the same whisper-base weights), same audio and threads.
# - LLM: candle in referat vs llama.cpp (cyllama wheel), same GGUF, prompt and settings.
# - LLM drafting tasks (`bench_llm --tasks`): real innspill rewrites one token per pass, then
#   batched and with prompt-lookup speculation; each checked to give the same text.
# - End to end: `referat run` on the sample and on long meetings built from all the sample
#   meetings one after the other (bench/long_meeting.py: 1 h, 3 h, 6 h), per stage wall time
#   and peak RSS.
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
/usr/bin/time -f "wall_s=%e" "$bin/referat" transcribe --meeting samples/ehelse-2025-06/meeting.toml --audio samples/ehelse-2025-06/recording.wav --out "$work/noprompt" --threads "$threads" --no-prompt --no-speakers --force 2>"$work/noprompt.log"
python3 bench/wer.py "$work/noprompt/transcript.json" samples/ehelse-2025-06/truth.json | tee "$work/asr-noprompt.txt"

step "LLM: candle vs llama.cpp"
gguf=$REFERAT_MODELS_DIR/qwen2.5-coder-1.5b-instruct/model.gguf
"$bin/bench_llm" "$gguf" --gen 64 --threads "$threads" 2>&1 | tee "$work/llm-candle.txt"
"$venv/bin/python" bench/llamacpp_compare.py "$gguf" 64 2>/dev/null | tee "$work/llm-llamacpp.txt"
step "LLM: drafting tasks, stepwise vs batched vs speculative"
if [ "$quick" = 1 ]; then tasks=8; configs=1:0,4:0,4:6; else tasks=24; configs=1:0,2:0,4:0,8:0,1:6,2:6,4:6,8:6; fi
"$bin/bench_llm" "$gguf" --gen 1 --threads "$threads" --tasks "$tasks" --configs "$configs" 2>&1 | grep -v _output= | tee "$work/llm-tasks.txt"

step "End to end: the sample recording"
/usr/bin/time -f "max_rss_kib=%M" "$bin/referat" run --meeting samples/ehelse-2025-06/meeting.toml --audio samples/ehelse-2025-06/recording.wav --out "$work/sample" --force 2>&1 | tee "$work/e2e-sample.log"
"$bin/referat" eval --meeting samples/ehelse-2025-06/meeting.toml --out "$work/sample" --truth samples/ehelse-2025-06/truth.json | tee "$work/eval-asr.md"
step "End to end: the truth transcript (imported VTT)"
"$bin/referat" run --meeting samples/ehelse-2025-06/meeting.toml --transcript samples/ehelse-2025-06/truth.vtt --out "$work/truth" --force 2>&1 | tee "$work/e2e-truth.log"
"$bin/referat" eval --meeting samples/ehelse-2025-06/meeting.toml --out "$work/truth" --truth samples/ehelse-2025-06/truth.json | tee "$work/eval-truth.md"

# Long meetings: all the sample meetings one after the other, round after round (varied saker).
if [ "$quick" = 1 ]; then hours="0.35"; else hours="1 3 6"; fi
hours=${HOURS:-$hours}
for h in $hours; do
  step "End to end: a ${h} h meeting built from the sample meetings"
  python3 bench/long_meeting.py "$h" "$work/long-$h" | tee "$work/long-$h.txt"
  /usr/bin/time -f "max_rss_kib=%M" "$bin/referat" run --meeting "$work/long-$h/meeting.toml" --audio "$work/long-$h/recording.wav" --out "$work/long-$h/out" --force 2>&1 | tee "$work/e2e-long-$h.log"
  rm -f "$work/long-$h/recording.wav"
done

echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$work/machine.txt"
python3 bench/report.py "$work" >bench/results.md.tmp
mv bench/results.md.tmp bench/results.md
echo
echo "wrote bench/results.md"
