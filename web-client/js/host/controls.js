// host/controls.js: the round now (title, kind, countdown, prompt) and the
// buttons that run the room: start, next round (or finish), extend the time,
// lock/unlock, end (after a "sure?"). Errors of these commands, and of the
// moderation buttons elsewhere on the page, are shown in #control-status.

import { h, region, countdown, announce, limit, sig } from '../common.js';
import { t } from '../i18n.js';
import { kindName, textBlock, progressText, errorText, formStatus } from '../ui.js';
import { icon } from '../icons.js';

// The "+1 min" and "+5 min" buttons; one the server would refuse (over its
// extend_seconds limit) is not offered.
const EXTEND_SECONDS = [60, 300];

/** Show a sentence by the controls (an error, or what happened). */
export function controlStatus(text, isError) {
  const el = document.getElementById('control-status');
  if (el && el.set) el.set(text, isError);
}

/** `ctx`: the dashboard's { S, conn, render }. */
export function renderControls(el, ctx, view, phase, rounds) {
  const { S } = ctx;
  const nextTitle = rounds[phase.index + 1] ? rounds[phase.index + 1].title : null;
  region(el, sig(phase, view.locked, S.endConfirm, rounds.length, (view.lobby || []).length), () => {
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
      items.push(btn('host-next', last ? t('host.finish') : t('host.next', { title: nextTitle || '' }), 'btn-primary btn-large', () => send({ type: 'next' })));
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
