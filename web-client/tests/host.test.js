// The facilitator's page (PROTOCOL.md, version 2): the room options the setup sends,
// the host link that moves the dashboard to another device (its token never in a
// request URL), "show the result" per table and for the whole round, and the
// "not everyone voted yet" question before the next round.
//
// One room of the built-in case `skatebaan` with two tables of three: the
// participants are WebSockets in one extra page (as in budget.test.js); a `watch`
// socket there plays the big screen. A second room (`wijkbudget`) checks that the
// same "show result" button counts a budget round.

const { describe, it, before, after } = require('node:test');
const {
  assert, BASE_URL, launch, newPage, audit, shot, check320, waitPhase, phaseOf,
} = require('./helpers');

/** Record every request and WebSocket URL and every console line of a page. */
function recordTraffic(page, log) {
  page.on('request', (r) => log.push(r.url()));
  page.on('websocket', (ws) => log.push(ws.url()));
  page.on('console', (m) => log.push(`console: ${m.text()}`));
}

/** In the bots page: open `n` participant sockets (window.bots) and one watch socket (window.watcher). */
async function joinBots(page, room, names) {
  await page.goto(`${BASE_URL}/`);
  await page.evaluate(async ({ room: code, names: people }) => {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
    const open = (first, onView) => new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const s = { ws, view: null, errors: [] };
      let id = 1;
      s.send = (msg) => ws.send(JSON.stringify({ ...msg, id: id++ }));
      ws.onmessage = (e) => {
        const m = JSON.parse(e.data);
        if (m.type === 'hello') ws.send(JSON.stringify(first));
        else if (m.type === 'welcome') resolve(s);
        else if (m.type === 'state') { s.view = m.view; if (onView) onView(m.view); }
        else if (m.type === 'error') { s.errors.push(m.code); if (!s.view) reject(new Error(m.message)); }
      };
      ws.onerror = () => reject(new Error('a socket failed'));
    });
    window.bots = await Promise.all(people.map((name) => open({ type: 'join', room: code, name })));
    window.watcher = await open({ type: 'watch', room: code });
  }, { room, names });
}

/** In the bots page: wait until fn(arg) is true (a function: the page's CSP forbids eval). */
async function until(page, fn, arg, what) {
  await page.waitForFunction(fn, arg, { timeout: 20000 }).catch((err) => { throw new Error(`timed out: ${what} (${err.message.split('\n')[0]})`); });
}

