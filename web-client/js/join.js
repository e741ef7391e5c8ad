// join.js: /join/{CODE} — the participant's phone.
//
// Join form -> lobby -> role card and one screen per round kind -> decision
// -> debrief -> finished. The player token is kept in localStorage
// ("democreatie.player.CODE") so a reload, a sleeping phone or a dropped
// network resumes the same seat. A tablet for several players keeps a seat per person
// instead (device.js): then these screens show the seat that person picked.

import {
  h, setChildren, region, resetRegion, storage, KEYS, codeFromPath, isValidCode, api,
  RoomSocket, bannerFor, syncClock, countdown, announce, namesOf, hiddenNamesOf, charCount, sig, limit,
} from './common.js';
import { t, initI18n, onLangChange, followRoomLang } from './i18n.js';
import {
  ROLES, CHOICES, NOTE_KINDS, roleBadge, choiceBadge, connBadge, kindName, noteKindName, textBlock,
  readAloudButton, cardView, eventView, decisionView, ruleView, notesView, progressText,
  progressBadges, errorText, formStatus, textField, roleName, personName, votedCount, tabList,
} from './ui.js';
import { icon } from './icons.js';
import { ballotForm, ballotsSent, renderBudgetResult } from './budget.js';
import { Device, playTogether, seatScope } from './device.js';
import {
  syncEasy, easyActive, et, easyIcon, easyNoteIcon, easyReadAloud, easySwitch, renderEasySwitch, easyRoundHead,
  renderEasyNav, renderEasyMore, easyNotes, easyDecision, watchNotes, focusNewRound, easyHeadKey,
} from './easy.js';

const app = document.getElementById('app');
const code = codeFromPath();

const S = {
  mode: 'loading', // loading | invalid | unknown | form | connecting | game | ended
  summary: null,
  summaryError: false,
  view: null,
  playerId: null,
  token: null,
  pendingJoin: null,
  joinError: '',
  ended: null, // kicked | left | replaced | finished | deleted
  lastPhaseIndex: null,
  lastDecisionKey: null,
  leaveConfirm: false,
  form: { name: '', role: '' },
  proposalBase: null, // proposal text the editor was last filled with
  proposalVersion: 0, // the version of that text (0: none yet); sent as `base`
  tab: 'do', // the open tab in a round: do | card | case | table
  cardDecided: false, // whether this page has decided yet to show the card first
  doSeenIndex: null, // the round the person last saw in the "Doen" tab
  cardTab: null, // the open tab of the role card
  caseSeenEvent: null, // the event card the person has seen in the "Casus" tab
  expanded: {}, // "Lees meer" boxes the person opened
};

// Besides the token this phone keeps, per room: what the person typed and did not send
// yet (a note, the proposal while it differs from the table's, a vote's condition or
// reason), so that a reload or a dead battery loses nothing; and whether they have seen
// their card (then a reload opens the round, not the card). On a shared device (device.js)
// the keys hold the player id of the seat on screen: "democreatie.draft.CODE.p3.note".
const DRAFTS = ['note', 'proposal', 'vote'];
const draftKey = (kind) => `democreatie.draft.${code}.${seatScope(S.seat)}${kind}`;
const cardSeenKey = () => `democreatie.seen.${code}.${seatScope(S.seat)}card`;

function readDraft(kind) {
  const raw = storage.get(draftKey(kind));
  if (raw === null || raw === undefined) return null;
  if (kind === 'note') return raw;
  try { return JSON.parse(raw); } catch { return null; }
}

function writeDraft(kind, value) {
  storage.set(draftKey(kind), kind === 'note' ? String(value) : JSON.stringify(value));
}

function clearDraft(kind) {
  storage.remove(draftKey(kind));
}

let conn = null;
let shell = null; // the game's regions, built once per game mode
let device = null; // the seats of a shared device (device.js), made in main()

// ---------------------------------------------------------------- connection

function sessionMessage() {
  if (S.token) return { type: 'resume', room: code, token: S.token };
  if (S.pendingJoin) {
    const msg = { type: 'join', room: code, name: S.pendingJoin.name };
    if (S.pendingJoin.real_role) msg.real_role = S.pendingJoin.real_role;
    return msg;
  }
  return null;
}

function forgetToken() {
  S.token = null;
  storage.remove(KEYS.player(code));
  for (const kind of DRAFTS) clearDraft(kind);
  storage.remove(cardSeenKey());
}

function endWith(kind) {
  S.ended = kind;
  S.mode = 'ended';
  if (conn) conn.stop();
  bannerFor('online');
  render(true);
}

function onMessage(msg) {
  switch (msg.type) {
    case 'welcome':
      if (msg.as === 'player') {
        if (msg.token) {
          S.token = msg.token;
          storage.set(KEYS.player(code), msg.token);
        }
        S.playerId = msg.player_id ?? S.playerId;
        S.pendingJoin = null;
        S.joinError = '';
      }
      break;
    case 'state':
      if (msg.server_time) syncClock(msg.server_time);
      onState(msg.view);
      break;
    case 'replaced':
      endWith('replaced');
      break;
    case 'kicked':
      forgetToken();
      endWith('kicked');
      break;
    case 'left':
      forgetToken();
      endWith('left');
      break;
    case 'error':
      onError(msg);
      break;
    default:
      break;
  }
}

function onError(msg) {
  const text = errorText(msg);
  if (msg.code === 'unknown_room') {
    forgetToken();
    if (conn) conn.stop();
    S.mode = S.view ? 'ended' : 'unknown';
    if (S.view) S.ended = 'deleted';
    render(true);
    return;
  }
  if (conn && conn.sessionOpen) {
    // Errors of commands are shown by the form that sent them (request()).
    if (msg.id === undefined || msg.id === null) showPageAlert(text);
    return;
  }
  // The session did not open.
  if (msg.code === 'invalid_token') {
    forgetToken();
    S.mode = 'form';
    S.joinError = text;
    loadSummary().then(() => render(true));
    return;
  }
  if (msg.code === 'room_finished') {
    S.pendingJoin = null;
    endWith('finished');
    return;
  }
  if (msg.code === 'server_busy') return; // the socket closes; back-off retries
  // Several nodes: the room is moving to another node while the session opens; the
  // socket closes and back-off retries the same session (docs/protocol.md, item 80).
  if (msg.code === 'storage_unavailable' && conn && !conn.sessionOpen) return;
  // name_taken, invalid_name, room_locked, room_full, invalid_input, rate_limited, ...
  S.pendingJoin = null;
  S.joinError = text;
  S.mode = 'form';
  render(true);
  const field = document.getElementById('join-name');
  if (field) field.focus();
}

// The sentences this page shows itself when a command could not reach the server.
const CONN_ERRORS = ['error.notConnected', 'error.disconnected', 'error.timeout'];

function onStatus(status) {
  bannerFor(status);
  if (status === 'online') {
    hidePageAlert();
    // "Er is nu geen verbinding…" under a form is over once the connection is back.
    const stale = new Set(CONN_ERRORS.map((k) => t(k)));
    for (const el of app.querySelectorAll('.form-status.is-error')) {
      if (stale.has(el.textContent.trim())) { el.textContent = ''; el.classList.remove('is-error'); }
    }
  }
  if (S.mode === 'game' && shell) renderGame();
}

