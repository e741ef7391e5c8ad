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
