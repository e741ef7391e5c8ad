// host/room-info.js: what the facilitator shows the room to let people in (the
// code, the short address to type it at, the join URL with a copy button, the QR
// code and a link to the big screen), the host link to continue on another device,
// and the banner that says the server cannot store this room.
//
// The host link (PROTOCOL.md, version 2) is `/host/CODE#key=TOKEN`. Whoever has it can
// run the game, so it sits folded away (a projected laptop must not show it) and its
// QR code is fetched only when the section is opened, with the token in the
// Authorization header, never in a URL.

import { h, region, storage, KEYS, sig, announce } from '../common.js';
import { t } from '../i18n.js';
import { formStatus } from '../ui.js';
import { icon } from '../icons.js';

/**
 * The server says when it cannot store commands (a full disk) or the room's log no
 * longer replays: the facilitator must know at once, in words, with an icon.
 */
export function renderStorageBanner(el, view) {
  region(el, sig(view.storage), () => (view.storage
    ? h('p', { class: 'alert', role: 'alert', testid: 'storage-banner', dataset: { storage: view.storage } },
      icon('warning'), ' ', t(view.storage === 'read_only' ? 'host.storageReadOnly' : 'host.storageUnavailable'))
    : null));
}

/** The join URL the server gave when the room was made, else this origin's. */
function joinUrlOf(code) {
  const stored = storage.get(KEYS.joinUrl(code));
  return stored && /^https?:\/\//i.test(stored) ? stored : `${location.origin}/join/${code}`;
}

/** The short address a person can type: `{host}/join` (the big screen shows it too). */
function shortAddressOf(joinUrl) {
  let host = location.host;
  try { host = new URL(joinUrl).host || host; } catch { /* keep this page's host */ }
  return `${host}/join`;
}

/** Copy `text`; without a clipboard, select `node`'s text so it can be copied by hand. */
async function copyText(text, node, status) {
  try {
    await navigator.clipboard.writeText(text);
    status.set(t('host.copied'));
  } catch {
    // No clipboard (http, or no permission): select the text so it can be copied by hand.
    const sel = window.getSelection();
    if (node && sel) {
      const range = document.createRange();
      range.selectNodeContents(node);
      sel.removeAllRanges();
      sel.addRange(range);
    }
    status.set(t('host.copyManual'));
  }
}

/** `ctx`: the dashboard's { code, S }. */
export function renderRoomInfo(el, ctx, view) {
  const { code } = ctx;
  const joinUrl = joinUrlOf(code);
  const shortAddress = shortAddressOf(joinUrl);
  region(el, sig(view.locked), () => {
    const copyStatus = formStatus();
    const link = h('a', { href: joinUrl, testid: 'join-url', target: '_blank', rel: 'noopener' }, joinUrl);
    const copy = h('button', { type: 'button', class: 'btn btn-small btn-secondary', testid: 'copy-join-url' }, t('host.copy'));
    copy.addEventListener('click', () => copyText(joinUrl, link, copyStatus));
    // "Typ de code in op ADDRESS": the address is bold, wherever the language puts it.
    const [before, after] = t('host.shortUrl', { address: '\u0000' }).split('\u0000');
    return [
      h('h2', { id: 'room-heading' }, t('host.roomHeading')),
      h('div', { class: 'room-info' },
        h('div', null,
          h('p', { class: 'label' }, t('host.code')),
          h('p', { class: 'room-code', testid: 'room-code' }, code),
          h('p', { class: 'short-url', testid: 'short-url' }, before || '',
            h('strong', { class: 'short-url-address' }, shortAddress), after || ''),
          h('p', { class: 'label' }, t('host.joinUrl')),
          h('p', { class: 'join-url' }, link),
          h('div', { class: 'button-row' }, copy,
            h('a', { href: `/screen/${code}`, class: 'btn btn-small btn-secondary', testid: 'open-screen', target: '_blank', rel: 'noopener' },
              t('host.openScreen'))),
          copyStatus,
          view.locked ? h('p', { class: 'notice', testid: 'locked-note' }, icon('lock'), ' ', t('host.lockedNote')) : null),
        h('img', { class: 'qr', testid: 'qr', src: `/api/rooms/${code}/qr.svg`, alt: t('host.qrAlt', { code }), width: 160, height: 160 })),
      hostLinkSection(ctx),
    ];
  });
}

/** "Verder op een ander apparaat": the host link, a copy button, a warning and its QR code. */
function hostLinkSection(ctx) {
  const { code, S } = ctx;
  if (!S.token) return null;
  const url = `${location.origin}/host/${code}#key=${encodeURIComponent(S.token)}`;
  const copyStatus = formStatus('host-link-status');
  const text = h('code', { class: 'host-link-text', testid: 'host-link' }, url);
  const copy = h('button', { type: 'button', class: 'btn btn-small btn-secondary', testid: 'copy-host-link', 'data-focus-key': 'copy-host-link' },
    t('host.hostLinkCopy'));
  copy.addEventListener('click', () => copyText(url, text, copyStatus));
  const qrBox = h('div', { class: 'host-qr', testid: 'host-qr-box', 'aria-live': 'polite' });
  const showQr = () => {
    const q = S.hostQr;
    if (q && q.state === 'ok') {
      qrBox.replaceChildren(h('img', { class: 'qr', testid: 'host-qr', src: q.src, alt: t('host.hostQrAlt', { code }), width: 160, height: 160 }));
    } else if (q && q.state === 'error') {
      qrBox.replaceChildren(h('p', { class: 'notice', testid: 'host-qr-error' }, icon('warning'), ' ', t('host.hostQrError')));
    } else {
      qrBox.replaceChildren(h('p', { class: 'muted' }, t('host.hostQrLoading')));
    }
  };
  const details = h('details', { class: 'host-link panel-details', testid: 'host-link-section', 'data-keep': 'host-link' },
    h('summary', { testid: 'host-link-summary' }, h('span', null, t('host.hostLinkHeading'))),
    h('div', { class: 'stack host-link-body' },
      h('p', null, t('host.hostLinkHint')),
      h('p', { class: 'notice host-link-warning', testid: 'host-link-warning' }, icon('warning'), ' ', t('host.hostLinkWarning')),
      h('p', { class: 'host-link-line' }, text),
      h('div', { class: 'button-row' }, copy),
      copyStatus,
      qrBox));
  details.addEventListener('toggle', () => {
    if (!details.open) return;
    if (S.hostQr && S.hostQr.state !== 'error') { showQr(); return; }
    S.hostQr = { state: 'loading' };
    showQr();
    loadHostQr(ctx).then((q) => {
      S.hostQr = q;
      // The section may have been built again meanwhile: fill the newest one.
      ctx.showHostQr();
      if (q.state === 'error') announce(t('host.hostQrError'));
    });
  });
  ctx.showHostQr = showQr;
  showQr();
  return details;
}

/** GET the host link's QR code with the token in a header; an SVG becomes a data: URL. */
async function loadHostQr(ctx) {
  const { code, S } = ctx;
  try {
    const res = await fetch(`/api/rooms/${code}/host-qr.svg`, {
      headers: { Authorization: `Bearer ${S.token}` }, cache: 'no-store', credentials: 'same-origin',
    });
    const type = res.headers.get('Content-Type') || '';
    if (!res.ok || !type.includes('image/svg+xml')) return { state: 'error' };
    const svgText = await res.text();
    return { state: 'ok', src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svgText)}` };
  } catch {
    return { state: 'error' };
  }
}
