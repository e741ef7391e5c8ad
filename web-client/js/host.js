// host.js: /host, the facilitator's page. The entry module only chooses:
//
// - /host without ?room: the setup (host/setup.js): choose or paste a case, set the
//   options, create a room;
// - /host?room=CODE: the dashboard of that room (host/dashboard.js), which a
//   reload resumes with the host token kept in localStorage;
// - /host/CODE: the same dashboard. This is the "host link" (PROTOCOL.md, version 2):
//   /host/CODE#key=TOKEN lets a facilitator continue on another device. The token is
//   read from the fragment (which a browser never sends to the server), stored like a
//   token made on this device, and the fragment is taken out of the address bar and
//   the history at once. The token only ever travels in the WebSocket session message
//   and in Authorization headers; it is never logged.
//
// Each panel of the two lives in its own module under host/; see web-client/README.md.

import { normaliseCode, isValidCode, storage, KEYS } from './common.js';
import { initI18n } from './i18n.js';
import { setup } from './host/setup.js';
import { dashboard } from './host/dashboard.js';

const app = document.getElementById('app');
const roomParam = new URLSearchParams(location.search).get('room');
const pathMatch = location.pathname.match(/^\/host\/([^/]+)\/?$/);

/** The token in a `#key=TOKEN` fragment, or null; the fragment is removed either way. */
function takeKeyFromFragment() {
  const hash = location.hash;
  if (!hash) return null;
  const m = hash.match(/^#key=([^&]*)/);
  history.replaceState(history.state, '', location.pathname + location.search);
  if (!m) return null;
  let token;
  try { token = decodeURIComponent(m[1]).trim(); } catch { token = ''; }
  return token || null;
}

initI18n();

if (pathMatch) {
  let raw;
  try { raw = decodeURIComponent(pathMatch[1]); } catch { raw = ''; }
  const code = normaliseCode(raw);
  const token = takeKeyFromFragment();
  if (token && isValidCode(code)) storage.set(KEYS.host(code), token);
  dashboard(app, code, { token });
} else if (roomParam !== null) {
  dashboard(app, normaliseCode(roomParam));
} else {
  setup(app);
}
