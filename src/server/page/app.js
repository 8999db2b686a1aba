// Review page for referat. All text goes into the page through textContent, never as HTML.
"use strict";

let state = null;
let transcript = null; // [{i, start, end, text, speaker, edited, asr_text, words}]
let transcriptHash = null;
let editing = null; // what is being edited: "saksnr|key", "saksnr|intro", "saksnr|add-<section>" or "seg|<i>"
let editValue = null; // the editor's text, kept across re-renders and refused saves
let active = null; // "saksnr|key" of the selected line
let source = null; // what the side panel shows: {title, spans, context, saksnr}
let filter = "all";
let jobWatched = 0; // id of a re-draft this page saw running: its end is reported
let sending = 0; // changes on their way: a poll meanwhile may see our own new version

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined) continue;
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(e.dataset, v);
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c.nodeType ? c : document.createTextNode(String(c)));
  return e;
}

function clock(s) {
  s = Math.max(0, Math.round(s));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  const mm = String(m).padStart(2, "0"), ss = String(sec).padStart(2, "0");
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

function spanText(spans) {
  return spans.map((s) => `${clock(s[0])}–${clock(s[1])}`).join(", ");
}

function duration(secs) {
  secs = Math.max(0, Math.round(secs));
  return secs < 60 ? `${secs} s` : `${Math.floor(secs / 60)} min ${secs % 60} s`;
}

let statusTimer = null;
function say(msg, err) {
  const s = $("status");
  s.textContent = msg;
  s.className = "status show" + (err ? " err" : "");
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => (s.className = "status" + (err ? " err" : "")), err ? 6000 : 1800);
}

async function api(path, body) {
  const opts = body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const r = await fetch(path, opts);
  const data = await r.json().catch(() => ({ error: `HTTP ${r.status}` }));
  if (!r.ok) {
    const e = new Error(data.error || `HTTP ${r.status}`);
    e.status = r.status;
    e.data = data;
    throw e;
  }
  return data;
}

// The sticky top (header and banners) changes height: the side panel and scrolling follow it.
function fitChrome() {
  document.documentElement.style.setProperty("--chrome", $("chrome").offsetHeight + "px");
}

function showConflict(msg, reload) {
  const c = $("conflict");
  c.replaceChildren(el("span", {}, msg));
  if (reload) c.append(" ", el("button", { class: "small", onclick: reloadState }, "Last inn på nytt"));
  c.append(" ", el("button", { class: "small", title: "Lukk", onclick: () => { c.hidden = true; fitChrome(); } }, "×"));
  c.hidden = false;
  fitChrome();
}

async function reloadState() {
  try {
    state = await api("/api/state");
    $("conflict").hidden = true;
    render();
    await syncTranscript();
  } catch (e) {
    say("Kunne ikke laste: " + e.message, true);
  }
}

// A refused change: 409 brings the state as it is now, shown at once with the reason.
function refused(e, prefix) {
  if (e.status === 409 && e.data && e.data.state) {
    state = e.data.state;
    render();
    syncTranscript();
    showConflict(e.message, false);
  } else {
    say(prefix + e.message, true);
  }
}

// Send one change, made against the version on the page. True when it was saved.
async function send(change) {
  sending++;
  try {
    state = await api("/api/op", { version: state.version, change });
    $("conflict").hidden = true;
    render();
    await syncTranscript();
    say("Lagret");
    return true;
  } catch (e) {
    refused(e, "Kunne ikke lagre: ");
    return false;
  } finally {
    sending--;
  }
}

// Is version `a` ("<server start>-<n>") newer than `b`? A restarted server is always newer.
function newer(a, b) {
  const [sa, na] = a.split("-").map(Number), [sb, nb] = b.split("-").map(Number);
  return sa !== sb || na > nb;
}

// Save from an editor: it closes only when the change is on disk.
async function saveEdit(change) {
  if (await send(change)) {
    editing = null;
    editValue = null;
    render();
  }
}

