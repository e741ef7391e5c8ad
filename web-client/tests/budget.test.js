// The budget round of the built-in case `wijkbudget`, played end to end by a
// room of 24: three real phones (a parent in Dutch, an older resident in
// English, a teenager on a 320 px phone) and 21 more participants whose
// WebSockets run in one extra browser page. The groups are those of
// scripts/budget_case_check.py (8 parents, 6 older residents, 5 teenagers,
// 5 cyclists), so "most votes first" and "equal shares" must differ: the
// playground wins the first and not the second. The big screen is shot at
// 1920×1080, the phones at phone size; axe audits every page in the budget
// round and after it.

const { describe, it, before, after } = require('node:test');
const {
  assert, BASE_URL, launch, newPage, newPhone, audit, shot, check320, waitPhase, phaseOf,
} = require('./helpers');

const GROUPS = [
  { size: 8, wants: ['speeltuin', 'schoolplein', 'oversteek'] },
  { size: 6, wants: ['bankjes', 'koffieochtend', 'stoepranden'] },
  { size: 5, wants: ['hangplek', 'pannaveld'] },
  { size: 5, wants: ['fietsenstalling', 'bomen', 'oversteek'] },
];
// The real phones: one of the first three groups each.
const PHONES = [
  { name: 'Fatima', group: 0, lang: 'nl' },
  { name: 'Henk', group: 1, lang: 'en' },
  { name: 'Jayden', group: 2, lang: 'nl', narrow: true },
];

