// device.js: shared-device seats (issue #17, part 1): a tablet or laptop at a table holds
// several players.
//
// Each seat is a player of its own, with its own `join`, its own token and its own
// WebSocket session (one RoomSocket per seat). Every seat stays connected in the
// background, so the facilitator sees each of them connected and each vote counts; only
// one seat is on the screen at a time. The protocol needs no new message for this
// (docs/protocol.md, "Shared devices").
//
// - "Speel samen op dit apparaat" (on the join form and in the lobby) opens a form where
//   each person types their name (and may say their real role) and joins as a player.
// - The device keeps its seats in localStorage, `democreatie.device.CODE` = [{player_id,
//   token, name, color}], so a reload, a sleeping tablet or a dropped network resumes
//   every seat (`resume` with each token).
// - "Wie ben jij?", the picker: a large button per seat with the person's initial in a
//   coloured circle, the name and a status in words with an icon ("gestemd", "klaar").
//   A picked seat is shown with join.js's own screens: this module swaps join.js's state
//   (S) and socket to that seat's. Drafts are kept per seat (join.js puts the player id
//   in its draft keys when a seat is on screen).
// - Privacy: a seat's card and secret goal show only after the person picked their name.
//   "Verbergen" hides at once; after a while without a touch (60 s; `?hideAfter=SECONDS`
//   for tests) the screen hides by itself, and after a vote or a ballot the picker comes
//   back too. Hiding only hides: what was typed is a draft of that seat, the rest of the
//   seat's screen (open tab, unsent ticks) is kept in memory.
// - "Dit apparaat vergeten voor Anna" forgets the seat's token here; after a second
//   question the person may also leave the game (`leave`).

import { h, setChildren, region, sig, storage, KEYS, RoomSocket, announce, bannerFor, charCount, limit } from './common.js';
import { t, onLangChange } from './i18n.js';
import { ROLES, roleBadge, errorText, formStatus, progressText } from './ui.js';
import { icon } from './icons.js';

/** How many seat colours app.css has (.seat-colour-0 … -7). */
const COLOURS = 8;

/** join.js's page-wide state; every other key of S belongs to the seat on screen. */
const PAGE_KEYS = new Set(['mode', 'summary', 'summaryError', 'form', 'ended', 'joinError', 'pendingJoin',
  'seat', 'view', 'token', 'playerId']);

/** What counts as touching the screen (resets the time before the screen hides). */
const ACTIVITY = ['pointerdown', 'keydown', 'input', 'wheel', 'touchstart'];

/** After how long without a touch a seat's screen hides: 60 s, or `?hideAfter=N` (1–3600 s). */
function hideAfterMs() {
  let raw = null;
  try { raw = new URLSearchParams(window.location.search).get('hideAfter'); } catch { raw = null; }
  const n = Number(raw);
  return raw !== null && Number.isFinite(n) && n >= 1 && n <= 3600 ? Math.round(n * 1000) : 60000;
}

/** The part of join.js's storage keys that belongs to one seat: "p3." (empty without a seat). */
export function seatScope(seat) {
  return seat && seat.player_id ? `${seat.player_id}.` : '';
}

/** The first letter of a name, as a person would write it on a name card. */
function initial(name) {
  const s = String(name || '').trim();
  if (!s) return '?';
  let first = [...s][0];
  try {
    if (typeof Intl !== 'undefined' && Intl.Segmenter) {
      const seg = new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(s)[Symbol.iterator]().next();
      if (!seg.done) first = seg.value.segment;
    }
  } catch { /* the code point is good enough */ }
  return first.toLocaleUpperCase();
}

/** The seat's state in S, without the page-wide keys. */
function seatPart(S) {
  const out = {};
  for (const k of Object.keys(S)) if (!PAGE_KEYS.has(k)) out[k] = S[k];
  return out;
}

/** A deep copy of a seat's screen state (a shallow one if something in it cannot be copied). */
function copy(obj) {
  try { return structuredClone(obj); } catch { return { ...obj }; }
}

