// replay.js: looking back at a game (the debrief), shared by the facilitator's panel
// (host/debrief.js), the big screen (screen.js) and the printable report (report.js).
//
// The data is `GET /api/rooms/{CODE}/replay.json` (host token): per table its players and
// its `steps` in the order they happened (round openings, notes, event cards, proposal
// versions with what changed, votes), and per table "who was heard" per role.
//
// - mergeSteps(): one shared cursor over the chosen tables. Their steps are put in one
//   list in order of time (a round opening, which all tables share, is one step), so
//   tables side by side stay in step with each other: at any cursor each table shows
//   the last thing that had happened there by then.
// - stepView() / timelineItem(): one step in full, or as one line of a timeline. Every
//   kind of step, note, role and outcome has an icon and a word, never colour alone.
// - heardTable(): role × people, notes, versions, support, objections ("geheim" under
//   secret ballot).
// - forScreen(): what the host may post to the big screen: no hidden note, no hidden
//   name, nobody's vote.

import { h } from './common.js';
import { t } from './i18n.js';
import { icon } from './icons.js';
import {
  ROLES, roleBadge, roleName, kindName, noteKindName, personName, hiddenBadge, textBlock, decisionView,
} from './ui.js';

/** The icon of a round kind. */
export const KIND_ICONS = {
  briefing: 'book', discussion: 'chat', proposal: 'pen', vote: 'ballot', debrief: 'history', budget: 'euro',
};

/** The icon of a note kind. */
export const NOTE_ICONS = {
  value: 'heart', condition: 'list', idea: 'bulb', question: 'question', lesson: 'flag',
};

function timeOf(step) {
  const ms = Date.parse(step && step.at);
  return Number.isFinite(ms) ? ms : 0;
}

/**
 * The steps of the chosen tables as one list in order of time (ties: the lower round,
 * then the lower table). A round opening is one step for every table that opened it
 * at that point. Returns
 *   entries:  [{ step, table (null for a shared round opening), tables: [table numbers] }]
 *   perTable: Map table -> [{ step, at }] (`at`: the entry's index, never decreasing)
 */
export function mergeSteps(tables, selected) {
  const chosen = (tables || []).filter((tb) => (selected || []).includes(tb.table)).sort((a, b) => a.table - b.table);
  const heads = chosen.map(() => 0);
  const entries = [];
  const perTable = new Map(chosen.map((tb) => [tb.table, []]));
  const roundAt = new Map(); // round number -> entry index of its opening
  for (;;) {
    let best = -1;
    let key = null;
    chosen.forEach((tb, i) => {
      const s = (tb.steps || [])[heads[i]];
      if (!s) return;
      const k = [timeOf(s), Number(s.round) || 0, tb.table];
      if (best < 0 || k[0] < key[0] || (k[0] === key[0] && (k[1] < key[1] || (k[1] === key[1] && k[2] < key[2])))) {
        best = i;
        key = k;
      }
    });
    if (best < 0) break;
    const tb = chosen[best];
    const step = tb.steps[heads[best]];
    heads[best] += 1;
    const mine = perTable.get(tb.table);
    const last = mine.length ? mine[mine.length - 1].at : -1;
    let at;
    if (step.type === 'round' && roundAt.has(step.round) && roundAt.get(step.round) > last) {
      at = roundAt.get(step.round);
      entries[at].tables.push(tb.table);
    } else {
      at = entries.length;
      entries.push({ step, table: step.type === 'round' ? null : tb.table, tables: [tb.table] });
      if (step.type === 'round') roundAt.set(step.round, at);
    }
    mine.push({ step, at });
  }
  return { entries, perTable };
}

/** A table's steps up to the cursor: { shown: [{step, at}], total }. */
export function stepsUpTo(merged, table, cursor) {
  const all = merged.perTable.get(table) || [];
  return { shown: all.filter((x) => x.at <= cursor), total: all.length };
}

/** "Ronde 3 van 8: Kan het?" for the round of the step at the cursor. */
export function roundLine(rounds, step, key = 'replay.roundOf') {
  if (!step) return '';
  const r = (rounds || []).find((x) => x.round === step.round);
  return t(key, { i: step.round, n: (rounds || []).length, title: r ? r.title : '' });
}

// ---------------------------------------------------------------- pieces

/** Icon plus word for a note kind. */
export function noteBadge(kind) {
  return h('span', { class: ['badge', 'badge-note', `note-kind-${kind}`], dataset: { kind } },
    icon(NOTE_ICONS[kind] || 'pen'), h('span', null, noteKindName(kind)));
}

/** Icon plus word for a round kind. */
export function kindBadge(kind) {
  return h('span', { class: 'badge badge-kind', dataset: { kind } }, icon(KIND_ICONS[kind] || 'clock'), h('span', null, kindName(kind)));
}

/**
 * The author of a step. On the big screen a hidden name arrives empty (forScreen) and
 * is shown as "verborgen door de spelleider"; the host sees the name, marked.
 */
