// The big screen (/screen/CODE) runs the room from the back wall (issue #12).
//
// Rooms of the built-in case `skatebaan` are made through the HTTP API with the room
// options screen_notes and auto_reveal. The facilitator and every participant are
// WebSockets in one extra page (as in budget.test.js); two big screens watch each room,
// at 1920×1080 and at 1280×720. For 1 table (4 people) and 4 tables (16 people), in the
// lobby, a discussion with notes, a vote, the reveal of a result and the debrief:
// - the page does not scroll, and no card hides content without saying so;
// - at 1920×1080 the body text (a note, a table line) is at least 32 px;
// - axe finds no WCAG 2.1 A/AA problem;
// - a screenshot screen-<tables>t-<width>-<phase>.png goes to SHOT_DIR.
// With 8 tables the screen pages through the tables by itself ("Tafels 1–4 van 8").

const { describe, it, before, after } = require('node:test');
const { assert, BASE_URL, launch, newPage, audit, shot, openAnsweredSockets } = require('./helpers');

const SIZES = [{ width: 1920, height: 1080 }, { width: 1280, height: 720 }];
const NAMES = ['Anna', 'Bram', 'Cas', 'Dewi', 'Eva', 'Fatima', 'Gijs', 'Henk', 'Ilse', 'Jayden', 'Karim', 'Lotte',
  'Mohamed', 'Noor', 'Olaf', 'Priya', 'Quinten', 'Roos', 'Sem', 'Tess', 'Umut', 'Vera', 'Wout', 'Yara'];
const VALUES = ['Een eigen plek voor jongeren', 'Rust in de avond voor de buren', 'Veilig spelen voor kleine kinderen',
  'Zuinig met belastinggeld', 'Jongeren beslissen echt mee', 'Een park dat goed onderhouden wordt',
  'Iedereen wordt gehoord, ook wie nu niet aan tafel zit', 'Licht en bankjes zodat meiden ook komen'];
const QUESTIONS = ['Wie betaalt het onderhoud na vijf jaar?', 'Kan de baan aan de andere kant van het park?',
  'Hoe lang duurt een onderzoek naar geluid?', 'Is er een sportfonds dat wil meebetalen?'];
const CONDITIONS = ['Geen lawaai na 21.00 uur', 'Het onderhoud is voor tien jaar geregeld', 'De speeltuin blijft even groot'];
const IDEAS = ['Een haag tussen de baan en de speeltuin', 'Jongeren maken een ploeg die de baan schoonhoudt'];

/** A room through the HTTP API. */
async function createRoom(tables, options = { screen_notes: true, auto_reveal: true }) {
  const res = await fetch(`${BASE_URL}/api/rooms`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ scenario: 'skatebaan', options: { tables, ...options } }),
  });
  assert.ok(res.ok, `POST /api/rooms answered ${res.status}`);
  const room = await res.json();
  assert.match(room.room, /^[A-Z]{5}$/);
  return room;
}

async function host(bots, msg) {
  await bots.evaluate((m) => window.R.send(window.R.host, m), msg);
}

/** Wait until every screen shows phase `index`. */
async function screensAt(screens, index) {
  for (const s of screens) await s.page.locator(`[data-testid="phase"][data-phase-index="${index}"]`).waitFor({ state: 'attached' });
}

/** No scroll (page and body) and no card that overflows its box. */
async function assertFits(page, label) {
  // A frame after the last state: the fitting runs in the same task as the render.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const r = await page.evaluate(() => {
    const de = document.documentElement;
    const over = [...document.querySelectorAll('.fit-box, [data-testid="stage"]')]
      .filter((el) => el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1)
      .map((el) => `${el.className}: ${el.scrollWidth}×${el.scrollHeight} in ${el.clientWidth}×${el.clientHeight}`);
    return {
      doc: de.scrollHeight, body: document.body.scrollHeight, width: de.scrollWidth, ih: window.innerHeight, iw: window.innerWidth, over,
    };
  });
  assert.ok(r.doc <= r.ih, `${label}: the page scrolls (${r.doc} > ${r.ih})`);
  assert.ok(r.body <= r.ih, `${label}: the body scrolls (${r.body} > ${r.ih})`);
  assert.ok(r.width <= r.iw, `${label}: the page scrolls sideways (${r.width} > ${r.iw})`);
  assert.deepEqual(r.over, [], `${label}: a box overflows`);
}

/** The computed font size of the first element matching `selector`, in px. */
async function fontPx(page, selector) {
  const el = page.locator(`${selector}:visible`).first();
  await el.waitFor();
  return el.evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
}

