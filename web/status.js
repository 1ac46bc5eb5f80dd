/*
 * status.js — the status area (dismissable info/error items) and the
 * connection badge in the header (connected / connecting / reconnecting in N s).
 */
import { INFO_STATUS_MS, STATUS_MAX_ITEMS } from './config.js';
import { state, ui } from './state.js';
import { el } from './util.js';

export function showStatus(kind, code, text, context) {
  const item = el('div', 'status-item');
  item.dataset.kind = kind;
  if (code) {
    item.dataset.code = code;
    item.append(el('span', 'status-code', code));
  }
  item.append(el('span', 'status-text', [context, text].filter(Boolean).join(': ')));
  const close = el('button', 'status-close', '×');
  close.type = 'button';
  close.setAttribute('aria-label', 'Dismiss');
  close.addEventListener('click', () => item.remove());
  item.append(close);
  ui.status.prepend(item);
  while (ui.status.childElementCount > STATUS_MAX_ITEMS) ui.status.lastElementChild.remove();
  if (kind === 'info') setTimeout(() => item.remove(), INFO_STATUS_MS);
}

export function setConnState(kind) {
  ui.connState.dataset.state = kind;
  ui.reconnectNow.hidden = kind !== 'reconnecting';
  if (kind === 'reconnecting') {
    const secs = Math.max(0, Math.ceil((state.reconnectAt - Date.now()) / 1000));
    ui.connState.textContent = `reconnecting in ${secs} s`;
  } else {
    ui.connState.textContent = { connected: 'connected', connecting: 'connecting…' }[kind] || 'offline';
  }
}
