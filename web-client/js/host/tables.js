// host/tables.js: once the game has started, every table in full: who sits
// there (role, connected, ready/voted, real-life role, an open vote with its
// condition or reason, their role card), the event card, the proposal, the
// decision (with its reasons in words) and the notes, with the moderation buttons
// (moderation.js). In a vote round, a table that still votes has its own "show the
// result of table k" button (`reveal` with `table`); the others say why they do not vote.

import { h, region, uid, sig, announce } from '../common.js';
import { t } from '../i18n.js';
import {
  roleBadge, choiceBadge, connBadge, textBlock, cardView, eventView, decisionView, notesView, progressBadges,
  roleName, personName, hiddenBadge, votedCount, errorText,
} from '../ui.js';
import { icon } from '../icons.js';
import { hideNameControl, kickControl, noteTools } from './moderation.js';
import { stillVotes, controlStatus } from './controls.js';

/** `ctx`: the dashboard's { S, conn, render }. Empty in the lobby. */
export function renderTables(el, ctx, view, phase, names, lang) {
  region(el, sig(view.tables, phase.kind, phase.index, phase.revealed, ctx.S.kickConfirm, [...names]), () => {
    const tables = view.tables || [];
    if (phase.kind === 'lobby') return null;
    if (!tables.length) return [h('h2', { id: 'tables-heading' }, t('host.tables')), h('p', { class: 'muted' }, t('host.noTables'))];
    return [h('h2', { id: 'tables-heading' }, t('host.tables')),
      h('p', { class: 'hint' }, t('host.moderationHint')),
      h('div', { class: 'tables' }, tables.map((tb) => tableView(ctx, tb, view, phase, names, lang)))];
  });
}

function tableView(ctx, tb, view, phase, names, lang) {
  const players = tb.players || [];
  // Under a secret ballot nobody's vote is shown, not even here.
  const secret = !!(view.scenario && view.scenario.decision && view.scenario.decision.secret_ballot);
  const headId = uid('table');
  const k = phase.kind === 'vote' ? votedCount(tb) : players.filter((p) => p.ready).length;
  return h('article', { class: 'table-card panel', testid: `table-${tb.table}`, 'aria-labelledby': headId },
    h('h3', { id: headId }, t('table.n', { n: tb.table })),
    ['briefing', 'debrief', 'vote'].includes(phase.kind)
      ? h('p', { class: 'table-progress' }, phase.kind === 'vote' ? t('table.votedCount', { k, n: players.length }) : t('table.readyCount', { k, n: players.length }))
      : null,
    phase.kind === 'vote' ? voteState(ctx, tb, phase) : null,
    h('ul', { class: 'people people-host' }, players.map((p) => h('li', { class: 'person', testid: 'table-player', dataset: { playerId: p.player_id, connected: String(!!p.connected), role: p.role, nameHidden: p.name_hidden ? 'true' : null } },
      h('div', { class: 'person-line' },
        personName(p),
        p.name_hidden ? hiddenBadge(t('host.nameHiddenBadge'), `name-hidden-${p.player_id}`) : null,
        roleBadge(p.role), connBadge(p.connected), progressBadges(p, phase.kind), hideNameControl(ctx, p), kickControl(ctx, p)),
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
    // The proposal voted on is shown above already when it is still the table's text.
    tb.decision ? decisionView(tb.decision, { names, lang, headingLevel: 4,
      showProposal: !(tb.proposal && tb.proposal.text === tb.decision.proposal) }) : null,
    h('details', { class: 'table-section', open: phase.kind === 'discussion' || null, 'data-keep': `notes-${tb.table}-${phase.kind === 'discussion'}` },
      h('summary', null, t('notes.title', { n: (tb.notes || []).length })),
      notesView(tb.notes, { names, rounds: view.rounds, currentIndex: phase.index, lang, headingLevel: 5, tools: noteTools(ctx, tb.table, names) })));
}

/**
 * In a vote round: the button that shows this table's result now (while it still
 * votes), or why the table does not vote (any more) in this round.
 */
function voteState(ctx, tb, phase) {
  const k = tb.table;
  if (stillVotes(tb, phase)) {
    const key = `reveal-table-${k}`;
    const b = h('button', { type: 'button', class: 'btn btn-small btn-secondary', testid: key, 'data-focus-key': key },
      icon('shown'), h('span', null, t('host.revealTable', { n: k })));
    b.addEventListener('click', async () => {
      b.disabled = true;
      try {
        await ctx.conn.request({ type: 'reveal', table: k });
        announce(t('host.revealedTable', { n: k }));
      } catch (err) {
        b.disabled = false;
        controlStatus(errorText(err), true);
      }
    });
    return h('div', { class: 'button-row table-reveal' }, b);
  }
  let state = 'no-proposal';
  if ((phase.revealed || []).includes(k)) state = 'revealed';
  else if (tb.decision && tb.decision.reached) state = 'decided';
  const text = { 'no-proposal': 'host.tableNoProposal', revealed: 'host.tableRevealed', decided: 'host.tableDecided' }[state];
  return h('p', { class: 'muted small', testid: `table-vote-state-${k}`, dataset: { state } }, t(text));
}
