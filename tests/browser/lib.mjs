// Helpers shared by the browser tests: Chromium with no network of its own, and locators for
// the review page.
import { chromium } from "playwright-core";

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"],
  });
}

export const step = (s) => console.log(`step: ${s} (${new Date().toISOString().slice(11, 19)})`);

// Collects page errors and any request to a host other than the server under test.
export function watch(page, url) {
  const errors = [];
  const foreign = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    // A refused change (409) is the expected answer in the two-tab step, not a page error.
    if (m.type() === "error" && !/status of 409/.test(m.text())) errors.push(m.text());
  });
  page.on("request", (r) => { if (!r.url().startsWith(url)) foreign.push(r.url()); });
  return { errors, foreign };
}

export function on(page) {
  const sak = (nr) => page.locator(`article.sak[data-saksnr="${nr}"]`);
  return {
    ready: () => page.waitForSelector('body[data-ready="1"]', { timeout: 15000 }),
    sak,
    line: (nr, key) => sak(nr).locator(`li.line[data-key="${key}"]`),
    saved: () => page.waitForSelector(".status.show:not(.err)", { timeout: 10000 }),
    waitIdle: () => page.waitForFunction(() => !document.querySelector(".status.show"), null, { timeout: 8000 }),
    has: (sel) => page.waitForSelector(sel, { timeout: 10000 }),
    text: (sel) => page.locator(sel).first().textContent(),
    state: () => page.evaluate(() => fetch("/api/state").then((r) => r.json())),
  };
}
