// screen.js: /screen/{CODE} — the big screen (beamer) that runs the room.
//
// Made to be read from the back of a room: at 1920×1080 body text is 32 px, and
// on a wide screen the page never scrolls. Everything is sized in rem and the
// root font follows the viewport (app.css, html.is-screen), so every size keeps
// its place on any 16:9 screen. What does not fit is left out in plain sight:
// the oldest notes drop off a wall with "+ 3 eerdere notities", a long text ends
// in "…" (screen readers still get all of it). More than four tables are shown
// four at a time, a page every ten seconds, with "Tafels 1–4 van 8".
//
// Per phase: lobby (code, address, QR, names); briefing (case, event cards,
// who is ready); discussion (a wall of notes per table, with the room option
// screen_notes; else who sits where); proposal (each table's text); vote (how
// many voted, never what) and, for every newly tallied table, a full-screen
// reveal; debrief and finished (every decision side by side). The screen only
// shows; the facilitator moves the room on. F or the button: full screen.
//
// Replay (debrief): while the facilitator's "Terugkijken" has "Toon op groot scherm"
// on, the host page posts its state over BroadcastChannel('democreatie-replay-CODE')
// (host/debrief.js) and this page shows the chosen tables (up to 3) side by side, each
// with its current step very large and a small timeline; {off: true} brings back the
// normal screen. A BroadcastChannel only reaches pages of the same browser on the same
// origin: this works when the host page and this screen are tabs (or windows) of one
// browser, the usual laptop with a projector as its second screen, not across devices.
// What is posted has no hidden note, no hidden name and nobody's vote (replay.js).

import {
  h, setChildren, region, resetRegion, codeFromPath, isValidCode, RoomSocket, bannerFor, syncClock,
  countdown, announce, storage, KEYS, sig, uid,
} from './common.js';
import { t, initI18n, onLangChange, followRoomLang } from './i18n.js';
import {
  kindName, progressText, roleBadge, roleName, personName, votedCount, hasCounts, reasonText, noteKindName, CHOICES,
} from './ui.js';
import { decisionChart } from './chart.js';
import { icon } from './icons.js';
import { ballotsSent, euros, budgetResult } from './budget.js';
import { mergeSteps, stepsUpTo, stepView, timelineItem, roundLine } from './replay.js';

const app = document.getElementById('app');
const code = codeFromPath();
const PAGE_SIZE = 4;
// Seconds a page of tables or a reveal stays up; ?interval=N (2–300) for rehearsals and tests.
const INTERVAL = (() => {
  const n = Number(new URLSearchParams(location.search).get('interval'));
  return Number.isFinite(n) && n >= 2 && n <= 300 ? n * 1000 : 10000;
})();

const S = {
  view: null,
  ended: null,
  lastPhase: null,
  page: 0,
  pages: 1,
  pageTimer: null,
  seen: null, // table -> the decision last seen (JSON); null until the first state
  queue: [], // tables whose new decision waits for its reveal
  current: null, // the table revealed now
  revealTimer: null,
  revealNo: 0,
  revealOf: 0,
  replay: null, // the facilitator's replay while "Toon op groot scherm" is on
};
let shell = null;
let conn = null;
let fsButton = null;

// ---------------------------------------------------------------- shell

function message(state, title, text) {
  shell = null;
  setChildren(app, h('div', { class: 'end-state', testid: 'end-state', dataset: { state } },
    h('h1', null, title), h('p', { class: 'lead' }, text)));
  app.classList.remove('screen-app');
  app.removeAttribute('aria-busy');
}

function buildShell() {
  shell = {
    top: h('div', { id: 'screen-top', class: 'region screen-top-region' }),
    stage: h('div', { id: 'screen-stage', class: 'screen-stage', testid: 'stage' }),
  };
  app.classList.add('screen-app');
  setChildren(app, shell.top, shell.stage);
  app.removeAttribute('aria-busy');
}

// ---------------------------------------------------------------- full screen

function isFullscreen() {
  return !!document.fullscreenElement;
}

function toggleFullscreen() {
  if (!document.fullscreenEnabled) return;
  if (isFullscreen()) document.exitFullscreen().catch(() => {});
  else document.documentElement.requestFullscreen().catch(() => {});
}

function updateFullscreenButton() {
  if (!fsButton) return;
  const on = isFullscreen();
  fsButton.replaceChildren(h('span', null, on ? t('screen.fullscreenExit') : t('screen.fullscreen')),
    ' ', h('kbd', null, 'F'));
  fsButton.setAttribute('aria-pressed', on ? 'true' : 'false');
  document.documentElement.classList.toggle('is-fullscreen', on);
}

function fullscreenButton() {
  if (!document.fullscreenEnabled) return null;
  if (!fsButton) {
    fsButton = h('button', {
      type: 'button', class: 'btn btn-quiet screen-fs', testid: 'fullscreen', 'aria-keyshortcuts': 'F', dataset: { focusKey: 'fullscreen' },
    });
    fsButton.addEventListener('click', toggleFullscreen);
    document.addEventListener('fullscreenchange', updateFullscreenButton);
  }
  updateFullscreenButton();
  return fsButton;
}

function onKey(ev) {
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const el = ev.target;
  if (el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName))) return;
  if (ev.key === 'f' || ev.key === 'F') {
    ev.preventDefault();
    toggleFullscreen();
  } else if (ev.key === 'ArrowRight' || ev.key === 'PageDown') {
    // The presenter's clicker: the next reveal, else the next page of tables.
    if (S.current !== null) { ev.preventDefault(); showNextReveal(); } else if (S.pages > 1) {
      ev.preventDefault();
      S.page = (S.page + 1) % S.pages;
      restartPaging();
      render();
    }
  } else if (ev.key === 'Escape' && S.current !== null) {
    S.queue = [];
    showNextReveal();
  }
}

