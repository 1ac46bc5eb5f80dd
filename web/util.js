/*
 * util.js — small helpers without app state: element creation (text only ever
 * via textContent), time formatting, throttling and the phone-width check.
 */
import { PHONE_QUERY } from './config.js';

// Creates <tag class=className> whose text (if given) is set via textContent — never as HTML.
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = String(text);
  return node;
}

export function safeTime(ts) {
  const n = Number(ts);
  return Number.isFinite(n) && Math.abs(n) < 8.64e15 ? n : Date.now();
}

export function formatClock(ts) {
  const d = new Date(ts);
  return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0');
}

// Runs fn at most once per gapMs; calls in between collapse into one later call.
export function throttled(fn, gapMs) {
  let timer = null;
  let last = 0;
  return () => {
    if (timer) return;
    const wait = Math.max(150, last + gapMs - Date.now());
    timer = setTimeout(() => { timer = null; last = Date.now(); fn(); }, wait);
  };
}

export function isPhoneWidth() {
  return window.matchMedia(PHONE_QUERY).matches;
}
