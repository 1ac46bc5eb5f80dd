/*
 * handlers.js — incoming frames of protocol v1: parses each frame, pairs
 * answers with the request they answer (by req), and updates state and page
 * for login, join/leave, acks, room and direct messages, who, rooms,
 * history, pong, bye and errors (including resuming a session after a
 * reconnect).
 */
import { abandonSocket, resendUnacked, sendRequest, startSessionTimers, takePending } from './connection.js';
import { renderMembers, renderMessages, renderRooms, showLiveEntry, updateHistoryEdge } from './render.js';
import {
  requestMembers, requestRooms, scheduleMembersRefresh, scheduleRoomsRefresh, selectRoom,
} from './rooms.js';
import { resetToLogin, setLoginBusy, setLoginMessage, showChatScreen, showLoginError } from './screens.js';
import { clearTimer, currentView, ensureView, state, ui } from './state.js';
import { setConnState, showStatus } from './status.js';
import { addDirect, addRoomMessage, fillGap, fillScreenWithHistory, requestHistory } from './store.js';

const HANDLERS = {
  login: onLogin, join: onJoin, leave: onLeave, ack: onAck, broadcast: onRoomMessage,
  system: onRoomMessage, direct: onDirect, who: onWho, rooms: onRooms, history: onHistory,
  pong: onPong, bye: onBye, error: onError, invite: onMemberChange, kick: onMemberChange,
  invited: onInvited, kicked: onKicked,
};

// Handles one text frame from the server.
export function handleFrame(data) {
  let msg;
  try {
    msg = JSON.parse(data);
  } catch (err) {
    showStatus('error', 'bad_frame', 'The server sent something that is not JSON');
    return;
  }
  if (!msg || typeof msg !== 'object') return;
  const info = takePending(msg);
  const handler = HANDLERS[msg.type];
  if (handler) handler(msg, info);
}

function onLogin(msg) {
  if (msg.status !== 'ok') return;
  const resumed = state.hasSession;
  clearTimer('login');
  state.loggedIn = true;
  state.hasSession = true;
  state.backoffAttempt = 0;
  state.myId = Number(msg.id);
  state.myIds.add(state.myId);
  state.nickname = String(msg.nickname ?? state.nickname);
  state.password = '';
  if (msg.token) {
    state.token = String(msg.token);
    sessionStorage.setItem('sockit-token:' + state.nickname, state.token);
  }
  setLoginMessage('');
  setConnState('connected');
  showChatScreen();
  startSessionTimers(requestRooms);
  ensureView('lobby');
  if (resumed) resumeRooms();
  else {
    state.unacked = [];  // a new session: another user's messages are not sent
    selectRoom('lobby');
  }
  requestRooms();
}

// After a reconnect + login: lobby is joined again by the server; rejoin the rest.
function resumeRooms() {
  for (const view of state.joined.values()) {
    if (view.name === 'lobby') fillGap(view);
    else sendRequest({ type: 'join', room: view.name }, { room: view.name, purpose: 'rejoin' }, true);
  }
  resendUnacked();
  if (!state.joined.has(state.currentRoom)) selectRoom('lobby');
  else if (state.currentRoom === 'lobby') requestMembers('lobby'); // other rooms: after rejoin
  renderRooms();
  showStatus('info', '', 'Reconnected');
}

function onJoin(msg, info) {
  if (msg.status !== 'ok' || typeof msg.room !== 'string') return;
  const view = ensureView(msg.room);
  if (info && info.purpose === 'rejoin') {
    fillGap(view);
    if (view.name === state.currentRoom) requestMembers(view.name);
    renderRooms();
  } else {
    selectRoom(view.name);
  }
  scheduleRoomsRefresh();
}

function onLeave(msg) {
  if (msg.status !== 'ok' || typeof msg.room !== 'string') return;
  state.joined.delete(msg.room);
  if (state.currentRoom === msg.room) {
    const next = state.joined.has('lobby') ? 'lobby' : state.joined.keys().next().value;
    selectRoom(next === undefined ? null : next);
  } else {
    renderRooms();
  }
  scheduleRoomsRefresh();
}

function onAck(msg, info) {
  if (!info) return;
  if (info.type === 'direct') {
    addDirect(true, info.to, info.message, info.sentAt);
    return;
  }
  const view = state.joined.get(info.room);
  if (info.type !== 'broadcast' || !view) return;
  const raw = { type: 'broadcast', sender_id: state.myId, sender_nickname: state.nickname,
    message: info.message, room: info.room, seq: msg.seq, ts: info.sentAt };
  const entry = addRoomMessage(view, raw, { own: true });
  if (entry) showLiveEntry(view, entry);
}

function onRoomMessage(msg) {
  const view = state.joined.get(msg.room);
  if (!view) return; // not (or no longer) a member
  const entry = addRoomMessage(view, msg, { live: true });
  if (!entry) return;
  showLiveEntry(view, entry);
  if (view.unread > 0) renderRooms();
  if (msg.type === 'system') {
    if (view.name === state.currentRoom) scheduleMembersRefresh();
    scheduleRoomsRefresh();
  }
}

