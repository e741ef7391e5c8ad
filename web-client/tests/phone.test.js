// The phone and the first minute (issue #13). One real phone per room, at 360×640 and at
// 320×568; the facilitator and the other participants are WebSockets in one extra page
// (as in budget.test.js). For every round kind of the built-in case `skatebaan`
// (briefing, discussion, proposal, vote, debrief) and the budget round of `wijkbudget`:
// the thing to do now is inside the first screen without scrolling, nothing scrolls
// sideways and axe finds nothing. Also: the role card comes first at the start and for
// someone who joins late, its tabs work by keyboard, its goal is marked secret; a note,
// a proposal and a vote's reason survive a reload; "no connection" goes away when the
// connection is back. Screenshots: phone-<width>-<phase>.png.

const { describe, it, before, after } = require('node:test');
const {
  assert, BASE_URL, launch, newPage, newPhone, audit, shot, waitPhase,
  createRoom, openSockets, hostSends, botsPlay,
} = require('./helpers');

const SIZES = [{ width: 360, height: 640 }, { width: 320, height: 568 }];
const BOTS = ['Bo', 'Cas', 'Dewi'];

/** Scroll to the top and wait until the page has laid itself out (two frames). */
async function settle(page) {
  await page.evaluate(() => new Promise((resolve) => {
    window.scrollTo(0, 0);
    requestAnimationFrame(() => requestAnimationFrame(() => resolve()));
  }));
}

/** The locator is wholly inside the first screen (no scrolling) and nothing scrolls sideways. */
async function assertFirstScreen(page, locator, label) {
  await locator.waitFor();
  await settle(page);
  const box = await locator.boundingBox();
  const { height } = page.viewportSize();
  if (!box || box.y < 0 || box.y + box.height > height) await shot(page, `fail-${label.replace(/\W+/g, '-')}`);
  assert.ok(box, `${label}: the element has a box`);
  assert.ok(box.y >= 0 && box.y + box.height <= height,
    `${label}: the action is inside the first screen (top ${Math.round(box.y)}, bottom ${Math.round(box.y + box.height)}, screen ${height})`);
  // Nothing sticky (the tabs, a running total) lies on top of it.
  const free = await locator.evaluate((el) => {
    const r = el.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return !!hit && (el === hit || el.contains(hit) || (el.labels && [...el.labels].some((l) => l.contains(hit))));
  });
  assert.ok(free, `${label}: the action is not covered by anything`);
  const { sw, iw } = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, iw: window.innerWidth }));
  assert.ok(sw <= iw, `${label}: the page is ${sw} px wide on a screen of ${iw} px (sideways scroll)`);
}

/** The phone's page shows round `index` in its "Doen" tab. */
async function atRound(page, index) {
  await waitPhase(page, index);
  await page.locator('#panel-do:not([hidden])').waitFor();
}

async function joinAs(page, room, name) {
  await page.goto(`${BASE_URL}/join/${room}`);
  await page.getByTestId('join-name').fill(name);
  await page.getByTestId('join-submit').click();
  await page.getByTestId('lobby').waitFor();
}

