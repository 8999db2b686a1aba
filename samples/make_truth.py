#!/usr/bin/env python3
"""Build the ground truth of one sample meeting (stdlib only).

    python3 samples/make_truth.py samples/<meeting>

Reads, in the meeting's folder,
  timing.json   the renderer's sidecar: every utterance of script.txt with start/end,
                speaker and `#item` section
  content.json  the hand-written referat content (see below)
and writes
  truth.json    item spans, breaks, utterances, plus the referat content
  truth.vtt     the truth transcript as WebVTT with <v Speaker Name> voice tags

content.json:
  {"chair": "Name of the chair",
   "order": ["33/24", ...],            every agenda item, in the order the meeting took them
   "joint": [["35/24", "36/24"]],      items discussed together
   "not_discussed": ["40/24"],         postponed or skipped items
   "breaks": ["Lunsj"],                `#item` sections that are breaks
   "before": ["Før møtet"],            `#item` sections before the first item (optional)
   "after": ["Avslutning"],            `#item` sections after the last item
   "items": {"33/24": {"innspill": [...], "aksjonspunkter": [...], "vedtak": "...",
                       "departs_from_forslag": true}}}

Conventions:
  - an item starts at the chair's announcement (its section's first utterance) and ends where
    the next item, break or closing section starts;
  - items discussed together share start/end and list each other in joint_with; their
    utterances carry the first saksnr of the group, and the script puts all their `#item`
    lines before the group's first utterance;
  - a break starts at the chair's break announcement and ends at the next section;
  - an item that was not discussed has status "not_discussed" and start = end = the start of
    the closing section (where the meeting would have taken it at the latest);
  - utterances outside any item (before, breaks, closing) have item = null.
"""
import json
import os
import sys


def speaker_name(desc, sid):
    # "#speaker RUNE Rune Simensen, Helse Sør-Øst RHF (møteleder)" -> "Rune Simensen"
    return desc.split(",")[0].split("(")[0].strip() if desc else sid


def vtt_time(t):
    ms = int(round(t * 1000))
    h, ms = divmod(ms, 3600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def build(folder):
    with open(os.path.join(folder, "timing.json"), encoding="utf-8") as fh:
        side = json.load(fh)
    with open(os.path.join(folder, "content.json"), encoding="utf-8") as fh:
        content = json.load(fh)
    order = content["order"]
    joint = {}
    for group in content.get("joint", []):
        for s in group:
            joint[s] = [x for x in group if x != s]
    not_discussed = set(content.get("not_discussed", []))
    breaks_set = set(content.get("breaks", []))
    outside = set(content.get("before", [])) | set(content.get("after", []))
    names = {sid: speaker_name(c.get("description", ""), sid) for sid, c in side["speakers"].items()}

    starts = {m["label"]: m["time"] for m in side["markers"]}
    for label in order:
        if label not in starts and label not in not_discussed:
            raise SystemExit(f"{folder}: script has no '#item {label}' section")
        if label not in content["items"]:
            raise SystemExit(f"{folder}: content.json has no items entry for {label}")
    bounds = sorted(set(starts.values()))

    def next_bound(t):
        later = [b for b in bounds if b > t + 1e-6]
        return later[0] if later else side["duration"]

    closing = min((starts[a] for a in content.get("after", []) if a in starts), default=side["duration"])
    items = []
    for saksnr in order:
        c = content["items"][saksnr]
        if saksnr in not_discussed:
            start = end = closing
            status = "not_discussed"
        else:
            start = starts[saksnr]
            end = next_bound(start)
            status = "discussed"
        item = {"saksnr": saksnr, "start": round(start, 3), "end": round(end, 3), "status": status,
                "joint_with": joint.get(saksnr, []), "innspill": c.get("innspill", []),
                "aksjonspunkter": c.get("aksjonspunkter", []), "vedtak": c.get("vedtak", "")}
        if c.get("departs_from_forslag"):
            item["departs_from_forslag"] = True
        items.append(item)

    breaks = [{"label": lab, "start": round(starts[lab], 3), "end": round(next_bound(starts[lab]), 3)}
              for lab in sorted(breaks_set & set(starts), key=lambda l: starts[l])]

    def utt_item(section):
        if section is None or section in breaks_set or section in outside:
            return None
        for s, others in joint.items():
            if section in others and order.index(s) < order.index(section):
                return s
        return section

    utts = [{"start": u["start"], "end": u["end"], "speaker": names[u["speaker"]],
             "text": u["text"], "item": utt_item(u["section"])} for u in side["utterances"]]

    truth = {"audio": side["audio"], "duration": side["duration"], "chair": content.get("chair", ""),
             "items": items, "breaks": breaks, "utterances": utts}
    with open(os.path.join(folder, "truth.json"), "w", encoding="utf-8") as fh:
        json.dump(truth, fh, ensure_ascii=False, indent=1)
        fh.write("\n")

    lines = ["WEBVTT", ""]
    for i, u in enumerate(utts, 1):
        lines += [str(i), f"{vtt_time(u['start'])} --> {vtt_time(u['end'])}",
                  f"<v {u['speaker']}>{u['text']}", ""]
    with open(os.path.join(folder, "truth.vtt"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))
    print(f"{folder}: wrote truth.json ({len(items)} items, {len(utts)} utterances) and truth.vtt")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit("usage: make_truth.py samples/<meeting> [...]")
    for f in sys.argv[1:]:
        build(f)
