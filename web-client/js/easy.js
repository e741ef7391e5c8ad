// easy.js: easy-read mode and calm live updates on the phone (issue #17).
//
// Easy-read mode is on when the room was made with the option `easy_read` (every view then
// says `"easy_read": true`) or when the person switched it on on this phone ("Makkelijk
// lezen", remembered in localStorage as "democreatie.easyread"). It puts the class
// `easy-read` on <body>: larger text and buttons (app.css, "easy read"). join.js asks this
// module for:
//
// - et(key): the easy-read sentence `easy.KEY` when the mode is on and there is one, else
//   the usual sentence KEY (short, concrete sentences for instructions, labels, buttons);
// - the round's head: a pictogram with the kind of round, the title, one short instruction
//   with "Lees voor", and a calm progress bar with words ("Nog even tijd", "Bijna klaar")
//   instead of the countdown's digits. The bar only shows time: it never decides anything;
// - one thing per screen: "Mijn kaart", "De casus" and "Mijn tafel" are buttons under the
//   action (instead of the tabs), and each of those screens has one "Terug naar de ronde";
// - notes with a pictogram per kind and "Lees voor" on every note; the decision in one
//   sentence with a pictogram, its reasons and "Lees voor".
//
// In every mode: the switch itself, focus on the new round's title when a round starts,
// and notes of others announced in batches ("3 nieuwe notities aan je tafel."), never one
// announcement per note.

import { h, svg, storage, region, sig, announce, serverNow, uid } from './common.js';
import { t, getLang } from './i18n.js';
import { icon } from './icons.js';
import {
  readAloudButton, kindName, noteKindName, textBlock, decisionView, reasonsView, reasonText, progressText,
} from './ui.js';
import { KIND_ICONS, NOTE_ICONS } from './replay.js';

const PREF = 'democreatie.easyread';
let roomOn = false; // the room was made with easy_read
let on = false; // the mode now

/** Pictograms of the round kinds the replay has not got (the same icons everywhere else). */
const KIND_PICTOS = { lobby: 'people', finished: 'flag', ...KIND_ICONS };

/** Whether easy-read mode is on (after the last syncEasy()). */
export function easyActive() {
  return on;
}

/** Whether the person switched easy-read mode on on this phone. */
export function easyPref() {
  return storage.get(PREF) === 'on';
}

/**
 * Decide the mode: on when the room asks for it (`view.easy_read`) or the person chose it.
 * `view` null keeps what the last view said (the join form has no view). Marks <body>.
 */
export function syncEasy(view) {
  if (view) roomOn = !!view.easy_read;
  on = roomOn || easyPref();
  document.body.classList.toggle('easy-read', on);
  return on;
}

/** The easy-read sentence for KEY (`easy.KEY`) when the mode is on and there is one. */
export function et(key, params) {
  if (on) {
    const k = `easy.${key}`;
    const s = t(k, params);
    if (s !== k) return s;
  }
  return t(key, params);
}

/** The pictogram of a round kind or a note kind (always shown next to its word). */
export function kindIcon(kind) {
  return icon(KIND_PICTOS[kind] || 'clock');
}

export function noteIcon(kind) {
  return icon(NOTE_ICONS[kind] || 'pen');
}

/** A pictogram only in easy-read mode (null otherwise): for the note kinds of the form. */
export function easyNoteIcon(kind) {
  return on ? noteIcon(kind) : null;
}

/** An icon only in easy-read mode (a pictogram next to an action's word). */
export function easyIcon(name) {
  return on ? icon(name) : null;
}

/** A "Lees voor" button only in easy-read mode. */
export function easyReadAloud(getText, lang, label) {
  return on ? readAloudButton(getText, lang, label) : null;
}

// ---------------------------------------------------------------- the switch

/**
 * The switch "Makkelijk lezen" (a button with role="switch": Space and Enter toggle it).
 * When the room has easy-read on for everyone it shows "Aan" and cannot be turned off.
 * onChange(on) re-renders the page; focus comes back to the switch afterwards.
 */
