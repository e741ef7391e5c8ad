// icons.js: small line icons built as SVG nodes. They are always shown next
// to a word (aria-hidden), so meaning never rests on an icon or a colour alone.

import { svg } from './common.js';

const PATHS = {
  resident: ['M3 11.5 12 4l9 7.5', 'M5.5 10v10.5h13V10', 'M10 20.5v-5h4v5'],
  civil_servant: ['M3 9.5 12 4.5l9 5z', 'M5.5 11v7', 'M10 11v7', 'M14 11v7', 'M18.5 11v7', 'M3 20.5h18'],
  councillor: ['M4.1 11.1 11.1 4.1l2.8 2.8-7 7z', 'M10.5 10.5l9 9', 'M3 21h10'],
  support: ['M4.5 12.5l5 5L19.5 7'],
  support_if: ['M3.5 13l4.5 4.5L15 9.5', 'M19 3v7', 'M15.5 6.5h7'],
  abstain: ['M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z', 'M7.5 12h9'],
  object: ['M6 6l12 12', 'M18 6 6 18'],
  reached: ['M12 2.5a9.5 9.5 0 1 0 0 19a9.5 9.5 0 1 0 0-19z', 'M7.5 12.5l3 3 6-6.5'],
  not_reached: ['M12 2.5a9.5 9.5 0 1 0 0 19a9.5 9.5 0 1 0 0-19z', 'M8.5 8.5l7 7', 'M15.5 8.5l-7 7'],
  speaker: ['M4 9h4l5-4v14l-5-4H4z', 'M16.5 9a4 4 0 0 1 0 6', 'M19 6.5a7.5 7.5 0 0 1 0 11'],
  stop: ['M7 7h10v10H7z'],
  check: ['M4.5 12.5l5 5L19.5 7'],
  clock: ['M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z', 'M12 7v5l3.5 2'],
  lock: ['M6 11h12v10H6z', 'M8.5 11V7.5a3.5 3.5 0 0 1 7 0V11'],
  warning: ['M12 3 2 20.5h20z', 'M12 9.5v5', 'M12 17.5v.5'],
  unlock: ['M6 11h12v10H6z', 'M8.5 11V7.5a3.5 3.5 0 0 1 6.8-1.2'],
  person: ['M12 4a3.5 3.5 0 1 0 0 7a3.5 3.5 0 1 0 0-7z', 'M5 20.5c.8-4 3.6-6 7-6s6.2 2 7 6'],
  event: ['M5 3.5h14v17H5z', 'M9 8h6', 'M9 12h6', 'M9 16h3'],
  shown: ['M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12z', 'M12 9a3 3 0 1 0 0 6a3 3 0 1 0 0-6z'],
  hidden: ['M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12z', 'M12 9a3 3 0 1 0 0 6a3 3 0 1 0 0-6z', 'M3.5 3.5l17 17'],
  // The phone's tabs and the game card (issue #13).
  heart: ['M12 20s-7.5-4.4-7.5-10A4 4 0 0 1 12 7.6 4 4 0 0 1 19.5 10c0 5.6-7.5 10-7.5 10z'],
  list: ['M9.5 6.5H20', 'M9.5 12H20', 'M9.5 17.5H20', 'M4.5 6.5h.5', 'M4.5 12h.5', 'M4.5 17.5h.5'],
  pen: ['M4 20l1.2-4.6L16.3 4.3l3.4 3.4L8.6 18.8z', 'M13.8 6.8l3.4 3.4'],
  next: ['M4.5 12h15', 'M13.5 6l6 6-6 6'],
  people: ['M9 4.5a3 3 0 1 0 0 6a3 3 0 1 0 0-6z', 'M3 19.5c.6-3.4 3-5.2 6-5.2s5.4 1.8 6 5.2', 'M15.5 4.8a2.8 2.8 0 0 1 0 5.4', 'M17.5 14.5c2 .6 3.1 2.3 3.5 5'],
  // Looking back (the debrief's replay): round kinds, note kinds and the playback buttons.
  history: ['M3.5 12a8.5 8.5 0 1 0 2.5-6', 'M3 3.5V8h4.5', 'M12 7.5V12l3 2'],
  book: ['M12 6.5C10 5 7 4.5 3.5 5v14c3.5-.5 6.5 0 8.5 1.5 2-1.5 5-2 8.5-1.5V5C17 4.5 14 5 12 6.5z', 'M12 6.5v14'],
  chat: ['M4 4.5h16v11H10l-6 4.5z'],
  ballot: ['M4 10.5h16v9.5H4z', 'M8 10.5V4h8v6.5', 'M9 14.5h6'],
  flag: ['M5.5 21V3.5', 'M5.5 4h12l-2.5 4.5 2.5 4.5h-12'],
  euro: ['M17.5 6.2A7 7 0 1 0 17.5 17.8', 'M4 10h9', 'M4 14h9'],
  bulb: ['M9 18h6', 'M10 21h4', 'M12 3a6 6 0 0 0-3.6 10.8c.7.5 1.1 1.3 1.1 2.2h5c0-.9.4-1.7 1.1-2.2A6 6 0 0 0 12 3z'],
  question: ['M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z', 'M9.5 9.5a2.5 2.5 0 1 1 3.5 2.3c-.7.3-1 .9-1 1.7v.5', 'M12 17v.5'],
  play: ['M7 4.5v15l12-7.5z'],
  pause: ['M8 5v14', 'M16 5v14'],
  first: ['M6 5v14', 'M18 5l-9 7 9 7z'],
  last: ['M18 5v14', 'M6 5l9 7-9 7z'],
  back: ['M15 5l-7 7 7 7'],
  forward: ['M9 5l7 7-7 7'],
  printer: ['M7 9V3.5h10V9', 'M6.5 17.5H4V9h16v8.5h-2.5', 'M7 14h10v6.5H7z'],
  monitor: ['M3 4.5h18v12H3z', 'M8 20.5h8', 'M12 16.5v4'],
  refresh: ['M20 11.5a8 8 0 1 1-2.4-5.7', 'M20 4v5h-5'],
  // Easy-read mode (issue #17): the switch "Makkelijk lezen" (a big and a small letter a).
  easy: ['M2.5 19.5 7.5 5l5 14.5', 'M4.2 14.5h6.6', 'M17.5 11.5a3 3 0 1 0 0 6a3 3 0 1 0 0-6z', 'M20.5 11v8.5'],
  send: ['M3 11.5 21 3l-7.5 18-2.5-7.5z', 'M11 13.5 21 3'],
};

const FILLED = {
  online: () => [svg('circle', { cx: 12, cy: 12, r: 6, fill: 'currentColor' })],
  offline: () => [svg('circle', { cx: 12, cy: 12, r: 5.5, fill: 'none', stroke: 'currentColor', 'stroke-width': 2 }),
    svg('path', { d: 'M6 18 18 6', fill: 'none', stroke: 'currentColor', 'stroke-width': 2 })],
};

/** An SVG icon by name (hidden from assistive technology: pair it with a word). */
export function icon(name, cls = '') {
  const children = FILLED[name]
    ? FILLED[name]()
    : (PATHS[name] || []).map((d) => svg('path', { d }));
  return svg('svg', {
    class: ['icon', cls, `icon-${name}`],
    viewBox: '0 0 24 24',
    width: 24,
    height: 24,
    'aria-hidden': 'true',
    focusable: 'false',
    fill: 'none',
    stroke: 'currentColor',
    'stroke-width': 2,
    'stroke-linecap': 'round',
    'stroke-linejoin': 'round',
  }, children);
}
