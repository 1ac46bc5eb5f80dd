/*
 * app.js — the browser client of the sockit chat server.
 *
 * Speaks protocol v1 over the WebSocket at /ws (one JSON object per text
 * frame, both ways): login, rooms and members, per-room history with paging,
 * live room messages, direct messages, and automatic reconnection with
 * exponential backoff that logs in again, rejoins rooms and fills history
 * gaps by seq.
 *
 * Rule for this file: text that came from the network reaches the page only
 * through textContent (the el() helper) — never as HTML.
 */
'use strict';

(() => {
  // ---- Tunables ------------------------------------------------------------
  const HISTORY_PAGE = 50;          // page size on entering a room / scrolling up
  const GAP_PAGE = 100;             // page size when catching up after reconnect
  const BACKOFF_FIRST_MS = 500;
  const BACKOFF_MAX_MS = 10000;
  const LOGIN_WAIT_MS = 12000;      // give up on a connect+login attempt after this
  const PING_EVERY_MS = 25000;
  const PONG_WAIT_MS = 10000;
  const ROOMS_POLL_MS = 20000;
  const MEMBERS_REFRESH_GAP_MS = 600;
  const ROOMS_REFRESH_GAP_MS = 1000;
  const BG_BURST = 10;              // background requests sent at once at most...
  const BG_PER_SECOND = 5;          // ...then this many per second
  const NEAR_EDGE_PX = 60;
  const STATUS_MAX_ITEMS = 6;
  const INFO_STATUS_MS = 6000;
  const PHONE_QUERY = '(max-width: 640px)';

  const LOGIN_ERROR_TEXT = {
    nickname_taken: 'That nickname is taken — choose another.',
    nickname_invalid: 'That nickname is not allowed: use 1–32 characters, no control characters, not only spaces.',
    server_full: 'The server is full right now — try again later.',
    shutting_down: 'The server is shutting down — try again later.',
    login_timeout: 'The server waited too long for the login — try again.',
  };

  // ---- State ---------------------------------------------------------------
  const ui = {};
  const state = {
    nickname: '',
    myId: null,
    myIds: new Set(),        // every id this page had (own messages survive reconnects)
    ws: null,
    loggedIn: false,         // logged in on the current socket
    hasSession: false,       // logged in at least once since the last logout
    stopReason: null,        // 'logout' | 'fatal' — no automatic reconnect
    reqCounter: 0,
    pending: new Map(),      // req -> what the request was about
    joined: new Map(),       // room name -> view
    serverRooms: new Map(),  // room name -> member count (from `rooms`)
    currentRoom: null,
    noRoomView: createView(null),
    entryOrder: 0,
    directCounter: 0,
    backoffAttempt: 0,
    reconnectAt: 0,
    timers: {},
  };
  const entryOfElement = new WeakMap();
  const bgQueue = { tokens: BG_BURST, last: Date.now(), frames: [], timer: null };

  // ---- Small helpers -------------------------------------------------------
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function safeTime(ts) {
    const n = Number(ts);
    return Number.isFinite(n) && Math.abs(n) < 8.64e15 ? n : Date.now();
  }

  function formatClock(ts) {
    const d = new Date(ts);
    return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0');
  }

  function clearTimer(name) {
    clearTimeout(state.timers[name]);
    clearInterval(state.timers[name]);
    delete state.timers[name];
  }

  // Runs fn at most once per gapMs; calls in between collapse into one later call.
  function throttled(fn, gapMs) {
    let timer = null;
    let last = 0;
    return () => {
      if (timer) return;
      const wait = Math.max(150, last + gapMs - Date.now());
      timer = setTimeout(() => { timer = null; last = Date.now(); fn(); }, wait);
    };
  }

  function isPhoneWidth() {
    return window.matchMedia(PHONE_QUERY).matches;
  }

  // ---- Status area and connection badge ------------------------------------
  function showStatus(kind, code, text, context) {
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

  function setConnState(kind) {
    ui.connState.dataset.state = kind;
    ui.reconnectNow.hidden = kind !== 'reconnecting';
    if (kind === 'reconnecting') {
      const secs = Math.max(0, Math.ceil((state.reconnectAt - Date.now()) / 1000));
      ui.connState.textContent = `reconnecting in ${secs} s`;
    } else {
      ui.connState.textContent = { connected: 'connected', connecting: 'connecting…' }[kind] || 'offline';
    }
  }

  // ---- Login screen --------------------------------------------------------
  function setLoginMessage(text, code) {
    ui.loginError.textContent = text;
    if (code) ui.loginError.dataset.code = code; else delete ui.loginError.dataset.code;
  }

  function showLoginError(code, serverText) {
    const friendly = LOGIN_ERROR_TEXT[code] || 'Sign-in failed.';
    setLoginMessage(serverText ? `${friendly} (server: ${serverText})` : friendly, code);
  }

  function setLoginBusy(busy) {
    ui.loginButton.disabled = busy;
    ui.loginButton.textContent = busy ? 'Connecting…' : 'Enter chat';
  }

  function showChatScreen() {
    ui.loginView.hidden = true;
    ui.chatView.hidden = false;
    ui.logout.hidden = false;
    ui.whoami.hidden = false;
    ui.whoami.textContent = `Signed in as ${state.nickname} (id ${state.myId})`;
  }

  function showLoginScreen() {
    ui.chatView.hidden = true;
    ui.logout.hidden = true;
    ui.whoami.hidden = true;
    ui.loginView.hidden = false;
    setLoginBusy(false);
    ui.nickname.value = state.nickname;
    ui.nickname.focus();
  }

  // ---- Socket lifecycle ----------------------------------------------------
  function socketUrl() {
    return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws';
  }

  function isOpen() {
    return state.ws !== null && state.ws.readyState === WebSocket.OPEN;
  }

  function openSocket() {
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
    ws.onopen = () => { if (ws === state.ws) sendRequest({ type: 'login', nickname: state.nickname }, {}); };
    ws.onmessage = (event) => { if (ws === state.ws) handleFrame(event.data); };
    ws.onclose = () => { if (ws === state.ws) handleSocketClosed(); };
    state.timers.login = setTimeout(() => {
      if (ws === state.ws && !state.loggedIn) {
        showStatus('error', 'timeout', 'No answer from the server', 'Sign-in');
        abandonSocket();
      }
    }, LOGIN_WAIT_MS);
  }

  // Drops the current socket now, without waiting for its close handshake.
  function abandonSocket() {
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

  function reconnectNow() {
    if (state.timers.reconnect && !state.ws) openSocket();
  }

  // ---- Outgoing requests ---------------------------------------------------
  // Sends a request with a fresh req number; `info` is remembered until answered.
  // Background requests (history, who, rooms, ping, rejoin) go through a small
  // token bucket so they never eat the server's rate limit.
  function sendRequest(payload, info, background = false) {
    if (!isOpen()) return null;
    const req = ++state.reqCounter;
    state.pending.set(req, { ...info, type: payload.type });
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

  function takePending(msg) {
    if (msg.req === undefined || msg.req === null || !state.pending.has(msg.req)) return null;
    const info = state.pending.get(msg.req);
    state.pending.delete(msg.req);
    return info;
  }

  // The socket is gone: unanswered requests will never be answered.
  function forgetPending() {
    const unsent = [...state.pending.values()].filter((p) => p.type === 'broadcast' || p.type === 'direct');
    if (unsent.length > 0) {
      showStatus('error', 'not_confirmed', `${unsent.length} message(s) may not have been delivered (connection lost)`);
    }
    state.pending.clear();
    bgQueue.frames = [];
    for (const view of state.joined.values()) {
      view.loadingInitial = false;
      view.loadingOlder = false;
    }
  }

  function requestRooms() {
    if (state.loggedIn) sendRequest({ type: 'rooms' }, {}, true);
  }

  function requestMembers(room) {
    if (state.loggedIn && room && state.joined.has(room)) sendRequest({ type: 'who', room }, { room }, true);
  }

  const scheduleRoomsRefresh = throttled(requestRooms, ROOMS_REFRESH_GAP_MS);
  const scheduleMembersRefresh = throttled(() => requestMembers(state.currentRoom), MEMBERS_REFRESH_GAP_MS);

  function requestHistory(view, purpose, before, knownMax = 0) {
    const payload = { type: 'history', room: view.name, limit: purpose === 'gap' ? GAP_PAGE : HISTORY_PAGE };
    if (before !== undefined) payload.before = before;
    return sendRequest(payload, { room: view.name, purpose, knownMax }, true);
  }

  function loadInitialHistory(view) {
    if (view.loadedInitial || view.loadingInitial || !state.loggedIn) return;
    view.loadingInitial = requestHistory(view, 'initial') !== null;
  }

  function loadOlder(view) {
    if (!view.name || !view.loadedInitial || view.loadingOlder || view.noOlder || !state.loggedIn) return;
    if (!Number.isFinite(view.minSeq)) { view.noOlder = true; updateHistoryEdge(); return; }
    view.loadingOlder = requestHistory(view, 'older', view.minSeq) !== null;
    updateHistoryEdge();
  }

  // After a reconnect: fetch the newest page, then page back until it meets what we had.
  function fillGap(view) {
    if (!view.loadedInitial) {
      if (view.name === state.currentRoom) loadInitialHistory(view);
      return;
    }
    const knownMax = view.resumeFrom ?? view.maxSeq;
    delete view.resumeFrom;
    requestHistory(view, 'gap', undefined, knownMax);
  }

  // ---- Keep-alive ----------------------------------------------------------
  function startSessionTimers() {
    stopSessionTimers();
    state.timers.ping = setInterval(sendPing, PING_EVERY_MS);
    state.timers.roomsPoll = setInterval(requestRooms, ROOMS_POLL_MS);
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

  // ---- Room views and message entries --------------------------------------
  function createView(name) {
    return {
      name, entries: new Map(), maxSeq: 0, minSeq: Infinity, unread: 0, members: [],
      loadedInitial: false, loadingInitial: false, loadingOlder: false, noOlder: false,
    };
  }

  function ensureView(room) {
    if (!state.joined.has(room)) state.joined.set(room, createView(room));
    return state.joined.get(room);
  }

  function currentView() {
    return state.joined.get(state.currentRoom) || state.noRoomView;
  }

  function compareEntries(a, b) {
    return a.sortKey - b.sortKey || a.order - b.order;
  }

  function makeEntry(key, sortKey, msg) {
    const entry = { key, sortKey, order: ++state.entryOrder, msg, el: buildMessageElement(msg) };
    entryOfElement.set(entry.el, entry);
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
  function addRoomMessage(view, raw, { live = false, own = false } = {}) {
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
  function addDirect(outgoing, peer, text, ts) {
    const view = currentView();
    const msg = { kind: 'direct', outgoing, peer: String(peer ?? ''), text: String(text ?? ''), ts: safeTime(ts), own: outgoing };
    const entry = makeEntry('d' + (++state.directCounter), view.maxSeq + 0.5, msg);
    view.entries.set(entry.key, entry);
    showLiveEntry(view, entry);
  }

  // ---- Rendering -----------------------------------------------------------
  function senderLabel(msg) {
    if (msg.kind === 'direct') return msg.outgoing ? `→ ${msg.peer} (direct)` : `${msg.peer} → you (direct)`;
    if (msg.kind === 'system') return msg.sender || 'System';
    return msg.sender;
  }

  function buildMessageElement(msg) {
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

  function updateHistoryEdge() {
    const view = currentView();
    let text = 'Scroll up for older messages';
    if (!view.name) text = 'You are in no room. Join one from the list; /msg NICK text still works.';
    else if (view.loadingInitial || view.loadingOlder) text = 'Loading messages…';
    else if (view.noOlder) text = `Beginning of #${view.name}`;
    ui.historyEdge.textContent = text;
  }

  // Redraws the current view. mode: 'bottom' | 'keep-bottom-distance' | 'auto'.
  function renderMessages(mode) {
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
  function showLiveEntry(view, entry) {
    if (view !== currentView()) return;
    const last = entryOfElement.get(ui.messages.lastElementChild);
    if (last && compareEntries(last, entry) > 0) return renderMessages('auto');
    const stick = isNearBottom() || entry.msg.own;
    ui.messages.append(entry.el);
    ui.messages.classList.remove('is-empty');
    if (stick) scrollToBottom();
  }

  // If the list does not fill its box, nobody can scroll up: fetch older pages now.
  function fillScreenWithHistory(view) {
    if (view === currentView() && ui.messages.scrollHeight <= ui.messages.clientHeight + NEAR_EDGE_PX) loadOlder(view);
  }

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

  function renderRooms() {
    const names = [...new Set([...state.joined.keys(), ...state.serverRooms.keys()])];
    names.sort((a, b) => (a === 'lobby' ? -1 : b === 'lobby' ? 1 : a.localeCompare(b)));
    ui.rooms.replaceChildren(...names.map(buildRoomItem));
    const unread = [...state.joined.values()].reduce((sum, v) => sum + v.unread, 0);
    document.title = unread > 0 ? `(${unread}) sockit chat` : 'sockit chat';
    ui.sidebarToggle.textContent = unread > 0 ? `Rooms (${unread}) & members` : 'Rooms & members';
  }

  function renderMembers() {
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

  function renderRoomHeader() {
    ui.roomTitle.textContent = state.currentRoom ? '#' + state.currentRoom : 'No room';
  }

  // ---- Incoming frames -----------------------------------------------------
  const HANDLERS = {
    login: onLogin, join: onJoin, leave: onLeave, ack: onAck, broadcast: onRoomMessage,
    system: onRoomMessage, direct: onDirect, who: onWho, rooms: onRooms, history: onHistory,
    pong: onPong, bye: onBye, error: onError,
  };

  function handleFrame(data) {
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
    setLoginMessage('');
    setConnState('connected');
    showChatScreen();
    startSessionTimers();
    ensureView('lobby');
    if (resumed) resumeRooms();
    else selectRoom('lobby');
    requestRooms();
  }

  // After a reconnect + login: lobby is joined again by the server; rejoin the rest.
  function resumeRooms() {
    for (const view of state.joined.values()) {
      if (view.name === 'lobby') fillGap(view);
      else sendRequest({ type: 'join', room: view.name }, { room: view.name, purpose: 'rejoin' }, true);
    }
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
    }[info.type] || '';
  }

  // ---- User actions --------------------------------------------------------
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
    setLoginBusy(true);
    openSocket();
  }

  function selectRoom(name) {
    state.currentRoom = name;
    const view = currentView();
    view.unread = 0;
    renderRooms();
    renderRoomHeader();
    renderMembers();
    renderMessages('bottom');
    if (view.name) {
      loadInitialHistory(view);
      requestMembers(view.name);
      fillScreenWithHistory(view);
    }
    updateHistoryEdge();
    if (isPhoneWidth()) setSidebarOpen(false);
  }

  function onJoinSubmit(event) {
    event.preventDefault();
    const room = ui.joinRoom.value.trim().replace(/^#/, '');
    if (room === '') return;
    ui.joinRoom.value = '';
    joinRoom(room);
  }

  function joinRoom(room) {
    if (state.joined.has(room)) return selectRoom(room);
    if (!state.loggedIn) return showStatus('error', 'offline', 'Not connected', `Could not join #${room}`);
    sendRequest({ type: 'join', room }, { room });
  }

  function leaveRoom(room) {
    if (!state.loggedIn) return showStatus('error', 'offline', 'Not connected', `Could not leave #${room}`);
    sendRequest({ type: 'leave', room }, { room });
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

  function submitComposer() {
    const text = ui.composer.value;
    if (text.trim() === '') return;
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

  function resetToLogin() {
    for (const name of Object.keys(state.timers)) clearTimer(name);
    Object.assign(state, {
      myId: null, loggedIn: false, hasSession: false, currentRoom: null, backoffAttempt: 0,
      joined: new Map(), serverRooms: new Map(), noRoomView: createView(null),
    });
    state.myIds.clear();
    ui.rooms.replaceChildren();
    ui.members.replaceChildren();
    ui.messages.replaceChildren();
    setConnState('offline');
    showLoginScreen();
    if (state.stopReason === 'logout') showStatus('info', '', 'Signed out');
  }

  function setSidebarOpen(open) {
    ui.chatView.classList.toggle('sidebar-open', open);
    ui.sidebarToggle.setAttribute('aria-expanded', String(open));
  }

  // ---- Start-up ------------------------------------------------------------
  function cacheElements() {
    const ids = ['status', 'conn-state', 'reconnect-now', 'whoami', 'logout', 'login-view', 'login-form',
      'nickname', 'login-button', 'login-error', 'chat-view', 'rooms', 'join-form', 'join-room', 'members',
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

  function start() {
    document.title = 'sockit chat';
    cacheElements();
    bindEvents();
    setConnState('offline');
    window.sockitChat = { state, reconnectNow };
  }

  start();
})();