async function syncTranscript() {
  if (!state.transcript || state.transcript_hash === transcriptHash) return;
  try {
    transcript = await api("/api/transcript");
    transcriptHash = state.transcript_hash;
  } catch (e) {
    transcript = null;
  }
  renderSource();
}

// ------------------------------------------------------------------ playback and transcript

function play(at) {
  const a = $("audio");
  if (!state.audio) {
    say(state.audio_note || "Ingen lydfil.", true);
    return;
  }
  a.currentTime = at;
  a.play().catch(() => {});
}

function playingSegment() {
  if (!transcript || !state.audio) return null;
  const t = $("audio").currentTime;
  return transcript.find((s) => t >= s.start && t < s.end) || null;
}

function onTime() {
  const s = playingSegment();
  document.querySelectorAll("#transcript .seg.playing").forEach((e) => e.classList.remove("playing"));
  if (!s) {
    $("playing").textContent = "";
    return;
  }
  $("playing").textContent = `Spiller ${clock(s.start)}${s.speaker ? " · " + s.speaker : ""}`;
  const p = document.querySelector(`#transcript .seg[data-i="${s.i}"]`);
  if (p) p.classList.add("playing");
}

function setRate(r) {
  const sel = $("rate");
  const opts = [...sel.options].map((o) => o.value);
  if (!opts.includes(String(r))) return;
  sel.value = String(r);
  $("audio").playbackRate = Number(r);
  localStorage.setItem("referat.rate", String(r));
}

function stepRate(dir) {
  const opts = [...$("rate").options].map((o) => o.value);
  const i = opts.indexOf($("rate").value) + dir;
  if (i >= 0 && i < opts.length) {
    setRate(opts[i]);
    say(`Fart ${$("rate").selectedOptions[0].textContent}`);
  }
}

function showSource(title, spans, context, saksnr) {
  source = { title, spans, context, saksnr };
  renderSource();
}

// Words with a confidence from the ASR: the unsure ones get the `lowconf` class.
function segText(s) {
  const scored = !s.edited && s.words && s.words.some((w) => typeof w.confidence === "number");
  if (!scored) return el("span", { class: "words" }, s.text);
  const out = el("span", { class: "words" });
  s.words.forEach((w, k) => {
    if (k) out.append(" ");
    out.append(el("span", { class: "w" + (typeof w.confidence === "number" && w.confidence < 0.5 ? " lowconf" : "") }, w.text));
  });
  return out;
}

function segEditor(s) {
  const id = `seg|${s.i}`;
  const ta = el("textarea", { "aria-label": "Rettet tekst" });
  ta.value = editing === id && editValue !== null ? editValue : s.text;
  ta.addEventListener("input", () => (editValue = ta.value));
  const wrap = el("div", { class: "editor segedit", dataset: { i: String(s.i) } }, ta);
  let who = null;
  if (state.speakers.length) {
    who = el("input", { type: "text", class: "speaker", list: "speakerlist", placeholder: "Taler", "aria-label": "Taler" });
    who.value = s.speaker || "";
    const dl = el("datalist", { id: "speakerlist" });
    for (const sp of state.speakers) dl.append(el("option", { value: sp }));
    wrap.append(el("label", { class: "muted" }, "Taler: ", who), dl);
  }
  const save = () => saveEdit({ op: "segment", index: s.i, start: s.start, text: ta.value, speaker: who ? who.value : s.speaker });
  const cancel = () => { editing = null; editValue = null; renderSource(); };
  for (const input of [ta, who]) {
    if (!input) continue;
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey || input === who)) { e.preventDefault(); save(); }
      if (e.key === "Escape") cancel();
    });
  }
  if (s.asr_text) wrap.append(el("div", { class: "muted" }, "Whisper hørte: " + s.asr_text));
  wrap.append(el("div", { class: "editbar" },
    el("button", { class: "small save", onclick: save }, "Lagre rettelsen"),
    el("button", { class: "small", onclick: cancel }, "Avbryt")));
  setTimeout(() => ta.focus(), 0);
  return wrap;
}