function startSocket() {
  if (!conn) conn = new RoomSocket({ session: sessionMessage, onMessage, onStatus });
  conn.start();
}

// ---------------------------------------------------------------- state

function myTable(view) {
  const you = view.you;
  const pid = (you && you.player_id) || S.playerId;
  for (const tb of view.tables || []) {
    if ((you && you.table === tb.table) || (tb.players || []).some((p) => p.player_id === pid)) return tb;
  }
  return null;
}

function onState(view) {
  if (!view) return;
  syncClock(view.server_time);
  if (view.language) followRoomLang(view.language);
  if (view.you && view.you.player_id) S.playerId = view.you.player_id;
  const first = S.mode !== 'game';
  S.view = view;
  S.mode = 'game';
  const phase = view.phase || {};
  // The card comes first: at the start, for someone who joins late, and after a reload
  // until the person has moved on from it once ("Verder" or another tab).
  const inRound = phase.kind !== 'lobby' && phase.kind !== 'finished' && !!(view.you && view.you.card);
  if (inRound && !S.cardDecided) {
    S.cardDecided = true;
    if (storage.get(cardSeenKey()) !== 'seen') {
      S.tab = 'card';
      S.doSeenIndex = phase.index;
    }
  }
  if (S.doSeenIndex === null || S.tab === 'do') S.doSeenIndex = phase.index;
  if (phase.kind === 'finished') for (const kind of DRAFTS) clearDraft(kind);
  const roundChanged = !first && S.lastPhaseIndex !== null && phase.index !== S.lastPhaseIndex;
  if (S.lastPhaseIndex !== null && phase.index !== S.lastPhaseIndex) {
    S.leaveConfirm = false;
    if (phase.kind === 'finished') announce(t('announce.finished'));
    else announce(t('announce.round', { title: phase.title || '', kind: kindName(phase.kind) }));
  }
  S.lastPhaseIndex = phase.index;
  const tb = myTable(view);
  const dkey = tb && tb.decision ? `${phase.index}:${tb.decision.reached}:${tb.decision.proposal}` : null;
  if (dkey && S.lastDecisionKey !== null && dkey !== S.lastDecisionKey) {
    announce(tb.decision.reached ? t('announce.reached') : t('announce.notReached'));
  }
  S.lastDecisionKey = dkey || S.lastDecisionKey || '';
  render(first);
  // Issue #17: notes of others are announced in batches; a new round's title gets focus.
  watchNotes(tb, S.playerId);
  if (roundChanged) focusNewRound(S.tab);
}

// ---------------------------------------------------------------- page alert

function showPageAlert(text) {
  const el = document.getElementById('page-alert');
  if (!el) return;
  el.textContent = text;
  el.hidden = false;
}

function hidePageAlert() {
  const el = document.getElementById('page-alert');
  if (el) { el.textContent = ''; el.hidden = true; }
}

// ---------------------------------------------------------------- render

function render(focusTop = false) {
  app.removeAttribute('aria-busy');
  if (S.mode === 'game') {
    renderGame();
  } else {
    shell = null;
    if (S.mode === 'loading' || S.mode === 'connecting') renderLoading();
    else if (S.mode === 'invalid') renderMessage('invalid', t('join.invalidTitle'), [t('join.invalidText', { code: code || '' })]);
    else if (S.mode === 'unknown') renderMessage('unknown', t('join.unknownTitle'), [t('join.unknownText', { code })]);
    else if (S.mode === 'form') renderForm();
    else if (S.mode === 'ended') renderEnded();
    else if (S.mode === 'device') device.render(app); // "Wie ben jij?" and adding people
  }
  if (focusTop) {
    const h1 = app.querySelector('h1');
    if (h1 && document.activeElement !== document.getElementById('join-name')) {
      h1.setAttribute('tabindex', '-1');
      h1.focus({ preventScroll: false });
    }
  }
}

function renderLoading() {
  setChildren(app,
    h('h1', null, t('join.connecting')),
    h('p', { class: 'muted' }, t('join.connectingText', { code })));
}

function renderMessage(state, title, lines, extra) {
  setChildren(app,
    h('div', { class: 'end-state', testid: 'end-state', dataset: { state } },
      h('h1', null, title),
      lines.map((l) => h('p', null, l)),
      extra || null,
      h('p', null, h('a', { href: '/', class: 'btn btn-secondary' }, t('join.toStart')))));
}

function renderEnded() {
  const k = S.ended;
  if (k === 'kicked') renderMessage('kicked', t('end.kickedTitle'), [t('end.kickedText')]);
  else if (k === 'left') {
    renderMessage('left', t('end.leftTitle'), [t('end.leftText')],
      h('p', null, h('a', { href: `/join/${code}`, class: 'btn btn-primary' }, t('end.joinAgain'))));
  } else if (k === 'replaced') {
    const again = h('button', { type: 'button', class: 'btn btn-primary', testid: 'resume-here' }, t('end.resumeHere'));
    again.addEventListener('click', () => {
      S.ended = null;
      S.mode = S.view ? 'game' : 'connecting';
      render();
      startSocket();
    });
    renderMessage('replaced', t('end.replacedTitle'), [t('end.replacedText')], h('p', null, again));
  } else if (k === 'finished') renderMessage('finished', t('end.finishedTitle'), [t('end.finishedText')]);
  else if (k === 'deleted') renderMessage('deleted', t('end.deletedTitle'), [t('end.deletedText')]);
}

// ---------------------------------------------------------------- join form

async function loadSummary() {
  const res = await api(`/api/rooms/${code}`);
  if (res.status === 404) {
    S.mode = 'unknown';
    return;
  }
  S.summaryError = !res.ok;
  S.summary = res.ok ? res.data : null;
}