/** The offer on the join form and in the lobby: "Speel samen op dit apparaat". */
export function playTogether(onClick) {
  const btn = h('button', { type: 'button', class: 'btn btn-secondary btn-block', testid: 'play-together', 'data-focus-key': 'play-together' },
    icon('people'), h('span', null, t('device.offer')));
  btn.addEventListener('click', onClick);
  return h('section', { class: 'panel panel-quiet device-offer', 'aria-labelledby': 'device-offer-heading', testid: 'device-offer' },
    h('h2', { id: 'device-offer-heading' }, t('device.offerHeading')),
    h('p', { class: 'hint' }, t('device.offerText')),
    btn);
}

/**
 * The seats of this device for room `code`. join.js hands over its state S and the few
 * functions this module needs: setConn(socket) (the socket join.js's screens act through),
 * render(focusTop), onMessage(msg) and onStatus(status) (join.js's own, for the seat on
 * screen) and loadSummary() (before the join form comes back).
 */
export class Device {
  constructor({ code, S, setConn, render, onMessage, onStatus, loadSummary }) {
    this.code = code;
    this.S = S;
    this.hooks = { setConn, render, onMessage, onStatus, loadSummary };
    // A fresh seat's screen state: S as join.js starts it.
    this.defaults = copy(seatPart(S));
    this.seats = [];
    this.active = null;
    this.ui = 'picker'; // picker | add | forget
    this.forgetting = null;
    this.notice = '';
    this.add = { name: '', role: '', error: '', busy: false };
    this.hideMs = hideAfterMs();
    this.lastTouch = 0;
    this.warned = false;
    this.tick = null;
    this.votedTimer = null;
    this.root = null;
    this.bar = null;
    this.hint = null;
    const touched = () => this.touched();
    for (const ev of ACTIVITY) document.addEventListener(ev, touched, { capture: true, passive: true });
    document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') this.check(); });
    onLangChange(() => this.renderBar());
  }

  // ------------------------------------------------------------ storage

  get key() {
    return KEYS.device(this.code);
  }

  /** Read the stored seats (without connecting). True when there is at least one. */
  load() {
    let list = [];
    try { list = JSON.parse(storage.get(this.key) || '[]'); } catch { list = []; }
    if (!Array.isArray(list)) list = [];
    this.seats = list
      .filter((s) => s && typeof s.token === 'string' && s.token && typeof s.player_id === 'string')
      .map((s, i) => this.makeSeat({
        player_id: s.player_id, token: s.token, name: String(s.name || ''),
        color: Number.isInteger(s.color) && s.color >= 0 ? s.color % COLOURS : i % COLOURS,
      }));
    return this.seats.length > 0;
  }

  save() {
    const list = this.seats.filter((s) => s.token)
      .map(({ player_id: pid, token, name, color }) => ({ player_id: pid, token, name, color }));
    if (list.length) storage.set(this.key, JSON.stringify(list));
    else storage.remove(this.key);
  }

  /** Forget what this device kept for one player: drafts and "card seen". */
  clearSeatStorage(pid) {
    const drafts = `democreatie.draft.${this.code}.${pid}.`;
    for (const k of storage.keys()) if (k.startsWith(drafts)) storage.remove(k);
    storage.remove(`democreatie.seen.${this.code}.${pid}.card`);
  }

  freeColour() {
    const used = new Set(this.seats.map((s) => s.color));
    for (let i = 0; i < COLOURS; i += 1) if (!used.has(i)) return i;
    return this.seats.length % COLOURS;
  }

  // ------------------------------------------------------------ seats and sockets

  makeSeat(rec, conn = null) {
    const seat = { ...rec, view: null, status: 'idle', gone: null, pending: null, ui: null, conn };
    const handlers = {
      session: () => this.session(seat),
      onMessage: (m) => this.message(seat, m),
      onStatus: (s) => this.status(seat, s),
    };
    if (conn) Object.assign(conn, handlers);
    else seat.conn = new RoomSocket(handlers);
    return seat;
  }

  session(seat) {
    if (seat.token) return { type: 'resume', room: this.code, token: seat.token };
    if (seat.pending) {
      const msg = { type: 'join', room: this.code, name: seat.pending.name };
      if (seat.pending.real_role) msg.real_role = seat.pending.real_role;
      return msg;
    }
    return null;
  }