function editSegment(s) {
  if (state.job.state === "running") {
    say("Vent til det nye utkastet er ferdig før du retter transkripsjonen.", true);
    return;
  }
  editing = `seg|${s.i}`;
  editValue = null;
  renderSource();
}

function moveBoundary(saksnr, edge, s) {
  if (!saksnr) {
    say("Velg en linje i saken først.", true);
    return;
  }
  const at = edge === "start" ? s.start : s.end;
  send({ op: "boundary", saksnr, edge, at }).then((ok) => {
    if (ok) say(`Sak ${saksnr} ${edge === "start" ? "starter" : "slutter"} nå ${clock(at)}`);
  });
}

function renderSource() {
  if (!source) return;
  $("sidetitle").textContent = source.title;
  const box = $("transcript");
  box.replaceChildren();
  const { spans, context, saksnr } = source;
  if (!transcript || transcript.length === 0) {
    box.append(el("p", { class: "muted" }, "Ingen transkripsjon i arbeidsmappen."));
    if (spans.length) box.append(el("p", {}, "Kilde: " + spanText(spans)));
    return;
  }
  const inSpan = (s) => spans.some((sp) => s.end > sp[0] && s.start < sp[1]);
  const near = (s) => spans.some((sp) => s.end > sp[0] - context && s.start < sp[1] + context);
  const segs = transcript.filter(near);
  if (segs.length === 0) box.append(el("p", { class: "muted" }, "Ingen tekst i " + spanText(spans) + "."));
  const busy = state.job.state === "running";
  for (const s of segs) {
    if (editing === `seg|${s.i}`) {
      box.append(segEditor(s));
      continue;
    }
    const cls = ["seg"];
    if (inSpan(s)) cls.push("hit");
    if (s.edited) cls.push("edited");
    const p = el("p", { class: cls.join(" "), dataset: { i: String(s.i) } },
      el("button", { class: "t", title: "Spill av herfra", onclick: () => play(s.start) }, clock(s.start)),
      s.speaker ? el("span", { class: "who" }, `${s.speaker}: `) : null,
      segText(s));
    if (s.edited && s.asr_text) p.append(el("span", { class: "tag", title: "Whisper hørte: " + s.asr_text }, "rettet"));
    const tools = el("span", { class: "segtools" },
      el("button", { class: "small segedit-btn", title: "Rett teksten (t)", disabled: busy ? "" : null, onclick: () => editSegment(s) }, "✎"));
    if (saksnr) {
      tools.append(
        el("button", { class: "small bstart", title: `Sak ${saksnr} starter her ([)`, onclick: () => moveBoundary(saksnr, "start", s) }, "⇤"),
        el("button", { class: "small bend", title: `Sak ${saksnr} slutter her (])`, onclick: () => moveBoundary(saksnr, "end", s) }, "⇥"));
    }
    if (busy) tools.querySelectorAll("button").forEach((b) => (b.disabled = true));
    p.append(tools);
    box.append(p);
  }
  onTime();
  const first = box.querySelector(".hit");
  if (first && !editing) first.scrollIntoView({ block: "nearest" });
}

// ------------------------------------------------------------------ lines

function findLine(id) {
  if (!id) return null;
  const [saksnr, key] = id.split("|");
  const item = state.items.find((i) => i.saksnr === saksnr);
  const line = item && item.lines.find((l) => l.key === key);
  return line ? { item, line } : null;
}

