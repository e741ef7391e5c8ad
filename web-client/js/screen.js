// screen.js: /screen/{CODE} — the big screen (beamer), readable from the back
// of the room. Lobby: code and QR. Rounds: title, prompt and countdown. After a
// vote: each table's decision with a chart of support per role.

import {
  h, setChildren, region, resetRegion, codeFromPath, isValidCode, RoomSocket, bannerFor, syncClock,
  countdown, announce, storage, KEYS, sig,
} from './common.js';
import { t, initI18n, onLangChange, followRoomLang } from './i18n.js';
import { kindName, textBlock, progressText, decisionView, roleBadge, personName, votedCount, hasCounts } from './ui.js';
import { decisionChart } from './chart.js';
import { icon } from './icons.js';
import { ballotsSent, euros, renderBudgetResult } from './budget.js';

const app = document.getElementById('app');
const code = codeFromPath();
const S = { view: null, ended: null, lastPhase: null };
let shell = null;
let conn = null;

function message(state, title, text) {
  shell = null;
  setChildren(app, h('div', { class: 'end-state', testid: 'end-state', dataset: { state } },
    h('h1', null, title), h('p', { class: 'lead' }, text)));
  app.removeAttribute('aria-busy');
}

function buildShell() {
  const mk = (id, tag = 'div', attrs = {}) => h(tag, { id, class: `region region-${id}`, ...attrs });
  shell = {
    corner: mk('corner'),
    head: mk('head'),
    tables: mk('screen-tables', 'section', { 'aria-labelledby': 'screen-tables-heading' }),
    decisions: mk('decisions', 'section', { 'aria-labelledby': 'decisions-heading' }),
    projects: mk('screen-projects', 'section'),
    budget: mk('screen-budget', 'section'),
  };
  setChildren(app, shell.corner, shell.head, shell.projects, shell.budget, shell.tables, shell.decisions);
  app.removeAttribute('aria-busy');
}