describe('the phone and the first minute', { timeout: 900000 }, () => {
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

  for (const size of SIZES) {
    const w = size.width;
    it(`skatebaan at ${w}×${size.height}: card first, then every round's action in the first screen`, { timeout: 400000 }, async () => {
      const { room, host_token: token } = await createRoom('skatebaan');
      const phone = await newPhone(browser, `phone-${w}`, problems);
      const { page, context } = phone;
      try {
        await page.setViewportSize(size);
        await joinAs(page, room, `Fleur ${w}`);
        await openSockets(bots.page, room, token, BOTS);
        await hostSends(bots.page, room, { type: 'start' }, 0);

        // The card comes first, with "Verder" in sight.
        await waitPhase(page, 0);
        const card = page.getByTestId('role-card');
        await card.waitFor();
        assert.equal(await page.getByTestId('tab-card').getAttribute('aria-selected'), 'true', 'the card tab is open at the start');
        assert.ok(await page.locator('#panel-do').isHidden(), 'the round waits behind "Verder"');
        assert.ok(['resident', 'civil_servant', 'councillor'].includes(await card.getAttribute('data-role')));
        await assertFirstScreen(page, page.getByTestId('card-continue'), `card at ${w}`);
        await assertFirstScreen(page, page.getByTestId('card-name'), `card name at ${w}`);
        await audit(page, `phone ${w}: the card`);
        await shot(page, `phone-${w}-card`);

        if (w === 360) {
          // The card's tabs by keyboard: arrows, Home and End; the goal is marked secret.
          const who = page.getByTestId('card-tab-who');
          await who.focus();
          await page.keyboard.press('ArrowRight');
          const values = page.getByTestId('card-tab-values');
          assert.equal(await values.getAttribute('aria-selected'), 'true', 'ArrowRight opens the next tab');
          assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'card-tab-values', 'and moves focus to it');
          await page.getByTestId('card-panel-values').waitFor();
          assert.ok(await page.getByTestId('card-panel-who').isHidden(), 'one panel at a time');
          await page.keyboard.press('End');
          const goalTab = page.getByTestId('card-tab-goal');
          assert.equal(await goalTab.getAttribute('aria-selected'), 'true', 'End opens the last tab: the goal');
          assert.match(await goalTab.textContent(), /Geheim/, 'the goal tab says it is secret');
          assert.equal(await goalTab.locator('svg.icon-lock').count(), 1, 'with a lock');
          const mark = page.getByTestId('goal-secret');
          await mark.waitFor();
          assert.equal((await mark.textContent()).trim(), 'Geheim', 'the goal says "Geheim" in words');
          assert.equal(await mark.locator('svg.icon-lock').count(), 1, 'next to a lock');
          assert.ok((await page.getByTestId('card-goal').textContent()).trim().length > 0, 'the goal is there');
          const tabs = await page.locator('[data-testid="role-card"] [role="tab"]').evaluateAll((els) =>
            els.map((e) => ({ sel: e.getAttribute('aria-selected'), ti: e.getAttribute('tabindex'), ctl: !!document.getElementById(e.getAttribute('aria-controls')) })));
          assert.ok(tabs.every((x) => x.ctl), 'every tab names its panel');
          assert.equal(tabs.filter((x) => x.ti === '0').length, 1, 'one tab in the Tab order');
          await audit(page, 'phone 360: the goal tab');
          await shot(page, 'phone-360-card-goal');
          await page.keyboard.press('Home');
          assert.equal(await who.getAttribute('aria-selected'), 'true', 'Home opens the first tab');
          // The phone's own tabs by keyboard too.
          await page.getByTestId('tab-card').focus();
          await page.keyboard.press('ArrowRight');
          assert.equal(await page.getByTestId('tab-case').getAttribute('aria-selected'), 'true');
          await page.getByTestId('case-text').waitFor();
          await page.keyboard.press('ArrowLeft');
          assert.equal(await page.getByTestId('tab-card').getAttribute('aria-selected'), 'true');
        }

        // Briefing: "Ik ben klaar".
        await page.getByTestId('card-continue').click();
        await atRound(page, 0);
        assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'round-title', '"Verder" puts focus on the round');
        await assertFirstScreen(page, page.getByTestId('ready'), `briefing at ${w}`);
        await audit(page, `phone ${w}: briefing`);
        await shot(page, `phone-${w}-briefing`);
        await page.getByTestId('ready').click();
        await page.getByTestId('ready-done').waitFor();
        // After a reload the round comes first: the card was seen.
        await page.reload();
        await atRound(page, 0);
        assert.equal(await page.getByTestId('tab-do').getAttribute('aria-selected'), 'true');

        // Discussion: the note field.
        await hostSends(bots.page, room, { type: 'next' }, 1);
        await atRound(page, 1);
        await assertFirstScreen(page, page.getByTestId('note-text'), `discussion at ${w}`);
        await audit(page, `phone ${w}: discussion`);
        await shot(page, `phone-${w}-discussion`);
        // A note that was not sent survives a reload, and is gone once sent.
        const note = `Een plek voor iedereen (${w})`;
        await page.getByTestId('note-text').fill(note);
        await page.reload();
        await atRound(page, 1);
        assert.equal(await page.getByTestId('note-text').inputValue(), note, 'the note draft is back after a reload');
        await page.getByTestId('note-status').filter({ hasText: /nog niet verstuurd/ }).waitFor();
        if (w === 360) {
          // No connection: the banner and the form say so; both clear when it is back.
          await context.setOffline(true);
          await page.getByTestId('banner').waitFor({ state: 'visible' });
          await page.getByTestId('note-submit').click();
          await page.locator('[data-testid="note-status"].is-error').waitFor();
          await context.setOffline(false);
          await page.getByTestId('banner').waitFor({ state: 'hidden' });
          await page.locator('[data-testid="note-status"].is-error').waitFor({ state: 'detached' });
          assert.equal(await page.getByTestId('note-text').inputValue(), note, 'the note is still there');
        }
        await page.getByTestId('note-submit').click();
        await page.getByTestId('notes-list').getByText(note).waitFor();
        assert.equal(await page.evaluate((c) => localStorage.getItem(`democreatie.draft.${c}.note`), room), null, 'a sent note leaves no draft');

        // The discussion with an event card: the card is under the action, never above it.
        await hostSends(bots.page, room, { type: 'next' }, 2);
        await atRound(page, 2);
        await assertFirstScreen(page, page.getByTestId('note-text'), `discussion with an event at ${w}`);
        const order = await page.evaluate(() => {
          const ev = document.querySelector('#panel-do [data-testid="event-card"]');
          const form = document.querySelector('[data-testid="note-form"]');
          return ev && form ? form.compareDocumentPosition(ev) & Node.DOCUMENT_POSITION_FOLLOWING : -1;
        });
        assert.ok(order > 0, 'the event card comes after the note form');
        await page.locator('#panel-case [data-testid="event-card"]').waitFor({ state: 'attached' });
        await audit(page, `phone ${w}: discussion with an event`);
        await shot(page, `phone-${w}-discussion-event`);
        if (w === 360) {
          // The new event card is marked on the case tab until it is opened there.
          await page.getByTestId('tab-case-new').waitFor();
          await page.getByTestId('tab-case').click();
          await page.locator('#panel-case [data-testid="event-card"]').waitFor();
          await page.getByTestId('tab-case-new').waitFor({ state: 'detached' });
          await audit(page, 'phone 360: the case tab');
          await shot(page, 'phone-360-case');
          await page.getByTestId('tab-table').click();
          await page.getByTestId('leave').waitFor();
          await audit(page, 'phone 360: the table tab');
          await shot(page, 'phone-360-table');
          await page.getByTestId('tab-do').click();
          await page.getByTestId('note-text').waitFor();
        }

        // Proposal: the text field, or the note that someone else writes it.
        await hostSends(bots.page, room, { type: 'next' }, 3);
        await atRound(page, 3);
        const action = page.locator('[data-testid="proposal-text"], [data-testid="proposal-not-yours"]').first();
        await assertFirstScreen(page, action, `proposal at ${w}`);
        await audit(page, `phone ${w}: proposal`);
        await shot(page, `phone-${w}-proposal`);
        if (await page.getByTestId('proposal-text').count()) {
          await page.getByTestId('proposal-text').fill(`Een nieuwe baan, open tot 22.00 uur (${w}).`);
          await page.getByTestId('proposal-submit').click();
          await page.getByTestId('proposal-status').filter({ hasText: /opgeslagen/ }).waitFor();
        } else {
          await botsPlay(bots.page, room, 'propose');
        }
        await page.getByTestId('proposal-current').waitFor();

        // Vote: the choices; a reason survives a reload.
        await hostSends(bots.page, room, { type: 'next' }, 4);
        await atRound(page, 4);
        await assertFirstScreen(page, page.getByTestId('vote-support'), `vote at ${w}`);
        await audit(page, `phone ${w}: vote`);
        await shot(page, `phone-${w}-vote`);
        // The rule in numbers for this table of four, not in fractions.
        await page.locator('[data-testid="vote-form"] details.rule > summary').click();
        const rule = await page.locator('[data-testid="vote-form"] details.rule').textContent();
        assert.doesNotMatch(rule, /\d\s*\/\s*\d/, `the rule has no fractions: ${rule}`);
        assert.match(rule, /Minstens 3 van de 4 mensen/, `the quorum in numbers: ${rule}`);
        await page.getByTestId('vote-object').check();
        const reason = `Te veel lawaai in de avond (${w})`;
        await page.getByTestId('vote-reason').fill(reason);
        await page.reload();
        await atRound(page, 4);
        assert.ok(await page.getByTestId('vote-object').isChecked(), 'the choice is back after a reload');
        assert.equal(await page.getByTestId('vote-reason').inputValue(), reason, 'the reason draft is back after a reload');
        await page.getByTestId('vote-submit').click();
        await page.locator('[data-testid="my-vote"][data-choice="object"]').waitFor();
        assert.equal(await page.evaluate((c) => localStorage.getItem(`democreatie.draft.${c}.vote`), room), null, 'a sent vote leaves no draft');
        await botsPlay(bots.page, room, 'object');

        // No decision: everyone may change the proposal now. The editor is in the first
        // screen, and text that was not saved survives a reload.
        await hostSends(bots.page, room, { type: 'next' }, 5);
        await atRound(page, 5);
        await page.getByTestId('decision').first().waitFor();
        await assertFirstScreen(page, page.getByTestId('proposal-text'), `proposal editor at ${w}`);
        await audit(page, `phone ${w}: proposal editor`);
        await shot(page, `phone-${w}-proposal-edit`);
        const text = `Een nieuwe baan, open tot 21.00 uur, met bankjes en licht (${w}).`;
        await page.getByTestId('proposal-text').fill(text);
        await page.reload();
        await atRound(page, 5);
        assert.equal(await page.getByTestId('proposal-text').inputValue(), text, 'the proposal draft is back after a reload');
        await page.getByTestId('proposal-submit').click();
        await page.getByTestId('proposal-current').filter({ hasText: text }).waitFor();
        assert.equal(await page.evaluate((c) => localStorage.getItem(`democreatie.draft.${c}.proposal`), room), null, 'a saved proposal leaves no draft');

        // The second vote: everyone supports it.
        await hostSends(bots.page, room, { type: 'next' }, 6);
        await atRound(page, 6);
        await page.getByTestId('vote-support').check();
        await page.getByTestId('vote-submit').click();
        await page.locator('[data-testid="my-vote"][data-choice="support"]').waitFor();
        await botsPlay(bots.page, room, 'support');

        // On to the debrief: the case asks what you take home (a lesson note) and asks your
        // role what it saw of the others; the note form first, then "Ik ben klaar"; the event
        // card is not on top.
        await hostSends(bots.page, room, { type: 'next' }, 7);
        await atRound(page, 7);
        await page.getByTestId('decision').first().waitFor();
        await assertFirstScreen(page, page.getByTestId('note-text'), `debrief at ${w}`);
        assert.match(await page.locator('#panel-do').textContent(), /Je was (inwoner|ambtenaar|raadslid)/, 'the prompt for my role');
        const lesson = `Ik neem mee: eerst luisteren naar de buren (${w})`;
        await page.getByTestId('note-text').fill(lesson);
        await page.getByTestId('note-submit').click();
        // The sent note is in the table's notes (the "Tafel" tab, not open now).
        await page.getByText(lesson).first().waitFor({ state: 'attached' });
        await page.getByTestId('ready').waitFor();
        assert.equal(await page.locator('#panel-do [data-testid="event-card"]').count(), 0, 'no event card in the debrief round');
        await audit(page, `phone ${w}: debrief`);
        await shot(page, `phone-${w}-debrief`);
      } finally {
        await context.close();
      }
    });

    it(`wijkbudget at ${w}×${size.height}: the ballot's first plan in the first screen${w === 360 ? ', and a late joiner sees the card first' : ''}`, { timeout: 300000 }, async () => {
      const { room, host_token: token } = await createRoom('wijkbudget');
      const phone = await newPhone(browser, `budget-phone-${w}`, problems);
      const { page, context } = phone;
      let late = null;
      try {
        await page.setViewportSize(size);
        await joinAs(page, room, `Gijs ${w}`);
        await openSockets(bots.page, room, token, BOTS);
        await hostSends(bots.page, room, { type: 'start' }, 0);
        await page.getByTestId('card-continue').click();
        await atRound(page, 0);

        if (w === 360) {
          // Someone joins while the game runs: their card comes first too.
          late = await newPhone(browser, 'late-phone', problems);
          await late.page.setViewportSize(size);
          await late.page.goto(`${BASE_URL}/join/${room}`);
          await late.page.getByTestId('join-name').fill('Laat');
          await late.page.getByTestId('join-submit').click();
          await late.page.getByTestId('role-card').waitFor();
          assert.equal(await late.page.getByTestId('tab-card').getAttribute('aria-selected'), 'true', 'a late joiner sees the card first');
          await assertFirstScreen(late.page, late.page.getByTestId('card-continue'), 'late joiner');
          await audit(late.page, 'phone of a late joiner');
          await shot(late.page, 'phone-360-late-joiner');
          await late.page.getByTestId('card-continue').click();
          await late.page.locator('#panel-do:not([hidden])').waitFor();
        }

        for (let i = 1; i <= 3; i += 1) await hostSends(bots.page, room, { type: 'next' }, i);
        await atRound(page, 3);
        assert.equal(await page.getByTestId('phase').getAttribute('data-phase-kind'), 'budget');
        const first = page.locator('[data-testid="ballot-form"] input[type="checkbox"]').first();
        await assertFirstScreen(page, first, `budget at ${w}`);
        await audit(page, `phone ${w}: budget`);
        await shot(page, `phone-${w}-budget`);
      } finally {
        await context.close();
        if (late) await late.context.close();
      }
    });
  }

  it('no page had an error, a dialog or a CSP violation', () => {
    assert.deepEqual(problems, []);
  });
});
