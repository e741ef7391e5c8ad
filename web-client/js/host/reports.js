// host/reports.js: the report downloads (Markdown, JSON, CSV; with the host token,
// so fetch() and a Blob rather than a plain link) and deleting the room with all
// that is stored about it (after a "sure?").
//
// The HTTP API answers in English only (docs/protocol.md), so a refused download
// or delete is worded here, in the page's language, by its status.

import { h, region, storage, KEYS, api, downloadBlob, sig } from '../common.js';
import { t } from '../i18n.js';
import { formStatus } from '../ui.js';

/** `ctx`: the dashboard's { code, S, conn, render, showEnded }. */
export function renderReports(el, ctx) {
  region(el, sig(ctx.S.reportStatus, ctx.S.deleteConfirm), () => reportsView(ctx));
}

function reportsView(ctx) {
  const { code, S } = ctx;
  const status = formStatus('report-status');
  if (S.reportStatus) status.set(S.reportStatus.text, S.reportStatus.error);
  const dl = async (ext) => {
    status.set(t('host.reportLoading'));
    let res;
    try {
      res = await fetch(`/api/rooms/${code}/report.${ext}`, { headers: { Authorization: `Bearer ${S.token}` }, cache: 'no-store' });
    } catch {
      status.set(t('error.network'), true);
      return;
    }
    if (!res.ok) {
      status.set(res.status === 401 ? t('host.reportUnauthorized') : res.status === 404 ? t('host.reportMissing') : t('error.generic'), true);
      return;
    }
    const blob = await res.blob();
    downloadBlob(blob, `democreatie-${code}.${ext}`);
    status.set(t('host.reportReady', { file: `democreatie-${code}.${ext}` }));
  };
  const rbtn = (ext) => {
    const b = h('button', { type: 'button', class: 'btn btn-secondary', testid: `report-${ext}` }, t(`host.report.${ext}`));
    b.addEventListener('click', () => dl(ext));
    return b;
  };
  const del = [];
  if (!S.deleteConfirm) {
    const b = h('button', { type: 'button', class: 'btn btn-quiet', testid: 'host-delete', 'data-focus-key': 'host-delete' }, t('host.delete'));
    b.addEventListener('click', () => { S.deleteConfirm = true; ctx.render(); });
    del.push(b);
  } else {
    const yes = h('button', { type: 'button', class: 'btn btn-danger', testid: 'host-delete-confirm', 'data-focus-key': 'host-delete' }, t('host.deleteYes'));
    const no = h('button', { type: 'button', class: 'btn btn-secondary' }, t('host.deleteNo'));
    yes.addEventListener('click', async () => {
      const res = await api(`/api/rooms/${code}`, { method: 'DELETE', token: S.token });
      if (res.status === 204 || res.ok) {
        S.ended = 'deleted';
        storage.remove(KEYS.host(code));
        storage.remove(KEYS.joinUrl(code));
        ctx.conn.stop();
        ctx.showEnded();
      } else {
        S.deleteConfirm = false;
        S.reportStatus = { text: res.status === 401 ? t('host.reportUnauthorized') : t('error.generic'), error: true };
        ctx.render();
      }
    });
    no.addEventListener('click', () => { S.deleteConfirm = false; ctx.render(); });
    del.push(h('div', { class: 'confirm', role: 'group', 'aria-labelledby': 'del-q' },
      h('p', { id: 'del-q' }, t('host.deleteQuestion')), h('div', { class: 'button-row' }, yes, no)));
  }
  return [
    h('h2', { id: 'reports-heading' }, t('host.reports')),
    h('p', { class: 'hint' }, t('host.reportsHint')),
    h('div', { class: 'button-row' }, rbtn('md'), rbtn('json'), rbtn('csv')),
    status,
    h('h3', null, t('host.privacy')),
    h('p', { class: 'hint' }, t('host.deleteHint')),
    del,
  ];
}
