// A shared device (issue #17, part 1): three players share one tablet (768×1024) at a
// table of four; the fourth player and the facilitator are WebSockets in an extra page.
// On the tablet each person joins with their own name ("Speel samen op dit apparaat"),
// picks their own name in "Wie ben jij?" (by keyboard, by touch and by mouse), sees their
// own card while no other seat's goal is in the page, writes a note (drafts stay per
// seat), and votes differently; the facilitator's view shows three separate votes. A
// reload mid-game brings all three seats back (same player ids, connected). The screen
// hides by itself after a while without a touch (`?hideAfter=2`), and a seat can be
// forgotten. In the lobby a phone's player becomes the first seat of the device.
// axe on the form, the picker, a card and a vote; screenshots device-*.png.

const path = require('node:path');
const { describe, it, before, after } = require('node:test');
const {
  assert, BASE_URL, SHOT_DIR, launch, newPage, newPhone, audit, shot, check320,
  createRoom, openSockets, hostSends,
} = require('./helpers');

const TABLET = { viewport: { width: 768, height: 1024 }, hasTouch: true, isMobile: false };
const SEATS = ['Anna', 'Bram', 'Cas'];

/** The seated players as the facilitator sees them (card with goal, open vote, connected). */
async function hostPlayers(page, room) {
  return page.evaluate((code) => {
    const v = window.R[code].host.view;
    return [...(v.lobby || []), ...(v.tables || []).flatMap((tb) => tb.players || [])];
  }, room);
}

/** Wait until the facilitator sees each of `ids` connected (or, with `connected` false, not). */
async function hostSeesConnected(page, room, ids, connected = true) {
  await page.waitForFunction(({ code, want, on }) => {
    const v = window.R[code].host.view;
    if (!v) return false;
    const players = [...(v.lobby || []), ...(v.tables || []).flatMap((tb) => tb.players || [])];
    return want.every((id) => players.some((p) => p.player_id === id && p.connected === on));
  }, { code: room, want: ids, on: connected });
}

const seatButton = (page, name) => page.locator('[data-testid="seat"]').filter({ has: page.locator('[data-testid="seat-name"]', { hasText: new RegExp(`^${name}$`) }) });

async function atPicker(page) {
  await page.getByTestId('device-picker-title').waitFor();
  assert.ok(await page.getByTestId('device-bar').isHidden(), 'no seat is on screen at the picker');
}

/** Hide the seat on screen with "Verbergen"; the picker comes back. */
async function hideSeat(page) {
  await page.getByTestId('device-hide').click();
  await atPicker(page);
}

/** None of `goals` is anywhere in the page (text, attributes aside). */
async function assertAbsent(page, goals, label) {
  const text = await page.evaluate(() => document.documentElement.textContent);
  for (const g of goals) assert.ok(!text.includes(g), `${label}: another seat's goal is not in the page: ${g}`);
}

