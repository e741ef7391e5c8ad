// host/debrief.js: "Terugkijken" (replay), in a debrief round and after the game. The
// facilitator steps through what happened at each table, one table or several side by
// side, and can show it on the big screen.
//
// - The data is `GET /api/rooms/{CODE}/replay.json` with the host token (built from the
//   stored log, so it also works after a restart). It is loaded when the panel appears,
//   again when the round changes, and with "Vernieuwen" (lesson notes come in during
//   the debrief).
// - One shared cursor over the chosen tables, in order of time (replay.js, mergeSteps):
//   "Stap 5 van 42". Each table shows the last thing that happened there by then, large,
//   and its steps so far as a timeline (the current one with aria-current).
// - Buttons: begin, previous, play/pause, next, end; the arrow keys, Home and End when
//   focus is in the panel. "Afspelen" only plays back (a step every 3 s) and "Pauze" is
//   always in sight: it decides nothing for anyone.
// - "Wie werd gehoord" per table, a link to the printable report (/report/CODE).
// - "Toon op groot scherm": while on, every change is posted to the big screen over
//   BroadcastChannel('democreatie-replay-' + CODE), without hidden notes, hidden names or
//   anyone's vote (replay.js, forScreen); off, or the page closing, posts {off: true}.
//   This reaches a big screen that is a tab of this same browser (a laptop with a
//   projector as its second screen), not another device.

import { h, region, sig, uid } from '../common.js';
import { t } from '../i18n.js';
import { icon } from '../icons.js';
import { formStatus } from '../ui.js';
import {
  mergeSteps, stepsUpTo, stepView, timelineItem, heardTable, forScreen, roundLine,
} from '../replay.js';

const PLAY_MS = 3000;
const SCREEN_TABLES = 3;

/** The panel's state lives in the dashboard's S, so that a rebuilt panel keeps it. */
function state(ctx) {
  if (!ctx.S.replay) {
    ctx.S.replay = {
      status: 'idle', // idle | loading | ok | error
      errorText: '',
      data: null,
      loadedFor: null, // the phase index the data was loaded in
      selected: [],
      cursor: 0,
      playing: false,
      screen: false,
      merged: null,
      mergedFor: '',
      els: null,
      timer: null,
      channel: null,
      ctx,
    };
  }
  ctx.S.replay.ctx = ctx;
  return ctx.S.replay;
}

/** `ctx`: the dashboard's { code, S }. Shown in a debrief round and once the game is over. */
export function renderDebrief(el, ctx, view, phase) {
  const R = state(ctx);
  const show = phase.kind === 'debrief' || phase.kind === 'finished';
  if (!show) {
    stopDebrief(ctx);
    region(el, sig(false), () => null);
    return;
  }
  region(el, sig(true), () => buildPanel(R));
  if (R.loadedFor !== phase.index && R.status !== 'loading') load(R, phase.index);
}

/** Stop playing and take the replay off the big screen (the panel goes, or the page ends). */
export function stopDebrief(ctx) {
  const R = ctx.S.replay;
  if (!R) return;
  pause(R);
  if (R.screen) {
    R.screen = false;
    post(R, { type: 'replay', off: true, room: ctx.code });
  }
}

// ---------------------------------------------------------------- data

async function load(R, phaseIndex) {
  const { code, S } = R.ctx;
  R.status = R.data ? 'ok' : 'loading';
  R.loading = true;
  if (!R.data) fill(R);
  let res;
  try {
    res = await fetch(`/api/rooms/${code}/replay.json`, { headers: { Authorization: `Bearer ${S.token}` }, cache: 'no-store' });
  } catch {
    res = null;
  }
  R.loading = false;
  R.loadedFor = phaseIndex;
  if (!res || !res.ok) {
    R.status = R.data ? 'ok' : 'error';
    R.errorText = !res ? t('error.network') : res.status === 401 ? t('host.reportUnauthorized')
      : res.status === 404 ? t('host.reportMissing') : t('replay.error');
    if (R.data && R.els) R.els.status.set(R.errorText, true);
    fill(R);
    return;
  }
  let data;
  try { data = await res.json(); } catch { data = null; }
  if (!data || !Array.isArray(data.tables)) {
    R.status = R.data ? 'ok' : 'error';
    R.errorText = t('replay.error');
    fill(R);
    return;
  }
  const first = !R.data;
  R.data = data;
  R.merged = null;
  R.status = 'ok';
  const numbers = data.tables.map((tb) => tb.table);
  R.selected = R.selected.filter((n) => numbers.includes(n));
  if (first && !R.selected.length && numbers.length) R.selected = [numbers[0]];
  R.merged = null;
  fill(R);
}