function qr(size) {
  return h('img', { class: 'qr', testid: 'qr', src: `/api/rooms/${code}/qr.svg`, alt: t('screen.qrAlt', { code }), width: size, height: size });
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

function render() {
  if (S.ended) return;
  if (!S.view) {
    shell = null;
    setChildren(app, h('h1', null, t('screen.connecting')), h('p', { class: 'lead' }, t('join.connectingText', { code })));
    app.removeAttribute('aria-busy');
    return;
  }
  if (!shell) buildShell();
  const view = S.view;
  const phase = view.phase || { kind: 'lobby', index: -1 };
  const rounds = view.rounds || [];
  const lang = view.language || 'nl';
  const tables = view.tables || [];
  app.dataset.phaseKind = phase.kind;
  app.dataset.phaseIndex = String(phase.index);

  region(shell.corner, sig(phase.kind === 'lobby', view.locked), () => {
    if (phase.kind === 'lobby' || phase.kind === 'finished') return null;
    return h('aside', { class: 'screen-corner', 'aria-label': t('screen.joinLate') },
      qr(96),
      h('p', null, t('screen.joinLate'), h('br'), h('span', { class: 'corner-code' }, code)),
      view.locked ? h('p', { class: 'small' }, icon('lock'), ' ', t('screen.locked')) : null);
  });

  region(shell.head, sig(phase, rounds.length, phase.kind === 'lobby' ? view.lobby : null, view.locked, view.scenario && view.scenario.title), () => {
    if (phase.kind === 'lobby') {
      const lobby = view.lobby || [];
      return h('div', { class: 'screen-lobby', testid: 'phase', dataset: { phaseKind: phase.kind, phaseIndex: phase.index } },
        h('div', { class: 'screen-lobby-text' },
          h('p', { class: 'kicker', lang }, view.scenario ? view.scenario.title : ''),
          h('h1', null, t('screen.joinTitle')),
          h('p', { class: 'screen-step' }, t('screen.step1', { host: joinHost() })),
          h('p', { class: 'screen-step' }, t('screen.step2')),
          h('p', { class: 'screen-code', testid: 'room-code' }, code),
          view.locked ? h('p', { class: 'notice' }, icon('lock'), ' ', t('screen.locked')) : null,
          h('p', { class: 'screen-count', testid: 'screen-count' }, t('screen.count', { n: lobby.length })),
          h('ul', { class: 'chips', 'aria-label': t('screen.names') }, lobby.map((p) => personName(p, { lang, cls: 'chip', tag: 'li' })))),
        qr(360));
    }
    if (phase.kind === 'finished') {
      return h('div', { class: 'screen-round', testid: 'phase', dataset: { phaseKind: phase.kind, phaseIndex: phase.index } },
        h('p', { class: 'kicker', lang }, view.scenario ? view.scenario.title : ''),
        h('h1', null, t('screen.finished')),
        h('p', { class: 'lead' }, t('screen.finishedText')));
    }
    return h('div', { class: 'screen-round', testid: 'phase', dataset: { phaseKind: phase.kind, phaseIndex: phase.index } },
      h('p', { class: 'kicker' }, progressText(phase, rounds), ' · ', kindName(phase.kind)),
      h('h1', { lang }, phase.title || kindName(phase.kind)),
      countdown(phase.deadline, { big: true }),
      phase.prompt ? textBlock(phase.prompt, { lang, cls: 'screen-prompt', testid: 'screen-prompt' }) : null,
      h('p', { class: 'screen-help' }, t(`screen.help.${phase.kind}`)));
  });

  region(shell.tables, sig(phase.kind, tables.map((tb) => [tb.table, tb.votes_cast, (tb.players || []).map((p) => [p.name, !!p.name_hidden, p.role, p.ready, p.voted, p.connected]), !!tb.decision])), () => {
    if (!tables.length || phase.kind === 'finished') return null;
    const counting = ['briefing', 'debrief', 'vote'].includes(phase.kind);
    return [
      h('h2', { id: 'screen-tables-heading' }, t('screen.tables')),
      h('ul', { class: 'screen-tables' }, tables.map((tb) => {
        const players = tb.players || [];
        const k = phase.kind === 'vote' ? votedCount(tb) : players.filter((p) => p.ready).length;
        return h('li', { class: 'screen-table', testid: `screen-table-${tb.table}` },
          h('h3', null, t('table.n', { n: tb.table })),
          counting ? h('p', { class: 'screen-table-count' },
            phase.kind === 'vote' ? t('table.votedCount', { k, n: players.length }) : t('table.readyCount', { k, n: players.length })) : null,
          h('ul', { class: 'screen-people' }, players.map((p) => h('li', null,
            personName(p, { lang }), ' ', roleBadge(p.role),
            counting && (phase.kind === 'vote' ? p.voted : p.ready)
              ? h('span', { class: 'badge badge-done' }, icon('check'), h('span', null, phase.kind === 'vote' ? t('player.voted') : t('player.ready')))
              : null))));
      })),
    ];
  });

  // A budget round: the plans and how many have chosen; after it, both outcomes.
  const sent = ballotsSent(view);
  region(shell.projects, sig(phase.kind === 'budget' && phase.budget, sent, lang), () => {
    if (phase.kind !== 'budget' || !phase.budget) return null;
    return [
      h('p', { class: 'screen-count', testid: 'ballots-sent' }, t('budget.sentCount', sent)),
      h('ul', { class: 'screen-projects', 'aria-label': t('budget.legend') }, phase.budget.projects.map((p) =>
        h('li', { class: 'screen-project' }, h('span', { lang }, p.title), ' ', h('strong', null, euros(p.cost, lang))))),
    ];
  });
  renderBudgetResult(shell.budget, phase.kind === 'budget' ? {} : view, { lang, headingLevel: 2 });

  const decided = tables.filter((tb) => tb.decision);
  region(shell.decisions, sig(decided.map((tb) => [tb.table, tb.decision])), () => {
    if (!decided.length) return null;
    return [
      h('h2', { id: 'decisions-heading' }, t('screen.decisions')),
      h('div', { class: 'screen-decisions' }, decided.map((tb) => h('article', { class: 'screen-decision', testid: `decision-${tb.table}` },
        decisionView(tb.decision, { lang, headingLevel: 3, tableNo: tb.table, showByRole: false }),
        hasCounts(tb.decision) ? h('figure', { class: 'chart-figure' },
          decisionChart(tb.decision, { caption: t('chart.caption', { n: tb.table }) }),
          h('figcaption', null, tb.decision.by_role ? t('chart.caption', { n: tb.table }) : t('chart.captionSecret', { n: tb.table }))) : null))),
    ];
  });
}

function main() {
  initI18n();
  onLangChange(() => {
    if (shell) for (const el of Object.values(shell)) resetRegion(el);
    if (S.ended === 'unknown') message('unknown', t('screen.unknownTitle'), t('screen.unknownText', { code }));
    else render();
  });
  if (!code || !isValidCode(code)) {
    S.ended = 'invalid';
    message('invalid', t('join.invalidTitle'), t('join.invalidText', { code: code || '' }));
    return;
  }
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
          announce(ph.kind === 'finished' ? t('announce.finished') : t('announce.round', { title: ph.title || '', kind: kindName(ph.kind) }));
        }
        S.lastPhase = ph.index;
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