function renderForm() {
  const sum = S.summary;
  if (sum && sum.easy_read) syncEasy(sum); // (when the summary says so; see docs/inclusion.md)
  const finished = sum && sum.phase && sum.phase.kind === 'finished';
  if (finished) {
    renderMessage('finished', t('end.finishedTitle'), [t('end.finishedText')]);
    return;
  }
  const nameErrId = 'join-error';
  // Before a socket exists this is the fallback; after a refused join, the server's limit.
  const maxName = limit('name');
  const nameInput = h('input', {
    id: 'join-name', name: 'name', type: 'text', class: 'input', testid: 'join-name',
    autocomplete: 'nickname', maxlength: maxName, required: true, value: S.form.name,
    'aria-describedby': S.joinError ? `join-name-hint ${nameErrId}` : 'join-name-hint',
    'aria-invalid': S.joinError ? 'true' : null,
    on: { input: (ev) => { S.form.name = ev.target.value; } },
  });
  const roleOptions = [...ROLES, 'other'].map((r) => {
    const id = `join-real-role-${r}`;
    const input = h('input', {
      type: 'radio', name: 'real_role', id, value: r === 'other' ? '' : r, testid: id,
      checked: (S.form.role || '') === (r === 'other' ? '' : r),
      on: { change: () => { S.form.role = r === 'other' ? '' : r; } },
    });
    return h('label', { class: 'option', for: id }, input,
      h('span', { class: 'option-body' }, r === 'other' ? h('span', null, t('join.roleOther')) : roleBadge(r)));
  });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', testid: 'join-submit' }, t('join.submit'));
  const form = h('form', { class: 'stack', novalidate: true, testid: 'join-form' },
    easySwitch({ onChange: () => render() }),
    h('div', { class: 'field' },
      h('label', { for: 'join-name', class: 'label' }, t('join.nameLabel')),
      h('p', { id: 'join-name-hint', class: 'hint' }, t('join.nameHint', { max: maxName })),
      nameInput,
      S.joinError ? h('p', { id: nameErrId, class: 'field-error', role: 'alert', testid: 'join-error' }, S.joinError) : null),
    h('fieldset', { class: 'field options' },
      h('legend', { class: 'label' }, t('join.roleLegend')),
      h('p', { class: 'hint', id: 'join-role-why' }, t('join.roleWhy')),
      h('div', { class: 'option-grid' }, roleOptions)),
    submit);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const name = nameInput.value.trim();
    const n = charCount(name);
    if (n < 1 || n > maxName) {
      S.joinError = n < 1 ? t('join.nameEmpty') : t('join.nameLong', { max: maxName });
      render();
      document.getElementById('join-name').focus();
      return;
    }
    S.joinError = '';
    S.pendingJoin = { name, real_role: S.form.role || null };
    submit.disabled = true;
    submit.textContent = t('join.joining');
    if (!conn) conn = new RoomSocket({ session: sessionMessage, onMessage, onStatus });
    conn.openSession();
  });

  setChildren(app,
    h('h1', null, t('join.title')),
    h('p', { class: 'lead' },
      t('join.room'), ' ', h('strong', { class: 'code', testid: 'room-code' }, code),
      sum && sum.scenario && sum.scenario.title ? [' · ', h('span', null, sum.scenario.title)] : null),
    S.summaryError ? h('p', { class: 'notice' }, t('join.summaryError')) : null,
    sum && sum.locked ? h('p', { class: 'notice', testid: 'join-locked' }, t('join.locked')) : null,
    h('section', { class: 'panel', 'aria-label': t('join.title') }, form),
    // A tablet or laptop for several people (issue #17, device.js).
    playTogether(() => device.begin(S.form)));
}

// ---------------------------------------------------------------- game

// The phone in a round (issue #13): the thing to do now comes first, under the round's
// title and time; the role card, the case and the table are one tap away in tabs
// ("Doen · Mijn kaart · Casus · Tafel"). At the start, and for someone who joins late,
// the card comes first, with a clear "Verder" to the round.
const TAB_KEYS = ['do', 'card', 'case', 'table'];

function buildShell() {
  const mk = (id, tag = 'div', attrs = {}) => h(tag, { id, class: `region region-${id}`, ...attrs });
  const panel = (key) => h('div', { id: `panel-${key}`, class: ['tabpanel', `tabpanel-${key}`], testid: `panel-${key}` });
  shell = {
    title: h('h1', { class: 'game-title', id: 'game-title' }),
    strip: mk('strip'),
    nav: mk('nav'),
    alert: h('p', { id: 'page-alert', class: 'alert', role: 'alert', hidden: true, testid: 'page-alert' }),
    panels: Object.fromEntries(TAB_KEYS.map((k) => [k, panel(k)])),
    round: mk('round', 'section', { 'aria-labelledby': 'round-title' }),
    action: mk('action'),
    help: mk('help'),
    tableProgress: mk('table-progress'),
    proposal: mk('proposal'),
    eventNow: mk('event-now'),
    decision: mk('decision-region'),
    budget: mk('budget-result'),
    notes: mk('notes'),
    lobby: mk('lobby'),
    others: mk('others'),
    card: mk('card'),
    caseText: mk('case'),
    event: mk('event'),
    table: mk('table'),
    leave: mk('leave'),
    easyMore: mk('easy-more-region'), // easy read: the other screens as buttons (issue #17)
    easySwitch: mk('easy-switch-region'), // the switch "Makkelijk lezen"
  };
  setChildren(shell.panels.do, shell.round, shell.action, shell.tableProgress, shell.easyMore, shell.help, shell.proposal, shell.eventNow,
    shell.decision, shell.budget, shell.notes, shell.lobby, shell.others, shell.easySwitch);
  setChildren(shell.panels.card, shell.card);
  // The table's event card first: a new one is why the "Casus" tab says "nieuw".
  setChildren(shell.panels.case, shell.event, shell.caseText);
  setChildren(shell.panels.table, shell.table, shell.leave);
  setChildren(app, shell.title, shell.strip, shell.nav, shell.alert, TAB_KEYS.map((k) => shell.panels[k]));
}

/** Open another tab (the person chose it, or pressed "Verder"). */
function selectTab(key, { focus = false } = {}) {
  S.tab = key;
  storage.set(cardSeenKey(), 'seen');
  if (key === 'do' && S.view) S.doSeenIndex = (S.view.phase || {}).index;
  renderGame();
  if (focus) {
    const b = document.getElementById(`tab-${key}`);
    if (b) b.focus();
  }
  // Show the panel from its top, just under the tabs (which stay at the top of the screen).
  const panel = shell && shell.panels[key];
  if (panel) {
    const navBottom = shell.nav.getBoundingClientRect().bottom;
    const top = panel.getBoundingClientRect().top;
    if (top < navBottom) window.scrollTo(0, Math.max(0, window.scrollY + top - navBottom - 8));
  }
}

/** "Verder": from the card (or the case) to the round, with focus on the round's title. */
function toRound() {
  selectTab('do');
  const title = document.getElementById('round-title');
  if (title) {
    title.setAttribute('tabindex', '-1');
    title.focus({ preventScroll: true });
  }
  window.scrollTo(0, 0);
}

function renderNav(view, phase, you) {
  const shown = phase.kind !== 'lobby';
  const hasCard = !!(you && you.card);
  if (S.tab === 'card' && !hasCard) S.tab = 'do';
  const isNew = S.tab !== 'do' && S.doSeenIndex !== null && phase.index !== S.doSeenIndex;
  // A new event card at the table: "nieuw" on the case tab until it is opened.
  const tb = myTable(view);
  const eventKey = tb && tb.event ? `${tb.table}:${tb.event.title}` : null;
  if (S.tab === 'case') S.caseSeenEvent = eventKey;
  const newEvent = !!eventKey && eventKey !== S.caseSeenEvent && (phase.kind === 'discussion' || phase.kind === 'proposal');
  const keys = TAB_KEYS.filter((k) => k !== 'card' || hasCard);
  S.newEvent = newEvent;
  if (easyActive()) {
    // Easy read (issue #17): one screen at a time, no tabs (easy.js).
    renderEasyNav({ nav: shell.nav, panels: shell.panels, tab: S.tab, shown, isNew, cardFirst: storage.get(cardSeenKey()) !== 'seen', onBack: toRound });
    app.dataset.tab = shown ? S.tab : '';
    return;
  }
  region(shell.nav, sig(shown, S.tab, isNew, newEvent, you && you.role, you && you.table, hasCard), () => {
    if (!shown) return null;
    const label = {
      do: [icon('pen'), h('span', { class: 'tab-label' }, t('phone.tab.do')),
        isNew ? h('span', { class: 'tab-new', testid: 'tab-new' }, t('phone.tab.new')) : null],
      card: [icon((you && you.role) || 'person'), h('span', { class: 'tab-label' }, t('phone.tab.card'))],
      case: [icon('event'), h('span', { class: 'tab-label' }, t('phone.tab.case')),
        newEvent ? h('span', { class: 'tab-new', testid: 'tab-case-new' }, t('phone.tab.new')) : null],
      table: [icon('people'), h('span', { class: 'tab-label' }, you && you.table ? t('table.n', { n: you.table }) : t('phone.tab.table'))],
    };
    return tabList({
      label: t('phone.tabs'),
      cls: 'phone-tabs',
      selected: S.tab,
      items: keys.map((k) => ({ key: k, id: `tab-${k}`, panelId: `panel-${k}`, testid: `tab-${k}`, content: label[k] })),
      onSelect: (k, { focus }) => selectTab(k, { focus }),
    });
  });
  app.dataset.tab = shown ? S.tab : '';
  for (const k of TAB_KEYS) {
    const el = shell.panels[k];
    if (shown && keys.includes(k)) {
      el.setAttribute('role', 'tabpanel');
      el.setAttribute('aria-labelledby', `tab-${k}`);
      el.hidden = k !== S.tab;
    } else {
      el.removeAttribute('role');
      el.removeAttribute('aria-labelledby');
      el.hidden = shown;
    }
  }
}

