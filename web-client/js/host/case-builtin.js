// host/case-builtin.js: the built-in cases on the setup page. Filters by gear,
// moment and language, the list to choose from, a summary of the chosen case and
// the files in the server's scenario folder that could not be read.
//
// `ctx` is the setup page's: { S, renderAll }.

import { h, api } from '../common.js';
import { t } from '../i18n.js';
import { textBlock, ruleView, roundPlan, tagLabel } from '../ui.js';

// The moments of the policy cycle, in the order they happen (not alphabetical).
const MOMENT_ORDER = ['signaleren', 'agenderen', 'ontwerpen', 'uitwerken', 'beslissen', 'evalueren'];

export function builtinPanel(ctx) {
  const { S } = ctx;
  if (S.listError) return h('p', { class: 'alert', role: 'alert' }, t('setup.listError'));
  if (!S.list) return h('p', { class: 'muted' }, t('app.loading'));
  const gears = [...new Set(S.list.map((s) => s.gear).filter(Boolean))].sort();
  const moments = [...new Set(S.list.map((s) => s.moment).filter(Boolean))];
  moments.sort((a, b) => MOMENT_ORDER.indexOf(a) - MOMENT_ORDER.indexOf(b));
  const langs = [...new Set(S.list.map((s) => s.language).filter(Boolean))].sort();
  const filterSelect = (kind, values, testid, labelKey) => {
    const id = `filter-${kind}`;
    const select = h('select', { id, class: 'input', testid,
      on: { change: (ev) => { S.filter[kind] = ev.target.value; ctx.renderAll(); } } },
    h('option', { value: '' }, t('setup.filterAll')),
    values.map((v) => h('option', { value: v, selected: S.filter[kind] === v || null },
      kind === 'language' ? t(`lang.${v}`) : tagLabel(kind, v))));
    return h('div', { class: 'field' }, h('label', { for: id, class: 'label' }, t(labelKey)), select);
  };
  const shown = S.list.filter((s) => (!S.filter.gear || s.gear === S.filter.gear)
    && (!S.filter.moment || s.moment === S.filter.moment)
    && (!S.filter.language || s.language === S.filter.language));
  const items = shown.map((s) => {
    const id = `scenario-${s.id}`;
    return h('li', { class: ['scenario-item', S.selected === s.id && 'is-selected'] },
      h('label', { class: 'option option-scenario', for: id },
        h('input', { type: 'radio', name: 'scenario', id, value: s.id, testid: id, checked: S.selected === s.id,
          on: { change: () => selectScenario(ctx, s.id) } }),
        h('span', { class: 'option-body' },
          h('span', { class: 'scenario-title', lang: s.language }, s.title),
          h('span', { class: 'scenario-summary', lang: s.language }, s.summary),
          h('span', { class: 'tags' },
            h('span', { class: 'tag' }, t(`lang.${s.language}`) || s.language),
            s.gear ? h('span', { class: 'tag' }, t('setup.gear'), ': ', tagLabel('gear', s.gear)) : null,
            s.moment ? h('span', { class: 'tag' }, t('setup.moment'), ': ', tagLabel('moment', s.moment)) : null))),
      h('a', { href: `/scenarios/${encodeURIComponent(s.id)}`, class: 'link-small', target: '_blank', rel: 'noopener' },
        t('setup.preview', { title: s.title })));
  });
  return h('div', { class: 'stack' },
    h('div', { class: 'filters', role: 'group', 'aria-label': t('setup.filters') },
      filterSelect('gear', gears, 'filter-gear', 'setup.gear'),
      filterSelect('moment', moments, 'filter-moment', 'setup.moment'),
      langs.length > 1 ? filterSelect('language', langs, 'filter-language', 'setup.language') : null),
    h('p', { class: 'muted', 'aria-live': 'polite' }, t('setup.count', { n: shown.length, total: S.list.length })),
    shown.length
      ? h('fieldset', { class: 'field' },
        h('legend', { class: 'label' }, t('setup.chooseLegend')),
        h('ul', { class: 'scenario-list', testid: 'scenario-list' }, items))
      : h('p', { class: 'notice' }, t('setup.noMatch')),
    S.selected && S.details.has(S.selected) ? scenarioSummary(S.details.get(S.selected)) : null,
    folderProblems(S.problems));
}

// Files in the server's scenario folder that could not be read: a trainer editing a case
// sees the line and the message here, while the other cases stay available.
function folderProblems(problems) {
  if (!problems.length) return null;
  return h('section', { class: 'check-errors', testid: 'folder-problems', 'aria-labelledby': 'folder-problems-h' },
    h('h3', { id: 'folder-problems-h' }, t('setup.folderProblems', { n: problems.length })),
    h('ul', { class: 'error-list' }, problems.map((p) =>
      h('li', { class: 'error-item' },
        h('code', null, `${p.file}:${p.line}:${p.column}`), ' ', h('span', null, p.message || '')))));
}

/** Choose a built-in case; its details (round plan, rule) are fetched once. */
export async function selectScenario(ctx, id) {
  const { S } = ctx;
  S.selected = id;
  ctx.renderAll();
  if (!S.details.has(id)) {
    const res = await api(`/api/scenarios/${encodeURIComponent(id)}`);
    if (res.ok && res.data) S.details.set(id, res.data);
    ctx.renderAll();
  }
}

/** A case in short: title, summary, table size, language, round plan and decision rule. */
export function scenarioSummary(sc) {
  return h('section', { class: 'scenario-summary-box', testid: 'scenario-details', 'aria-labelledby': 'sc-sum-heading' },
    h('h3', { id: 'sc-sum-heading', lang: sc.language }, sc.title),
    sc.summary ? textBlock(sc.summary, { lang: sc.language }) : null,
    h('p', { class: 'muted' },
      t('setup.tableSize', { n: sc.table_size ?? 6 }), ' · ',
      t(`lang.${sc.language}`)),
    h('h4', null, t('setup.roundPlan')),
    roundPlan(sc.rounds || [], -1, { testid: 'setup-round-plan' }),
    ruleView(sc.decision));
}
