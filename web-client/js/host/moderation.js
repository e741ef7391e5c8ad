// host/moderation.js: the facilitator's buttons on people and notes, used by the
// lobby and by every table: hide a name or a note from the participants (one
// press, undone by the next) and kick a participant (after a "sure?").
//
// `ctx` is the dashboard's: { S, conn, render }.

import { h, announce } from '../common.js';
import { t } from '../i18n.js';
import { hiddenBadge, errorText } from '../ui.js';
import { icon } from '../icons.js';
import { controlStatus } from './controls.js';

// A note is named in its button's label by its first words, not in full.
const NOTE_LABEL_CHARS = 60;

/** Send a moderation command; say what happened, or show the error by the controls. */
async function moderate(ctx, msg, okText) {
  try {
    await ctx.conn.request(msg);
    announce(okText);
  } catch (err) {
    controlStatus(errorText(err), true);
  }
}

/** "Naam verbergen" / "Naam weer tonen" for one participant (one press: it can be undone). */
export function hideNameControl(ctx, p) {
  const hidden = !!p.name_hidden;
  const key = `hide-name-${p.player_id}`;
  const b = h('button', {
    type: 'button', class: 'btn btn-small btn-quiet btn-moderate', testid: key, 'data-focus-key': key,
    dataset: { hidden: String(hidden) },
    'aria-label': t(hidden ? 'host.showNameLabel' : 'host.hideNameLabel', { name: p.name }),
  }, icon(hidden ? 'shown' : 'hidden'), h('span', null, t(hidden ? 'host.showName' : 'host.hideName')));
  b.addEventListener('click', () => moderate(ctx, { type: 'hide_name', player_id: p.player_id, hidden: !hidden },
    t(hidden ? 'host.nameShown' : 'host.nameHidden', { name: p.name })));
  return b;
}

/**
 * For notesView()'s `tools`: under each note of table `tableNo`, the words "hidden
 * from participants" when so, and "Verbergen" / "Weer tonen".
 */
export function noteTools(ctx, tableNo, names) {
  return (n, index) => {
    const hidden = !!n.hidden;
    const key = `hide-note-${tableNo}-${index}`;
    const name = names.get(n.player_id) || t('player.unknown');
    const chars = [...String(n.text || '')];
    const text = chars.length > NOTE_LABEL_CHARS ? `${chars.slice(0, NOTE_LABEL_CHARS - 3).join('')}…` : chars.join('');
    const b = h('button', {
      type: 'button', class: 'btn btn-small btn-quiet btn-moderate', testid: key, 'data-focus-key': key,
      dataset: { hidden: String(hidden) },
      'aria-label': t(hidden ? 'host.showNoteLabel' : 'host.hideNoteLabel', { name, text }),
    }, icon(hidden ? 'shown' : 'hidden'), h('span', null, t(hidden ? 'host.showNote' : 'host.hideNote')));
    b.addEventListener('click', () => moderate(ctx, { type: 'hide_note', table: tableNo, note: index, hidden: !hidden },
      t(hidden ? 'host.noteShown' : 'host.noteHidden', { name })));
    return h('div', { class: 'note-tools' },
      hidden ? hiddenBadge(t('host.noteHiddenBadge'), `note-hidden-${tableNo}-${index}`) : null,
      b);
  };
}

/** "Verwijderen" for one participant, then "yes, remove NAME" / "no". */
export function kickControl(ctx, p) {
  const { S } = ctx;
  if (S.kickConfirm === p.player_id) {
    const yes = h('button', { type: 'button', class: 'btn btn-small btn-danger', testid: `kick-confirm-${p.player_id}`, 'data-focus-key': `kick-${p.player_id}` },
      t('host.kickYes', { name: p.name }));
    const no = h('button', { type: 'button', class: 'btn btn-small btn-secondary' }, t('host.kickNo'));
    yes.addEventListener('click', async () => {
      S.kickConfirm = null;
      try { await ctx.conn.request({ type: 'kick', player_id: p.player_id }); announce(t('host.kicked', { name: p.name })); } catch (err) { controlStatus(errorText(err), true); }
      ctx.render();
    });
    no.addEventListener('click', () => { S.kickConfirm = null; ctx.render(); });
    return h('span', { class: 'button-row' }, yes, no);
  }
  const b = h('button', { type: 'button', class: 'btn btn-small btn-quiet', testid: `kick-${p.player_id}`, 'data-focus-key': `kick-${p.player_id}`,
    'aria-label': t('host.kickLabel', { name: p.name }) }, t('host.kick'));
  b.addEventListener('click', () => { S.kickConfirm = p.player_id; ctx.render(); });
  return b;
}
