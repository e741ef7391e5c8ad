// host.js: /host, the facilitator's page. The entry module only chooses:
//
// - without ?room: the setup (host/setup.js): choose or paste a case, set the
//   options, create a room;
// - with ?room=CODE: the dashboard of that room (host/dashboard.js), which a
//   reload resumes with the host token kept in localStorage.
//
// Each panel of the two lives in its own module under host/; see web-client/README.md.

import { normaliseCode } from './common.js';
import { initI18n } from './i18n.js';
import { setup } from './host/setup.js';
import { dashboard } from './host/dashboard.js';

const app = document.getElementById('app');
const roomParam = new URLSearchParams(location.search).get('room');

initI18n();

if (roomParam !== null) dashboard(app, normaliseCode(roomParam));
else setup(app);
