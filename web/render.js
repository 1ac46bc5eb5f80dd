/*
 * render.js — drawing the chat screen from state: message items, the message
 * list (with scroll position handling and the history edge line), the room
 * list with unread counts, the member list and the room title.
 *
 * Network text reaches the page only through textContent (util.el).
 */
import { NEAR_EDGE_PX } from './config.js';
import { currentView, state, ui } from './state.js';
import { el, formatClock } from './util.js';

const entryOfElement = new WeakMap();

// Entries sort by seq (direct messages sit between seqs), then by arrival.
function compareEntries(a, b) {
  return a.sortKey - b.sortKey || a.order - b.order;
}

// Remembers which entry a message element shows (see showLiveEntry).
export function trackEntry(entry) {
  entryOfElement.set(entry.el, entry);
}

// ---- Messages --------------------------------------------------------------
function senderLabel(msg) {
  if (msg.kind === 'direct') return msg.outgoing ? `→ ${msg.peer} (direct)` : `${msg.peer} → you (direct)`;
  if (msg.kind === 'system') return msg.sender || 'System';
  return msg.sender;
}

export function buildMessageElement(msg) {
  const item = el('li', `msg msg-${msg.kind}`);
  item.dataset.type = msg.kind;
  if (msg.kind !== 'direct') item.dataset.seq = String(msg.seq);
  if (msg.own) item.classList.add('own');
  const time = el('time', 'time', formatClock(msg.ts));
  time.dateTime = new Date(msg.ts).toISOString();
  time.title = new Date(msg.ts).toLocaleString();
  item.append(time, el('span', 'sender', senderLabel(msg)), el('span', 'text', msg.text));
  return item;
}

function isNearBottom() {
  const box = ui.messages;
  return box.scrollHeight - box.scrollTop - box.clientHeight < NEAR_EDGE_PX;
}

function scrollToBottom() {
  ui.messages.scrollTop = ui.messages.scrollHeight;
}

export function updateHistoryEdge() {
  const view = currentView();
  let text = 'Scroll up for older messages';
  if (!view.name) text = 'You are in no room. Join one from the list; /msg NICK text still works.';
  else if (view.loadingInitial || view.loadingOlder) text = 'Loading messages…';
  else if (view.noOlder) text = `Beginning of #${view.name}`;
  ui.historyEdge.textContent = text;
}

// Redraws the current view. mode: 'bottom' | 'keep-bottom-distance' | 'auto'.
export function renderMessages(mode) {
  const box = ui.messages;
  const fromBottom = box.scrollHeight - box.scrollTop;
  const wasNearBottom = isNearBottom();
  const oldTop = box.scrollTop;
  const view = currentView();
  const list = document.createDocumentFragment();
  list.append(ui.historyEdge);
  for (const entry of [...view.entries.values()].sort(compareEntries)) list.append(entry.el);
  box.replaceChildren(list);
  box.classList.toggle('is-empty', view.entries.size === 0);
  updateHistoryEdge();
  if (mode === 'bottom' || (mode === 'auto' && wasNearBottom)) scrollToBottom();
  else if (mode === 'keep-bottom-distance') box.scrollTop = box.scrollHeight - fromBottom;
  else box.scrollTop = oldTop;
}

// Appends a new entry if it sorts last (the usual case), otherwise redraws.
export function showLiveEntry(view, entry) {
  if (view !== currentView()) return;
  const last = entryOfElement.get(ui.messages.lastElementChild);
  if (last && compareEntries(last, entry) > 0) return renderMessages('auto');
  const stick = isNearBottom() || entry.msg.own;
  ui.messages.append(entry.el);
  ui.messages.classList.remove('is-empty');
  if (stick) scrollToBottom();
}

// ---- Rooms, members, title -------------------------------------------------
function buildRoomItem(name) {
  const view = state.joined.get(name);
  const item = el('li', 'room');
  item.dataset.room = name;
  item.classList.toggle('joined', Boolean(view));
  item.classList.toggle('current', name === state.currentRoom);
  const select = el('button', 'room-select');
  select.type = 'button';
  select.dataset.action = 'select';
  select.title = view ? `Open #${name}` : `Join #${name}`;
  select.append(el('span', 'room-name', '#' + name));
  if (state.privateRooms.has(name)) {
    const mark = el('span', 'room-private', 'private');
    mark.title = 'Invite-only: only the members its owner invited see it';
    select.append(mark);
  }
  if (view && view.unread > 0) select.append(el('span', 'unread', view.unread));
  if (state.serverRooms.has(name)) select.append(el('span', 'room-count', state.serverRooms.get(name)));
  item.append(select);
  if (view) {
    const leave = el('button', 'room-leave', 'Leave');
    leave.type = 'button';
    leave.dataset.action = 'leave';
    leave.setAttribute('aria-label', `Leave #${name}`);
    item.append(leave);
  }
  return item;
}

export function renderRooms() {
  const names = [...new Set([...state.joined.keys(), ...state.serverRooms.keys()])];
  names.sort((a, b) => (a === 'lobby' ? -1 : b === 'lobby' ? 1 : a.localeCompare(b)));
  ui.rooms.replaceChildren(...names.map(buildRoomItem));
  const unread = [...state.joined.values()].reduce((sum, v) => sum + v.unread, 0);
  document.title = unread > 0 ? `(${unread}) sockit chat` : 'sockit chat';
  ui.sidebarToggle.textContent = unread > 0 ? `Rooms (${unread}) & members` : 'Rooms & members';
}

export function renderMembers() {
  const view = currentView();
  const items = view.members.map((user) => {
    const item = el('li', 'member', user.nickname);
    item.dataset.id = String(user.id);
    item.append(el('span', 'member-id', `(${user.id})`));
    if (state.myId !== null && Number(user.id) === state.myId) item.classList.add('self');
    return item;
  });
  ui.members.replaceChildren(...items);
  ui.memberCount.textContent = view.name ? `(${view.members.length})` : '';
}

export function renderRoomHeader() {
  ui.roomTitle.textContent = state.currentRoom ? '#' + state.currentRoom : 'No room';
}
