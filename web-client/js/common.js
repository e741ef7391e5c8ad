// common.js: small helpers shared by every page.
//
// - h() / svg(): build DOM nodes. Data is only ever put in the page as text
//   (text nodes, textContent, attributes set one by one); never via innerHTML.
// - storage: localStorage that never throws (private mode, full disk).
// - RoomSocket: the WebSocket client with session, reconnect and back-off.
// - clock: countdowns corrected for the server's clock.
// - api(): fetch JSON from the HTTP API.
// - limits: the longest name, note and proposal, as the server's hello says.

import { t, getLang, chosenLang } from './i18n.js';
import { applyPatch } from './patch.js';

// ---------------------------------------------------------------- DOM

const PROPS = new Set(['value', 'checked', 'indeterminate']);

function applyAttrs(el, attrs, isSvg) {
  if (!attrs) return;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'on') {
      for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    } else if (k === 'class') {
      const cls = Array.isArray(v) ? v.filter(Boolean).join(' ') : String(v);
      if (cls) el.setAttribute('class', cls);
    } else if (k === 'text') {
      el.textContent = String(v);
    } else if (k === 'testid') {
      el.setAttribute('data-testid', String(v));
    } else if (k === 'dataset') {
      for (const [dk, dv] of Object.entries(v)) {
        if (dv !== null && dv !== undefined) el.dataset[dk] = String(dv);
      }
    } else if (k === 'style' || k === 'innerHTML' || k === 'outerHTML' || /^on/i.test(k)) {
      // Inline styles and handlers are blocked by the CSP; markup is never built from data.
      throw new Error(`h(): attribute ${k} is not allowed`);
    } else if (!isSvg && PROPS.has(k)) {
      el[k] = v;
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
}

function appendChildren(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false || c === true) continue;
    if (Array.isArray(c)) appendChildren(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

/** Build an HTML element. Children that are not nodes become text nodes. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  applyAttrs(el, attrs, false);
  appendChildren(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Build an SVG element (same rules as h()). */
export function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  applyAttrs(el, attrs, true);
  appendChildren(el, children);
  return el;
}

/** Replace all children of el. */
export function setChildren(el, ...children) {
  el.replaceChildren();
  appendChildren(el, children);
  return el;
}

/** Count characters the way the server does: Unicode scalar values after trimming. */
export function charCount(s) {
  return [...String(s || '').trim()].length;
}

