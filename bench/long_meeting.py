#!/usr/bin/env python3
"""Build a long meeting from the sample meetings, for the benchmark's long rows.

usage: long_meeting.py HOURS OUT_DIR

Takes the sample meetings (samples/*/truth.json) one after the other, round after round, until
the recording reaches HOURS, and writes OUT_DIR/recording.wav (sox), OUT_DIR/truth.vtt (the
true transcript) and OUT_DIR/meeting.toml: the first meeting's header and chair, all members and vocabulary, and every item in recording
order. From the second round on (or where two meetings share a saksnr), an item's year is
shifted (11/25 -> 11/35, PS 31/25 -> PS 31/35, 23-2025 -> 23-2035) so that sak numbers stay unique while the
spoken number stays the same. Planned
times and breaks are left out (they are clock times of the separate meetings). Prints the
meetings used and the duration.
"""
import json, os, re, subprocess, sys, tomllib

hours = float(sys.argv[1])
out = sys.argv[2]
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "samples")
ids = sorted(d for d in os.listdir(root) if os.path.exists(os.path.join(root, d, "truth.json")))
if not ids:
    sys.exit(f"no sample meetings with truth.json under {root}")


def audio(d):
    for name in ("recording.flac", "recording.wav"):
        p = os.path.join(root, d, name)
        if os.path.exists(p):
            return p
    sys.exit(f"{os.path.join(root, d)}: no recording.flac or recording.wav")


meetings = {d: tomllib.load(open(os.path.join(root, d, "meeting.toml"), "rb")) for d in ids}
durations = {d: json.load(open(os.path.join(root, d, "truth.json"), encoding="utf-8"))["duration"] for d in ids}

parts, total = [], 0.0
while total < hours * 3600 - 60:
    d = ids[len(parts) % len(ids)]
    parts.append((d, len(parts) // len(ids)))
    total += durations[d]


def shift(saksnr, rnd):
    if rnd == 0:
        return saksnr
    shifted, n = re.subn(r"([/-])(\d+)$", lambda m: m.group(1) + str(int(m.group(2)) + 10 * rnd), saksnr)
    # a saksnr without a year ("Sak 4") gets the round instead, so the loop below ends
    return shifted if n else f"{saksnr}-{rnd + 1}"


first = meetings[ids[0]]
merged = {k: first[k] for k in ("council", "number", "date", "time", "place", "recording_start", "chair", "secretariat") if k in first}
members, seen = [], set()
vocabulary = []
items = []
used = set()
for d, rnd in parts:
    m = meetings[d]
    for mem in m.get("members", []):
        if mem["name"] not in seen:
            seen.add(mem["name"])
            members.append(mem)
    for v in m.get("vocabulary", []):
        if v not in vocabulary:
            vocabulary.append(v)
    for it in m.get("items", []):
        it = {k: v for k, v in it.items() if k not in ("time", "spans")}
        # Two sample meetings may share a saksnr ("11/25"): shift the year again until unique.
        k = rnd
        while shift(it["saksnr"], k) in used:
            k += 1
        it["saksnr"] = shift(it["saksnr"], k)
        used.add(it["saksnr"])
        items.append(it)


def val(v):
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, list):
        return "[" + ", ".join(val(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {val(x)}" for k, x in v.items()) + " }"
    raise TypeError(v)


lines = [f"# Built by bench/long_meeting.py from: {', '.join(f'{d} (round {r + 1})' for d, r in parts)}"]
for k, v in merged.items():
    if not isinstance(v, dict):
        lines.append(f"{k} = {val(v)}")
lines.append(f"vocabulary = {val(vocabulary)}")
if "secretariat" in merged:
    lines += ["", "[secretariat]"] + [f"{k} = {val(v)}" for k, v in merged["secretariat"].items()]
for mem in members:
    lines += ["", "[[members]]"] + [f"{k} = {val(v)}" for k, v in mem.items()]
for it in items:
    lines += ["", "[[items]]"] + [f"{k} = {val(v)}" for k, v in it.items()]
os.makedirs(out, exist_ok=True)
open(os.path.join(out, "meeting.toml"), "w", encoding="utf-8").write("\n".join(lines) + "\n")


def stamp(t):
    return f"{int(t // 3600):02d}:{int(t % 3600 // 60):02d}:{t % 60:06.3f}"


# The true transcript of the whole, as WebVTT: the stages after transcription can be timed on it
# (`referat run --transcript truth.vtt`) without hours of speech recognition.
cues, offset = ["WEBVTT", ""], 0.0
for d, _ in parts:
    truth = json.load(open(os.path.join(root, d, "truth.json"), encoding="utf-8"))
    for u in truth["utterances"]:
        cues += [f"{stamp(offset + u['start'])} --> {stamp(offset + u['end'])}", f"<v {u['speaker']}>{u['text']}", ""]
    offset += durations[d]
open(os.path.join(out, "truth.vtt"), "w", encoding="utf-8").write("\n".join(cues))
subprocess.run(["sox"] + [audio(d) for d, _ in parts] + [os.path.join(out, "recording.wav")], check=True)
print(f"long meeting: {len(parts)} meetings, {len(items)} saker, {total / 3600:.2f} h -> {out}")
