// The secretary's whole loop on the sample meeting, in headless Chromium, against a real
// `referat review` (started without --audio) with a real language model for the re-draft:
// play, correct a misheard word in the transcript, re-draft that sak and see the corrected word
// in its line, accept and reject with the keyboard, filter, export a final DOCX past the
// warning, and a second tab's stale change refused.
// Usage: node loop.test.mjs <url> <screenshot.png>   (started by tests/review_browser.rs)
import assert from "node:assert/strict";
import { launch, on, step, watch } from "./lib.mjs";

const [url, shot] = process.argv.slice(2);
if (!url || !shot) {
  console.error("usage: node loop.test.mjs <url> <screenshot.png>");
  process.exit(2);
}
const REDRAFT_MS = 30 * 60 * 1000; // the model on a busy 2-core machine

const browser = await launch();
try {
  const ctx = await browser.newContext({ viewport: { width: 1500, height: 1000 } });
  const page = await ctx.newPage();
  const { errors, foreign } = watch(page, url);
  const { ready, sak, line, saved, waitIdle, state } = on(page);

  step("open: the recording is found without --audio, and plays from a line");
  await page.goto(url);
  await ready();
  const s0 = await state();
  assert.equal(s0.audio, true, `no recording: ${s0.audio_note}`);
  assert.ok(await page.locator("#noaudio").isHidden());
  assert.ok(s0.speakers.includes("Marte Lien"), "speakers from the transcript");
  const counts0 = s0.counts.todo;
  await line("17/25", "innspill/0").locator(".text").click();
  await page.waitForFunction(() => { const a = document.getElementById("audio"); return !a.paused && a.currentTime > 454.5 && a.currentTime < 470; }, null, { timeout: 20000 });
  await page.keyboard.press(" "); // pause
  await page.waitForFunction(() => document.getElementById("audio").paused);

  step("a second tab opens the same page");
  const tab2 = await ctx.newPage();
  const w2 = watch(tab2, url);
  const t2 = on(tab2);
  await tab2.goto(url);
  await t2.ready();

  step("correct the misheard name in the transcript");
  const bad = page.locator("#transcript .seg", { hasText: "Kåes støtter endringen" });
  await bad.hover();
  await bad.locator("button.segedit-btn").click();
  const ta = page.locator(".segedit textarea");
  assert.match(await ta.inputValue(), /^Kåes støtter endringen/);
  assert.equal(await page.locator(".segedit input.speaker").inputValue(), "Marte Lien", "the speaker field offers the speaker");
  await ta.fill((await ta.inputValue()).replace("Kåes", "KS"));
  await page.locator(".segedit button.save").click();
  const fixed = page.locator("#transcript .seg.edited", { hasText: "KS støtter endringen" });
  await fixed.waitFor();
  assert.match(await fixed.locator(".tag").getAttribute("title"), /Whisper hørte: Kåes støtter/);
  await page.waitForSelector('article.sak[data-saksnr="17/25"].outdated');
  assert.doesNotMatch(await line("17/25", "innspill/0").textContent(), /KS støtter/, "the old line does not have it yet");

  step("re-draft 17/25 with the model, progress on the page");
  await waitIdle();
  await sak("17/25").locator("button.redraft-now").click();
  await page.waitForSelector("#job.running");
  const phases = new Set();
  const t0 = Date.now();
  while (Date.now() - t0 < REDRAFT_MS) {
    const j = await page.locator("#job").getAttribute("class");
    phases.add((await page.locator("#job").textContent()).replace(/[\d,.]+ (s|min)/g, "").replace(/steg \d+ av \d+/, "steg n av m").slice(0, 80));
    if (/done|failed/.test(j)) break;
    await page.waitForTimeout(1000);
  }
  console.log("progress seen:\n  " + [...phases].join("\n  "));
  assert.match(await page.locator("#job").getAttribute("class"), /done/, await page.locator("#job").textContent());
  assert.ok([...phases].some((p) => /Skriver utkast/.test(p)), "drafting progress was shown");
  assert.ok([...phases].some((p) => /Laster språkmodellen/.test(p)), "model loading was shown");
  await page.waitForFunction(() => !document.querySelector('article.sak[data-saksnr="17/25"]').classList.contains("outdated"));
  const redrafted = await line("17/25", "innspill/0").locator(".text").textContent();
  console.log("re-drafted line: " + redrafted);
  assert.match(redrafted, /KS støtter endringen/, "the corrected word reached the line");
  assert.doesNotMatch(await sak("17/25").textContent(), /Kåes/);

  step("accept and reject with the keyboard");
  await line("17/25", "innspill/0").locator(".text").click();
  await page.keyboard.press("a");
  await page.waitForSelector('article.sak[data-saksnr="17/25"] li[data-key="innspill/0"].accepted');
  await page.waitForSelector('article.sak[data-saksnr="17/25"] li[data-key="innspill/1"].active');
  await page.keyboard.press("x");
  await page.waitForSelector('article.sak[data-saksnr="17/25"] li[data-key="innspill/1"].rejected');
  await page.keyboard.press("k");
  await page.keyboard.press("k");
  await page.waitForSelector('article.sak[data-saksnr="17/25"] li[data-key="innspill/0"].active');
  const s1 = await state();
  assert.ok(s1.counts.todo < counts0, `fewer lines to review: ${counts0} -> ${s1.counts.todo}`);
  assert.match(await page.locator("#counts").textContent(), new RegExp(`^${s1.counts.todo} linjer igjen å gå gjennom`));

  step("keyboard help, speed and the flagged filter");
  await page.keyboard.press("?");
  await page.waitForSelector("#help:not([hidden])");
  await page.keyboard.press("Escape");
  await page.keyboard.press("+");
  assert.equal(await page.evaluate(() => document.getElementById("audio").playbackRate), 1.25);
  await page.keyboard.press("-");
  await page.keyboard.press("f");
  await page.keyboard.press("f");
  assert.equal(await page.locator("#filter").inputValue(), "flagged");
  const shown = await page.locator("#items li.line:not(.hidden)").evaluateAll((ls) => ls.map((l) => l.classList.contains("flagged")));
  assert.ok(shown.length > 0 && shown.every(Boolean), "only flagged lines");
  await page.keyboard.press("f");

  step("the second tab's stale change is refused");
  await t2.line("13/25", "innspill/0").locator("button.accept").click();
  await tab2.waitForSelector("#conflict:not([hidden])");
  assert.match(await tab2.locator("#conflict").textContent(), /Endringen ble ikke lagret: referatet er endret i en annen fane/);
  assert.ok(!(await t2.line("13/25", "innspill/0").evaluate((e) => e.classList.contains("accepted"))));
  assert.match(await t2.line("17/25", "innspill/0").textContent(), /KS støtter endringen/, "tab 2 now shows what is saved");
  assert.deepEqual(w2.errors, []);

  step("export a final DOCX past the warning");
  await page.locator("#final").check();
  await page.locator('button[data-format="docx"]').click();
  await page.waitForSelector("#confirm:not([hidden])");
  const warning = await page.locator("#confirmtext").textContent();
  assert.match(warning, /\d+ linjer som ikke er gjennomgått/);
  await page.locator("#confirmyes").click();
  await page.waitForSelector('#downloads a[download="referat.docx"]', { timeout: 60000 });
  await page.locator("#final").uncheck();

  step("screenshot");
  await page.locator('button[data-format="vtt"]').click();
  await page.waitForSelector('#downloads a[download="transcript.vtt"]');
  await line("17/25", "innspill/0").locator(".text").click();
  await page.keyboard.press(" ");
  await page.evaluate(() => document.querySelector('article.sak[data-saksnr="17/25"]').scrollIntoView());
  await page.waitForTimeout(300);
  await page.screenshot({ path: shot });

  assert.deepEqual(errors, [], "no errors in the page");
  assert.deepEqual(foreign, [], "no requests to other hosts");
  console.log("ok: the review loop passed");
} finally {
  await browser.close();
}
