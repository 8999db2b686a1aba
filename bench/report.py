#!/usr/bin/env python3
"""Turn the logs that bench/run.sh leaves in WORK into bench/results.md (Markdown on stdout).
usage: report.py WORK"""
import os, re, sys

work = sys.argv[1]


def read(name):
    p = os.path.join(work, name)
    return open(p, encoding="utf-8").read() if os.path.exists(p) else ""


def num(pattern, text, default=None):
    m = re.search(pattern, text)
    return float(m.group(1)) if m else default


def fmt(x, spec=".1f"):
    return "n/a" if x is None else format(x, spec)


def ratio(a, b):
    return None if a is None or not b else a / b


machine = dict(l.split("=", 1) for l in read("machine.txt").splitlines() if "=" in l)
out = []
w = out.append
w(f"# Benchmarks and evaluation, {machine.get('date', '?')}")
w("")
w(f"Machine: {machine.get('cores')} cores ({machine.get('cpu')}), {machine.get('mem_gib')} GiB; "
  f"load average before {machine.get('load_before')}, after {machine.get('load_after')}; commit {machine.get('commit')}.")
w("Produced by `bash bench/run.sh`; every ratio compares two runs made one after the other in that run.")
w("")

# ---------------------------------------------------------------- ASR
asr = read("asr.txt")
ref_s = num(r"referat \(.*?\): ([\d.]+) s wall", asr)
fw_s = num(r"faster-whisper \(.*?\):\s+([\d.]+) s wall", asr)
dur = num(r"transcribed ([\d.]+) s of audio", asr)
ref_wer = num(r"referat\s+WER ([\d.]+)", asr)
fw_wer = num(r"faster-whisper WER ([\d.]+)", asr)
np_wer = num(r"WER ([\d.]+)", read("asr-noprompt.txt"))
np_s = num(r"wall_s=([\d.]+)", read("noprompt.log"))
w("## ASR: referat vs faster-whisper (sample, 8.7 min)")
w("")
w("| | wall s | real-time factor | WER |")
w("|---|---|---|---|")
w(f"| referat (whisper.cpp, ggml Q8_0, vocabulary prompt) | {fmt(ref_s)} | {fmt(ratio(ref_s, dur), '.3f')} | {fmt(ref_wer, '.3f')} |")
w(f"| referat without the vocabulary prompt (as faster-whisper runs) | {fmt(np_s)} | {fmt(ratio(np_s, dur), '.3f')} | {fmt(np_wer, '.3f')} |")
w(f"| faster-whisper 1.2.1 (CTranslate2 int8) | {fmt(fw_s)} | {fmt(ratio(fw_s, dur), '.3f')} | {fmt(fw_wer, '.3f')} |")
w("")
w(f"**Ratio referat / faster-whisper (wall time): {fmt(ratio(ref_s, fw_s), '.2f')} with the vocabulary prompt, "
  f"{fmt(ratio(np_s, fw_s), '.2f')} without it** (goal ≤ 1.0; faster-whisper gets no prompt). Both greedy, "
  "Norwegian forced, same threads, model loading included. WER normalisation: lower-case, punctuation "
  "removed, numbers written as the truth writes them (`bench/wer.py`).")
w("")

# ---------------------------------------------------------------- LLM
cand = read("llm-candle.txt")
lcpp = read("llm-llamacpp.txt")
c_pre = num(r"cold_prefill_tok_s=([\d.]+)", cand)
c_pre_reuse = num(r"reuse_prefill_tok_s=([\d.]+)", cand)
c_gen = num(r"cold_decode_tok_s=([\d.]+)", cand)
c_threads = num(r"threads=(\d+)", cand)
runs = re.findall(r"run \d+: prompt \d+ tokens in [\d.]+ s = ([\d.]+) tok/s; generated \d+ tokens in [\d.]+ s = ([\d.]+) tok/s", lcpp)
l_pre = max(float(r[0]) for r in runs) if runs else None
l_gen = max(float(r[1]) for r in runs) if runs else None
w("## LLM: candle (referat) vs llama.cpp, Qwen2.5-Coder-1.5B-Instruct Q4_K_M")
w("")
w("Same GGUF, same 389-token Norwegian prompt (`src/bin/bench_llm.rs`), greedy, 64 new tokens.")
w("")
w("| | prompt tok/s | generated tok/s |")
w("|---|---|---|")
w(f"| candle, cold ({fmt(c_threads, '.0f')} threads, best of 2 runs) | {fmt(c_pre)} | {fmt(c_gen)} |")
w(f"| candle, system prompt's KV cache reused (as referat drafts) | {fmt(c_pre_reuse)} | |")
w(f"| llama.cpp (cyllama 0.2.18, best of 2 runs) | {fmt(l_pre)} | {fmt(l_gen)} |")
w(f"| **ratio candle / llama.cpp** | **{fmt(ratio(c_pre, l_pre), '.2f')}** | **{fmt(ratio(c_gen, l_gen), '.2f')}** |")
w("")
w("Goal: ≥ 0.95 for both (candle's reference loop, one token per pass, as llama.cpp runs).")
w("")