function renderGame() {
  if (!shell) buildShell();
  const view = S.view;
  const phase = view.phase || { kind: 'lobby', index: -1 };
  const you = view.you || null;
  const tb = myTable(view);
  const names = namesOf(view);
  const lang = view.language || 'nl';
  const me = tb ? (tb.players || []).find((p) => p.player_id === S.playerId) : null;
  const myName = (you && you.name) || names.get(S.playerId) || '';
  const inLobby = phase.kind === 'lobby';
  const easy = syncEasy(view);

  app.dataset.phaseKind = phase.kind;
  app.dataset.phaseIndex = String(phase.index);

  const scenario = view.scenario || {};
  shell.title.textContent = scenario.title || t('join.title');
  shell.title.setAttribute('lang', lang);
  // In a round the tabs say where one is; the case's title is in the "Casus" tab.
  shell.title.classList.toggle('sr-only', !inLobby);
  // Who and where: in a round the tabs say it ("Tafel 1", the role's icon on "Mijn kaart"),
  // so this line is for screen readers only there.
  shell.strip.classList.toggle('sr-only', !inLobby);

  // Status strip: who and where am I.
  region(shell.strip, sig(myName, you && you.table, you && you.role, phase.kind, phase.index, (view.rounds || []).length), () =>
    h('div', { class: 'strip', testid: 'phase', dataset: { phaseKind: phase.kind, phaseIndex: phase.index } },
      h('span', { class: 'strip-item', testid: 'player-name' }, icon('person'), h('span', null, myName)),
      you && you.table ? h('span', { class: 'strip-item', testid: 'table-number' }, t('table.n', { n: you.table })) : null,
      you && you.role ? h('span', { class: 'strip-item', testid: 'my-role' }, roleBadge(you.role)) : null,
      inLobby ? h('span', { class: 'strip-item' }, progressText(phase, view.rounds)) : null));

  renderNav(view, phase, you);
  renderRoundHead(view, phase, you, lang);
  renderAction(view, phase, you, tb, me, names, lang);

  // What the round asks, in a sentence, under the action; in the briefing also the way to
  // the card and the case.
  const decided = !!(tb && tb.decision && tb.decision.reached);
  const sittingOut = !tb || (phase.kind === 'vote' && (!tb.proposal || decided)) || (phase.kind === 'proposal' && decided);
  region(shell.help, sig(phase.kind, !!(you && you.card), sittingOut), () => {
    if (['lobby', 'finished'].includes(phase.kind) || sittingOut) return null;
    const jump = (key, label, testid) => {
      const b = h('button', { type: 'button', class: 'btn btn-secondary', testid, 'data-focus-key': testid }, label);
      // The button's panel closes: focus goes to the tab that opened.
      b.addEventListener('click', () => selectTab(key, { focus: true }));
      return b;
    };
    return [
      h('p', { class: 'hint round-help' }, t(`round.help.${phase.kind}`)),
      phase.kind === 'briefing' ? h('div', { class: 'button-row' },
        you && you.card ? jump('card', t('phone.toCard'), 'to-card') : null,
        jump('case', t('phone.toCase'), 'to-case')) : null,
    ];
  });

  // The current proposal (read-only): in a proposal round, and in a vote round where this
  // table sits out (a table that votes sees it in the vote form, above the choices).
  const sitsOut = phase.kind === 'vote' && !!tb && sittingOut;
  const showProposal = tb && (phase.kind === 'proposal' || sitsOut);
  region(shell.proposal, sig(showProposal, tb && tb.proposal, phase.kind, [...names]), () => {
    if (!showProposal) return null;
    const p = tb.proposal;
    return h('section', { class: 'panel', 'aria-labelledby': 'proposal-heading', testid: 'proposal-readonly' },
      h('h2', { id: 'proposal-heading' }, t('proposal.current')),
      p ? [textBlock(p.text, { lang, tag: 'blockquote', cls: 'proposal-text', testid: 'proposal-current' }),
        h('p', { class: 'muted' }, t('proposal.by', { name: names.get(p.by) || t('player.unknown') })),
        readAloudButton(() => p.text, lang, t('read.proposal'))]
        : h('p', { class: 'muted', testid: 'proposal-none' }, t('proposal.none')));
  });

  // The latest budget result, once a budget round has closed.
  renderBudgetResult(shell.budget, view, { lang, headingLevel: 2, compact: true });

  // Table progress: ready / voted counts (a budget round counts the whole room).
  const sent = ballotsSent(view);
  region(shell.tableProgress, sig(phase.kind, tb && tb.votes_cast, tb && (tb.players || []).map((p) => [p.ready, p.voted]), sent), () => {
    if (phase.kind === 'budget') {
      return h('p', { class: 'table-progress', testid: 'table-progress' }, t('budget.sentCount', sent));
    }
    if (!tb || !['briefing', 'debrief', 'vote'].includes(phase.kind)) return null;
    const players = tb.players || [];
    const n = players.length;
    const k = phase.kind === 'vote' ? votedCount(tb) : players.filter((p) => p.ready).length;
    return h('p', { class: 'table-progress', testid: 'table-progress' },
      phase.kind === 'vote' ? t('table.votedCount', { k, n }) : t('table.readyCount', { k, n }));
  });

  // Decision of my table.
  region(shell.decision, sig(tb && tb.decision, phase.kind, [...names], easy), () => {
    if (!tb || !tb.decision) return null;
    if (easy) return easyDecision(tb.decision, { names, lang });
    const earlier = phase.kind === 'vote' || phase.kind === 'proposal';
    return h('section', { class: 'panel', 'aria-labelledby': 'decision-heading' },
      h('h2', { id: 'decision-heading' }, earlier && !tb.decision.reached ? t('decision.previous') : t('decision.title')),
      decisionView(tb.decision, { names, lang, headingLevel: 3 }));
  });

  // The event card: always in the "Casus" tab; under the action while the table talks
  // about it (discussion and proposal rounds). Never above the action.
  const eventNow = tb && tb.event && (phase.kind === 'discussion' || phase.kind === 'proposal');
  region(shell.eventNow, sig(eventNow && tb.event), () => (eventNow ? eventView(tb.event, { lang, headingLevel: 2 }) : null));
  region(shell.event, sig(tb && tb.event), () => (tb && tb.event ? eventView(tb.event, { lang, headingLevel: 2 }) : null));

  // Notes of the table (discussion rounds, and afterwards for reference).
  const showNotes = tb && (phase.kind === 'discussion' || (tb.notes || []).length > 0);
  region(shell.notes, sig(showNotes, tb && tb.notes, phase.index, [...names], easy), () => {
    if (!showNotes) return null;
    if (easy) {
      const takesNotes = phase.kind === 'discussion' || (phase.notes || []).length > 0;
      return easyNotes(tb.notes, { names, hiddenNames: hiddenNamesOf(view), currentIndex: phase.index, lang, takesNotes });
    }
    return h('details', { class: 'panel panel-details', open: phase.kind === 'discussion' || null, 'data-keep': `notes-${phase.kind === 'discussion'}` },
      h('summary', null, h('h2', { class: 'summary-heading' }, t('notes.title', { n: (tb.notes || []).length }))),
      notesView(tb.notes, { names, hiddenNames: hiddenNamesOf(view), rounds: view.rounds, currentIndex: phase.index, lang, headingLevel: 3 }));
  });

  // Role card, as a game card, with "Verder" to the round.
  const cardFirst = storage.get(cardSeenKey()) !== 'seen';
  region(shell.card, sig(you && you.card, you && you.role, cardFirst, phase.kind === 'finished'), () => {
    if (!you || !you.card) return null;
    const go = h('button', { type: 'button', class: 'btn btn-primary btn-block btn-large', testid: 'card-continue', 'data-focus-key': 'card-continue' },
      h('span', null, t('phone.continue')), icon('next'));
    go.addEventListener('click', toRound);
    return [
      cardFirst ? h('p', { class: 'lead card-intro', testid: 'card-intro' }, t('phone.cardIntro')) : null,
      cardView(you.card, { role: you.role, lang, headingLevel: 2,
        game: { selected: S.cardTab, onSelect: (k) => { S.cardTab = k; } } }),
      h('div', { class: 'card-continue' }, go),
    ];
  });

  // Lobby.
  const selfOnline = !conn || conn.status === 'online';
  region(shell.lobby, sig(phase.kind, view.lobby, myName, selfOnline, !!S.seat), () => {
    if (phase.kind !== 'lobby') return null;
    const lobby = view.lobby || [];
    return [h('section', { class: 'panel', 'aria-labelledby': 'lobby-heading', testid: 'lobby' },
      h('h2', { id: 'lobby-heading' }, t('lobby.who', { n: lobby.length })),
      h('ul', { class: 'people' }, lobby.map((p) => h('li', { class: 'person', dataset: { playerId: p.player_id } },
        personName(p, { lang, suffix: p.player_id === S.playerId ? ` (${t('player.you')})` : '' }),
        connBadge(p.player_id === S.playerId ? p.connected && selfOnline : p.connected))))),
    // Others join on this device too: this player becomes its first seat (device.js).
    S.seat ? null : playTogether(() => device.adopt({ conn, token: S.token, player_id: S.playerId, name: myName }))];
  });

  // The case: in the lobby under the people, in a round in its own tab.
  region(shell.caseText, sig(scenario.case, scenario.summary, scenario.title, inLobby), () => {
    if (!scenario.case && !scenario.summary) return null;
    return h('section', { class: 'panel case', testid: 'case', 'aria-labelledby': 'case-heading' },
      h('h2', { id: 'case-heading' }, t('case.title'), inLobby ? null : [': ', h('span', { lang }, scenario.title || '')]),
      scenario.summary ? textBlock(scenario.summary, { lang, cls: 'lead' }) : null,
      scenario.case ? [readAloudButton(() => scenario.case, lang, t('read.case')),
        textBlock(scenario.case, { lang, cls: 'case-text', testid: 'case-text' })] : null);
  });

  // People at my table.
  // While this phone has no connection, its own row says so too (selfOnline).
  region(shell.table, sig(tb && tb.players, phase.kind, selfOnline), () => {
    if (!tb) return null;
    return h('section', { class: 'panel', 'aria-labelledby': 'table-heading' },
      h('h2', { id: 'table-heading' }, t('table.yours', { n: tb.table })),
      h('ul', { class: 'people' }, (tb.players || []).map((p) => h('li', { class: 'person' },
        personName(p, { lang, suffix: p.player_id === S.playerId ? ` (${t('player.you')})` : '' }),
        roleBadge(p.role), connBadge(p.player_id === S.playerId ? p.connected && selfOnline : p.connected),
        progressBadges(p, phase.kind)))));
  });

  // Other tables' decisions.
  const others = (view.tables || []).filter((x) => (!tb || x.table !== tb.table) && x.decision);
  region(shell.others, sig(others.map((x) => [x.table, x.decision])), () => {
    if (!others.length) return null;
    return h('section', { class: 'panel', 'aria-labelledby': 'others-heading' },
      h('h2', { id: 'others-heading' }, t('others.title')),
      others.map((x) => decisionView(x.decision, { names, lang, headingLevel: 3, tableNo: x.table })));
  });

  // Leave.
  region(shell.leave, sig(S.leaveConfirm), () => leaveView());

  // Easy read (issue #17): the card, the case and the table as buttons under the action;
  // the switch at the end of the round's screen.
  renderEasyMore(shell.easyMore, { phase, you, newEvent: !!S.newEvent, select: (k) => selectTab(k) });
  renderEasySwitch(shell.easySwitch, { onChange: () => { resetAll(); render(); } });
}

