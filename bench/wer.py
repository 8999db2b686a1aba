#!/usr/bin/env python3
"""WER of a referat transcript.json against a truth.json (utterances[].text); stdlib only.

Normalisation: lower-case, punctuation removed (hyphens inside words kept), integers written
in digits turned into Norwegian words as the truth writes them ("11" -> "elleve",
"15/25" -> "femten tjuefem"). Until `referat::eval::wer` is merged this is the reference.
usage: wer.py [--asr] transcript.json truth.json [UNTIL_SECONDS]
(with UNTIL_SECONDS only utterances and segments starting before it count; with --asr the
score is of Whisper's own text, `asr_text`, where the corrector changed a segment)
"""
import json, re, sys

ONES = "null en to tre fire fem seks sju åtte ni ti elleve tolv tretten fjorten femten seksten sytten atten nitten".split()
TENS = {20: "tjue", 30: "tretti", 40: "førti", 50: "femti", 60: "seksti", 70: "sytti", 80: "åtti", 90: "nitti"}

def num(n):
    if n < 20: return ONES[n]
    if n < 100: return TENS[n // 10 * 10] + (ONES[n % 10] if n % 10 else "")
    if n < 1000:
        h = "hundre" if n // 100 == 1 else ONES[n // 100] + " hundre"
        return h + (" og " + num(n % 100) if n % 100 else "")
    if 1900 <= n < 2100:  # years: "tjuetjuefem"
        return num(n // 100) + num(n % 100)
    return str(n)

def norm(text):
    text = text.lower()
    text = re.sub(r"(\d+)\.", r"\1 ", text)            # "20." ordinal dot
    text = re.sub(r"[^\w\s-]|_", " ", text)
    text = re.sub(r"(?<!\w)-|-(?!\w)", " ", text)
    out = []
    for w in text.split():
        if w.isdigit():
            out.extend(num(int(w)).split())
        else:
            out.append(w)
    return out

def wer(ref, hyp):
    d = list(range(len(hyp) + 1))
    for i in range(1, len(ref) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(hyp) + 1):
            cur = d[j]
            d[j] = min(d[j] + 1, d[j - 1] + 1, prev + (ref[i - 1] != hyp[j - 1]))
            prev = cur
    return d[len(hyp)] / max(1, len(ref))

if __name__ == "__main__":
    args = sys.argv[1:]
    asr = "--asr" in args
    args = [a for a in args if a != "--asr"]
    t = json.load(open(args[0]))
    truth = json.load(open(args[1]))
    until = float(args[2]) if len(args) > 2 else float("inf")
    text = lambda s: (s.get("asr_text") or s["text"]) if asr else s["text"]
    hyp = norm(" ".join(text(s) for s in t["segments"] if s["start"] < until))
    ref = norm(" ".join(u["text"] for u in truth["utterances"] if u["start"] < until))
    print(f"WER {wer(ref, hyp):.3f} ({len(ref)} reference words, {len(hyp)} hypothesis words)")
