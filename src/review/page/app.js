// Review page for referat. All text goes into the page through textContent, never as HTML.
"use strict";

let state = null;
let transcript = null; // [{start, end, text, speaker}]
let editing = null; // "saksnr|key" of the line being edited (kept across re-renders)
let active = null; // "saksnr|key" of the line whose source is shown

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
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
  if (!r.ok) throw new Error(data.error || `HTTP ${r.status}`);
  return data;
}

async function change(op) {
  try {
    state = await api("/api/op", op);
    render();
    say("Lagret");
  } catch (e) {
    say("Kunne ikke lagre: " + e.message, true);
  }
}

// ------------------------------------------------------------------ playback and transcript

function play(at) {
  const a = $("audio");
  if (!state.audio) return;
  a.currentTime = at;
  a.play().catch(() => {});
}

function showSource(title, spans, context) {
  $("sidetitle").textContent = title;
  const box = $("transcript");
  box.replaceChildren();
  if (!transcript || transcript.length === 0) {
    box.append(el("p", { class: "muted" }, "Ingen transkripsjon i arbeidsmappen."));
    if (spans.length) box.append(el("p", {}, "Kilde: " + spanText(spans)));
    return;
  }
  const inSpan = (s) => spans.some((sp) => s.end > sp[0] && s.start < sp[1]);
  const near = (s) => spans.some((sp) => s.end > sp[0] - context && s.start < sp[1] + context);
  const segs = transcript.filter(near);
  if (segs.length === 0) box.append(el("p", { class: "muted" }, "Ingen tekst i " + spanText(spans) + "."));
  for (const s of segs) {
    const p = el("p", { class: "seg" + (inSpan(s) ? " hit" : ""), onclick: () => play(s.start) },
      el("span", { class: "t" }, clock(s.start)), s.speaker ? `${s.speaker}: ` : "", s.text);
    box.append(p);
  }
  const first = box.querySelector(".hit");
  if (first) first.scrollIntoView({ block: "nearest" });
}

function selectLine(item, line) {
  active = `${item.saksnr}|${line.key}`;
  document.querySelectorAll(".line.active").forEach((e) => e.classList.remove("active"));
  const li = document.querySelector(`[data-id="${CSS.escape(active)}"]`);
  if (li) li.classList.add("active");
  showSource(`Kilde: ${item.saksnr} ${line.source.length ? spanText(line.source) : "(ingen tider)"}`, line.source, 20);
  if (line.source.length) play(line.source[0][0]);
}

// ------------------------------------------------------------------ rendering

function editor(initial, onSave, onCancel) {
  const ta = el("textarea", {});
  ta.value = initial;
  const save = () => onSave(ta.value);
  ta.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) save();
    if (e.key === "Escape") onCancel();
  });
  setTimeout(() => ta.focus(), 0);
  return el("div", { class: "editor" }, ta,
    el("div", { class: "editbar" },
      el("button", { class: "small save", onclick: save }, "Lagre"),
      el("button", { class: "small", onclick: onCancel }, "Avbryt")));
}