/**
 * A text that shows its first lines only, with "Lees meer" when there is more (the
 * button appears only when the text does not fit). Screen readers get the whole text.
 * The person's choice is kept per `key` while the page lives.
 */
function readMore(key, children, { lines = 3, more = t('phone.readMore'), testid } = {}) {
  const id = `more-${key}`;
  const body = h('div', { class: 'clamp-body', id, testid: testid || null }, children);
  const open = !!S.expanded[key];
  const btn = h('button', {
    type: 'button', class: 'btn btn-link clamp-toggle', 'aria-expanded': String(open), 'aria-controls': id,
    testid: `${testid || key}-more`, 'data-focus-key': `more-${key}`,
  }, open ? t('phone.readLess') : more);
  const box = h('div', { class: ['clamp', `clamp-${lines}`, !open && 'is-clamped'] }, body, btn);
  btn.addEventListener('click', () => {
    const now = !S.expanded[key];
    S.expanded[key] = now;
    box.classList.toggle('is-clamped', !now);
    btn.setAttribute('aria-expanded', String(now));
    btn.textContent = now ? t('phone.readLess') : more;
  });
  // Hide the button while the whole text fits (measured once the box has a size).
  const check = () => {
    if (!box.classList.contains('is-clamped') || !body.clientHeight) return;
    btn.hidden = ![...body.children].some((el) => el.scrollHeight > el.clientHeight + 1);
  };
  if (typeof ResizeObserver === 'function') new ResizeObserver(check).observe(body);
  return box;
}

