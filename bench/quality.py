#!/usr/bin/env python3
"""Tabulate `referat eval --json` results of bench/quality.sh (stdlib only).

    quality.py --list            the sample meeting ids (samples/meetings.toml)
    quality.py --report DIR      the Markdown table of DIR/<id>/<truth|asr>/eval.json
"""
import json
import os
import sys
import tomllib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def meetings():
    with open(os.path.join(ROOT, "samples", "meetings.toml"), "rb") as fh:
        return tomllib.load(fh)["meeting"]


def ratio(a, b, empty=1.0):
    return a / b if b else empty


def row(e):
    s = e.get("segmentation") or {}
    d = e.get("draft") or {}
    ins = d.get("innspill", {})
    ak = d.get("aksjonspunkter", {})
    return {
        "WER": e.get("wer"),
        "Pk": s.get("pk"),
        "boundary s": s.get("mean_boundary_error"),
        "status wrong": s.get("status_mismatches"),
        "innspill R": ratio(ins.get("matched", 0), ins.get("truth", 0)) if d else None,
        "innspill P": ratio(ins.get("matched", 0), ins.get("draft", 0)) if d else None,
        "1st person": d.get("first_person") if d else None,
        "aksjon R": ratio(ak.get("matched", 0), ak.get("truth", 0)) if d else None,
        "aksjon P": ratio(ak.get("matched", 0), ak.get("draft", 0)) if d else None,
        "vedtak close": ratio(d.get("vedtak_close", 0), d.get("vedtak_items", 0)) if d else None,
        "flagged": ratio(d.get("flagged", 0), d.get("lines", 0), 0.0) if d else None,
    }


def fmt(k, v):
    if v is None:
        return "–"
    if k in ("status wrong", "1st person"):
        return str(v)
    if k == "boundary s":
        return f"{v:.1f}"
    return f"{v:.2f}"


def report(out):
    cols = ["WER", "Pk", "boundary s", "status wrong", "innspill R", "innspill P", "1st person", "aksjon R", "aksjon P", "vedtak close", "flagged"]
    lines = ["| meeting | tuning | from | " + " | ".join(cols) + " |", "|---|---|---|" + "---|" * len(cols)]
    groups = {}
    for m in meetings():
        for path in ("truth", "asr"):
            f = os.path.join(out, m["id"], path, "eval.json")
            if not os.path.exists(f):
                continue
            with open(f, encoding="utf-8") as fh:
                r = row(json.load(fh))
            if path == "truth":
                r["WER"] = None  # the truth transcript against itself
            tuned = "yes" if m.get("tuning", True) else "held out"
            groups.setdefault((tuned, path), []).append(r)
            label = "recording" if path == "asr" else "truth transcript"
            lines.append(f"| {m['id']} | {tuned} | {label} | " + " | ".join(fmt(k, r[k]) for k in cols) + " |")
    for (tuned, path), rows in sorted(groups.items()):
        mean = {}
        for k in cols:
            vals = [r[k] for r in rows if r[k] is not None]
            if not vals:
                mean[k] = None
            elif k in ("status wrong", "1st person"):
                mean[k] = sum(vals)
            else:
                mean[k] = sum(vals) / len(vals)
        label = "recording" if path == "asr" else "truth transcript"
        lines.append(f"| **mean ({len(rows)})** | {tuned} | {label} | " + " | ".join(fmt(k, mean[k]) for k in cols) + " |")
    print("\n".join(lines))
    print("\nMeans are over meetings; `status wrong` and `1st person` are totals. Recall/precision: `referat eval` (src/eval.rs).")


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--list":
        print("\n".join(m["id"] for m in meetings()))
    elif len(sys.argv) >= 3 and sys.argv[1] == "--report":
        report(sys.argv[2])
    else:
        sys.exit(__doc__)
