// host/dashboard.js: /host?room=CODE (or /host/CODE, the host link): the facilitator
// runs a room.
//
// This file holds the room's state, the WebSocket session as host (with the
// token from localStorage, "democreatie.host.CODE", so a reload resumes) and the
// page's end states (wrong code, no or bad token, unknown room, replaced by
// another tab, deleted). The panels each live in their own module and re-render
// only when their data changed (region()):
//   room-info.js  storage banner; code, join URL, QR, big-screen link, host link
//   controls.js   the round now and start/next/reveal/extend/lock/end
//   lobby.js      who joined, with hide-name and kick
//   tables.js     every table in full, with hide-note, hide-name and kick (moderation.js)
//   ../budget.js  a budget round's count of ballots and, once closed, both outcomes
//   reports.js    report downloads and deleting the room
//   debrief.js    "Terugkijken" in a debrief round and after the game: each table's path
//                 step by step, who was heard, the printable report, the big screen
//
// The panels share `ctx`: { code, S, conn, render, showEnded }.

import {
  h, setChildren, region, resetRegion, storage, KEYS, isValidCode, RoomSocket, bannerFor, syncClock, announce,
  namesOf, sig,
} from '../common.js';
import { t, onLangChange } from '../i18n.js';
import { kindName, roundPlan, errorText } from '../ui.js';
import { renderStorageBanner, renderRoomInfo } from './room-info.js';
import { renderControls, controlStatus, budgetCounted } from './controls.js';
import { renderLobby } from './lobby.js';
import { renderTables } from './tables.js';
import { renderReports } from './reports.js';
import { renderDebrief, stopDebrief } from './debrief.js';
import { ballotsSent, renderBudgetResult } from '../budget.js';

/** `opts.token`: a host token from the host link (it wins over a stored one). */
export function dashboard(app, code, opts = {}) {
  const S = {
    view: null,
    token: opts.token || storage.get(KEYS.host(code)),
    ended: null, // replaced | invalid | unknown | deleted
    kickConfirm: null, // player_id whose kick waits for "yes"
    endConfirm: false,
    nextConfirm: false, // "not everyone voted yet: go on anyway?" is shown
    hostQr: null, // the host link's QR code: {state: 'loading'|'ok'|'error', src}
    deleteConfirm: false,
    lastPhase: null,
    reportStatus: '', // {text, error} under the report buttons
  };
  const ctx = { code, S, conn: null, render, showEnded };
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
    stopDebrief(ctx);
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

  const conn = new RoomSocket({
    session: () => (S.ended ? null : { type: 'host', room: code, host_token: S.token }),
    onStatus: (s) => bannerFor(s),
    onMessage: (msg) => {
      if (msg.type === 'state') {
        S.view = msg.view;
        syncClock((msg.view && msg.view.server_time) || msg.server_time);
        const ph = (msg.view && msg.view.phase) || {};
        if (S.lastPhase !== null && S.lastPhase !== ph.index) {
          S.endConfirm = false;
          S.nextConfirm = false;
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
          // Not the answer to a command of ours (those are shown where they were sent).
          controlStatus(errorText(msg), true);
        }
      }
    },
  });
  ctx.conn = conn;

  function buildShell() {
    const mk = (id, tag = 'div', attrs = {}) => h(tag, { id, class: `region region-${id}`, ...attrs });
    shell = {
      title: h('h1', { class: 'game-title' }),
      storage: mk('storage-banner', 'div'),
      room: mk('room-info', 'section', { 'aria-labelledby': 'room-heading' }),
      controls: mk('controls', 'section', { 'aria-labelledby': 'controls-heading' }),
      plan: mk('plan', 'section', { 'aria-labelledby': 'plan-heading' }),
      replay: mk('replay', 'section', { 'aria-labelledby': 'replay-heading' }),
      lobby: mk('lobby', 'section', { 'aria-labelledby': 'lobby-heading' }),
      budgetCount: mk('budget-count', 'div'),
      budget: mk('budget-result', 'div'),
      tables: mk('tables', 'section', { 'aria-labelledby': 'tables-heading' }),
      reports: mk('reports', 'section', { 'aria-labelledby': 'reports-heading' }),
    };
    setChildren(app, shell.title, shell.storage,
      h('div', { class: 'dash' },
        h('div', { class: 'dash-side' }, shell.room, shell.controls, shell.plan, shell.reports),
        h('div', { class: 'dash-main' }, shell.replay, shell.lobby, shell.budgetCount, shell.budget, shell.tables)));
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

    renderStorageBanner(shell.storage, view);
    renderRoomInfo(shell.room, ctx, view);
    renderControls(shell.controls, ctx, view, phase, rounds);
    region(shell.plan, sig(rounds, phase.index), () => [
      h('h2', { id: 'plan-heading' }, t('host.plan')),
      roundPlan(rounds, phase.kind === 'finished' ? rounds.length : phase.index),
    ]);
    renderDebrief(shell.replay, ctx, view, phase);
    renderLobby(shell.lobby, ctx, view, phase);
    const sent = ballotsSent(view);
    // Once counted (`reveal`), the ballots are gone: say so instead of "0 of n chose".
    const counted = phase.kind === 'budget' && budgetCounted(view, phase);
    region(shell.budgetCount, sig(phase.kind, sent, counted), () => {
      if (phase.kind !== 'budget') return null;
      return counted
        ? h('p', { class: 'table-progress panel', testid: 'ballots-counted' }, t('host.revealedBudget'))
        : h('p', { class: 'table-progress panel', testid: 'ballots-sent' }, t('budget.sentCount', sent));
    });
    renderBudgetResult(shell.budget, view, { lang, headingLevel: 2 });
    renderTables(shell.tables, ctx, view, phase, names, lang);
    renderReports(shell.reports, ctx);
  }

  onLangChange(() => {
    if (shell) for (const el of Object.values(shell)) resetRegion(el);
    if (S.ended) showEnded(); else render();
  });

  render();
  conn.start();
}
