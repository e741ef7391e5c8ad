// host.js: /host — the facilitator.
//
// Without ?room: choose a built-in case (or paste/upload a TOML case and see
// its errors at their lines, or the whole case as players see it, goals
// included), set the options and create a room. The host
// token is stored in localStorage ("democreatie.host.CODE") and the page goes
// to /host?room=CODE, the dashboard, which a reload resumes.

import {
  h, setChildren, region, resetRegion, storage, KEYS, isValidCode, normaliseCode, api, RoomSocket,
  bannerFor, syncClock, countdown, announce, namesOf, downloadBlob, uid, sig,
} from './common.js';
import { t, initI18n, onLangChange } from './i18n.js';
import {
  ROLES, roleBadge, choiceBadge, connBadge, kindName, textBlock, cardView, eventView, decisionView,
  ruleView, notesView, roundPlan, progressText, progressBadges, errorText, formStatus, roleName,
  personName, hiddenBadge, tagLabel, scenarioPreview, votedCount,
} from './ui.js';
import { icon } from './icons.js';

const app = document.getElementById('app');
const params = new URLSearchParams(location.search);
const roomParam = params.get('room');

initI18n();

if (roomParam !== null) dashboard(normaliseCode(roomParam));
else setup();

// =================================================================== setup

function setup() {
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
    options: { tables: '', swap: true, auto: false, language: '' },
  };

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
    renderOptions();
    renderSubmit();
  }

  // ------------------------------------------------ source: built-in or own

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
        S.source === 'builtin' ? builtinPanel() : tomlPanel());
    });
  }

  function builtinPanel() {
    if (S.listError) return h('p', { class: 'alert', role: 'alert' }, t('setup.listError'));
    if (!S.list) return h('p', { class: 'muted' }, t('app.loading'));
    const gears = [...new Set(S.list.map((s) => s.gear).filter(Boolean))].sort();
    const moments = [...new Set(S.list.map((s) => s.moment).filter(Boolean))];
    const MOMENT_ORDER = ['signaleren', 'agenderen', 'ontwerpen', 'uitwerken', 'beslissen', 'evalueren'];
    moments.sort((a, b) => MOMENT_ORDER.indexOf(a) - MOMENT_ORDER.indexOf(b));
    const langs = [...new Set(S.list.map((s) => s.language).filter(Boolean))].sort();
    const filterSelect = (kind, values, testid, labelKey) => {
      const id = `filter-${kind}`;
      const select = h('select', { id, class: 'input', testid,
        on: { change: (ev) => { S.filter[kind] = ev.target.value; renderAll(); } } },
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
            on: { change: () => selectScenario(s.id) } }),
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
      folderProblems());
  }

  // Files in the server's scenario folder that could not be read: a trainer editing a case
  // sees the line and the message here, while the other cases stay available.
  function folderProblems() {
    if (!S.problems.length) return null;
    return h('section', { class: 'check-errors', testid: 'folder-problems', 'aria-labelledby': 'folder-problems-h' },
      h('h3', { id: 'folder-problems-h' }, t('setup.folderProblems', { n: S.problems.length })),
      h('ul', { class: 'error-list' }, S.problems.map((p) =>
        h('li', { class: 'error-item' },
          h('code', null, `${p.file}:${p.line}:${p.column}`), ' ', h('span', null, p.message || '')))));
  }

  async function selectScenario(id) {
    S.selected = id;
    renderAll();
    if (!S.details.has(id)) {
      const res = await api(`/api/scenarios/${encodeURIComponent(id)}`);
      if (res.ok && res.data) S.details.set(id, res.data);
      renderAll();
    }
  }

  function scenarioSummary(sc) {
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

  function tomlPanel() {
    const textarea = h('textarea', {
      id: 'toml-text', class: 'input textarea code-input', testid: 'toml-text', rows: 14, spellcheck: 'false',
      value: S.toml, 'aria-describedby': 'toml-hint',
      on: { input: (ev) => { S.toml = ev.target.value; } },
    });
    const file = h('input', { type: 'file', id: 'toml-file', class: 'input-file', testid: 'toml-file', accept: '.toml,text/plain,application/toml' });
    file.addEventListener('change', async () => {
      const f = file.files && file.files[0];
      if (!f) return;
      if (f.size > 512 * 1024) { S.check = { ok: false, errors: [{ message: t('setup.fileTooBig') }] }; renderAll(); return; }
      S.toml = await f.text();
      S.check = null;
      renderAll();
      await checkToml();
    });
    const checkBtn = h('button', { type: 'button', class: 'btn btn-secondary', testid: 'toml-check', 'data-focus-key': 'toml-check' },
      S.checking ? t('setup.checking') : t('setup.check'));
    checkBtn.addEventListener('click', () => checkToml());
    return h('div', { class: 'stack' },
      h('div', { class: 'field' },
        h('label', { for: 'toml-text', class: 'label' }, t('setup.tomlLabel')),
        h('p', { class: 'hint', id: 'toml-hint' }, t('setup.tomlHint')),
        textarea),
      h('div', { class: 'field' },
        h('label', { for: 'toml-file', class: 'label' }, t('setup.fileLabel')),
        file),
      h('div', { class: 'button-row' }, checkBtn),
      checkResult());
  }

  function lineOf(text, n) {
    const lines = String(text).split('\n');
    return lines[n - 1] ?? '';
  }

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

  function checkResult() {
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

  async function checkToml() {
    if (!S.toml.trim()) {
      S.check = { ok: false, errors: [{ message: t('setup.tomlEmpty') }] };
      renderAll();
      return;
    }
    S.checking = true;
    renderAll();
    const res = await api('/api/scenarios/check', { method: 'POST', text: S.toml });
    S.checking = false;
    if (res.data && (res.data.ok === true || res.data.ok === false)) {
      S.check = res.data;
    } else {
      S.check = { ok: false, errors: [{ message: t('error.network') }] };
    }
    renderAll();
    announce(S.check.ok ? t('setup.tomlOk') : t('setup.tomlErrors', { n: (S.check.errors || []).length }));
  }

  // ------------------------------------------------ options

  function renderOptions() {
    region(optionsRegion, sig(S.options), () => {
      const o = S.options;
      const tables = h('select', { id: 'opt-tables', class: 'input', testid: 'opt-tables', 'aria-describedby': 'opt-tables-hint',
        on: { change: (ev) => { o.tables = ev.target.value; } } },
      h('option', { value: '', selected: o.tables === '' || null }, t('setup.tablesAuto')),
      Array.from({ length: 16 }, (_, i) => h('option', { value: String(i + 1), selected: o.tables === String(i + 1) || null }, String(i + 1))));
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
    });
  }

  function renderSubmit() {
    region(submitRegion, sig(S.creating, S.createError), () => h('div', { class: 'stack' },
      S.createError ? h('p', { class: 'alert', role: 'alert', testid: 'host-error' }, S.createError) : null,
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
    const o = S.options;
    const options = { perspective_swap: !!o.swap, auto_advance: !!o.auto };
    if (o.tables) options.tables = Number(o.tables);
    if (o.language) options.language = o.language;
    body.options = options;
    S.creating = true;
    renderAll();
    const res = await api('/api/rooms', { method: 'POST', body });
    S.creating = false;
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
    S.createError = d.message || (d.error ? t(`error.${d.error}`) : t('error.network'));
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
      if (res.data.length === 1) selectScenario(res.data[0].id);
    } else {
      S.listError = true;
    }
    renderAll();
  });
}

// =================================================================== dashboard

function dashboard(code) {
  const S = {
    view: null,
    token: storage.get(KEYS.host(code)),
    ended: null, // replaced | invalid | unknown | deleted
    kickConfirm: null,
    endConfirm: false,
    deleteConfirm: false,
    lastPhase: null,
    reportStatus: '',
  };
  let conn = null;
  let shell = null;

  if (!isValidCode(code)) {
    message('invalid', t('host.invalidTitle'), t('host.invalidText'));
    return;
  }
  if (!S.token) {
    message('notoken', t('host.noTokenTitle', { code }), t('host.noTokenText'));
    return;
  }

  function message(state, title, text, extra) {
    shell = null;
    setChildren(app, h('div', { class: 'end-state', testid: 'end-state', dataset: { state } },
      h('h1', { tabindex: '-1' }, title), h('p', null, text), extra || null,
      h('p', null, h('a', { href: '/host', class: 'btn btn-secondary' }, t('host.toSetup')))));
    app.removeAttribute('aria-busy');
    const h1 = app.querySelector('h1');
    if (h1) h1.focus();
  }

  function showEnded() {
    if (S.ended === 'replaced') {
      const again = h('button', { type: 'button', class: 'btn btn-primary', testid: 'resume-here' }, t('end.resumeHere'));
      again.addEventListener('click', () => { S.ended = null; shell = null; render(); conn.start(); });
      message('replaced', t('host.replacedTitle'), t('host.replacedText'), h('p', null, again));
    } else if (S.ended === 'invalid') {
      message('invalid_token', t('host.badTokenTitle'), t('host.badTokenText'));
    } else if (S.ended === 'unknown') {
      message('unknown', t('host.unknownTitle', { code }), t('host.unknownText'));
    } else if (S.ended === 'deleted') {
      message('deleted', t('host.deletedTitle'), t('host.deletedText'));
    }
  }

  conn = new RoomSocket({
    session: () => (S.ended ? null : { type: 'host', room: code, host_token: S.token }),
    onStatus: (s) => bannerFor(s),
    onMessage: (msg) => {
      if (msg.type === 'state') {
        S.view = msg.view;
        syncClock((msg.view && msg.view.server_time) || msg.server_time);
        const ph = (msg.view && msg.view.phase) || {};
        if (S.lastPhase !== null && S.lastPhase !== ph.index) {
          S.endConfirm = false;
          announce(ph.kind === 'finished' ? t('announce.finished') : t('announce.round', { title: ph.title || '', kind: kindName(ph.kind) }));
        }
        S.lastPhase = ph.index;
        render();
      } else if (msg.type === 'replaced') {
        S.ended = 'replaced'; conn.stop(); showEnded();
      } else if (msg.type === 'error') {
        if (msg.code === 'invalid_token' && !conn.sessionOpen) {
          storage.remove(KEYS.host(code));
          S.ended = 'invalid'; conn.stop(); showEnded();
        } else if (msg.code === 'unknown_room') {
          storage.remove(KEYS.host(code));
          storage.remove(KEYS.joinUrl(code));
          if (S.ended !== 'deleted') S.ended = 'unknown';
          conn.stop(); showEnded();
        } else if (msg.id === undefined || msg.id === null) {
          controlStatus(msg.message || t(`error.${msg.code}`), true);
        }
      }
    },
  });

  function controlStatus(text, isError) {
    const el = document.getElementById('control-status');
    if (el && el.set) el.set(text, isError);
  }

  function buildShell() {
    const mk = (id, tag = 'div', attrs = {}) => h(tag, { id, class: `region region-${id}`, ...attrs });
    shell = {
      title: h('h1', { class: 'game-title' }),
      storage: mk('storage-banner', 'div'),
      room: mk('room-info', 'section', { 'aria-labelledby': 'room-heading' }),
      controls: mk('controls', 'section', { 'aria-labelledby': 'controls-heading' }),
      plan: mk('plan', 'section', { 'aria-labelledby': 'plan-heading' }),
      lobby: mk('lobby', 'section', { 'aria-labelledby': 'lobby-heading' }),
      tables: mk('tables', 'section', { 'aria-labelledby': 'tables-heading' }),
      reports: mk('reports', 'section', { 'aria-labelledby': 'reports-heading' }),
    };
    setChildren(app, shell.title, shell.storage,
      h('div', { class: 'dash' },
        h('div', { class: 'dash-side' }, shell.room, shell.controls, shell.plan, shell.reports),
        h('div', { class: 'dash-main' }, shell.lobby, shell.tables)));
    app.removeAttribute('aria-busy');
  }

  function render() {
    if (S.ended) { showEnded(); return; }
    if (!S.view) {
      shell = null;
      setChildren(app, h('h1', null, t('host.connecting', { code })), h('p', { class: 'muted' }, t('join.connectingText', { code })));
      app.removeAttribute('aria-busy');
      return;
    }
    if (!shell) buildShell();
    const view = S.view;
    const phase = view.phase || { kind: 'lobby', index: -1 };
    const rounds = view.rounds || [];
    const names = namesOf(view);
    const lang = view.language || 'nl';
    const scenario = view.scenario || {};
    app.dataset.phaseKind = phase.kind;
    app.dataset.phaseIndex = String(phase.index);
    shell.title.textContent = t('host.title', { title: scenario.title || '' });
    // The server says when it cannot store commands (a full disk) or the room's log no
    // longer replays: the facilitator must know at once, in words, with an icon.
    region(shell.storage, sig(view.storage), () => (view.storage
      ? h('p', { class: 'alert', role: 'alert', testid: 'storage-banner', dataset: { storage: view.storage } },
        icon('warning'), ' ', t(view.storage === 'read_only' ? 'host.storageReadOnly' : 'host.storageUnavailable'))
      : null));

    const stored = storage.get(KEYS.joinUrl(code));
    const joinUrl = stored && /^https?:\/\//i.test(stored) ? stored : `${location.origin}/join/${code}`;
    region(shell.room, sig(view.locked), () => {
      const copyStatus = formStatus();
      const copy = h('button', { type: 'button', class: 'btn btn-small btn-secondary', testid: 'copy-join-url' }, t('host.copy'));
      copy.addEventListener('click', async () => {
        try {
          await navigator.clipboard.writeText(joinUrl);
          copyStatus.set(t('host.copied'));
        } catch {
          const sel = window.getSelection();
          const range = document.createRange();
          const link = document.querySelector('[data-testid="join-url"]');
          if (link && sel) { range.selectNodeContents(link); sel.removeAllRanges(); sel.addRange(range); }
          copyStatus.set(t('host.copyManual'));
        }
      });
      return [
        h('h2', { id: 'room-heading' }, t('host.roomHeading')),
        h('div', { class: 'room-info' },
          h('div', null,
            h('p', { class: 'label' }, t('host.code')),
            h('p', { class: 'room-code', testid: 'room-code' }, code),
            h('p', { class: 'label' }, t('host.joinUrl')),
            h('p', { class: 'join-url' }, h('a', { href: joinUrl, testid: 'join-url', target: '_blank', rel: 'noopener' }, joinUrl)),
            h('div', { class: 'button-row' }, copy,
              h('a', { href: `/screen/${code}`, class: 'btn btn-small btn-secondary', testid: 'open-screen', target: '_blank', rel: 'noopener' },
                t('host.openScreen'))),
            copyStatus,
            view.locked ? h('p', { class: 'notice', testid: 'locked-note' }, icon('lock'), ' ', t('host.lockedNote')) : null),
          h('img', { class: 'qr', testid: 'qr', src: `/api/rooms/${code}/qr.svg`, alt: t('host.qrAlt', { code }), width: 160, height: 160 })),
      ];
    });

    renderControls(view, phase, rounds);

    region(shell.plan, sig(rounds, phase.index), () => [
      h('h2', { id: 'plan-heading' }, t('host.plan')),
      roundPlan(rounds, phase.kind === 'finished' ? rounds.length : phase.index),
    ]);

    region(shell.lobby, sig(view.lobby, phase.kind, S.kickConfirm), () => {
      if (phase.kind !== 'lobby') return null;
      const lobby = view.lobby || [];
      return [
        h('h2', { id: 'lobby-heading' }, t('host.lobby', { n: lobby.length })),
        lobby.length ? h('p', { class: 'hint' }, t('host.moderationHint')) : null,
        lobby.length ? h('ul', { class: 'people people-lobby', testid: 'lobby-list' }, lobby.map((p) => h('li', { class: 'person', testid: 'lobby-player', dataset: { playerId: p.player_id, connected: String(!!p.connected), nameHidden: p.name_hidden ? 'true' : null } },
          personName(p),
          p.name_hidden ? hiddenBadge(t('host.nameHiddenBadge'), `name-hidden-${p.player_id}`) : null,
          connBadge(p.connected),
          h('span', { class: 'real-role' }, t('host.realRole'), ' ', p.real_role ? roleBadge(p.real_role) : t('role.other')),
          hideNameControl(p),
          kickControl(p))))
          : h('p', { class: 'muted', testid: 'lobby-empty' }, t('host.lobbyEmpty')),
      ];
    });

    region(shell.tables, sig(view.tables, phase.kind, phase.index, S.kickConfirm, [...names]), () => {
      const tables = view.tables || [];
      if (phase.kind === 'lobby') return null;
      if (!tables.length) return [h('h2', { id: 'tables-heading' }, t('host.tables')), h('p', { class: 'muted' }, t('host.noTables'))];
      return [h('h2', { id: 'tables-heading' }, t('host.tables')),
        h('p', { class: 'hint' }, t('host.moderationHint')),
        h('div', { class: 'tables' }, tables.map((tb) => tableView(tb, view, phase, names, lang)))];
    });

    region(shell.reports, sig(S.reportStatus, S.deleteConfirm), () => reportsView());
  }

  function renderControls(view, phase, rounds) {
    const nextTitle = rounds[phase.index + 1] ? rounds[phase.index + 1].title : null;
    region(shell.controls, sig(phase, view.locked, S.endConfirm, rounds.length, (view.lobby || []).length), () => {
      const status = formStatus('control-status');
      status.id = 'control-status';
      const send = async (msg, okText) => {
        status.set('');
        try {
          await conn.request(msg);
          if (okText) { status.set(okText); announce(okText); }
        } catch (err) {
          status.set(errorText(err), true);
        }
      };
      const btn = (testid, label, cls, onClick, iconName) => {
        const b = h('button', { type: 'button', class: ['btn', cls], testid, 'data-focus-key': testid },
          iconName ? icon(iconName) : null, h('span', null, label));
        b.addEventListener('click', onClick);
        return b;
      };
      const items = [];
      if (phase.kind === 'lobby') {
        const n = (view.lobby || []).length;
        items.push(btn('host-start', t('host.start'), 'btn-primary btn-large', () => send({ type: 'start' })));
        items.push(h('p', { class: 'hint' }, n < 3 ? t('host.startNeed', { n }) : t('host.startReady', { n })));
      } else if (phase.kind !== 'finished') {
        const last = phase.index >= rounds.length - 1;
        items.push(btn('host-next', last ? t('host.finish') : t('host.next', { title: nextTitle || '' }), 'btn-primary btn-large', () => send({ type: 'next' })));
        items.push(h('div', { class: 'button-row' },
          btn('host-extend-60', t('host.extend', { n: 1 }), 'btn-secondary', () => send({ type: 'extend', seconds: 60 }, t('host.extended', { n: 1 })), 'clock'),
          btn('host-extend-300', t('host.extend', { n: 5 }), 'btn-secondary', () => send({ type: 'extend', seconds: 300 }, t('host.extended', { n: 5 })), 'clock')));
      }
      if (phase.kind !== 'finished') {
        const lock = btn('host-lock', view.locked ? t('host.unlock') : t('host.lock'), 'btn-secondary',
          () => send({ type: 'lock', locked: !view.locked }), view.locked ? 'unlock' : 'lock');
        lock.setAttribute('aria-pressed', view.locked ? 'true' : 'false');
        const row = [lock];
        if (!S.endConfirm) {
          row.push(btn('host-end', t('host.end'), 'btn-quiet', () => { S.endConfirm = true; render(); }));
        }
        items.push(h('div', { class: 'button-row' }, row));
        if (S.endConfirm) {
          items.push(h('div', { class: 'confirm', role: 'group', 'aria-labelledby': 'end-q' },
            h('p', { id: 'end-q' }, t('host.endQuestion')),
            h('div', { class: 'button-row' },
              btn('host-end-confirm', t('host.endYes'), 'btn-danger', () => { S.endConfirm = false; send({ type: 'end' }); }),
              btn('host-end-cancel', t('host.endNo'), 'btn-secondary', () => { S.endConfirm = false; render(); }))));
        }
      }
      return [
        h('h2', { id: 'controls-heading' }, t('host.controls')),
        h('div', { class: 'phase-now', testid: 'phase', dataset: { phaseKind: phase.kind, phaseIndex: phase.index } },
          h('p', { class: 'kicker' }, progressText(phase, rounds)),
          phase.kind !== 'lobby' && phase.kind !== 'finished'
            ? [h('p', { class: 'phase-title', lang: view.language || null }, phase.title || kindName(phase.kind)),
              h('p', { class: 'muted' }, kindName(phase.kind)),
              countdown(phase.deadline),
              phase.prompt ? textBlock(phase.prompt, { lang: view.language, cls: 'prompt' }) : null]
            : null,
          phase.kind === 'finished' ? h('p', { class: 'phase-title' }, t('host.finished')) : null),
        h('div', { class: 'stack' }, items),
        status,
      ];
    });
  }

  /** Send a moderation command; say what happened, or show the error by the controls. */
  async function moderate(msg, okText) {
    try {
      await conn.request(msg);
      announce(okText);
    } catch (err) {
      controlStatus(errorText(err), true);
    }
  }

  /** "Naam verbergen" / "Naam weer tonen" for one participant (one press: it can be undone). */
  function hideNameControl(p) {
    const hidden = !!p.name_hidden;
    const key = `hide-name-${p.player_id}`;
    const b = h('button', {
      type: 'button', class: 'btn btn-small btn-quiet btn-moderate', testid: key, 'data-focus-key': key,
      dataset: { hidden: String(hidden) },
      'aria-label': t(hidden ? 'host.showNameLabel' : 'host.hideNameLabel', { name: p.name }),
    }, icon(hidden ? 'shown' : 'hidden'), h('span', null, t(hidden ? 'host.showName' : 'host.hideName')));
    b.addEventListener('click', () => moderate({ type: 'hide_name', player_id: p.player_id, hidden: !hidden },
      t(hidden ? 'host.nameShown' : 'host.nameHidden', { name: p.name })));
    return b;
  }

  /** Under each note of table `tableNo`: the words "hidden from participants" when so, and "Verbergen" / "Weer tonen". */
  function noteTools(tableNo, names) {
    return (n, index) => {
      const hidden = !!n.hidden;
      const key = `hide-note-${tableNo}-${index}`;
      const name = names.get(n.player_id) || t('player.unknown');
      const chars = [...String(n.text || '')];
      const text = chars.length > 60 ? `${chars.slice(0, 57).join('')}…` : chars.join('');
      const b = h('button', {
        type: 'button', class: 'btn btn-small btn-quiet btn-moderate', testid: key, 'data-focus-key': key,
        dataset: { hidden: String(hidden) },
        'aria-label': t(hidden ? 'host.showNoteLabel' : 'host.hideNoteLabel', { name, text }),
      }, icon(hidden ? 'shown' : 'hidden'), h('span', null, t(hidden ? 'host.showNote' : 'host.hideNote')));
      b.addEventListener('click', () => moderate({ type: 'hide_note', table: tableNo, note: index, hidden: !hidden },
        t(hidden ? 'host.noteShown' : 'host.noteHidden', { name })));
      return h('div', { class: 'note-tools' },
        hidden ? hiddenBadge(t('host.noteHiddenBadge'), `note-hidden-${tableNo}-${index}`) : null,
        b);
    };
  }

  function kickControl(p) {
    if (S.kickConfirm === p.player_id) {
      const yes = h('button', { type: 'button', class: 'btn btn-small btn-danger', testid: `kick-confirm-${p.player_id}`, 'data-focus-key': `kick-${p.player_id}` },
        t('host.kickYes', { name: p.name }));
      const no = h('button', { type: 'button', class: 'btn btn-small btn-secondary' }, t('host.kickNo'));
      yes.addEventListener('click', async () => {
        S.kickConfirm = null;
        try { await conn.request({ type: 'kick', player_id: p.player_id }); announce(t('host.kicked', { name: p.name })); } catch (err) { controlStatus(errorText(err), true); }
        render();
      });
      no.addEventListener('click', () => { S.kickConfirm = null; render(); });
      return h('span', { class: 'button-row' }, yes, no);
    }
    const b = h('button', { type: 'button', class: 'btn btn-small btn-quiet', testid: `kick-${p.player_id}`, 'data-focus-key': `kick-${p.player_id}`,
      'aria-label': t('host.kickLabel', { name: p.name }) }, t('host.kick'));
    b.addEventListener('click', () => { S.kickConfirm = p.player_id; render(); });
    return b;
  }

  function tableView(tb, view, phase, names, lang) {
    const players = tb.players || [];
    const secret = !!(view.scenario && view.scenario.decision && view.scenario.decision.secret_ballot);
    const headId = uid('table');
    const k = phase.kind === 'vote' ? votedCount(tb) : players.filter((p) => p.ready).length;
    return h('article', { class: 'table-card panel', testid: `table-${tb.table}`, 'aria-labelledby': headId },
      h('h3', { id: headId }, t('table.n', { n: tb.table })),
      ['briefing', 'debrief', 'vote'].includes(phase.kind)
        ? h('p', { class: 'table-progress' }, phase.kind === 'vote' ? t('table.votedCount', { k, n: players.length }) : t('table.readyCount', { k, n: players.length }))
        : null,
      h('ul', { class: 'people people-host' }, players.map((p) => h('li', { class: 'person', testid: 'table-player', dataset: { playerId: p.player_id, connected: String(!!p.connected), role: p.role, nameHidden: p.name_hidden ? 'true' : null } },
        h('div', { class: 'person-line' },
          personName(p),
          p.name_hidden ? hiddenBadge(t('host.nameHiddenBadge'), `name-hidden-${p.player_id}`) : null,
          roleBadge(p.role), connBadge(p.connected), progressBadges(p, phase.kind), hideNameControl(p), kickControl(p)),
        h('p', { class: 'muted small' }, t('host.realRole'), ' ', p.real_role ? roleName(p.real_role) : t('role.other')),
        p.vote && !secret ? h('p', { class: 'open-vote', testid: 'open-vote' }, t('host.openVote'), ' ', choiceBadge(p.vote.choice),
          p.vote.condition ? [' ', h('q', null, p.vote.condition)] : null,
          p.vote.reason ? [' ', h('q', null, p.vote.reason)] : null) : null,
        p.card ? h('details', { class: 'host-card', 'data-keep': `card-${p.player_id}` },
          h('summary', null, t('host.card', { name: p.card.name })),
          cardView(p.card, { role: p.role, lang, headingLevel: 4, testid: 'host-role-card' })) : null))),
      tb.event ? eventView(tb.event, { lang, headingLevel: 4 }) : null,
      h('div', { class: 'table-section' },
        h('h4', null, t('host.proposal')),
        tb.proposal
          ? [textBlock(tb.proposal.text, { lang, tag: 'blockquote', testid: 'host-proposal' }),
            h('p', { class: 'muted small' }, t('proposal.by', { name: names.get(tb.proposal.by) || t('player.unknown') }))]
          : h('p', { class: 'muted' }, t('proposal.none'))),
      tb.decision ? decisionView(tb.decision, { names, lang, headingLevel: 4 }) : null,
      h('details', { class: 'table-section', open: phase.kind === 'discussion' || null, 'data-keep': `notes-${tb.table}-${phase.kind === 'discussion'}` },
        h('summary', null, t('notes.title', { n: (tb.notes || []).length })),
        notesView(tb.notes, { names, rounds: view.rounds, currentIndex: phase.index, lang, headingLevel: 5, tools: noteTools(tb.table, names) })));
  }

  function reportsView() {
    const status = formStatus('report-status');
    if (S.reportStatus) status.set(S.reportStatus.text, S.reportStatus.error);
    const dl = async (ext) => {
      status.set(t('host.reportLoading'));
      let res;
      try {
        res = await fetch(`/api/rooms/${code}/report.${ext}`, { headers: { Authorization: `Bearer ${S.token}` }, cache: 'no-store' });
      } catch {
        status.set(t('error.network'), true);
        return;
      }
      if (!res.ok) {
        status.set(res.status === 401 ? t('host.reportUnauthorized') : res.status === 404 ? t('host.reportMissing') : t('error.generic'), true);
        return;
      }
      const blob = await res.blob();
      downloadBlob(blob, `democreatie-${code}.${ext}`);
      status.set(t('host.reportReady', { file: `democreatie-${code}.${ext}` }));
    };
    const rbtn = (ext) => {
      const b = h('button', { type: 'button', class: 'btn btn-secondary', testid: `report-${ext}` }, t(`host.report.${ext}`));
      b.addEventListener('click', () => dl(ext));
      return b;
    };
    const del = [];
    if (!S.deleteConfirm) {
      const b = h('button', { type: 'button', class: 'btn btn-quiet', testid: 'host-delete', 'data-focus-key': 'host-delete' }, t('host.delete'));
      b.addEventListener('click', () => { S.deleteConfirm = true; render(); });
      del.push(b);
    } else {
      const yes = h('button', { type: 'button', class: 'btn btn-danger', testid: 'host-delete-confirm', 'data-focus-key': 'host-delete' }, t('host.deleteYes'));
      const no = h('button', { type: 'button', class: 'btn btn-secondary' }, t('host.deleteNo'));
      yes.addEventListener('click', async () => {
        const res = await api(`/api/rooms/${code}`, { method: 'DELETE', token: S.token });
        if (res.status === 204 || res.ok) {
          S.ended = 'deleted';
          storage.remove(KEYS.host(code));
          storage.remove(KEYS.joinUrl(code));
          conn.stop();
          showEnded();
        } else {
          S.deleteConfirm = false;
          S.reportStatus = { text: res.status === 401 ? t('host.reportUnauthorized') : t('error.generic'), error: true };
          render();
        }
      });
      no.addEventListener('click', () => { S.deleteConfirm = false; render(); });
      del.push(h('div', { class: 'confirm', role: 'group', 'aria-labelledby': 'del-q' },
        h('p', { id: 'del-q' }, t('host.deleteQuestion')), h('div', { class: 'button-row' }, yes, no)));
    }
    return [
      h('h2', { id: 'reports-heading' }, t('host.reports')),
      h('p', { class: 'hint' }, t('host.reportsHint')),
      h('div', { class: 'button-row' }, rbtn('md'), rbtn('json'), rbtn('csv')),
      status,
      h('h3', null, t('host.privacy')),
      h('p', { class: 'hint' }, t('host.deleteHint')),
      del,
    ];
  }

  onLangChange(() => {
    if (shell) for (const el of Object.values(shell)) resetRegion(el);
    if (S.ended) showEnded(); else render();
  });

  render();
  conn.start();
}