function merged(R) {
  const key = R.selected.join(',');
  if (!R.merged || R.mergedFor !== key) {
    R.merged = mergeSteps(R.data.tables, R.selected);
    R.mergedFor = key;
  }
  return R.merged;
}

// ---------------------------------------------------------------- the panel

function buildPanel(R) {
  const { code } = R.ctx;
  const status = formStatus('replay-status-text');
  const body = h('div', { class: 'replay-body', testid: 'replay-body' });
  const report = h('a', {
    href: `/report/${code}`, target: '_blank', rel: 'noopener', class: 'btn btn-secondary', testid: 'replay-report',
  }, icon('printer'), h('span', null, t('replay.report')), h('span', { class: 'sr-only' }, ` ${t('replay.newTab')}`));
  const refresh = h('button', { type: 'button', class: 'btn btn-quiet', testid: 'replay-refresh', 'data-focus-key': 'replay-refresh' },
    icon('refresh'), h('span', null, t('replay.refresh')));
  refresh.addEventListener('click', async () => {
    status.set('');
    await load(R, R.loadedFor);
    if (R.status === 'ok' && !status.classList.contains('is-error')) {
      status.set(t('replay.refreshed'));
    }
  });
  const screenId = uid('replay-screen');
  const screenBox = h('input', {
    type: 'checkbox', id: screenId, testid: 'replay-screen', checked: R.screen || null, 'aria-describedby': `${screenId}-hint`,
    'data-focus-key': 'replay-screen',
  });
  const screenState = h('p', { class: 'replay-screen-state', role: 'status', testid: 'replay-screen-state' });
  screenBox.addEventListener('change', () => setScreen(R, screenBox.checked));
  const wrap = h('div', { class: 'replay', testid: 'replay-panel' },
    h('h2', { id: 'replay-heading', class: 'replay-heading' }, icon('history'), h('span', null, t('replay.title'))),
    h('p', { class: 'hint' }, t('replay.intro')),
    h('div', { class: 'button-row replay-tools' }, report, refresh),
    h('label', { class: 'option replay-screen-option', for: screenId },
      screenBox,
      h('span', { class: 'option-body' },
        h('span', { class: 'replay-screen-label' }, icon('monitor'), h('span', null, t('replay.screen'))),
        h('span', { class: 'option-hint', id: `${screenId}-hint` }, t('replay.screenHint')))),
    screenState,
    status,
    body);
  wrap.addEventListener('keydown', (ev) => onKey(R, ev));
  R.els = { wrap, body, status, screenState };
  showScreenState(R);
  fill(R);
  return wrap;
}