function onDirect(msg) {
  addDirect(false, msg.sender_nickname, msg.message, msg.ts);
}

function onWho(msg) {
  const view = state.joined.get(msg.room);
  if (!view || !Array.isArray(msg.users)) return;
  view.members = msg.users
    .filter((u) => u && typeof u === 'object')
    .map((u) => ({ id: Number(u.id), nickname: String(u.nickname ?? '') }));
  if (view === currentView()) renderMembers();
}

function onRooms(msg) {
  if (!Array.isArray(msg.rooms)) return;
  state.serverRooms = new Map(msg.rooms
    .filter((r) => r && typeof r.room === 'string')
    .map((r) => [r.room, Number(r.members) || 0]));
  state.privateRooms = new Set(msg.rooms.filter((r) => r && r.private === true).map((r) => r.room));
  renderRooms();
}

function onHistory(msg, info) {
  const view = state.joined.get(msg.room);
  if (!view || !info) return;
  const page = Array.isArray(msg.messages) ? msg.messages.filter((m) => m && typeof m === 'object') : [];
  const live = info.purpose === 'gap';
  const added = page.filter((raw) => addRoomMessage(view, raw, { live }) !== null).length;
  if (info.purpose === 'initial') {
    view.loadingInitial = false;
    view.loadedInitial = true;
    if (page.length === 0) view.noOlder = true;
  } else if (info.purpose === 'older') {
    view.loadingOlder = false;
    if (added === 0) view.noOlder = true; // empty page (or nothing new): the start
  } else if (live && page.length > 0 && info.knownMax > 0 && Number(page[0].seq) > info.knownMax + 1) {
    requestHistory(view, 'gap', Number(page[0].seq), info.knownMax);
  }
  if (view === currentView()) {
    renderMessages({ initial: 'bottom', older: 'keep-bottom-distance' }[info.purpose] || 'auto');
    fillScreenWithHistory(view);
  }
  renderRooms();
}

// The owner's invite or kick went through.
function onMemberChange(msg) {
  if (msg.status !== 'ok') return;
  const what = msg.type === 'invite' ? `Invited ${msg.nickname} to` : `Removed ${msg.nickname} from`;
  showStatus('info', '', `${what} #${msg.room}`);
  scheduleMembersRefresh();
}

function onInvited(msg) {
  showStatus('info', 'invited', `${msg.by} invited you to #${msg.room} — join it from the room list`);
  scheduleRoomsRefresh();
}

function onKicked(msg) {
  showStatus('info', 'kicked', `${msg.by} removed you from #${msg.room}`);
  onLeave({ status: 'ok', room: msg.room });
}

function onPong() {
  clearTimer('pong');
}

function onBye() {
  state.stopReason = 'logout';
  abandonSocket();
}

function onError(msg, info) {
  const code = String(msg.code ?? 'error');
  const text = String(msg.message ?? '');
  if (info && info.type === 'login') return handleLoginError(code, text);
  if (!state.hasSession) showLoginError(code, text);
  showStatus('error', code, text, describeRequest(info));
  if (!info) return;
  if (info.type === 'broadcast' && ui.composer.value === '') ui.composer.value = info.message;
  if (info.type === 'history') {
    const view = state.joined.get(info.room);
    if (view) { view.loadingInitial = false; view.loadingOlder = false; updateHistoryEdge(); }
  }
  if (info.type === 'join' && info.purpose === 'rejoin') {
    state.joined.delete(info.room);
    if (state.currentRoom === info.room) selectRoom(state.joined.has('lobby') ? 'lobby' : null);
    else renderRooms();
  }
}

function handleLoginError(code, text) {
  if (code === 'auth_failed') {  // a stale token, or a password is needed: ask for it
    state.token = '';
    sessionStorage.removeItem('sockit-token:' + state.nickname);
    ui.passwordRow.hidden = false;
  }
  const retryable = ['nickname_taken', 'server_full', 'shutting_down', 'rate_limited'].includes(code);
  if (state.hasSession && retryable) {
    // Usually our previous session is still being cleaned up: try again later.
    showStatus('error', code, text, 'Signing in again failed; will retry');
    abandonSocket();
    return;
  }
  const hadSession = state.hasSession;
  state.stopReason = 'fatal';
  abandonSocket();
  if (hadSession) resetToLogin();
  showLoginError(code, text);
  showStatus('error', code, text, 'Sign-in');
  setLoginBusy(false);
}

function describeRequest(info) {
  if (!info) return '';
  const room = '#' + info.room;
  return {
    broadcast: `Message to ${room} not sent`,
    direct: `Direct message to ${info.to} not sent`,
    join: `Could not join ${room}`,
    leave: `Could not leave ${room}`,
    history: `Could not load history of ${room}`,
    who: `Could not list members of ${room}`,
    rooms: 'Could not list rooms',
    invite: `Could not invite ${info.nickname} to ${room}`,
    kick: `Could not remove ${info.nickname} from ${room}`,
  }[info.type] || '';
}