  /** Join one more person as a player of their own. Resolves with the seat; rejects with a sentence. */
  join({ name, real_role }) {
    return new Promise((resolve, reject) => {
      const seat = this.makeSeat({ player_id: null, token: null, name, color: this.freeColour() });
      seat.pending = { name, real_role: real_role || null };
      seat.settle = { resolve, reject };
      seat.joinTimer = setTimeout(() => {
        if (!seat.pending) return;
        seat.pending = null;
        seat.conn.stop();
        reject(t('error.timeout'));
      }, 20000);
      seat.conn.start();
    });
  }

  message(seat, msg) {
    switch (msg.type) {
      case 'welcome':
        if (msg.as !== 'player') return;
        if (msg.token) seat.token = msg.token;
        if (msg.player_id) seat.player_id = msg.player_id;
        if (seat.pending) {
          seat.pending = null;
          clearTimeout(seat.joinTimer);
          if (!this.seats.includes(seat)) this.seats.push(seat);
          this.save();
          if (seat.settle) seat.settle.resolve(seat);
          seat.settle = null;
        }
        return;
      case 'state': {
        const before = seat.view;
        seat.view = msg.view;
        const you = msg.view && msg.view.you;
        if (you && you.name && you.name !== seat.name) {
          seat.name = you.name;
          this.save();
        }
        if (seat === this.active) {
          this.hooks.onMessage(msg);
          this.watchVote(seat, before, msg.view);
        } else {
          this.refresh();
        }
        return;
      }
      case 'replaced':
        // This seat was opened on another screen (another tab with this device's seats).
        seat.gone = 'replaced';
        seat.conn.stop();
        if (seat === this.active) this.hide('replaced');
        else this.refresh();
        return;
      case 'kicked':
        this.drop(seat, t('device.kicked', { name: seat.name }));
        return;
      case 'left':
        this.drop(seat, t('device.left', { name: seat.name }));
        return;
      case 'error':
        this.error(seat, msg);
        return;
      default:
    }
  }

  error(seat, msg) {
    // The room was deleted (every socket of it hears so) or is not there at all.
    if (msg.code === 'unknown_room' && !seat.pending) {
      this.roomGone();
      return;
    }
    if (seat.conn.sessionOpen) {
      // A command's error: the form that sent it shows it (join.js).
      if (seat === this.active) this.hooks.onMessage(msg);
      return;
    }
    // (storage_unavailable here: the room is moving to another node; item 80.)
    if (msg.code === 'server_busy' || msg.code === 'storage_unavailable') return; // the socket closes; it tries again
    if (seat.pending) {
      // name_taken, room_locked, room_full, room_finished, invalid_name, unknown_room, ...
      seat.pending = null;
      clearTimeout(seat.joinTimer);
      seat.conn.stop();
      if (seat.settle) seat.settle.reject(errorText(msg));
      seat.settle = null;
      return;
    }
    if (msg.code === 'invalid_token') this.drop(seat, t('device.invalid', { name: seat.name }));
  }

  status(seat, status) {
    seat.status = status;
    if (seat === this.active) this.hooks.onStatus(status);
    else this.refresh();
  }

  /** After the person on screen voted (or sent a ballot), the picker comes back. */
  watchVote(seat, before, after) {
    const mine = (v) => (v && v.you ? [v.phase ? v.phase.index : null, v.you.vote || null, v.you.ballot || null] : null);
    const a = mine(before);
    const b = mine(after);
    if (!a || !b || a[0] !== b[0] || !(b[1] || b[2])) return;
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    clearTimeout(this.votedTimer);
    // A moment to see "opgeslagen"; the form's own answer has arrived by then.
    this.votedTimer = setTimeout(() => { if (this.active === seat) this.hide('voted'); }, 1500);
  }

  /** Connect every stored seat and show the picker. */
  start() {
    for (const seat of this.seats) seat.conn.start();
    this.toPicker(true);
  }