export function easySwitch({ onChange, testid = 'easy-switch' } = {}) {
  const forced = roomOn;
  const checked = forced || on || easyPref();
  const hintId = `${testid}-hint`;
  const btn = h('button', {
    type: 'button', role: 'switch', id: testid, class: 'easy-switch', testid, 'data-focus-key': testid,
    'aria-checked': String(checked), 'aria-describedby': hintId, disabled: forced || null,
  },
  h('span', { class: 'easy-switch-icon' }, icon('easy')),
  h('span', { class: 'easy-switch-label' }, t('easy.switch')),
  // The state in a word and in the knob's place, never colour alone; the switch's own
  // state (aria-checked) is what a screen reader says.
  h('span', { class: 'easy-switch-now', 'aria-hidden': 'true' },
    h('span', { class: 'easy-switch-track' }, h('span', { class: 'easy-switch-knob' })),
    h('span', { class: 'easy-switch-state' }, checked ? t('easy.on') : t('easy.off'))));
  btn.addEventListener('click', () => {
    if (roomOn) return;
    const next = !easyPref();
    if (next) storage.set(PREF, 'on'); else storage.remove(PREF);
    syncEasy(null);
    announce(t(next ? 'easy.nowOn' : 'easy.nowOff'));
    if (onChange) onChange(next);
    const again = document.getElementById(testid);
    if (again) again.focus();
  });
  return h('div', { class: 'easy-switch-field', testid: `${testid}-field` },
    btn, h('p', { class: 'hint', id: hintId }, forced ? t('easy.switchRoom') : t('easy.switchHint')));
}

/** The switch at the end of the round screen (every mode). */
export function renderEasySwitch(el, { onChange }) {
  region(el, sig('easy-switch', on, roomOn), () => easySwitch({ onChange }));
}

// ---------------------------------------------------------------- the round's head

/**
 * Why this person's table sits this round out ('decided', 'noProposal'), or null: a table
 * with a supported decision does not write or vote again, a table without a proposal
 * does not vote (as join.js decides for the action).
 */
function sitsOut(view, phase, you) {
  const tb = ((view && view.tables) || []).find((x) => you && x.table === you.table);
  if (!tb) return null;
  const decided = !!(tb.decision && tb.decision.reached);
  if ((phase.kind === 'vote' || phase.kind === 'proposal') && decided) return 'decided';
  if (phase.kind === 'vote' && !tb.proposal) return 'noProposal';
  return null;
}

/** What the easy round head depends on besides the phase (for join.js's region signature). */
export function easyHeadKey(view, phase, you) {
  return on ? ['easy', sitsOut(view, phase, you)] : null;
}

/** The one short instruction of this round for this person. */
function instruction(view, phase, you) {
  if (sitsOut(view, phase, you)) return t('easy.round.sitOut');
  if (phase.kind === 'debrief' && (phase.notes || []).length) return t('easy.round.debriefNotes');
  if (phase.kind === 'proposal') {
    const proposers = phase.proposers && phase.proposers.length ? phase.proposers : null;
    const can = !proposers || !!(you && proposers.includes(you.role));
    return t(can ? 'easy.round.proposal' : 'easy.round.proposalOthers');
  }
  const k = `easy.round.${phase.kind}`;
  const s = t(k);
  return s === k ? t(`round.help.${phase.kind}`) : s;
}

/**
 * The head of a round in easy-read mode: the kind's pictogram and word, the title, the
 * instruction with "Lees voor", the calm time bar, and the case's own prompts folded away
 * ("Wat vraagt de casus?").
 */
