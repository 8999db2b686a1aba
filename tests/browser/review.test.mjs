// Drives the review page in headless Chromium on a fixture work dir (no model): edit, accept,
// reject, add, move, play, reload, export, a transcript correction, a moved boundary, the
// flagged filter and a second tab's stale change. Usage: node review.test.mjs <url> <screenshot.png>
// Started by tests/review_browser.rs, which serves a work dir and checks what is on disk after.
import assert from "node:assert/strict";
import { launch, on, step, watch } from "./lib.mjs";

const [url, shot] = process.argv.slice(2);
if (!url || !shot) {
  console.error("usage: node review.test.mjs <url> <screenshot.png>");
  process.exit(2);
}

const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const { errors, foreign } = watch(page, url);
  const { ready, sak, line, saved, waitIdle } = on(page);

  step("load");
  await page.goto(url);
  await ready();
  assert.equal(await page.locator("h1#title").textContent(), "Referat fra møte i Nasjonalt e-helseråd");
  assert.equal(await page.locator("article.sak").count(), 10);
  assert.ok((await page.locator("li.line.flagged").count()) >= 3, "flagged lines stand out");
  assert.match(await line("13/25", "innspill/3").textContent(), /svakt grunnlag/);

  step("edit a bullet");
  await line("13/25", "innspill/0").locator("button.edit").click();
  await line("13/25", "innspill/0").locator("textarea").fill("Kommunene trenger klarere krav før anskaffelser (redigert).");
  await line("13/25", "innspill/0").locator("button.save").click();
  await saved();
  await page.waitForFunction(() => document.querySelector('article.sak[data-saksnr="13/25"] li[data-key="innspill/0"] .text')?.textContent.includes("(redigert)"));

  step("accept, reject");
  await waitIdle();
  await line("13/25", "innspill/3").locator("button.accept").click();
  await saved();
  await page.waitForSelector('article.sak[data-saksnr="13/25"] li[data-key="innspill/3"].accepted');
  await line("13/25", "innspill/1").locator("button.reject").click();
  await page.waitForSelector('article.sak[data-saksnr="13/25"] li[data-key="innspill/1"].rejected');

  step("add a bullet with markup in it");
  const evil = '<script>window.__xss = 1</script><img src=x onerror="window.__xss=2"> KS & kommunene';
  await sak("13/25").locator("button.add").first().click();
  await sak("13/25").locator(".section.innspill textarea").fill(evil);
  await sak("13/25").locator(".section.innspill button.save").click();
  await page.waitForSelector('article.sak[data-saksnr="13/25"] li[data-key^="added/"]');
  const added = sak("13/25").locator('li[data-key^="added/"] .text');
  assert.ok((await added.textContent()).includes("<script>window.__xss = 1</script>"), "markup shows as text");
  assert.equal(await page.evaluate(() => window.__xss), undefined, "no script ran");
  assert.equal(await sak("13/25").locator("li img, li script").count(), 0);

  step("move a bullet to 14/25");
  await line("13/25", "innspill/2").locator("select.move").selectOption("14/25");
  await page.waitForSelector('article.sak[data-saksnr="14/25"] li[data-key^="added/"]');
  assert.match(await sak("14/25").locator('li[data-key^="added/"]').textContent(), /Listen over verifiserte produkter/);

  step("edit the vedtak and the intro");
  await line("13/25", "vedtak").locator("button.edit").click();
  await line("13/25", "vedtak").locator("textarea").fill("Nasjonalt e-helseråd drøftet saken og støtter det videre arbeidet.");
  await line("13/25", "vedtak").locator("button.save").click();
  await page.waitForFunction(() => document.querySelector('article.sak[data-saksnr="13/25"] li[data-key="vedtak"] .text')?.textContent.includes("det videre arbeidet"));
  await sak("13/25").locator("button.edit-intro").click();
  await sak("13/25").locator("textarea").fill("Norunn Saure, Helsedirektoratet, la frem saken for drøfting.");
  await sak("13/25").locator("button.save").click();
  await page.waitForFunction(() => document.querySelector('article.sak[data-saksnr="13/25"] .intro')?.textContent.startsWith("Norunn Saure, Helsedirektoratet, la frem saken for drøfting."));

  step("click a line: play from its source and show the transcript");
  await line("13/25", "innspill/0").locator(".text").click();
  await page.waitForFunction(() => Math.abs(document.getElementById("audio").currentTime - 79.48) < 1.5, null, { timeout: 10000 });
  const tr = await page.locator("#transcript .seg.hit").first().textContent();
  assert.match(tr, /Kommunene trenger tydelige krav før de starter en anskaffelse/);
  const range = await page.evaluate(async () => {
    const r = await fetch("/audio", { headers: { Range: "bytes=100-199" } });
    return { status: r.status, cr: r.headers.get("content-range"), len: (await r.arrayBuffer()).byteLength };
  });
  assert.equal(range.status, 206);
  assert.equal(range.len, 100);
  assert.match(range.cr, /^bytes 100-199\/\d+$/);

  step("reload: the changes are still there");
  await page.reload();
  await ready();
  assert.match(await line("13/25", "innspill/0").textContent(), /klarere krav før anskaffelser \(redigert\)/);
  assert.ok(await line("13/25", "innspill/1").evaluate((e) => e.classList.contains("rejected")));
  assert.ok(await line("13/25", "innspill/3").evaluate((e) => e.classList.contains("accepted")));
  assert.match(await sak("14/25").textContent(), /Listen over verifiserte produkter/);
  assert.ok((await added.textContent()).includes("<script>"));

  step("export");
  for (const f of ["docx", "pdf"]) {
    await page.locator(`button[data-format="${f}"]`).click();
    await page.waitForSelector(`#downloads a[download="referat.${f}"]`, { timeout: 30000 });
  }
  const dl = await page.evaluate(async () => {
    const r = await fetch(document.querySelector('#downloads a[download="referat.docx"]').href);
    const b = new Uint8Array(await r.arrayBuffer());
    return { status: r.status, type: r.headers.get("content-type"), zip: b[0] === 0x50 && b[1] === 0x4b, len: b.length };
  });
  assert.equal(dl.status, 200);
  assert.ok(dl.zip && dl.len > 1000, "docx download is a zip");
  // (from Node, so the expected 404 is not logged as a page error)
  const bad = (await fetch(new URL("download/..%2Fdraft.json", url))).status;
  assert.equal(bad, 404);

  step("flagged filter");
  await page.locator("#filter").selectOption("flagged");
  const shown = await page.locator("#items li.line:not(.hidden)").evaluateAll((ls) => ls.map((l) => l.classList.contains("flagged")));
  assert.ok(shown.length >= 2 && shown.every(Boolean), `only flagged lines show: ${shown}`);
  await page.locator("#filter").selectOption("all");

  step("correct a transcript line; the VTT has it; its sak is outdated");
  await line("14/25", "innspill/0").locator(".text").click();
  const seg = page.locator("#transcript .seg", { hasText: "Legeforeningen støtter en endring" });
  await seg.hover();
  await seg.locator("button.segedit-btn").click();
  await page.locator(".segedit textarea").fill("Takk. Legeforeningen støtter en slik endring. Dagens samtykke gir mye ekstra arbeid for legene.");
  await page.locator(".segedit button.save").click();
  await page.waitForSelector('#transcript .seg.edited .tag');
  await page.waitForSelector('article.sak[data-saksnr="14/25"].outdated');
  assert.match(await page.locator("#outdated").textContent(), /14\/25/);
  await page.locator('button[data-format="vtt"]').click();
  await page.waitForSelector('#downloads a[download="transcript.vtt"]');
  const vtt = await page.evaluate(() => fetch("/download/transcript.vtt").then((r) => r.text()));
  assert.match(vtt, /<v Tobias Iveland>Takk\. Legeforeningen støtter en slik endring/);

  step("move the end of 19/25 to a transcript line");
  await waitIdle();
  await line("19/25", "aksjonspunkter/0").locator(".text").click();
  const last = page.locator("#transcript .seg", { hasText: "Vi kommer tilbake med en ny status om EHDS" });
  await last.hover();
  await last.locator("button.bend").click();
  await saved();
  await page.waitForFunction(() => /–08:33/.test(document.querySelector('article.sak[data-saksnr="19/25"] .sub').textContent));
  assert.match(await sak("19/25").locator(".sub").textContent(), /grenser satt for hånd/);

  step("a second tab's change against an older state is refused");
  const tab2 = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const w2 = watch(tab2, url);
  const t2 = on(tab2);
  await tab2.goto(url);
  await t2.ready();
  await waitIdle();
  await line("18/25", "innspill/0").locator("button.accept").click();
  await saved();
  await t2.line("18/25", "innspill/1").locator("button.reject").click();
  await tab2.waitForSelector("#conflict:not([hidden])");
  assert.match(await tab2.locator("#conflict").textContent(), /Endringen ble ikke lagret: referatet er endret i en annen fane/);
  assert.ok(await t2.line("18/25", "innspill/0").evaluate((e) => e.classList.contains("accepted")), "tab 2 now shows tab 1's change");
  assert.ok(!(await t2.line("18/25", "innspill/1").evaluate((e) => e.classList.contains("rejected"))), "the stale change did not land");
  assert.deepEqual(w2.errors, []);
  await tab2.close();

  step("screenshot");
  await line("13/25", "innspill/0").locator(".text").click();
  await page.evaluate(() => document.querySelector('article.sak[data-saksnr="13/25"]').scrollIntoView());
  await page.screenshot({ path: shot });

  assert.deepEqual(errors, [], "no errors in the page");
  assert.deepEqual(foreign, [], "no requests to other hosts");
  console.log("ok: review page test passed");
} finally {
  await browser.close();
}