async function assertBig(page, selectors, label) {
  for (const sel of selectors) {
    const px = await fontPx(page, sel);
    assert.ok(px >= 32, `${label}: ${sel} is ${px}px at 1920×1080 (at least 32px)`);
  }
}

/** Per screen: fits, font size (1920 only), axe, screenshot. */
async function check(screens, tables, phase, bigText) {
  for (const s of screens) {
    const label = `${tables} table(s), ${s.size.width}×${s.size.height}, ${phase}`;
    await assertFits(s.page, label);
    if (s.size.width === 1920 && bigText) await assertBig(s.page, bigText, label);
    await audit(s.page, `screen (${label})`);
    await shot(s.page, `screen-${tables}t-${s.size.width}-${phase}`);
  }
}

/** Step through the reveals on every screen (the presenter's clicker: arrow right). */
async function clearReveals(screens) {
  for (const s of screens) {
    for (let i = 0; i < 12 && await s.page.getByTestId('reveal').count(); i += 1) {
      await s.page.keyboard.press('ArrowRight');
    }
    assert.equal(await s.page.getByTestId('reveal').count(), 0, 'the reveals end');
  }
}

function playRoom(T) {
  describe(`the big screen with ${T} table(s) of 4`, { timeout: 200000 }, () => {
    const problems = [];
    let browser;
    let bots;
    const screens = [];
    let room;
    // Per table, in seat order: the first vote. Table 2 objects twice (no decision) and
    // votes again later; the others reach a decision.
    const PLANS = [
      ['support', 'support_if', 'abstain', 'support'],
      ['support', 'object', 'object', 'support_if'],
      ['support', 'support_if', 'support', 'abstain'],
      ['support', 'support', 'support', 'support'],
    ];

    before(async () => {
      browser = await launch();
      room = await createRoom(T);
      bots = (await newPage(browser, 'sockets', problems)).page;
      for (const size of SIZES) {
        // A long interval keeps a reveal up while it is checked; arrow right moves on.
        const s = await newPage(browser, `screen-${size.width}`, problems, { viewport: size });
        s.size = size;
        await s.page.goto(`${BASE_URL}/screen/${room.room}?interval=120`);
        screens.push(s);
      }
    });

    after(async () => {
      if (browser) await browser.close();
    });

    it('lobby: the code, the address and the QR code, and names arriving live', async () => {
      for (const s of screens) await s.page.getByTestId('room-code').filter({ hasText: room.room }).waitFor();
      await openAnsweredSockets(bots, room, NAMES.slice(0, 4 * T));
      for (const s of screens) {
        await s.page.getByTestId('screen-count').filter({ hasText: String(4 * T) }).waitFor();
        assert.match(await s.page.getByTestId('join-address').textContent(), /\/join$/);
        assert.ok(await s.page.getByTestId('qr').evaluate((img) => img.complete && img.naturalWidth > 0), 'the QR code loads');
        // No site header and no language button on the big screen.
        assert.equal(await s.page.getByTestId('lang-switch').isVisible(), false, 'no language button');
        assert.equal(await s.page.locator('.brand').isVisible(), false, 'no site header');
      }
      await check(screens, T, 'lobby', ['.chip', '.screen-step']);
      // The F key (and the button) puts the page in full screen and back.
      const p = screens[0].page;
      assert.equal(await p.getByTestId('fullscreen').count(), 1);
      await p.keyboard.press('f');
      await p.waitForFunction(() => !!document.fullscreenElement);
      await p.keyboard.press('f');
      await p.waitForFunction(() => !document.fullscreenElement);
    });

    it('discussion: a live wall of notes per table, grouped by kind', async () => {
      await host(bots, { type: 'start' });
      await screensAt(screens, 0);
      // Briefing: the case and who is ready.
      await bots.evaluate(() => Promise.all(window.R.players.slice(0, 2).map((p) => window.R.send(p, { type: 'ready' }))));
      for (const s of screens) await s.page.locator('.screen-case h2').waitFor();
      await check(screens, T, 'briefing');
      await host(bots, { type: 'next' });
      await screensAt(screens, 1);
      const expected = await bots.evaluate(async ({ values, questions }) => {
        const out = {};
        let i = 0;
        for (const [k, ps] of window.R.byTable()) {
          out[k] = 0;
          for (const p of ps) {
            await window.R.send(p, { type: 'note', kind: 'value', text: values[i % values.length] });
            out[k] += 1;
            if (i % 2 === 0) {
              await window.R.send(p, { type: 'note', kind: 'question', text: questions[(i / 2) % questions.length] });
              out[k] += 1;
            }
            i += 1;
          }
        }
        return out;
      }, { values: VALUES, questions: QUESTIONS });
      for (const s of screens) {
        await s.page.waitForFunction((exp) => {
          const walls = [...document.querySelectorAll('[data-testid="wall"]')];
          return walls.length === Object.keys(exp).length
            && walls.every((w) => Number(w.dataset.total) === exp[w.closest('[data-table]').dataset.table]);
        }, expected);
        // Grouped by kind, said in words.
        assert.ok(await s.page.locator('.wall-group[data-kind="value"] .wall-kind').first().textContent(), 'a kind heading');
      }
      await check(screens, T, 'discussion', ['.wall-note']);

      // The clock at 0:00: red and "De tijd is om", and the round stays.
      const p = screens[0].page;
      await p.evaluate(() => {
        const el = document.querySelector('[data-testid="countdown"]');
        el.dataset.deadline = new Date(Date.now() - 1000).toISOString();
      });
      await p.locator('[data-testid="countdown"].is-over').waitFor();
      await p.getByTestId('time-up').filter({ hasText: 'De tijd is om' }).waitFor();
      const bg = await p.locator('[data-testid="countdown"]').evaluate((el) => getComputedStyle(el).backgroundColor);
      assert.notEqual(bg, 'rgb(255, 255, 255)', 'the clock changes colour at 0:00');
      assert.equal(await p.getByTestId('phase').getAttribute('data-phase-index'), '1', 'the screen does not move on by itself');
      await assertFits(p, 'time is up');
      await shot(p, `screen-${T}t-1920-timeup`);

      // Round 3: an event card per table, notes of other kinds.
      await host(bots, { type: 'next' });
      await screensAt(screens, 2);
      await bots.evaluate(async ({ conditions, ideas }) => {
        let i = 0;
        for (const [, ps] of window.R.byTable()) {
          for (const p of ps.slice(0, 3)) {
            await window.R.send(p, { type: 'note', kind: i % 2 ? 'idea' : 'condition', text: i % 2 ? ideas[i % ideas.length] : conditions[i % conditions.length] });
            i += 1;
          }
        }
      }, { conditions: CONDITIONS, ideas: IDEAS });
      for (const s of screens) {
        await s.page.locator('[data-testid="event-card"]').nth(T - 1).waitFor();
        await s.page.waitForFunction((n) => [...document.querySelectorAll('[data-testid="wall"]')].filter((w) => w.dataset.total === '3').length === n, T);
        await assertFits(s.page, `${T} tables, event round`);
        await shot(s.page, `screen-${T}t-${s.size.width}-event`);
      }
    });

    it('vote: per table how many voted, never what', async () => {
      await host(bots, { type: 'next' });
      await screensAt(screens, 3);
      // Proposal round: a resident per table writes the proposal.
      await bots.evaluate(async () => {
        for (const [k, ps] of window.R.byTable()) {
          const writer = ps.find((p) => (p.view.phase.proposers || []).includes(p.view.you.role)) || ps[0];
          await window.R.send(writer, { type: 'propose', text: `Tafel ${k}: een nieuwe skatebaan aan de andere kant van het park, met licht tot 22.00 uur en bankjes. De jongeren ontwerpen mee; de gemeente regelt het onderhoud voor tien jaar.` });
        }
      });
      for (const s of screens) {
        await s.page.getByTestId('proposal').nth(T - 1).waitFor();
        await assertFits(s.page, `${T} tables, proposal`);
        await shot(s.page, `screen-${T}t-${s.size.width}-proposal`);
      }
      await host(bots, { type: 'next' });
      await screensAt(screens, 4);
      // Everyone but the last at each table votes.
      await bots.evaluate(async (plans) => {
        for (const [k, ps] of window.R.byTable()) {
          const plan = plans[(k - 1) % plans.length];
          for (let i = 0; i < ps.length - 1; i += 1) {
            const choice = plan[i];
            const msg = { type: 'vote', choice };
            if (choice === 'support_if') msg.condition = 'Als het onderhoud voor tien jaar geregeld is en de buren eerst gehoord zijn';
            if (choice === 'object') msg.reason = 'Te veel lawaai voor de flat naast het park';
            await window.R.send(ps[i], msg);
          }
        }
      }, PLANS);
      for (const s of screens) {
        await s.page.waitForFunction((n) => [...document.querySelectorAll('[data-testid="voted-count"]')]
          .filter((el) => /3 van 4/.test(el.textContent)).length === n, T);
        const text = await s.page.getByTestId('stage').textContent();
        assert.ok(!/Bezwaar|Ja, mits|Onthouding/.test(text), 'the screen shows no choice while the vote is open');
      }
      await check(screens, T, 'vote', ['.screen-table-count', '.screen-people li']);
    });

    it('reveal: a full-screen result with counts, per-role bars, conditions, objections and reasons', async () => {
      // The last vote at each table tallies it (auto_reveal): table 2 (no decision) first.
      await bots.evaluate(async (plans) => {
        const tables = window.R.byTable();
        const order = [...tables.filter(([k]) => k === 2), ...tables.filter(([k]) => k !== 2)];
        for (const [k, ps] of order) {
          const plan = plans[(k - 1) % plans.length];
          const choice = plan[ps.length - 1];
          const msg = { type: 'vote', choice };
          if (choice === 'support_if') msg.condition = 'Als er ook een avond voor de buren komt';
          if (choice === 'object') msg.reason = 'Het kost te veel van het parkbudget';
          await window.R.send(ps[ps.length - 1], msg);
        }
      }, PLANS);
      const first = T >= 2 ? 2 : 1;
      for (const s of screens) {
        const reveal = s.page.locator(`[data-testid="reveal"][data-table="${first}"]`);
        await reveal.waitFor();
        await reveal.getByTestId('reasons').waitFor();
        await reveal.getByTestId('chart').waitFor();
        // Abstentions are counted as abstentions, in words.
        assert.equal(await reveal.locator('.screen-counts [data-choice="abstain"] .screen-count-word').count(), 1);
        if (first === 2) {
          assert.match(await reveal.textContent(), /Geen gedragen besluit/);
          assert.match(await reveal.textContent(), /Bezwaren/);
        }
      }
      await check(screens, T, 'reveal', ['.screen-reasons .reason', '.screen-counts li']);
      await clearReveals(screens);
      // After the reveals: each table's result in its card.
      for (const s of screens) await s.page.getByTestId(`decision-${T}`).waitFor();
      await assertFits(screens[0].page, `${T} tables, vote after the reveals`);
      await shot(screens[0].page, `screen-${T}t-1920-vote-results`);
    });

    it('debrief: every decision side by side', async () => {
      await host(bots, { type: 'next' });
      await screensAt(screens, 5);
      // Table 2 changes its proposal and votes again.
      const again = await bots.evaluate(async () => {
        const left = window.R.byTable().filter(([, ps]) => ps[0].view.tables.find((tb) => tb.table === ps[0].view.you.table).decision.reached === false);
        for (const [k, ps] of left) await window.R.send(ps[0], { type: 'propose', text: `Tafel ${k}: de baan komt verder van de flat, en na 21.00 uur is het stil.` });
        return left.map(([k]) => k);
      });
      await host(bots, { type: 'next' });
      await screensAt(screens, 6);
      await bots.evaluate(async (tables) => {
        for (const [k, ps] of window.R.byTable()) {
          if (!tables.includes(k)) continue;
          for (const p of ps) await window.R.send(p, { type: 'vote', choice: 'support' });
        }
      }, again);
      if (again.length) {
        for (const s of screens) await s.page.locator(`[data-testid="reveal"][data-table="${again[0]}"]`).waitFor();
      }
      await clearReveals(screens);
      await host(bots, { type: 'next' });
      await screensAt(screens, 7);
      for (const s of screens) {
        for (let k = 1; k <= T; k += 1) await s.page.getByTestId(`decision-${k}`).waitFor();
      }
      await check(screens, T, 'debrief', ['.screen-verdict', '.screen-counts li']);
      await host(bots, { type: 'next' });
      for (const s of screens) await s.page.locator('[data-testid="phase"][data-phase-kind="finished"]').waitFor();
      await assertFits(screens[0].page, `${T} tables, finished`);
      await shot(screens[0].page, `screen-${T}t-1920-finished`);
    });

    it('no page had an error, a dialog or a CSP violation', () => {
      assert.deepEqual(problems, []);
    });
  });
}

