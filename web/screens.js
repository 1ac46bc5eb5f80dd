/*
 * screens.js — switching between the login screen and the chat screen: login
 * messages and busy state, the phone-width sidebar, and the full reset back
 * to the login screen (after logout or a fatal sign-in error).
 */
import { LOGIN_ERROR_TEXT } from './config.js';
import { clearTimer, createView, state, ui } from './state.js';
import { setConnState, showStatus } from './status.js';

export function setLoginMessage(text, code) {
  ui.loginError.textContent = text;
  if (code) ui.loginError.dataset.code = code; else delete ui.loginError.dataset.code;
}

export function showLoginError(code, serverText) {
  const friendly = LOGIN_ERROR_TEXT[code] || 'Sign-in failed.';
  setLoginMessage(serverText ? `${friendly} (server: ${serverText})` : friendly, code);
}

export function setLoginBusy(busy) {
  ui.loginButton.disabled = busy;
  ui.loginButton.textContent = busy ? 'Connecting…' : 'Enter chat';
}

export function showChatScreen() {
  ui.loginView.hidden = true;
  ui.chatView.hidden = false;
  ui.logout.hidden = false;
  ui.whoami.hidden = false;
  ui.whoami.textContent = `Signed in as ${state.nickname} (id ${state.myId})`;
}

export function showLoginScreen() {
  ui.chatView.hidden = true;
  ui.logout.hidden = true;
  ui.whoami.hidden = true;
  ui.loginView.hidden = false;
  setLoginBusy(false);
  ui.nickname.value = state.nickname;
  ui.nickname.focus();
}

export function setSidebarOpen(open) {
  ui.chatView.classList.toggle('sidebar-open', open);
  ui.sidebarToggle.setAttribute('aria-expanded', String(open));
}

// Forgets the session (rooms, members, messages, timers) and shows the login screen.
export function resetToLogin() {
  for (const name of Object.keys(state.timers)) clearTimer(name);
  Object.assign(state, {
    myId: null, loggedIn: false, hasSession: false, currentRoom: null, backoffAttempt: 0,
    joined: new Map(), serverRooms: new Map(), privateRooms: new Set(), noRoomView: createView(null),
  });
  state.myIds.clear();
  ui.rooms.replaceChildren();
  ui.members.replaceChildren();
  ui.messages.replaceChildren();
  setConnState('offline');
  showLoginScreen();
  if (state.stopReason === 'logout') showStatus('info', '', 'Signed out');
}
