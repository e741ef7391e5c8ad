// The two language files hold the same keys, every key the code asks for
// exists, and placeholders match between the languages. No browser needed.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const ROOT = path.join(__dirname, '..');

function load(lang) {
  const src = fs.readFileSync(path.join(ROOT, 'i18n', `${lang}.js`), 'utf8');
  const body = src.replace(/^\s*export\s+default\s+/m, 'module.exports = ');
  const sandbox = { module: { exports: null } };
  vm.runInNewContext(body, sandbox);
  return sandbox.module.exports;
}

const nl = load('nl');
const en = load('en');

/** Every .js file under js/ (the host page's panels live in js/host/). */
function jsFiles(dir = path.join(ROOT, 'js')) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return jsFiles(p);
    return e.name.endsWith('.js') ? [p] : [];
  });
}

const placeholders = (s) => [...String(s).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('nl and en have exactly the same keys', () => {
  const a = Object.keys(nl).sort();
  const b = Object.keys(en).sort();
  assert.deepEqual(a.filter((k) => !(k in en)), [], 'keys only in nl.js');
  assert.deepEqual(b.filter((k) => !(k in nl)), [], 'keys only in en.js');
});

test('every string is non-empty and uses the same placeholders in both languages', () => {
  for (const k of Object.keys(nl)) {
    assert.ok(String(nl[k]).trim(), `nl ${k} is empty`);
    assert.ok(String(en[k]).trim(), `en ${k} is empty`);
    assert.deepEqual(placeholders(en[k]), placeholders(nl[k]), `placeholders differ for ${k}`);
  }
});

test('every literal key the code uses exists', () => {
  const used = new Set();
  for (const f of jsFiles()) {
    const src = fs.readFileSync(f, 'utf8');
    for (const m of src.matchAll(/\bt\(\s*'([^']+)'/g)) used.add(m[1]);
  }
  for (const f of fs.readdirSync(ROOT).filter((x) => x.endsWith('.html'))) {
    const src = fs.readFileSync(path.join(ROOT, f), 'utf8');
    // page.html is the shell of every page; the server fills in {{page}}.
    const pages = ['index', 'host', 'join', 'screen', 'scenario', 'report'];
    for (const m of src.matchAll(/data-i18n(?:-title)?="([^"]+)"/g)) {
      for (const p of pages) used.add(m[1].replace('{{page}}', p));
    }
    for (const m of src.matchAll(/data-i18n-attr="([^"]+)"/g)) {
      for (const pair of m[1].split(';')) used.add(pair.split(':')[1].trim());
    }
  }
  // Keys built from protocol values.
  const dynamic = {
    choice: ['support', 'support_if', 'abstain', 'object'],
    'vote.hint': ['support', 'support_if', 'abstain', 'object'],
    kind: ['lobby', 'briefing', 'discussion', 'proposal', 'vote', 'debrief', 'finished'],
    role: ['resident', 'civil_servant', 'councillor'],
    note: ['value', 'condition', 'idea', 'question'],
    'note.hint': ['value', 'condition', 'idea', 'question'],
    'round.help': ['briefing', 'discussion', 'proposal', 'vote', 'debrief'],
    'screen.help': ['briefing', 'discussion', 'proposal', 'vote', 'debrief'],
    'rule.name': ['broad_support', 'majority', 'consent', 'unanimity'],
  };
  for (const [prefix, values] of Object.entries(dynamic)) for (const v of values) used.add(`${prefix}.${v}`);
  const missing = [...used].filter((k) => !(k in nl));
  assert.deepEqual(missing, [], 'keys used by the code but missing from nl.js');
});

test('the server\'s error sentences are not copied: the client shows the server\'s message', () => {
  // The protocol's error codes (docs/protocol.md, "Errors"). The server sends each with a
  // sentence in the connection's language; a copy here would drift from it.
  const codes = ['bad_message', 'too_large', 'rate_limited', 'unknown_room', 'room_locked', 'room_full', 'room_finished',
    'name_taken', 'invalid_name', 'invalid_token', 'not_allowed', 'wrong_phase', 'invalid_input',
    'not_enough_players', 'server_busy', 'storage_unavailable', 'room_read_only', 'bad_request', 'unknown_scenario',
    'invalid_scenario', 'invalid_options'];
  assert.deepEqual(codes.filter((c) => `error.${c}` in nl || `error.${c}` in en), [], 'error keys that copy a server sentence');
  for (const f of jsFiles()) {
    const src = fs.readFileSync(f, 'utf8');
    assert.ok(!/t\(\s*`error\.\$\{/.test(src), `${path.relative(ROOT, f)} builds an error key from a server code`);
  }
});
