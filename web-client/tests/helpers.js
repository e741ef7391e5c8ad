// Shared helpers for the browser tests (node --test, CommonJS).
//
// Environment:
//   BASE_URL       the running server, e.g. http://127.0.0.1:8099 (required by CI)
//   SHOT_DIR       where screenshots go (default web-client/tests/artifacts)
//   CHROMIUM_PATH  the browser (default /usr/bin/chromium; never downloaded)

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { chromium, devices } = require('playwright-core');
const { AxeBuilder } = require('@axe-core/playwright');

const BASE_URL = (process.env.BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const SHOT_DIR = process.env.SHOT_DIR || path.join(__dirname, 'artifacts');
const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const PHONE = devices['Pixel 5'];
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

fs.mkdirSync(SHOT_DIR, { recursive: true });

/** Fail early, with a clear sentence, when no server answers at BASE_URL. */
async function requireServer() {
  let res;
  try {
    res = await fetch(`${BASE_URL}/healthz`);
  } catch (err) {
    throw new Error(`no server at BASE_URL=${BASE_URL} (${err.message}); start democreatie serve and set BASE_URL`);
  }
  assert.equal(res.status, 200, `GET ${BASE_URL}/healthz answered ${res.status}`);
}

async function launch() {
  await requireServer();
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Watch a page for things that must never happen: an uncaught exception, any
 * dialog (alert/confirm/prompt: e.g. from injected markup) and any Content
 * Security Policy violation. They are collected in `problems`.
 */
function watch(page, label, problems) {
  page.on('pageerror', (err) => problems.push(`${label}: uncaught error: ${err.message}`));
  page.on('dialog', async (dialog) => {
    problems.push(`${label}: unexpected ${dialog.type()} dialog: ${dialog.message()}`);
    await dialog.dismiss().catch(() => {});
  });
  page.on('console', (msg) => {
    const text = msg.text();
    if (/Content Security Policy|Refused to (execute|apply|load)/i.test(text)) problems.push(`${label}: CSP: ${text}`);
  });
  page.setDefaultTimeout(20000);
  return page;
}

async function newPage(browser, label, problems, options = {}) {
  const context = await browser.newContext({ acceptDownloads: true, ...options });
  const page = await context.newPage();
  watch(page, label, problems);
  return { context, page };
}

async function newPhone(browser, label, problems) {
  return newPage(browser, label, problems, { ...PHONE });
}

/** Run axe with the WCAG 2.1 A/AA tags; fail with a readable list. */
async function audit(page, label) {
  const result = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  const found = result.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')} — ${n.failureSummary.replace(/\n/g, ' ')}`).join('\n    ')}`);
  assert.deepEqual(found, [], `axe found WCAG problems on ${label}:\n  ${found.join('\n  ')}`);
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOT_DIR, `${name}.png`), fullPage: true });
}

/** At 320 CSS pixels wide the page must not scroll sideways. */
async function check320(page, label) {
  const before = page.viewportSize();
  await page.setViewportSize({ width: 320, height: 640 });
  try {
    // Measure only once the page has the new width and has laid itself out for it
    // (a frame after the resize), never after a guessed pause. The media query gives the
    // layout width; innerWidth would not do: on a phone a page that is too wide zooms
    // out, innerWidth grows with it and the wait would never end.
    await page.waitForFunction(() => window.matchMedia('(width: 320px)').matches);
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve())));
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 320, `${label}: at 320 px wide the page is ${width} px wide (horizontal scroll)`);
  } finally {
    if (before) await page.setViewportSize(before);
  }
}

/** Wait until the page shows phase number `index` (data-phase-index on [data-testid=phase]). */
async function waitPhase(page, index) {
  await page.locator(`[data-testid="phase"][data-phase-index="${index}"]`).first().waitFor({ state: 'attached', timeout: 20000 });
}

async function phaseOf(page) {
  const el = page.locator('[data-testid="phase"]').first();
  await el.waitFor({ state: 'attached' });
  return { kind: await el.getAttribute('data-phase-kind'), index: Number(await el.getAttribute('data-phase-index')) };
}

/** No element carries an event-handler attribute and no injected <svg onload> exists. */
async function assertNoInjectedMarkup(page, label) {
  const bad = await page.evaluate(() => {
    const out = [];
    for (const el of document.querySelectorAll('*')) {
      for (const a of el.attributes) if (/^on/i.test(a.name)) out.push(`${el.tagName}[${a.name}]`);
    }
    return out;
  });
  assert.deepEqual(bad, [], `${label}: elements with event-handler attributes`);
}

// ---------------------------------------------------------------- rooms and bots
// A room made over HTTP, and its facilitator and participants as WebSockets that live in a
// page of the browser ("the bots page", window.R[room]), so a test can play the other
// seats while a real page is the participant under test.

/** A room of `scenario` with one table (unless `options` says otherwise). */
async function createRoom(scenario, options = {}) {
  const res = await fetch(`${BASE_URL}/api/rooms`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ scenario, options: { tables: 1, ...options } }),
  });
  const body = await res.json();
  assert.equal(res.status, 201, `a ${scenario} room is made: ${JSON.stringify(body)}`);
  return body;
}