let idCounter = 0;
/** A page-unique id for label/for pairs. */
export function uid(prefix = 'id') {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

// Re-render a region only when its data changed, and keep keyboard focus in place.
const lastSigs = new WeakMap();

/**
 * Fill `container` with build() when `sig` differs from the last call.
 * When focus was inside, it is put back on the element with the same
 * data-focus-key (or id), or on the container.
 */
export function region(container, sig, build) {
  if (lastSigs.get(container) === sig) return false;
  lastSigs.set(container, sig);
  const active = document.activeElement;
  let focusKey = null;
  if (active && active !== document.body && container.contains(active)) {
    focusKey = active.getAttribute('data-focus-key') || (active.id ? `#${active.id}` : '*');
  }
  // <details data-keep="KEY"> keep the open/closed state the person gave them.
  const kept = new Map();
  for (const d of container.querySelectorAll('details[data-keep]')) kept.set(d.dataset.keep, d.open);
  container.replaceChildren();
  appendChildren(container, [build()]);
  for (const d of container.querySelectorAll('details[data-keep]')) {
    if (kept.has(d.dataset.keep)) d.open = kept.get(d.dataset.keep);
  }
  if (focusKey) {
    let target = null;
    if (focusKey.startsWith('#')) target = document.getElementById(focusKey.slice(1));
    else if (focusKey !== '*') target = container.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`);
    if (!target) {
      if (!container.hasAttribute('tabindex')) container.setAttribute('tabindex', '-1');
      target = container;
    }
    target.focus({ preventScroll: true });
  }
  return true;
}

/**
 * The signature of a region's data for region(). The language is part of it, so
 * that every region is built again in the new language after a switch.
 */
export function sig(...parts) {
  return JSON.stringify([getLang(), ...parts]);
}

/** Forget the remembered signatures (e.g. after a language switch). */
export function resetRegion(container) {
  lastSigs.delete(container);
}

// ---------------------------------------------------------------- announcements

/** Say something to screen-reader users through the page's polite live region. */
export function announce(text) {
  const el = document.getElementById('announcer');
  if (!el) return;
  el.textContent = '';
  // A new text node in a separate task makes repeated messages be read again.
  setTimeout(() => { el.textContent = String(text); }, 50);
}

// ---------------------------------------------------------------- storage

export const storage = {
  get(key) {
    try { return window.localStorage.getItem(key); } catch { return null; }
  },
  set(key, value) {
    try { window.localStorage.setItem(key, value); } catch { /* private mode: keep going */ }
  },
  remove(key) {
    try { window.localStorage.removeItem(key); } catch { /* ignore */ }
  },
  keys() {
    try { return Object.keys(window.localStorage); } catch { return []; }
  },
};

export const KEYS = {
  player: (code) => `democreatie.player.${code}`,
  host: (code) => `democreatie.host.${code}`,
  joinUrl: (code) => `democreatie.joinurl.${code}`,
  // A shared device's seats (device.js): [{player_id, token, name, color}].
  device: (code) => `democreatie.device.${code}`,
  lang: 'democreatie.lang',
};

// ---------------------------------------------------------------- codes

export const CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const CODE_RE = /^[BCDFGHJKLMNPQRSTVWXZ]{5}$/;

/** Upper-case, without spaces or dashes. */
export function normaliseCode(s) {
  return String(s || '').toUpperCase().replace(/[\s.-]+/g, '');
}

export function isValidCode(s) {
  return CODE_RE.test(s);
}

/** The code in /join/CODE or /screen/CODE (upper-cased), or null. */
export function codeFromPath() {
  const m = location.pathname.match(/^\/[a-z]+\/([^/]+)\/?$/i);
  if (!m) return null;
  let raw;
  try { raw = decodeURIComponent(m[1]); } catch { return ''; }
  return normaliseCode(raw);
}

// ---------------------------------------------------------------- HTTP

/** fetch() a JSON API. Resolves to {status, ok, data}; network failures give status 0. */
export async function api(path, { method = 'GET', body, token, text } = {}) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (text !== undefined) headers['Content-Type'] = 'text/plain; charset=utf-8';
  if (token) headers.Authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body !== undefined ? JSON.stringify(body) : text,
      cache: 'no-store',
      credentials: 'same-origin',
    });
  } catch {
    return { status: 0, ok: false, data: null };
  }
  let data = null;
  const type = res.headers.get('Content-Type') || '';
  if (type.includes('json')) {
    try { data = await res.json(); } catch { data = null; }
  }
  return { status: res.status, ok: res.ok, data };
}

/** Offer a Blob as a file download. */
export function downloadBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: filename, class: 'sr-only' }, filename);
  document.body.appendChild(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(url); a.remove(); }, 30000);
}

// ---------------------------------------------------------------- clock

let clockOffset = 0; // server time minus local time, in ms
const timers = new Set();
const warned = new Set(); // deadlines already announced as "one minute left"
let clockHandle = null;

/** Call with the server's RFC3339 time when a state arrives. */
export function syncClock(serverTime) {
  const ms = Date.parse(serverTime || '');
  if (Number.isFinite(ms)) clockOffset = ms - Date.now();
}

export function serverNow() {
  return Date.now() + clockOffset;
}

function formatRemaining(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${m}:${String(s).padStart(2, '0')}`;
}

function tickOne(el) {
  const deadline = Date.parse(el.dataset.deadline || '');
  const out = el.querySelector('.countdown-time');
  const note = el.querySelector('.countdown-note');
  if (!Number.isFinite(deadline) || !out) return;
  const left = deadline - serverNow();
  if (left > 0) {
    out.textContent = formatRemaining(left);
    el.classList.remove('is-over');
    if (note) note.textContent = '';
    if (left <= 60000 && left > 50000 && !warned.has(el.dataset.deadline)) {
      warned.add(el.dataset.deadline);
      announce(t('countdown.oneMinute'));
    }
  } else {
    out.textContent = '0:00';
    el.classList.add('is-over');
    if (note) note.textContent = t('countdown.over');
  }
}

function tickAll() {
  for (const el of timers) {
    if (!el.isConnected) timers.delete(el);
    else tickOne(el);
  }
  if (timers.size === 0 && clockHandle) {
    clearInterval(clockHandle);
    clockHandle = null;
  }
}

/**
 * A countdown to an RFC3339 deadline. It only shows time: it never submits
 * or decides anything. Returns null when there is no deadline.
 */
export function countdown(deadline, { big = false } = {}) {
  if (!deadline) return null;
  const el = h('div', { class: ['countdown', big && 'countdown-big'], testid: 'countdown', dataset: { deadline } },
    h('span', { class: 'countdown-label' }, t('countdown.label')), ' ',
    h('span', { class: 'countdown-time', role: 'timer', 'aria-live': 'off' }, ''),
    h('span', { class: 'countdown-note' }, ''));
  timers.add(el);
  tickOne(el);
  if (!clockHandle) clockHandle = setInterval(tickAll, 1000);
  return el;
}

// ---------------------------------------------------------------- limits

// The server decides how long a name, a note (also a vote's condition or reason)
// or a proposal may be and how many seconds one `extend` may add; its `hello`
// carries them (docs/protocol.md, "hello"). These are the only copies of the
// numbers in the client, used until a hello arrives: by the join form, which is
// shown before there is a socket, and against a server that sends no limits.
const FALLBACK_LIMITS = Object.freeze({ name: 24, note: 280, proposal: 2000, extend_seconds: 1800, players: 64 });
const limits = { ...FALLBACK_LIMITS };

/** The server's limit `key` (name, note, proposal, extend_seconds, players). */
export function limit(key) {
  return limits[key];
}

/** Take the limits from a hello; a missing or odd value keeps what we had. */
function takeLimits(sent) {
  if (!sent || typeof sent !== 'object') return;
  for (const key of Object.keys(FALLBACK_LIMITS)) {
    const v = sent[key];
    if (Number.isInteger(v) && v > 0) limits[key] = v;
  }
}

// ---------------------------------------------------------------- WebSocket

/** The WebSocket address; `room` is the routing hint (version 2) for a proxy in front of
 * several nodes, which sends all of a room's sockets to the same node. */
export function wsUrl(room) {
  const hint = room ? `?room=${encodeURIComponent(room)}` : '';
  return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws' + hint;
}

/**
 * One WebSocket session with automatic reconnect.
 *
 * session(): the message that opens the session (join, resume, host, watch),
 *   or null when there is nothing to open (then no connection is kept).
 * onMessage(msg): every message from the server.
 * onStatus(status): 'connecting' | 'online' | 'reconnecting' | 'offline' | 'idle' | 'stopped'.
 *
 * After a drop it reconnects with exponential back-off (0.5 s doubling to
 * 15 s, with jitter), at once when the browser comes back online or the page
 * becomes visible again, and never while the browser says it is offline.
 */
export class RoomSocket {
  constructor({ session, onMessage, onStatus }) {
    this.session = session;
    this.onMessage = onMessage || (() => {});
    this.onStatus = onStatus || (() => {});
    this.ws = null;
    this.hello = false;
    this.sessionOpen = false;
    this.stopped = true;
    this.attempt = 0;
    this.timer = null;
    this.nextId = 1;
    this.pending = new Map();
    this.status = 'idle';
    this.everOpened = false;

    this.hiddenAt = null;
    window.addEventListener('online', () => this.wake());
    window.addEventListener('offline', () => this.dropForOffline());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') {
        this.hiddenAt = Date.now();
        return;
      }
      // After a long sleep the old socket may be dead without a close event:
      // open a fresh one (resuming replaces the old session on the server).
      const slept = this.hiddenAt !== null && Date.now() - this.hiddenAt > 20 * 1000;
      this.hiddenAt = null;
      if (slept && this.ws && this.sessionOpen) this.refresh();
      else this.wake();
    });
    window.addEventListener('pageshow', (ev) => { if (ev.persisted) this.refresh(); });
  }

  setStatus(s) {
    if (this.status === s) return;
    this.status = s;
    this.onStatus(s);
  }

  /** Start (or restart after stop()) and connect now. */
  start() {
    this.stopped = false;
    this.attempt = 0;
    this.connect();
  }

  /** Stop for good: close the socket and never reconnect (until start()). */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = null;
    const ws = this.ws;
    this.detach();
    if (ws) { try { ws.close(1000); } catch { /* ignore */ } }
    this.setStatus('stopped');
  }

  /** The session message, with the language the person chose (version 2): the server
   * then writes its sentences for this connection in that language. A switch takes effect
   * at the next session (a reload or a reconnect). */
  sessionMsg() {
    const msg = this.session();
    if (!msg) return msg;
    const language = chosenLang();
    // Version 2: after the first whole state, only what changed (see handlePatch).
    return language ? { ...msg, language, patches: true } : { ...msg, patches: true };
  }

  /** Send the session message now if a socket waits for one, else connect. */
  openSession() {
    this.stopped = false;
    if (this.ws && this.ws.readyState === WebSocket.OPEN && this.hello && !this.sessionOpen) {
      const msg = this.sessionMsg();
      if (msg) this.rawSend({ ...msg, id: this.nextId++ });
      return;
    }
    if (!this.ws) this.connect();
  }

  connect() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.stopped) return;
    if (this.ws) return;
    if (!this.session()) { this.setStatus('idle'); return; }
    if (navigator.onLine === false) { this.setStatus('offline'); return; }
    this.setStatus(this.everOpened ? 'reconnecting' : 'connecting');
    let ws;
    try {
      const first = this.session();
      ws = new WebSocket(wsUrl(first && first.room));
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    this.hello = false;
    this.sessionOpen = false;
    ws.addEventListener('message', (ev) => {
      if (ws !== this.ws) return;
      this.handle(ev.data);
    });
    ws.addEventListener('close', () => {
      if (ws !== this.ws) return;
      this.detach();
      if (this.stopped) return;
      if (!this.session()) { this.setStatus('idle'); return; }
      this.scheduleReconnect();
    });
  }

  /** Forget the current socket (its late events are ignored) and fail open requests. */
  detach() {
    this.ws = null;
    this.view = null;
    this.rev = 0;
    this.hello = false;
    this.sessionOpen = false;
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject({ code: 'disconnected', message: t('error.disconnected') });
    }
    this.pending.clear();
  }

  scheduleReconnect() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    if (navigator.onLine === false) { this.setStatus('offline'); return; }
    this.setStatus('reconnecting');
    const base = Math.min(15000, 500 * 2 ** this.attempt);
    const delay = Math.round(base * (0.5 + Math.random() * 0.5));
    this.attempt += 1;
    this.timer = setTimeout(() => this.connect(), delay);
  }

  /** The network came back or the phone woke up: try now. */
  wake() {
    if (this.stopped || this.ws) return;
    if (!this.session()) return;
    this.attempt = 0;
    this.connect();
  }

  /** Drop the current socket and connect again at once. */
  refresh() {
    if (this.stopped || !this.session()) return;
    const ws = this.ws;
    this.detach();
    if (ws) { try { ws.close(1000); } catch { /* ignore */ } }
    this.attempt = 0;
    this.connect();
  }

  /** The browser says it is offline: the socket may be dead without knowing it. */
  dropForOffline() {
    if (this.stopped) return;
    const ws = this.ws;
    clearTimeout(this.timer);
    this.timer = null;
    this.detach();
    if (ws) { try { ws.close(4000); } catch { /* ignore */ } }
    if (this.session()) this.setStatus('offline');
  }

  handle(raw) {
    let msg;
    try { msg = JSON.parse(raw); } catch { return; }
    if (!msg || typeof msg !== 'object') return;
    if (msg.type === 'hello') {
      this.hello = true;
      takeLimits(msg.limits);
      const s = this.sessionMsg();
      if (s) this.rawSend({ ...s, id: this.nextId++ });
    } else if (msg.type === 'welcome') {
      this.sessionOpen = true;
      this.everOpened = true;
      this.attempt = 0;
      this.setStatus('online');
    } else if (msg.type === 'patch') {
      this.handlePatch(msg);
      return;
    } else if (msg.type === 'state' || msg.type === 'left') {
      if (msg.type === 'state') {
        // The patched copy; pages get their own copy, so nothing they do touches it.
        this.view = msg.view;
        this.rev = msg.rev;
        msg = { ...msg, view: structuredClone(msg.view) };
      }
      this.settle(msg.id, true, msg);
    } else if (msg.type === 'error') {
      // The server's sentence, already in this connection's language; the client keeps no copy.
      this.settle(msg.id, false, { code: msg.code, message: msg.message || t('error.generic'), current: msg.current });
    }
    this.onMessage(msg);
  }

  /** A patch on the view this connection has: applied, and handed on as a state, so every
   * page keeps working on whole views. On a gap (or a patch that does not fit) the client
   * asks for a whole state with `sync`; a command waiting for its answer gets it then. */
  handlePatch(msg) {
    if (!this.view || msg.base !== this.rev) {
      this.rawSend({ type: 'sync' });
      return;
    }
    try {
      applyPatch(this.view, msg.ops || []);
    } catch {
      this.view = null;
      this.rawSend({ type: 'sync' });
      return;
    }
    this.rev = msg.rev;
    const state = { type: 'state', rev: msg.rev, view: structuredClone(this.view) };
    if (msg.id !== undefined) state.id = msg.id;
    this.settle(msg.id, true, state);
    this.onMessage(state);
  }

  settle(id, ok, value) {
    if (id === undefined || id === null) return;
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (ok) p.resolve(value); else p.reject(value);
  }

  rawSend(obj) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(obj));
    return true;
  }

  /**
   * Send a command. Resolves with the state that answers it; rejects with
   * {code, message} for an error (the server's sentence) or a lost connection.
   */
  request(obj) {
    return new Promise((resolve, reject) => {
      if (!this.sessionOpen || !this.ws || this.ws.readyState !== WebSocket.OPEN) {
        reject({ code: 'disconnected', message: t('error.notConnected') });
        return;
      }
      const id = this.nextId++;
      const timer = setTimeout(() => {
        if (this.pending.delete(id)) reject({ code: 'timeout', message: t('error.timeout') });
      }, 15000);
      this.pending.set(id, { resolve, reject, timer });
      this.rawSend({ ...obj, id });
    });
  }
}

