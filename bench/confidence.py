#!/usr/bin/env python3
"""How well Whisper's word confidence (transcript.json words[].confidence) and the corrector's
`unknown` mark tell right words from wrong ones; stdlib only.

usage: confidence.py [--until SECONDS] transcript.json truth.json [transcript.json truth.json ...]
Each hypothesis word is aligned to the truth (Levenshtein, bench/wer.py's normalisation) and
counted right when it equals its aligned truth word; prints the share right per confidence band.
"""
import collections, json, os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wer import norm

def align(ref, hyp):
    """hyp index -> aligned ref word, for substitutions and matches."""
    n, m = len(ref), len(hyp)
    d = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1): d[i][0] = i
    for j in range(m + 1): d[0][j] = j
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1]))
    i, j, out = n, m, {}
    while i > 0 and j > 0:
        if d[i][j] == d[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1]):
            out[j - 1] = ref[i - 1]; i -= 1; j -= 1
        elif d[i][j] == d[i - 1][j] + 1: i -= 1
        else: j -= 1
    return out

args = sys.argv[1:]
until = float("inf")
if args[:1] == ["--until"]:
    until, args = float(args[1]), args[2:]
bands = collections.defaultdict(lambda: [0, 0]); unknown = [0, 0]
for tf, rf in zip(args[0::2], args[1::2]):
    t, truth = json.load(open(tf)), json.load(open(rf))
    ref = norm(" ".join(u["text"] for u in truth["utterances"] if u["start"] < until))
    hyp, conf, unk = [], [], []
    for s in t["segments"]:
        if s["start"] >= until: continue
        for w in s.get("words", []):
            for x in norm(w["text"]):
                hyp.append(x); conf.append(w.get("confidence", 1.0)); unk.append(w.get("unknown", False))
    al = align(ref, hyp)
    for j, h in enumerate(hyp):
        ok = al.get(j) == h
        b = bands[min(int(conf[j] * 5), 4)]; b[0] += ok; b[1] += 1
        if unk[j]: unknown[0] += ok; unknown[1] += 1
for b in sorted(bands):
    print(f"confidence {b / 5:.1f}-{(b + 1) / 5:.1f}: {bands[b][1]} words, {bands[b][0] / bands[b][1]:.2f} right")
print(f"marked unknown: {unknown[1]} words, {unknown[0] / max(1, unknown[1]):.2f} right")