function selectLine(item, line, andPlay) {
  active = `${item.saksnr}|${line.key}`;
  document.querySelectorAll(".line.active").forEach((e) => e.classList.remove("active"));
  const li = document.querySelector(`li.line[data-id="${CSS.escape(active)}"]`);
  if (li) {
    li.classList.add("active");
    li.scrollIntoView({ block: "nearest" });
  }
  showSource(`Kilde: ${item.saksnr} ${line.source.length ? spanText(line.source) : "(ingen tider)"}`, line.source, 20, item.saksnr);
  if (andPlay && line.source.length) play(line.source[0][0]);
}

function visibleLines() {
  return [...document.querySelectorAll("#items li.line")].filter((li) => !li.classList.contains("hidden"));
}

function moveSelection(dir) {
  const lines = visibleLines();
  if (!lines.length) return;
  const i = lines.findIndex((li) => li.dataset.id === active);
  const next = lines[i < 0 ? (dir > 0 ? 0 : lines.length - 1) : Math.min(lines.length - 1, Math.max(0, i + dir))];
  const f = findLine(next.dataset.id);
  if (f) selectLine(f.item, f.line, false);
}

// Accept or reject the selected line (a second press undoes), then go on to the next line.
async function decide(status) {
  const f = findLine(active);
  if (!f) {
    say("Velg en linje først (j/k).", true);
    return;
  }
  const { item, line } = f;
  if (line.moved_to) return;
  if (status === "rejected" && line.section === "vedtak") {
    say("Vedtaket kan ikke avvises: rediger det (e).", true);
    return;
  }
  const lines = visibleLines();
  const i = lines.findIndex((li) => li.dataset.id === active);
  const next = i >= 0 && i + 1 < lines.length ? lines[i + 1].dataset.id : null;
  const to = line.status === status ? "pending" : status;
  if (await send({ op: "status", saksnr: item.saksnr, key: line.key, status: to }) && to !== "pending" && next) {
    const n = findLine(next);
    if (n) selectLine(n.item, n.line, false);
  }
}

function editor(id, initial, onSave) {
  const ta = el("textarea", {});
  ta.value = editing === id && editValue !== null ? editValue : initial;
  ta.addEventListener("input", () => (editValue = ta.value));
  const save = () => onSave(ta.value);
  const cancel = () => { editing = null; editValue = null; render(); };
  ta.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) save();
    if (e.key === "Escape") cancel();
  });
  setTimeout(() => ta.focus(), 0);
  return el("div", { class: "editor" }, ta,
    el("div", { class: "editbar" },
      el("button", { class: "small save", onclick: save }, "Lagre"),
      el("button", { class: "small", onclick: cancel }, "Avbryt")));
}

function matches(line) {
  const open = !line.moved_to && line.status !== "rejected";
  if (filter === "todo") return open && line.status === "pending";
  if (filter === "flagged") return open && line.flags.length > 0;
  return true;
}

