// A public server started with --facilitator-keys: the setup page asks for the key when
// the server refuses to create a room without one, and creates it once the key is given.
// This test starts its own server (the release binary of this checkout) on a free port.

const { describe, it, before, after } = require('node:test');
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { assert, launch, newPage, audit } = require('./helpers');

const KEY = 'de-sleutel-van-de-gemeente';
const BIN = path.join(__dirname, '..', '..', 'target', 'release', 'democreatie');

describe('a server with facilitator keys', { timeout: 120000 }, () => {
  const problems = [];
  let browser;
  let server;
  let base;

  before(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'democreatie-keys-'));
    const hash = crypto.createHash('sha256').update(KEY).digest('base64url');
    fs.writeFileSync(path.join(dir, 'keys.txt'), `# test\n${hash}\n`);
    server = spawn(BIN, ['serve', '--addr', '127.0.0.1:0', '--data-dir', dir, '--facilitator-keys', path.join(dir, 'keys.txt')],
      { env: { ...process.env, RUST_LOG: 'info' } });
    base = await new Promise((resolve, reject) => {
      let seen = '';
      server.stderr.on('data', (chunk) => {
        seen += chunk.toString();
        const m = /listening on (http:\/\/[0-9.:]+)/.exec(seen);
        if (m) resolve(m[1]);
      });
      server.on('exit', (code) => reject(new Error(`the server stopped (${code}): ${seen}`)));
    });
    browser = await launch();
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) server.kill();
  });

  it('asks for the key, then creates the room', async () => {
    const { page } = await newPage(browser, 'host', problems);
    await page.goto(`${base}/host`);
    await page.getByTestId('scenario-skatebaan').check();
    await page.getByTestId('host-create').click();
    await page.getByTestId('facilitator-key').waitFor();
    await page.getByTestId('host-error').waitFor();
    await audit(page, 'setup asking for a key');
    await page.getByTestId('facilitator-key').fill(KEY);
    await page.getByTestId('host-create').click();
    await page.waitForURL(/\/host\?room=[A-Z]{5}$/);
    assert.deepEqual(problems, []);
  });
});
