#!/usr/bin/env python3
"""Build the ground truth of the sample meeting (stdlib only).

Reads the renderer's timing sidecar (sample.timing.json, which carries every utterance of
script.txt with its start/end, speaker and `#item` section) and writes
  truth.json  item spans, breaks, utterances, plus the hand-written referat content below
  truth.vtt   the truth transcript as WebVTT with <v Speaker Name> voice tags

Run from anywhere:  python3 samples/make_truth.py
Conventions:
  - an item starts at the chair's announcement (its first utterance) and ends where the next
    item or break starts; the last discussed item ends where the closing remarks start;
  - items discussed together share start/end and list each other in joint_with; their
    utterances carry the first saksnr of the group;
  - a break starts at the chair's break announcement and ends at the next announcement;
  - an item that was not discussed has status "not_discussed" and start = end = the point
    where the meeting would have taken it (the start of the closing remarks);
  - utterances outside any item (break announcement, closing remarks) have item = null.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))

# Meeting order, and which saker were discussed together (first saksnr of the group).
ORDER = ["11/25", "12/25", "13/25", "14/25", "15/25", "16/25", "18/25", "17/25", "19/25", "20/25"]
JOINT = {"15/25": ["16/25"], "16/25": ["15/25"]}
NOT_DISCUSSED = {"20/25"}
BREAKS = {"Lunsj"}
AFTER = {"Avslutning"}

# Hand-written referat content: what a good referat of the script contains, per sak.
JOINT_15_16 = [
    "Det mangler tall på nytten av de nasjonale e-helseløsningene, og det gjør det vanskelig å vurdere prisen.",
    "Prisen for kommunene bør ikke øke brått, og kommunene trenger varsel i god tid før budsjettarbeidet.",
    "Det må skilles mellom KI-verktøy med lav risiko og beslutningsstøtte.",
    "Transkripsjon av samtaler er et godt sted å starte med bruk av språkmodeller.",
    "KI bør følges opp som medisiner, med kliniske studier og oppfølging etter innføring.",
    "Helsepersonell trenger opplæring i KI, særlig om feil og hallusinering.",
]
CONTENT = {
    "11/25": {
        "innspill": [],
        "aksjonspunkter": [],
        "vedtak": "Nasjonalt e-helseråd godkjenner innkalling og dagsorden.",
    },
    "12/25": {
        "innspill": [],
        "aksjonspunkter": [],
        "vedtak": "Nasjonalt e-helseråd godkjenner referatet fra møte i Nasjonalt e-helseråd 20. mars 2025.",
    },
    "13/25": {
        "innspill": [
            "Kommunene trenger tydelige krav tidlig nok, før de starter en anskaffelse.",
            "Små kommuner har lite kompetanse på området og trenger veiledning, ikke bare en liste med krav.",
            "Listen over verifiserte produkter må holdes oppdatert, ellers mister leverandørene tilliten til ordningen.",
            "Pasienter og pårørende bør være med i aktørnettverket.",
        ],
        "aksjonspunkter": [
            "Helsedirektoratet kommer tilbake med en plan for aktørnettverket til neste møte.",
        ],
        "vedtak": "Nasjonalt e-helseråd drøftet saken. Helsedirektoratet tar med seg innspillene fra møtet inn i det videre arbeidet med veilednings- og godkjenningsordningen for helseteknologier.",
    },
    "14/25": {
        "innspill": [
            "En endring støttes, fordi dagens samtykkekrav gir mye ekstra arbeid for legene.",
            "Pasientene må fortsatt kunne reservere seg på en enkel måte.",
            "I akuttsituasjoner er det ofte umulig å spørre pasienten, og helsepersonell må da få tilgang uten samtykke.",
            "Det trengs god logging, slik at pasienten kan se hvem som har lest kjernejournalen.",
            "Kommunene må være med i arbeidet, siden helsepersonell i kommunene også bruker kjernejournal.",
        ],
        "aksjonspunkter": [],
        "vedtak": "Nasjonalt e-helseråd drøftet saken og støtter at Helsedirektoratet arbeider videre med en reservasjonsrett i stedet for samtykke.",
    },
    "15/25": {
        "innspill": JOINT_15_16,
        "aksjonspunkter": [
            "Norsk helsenett SF kommer tilbake med en oversikt over bruken og nyttevurderingene til neste møte.",
        ],
        "vedtak": "Nasjonalt e-helseråd drøftet foreslåtte prismodeller og ba Norsk helsenett SF ta med seg innspillene i videre arbeid. Rådet ber om at saksunderlaget til neste års behandling beskriver mer om bruken og nyttevurderingene.",
    },
    "16/25": {
        "innspill": JOINT_15_16,
        "aksjonspunkter": [],
        "vedtak": "Nasjonalt e-helseråd støtter behovet for norske språkmodeller og ber om at videre oppfølging prioriteres. Innspillene fra diskusjonen tas med i det videre arbeidet.",
    },
    "18/25": {
        "innspill": [
            "Tre nivåer støttes, men hvert utvalg må ha et klart mandat, slik at saker ikke behandles tre ganger.",
            "Kommunene er for svakt representert i utvalgene, og det bør ses på.",
            "Andre råd og utvalg må se på hvordan de passer inn i rådsmodellen.",
        ],
        "aksjonspunkter": [],
        "vedtak": "Nasjonalt e-helseråd anbefaler at rådsmodellen fortsetter med tre nivåer, men at det utarbeides nye mandater for hvert utvalg, at rollene og representasjonen i hvert utvalg vurderes, og at Helsedirektoratet iverksetter forbedringstiltakene som er spilt inn. I tillegg anbefaler Nasjonalt e-helseråd at eiere av andre råd og utvalg ser på hvordan de forholder seg til rådsmodellen.",
    },
    "17/25": {
        "innspill": [
            "Kommunene må ha en fast plass i Teknisk beregningsutvalg, siden de betaler en stor del av kostnadene.",
            "Vurderingene fra utvalget bør publiseres, slik at alle kan se grunnlaget.",
        ],
        "aksjonspunkter": [],
        # Departs from the forslag: the chair added the KS seat.
        "vedtak": "Nasjonalt e-helseråd ga innspill til og stiller seg bak foreslåtte endringer i mandat for Teknisk beregningsutvalg. I tillegg ber rådet om at KS får en fast plass i utvalget.",
        "departs_from_forslag": True,
    },
    "19/25": {
        "innspill": [],
        "aksjonspunkter": [
            "Helsedirektoratet kommer tilbake med en ny status om EHDS i høstens møte.",
        ],
        "vedtak": "Nasjonalt e-helseråd tar sakene til orientering.",
    },
    "20/25": {"innspill": [], "aksjonspunkter": [], "vedtak": ""},
}


def speaker_name(desc, sid):
    # "#speaker RUNE Rune Simensen, Helse Sør-Øst RHF (møteleder)" -> "Rune Simensen"
    return desc.split(",")[0].strip() if desc else sid


def vtt_time(t):
    ms = int(round(t * 1000))
    h, ms = divmod(ms, 3600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def main():
    with open(os.path.join(HERE, "sample.timing.json"), encoding="utf-8") as fh:
        side = json.load(fh)
    names = {sid: speaker_name(c.get("description", ""), sid) for sid, c in side["speakers"].items()}

    # first utterance start of every section label (markers may share a time: joint items)
    starts = {m["label"]: m["time"] for m in side["markers"]}
    for label in ORDER:
        if label not in starts and label not in NOT_DISCUSSED:
            raise SystemExit(f"script has no '#item {label}' section")

    # boundaries in time order: every discussed item group, break and the closing section
    bounds = sorted({t for lab, t in starts.items()})
    def next_bound(t):
        later = [b for b in bounds if b > t + 1e-6]
        return later[0] if later else side["duration"]

    closing = min((starts[a] for a in AFTER if a in starts), default=side["duration"])
    items = []
    for saksnr in ORDER:
        c = CONTENT[saksnr]
        if saksnr in NOT_DISCUSSED:
            start = end = closing
            status = "not_discussed"
        else:
            start = starts[saksnr]
            end = next_bound(start)
            status = "discussed"
        item = {"saksnr": saksnr, "start": round(start, 3), "end": round(end, 3), "status": status,
                "joint_with": JOINT.get(saksnr, []), "innspill": c["innspill"],
                "aksjonspunkter": c["aksjonspunkter"], "vedtak": c["vedtak"]}
        if c.get("departs_from_forslag"):
            item["departs_from_forslag"] = True
        items.append(item)

    breaks = [{"label": lab, "start": round(starts[lab], 3), "end": round(next_bound(starts[lab]), 3)}
              for lab in sorted(BREAKS & set(starts), key=lambda l: starts[l])]

    def utt_item(section):
        if section in BREAKS or section in AFTER or section is None:
            return None
        for first, others in JOINT.items():
            if section in others and ORDER.index(first) < ORDER.index(section):
                return first
        return section

    utts = [{"start": u["start"], "end": u["end"], "speaker": names[u["speaker"]],
             "text": u["text"], "item": utt_item(u["section"])} for u in side["utterances"]]

    truth = {"audio": side["audio"], "duration": side["duration"], "items": items,
             "breaks": breaks, "utterances": utts}
    with open(os.path.join(HERE, "truth.json"), "w", encoding="utf-8") as fh:
        json.dump(truth, fh, ensure_ascii=False, indent=1)
        fh.write("\n")

    lines = ["WEBVTT", ""]
    for i, u in enumerate(utts, 1):
        lines += [str(i), f"{vtt_time(u['start'])} --> {vtt_time(u['end'])}",
                  f"<v {u['speaker']}>{u['text']}", ""]
    with open(os.path.join(HERE, "truth.vtt"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))
    print(f"wrote truth.json ({len(items)} items, {len(utts)} utterances) and truth.vtt")


if __name__ == "__main__":
    main()
