// report.js: /report/{CODE}, the report of a game for people, to read on screen or to
// print (or save as PDF). The facilitator opens it from the host page ("Verslag om te
// printen"), in the same browser: the host token is in localStorage
// ("democreatie.host.CODE") and goes only in the Authorization header of
// `GET /api/rooms/{CODE}/report.json`.
//
// In the room's language unless the person chose one. What is in it: the case, start and
// finish, the decision rule in words, the rounds, then per table (each on its own printed
// page): who played which role, who was heard, per round the event cards, notes (a note
// the facilitator hid is kept, marked "verborgen door de spelleider"), proposal versions
// and decisions with their reasons in words; then what the table takes home (the debrief's
// `lesson` notes); at the end the budget rounds. No raw codes: every role, round kind,
// choice and reason is put in words.

import { h, setChildren, codeFromPath, isValidCode, storage, KEYS, uid } from './common.js';
import { t, initI18n, onLangChange, followRoomLang, getLang } from './i18n.js';
import { icon } from './icons.js';
import {
  roleBadge, roleName, kindName, textBlock, eventView, decisionView, ruleItems, hiddenBadge,
} from './ui.js';
import { heardTable, noteBadge, KIND_ICONS } from './replay.js';

const app = document.getElementById('app');
const code = codeFromPath();
const S = { report: null, projects: null, token: null };

function message(state, title, text, extra) {
  setChildren(app, h('div', { class: 'end-state', testid: 'end-state', dataset: { state } },
    h('h1', { tabindex: '-1' }, title), h('p', null, text), extra || null));
  app.removeAttribute('aria-busy');
}

function when(iso) {
  const ms = Date.parse(iso || '');
  if (!Number.isFinite(ms)) return null;
  return new Date(ms).toLocaleString(getLang() === 'en' ? 'en-GB' : 'nl-NL', {
    day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit',
  });
}

/** A section with its heading (for aria-labelledby). */
function section(level, title, cls, ...content) {
  const id = uid('report');
  return h('section', { class: cls, 'aria-labelledby': id }, h(`h${level}`, { id }, title), content);
}

// ---------------------------------------------------------------- pieces

function personLine(p, info, lang) {
  const hidden = !!(info && info.name_hidden);
  return h('li', { class: 'report-person', dataset: { role: p.role } },
    h('span', { class: ['person-name', hidden && 'is-hidden'] }, p.name),
    hidden ? [' ', hiddenBadge(t('report.nameHidden'))] : null,
    ' ', roleBadge(p.role),
    p.card ? [' ', h('span', { class: 'muted' }, t('report.card'), ' ', h('span', { lang }, p.card))] : null,
    p.status === 'left' ? [' ', h('span', { class: 'muted' }, `(${t('report.left')})`)] : null,
    p.status === 'kicked' ? [' ', h('span', { class: 'muted' }, `(${t('report.kicked')})`)] : null,
    h('span', { class: 'report-real muted' }, ' · ', t('host.realRole'), ' ', p.real_role ? roleName(p.real_role) : t('role.other')));
}

function noteItem(n, lang, roles) {
  const hidden = !!n.hidden;
  return h('li', { class: ['report-note', hidden && 'is-hidden'], dataset: { kind: n.kind, hidden: hidden ? 'true' : null } },
    h('p', { class: 'replay-meta' }, noteBadge(n.kind), ' ', roleBadge(roles.get(n.player_id)), ' ',
      h('span', { class: 'person-name' }, n.name || t('player.unknown')),
      hidden ? [' ', hiddenBadge(t('report.noteHidden'), 'report-note-hidden')] : null),
    textBlock(n.text, { lang, cls: 'report-note-text' }));
}

function proposalItem(p, lang, roles) {
  return h('li', { class: 'report-proposal' },
    h('p', { class: 'replay-version' }, icon('pen'),
      h('span', null, t('replay.versionBy', { n: p.version, name: p.name || t('player.unknown'), role: roleName(roles.get(p.by)).toLowerCase() }))),
    textBlock(p.text, { lang, tag: 'blockquote' }));
}

/** A report decision (counts under `counts`) in the shape decisionView() reads. */
function decisionOf(d) {
  return { ...d, ...(d.counts || {}) };
}

