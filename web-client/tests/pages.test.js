// Single pages and edge states: the start page, unknown rooms, the case
// preview, TOML errors at their lines, the preview of a pasted case, the language switch, keyboard use,
// tap targets, reduced motion, a bad stored token and a second tab that
// replaces the first.

const { describe, it, before, after } = require('node:test');
const fs = require('node:fs');
const path = require('node:path');
const {
  assert, BASE_URL, launch, newPage, newPhone, audit, shot, check320, assertNoInjectedMarkup,
} = require('./helpers');

async function createRoom() {
  const res = await fetch(`${BASE_URL}/api/rooms`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ scenario: 'skatebaan' }),
  });
  assert.equal(res.status, 201, 'POST /api/rooms creates a room');
  return res.json();
}

// A well-formed code that is (almost certainly) not a room.
async function unusedCode() {
  const alphabet = 'BCDFGHJKLMNPQRSTVWXZ';
  for (let i = 0; i < 20; i += 1) {
    const code = Array.from({ length: 5 }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('');
    const res = await fetch(`${BASE_URL}/api/rooms/${code}`);
    if (res.status === 404) return code;
  }
  throw new Error('no unused code found');
}

/** Every visible control is at least 44 CSS pixels high. */
async function assertTapTargets(page, label) {
  const small = await page.evaluate(() => {
    const out = [];
    for (const el of document.querySelectorAll('button, a.btn, .option, select, input:not([type=radio]):not([type=checkbox]):not([type=file]), textarea, summary')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.height < 43.5) out.push(`${el.tagName.toLowerCase()}${el.dataset.testid ? `[${el.dataset.testid}]` : ''} ${Math.round(r.height)}px`);
    }
    return out;
  });
  assert.deepEqual(small, [], `${label}: controls lower than 44 px`);
}

