// host/lobby.js: before the start, who joined: name (marked when hidden),
// connected or not, real-life role, and the hide-name and kick buttons.

import { h, region, sig } from '../common.js';
import { t } from '../i18n.js';
import { roleBadge, connBadge, personName, hiddenBadge } from '../ui.js';
import { hideNameControl, kickControl } from './moderation.js';

/** `ctx`: the dashboard's { S, conn, render }. Empty once the game has started. */
export function renderLobby(el, ctx, view, phase) {
  region(el, sig(view.lobby, phase.kind, ctx.S.kickConfirm), () => {
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
        hideNameControl(ctx, p),
        kickControl(ctx, p))))
        : h('p', { class: 'muted', testid: 'lobby-empty' }, t('host.lobbyEmpty')),
    ];
  });
}