/** In the bots page: the facilitator and the participants of `room` as sockets (window.R[room]). */
async function openSockets(page, room, hostToken, names) {
  await page.evaluate(async ({ room: code, token, names: people }) => {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
    const open = (first) => new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const c = { ws, view: null, errors: [], nextId: 1 };
      c.send = (msg) => ws.send(JSON.stringify({ ...msg, id: c.nextId++ }));
      ws.onmessage = (e) => {
        const m = JSON.parse(e.data);
        if (m.type === 'hello') ws.send(JSON.stringify(first));
        else if (m.type === 'welcome') resolve(c);
        else if (m.type === 'state') c.view = m.view;
        else if (m.type === 'error') { c.errors.push(m.code); if (!c.view) reject(new Error(m.message)); }
      };
      ws.onerror = () => reject(new Error('a socket failed'));
    });
    window.R = window.R || {};
    const players = [];
    for (const name of people) players.push(await open({ type: 'join', room: code, name }));
    window.R[code] = { host: await open({ type: 'host', room: code, host_token: token }), players };
  }, { room, token: hostToken, names });
}

/** The facilitator sends `msg`; resolves once the host's view shows phase `expect` (when given). */
async function hostSends(page, room, msg, expect) {
  await page.evaluate(({ room: code, msg: m }) => window.R[code].host.send(m), { room, msg });
  if (expect !== undefined) {
    await page.waitForFunction(({ room: code, index }) => {
      const v = window.R[code].host.view;
      return v && v.phase && v.phase.index === index;
    }, { room, index: expect });
  }
}

/** Every participant socket does what `what` says for the current round: `ready`,
 * `support`, `object` (with a reason) or `propose` (the first who may). */
async function botsPlay(page, room, what) {
  await page.evaluate(({ room: code, what: w }) => {
    for (const p of window.R[code].players) {
      const v = p.view;
      if (!v || !v.you) continue;
      if (w === 'ready') p.send({ type: 'ready' });
      if (w === 'support') p.send({ type: 'vote', choice: 'support' });
      if (w === 'object') p.send({ type: 'vote', choice: 'object', reason: 'Het is te duur voor het park.' });
      if (w === 'propose' && v.phase.proposers && v.phase.proposers.includes(v.you.role)) {
        p.send({ type: 'propose', text: 'De jongeren ontwerpen de baan mee. De gemeente regelt het onderhoud tien jaar lang.' });
        return;
      }
    }
  }, { room, what });
}

/**
 * The facilitator and the participants of `room` ({room, host_token}) as WebSockets in
 * `page` (window.R), each `send` a promise of its answer: window.R = {host, players, send,
 * byTable (the players by table, in table order), next (advance and wait until every
 * participant is in round `index`)}.
 */
async function openAnsweredSockets(page, room, names) {
  await page.goto(`${BASE_URL}/`);
  await page.evaluate(async ({ code, token, people }) => {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
    const open = (first) => new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const c = { ws, view: null, nextId: 1, pending: new Map() };
      ws.onmessage = (e) => {
        const m = JSON.parse(e.data);
        if (m.type === 'hello') ws.send(JSON.stringify(first));
        else if (m.type === 'welcome') resolve(c);
        if (m.type === 'state') c.view = m.view;
        if (m.id !== undefined && c.pending.has(m.id)) {
          const p = c.pending.get(m.id);
          c.pending.delete(m.id);
          if (m.type === 'error') p.reject(new Error(`${p.type}: ${m.code} ${m.message}`)); else p.resolve(m);
        } else if (m.type === 'error' && !c.view) reject(new Error(m.message));
      };
      ws.onerror = () => reject(new Error('a socket failed'));
    });
    const send = (c, msg) => new Promise((resolve, reject) => {
      const id = c.nextId++;
      c.pending.set(id, { resolve, reject, type: msg.type });
      c.ws.send(JSON.stringify({ ...msg, id }));
    });
    const host = await open({ type: 'host', room: code, host_token: token });
    const players = [];
    for (const name of people) players.push(await open({ type: 'join', room: code, name }));
    const byTable = () => {
      const map = new Map();
      for (const p of players) {
        const k = p.view.you.table;
        if (!map.has(k)) map.set(k, []);
        map.get(k).push(p);
      }
      return [...map.entries()].sort((a, b) => a[0] - b[0]);
    };
    // `next` and wait until every participant is in round `index`.
    const next = async (index) => {
      await send(host, { type: 'next' });
      for (let i = 0; i < 200 && !players.every((p) => p.view.phase.index === index); i += 1) {
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    window.R = { host, players, send, byTable, next };
  }, { code: room.room, token: room.host_token, people: names });
}

module.exports = {
  assert, BASE_URL, SHOT_DIR, PHONE, launch, watch, newPage, newPhone, audit, shot, check320, waitPhase, phaseOf,
  assertNoInjectedMarkup, createRoom, openSockets, hostSends, botsPlay, openAnsweredSockets,
};