  /** From the join form: the form for the first person. */
  begin(form) {
    this.add = { name: (form && form.name) || '', role: (form && form.role) || '', error: '', busy: false };
    this.notice = '';
    this.ui = 'add';
    this.S.mode = 'device';
    this.hooks.render(true);
    this.focusName();
  }

  /** From the lobby: the player of this page becomes the first seat, on the same socket. */
  adopt({ conn, token, player_id: pid, name }) {
    if (!conn || !token || !pid) return;
    const seat = this.makeSeat({ player_id: pid, token, name: name || '', color: this.freeColour() }, conn);
    seat.view = this.S.view;
    seat.status = conn.status;
    this.seats.push(seat);
    this.save();
    // The token and the drafts move from the single player's keys to the seat's.
    storage.remove(KEYS.player(this.code));
    for (const kind of ['note', 'proposal', 'vote']) {
      const from = `democreatie.draft.${this.code}.${kind}`;
      const v = storage.get(from);
      if (v !== null) storage.set(`democreatie.draft.${this.code}.${pid}.${kind}`, v);
      storage.remove(from);
    }
    const seen = storage.get(`democreatie.seen.${this.code}.card`);
    if (seen !== null) storage.set(`democreatie.seen.${this.code}.${pid}.card`, seen);
    storage.remove(`democreatie.seen.${this.code}.card`);
    this.swap(null);
    this.add = { name: '', role: '', error: '', busy: false };
    this.notice = '';
    this.ui = 'add';
    this.S.mode = 'device';
    this.hooks.render(true);
    this.focusName();
  }

  // ------------------------------------------------------------ whose screen

  /** Put `seat`'s screen state in S (null: nobody's), keeping the one that was there. */
  swap(seat) {
    const S = this.S;
    if (this.active) this.active.ui = seatPart(S);
    for (const k of Object.keys(S)) if (!PAGE_KEYS.has(k)) delete S[k];
    Object.assign(S, copy(this.defaults), seat && seat.ui ? seat.ui : {});
    this.active = seat;
    S.seat = seat;
    S.view = null;
    S.token = seat ? seat.token : null;
    S.playerId = seat ? seat.player_id : null;
    this.hooks.setConn(seat ? seat.conn : null);
  }

  /** The person picked their own name: their screen, through their own socket. */
  pick(seat) {
    if (!this.seats.includes(seat)) return;
    if (seat.gone === 'replaced') {
      // Back to this screen: it takes the seat over from the other one.
      seat.gone = null;
      seat.conn.start();
    }
    clearTimeout(this.votedTimer);
    this.notice = '';
    this.swap(seat);
    this.S.mode = 'connecting';
    this.startTimer();
    this.renderBar();
    if (seat.view) {
      this.hooks.onMessage({ type: 'state', view: seat.view });
      this.hooks.onStatus(seat.conn.status);
    } else {
      this.hooks.render(true);
    }
  }

  /** Back to the picker. reason: button | idle | voted | replaced. Nothing is lost. */
  hide(reason) {
    const seat = this.active;
    if (!seat) return;
    clearTimeout(this.votedTimer);
    // A card read aloud stops with it.
    try { if (window.speechSynthesis) window.speechSynthesis.cancel(); } catch { /* nothing to stop */ }
    this.swap(null);
    const name = seat.name;
    this.notice = {
      voted: t('device.voted', { name }),
      idle: t('device.hiddenIdle', { name }),
      replaced: t('device.replaced', { name }),
    }[reason] || t('device.hidden', { name });
    this.toPicker(true);
    announce(this.notice);
  }

  toPicker(focus = false) {
    this.stopTimer();
    this.S.mode = 'device';
    this.ui = 'picker';
    this.forgetting = null;
    this.renderBar();
    this.hooks.render(focus);
    this.banner();
  }

  /** A seat's view or connection changed while the picker is shown: its status follows. */
  refresh() {
    if (this.S.mode === 'device') {
      this.hooks.render(false);
      this.banner();
    }
  }