// ---------------------------------------------------------------- small pieces

function qr(size, cls) {
  return h('img', { class: ['qr', cls], testid: 'qr', src: `/api/rooms/${code}/qr.svg`, alt: t('screen.qrAlt', { code }), width: size, height: size });
}

/** Where phones go: the join URL the server gave the facilitator (when this
 * browser created the room), else this page's own address. */
function joinHost() {
  const stored = storage.get(KEYS.joinUrl(code));
  if (stored) {
    try {
      const u = new URL(stored);
      return `${u.host}/join`;
    } catch { /* fall through */ }
  }
  return `${location.host}/join`;
}

/** The line that says how many were left out of a list to make it fit (hidden until then). */
function fitMore() {
  return h('p', { class: 'fit-more', hidden: true });
}

/**
 * A text that may be shortened with "…" to fit its card (screen readers keep all of it):
 * at its turn (rank, as a list item's) down to `min` characters, and at the very end to
 * whatever fits.
 */
function fitText(text, { lang, cls, tag = 'p', rank, min = 0 } = {}) {
  return h(tag, {
    class: ['text-block', cls], lang: lang || null, dataset: { fitText: '', fitRank: rank ?? null, fitMin: min },
  }, String(text ?? ''));
}

function players(tb) {
  return tb.players || [];
}

/** Names of a table in one line (the role of each is on the phones and the host page). */
function namesLine(tb, lang) {
  const ps = players(tb);
  if (!ps.length) return null;
  return h('p', { class: 'screen-names' }, h('span', { class: 'sr-only' }, t('screen.players'), ': '),
    ps.map((p, i) => [i ? ', ' : '', personName(p, { lang })]));
}

/** Everyone at a table with name and role. */
function peopleList(tb, lang, ready = false) {
  const ps = players(tb);
  return h('ul', { class: ['screen-people', ready && 'with-ready'], 'aria-label': t('screen.players'), dataset: { fitList: 'screen.more' } },
    ps.map((p, i) => h('li', { dataset: { fitRank: String(500 + ps.length - i), ready: ready ? String(!!p.ready) : null } },
      // Ready or not: a tick or an empty ring (shape, not colour), and in words for screen readers.
      ready ? [icon(p.ready ? 'reached' : 'clock', 'ready-mark'), h('span', { class: 'sr-only' }, p.ready ? t('player.ready') : t('screen.notYet'), ': ')] : null,
      personName(p, { lang }), ' ', roleBadge(p.role))),
    h('li', { class: 'fit-more-item' }, fitMore()));
}

function eventBox(ev, lang) {
  if (!ev) return null;
  return h('aside', { class: 'screen-event', testid: 'event-card', 'aria-label': t('event.label') },
    h('p', { class: 'event-kicker' }, icon('event'), h('span', null, t('event.label'))),
    h('h3', { class: 'screen-event-title', lang }, ev.title),
    // Shortened before the newest notes make room.
    fitText(ev.text, { lang, cls: 'screen-event-text', rank: 900, min: 70 }));
}

function tableCard(tb, cls, ...content) {
  const id = uid('screen-table');
  return h('article', {
    class: ['screen-card', 'fit-box', cls], testid: `screen-table-${tb.table}`, 'aria-labelledby': id, dataset: { table: tb.table },
  }, h('h2', { id, class: 'screen-card-head' }, t('table.n', { n: tb.table })), content);
}

/** Support, yes-if, abstain and object, each with icon, word and number. */
function countsList(d, cls) {
  if (!hasCounts(d)) return h('p', { class: 'screen-counts-hidden', testid: 'counts-hidden' }, t('decision.countsHidden'));
  return h('ul', { class: ['screen-counts', cls], 'aria-label': t('decision.counts') }, CHOICES.map((ch) =>
    h('li', { class: `choice-${ch}`, dataset: { choice: ch } },
      icon(ch), h('span', { class: 'screen-count-word' }, t(`choice.${ch}`)), ' ', h('strong', { class: 'screen-count-n' }, String(d[ch] || 0)))));
}

function verdict(d, tag = 'p', text) {
  const reached = !!d.reached;
  return h(tag, { class: ['screen-verdict', reached ? 'is-reached' : 'is-not-reached'] },
    icon(reached ? 'reached' : 'not_reached'),
    h('span', null, text || (reached ? t('decision.reached') : t('decision.notReached'))));
}

/** A reason in a few words, for a card of four side by side (roleName: which role). */
function shortReason(r) {
  if (r.code === 'min_support_per_role' && r.role) return t(r.met ? 'screen.reasonRole.met' : 'screen.reasonRole.missed', { role: roleName(r.role) });
  const key = `reason.${r.code}.${r.met ? 'met' : 'missed'}`;
  const s = t(key);
  return s === key ? reasonText(r) : s;
}

/** The reasons of a decision in plain words; the missed ones stay longest when space runs out. */
function reasonsBlock(d, level, short = false) {
  const reasons = d.reasons || [];
  if (!reasons.length) return null;
  // A compact card that has no room for any reason leaves the heading out too.
  return h('div', { class: 'screen-reasons', testid: 'reasons', dataset: { fitGroup: '', fitQuiet: '' } },
    h(`h${level}`, null, t('reason.heading')),
    h('ul', { class: 'reason-list', dataset: { fitList: 'screen.more' } }, reasons.map((r, i) => h('li', {
      class: ['reason', r.met ? 'is-met' : 'is-missed'],
      dataset: { code: r.code, met: String(!!r.met), fitRank: String((r.met ? 300 : 100) + i) },
    }, icon(r.met ? 'check' : 'object'),
    h('span', { class: 'sr-only' }, r.met ? t('reason.metWord') : t('reason.missedWord')),
    h('span', null, short ? shortReason(r) : reasonText(r)))),
    h('li', { class: 'fit-more-item' }, fitMore())));
}

