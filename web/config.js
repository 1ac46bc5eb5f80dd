/*
 * config.js — tunables of the chat page (page sizes, backoff, timers, request
 * pacing) and the friendly texts shown for sign-in error codes.
 */

export const HISTORY_PAGE = 50;          // page size on entering a room / scrolling up
export const GAP_PAGE = 100;             // page size when catching up after reconnect
export const BACKOFF_FIRST_MS = 500;
export const BACKOFF_MAX_MS = 10000;
export const LOGIN_WAIT_MS = 12000;      // give up on a connect+login attempt after this
export const PING_EVERY_MS = 25000;
export const PONG_WAIT_MS = 10000;
export const ROOMS_POLL_MS = 20000;
export const MEMBERS_REFRESH_GAP_MS = 600;
export const ROOMS_REFRESH_GAP_MS = 1000;
export const BG_BURST = 10;              // background requests sent at once at most...
export const BG_PER_SECOND = 5;          // ...then this many per second
export const NEAR_EDGE_PX = 60;
export const STATUS_MAX_ITEMS = 6;
export const INFO_STATUS_MS = 6000;
export const PHONE_QUERY = '(max-width: 640px)';

export const LOGIN_ERROR_TEXT = {
  nickname_taken: 'That nickname is taken — choose another.',
  nickname_invalid: 'That nickname is not allowed: use 1–32 characters, no control characters, not only spaces.',
  server_full: 'The server is full right now — try again later.',
  shutting_down: 'The server is shutting down — try again later.',
  store_unavailable: 'The server cannot save messages right now; yours was not sent. Try again shortly.',
  login_timeout: 'The server waited too long for the login — try again.',
};
