/*
 * store.js — the per-room message store and history paging: adding room
 * messages once per seq, direct messages, unread counts, and fetching history
 * (the first page, older pages when scrolling up, and the gap after a
 * reconnect).
 */
import { GAP_PAGE, HISTORY_PAGE, NEAR_EDGE_PX } from './config.js';
import { sendRequest } from './connection.js';
import { buildMessageElement, showLiveEntry, trackEntry, updateHistoryEdge } from './render.js';
import { currentView, state, ui } from './state.js';
import { safeTime } from './util.js';

// ---- Message entries -------------------------------------------------------
function makeEntry(key, sortKey, msg) {
  const entry = { key, sortKey, order: ++state.entryOrder, msg, el: buildMessageElement(msg) };
  trackEntry(entry);
  return entry;
}

function normalizeRoomMessage(raw, own) {
  const kind = raw.type === 'system' ? 'system' : 'broadcast';
  const senderId = Number(raw.sender_id);
  const sender = String(raw.sender_nickname ?? '');
  return {
    kind, seq: Number(raw.seq), room: String(raw.room ?? ''), sender, text: String(raw.message ?? ''),
    ts: safeTime(raw.ts),
    own: own || (kind === 'broadcast' && state.myIds.has(senderId) && sender === state.nickname),
  };
}

// Adds a room message unless its seq is already known; returns the new entry or null.
export function addRoomMessage(view, raw, { live = false, own = false } = {}) {
  const seq = Number(raw.seq);
  if (!Number.isFinite(seq) || view.entries.has('s' + seq)) return null;
  const msg = normalizeRoomMessage(raw, own);
  const entry = makeEntry('s' + seq, seq, msg);
  view.entries.set(entry.key, entry);
  view.maxSeq = Math.max(view.maxSeq, seq);
  view.minSeq = Math.min(view.minSeq, seq);
  if (live && view !== currentView() && msg.kind === 'broadcast' && !msg.own) view.unread += 1;
  return entry;
}

// Direct messages have no room; they are shown in whatever view is current.
export function addDirect(outgoing, peer, text, ts) {
  const view = currentView();
  const msg = { kind: 'direct', outgoing, peer: String(peer ?? ''), text: String(text ?? ''), ts: safeTime(ts), own: outgoing };
  const entry = makeEntry('d' + (++state.directCounter), view.maxSeq + 0.5, msg);
  view.entries.set(entry.key, entry);
  showLiveEntry(view, entry);
}

// ---- History paging --------------------------------------------------------
// purpose: 'initial' | 'older' | 'gap'; the answer is handled by onHistory.
export function requestHistory(view, purpose, before, knownMax = 0) {
  const payload = { type: 'history', room: view.name, limit: purpose === 'gap' ? GAP_PAGE : HISTORY_PAGE };
  if (before !== undefined) payload.before = before;
  return sendRequest(payload, { room: view.name, purpose, knownMax }, true);
}

export function loadInitialHistory(view) {
  if (view.loadedInitial || view.loadingInitial || !state.loggedIn) return;
  view.loadingInitial = requestHistory(view, 'initial') !== null;
}

export function loadOlder(view) {
  if (!view.name || !view.loadedInitial || view.loadingOlder || view.noOlder || !state.loggedIn) return;
  if (!Number.isFinite(view.minSeq)) { view.noOlder = true; updateHistoryEdge(); return; }
  view.loadingOlder = requestHistory(view, 'older', view.minSeq) !== null;
  updateHistoryEdge();
}

// After a reconnect: fetch the newest page, then page back until it meets what we had.
export function fillGap(view) {
  if (!view.loadedInitial) {
    if (view.name === state.currentRoom) loadInitialHistory(view);
    return;
  }
  const knownMax = view.resumeFrom ?? view.maxSeq;
  delete view.resumeFrom;
  requestHistory(view, 'gap', undefined, knownMax);
}

// If the list does not fill its box, nobody can scroll up: fetch older pages now.
export function fillScreenWithHistory(view) {
  if (view === currentView() && ui.messages.scrollHeight <= ui.messages.clientHeight + NEAR_EDGE_PX) loadOlder(view);
}