/** Build the part under the tools for the current status. */
function fill(R) {
  const els = R.els;
  if (!els) return;
  const { body } = els;
  if (R.status === 'loading' || R.status === 'idle') {
    body.replaceChildren(h('p', { class: 'muted', testid: 'replay-loading' }, t('replay.loading')));
    return;
  }
  if (R.status === 'error') {
    const again = h('button', { type: 'button', class: 'btn btn-secondary', testid: 'replay-retry' }, t('replay.retry'));
    again.addEventListener('click', () => load(R, R.loadedFor));
    body.replaceChildren(h('p', { class: 'alert', role: 'alert', testid: 'replay-error' }, icon('warning'), ' ', R.errorText), again);
    return;
  }
  const data = R.data;
  const tables = data.tables || [];
  const pickId = uid('replay-pick');
  const picks = h('fieldset', { class: 'replay-pick', 'aria-describedby': `${pickId}-hint` },
    h('legend', { class: 'label' }, t('replay.tables')),
    h('p', { class: 'hint', id: `${pickId}-hint` }, t('replay.tablesHint')),
    h('div', { class: 'replay-pick-list' }, tables.map((tb) => {
      const id = `${pickId}-${tb.table}`;
      const box = h('input', {
        type: 'checkbox', id, value: String(tb.table), testid: `replay-pick-${tb.table}`,
        checked: R.selected.includes(tb.table) || null, 'data-focus-key': `replay-pick-${tb.table}`,
      });
      box.addEventListener('change', () => choose(R, tb.table, box.checked));
      return h('label', { class: 'option replay-pick-option', for: id }, box,
        h('span', { class: 'option-body' }, t('table.n', { n: tb.table })));
    })));
  const btn = (key, iconName, label) => {
    const b = h('button', { type: 'button', class: 'btn btn-secondary replay-btn', testid: `replay-${key}`, 'data-focus-key': `replay-${key}` },
      icon(iconName), h('span', null, label));
    return b;
  };
  const first = btn('first', 'first', t('replay.first'));
  const prev = btn('prev', 'back', t('replay.prev'));
  const play = btn('play', 'play', t('replay.play'));
  play.classList.replace('btn-secondary', 'btn-primary');
  const next = btn('next', 'forward', t('replay.next'));
  const last = btn('last', 'last', t('replay.last'));
  first.addEventListener('click', () => go(R, 0, true));
  prev.addEventListener('click', () => go(R, R.cursor - 1, true));
  next.addEventListener('click', () => go(R, R.cursor + 1, true));
  last.addEventListener('click', () => go(R, Infinity, true));
  play.addEventListener('click', () => (R.playing ? pause(R, true) : startPlaying(R)));
  const stepText = h('p', { class: 'replay-step-count', testid: 'replay-step', 'aria-live': 'polite' });
  const playing = h('p', { class: 'notice replay-playing', testid: 'replay-playing', hidden: true }, icon('play'), ' ', t('replay.playing'));
  const screenMore = h('p', { class: 'notice', testid: 'replay-screen-more', hidden: true }, icon('monitor'), ' ', t('replay.moreTables'));
  const grid = h('div', { class: 'replay-grid', testid: 'replay-grid' });
  const stage = h('div', {
    class: 'replay-stage', tabindex: '0', role: 'region', 'aria-label': t('replay.title'), 'aria-keyshortcuts': 'ArrowLeft ArrowRight Home End',
    'aria-describedby': `${pickId}-keys`, 'data-focus-key': 'replay-stage', testid: 'replay-stage',
  }, grid);
  const heard = h('section', { class: 'replay-heard', 'aria-labelledby': `${pickId}-heard` },
    h('h3', { id: `${pickId}-heard` }, t('replay.heard')),
    h('p', { class: 'hint' }, t('replay.heardHint')),
    h('div', { class: 'heard-grid' }, (data.heard || []).map((x) => heardTable(x))));
  body.replaceChildren(...[
    data.complete === false ? h('p', { class: 'alert', testid: 'replay-incomplete' }, icon('warning'), ' ', t('replay.incomplete')) : null,
    picks,
    h('div', { class: 'replay-controls button-row', role: 'group', 'aria-label': t('replay.controls'), testid: 'replay-controls',
      'aria-keyshortcuts': 'ArrowLeft ArrowRight Home End' }, first, prev, play, next, last),
    stepText,
    h('p', { class: 'hint', id: `${pickId}-keys` }, t('replay.stepHint'), ' ', t('replay.keys')),
    playing,
    screenMore,
    stage,
    heard].filter(Boolean));
  Object.assign(els, { first, prev, play, next, last, stepText, playing, screenMore, grid });
  update(R);
}

