// ui.js: view pieces shared by the participant, facilitator and big-screen pages.
// Every text that came from a person or a scenario goes in as text (h() makes
// text nodes), never as markup.

import { h, fraction, speechLang, uid, charCount } from './common.js';
import { t } from './i18n.js';
import { icon } from './icons.js';

export const ROLES = ['resident', 'civil_servant', 'councillor'];
export const CHOICES = ['support', 'support_if', 'abstain', 'object'];
export const NOTE_KINDS = ['value', 'condition', 'idea', 'question'];

export function roleName(role) {
  return role ? t(`role.${role}`) : t('role.other');
}

/** Icon plus word for a role. */
export function roleBadge(role, { big = false } = {}) {
  if (!role) return h('span', { class: 'badge badge-role role-other' }, t('role.other'));
  return h('span', { class: ['badge', 'badge-role', `role-${role}`, big && 'badge-big'], dataset: { role } },
    icon(role), h('span', null, roleName(role)));
}

/** Icon plus word for a vote choice. */
export function choiceBadge(choice) {
  return h('span', { class: ['badge', 'badge-choice', `choice-${choice}`], dataset: { choice } },
    icon(choice), h('span', null, t(`choice.${choice}`)));
}

/**
 * A person's name as the server sent it. When the facilitator hid it
 * (name_hidden) the element is marked (class is-hidden, data-name-hidden) and
 * shown muted and italic; for everyone but the host the server has already put
 * its placeholder in `name`, which is in the room's language (`lang`).
 */
export function personName(p, { lang, suffix, cls = 'person-name', tag = 'span' } = {}) {
  const hidden = !!(p && p.name_hidden);
  const name = (p && p.name) || '';
  return h(tag, { class: [cls, hidden && 'is-hidden'], dataset: { nameHidden: hidden ? 'true' : null } },
    hidden && lang ? h('span', { lang }, name) : name,
    suffix || null);
}

/** Host only: a badge that says in words that something is hidden from participants. */
export function hiddenBadge(text, testid) {
  return h('span', { class: 'badge badge-hidden', testid: testid || null }, icon('hidden'), h('span', null, text));
}

export function connBadge(connected) {
  return h('span', { class: ['conn', connected ? 'conn-on' : 'conn-off'] },
    icon(connected ? 'online' : 'offline'),
    h('span', null, connected ? t('conn.connected') : t('conn.notConnected')));
}

export function kindName(kind) {
  return t(`kind.${kind}`);
}

export function noteKindName(kind) {
  return t(`note.${kind}`);
}

/** A block of scenario or person text with line breaks kept. */
export function textBlock(text, { lang, cls = '', tag = 'p', testid } = {}) {
  return h(tag, { class: ['text-block', cls], lang: lang || null, testid: testid || null }, String(text ?? ''));
}

// ---------------------------------------------------------------- read aloud

let speaking = null; // the button whose text is being read

function stopSpeaking() {
  try { if (window.speechSynthesis) window.speechSynthesis.cancel(); } catch { /* nothing to stop */ }
  if (speaking) setSpeakButton(speaking, false);
  speaking = null;
}

function setSpeakButton(btn, on) {
  btn.setAttribute('aria-pressed', on ? 'true' : 'false');
  btn.replaceChildren(icon(on ? 'stop' : 'speaker'),
    h('span', null, on ? t('read.stop') : t('read.start')));
}

/**
 * The voice for a language ("nl-NL"): one of exactly that language, else one whose
 * language starts the same ("nl", "nl-BE"), else none (the browser's default voice then
 * reads it). Voices load late in some browsers; an empty list simply gives none.
 */
function pickVoice(tag) {
  let voices = [];
  try { voices = window.speechSynthesis.getVoices() || []; } catch { return null; }
  const norm = (v) => String(v.lang || '').replace('_', '-').toLowerCase();
  const want = tag.toLowerCase();
  return voices.find((v) => norm(v) === want) || voices.find((v) => norm(v).startsWith(want.slice(0, 2))) || null;
}

/**
 * A "read aloud" button for a text (speechSynthesis in nl-NL or en-GB).
 * getText() is called at the moment of pressing. Absent when the browser
 * cannot speak.
 */