function textList(items, key, level, lang, base) {
  if (!items || !items.length) return null;
  return h('div', { class: 'screen-textlist', dataset: { fitGroup: '' } },
    h(`h${level}`, null, t(key)),
    h('ul', { lang, dataset: { fitList: 'screen.more' } },
      items.map((c, i) => h('li', { dataset: { fitRank: String(base + items.length - i) } }, c)),
      h('li', { class: 'fit-more-item' }, fitMore())));
}

function chartFigure(d, table) {
  if (!d.by_role || !hasCounts(d)) return null;
  const caption = t('chart.caption', { n: table });
  return h('figure', { class: 'chart-figure screen-chart' }, decisionChart(d, { caption }), h('figcaption', null, caption));
}

/** A table's decision, compact enough for four side by side. */
function decisionBlock(tb, { wide = false, label, lang } = {}) {
  const d = tb.decision;
  return h('section', {
    class: ['screen-decision', d.reached ? 'is-reached' : 'is-not-reached'],
    testid: `decision-${tb.table}`,
    dataset: { reached: String(!!d.reached) },
    'aria-label': t('decision.tableHead', { n: tb.table, result: d.reached ? t('decision.reached') : t('decision.notReached') }),
  },
  label ? h('p', { class: 'screen-decision-label' }, label) : null,
  verdict(d),
  h('div', { class: ['screen-decision-body', wide && 'is-wide'] },
    h('div', { class: 'screen-decision-col' },
      countsList(d, 'is-compact'),
      reasonsBlock(d, 3, !wide)),
    h('div', { class: 'screen-decision-col' },
      wide ? chartFigure(d, tb.table) : null,
      textList(d.conditions, 'decision.conditions', 3, lang, 200),
      textList(d.objections, 'decision.objections', 3, lang, 200))));
}

// ---------------------------------------------------------------- fitting

function overflows(box) {
  return box.scrollHeight > box.clientHeight + 1 || box.scrollWidth > box.clientWidth + 1;
}

/** Say per list how many of its items are left out, and hide a group none of whose items is shown. */
function syncFit(box) {
  for (const list of box.querySelectorAll('[data-fit-list]')) {
    const n = list.querySelectorAll('[data-fit-out]').length;
    const more = list.querySelector(':scope > .fit-more, :scope > .fit-more-item > .fit-more');
    if (more) {
      more.hidden = n === 0;
      more.textContent = n ? t(list.dataset.fitList, { n }) : '';
    }
  }
  for (const group of box.querySelectorAll('[data-fit-group]')) {
    const items = [...group.querySelectorAll('[data-fit-rank]:not([data-fit-text])')];
    const none = items.length > 0 && items.every((el) => el.hasAttribute('data-fit-out'));
    // A group that says "+ 2 meer" itself stays; a quiet one goes, heading and all.
    group.hidden = none && (group.hasAttribute('data-fit-quiet') || !group.querySelector('.fit-more:not([hidden])'));
  }
}

function leaveOut(el, out) {
  el.hidden = out;
  el.toggleAttribute('data-fit-out', out);
}

function shorten(el, box, min) {
  const full = el.dataset.full ?? el.textContent;
  el.dataset.full = full;
  if (min >= full.length) return;
  let lo = min;
  let hi = full.length;
  const set = (n) => { el.textContent = n >= full.length ? full : `${full.slice(0, n).trimEnd()}…`; };
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    set(mid);
    if (overflows(box)) hi = mid - 1; else lo = mid;
  }
  set(lo);
  if (lo < full.length && !el.classList.contains('is-cut')) {
    el.setAttribute('aria-hidden', 'true');
    el.classList.add('is-cut');
    el.after(h('span', { class: 'sr-only', lang: el.getAttribute('lang') || null }, full));
  }
}

/**
 * Make a card fit its box without scrolling: first leave out list items, highest
 * data-fit-rank first (the oldest note, a met reason), each list saying how many it
 * left out; then shorten long texts. Only a box with a fixed height (the wide
 * layout) can overflow: on a phone nothing is left out and the page scrolls.
 */
function fitBox(box) {
  if (!overflows(box)) return;
  const steps = [...box.querySelectorAll('[data-fit-rank]')]
    .sort((a, b) => Number(b.dataset.fitRank) - Number(a.dataset.fitRank));
  const out = [];
  for (const it of steps) {
    if (!overflows(box)) break;
    if (it.hasAttribute('data-fit-text')) {
      shorten(it, box, Number(it.dataset.fitMin || 0));
    } else {
      leaveOut(it, true);
      out.push(it);
      syncFit(box);
    }
  }
  // Leaving out a large item (or a group's last, with its heading) may free more room
  // than needed: take back the last ones left out while they fit, in reverse order, so
  // that what is left out is always the first part of the order (the oldest notes).
  while (out.length) {
    const it = out[out.length - 1];
    leaveOut(it, false);
    syncFit(box);
    if (overflows(box)) {
      leaveOut(it, true);
      syncFit(box);
      break;
    }
    out.pop();
  }
  for (const el of box.querySelectorAll('[data-fit-text]')) {
    if (!overflows(box)) return;
    shorten(el, box, 0);
  }
}

