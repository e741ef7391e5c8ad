// host/setup.js: /host without ?room: the facilitator sets up a room.
//
// The page: a title, links to rooms made on this device before, the case (a
// built-in one, see case-builtin.js, or the facilitator's own TOML, see
// case-toml.js), the options (options.js) and "create". After creating, the host
// token is stored in localStorage ("democreatie.host.CODE") and the page goes to
// /host?room=CODE, the dashboard.
//
// Every panel reads the one state object S and asks for renderAll() after a
// change; region() only rebuilds a panel whose data changed.

import { h, setChildren, region, resetRegion, storage, KEYS, isValidCode, api, sig } from '../common.js';
import { t, onLangChange } from '../i18n.js';
import { builtinPanel, selectScenario } from './case-builtin.js';
import { tomlPanel } from './case-toml.js';
import { optionsPanel, roomOptions } from './options.js';

/** Where this browser keeps the facilitator key of a server that asks for one. */
const FACILITATOR_KEY = 'democreatie.facilitatorKey';

export function setup(app) {
  const S = {
    list: null,
    listError: false,
    problems: [], // broken files in the server's scenario folder: [{file, line, column, message}]
    filter: { gear: '', moment: '', language: '' },
    source: 'builtin',
    selected: null,
    details: new Map(), // id -> full scenario
    toml: '',
    check: null, // {ok, errors, scenario, id}
    checking: false,
    creating: false,
    createError: '',
    options: { tables: '', swap: true, auto: false, language: '', screenNotes: true, autoReveal: true, secret: null },
  };
  const ctx = { S, renderAll };

  const root = {
    intro: h('div'),
    rooms: h('div'),
    form: h('form', { class: 'stack', novalidate: true, testid: 'create-form' }),
  };
  const sourceRegion = h('div', { class: 'region' });
  const optionsRegion = h('div', { class: 'region' });
  const submitRegion = h('div', { class: 'region' });
  root.form.append(sourceRegion, optionsRegion, submitRegion);
  root.form.addEventListener('submit', (ev) => { ev.preventDefault(); create(); });
  setChildren(app, root.intro, root.rooms, root.form);
  app.removeAttribute('aria-busy');

  /** Codes of the rooms this device holds a host token for. */
  function myRooms() {
    const prefix = KEYS.host('');
    return storage.keys().filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)).filter(isValidCode).sort();
  }

  function renderAll() {
    region(root.intro, sig(), () => [
      h('h1', null, t('setup.title')),
      h('p', { class: 'lead' }, t('setup.lead')),
    ]);
    const rooms = myRooms();
    region(root.rooms, sig(rooms), () => (rooms.length ? h('section', { class: 'panel panel-quiet', 'aria-labelledby': 'my-rooms' },
      h('h2', { id: 'my-rooms' }, t('setup.myRooms')),
      h('ul', { class: 'link-list' }, rooms.map((c) => h('li', null,
        h('a', { href: `/host?room=${c}`, class: 'btn btn-secondary' }, t('setup.openRoom', { code: c })))))) : null));
    renderSource();
    // A secret ballot follows the chosen case until the facilitator changes it; a new
    // case brings its own default again.
    const caseId = S.source === 'builtin' ? `builtin:${S.selected}` : `toml:${S.check && S.check.ok ? S.check.id : ''}`;
    if (caseId !== S.secretFor) { S.secretFor = caseId; S.options.secret = null; }
    const secretDefault = !!caseDecision() && !!caseDecision().secret_ballot;
    region(optionsRegion, sig(S.options, secretDefault), () => optionsPanel(S.options, { secretDefault }));
    renderSubmit();
  }

  /** The chosen case's decision rule (from its details or the checked TOML), or null. */
  function caseDecision() {
    if (S.source === 'builtin') {
      const d = S.selected && S.details.get(S.selected);
      return (d && d.decision) || null;
    }
    return (S.check && S.check.ok && S.check.scenario && S.check.scenario.decision) || null;
  }

  // The case: built-in or own.
  function renderSource() {
    const sel = S.selected;
    region(sourceRegion, sig(S.source, S.list && S.list.length, S.listError, S.problems.length, S.filter, sel, S.details.has(sel), S.check, S.checking), () => {
      const modes = ['builtin', 'toml'].map((m) => {
        const id = `source-${m}`;
        return h('label', { class: 'option', for: id },
          h('input', { type: 'radio', name: 'source', id, value: m, testid: id, checked: S.source === m,
            on: { change: () => { S.source = m; renderAll(); } } }),
          h('span', { class: 'option-body' }, h('span', null, t(`setup.source.${m}`))));
      });
      return h('section', { class: 'panel stack', 'aria-labelledby': 'case-heading' },
        h('h2', { id: 'case-heading' }, t('setup.caseHeading')),
        h('fieldset', { class: 'field options' },
          h('legend', { class: 'label' }, t('setup.sourceLegend')),
          h('div', { class: 'option-grid option-grid-2' }, modes)),
        S.source === 'builtin' ? builtinPanel(ctx) : tomlPanel(ctx));
    });
  }

  function renderSubmit() {
    region(submitRegion, sig(S.creating, S.createError, S.needKey), () => h('div', { class: 'stack' },
      S.createError ? h('p', { class: 'alert', role: 'alert', testid: 'host-error' }, S.createError) : null,
      // A server with --facilitator-keys answers 401 until the facilitator gives a key.
      S.needKey ? h('div', { class: 'field' },
        h('label', { class: 'label', for: 'facilitator-key' }, t('setup.keyLabel')),
        h('p', { class: 'hint', id: 'facilitator-key-hint' }, t('setup.keyHint')),
        h('input', { class: 'input', id: 'facilitator-key', type: 'password', autocomplete: 'off', testid: 'facilitator-key',
          'aria-describedby': 'facilitator-key-hint', value: storage.get(FACILITATOR_KEY) || '',
          on: { input: (e) => storage.set(FACILITATOR_KEY, e.target.value.trim()) } })) : null,
      h('button', { type: 'submit', class: 'btn btn-primary btn-block btn-large', testid: 'host-create', disabled: S.creating || null,
        'data-focus-key': 'host-create' },
      S.creating ? t('setup.creating') : t('setup.create'))));
  }

  async function create() {
    S.createError = '';
    const body = {};
    if (S.source === 'builtin') {
      if (!S.selected) { S.createError = t('setup.pickFirst'); renderAll(); return; }
      body.scenario = S.selected;
    } else {
      if (!S.toml.trim()) { S.createError = t('setup.tomlEmpty'); renderAll(); return; }
      body.scenario_toml = S.toml;
    }
    body.options = roomOptions(S.options);
    S.creating = true;
    renderAll();
    const res = await api('/api/rooms', { method: 'POST', body, token: storage.get(FACILITATOR_KEY) || undefined });
    S.creating = false;
    if (res.status === 401) S.needKey = true;
    if (res.status === 201 || (res.ok && res.data && res.data.room)) {
      const { room, host_token: token, join_url: joinUrl } = res.data;
      storage.set(KEYS.host(room), token);
      if (joinUrl) storage.set(KEYS.joinUrl(room), joinUrl);
      location.assign(`/host?room=${encodeURIComponent(room)}`);
      return;
    }
    const d = res.data || {};
    if (d.error === 'invalid_scenario' && Array.isArray(d.errors)) {
      S.source = 'toml';
      S.check = { ok: false, errors: d.errors };
    }
    // The server's sentence when it gave one; the client only words what it saw itself.
    if (res.status === 0) S.createError = t('error.network');
    else S.createError = d.message || t('error.generic');
    renderAll();
    const err = document.querySelector('[data-testid="host-error"]');
    if (err) { err.setAttribute('tabindex', '-1'); err.focus(); }
  }

  onLangChange(() => {
    for (const el of [root.intro, root.rooms, sourceRegion, optionsRegion, submitRegion]) resetRegion(el);
    renderAll();
  });

  renderAll();
  api('/api/scenarios/problems').then((res) => {
    if (res.ok && Array.isArray(res.data)) {
      S.problems = res.data;
      renderAll();
    }
  });
  api('/api/scenarios').then((res) => {
    if (res.ok && Array.isArray(res.data)) {
      S.list = res.data;
      if (res.data.length === 1) selectScenario(ctx, res.data[0].id);
    } else {
      S.listError = true;
    }
    renderAll();
  });
}