  /** The banner on the picker: "no connection" when any seat has none. */
  banner() {
    if (this.S.mode !== 'device') return;
    const live = this.seats.filter((s) => !s.gone);
    if (live.some((s) => s.status === 'offline')) bannerFor('offline');
    else if (live.some((s) => s.status === 'reconnecting')) bannerFor('reconnecting');
    else bannerFor('online');
  }

  /** A seat is gone from this device (forgotten, left, removed, or its token no longer works). */
  drop(seat, text) {
    const wasActive = seat === this.active;
    if (wasActive) this.swap(null);
    seat.conn.stop();
    this.seats = this.seats.filter((s) => s !== seat);
    this.save();
    this.clearSeatStorage(seat.player_id);
    if (this.forgetting === seat) this.forgetting = null;
    this.notice = text;
    announce(text);
    if (!this.seats.length) {
      this.empty();
      return;
    }
    if (wasActive || this.ui === 'forget') this.toPicker(true);
    else this.refresh();
  }

  /** No seats left: back to the join form. */
  empty() {
    this.stopTimer();
    this.active = null;
    this.renderBar();
    bannerFor('online');
    this.S.mode = 'loading';
    this.hooks.render();
    this.hooks.loadSummary().then(() => {
      if (this.S.mode === 'loading') this.S.mode = 'form';
      this.hooks.render(true);
    });
  }

  /** The room is gone (deleted, or never there): every seat is forgotten. */
  roomGone() {
    if (!this.seats.length) return;
    const seen = this.seats.some((s) => s.view);
    for (const seat of this.seats) {
      seat.conn.stop();
      this.clearSeatStorage(seat.player_id);
    }
    if (this.active) this.swap(null);
    this.seats = [];
    this.save();
    this.stopTimer();
    this.renderBar();
    bannerFor('online');
    if (seen) {
      this.S.ended = 'deleted';
      this.S.mode = 'ended';
    } else {
      this.S.mode = 'unknown';
    }
    this.hooks.render(true);
  }

  // ------------------------------------------------------------ hiding after a while

  touched() {
    if (!this.active) return;
    this.lastTouch = Date.now();
    if (this.warned) {
      this.warned = false;
      this.updateHint();
    }
  }

  startTimer() {
    this.stopTimer();
    this.lastTouch = Date.now();
    this.warned = false;
    this.tick = setInterval(() => this.check(), 250);
  }

  stopTimer() {
    clearInterval(this.tick);
    this.tick = null;
    this.warned = false;
  }

  /** Hides the screen once nobody touched it for hideMs; says so a little before. */
  check() {
    if (!this.active) return;
    const idle = Date.now() - this.lastTouch;
    if (idle >= this.hideMs) {
      this.hide('idle');
      return;
    }
    const warnAt = this.hideMs - Math.min(15000, this.hideMs / 3);
    if (idle >= warnAt && !this.warned) {
      this.warned = true;
      this.updateHint();
    }
  }

  // ------------------------------------------------------------ the bar over a seat's screen

  /** "Anna is aan de beurt · Verbergen", above join.js's page while a seat is on screen. */
  renderBar() {
    const app = document.getElementById('app');
    if (!this.bar && app && app.parentNode) {
      this.bar = h('section', { class: 'device-bar', id: 'device-bar', testid: 'device-bar', hidden: true });
      app.parentNode.insertBefore(this.bar, app);
    }
    if (!this.bar) return;
    const seat = this.active;
    if (!seat) {
      this.bar.hidden = true;
      this.bar.className = 'device-bar';
      setChildren(this.bar);
      this.hint = null;
      return;
    }
    const hide = h('button', { type: 'button', class: 'btn btn-secondary device-hide', testid: 'device-hide' },
      icon('hidden'), h('span', null, t('device.hide')));
    hide.addEventListener('click', () => this.hide('button'));
    this.hint = h('p', { class: 'device-bar-hint', testid: 'device-hint', 'aria-live': 'polite' });
    this.bar.className = `device-bar seat-colour-${seat.color}`;
    this.bar.setAttribute('aria-label', t('device.barLabel'));
    setChildren(this.bar,
      h('p', { class: 'device-bar-who' },
        h('span', { class: 'seat-initial', 'aria-hidden': 'true' }, initial(seat.name)),
        h('span', { testid: 'device-who' }, t('device.turn', { name: seat.name }))),
      hide,
      this.hint);
    this.bar.hidden = false;
    this.updateHint();
  }