function fitAll() {
  if (!shell) return;
  for (const box of shell.stage.querySelectorAll('.fit-box')) fitBox(box);
  // A replay step with marked-up text (a proposal's changes) cannot be shortened: it is
  // made a little smaller instead, at most to 7/8 (28 px at 1920×1080).
  for (const box of shell.stage.querySelectorAll('.screen-replay-card')) {
    const step = box.querySelector('.screen-replay-current');
    if (!step || !overflows(box)) continue;
    let lo = 0.875;
    let hi = 1;
    for (let i = 0; i < 5; i += 1) {
      const mid = (lo + hi) / 2;
      step.style.zoom = String(mid);
      if (overflows(box)) hi = mid; else lo = mid;
    }
    step.style.zoom = String(lo);
  }
  // A budget result (two outcomes and a table of every plan) is made smaller as a whole.
  const zoomed = shell.stage.querySelector('[data-fit-zoom]');
  if (zoomed && overflows(shell.stage)) {
    let lo = 0.5;
    let hi = 1;
    for (let i = 0; i < 6; i += 1) {
      const mid = (lo + hi) / 2;
      zoomed.style.zoom = String(mid);
      if (overflows(shell.stage)) hi = mid; else lo = mid;
    }
    zoomed.style.zoom = String(lo);
  }
}

// ---------------------------------------------------------------- reveals

function decisionKey(d) {
  return d ? JSON.stringify(d) : '';
}

/** Queue a full-screen reveal for every table whose decision is new since the last state. */
function trackDecisions(view) {
  const tables = view.tables || [];
  if (!S.seen) {
    // A screen that opens (or reloads) mid-game does not replay earlier results.
    S.seen = new Map(tables.map((tb) => [tb.table, decisionKey(tb.decision)]));
    return;
  }
  let added = 0;
  for (const tb of tables) {
    const key = decisionKey(tb.decision);
    if (tb.decision && S.seen.get(tb.table) !== key && S.current !== tb.table && !S.queue.includes(tb.table)) {
      S.queue.push(tb.table);
      added += 1;
    }
    S.seen.set(tb.table, key);
  }
  if (!added) return;
  S.revealOf += added;
  if (S.current === null) showNextReveal(false);
}

function showNextReveal(draw = true) {
  clearTimeout(S.revealTimer);
  S.revealTimer = null;
  const tables = (S.view && S.view.tables) || [];
  let next = null;
  while (S.queue.length && next === null) {
    const k = S.queue.shift();
    if (tables.some((tb) => tb.table === k && tb.decision)) next = k;
  }
  S.current = next;
  if (next === null) {
    S.revealNo = 0;
    S.revealOf = 0;
  } else {
    S.revealNo += 1;
    const d = tables.find((tb) => tb.table === next).decision;
    announce(t('decision.tableHead', { n: next, result: d.reached ? t('decision.reached') : t('decision.notReached') }));
    S.revealTimer = setTimeout(() => showNextReveal(), INTERVAL);
  }
  if (draw) render();
}

function revealStage(tb, lang) {
  const d = tb.decision;
  const reached = !!d.reached;
  const id = uid('reveal');
  // Per-role bars (absent under a secret ballot), the conditions and the objections; when
  // there is none of these, the result takes the whole width.
  const side = [chartFigure(d, tb.table),
    textList(d.conditions, 'decision.conditions', 3, lang, 200),
    textList(d.objections, 'decision.objections', 3, lang, 200)].filter(Boolean);
  return h('section', { class: ['screen-reveal', reached ? 'is-reached' : 'is-not-reached'], testid: 'reveal', dataset: { table: tb.table }, 'aria-labelledby': id },
    h('div', { class: 'reveal-body', testid: `decision-${tb.table}`, dataset: { reached: String(reached) } },
      h('div', { class: 'reveal-main fit-box' },
        h('p', { class: 'reveal-kicker' }, t('screen.revealKicker'), S.revealOf > 1 ? ` · ${t('screen.revealCount', { i: S.revealNo, n: S.revealOf })}` : ''),
        h('h2', { id, class: ['reveal-verdict', reached ? 'is-reached' : 'is-not-reached'] },
          icon(reached ? 'reached' : 'not_reached'),
          h('span', null, t('decision.tableHead', { n: tb.table, result: reached ? t('decision.reached') : t('decision.notReached') }))),
        countsList(d, 'is-big'),
        reasonsBlock(d, 3)),
      side.length ? h('div', { class: 'reveal-side fit-box' }, side) : null));
}

// ---------------------------------------------------------------- paging

function restartPaging() {
  clearInterval(S.pageTimer);
  S.pageTimer = null;
  if (S.pages > 1 && S.current === null) {
    S.pageTimer = setInterval(() => {
      S.page = (S.page + 1) % S.pages;
      render();
    }, INTERVAL);
  }
}

function setPages(n) {
  const changed = n !== S.pages;
  S.pages = n;
  if (S.page >= n) S.page = 0;
  const running = !!S.pageTimer;
  const wanted = n > 1 && S.current === null;
  if (changed || running !== wanted) restartPaging();
}

/** The phase right after a budget round shows that round's result on the stage. */
function budgetResultNow(view, phase) {
  const results = view.budgets || [];
  if (!results.length) return null;
  const rounds = view.rounds || [];
  if (phase.kind === 'finished') return results[results.length - 1];
  const before = rounds[phase.index - 1];
  return before && before.kind === 'budget' ? results[results.length - 1] : null;
}