export function readAloudButton(getText, lang, label) {
  if (!('speechSynthesis' in window) || typeof window.SpeechSynthesisUtterance !== 'function') return null;
  const btn = h('button', {
    type: 'button',
    class: 'btn btn-small btn-quiet read-aloud',
    testid: 'read-aloud',
    'aria-describedby': null,
  });
  setSpeakButton(btn, false);
  if (label) btn.setAttribute('title', label);
  btn.addEventListener('click', () => {
    if (speaking === btn) { stopSpeaking(); return; }
    stopSpeaking();
    const u = new SpeechSynthesisUtterance(String(getText() || ''));
    u.lang = speechLang(lang);
    const voice = pickVoice(u.lang);
    if (voice) u.voice = voice;
    // A little slower in easy-read mode (issue #17).
    u.rate = document.body.classList.contains('easy-read') ? 0.85 : 0.95;
    u.addEventListener('end', () => { if (speaking === btn) { setSpeakButton(btn, false); speaking = null; } });
    u.addEventListener('error', () => { if (speaking === btn) { setSpeakButton(btn, false); speaking = null; } });
    speaking = btn;
    setSpeakButton(btn, true);
    try {
      window.speechSynthesis.speak(u);
    } catch {
      // A browser that says it can speak but cannot: the button stays usable.
      setSpeakButton(btn, false);
      speaking = null;
    }
  });
  return btn;
}

window.addEventListener('pagehide', stopSpeaking);

// ---------------------------------------------------------------- cards

/**
 * A persona card. A goal on the card is shown: to the player whose card it is
 * ("your secret goal"), or, with privateGoal, to someone else who may see it
 * (the facilitator, the case's author), marked as private and left out of the
 * read-aloud text.
 */
export function cardView(card, { role, prompt, lang, headingLevel = 3, testid = 'role-card', privateGoal = false, game = null } = {}) {
  if (!card) return null;
  if (game) return gameCardView(card, { role, lang, headingLevel, testid, ...game });
  const H = `h${headingLevel}`;
  const Hs = `h${Math.min(6, headingLevel + 1)}`;
  const values = card.values || [];
  const conditions = card.conditions || [];
  const readText = () => [card.name, card.text,
    values.length ? `${t('card.values')}: ${values.join('. ')}` : '',
    conditions.length ? `${t('card.conditions')}: ${conditions.join('. ')}` : '',
    card.goal && !privateGoal ? `${t('card.goal')}: ${card.goal}` : '',
    prompt ? `${t('card.prompt')}: ${prompt}` : ''].filter(Boolean).join('. ');
  return h('article', { class: ['card', role && `role-${role}`], testid, dataset: { role } },
    h('div', { class: 'card-head' },
      role ? roleBadge(role) : null,
      h(H, { class: 'card-name', testid: 'card-name', lang }, card.name),
      readAloudButton(readText, lang, t('read.card'))),
    textBlock(card.text, { lang, cls: 'card-text' }),
    values.length ? h('div', { class: 'card-list' },
      h(Hs, null, t('card.values')),
      h('ul', { lang }, values.map((v) => h('li', null, v)))) : null,
    conditions.length ? h('div', { class: 'card-list' },
      h(Hs, null, t('card.conditions')),
      h('ul', { lang }, conditions.map((v) => h('li', null, v)))) : null,
    card.goal ? h('div', { class: ['card-goal', privateGoal && 'is-private'], dataset: { private: privateGoal ? 'true' : null } },
      privateGoal
        ? h(Hs, { class: 'card-goal-head' }, icon('lock'), h('span', null, t('card.goalPrivate')))
        : h(Hs, null, t('card.goal')),
      textBlock(card.goal, { lang, testid: 'card-goal' }),
      privateGoal ? null : h('p', { class: 'hint' }, t('card.goalHint'))) : null,
    prompt ? h('div', { class: 'card-prompt' },
      h(Hs, null, t('card.prompt')),
      textBlock(prompt, { lang, testid: 'role-prompt' })) : null);
}

/**
 * A row of tabs (the WAI-ARIA tab pattern): one tab is selected and in the Tab order; the
 * arrow keys, Home and End move to another tab and select it. The caller shows and
 * hides the panels in onSelect(key, { focus }); `items` are {key, id, panelId, content,
 * testid}. list.select(key) marks another tab without building the row again.
 */
