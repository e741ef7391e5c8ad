// budget.js: budget rounds (PROTOCOL.md, version 2). The phone's ballot (tick any
// projects, see what they cost together) and the result that the phone, the host
// and the big screen all show: both ways of counting side by side, as bars of the
// budget with the funded projects, and per project the approvals (per role unless
// the ballot is secret). Funded or not is said in words and icons, never by colour.

import { h, sig, region } from './common.js';
import { t } from './i18n.js';
import { icon } from './icons.js';
import { ROLES, roleBadge, formStatus, errorText } from './ui.js';

/** Whole euros as people write them: "50.000 euro" (nl) or "€50,000" (en). */
export function euros(n, lang) {
  const s = Math.round(Number(n) || 0).toLocaleString(lang === 'en' ? 'en-GB' : 'nl-NL');
  return lang === 'en' ? `€${s}` : `${s} euro`;
}

/**
 * The phone's ballot: one checkbox per project, the running total of what is
 * ticked, and a button that sends the ballot (`approve`). Ticks that were not
 * sent yet survive a re-render of the page (kept in `draft`).
 */
export function ballotForm(budget, you, { conn, lang, draft }) {
  const sent = (you && Array.isArray(you.ballot)) ? you.ballot : null;
  if (!draft.ids) draft.ids = new Set(sent || []);
  const status = formStatus('ballot-status');
  const total = h('p', { class: 'ballot-total', testid: 'ballot-total', 'aria-live': 'polite' });
  const over = h('p', { class: 'notice', testid: 'ballot-over', hidden: true }, icon('warning'), ' ', t('budget.over'));
  const update = () => {
    const ids = [...draft.ids];
    const sum = budget.projects.filter((p) => draft.ids.has(p.id)).reduce((a, p) => a + p.cost, 0);
    total.textContent = t('budget.ticked', { n: ids.length, sum: euros(sum, lang), total: euros(budget.total, lang) });
    over.hidden = sum <= budget.total;
    // The total stays in sight (sticky) once something is ticked.
    total.classList.toggle('is-empty', ids.length === 0);
  };
  const items = budget.projects.map((p) => {
    const id = `project-${p.id}`;
    const box = h('input', { type: 'checkbox', id, value: p.id, testid: id, checked: draft.ids.has(p.id) || null });
    box.addEventListener('change', () => {
      if (box.checked) draft.ids.add(p.id); else draft.ids.delete(p.id);
      status.set('');
      update();
    });
    return h('li', { class: 'project' },
      h('label', { class: 'option project-option', for: id },
        box,
        h('span', { class: 'option-body' },
          h('span', { class: 'project-title', lang }, p.title),
          h('span', { class: 'project-cost' }, euros(p.cost, lang)),
          h('span', { class: 'option-hint', lang }, p.text))));
  });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', testid: 'ballot-submit' },
    icon('check'), h('span', null, sent ? t('budget.change') : t('budget.submit')));
  const form = h('form', { class: 'panel stack', novalidate: true, testid: 'ballot-form', 'aria-labelledby': 'ballot-heading' },
    h('h2', { id: 'ballot-heading' }, t('budget.heading', { total: euros(budget.total, lang) })),
    // The plans first (on a phone the first one is in the first screen), then the hint.
    h('fieldset', { class: 'field' },
      h('legend', { class: 'label ballot-legend' }, t('budget.legend')),
      h('ul', { class: 'projects' }, items)),
    h('p', { class: 'hint' }, t('budget.hint')),
    total, over, submit, status,
    sent ? h('p', { class: 'done-note', testid: 'ballot-sent' }, icon('check'), h('span', null, t('budget.sent', { n: sent.length }))) : null);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    // File order, whatever order the boxes were ticked in.
    const ids = budget.projects.map((p) => p.id).filter((id) => draft.ids.has(id));
    try {
      await conn.request({ type: 'approve', projects: ids });
      status.set(t('budget.saved'));
    } catch (err) {
      status.set(errorText(err), true);
    } finally {
      submit.disabled = false;
    }
  });
  update();
  return form;
}

/** How many seated players sent a ballot, over all tables. */
export function ballotsSent(view) {
  let k = 0;
  let n = 0;
  for (const tb of view.tables || []) {
    const players = tb.players || [];
    n += players.length;
    k += typeof tb.votes_cast === 'number' ? tb.votes_cast : players.filter((p) => p.voted).length;
  }
  return { k, n };
}