describe('single pages and edge states', { timeout: 300000 }, () => {
  const problems = [];
  let browser;

  before(async () => { browser = await launch(); });
  after(async () => { if (browser) await browser.close(); });

  it('the start page refuses a malformed code and goes to /join/CODE for a good one', { timeout: 120000 }, async () => {
    const { page, context } = await newPhone(browser, 'start', problems);
    await page.goto(`${BASE_URL}/`);
    await page.getByTestId('code-input').fill('AEIOU');
    await page.getByTestId('code-submit').click();
    await page.getByTestId('code-error').waitFor();
    assert.equal(await page.getByTestId('code-input').getAttribute('aria-invalid'), 'true');
    await audit(page, 'start page with an error');
    await check320(page, 'start page with an error');
    await assertTapTargets(page, 'start page');
    await shot(page, 'pages-start-error');
    const code = await unusedCode();
    await page.getByTestId('code-input').fill(code.toLowerCase());
    await page.getByTestId('code-submit').click();
    await page.waitForURL(new RegExp(`/join/${code}$`));
    await page.locator('[data-testid="end-state"][data-state="unknown"]').waitFor();
    await audit(page, 'join page of an unknown room');
    await context.close();
  });

  it('pages for unknown rooms say so', { timeout: 120000 }, async () => {
    const { page, context } = await newPage(browser, 'unknown', problems);
    const code = await unusedCode();
    await page.goto(`${BASE_URL}/screen/${code}`);
    await page.locator('[data-testid="end-state"][data-state="unknown"]').waitFor();
    await audit(page, 'screen of an unknown room');
    await page.goto(`${BASE_URL}/host?room=${code}`);
    await page.locator('[data-testid="end-state"][data-state="notoken"]').waitFor();
    await audit(page, 'host page without a token');
    await context.close();
  });

  it('the case preview shows the case, the cards without goals and the rounds', { timeout: 120000 }, async () => {
    const { page, context } = await newPage(browser, 'preview', problems, { viewport: { width: 1100, height: 900 } });
    await page.goto(`${BASE_URL}/scenarios/skatebaan`);
    await page.getByTestId('scenario-title').waitFor();
    await page.getByTestId('case-text').waitFor();
    assert.ok(await page.getByTestId('preview-card').count() >= 3, 'role cards are shown');
    assert.equal(await page.getByTestId('card-goal').count(), 0, 'no private goal on the preview');
    assert.ok(await page.getByTestId('read-aloud').count() >= 1, 'a read-aloud button is offered');
    await audit(page, 'case preview');
    await check320(page, 'case preview');
    await shot(page, 'pages-scenario-preview');
    await page.goto(`${BASE_URL}/scenarios/no-such-case-here`);
    await page.locator('[data-testid="end-state"][data-state="unknown"]').waitFor();
    await context.close();
  });

  it('a pasted TOML case shows its errors at their lines', { timeout: 120000 }, async () => {
    const { page, context } = await newPage(browser, 'toml', problems, { viewport: { width: 1100, height: 900 } });
    await page.goto(`${BASE_URL}/host`);
    await page.getByTestId('source-toml').check();
    await page.getByTestId('toml-text').fill('id = "test-case"\ntitle = "Test"\nlanguage = "nl"\nminuten = 5\n');
    await page.getByTestId('toml-check').click();
    await page.getByTestId('toml-errors').waitFor();
    const lines = await page.locator('[data-testid="toml-errors"] .error-item').evaluateAll((els) => els.map((e) => Number(e.dataset.line || 0)));
    const line = lines.find((n) => n >= 1 && n <= 4);
    assert.ok(line, `an error names a line of the pasted text (got lines ${JSON.stringify(lines)})`);
    await page.locator(`[data-testid="toml-errors"] .error-item[data-line="${line}"] button`).first().click();
    const where = await page.evaluate(() => {
      const ta = document.getElementById('toml-text');
      return { focused: document.activeElement === ta, line: ta.value.slice(0, ta.selectionStart).split('\n').length };
    });
    assert.ok(where.focused, 'the text field gets focus');
    assert.equal(where.line, line, 'the caret goes to the line of the error');
    await audit(page, 'host setup with TOML errors');
    await check320(page, 'host setup with TOML errors');
    await shot(page, 'pages-toml-errors');
    await context.close();
  });

  it('a pasted case that checks out can be read in full, private goals marked', { timeout: 120000 }, async () => {
    const src = fs.readFileSync(path.join(__dirname, '..', '..', 'scenarios', 'buurthuis.toml'), 'utf8');
    const id = `buurthuis-plak-${Date.now().toString(36)}`;
    const toml = src.replace(/^id = "buurthuis"$/m, `id = "${id}"`);
    assert.notEqual(toml, src, 'the id line was changed');
    // What the file holds, read the plain way: every card's name, the first case line, a goal.
    const names = [...toml.matchAll(/^name = "([^"]+)"$/mg)].map((m) => m[1]);
    const goals = [...toml.matchAll(/^goal = "([^"]+)"$/mg)].map((m) => m[1]);
    const goal = goals[0];
    const caseLine = (toml.match(/^text = """\n(.+)$/m) || [])[1];
    assert.ok(names.length >= 6 && goal && caseLine, 'the file has cards, a goal and a case text');

    const { page, context } = await newPage(browser, 'pasted-preview', problems, { viewport: { width: 1100, height: 900 } });
    await page.goto(`${BASE_URL}/host`);
    await page.getByTestId('source-toml').check();
    await page.getByTestId('toml-text').fill(toml);
    await page.getByTestId('toml-check').click();
    await page.getByTestId('toml-ok').waitFor();
    const preview = page.getByTestId('pasted-preview');
    assert.equal(await preview.evaluate((el) => el.tagName), 'DETAILS');
    assert.equal(await preview.evaluate((el) => el.open), false, 'the preview starts folded away');
    await audit(page, 'host setup with a pasted case that checks out');
    await preview.locator(':scope > summary').click();
    await preview.getByTestId('case-text').waitFor();
    assert.ok((await preview.getByTestId('case-text').textContent()).includes(caseLine), 'the case text is shown');
    const shown = await preview.getByTestId('card-name').allTextContents();
    for (const name of names) assert.ok(shown.includes(name), `card "${name}" is shown`);
    assert.equal(await preview.getByTestId('preview-card').count(), names.length, 'one card per card of the file');
    const goalBox = preview.locator('.card-goal', { hasText: goal });
    await goalBox.waitFor();
    assert.equal(await goalBox.getAttribute('data-private'), 'true');
    assert.ok((await goalBox.textContent()).includes('Geheim doel (alleen voor deze speler en de spelleider)'), 'the goal is marked as private');
    assert.equal(await preview.getByTestId('card-goal').count(), goals.length, 'every goal of the file is shown');
    assert.ok(await preview.getByTestId('event-card').count() >= 1, 'the event cards are shown');
    assert.ok(await preview.locator('.round-item').count() >= 3, 'the rounds are shown');
    await audit(page, 'host setup with the whole pasted case open');
    await check320(page, 'host setup with the whole pasted case open');
    await shot(page, 'pages-pasted-preview');
    await context.close();
  });

  it('a broken file in the scenario folder is shown with its line, and the other cases stay', { timeout: 120000 }, async () => {
    // scripts/browser-tests.sh starts the server with --scenarios holding kapot.toml.
    const { page, context } = await newPage(browser, 'folder-problems', problems);
    await page.goto(`${BASE_URL}/host`);
    await page.getByTestId('scenario-list').waitFor();
    const box = page.getByTestId('folder-problems');
    await box.waitFor();
    const text = await box.textContent();
    assert.ok(/kapot\.toml:2:1/.test(text), `the file, line and column are shown: ${text}`);
    assert.ok(text.includes('did you mean `title`?'), 'the message is shown');
    assert.ok(await page.getByTestId('scenario-skatebaan').count() === 1, 'the built-in cases stay available');
    await audit(page, 'host setup with a broken case file in the folder');
    await context.close();
  });

  it('the case list can be filtered by gear and moment', { timeout: 120000 }, async () => {
    const { page, context } = await newPage(browser, 'filter', problems);
    await page.goto(`${BASE_URL}/host`);
    await page.getByTestId('scenario-list').waitFor();
    const total = await page.locator('[data-testid^="scenario-"][type="radio"]').count();
    assert.ok(total >= 1);
    for (const f of ['filter-gear', 'filter-moment']) {
      const options = await page.getByTestId(f).locator('option').evaluateAll((els) => els.map((e) => e.value));
      // "all" and at least one tag: a filter with nothing to choose is a bug, not a reason to skip.
      assert.ok(options.length >= 2, `${f}: offers "all" and at least one tag (got ${JSON.stringify(options)})`);
      await page.getByTestId(f).selectOption(options[1]);
      const n = await page.locator('[data-testid^="scenario-"][type="radio"]').count();
      assert.ok(n >= 1 && n <= total, `${f}: a tag filter keeps the matching cases`);
      await page.getByTestId(f).selectOption('');
      assert.equal(await page.locator('[data-testid^="scenario-"][type="radio"]').count(), total);
    }
    await context.close();
  });

  it('English is one switch away and is remembered', { timeout: 120000 }, async () => {
    const { page, context } = await newPhone(browser, 'lang', problems);
    await page.goto(`${BASE_URL}/`);
    assert.equal(await page.getAttribute('html', 'lang'), 'nl');
    const dutch = await page.locator('h1').textContent();
    await page.getByTestId('lang-switch').click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    const english = await page.locator('h1').textContent();
    assert.notEqual(english, dutch);
    assert.equal(await page.evaluate(() => localStorage.getItem('democreatie.lang')), 'en');
    await audit(page, 'start page in English');
    await page.reload();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    assert.equal(await page.locator('h1').textContent(), english);
    await page.getByTestId('lang-switch').click();
    await page.waitForFunction(() => document.documentElement.lang === 'nl');
    assert.equal(await page.locator('h1').textContent(), dutch);
    await context.close();
  });

  it('a phone joins by keyboard alone, with a visible focus ring and large tap targets', { timeout: 120000 }, async () => {
    const { room } = await createRoom();
    const { page, context } = await newPhone(browser, 'keyboard', problems);
    await page.goto(`${BASE_URL}/join/${room}`);
    await page.getByTestId('join-name').waitFor();
    await assertTapTargets(page, 'join form');
    await page.getByTestId('join-name').focus();
    await page.keyboard.type('Toetsenbord');
    await page.keyboard.press('Tab');
    const radio = await page.evaluate(() => document.activeElement && document.activeElement.getAttribute('data-testid'));
    assert.match(radio || '', /^join-real-role-/, 'Tab goes to the real-life role choice');
    const ring = await page.evaluate(() => {
      const label = document.activeElement.closest('.option');
      const s = getComputedStyle(label);
      return { style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
    });
    assert.ok(ring.style !== 'none' && ring.width >= 2, 'the focused choice shows a focus ring');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('data-testid')), 'join-submit');
    const btnRing = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(btnRing, 'none', 'the focused button shows a focus ring');
    await page.keyboard.press('Enter');
    await page.getByTestId('lobby').waitFor();
    await assertTapTargets(page, 'lobby');
    await audit(page, 'lobby after a keyboard join');
    await assertNoInjectedMarkup(page, 'lobby');
    await context.close();
  });

  it('with reduced motion the reconnect banner does not pulse', { timeout: 120000 }, async () => {
    const { room } = await createRoom();
    const { page, context } = await newPhone(browser, 'motion', problems);
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await page.goto(`${BASE_URL}/join/${room}`);
    await page.getByTestId('join-name').fill('Rustig');
    await page.getByTestId('join-submit').click();
    await page.getByTestId('lobby').waitFor();
    await context.setOffline(true);
    await page.getByTestId('banner').waitFor({ state: 'visible' });
    const anim = await page.evaluate(() => getComputedStyle(document.querySelector('[data-testid="banner"]'), '::before').animationName);
    assert.equal(anim, 'none');
    await context.setOffline(false);
    await page.getByTestId('banner').waitFor({ state: 'hidden' });
    await context.close();
  });

  it('a stored token that no longer works brings back the join form', { timeout: 120000 }, async () => {
    const { room } = await createRoom();
    const { page, context } = await newPhone(browser, 'badtoken', problems);
    await page.goto(`${BASE_URL}/join/${room}`);
    await page.getByTestId('join-name').waitFor();
    await page.evaluate((c) => localStorage.setItem(`democreatie.player.${c}`, 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'), room);
    await page.reload();
    await page.getByTestId('join-name').waitFor();
    await page.getByTestId('join-error').waitFor();
    assert.equal(await page.evaluate((c) => localStorage.getItem(`democreatie.player.${c}`), room), null, 'the bad token is forgotten');
    await context.close();
  });

  it('a second tab with the same seat replaces the first, and "continue here" takes it back', { timeout: 120000 }, async () => {
    const { room } = await createRoom();
    const { page, context } = await newPhone(browser, 'tab1', problems);
    await page.goto(`${BASE_URL}/join/${room}`);
    await page.getByTestId('join-name').fill('Twee Tabs');
    await page.getByTestId('join-submit').click();
    await page.getByTestId('lobby').waitFor();
    const second = await context.newPage();
    await second.goto(`${BASE_URL}/join/${room}`);
    await second.getByTestId('lobby').waitFor();
    await page.locator('[data-testid="end-state"][data-state="replaced"]').waitFor();
    await audit(page, 'replaced phone');
    await page.getByTestId('resume-here').click();
    await page.getByTestId('lobby').waitFor();
    await second.locator('[data-testid="end-state"][data-state="replaced"]').waitFor();
    await context.close();
  });

  it('the facilitator hides a note and a name from the participants, and shows them again', { timeout: 180000 }, async () => {
    const HIDDEN = 'verborgen door de spelleider';
    const { room, host_token: token } = await createRoom();
    const contexts = [];
    try {
      const host = await newPage(browser, 'moderation-host', problems, { viewport: { width: 1280, height: 900 } });
      contexts.push(host.context);
      await host.page.goto(`${BASE_URL}/`);
      await host.page.evaluate(([c, tok]) => localStorage.setItem(`democreatie.host.${c}`, tok), [room, token]);
      await host.page.goto(`${BASE_URL}/host?room=${room}`);
      await host.page.getByTestId('host-start').waitFor();

      const names = ['Anna', 'Bram', 'Chris'];
      const phones = [];
      for (const name of names) {
        const phone = await newPhone(browser, `moderation-${name}`, problems);
        contexts.push(phone.context);
        await phone.page.goto(`${BASE_URL}/join/${room}`);
        await phone.page.getByTestId('join-name').fill(name);
        await phone.page.getByTestId('join-submit').click();
        await phone.page.getByTestId('lobby').waitFor();
        phones.push(phone);
      }
      const anna = phones[0].page;
      const pidOf = async (testid, name) => host.page.locator(`[data-testid="${testid}"]`, { hasText: name }).first().getAttribute('data-player-id');
      const pageText = (page) => page.evaluate(() => document.body.textContent);

      // In the lobby: Chris's name is hidden from the others, then shown again.
      await host.page.getByTestId('lobby-player').nth(2).waitFor();
      const chris = await pidOf('lobby-player', 'Chris');
      await host.page.getByTestId(`hide-name-${chris}`).click();
      await host.page.getByTestId(`name-hidden-${chris}`).waitFor();
      await anna.getByTestId('lobby').locator('.person-name.is-hidden', { hasText: HIDDEN }).waitFor();
      assert.ok(!(await pageText(anna)).includes('Chris'), 'the hidden name is nowhere in the lobby of another phone');
      await host.page.getByTestId(`hide-name-${chris}`).click();
      await anna.getByTestId('lobby').getByText('Chris', { exact: true }).waitFor();

      // Start and go to the first discussion round.
      await host.page.getByTestId('host-start').click();
      await host.page.locator('[data-testid="phase"][data-phase-index="0"]').waitFor();
      for (let i = 0; i < 5; i += 1) {
        const kind = await host.page.getByTestId('phase').getAttribute('data-phase-kind');
        if (kind === 'discussion') break;
        const index = Number(await host.page.getByTestId('phase').getAttribute('data-phase-index'));
        await host.page.getByTestId('host-next').click();
        await host.page.locator(`[data-testid="phase"][data-phase-index="${index + 1}"]`).waitFor();
      }
      assert.equal(await host.page.getByTestId('phase').getAttribute('data-phase-kind'), 'discussion');

      // Anna and Bram each post a note (after their card, which comes first: issue #13).
      const notes = ['Er moet een bankje bij de baan', 'Deze notitie past niet in de zaal'];
      for (let i = 0; i < 2; i += 1) {
        const { page } = phones[i];
        await page.locator('[data-testid="phase"][data-phase-kind="discussion"]').waitFor({ state: 'attached' });
        await page.getByTestId('card-continue').click();
        const first = page.locator('[data-testid^="note-kind-"]').first();
        if ((await first.evaluate((el) => el.tagName)) === 'INPUT') await first.check();
        await page.getByTestId('note-text').fill(notes[i]);
        await page.getByTestId('note-submit').click();
        await page.getByTestId('notes-list').getByText(notes[i]).waitFor();
      }
      await anna.getByTestId('notes-list').getByText(notes[1]).waitFor();
      const bram = await pidOf('table-player', 'Bram');
      const bramTable = host.page.locator('article[data-testid^="table-"]', { has: host.page.locator(`[data-testid="table-player"][data-player-id="${bram}"]`) });
      const tableNo = Number((await bramTable.first().getAttribute('data-testid')).slice('table-'.length));
      assert.equal((await anna.getByTestId('table-number').textContent()).trim(), (await phones[1].page.getByTestId('table-number').textContent()).trim(),
        'Anna and Bram sit at the same table');
      const noteItem = host.page.getByTestId(`table-${tableNo}`).locator('.note', { hasText: notes[1] });
      const index = Number(await noteItem.getAttribute('data-note-index'));
      const hideNote = host.page.getByTestId(`hide-note-${tableNo}-${index}`);
      assert.match(await hideNote.getAttribute('aria-label'), /Verbergen: notitie van Bram/, 'the button names the note and its author');

      // The facilitator hides Bram's note by keyboard, and Bram's name.
      await hideNote.focus();
      await host.page.keyboard.press('Enter');
      await host.page.getByTestId(`note-hidden-${tableNo}-${index}`).waitFor();
      assert.equal((await hideNote.textContent()).trim(), 'Weer tonen');
      assert.equal(await host.page.evaluate(() => document.activeElement && document.activeElement.dataset.testid), `hide-note-${tableNo}-${index}`,
        'focus stays on the button');
      assert.ok(await noteItem.getByText(notes[1]).count(), 'the host still sees the original text');
      await host.page.getByTestId(`hide-name-${bram}`).click();
      await host.page.getByTestId(`name-hidden-${bram}`).waitFor();
      assert.equal((await host.page.getByTestId(`hide-name-${bram}`).textContent()).trim(), 'Naam weer tonen');

      // Anna's phone shows the server's words instead, and the original nowhere.
      await anna.locator('.note.is-hidden .note-text', { hasText: HIDDEN }).waitFor();
      // (The people at the table are in the phone's "Tafel" tab.)
      await anna.locator('.person-name.is-hidden', { hasText: HIDDEN }).first().waitFor({ state: 'attached' });
      const text = await pageText(anna);
      assert.ok(!text.includes(notes[1]), 'the hidden note is nowhere on the phone');
      assert.ok(!text.includes('Bram'), 'the hidden name is nowhere on the phone');
      assert.ok(text.includes(notes[0]), 'the other note is still there');
      const style = await anna.locator('.note.is-hidden .note-text').first().evaluate((el) => getComputedStyle(el).fontStyle);
      assert.equal(style, 'italic', 'a hidden note is shown in italics');
      await audit(anna, 'phone with a hidden note and name');
      await check320(anna, 'phone with a hidden note and name');
      await shot(anna, 'pages-moderation-phone');

      // The big screen shows the words too.
      const screen = await newPage(browser, 'moderation-screen', problems, { viewport: { width: 1600, height: 900 } });
      contexts.push(screen.context);
      await screen.page.goto(`${BASE_URL}/screen/${room}`);
      await screen.page.locator('.person-name.is-hidden', { hasText: HIDDEN }).waitFor();
      assert.ok(!(await pageText(screen.page)).includes('Bram'), 'the hidden name is not on the big screen');

      await audit(host.page, 'host with a hidden note and name');
      await check320(host.page, 'host with a hidden note and name');
      await assertTapTargets(host.page, 'host dashboard');
      await shot(host.page, 'pages-moderation-host');

      // Show again: the text and the name are back.
      await hideNote.click();
      await host.page.getByTestId(`note-hidden-${tableNo}-${index}`).waitFor({ state: 'detached' });
      await host.page.getByTestId(`hide-name-${bram}`).click();
      await host.page.getByTestId(`name-hidden-${bram}`).waitFor({ state: 'detached' });
      await anna.getByTestId('notes-list').getByText(notes[1]).waitFor();
      await anna.locator('.person-name', { hasText: 'Bram' }).first().waitFor({ state: 'attached' });
      await screen.page.locator('.person-name', { hasText: 'Bram' }).waitFor();
      assert.equal(await anna.locator('.is-hidden').count(), 0, 'nothing is marked hidden any more');
      assert.ok(!(await pageText(anna)).includes(HIDDEN), 'the placeholder is gone');
      assert.equal((await hideNote.textContent()).trim(), 'Verbergen');
    } finally {
      for (const c of contexts) await c.close();
    }
  });

  it('nothing ran that should not: no uncaught error, no dialog, no CSP violation', () => {
    assert.deepEqual(problems, []);
  });
});
