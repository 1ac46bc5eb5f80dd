/*
 * rooms.js — room navigation and membership: switching the current room,
 * joining and leaving, and (throttled) refreshes of the room and member lists.
 */
import { MEMBERS_REFRESH_GAP_MS, ROOMS_REFRESH_GAP_MS } from './config.js';
import { sendRequest } from './connection.js';
import { renderMembers, renderMessages, renderRoomHeader, renderRooms, updateHistoryEdge } from './render.js';
import { setSidebarOpen } from './screens.js';
import { currentView, state } from './state.js';
import { showStatus } from './status.js';
import { fillScreenWithHistory, loadInitialHistory } from './store.js';
import { isPhoneWidth, throttled } from './util.js';

export function requestRooms() {
  if (state.loggedIn) sendRequest({ type: 'rooms' }, {}, true);
}

export function requestMembers(room) {
  if (state.loggedIn && room && state.joined.has(room)) sendRequest({ type: 'who', room }, { room }, true);
}

export const scheduleRoomsRefresh = throttled(requestRooms, ROOMS_REFRESH_GAP_MS);
export const scheduleMembersRefresh = throttled(() => requestMembers(state.currentRoom), MEMBERS_REFRESH_GAP_MS);

// Makes `name` (a joined room, or null for none) the room on screen.
export function selectRoom(name) {
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

export function joinRoom(room) {
  if (state.joined.has(room)) return selectRoom(room);
  if (!state.loggedIn) return showStatus('error', 'offline', 'Not connected', `Could not join #${room}`);
  sendRequest({ type: 'join', room }, { room });
}

export function leaveRoom(room) {
  if (!state.loggedIn) return showStatus('error', 'offline', 'Not connected', `Could not leave #${room}`);
  sendRequest({ type: 'leave', room }, { room });
}
