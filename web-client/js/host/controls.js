// host/controls.js: the round now (title, kind, countdown, prompt) and the
// buttons that run the room: start, show the result (a vote round's tally, or a
// budget round's count, without closing the round), next round (or finish; in a
// vote round where people still have to vote, after a "sure?"), extend the time,
// lock/unlock, end (after a "sure?"). Errors of these commands, and of the
// moderation buttons elsewhere on the page, are shown in #control-status.

import { h, region, countdown, announce, limit, sig } from '../common.js';
import { t } from '../i18n.js';
import { kindName, textBlock, progressText, errorText, formStatus, votedCount } from '../ui.js';
import { icon } from '../icons.js';

// The "+1 min" and "+5 min" buttons; one the server would refuse (over its
// extend_seconds limit) is not offered.
const EXTEND_SECONDS = [60, 300];

/** Show a sentence by the controls (an error, or what happened). */
export function controlStatus(text, isError) {
  const el = document.getElementById('control-status');
  if (el && el.set) el.set(text, isError);
}

/**
 * Whether table `tb` still votes in the vote round `phase`: it has a proposal, no
 * earlier decision that was reached, and was not tallied in this round yet
 * (PROTOCOL.md, version 2, `phase.revealed`).
 */
export function stillVotes(tb, phase) {
  if (!phase || phase.kind !== 'vote') return false;
  return !!tb.proposal && !(tb.decision && tb.decision.reached) && !(phase.revealed || []).includes(tb.table);
}

/** Over the tables that still vote: how many seated players voted (k) of how many (n). */
export function pendingVotes(view, phase) {
  const voting = (view.tables || []).filter((x) => stillVotes(x, phase));
  let k = 0;
  let n = 0;
  for (const tb of voting) {
    k += votedCount(tb);
    n += (tb.players || []).length;
  }
  return { k, n, tables: voting.length };
}

/** In a budget round: whether its ballots were counted already (`budgets` has this round). */
export function budgetCounted(view, phase) {
  return (view.budgets || []).some((b) => b.round === phase.index);
}

/** `ctx`: the dashboard's { S, conn, render }. */
export function renderControls(el, ctx, view, phase, rounds) {
  const { S } = ctx;
  const nextTitle = rounds[phase.index + 1] ? rounds[phase.index + 1].title : null;
  const votes = pendingVotes(view, phase);
  const counted = phase.kind === 'budget' && budgetCounted(view, phase);
  // "Not everyone voted yet": asked only while it is still true.
  const askNext = S.nextConfirm && votes.n > votes.k;
  // Only what changes the buttons is in the signature (not every single vote), so that a
  // vote coming in does not rebuild the controls under the facilitator's hands.
  const voteSig = [votes.tables > 0, votes.n > votes.k, askNext ? [votes.k, votes.n] : null];
  region(el, sig(phase, view.locked, S.endConfirm, voteSig, counted, rounds.length, (view.lobby || []).length), () => {
    const status = formStatus('control-status');
    status.id = 'control-status';
    const send = async (msg, okText) => {
      status.set('');
      try {
        await ctx.conn.request(msg);
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
      const nextLabel = last ? t('host.finish') : t('host.next', { title: nextTitle || '' });
      // Show the result now, separate from going on: every table that still votes
      // (a vote round), or the ballots of the whole room (a budget round).
      if ((phase.kind === 'vote' && votes.tables > 0) || (phase.kind === 'budget' && !counted)) {
        items.push(btn('host-reveal', t('host.reveal'), 'btn-secondary btn-large',
          () => send({ type: 'reveal' }, t(phase.kind === 'budget' ? 'host.revealedBudget' : 'host.revealed')), 'shown'));
        items.push(h('p', { class: 'hint', testid: 'reveal-hint' }, t(phase.kind === 'budget' ? 'host.revealBudgetHint' : 'host.revealHint')));
      }
      if (askNext) {
        items.push(h('div', { class: 'confirm', role: 'group', 'aria-labelledby': 'next-q', testid: 'next-confirm' },
          h('p', { id: 'next-q', tabindex: '-1', 'data-focus-key': 'host-next' }, t('host.nextQuestion', { k: votes.k, n: votes.n })),
          h('div', { class: 'button-row' },
            btn('host-next-confirm', t('host.nextYes'), 'btn-primary', () => { S.nextConfirm = false; send({ type: 'next' }); }),
            btn('host-next-cancel', t('host.nextNo'), 'btn-secondary', () => { S.nextConfirm = false; ctx.render(); }))));
        // Cancel puts the focus back on "next".
        items[items.length - 1].querySelector('[data-testid="host-next-cancel"]').setAttribute('data-focus-key', 'host-next');
      } else {
        items.push(btn('host-next', nextLabel, 'btn-primary btn-large', () => {
          const now = ctx.S.view ? pendingVotes(ctx.S.view, ctx.S.view.phase || phase) : votes;
          if (phase.kind === 'vote' && now.n > now.k) { S.nextConfirm = true; ctx.render(); return; }
          send({ type: 'next' });
        }));
      }
      const extend = EXTEND_SECONDS.filter((s) => s <= limit('extend_seconds')).map((s) => {
        const n = s / 60;
        return btn(`host-extend-${s}`, t('host.extend', { n }), 'btn-secondary', () => send({ type: 'extend', seconds: s }, t('host.extended', { n })), 'clock');
      });
      items.push(h('div', { class: 'button-row' }, extend));
    }
    if (phase.kind !== 'finished') {
      const lock = btn('host-lock', view.locked ? t('host.unlock') : t('host.lock'), 'btn-secondary',
        () => send({ type: 'lock', locked: !view.locked }), view.locked ? 'unlock' : 'lock');
      lock.setAttribute('aria-pressed', view.locked ? 'true' : 'false');
      const row = [lock];
      if (!S.endConfirm) {
        row.push(btn('host-end', t('host.end'), 'btn-quiet', () => { S.endConfirm = true; ctx.render(); }));
      }
      items.push(h('div', { class: 'button-row' }, row));
      if (S.endConfirm) {
        items.push(h('div', { class: 'confirm', role: 'group', 'aria-labelledby': 'end-q' },
          h('p', { id: 'end-q' }, t('host.endQuestion')),
          h('div', { class: 'button-row' },
            btn('host-end-confirm', t('host.endYes'), 'btn-danger', () => { S.endConfirm = false; send({ type: 'end' }); }),
            btn('host-end-cancel', t('host.endNo'), 'btn-secondary', () => { S.endConfirm = false; ctx.render(); }))));
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