playRoom(1);
playRoom(4);

describe('the big screen with 8 tables pages through them', { timeout: 120000 }, () => {
  const problems = [];
  let browser;

  before(async () => {
    browser = await launch();
  });

  after(async () => {
    if (browser) await browser.close();
  });

  it('shows "Tafels 1–4 van 8", then tables 5 to 8, without scrolling', async () => {
    const room = await createRoom(8);
    const bots = (await newPage(browser, 'sockets', problems)).page;
    const { page } = await newPage(browser, 'screen-8', problems, { viewport: SIZES[0] });
    await page.goto(`${BASE_URL}/screen/${room.room}?interval=3`);
    await openAnsweredSockets(bots, room, NAMES.slice(0, 24));
    await page.getByTestId('screen-count').filter({ hasText: '24' }).waitFor();
    await host(bots, { type: 'start' });
    await page.locator('[data-testid="phase"][data-phase-index="0"]').waitFor({ state: 'attached' });
    const label = page.getByTestId('page-label');
    await label.filter({ hasText: /Tafels 1–4 van 8/ }).waitFor();
    assert.equal(await page.getByTestId('screen-table-5').count(), 0, 'table 5 is on the next page');
    await assertFits(page, '8 tables, page 1');
    await audit(page, 'screen with 8 tables');
    await shot(page, 'screen-8t-1920-page1');
    await page.getByTestId('screen-table-5').waitFor({ timeout: 8000 });
    assert.match(await label.textContent(), /Tafels 5–8 van 8/);
    await assertFits(page, '8 tables, page 2');
    await shot(page, 'screen-8t-1920-page2');
    assert.deepEqual(problems, []);
  });
});