export function tabList({ label, items, selected, onSelect, cls }) {
  const buttons = items.map((it) => {
    const b = h('button', {
      type: 'button', role: 'tab', id: it.id, class: ['tab', it.cls], 'aria-controls': it.panelId,
      'aria-selected': String(it.key === selected), tabindex: it.key === selected ? '0' : '-1',
      testid: it.testid || null, 'data-focus-key': it.id, dataset: { key: it.key },
    }, it.content);
    b.addEventListener('click', () => onSelect(it.key, { focus: false }));
    return b;
  });
  const list = h('div', { role: 'tablist', 'aria-label': label, class: ['tablist', cls] }, buttons);
  list.addEventListener('keydown', (ev) => {
    const i = buttons.indexOf(document.activeElement);
    if (i < 0 || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const n = buttons.length;
    let j = null;
    if (ev.key === 'ArrowRight') j = (i + 1) % n;
    else if (ev.key === 'ArrowLeft') j = (i - 1 + n) % n;
    else if (ev.key === 'Home') j = 0;
    else if (ev.key === 'End') j = n - 1;
    if (j === null) return;
    ev.preventDefault();
    onSelect(items[j].key, { focus: true });
  });
  list.select = (key, { focus = false } = {}) => {
    buttons.forEach((b, i) => {
      const on = items[i].key === key;
      b.setAttribute('aria-selected', String(on));
      b.setAttribute('tabindex', on ? '0' : '-1');
      if (on && focus) b.focus();
    });
  };
  return list;
}

/**
 * The participant's own card as a game card (the phone): the role's colour and a large
 * role icon, the persona's name big, and tabs for who you are, what you find important,
 * what is needed and the secret goal (marked with a lock and the word, not by colour).
 * `selected` is the open tab; onSelect(key) is told when the person picks another one.
 */
function gameCardView(card, { role, lang, headingLevel = 2, testid = 'role-card', selected, onSelect } = {}) {
  const H = `h${headingLevel}`;
  const values = card.values || [];
  const conditions = card.conditions || [];
  const readText = () => [card.name, card.text,
    values.length ? `${t('card.tab.values')} ${values.join('. ')}` : '',
    conditions.length ? `${t('card.tab.conditions')} ${conditions.join('. ')}` : '',
    card.goal ? `${t('card.goal')}: ${card.goal}` : ''].filter(Boolean).join('. ');
  const list = (items) => h('ul', { class: 'game-card-list', lang }, items.map((v) => h('li', null, v)));
  const parts = [
    { key: 'who', icon: 'person', label: t('card.tab.who'), body: () => textBlock(card.text, { lang, cls: 'card-text', testid: 'card-text' }) },
    values.length ? { key: 'values', icon: 'heart', label: t('card.tab.values'), body: () => list(values) } : null,
    conditions.length ? { key: 'conditions', icon: 'list', label: t('card.tab.conditions'), body: () => list(conditions) } : null,
    card.goal ? {
      key: 'goal', icon: 'lock', label: t('card.tab.goal'), secret: true,
      body: () => [
        h('p', { class: 'secret-mark', testid: 'goal-secret' }, icon('lock'), h('span', null, t('card.secret'))),
        textBlock(card.goal, { lang, testid: 'card-goal' }),
        h('p', { class: 'hint' }, t('card.goalHint'))],
    } : null,
  ].filter(Boolean);
  let open = parts.some((p) => p.key === selected) ? selected : parts[0].key;
  const base = uid('card');
  const panels = new Map(parts.map((p) => [p.key, h('div', {
    id: `${base}-${p.key}-panel`, class: ['game-card-panel', p.secret && 'is-secret'], testid: `card-panel-${p.key}`,
    role: parts.length > 1 ? 'tabpanel' : null, 'aria-labelledby': parts.length > 1 ? `${base}-${p.key}` : null,
    hidden: p.key !== open || null,
  }, p.body())]));
  let tabs = null;
  if (parts.length > 1) {
    tabs = tabList({
      label: t('card.tabs'),
      cls: 'game-card-tabs',
      selected: open,
      items: parts.map((p) => ({
        key: p.key, id: `${base}-${p.key}`, panelId: `${base}-${p.key}-panel`, testid: `card-tab-${p.key}`,
        cls: p.secret && 'is-secret',
        content: [icon(p.icon), h('span', null, p.label)],
      })),
      onSelect: (key, { focus }) => {
        open = key;
        tabs.select(key, { focus });
        for (const [k, el] of panels) el.hidden = k !== key;
        if (onSelect) onSelect(key);
      },
    });
  }
  return h('article', { class: ['card', 'game-card', role && `role-${role}`], testid, dataset: { role } },
    h('div', { class: 'game-card-head' },
      role ? h('span', { class: 'game-card-icon' }, icon(role)) : null,
      role ? h('p', { class: 'game-card-role' }, roleName(role)) : null,
      h(H, { class: 'card-name', testid: 'card-name', lang }, card.name),
      readAloudButton(readText, lang, t('read.card'))),
    tabs,
    h('div', { class: 'game-card-body' }, [...panels.values()]));
}

export function eventView(event, { lang, headingLevel = 3 } = {}) {
  if (!event) return null;
  return h('aside', { class: 'event-card', testid: 'event-card', 'aria-label': t('event.label') },
    h('p', { class: 'event-kicker' }, icon('event'), h('span', null, t('event.label'))),
    h(`h${headingLevel}`, { lang }, event.title),
    textBlock(event.text, { lang }),
    readAloudButton(() => `${event.title}. ${event.text}`, lang, t('read.event')));
}

// ---------------------------------------------------------------- case preview

/** A case's gear or moment tag in words (the value itself when there is no word for it). */
export function tagLabel(kind, value) {
  if (!value) return null;
  const key = `tag.${kind}.${value}`;
  const s = t(key);
  return s === key ? value : s;
}

/**
 * The whole case as participants will see it: the case text (with read
 * aloud), every role card per role, the rounds with their prompts (for all
 * and per role), the decision rule in plain words and the event cards.
 * Used by the preview page (/scenarios/{id}) and by the host setup after a
 * pasted case checked out. showGoals: also show each card's private goal,
 * marked as such (served cases never carry goals; a pasted case is the
 * facilitator's own). headingLevel: the level of the section headings.
 */
export function scenarioPreview(sc, { showGoals = false, headingLevel = 2 } = {}) {
  if (!sc) return null;
  const lang = sc.language || 'nl';
  const roles = sc.roles || {};
  const rounds = sc.rounds || [];
  const events = sc.events || [];
  const hx = (n) => `h${Math.min(6, headingLevel + n)}`;
  const section = (title, ...content) => {
    const id = uid('preview');
    return h('section', { class: 'panel', 'aria-labelledby': id }, h(hx(0), { id }, title), content);
  };
  return h('div', { class: 'scenario-preview', testid: 'scenario-preview' },
    section(t('case.title'),
      sc.case && sc.case.text ? [readAloudButton(() => sc.case.text, lang, t('read.case')),
        textBlock(sc.case.text, { lang, cls: 'case-text', testid: 'case-text' })] : null),

    section(t('scenario.roles'),
      showGoals ? h('p', { class: 'hint' }, t('scenario.goalsShown')) : null,
      ROLES.map((r) => {
        const role = roles[r];
        if (!role) return null;
        const cards = role.cards || [];
        return h('div', { class: 'role-block' },
          h(hx(1), null, roleBadge(r, { big: true })),
          h('p', { class: 'muted' }, t('scenario.weight', { n: role.weight ?? 1, k: cards.length })),
          h('div', { class: 'card-grid' }, cards.map((c) => cardView(showGoals ? c : { ...c, goal: undefined },
            { role: r, lang, headingLevel: headingLevel + 2, testid: 'preview-card', privateGoal: true }))));
      })),

    section(t('scenario.rounds'),
      h('ol', { class: 'round-list' }, rounds.map((r) => h('li', { class: 'round-item' },
        h(hx(1), { lang }, r.title),
        h('p', { class: 'muted' }, kindName(r.kind), typeof r.minutes === 'number' ? ` · ${t('plan.minutes', { n: r.minutes })}` : ''),
        r.prompt ? textBlock(r.prompt, { lang }) : null,
        r.prompts && Object.keys(r.prompts).length ? h('ul', { class: 'plain' }, ROLES.filter((x) => r.prompts[x]).map((x) =>
          h('li', null, roleBadge(x), ' ', h('span', { lang }, r.prompts[x])))) : null,
        r.kind === 'discussion' && Array.isArray(r.notes) && r.notes.length
          ? h('p', null, t('scenario.notes', { kinds: r.notes.map(noteKindName).join(', ') })) : null,
        r.draw_event ? h('p', null, t('scenario.drawEvent')) : null,
        r.kind === 'proposal' && Array.isArray(r.proposers) && r.proposers.length
          ? h('p', null, t('scenario.proposers', { roles: r.proposers.map(roleName).join(', ') })) : null)))),

    section(t('scenario.decision'), ruleView(sc.decision, { open: true })),

    events.length ? section(t('scenario.events'),
      h('ul', { class: 'event-list' }, events.map((e) => h('li', null, eventView(e, { lang, headingLevel: headingLevel + 1 }))))) : null);
}

// ---------------------------------------------------------------- decisions

/** The least number k of n with k/n at least `frac` ("a/b"), or null for another form. */
function leastOf(frac, n) {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(String(frac));
  if (!m || Number(m[2]) === 0) return null;
  const a = Number(m[1]);
  const b = Number(m[2]);
  return Math.floor((a * n + b - 1) / b);
}

/**
 * The decision rule in plain words, as a list of conditions. With `table` (the
 * players at one table: [{role}]) the fractions become numbers for that table
 * ("minstens 3 van de 4"), as on the phone.
 */
/**
 * A rule sentence with its fraction in plain words, never "2/3" (B1): "minstens 2 op de
 * 3", "minstens de helft", "iedereen". `key` has the forms KEY (with {a} and {b}),
 * KEY.half, KEY.all and KEY.none in both languages.
 */
function fractionSentence(key, frac) {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(String(frac));
  if (!m) return t(key, { a: fraction(frac), b: '' });
  const a = Number(m[1]);
  const b = Number(m[2]);
  if (a === 0) return t(`${key}.none`);
  if (a === b) return t(`${key}.all`);
  if (a * 2 === b) return t(`${key}.half`);
  return t(key, { a, b });
}

export function ruleItems(dec, { table } = {}) {
  if (!dec) return [];
  const items = [];
  const rule = dec.rule || 'broad_support';
  const n = table ? table.length : 0;
  const of = (frac, count) => (count > 0 ? leastOf(frac, count) : null);
  const has = (v) => v !== null && v !== undefined;
  if (has(dec.quorum)) {
    const k = of(dec.quorum, n);
    items.push(k !== null ? t('rule.n.quorum', { k, n }) : fractionSentence('rule.quorum', dec.quorum));
  }
  if (rule === 'broad_support') {
    if (has(dec.min_support)) {
      const k = of(dec.min_support, n);
      items.push(k !== null ? t('rule.n.minSupport', { k, n }) : fractionSentence('rule.minSupport', dec.min_support));
    }
    if (has(dec.min_support_per_role)) {
      const per = ROLES.map((r) => {
        const c = (table || []).filter((p) => p.role === r).length;
        const k = of(dec.min_support_per_role, c);
        return k !== null ? `${roleName(r)}: ${t('rule.n.of', { k, n: c })}` : null;
      }).filter(Boolean);
      items.push(table && per.length && per.length === ROLES.filter((r) => table.some((p) => p.role === r)).length
        ? t('rule.n.perRole', { list: per.join('; ') })
        : fractionSentence('rule.perRole', dec.min_support_per_role));
    }
  } else if (rule === 'majority') {
    items.push(t('rule.majority'));
  } else if (rule === 'unanimity') {
    items.push(t('rule.unanimity'));
  }
  if (rule === 'consent' && (dec.max_objections === null || dec.max_objections === undefined || dec.max_objections === 0)) {
    items.push(t('rule.noObjection'));
  } else if (dec.max_objections === 0) {
    items.push(t('rule.noObjection'));
  } else if (typeof dec.max_objections === 'number') {
    items.push(t('rule.maxObjections', { n: dec.max_objections }));
  }
  if (dec.secret_ballot) items.push(t('rule.secret'));
  return items;
}

export function ruleView(dec, { open = false, table } = {}) {
  if (!dec) return null;
  const rule = dec.rule || 'broad_support';
  return h('details', { class: 'rule', open: open || null },
    h('summary', null, t('rule.summary')),
    h('p', null, t(`rule.name.${rule}`)),
    h('ul', null, ruleItems(dec, { table }).map((x) => h('li', null, x))));
}

/**
 * How many at a table have voted. Under secret ballot only the host learns who voted;
 * everyone else gets the table's `votes_cast`.
 */
export function votedCount(tb) {
  if (typeof tb.votes_cast === 'number') return tb.votes_cast;
  return (tb.players || []).filter((p) => p.voted).length;
}

/** Whether a decision carries its counts (a secret ballot with under 3 counted votes does not). */
export function hasCounts(decision) {
  return decision && typeof decision.support === 'number';
}

/** Counts of one decision (or one role) as "icon word: n" items. */
function countList(c) {
  return h('ul', { class: 'counts' }, CHOICES.map((ch) =>
    h('li', { dataset: { choice: ch } }, choiceBadge(ch), h('span', { class: 'count' }, String((c && c[ch]) || 0)))));
}

/** One role's counts, compact: only the choices somebody made (icon, word, number). */
function roleCounts(c) {
  const made = CHOICES.filter((ch) => c && c[ch]);
  if (!made.length) return h('span', { class: 'muted' }, t('chart.noVotes'));
  return h('span', { class: 'role-counts' }, made.map((ch) => h('span', { class: ['role-count', `choice-${ch}`], dataset: { choice: ch } },
    icon(ch), h('span', null, t(`choice.${ch}`)), ' ', h('strong', null, String(c[ch])))));
}

/**
 * A table's decision: reached or not, counts overall and per role, the
 * proposal voted on, conditions, objections and (when sent) who voted what.
 */
export function decisionView(decision, { names, lang, headingLevel = 3, showProposal = true, showByRole = true, tableNo } = {}) {
  if (!decision) return null;
  const H = `h${headingLevel}`;
  const Hs = `h${Math.min(6, headingLevel + 1)}`;
  const reached = !!decision.reached;
  const byRole = decision.by_role;
  const parts = [];
  parts.push(h(H, { class: ['decision-head', reached ? 'is-reached' : 'is-not-reached'] },
    icon(reached ? 'reached' : 'not_reached'),
    h('span', null, tableNo ? t('decision.tableHead', { n: tableNo, result: reached ? t('decision.reached') : t('decision.notReached') })
      : (reached ? t('decision.reached') : t('decision.notReached')))));
  if (showProposal && decision.proposal) {
    parts.push(h('div', { class: 'decision-proposal' },
      h(Hs, null, t('decision.proposal')),
      textBlock(decision.proposal, { lang, tag: 'blockquote' })));
  }
  parts.push(h('div', { class: 'decision-counts' }, h(Hs, null, t('decision.counts')),
    hasCounts(decision) ? countList(decision) : h('p', { testid: 'counts-hidden' }, t('decision.countsHidden'))));
  if (byRole && showByRole) {
    parts.push(h('div', { class: 'decision-by-role' },
      h(Hs, null, t('decision.byRole')),
      h('ul', { class: 'by-role-list' }, ROLES.map((r) => h('li', { dataset: { role: r } },
        roleBadge(r), ' ',
        roleCounts(byRole[r]))))));
  }
  const why = reasonsView(decision, { headingLevel: Math.min(6, headingLevel + 1) });
  if (why) parts.push(why);
  const conds = decision.conditions || [];
  if (conds.length) {
    parts.push(h('div', { class: 'decision-list' }, h(Hs, null, t('decision.conditions')),
      h('ul', { lang }, conds.map((c) => h('li', null, c)))));
  }
  const objs = decision.objections || [];
  if (objs.length) {
    parts.push(h('div', { class: 'decision-list' }, h(Hs, null, t('decision.objections')),
      h('ul', { lang }, objs.map((c) => h('li', null, c)))));
  }
  if (Array.isArray(decision.votes) && decision.votes.length) {
    parts.push(h('div', { class: 'decision-list' }, h(Hs, null, t('decision.votes')),
      h('ul', { class: 'vote-list' }, decision.votes.map((v) => h('li', null,
        h('span', { class: 'who' }, (names && names.get(v.player_id)) || t('player.unknown')), ' ',
        choiceBadge(v.choice))))));
  }
  return h('section', {
    class: ['decision', reached ? 'is-reached' : 'is-not-reached'],
    testid: 'decision',
    dataset: { reached: String(reached), table: tableNo || null },
  }, parts);
}

/**
 * One reason of a decision (PROTOCOL.md version 2, `decision.reasons`) as a plain
 * sentence: "Er waren 2 bezwaren. Er mocht er 1 zijn." A reason without numbers (a secret
 * ballot with few votes) says only whether the criterion was met.
 */
export function reasonText(r) {
  if (typeof r.cast !== 'number' && typeof r.supporters !== 'number' && typeof r.objections !== 'number') {
    return t(`reason.${r.code}.${r.met ? 'met' : 'missed'}`);
  }
  switch (r.code) {
    case 'quorum':
      return r.met ? t('reason.quorum.yes', { n: r.cast, seated: r.seated })
        : t('reason.quorum.no', { n: r.cast, seated: r.seated, needed: r.needed });
    case 'min_support':
      return r.met ? t('reason.support.yes', { n: r.supporters, counted: r.counted })
        : t('reason.support.no', { n: r.supporters, counted: r.counted, needed: r.needed });
    case 'min_support_per_role':
      return r.met ? t('reason.role.yes', { role: roleName(r.role), n: r.supporters, counted: r.counted })
        : t('reason.role.no', { role: roleName(r.role), n: r.supporters, counted: r.counted, needed: r.needed });
    case 'max_objections':
      return `${t('reason.objections', { n: r.objections })} ${t('reason.max', { n: r.max })}`;
    case 'majority':
      return t(r.met ? 'reason.majority.yes' : 'reason.majority.no', { n: r.supporters, counted: r.counted });
    case 'unanimity':
      return r.met ? t('reason.unanimity.yes') : t('reason.unanimity.no', { n: r.supporters, seated: r.seated });
    case 'no_votes':
      return t('reason.no_votes.missed');
    default:
      return r.code;
  }
}

/** Every reason of a decision, each with an icon and a word for met or not met. */
export function reasonsView(decision, { headingLevel = 4 } = {}) {
  const reasons = (decision && decision.reasons) || [];
  if (!reasons.length) return null;
  const H = `h${headingLevel}`;
  return h('div', { class: 'decision-reasons', testid: 'reasons' },
    h(H, null, t('reason.heading')),
    h('ul', { class: 'reason-list' }, reasons.map((r) => h('li', { class: ['reason', r.met ? 'is-met' : 'is-missed'], dataset: { code: r.code, met: String(!!r.met) } },
      icon(r.met ? 'check' : 'object'),
      h('span', { class: 'sr-only' }, r.met ? t('reason.metWord') : t('reason.missedWord')),
      h('span', null, reasonText(r))))));
}

// ---------------------------------------------------------------- rounds and notes

/** The round plan with done / now / later marks. */
export function roundPlan(rounds, currentIndex, { testid = 'round-plan' } = {}) {
  return h('ol', { class: 'round-plan', testid },
    (rounds || []).map((r, i) => {
      const state = i < currentIndex ? 'done' : i === currentIndex ? 'now' : 'later';
      return h('li', { class: `plan-${state}`, 'aria-current': state === 'now' ? 'step' : null },
        h('span', { class: 'plan-state' }, t(`plan.${state}`)),
        h('span', { class: 'plan-title' }, r.title),
        h('span', { class: 'plan-meta' },
          kindName(r.kind),
          typeof r.minutes === 'number' ? ` · ${t('plan.minutes', { n: r.minutes })}` : ''));
    }));
}

/** "Ronde 2 van 8" */
export function progressText(phase, rounds) {
  const n = (rounds || []).length;
  if (!phase) return '';
  if (phase.kind === 'lobby') return t('phase.lobby');
  if (phase.kind === 'finished') return t('phase.finished');
  return t('phase.progress', { i: phase.index + 1, n });
}

/**
 * Notes of a table, this round first, then earlier rounds.
 * A note the facilitator hid (hidden) is marked (class is-hidden, data-hidden)
 * and shown muted and italic; `hiddenNames` (a Set of player_ids) marks
 * authors whose name is hidden. `tools(note, index)` may add controls to each
 * note (the host's), with `index` the note's place in the table's `notes`.
 */
export function notesView(notes, { names, rounds, currentIndex, lang, headingLevel = 3, hiddenNames, tools } = {}) {
  const list = (notes || []).map((n, index) => ({ n, index }));
  if (!list.length) return h('p', { class: 'muted', testid: 'notes-empty' }, t('notes.none'));
  const byRound = new Map();
  for (const x of list) {
    if (!byRound.has(x.n.round)) byRound.set(x.n.round, []);
    byRound.get(x.n.round).push(x);
  }
  const order = [...byRound.keys()].sort((a, b) => (a === currentIndex ? -1 : b === currentIndex ? 1 : b - a));
  return h('div', { class: 'notes', testid: 'notes-list' }, order.map((ri) => {
    const r = rounds && rounds[ri];
    return h('div', { class: 'notes-round' },
      h(`h${headingLevel}`, null, r ? r.title : t('notes.round', { n: Number(ri) + 1 })),
      h('ul', { class: 'note-items' }, byRound.get(ri).map(({ n, index }) => {
        const authorHidden = !!(hiddenNames && hiddenNames.has(n.player_id));
        return h('li', {
          class: ['note', `note-${n.kind}`, n.hidden && 'is-hidden'],
          dataset: { kind: n.kind, noteIndex: index, hidden: n.hidden ? 'true' : null },
        },
        h('span', { class: 'note-kind' }, noteKindName(n.kind)),
        textBlock(n.text, { lang, cls: 'note-text' }),
        h('span', { class: ['note-by', authorHidden && 'is-hidden'] }, '— ', (names && names.get(n.player_id)) || t('player.unknown')),
        tools ? tools(n, index) : null);
      })));
  }));
}

/** Label for a player's presence and progress in this round. */
export function progressBadges(p, phaseKind) {
  const out = [];
  if ((phaseKind === 'briefing' || phaseKind === 'debrief') && p.ready) {
    out.push(h('span', { class: 'badge badge-done' }, icon('check'), h('span', null, t('player.ready'))));
  }
  if (phaseKind === 'vote' && p.voted) {
    out.push(h('span', { class: 'badge badge-done' }, icon('check'), h('span', null, t('player.voted'))));
  }
  if (phaseKind === 'budget' && p.voted) {
    out.push(h('span', { class: 'badge badge-done' }, icon('check'), h('span', null, t('player.chose'))));
  }
  return out;
}

/**
 * The error a person should read. A server error carries its own sentence, already in
 * the connection's language, and so do the client's own ones (no connection, no answer):
 * the client keeps no copy of the server's sentences.
 */
export function errorText(err) {
  if (err && err.message) return err.message;
  return t('error.generic');
}

/** A status paragraph for a form (role=status), with set(text, isError). */
export function formStatus(testid) {
  const el = h('p', { class: 'form-status', role: 'status', testid: testid || null });
  el.set = (text, isError = false) => {
    el.textContent = text || '';
    el.classList.toggle('is-error', !!isError);
  };
  return el;
}

/** Character counter for a text field: "{n} van {max} tekens". */
function counterFor(field, max) {
  const el = h('span', { class: 'counter', 'aria-live': 'off' });
  const update = () => {
    const n = charCount(field.value);
    el.textContent = t('form.counter', { n, max });
    el.classList.toggle('is-over', n > max);
  };
  field.addEventListener('input', update);
  update();
  return el;
}

/**
 * One labelled text field for everything a participant writes (a note, a proposal,
 * a vote's condition or reason): the label, an optional hint, the textarea, its
 * character counter and its length check, all with the same `max` (the server's
 * limit, see limit() in common.js).
 *
 * Returns { field, input, take(status) }. take() gives the trimmed text, or, when it
 * is empty or too long, says so in `status` (a formStatus()), puts focus on the
 * text and gives null: the client catches these before sending, the server checks
 * again.
 */
export function textField({ id, testid, label, hint, max, rows = 3, value = '', required = true, empty, hidden = false }) {
  const hintId = hint ? `${id}-hint` : null;
  const input = h('textarea', {
    id, class: 'input textarea', testid: testid || id, rows, maxlength: max, required: required || null,
    value, 'aria-describedby': hintId,
  });
  const field = h('div', { class: 'field', hidden: hidden || null },
    h('label', { for: id, class: 'label' }, label),
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    input, counterFor(input, max));
  const take = (status) => {
    const text = input.value.trim();
    const n = charCount(text);
    if (n >= 1 && n <= max) return text;
    status.set(n < 1 ? (empty || t('form.empty')) : t('form.tooLong', { max }), true);
    input.focus();
    return null;
  };
  return { field, input, take };
}