// ---------------------------------------------------------------- stages

function lobbyStage(view, lang) {
  const lobby = view.lobby || [];
  return h('div', { class: 'screen-lobby' },
    h('div', { class: 'screen-lobby-text fit-box' },
      h('p', { class: 'screen-step' }, t('screen.scanOr')),
      h('p', { class: 'screen-address', testid: 'join-address' }, joinHost()),
      h('p', { class: 'screen-step' }, t('screen.typeCode')),
      h('p', { class: 'screen-code', testid: 'room-code' }, code),
      view.locked ? h('p', { class: 'notice' }, icon('lock'), ' ', t('screen.locked')) : null,
      h('p', { class: 'screen-count', testid: 'screen-count' }, icon('person'), ' ', t('screen.count', { n: lobby.length })),
      h('ul', { class: 'chips', 'aria-label': t('screen.names'), dataset: { fitList: 'screen.moreNames' } },
        // The earliest names make room first: the newest arrivals stay in sight.
        lobby.map((p, i) => {
          const li = personName(p, { lang, cls: 'chip', tag: 'li' });
          li.dataset.fitRank = String(1000 + lobby.length - i);
          return li;
        }),
        h('li', { class: 'fit-more-item' }, fitMore()))),
    h('div', { class: 'screen-lobby-qr' }, qr(360), h('p', { class: 'screen-step' }, t('screen.step2'))));
}

function briefingCard(tb, lang) {
  const ps = players(tb);
  return tableCard(tb, 'is-briefing',
    h('p', { class: 'screen-table-count' }, t('table.readyCount', { k: ps.filter((p) => p.ready).length, n: ps.length })),
    eventBox(tb.event, lang),
    peopleList(tb, lang, true));
}

function noteWall(tb, phase) {
  const notes = (tb.notes || []).map((n, i) => ({ n, i })).filter((x) => x.n.round === phase.index);
  if (!notes.length) return h('p', { class: 'screen-empty', testid: 'wall-empty' }, t('screen.noNotes'));
  const kinds = [...new Set([...(phase.notes || []), ...notes.map((x) => x.n.kind)])];
  // The oldest notes drop off first; the newest two stay even when an event card has
  // to be shortened for them.
  const age = new Map([...notes].reverse().map((x, a) => [x.i, a]));
  const rankOf = (i) => (age.get(i) < 2 ? 800 + age.get(i) : 1000 + age.get(i));
  return h('div', { class: 'screen-wall', testid: 'wall', dataset: { fitList: 'screen.moreNotes', total: notes.length } },
    kinds.map((kind) => {
      const list = notes.filter((x) => x.n.kind === kind).reverse();
      if (!list.length) return null;
      return h('section', { class: ['wall-group', `wall-${kind}`], dataset: { fitGroup: '', kind }, 'aria-label': noteKindName(kind) },
        h('h3', { class: 'wall-kind' }, noteKindName(kind), ' ', h('span', { class: 'screen-n' }, `(${list.length})`)),
        h('ul', { class: 'wall-notes' }, list.map(({ n, i }) => h('li', {
          class: ['wall-note', n.hidden && 'is-hidden'], testid: 'wall-note', dataset: { kind, fitRank: String(rankOf(i)) },
        }, h('span', { class: 'text-block wall-note-text' }, n.text)))));
    }),
    fitMore());
}

function discussionCard(tb, phase, lang) {
  const withNotes = Array.isArray(tb.notes);
  if (withNotes) {
    return tableCard(tb, 'is-wall', namesLine(tb, lang), eventBox(tb.event, lang), noteWall(tb, phase));
  }
  // Without screen_notes the screen learns nothing of what a table writes: no counts.
  return tableCard(tb, 'is-talk', eventBox(tb.event, lang),
    h('p', { class: 'screen-guide' }, icon('person'), ' ', t('screen.talk')),
    peopleList(tb, lang));
}

function proposalCard(tb, lang, wide) {
  if (tb.decision && tb.decision.reached) {
    return tableCard(tb, 'is-decided', h('p', { class: 'screen-guide' }, t('screen.decidedEarlier')), decisionBlock(tb, { wide, lang }));
  }
  let body;
  if (tb.proposal === undefined) {
    body = h('p', { class: 'screen-guide', testid: 'writing' }, icon('event'), ' ', t('screen.writing', { n: tb.table }));
  } else if (!tb.proposal) {
    body = h('p', { class: 'screen-empty', testid: 'no-proposal' }, t('screen.noProposal'));
  } else {
    body = h('div', { class: 'screen-proposal', testid: 'proposal' },
      h('p', { class: 'screen-proposal-version' }, t('screen.proposalVersion', { n: tb.proposal.version || 1 })),
      fitText(tb.proposal.text, { tag: 'blockquote', cls: 'screen-proposal-text', rank: 50 }));
  }
  return tableCard(tb, 'is-proposal',
    namesLine(tb, lang),
    tb.decision ? decisionBlock(tb, { lang, label: t('decision.previous') }) : null,
    body);
}

