// index.js: "/" — type the 5-letter code of a room and go to /join/CODE.

import { h, setChildren, storage, KEYS, normaliseCode, isValidCode, CODE_ALPHABET } from './common.js';
import { t, initI18n, onLangChange } from './i18n.js';

const app = document.getElementById('app');
let typed = '';
let error = '';

function savedRooms() {
  // A phone's own seat, or the seats of a shared device (device.js).
  const prefixes = [KEYS.player(''), KEYS.device('')];
  const codes = storage.keys()
    .flatMap((k) => prefixes.filter((p) => k.startsWith(p)).map((p) => k.slice(p.length)))
    .filter(isValidCode);
  return [...new Set(codes)].sort();
}

function render() {
  const errId = 'code-error';
  const input = h('input', {
    id: 'code', name: 'code', type: 'text', class: 'input input-code', testid: 'code-input',
    autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', inputmode: 'text',
    maxlength: 9, required: true, value: typed,
    'aria-describedby': error ? `code-help ${errId}` : 'code-help',
    'aria-invalid': error ? 'true' : null,
    on: { input: (ev) => { typed = ev.target.value; } },
  });
  const form = h('form', { class: 'stack', novalidate: true, testid: 'code-form' },
    h('div', { class: 'field' },
      h('label', { for: 'code', class: 'label' }, t('index.codeLabel')),
      h('p', { id: 'code-help', class: 'hint' }, t('index.codeHelp')),
      input,
      error ? h('p', { id: errId, class: 'field-error', role: 'alert', testid: 'code-error' }, error) : null),
    h('button', { type: 'submit', class: 'btn btn-primary btn-block', testid: 'code-submit' }, t('index.go')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const code = normaliseCode(input.value);
    if (!isValidCode(code)) {
      error = code.length !== 5 ? t('index.errorLength') : t('index.errorLetters', { letters: CODE_ALPHABET });
      render();
      document.getElementById('code').focus();
      return;
    }
    location.assign(`/join/${code}`);
  });

  const rooms = savedRooms();
  setChildren(app,
    h('h1', null, t('index.title')),
    h('p', { class: 'lead' }, t('index.lead')),
    h('section', { class: 'panel', 'aria-labelledby': 'code-heading' },
      h('h2', { id: 'code-heading', class: 'sr-only' }, t('index.codeHeading')),
      form),
    rooms.length ? h('section', { class: 'panel', 'aria-labelledby': 'again-heading' },
      h('h2', { id: 'again-heading' }, t('index.again')),
      h('ul', { class: 'link-list' }, rooms.map((c) => h('li', null,
        h('a', { href: `/join/${c}`, class: 'btn btn-secondary' }, t('index.againRoom', { code: c })))))) : null,
    h('section', { class: 'panel panel-quiet', 'aria-labelledby': 'host-heading' },
      h('h2', { id: 'host-heading' }, t('index.hostHeading')),
      h('p', null, t('index.hostText')),
      h('a', { href: '/host', class: 'btn btn-secondary', testid: 'go-host' }, t('index.hostLink'))));
  app.removeAttribute('aria-busy');
}

initI18n();
const pre = new URLSearchParams(location.search).get('code');
if (pre) typed = normaliseCode(pre).slice(0, 5);
onLangChange(() => { if (error) error = ''; render(); });
render();
