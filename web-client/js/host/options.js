// host/options.js: the room's options on the setup page: number of tables,
// perspective swap, automatic advance, the room's language and (PROTOCOL.md,
// version 2) notes on the big screen, showing a table's result as soon as everyone
// there voted, a secret ballot and easy read on every phone (issue #17). Changing an option only changes `o`; it is read
// when the room is made.

import { h } from '../common.js';
import { t } from '../i18n.js';

// The server makes at most 16 tables in one room (docs/protocol.md, POST /api/rooms).
const MAX_TABLES = 16;

/**
 * The options panel for `o` = { tables: '' | '1'..'16', swap, auto, language: '' | 'nl' | 'en',
 * screenNotes, autoReveal, secret: null | bool }. `secret` is null until the facilitator
 * changes it: the box then shows `secretDefault`, the chosen case's `secret_ballot`.
 */
export function optionsPanel(o, { secretDefault = false } = {}) {
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
    check('opt-auto-reveal', 'autoReveal', 'setup.autoReveal', 'setup.autoRevealHint'),
    check('opt-screen-notes', 'screenNotes', 'setup.screenNotes', 'setup.screenNotesHint'),
    check('opt-easy-read', 'easyRead', 'setup.easyRead', 'setup.easyReadHint'),
    h('div', { class: 'field check-field' },
      h('label', { class: 'option', for: 'opt-secret' },
        h('input', { type: 'checkbox', id: 'opt-secret', testid: 'opt-secret', checked: o.secret === null ? !!secretDefault : o.secret,
          'aria-describedby': 'opt-secret-hint', on: { change: (ev) => { o.secret = ev.target.checked; } } }),
        h('span', { class: 'option-body' }, h('span', null, t('setup.secret')))),
      h('p', { class: 'hint', id: 'opt-secret-hint' }, t('setup.secretHint'), ' ',
        t(secretDefault ? 'setup.secretCaseOn' : 'setup.secretCaseOff'))),
    h('div', { class: 'field' }, h('label', { for: 'opt-language', class: 'label' }, t('setup.roomLang')),
      h('p', { class: 'hint', id: 'opt-language-hint' }, t('setup.roomLangHint')), lang));
}

/** The `options` of POST /api/rooms from `o`. */
export function roomOptions(o) {
  const options = {
    perspective_swap: !!o.swap, auto_advance: !!o.auto, screen_notes: !!o.screenNotes, auto_reveal: !!o.autoReveal,
  };
  // Untouched, the server takes the case's own secret_ballot.
  if (o.secret === true || o.secret === false) options.secret_ballot = o.secret;
  if (o.tables) options.tables = Number(o.tables);
  if (o.language) options.language = o.language;
  // Easy read on every phone (issue #17); sent only when chosen.
  if (o.easyRead) options.easy_read = true;
  return options;
}