export function easyRoundHead({ view, phase, you, lang }) {
  const ui = getLang();
  const kind = phase.kind;
  if (kind === 'lobby' || kind === 'finished') {
    const title = kind === 'lobby' ? t('lobby.title') : t('finished.title');
    const say = t(`easy.round.${kind}`);
    return [
      h('p', { class: 'kicker easy-kind', testid: 'easy-kind' },
        h('span', { class: 'easy-kind-name' }, kindIcon(kind), h('span', null, kindName(kind)))),
      h('h2', { id: 'round-title', tabindex: '-1' }, title),
      h('p', { class: 'easy-say', testid: 'easy-say' }, say),
      h('div', { class: 'easy-tools' }, readAloudButton(() => `${title}. ${say}`, ui, t('easy.read.round'))),
    ];
  }
  const title = phase.title || kindName(kind);
  const say = instruction(view, phase, you);
  const prompts = [phase.prompt, you && you.prompt].filter(Boolean);
  const round = (view.rounds || [])[phase.index];
  const minutes = round && typeof round.minutes === 'number' ? round.minutes : null;
  // One voice reads it all when the case is in the page's language.
  const readText = () => (ui === lang ? [title, say, ...prompts] : [say]).map((s) => String(s).trim().replace(/[.!?]?$/, '.')).join(' ');
  return [
    h('p', { class: 'kicker easy-kind', testid: 'easy-kind', dataset: { kind } },
      h('span', { class: 'easy-kind-name' }, kindIcon(kind), h('span', null, kindName(kind))),
      h('span', { class: 'easy-of' }, progressText(phase, view.rounds))),
    h('h2', { id: 'round-title', lang, tabindex: '-1' }, title),
    h('p', { class: 'easy-say', testid: 'easy-say' }, say),
    h('div', { class: 'easy-tools' }, readAloudButton(readText, ui, t('easy.read.round'))),
    phase.deadline ? easyTime(phase.deadline, minutes) : null,
    prompts.length ? h('details', { class: 'easy-prompts', 'data-keep': `easy-prompts-${phase.index}`, testid: 'easy-prompts' },
      h('summary', null, h('span', null, t('easy.moreText'))),
      phase.prompt ? textBlock(phase.prompt, { lang, cls: 'prompt', testid: 'round-prompt' }) : null,
      you && you.prompt ? h('p', { class: 'role-prompt', testid: 'my-prompt' },
        h('strong', { class: 'role-prompt-label' }, t('phone.forYou')), ' ',
        h('span', { class: 'text-block', lang }, you.prompt)) : null) : null,
  ];
}

// ---------------------------------------------------------------- the calm time bar

const bars = new Set();
const totals = new Map(); // deadline -> the round's whole time in ms, as first seen
let barTimer = null;

function tickBar(el) {
  const when = el.dataset.deadline;
  const deadline = Date.parse(when || '');
  if (!Number.isFinite(deadline)) return;
  const left = deadline - serverNow();
  let total = totals.get(when);
  if (!total) {
    const planned = Number(el.dataset.minutes) * 60000;
    total = Math.max(Number.isFinite(planned) ? planned : 0, left, 1);
    totals.set(when, total);
  }
  if (left > total) { total = left; totals.set(when, total); }
  const passed = left <= 0 ? 1 : Math.min(1, Math.max(0, 1 - left / total));
  const pct = Math.round(passed * 100);
  // Words, not a number of seconds: "there is time", "a little time left", "almost done".
  const state = left <= 0 ? 'over' : passed < 0.5 ? 'plenty' : passed < 0.85 ? 'some' : 'almost';
  const words = t(`easy.time.${state}`);
  const bar = el.querySelector('[role="progressbar"]');
  const fill = el.querySelector('.easy-bar-fill');
  const text = el.querySelector('.easy-time-words');
  if (fill) fill.setAttribute('width', String(pct));
  if (bar) {
    bar.setAttribute('aria-valuenow', String(pct));
    bar.setAttribute('aria-valuetext', words);
  }
  if (text && text.textContent !== words) text.textContent = words;
  el.dataset.state = state;
}

function tickBars() {
  for (const el of bars) {
    if (!el.isConnected) bars.delete(el);
    else tickBar(el);
  }
  if (!bars.size && barTimer) {
    clearInterval(barTimer);
    barTimer = null;
  }
}

/**
 * A progress bar for the round's time, with words instead of digits. It fills slowly
 * (updated every 5 seconds, no animation, no flashing, no colour change) and only shows
 * time: the facilitator decides when the round ends.
 */
export function easyTime(deadline, minutes) {
  const id = uid('easy-time');
  const el = h('div', { class: 'easy-time', testid: 'easy-time', dataset: { deadline, minutes: minutes ?? '' } },
    icon('clock'),
    h('div', { class: 'easy-time-body' },
      h('p', { class: 'easy-time-words', id, 'aria-hidden': 'true' }),
      h('div', {
        class: 'easy-bar', role: 'progressbar', 'aria-label': t('easy.time.label'),
        'aria-valuemin': '0', 'aria-valuemax': '100', testid: 'easy-progress',
      },
      svg('svg', { class: 'easy-bar-svg', viewBox: '0 0 100 10', preserveAspectRatio: 'none', 'aria-hidden': 'true', focusable: 'false' },
        svg('rect', { class: 'easy-bar-fill', x: 0, y: 0, width: 0, height: 10 })))));
  bars.add(el);
  tickBar(el);
  if (!barTimer) barTimer = setInterval(tickBars, 5000);
  return el;
}

