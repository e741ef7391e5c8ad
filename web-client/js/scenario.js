// scenario.js: /scenarios/{id} — a preview of a case for the facilitator:
// title, summary and tags, then the whole case as participants will see it
// (ui.js scenarioPreview: case text, role cards without their private goals,
// rounds, decision rule and event cards).

import { h, setChildren } from './common.js';
import { t, initI18n, onLangChange } from './i18n.js';
import { tagLabel, textBlock, scenarioPreview } from './ui.js';

const app = document.getElementById('app');
let data = null;
let failed = 0;

function idFromPath() {
  const m = location.pathname.match(/^\/scenarios\/([^/]+)\/?$/);
  if (!m) return '';
  try { return decodeURIComponent(m[1]); } catch { return ''; }
}

function render() {
  app.removeAttribute('aria-busy');
  if (failed) {
    setChildren(app, h('div', { class: 'end-state', testid: 'end-state', dataset: { state: failed === 404 ? 'unknown' : 'error' } },
      h('h1', null, failed === 404 ? t('scenario.unknownTitle') : t('error.generic')),
      h('p', null, failed === 404 ? t('scenario.unknownText') : t('error.network')),
      h('p', null, h('a', { href: '/host', class: 'btn btn-secondary' }, t('host.toSetup')))));
    return;
  }
  if (!data) {
    setChildren(app, h('h1', null, t('app.loading')));
    return;
  }
  const sc = data;
  const lang = sc.language || 'nl';
  setChildren(app,
    h('p', { class: 'kicker' }, t('scenario.kicker')),
    h('h1', { lang, testid: 'scenario-title' }, sc.title),
    sc.summary ? textBlock(sc.summary, { lang, cls: 'lead' }) : null,
    h('p', { class: 'tags' },
      h('span', { class: 'tag' }, t(`lang.${lang}`)),
      sc.gear ? h('span', { class: 'tag' }, t('setup.gear'), ': ', tagLabel('gear', sc.gear)) : null,
      sc.moment ? h('span', { class: 'tag' }, t('setup.moment'), ': ', tagLabel('moment', sc.moment)) : null,
      h('span', { class: 'tag' }, t('setup.tableSize', { n: sc.table_size ?? 6 }))),
    h('p', null, h('a', { href: '/host', class: 'btn btn-primary' }, t('scenario.play'))),
    // Served cases never carry the private goals.
    scenarioPreview(sc, { showGoals: false, headingLevel: 2 }));
}

async function main() {
  initI18n();
  onLangChange(render);
  const id = idFromPath();
  render();
  if (!id) { failed = 404; render(); return; }
  let res;
  try {
    res = await fetch(`/api/scenarios/${encodeURIComponent(id)}`, { cache: 'no-store' });
  } catch {
    failed = 1;
    render();
    return;
  }
  if (!res.ok) { failed = res.status === 404 ? 404 : res.status; render(); return; }
  try { data = await res.json(); } catch { failed = 1; }
  render();
}

main();
