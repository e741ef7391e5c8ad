// chart.js: an SVG bar chart of a decision: per role, one stacked bar of
// support / yes-if / abstain / object. Built with createElementNS; every
// segment also differs by pattern and outline, every bar carries its numbers
// in words, and the chart has a text alternative, so colour is never the only
// carrier of meaning.

import { svg } from './common.js';
import { t } from './i18n.js';
import { icon } from './icons.js';
import { ROLES, CHOICES } from './ui.js';

let chartCounter = 0;

const STYLE = {
  support: { fill: '#1d6b38', text: '#ffffff' },
  support_if: { fill: '#d3eedc', stripe: '#1d6b38', text: '#0b2e17' },
  abstain: { fill: '#e4e4e4', dots: '#4a4a4a', text: '#1b1b1b' },
  object: { fill: '#a3211b', cross: '#f5c6c3', text: '#1b1b1b' },
};

function defsFor(prefix) {
  const stripes = svg('pattern', { id: `${prefix}-support_if`, width: 10, height: 10, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
    svg('rect', { width: 10, height: 10, fill: STYLE.support_if.fill }),
    svg('rect', { width: 4, height: 10, fill: STYLE.support_if.stripe }));
  const dots = svg('pattern', { id: `${prefix}-abstain`, width: 8, height: 8, patternUnits: 'userSpaceOnUse' },
    svg('rect', { width: 8, height: 8, fill: STYLE.abstain.fill }),
    svg('circle', { cx: 4, cy: 4, r: 1.4, fill: STYLE.abstain.dots }));
  const cross = svg('pattern', { id: `${prefix}-object`, width: 12, height: 12, patternUnits: 'userSpaceOnUse' },
    svg('rect', { width: 12, height: 12, fill: STYLE.object.fill }),
    svg('path', { d: 'M0 0L12 12M12 0L0 12', stroke: STYLE.object.cross, 'stroke-width': 1.2 }));
  return svg('defs', null, stripes, dots, cross);
}

function fillOf(choice, prefix) {
  return choice === 'support' ? STYLE.support.fill : `url(#${prefix}-${choice})`;
}

function counts(c) {
  const o = {};
  for (const ch of CHOICES) o[ch] = Number((c && c[ch]) || 0);
  return o;
}

function describe(label, c) {
  return `${label}: ${CHOICES.map((ch) => `${t(`choice.${ch}`)} ${c[ch]}`).join(', ')}.`;
}

/**
 * A <figure> with the chart of one decision. Rows per role when by_role is
 * present (it is absent with a secret ballot: then one row of all votes).
 */
export function decisionChart(decision, { caption } = {}) {
  chartCounter += 1;
  const prefix = `chart${chartCounter}`;
  const rows = decision.by_role
    ? ROLES.map((r) => ({ key: r, label: t(`role.${r}`), icon: r, c: counts(decision.by_role[r]) }))
    : [{ key: 'all', label: t('chart.all'), icon: null, c: counts(decision) }];
  const W = 780;
  const labelW = 200;
  const barX = labelW;
  const barW = 300;
  const rowH = 60;
  const barH = 36;
  const top = 10;
  const legendY = top + rows.length * rowH + 12;
  const H = legendY + 2 * 40 + 8;
  const maxTotal = Math.max(1, ...rows.map((r) => CHOICES.reduce((a, ch) => a + r.c[ch], 0)));

  const titleId = `${prefix}-title`;
  const parts = [svg('title', { id: titleId },
    `${caption || t('chart.title')}. ${rows.map((r) => describe(r.label, r.c)).join(' ')}`), defsFor(prefix)];

  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const g = svg('g', { class: 'chart-row', 'data-row': r.key });
    if (r.icon) {
      const ic = icon(r.icon);
      ic.setAttribute('x', '0');
      ic.setAttribute('y', String(y + (barH - 28) / 2));
      ic.setAttribute('width', '28');
      ic.setAttribute('height', '28');
      g.appendChild(ic);
    }
    g.appendChild(svg('text', { x: r.icon ? 36 : 0, y: y + barH / 2, 'dominant-baseline': 'central', class: 'chart-label' }, r.label));
    // Track behind the bar.
    g.appendChild(svg('rect', { x: barX, y, width: barW, height: barH, fill: '#ffffff', stroke: '#6b6b6b', 'stroke-width': 1 }));
    let x = barX;
    for (const ch of CHOICES) {
      const n = r.c[ch];
      if (!n) continue;
      const w = (n / maxTotal) * barW;
      g.appendChild(svg('rect', { x, y, width: w, height: barH, fill: fillOf(ch, prefix), stroke: '#1b1b1b', 'stroke-width': 1.5, 'data-choice': ch }));
      if (w >= 26) {
        const plain = ch === 'support';
        if (!plain) {
          // A light plate behind the number keeps it readable on the pattern.
          g.appendChild(svg('rect', { x: x + w / 2 - 12, y: y + barH / 2 - 12, width: 24, height: 24, rx: 4, fill: '#ffffff', stroke: '#1b1b1b', 'stroke-width': 1 }));
        }
        g.appendChild(svg('text', { x: x + w / 2, y: y + barH / 2, 'text-anchor': 'middle', 'dominant-baseline': 'central',
          class: 'chart-num', fill: plain ? STYLE[ch].text : '#1b1b1b' }, String(n)));
      }
      x += w;
    }
    const counted = r.c.support + r.c.support_if + r.c.object;
    const supporters = r.c.support + r.c.support_if;
    g.appendChild(svg('text', { x: barX + barW + 14, y: y + barH / 2, 'dominant-baseline': 'central', class: 'chart-sum' },
      counted ? t('chart.supportOf', { k: supporters, n: counted }) : t('chart.noVotes')));
    parts.push(g);
  });

  // Legend: swatch + icon + word.
  const legend = svg('g', { class: 'chart-legend' });
  CHOICES.forEach((ch, i) => {
    const x = (i % 2) * (W / 2);
    const y = legendY + Math.floor(i / 2) * 40;
    legend.appendChild(svg('rect', { x, y: y + 6, width: 26, height: 26, fill: fillOf(ch, prefix), stroke: '#1b1b1b', 'stroke-width': 1.5 }));
    const ic = icon(ch);
    ic.setAttribute('x', String(x + 34));
    ic.setAttribute('y', String(y + 7));
    legend.appendChild(ic);
    legend.appendChild(svg('text', { x: x + 66, y: y + 19, 'dominant-baseline': 'central', class: 'chart-legend-text' }, t(`choice.${ch}`)));
  });
  parts.push(legend);

  const chart = svg('svg', {
    class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': titleId, 'data-testid': 'chart',
    preserveAspectRatio: 'xMinYMin meet',
  }, parts);
  return chart;
}
