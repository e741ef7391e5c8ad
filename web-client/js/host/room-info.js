// host/room-info.js: what the facilitator shows the room to let people in (the
// code, the join URL with a copy button, the QR code and a link to the big
// screen), and the banner that says the server cannot store this room.

import { h, region, storage, KEYS, sig } from '../common.js';
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

export function renderRoomInfo(el, code, view) {
  const joinUrl = joinUrlOf(code);
  region(el, sig(view.locked), () => {
    const copyStatus = formStatus();
    const copy = h('button', { type: 'button', class: 'btn btn-small btn-secondary', testid: 'copy-join-url' }, t('host.copy'));
    copy.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(joinUrl);
        copyStatus.set(t('host.copied'));
      } catch {
        // No clipboard (http, or no permission): select the link so it can be copied by hand.
        const sel = window.getSelection();
        const range = document.createRange();
        const link = document.querySelector('[data-testid="join-url"]');
        if (link && sel) { range.selectNodeContents(link); sel.removeAllRanges(); sel.addRange(range); }
        copyStatus.set(t('host.copyManual'));
      }
    });
    return [
      h('h2', { id: 'room-heading' }, t('host.roomHeading')),
      h('div', { class: 'room-info' },
        h('div', null,
          h('p', { class: 'label' }, t('host.code')),
          h('p', { class: 'room-code', testid: 'room-code' }, code),
          h('p', { class: 'label' }, t('host.joinUrl')),
          h('p', { class: 'join-url' }, h('a', { href: joinUrl, testid: 'join-url', target: '_blank', rel: 'noopener' }, joinUrl)),
          h('div', { class: 'button-row' }, copy,
            h('a', { href: `/screen/${code}`, class: 'btn btn-small btn-secondary', testid: 'open-screen', target: '_blank', rel: 'noopener' },
              t('host.openScreen'))),
          copyStatus,
          view.locked ? h('p', { class: 'notice', testid: 'locked-note' }, icon('lock'), ' ', t('host.lockedNote')) : null),
        h('img', { class: 'qr', testid: 'qr', src: `/api/rooms/${code}/qr.svg`, alt: t('host.qrAlt', { code }), width: 160, height: 160 })),
    ];
  });
}