  updateHint() {
    if (!this.hint) return;
    this.hint.textContent = this.warned ? t('device.hideSoon') : t('device.hideHint', { n: Math.round(this.hideMs / 1000) });
    this.hint.classList.toggle('is-soon', this.warned);
  }

  // ------------------------------------------------------------ the device's own page

  /** join.js's render() in mode 'device': the picker, the form to add someone, or a question. */
  render(app) {
    if (!this.root || !app.contains(this.root)) {
      this.head = h('div', { class: 'device-head' });
      this.noticeEl = h('p', { class: 'notice device-notice', testid: 'device-notice', hidden: true });
      this.body = h('div', { class: 'device-body' });
      this.root = h('div', { class: 'device', testid: 'device' }, this.head, this.noticeEl, this.body);
      setChildren(app, this.root);
    }
    const view = (this.seats.find((s) => s.view) || {}).view || null;
    const phase = view && view.phase;
    region(this.head, sig(this.ui, phase && phase.index, phase && phase.title, view && (view.rounds || []).length), () => this.headView(view));
    this.noticeEl.textContent = this.notice || '';
    this.noticeEl.hidden = !this.notice;
    if (this.ui === 'add') {
      region(this.body, sig('add', this.add.error, this.add.busy, this.seats.map((s) => [s.player_id, s.name, s.color])), () => this.addView());
    } else if (this.ui === 'forget' && this.forgetting) {
      region(this.body, sig('forget', this.forgetting.player_id, this.forgetting.name), () => this.forgetView(this.forgetting));
    } else {
      this.ui = 'picker';
      region(this.body, sig('picker', this.seats.map((s) => [s.player_id, s.name, s.color, s.gone, s.status, this.seatStatus(s)])), () => this.pickerView());
    }
  }

  headView(view) {
    if (this.ui === 'add') {
      return [h('h1', null, t('device.addTitle')),
        h('p', { class: 'lead' }, t('device.addLead')),
        h('p', null, t('join.room'), ' ', h('strong', { class: 'code', testid: 'room-code' }, this.code))];
    }
    if (this.ui === 'forget') return h('h1', null, t('device.forgetTitle'));
    const phase = view && view.phase;
    return [
      phase ? h('p', { class: 'kicker', testid: 'device-round' }, progressText(phase, view.rounds),
        phase.title ? [': ', h('span', { lang: view.language || null }, phase.title)] : null) : null,
      h('h1', { testid: 'device-picker-title' }, t('device.pickTitle')),
      h('p', { class: 'lead' }, t('device.pickLead')),
    ];
  }

  /** The status of one seat in words and an icon: its connection, then where it is in the round. */
  seatStatus(seat) {
    if (seat.gone === 'replaced') return [{ key: 'replaced', icon: 'warning', word: t('device.status.replaced') }];
    const out = [];
    if (seat.status === 'offline') out.push({ key: 'offline', icon: 'offline', word: t('device.status.offline') });
    else if (seat.status !== 'online') out.push({ key: 'connecting', icon: 'offline', word: t('device.status.connecting') });
    const view = seat.view;
    if (!view) return out;
    const phase = view.phase || {};
    const you = view.you || {};
    const tb = (view.tables || []).find((x) => x.table === you.table) || null;
    const decided = !!(tb && tb.decision && tb.decision.reached);
    const mark = (done, yes, no) => (done ? { key: 'done', icon: 'check', word: t(yes) } : { key: 'todo', icon: 'clock', word: t(no) });
    if (phase.kind === 'lobby') out.push({ key: 'waiting', icon: 'clock', word: t('device.status.waiting') });
    else if (phase.kind === 'briefing' || phase.kind === 'debrief') out.push(mark(!!you.ready, 'device.status.ready', 'device.status.notReady'));
    else if (phase.kind === 'vote' && tb && tb.proposal && !decided) out.push(mark(!!you.vote, 'device.status.voted', 'device.status.notVoted'));
    else if (phase.kind === 'budget' && tb) out.push(mark(Array.isArray(you.ballot), 'device.status.chose', 'device.status.notChosen'));
    return out;
  }

