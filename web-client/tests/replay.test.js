// Looking back after the game: the facilitator's "Terugkijken" (host/debrief.js), the big
// screen's replay (screen.js) and the report to print (/report/CODE, report.js).
//
// A room of the built-in case `skatebaan` with two tables of four is played through the
// HTTP API and WebSockets in one extra page (as in screen.test.js): notes (the
// facilitator hides one), two proposal versions per table, a vote with a condition and
// an objection, on into the debrief with a lesson note. Then, in one browser context (a
// laptop with the projector as a second screen): the host page steps through the replay
// by button and by keyboard, plays and pauses, compares both tables, shows what a
// proposal version changed in <ins>/<del>, and shows it on the big screen (a second page
// of the same context), which never gets the hidden note. The report page has the hidden
// note marked, reasons in words and no raw codes. A secret-ballot room's vote step names
// nobody. axe on the host's replay, the screen's replay and the report; screenshots
// replay-*.png go to SHOT_DIR.

const { describe, it, before, after } = require('node:test');
const path = require('node:path');
const {
  assert, BASE_URL, SHOT_DIR, launch, newPage, watch, audit, shot, check320,
  openAnsweredSockets,
} = require('./helpers');

const HIDDEN = 'Deze notitie is ongepast en moet weg';
const V1 = 'Een skatebaan aan de rand van het park.';
const V2 = 'Een nieuwe skatebaan aan de rand van het park, met licht tot 22.00 uur.';
const CONDITION = 'Als het na 21.00 uur stil is';
const OBJECTION = 'Te veel lawaai voor de flat';
const LESSON = 'Luisteren naar de buren helpt';
const RAW = ['broad_support', 'support_if', 'civil_servant', 'discussion'];

async function createRoom(tables, options = {}) {
  const res = await fetch(`${BASE_URL}/api/rooms`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ scenario: 'skatebaan', options: { tables, ...options } }),
  });
  assert.ok(res.ok, `POST /api/rooms answered ${res.status}`);
  return res.json();
}

/** Give the host token to a context (the facilitator's own browser) and open its dashboard. */
async function openHost(page, room) {
  await page.goto(`${BASE_URL}/`);
  await page.evaluate(({ c, tok }) => localStorage.setItem(`democreatie.host.${c}`, tok), { c: room.room, tok: room.host_token });
  await page.goto(`${BASE_URL}/host/${room.room}`);
  await page.getByTestId('replay-panel').waitFor();
  await page.getByTestId('replay-step').waitFor();
}

/** A screenshot of the replay panel alone (the dashboard around it is long). */
async function panelShot(page, name) {
  await page.locator('#replay').screenshot({ path: path.join(SHOT_DIR, `${name}.png`) });
}

async function cursorOf(page) {
  return Number(await page.getByTestId('replay-step').getAttribute('data-cursor'));
}

async function totalOf(page) {
  return Number(await page.getByTestId('replay-step').getAttribute('data-total'));
}

/** Press "Volgende" until fn(page) holds (at most the number of steps). */
async function stepUntil(page, fn, what) {
  // (A button at its end is aria-disabled, which Playwright will not click.)
  if (await cursorOf(page) > 0) await page.getByTestId('replay-first').click();
  const total = await totalOf(page);
  for (let i = 0; i < total - 1; i += 1) {
    if (await fn(page)) return;
    await page.getByTestId('replay-next').click();
  }
  if (await fn(page)) return;
  throw new Error(`no step where ${what}`);
}

