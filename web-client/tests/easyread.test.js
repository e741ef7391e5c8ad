// Easy read, keyboard only and screen readers (issue #17). One real phone per room at
// 320×568; the facilitator and the other participants are WebSockets in one extra page
// (as in phone.test.js).
//
// (a) A `skatebaan` room made with the option `easy_read` is played through the briefing,
//     a discussion (a note), a proposal, a vote and the debrief by a participant who only
//     uses the keyboard (Tab, Shift+Tab, Enter, Space, arrow keys, typing; no clicks).
//     Every screen is in easy-read mode: no countdown digits but a progress bar with
//     words, a pictogram next to every round kind, action, note kind and vote choice,
//     "Lees voor" on the instructions, the case, the event card, the notes and the
//     proposal; the card, the case and the table behind one button each, with one way
//     back. Focus goes to the new round's title when a round starts.
// (b) In a normal room the switch "Makkelijk lezen" on the join form and in the game
//     turns easy read on and off, by keyboard, and this phone remembers it.
// (c) A burst of 10 notes from others is said once ("10 nieuwe notities aan je tafel."),
//     not as 10 announcements.
// axe finds nothing on every screen. Screenshots: easy-*.png.

const { describe, it, before, after } = require('node:test');
const {
  assert, BASE_URL, launch, newPage, newPhone, audit, shot, waitPhase,
  createRoom, openSockets, hostSends, botsPlay,
} = require('./helpers');

const SIZE = { width: 320, height: 568 };
const BOTS = ['Bo', 'Cas', 'Dewi'];

/** The bots write `n` notes between them, as fast as they can. */
async function botsWriteNotes(page, room, n) {
  await page.evaluate(({ room: code, n: count }) => {
    const ps = window.R[code].players;
    for (let i = 0; i < count; i += 1) {
      const p = ps[i % ps.length];
      const kind = (p.view.phase.notes && p.view.phase.notes[0]) || 'idea';
      p.send({ type: 'note', kind, text: `Notitie ${i + 1} van ${['Bo', 'Cas', 'Dewi'][i % ps.length]}` });
    }
  }, { room, n });
}

/** What has focus: its data-testid, or its id. */
async function focused(page) {
  return page.evaluate(() => {
    const a = document.activeElement;
    if (!a || a === document.body) return null;
    return a.getAttribute('data-testid') || (a.id ? `#${a.id}` : a.tagName.toLowerCase());
  });
}

/**
 * Press Tab (or Shift+Tab) until the element `target` (a data-testid, or '#id') has focus,
 * as a keyboard user would; fails after `max` presses. Then the focus must be visible: an
 * outline of at least 2 px on the element or on the option (label) that holds it.
 */
async function tabTo(page, target, { back = false, max = 60 } = {}) {
  const seen = [];
  for (let i = 0; i <= max; i += 1) {
    const at = await focused(page);
    if (at === target) {
      const ring = await page.evaluate(() => {
        const a = document.activeElement;
        const el = a.closest('.option') && a.matches('input') ? a.closest('.option') : a;
        const cs = getComputedStyle(el);
        return { style: cs.outlineStyle, width: parseFloat(cs.outlineWidth) };
      });
      assert.ok(ring.style !== 'none' && ring.width >= 2, `focus on ${target} is visible (${JSON.stringify(ring)})`);
      return;
    }
    seen.push(at);
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`${target} never got focus with ${back ? 'Shift+Tab' : 'Tab'}; focus went: ${seen.join(' → ')}`);
}

/** The page shows round `index` on its round screen. */
async function atRound(page, index) {
  await waitPhase(page, index);
  await page.locator('#panel-do:not([hidden])').waitFor();
}

/** After a new round: focus is on its title. */
async function focusOnTitle(page, label) {
  await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'round-title', null, { timeout: 5000 })
    .catch(() => {});
  assert.equal(await focused(page), '#round-title', `${label}: focus is on the new round's title`);
}