/** Show the cursor: buttons, "Stap i van n", every chosen table; post it to the big screen. */
function update(R) {
  const els = R.els;
  if (!els || !els.grid || !R.data) return;
  const m = merged(R);
  const n = m.entries.length;
  if (R.cursor > n - 1) R.cursor = Math.max(0, n - 1);
  if (R.cursor < 0) R.cursor = 0;
  const atStart = R.cursor <= 0;
  const atEnd = R.cursor >= n - 1;
  for (const [b, off] of [[els.first, atStart], [els.prev, atStart], [els.next, atEnd], [els.last, atEnd], [els.play, n < 2]]) {
    // aria-disabled rather than disabled: a focused button keeps the focus.
    if (off) b.setAttribute('aria-disabled', 'true'); else b.removeAttribute('aria-disabled');
  }
  els.play.replaceChildren(icon(R.playing ? 'pause' : 'play'), h('span', null, R.playing ? t('replay.pause') : t('replay.play')));
  els.play.dataset.playing = String(R.playing);
  els.wrap.dataset.playing = String(R.playing);
  els.playing.hidden = !R.playing;
  els.screenMore.hidden = !(R.screen && R.selected.length > SCREEN_TABLES);
  const entry = m.entries[R.cursor];
  els.stepText.dataset.cursor = String(R.cursor);
  els.stepText.dataset.total = String(n);
  els.stepText.textContent = n
    ? `${t('replay.step', { i: R.cursor + 1, n })} · ${roundLine(R.data.rounds, entry && entry.step)}`
    : (R.selected.length ? t('replay.tableNotYet') : t('replay.pickTable'));

  // Keep the focus where it was when a timeline is built again.
  const active = document.activeElement;
  const focusKey = active && els.grid.contains(active) ? active.getAttribute('data-focus-key') : null;
  const lang = R.data.language || 'nl';
  const chosen = (R.data.tables || []).filter((tb) => R.selected.includes(tb.table));
  els.grid.className = `replay-grid cols-${Math.min(3, Math.max(1, chosen.length))}`;
  els.grid.replaceChildren(...(chosen.length ? chosen.map((tb) => tableColumn(R, tb, m, lang))
    : [h('p', { class: 'muted', testid: 'replay-none' }, t('replay.pickTable'))]));
  for (const box of els.grid.querySelectorAll('.replay-timeline-box')) {
    const cur = box.querySelector('[aria-current="step"]');
    if (cur) box.scrollTop = Math.max(0, cur.offsetTop - box.clientHeight + cur.offsetHeight + 8);
  }
  if (focusKey) {
    const again = els.grid.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`);
    if (again) again.focus({ preventScroll: true });
  }
  if (R.screen) post(R, forScreen(R.data, R.selected, R.cursor));
}

function tableColumn(R, tb, m, lang) {
  const id = uid('replay-table');
  const { shown, total } = stepsUpTo(m, tb.table, R.cursor);
  const current = shown[shown.length - 1];
  const fresh = current && current.at === R.cursor;
  return h('article', {
    class: ['replay-table', fresh && 'is-fresh'], testid: `replay-table-${tb.table}`, 'aria-labelledby': id, dataset: { table: tb.table },
  },
  h('h3', { id }, t('table.n', { n: tb.table })),
  h('p', { class: 'muted small', testid: `replay-table-step-${tb.table}` },
    current ? t('replay.tableStep', { i: shown.length, n: total }) : t('replay.tableNotYet')),
  current ? h('section', { class: 'replay-current', testid: `replay-current-${tb.table}`, 'aria-label': `${t('replay.current')}: ${t('table.n', { n: tb.table })}`,
    dataset: { type: current.step.type, fresh: String(!!fresh) } },
  h('p', { class: 'replay-when' }, icon(fresh ? 'next' : 'clock'), h('span', null, fresh ? t('replay.now') : t('replay.before'))),
  stepView(current.step, { lang, host: true, level: 4, rounds: R.data.rounds })) : null,
  shown.length ? [
    h('h4', { class: 'replay-timeline-head' }, t('replay.timeline')),
    h('div', {
      class: 'replay-timeline-box', tabindex: '0', role: 'region', 'aria-label': t('replay.timelineLabel', { n: tb.table }),
      'data-focus-key': `replay-timeline-${tb.table}`,
    }, h('ol', { class: 'replay-timeline', testid: `replay-timeline-${tb.table}` }, shown.map((x, i) => {
      const now = i === shown.length - 1;
      return h('li', {
        class: ['tl-item', `tl-${x.step.type}`, now && 'is-current', x.step.hidden && 'is-hidden'],
        'aria-current': now ? 'step' : null, dataset: { type: x.step.type },
      }, timelineItem(x.step, { lang, host: true }), now ? h('span', { class: 'tl-now' }, t('replay.here')) : null);
    })))] : null);
}

// ---------------------------------------------------------------- moving

function go(R, to, byHand) {
  if (!R.data) return;
  const n = merged(R).entries.length;
  const next = Math.max(0, Math.min(n - 1, to));
  if (byHand && R.playing) pause(R);
  if (next === R.cursor && !byHand) return;
  R.cursor = next;
  update(R);
}

function startPlaying(R) {
  if (!R.data) return;
  const n = merged(R).entries.length;
  if (n < 2) return;
  if (R.cursor >= n - 1) R.cursor = 0;
  R.playing = true;
  clearInterval(R.timer);
  R.timer = setInterval(() => {
    if (!R.els || !R.els.wrap.isConnected) { pause(R); return; }
    const total = merged(R).entries.length;
    if (R.cursor >= total - 1) { pause(R, true); return; }
    R.cursor += 1;
    update(R);
    if (R.cursor >= total - 1) pause(R, true);
  }, PLAY_MS);
  update(R);
}

function pause(R, redraw = false) {
  clearInterval(R.timer);
  R.timer = null;
  const was = R.playing;
  R.playing = false;
  if (redraw && was) update(R);
}

function choose(R, table, on) {
  const m = R.data && merged(R);
  const before = m && m.entries[R.cursor];
  const sel = new Set(R.selected);
  if (on) sel.add(table); else sel.delete(table);
  R.selected = [...sel].sort((a, b) => a - b);
  // Stay at the same moment: the step shown, or the last one before it in time.
  if (before && R.selected.length) {
    const nm = merged(R);
    let at = nm.entries.findIndex((e) => e.step === before.step);
    if (at < 0) {
      const when = Date.parse(before.step.at) || 0;
      at = 0;
      nm.entries.forEach((e, i) => { if ((Date.parse(e.step.at) || 0) <= when) at = i; });
    }
    R.cursor = at;
  } else if (!R.selected.length) {
    pause(R);
  }
  update(R);
}

function onKey(R, ev) {
  if (ev.altKey || ev.ctrlKey || ev.metaKey || ev.shiftKey || !R.data) return;
  const el = ev.target;
  if (el && (el.isContentEditable || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT'
    || (el.tagName === 'INPUT' && el.type !== 'checkbox'))) return;
  // A wide table scrolls sideways with the arrows.
  if (el && el.closest && el.closest('.table-scroll') && (ev.key === 'ArrowLeft' || ev.key === 'ArrowRight')) return;
  let to = null;
  if (ev.key === 'ArrowRight') to = R.cursor + 1;
  else if (ev.key === 'ArrowLeft') to = R.cursor - 1;
  else if (ev.key === 'Home') to = 0;
  else if (ev.key === 'End') to = Infinity;
  if (to === null) return;
  ev.preventDefault();
  go(R, to, true);
}

// ---------------------------------------------------------------- the big screen

function channel(R) {
  if (R.channel || typeof BroadcastChannel !== 'function') return R.channel;
  R.channel = new BroadcastChannel(`democreatie-replay-${R.ctx.code}`);
  // A big screen that opens (or reloads) while the replay is on asks for it.
  R.channel.addEventListener('message', (ev) => {
    const m = ev.data;
    if (m && m.hello && R.screen && R.data) post(R, forScreen(R.data, R.selected, R.cursor));
  });
  window.addEventListener('pagehide', () => {
    if (R.screen) post(R, { type: 'replay', off: true, room: R.ctx.code });
  });
  return R.channel;
}

function post(R, msg) {
  const ch = channel(R);
  if (ch) ch.postMessage(msg);
}

function setScreen(R, on) {
  R.screen = on;
  if (on && R.data) post(R, forScreen(R.data, R.selected, R.cursor));
  if (!on) post(R, { type: 'replay', off: true, room: R.ctx.code });
  R.screenWas = R.screenWas || on;
  showScreenState(R);
  if (R.els && R.els.screenMore) R.els.screenMore.hidden = !(R.screen && R.selected.length > SCREEN_TABLES);
}

function showScreenState(R) {
  const el = R.els && R.els.screenState;
  if (!el) return;
  el.dataset.on = String(R.screen);
  // A status region: turning it on or off is said (and shown) in words.
  if (R.screen) el.replaceChildren(icon('monitor'), ' ', h('span', null, t('replay.screenOn')));
  else el.replaceChildren(...(R.screenWas ? [h('span', null, t('replay.screenOff'))] : []));
}
