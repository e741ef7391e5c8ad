// Two phones edit one proposal at the same time (issue #13, "Proposals without lost
// work"). Both start from version 1; Anna saves first; Bram's save is refused by the
// server (stale_proposal) and his phone shows both texts side by side. He combines them
// and saves: the table's proposal then holds both people's words. Nothing is ever
// overwritten silently.

const { describe, it, before, after } = require('node:test');
const { assert, BASE_URL, launch, newPage, newPhone, audit, shot, check320 } = require('./helpers');

// Every role may propose, one table of three.
const CASE = `id = "bankje"
title = "Een bank op het plein"
language = "nl"
summary = "Waar komt de bank?"
table_size = 3
[case]
text = "Het plein krijgt een bank."
[roles.resident]
cards = [{ name = "Ria", text = "Je loopt slecht." }]
[roles.civil_servant]
cards = [{ name = "Cas", text = "Je beheert het plein." }]
[roles.councillor]
cards = [{ name = "Kim", text = "Je let op het geld." }]
[[rounds]]
kind = "proposal"
title = "Voorstel schrijven"
[[rounds]]
kind = "vote"
title = "Stemmen"
`;

describe('two phones editing one proposal', { timeout: 300000 }, () => {
  const problems = [];
  let browser;
  let anna;
  let bram;
  let other;
  let code;

  before(async () => {
    browser = await launch();
    anna = await newPhone(browser, 'anna', problems);
    bram = await newPhone(browser, 'bram', problems);
    other = await newPage(browser, 'host-and-third', problems);
  });

  after(async () => {
    if (browser) await browser.close();
  });

  it('both reach the proposal round', { timeout: 120000 }, async () => {
    const res = await fetch(`${BASE_URL}/api/rooms`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ scenario_toml: CASE, options: { tables: 1 } }),
    });
    assert.equal(res.status, 201);
    const room = await res.json();
    code = room.room;
    for (const [phone, name] of [[anna, 'Anna'], [bram, 'Bram']]) {
      await phone.page.goto(`${BASE_URL}/join/${code}`);
      await phone.page.getByTestId('join-name').fill(name);
      await phone.page.getByTestId('join-submit').click();
      await phone.page.getByTestId('lobby').waitFor();
    }
    // The facilitator and a third participant, over WebSockets from one page.
    await other.page.goto(`${BASE_URL}/`);
    await other.page.evaluate(async ({ room, token }) => {
      const open = (first) => new Promise((resolve, reject) => {
        const ws = new WebSocket(`ws://${location.host}/ws`);
        ws.onmessage = (e) => {
          const m = JSON.parse(e.data);
          if (m.type === 'hello') ws.send(JSON.stringify(first));
          else if (m.type === 'welcome') resolve(ws);
          else if (m.type === 'error') reject(new Error(m.message));
        };
      });
      await open({ type: 'join', room, name: 'Cas' });
      const host = await open({ type: 'host', room, host_token: token });
      host.send(JSON.stringify({ type: 'start' }));
    }, { room: code, token: room.host_token });
    for (const phone of [anna, bram]) {
      // The card comes first (issue #13); "Verder" opens the round.
      await phone.page.getByTestId('card-continue').click();
      await phone.page.getByTestId('proposal-text').waitFor();
    }
  });

  it('a second save on an old version shows both texts, and combining keeps both', { timeout: 120000 }, async () => {
    // Anna writes version 1; Bram's editor, untouched, follows it.
    await anna.page.getByTestId('proposal-text').fill('Een bank bij de bushalte.');
    await anna.page.getByTestId('proposal-submit').click();
    await bram.page.waitForFunction(() => document.getElementById('proposal-text').value === 'Een bank bij de bushalte.');

    // Both type at once on version 1; Anna saves first.
    const annas = 'Een bank bij de bushalte, met leuningen, zodat ouderen makkelijk opstaan. De gemeente maakt hem elke week schoon.';
    const brams = 'Twee banken, een in de zon en een in de schaduw.';
    await anna.page.getByTestId('proposal-text').fill(annas);
    await bram.page.getByTestId('proposal-text').fill(brams);
    await anna.page.getByTestId('proposal-submit').click();
    await anna.page.getByTestId('proposal-status').filter({ hasText: /opgeslagen/i }).waitFor();
    // Bram's editor keeps his words while Anna's version arrives.
    await bram.page.getByTestId('proposal-changed').waitFor();
    assert.equal(await bram.page.getByTestId('proposal-text').inputValue(), brams);

    await bram.page.getByTestId('proposal-submit').click();
    const conflict = bram.page.getByTestId('proposal-conflict');
    await conflict.waitFor();
    assert.equal((await conflict.getByTestId('conflict-mine-text').textContent()).trim(), brams);
    assert.equal((await conflict.getByTestId('conflict-theirs-text').textContent()).trim(), annas);
    await audit(bram.page, 'phone with a proposal conflict');
    await check320(bram.page, 'phone with a proposal conflict');
    await shot(bram.page, 'proposal-conflict-phone');
    // The table's proposal is still Anna's: nothing was overwritten.
    await anna.page.getByTestId('proposal-current').filter({ hasText: 'leuningen' }).waitFor();

    await conflict.getByTestId('conflict-merge').click();
    const merged = await bram.page.getByTestId('proposal-text').inputValue();
    assert.ok(merged.includes(annas) && merged.includes(brams), 'combining puts both texts in the editor');
    await bram.page.getByTestId('proposal-submit').click();
    await bram.page.getByTestId('proposal-status').filter({ hasText: /opgeslagen/i }).waitFor();
    // Everyone now sees one text that holds both people's words.
    const current = anna.page.getByTestId('proposal-current');
    await current.filter({ hasText: 'schaduw' }).waitFor();
    const text = await current.textContent();
    assert.ok(text.includes('leuningen') && text.includes('schaduw'), `no text lost: ${text}`);
    await shot(anna.page, 'proposal-merged-phone');
  });

  it('keeping one\'s own text after a conflict saves it on the new version', { timeout: 120000 }, async () => {
    await anna.page.getByTestId('proposal-text').fill('Anna schrijft iets nieuws.');
    await bram.page.getByTestId('proposal-text').fill('Bram houdt zijn eigen tekst.');
    await anna.page.getByTestId('proposal-submit').click();
    await anna.page.getByTestId('proposal-status').filter({ hasText: /opgeslagen/i }).waitFor();
    await bram.page.getByTestId('proposal-changed').waitFor();
    await bram.page.getByTestId('proposal-submit').click();
    await bram.page.getByTestId('proposal-conflict').getByTestId('conflict-keep').click();
    await anna.page.getByTestId('proposal-current').filter({ hasText: 'Bram houdt zijn eigen tekst.' }).waitFor();
  });

  it('no page had an error, a dialog or a CSP violation', () => {
    assert.deepEqual(problems, []);
  });
});