/** Easy read's marks on the round's screen: no countdown digits, a calm progress bar with words, the kind's pictogram. */
async function assertEasyRound(page, label) {
  assert.ok(await page.evaluate(() => document.body.classList.contains('easy-read')), `${label}: body.easy-read`);
  assert.equal(await page.getByTestId('countdown').count(), 0, `${label}: no countdown`);
  const head = await page.locator('#panel-do .region-round').innerText();
  assert.doesNotMatch(head, /\d+:\d\d/, `${label}: no countdown digits in the round's head: ${head}`);
  const bar = page.locator('#panel-do [role="progressbar"]');
  assert.equal(await bar.count(), 1, `${label}: a progress bar`);
  const words = await bar.getAttribute('aria-valuetext');
  assert.match(words, /tijd|klaar/i, `${label}: the bar says in words how far the time is (${words})`);
  assert.ok(await bar.getAttribute('aria-label'), `${label}: the bar has a name`);
  assert.match(await page.locator('.easy-time-words').innerText(), /tijd|klaar/i, `${label}: the words are on screen too`);
  assert.equal(await page.locator('[data-testid="easy-kind"] svg.icon').count(), 1, `${label}: a pictogram with the kind of round`);
  assert.ok((await page.getByTestId('easy-kind').innerText()).trim().length > 0, `${label}: and its word`);
  assert.ok((await page.getByTestId('easy-say').innerText()).trim().length > 0, `${label}: one short instruction`);
  for (const sentence of (await page.getByTestId('easy-say').innerText()).split(/[.!?]\s*/).filter(Boolean)) {
    assert.ok(sentence.trim().split(/\s+/).length <= 10, `${label}: a short sentence: "${sentence}"`);
  }
  assert.equal(await page.locator('#panel-do .region-round [data-testid="read-aloud"]').count(), 1, `${label}: "Lees voor" on the instruction`);
  assert.equal(await page.locator('[role="tablist"].phone-tabs').count(), 0, `${label}: no tabs`);
  const { sw, iw } = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, iw: window.innerWidth }));
  assert.ok(sw <= iw, `${label}: the page is ${sw} px wide on a screen of ${iw} px (sideways scroll)`);
  const base = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
  assert.ok(base >= 20 && base <= 22.5, `${label}: the base text is ${base} px`);
}

/** Every visible button of the round's screen is at least 56 px high. */
async function assertBigButtons(page, label) {
  const small = await page.evaluate(() => [...document.querySelectorAll('#app button, #app .option')]
    .filter((b) => b.offsetParent !== null)
    .map((b) => ({ h: b.getBoundingClientRect().height, what: b.getAttribute('data-testid') || b.className }))
    .filter((b) => b.h < 55.5));
  assert.deepEqual(small, [], `${label}: buttons under 56 px`);
}

async function readAloudIn(page, selector) {
  return page.locator(`${selector} [data-testid="read-aloud"]`).count();
}

