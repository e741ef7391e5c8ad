// A whole game, played through the web pages alone: a facilitator creates a
// room with the built-in case `skatebaan`, a big screen watches, four phones
// (Pixel 5) join through the join URL and play every round to the report.
// Along the way: one phone goes offline and comes back into its seat, one
// phone reloads (a sleeping phone), a participant named
// `<svg onload=alert(1)>` is only ever shown as text, axe finds no WCAG 2.1
// A/AA problem on any page in any phase, nothing scrolls sideways at 320 px,
// and screenshots are written for each phase.

const { describe, it, before, after } = require('node:test');
const fs = require('node:fs');
const {
  assert, BASE_URL, launch, newPage, newPhone, audit, shot, check320, waitPhase, phaseOf, assertNoInjectedMarkup,
} = require('./helpers');

const XSS_NAME = '<svg onload=alert(1)>';
const PLAYERS = [
  { name: 'Anna', real: 'resident' },
  { name: 'Bram', real: 'civil_servant' },
  { name: XSS_NAME, real: 'other' },
  { name: 'Chris', real: 'councillor' },
];

describe('a whole game through the web client', { timeout: 600000 }, () => {
  const problems = [];
  let browser;
  let host;
  let screen;
  const phones = [];
  let code;
  let joinUrl;
  const cardNames = [];
  let votesSeen = 0;

  before(async () => {
    browser = await launch();
    host = await newPage(browser, 'host', problems, { viewport: { width: 1280, height: 900 } });
    screen = await newPage(browser, 'screen', problems, { viewport: { width: 1600, height: 900 } });
    for (let i = 0; i < PLAYERS.length; i += 1) phones.push(await newPhone(browser, `phone${i}`, problems));
  });

  after(async () => {
    if (browser) await browser.close();
  });

  async function everyPage(fn) {
    await fn(host.page, 'host');
    await fn(screen.page, 'screen');
    for (let i = 0; i < phones.length; i += 1) await fn(phones[i].page, `phone${i}`);
  }

  async function auditPhase(label) {
    await audit(host.page, `host (${label})`);
    await audit(screen.page, `screen (${label})`);
    await audit(phones[0].page, `phone0 (${label})`);
    await audit(phones[2].page, `phone2 (${label})`);
    await audit(phones[3].page, `phone3 in English (${label})`);
  }

  async function shotPhase(label) {
    await shot(host.page, `${label}-host`);
    await shot(screen.page, `${label}-screen`);
    await shot(phones[0].page, `${label}-phone`);
    await shot(phones[3].page, `${label}-phone-en`);
  }

  it('the facilitator chooses the built-in case and creates a room', { timeout: 120000 }, async () => {
    const { page } = host;
    await page.goto(`${BASE_URL}/host`);
    await page.getByTestId('scenario-skatebaan').waitFor();
    await audit(page, 'host setup');
    await check320(page, 'host setup');
    await page.getByTestId('scenario-skatebaan').check();
    await page.getByTestId('scenario-details').waitFor();
    assert.ok(await page.getByTestId('setup-round-plan').locator('li').count() >= 2, 'the round plan of the case is shown');
    await shot(page, '00-host-setup');
    await page.getByTestId('host-create').click();
    await page.waitForURL(/\/host\?room=[A-Z]{5}$/);
    code = new URL(page.url()).searchParams.get('room');
    await assert.doesNotReject(page.getByTestId('room-code').filter({ hasText: code }).waitFor());
    const stored = await page.evaluate((c) => localStorage.getItem(`democreatie.host.${c}`), code);
    assert.ok(stored && stored.length >= 16, 'the host token is stored in localStorage');
    joinUrl = await page.getByTestId('join-url').getAttribute('href');
    assert.match(joinUrl, new RegExp(`/join/${code}$`), 'the join URL ends in /join/CODE');
    const qrOk = await page.getByTestId('qr').evaluate((img) => img.complete && img.naturalWidth > 0);
    assert.ok(qrOk, 'the QR code image loads');
    await waitPhase(page, -1);
  });

  it('a reload of the dashboard resumes as host', { timeout: 120000 }, async () => {
    const { page } = host;
    await page.reload();
    await page.getByTestId('room-code').filter({ hasText: code }).waitFor();
    await page.getByTestId('host-start').waitFor();
  });

  it('the big screen shows the code and the QR code', { timeout: 120000 }, async () => {
    const { page } = screen;
    await page.goto(`${BASE_URL}/screen/${code}`);
    await page.getByTestId('room-code').filter({ hasText: code }).waitFor();
    const qrOk = await page.getByTestId('qr').evaluate((img) => img.complete && img.naturalWidth > 0);
    assert.ok(qrOk, 'the QR code image loads on the screen');
  });

  it('four phones join: one types the code on the start page, three open the join URL', { timeout: 120000 }, async () => {
    // Phone 0 types the code at the short address the big screen shows, "/join", as a
    // person might: lower case, with a space, a dash and a dot.
    const p0 = phones[0].page;
    await p0.goto(`${BASE_URL}/join`);
    await audit(p0, 'start page');
    await check320(p0, 'start page');
    const typed = `${code.slice(0, 2)} ${code.slice(2, 3)}-${code.slice(3, 4)}.${code.slice(4)}`.toLowerCase();
    await p0.getByTestId('code-input').fill(typed);
    await p0.getByTestId('code-submit').click();
    await p0.waitForURL(new RegExp(`/join/${code}$`));
    await p0.getByTestId('join-name').waitFor();
    await audit(p0, 'join form');
    await check320(p0, 'join form');
    await shot(p0, '01-phone-join');

    // The join URL the facilitator sees points to this server's join page.
    const url = `${BASE_URL}/join/${code}`;
    for (let i = 1; i < phones.length; i += 1) await phones[i].page.goto(url);

    for (let i = 0; i < phones.length; i += 1) {
      const { page } = phones[i];
      await page.getByTestId('join-name').fill(PLAYERS[i].name);
      await page.getByTestId(`join-real-role-${PLAYERS[i].real}`).check();
      await page.getByTestId('join-submit').click();
      await page.getByTestId('lobby').waitFor();
      const token = await page.evaluate((c) => localStorage.getItem(`democreatie.player.${c}`), code);
      assert.ok(token, `phone${i}: the player token is stored`);
    }
    // Phone 3 plays the whole game in English (the switch is remembered).
    const p3 = phones[3].page;
    const dutchTitle = await p3.locator('#round-title').textContent();
    await p3.getByTestId('lang-switch').click();
    await p3.waitForFunction(() => document.documentElement.lang === 'en');
    assert.notEqual(await p3.locator('#round-title').textContent(), dutchTitle, 'the lobby is shown in English');
    await p3.getByTestId('lobby').waitFor();
    await host.page.getByTestId('lobby-player').nth(3).waitFor();
    assert.equal(await host.page.getByTestId('lobby-player').count(), 4);
    await screen.page.getByTestId('screen-count').filter({ hasText: '4' }).waitFor();
    await phones[0].page.getByTestId('lobby').locator('li').nth(3).waitFor();
  });

  it('a taken name, a locked room and a kick are shown to the person', { timeout: 120000 }, async () => {
    const extra = await newPhone(browser, 'phone-extra', problems);
    try {
      const { page } = extra;
      await page.goto(`${BASE_URL}/join/${code}`);
      // Name taken (case-insensitive): the server's sentence is shown by the form.
      await page.getByTestId('join-name').fill('anna');
      await page.getByTestId('join-submit').click();
      await page.getByTestId('join-error').waitFor();
      assert.ok((await page.getByTestId('join-error').textContent()).trim().length > 0);
      // Locked room.
      await host.page.getByTestId('host-lock').click();
      await host.page.getByTestId('locked-note').waitFor();
      await page.getByTestId('join-name').fill('Extra');
      await page.getByTestId('join-submit').click();
      await page.getByTestId('join-error').waitFor();
      await host.page.getByTestId('host-lock').click();
      await host.page.getByTestId('locked-note').waitFor({ state: 'detached' });
      // Now it works.
      await page.getByTestId('join-name').fill('Extra');
      await page.getByTestId('join-submit').click();
      await page.getByTestId('lobby').waitFor();
      // The facilitator removes Extra.
      const row = host.page.getByTestId('lobby-player').filter({ hasText: 'Extra' });
      await row.waitFor();
      const pid = await row.getAttribute('data-player-id');
      await host.page.getByTestId(`kick-${pid}`).click();
      await host.page.getByTestId(`kick-confirm-${pid}`).click();
      await page.locator('[data-testid="end-state"][data-state="kicked"]').waitFor();
      await audit(page, 'kicked phone');
      const token = await page.evaluate((c) => localStorage.getItem(`democreatie.player.${c}`), code);
      assert.equal(token, null, 'a kicked player forgets the token');
      await host.page.getByTestId('lobby-player').filter({ hasText: 'Extra' }).waitFor({ state: 'detached' });
    } finally {
      await extra.context.close();
    }
  });

  it(`a participant named ${XSS_NAME} is shown as text and runs nothing`, { timeout: 120000 }, async () => {
    await host.page.getByTestId('lobby-list').getByText(XSS_NAME, { exact: true }).waitFor();
    await screen.page.getByText(XSS_NAME, { exact: true }).waitFor();
    await phones[0].page.getByTestId('lobby').getByText(XSS_NAME, { exact: false }).waitFor();
    await phones[2].page.getByTestId('player-name').getByText(XSS_NAME, { exact: true }).waitFor();
    await everyPage(async (page, label) => {
      await assertNoInjectedMarkup(page, label);
      assert.equal(await page.locator('svg[onload]').count(), 0, `${label}: no injected <svg>`);
    });
    assert.deepEqual(problems.filter((p) => /dialog/.test(p)), [], 'no dialog was opened');
  });

  it('the lobby passes axe and fits 320 px on every page', { timeout: 120000 }, async () => {
    await auditPhase('lobby');
    await shotPhase('02-lobby');
    await check320(phones[0].page, 'phone lobby');
    await check320(host.page, 'host lobby');
    await check320(screen.page, 'screen lobby');
  });

  it('start deals tables and role cards', { timeout: 120000 }, async () => {
    await host.page.getByTestId('host-start').click();
    for (let i = 0; i < phones.length; i += 1) {
      const { page } = phones[i];
      const card = page.getByTestId('role-card');
      await card.waitFor();
      const role = await card.getAttribute('data-role');
      assert.ok(['resident', 'civil_servant', 'councillor'].includes(role), `phone${i} has a role`);
      const name = (await page.getByTestId('card-name').first().textContent()).trim();
      assert.ok(name.length > 0, `phone${i} has a persona name`);
      cardNames[i] = name;
      await page.getByTestId('table-number').waitFor({ state: 'attached' });
      // The card comes first (issue #13); "Verder" opens the round.
      assert.equal(await page.getByTestId('tab-card').getAttribute('aria-selected'), 'true', `phone${i} shows the card first`);
      await page.getByTestId('card-continue').click();
      await page.locator('#panel-do:not([hidden])').waitFor();
    }
    const ph = await phaseOf(host.page);
    assert.equal(ph.index, 0, 'the first round is open');
    await waitPhase(screen.page, 0);
    // The facilitator sees every role card.
    assert.ok(await host.page.getByTestId('host-role-card').count() >= 4, 'the host sees every role card');
  });

  it('every round is played through the phones until the room is finished', { timeout: 480000 }, async () => {
    const firstVote = { done: false };
    let offlineDone = false;
    let reloadDone = false;
    for (let guard = 0; guard < 40; guard += 1) {
      const ph = await phaseOf(host.page);
      if (ph.kind === 'finished') break;
      for (const { page } of phones) await waitPhase(page, ph.index);
      await waitPhase(screen.page, ph.index);
      const label = `${String(ph.index + 3).padStart(2, '0')}-${ph.kind}`;

      if (ph.kind === 'briefing' || ph.kind === 'debrief') {
        for (let i = 0; i < phones.length; i += 1) {
          const { page } = phones[i];
          await page.getByTestId('ready').click();
          await page.getByTestId('ready-done').waitFor();
        }
        await host.page.getByText(/4\s*(van|of)\s*4/).first().waitFor();
      } else if (ph.kind === 'discussion') {
        for (let i = 0; i < phones.length; i += 1) {
          const { page } = phones[i];
          if (!offlineDone && i === 1) {
            await offlineAndBack(phones[1], i);
            offlineDone = true;
          }
          if (!reloadDone && i === 3) {
            await page.reload();
            // The card was seen: after a reload the round comes first, the card is a tab away.
            await page.getByTestId('role-card').waitFor({ state: 'attached' });
            assert.equal((await page.getByTestId('card-name').first().textContent()).trim(), cardNames[3], 'after a reload the phone has the same seat');
            reloadDone = true;
          }
          const text = `Notitie ${i + 1} in ronde ${ph.index + 1}`;
          const kinds = page.locator('[data-testid^="note-kind-"]');
          const first = kinds.first();
          if ((await first.evaluate((el) => el.tagName)) === 'INPUT') await first.check();
          await page.getByTestId('note-text').fill(text);
          await page.getByTestId('note-submit').click();
          await page.getByTestId('notes-list').getByText(text).waitFor();
        }
        await host.page.getByText(`Notitie 4 in ronde ${ph.index + 1}`).first().waitFor();
      } else if (ph.kind === 'proposal') {
        let wrote = false;
        for (let i = 0; i < phones.length; i += 1) {
          const { page } = phones[i];
          const action = page.locator('[data-testid="proposal-text"], [data-testid="proposal-not-yours"], [data-testid="sit-out"]').first();
          await action.waitFor();
          if (await page.getByTestId('proposal-text').count()) {
            const text = `Voorstel van telefoon ${i + 1} in ronde ${ph.index + 1}: de jongeren ontwerpen de baan mee, de gemeente regelt het onderhoud.`;
            await page.getByTestId('proposal-text').fill(text);
            await page.getByTestId('proposal-submit').click();
            await page.getByTestId('proposal-current').getByText(text).waitFor();
            wrote = true;
            break;
          }
        }
        if (wrote) {
          for (const { page } of phones) await page.getByTestId('proposal-current').waitFor();
        }
      } else if (ph.kind === 'vote') {
        const plan = firstVote.done
          ? ['support', 'support', 'support_if', 'support']
          : ['support', 'support_if', 'support', 'object'];
        let voted = 0;
        for (let i = 0; i < phones.length; i += 1) {
          const { page } = phones[i];
          const action = page.locator('[data-testid="vote-form"], [data-testid="sit-out"]').first();
          await action.waitFor();
          if (!(await page.getByTestId('vote-form').count())) continue;
          const choice = plan[i];
          await page.getByTestId(`vote-${choice}`).check();
          if (choice === 'support_if') await page.getByTestId('vote-condition').fill('als het onderhoud geregeld is');
          if (choice === 'object') await page.getByTestId('vote-reason').fill('te veel lawaai voor de buren');
          await page.getByTestId('vote-submit').click();
          // The last vote at a table tallies it at once (auto_reveal, on by default in the
          // setup): that phone may show the table's decision instead of its own vote.
          await Promise.any([
            page.locator(`[data-testid="my-vote"][data-choice="${choice}"]`).waitFor(),
            host.page.locator('[data-testid^="table-vote-state-"][data-state="revealed"]').first().waitFor(),
          ]);
          voted += 1;
        }
        if (voted) {
          firstVote.done = true;
          votesSeen += voted;
          await screen.page.getByText(new RegExp(`${voted}\\s*(van|of)\\s*4`)).first().waitFor();
        }
      }

      await auditPhase(label);
      await shotPhase(label);
      await check320(phones[0].page, `phone ${label}`);
      if (ph.index === 0) await check320(host.page, `host ${label}`);

      const wasVote = ph.kind === 'vote';
      await host.page.getByTestId('host-next').click();
      await waitPhase(host.page, ph.index + 1);
      if (wasVote) {
        for (const { page } of phones) await page.getByTestId('decision').first().waitFor();
        await screen.page.getByTestId('decision-1').waitFor();
        await screen.page.getByTestId('decision-1').getByTestId('chart').waitFor();
        await audit(screen.page, `screen (after ${label})`);
        await audit(phones[0].page, `phone0 (after ${label})`);
        await shot(screen.page, `${label}-result-screen`);
        await shot(phones[0].page, `${label}-result-phone`);
        await check320(screen.page, `screen after ${label}`);
      }
    }
    assert.ok(offlineDone, 'the case had a discussion round (offline check ran)');
    assert.ok(votesSeen > 0, 'the case had a vote round with votes');
  });

  async function offlineAndBack(phone, i) {
    const { page, context } = phone;
    await context.setOffline(true);
    await page.getByTestId('banner').waitFor({ state: 'visible' });
    // The facilitator sees the phone as not connected.
    await host.page.locator('[data-testid="table-player"][data-connected="false"]', { hasText: PLAYERS[i].name }).waitFor();
    // A note typed while offline is not lost silently: the form says so.
    await page.getByTestId('note-text').fill('Geschreven zonder netwerk');
    await page.getByTestId('note-submit').click();
    await page.locator('[data-testid="note-status"].is-error').waitFor();
    await shot(page, 'offline-phone');
    await audit(page, 'phone while offline');
    await context.setOffline(false);
    await page.getByTestId('banner').waitFor({ state: 'hidden' });
    await page.getByTestId('role-card').waitFor({ state: 'attached' });
    assert.equal((await page.getByTestId('card-name').first().textContent()).trim(), cardNames[i], 'back in the same seat');
    await host.page.locator('[data-testid="table-player"][data-connected="true"]', { hasText: PLAYERS[i].name }).waitFor();
  }

  it('the finished room shows the outcome everywhere', { timeout: 120000 }, async () => {
    await host.page.locator('[data-testid="phase"][data-phase-kind="finished"]').waitFor();
    for (const { page } of phones) {
      await page.locator('[data-testid="phase"][data-phase-kind="finished"]').waitFor();
      await page.getByTestId('decision').first().waitFor();
    }
    await screen.page.locator('[data-testid="phase"][data-phase-kind="finished"]').waitFor();
    await auditPhase('finished');
    await shotPhase('20-finished');
    await check320(phones[0].page, 'phone finished');
  });

  it('the facilitator downloads the report as Markdown, JSON and CSV', { timeout: 120000 }, async () => {
    const { page } = host;
    const get = async (ext) => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(`report-${ext}`).click()]);
      assert.equal(download.suggestedFilename(), `democreatie-${code}.${ext}`);
      const file = await download.path();
      return fs.readFileSync(file, 'utf8');
    };
    const md = await get('md');
    assert.ok(md.trim().length > 0, 'the Markdown report is not empty');
    const json = await get('json');
    assert.doesNotThrow(() => JSON.parse(json), 'the JSON report parses');
    const csv = await get('csv');
    // Version 2 adds the `hidden` column last.
    assert.equal(csv.split(/\r?\n/)[0].trim(), 'table,round,round_title,type,player_id,name,role,kind,text,hidden');
  });

  it('a player can leave a finished room for good', { timeout: 120000 }, async () => {
    const { page } = phones[1];
    await page.getByTestId('tab-table').click();
    await page.getByTestId('leave').click();
    await page.getByTestId('leave-confirm').click();
    await page.locator('[data-testid="end-state"][data-state="left"]').waitFor();
    const token = await page.evaluate((c) => localStorage.getItem(`democreatie.player.${c}`), code);
    assert.equal(token, null);
  });

  it('nothing ran that should not: no uncaught error, no dialog, no CSP violation', () => {
    assert.deepEqual(problems, []);
  });
});