function tableSection(tb, report, byId) {
  const lang = report.language || 'nl';
  const roles = new Map((tb.players || []).map((p) => [p.player_id, p.role]));
  for (const p of report.players || []) if (!roles.has(p.player_id)) roles.set(p.player_id, p.role);
  const names = new Map((report.players || []).map((p) => [p.player_id, p.name]));
  const lessons = (tb.notes || []).filter((n) => n.kind === 'lesson');
  const heard = (report.heard || []).find((x) => x.table === tb.table);
  const rounds = report.rounds || [];
  const perRound = rounds.map((r) => {
    const events = (tb.events || []).filter((e) => e.round === r.round);
    const notes = (tb.notes || []).filter((n) => n.round === r.round && n.kind !== 'lesson');
    const proposals = (tb.proposals || []).filter((p) => p.round === r.round);
    const decisions = (tb.decisions || []).filter((d) => d.round === r.round);
    if (!events.length && !notes.length && !proposals.length && !decisions.length) return null;
    const id = uid('report-round');
    return h('section', { class: 'report-round', 'aria-labelledby': id, testid: `report-round-${tb.table}-${r.round}` },
      h('h4', { id }, icon(KIND_ICONS[r.kind] || 'clock'), ' ',
        h('span', null, t('notes.round', { n: r.round }), ': '),
        h('span', { lang }, r.title), h('span', { class: 'muted' }, ` (${kindName(r.kind)})`)),
      events.map((e) => eventView(e, { lang, headingLevel: 5 })),
      notes.length ? [h('h5', null, t('report.notes')), h('ul', { class: 'report-notes' }, notes.map((n) => noteItem(n, lang, roles)))] : null,
      proposals.length ? [h('h5', null, t('report.proposals')), h('ol', { class: 'report-proposals' }, proposals.map((p) => proposalItem(p, lang, roles)))] : null,
      decisions.map((d) => decisionView(decisionOf(d), { names, lang, headingLevel: 5, showProposal: true })));
  }).filter(Boolean);
  const id = uid('report-table');
  return h('section', { class: 'report-table', testid: `report-table-${tb.table}`, 'aria-labelledby': id },
    h('h2', { id }, t('table.n', { n: tb.table })),
    section(3, t('report.roles'), 'report-part',
      h('ul', { class: 'report-people' }, (tb.players || []).map((p) => personLine(p, byId.get(p.player_id), report.scenario && report.scenario.language)))),
    heard ? section(3, t('replay.heard'), 'report-part', h('p', { class: 'hint' }, t('replay.heardHint')), heardTable(heard)) : null,
    section(3, t('report.perRound'), 'report-part', perRound.length ? perRound : h('p', { class: 'muted' }, t('report.nothing'))),
    lessons.length ? section(3, t('report.lessons'), 'report-part report-lessons',
      h('ul', { class: 'report-notes', testid: `report-lessons-${tb.table}` }, lessons.map((n) => noteItem(n, lang, roles)))) : null);
}

function budgetSection(b, report) {
  const lang = report.language || 'nl';
  const titles = new Map(((S.projects) || []).map((p) => [p.id, p.title]));
  const greedy = new Set((b.greedy && b.greedy.funded) || []);
  const shares = new Set((b.equal_shares && b.equal_shares.funded) || []);
  const mark = (yes) => h('span', { class: ['funded-mark', yes ? 'is-funded' : 'is-not-funded'] },
    icon(yes ? 'check' : 'object'), h('span', null, yes ? t('budget.funded') : t('budget.notFunded')));
  const caption = t('report.budgetTable');
  return section(3, `${t('report.budgetRound', { n: b.round, title: b.round_title || '' })}`, 'report-budget',
    h('p', null, t('budget.resultHeading', { total: euros(b.total, lang) })),
    h('p', null, t('report.budgetCounted', { rule: t(`budget.rule.${b.rule === 'greedy' ? 'greedy' : 'equal_shares'}`) })),
    h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': caption },
      h('table', { class: 'budget-table' },
        h('caption', null, caption),
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, t('budget.project')),
          h('th', { scope: 'col' }, t('budget.approvals')),
          h('th', { scope: 'col' }, t('budget.rule.greedy')),
          h('th', { scope: 'col' }, t('budget.rule.equal_shares')))),
        h('tbody', null, (b.projects || []).map((p) => h('tr', null,
          h('th', { scope: 'row', lang }, titles.get(p.id) || p.id),
          h('td', null, String(p.approvals ?? 0)),
          h('td', null, mark(greedy.has(p.id))),
          h('td', null, mark(shares.has(p.id)))))))));
}

function euros(n, lang) {
  const s = Math.round(Number(n) || 0).toLocaleString(lang === 'en' ? 'en-GB' : 'nl-NL');
  return lang === 'en' ? `€${s}` : `${s} euro`;
}

// ---------------------------------------------------------------- the page