// ---------------------------------------------------------------- one screen at a time

/**
 * Easy-read mode has no tabs: the round is the screen; the card, the case and the table
 * open from buttons under the action, each as a screen of its own with one "Terug naar
 * de ronde" at the top. `panels` are join.js's tab panels by key.
 */
export function renderEasyNav({ nav, panels, tab, shown, isNew, cardFirst, onBack }) {
  region(nav, sig('easy-nav', shown, tab, isNew, cardFirst), () => {
    // The card that comes first has its own "Verder" under it: no "back" to a round not seen yet.
    if (!shown || tab === 'do' || (tab === 'card' && cardFirst)) return null;
    const b = h('button', { type: 'button', class: 'btn btn-secondary btn-block easy-back', testid: 'easy-back', 'data-focus-key': 'easy-back' },
      icon('back'), h('span', null, t('easy.back')),
      isNew ? h('span', { class: 'easy-new', testid: 'easy-back-new' }, t('phone.tab.new')) : null);
    b.addEventListener('click', onBack);
    return b;
  });
  for (const [k, el] of Object.entries(panels)) {
    el.removeAttribute('role');
    el.removeAttribute('aria-labelledby');
    el.hidden = shown ? k !== tab : false;
  }
}

/** Open another screen (card, case, table) and put focus on its first heading. */
export function openScreen(key, select) {
  select(key);
  const panel = document.getElementById(`panel-${key}`);
  const head = panel && panel.querySelector('h2, h3');
  window.scrollTo(0, 0);
  if (head) {
    if (!head.hasAttribute('tabindex')) head.setAttribute('tabindex', '-1');
    head.focus({ preventScroll: true });
  }
}

/** The buttons to the other screens, under the action (easy-read mode only). */
export function renderEasyMore(el, { phase, you, newEvent, select }) {
  const hasCard = !!(you && you.card);
  region(el, sig('easy-more', on, phase.kind, hasCard, you && you.role, newEvent), () => {
    if (!on || phase.kind === 'lobby') return null;
    const btn = (key, pic, label, testid, mark) => {
      const b = h('button', { type: 'button', class: ['btn', 'btn-secondary', 'btn-block', 'easy-more-btn'], testid, 'data-focus-key': testid },
        icon(pic), h('span', null, label),
        mark ? h('span', { class: 'easy-new' }, t('phone.tab.new')) : null);
      b.addEventListener('click', () => openScreen(key, select));
      return b;
    };
    return h('nav', { class: 'easy-more', 'aria-label': t('easy.more'), testid: 'easy-more' },
      hasCard ? btn('card', you.role || 'person', t('easy.more.card'), 'easy-to-card') : null,
      newEvent ? btn('case', 'event', t('easy.more.event'), 'easy-to-case', true) : btn('case', 'book', t('easy.more.case'), 'easy-to-case'),
      btn('table', 'people', t('easy.more.table'), 'easy-to-table'));
  });
}

// ---------------------------------------------------------------- notes and decision

/**
 * The table's notes in easy-read mode: this round's notes, each with the pictogram and
 * word of its kind, the text, who wrote it and "Lees voor"; earlier rounds' notes folded.
 */