  seatButton(seat) {
    const status = this.seatStatus(seat);
    const btn = h('button', {
      type: 'button', class: ['seat-button', `seat-colour-${seat.color}`], testid: 'seat',
      'data-focus-key': `seat-${seat.player_id}`,
      dataset: { playerId: seat.player_id, status: status.map((s) => s.key).join(' ') || null },
    },
    h('span', { class: 'seat-initial', 'aria-hidden': 'true' }, initial(seat.name)),
    h('span', { class: 'seat-text' },
      h('span', { class: 'seat-name', testid: 'seat-name' }, seat.name),
      status.length ? h('span', { class: 'seat-status', testid: 'seat-status' },
        status.map((s) => h('span', { class: ['seat-status-part', `is-${s.key}`] }, icon(s.icon), h('span', null, s.word)))) : null),
    h('span', { class: 'seat-go', 'aria-hidden': 'true' }, icon('next')));
    btn.addEventListener('click', () => this.pick(seat));
    return btn;
  }

  pickerView() {
    const addBtn = h('button', { type: 'button', class: 'btn btn-secondary', testid: 'device-add', 'data-focus-key': 'device-add' },
      icon('person'), h('span', null, t('device.add')));
    addBtn.addEventListener('click', () => {
      this.add = { name: '', role: '', error: '', busy: false };
      this.notice = '';
      this.ui = 'add';
      this.hooks.render(true);
      this.focusName();
    });
    return [
      h('ul', { class: 'seat-list', 'aria-label': t('device.seatsLabel'), testid: 'seat-list' },
        this.seats.map((s) => h('li', null, this.seatButton(s)))),
      h('div', { class: 'button-row device-actions' }, addBtn),
      h('details', { class: 'panel panel-details device-manage', 'data-keep': 'device-manage', testid: 'device-manage' },
        h('summary', null, h('h2', { class: 'summary-heading' }, t('device.manage'))),
        h('p', { class: 'hint' }, t('device.manageHint')),
        h('ul', { class: 'link-list device-forget-list' }, this.seats.map((s) => {
          const b = h('button', { type: 'button', class: 'btn btn-quiet', testid: 'forget-seat', 'data-focus-key': `forget-${s.player_id}`,
            dataset: { playerId: s.player_id } }, t('device.forget', { name: s.name }));
          b.addEventListener('click', () => {
            this.forgetting = s;
            this.ui = 'forget';
            this.notice = '';
            this.hooks.render(true);
          });
          return h('li', null, b);
        }))),
    ];
  }

  forgetView(seat) {
    const status = formStatus('forget-status');
    const only = h('button', { type: 'button', class: 'btn btn-danger', testid: 'forget-confirm' }, t('device.forgetOnly'));
    const leave = h('button', { type: 'button', class: 'btn btn-secondary', testid: 'forget-leave' }, t('device.forgetLeave', { name: seat.name }));
    const back = h('button', { type: 'button', class: 'btn btn-secondary', testid: 'forget-cancel' }, t('device.forgetCancel'));
    only.addEventListener('click', () => this.drop(seat, t('device.forgotten', { name: seat.name })));
    leave.addEventListener('click', async () => {
      leave.disabled = true;
      try {
        // The server answers with `left`; message() then forgets the seat.
        await seat.conn.request({ type: 'leave' });
      } catch (err) {
        leave.disabled = false;
        status.set(errorText(err), true);
      }
    });
    back.addEventListener('click', () => this.toPicker(true));
    return h('div', { class: 'panel stack', role: 'group', 'aria-labelledby': 'forget-q', testid: 'forget-panel' },
      h('p', { id: 'forget-q', class: 'lead' }, t('device.forgetQuestion', { name: seat.name })),
      h('p', { class: 'hint' }, t('device.forgetHint', { name: seat.name })),
      h('div', { class: 'button-row' }, only, leave, back),
      status);
  }

