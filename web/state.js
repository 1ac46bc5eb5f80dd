/*
 * state.js — the page's shared state: cached elements (ui), the session and
 * connection state, named timers, and the per-room view records.
 */

// Filled by app.js at start-up: element id "conn-state" becomes ui.connState, etc.
export const ui = {};

export const state = {
  nickname: '',
  password: '',            // typed for one login, then forgotten
  token: '',               // the resume token of a registered user (--auth accounts)
  myId: null,
  myIds: new Set(),        // every id this page had (own messages survive reconnects)
  ws: null,
  loggedIn: false,         // logged in on the current socket
  hasSession: false,       // logged in at least once since the last logout
  stopReason: null,        // 'logout' | 'fatal' — no automatic reconnect
  reqCounter: 0,
  pending: new Map(),      // req -> what the request was about
  // Every message sent gets an id ("id"): resent after a reconnect, it is delivered once.
  sendPrefix: Math.random().toString(36).slice(2, 10) + Date.now().toString(36),
  sendCounter: 0,
  unacked: [],             // messages whose ack a lost connection took: sent again on resume
  joined: new Map(),       // room name -> view
  serverRooms: new Map(),  // room name -> member count (from `rooms`)
  privateRooms: new Set(), // rooms `rooms` marked private (invite-only, --auth accounts)
  currentRoom: null,
  noRoomView: createView(null),
  entryOrder: 0,
  directCounter: 0,
  backoffAttempt: 0,
  reconnectAt: 0,
  timers: {},
};

export function clearTimer(name) {
  clearTimeout(state.timers[name]);
  clearInterval(state.timers[name]);
  delete state.timers[name];
}

// A view is one room's messages (entries by key), seq range, unread count and members.
export function createView(name) {
  return {
    name, entries: new Map(), maxSeq: 0, minSeq: Infinity, unread: 0, members: [],
    loadedInitial: false, loadingInitial: false, loadingOlder: false, noOlder: false,
  };
}

export function ensureView(room) {
  if (!state.joined.has(room)) state.joined.set(room, createView(room));
  return state.joined.get(room);
}

export function currentView() {
  return state.joined.get(state.currentRoom) || state.noRoomView;
}
