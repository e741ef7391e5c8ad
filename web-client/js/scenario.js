// scenario.js: /scenarios/{id} — a preview of a case for the facilitator:
// case text, role cards (without their private goals), rounds, decision rule
// and event cards.

import { h, setChildren } from './common.js';
import { t, initI18n, onLangChange } from './i18n.js';
import {
  ROLES, roleBadge, kindName, noteKindName, textBlock, readAloudButton, cardView, ruleView, roleName,
} from './ui.js';

const app = document.getElementById('app');
let data = null;
let failed = 0;

function idFromPath() {
  const m = location.pathname.match(/^\/scenarios\/([^/]+)\/?$/);
  if (!m) return '';
  try { return decodeURIComponent(m[1]); } catch { return ''; }
}

function tag(kind, value) {
  if (!value) return null;
  const key = `tag.${kind}.${value}`;
  const s = t(key);
  return s === key ? value : s;
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
  const roles = sc.roles || {};
  const rounds = sc.rounds || [];
  const events = sc.events || [];
  setChildren(app,
    h('p', { class: 'kicker' }, t('scenario.kicker')),
    h('h1', { lang, testid: 'scenario-title' }, sc.title),
    sc.summary ? textBlock(sc.summary, { lang, cls: 'lead' }) : null,
    h('p', { class: 'tags' },
      h('span', { class: 'tag' }, t(`lang.${lang}`)),
      sc.gear ? h('span', { class: 'tag' }, t('setup.gear'), ': ', tag('gear', sc.gear)) : null,
      sc.moment ? h('span', { class: 'tag' }, t('setup.moment'), ': ', tag('moment', sc.moment)) : null,
      h('span', { class: 'tag' }, t('setup.tableSize', { n: sc.table_size ?? 6 }))),
    h('p', null, h('a', { href: '/host', class: 'btn btn-primary' }, t('scenario.play'))),

    h('section', { class: 'panel', 'aria-labelledby': 'sc-case' },
      h('h2', { id: 'sc-case' }, t('case.title')),
      sc.case && sc.case.text ? [readAloudButton(() => sc.case.text, lang, t('read.case')),
        textBlock(sc.case.text, { lang, cls: 'case-text', testid: 'case-text' })] : null),

    h('section', { class: 'panel', 'aria-labelledby': 'sc-roles' },
      h('h2', { id: 'sc-roles' }, t('scenario.roles')),
      ROLES.map((r) => {
        const role = roles[r];
        if (!role) return null;
        const cards = role.cards || [];
        return h('div', { class: 'role-block' },
          h('h3', null, roleBadge(r, { big: true })),
          h('p', { class: 'muted' }, t('scenario.weight', { n: role.weight ?? 1, k: cards.length })),
          h('div', { class: 'card-grid' }, cards.map((c) => cardView({ ...c, goal: c.goal }, { role: r, lang, headingLevel: 4, testid: 'preview-card' }))));
      })),

    h('section', { class: 'panel', 'aria-labelledby': 'sc-rounds' },
      h('h2', { id: 'sc-rounds' }, t('scenario.rounds')),
      h('ol', { class: 'round-list' }, rounds.map((r) => h('li', { class: 'round-item' },
        h('h3', { lang }, r.title),
        h('p', { class: 'muted' }, kindName(r.kind), typeof r.minutes === 'number' ? ` · ${t('plan.minutes', { n: r.minutes })}` : ''),
        r.prompt ? textBlock(r.prompt, { lang }) : null,
        r.prompts && Object.keys(r.prompts).length ? h('ul', { class: 'plain' }, ROLES.filter((x) => r.prompts[x]).map((x) =>
          h('li', null, roleBadge(x), ' ', h('span', { lang }, r.prompts[x])))) : null,
        r.kind === 'discussion' && Array.isArray(r.notes) && r.notes.length
          ? h('p', null, t('scenario.notes', { kinds: r.notes.map(noteKindName).join(', ') })) : null,
        r.draw_event ? h('p', null, t('scenario.drawEvent')) : null,
        r.kind === 'proposal' && Array.isArray(r.proposers) && r.proposers.length
          ? h('p', null, t('scenario.proposers', { roles: r.proposers.map(roleName).join(', ') })) : null)))),

    h('section', { class: 'panel', 'aria-labelledby': 'sc-decision' },
      h('h2', { id: 'sc-decision' }, t('scenario.decision')),
      ruleView(sc.decision, { open: true })),

    events.length ? h('section', { class: 'panel', 'aria-labelledby': 'sc-events' },
      h('h2', { id: 'sc-events' }, t('scenario.events')),
      h('ul', { class: 'event-list' }, events.map((e) => h('li', { class: 'event-card' },
        h('h3', { lang }, e.title), textBlock(e.text, { lang }))))) : null);
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