/** One way of counting: a bar of the whole budget with a segment per funded project. */
function outcomeColumn(result, key, lang, headingLevel, byId) {
  const H = `h${headingLevel}`;
  const outcome = result[key] || { funded: [], spent: 0 };
  const counts = result.rule === key;
  const funded = outcome.funded.map((id) => byId.get(id) || { id, title: id, cost: 0 });
  const left = Math.max(0, result.total - outcome.spent);
  // Segment widths are set through the CSSOM: the Content-Security-Policy allows no
  // inline style attributes.
  const seg = (cls, grow, label, labelLang) => {
    const el = h('span', { class: ['budget-seg', cls] }, h('span', { class: 'seg-label', lang: labelLang || null }, label));
    el.style.flexGrow = String(grow);
    return el;
  };
  const bar = h('div', { class: 'budget-bar', role: 'img',
    'aria-label': t('budget.barLabel', { spent: euros(outcome.spent, lang), total: euros(result.total, lang) }) },
  funded.map((p, i) => seg(`seg-${i % 4}`, p.cost, p.title, lang)),
  left > 0 ? seg('seg-left', left, t('budget.left')) : null);
  return h('section', { class: ['budget-outcome', counts && 'is-counted'], testid: `outcome-${key}` },
    h(H, null, t(`budget.rule.${key}`)),
    counts ? h('p', { class: 'badge badge-done' }, icon('check'), h('span', null, t('budget.counts'))) : null,
    h('p', { class: 'muted' }, t(`budget.ruleText.${key}`)),
    bar,
    h('ul', { class: 'funded-list' }, funded.map((p) => h('li', null, icon('check'),
      h('span', null, h('span', { lang }, p.title), ' ', h('span', { class: 'muted' }, euros(p.cost, lang)))))),
    h('p', { class: 'spent' }, t('budget.spent', { spent: euros(outcome.spent, lang), total: euros(result.total, lang) })));
}

/**
 * A closed budget round: both outcomes side by side, then every project's approvals.
 * `projects`: the case's projects ({id, title, cost}; `view.scenario.budget.projects`),
 * which name the ids of the result.
 */
export function budgetResult(result, { lang, headingLevel = 2, compact = false, projects = [] } = {}) {
  const H = `h${headingLevel}`;
  const byId = new Map(projects.map((p) => [p.id, p]));
  const named = (p) => ({ ...p, title: (byId.get(p.id) || {}).title || p.id, cost: (byId.get(p.id) || {}).cost || 0 });
  const greedy = new Set(result.greedy.funded);
  const shares = new Set(result.equal_shares.funded);
  const byRole = (result.projects || []).some((p) => p.by_role);
  const mark = (yes) => h('span', { class: ['funded-mark', yes ? 'is-funded' : 'is-not-funded'] },
    icon(yes ? 'check' : 'object'), h('span', null, yes ? t('budget.funded') : t('budget.notFunded')));
  const table = h('table', { class: 'budget-table', testid: 'budget-table' },
    h('caption', null, t('budget.tableCaption', { n: result.voters })),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, t('budget.project')),
      h('th', { scope: 'col' }, t('budget.cost')),
      h('th', { scope: 'col' }, t('budget.approvals')),
      byRole && !compact ? ROLES.map((r) => h('th', { scope: 'col' }, roleBadge(r))) : null,
      h('th', { scope: 'col' }, t('budget.rule.greedy')),
      h('th', { scope: 'col' }, t('budget.rule.equal_shares')))),
    h('tbody', null, (result.projects || []).map(named).map((p) => h('tr', { dataset: { project: p.id } },
      h('th', { scope: 'row', lang }, p.title || p.id),
      h('td', null, euros(p.cost, lang)),
      h('td', null, String(p.approvals)),
      byRole && !compact ? ROLES.map((r) => h('td', null, String((p.by_role && p.by_role[r]) || 0))) : null,
      h('td', null, mark(greedy.has(p.id))),
      h('td', null, mark(shares.has(p.id)))))));
  return h('section', { class: 'budget-result', testid: 'budget-result', dataset: { round: result.round } },
    h(H, null, t('budget.resultHeading', { total: euros(result.total, lang) })),
    h('p', { class: 'lead' }, t('budget.difference')),
    h('div', { class: 'budget-outcomes' },
      outcomeColumn(result, 'greedy', lang, headingLevel + 1, byId),
      outcomeColumn(result, 'equal_shares', lang, headingLevel + 1, byId)),
    // A wide table scrolls on its own, and can be scrolled by keyboard (focusable region).
    h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': t('budget.tableCaption', { n: result.voters }) }, table));
}

/** The latest budget result of a view, in a region (phone, host and screen). */
export function renderBudgetResult(container, view, opts) {
  const results = view.budgets || [];
  const last = results[results.length - 1] || null;
  const budget = view.scenario && view.scenario.budget;
  const projects = (budget && budget.projects) || [];
  region(container, sig(last, opts && opts.lang), () => (last ? budgetResult(last, { ...opts, projects }) : null));
}