tasks = read("llm-tasks.txt")
kv = dict(l.split("=", 1) for l in tasks.splitlines() if "=" in l and ":" not in l.split("=", 1)[0])
if "tasks" in kv:
    f = lambda k: float(kv[k]) if k in kv else None
    w(f"### Drafting tasks: {kv['tasks']} innspill rewrites (`bench_llm --tasks`), greedy, same GGUF")
    w("")
    w("Member turns of the sample meetings through prompts/innspill.txt, as the drafting stage asks. "
      "Reference: one token per forward pass (the loop before batching). Batch B: B requests decoded "
      "together (the weights streamed once per step for all of them); lookahead L: up to L tokens "
      "proposed from the prompt (prompt lookup) and verified in the same pass. Same text: how many "
      "answers equal the reference's, token for token.")
    w("")
    w("| | decode tok/s (all sequences) | per sequence | decode speed-up | total speed-up (with prefill) | accepted / proposed | same text |")
    w("|---|---|---|---|---|---|---|")
    w(f"| reference, one token per pass | {fmt(f('stepwise_decode_tok_s'))} | {fmt(f('stepwise_decode_tok_s'))} | 1.00 | 1.00 | | |")
    for key in sorted({k.rsplit('_total_s', 1)[0] for k in kv if re.match(r"b\d+_l\d+_total_s$", k)},
                      key=lambda k: tuple(int(x) for x in re.findall(r"\d+", k))):
        b, l = re.findall(r"\d+", key)
        acc = f"{fmt(f(key + '_accept_rate'), '.2f')}" if l != "0" else ""
        w(f"| batch {b}, lookahead {l} | {fmt(f(key + '_decode_tok_s'))} | {fmt(f(key + '_per_seq_tok_s'))} | "
          f"{fmt(f(key + '_decode_speedup'), '.2f')} | {fmt(f(key + '_total_speedup'), '.2f')} | {acc} | {kv.get(key + '_same_text', 'n/a')} |")
    w("")
    w(f"Prefill (system prompt cached, the rest read per request) is the same in every row: "
      f"{fmt(f('stepwise_prefill_s'))} s of the reference's {fmt(f('stepwise_total_s'))} s. "
      "No batched llama.cpp figure: bench/llamacpp_compare.py runs one sequence (whether cyllama 0.2.18 exposes "
      "batched decoding is not checked yet).")
    w("")

# ---------------------------------------------------------------- end to end
def stages(log):
    rows = re.findall(r"^(transcribe|segment|draft|export|total)\s+([\d.]+)(?:\s+([\d.]+))?\s*$", log, re.M)
    return {name: (float(s), float(r) if r else None) for name, s, r in rows}


def draft_line(log):
    m = re.search(r"draft: wrote .*? in \d+ s; (.*)", log)
    return m.group(1) if m else ""


runs = [("sample recording (8.7 min)", read("e2e-sample.log")), ("truth transcript (imported VTT)", read("e2e-truth.log"))]
longs = [(float(m.group(1)), m) for m in (re.match(r"e2e-long-(\d+(?:\.\d+)?)\.log$", n) for n in os.listdir(work)) if m]
for _, m in sorted(longs, key=lambda x: x[0]):
    name = m.group(0)
    if m:
        desc = re.search(r"long meeting: (\d+) meetings, (\d+) saker, ([\d.]+) h", read(f"long-{m.group(1)}.txt"))
        what = f"{desc.group(3)} h meeting ({desc.group(1)} sample meetings in a row, {desc.group(2)} saker)" if desc else f"{m.group(1)} h meeting"
        runs.append((what, read(name)))
w("## End to end: `referat run`, default models")
w("")
w("| input | transcribe s | segment s | draft s | export s | total s | peak RSS MiB (transcribe / draft) |")
w("|---|---|---|---|---|---|---|")
for name, log in runs:
    if not log:
        continue
    st = stages(log)
    g = lambda k, i=0: st.get(k, (None, None))[i]
    w(f"| {name} | {fmt(g('transcribe'))} | {fmt(g('segment'))} | {fmt(g('draft'))} | {fmt(g('export'))} | "
      f"{fmt(g('total'))} | {fmt(g('transcribe', 1), '.0f')} / {fmt(g('draft', 1), '.0f')} |")
w("")
w("Goal: one hour of meeting in ≤ 12 min (720 s) and six hours in ≤ 75 min (4,500 s) on 2 cores, peak RSS ≤ 3 GB "
  "(2,861 MiB) and flat as the meeting grows. Peak RSS counts the memory-mapped GGUF pages the model touched. "
  "Long meetings: `bench/long_meeting.py` puts the sample meetings one after the other, round after round "
  "(later rounds' sak numbers shifted a decade in the year), one chair for all.")
w("")
for name, log in runs:
    d = draft_line(log)
    if d:
        w(f"- Draft stage, {name}: {d}")
w("")

# ---------------------------------------------------------------- quality
for title, name in [("from the ASR transcript", "eval-asr.md"), ("from the truth transcript", "eval-truth.md")]:
    t = read(name).strip()
    if t:
        w(f"## Quality {title} (`referat eval`)")
        w("")
        w(t)
        w("")
print("\n".join(out))
