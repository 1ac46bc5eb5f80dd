/*
 * app.js — the browser client of the sockit chat server: entry module of the
 * page. Caches the page's elements, handles what the user does (sign in,
 * join/leave/select rooms, send room and direct messages, scroll back, log
 * out, reconnect now) and wires the connection to the frame handlers.
 *
 * Speaks protocol v1 over the WebSocket at /ws (one JSON object per text
 * frame, both ways); the work is split into modules:
 *   config.js      tunables and sign-in error texts
 *   util.js        element creation (textContent only), time, throttling
 *   state.js       shared state, timers and per-room views
 *   status.js      status area and connection badge
 *   screens.js     login/chat screens, sidebar, reset to login
 *   connection.js  socket, reconnect with backoff, request pacing, keep-alive
 *   store.js       per-room message store and history paging
 *   render.js      drawing messages, rooms, members and the room title
 *   rooms.js       selecting, joining and leaving rooms; list refreshes
 *   handlers.js    incoming frames
 *
 * Rule for every module: text that came from the network reaches the page
 * only through textContent (the el() helper) — never as HTML.
 */
import { NEAR_EDGE_PX } from './config.js';
import { abandonSocket, isOpen, onFrame, openSocket, reconnectNow, sendRequest } from './connection.js';
import { handleFrame } from './handlers.js';
import { joinRoom, leaveRoom } from './rooms.js';
import { resetToLogin, setLoginBusy, setLoginMessage, setSidebarOpen } from './screens.js';
import { clearTimer, currentView, state, ui } from './state.js';
import { setConnState, showStatus } from './status.js';
import { loadOlder } from './store.js';
import { el } from './util.js';

// ---- User actions ----------------------------------------------------------
function onLoginSubmit(event) {
  event.preventDefault();
  const nick = ui.nickname.value.trim();
  if (nick === '') {
    setLoginMessage('Enter a nickname (1–32 characters).');
    return;
  }
  if (state.ws) return; // an attempt is already under way
  setLoginMessage('');
  state.nickname = nick;
  state.password = ui.password.value;  // sent once; only the token the server answers is kept
  ui.password.value = '';
  setLoginBusy(true);
  openSocket();
}

function onJoinSubmit(event) {
  event.preventDefault();
  const room = ui.joinRoom.value.trim().replace(/^#/, '');
  if (room === '') return;
  ui.joinRoom.value = '';
  joinRoom(room);
}

function onRoomsClick(event) {
  const button = event.target.closest('button[data-action]');
  const item = event.target.closest('li.room');
  if (!button || !item) return;
  const room = item.dataset.room;
  if (button.dataset.action === 'leave') leaveRoom(room);
  else joinRoom(room);
}

// "/msg NICK text" or '/msg "nick with spaces" text' → { to, message }.
function parseDirect(text) {
  const match = /^\/msg\s+(?:"([^"]+)"|(\S+))\s+([\s\S]+)$/.exec(text);
  return match ? { to: match[1] ?? match[2], message: match[3] } : null;
}

// "/private ROOM", "/invite NICK", "/kick NICK" (private rooms) → the request, or null.
function parseRoomCommand(text) {
  const match = /^\/(private|invite|kick)\s+(\S+)\s*$/.exec(text);
  if (!match) return null;
  if (match[1] === 'private') return { type: 'join', room: match[2].replace(/^#/, ''), private: true };
  return { type: match[1], room: state.currentRoom, nickname: match[2] };
}

function submitComposer() {
  const text = ui.composer.value;
  if (text.trim() === '') return;
  const command = parseRoomCommand(text);
  if (!command && /^\/(private|invite|kick)(\s|$)/.test(text)) {
    return showStatus('error', 'usage', 'Write /private ROOM, /invite NICK or /kick NICK');
  }
  if (command) {
    if (!state.loggedIn) return showStatus('error', 'offline', 'Not connected');
    if (!command.room) return showStatus('error', 'no_room', 'Open a room first');
    sendRequest(command, { room: command.room, nickname: command.nickname });
    ui.composer.value = '';
    return;
  }
  const direct = parseDirect(text);
  if (!direct && /^\/msg(\s|$)/.test(text)) return showStatus('error', 'usage', 'Write /msg NICK text');
  if (!state.loggedIn) return showStatus('error', 'offline', 'Not connected — your text is kept, send it again once connected');
  const sentAt = Date.now();
  if (direct) {
    sendRequest({ type: 'direct', to: direct.to, message: direct.message }, { ...direct, sentAt });
  } else if (state.currentRoom) {
    const room = state.currentRoom;
    sendRequest({ type: 'broadcast', room, message: text }, { room, message: text, sentAt });
  } else {
    return showStatus('error', 'no_room', 'Join a room first (or use /msg NICK text)');
  }
  ui.composer.value = '';
  ui.composer.focus();
}

function onComposerKey(event) {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    submitComposer();
  }
}

function onMessagesScroll() {
  if (ui.messages.scrollTop < NEAR_EDGE_PX) loadOlder(currentView());
}

function logout() {
  state.stopReason = 'logout';
  state.token = '';
  sessionStorage.removeItem('sockit-token:' + state.nickname);
  clearTimer('reconnect');
  clearTimer('countdown');
  if (state.loggedIn && isOpen()) {
    sendRequest({ type: 'logout' }, {});
    state.timers.logout = setTimeout(abandonSocket, 2000); // in case no bye comes
  } else if (state.ws) {
    abandonSocket();
  } else {
    resetToLogin();
  }
}

// ---- Start-up --------------------------------------------------------------
function cacheElements() {
  const ids = ['status', 'conn-state', 'reconnect-now', 'whoami', 'logout', 'login-view', 'login-form',
    'nickname', 'password', 'password-row', 'login-button', 'login-error', 'chat-view', 'rooms', 'join-form', 'join-room', 'members',
    'member-count', 'sidebar-toggle', 'room-title', 'messages', 'composer-form', 'composer'];
  for (const id of ids) ui[id.replace(/-(\w)/g, (_, c) => c.toUpperCase())] = document.getElementById(id);
  ui.historyEdge = el('li', 'history-edge');
}

function bindEvents() {
  ui.loginForm.addEventListener('submit', onLoginSubmit);
  ui.joinForm.addEventListener('submit', onJoinSubmit);
  ui.rooms.addEventListener('click', onRoomsClick);
  ui.composerForm.addEventListener('submit', (event) => { event.preventDefault(); submitComposer(); });
  ui.composer.addEventListener('keydown', onComposerKey);
  ui.messages.addEventListener('scroll', onMessagesScroll, { passive: true });
  ui.logout.addEventListener('click', logout);
  ui.reconnectNow.addEventListener('click', reconnectNow);
  ui.sidebarToggle.addEventListener('click', () => setSidebarOpen(!ui.chatView.classList.contains('sidebar-open')));
  window.addEventListener('online', reconnectNow);
}

// Whether the server has accounts (--auth accounts): then the page asks for a password too.
function askAuth() {
  fetch('/auth', { cache: 'no-store' })
    .then((r) => (r.ok ? r.json() : null))
    .then((auth) => {
      if (!auth || !auth.accounts) return;
      ui.passwordRow.hidden = false;
      if (!auth.guests) setLoginMessage('Only registered users may sign in here.');
    })
    .catch(() => {});
}

function start() {
  document.title = 'sockit chat';
  cacheElements();
  bindEvents();
  askAuth();
  onFrame(handleFrame);
  setConnState('offline');
  window.sockitChat = { state, reconnectNow };
}

start();