function renderRoundHead(view, phase, you, lang) {
  region(shell.round, sig(phase, you && you.prompt, (view.rounds || []).length, easyHeadKey(view, phase, you)), () => {
    if (easyActive()) return easyRoundHead({ view, phase, you, lang });
    if (phase.kind === 'lobby') {
      return [h('h2', { id: 'round-title' }, t('lobby.title')),
        h('p', { class: 'lead' }, t('lobby.text', { name: (you && you.name) || namesOf(view).get(S.playerId) || '' }))];
    }
    if (phase.kind === 'finished') {
      return [h('h2', { id: 'round-title' }, t('finished.title')), h('p', { class: 'lead' }, t('finished.text'))];
    }
    const prompts = [
      phase.prompt ? textBlock(phase.prompt, { lang, cls: 'prompt', testid: 'round-prompt' }) : null,
      you && you.prompt ? h('p', { class: 'role-prompt', testid: 'my-prompt' },
        h('strong', { class: 'role-prompt-label' }, t('phone.forYou')), ' ',
        h('span', { class: 'text-block', lang }, you.prompt)) : null,
    ].filter(Boolean);
    return [
      h('div', { class: 'round-meta' },
        h('p', { class: 'kicker' }, h('span', { class: 'kicker-kind' }, kindName(phase.kind), ' · '), progressText(phase, view.rounds)),
        phase.deadline ? h('div', { class: 'round-time' }, icon('clock'), countdown(phase.deadline)) : null),
      h('h2', { id: 'round-title', lang, tabindex: '-1' }, phase.title || kindName(phase.kind)),
      // Two lines of each prompt (three when there is one), the rest behind "Lees meer".
      prompts.length ? readMore(`prompts-${phase.index}`, prompts, { lines: prompts.length > 1 ? 2 : 3, testid: 'prompts' }) : null,
    ];
  });
}

// ---------------------------------------------------------------- actions per round kind

function renderAction(view, phase, you, tb, me, names, lang) {
  const kind = phase.kind;
  const decided = !!(tb && tb.decision && tb.decision.reached);
  if (kind === 'debrief' && (phase.notes || []).length) {
    // A debrief that takes notes (version 2): what people take home, then ready.
    region(shell.action, sig(kind, phase.index, phase.notes, me && me.ready, !!tb), () =>
      (tb ? [noteForm(phase), readyView(me)] : noSeat()));
  } else if (kind === 'briefing' || kind === 'debrief') {
    region(shell.action, sig(kind, phase.index, me && me.ready, !!tb), () => readyView(me));
  } else if (kind === 'discussion') {
    region(shell.action, sig(kind, phase.index, phase.notes, !!tb), () => (tb ? noteForm(phase) : noSeat()));
  } else if (kind === 'proposal') {
    const proposers = phase.proposers && phase.proposers.length ? phase.proposers : ROLES;
    const can = !!(you && proposers.includes(you.role));
    region(shell.action, sig(kind, phase.index, can, decided, proposers, !!tb), () => {
      if (!tb) return noSeat();
      if (decided) return sitOut('decided');
      S.proposalBase = null;
      return can ? proposalEditor(tb, phase) : proposalReadOnlyNote(proposers);
    });
    syncProposalEditor(tb);
  } else if (kind === 'vote') {
    const noProposal = !(tb && tb.proposal);
    region(shell.action, sig(kind, phase.index, decided, noProposal, tb && tb.proposal && tb.proposal.text, !!tb), () => {
      if (!tb) return noSeat();
      if (decided) return sitOut('decided');
      if (noProposal) return sitOut('noProposal');
      return voteForm(view, you, tb, phase, lang);
    });
    renderMyVote(you, decided || noProposal);
  } else if (kind === 'budget' && phase.budget) {
    // Unsent ticks live in S.ballotDraft, so a re-render (another language, say) keeps
    // them; a newly sent ballot starts the draft again from what was sent.
    const sentKey = JSON.stringify((you && you.ballot) || null);
    if (S.ballotRound !== phase.index || S.ballotSentKey !== sentKey) {
      S.ballotRound = phase.index;
      S.ballotSentKey = sentKey;
      S.ballotDraft = {};
    }
    region(shell.action, sig(kind, phase.index, you && you.ballot, !!tb), () => {
      if (!tb) return noSeat();
      return ballotForm(phase.budget, you, { conn, lang, draft: S.ballotDraft });
    });
  } else {
    region(shell.action, sig(kind), () => null);
  }
}

function noSeat() {
  return h('p', { class: 'notice' }, t('round.noSeat'));
}

function sitOut(why) {
  return h('p', { class: 'notice', testid: 'sit-out', dataset: { why } }, et(`round.sitOut.${why}`));
}

function readyView(me) {
  if (!me) return noSeat();
  if (me.ready) {
    return h('p', { class: 'done-note', testid: 'ready-done', tabindex: '-1', 'data-focus-key': 'ready' },
      icon('check'), h('span', null, t('ready.done')));
  }
  const status = formStatus();
  const btn = h('button', { type: 'button', class: 'btn btn-primary btn-block', testid: 'ready', 'data-focus-key': 'ready' },
    icon('check'), h('span', null, t('ready.button')));
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    try {
      await conn.request({ type: 'ready' });
      announce(t('ready.done'));
    } catch (err) {
      btn.disabled = false;
      status.set(errorText(err), true);
    }
  });
  return h('div', { class: 'stack' }, btn, status);
}

/** Put a field's hint after the text box and its counter (the box comes first on a phone). */
function hintLast(field) {
  const hint = field.querySelector(':scope > .hint');
  if (hint) field.appendChild(hint);
  return field;
}