function lineView(item, line) {
  const id = `${item.saksnr}|${line.key}`;
  const cls = ["line", line.section];
  if (line.flags.length) cls.push("flagged");
  if (line.status !== "pending") cls.push(line.status);
  if (line.moved_to) cls.push("moved");
  if (active === id) cls.push("active");
  if (!matches(line) && editing !== id) cls.push("hidden");
  const li = el("li", { class: cls.join(" "), dataset: { id, key: line.key } });

  if (editing === id) {
    li.append(editor(id, line.text, (text) => saveEdit({ op: "edit", saksnr: item.saksnr, key: line.key, text })));
    return li;
  }
  const body = el("div", { class: "text", title: "Klikk for å høre og se kilden", onclick: () => selectLine(item, line, true) }, line.text);
  for (const f of line.flags) body.append(el("span", { class: "flag" }, f.reason));
  if (line.edited && line.machine !== null) body.append(el("span", { class: "tag", title: "Maskinens tekst: " + line.machine }, "redigert"));
  if (line.machine_changed) {
    body.append(el("button", { class: "small usenew", title: "Bytt din tekst med den nye maskinteksten",
      onclick: (e) => { e.stopPropagation(); send({ op: "edit", saksnr: item.saksnr, key: line.key, text: line.machine }); } }, "Bruk ny tekst"));
  }
  if (line.from) body.append(el("span", { class: "tag" }, "flyttet fra " + line.from));
  if (line.moved_to) body.append(el("span", { class: "tag" }, "flyttet til " + line.moved_to));
  li.append(body);
  if (line.source.length) li.append(el("button", { class: "time", title: "Spill av", onclick: () => selectLine(item, line, true) }, "▶ " + spanText(line.source)));

  const actions = el("div", { class: "actions" });
  const st = (status) => () => send({ op: "status", saksnr: item.saksnr, key: line.key, status });
  if (!line.moved_to) {
    actions.append(
      el("button", { class: "accept", title: "Godta (a)", onclick: st(line.status === "accepted" ? "pending" : "accepted") }, line.status === "accepted" ? "↺" : "✓"),
      el("button", { class: "edit", title: "Rediger (e)", onclick: () => { editing = id; editValue = null; render(); } }, "✎"));
    if (line.section !== "vedtak") {
      actions.append(el("button", { class: "reject", title: line.status === "rejected" ? "Angre avvisning (x)" : "Avvis (x)", onclick: st(line.status === "rejected" ? "pending" : "rejected") }, line.status === "rejected" ? "↺" : "✗"));
      const sel = el("select", { class: "move", title: "Flytt til en annen sak" }, el("option", { value: "" }, "Flytt…"));
      for (const other of state.items) if (other.saksnr !== item.saksnr) sel.append(el("option", { value: other.saksnr }, other.saksnr));
      sel.addEventListener("change", () => { if (sel.value) send({ op: "move", saksnr: item.saksnr, key: line.key, to: sel.value }); });
      actions.append(sel);
    }
  }
  li.append(actions);
  return li;
}

function section(item, name, label, lines, canAdd) {
  const wrap = el("div", { class: "section " + name });
  wrap.append(el("h3", {}, label));
  const ul = el("ul", { class: "lines" });
  for (const l of lines) ul.append(lineView(item, l));
  wrap.append(ul);
  if (filter !== "all" && !lines.some(matches)) wrap.classList.add("hidden");
  if (canAdd) {
    const addId = `${item.saksnr}|add-${name}`;
    if (editing === addId) {
      wrap.classList.remove("hidden");
      wrap.append(editor(addId, "", (text) => {
        if (text.trim()) saveEdit({ op: "add", saksnr: item.saksnr, section: name, text });
        else { editing = null; render(); }
      }));
    } else if (filter === "all") {
      wrap.append(el("button", { class: "small add", onclick: () => { editing = addId; editValue = null; render(); } },
        name === "innspill" ? "+ Legg til innspill" : "+ Legg til aksjonspunkt"));
    }
  }
  return wrap;
}

function countText(c) {
  if (c.todo === 0 && c.flagged === 0) return "ferdig";
  const parts = [];
  if (c.todo) parts.push(`${c.todo} igjen`);
  if (c.flagged) parts.push(`${c.flagged} flagget`);
  return parts.join(" · ");
}

function redraft(saker) {
  api("/api/redraft", { version: state.version, saker })
    .then((s) => {
      state = s;
      jobWatched = s.job.id;
      render();
      showJob(s.job);
      poll();
    })
    .catch((e) => refused(e, "Kunne ikke starte nytt utkast: "));
}