/**
 * Show the connection state in the page's banner (inside a status region,
 * so screen readers hear it too).
 */
export function bannerFor(status) {
  const el = document.getElementById('conn-banner');
  if (!el) return;
  let text = '';
  if (status === 'reconnecting') text = t('conn.reconnecting');
  else if (status === 'offline') text = t('conn.offline');
  if (text) {
    el.textContent = text;
    el.dataset.state = status;
    el.hidden = false;
  } else {
    el.textContent = '';
    el.dataset.state = status;
    el.hidden = true;
  }
}

// ---------------------------------------------------------------- misc

/** Map of player_id -> name from a VIEW (lobby and tables). */
export function namesOf(view) {
  const map = new Map();
  for (const p of (view && view.lobby) || []) map.set(p.player_id, p.name);
  for (const tb of (view && view.tables) || []) {
    for (const p of tb.players || []) map.set(p.player_id, p.name);
  }
  return map;
}

/** Set of the player_ids whose name the facilitator hid (name_hidden) in a VIEW. */
export function hiddenNamesOf(view) {
  const set = new Set();
  for (const p of (view && view.lobby) || []) if (p.name_hidden) set.add(p.player_id);
  for (const tb of (view && view.tables) || []) {
    for (const p of tb.players || []) if (p.name_hidden) set.add(p.player_id);
  }
  return set;
}

/** "2/3" stays "2/3"; numbers become percentages. */
export function fraction(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return `${Math.round(v * 100)}%`;
  return String(v);
}

export function speechLang(lang) {
  return lang === 'en' ? 'en-GB' : 'nl-NL';
}
