// i18n.js: the user-interface language.
//
// All strings of one language live in one file (../i18n/nl.js, ../i18n/en.js),
// both with the same keys. Dutch is the default. A language chosen with the
// switch is remembered in localStorage ("democreatie.lang"); without such a
// choice a room page follows the room's language.

import nl from '../i18n/nl.js';
import en from '../i18n/en.js';

const DICTS = { nl, en };
const LANG_KEY = 'democreatie.lang';
const listeners = new Set();

function stored() {
  try {
    const v = window.localStorage.getItem(LANG_KEY);
    return v && DICTS[v] ? v : null;
  } catch {
    return null;
  }
}

let chosen = stored();
let lang = chosen || 'nl';

/** The string for key, with {name} placeholders filled from params (as text). */
export function t(key, params) {
  // Counted sentences: "KEY.zero" and "KEY.one" (when the language has them) for n = 0 and
  // n = 1, so no sentence says "1 plannen".
  if (params && (params.n === 0 || params.n === 1)) {
    const form = `${key}.${params.n === 0 ? 'zero' : 'one'}`;
    if (DICTS[lang][form] !== undefined) key = form;
  }
  let s = DICTS[lang][key];
  if (s === undefined) s = DICTS.nl[key];
  if (s === undefined) return key;
  if (params) {
    s = s.replace(/\{(\w+)\}/g, (m, name) => (params[name] === undefined ? m : String(params[name])));
  }
  return s;
}

export function getLang() {
  return lang;
}

/** The language the person chose, or null when they follow the room's. */
export function chosenLang() {
  return chosen || null;
}

function apply(next) {
  if (!DICTS[next] || next === lang) return false;
  lang = next;
  document.documentElement.lang = lang;
  applyStatic();
  for (const fn of listeners) fn(lang);
  return true;
}

/** Switch language by the person's choice, and remember it. */
export function chooseLang(next) {
  if (!DICTS[next]) return;
  chosen = next;
  try { window.localStorage.setItem(LANG_KEY, next); } catch { /* ignore */ }
  apply(next);
}

/** Follow the room's language unless the person chose one. */
export function followRoomLang(roomLang) {
  if (chosen || !DICTS[roomLang]) return;
  apply(roomLang);
}

/** Call fn(lang) after every language change. */
export function onLangChange(fn) {
  listeners.add(fn);
}

/**
 * Fill static markup: data-i18n="key" sets the text; data-i18n-attr="attr:key;attr:key"
 * sets attributes (aria-label, alt, placeholder, title, content).
 */
export function applyStatic(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) {
    el.textContent = t(el.getAttribute('data-i18n'));
  }
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.getAttribute('data-i18n-attr').split(';')) {
      const [attr, key] = pair.split(':').map((x) => x.trim());
      if (attr && key) el.setAttribute(attr, t(key));
    }
  }
  const title = document.querySelector('title[data-i18n-title]');
  if (title) document.title = t(title.getAttribute('data-i18n-title'));
}

/** Make the header's language button work: it offers the other language. */
export function mountLangSwitch() {
  const btn = document.querySelector('[data-testid="lang-switch"]');
  if (!btn) return;
  const update = () => {
    const other = lang === 'nl' ? 'en' : 'nl';
    btn.textContent = other === 'en' ? 'English' : 'Nederlands';
    btn.setAttribute('lang', other);
    btn.setAttribute('aria-label', other === 'en' ? 'English: switch language' : 'Nederlands: taal wijzigen');
    btn.dataset.lang = lang;
  };
  btn.addEventListener('click', () => {
    chooseLang(lang === 'nl' ? 'en' : 'nl');
  });
  onLangChange(update);
  update();
}

/** Run once when a page starts. */
export function initI18n() {
  document.documentElement.lang = lang;
  applyStatic();
  mountLangSwitch();
}