function itemView(item) {
  const card = el("article", { class: "sak" + (item.outdated ? " outdated" : ""), id: "sak-" + item.saksnr.replace("/", "-"), dataset: { saksnr: item.saksnr } });
  const badge = el("span", { class: "count" + (item.counts.todo || item.counts.flagged ? "" : " done") }, countText(item.counts));
  card.append(el("h2", {}, `${item.saksnr} ${item.title} `, badge));
  const sub = [item.sakstype, item.presenters].filter(Boolean).join(" · ");
  const busy = state.job.state === "running";
  card.append(el("div", { class: "sub" }, sub,
    item.spans.length ? " · " : "",
    item.spans.length ? el("button", { class: "time", onclick: () => { showSource(`Transkripsjon ${item.saksnr}`, item.spans, 0, item.saksnr); play(item.spans[0][0]); } }, "▶ Transkripsjon " + spanText(item.spans)) : "",
    item.manual ? el("span", { class: "tag", title: "Start og slutt er satt for hånd" }, "grenser satt for hånd") : null,
    item.discussed ? el("button", { class: "small redraft", title: "Del inn og skriv utkastet for saken på nytt med språkmodellen", disabled: busy ? "" : null, onclick: () => redraft([item.saksnr]) }, "Lag nytt utkast") : null));
  if (item.outdated) {
    card.append(el("div", { class: "notice" }, "Transkripsjonen eller tidene for saken er endret etter at utkastet ble laget. ",
      el("button", { class: "small redraft-now", disabled: busy ? "" : null, onclick: () => redraft([item.saksnr]) }, "Lag nytt utkast")));
  }

  const introId = `${item.saksnr}|intro`;
  if (editing === introId) {
    card.append(editor(introId, item.intro, (text) => saveEdit({ op: "intro", saksnr: item.saksnr, text })));
  } else {
    card.append(el("p", { class: "intro" }, item.intro,
      item.intro !== item.machine_intro ? el("span", { class: "tag" }, "redigert") : null,
      " ", el("button", { class: "small edit-intro", title: "Rediger innledningen", onclick: () => { editing = introId; editValue = null; render(); } }, "✎")));
  }
  const by = (s) => item.lines.filter((l) => l.section === s);
  card.append(section(item, "innspill", "Innspill:", by("innspill"), true));
  card.append(section(item, "aksjonspunkter", "Aksjonspunkter:", by("aksjonspunkter"), true));
  card.append(section(item, "vedtak", "Vedtak:", by("vedtak"), false));
  if (item.forslag) card.append(el("div", { class: "muted" }, "Forslag til vedtak: " + item.forslag));
  return card;
}

function render() {
  // Keep what is being typed in an open editor.
  const ta = document.querySelector(".editor textarea");
  if (ta && editing) editValue = ta.value;
  $("title").textContent = `Referat fra møte i ${state.council}`;
  $("meta").textContent = `Møte ${state.number} · ${state.date} · ${state.time} · ${state.place}`;
  const c = state.counts;
  $("counts").textContent = c.todo === 0 && c.flagged === 0
    ? "Alle linjer er gjennomgått"
    : `${c.todo} ${c.todo === 1 ? "linje" : "linjer"} igjen å gå gjennom · ${c.flagged} flagget`;
  const banner = $("banner");
  banner.hidden = !state.redrafted;
  banner.textContent = state.redrafted
    ? "Utkastet er laget på nytt etter forrige gjennomgang. Redigerte linjer er beholdt; linjer der maskinteksten er endret, er merket."
    : "";
  const outdated = state.items.filter((i) => i.outdated).map((i) => i.saksnr);
  const ob = $("outdated");
  ob.hidden = outdated.length === 0;
  ob.replaceChildren();
  if (outdated.length) {
    ob.append(`Endret grunnlag siden utkastet: ${outdated.join(", ")}. `,
      el("button", { class: "small", disabled: state.job.state === "running" ? "" : null, onclick: () => redraft(outdated) },
        outdated.length === 1 ? "Lag nytt utkast" : "Lag nytt utkast for alle"));
  }
  const box = $("items");
  const y = window.scrollY;
  box.replaceChildren(...state.items.map(itemView));
  window.scrollTo(0, y);
  renderSource();
  fitChrome();
}

// ------------------------------------------------------------------ re-draft progress