function lineView(item, line) {
  const id = `${item.saksnr}|${line.key}`;
  const cls = ["line", line.section];
  if (line.flags.length) cls.push("flagged");
  if (line.status !== "pending") cls.push(line.status);
  if (line.moved_to) cls.push("moved");
  if (active === id) cls.push("active");
  const li = el("li", { class: cls.join(" "), dataset: { id, key: line.key } });

  if (editing === id) {
    li.append(editor(line.text,
      (text) => { editing = null; change({ op: "edit", saksnr: item.saksnr, key: line.key, text }); },
      () => { editing = null; render(); }));
    return li;
  }
  const body = el("div", { class: "text", title: "Klikk for å høre og se kilden", onclick: () => selectLine(item, line) }, line.text);
  for (const f of line.flags) body.append(el("span", { class: "flag" }, f.reason));
  if (line.edited && line.machine !== null) body.append(el("span", { class: "tag", title: "Maskinens tekst: " + line.machine }, "redigert"));
  if (line.from) body.append(el("span", { class: "tag" }, "flyttet fra " + line.from));
  if (line.moved_to) body.append(el("span", { class: "tag" }, "flyttet til " + line.moved_to));
  li.append(body);
  if (line.source.length) li.append(el("button", { class: "time", title: "Spill av", onclick: () => selectLine(item, line) }, "▶ " + spanText(line.source)));

  const actions = el("div", { class: "actions" });
  const st = (status) => () => change({ op: "status", saksnr: item.saksnr, key: line.key, status });
  if (!line.moved_to) {
    actions.append(
      el("button", { class: "accept", title: "Godta", onclick: st(line.status === "accepted" ? "pending" : "accepted") }, line.status === "accepted" ? "↺" : "✓"),
      el("button", { class: "edit", title: "Rediger", onclick: () => { editing = id; render(); } }, "✎"));
    if (line.section !== "vedtak") {
      actions.append(el("button", { class: "reject", title: line.status === "rejected" ? "Angre avvisning" : "Avvis", onclick: st(line.status === "rejected" ? "pending" : "rejected") }, line.status === "rejected" ? "↺" : "✗"));
      const sel = el("select", { class: "move", title: "Flytt til en annen sak" }, el("option", { value: "" }, "Flytt…"));
      for (const other of state.items) if (other.saksnr !== item.saksnr) sel.append(el("option", { value: other.saksnr }, other.saksnr));
      sel.addEventListener("change", () => { if (sel.value) change({ op: "move", saksnr: item.saksnr, key: line.key, to: sel.value }); });
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
  if (canAdd) {
    const addId = `${item.saksnr}|add-${name}`;
    if (editing === addId) {
      wrap.append(editor("",
        (text) => { editing = null; if (text.trim()) change({ op: "add", saksnr: item.saksnr, section: name, text }); else render(); },
        () => { editing = null; render(); }));
    } else {
      wrap.append(el("button", { class: "small add", onclick: () => { editing = addId; render(); } },
        name === "innspill" ? "+ Legg til innspill" : "+ Legg til aksjonspunkt"));
    }
  }
  return wrap;
}

function itemView(item) {
  const card = el("article", { class: "sak", id: "sak-" + item.saksnr.replace("/", "-"), dataset: { saksnr: item.saksnr } });
  card.append(el("h2", {}, `${item.saksnr} ${item.title}`));
  const sub = [item.sakstype, item.presenters].filter(Boolean).join(" · ");
  card.append(el("div", { class: "sub" }, sub,
    item.spans.length ? " · " : "",
    item.spans.length ? el("button", { class: "time", onclick: () => { showSource(`Transkripsjon ${item.saksnr}`, item.spans, 0); play(item.spans[0][0]); } }, "▶ Transkripsjon " + spanText(item.spans)) : ""));

  const introId = `${item.saksnr}|intro`;
  if (editing === introId) {
    card.append(editor(item.intro,
      (text) => { editing = null; change({ op: "intro", saksnr: item.saksnr, text }); },
      () => { editing = null; render(); }));
  } else {
    card.append(el("p", { class: "intro" }, item.intro,
      item.intro !== item.machine_intro ? el("span", { class: "tag" }, "redigert") : null,
      " ", el("button", { class: "small edit-intro", title: "Rediger innledningen", onclick: () => { editing = introId; render(); } }, "✎")));
  }
  const by = (s) => item.lines.filter((l) => l.section === s);
  card.append(section(item, "innspill", "Innspill:", by("innspill"), true));
  const ak = by("aksjonspunkter");
  card.append(section(item, "aksjonspunkter", "Aksjonspunkter:", ak, true));
  card.append(section(item, "vedtak", "Vedtak:", by("vedtak"), false));
  if (item.forslag) card.append(el("div", { class: "muted" }, "Forslag til vedtak: " + item.forslag));
  return card;
}

function render() {
  $("title").textContent = `Referat fra møte i ${state.council}`;
  $("meta").textContent = `Møte ${state.number} · ${state.date} · ${state.time} · ${state.place}`;
  const banner = $("banner");
  banner.hidden = !state.redrafted;
  banner.textContent = state.redrafted
    ? "Utkastet er laget på nytt etter forrige gjennomgang. Redigerte linjer er beholdt; linjer der maskinteksten er endret, er merket."
    : "";
  const box = $("items");
  const y = window.scrollY;
  box.replaceChildren(...state.items.map(itemView));
  window.scrollTo(0, y);
}

async function exportDoc(format) {
  const final = $("final").checked;
  try {
    say("Lager " + format.toUpperCase() + " …");
    const r = await api("/api/export", { format, final, times: $("times").checked });
    const a = el("a", { href: r.url, download: r.file, class: "dl" }, `${r.file} (${Math.round(r.bytes / 1024)} kB)`);
    const d = $("downloads");
    d.querySelectorAll(`a[download="${CSS.escape(r.file)}"]`).forEach((x) => x.remove());
    d.append(a);
    say(`${r.file} er laget`);
  } catch (e) {
    say("Eksport feilet: " + e.message, true);
  }
}

async function init() {
  document.querySelectorAll("button[data-format]").forEach((b) => b.addEventListener("click", () => exportDoc(b.dataset.format)));
  $("final").addEventListener("change", () => { $("draftmark").hidden = $("final").checked; });
  try {
    state = await api("/api/state");
  } catch (e) {
    $("items").textContent = "Kunne ikke laste utkastet: " + e.message;
    return;
  }
  if (state.audio) $("audio").src = "/audio";
  else { $("audio").hidden = true; $("noaudio").hidden = false; }
  render();
  if (state.transcript) transcript = await api("/api/transcript").catch(() => null);
  document.body.dataset.ready = "1";
}

init();
