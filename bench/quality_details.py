#!/usr/bin/env python3
"""Print what `referat eval --json` matched and missed in one work dir (stdlib only).

    quality_details.py bench/tmp/quality/<id>/<truth|asr>/eval.json [--vedtak]
"""
import json
import sys

e = json.load(open(sys.argv[1], encoding="utf-8"))
d = e.get("draft") or {}
for it in d.get("details", []):
    print(f"=== {it['saker']}")
    for t, dr, f in it["matched"]:
        print(f"  MATCH {f:.2f}  T: {t}\n              D: {dr}")
    for t in it["missed"]:
        print(f"  MISSED  T: {t}")
    for dr in it["extra"]:
        print(f"  EXTRA   D: {dr}")
if "--vedtak" in sys.argv:
    for s, t, dr, f in d.get("vedtak", []):
        print(f"=== vedtak {s} F1 {f:.2f}\n  T: {t}\n  D: {dr}")