function noteForm(phase) {
  const kinds = (phase.notes && phase.notes.length ? phase.notes : NOTE_KINDS).filter(Boolean);
  let chosen = kinds[0];
  const status = formStatus('note-status');
  const max = limit('note');
  const draft = readDraft('note');
  const { field, input: text, take } = textField({
    id: 'note-text', label: et('notes.textLabel'), hint: et('notes.textHint', { max }), max, rows: 3, value: draft || '',
  });
  hintLast(field);
  if (draft) status.set(t('phone.draftKept'));
  // What is typed is kept on this phone until it is sent: a reload loses nothing.
  text.addEventListener('input', () => {
    if (text.value.trim()) writeDraft('note', text.value); else clearDraft('note');
  });
  const kindField = kinds.length > 1
    ? h('fieldset', { class: 'field options' },
      h('legend', { class: 'label' }, et('notes.kindLegend')),
      h('div', { class: 'option-grid option-grid-2 note-kinds' }, kinds.map((k, i) => {
        const id = `note-kind-${k}`;
        return h('label', { class: 'option', for: id },
          h('input', { type: 'radio', name: 'note-kind', id, value: k, testid: id, checked: i === 0,
            on: { change: () => { chosen = k; } } }),
          h('span', { class: 'option-body' }, h('span', { class: 'option-word' }, easyNoteIcon(k), noteKindName(k)),
            h('span', { class: 'option-hint' }, t(`note.hint.${k}`))));
      })))
    : h('p', { class: 'label', testid: `note-kind-${kinds[0]}` }, easyNoteIcon(kinds[0]), t('notes.kindOnly', { kind: noteKindName(kinds[0]) }));
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', testid: 'note-submit' }, easyIcon('send'), h('span', null, et('notes.submit')));
  const form = h('form', { class: 'panel stack action-form', novalidate: true, testid: 'note-form', 'aria-label': t('notes.add') },
    field,
    kindField,
    submit, status);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const value = take(status);
    if (value === null) return;
    submit.disabled = true;
    try {
      await conn.request({ type: 'note', kind: chosen, text: value });
      text.value = '';
      text.dispatchEvent(new Event('input'));
      clearDraft('note');
      status.set(t('notes.added'));
      text.focus();
    } catch (err) {
      status.set(errorText(err), true);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function proposalReadOnlyNote(proposers) {
  return h('p', { class: 'notice', testid: 'proposal-not-yours' },
    et('proposal.onlyRoles', { roles: proposers.map(roleName).join(', ') }));
}

/** The table's proposal text as this phone last heard it. */
function tableProposalText() {
  const tb = S.view ? myTable(S.view) : null;
  return tb && tb.proposal ? tb.proposal.text : '';
}

function proposalEditor(tb, phase) {
  const current = tb.proposal ? tb.proposal.text : '';
  S.proposalBase = current;
  S.proposalVersion = tb.proposal ? (tb.proposal.version || 0) : 0;
  const status = formStatus('proposal-status');
  const changed = h('p', { class: 'notice', id: 'proposal-changed', hidden: true, testid: 'proposal-changed' });
  const conflict = h('div', { class: 'conflict', id: 'proposal-conflict', hidden: true, testid: 'proposal-conflict' });
  // Unsaved work from before a reload, written in this round: back in the editor, on the
  // version it was written on (saving it then shows both texts if the table's text moved on).
  const draft = readDraft('proposal');
  const restore = draft && draft.round === phase.index && typeof draft.text === 'string' && draft.text.trim() !== current.trim();
  if (draft && !restore) clearDraft('proposal');
  if (restore) {
    S.proposalBase = typeof draft.base === 'string' ? draft.base : current;
    S.proposalVersion = Number.isInteger(draft.version) ? draft.version : S.proposalVersion;
  }
  const { field, input: text, take } = textField({
    id: 'proposal-text', label: et('proposal.label'), hint: et('proposal.hint'), max: limit('proposal'), rows: 4,
    value: restore ? draft.text : current,
  });
  hintLast(field);
  if (restore) status.set(t('phone.draftKept'));
  // Kept on this phone only while it differs from the table's text.
  text.addEventListener('input', () => {
    if (text.value.trim() !== tableProposalText().trim()) {
      writeDraft('proposal', { round: phase.index, text: text.value, version: S.proposalVersion, base: S.proposalBase });
    } else {
      clearDraft('proposal');
    }
  });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', testid: 'proposal-submit' }, easyIcon('pen'), h('span', null, et('proposal.submit')));
  const form = h('form', { class: 'panel stack action-form', novalidate: true, testid: 'proposal-form', 'aria-label': t('proposal.write') },
    field,
    changed, conflict, submit, status);

  const save = async (value) => {
    submit.disabled = true;
    try {
      const answer = await conn.request({ type: 'propose', text: value, base: S.proposalVersion });
      // The state that answers the save names the version it made (its render ran before
      // this line, while the editor still held the old base).
      const mine = answer && answer.view ? myTable(answer.view) : null;
      if (mine && mine.proposal) S.proposalVersion = mine.proposal.version || 0;
      S.proposalBase = value;
      text.value = value;
      text.dispatchEvent(new Event('input'));
      clearDraft('proposal');
      changed.hidden = true;
      conflict.hidden = true;
      status.set(t('proposal.saved'));
    } catch (err) {
      if (err && err.code === 'stale_proposal' && err.current) showConflict(value, err.current);
      else status.set(errorText(err), true);
    } finally {
      submit.disabled = false;
    }
  };

  // Someone else saved a newer version while this person typed: show both texts and let
  // them choose; their own text stays in the editor until they do.
  const showConflict = (mine, theirs) => {
    status.set('');
    changed.hidden = true;
    const byName = namesOf(S.view).get(theirs.by) || t('player.unknown');
    const choose = (testid, label, cls, fn) => {
      const b = h('button', { type: 'button', class: ['btn', cls], testid }, label);
      b.addEventListener('click', fn);
      return b;
    };
    const adopt = (value, focus) => {
      S.proposalBase = theirs.text;
      S.proposalVersion = theirs.version;
      text.value = value;
      text.dispatchEvent(new Event('input'));
      conflict.hidden = true;
      if (focus) text.focus();
    };
    setChildren(conflict,
      h('p', { class: 'conflict-lead', role: 'alert' }, icon('warning'), ' ', t('proposal.conflict', { name: byName })),
      h('div', { class: 'conflict-texts' },
        h('section', { class: 'conflict-text', 'aria-labelledby': 'conflict-mine' },
          h('h3', { id: 'conflict-mine' }, t('proposal.conflictMine')),
          textBlock(mine, { tag: 'blockquote', testid: 'conflict-mine-text' })),
        h('section', { class: 'conflict-text', 'aria-labelledby': 'conflict-theirs' },
          h('h3', { id: 'conflict-theirs' }, t('proposal.conflictTheirs', { name: byName })),
          textBlock(theirs.text, { tag: 'blockquote', testid: 'conflict-theirs-text' }))),
      h('div', { class: 'button-row' },
        choose('conflict-merge', t('proposal.conflictMerge'), 'btn-primary', () => adopt(`${theirs.text}\n\n${mine}`, true)),
        choose('conflict-keep', t('proposal.conflictKeep'), 'btn-secondary', () => { adopt(mine, false); save(mine); }),
        choose('conflict-take', t('proposal.conflictTake'), 'btn-secondary', () => adopt(theirs.text, true))));
    conflict.hidden = false;
  };

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const value = take(status);
    if (value === null) return;
    await save(value);
  });
  return form;
}

/** Someone else changed the proposal: update the editor unless the person is editing. */
function syncProposalEditor(tb) {
  const text = document.getElementById('proposal-text');
  if (!text || !tb) return;
  const current = tb.proposal ? tb.proposal.text : '';
  if (S.proposalBase === null) return;
  if (current === S.proposalBase) {
    // Our own save came back (or nothing changed): the editor is on this version now.
    S.proposalVersion = tb.proposal ? (tb.proposal.version || 0) : 0;
    return;
  }
  const dirty = text.value.trim() !== S.proposalBase.trim();
  if (!dirty) {
    text.value = current;
    text.dispatchEvent(new Event('input'));
    S.proposalBase = current;
    S.proposalVersion = tb.proposal ? (tb.proposal.version || 0) : 0;
  } else if (text.value.trim() !== current.trim()) {
    // Their work stays in the editor, written on the version they started from; saving
    // it shows both texts to choose from (stale_proposal), never overwriting silently.
    const changed = document.getElementById('proposal-changed');
    if (changed) {
      changed.textContent = t('proposal.changedWhileEditing');
      changed.hidden = false;
    }
  }
}