function showJob(job) {
  const box = $("job");
  if (job.state === "running") {
    box.className = "job running";
    box.replaceChildren(el("div", {}, `Lager nytt utkast for ${job.saker.join(", ")}: ${job.phase} …`));
    if (job.total > 0) {
      box.append(el("progress", { max: String(job.total), value: String(job.done) }),
        el("span", { class: "muted" }, ` steg ${job.done} av ${job.total}` + (job.eta_secs !== null && job.eta_secs !== undefined ? ` · ca. ${duration(job.eta_secs)} igjen` : "")));
    }
    box.append(el("span", { class: "muted" }, ` · ${duration(job.elapsed_secs)} brukt`));
    box.hidden = false;
  } else if ((job.state === "done" || job.state === "failed") && job.id === jobWatched) {
    box.className = "job " + job.state;
    box.replaceChildren(el("span", {}, job.message + ` (${duration(job.elapsed_secs)})`), " ",
      el("button", { class: "small", title: "Lukk", onclick: () => { box.hidden = true; fitChrome(); } }, "×"));
    box.hidden = false;
  }
  fitChrome();
}

let polling = false;
async function poll() {
  if (polling) return;
  polling = true;
  try {
    const p = await api("/api/poll");
    const was = state.job.state;
    if (p.job.state === "running") jobWatched = p.job.id;
    state.job = p.job;
    showJob(p.job);
    const started = was !== "running" && p.job.state === "running";
    const ended = was === "running" && p.job.state !== "running";
    if (sending === 0 && newer(p.version, state.version)) {
      // While a re-draft runs its own save changes the version: wait for its end.
      if (p.job.state === "running") {
        if (started) render();
      } else if (ended && !editing) {
        await reloadState();
      } else if (ended) {
        showConflict("Det nye utkastet er klart: lagre eller avbryt redigeringen, og last inn på nytt for å se det.", true);
      } else {
        showConflict("Referatet er endret i en annen fane eller et annet vindu.", true);
      }
    } else if (started || ended) {
      render();
    }
  } catch (e) {
    // The server is gone (stopped): say so once, keep the page.
    if (!$("conflict").textContent.includes("Serveren")) showConflict("Serveren svarer ikke: er `referat review` stoppet?", false);
  } finally {
    polling = false;
  }
}

// ------------------------------------------------------------------ export

function confirmDialog(text) {
  return new Promise((resolve) => {
    $("confirmtext").textContent = text;
    $("confirm").hidden = false;
    const done = (v) => { $("confirm").hidden = true; $("confirmyes").onclick = null; $("confirmno").onclick = null; resolve(v); };
    $("confirmyes").onclick = () => done(true);
    $("confirmno").onclick = () => done(false);
    $("confirmyes").focus();
  });
}

async function exportDoc(format) {
  const final = $("final").checked;
  const doc = !["vtt", "srt"].includes(format);
  if (doc && final) {
    const c = state.counts;
    const outdated = state.items.filter((i) => i.outdated).length;
    if (c.todo || c.flagged || outdated) {
      const parts = [];
      if (c.todo) parts.push(`${c.todo} ${c.todo === 1 ? "linje" : "linjer"} som ikke er gjennomgått`);
      if (c.flagged) parts.push(`${c.flagged} ${c.flagged === 1 ? "flagget linje" : "flaggede linjer"}`);
      if (outdated) parts.push(`${outdated} ${outdated === 1 ? "sak" : "saker"} med endret grunnlag uten nytt utkast`);
      const ok = await confirmDialog(`Det endelige referatet har ${parts.join(" og ")}. Vil du eksportere likevel?`);
      if (!ok) return;
    }
  }
  try {
    say("Lager " + format.toUpperCase() + " …");
    const r = await api("/api/export", { format, final, times: $("times").checked });
    const a = el("a", { href: r.url, download: r.file, class: "dl" }, `${r.file} (${Math.max(1, Math.round(r.bytes / 1024))} kB)`);
    const d = $("downloads");
    d.querySelectorAll(`a[download="${CSS.escape(r.file)}"]`).forEach((x) => x.remove());
    d.append(a);
    say(`${r.file} er laget`);
  } catch (e) {
    say("Eksport feilet: " + e.message, true);
  }
}