describe('a budget round with 24 participants', { timeout: 600000 }, () => {
  const problems = [];
  let browser;
  let host;
  let screen;
  let bots;
  const phones = [];
  let code;
  let titles;

  before(async () => {
    browser = await launch();
    host = await newPage(browser, 'host', problems, { viewport: { width: 1280, height: 900 } });
    screen = await newPage(browser, 'screen', problems, { viewport: { width: 1920, height: 1080 } });
    bots = await newPage(browser, 'bots', problems);
    for (const p of PHONES) phones.push(await newPhone(browser, `phone-${p.name}`, problems));
    const res = await fetch(`${BASE_URL}/api/scenarios/wijkbudget`);
    assert.equal(res.status, 200, 'the built-in budget case is served');
    const sc = await res.json();
    titles = new Map(sc.budget.projects.map((p) => [p.id, p.title]));
  });

  after(async () => {
    if (browser) await browser.close();
  });

  it('the facilitator creates the room and 24 people join', { timeout: 180000 }, async () => {
    const { page } = host;
    await page.goto(`${BASE_URL}/host`);
    await page.getByTestId('scenario-wijkbudget').check();
    await page.getByTestId('host-create').click();
    await page.waitForURL(/\/host\?room=[A-Z]{5}$/);
    code = new URL(page.url()).searchParams.get('room');
    await screen.page.goto(`${BASE_URL}/screen/${code}`);
    await screen.page.getByTestId('room-code').filter({ hasText: code }).waitFor();

    for (let i = 0; i < PHONES.length; i += 1) {
      const { page: p } = phones[i];
      await p.goto(`${BASE_URL}/join/${code}`);
      await p.getByTestId('join-name').fill(PHONES[i].name);
      await p.getByTestId('join-submit').click();
      await p.getByTestId('lobby').waitFor();
      if (PHONES[i].lang === 'en') {
        await p.getByTestId('lang-switch').click();
        await p.waitForFunction(() => document.documentElement.lang === 'en');
      }
    }
    if (PHONES[2].narrow) await phones[2].page.setViewportSize({ width: 320, height: 568 });

    // The other 21 join over WebSockets from one page of this origin.
    const plan = [];
    GROUPS.forEach((g, gi) => {
      const real = PHONES.filter((p) => p.group === gi).length;
      for (let k = real; k < g.size; k += 1) plan.push({ name: `Deelnemer ${gi + 1}.${k + 1}`, wants: g.wants });
    });
    assert.equal(plan.length + PHONES.length, 24);
    await bots.page.goto(`${BASE_URL}/`);
    await bots.page.evaluate(async ({ room, plan: people }) => {
      const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
      window.bots = await Promise.all(people.map((person) => new Promise((resolve, reject) => {
        const ws = new WebSocket(url);
        const bot = { ws, view: null, wants: person.wants };
        ws.onmessage = (e) => {
          const m = JSON.parse(e.data);
          if (m.type === 'hello') ws.send(JSON.stringify({ type: 'join', room, name: person.name }));
          else if (m.type === 'welcome') resolve(bot);
          else if (m.type === 'state') bot.view = m.view;
          else if (m.type === 'error' && !bot.view) reject(new Error(m.message));
        };
        ws.onerror = () => reject(new Error('a participant socket failed'));
      })));
    }, { room: code, plan });
    await screen.page.getByTestId('screen-count').filter({ hasText: '24' }).waitFor();
    await host.page.getByTestId('lobby-player').nth(23).waitFor();
  });

  it('the budget round: phones tick plans and see the running total', { timeout: 240000 }, async () => {
    await host.page.getByTestId('host-start').click();
    // The card comes first on every phone (issue #13); "Verder" opens the round.
    for (const { page } of phones) await page.getByTestId('card-continue').click();
    // Move on to the budget round (the rounds before it are for talking).
    for (let guard = 0; guard < 10; guard += 1) {
      const ph = await phaseOf(host.page);
      if (ph.kind === 'budget') break;
      await host.page.getByTestId('host-next').click();
      await waitPhase(host.page, ph.index + 1);
    }
    const { index } = await phaseOf(host.page);
    for (const { page } of phones) await waitPhase(page, index);
    await waitPhase(screen.page, index);
    await screen.page.getByTestId('ballots-sent').filter({ hasText: /0\s*(van de|of)\s*24/ }).waitFor();
    await shot(screen.page, 'budget-1-round-screen');

    for (let i = 0; i < PHONES.length; i += 1) {
      const { page } = phones[i];
      const wants = GROUPS[PHONES[i].group].wants;
      await page.getByTestId('ballot-form').waitFor();
      // Tick one plan too many first, then untick it: the total follows.
      await page.getByTestId('project-speeltuin').setChecked(true);
      for (const id of wants) await page.getByTestId(`project-${id}`).setChecked(true);
      if (!wants.includes('speeltuin')) {
        await page.getByTestId('project-speeltuin').setChecked(false);
      }
      const total = await page.getByTestId('ballot-total').textContent();
      assert.match(total, new RegExp(`${wants.length}`), `phone ${i}: the running total counts the ticked plans: ${total}`);
      if (i === 0) {
        await audit(page, 'phone ballot before sending');
        await check320(page, 'phone ballot');
        await shot(page, 'budget-2-ballot-phone');
      }
      await page.getByTestId('ballot-submit').click();
      await page.getByTestId('ballot-sent').waitFor();
    }
    await shot(phones[1].page, 'budget-2-ballot-phone-en');
    await shot(phones[2].page, 'budget-2-ballot-phone-320');
    await check320(phones[2].page, 'phone ballot at 320');

    await bots.page.evaluate(async () => {
      for (const bot of window.bots) bot.ws.send(JSON.stringify({ type: 'approve', projects: bot.wants }));
      const sent = () => window.bots.every((b) => b.view && b.view.you && Array.isArray(b.view.you.ballot));
      for (let i = 0; i < 200 && !sent(); i += 1) await new Promise((r) => setTimeout(r, 50));
      if (!sent()) throw new Error('not every participant got their ballot back');
    });
    await screen.page.getByTestId('ballots-sent').filter({ hasText: /24\s*(van de|of)\s*24/ }).waitFor();
    await host.page.getByTestId('ballots-sent').filter({ hasText: /24\s*(van de|of)\s*24/ }).waitFor();
    for (const [page, label] of [[screen.page, 'screen'], [host.page, 'host'], [phones[0].page, 'phone'], [phones[1].page, 'phone (en)']]) {
      await audit(page, `${label} in the budget round`);
    }
    await shot(screen.page, 'budget-3-all-chosen-screen');
    await shot(host.page, 'budget-3-all-chosen-host');
    // Nobody's page shows another person's ballot: the screen never has a ballot form.
    assert.equal(await screen.page.getByTestId('ballot-form').count(), 0);
  });

  it('after the round both outcomes are shown side by side, and they differ', { timeout: 180000 }, async () => {
    const { index } = await phaseOf(host.page);
    await host.page.getByTestId('host-next').click();
    await waitPhase(host.page, index + 1);
    const greedy = ['speeltuin', 'schoolplein', 'oversteek'];
    const shares = ['schoolplein', 'oversteek', 'bankjes', 'koffieochtend', 'stoepranden', 'hangplek', 'fietsenstalling'];
    for (const [page, label] of [[screen.page, 'screen'], [host.page, 'host'], [phones[0].page, 'phone'], [phones[2].page, 'phone 320']]) {
      const result = page.getByTestId('budget-result');
      await result.waitFor();
      const g = await result.getByTestId('outcome-greedy').textContent();
      const e = await result.getByTestId('outcome-equal_shares').textContent();
      for (const id of greedy) assert.ok(g.includes(titles.get(id)), `${label}: most votes first funds ${id}`);
      for (const id of shares) assert.ok(e.includes(titles.get(id)), `${label}: equal shares funds ${id}`);
      assert.ok(!e.includes(titles.get('speeltuin')), `${label}: equal shares does not fund the playground`);
      await audit(page, `${label} with the budget result`);
    }
    // The outcome that counts is marked in words, not by colour alone.
    const counted = screen.page.getByTestId('outcome-equal_shares');
    assert.match(await counted.textContent(), /Dit telt|This counts/);
    // Per project, the approvals per role on the big screen (not a secret ballot).
    const rows = screen.page.getByTestId('budget-table').locator('tbody tr');
    assert.equal(await rows.count(), titles.size);
    // Cells: cost, approvals, then one per role.
    const playground = screen.page.getByTestId('budget-table').locator('tr[data-project="speeltuin"] td');
    assert.equal((await playground.nth(1).textContent()).trim(), '8', 'eight people approved the playground');
    const perRole = await Promise.all([2, 3, 4].map(async (i) => Number(await playground.nth(i).textContent())));
    assert.equal(perRole.reduce((a, b) => a + b, 0), 8, 'the approvals per role add up');
    await shot(screen.page, 'budget-4-result-screen');
    await shot(host.page, 'budget-4-result-host');
    await shot(phones[0].page, 'budget-4-result-phone');
    await shot(phones[1].page, 'budget-4-result-phone-en');
    await check320(phones[2].page, 'phone result at 320');
    await check320(screen.page, 'screen result at 320');
  });

  it('no page had an error, a dialog or a CSP violation', () => {
    assert.deepEqual(problems, []);
  });
});