function voteCard(tb, phase, lang, wide) {
  const revealed = Array.isArray(phase.revealed) && phase.revealed.includes(tb.table);
  if (tb.decision && tb.decision.reached && !revealed) {
    return tableCard(tb, 'is-decided', h('p', { class: 'screen-guide' }, t('screen.decidedEarlier')), decisionBlock(tb, { lang }));
  }
  if (tb.proposal === null && !revealed) {
    return tableCard(tb, 'is-out', h('p', { class: 'screen-guide', testid: 'sits-out' }, t('screen.sitsOut')), namesLine(tb, lang));
  }
  const ps = players(tb);
  const k = votedCount(tb);
  const secret = ps.some((p) => p.voted === undefined);
  const meter = h('div', { class: 'screen-meter', 'aria-hidden': 'true' },
    ps.map((p, i) => h('span', { class: ['meter-seat', i < k && 'is-on'] })));
  return tableCard(tb, revealed ? 'is-revealed' : 'is-voting',
    h('p', { class: 'screen-table-count', testid: 'voted-count' }, t('table.votedCount', { k, n: ps.length })),
    revealed ? null : meter,
    revealed && tb.decision ? decisionBlock(tb, { wide, lang }) : null,
    revealed || secret ? null : h('ul', { class: 'screen-people', 'aria-label': t('screen.players'), dataset: { fitList: 'screen.more' } },
      ps.map((p, i) => h('li', { dataset: { fitRank: String(500 + ps.length - i) } },
        personName(p, { lang }), ' ',
        p.voted ? h('span', { class: 'badge badge-done' }, icon('check'), h('span', null, t('player.voted')))
          : h('span', { class: 'badge badge-waiting' }, h('span', null, t('screen.notYet'))))),
      h('li', { class: 'fit-more-item' }, fitMore())));
}

function resultCard(tb, lang, wide) {
  if (!tb.decision) {
    return tableCard(tb, 'is-out', h('p', { class: 'screen-guide' }, t('screen.noDecision')), namesLine(tb, lang));
  }
  return tableCard(tb, 'is-result', decisionBlock(tb, { wide, lang }));
}

/**
 * A closed budget round on the stage, in two parts that take turns on a wide screen
 * (app.css): the two outcomes side by side, then every plan's approvals. Both stay in the
 * page (a phone-sized window shows them one under the other).
 */
function budgetPage(result, part, lang, projects) {
  return h('div', { class: 'screen-budget-result', dataset: { fitZoom: '', show: part } },
    h('p', { class: 'screen-page screen-budget-part', testid: 'budget-part' }, t('screen.budgetPart', { i: part === 'outcomes' ? 1 : 2, n: 2 })),
    budgetResult(result, { lang, headingLevel: 2, projects }));
}

function budgetStage(view, phase, lang) {
  const sent = ballotsSent(view);
  return h('div', { class: 'screen-budget' },
    h('p', { class: 'screen-count', testid: 'ballots-sent' }, t('budget.sentCount', sent)),
    h('ul', { class: 'screen-projects', 'aria-label': t('budget.legend') }, phase.budget.projects.map((p) =>
      h('li', { class: 'screen-project' }, h('span', { lang }, p.title), ' ', h('strong', null, euros(p.cost, lang))))));
}

function tableGrid(view, phase, lang, build) {
  const tables = view.tables || [];
  const from = S.page * PAGE_SIZE;
  const shown = tables.slice(from, from + PAGE_SIZE);
  const wide = shown.length <= 2;
  return h('section', { class: 'screen-tables', 'aria-label': t('screen.tables') },
    tables.length > PAGE_SIZE ? h('p', { class: 'screen-page', testid: 'page-label' },
      t('screen.pageLabel', { from: shown[0].table, to: shown[shown.length - 1].table, n: tables.length })) : null,
    h('div', { class: ['screen-grid', `cols-${Math.max(1, shown.length)}`] }, shown.map((tb) => build(tb, wide))));
}

function stage(view, phase, lang) {
  const tables = view.tables || [];
  const kind = phase.kind;
  if (S.current !== null) {
    const tb = tables.find((x) => x.table === S.current);
    if (tb && tb.decision) return revealStage(tb, lang);
  }
  if (kind === 'lobby') return lobbyStage(view, lang);
  if (kind === 'budget' && phase.budget) return budgetStage(view, phase, lang);
  const budget = budgetResultNow(view, phase);
  // The case's projects name the ids of a result (view.scenario.budget).
  const projects = (view.scenario && view.scenario.budget && view.scenario.budget.projects) || [];
  const tablePages = Math.ceil(tables.length / PAGE_SIZE);
  if (budget && kind !== 'finished') return budgetPage(budget, S.page % 2 ? 'table' : 'outcomes', lang, projects);
  if (!tables.length) return null;
  if (kind === 'finished' && budget && S.page >= tablePages) {
    return budgetPage(budget, S.page > tablePages ? 'table' : 'outcomes', lang, projects);
  }
  if (kind === 'briefing') {
    const sc = view.scenario || {};
    return h('div', { class: 'screen-briefing' },
      h('section', { class: 'screen-case', 'aria-labelledby': 'screen-case-title' },
        h('h2', { id: 'screen-case-title', lang }, sc.title || ''),
        sc.summary ? h('p', { class: 'screen-summary', lang }, sc.summary) : null),
      tableGrid(view, phase, lang, (tb) => briefingCard(tb, lang)));
  }
  if (kind === 'discussion') return tableGrid(view, phase, lang, (tb) => discussionCard(tb, phase, lang));
  if (kind === 'proposal') return tableGrid(view, phase, lang, (tb, wide) => proposalCard(tb, lang, wide));
  if (kind === 'vote') return tableGrid(view, phase, lang, (tb, wide) => voteCard(tb, phase, lang, wide));
  return tableGrid(view, phase, lang, (tb, wide) => resultCard(tb, lang, wide));
}