function render() {
  const r = S.report;
  if (!r) return;
  const sc = r.scenario || {};
  const lang = sc.language || r.language || 'nl';
  const byId = new Map((r.players || []).map((p) => [p.player_id, p]));
  const printBtn = h('button', { type: 'button', class: 'btn btn-primary', testid: 'report-print' },
    icon('printer'), h('span', null, t('report.print')));
  printBtn.addEventListener('click', () => window.print());
  const started = when(r.started_at);
  const finished = when(r.finished_at);
  const rule = r.decision_rule || {};
  document.title = `${t('report.title', { title: sc.title || '' })} – DemoCreatiespel`;
  setChildren(app,
    h('article', { class: 'report', testid: 'report' },
      h('header', { class: 'report-head' },
        h('p', { class: 'kicker' }, t('report.room', { code })),
        h('h1', null, t('report.heading'), ': ', h('span', { lang }, sc.title || '')),
        sc.summary ? h('p', { class: 'lead', lang }, sc.summary) : null,
        h('dl', { class: 'report-times' },
          h('dt', null, t('report.started')), h('dd', { testid: 'report-started' }, started || t('report.notStarted')),
          h('dt', null, t('report.finished')), h('dd', { testid: 'report-finished' }, finished || t('report.notFinished'))),
        h('div', { class: 'report-actions' },
          h('div', { class: 'button-row' }, printBtn,
            h('a', { href: `/host/${code}`, class: 'btn btn-secondary' }, t('report.back'))),
          h('p', { class: 'hint' }, t('report.printHint')))),
      section(2, t('report.rule'), 'report-part report-rule',
        h('p', null, t(`rule.name.${['broad_support', 'majority', 'consent', 'unanimity'].includes(rule.rule) ? rule.rule : 'broad_support'}`)),
        h('ul', null, ruleItems(rule).map((x) => h('li', null, x)))),
      section(2, t('report.rounds'), 'report-part',
        h('ol', { class: 'report-round-list' }, (r.rounds || []).map((x) => h('li', null,
          icon(KIND_ICONS[x.kind] || 'clock'), ' ', h('span', { lang }, x.title), h('span', { class: 'muted' }, ` (${kindName(x.kind)})`))))),
      (r.tables || []).map((tb) => tableSection(tb, r, byId)),
      (r.budgets || []).length ? h('section', { class: 'report-table report-budgets', 'aria-labelledby': 'report-budgets' },
        h('h2', { id: 'report-budgets' }, icon('euro'), ' ', h('span', null, kindName('budget'))),
        r.budgets.map((b) => budgetSection(b, r))) : null));
  app.removeAttribute('aria-busy');
}

/** Project titles for a budget result: the report carries them (version 2); an older
 * server's report does not, then the case's own, when the server still has that case. */
async function loadProjects(report) {
  const sc = report.scenario || {};
  if (!(report.budgets || []).length || !sc.id) return;
  if (report.budgets.every((b) => (b.projects || []).every((p) => typeof p.title === 'string'))) {
    S.projects = report.budgets.flatMap((b) => b.projects.map((p) => ({ id: p.id, title: p.title, cost: p.cost })));
    return;
  }
  try {
    const res = await fetch(`/api/scenarios/${encodeURIComponent(sc.id)}`, { cache: 'no-store' });
    if (!res.ok) return;
    const data = await res.json();
    const projects = (data && data.budget && data.budget.projects) || [];
    // Only when it is the same case: every project of the result is there.
    const ids = new Set(projects.map((p) => p.id));
    if (report.budgets.every((b) => (b.projects || []).every((p) => ids.has(p.id)))) S.projects = projects;
  } catch { /* the ids stay */ }
}

async function main() {
  initI18n();
  if (!code || !isValidCode(code)) {
    message('invalid', t('host.invalidTitle'), t('host.invalidText'));
    return;
  }
  S.token = storage.get(KEYS.host(code));
  if (!S.token) {
    message('notoken', t('report.noTokenTitle'), t('report.noTokenText'));
    return;
  }
  setChildren(app, h('h1', null, t('host.reportLoading')));
  let res;
  try {
    res = await fetch(`/api/rooms/${code}/report.json`, { headers: { Authorization: `Bearer ${S.token}` }, cache: 'no-store' });
  } catch {
    message('error', t('report.errorTitle'), t('error.network'));
    return;
  }
  if (!res.ok) {
    message(res.status === 401 ? 'unauthorized' : res.status === 404 ? 'unknown' : 'error', t('report.errorTitle'),
      res.status === 401 ? t('host.reportUnauthorized') : res.status === 404 ? t('host.reportMissing') : t('error.generic'));
    return;
  }
  try { S.report = await res.json(); } catch { S.report = null; }
  if (!S.report) {
    message('error', t('report.errorTitle'), t('error.generic'));
    return;
  }
  if (S.report.language) followRoomLang(S.report.language);
  await loadProjects(S.report);
  onLangChange(render);
  render();
}

main();