describe('a shared device', { timeout: 600000 }, () => {
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

  it('three players on one tablet: own name, own card, own note, own vote; a reload brings every seat back', { timeout: 500000 }, async () => {
    const { room, host_token: token } = await createRoom('skatebaan');
    const tablet = await newPage(browser, 'tablet', problems, TABLET);
    const { page, context } = tablet;
    try {
      // The join form offers to play together; everyone joins with their own name.
      await page.goto(`${BASE_URL}/join/${room}`);
      await page.getByTestId('play-together').click();
      await page.getByTestId('device-add-form').waitFor();
      assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'device-name', 'the name field has focus');
      await audit(page, 'tablet: adding players');
      await shot(page, 'device-0-add');
      for (const name of SEATS) {
        await page.getByTestId('device-name').fill(name);
        if (name === 'Bram') await page.getByTestId('device-real-role-resident').check();
        await page.getByTestId('device-add-submit').click();
        await page.getByTestId('device-notice').filter({ hasText: `${name} doet mee.` }).waitFor();
        assert.equal(await page.getByTestId('device-name').inputValue(), '', 'the form is empty for the next person');
      }
      // A name that is taken is refused with the server's sentence, and nothing is added.
      await page.getByTestId('device-name').fill('anna');
      await page.getByTestId('device-add-submit').click();
      await page.getByTestId('device-add-error').waitFor();
      await page.getByTestId('device-done').click();
      await atPicker(page);
      assert.equal(await page.locator('[data-testid="seat"]').count(), 3, 'three seats on the tablet');
      const stored = await page.evaluate((c) => JSON.parse(localStorage.getItem(`democreatie.device.${c}`)), room);
      assert.deepEqual(stored.map((s) => s.name), SEATS, 'the device keeps its seats');
      assert.equal(await page.evaluate((c) => localStorage.getItem(`democreatie.player.${c}`), room), null, 'no single player token');
      const ids = Object.fromEntries(stored.map((s) => [s.name, s.player_id]));
      assert.equal(new Set(Object.values(ids)).size, 3, 'three players of their own');

      // The fourth player and the facilitator; the facilitator sees the three connected.
      await openSockets(bots.page, room, token, ['Dewi']);
      await hostSeesConnected(bots.page, room, Object.values(ids));
      await hostSends(bots.page, room, { type: 'start' }, 0);
      const players = await hostPlayers(bots.page, room);
      const goalOf = Object.fromEntries(players.map((p) => [p.player_id, p.card && p.card.goal]));
      for (const name of SEATS) assert.ok(goalOf[ids[name]], `${name} has a goal`);

      // "Wie ben jij?": nobody's card, three people who are not ready yet.
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="seat"][data-status~="todo"]').length === 3);
      await assertAbsent(page, SEATS.map((n) => goalOf[ids[n]]), 'the picker');
      const big = await page.locator('[data-testid="seat"]').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height));
      assert.ok(big.every((hgt) => hgt >= 64), `every seat button is at least 64 px high (${big.join(', ')})`);
      assert.equal(await page.locator('[data-testid="seat"] .seat-initial').first().textContent(), 'A', 'the initial in a circle');
      await audit(page, 'tablet: the picker');
      await page.evaluate(() => window.scrollTo(0, 0));
      await shot(page, 'device-1-picker');

      // Briefing: each picks their own name (keyboard, touch, mouse), sees their own card.
      for (const name of SEATS) {
        const btn = seatButton(page, name);
        if (name === 'Anna') {
          await btn.focus();
          await page.keyboard.press('Enter');
        } else if (name === 'Bram') {
          await btn.tap();
        } else {
          await btn.click();
        }
        await page.getByTestId('role-card').waitFor();
        assert.match(await page.getByTestId('device-who').textContent(), new RegExp(name), 'the bar says whose turn it is');
        const mine = goalOf[ids[name]];
        assert.ok((await page.evaluate(() => document.documentElement.textContent)).includes(mine), `${name}'s own goal is there`);
        await assertAbsent(page, SEATS.filter((n) => n !== name && goalOf[ids[n]] !== mine).map((n) => goalOf[ids[n]]), `${name}'s screen`);
        if (name === 'Anna') {
          await page.getByTestId('card-tab-goal').click();
          await page.getByTestId('goal-secret').waitFor();
          await audit(page, 'tablet: Anna\'s card');
          await shot(page, 'device-2-card');
        }
        await page.getByTestId('card-continue').click();
        await page.getByTestId('ready').click();
        await page.getByTestId('ready-done').waitFor();
        await hideSeat(page);
        await assertAbsent(page, [mine], 'the picker after hiding');
        await seatButton(page, name).and(page.locator('[data-status~="done"]')).waitFor();
      }
      assert.match(await seatButton(page, 'Anna').textContent(), /klaar/, 'the picker says "klaar" in words');

      // Discussion: each writes a note through their own seat. Cas's unsent text stays
      // Cas's: Anna's field is empty, and Cas finds it again.
      await hostSends(bots.page, room, { type: 'next' }, 1);
      for (const name of SEATS) {
        await seatButton(page, name).click();
        await page.getByTestId('note-text').waitFor();
        if (name === 'Cas') {
          await page.getByTestId('note-text').fill('Nog niet klaar, van Cas');
          await hideSeat(page);
          await seatButton(page, 'Anna').click();
          assert.equal(await page.getByTestId('note-text').inputValue(), '', 'Anna does not see what Cas typed');
          await hideSeat(page);
          await seatButton(page, 'Cas').click();
          assert.equal(await page.getByTestId('note-text').inputValue(), 'Nog niet klaar, van Cas', 'Cas finds the text again');
        }
        await page.getByTestId('note-text').fill(`Een plek voor iedereen, zegt ${name}`);
        await page.getByTestId('note-submit').click();
        await page.getByTestId('notes-list').getByText(`Een plek voor iedereen, zegt ${name}`).waitFor();
        await hideSeat(page);
      }
      const notes = await bots.page.evaluate((c) => window.R[c].host.view.tables[0].notes, room);
      for (const name of SEATS) {
        assert.ok(notes.some((n) => n.player_id === ids[name] && n.text === `Een plek voor iedereen, zegt ${name}`), `${name}'s note is theirs`);
      }

      // A draft, then a reload mid-game: every seat comes back, connected, with the same ids.
      await seatButton(page, 'Bram').click();
      await page.getByTestId('note-text').fill('Bewaard bij het herladen');
      await page.reload();
      await atPicker(page);
      await page.waitForFunction(() => {
        const seats = [...document.querySelectorAll('[data-testid="seat"]')];
        return seats.length === 3 && seats.every((s) => !/connecting|offline/.test(s.dataset.status || ''));
      });
      const after = await page.locator('[data-testid="seat"]').evaluateAll((els) => els.map((e) => e.dataset.playerId));
      assert.deepEqual(after, SEATS.map((n) => ids[n]), 'the same three players after a reload');
      await hostSeesConnected(bots.page, room, Object.values(ids));
      await seatButton(page, 'Bram').click();
      assert.equal(await page.getByTestId('note-text').inputValue(), 'Bewaard bij het herladen', 'Bram\'s draft survived the reload');
      await page.getByTestId('note-text').fill('');
      await hideSeat(page);

      // The proposal: whoever may write it on the tablet does; else the fourth player.
      await hostSends(bots.page, room, { type: 'next' }, 2);
      await hostSends(bots.page, room, { type: 'next' }, 3);
      let proposed = false;
      for (const name of SEATS) {
        await seatButton(page, name).click();
        const action = page.locator('[data-testid="proposal-text"], [data-testid="proposal-not-yours"]').first();
        await action.waitFor();
        if (!proposed && await page.getByTestId('proposal-text').count()) {
          await page.getByTestId('proposal-text').fill(`Een nieuwe baan aan de rand van het park, geschreven door ${name}.`);
          await page.getByTestId('proposal-submit').click();
          await page.getByTestId('proposal-status').filter({ hasText: /opgeslagen/ }).waitFor();
          proposed = true;
        }
        await hideSeat(page);
      }
      if (!proposed) {
        await bots.page.evaluate((c) => window.R[c].players[0].send({ type: 'propose', text: 'Een nieuwe baan aan de rand van het park.' }), room);
      }
      await bots.page.waitForFunction((c) => !!window.R[c].host.view.tables[0].proposal, room);

      // The vote: each votes differently through their own seat; the picker comes back after each.
      await hostSends(bots.page, room, { type: 'next' }, 4);
      await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="seat"]')].every((s) => /todo/.test(s.dataset.status || '')));
      assert.match(await seatButton(page, 'Anna').textContent(), /nog niet gestemd/);
      const votes = {
        Anna: { choice: 'support' },
        Bram: { choice: 'support_if', condition: 'Als de buren meepraten over de tijden' },
        Cas: { choice: 'object', reason: 'Te veel lawaai in de avond' },
      };
      for (const name of SEATS) {
        const v = votes[name];
        await seatButton(page, name).click();
        await page.getByTestId('vote-support').waitFor();
        if (name === 'Anna') {
          await audit(page, 'tablet: Anna\'s vote');
          await page.evaluate(() => window.scrollTo(0, 0));
          await shot(page, 'device-3-vote');
        }
        await page.getByTestId(`vote-${v.choice}`).check();
        if (v.condition) await page.getByTestId('vote-condition').fill(v.condition);
        if (v.reason) await page.getByTestId('vote-reason').fill(v.reason);
        await page.getByTestId('vote-submit').click();
        // After the vote the picker comes back by itself: the next person sees no open vote.
        await atPicker(page);
        await page.getByTestId('device-notice').filter({ hasText: `De stem van ${name} is opgeslagen` }).waitFor();
        assert.equal(await page.locator('[data-testid="my-vote"], [data-testid="vote-form"]').count(), 0, 'no vote in sight');
        await seatButton(page, name).and(page.locator('[data-status~="done"]')).waitFor();
      }
      assert.match(await seatButton(page, 'Cas').textContent(), /gestemd/);
      await bots.page.waitForFunction(({ code, want }) => {
        const players = (window.R[code].host.view.tables || []).flatMap((tb) => tb.players || []);
        return want.every(([id, choice]) => players.some((p) => p.player_id === id && p.vote && p.vote.choice === choice));
      }, { code: room, want: SEATS.map((n) => [ids[n], votes[n].choice]) });
      const counted = await hostPlayers(bots.page, room);
      for (const name of SEATS) {
        const p = counted.find((x) => x.player_id === ids[name]);
        assert.equal(p.vote.choice, votes[name].choice, `${name}'s own vote`);
        if (votes[name].condition) assert.equal(p.vote.condition, votes[name].condition);
        if (votes[name].reason) assert.equal(p.vote.reason, votes[name].reason);
      }
      assert.equal(counted.filter((p) => p.vote).length, 3, 'three separate votes, the fourth player has not voted');
      await audit(page, 'tablet: the picker after the votes');
      await page.evaluate(() => window.scrollTo(0, 0));
      await shot(page, 'device-4-picker-voted');

      // Nobody touches the screen: it hides by itself (here after 2 s); nothing is lost.
      await page.goto(`${BASE_URL}/join/${room}?hideAfter=2`);
      await atPicker(page);
      await seatButton(page, 'Anna').click();
      await page.getByTestId('my-vote').waitFor();
      await page.locator('[data-testid="device-hint"].is-soon').waitFor({ timeout: 5000 });
      // The first screen only: the warning is in the bar at the top.
      await page.screenshot({ path: path.join(SHOT_DIR, 'device-9-hide-soon.png') });
      await page.getByTestId('device-picker-title').waitFor({ timeout: 10000 });
      await page.getByTestId('device-notice').filter({ hasText: /vanzelf verborgen/ }).waitFor();
      assert.equal(await page.getByTestId('my-vote').count(), 0, 'Anna\'s vote is hidden again');

      // Forget Cas on this device: only the token here goes; Cas stays in the game, offline.
      await page.locator('[data-testid="device-manage"] > summary').click();
      await page.locator(`[data-testid="forget-seat"][data-player-id="${ids.Cas}"]`).click();
      await page.getByTestId('forget-panel').waitFor();
      await audit(page, 'tablet: forget a seat');
      await shot(page, 'device-9-forget');
      await page.getByTestId('forget-confirm').click();
      await atPicker(page);
      assert.equal(await page.locator('[data-testid="seat"]').count(), 2, 'two seats left');
      const left = await page.evaluate((c) => JSON.parse(localStorage.getItem(`democreatie.device.${c}`)).map((s) => s.name), room);
      assert.deepEqual(left, ['Anna', 'Bram']);
      await hostSeesConnected(bots.page, room, [ids.Cas], false);
    } finally {
      await context.close();
    }
  });

  it('in the lobby a phone\'s player becomes the first seat of the device', async () => {
    const { room, host_token: token } = await createRoom('skatebaan');
    const phone = await newPhone(browser, 'phone-adopt', problems);
    const { page, context } = phone;
    try {
      await page.goto(`${BASE_URL}/join/${room}`);
      await page.getByTestId('play-together').waitFor();
      await shot(page, 'device-5-phone-join');
      await page.getByTestId('join-name').fill('Eva');
      await page.getByTestId('join-submit').click();
      await page.getByTestId('lobby').waitFor();
      const pid = await page.locator('[data-testid="lobby"] .person').first().getAttribute('data-player-id');
      await page.getByTestId('play-together').click();
      await page.getByTestId('device-add-form').waitFor();
      await audit(page, 'phone: adding a player');
      await shot(page, 'device-6-phone-add');
      await page.getByTestId('device-name').fill('Fien');
      await page.getByTestId('device-add-submit').click();
      await page.getByTestId('device-notice').filter({ hasText: 'Fien doet mee.' }).waitFor();
      await page.getByTestId('device-done').click();
      await atPicker(page);
      const seats = await page.locator('[data-testid="seat"]').evaluateAll((els) => els.map((e) => e.dataset.playerId));
      assert.equal(seats.length, 2);
      assert.equal(seats[0], pid, 'Eva is the first seat, with her own player id');
      assert.equal(await page.evaluate((c) => localStorage.getItem(`democreatie.player.${c}`), room), null, 'the single token moved into the device');
      await audit(page, 'phone: the picker');
      await shot(page, 'device-7-phone-picker');
      await check320(page, 'phone: the picker');
      // In English too.
      await page.getByTestId('lang-switch').click();
      await page.getByTestId('device-picker-title').filter({ hasText: 'Who are you?' }).waitFor();
      assert.match(await seatButton(page, 'Eva').textContent(), /waiting for the start/);
      await page.getByTestId('lang-switch').click();
      await page.getByTestId('device-picker-title').filter({ hasText: 'Wie ben jij?' }).waitFor();
      await seatButton(page, 'Fien').click();
      await page.getByTestId('lobby').waitFor();
      assert.match(await page.getByTestId('lobby').textContent(), /Fien \(jij\)/, 'Fien\'s lobby');
      assert.equal(await page.getByTestId('play-together').count(), 0, 'no second offer inside a seat');
      await audit(page, 'phone: a seat in the lobby');
      await shot(page, 'device-8-phone-seat');
      await check320(page, 'phone: a seat in the lobby');
      await hideSeat(page);

      // The facilitator deletes the room: the device says so and forgets every seat.
      const res = await fetch(`${BASE_URL}/api/rooms/${room}`, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } });
      assert.equal(res.status, 204);
      await page.locator('[data-testid="end-state"][data-state="deleted"]').waitFor();
      assert.equal(await page.evaluate((c) => localStorage.getItem(`democreatie.device.${c}`), room), null, 'the seats are forgotten');
    } finally {
      await context.close();
    }
  });

  it('no page had an error, a dialog or a CSP violation', () => {
    assert.deepEqual(problems, []);
  });
});