describe('looking back: replay, big screen and report', { timeout: 300000 }, () => {
  const problems = [];
  let browser;
  let bots;
  let room;
  let host; // the facilitator's page and context
  let screen; // the big screen: a second page of the same context

  before(async () => {
    browser = await launch();
    room = await createRoom(2);
    bots = (await newPage(browser, 'sockets', problems)).page;
    host = await newPage(browser, 'host', problems, { viewport: { width: 1280, height: 800 } });
  });

  after(async () => {
    if (browser) await browser.close();
  });

  it('a room with two tables plays into the debrief', async () => {
    await openAnsweredSockets(bots, room, ['Anna', 'Bram', 'Cas', 'Dewi', 'Eva', 'Fleur', 'Gijs', 'Hanna']);
    const res = await bots.evaluate(async ({ hidden, v1, v2, condition, objection, lesson }) => {
      const { host: h, send, byTable, next } = window.R;
      await send(h, { type: 'start' });
      await next(1); // discussion: values and questions
      const tables = byTable();
      const [, first] = tables[0];
      await send(first[0], { type: 'note', kind: 'value', text: hidden });
      for (const [k, ps] of tables) {
        for (const p of ps.slice(k === 1 ? 1 : 0)) await send(p, { type: 'note', kind: 'value', text: `Waarde van ${p.view.you.name}` });
      }
      await send(tables[1][1][0], { type: 'note', kind: 'question', text: 'Wie betaalt het onderhoud?' });
      // The facilitator hides table 1's first note.
      await send(h, { type: 'hide_note', table: 1, note: 0, hidden: true });
      await next(2); // discussion with an event card
      for (const [, ps] of byTable()) await send(ps[1], { type: 'note', kind: 'idea', text: 'Een haag tussen de baan en de speeltuin' });
      await next(3); // proposal: residents write, two versions per table
      for (const [, ps] of byTable()) {
        const writers = ps.filter((p) => (p.view.phase.proposers || []).includes(p.view.you.role));
        await send(writers[0], { type: 'propose', text: v1 });
        await send(writers[writers.length - 1], { type: 'propose', text: v2 });
      }
      await next(4); // vote
      for (const [k, ps] of byTable()) {
        for (let i = 0; i < ps.length; i += 1) {
          let msg = { type: 'vote', choice: 'support' };
          if (k === 1 && i === 0) msg = { type: 'vote', choice: 'support_if', condition };
          if (k === 1 && i === 1) msg = { type: 'vote', choice: 'object', reason: objection };
          await send(ps[i], msg);
        }
      }
      await next(5);
      await next(6);
      await next(7); // debrief: what do you take home?
      await send(byTable()[0][1][0], { type: 'note', kind: 'lesson', text: lesson });
      return { phase: h.view.phase.kind, tables: byTable().map(([k, ps]) => [k, ps.length]) };
    }, { hidden: HIDDEN, v1: V1, v2: V2, condition: CONDITION, objection: OBJECTION, lesson: LESSON });
    assert.equal(res.phase, 'debrief');
    assert.deepEqual(res.tables, [[1, 4], [2, 4]]);

    // The replay needs the host token.
    const anon = await fetch(`${BASE_URL}/api/rooms/${room.room}/replay.json`);
    assert.equal(anon.status, 401);
  });

  it('the host steps through a table, by button and by keyboard, and plays and pauses', async () => {
    const { page } = host;
    await openHost(page, room);
    assert.match(await page.locator('#replay-heading').textContent(), /Terugkijken/);
    // One table at first, at step 1.
    assert.equal(await page.getByTestId('replay-pick-1').isChecked(), true);
    assert.equal(await page.getByTestId('replay-pick-2').isChecked(), false);
    assert.equal(await cursorOf(page), 0);
    assert.match(await page.getByTestId('replay-step').textContent(), /^Stap 1 van \d+ · Ronde 1 van 8/);
    assert.equal(await page.getByTestId('replay-prev').getAttribute('aria-disabled'), 'true');
    const total = await totalOf(page);
    assert.ok(total > 10, `table 1 has many steps (${total})`);
    // The round opening: a divider with its kind in words.
    await page.locator('[data-testid="replay-current-1"][data-type="round"]').waitFor();

    // Buttons: next, next, previous.
    await page.getByTestId('replay-next').click();
    await page.getByTestId('replay-next').click();
    assert.equal(await cursorOf(page), 2);
    await page.getByTestId('replay-prev').click();
    assert.equal(await cursorOf(page), 1);
    // The timeline: the steps so far, newest last, the current one marked.
    const items = page.locator('[data-testid="replay-timeline-1"] > li');
    assert.equal(await items.count(), 2);
    assert.equal(await items.last().getAttribute('aria-current'), 'step');
    assert.equal(await items.first().getAttribute('aria-current'), null);

    // Keyboard: arrows, Home and End while focus is in the panel.
    await page.getByTestId('replay-stage').focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await cursorOf(page), 2);
    await page.keyboard.press('ArrowLeft');
    assert.equal(await cursorOf(page), 1);
    await page.keyboard.press('End');
    assert.equal(await cursorOf(page), total - 1);
    assert.equal(await page.getByTestId('replay-next').getAttribute('aria-disabled'), 'true');
    await page.keyboard.press('Home');
    assert.equal(await cursorOf(page), 0);
    // The buttons work from the keyboard too.
    await page.getByTestId('replay-next').focus();
    await page.keyboard.press('Enter');
    assert.equal(await cursorOf(page), 1);
    const ring = await page.getByTestId('replay-next').evaluate((el) => getComputedStyle(el).outlineStyle);
    assert.notEqual(ring, 'none', 'a visible focus ring');

    // The hidden note: the host sees it, marked in words.
    await stepUntil(page, async (p) => (await p.locator('[data-testid="replay-current-1"] [data-testid="replay-hidden"]').count()) > 0, 'the hidden note is current');
    const hidden = page.getByTestId('replay-current-1');
    assert.match(await hidden.textContent(), new RegExp(HIDDEN));
    assert.match(await hidden.textContent(), /Verborgen/);

    // Play: a step every 3 s by itself; "Pauze" stops it.
    await page.getByTestId('replay-first').click();
    await page.getByTestId('replay-play').click();
    await page.locator('[data-testid="replay-panel"][data-playing="true"]').waitFor();
    assert.match(await page.getByTestId('replay-play').textContent(), /Pauze/);
    await page.getByTestId('replay-playing').waitFor();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="replay-step"]').dataset.cursor) >= 1, null, { timeout: 8000 });
    await page.getByTestId('replay-play').click();
    await page.locator('[data-testid="replay-panel"][data-playing="false"]').waitFor();
    assert.match(await page.getByTestId('replay-play').textContent(), /Afspelen/);
    const paused = await cursorOf(page);
    await page.waitForTimeout(3500);
    assert.equal(await cursorOf(page), paused, 'paused: the replay stays');
  });

  it('a proposal version shows what changed, with <ins> and <del> and words', async () => {
    const { page } = host;
    await stepUntil(page, async (p) => (await p.locator('[data-testid="replay-current-1"][data-type="proposal"] ins').count()) > 0, 'version 2 is current');
    const cur = page.getByTestId('replay-current-1');
    assert.match(await cur.textContent(), /Versie 2 · \w+ \(inwoner\)/);
    assert.ok(await cur.locator('ins').count() >= 1, 'added text in <ins>');
    assert.ok(await cur.locator('del').count() >= 1, 'removed text in <del>');
    assert.match(await cur.locator('ins').first().textContent(), /^toegevoegd: \+/);
    assert.match(await cur.locator('del').first().textContent(), /^weggehaald: −/);
    assert.ok(await cur.locator('ins .diff-mark').first().isVisible(), 'a visible + marker');
    // The vote after it: outcome, counts, condition, objection and reasons in words.
    await stepUntil(page, async (p) => (await p.locator('[data-testid="replay-current-1"][data-type="vote"]').count()) > 0, 'the vote is current');
    const vote = page.getByTestId('replay-current-1');
    const text = await vote.textContent();
    assert.match(text, /gedragen besluit/i);
    assert.match(text, new RegExp(CONDITION));
    assert.match(text, new RegExp(OBJECTION));
    await vote.getByTestId('reasons').waitFor();
    assert.equal(await vote.locator('.counts li').count(), 4, 'a count per choice');
  });

  it('two tables side by side, and who was heard', async () => {
    const { page } = host;
    const before = await page.getByTestId('replay-current-1').getAttribute('data-type');
    await page.getByTestId('replay-pick-2').check();
    await page.getByTestId('replay-table-2').waitFor();
    // The same moment: table 1 still shows its vote.
    assert.equal(await page.getByTestId('replay-current-1').getAttribute('data-type'), before);
    const a = await page.getByTestId('replay-table-1').boundingBox();
    const b = await page.getByTestId('replay-table-2').boundingBox();
    assert.ok(Math.abs(a.y - b.y) < 2 && b.x > a.x + a.width - 2, 'side by side at 1280 px');
    assert.match(await page.getByTestId('replay-step').textContent(), /^Stap \d+ van \d+/);
    // Both tables at the moment table 1's second version came in.
    await stepUntil(page, async (p) => (await p.locator('[data-testid="replay-current-1"][data-type="proposal"] ins').count()) > 0, 'version 2 is current');
    await audit(page, 'host replay panel, two tables');
    await panelShot(page, 'replay-host-1280');
    await page.getByTestId('replay-last').click();
    // Who was heard: per table, role with icon and word.
    for (const k of [1, 2]) {
      const table = page.getByTestId(`heard-${k}`);
      await table.waitFor();
      assert.ok(await table.locator('tbody tr').count() >= 1);
      assert.match(await table.locator('thead').textContent(), /Mensen.*Notities.*Versies.*Steun.*Bezwaren/);
      assert.ok(await table.locator('tbody .badge-role svg').count() >= 1, 'roles with an icon');
    }
    // The printable report opens in a new tab.
    const link = page.getByTestId('replay-report');
    assert.equal(await link.getAttribute('href'), `/report/${room.room}`);
    assert.equal(await link.getAttribute('target'), '_blank');
    await audit(page, 'host replay panel, at the end');
    await shot(page, 'replay-host-1280-page');
  });

  it('the big screen (a tab of the same browser) shows the replay, never the hidden note', async () => {
    const { page, context } = host;
    screen = watch(await context.newPage(), 'screen', problems);
    await screen.setViewportSize({ width: 1920, height: 1080 });
    await screen.goto(`${BASE_URL}/screen/${room.room}`);
    await screen.locator('[data-testid="phase"][data-phase-kind="debrief"]').waitFor({ state: 'attached' });
    // Record everything posted on the channel.
    await screen.evaluate((c) => {
      window.replayLog = [];
      new BroadcastChannel(`democreatie-replay-${c}`).addEventListener('message', (ev) => window.replayLog.push(JSON.stringify(ev.data)));
    }, room.room);
    // The facilitator works on the host page (the tab in front); the screen is the other tab.
    await page.bringToFront();
    await page.getByTestId('replay-screen').check();
    await page.getByTestId('replay-screen-state').filter({ hasText: 'Het grote scherm toont nu het terugkijken' }).waitFor();
    await screen.getByTestId('screen-replay').waitFor();
    await screen.getByTestId('screen-replay-1').waitFor();
    await screen.getByTestId('screen-replay-2').waitFor();
    // Through every step: the host moves, the screen follows, the hidden note never shows.
    await page.getByTestId('replay-first').click();
    const total = await totalOf(page);
    let sawHiddenOnHost = false;
    for (let i = 0; i < total; i += 1) {
      const n = await cursorOf(page);
      const top = screen.getByTestId('replay-top');
      await top.waitFor();
      if (await page.locator('[data-testid="replay-current-1"] [data-testid="replay-hidden"]').count()) sawHiddenOnHost = true;
      const text = await screen.locator('body').textContent();
      assert.ok(!text.includes(HIDDEN), `step ${n + 1}: the screen shows the hidden note`);
      if (i < total - 1) {
        const posted = await screen.evaluate(() => window.replayLog.length);
        await page.getByTestId('replay-next').click();
        await screen.waitForFunction((m) => window.replayLog.length > m, posted, { timeout: 5000, polling: 50 });
      }
    }
    assert.ok(sawHiddenOnHost, 'the host passed the hidden note');
    const log = await screen.evaluate(() => window.replayLog);
    assert.ok(log.length >= total, 'every step was posted');
    assert.ok(log.every((m) => !m.includes(HIDDEN)), 'the hidden note is never posted to the screen');
    assert.ok(log.every((m) => !m.includes('"votes"')), 'nobody\'s vote is posted to the screen');

    // A step with a note, large: body text at least 28 px at 1920×1080.
    await stepUntil(page, async () => (await screen.locator('[data-testid="screen-replay-current-2"][data-type="note"]').count()) > 0, 'a note on the screen');
    const px = await screen.locator('[data-testid="screen-replay-current-2"] .replay-text').first().evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
    assert.ok(px >= 28, `the step's text is ${px}px (at least 28)`);
    const head = await screen.locator('[data-testid="screen-replay-2"] h2').evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
    assert.ok(head > px, 'headings are larger');
    // The vote step on the screen: outcome and reasons, no names.
    await stepUntil(page, async () => (await screen.locator('[data-testid="screen-replay-current-1"][data-type="vote"]').count()) > 0, 'the vote on the screen');
    const vote = screen.getByTestId('screen-replay-current-1');
    assert.match(await vote.textContent(), /gedragen besluit/i);
    assert.equal(await vote.locator('.vote-list').count(), 0, 'no one\'s vote on the screen');
    const fits = await screen.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight
      && document.documentElement.scrollWidth <= window.innerWidth);
    assert.ok(fits, 'the screen does not scroll');
    await audit(screen, 'big screen in replay mode');
    await shot(screen, 'replay-screen-1920');

    // Off: the normal screen comes back.
    await page.getByTestId('replay-screen').uncheck();
    await screen.getByTestId('screen-replay').waitFor({ state: 'detached' });
    await screen.locator('[data-testid="phase"][data-phase-kind="debrief"]').waitFor({ state: 'attached' });
  });

  it('the host panel works on a phone-width screen', async () => {
    const { page } = host;
    await page.setViewportSize({ width: 360, height: 740 });
    await page.getByTestId('replay-panel').scrollIntoViewIfNeeded();
    const a = await page.getByTestId('replay-table-1').boundingBox();
    const b = await page.getByTestId('replay-table-2').boundingBox();
    assert.ok(b.y >= a.y + a.height - 2, 'stacked at 360 px');
    await page.getByTestId('replay-prev').click();
    await panelShot(page, 'replay-host-360');
    await check320(page, 'host with the replay panel');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('the report to print: hidden note marked, reasons in words, no raw codes', async () => {
    const { context } = host;
    const report = watch(await context.newPage(), 'report', problems);
    await report.setViewportSize({ width: 1280, height: 800 });
    await report.goto(`${BASE_URL}/report/${room.room}`);
    await report.getByTestId('report').waitFor();
    assert.match(await report.title(), /Verslag/);
    const text = await report.evaluate(() => document.body.innerText);
    assert.deepEqual(RAW.filter((x) => text.includes(x)), [], 'no raw codes in the report');
    // The hidden note is there, marked.
    const note = report.locator('[data-testid="report-table-1"] .report-note[data-hidden="true"]');
    assert.equal(await note.count(), 1);
    assert.match(await note.textContent(), new RegExp(HIDDEN));
    assert.match(await note.textContent(), /verborgen door de spelleider/);
    // Reasons, condition and objection in words.
    const reasons = report.locator('[data-testid="report-table-1"] [data-testid="reasons"]').first();
    assert.match(await reasons.textContent(), /Waarom\?.*(stemden|stemmen)/s);
    assert.match(text, new RegExp(CONDITION));
    assert.match(text, new RegExp(OBJECTION));
    // The lesson under its own heading; start time; the rule in words.
    assert.match(await report.getByTestId('report-lessons-1').textContent(), new RegExp(LESSON));
    assert.match(await report.getByTestId('report-started').textContent(), /20\d\d/);
    assert.match(text, /Regel: breed gedragen/);
    // Print: the button calls window.print(); each table on its own page, no buttons.
    await report.evaluate(() => { window.print = () => { window.printed = true; }; });
    await report.getByTestId('report-print').click();
    assert.equal(await report.evaluate(() => window.printed), true);
    await report.emulateMedia({ media: 'print' });
    assert.equal(await report.getByTestId('report-table-2').evaluate((el) => getComputedStyle(el).breakBefore), 'page');
    assert.equal(await report.getByTestId('report-print').isVisible(), false, 'no buttons on paper');
    assert.equal(await report.locator('.site-header').isVisible(), false, 'no header on paper');
    await report.emulateMedia({ media: 'screen' });
    await audit(report, 'report page');
    await shot(report, 'replay-report-1280');
    // Without the host token the page says where to open it.
    const other = await newPage(browser, 'report-no-token', problems);
    await other.page.goto(`${BASE_URL}/report/${room.room}`);
    await other.page.locator('[data-testid="end-state"][data-state="notoken"]').waitFor();
    await other.context.close();
  });

  it('a secret ballot: the replay\'s vote step names nobody', async () => {
    const secret = await createRoom(1, { secret_ballot: true });
    const sockets = (await newPage(browser, 'sockets-secret', problems)).page;
    await openAnsweredSockets(sockets, secret, ['Iris', 'Joep', 'Kees']);
    await sockets.evaluate(async () => {
      const { host: h, send, players, next } = window.R;
      await send(h, { type: 'start' });
      await next(1);
      await next(2);
      await next(3);
      const writer = players.find((p) => (p.view.phase.proposers || []).includes(p.view.you.role)) || players[0];
      await send(writer, { type: 'propose', text: 'Een baan verder van de flat.' });
      await next(4);
      await send(players[0], { type: 'vote', choice: 'support' });
      await send(players[1], { type: 'vote', choice: 'object', reason: 'Te duur' });
      await send(players[2], { type: 'vote', choice: 'support' });
      await next(5);
      await next(6);
      await next(7);
    });
    const { page } = await newPage(browser, 'host-secret', problems, { viewport: { width: 1280, height: 800 } });
    await openHost(page, secret);
    await stepUntil(page, async (p) => (await p.locator('[data-testid="replay-current-1"][data-type="vote"]').count()) > 0, 'the vote is current');
    const vote = page.getByTestId('replay-current-1');
    const text = await vote.textContent();
    for (const name of ['Iris', 'Joep', 'Kees']) assert.ok(!text.includes(name), `the vote step names ${name}`);
    assert.equal(await vote.locator('.vote-list').count(), 0, 'no "who voted what"');
    assert.equal(await vote.locator('.decision-by-role').count(), 0, 'no counts per role');
    assert.match(text, /Te duur/, 'the objection stays, without a name');
    // Who was heard: support and objections are secret.
    assert.match(await page.getByTestId('heard-1').textContent(), /geheim/);
    await audit(page, 'host replay panel, secret ballot');
  });

  it('no page had an error, a dialog or a CSP violation', () => {
    assert.deepEqual(problems, []);
  });
});