// ------------------------------------------------------------------ keyboard

function onKey(e) {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const t = e.target;
  if (t && (t.tagName === "TEXTAREA" || t.tagName === "INPUT" || t.tagName === "SELECT")) return;
  if (!$("confirm").hidden) return;
  if (!$("help").hidden && e.key !== "?" && e.key !== "Escape") return;
  const f = findLine(active);
  const seg = () => playingSegment() || (source && transcript ? transcript.find((s) => source.spans.some((sp) => s.end > sp[0] && s.start < sp[1])) : null);
  const sakOfSource = () => (f ? f.item.saksnr : source && source.saksnr);
  const keys = {
    j: () => moveSelection(1), ArrowDown: () => moveSelection(1),
    k: () => moveSelection(-1), ArrowUp: () => moveSelection(-1),
    Enter: () => f && f.line.source.length && play(f.line.source[0][0]),
    p: () => f && f.line.source.length && play(f.line.source[0][0]),
    " ": () => { const a = $("audio"); if (a.paused) a.play().catch(() => {}); else a.pause(); },
    a: () => decide("accepted"),
    x: () => decide("rejected"),
    e: () => { if (f && !f.line.moved_to) { editing = active; editValue = null; render(); } },
    t: () => { const s = seg(); if (s) { if (!source || !document.querySelector(`#transcript .seg[data-i="${s.i}"]`)) showSource("Transkripsjon", [[s.start, s.end]], 20, sakOfSource()); editSegment(s); } },
    "[": () => { const s = seg(); if (s) moveBoundary(sakOfSource(), "start", s); },
    "]": () => { const s = seg(); if (s) moveBoundary(sakOfSource(), "end", s); },
    f: () => { const o = ["all", "todo", "flagged"]; setFilter(o[(o.indexOf(filter) + 1) % o.length]); },
    "-": () => stepRate(-1),
    "+": () => stepRate(1),
    "?": () => ($("help").hidden = !$("help").hidden),
    Escape: () => { $("help").hidden = true; },
  };
  const k = keys[e.key];
  if (!k) return;
  e.preventDefault();
  k();
}

function setFilter(v) {
  filter = v;
  $("filter").value = v;
  render();
  say("Viser " + $("filter").selectedOptions[0].textContent);
}

async function init() {
  document.querySelectorAll("button[data-format]").forEach((b) => b.addEventListener("click", () => exportDoc(b.dataset.format)));
  $("final").addEventListener("change", () => { $("draftmark").hidden = $("final").checked; });
  $("filter").addEventListener("change", () => setFilter($("filter").value));
  $("rate").addEventListener("change", () => setRate($("rate").value));
  $("helpbtn").addEventListener("click", () => ($("help").hidden = false));
  $("helpclose").addEventListener("click", () => ($("help").hidden = true));
  document.addEventListener("keydown", onKey);
  $("audio").addEventListener("timeupdate", onTime);
  window.addEventListener("resize", fitChrome);
  try {
    state = await api("/api/state");
  } catch (e) {
    $("items").textContent = "Kunne ikke laste utkastet: " + e.message;
    return;
  }
  if (state.audio) {
    $("audio").src = "/audio";
    setRate(localStorage.getItem("referat.rate") || "1");
  } else {
    $("audio").hidden = true;
    $("noaudio").hidden = false;
    $("noaudio").textContent = state.audio_note || "Ingen lydfil.";
  }
  if (state.job.state === "running") jobWatched = state.job.id;
  render();
  showJob(state.job);
  await syncTranscript();
  setInterval(poll, 1500);
  document.body.dataset.ready = "1";
}

init();