function author(step, { lang, host }) {
  if (step.name_hidden && !host) {
    return h('span', { class: 'person-name is-hidden', dataset: { nameHidden: 'true' } }, t('replay.hiddenName'));
  }
  return [personName({ name: step.name || t('player.unknown'), name_hidden: step.name_hidden }, { lang }),
    host && step.name_hidden ? hiddenBadge(t('host.nameHiddenBadge')) : null];
}

/**
 * What changed in a proposal version: kept text as is, added text in <ins> (underlined,
 * with a "+"), removed text in <del> (struck through, with a "−"); screen readers hear
 * "toegevoegd:" / "weggehaald:" before each.
 */
export function diffView(changes, { lang, cls } = {}) {
  return h('p', { class: ['text-block', 'replay-diff', cls], lang: lang || null, testid: 'replay-diff' },
    (changes || []).map((c) => {
      if (c.op === 'insert') {
        return h('ins', null, h('span', { class: 'sr-only' }, `${t('replay.added')} `),
          h('span', { class: 'diff-mark', 'aria-hidden': 'true' }, '+'), c.text);
      }
      if (c.op === 'delete') {
        return h('del', null, h('span', { class: 'sr-only' }, `${t('replay.removed')} `),
          h('span', { class: 'diff-mark', 'aria-hidden': 'true' }, '−'), c.text);
      }
      return c.text;
    }));
}

/** Whether a version changed an earlier text (the first is all "insert"). */
function hasDiff(step) {
  const ch = step.changes || [];
  return ch.some((c) => c.op === 'delete' || c.op === 'same');
}

/**
 * One step in full. `host`: the facilitator's view (hidden notes kept and marked, hidden
 * names shown and marked, who voted what when the ballot was open). `level`: the heading
 * level. `rounds`: the replay's rounds ("Ronde 3 van 8").
 */
export function stepView(step, { lang, host = false, level = 4, rounds = [], testid, showProposal = true } = {}) {
  if (!step) return null;
  const H = `h${Math.min(6, level)}`;
  const base = { class: ['replay-step', `step-${step.type}`], dataset: { type: step.type, round: step.round }, testid: testid || null };
  if (step.type === 'round') {
    const total = (rounds || []).length;
    return h('div', { ...base, class: [...base.class, `kind-${step.kind}`] },
      h('p', { class: 'replay-kicker' }, kindBadge(step.kind), ' ',
        h('span', null, total ? t('phase.progress', { i: step.round, n: total }) : t('notes.round', { n: step.round }))),
      h(H, { class: 'replay-step-title', lang }, step.title || kindName(step.kind)),
      step.prompt ? textBlock(step.prompt, { lang, cls: 'replay-prompt' }) : null);
  }
  if (step.type === 'note') {
    const hidden = !!step.hidden;
    return h('div', { ...base, class: [...base.class, hidden && 'is-hidden'], dataset: { ...base.dataset, hidden: hidden ? 'true' : null } },
      h('p', { class: 'replay-meta' }, noteBadge(step.kind), ' ', roleBadge(step.role), ' ', author(step, { lang, host }),
        hidden && host ? [' ', hiddenBadge(t('replay.hidden'), 'replay-hidden')] : null),
      textBlock(step.text, { lang, cls: 'replay-text note-text' }));
  }
  if (step.type === 'event') {
    return h('div', { ...base, class: [...base.class, 'replay-event'] },
      h('p', { class: 'event-kicker' }, icon('event'), h('span', null, t('event.label'))),
      h(H, { class: 'replay-step-title', lang }, step.title),
      textBlock(step.text, { lang, cls: 'replay-text' }));
  }
  if (step.type === 'proposal') {
    const who = step.name_hidden && !host ? t('replay.hiddenName') : (step.name || t('player.unknown'));
    const diff = hasDiff(step);
    return h('div', base,
      h(H, { class: 'replay-version' }, icon('pen'),
        h('span', null, t('replay.versionBy', { n: step.version, name: who, role: roleName(step.role).toLowerCase() }))),
      host && step.name_hidden ? hiddenBadge(t('host.nameHiddenBadge')) : null,
      diff ? [diffView(step.changes, { lang, cls: 'replay-text' }), h('p', { class: 'hint replay-legend' }, t('replay.diffLegend'))]
        : [textBlock(step.text, { lang, cls: 'replay-text', tag: 'blockquote' }),
          step.version === 1 ? h('p', { class: 'hint' }, t('replay.firstVersion')) : null]);
  }
  if (step.type === 'vote') {
    // The step is the view's decision object. Under secret ballot `votes` and `by_role`
    // are absent; the big screen never gets `votes` (forScreen).
    const votes = host && Array.isArray(step.votes) ? step.votes : null;
    const names = new Map((votes || []).map((v) => [v.player_id, v.name]));
    const d = { ...step, votes: votes || undefined };
    return h('div', base, decisionView(d, { names, lang, headingLevel: Math.min(6, level), showProposal }));
  }
  return null;
}

