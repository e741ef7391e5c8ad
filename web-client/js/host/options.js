// host/options.js: the room's options on the setup page: number of tables,
// perspective swap, automatic advance and the room's language. Changing an option
// only changes `o`; it is read when the room is made.

import { h } from '../common.js';
import { t } from '../i18n.js';

// The server makes at most 16 tables in one room (docs/protocol.md, POST /api/rooms).
const MAX_TABLES = 16;

/** The options panel for `o` = { tables: '' | '1'..'16', swap, auto, language: '' | 'nl' | 'en' }. */
export function optionsPanel(o) {
  const tables = h('select', { id: 'opt-tables', class: 'input', testid: 'opt-tables', 'aria-describedby': 'opt-tables-hint',
    on: { change: (ev) => { o.tables = ev.target.value; } } },
  h('option', { value: '', selected: o.tables === '' || null }, t('setup.tablesAuto')),
  Array.from({ length: MAX_TABLES }, (_, i) => h('option', { value: String(i + 1), selected: o.tables === String(i + 1) || null }, String(i + 1))));
  const check = (id, key, labelKey, hintKey) => h('div', { class: 'field check-field' },
    h('label', { class: 'option', for: id },
      h('input', { type: 'checkbox', id, testid: id, checked: o[key], 'aria-describedby': `${id}-hint`,
        on: { change: (ev) => { o[key] = ev.target.checked; } } }),
      h('span', { class: 'option-body' }, h('span', null, t(labelKey)))),
    h('p', { class: 'hint', id: `${id}-hint` }, t(hintKey)));
  const lang = h('select', { id: 'opt-language', class: 'input', testid: 'opt-language', 'aria-describedby': 'opt-language-hint',
    on: { change: (ev) => { o.language = ev.target.value; } } },
  h('option', { value: '', selected: o.language === '' || null }, t('setup.langCase')),
  h('option', { value: 'nl', selected: o.language === 'nl' || null }, t('lang.nl')),
  h('option', { value: 'en', selected: o.language === 'en' || null }, t('lang.en')));
  return h('section', { class: 'panel stack', 'aria-labelledby': 'opt-heading' },
    h('h2', { id: 'opt-heading' }, t('setup.options')),
    h('div', { class: 'field' }, h('label', { for: 'opt-tables', class: 'label' }, t('setup.tables')),
      h('p', { class: 'hint', id: 'opt-tables-hint' }, t('setup.tablesHint')), tables),
    check('opt-swap', 'swap', 'setup.swap', 'setup.swapHint'),
    check('opt-auto', 'auto', 'setup.auto', 'setup.autoHint'),
    h('div', { class: 'field' }, h('label', { for: 'opt-language', class: 'label' }, t('setup.roomLang')),
      h('p', { class: 'hint', id: 'opt-language-hint' }, t('setup.roomLangHint')), lang));
}

/** The `options` of POST /api/rooms from `o`. */
export function roomOptions(o) {
  const options = { perspective_swap: !!o.swap, auto_advance: !!o.auto };
  if (o.tables) options.tables = Number(o.tables);
  if (o.language) options.language = o.language;
  return options;
}
