// host/case-toml.js: the facilitator's own case on the setup page. Paste or upload
// a TOML file, let the server check it, and see its errors at their lines (a press
// on a line number puts the caret there) or, once it checks out, the whole case as
// players will see it, goals included.
//
// `ctx` is the setup page's: { S, renderAll }.

import { h, api, announce } from '../common.js';
import { t } from '../i18n.js';
import { scenarioPreview } from '../ui.js';
import { icon } from '../icons.js';
import { scenarioSummary } from './case-builtin.js';

// A case file is a few KiB; anything this big is the wrong file.
const MAX_FILE_BYTES = 512 * 1024;

export function tomlPanel(ctx) {
  const { S } = ctx;
  const textarea = h('textarea', {
    id: 'toml-text', class: 'input textarea code-input', testid: 'toml-text', rows: 14, spellcheck: 'false',
    value: S.toml, 'aria-describedby': 'toml-hint',
    on: { input: (ev) => { S.toml = ev.target.value; } },
  });
  const file = h('input', { type: 'file', id: 'toml-file', class: 'input-file', testid: 'toml-file', accept: '.toml,text/plain,application/toml' });
  file.addEventListener('change', async () => {
    const f = file.files && file.files[0];
    if (!f) return;
    if (f.size > MAX_FILE_BYTES) { S.check = { ok: false, errors: [{ message: t('setup.fileTooBig') }] }; ctx.renderAll(); return; }
    S.toml = await f.text();
    S.check = null;
    ctx.renderAll();
    await checkToml(ctx);
  });
  const checkBtn = h('button', { type: 'button', class: 'btn btn-secondary', testid: 'toml-check', 'data-focus-key': 'toml-check' },
    S.checking ? t('setup.checking') : t('setup.check'));
  checkBtn.addEventListener('click', () => checkToml(ctx));
  return h('div', { class: 'stack' },
    h('div', { class: 'field' },
      h('label', { for: 'toml-text', class: 'label' }, t('setup.tomlLabel')),
      h('p', { class: 'hint', id: 'toml-hint' }, t('setup.tomlHint')),
      textarea),
    h('div', { class: 'field' },
      h('label', { for: 'toml-file', class: 'label' }, t('setup.fileLabel')),
      file),
    h('div', { class: 'button-row' }, checkBtn),
    checkResult(S));
}

function lineOf(text, n) {
  const lines = String(text).split('\n');
  return lines[n - 1] ?? '';
}

/** Put the caret at line:column of the pasted text and scroll it into view. */
function gotoLine(line, column) {
  const ta = document.getElementById('toml-text');
  if (!ta || !line) return;
  const lines = ta.value.split('\n');
  let start = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i += 1) start += lines[i].length + 1;
  const end = start + (lines[line - 1] || '').length;
  ta.focus();
  ta.setSelectionRange(Math.min(start + Math.max(0, (column || 1) - 1), end), end);
  // Scroll the line into view: rough line height.
  const lh = parseFloat(getComputedStyle(ta).lineHeight) || 20;
  ta.scrollTop = Math.max(0, (line - 3) * lh);
}

function checkResult(S) {
  const c = S.check;
  if (!c) return null;
  if (c.ok) {
    const sc = c.scenario;
    return [
      h('div', { class: 'check-ok', role: 'status', testid: 'toml-ok' },
        h('p', null, icon('check'), ' ', h('strong', null, t('setup.tomlOk')), sc && sc.title ? [' ', h('span', { lang: sc.language }, sc.title)] : null),
        sc ? scenarioSummary(sc) : null),
      // The whole case, goals included (the facilitator wrote them), folded away
      // so that the setup page stays short.
      sc ? h('details', { class: 'case-preview', testid: 'pasted-preview', 'data-keep': 'pasted-preview' },
        h('summary', null, t('setup.previewAll')),
        scenarioPreview(sc, { showGoals: true, headingLevel: 3 })) : null,
    ];
  }
  const errs = c.errors || [];
  return h('div', { class: 'check-errors', role: 'alert', testid: 'toml-errors' },
    h('p', null, h('strong', null, t('setup.tomlErrors', { n: errs.length }))),
    h('ol', { class: 'error-list' }, errs.map((e) => {
      const where = e.line ? t('setup.at', { line: e.line, column: e.column ?? 1 }) : '';
      const src = e.line ? lineOf(S.toml, e.line) : '';
      return h('li', { class: 'error-item', dataset: { line: e.line ?? '' } },
        e.line ? h('button', { type: 'button', class: 'btn-link', on: { click: () => gotoLine(e.line, e.column) } }, where) : null,
        ' ', h('span', null, e.message || ''),
        src ? h('pre', { class: 'error-line' }, h('span', { class: 'error-line-no', 'aria-hidden': 'true' }, `${e.line} | `), h('code', null, src)) : null);
    })));
}

/** Ask the server to check the pasted text (POST /api/scenarios/check). */
async function checkToml(ctx) {
  const { S } = ctx;
  if (!S.toml.trim()) {
    S.check = { ok: false, errors: [{ message: t('setup.tomlEmpty') }] };
    ctx.renderAll();
    return;
  }
  S.checking = true;
  ctx.renderAll();
  const res = await api('/api/scenarios/check', { method: 'POST', text: S.toml });
  S.checking = false;
  if (res.data && (res.data.ok === true || res.data.ok === false)) {
    S.check = res.data;
  } else {
    S.check = { ok: false, errors: [{ message: t('error.network') }] };
  }
  ctx.renderAll();
  announce(S.check.ok ? t('setup.tomlOk') : t('setup.tomlErrors', { n: (S.check.errors || []).length }));
}