function topBar(view, phase, rounds, lang) {
  const kind = phase.kind;
  const sc = view.scenario || {};
  let kicker;
  let title;
  let text = null;
  if (kind === 'lobby') {
    kicker = h('p', { class: 'kicker', lang }, sc.title || '');
    title = t('screen.joinTitle');
  } else if (kind === 'finished') {
    kicker = h('p', { class: 'kicker', lang }, sc.title || '');
    title = t('screen.finished');
    text = h('p', { class: 'screen-prompt' }, t('screen.finishedText'));
  } else {
    kicker = h('p', { class: 'kicker' }, progressText(phase, rounds), ' · ', kindName(kind));
    title = phase.title || kindName(kind);
    text = phase.prompt
      ? h('p', { class: 'text-block screen-prompt', testid: 'screen-prompt', lang }, phase.prompt)
      : h('p', { class: 'screen-prompt' }, t(`screen.help.${kind}`));
  }
  const inRound = kind !== 'lobby' && kind !== 'finished';
  // At 0:00 the clock turns red and says so in words (app.css shows .countdown-up then).
  // It never moves the room on: only the facilitator (or the server's auto-advance) does.
  const clock = inRound ? countdown(phase.deadline, { big: true }) : null;
  if (clock) clock.append(h('span', { class: 'countdown-up', testid: 'time-up' }, icon('clock'), h('span', null, t('screen.timeUp'))));
  return h('div', { class: ['screen-top', `is-${kind}`], testid: 'phase', dataset: { phaseKind: kind, phaseIndex: phase.index } },
    h('div', { class: 'screen-titles' }, kicker, h('h1', { lang: kind === 'lobby' || kind === 'finished' ? null : lang }, title), text),
    clock,
    h('div', { class: 'screen-side' },
      fullscreenButton(),
      inRound ? h('aside', { class: 'screen-corner', 'aria-label': t('screen.joinLate') },
        view.locked ? null : qr(96, 'qr-small'),
        h('p', null, view.locked ? [icon('lock'), ' ', t('screen.locked')] : [t('screen.joinLate'), ' ', h('span', { class: 'corner-code' }, code)])) : null));
}

// ---------------------------------------------------------------- replay (debrief)

const REPLAY_TABLES = 3;

/** Listen for the facilitator's replay (see the top of this file). */
function listenReplay() {
  if (typeof BroadcastChannel !== 'function') return;
  const ch = new BroadcastChannel(`democreatie-replay-${code}`);
  ch.addEventListener('message', (ev) => {
    const m = ev.data;
    if (!m || typeof m !== 'object' || m.type !== 'replay' || (m.room && m.room !== code)) return;
    const was = !!S.replay;
    if (m.off) {
      S.replay = null;
    } else if (Array.isArray(m.tables) && Array.isArray(m.selected)) {
      S.replay = m;
    } else {
      return;
    }
    if (was !== !!S.replay) announce(S.replay ? t('replay.screenOn') : t('replay.screenOff'));
    if (shell) { resetRegion(shell.top); resetRegion(shell.stage); }
    render();
  });
  // A replay that is already on (this screen opened or reloaded) is sent again.
  ch.postMessage({ hello: true });
}

function replayTop(R, merged, cursor) {
  const lang = R.language || 'nl';
  const n = merged.entries.length;
  const entry = merged.entries[cursor];
  return h('div', { class: 'screen-top is-replay', testid: 'replay-top', dataset: { cursor, total: n } },
    h('div', { class: 'screen-titles' },
      h('p', { class: 'kicker screen-replay-kicker' }, icon('history'), h('span', null, t('replay.screenKicker')), ' · ',
        h('span', { lang }, (R.scenario && R.scenario.title) || '')),
      h('h1', null, n ? t('replay.step', { i: cursor + 1, n }) : t('replay.screenKicker')),
      entry ? h('p', { class: 'screen-prompt', lang }, roundLine(R.rounds, entry.step, 'replay.screenRound')) : null),
    h('div', { class: 'screen-side' }, fullscreenButton()));
}

/** One table of the replay: its current step very large, then its steps so far, small. */
function replayCard(R, tb, merged, cursor, lang, wide) {
  const id = uid('screen-replay');
  const { shown } = stepsUpTo(merged, tb.table, cursor);
  const current = shown[shown.length - 1];
  const fresh = current && current.at === cursor;
  let step = null;
  if (current && current.step.type === 'vote') {
    // A vote as the big screen always shows a table's decision (the same compact block,
    // short reasons, per-role bars when wide and the ballot was open).
    step = decisionBlock({ table: tb.table, decision: current.step }, { wide, lang });
  } else if (current) {
    step = stepView(current.step, { lang, level: 3, rounds: R.rounds, showProposal: false });
  }
  if (step && current.step.type !== 'vote') {
    // What may give way when a card is full: the round's prompt before the step's own
    // text, which is shortened last (the timeline's oldest steps go first of all).
    step.querySelectorAll('.replay-prompt').forEach((el) => { el.dataset.fitRank = '600'; });
    step.querySelectorAll('p.replay-text, blockquote.replay-text').forEach((el) => {
      if (el.classList.contains('replay-diff')) return;
      el.dataset.fitText = '';
      el.dataset.fitRank = '40';
      el.dataset.fitMin = '140';
    });
  }
  const older = shown.slice(0, -1);
  return h('article', {
    class: ['screen-card', 'fit-box', 'screen-replay-card'], testid: `screen-replay-${tb.table}`, 'aria-labelledby': id, dataset: { table: tb.table },
  },
  h('h2', { id, class: 'screen-card-head' }, t('table.n', { n: tb.table })),
  current ? h('section', { class: 'screen-replay-current', testid: `screen-replay-current-${tb.table}`, dataset: { type: current.step.type, fresh: String(!!fresh) },
    'aria-label': `${t('replay.current')}: ${t('table.n', { n: tb.table })}` },
  h('p', { class: 'replay-when' }, icon(fresh ? 'next' : 'clock'), h('span', null, fresh ? t('replay.now') : t('replay.before'))),
  step) : h('p', { class: 'screen-empty' }, t('replay.tableNotYet')),
  older.length ? h('div', { class: 'screen-replay-timeline', dataset: { fitGroup: '' } },
    h('h3', null, t('replay.timeline')),
    h('ol', { class: 'replay-timeline', 'aria-label': t('replay.timelineLabel', { n: tb.table }), dataset: { fitList: 'replay.more' } },
      // The newest last; the oldest make room first.
      older.map((x, i) => h('li', { class: ['tl-item', `tl-${x.step.type}`], dataset: { type: x.step.type, fitRank: String(1000 + older.length - i) } },
        timelineItem(x.step, { lang }))),
      h('li', { class: 'fit-more-item' }, fitMore()))) : null);
}