export function easyNotes(notes, { names, hiddenNames, currentIndex, lang, takesNotes = true }) {
  const list = (notes || []).map((n, index) => ({ n, index }));
  const now = list.filter((x) => x.n.round === currentIndex);
  const earlier = list.filter((x) => x.n.round !== currentIndex);
  const item = ({ n, index }) => {
    const kind = noteKindName(n.kind);
    const authorHidden = !!(hiddenNames && hiddenNames.has(n.player_id));
    return h('li', {
      class: ['note', 'easy-note', `note-${n.kind}`, n.hidden && 'is-hidden'],
      dataset: { kind: n.kind, noteIndex: index, hidden: n.hidden ? 'true' : null },
    },
    h('p', { class: 'easy-note-kind' }, noteIcon(n.kind), h('span', null, kind)),
    textBlock(n.text, { lang, cls: 'note-text' }),
    h('p', { class: ['note-by', authorHidden && 'is-hidden'] }, '— ', (names && names.get(n.player_id)) || t('player.unknown')),
    readAloudButton(() => `${kind}. ${n.text}`, lang, t('easy.read.note')));
  };
  const folded = (items) => h('details', { class: 'easy-details', 'data-keep': 'easy-notes-earlier' },
    h('summary', null, t('easy.notes.earlier', { n: items.length })),
    h('ul', { class: 'note-items' }, items.map(item)));
  // A round without notes of its own (a proposal, a vote): only the earlier ones, folded.
  if (!takesNotes && !now.length) {
    if (!earlier.length) return null;
    return h('section', { class: 'panel easy-notes', 'aria-label': t('easy.notes.earlier', { n: earlier.length }), testid: 'easy-notes' },
      folded(earlier));
  }
  return h('section', { class: 'panel easy-notes', 'aria-labelledby': 'easy-notes-heading', testid: 'easy-notes' },
    h('h2', { id: 'easy-notes-heading' }, t('easy.notes.title', { n: now.length })),
    now.length ? h('ul', { class: 'note-items', testid: 'notes-list' }, now.map(item))
      : h('p', { class: 'muted', testid: 'notes-empty' }, t('notes.none')),
    earlier.length ? folded(earlier) : null);
}

/** The table's decision in one sentence with a pictogram, its reasons and "Lees voor"; the rest folded. */
export function easyDecision(decision, { names, lang }) {
  const reached = !!decision.reached;
  const say = t(reached ? 'easy.decision.reached' : 'easy.decision.notReached');
  const reasons = (decision.reasons || []).map(reasonText);
  return h('section', { class: ['panel', 'easy-decision', reached ? 'is-reached' : 'is-not-reached'], 'aria-labelledby': 'decision-heading', testid: 'easy-decision', dataset: { reached: String(reached) } },
    h('h2', { id: 'decision-heading', class: 'easy-decision-head' }, icon(reached ? 'reached' : 'not_reached'), h('span', null, say)),
    reasonsView(decision, { headingLevel: 3 }),
    h('div', { class: 'easy-tools' }, readAloudButton(() => [say, ...reasons].join(' '), getLang(), t('easy.read.decision'))),
    h('details', { class: 'easy-details', 'data-keep': 'easy-decision' },
      h('summary', null, t('easy.decision.details')),
      decisionView(decision, { names, lang, headingLevel: 3 })));
}

// ---------------------------------------------------------------- live updates (every mode)

const batch = { table: null, count: null, pending: 0, timer: null };
const BATCH_MS = 4000;

/**
 * Call with every state: notes others wrote at this table are said in one polite
 * announcement per few seconds ("3 nieuwe notities aan je tafel."), never one per note.
 * The person's own notes are not announced (their form says "Je notitie staat erbij.").
 */
export function watchNotes(tb, playerId) {
  if (!tb) return;
  const notes = tb.notes || [];
  if (batch.table !== tb.table || batch.count === null || notes.length < batch.count) {
    batch.table = tb.table;
    batch.count = notes.length;
    return;
  }
  const fresh = notes.slice(batch.count).filter((n) => n.player_id !== playerId);
  batch.count = notes.length;
  if (!fresh.length) return;
  batch.pending += fresh.length;
  if (batch.timer) return;
  batch.timer = setTimeout(() => {
    const n = batch.pending;
    batch.pending = 0;
    batch.timer = null;
    if (n) announce(t('announce.notes', { n }));
  }, BATCH_MS);
}

/**
 * A new round started: put focus on its title (the screen reader reads it, Tab goes on
 * from there), when the person is on the round's screen and not in the middle of typing. Focus in the
 * header or on another screen (card, case, table) stays where it is.
 */
export function focusNewRound(tab) {
  if (tab !== 'do') return;
  const active = document.activeElement;
  const app = document.getElementById('app');
  const onPage = !active || active === document.body || (app && app.contains(active) && !active.closest('.region-nav'));
  if (!onPage) return;
  // Someone in the middle of a sentence keeps typing (the announcement says the round changed).
  const typing = active && (active.tagName === 'TEXTAREA' || (active.tagName === 'INPUT' && active.type === 'text'));
  if (typing && active.value.trim()) return;
  const title = document.getElementById('round-title');
  if (!title) return;
  if (!title.hasAttribute('tabindex')) title.setAttribute('tabindex', '-1');
  title.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}