  addView() {
    const st = this.add;
    const maxName = limit('name');
    const errId = 'device-name-error';
    const nameInput = h('input', {
      id: 'device-name', name: 'name', type: 'text', class: 'input', testid: 'device-name',
      autocomplete: 'off', maxlength: maxName, required: true, value: st.name,
      'aria-describedby': st.error ? `device-name-hint ${errId}` : 'device-name-hint',
      'aria-invalid': st.error ? 'true' : null,
      on: { input: (ev) => { st.name = ev.target.value; } },
    });
    const roles = [...ROLES, 'other'].map((r) => {
      const id = `device-real-role-${r}`;
      const value = r === 'other' ? '' : r;
      return h('label', { class: 'option', for: id },
        h('input', { type: 'radio', name: 'device_real_role', id, value, testid: id, checked: (st.role || '') === value,
          on: { change: () => { st.role = value; } } }),
        h('span', { class: 'option-body' }, r === 'other' ? h('span', null, t('join.roleOther')) : roleBadge(r)));
    });
    const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', testid: 'device-add-submit', disabled: st.busy || null },
      icon('person'), h('span', null, st.busy ? t('join.joining') : t('device.addSubmit')));
    const form = h('form', { class: 'panel stack', novalidate: true, testid: 'device-add-form', 'aria-labelledby': 'device-add-heading' },
      h('h2', { id: 'device-add-heading' }, this.seats.length ? t('device.addNext') : t('device.addFirst')),
      h('div', { class: 'field' },
        h('label', { for: 'device-name', class: 'label' }, t('device.nameLabel')),
        h('p', { id: 'device-name-hint', class: 'hint' }, t('join.nameHint', { max: maxName })),
        nameInput,
        st.error ? h('p', { id: errId, class: 'field-error', role: 'alert', testid: 'device-add-error' }, st.error) : null),
      h('fieldset', { class: 'field options' },
        h('legend', { class: 'label' }, t('join.roleLegend')),
        h('p', { class: 'hint' }, t('join.roleWhy')),
        h('div', { class: 'option-grid' }, roles)),
      submit);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (st.busy) return;
      const name = nameInput.value.trim();
      const n = charCount(name);
      if (n < 1 || n > maxName) {
        st.error = n < 1 ? t('join.nameEmpty') : t('join.nameLong', { max: maxName });
        this.hooks.render();
        this.focusName();
        return;
      }
      st.error = '';
      st.busy = true;
      this.hooks.render();
      try {
        const seat = await this.join({ name, real_role: st.role || null });
        this.add = { name: '', role: '', error: '', busy: false };
        this.notice = t('device.added', { name: seat.name });
        announce(this.notice);
      } catch (text) {
        st.busy = false;
        st.error = typeof text === 'string' ? text : errorText(text);
      }
      if (this.ui === 'add' && this.S.mode === 'device') {
        this.hooks.render();
        this.focusName();
      }
    });

    const done = h('button', { type: 'button', class: 'btn btn-secondary btn-block btn-large', testid: 'device-done', 'data-focus-key': 'device-done' },
      h('span', null, t('device.done')), icon('next'));
    done.addEventListener('click', () => {
      this.notice = '';
      this.toPicker(true);
    });
    const back = h('button', { type: 'button', class: 'btn btn-quiet', testid: 'device-back' }, t('device.back'));
    back.addEventListener('click', () => {
      this.S.mode = 'form';
      this.hooks.render(true);
    });
    return [
      form,
      this.seats.length ? h('section', { class: 'panel', 'aria-labelledby': 'device-here-heading', testid: 'device-here' },
        h('h2', { id: 'device-here-heading' }, t('device.onDevice', { n: this.seats.length })),
        h('ul', { class: 'seat-chips' }, this.seats.map((s) => h('li', { class: ['seat-chip', `seat-colour-${s.color}`] },
          h('span', { class: 'seat-initial', 'aria-hidden': 'true' }, initial(s.name)),
          h('span', { class: 'seat-name' }, s.name)))),
        done) : h('div', { class: 'button-row' }, back),
    ];
  }

  focusName() {
    const el = document.getElementById('device-name');
    if (el) el.focus();
  }
}