function voteForm(view, you, tb, phase, lang) {
  const current = (you && you.vote) || null;
  // An unsent choice, condition or reason from before a reload (this round only).
  const draft = readDraft('vote');
  const kept = draft && draft.round === phase.index ? draft : null;
  if (draft && !kept) clearDraft('vote');
  let chosen = (kept && kept.choice) || (current ? current.choice : null);
  const status = formStatus('vote-status');
  // A condition or a reason is as long as a note may be.
  const max = limit('note');
  const cond = textField({
    id: 'vote-condition', label: et('vote.conditionLabel'), hint: et('vote.conditionHint', { max }), max, rows: 2,
    value: (kept && typeof kept.condition === 'string' ? kept.condition : (current && current.condition)) || '',
    required: false, empty: t('vote.needCondition'), hidden: chosen !== 'support_if',
  });
  const reason = textField({
    id: 'vote-reason', label: et('vote.reasonLabel'), hint: et('vote.reasonHint', { max }), max, rows: 2,
    value: (kept && typeof kept.reason === 'string' ? kept.reason : (current && current.reason)) || '',
    required: false, empty: t('vote.needReason'), hidden: chosen !== 'object',
  });
  if (kept) status.set(t('phone.draftKept'));
  const keep = () => writeDraft('vote', { round: phase.index, choice: chosen, condition: cond.input.value, reason: reason.input.value });
  cond.input.addEventListener('input', keep);
  reason.input.addEventListener('input', keep);
  const condField = cond.field;
  const reasonField = reason.field;
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', testid: 'vote-submit' },
    easyIcon('ballot'), h('span', null, current ? et('vote.change') : et('vote.submit')));
  const options = CHOICES.map((c) => {
    const id = `vote-${c}`;
    return h('label', { class: ['option', 'option-choice', `choice-${c}`], for: id },
      h('input', { type: 'radio', name: 'choice', id, value: c, testid: id, checked: chosen === c,
        on: { change: () => {
          chosen = c;
          condField.hidden = c !== 'support_if';
          reasonField.hidden = c !== 'object';
          keep();
        } } }),
      h('span', { class: 'option-body' }, choiceBadge(c), h('span', { class: 'option-hint' }, et(`vote.hint.${c}`))));
  });
  const p = tb.proposal;
  const form = h('form', { class: 'panel stack action-form', novalidate: true, testid: 'vote-form', 'aria-label': t('vote.title') },
    // The proposal voted on, its first lines, the rest behind "Lees het hele voorstel".
    h('div', { class: 'vote-proposal', testid: 'vote-proposal' },
      readMore(`vote-proposal-${phase.index}`,
        h('p', { class: 'proposal-text' }, h('strong', null, t('phone.voteOn')), ' ',
          h('span', { class: 'text-block', lang, testid: 'proposal-current' }, p.text)),
        { lines: 3, more: t('phone.proposalAll'), testid: 'vote-proposal-text' }),
      easyReadAloud(() => p.text, lang, t('read.proposal'))),
    h('fieldset', { class: 'field options' },
      h('legend', { class: 'label' }, et('vote.legend')),
      h('div', { class: 'option-grid vote-choices' }, options)),
    condField, reasonField, submit, status,
    // The rule with this table's numbers, not fractions.
    ruleView(view.scenario && view.scenario.decision, { table: tb.players || [] }));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!chosen) { status.set(t('vote.chooseFirst'), true); return; }
    const msg = { type: 'vote', choice: chosen };
    if (chosen === 'support_if') {
      msg.condition = cond.take(status);
      if (msg.condition === null) return;
    }
    if (chosen === 'object') {
      msg.reason = reason.take(status);
      if (msg.reason === null) return;
    }
    submit.disabled = true;
    try {
      await conn.request(msg);
      clearDraft('vote');
      status.set(t('vote.saved'));
      setChildren(submit, easyIcon('ballot'), h('span', null, et('vote.change')));
    } catch (err) {
      status.set(errorText(err), true);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function renderMyVote(you, sittingOut) {
  // Shown inside the action region after the form; kept in its own element.
  let el = document.getElementById('my-vote');
  const vote = you && you.vote;
  if (sittingOut || !vote) {
    if (el) el.remove();
    return;
  }
  if (!el) {
    el = h('div', { id: 'my-vote', class: 'my-vote', testid: 'my-vote' });
    shell.action.appendChild(el);
  }
  const key = sig(vote);
  if (el.dataset.key === key) return;
  el.dataset.key = key;
  el.dataset.choice = vote.choice;
  setChildren(el,
    h('p', null, h('strong', null, t('vote.yours')), ' ', choiceBadge(vote.choice)),
    vote.condition ? h('p', null, t('vote.yourCondition'), ' ', h('q', null, vote.condition)) : null,
    vote.reason ? h('p', null, t('vote.yourReason'), ' ', h('q', null, vote.reason)) : null,
    h('p', { class: 'hint' }, t('vote.canChange')));
}

function leaveView() {
  if (!S.leaveConfirm) {
    const btn = h('button', { type: 'button', class: 'btn btn-quiet', testid: 'leave', 'data-focus-key': 'leave' }, t('leave.button'));
    btn.addEventListener('click', () => { S.leaveConfirm = true; renderGame(); });
    return h('div', { class: 'leave' }, btn);
  }
  const status = formStatus();
  const yes = h('button', { type: 'button', class: 'btn btn-danger', testid: 'leave-confirm', 'data-focus-key': 'leave' }, t('leave.confirm'));
  const no = h('button', { type: 'button', class: 'btn btn-secondary', testid: 'leave-cancel' }, t('leave.cancel'));
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    try {
      await conn.request({ type: 'leave' });
    } catch (err) {
      yes.disabled = false;
      status.set(errorText(err), true);
    }
  });
  no.addEventListener('click', () => { S.leaveConfirm = false; renderGame(); });
  return h('div', { class: 'leave panel', role: 'group', 'aria-labelledby': 'leave-q' },
    h('p', { id: 'leave-q' }, t('leave.question')),
    h('div', { class: 'button-row' }, yes, no), status);
}

// ---------------------------------------------------------------- start

function resetAll() {
  if (shell) for (const el of Object.values(shell)) resetRegion(el);
  const mv = document.getElementById('my-vote');
  if (mv) mv.dataset.key = '';
}

async function main() {
  initI18n();
  syncEasy(null);
  onLangChange(() => { resetAll(); render(); });
  if (!code || !isValidCode(code)) {
    S.mode = 'invalid';
    render();
    return;
  }
  // A shared device (issue #17): every seat it keeps resumes, and "Wie ben jij?" comes first.
  device = new Device({
    code, S, render, onMessage, onStatus, loadSummary,
    setConn: (c) => { conn = c; },
  });
  if (device.load()) {
    device.start();
    return;
  }
  S.token = storage.get(KEYS.player(code));
  if (S.token) {
    S.mode = 'connecting';
    render();
    startSocket();
    return;
  }
  render();
  await loadSummary();
  if (S.mode === 'loading') S.mode = 'form';
  render();
}

main();