describe('without screen_notes and with a secret ballot', { timeout: 120000 }, () => {
  const problems = [];
  let browser;

  before(async () => {
    browser = await launch();
  });

  after(async () => {
    if (browser) await browser.close();
  });

  it('shows who sits where, that a proposal is written, how many voted, and a result without per-role bars', async () => {
    const room = await createRoom(1, { secret_ballot: true, auto_reveal: true });
    const bots = (await newPage(browser, 'sockets', problems)).page;
    const { page } = await newPage(browser, 'screen-secret', problems, { viewport: SIZES[0] });
    await page.goto(`${BASE_URL}/screen/${room.room}?interval=120`);
    await openAnsweredSockets(bots, room, NAMES.slice(0, 4));
    await page.getByTestId('screen-count').filter({ hasText: '4' }).waitFor();
    await host(bots, { type: 'start' });
    await host(bots, { type: 'next' });
    await page.locator('[data-testid="phase"][data-phase-index="1"]').waitFor({ state: 'attached' });
    await bots.evaluate(() => window.R.send(window.R.players[0], { type: 'note', kind: 'value', text: 'Een geheime notitie' }));
    // No notes reach the screen: no wall, no counts; who sits there and what to do.
    await page.locator('.screen-guide').filter({ hasText: 'Praat aan tafel' }).waitFor();
    assert.equal(await page.getByTestId('wall').count(), 0);
    assert.ok(!(await page.getByTestId('stage').textContent()).includes('Een geheime notitie'));
    await assertFits(page, 'no screen_notes, discussion');
    await assertBig(page, ['.screen-people li'], 'no screen_notes, discussion');
    await audit(page, 'screen without notes');
    await shot(page, 'screen-1t-1920-discussion-nonotes');
    for (let i = 2; i <= 3; i += 1) {
      await host(bots, { type: 'next' });
      await page.locator(`[data-testid="phase"][data-phase-index="${i}"]`).waitFor({ state: 'attached' });
    }
    await page.getByTestId('writing').filter({ hasText: 'Tafel 1 schrijft een voorstel' }).waitFor();
    await bots.evaluate(async () => {
      const writer = window.R.players.find((p) => (p.view.phase.proposers || []).includes(p.view.you.role)) || window.R.players[0];
      await window.R.send(writer, { type: 'propose', text: 'Een nieuwe baan, verder van de flat.' });
    });
    await host(bots, { type: 'next' });
    await page.locator('[data-testid="phase"][data-phase-index="4"]').waitFor({ state: 'attached' });
    await bots.evaluate(async () => {
      for (const p of window.R.players.slice(0, 3)) await window.R.send(p, { type: 'vote', choice: 'support' });
    });
    await page.getByTestId('voted-count').filter({ hasText: 'Gestemd: 3 van 4' }).waitFor();
    assert.equal(await page.locator('.badge-done').count(), 0, 'the screen does not show who voted');
    await bots.evaluate(() => window.R.send(window.R.players[3], { type: 'vote', choice: 'abstain' }));
    const reveal = page.getByTestId('reveal');
    await reveal.waitFor();
    assert.equal(await reveal.getByTestId('chart').count(), 0, 'no per-role bars under a secret ballot');
    assert.equal((await reveal.locator('[data-choice="abstain"] .screen-count-n').textContent()).trim(), '1');
    await assertFits(page, 'secret ballot, reveal');
    await audit(page, 'screen reveal under a secret ballot');
    await shot(page, 'screen-1t-1920-reveal-secret');
    assert.deepEqual(problems, []);
  });
});