function replayStage(R, merged, cursor, lang) {
  const shown = (R.tables || []).filter((tb) => R.selected.includes(tb.table)).sort((a, b) => a.table - b.table).slice(0, REPLAY_TABLES);
  return h('section', { class: 'screen-tables screen-replay', testid: 'screen-replay', 'aria-label': t('replay.title') },
    h('div', { class: ['screen-grid', `cols-${Math.max(1, shown.length)}`] }, shown.map((tb) => replayCard(R, tb, merged, cursor, lang, shown.length === 1))));
}

function renderReplay() {
  const R = S.replay;
  const lang = R.language || 'nl';
  app.dataset.replay = 'on';
  const merged = mergeSteps(R.tables, R.selected);
  const cursor = Math.max(0, Math.min(merged.entries.length - 1, Number(R.cursor) || 0));
  region(shell.top, sig('replay', cursor, merged.entries.length, R.scenario, R.rounds), () => replayTop(R, merged, cursor));
  const built = region(shell.stage, sig('replay', R, window.innerWidth, window.innerHeight), () => replayStage(R, merged, cursor, lang));
  if (built) fitAll();
}

// ---------------------------------------------------------------- render

function render() {
  if (S.ended) return;
  if (!S.view) {
    shell = null;
    setChildren(app, h('h1', null, t('screen.connecting')), h('p', { class: 'lead' }, t('join.connectingText', { code })));
    app.removeAttribute('aria-busy');
    return;
  }
  if (!shell) buildShell();
  if (S.replay) {
    renderReplay();
    return;
  }
  delete app.dataset.replay;
  const view = S.view;
  const phase = view.phase || { kind: 'lobby', index: -1 };
  const rounds = view.rounds || [];
  const lang = view.language || 'nl';
  const tables = view.tables || [];
  app.dataset.phaseKind = phase.kind;
  app.dataset.phaseIndex = String(phase.index);

  // Pages: four tables at a time; right after a budget round its result in two parts,
  // which the finished screen adds to its tables.
  let pages = 1;
  if (!['lobby', 'budget'].includes(phase.kind) && S.current === null) {
    pages = Math.max(1, Math.ceil(tables.length / PAGE_SIZE));
    const budget = budgetResultNow(view, phase);
    if (budget && phase.kind === 'finished') pages += 2;
    else if (budget) pages = 2;
  }
  setPages(pages);

  region(shell.top, sig(phase, rounds.length, view.locked, view.scenario && view.scenario.title, lang), () => topBar(view, phase, rounds, lang));
  const built = region(shell.stage, sig(phase, tables, view.lobby, view.budgets, view.locked, view.scenario && view.scenario.summary,
    S.page, S.current, S.revealNo, S.revealOf, lang, window.innerWidth, window.innerHeight), () => stage(view, phase, lang));
  if (built) fitAll();
}

let resizeTimer = null;
function onResize() {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => { if (shell) render(); }, 100);
}

function main() {
  document.documentElement.classList.add('is-screen');
  initI18n();
  onLangChange(() => {
    if (shell) for (const el of Object.values(shell)) resetRegion(el);
    updateFullscreenButton();
    if (S.ended === 'unknown') message('unknown', t('screen.unknownTitle'), t('screen.unknownText', { code }));
    else render();
  });
  if (!code || !isValidCode(code)) {
    S.ended = 'invalid';
    message('invalid', t('join.invalidTitle'), t('join.invalidText', { code: code || '' }));
    return;
  }
  document.addEventListener('keydown', onKey);
  window.addEventListener('resize', onResize);
  listenReplay();
  conn = new RoomSocket({
    session: () => (S.ended ? null : { type: 'watch', room: code }),
    onStatus: (s) => bannerFor(s),
    onMessage: (msg) => {
      if (msg.type === 'state') {
        S.view = msg.view;
        syncClock((msg.view && msg.view.server_time) || msg.server_time);
        if (msg.view && msg.view.language) followRoomLang(msg.view.language);
        const ph = (msg.view && msg.view.phase) || {};
        if (S.lastPhase !== null && S.lastPhase !== ph.index) {
          S.page = 0;
          announce(ph.kind === 'finished' ? t('announce.finished') : t('announce.round', { title: ph.title || '', kind: kindName(ph.kind) }));
        }
        S.lastPhase = ph.index;
        trackDecisions(msg.view || {});
        render();
      } else if (msg.type === 'error' && msg.code === 'unknown_room') {
        S.ended = 'unknown';
        conn.stop();
        message('unknown', t('screen.unknownTitle'), t('screen.unknownText', { code }));
      }
    },
  });
  render();
  conn.start();
}

main();