/** The author in a timeline line: a hidden name is marked (the host) or replaced (the screen). */
function tlAuthor(step, host) {
  if (!step.name_hidden) return h('span', { class: 'tl-who' }, step.name || t('player.unknown'));
  if (!host) return h('span', { class: 'tl-who is-hidden' }, t('replay.hiddenName'));
  return [h('span', { class: 'tl-who is-hidden' }, step.name || t('player.unknown')), ' ', hiddenBadge(t('host.nameHiddenBadge'))];
}

/** One step as a line of the timeline (icon, word, a few words of text). */
export function timelineItem(step, { lang, host = false } = {}) {
  if (step.type === 'round') {
    return [icon(KIND_ICONS[step.kind] || 'clock'),
      h('span', { class: 'tl-text' }, h('strong', null, t('notes.round', { n: step.round })), ': ',
        h('span', { lang }, step.title || kindName(step.kind)), ` (${kindName(step.kind)})`)];
  }
  if (step.type === 'note') {
    return [icon(NOTE_ICONS[step.kind] || 'pen'),
      h('span', { class: 'tl-text' }, h('strong', null, noteKindName(step.kind)), ': ',
        h('span', { lang, class: ['tl-quote', step.hidden && 'is-hidden'] }, step.text), ' — ', tlAuthor(step, host),
        step.hidden && host ? [' ', hiddenBadge(t('replay.hidden'))] : null)];
  }
  if (step.type === 'event') {
    return [icon('event'), h('span', { class: 'tl-text' }, h('strong', null, t('event.label')), ': ', h('span', { lang }, step.title))];
  }
  if (step.type === 'proposal') {
    return [icon('pen'), h('span', { class: 'tl-text' }, h('strong', null, t('replay.version', { n: step.version })), ' · ', tlAuthor(step, host))];
  }
  if (step.type === 'vote') {
    return [icon(step.reached ? 'reached' : 'not_reached'),
      h('span', { class: 'tl-text' }, h('strong', null, step.reached ? t('decision.reached') : t('decision.notReached')))];
  }
  return [h('span', { class: 'tl-text' }, step.type)];
}

/** Table of who was heard at one table: role × people, notes, versions, support, objections. */
export function heardTable(entry, { testid } = {}) {
  if (!entry) return null;
  const secret = () => h('span', { class: 'secret-cell' }, icon('lock'), h('span', null, t('replay.secret')));
  const num = (v) => (v === null || v === undefined ? secret() : String(v));
  const byRole = new Map((entry.roles || []).map((r) => [r.role, r]));
  const roles = ROLES.filter((r) => byRole.has(r));
  const caption = t('replay.heardCaption', { n: entry.table });
  const cols = ['people', 'notes', 'versions', 'support', 'objections'];
  return h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': caption },
    h('table', { class: 'heard-table', testid: testid || `heard-${entry.table}` },
      h('caption', null, caption),
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('replay.col.role')),
        cols.map((c) => h('th', { scope: 'col' }, t(`replay.col.${c}`))))),
      h('tbody', null, roles.map((r) => {
        const x = byRole.get(r);
        return h('tr', { dataset: { role: r } }, h('th', { scope: 'row' }, roleBadge(r)),
          cols.map((c) => h('td', null, num(x[c]))));
      }))));
}

// ---------------------------------------------------------------- the big screen

/** A copy of a step that is safe for the big screen (null for a hidden note). */
function screenStep(step) {
  if (step.type === 'note' && step.hidden) return null;
  const s = { ...step };
  delete s.player_id;
  // Nobody's vote reaches the big screen.
  delete s.votes;
  if (s.name_hidden) s.name = '';
  return s;
}

/**
 * What the host posts to the big screen over the BroadcastChannel: the chosen tables
 * without hidden notes, hidden names emptied and no one's vote, and the cursor moved to
 * the same moment in that shorter list (a hidden note at the cursor shows the step before).
 */
export function forScreen(data, selected, cursor) {
  const tables = (data.tables || []).filter((tb) => selected.includes(tb.table)).map((tb) => ({
    table: tb.table,
    players: (tb.players || []).map((p) => ({ name: p.name_hidden ? '' : p.name, name_hidden: !!p.name_hidden, role: p.role })),
    steps: (tb.steps || []).map(screenStep).filter(Boolean),
  }));
  const full = mergeSteps(data.tables, selected);
  let kept = 0;
  for (let i = 0; i <= cursor && i < full.entries.length; i += 1) {
    const s = full.entries[i].step;
    if (!(s.type === 'note' && s.hidden)) kept += 1;
  }
  return {
    type: 'replay',
    room: data.room,
    language: data.language,
    scenario: { title: (data.scenario && data.scenario.title) || '' },
    rounds: data.rounds || [],
    selected: [...selected],
    tables,
    cursor: Math.max(0, kept - 1),
  };
}