describe('the facilitator page', { timeout: 600000 }, () => {
  const problems = [];
  let browser;
  let first; // the device that made the room
  let second; // the device that continues through the host link
  let bots;
  let code;
  let token;
  const traffic = { first: [], second: [] };

  before(async () => {
    browser = await launch();
    first = await newPage(browser, 'host-first', problems, { viewport: { width: 1280, height: 900 } });
    second = await newPage(browser, 'host-second', problems, { viewport: { width: 1280, height: 900 } });
    bots = await newPage(browser, 'bots', problems);
    recordTraffic(first.page, traffic.first);
    recordTraffic(second.page, traffic.second);
  });

  after(async () => {
    if (browser) await browser.close();
  });

  async function hostPhase() {
    return phaseOf(second.page);
  }

  /** Press "next" on the second device and wait for the next round. */
  async function next() {
    const ph = await hostPhase();
    await second.page.getByTestId('host-next').click();
    await waitPhase(second.page, ph.index + 1);
    return hostPhase();
  }

  it('the setup offers the new options, in plain words, and sends them', { timeout: 120000 }, async () => {
    const { page } = first;
    await page.goto(`${BASE_URL}/host`);
    // The secret ballot follows the chosen case: buurtbudget votes in secret, skatebaan not.
    await page.getByTestId('scenario-buurtbudget').check();
    await page.locator('[data-testid="opt-secret"]:checked').waitFor();
    assert.match(await page.locator('#opt-secret-hint').textContent(), /Deze casus stemt normaal geheim/);
    await page.getByTestId('scenario-skatebaan').check();
    await page.locator('#opt-secret-hint', { hasText: 'Deze casus stemt normaal open' }).waitFor();
    await page.getByTestId('scenario-details').waitFor();
    assert.equal(await page.getByTestId('opt-screen-notes').isChecked(), true, 'notes on the big screen: on by default');
    assert.equal(await page.getByTestId('opt-auto-reveal').isChecked(), true, 'show a table\'s result at once: on by default');
    assert.equal(await page.getByTestId('opt-secret').isChecked(), false, 'secret ballot follows the case (skatebaan: open)');
    assert.equal(await page.getByTestId('opt-auto').isChecked(), false, 'automatic advance: off by default');
    assert.match(await page.locator('#opt-secret-hint').textContent(), /Niemand ziet wie wat heeft gestemd/);
    // Keyboard: the checkbox toggles with the space bar, and back.
    await page.getByTestId('opt-secret').focus();
    await page.keyboard.press('Space');
    assert.equal(await page.getByTestId('opt-secret').isChecked(), true);
    await page.keyboard.press('Space');
    assert.equal(await page.getByTestId('opt-secret').isChecked(), false);
    await page.getByTestId('opt-tables').selectOption('2');
    await audit(page, 'host setup with the room options');
    await check320(page, 'host setup with the room options');
    await shot(page, 'host-1-setup-options');

    const posted = page.waitForRequest((r) => r.url().endsWith('/api/rooms') && r.method() === 'POST');
    await page.getByTestId('host-create').click();
    const body = (await posted).postDataJSON();
    // The secret ballot was changed (and changed back) above, so it is sent as chosen;
    // untouched, it is left out and the case decides.
    assert.deepEqual(body.options, {
      perspective_swap: true, auto_advance: false, screen_notes: true, auto_reveal: true, secret_ballot: false, tables: 2,
    }, 'the options as sent');
    await page.waitForURL(/\/host\?room=[A-Z]{5}$/);
    code = new URL(page.url()).searchParams.get('room');
    await page.getByTestId('room-code').filter({ hasText: code }).waitFor();
    token = await page.evaluate((c) => localStorage.getItem(`democreatie.host.${c}`), code);
    assert.ok(token && token.length >= 16, 'the host token is stored');
    // The short address to type the code at, next to the code.
    assert.match(await page.getByTestId('short-url').textContent(), new RegExp(`${new URL(BASE_URL).host.replace(/\./g, '\\.')}/join`));
  });

  it('the host link moves the dashboard to another device, its token in no request URL', { timeout: 120000 }, async () => {
    const { page } = first;
    const section = page.getByTestId('host-link-section');
    assert.equal(await section.evaluate((d) => d.open), false, 'closed by default');
    assert.equal(await page.getByTestId('host-qr').count(), 0, 'the QR code is not fetched before the section opens');
    // Open it by keyboard.
    await page.getByTestId('host-link-summary').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('host-qr').waitFor();
    await page.waitForFunction(() => {
      const img = document.querySelector('[data-testid="host-qr"]');
      return img && img.complete && img.naturalWidth > 0;
    });
    assert.match(await page.getByTestId('host-qr').getAttribute('src'), /^data:image\/svg\+xml/);
    assert.ok((await page.getByTestId('host-qr').getAttribute('alt')).length > 10, 'the QR code has alt text');
    assert.match(await page.getByTestId('host-link-warning').textContent(), /Wie deze link heeft, kan het spel leiden/);
    const link = (await page.getByTestId('host-link').textContent()).trim();
    assert.equal(link, `${BASE_URL}/host/${code}#key=${encodeURIComponent(token)}`);
    await audit(page, 'host dashboard with the host link open');
    await check320(page, 'host dashboard with the host link open');
    await shot(page, 'host-2-link-open');

    // A second device (a new browser context: no shared storage) opens the link.
    const { page: p2 } = second;
    await p2.goto(link);
    await p2.getByTestId('room-code').filter({ hasText: code }).waitFor();
    await p2.getByTestId('host-start').waitFor();
    assert.equal(p2.url(), `${BASE_URL}/host/${code}`, 'the fragment is gone from the address bar');
    assert.equal(await p2.evaluate(() => location.hash), '');
    assert.equal(await p2.evaluate((c) => localStorage.getItem(`democreatie.host.${c}`), code), token, 'the token is kept for a reload');
    // The first device says it was replaced.
    await page.locator('[data-testid="end-state"][data-state="replaced"]').waitFor();
    await audit(page, 'host replaced by another device');
    await shot(page, 'host-3-replaced');
    // A reload of the second device resumes without the fragment.
    await p2.reload();
    await p2.getByTestId('host-start').waitFor();
    await check320(p2, 'host dashboard in the lobby');

    const enc = encodeURIComponent(token);
    for (const [label, log] of Object.entries(traffic)) {
      assert.ok(log.length > 5, `${label}: requests were recorded`);
      const leaks = log.filter((u) => u.includes(token) || u.includes(enc));
      assert.deepEqual(leaks, [], `${label}: the host token appears in a request URL or the console`);
    }
  });

  it('with screen_notes the big screen sees the notes of every table', { timeout: 120000 }, async () => {
    await joinBots(bots.page, code, ['Ada', 'Bas', 'Cor', 'Dirk', 'Eva', 'Fleur']);
    await second.page.getByTestId('lobby-player').nth(5).waitFor();
    await second.page.getByTestId('host-start').click();
    await waitPhase(second.page, 0);
    const ph = await next();
    assert.equal(ph.kind, 'discussion');
    await until(bots.page, (i) => window.bots.every((b) => b.view && b.view.phase.index === i && b.view.you.table), ph.index, 'bots seated');
    const tables = await bots.page.evaluate(() => window.bots.map((b) => b.view.you.table));
    assert.deepEqual([...new Set(tables)].sort(), [1, 2], 'two tables');
    await bots.page.evaluate(() => {
      const b = window.bots[0];
      b.send({ type: 'note', kind: b.view.phase.notes[0], text: 'Een plek voor alle leeftijden' });
    });
    await until(bots.page, (text) => (window.watcher.view.tables || []).some((t) => (t.notes || []).some((n) => n.text === text)),
      'Een plek voor alle leeftijden', 'the watch socket sees the note');
  });

  it('a table\'s result is shown on its own; "next" asks first while people still vote', { timeout: 240000 }, async () => {
    const { page } = second;
    let ph = await hostPhase();
    while (ph.kind !== 'proposal') ph = await next();
    // One resident per table writes the proposal (the others may not: their error is ignored).
    await until(bots.page, (i) => window.bots.every((b) => b.view.phase.index === i), ph.index, 'bots in the proposal round');
    await bots.page.evaluate(() => {
      for (const b of window.bots) b.send({ type: 'propose', text: `Een skatebaan aan de rand van het park (tafel ${b.view.you.table}).` });
    });
    await until(bots.page, () => window.bots.every((b) => b.view.tables.find((t) => t.table === b.view.you.table).proposal), null, 'both tables have a proposal');
    ph = await next();
    assert.equal(ph.kind, 'vote');
    await until(bots.page, (i) => window.bots.every((b) => b.view.phase.index === i), ph.index, 'bots in the vote round');
    const seats = await bots.page.evaluate(() => window.bots.map((b) => b.view.you.table));
    const at = (k) => seats.map((tb, i) => (tb === k ? i : -1)).filter((i) => i >= 0);
    const vote = (indices) => bots.page.evaluate((ix) => { for (const i of ix) window.bots[i].send({ type: 'vote', choice: 'support' }); }, indices);

    // Table 1: one of three votes; the facilitator shows its result now (by keyboard).
    await vote([at(1)[0]]);
    await page.getByTestId('table-1').getByText(/1\s*van\s*3/).waitFor();
    await page.getByTestId('reveal-table-1').focus();
    await page.keyboard.press('Enter');
    const t1 = page.getByTestId('table-1');
    await t1.getByTestId('decision').waitFor();
    await t1.getByTestId('reasons').waitFor();
    assert.ok(await t1.getByTestId('reasons').locator('li').count() >= 2, 'the reasons are listed');
    assert.match(await t1.getByTestId('reasons').textContent(), /Er (hebben|heeft)|stem/i);
    assert.equal((await hostPhase()).kind, 'vote', 'the round stays open');
    await page.locator('[data-testid="table-vote-state-1"][data-state="revealed"]').waitFor();
    assert.equal(await page.getByTestId('reveal-table-1').count(), 0, 'no second reveal for table 1');
    assert.equal(await page.getByTestId('reveal-table-2').count(), 1, 'table 2 still votes');
    assert.equal(await page.getByTestId('host-reveal').count(), 1, '"show result" for the round is offered');

    // Table 2: two of three vote; "next" asks first.
    await vote(at(2).slice(0, 2));
    await page.getByTestId('table-2').getByText(/2\s*van\s*3/).waitFor();
    await audit(page, 'host dashboard in the vote round');
    await check320(page, 'host dashboard in the vote round');
    await shot(page, 'host-4-vote-revealed-table-1');
    await page.getByTestId('host-next').click();
    const q = page.getByTestId('next-confirm');
    await q.waitFor();
    assert.match(await q.textContent(), /Nog niet iedereen heeft gestemd \(2 van 3\)\. Toch naar de volgende ronde\?/);
    assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'next-q', 'the question has the focus');
    await audit(page, 'host dashboard asking before the next round');
    await shot(page, 'host-5-next-confirm');
    await page.getByTestId('host-next-cancel').click();
    await page.getByTestId('host-next').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.dataset.testid), 'host-next', 'cancel puts the focus back');
    assert.equal((await hostPhase()).index, ph.index, 'cancel keeps the round');

    // The last vote at table 2 tallies it at once (auto_reveal).
    await vote([at(2)[2]]);
    const t2 = page.getByTestId('table-2');
    await t2.getByTestId('decision').waitFor();
    await t2.getByTestId('reasons').waitFor();
    assert.equal(await t2.getByTestId('decision').getAttribute('data-reached'), 'true', 'three supporters of three: reached');
    assert.equal((await hostPhase()).kind, 'vote', 'the round stays open');
    await page.getByTestId('host-reveal').waitFor({ state: 'detached' });
    await shot(page, 'host-6-vote-all-revealed');
    // Nobody left to vote: "next" goes on at once.
    await page.getByTestId('host-next').click();
    await waitPhase(page, ph.index + 1);
    assert.equal(await page.getByTestId('next-confirm').count(), 0);
  });

  it('"next" after confirming moves on while someone has not voted', { timeout: 180000 }, async () => {
    const { page } = second;
    let ph = await hostPhase();
    while (ph.kind !== 'vote') ph = await next();
    // Table 2 decided, so only table 1 votes; one of its three votes.
    await page.locator('[data-testid="table-vote-state-2"][data-state="decided"]').waitFor();
    await until(bots.page, (i) => window.bots.every((b) => b.view.phase.index === i), ph.index, 'bots in the second vote round');
    await bots.page.evaluate(() => {
      const b = window.bots.find((x) => x.view.you.table === 1);
      b.send({ type: 'vote', choice: 'support' });
    });
    await page.getByTestId('table-1').getByText(/1\s*van\s*3/).waitFor();
    await page.getByTestId('host-next').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('next-confirm').getByText(/1 van 3/).waitFor();
    await page.getByTestId('host-next-confirm').click();
    await waitPhase(page, ph.index + 1);
    // The vote was tallied on the way out: table 1 shows its (second) decision.
    await page.getByTestId('table-1').getByTestId('reasons').waitFor();
    await audit(page, 'host dashboard after the second vote');
    await shot(page, 'host-7-after-second-vote');
  });

  it('in a budget round "show result" counts the ballots and the round stays open', { timeout: 180000 }, async () => {
    const res = await fetch(`${BASE_URL}/api/rooms`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ scenario: 'wijkbudget', options: { tables: 1 } }),
    });
    assert.equal(res.status, 201);
    const { room, host_token: key } = await res.json();
    const host = await newPage(browser, 'budget-host', problems, { viewport: { width: 1280, height: 900 } });
    const log = [];
    recordTraffic(host.page, log);
    // Straight to the host link: this context never had the token.
    await host.page.goto(`${BASE_URL}/host/${room}#key=${encodeURIComponent(key)}`);
    await host.page.getByTestId('host-start').waitFor();
    await joinBots(bots.page, room, ['Gijs', 'Hanna', 'Ilse']);
    await host.page.getByTestId('lobby-player').nth(2).waitFor();
    await host.page.getByTestId('host-start').click();
    await waitPhase(host.page, 0);
    let ph = await phaseOf(host.page);
    while (ph.kind !== 'budget') {
      await host.page.getByTestId('host-next').click();
      await waitPhase(host.page, ph.index + 1);
      ph = await phaseOf(host.page);
    }
    await until(bots.page, () => window.bots.every((b) => b.view.phase.kind === 'budget'), null, 'bots in the budget round');
    await bots.page.evaluate(() => { for (const b of window.bots) b.send({ type: 'approve', projects: ['speeltuin', 'bankjes'] }); });
    await host.page.getByTestId('ballots-sent').filter({ hasText: /3\s*van de\s*3/ }).waitFor();
    await host.page.getByTestId('host-reveal').click();
    await host.page.getByTestId('budget-result').waitFor();
    assert.equal((await phaseOf(host.page)).kind, 'budget', 'the round stays open');
    await host.page.getByTestId('host-reveal').waitFor({ state: 'detached' });
    await host.page.getByTestId('ballots-counted').waitFor();
    await audit(host.page, 'host dashboard after counting the budget round');
    await shot(host.page, 'host-8-budget-counted');
    assert.deepEqual(log.filter((u) => u.includes(key) || u.includes(encodeURIComponent(key))), [], 'no request URL carries the token');
    await host.context.close();
  });

  it('no page had an error, a dialog or a CSP violation', () => {
    assert.deepEqual(problems, []);
  });
});