describe('the easy-read sentences', () => {
  // Like i18n.test.js, for the keys easy.js and join.js ask for through et() and by kind.
  const fs = require('node:fs');
  const path = require('node:path');
  const vm = require('node:vm');
  const load = (lang) => {
    const src = fs.readFileSync(path.join(__dirname, '..', 'i18n', `${lang}.js`), 'utf8');
    const sandbox = { module: { exports: null } };
    vm.runInNewContext(src.replace(/^\s*export\s+default\s+/m, 'module.exports = '), sandbox);
    return sandbox.module.exports;
  };
  const dicts = { nl: load('nl'), en: load('en') };

  it('every sentence easy read asks for is there in both languages, and short', () => {
    const keys = new Set();
    for (const f of ['easy.js', 'join.js']) {
      const src = fs.readFileSync(path.join(__dirname, '..', 'js', f), 'utf8');
      // et('KEY'): the easy sentence or the usual one; at least one of them must exist.
      for (const m of src.matchAll(/\bet\(\s*'([^']+)'/g)) keys.add(`?${m[1]}`);
    }
    for (const kind of ['lobby', 'briefing', 'discussion', 'proposal', 'vote', 'debrief', 'budget', 'finished']) keys.add(`easy.round.${kind}`);
    for (const c of ['support', 'support_if', 'abstain', 'object']) keys.add(`easy.vote.hint.${c}`);
    for (const s of ['plenty', 'some', 'almost', 'over']) keys.add(`easy.time.${s}`);
    for (const why of ['decided', 'noProposal']) keys.add(`easy.round.sitOut.${why}`);
    for (const [lang, d] of Object.entries(dicts)) {
      for (const k of keys) {
        if (k.startsWith('?')) assert.ok(`easy.${k.slice(1)}` in d || k.slice(1) in d, `${lang}: ${k.slice(1)}`);
        else assert.ok(k in d, `${lang}: ${k}`);
      }
      // Short and concrete: at most about 10 words in every sentence of an easy string.
      for (const [k, v] of Object.entries(d).filter(([key]) => key.startsWith('easy.'))) {
        for (const sentence of String(v).split(/[.!?]\s+/)) {
          assert.ok(sentence.trim().split(/\s+/).length <= 11, `${lang} ${k}: "${sentence}" is long`);
        }
      }
    }
  });
});

describe('easy read, keyboard only and screen readers', { timeout: 900000 }, () => {
  const problems = [];
  let browser;
  let bots;

  before(async () => {
    browser = await launch();
    bots = await newPage(browser, 'bots', problems);
    await bots.page.goto(`${BASE_URL}/`);
  });

  after(async () => {
    if (browser) await browser.close();
  });

  it('an easy-read room, played by keyboard alone at 320×568', { timeout: 400000 }, async () => {
    const { room, host_token: token } = await createRoom('skatebaan', { easy_read: true });
    const { page, context } = await newPhone(browser, 'easy-phone', problems);
    try {
      await page.setViewportSize(SIZE);
      await page.goto(`${BASE_URL}/join/${room}`);
      await page.getByTestId('join-form').waitFor();
      // Join: Tab to the name, type it, Enter.
      await tabTo(page, 'join-name');
      await page.keyboard.type('Noor');
      await page.keyboard.press('Enter');
      await page.getByTestId('lobby').waitFor();
      await page.getByTestId('easy-say').waitFor();
      assert.ok(await page.evaluate(() => document.body.classList.contains('easy-read')), 'the room puts the phone in easy read');
      const sw = page.getByTestId('easy-switch');
      assert.equal(await sw.getAttribute('aria-checked'), 'true', 'the switch says "on"');
      assert.ok(await sw.isDisabled(), 'and cannot be turned off: the facilitator chose it for everyone');
      assert.match(await page.getByTestId('easy-switch-field').innerText(), /spelleider/, 'the switch says why');
      await audit(page, 'easy: lobby');
      await shot(page, 'easy-1-lobby');

      await openSockets(bots.page, room, token, BOTS);
      await hostSends(bots.page, room, { type: 'start' }, 0);

      // The card first, "Verder" by keyboard.
      await waitPhase(page, 0);
      await page.getByTestId('role-card').waitFor();
      await audit(page, 'easy: the card');
      await shot(page, 'easy-2-card');
      await tabTo(page, 'card-continue');
      await page.keyboard.press('Enter');
      await atRound(page, 0);
      assert.equal(await focused(page), '#round-title', '"Verder" puts focus on the round');

      // Briefing: one instruction, the bar, the buttons to the card, the case and the table.
      await assertEasyRound(page, 'briefing');
      await assertBigButtons(page, 'briefing');
      assert.equal(await page.locator('[data-testid="ready"] svg.icon').count(), 1, 'a pictogram on "Ik ben klaar"');
      for (const id of ['easy-to-card', 'easy-to-case', 'easy-to-table']) {
        assert.equal(await page.locator(`[data-testid="${id}"] svg.icon`).count(), 1, `${id}: a pictogram and a word`);
      }
      await audit(page, 'easy: briefing');
      await shot(page, 'easy-3-briefing');

      // The case on a screen of its own, by keyboard, and back.
      await tabTo(page, 'easy-to-case');
      await page.keyboard.press('Enter');
      await page.locator('#panel-case:not([hidden])').waitFor();
      assert.ok(await page.locator('#panel-do').isHidden(), 'one screen at a time');
      assert.equal(await focused(page), '#case-heading', 'focus on the case');
      assert.ok(await readAloudIn(page, '#panel-case [data-testid="case"]') >= 1, '"Lees voor" on the case');
      await audit(page, 'easy: the case');
      await shot(page, 'easy-4-case');
      await tabTo(page, 'easy-back', { back: true });
      await page.keyboard.press('Enter');
      await page.locator('#panel-do:not([hidden])').waitFor();
      assert.equal(await focused(page), '#round-title', '"Terug naar de ronde" puts focus on the round');

      await tabTo(page, 'ready');
      await page.keyboard.press('Space');
      await page.getByTestId('ready-done').waitFor();

      // Discussion: a note by keyboard: the text, a kind with the arrow keys, Enter.
      await hostSends(bots.page, room, { type: 'next' }, 1);
      await atRound(page, 1);
      await focusOnTitle(page, 'discussion');
      await assertEasyRound(page, 'discussion');
      const kinds = await page.locator('[data-testid="note-form"] input[name="note-kind"]').evaluateAll((els) => els.map((e) => e.value));
      assert.ok(kinds.length >= 2, `the round asks for kinds of notes: ${kinds}`);
      for (const k of kinds) {
        assert.equal(await page.locator(`label[for="note-kind-${k}"] svg.icon`).count(), 1, `note kind ${k}: a pictogram and a word`);
      }
      assert.equal(await page.locator('[data-testid="note-submit"] svg.icon').count(), 1, 'a pictogram on the note button');
      await tabTo(page, 'note-text');
      const note = 'Er moet een bankje komen voor ouders.';
      await page.keyboard.type(note);
      await tabTo(page, `note-kind-${kinds[0]}`);
      await page.keyboard.press('ArrowDown');
      assert.equal(await focused(page), `note-kind-${kinds[1]}`, 'the arrow key moves to the next kind');
      assert.ok(await page.getByTestId(`note-kind-${kinds[1]}`).isChecked(), 'and chooses it');
      await tabTo(page, 'note-submit');
      await page.keyboard.press('Enter');
      await page.getByTestId('notes-list').getByText(note).waitFor();
      const mine = page.locator('.easy-note', { hasText: note });
      assert.equal(await mine.locator('[data-testid="read-aloud"]').count(), 1, '"Lees voor" on the note');
      assert.equal(await mine.locator('.easy-note-kind svg.icon').count(), 1, 'a pictogram with the note\'s kind');
      assert.equal(await mine.getAttribute('data-kind'), kinds[1]);
      await page.getByTestId('note-status').filter({ hasText: /staat erbij/ }).waitFor();
      assert.equal(await focused(page), 'note-text', 'after sending, focus is back in the text box');
      await assertBigButtons(page, 'discussion');
      await audit(page, 'easy: discussion');
      await shot(page, 'easy-5-discussion');

      // The discussion with an event card: behind "Nieuwe gebeurteniskaart".
      await hostSends(bots.page, room, { type: 'next' }, 2);
      await atRound(page, 2);
      await focusOnTitle(page, 'discussion with an event');
      await assertEasyRound(page, 'discussion with an event');
      const toCase = page.getByTestId('easy-to-case');
      await toCase.filter({ hasText: /gebeurteniskaart/ }).waitFor();
      assert.ok(await page.locator('#panel-do [data-testid="event-card"]').isHidden(), 'the event card is not on the round\'s screen');
      await tabTo(page, 'easy-to-case');
      await page.keyboard.press('Enter');
      const event = page.locator('#panel-case [data-testid="event-card"]');
      await event.waitFor();
      assert.equal(await event.locator('[data-testid="read-aloud"]').count(), 1, '"Lees voor" on the event card');
      await audit(page, 'easy: the event card');
      await shot(page, 'easy-6-event');
      await tabTo(page, 'easy-back', { back: true });
      await page.keyboard.press('Enter');
      await page.locator('#panel-do:not([hidden])').waitFor();
      assert.equal(await toCase.filter({ hasText: /gebeurteniskaart/ }).count(), 0, 'seen: the button says "De casus" again');

      // Proposal: typed by keyboard when this role writes it; "Lees voor" on the proposal.
      await hostSends(bots.page, room, { type: 'next' }, 3);
      await atRound(page, 3);
      await focusOnTitle(page, 'proposal');
      await assertEasyRound(page, 'proposal');
      const proposal = 'Een nieuwe baan met bankjes. Open tot 21.00 uur.';
      if (await page.getByTestId('proposal-text').count()) {
        assert.match(await page.getByTestId('easy-say').innerText(), /Schrijf het op/);
        await tabTo(page, 'proposal-text');
        await page.keyboard.type(proposal);
        await tabTo(page, 'proposal-submit');
        assert.equal(await page.locator('[data-testid="proposal-submit"] svg.icon').count(), 1, 'a pictogram on the save button');
        await page.keyboard.press('Enter');
        await page.getByTestId('proposal-status').filter({ hasText: /opgeslagen/ }).waitFor();
      } else {
        assert.match(await page.getByTestId('easy-say').innerText(), /Een ander schrijft het op/);
        await botsPlay(bots.page, room, 'propose');
      }
      await page.locator('[data-testid="proposal-readonly"] [data-testid="proposal-current"]').waitFor();
      assert.equal(await readAloudIn(page, '[data-testid="proposal-readonly"]'), 1, '"Lees voor" on the proposal');
      await audit(page, 'easy: proposal');
      await shot(page, 'easy-7-proposal');

      // Vote: the choices by keyboard (Space chooses), each with a pictogram.
      await hostSends(bots.page, room, { type: 'next' }, 4);
      await atRound(page, 4);
      await focusOnTitle(page, 'vote');
      await assertEasyRound(page, 'vote');
      for (const c of ['support', 'support_if', 'abstain', 'object']) {
        assert.equal(await page.locator(`label[for="vote-${c}"] svg.icon`).count(), 1, `vote ${c}: a pictogram and a word`);
      }
      assert.equal(await readAloudIn(page, '[data-testid="vote-proposal"]'), 1, '"Lees voor" on the proposal voted on');
      await tabTo(page, 'vote-support');
      await page.keyboard.press('Space');
      assert.ok(await page.getByTestId('vote-support').isChecked(), 'Space chooses "Steun"');
      await tabTo(page, 'vote-submit');
      assert.equal(await page.locator('[data-testid="vote-submit"] svg.icon').count(), 1, 'a pictogram on the vote button');
      await page.keyboard.press('Enter');
      await page.locator('[data-testid="my-vote"][data-choice="support"]').waitFor();
      await assertBigButtons(page, 'vote');
      await audit(page, 'easy: vote');
      await shot(page, 'easy-8-vote');
      await botsPlay(bots.page, room, 'support');

      // The decision: one sentence with a pictogram, its reasons, "Lees voor".
      await hostSends(bots.page, room, { type: 'next' }, 5);
      await atRound(page, 5);
      const decision = page.getByTestId('easy-decision');
      await decision.waitFor();
      assert.equal(await decision.getAttribute('data-reached'), 'true');
      assert.match(await decision.locator('h2').innerText(), /Gelukt/);
      assert.equal(await decision.locator('h2 svg.icon').count(), 1, 'a pictogram with the decision');
      assert.equal(await decision.locator(':scope > .easy-tools [data-testid="read-aloud"]').count(), 1, '"Lees voor" on the decision');
      await assertEasyRound(page, 'after the vote');
      await audit(page, 'easy: decision');
      await shot(page, 'easy-9-decision');

      // Debrief: a lesson note and "Ik ben klaar", by keyboard.
      await hostSends(bots.page, room, { type: 'next' }, 6);
      await hostSends(bots.page, room, { type: 'next' }, 7);
      await atRound(page, 7);
      await focusOnTitle(page, 'debrief');
      await assertEasyRound(page, 'debrief');
      await tabTo(page, 'note-text');
      await page.keyboard.type('Ik neem mee: eerst luisteren.');
      await tabTo(page, 'note-submit');
      await page.keyboard.press('Enter');
      await page.getByTestId('notes-list').getByText('Ik neem mee: eerst luisteren.').waitFor();
      await tabTo(page, 'ready');
      await page.keyboard.press('Space');
      await page.getByTestId('ready-done').waitFor();
      await audit(page, 'easy: debrief');
      await shot(page, 'easy-10-debrief');
    } finally {
      await context.close();
    }
  });

  it('the switch "Makkelijk lezen" in a normal room, by keyboard, remembered on this phone', { timeout: 300000 }, async () => {
    const { room, host_token: token } = await createRoom('skatebaan');
    const { page, context } = await newPhone(browser, 'switch-phone', problems);
    try {
      await page.setViewportSize(SIZE);
      await page.goto(`${BASE_URL}/join/${room}`);
      await page.getByTestId('join-form').waitFor();
      assert.ok(!(await page.evaluate(() => document.body.classList.contains('easy-read'))), 'a normal room starts normal');
      await tabTo(page, 'easy-switch');
      const sw = () => page.getByTestId('easy-switch');
      assert.equal(await sw().getAttribute('role'), 'switch');
      assert.equal(await sw().getAttribute('aria-checked'), 'false');
      assert.match(await sw().innerText(), /Makkelijk lezen[\s\S]*Uit/, 'the switch says its name and "Uit"');
      await page.keyboard.press('Space');
      await page.locator('[data-testid="easy-switch"][aria-checked="true"]').waitFor();
      assert.ok(await page.evaluate(() => document.body.classList.contains('easy-read')), 'Space turns easy read on');
      assert.equal(await focused(page), 'easy-switch', 'focus stays on the switch');
      assert.equal(await page.evaluate(() => localStorage.getItem('democreatie.easyread')), 'on', 'remembered on this phone');
      await page.locator('#announcer').filter({ hasText: 'Makkelijk lezen staat aan.' }).waitFor();
      await audit(page, 'easy: the join form, switched on');
      await shot(page, 'easy-11-join-switched-on');

      await tabTo(page, 'join-name');
      await page.keyboard.type('Sam');
      await page.keyboard.press('Enter');
      await page.getByTestId('lobby').waitFor();
      await openSockets(bots.page, room, token, BOTS);
      await hostSends(bots.page, room, { type: 'start' }, 0);
      await page.getByTestId('card-continue').waitFor();
      // A reload keeps it on.
      await page.reload();
      await page.getByTestId('card-continue').waitFor();
      assert.ok(await page.evaluate(() => document.body.classList.contains('easy-read')), 'still on after a reload');
      await tabTo(page, 'card-continue');
      await page.keyboard.press('Enter');
      await atRound(page, 0);
      await assertEasyRound(page, 'briefing, switched on');
      assert.equal(await page.getByTestId('easy-switch').isDisabled(), false, 'in a normal room the person can turn it off');

      // Off again, in the game: the tabs and the countdown are back.
      await tabTo(page, 'easy-switch');
      await page.keyboard.press('Enter');
      await page.locator('[data-testid="easy-switch"][aria-checked="false"]').waitFor();
      assert.equal(await focused(page), 'easy-switch', 'focus stays on the switch');
      assert.ok(!(await page.evaluate(() => document.body.classList.contains('easy-read'))), 'Enter turns it off');
      await page.locator('[role="tablist"].phone-tabs').waitFor();
      await page.getByTestId('countdown').waitFor();
      assert.equal(await page.locator('[role="progressbar"]').count(), 0, 'no progress bar in the normal mode');
      assert.equal(await page.evaluate(() => localStorage.getItem('democreatie.easyread')), null);
      await audit(page, 'the normal round with the switch off');
      await page.evaluate(() => window.scrollTo(0, 0));
      await shot(page, 'easy-12-game-switched-off');
    } finally {
      await context.close();
    }
  });

  it('a burst of 10 notes from others is announced once, not 10 times', { timeout: 300000 }, async () => {
    const { room, host_token: token } = await createRoom('skatebaan');
    const { page, context } = await newPhone(browser, 'live-phone', problems);
    try {
      await page.setViewportSize(SIZE);
      await page.goto(`${BASE_URL}/join/${room}`);
      await page.getByTestId('join-name').fill('Lin');
      await page.getByTestId('join-submit').click();
      await page.getByTestId('lobby').waitFor();
      await openSockets(bots.page, room, token, BOTS);
      await hostSends(bots.page, room, { type: 'start' }, 0);
      await page.getByTestId('card-continue').click();
      await hostSends(bots.page, room, { type: 'next' }, 1);
      await atRound(page, 1);
      await page.getByTestId('note-text').waitFor();
      // The new round was said (once); from here on only the notes may be.
      await page.locator('#announcer').filter({ hasText: /Nieuwe ronde/ }).waitFor();

      // Record what every live region says from now on (what a screen reader would read).
      await page.evaluate(() => {
        window.said = [];
        const last = new Map();
        const LIVE = '[aria-live="polite"], [aria-live="assertive"], [role="status"], [role="alert"], [role="log"]';
        new MutationObserver((records) => {
          for (const r of records) {
            const node = r.target.nodeType === 1 ? r.target : r.target.parentElement;
            const live = node && node.closest(LIVE);
            if (!live) continue;
            const text = live.textContent.trim();
            if (text && last.get(live) !== text) window.said.push(text);
            last.set(live, text);
          }
        }).observe(document.body, { subtree: true, childList: true, characterData: true });
      });
      await botsWriteNotes(bots.page, room, 10);
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="notes-list"] .note').length === 10);
      await page.locator('#announcer').filter({ hasText: '10 nieuwe notities aan je tafel.' }).waitFor({ timeout: 10000 });
      const said = await page.evaluate(() => window.said);
      assert.deepEqual(said, ['10 nieuwe notities aan je tafel.'], `one announcement for the burst: ${JSON.stringify(said)}`);
      await shot(page, 'easy-13-burst-of-notes');
    } finally {
      await context.close();
    }
  });

  it('no page had an error, a dialog or a CSP violation', () => {
    assert.deepEqual(problems, []);
  });
});
