/*
 * connection.js — the WebSocket at /ws: connecting and logging in, automatic
 * reconnection with exponential backoff, sending requests (with req numbers
 * remembered until answered, and background requests paced by a token
 * bucket), and the ping/pong keep-alive.
 *
 * Incoming frames go to the handler registered with onFrame().
 */
import {
  BACKOFF_FIRST_MS, BACKOFF_MAX_MS, BG_BURST, BG_PER_SECOND, LOGIN_WAIT_MS, PING_EVERY_MS,
  PONG_WAIT_MS, ROOMS_POLL_MS,
} from './config.js';
import { resetToLogin, setLoginBusy, setLoginMessage } from './screens.js';
import { clearTimer, state, ui } from './state.js';
import { setConnState, showStatus } from './status.js';

const bgQueue = { tokens: BG_BURST, last: Date.now(), frames: [], timer: null };
let frameHandler = () => {};

// Sets the function that receives every text frame of the current socket.
export function onFrame(handler) {
  frameHandler = handler;
}

// ---- Socket lifecycle ------------------------------------------------------
function socketUrl() {
  return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws';
}

export function isOpen() {
  return state.ws !== null && state.ws.readyState === WebSocket.OPEN;
}

export function openSocket() {
  clearTimer('reconnect');
  clearTimer('countdown');
  state.stopReason = null;
  state.loggedIn = false;
  setConnState('connecting');
  let ws;
  try {
    ws = new WebSocket(socketUrl());
  } catch (err) {
    state.ws = null;
    handleSocketClosed();
    return;
  }
  state.ws = ws;
  ws.onopen = () => { if (ws === state.ws) sendRequest(loginRequest(), {}); };
  ws.onmessage = (event) => { if (ws === state.ws) frameHandler(event.data); };
  ws.onclose = () => { if (ws === state.ws) handleSocketClosed(); };
  state.timers.login = setTimeout(() => {
    if (ws === state.ws && !state.loggedIn) {
      showStatus('error', 'timeout', 'No answer from the server', 'Sign-in');
      abandonSocket();
    }
  }, LOGIN_WAIT_MS);
}

// Drops the current socket now, without waiting for its close handshake.
export function abandonSocket() {
  const ws = state.ws;
  if (!ws) return;
  ws.onopen = ws.onmessage = ws.onclose = null;
  try { ws.close(); } catch (err) { /* already closing */ }
  handleSocketClosed();
}

function handleSocketClosed() {
  const wasLoggedIn = state.loggedIn;
  state.ws = null;
  state.loggedIn = false;
  clearTimer('login');
  stopSessionTimers();
  forgetPending();
  if (state.stopReason === 'logout') return resetToLogin();
  if (state.stopReason === 'fatal' || !state.hasSession) {
    setConnState('offline');
    if (state.stopReason !== 'fatal' && !ui.loginError.textContent) {
      setLoginMessage('Could not reach the chat server — try again.');
    }
    setLoginBusy(false);
    return;
  }
  // Remember where each room stood, so the gap can be filled after login.
  for (const view of state.joined.values()) {
    if (view.resumeFrom === undefined) view.resumeFrom = view.maxSeq;
  }
  if (wasLoggedIn) showStatus('info', '', 'Connection lost — reconnecting…');
  scheduleReconnect();
}

function scheduleReconnect() {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** state.backoffAttempt);
  const delay = Math.min(BACKOFF_MAX_MS, Math.round(base * (0.75 + Math.random() * 0.5)));
  state.backoffAttempt += 1;
  state.reconnectAt = Date.now() + delay;
  state.timers.reconnect = setTimeout(openSocket, delay);
  state.timers.countdown = setInterval(() => setConnState('reconnecting'), 250);
  setConnState('reconnecting');
}

export function reconnectNow() {
  if (state.timers.reconnect && !state.ws) openSocket();
}

// ---- Outgoing requests -----------------------------------------------------
// Sends a request with a fresh req number; `info` is remembered until answered.
// Background requests (history, who, rooms, ping, rejoin) go through a small
// token bucket so they never eat the server's rate limit.
export function sendRequest(payload, info, background = false) {
  if (!isOpen()) return null;
  const req = ++state.reqCounter;
  if ((payload.type === 'broadcast' || payload.type === 'direct') && !payload.id) {
    payload = { ...payload, id: `${state.sendPrefix}-${++state.sendCounter}` };
  }
  state.pending.set(req, { ...info, type: payload.type, payload });
  const frame = JSON.stringify({ ...payload, req });
  if (background) {
    bgQueue.frames.push(frame);
    drainBackground();
  } else {
    state.ws.send(frame);
  }
  return req;
}

function drainBackground() {
  const now = Date.now();
  bgQueue.tokens = Math.min(BG_BURST, bgQueue.tokens + ((now - bgQueue.last) / 1000) * BG_PER_SECOND);
  bgQueue.last = now;
  while (bgQueue.frames.length > 0 && bgQueue.tokens >= 1 && isOpen()) {
    bgQueue.tokens -= 1;
    state.ws.send(bgQueue.frames.shift());
  }
  if (bgQueue.frames.length > 0 && !bgQueue.timer) {
    bgQueue.timer = setTimeout(() => { bgQueue.timer = null; drainBackground(); }, 1000 / BG_PER_SECOND);
  }
}

// The info remembered for the request this frame answers (and forgets it), or null.
export function takePending(msg) {
  if (msg.req === undefined || msg.req === null || !state.pending.has(msg.req)) return null;
  const info = state.pending.get(msg.req);
  state.pending.delete(msg.req);
  return info;
}

// The socket is gone: unanswered requests will never be answered. Messages are kept and
// sent again, with the same id, once logged in again (resendUnacked): the server delivers
// each id once, so nothing is lost and nothing doubled.
function forgetPending() {
  const unsent = [...state.pending.values()].filter((p) => p.type === 'broadcast' || p.type === 'direct');
  if (unsent.length > 0) {
    showStatus('info', 'not_confirmed', `${unsent.length} message(s) not confirmed yet — sent again once reconnected`);
  }
  state.unacked.push(...unsent);
  state.pending.clear();
  bgQueue.frames = [];
  for (const view of state.joined.values()) {
    view.loadingInitial = false;
    view.loadingOlder = false;
  }
}

// After a reconnect's rejoins (background requests too, so in order after them).
export function resendUnacked() {
  const again = state.unacked;
  state.unacked = [];
  for (const { payload, ...info } of again) sendRequest(payload, info, true);
}

// ---- Keep-alive ------------------------------------------------------------
// Starts the ping timer and the periodic pollRooms() call for a logged-in socket.
export function startSessionTimers(pollRooms) {
  stopSessionTimers();
  state.timers.ping = setInterval(sendPing, PING_EVERY_MS);
  state.timers.roomsPoll = setInterval(pollRooms, ROOMS_POLL_MS);
}

function stopSessionTimers() {
  clearTimer('ping');
  clearTimer('pong');
  clearTimer('roomsPoll');
}

function sendPing() {
  if (state.timers.pong || !isOpen()) return;
  sendRequest({ type: 'ping' }, {}, true);
  state.timers.pong = setTimeout(() => {
    delete state.timers.pong;
    showStatus('error', 'timeout', 'The server stopped answering');
    abandonSocket();
  }, PONG_WAIT_MS);
}

// The login: with the password the user just typed, else with the resume token a previous
// login answered (so reconnects never need the password again).
function loginRequest() {
  const request = { type: 'login', nickname: state.nickname };
  const token = state.token || sessionStorage.getItem('sockit-token:' + state.nickname);
  if (state.password) request.password = state.password;
  else if (token) request.token = token;
  return request;
}
