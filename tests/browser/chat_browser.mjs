// The chat page in a real browser: Debian's chromium (headless, driven by playwright-core)
// with two pages and one terminal user written like the tutorial's Python client, all on one
// `sockit chat serve` over loopback. Exits 0 when every check passes; writes screenshots.
// With --cluster the same story runs on a cluster (docs/cluster.md): a redis-server, the pages
// on node a, the terminal users on node b, and the restart brings the pages back to a new
// node in a's place, which must catch them up from Redis.
//
// With --tls both ports speak TLS with a certificate from a throwaway CA made here by the
// openssl command: the page over https:// and wss://, the terminal users over TLS; and the
// server has accounts (--auth accounts), alice being registered: her page shows the password
// field, signs in with it, comes back after the restart with its resume token alone, and makes
// an invite-only room with /private.
//
//   node chat_browser.mjs SOCKIT_BINARY OUTPUT_DIR [--cluster | --tls]
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const [sockit, outDir, mode] = process.argv.slice(2);
const cluster = mode === '--cluster';
const tls = mode === '--tls';
const here = dirname(fileURLToPath(import.meta.url));
const STEP_MS = 15000;  // no single wait lasts longer
const XSS = '<img src=x onerror=alert(1)>';

// A child process whose stdout lines can be awaited.
class Proc {
  constructor(cmd, args) {
    this.child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.lines = [];
    this.waiters = [];
    this.err = '';
    let partial = '';
    this.child.stdout.on('data', (chunk) => {
      partial += chunk.toString();
      let at;
      while ((at = partial.indexOf('\n')) >= 0) {
        this.lines.push(partial.slice(0, at));
        partial = partial.slice(at + 1);
      }
      this.waiters = this.waiters.filter((w) => !w());
    });
    this.child.stderr.on('data', (chunk) => { this.err = (this.err + chunk).slice(-20000); });
  }

  // Resolves with the first unread line matching `pattern` (earlier lines are consumed).
  line(pattern, what = String(pattern)) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const i = this.lines.findIndex((l) => pattern.test(l));
        if (i < 0) return false;
        const [found] = this.lines.splice(0, i + 1).slice(-1);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`timed out waiting for ${what}; seen: ${this.lines.join(' | ')}`));
      }, STEP_MS);
      if (!check()) this.waiters.push(check);
    });
  }

  send(text) { this.child.stdin.write(text + '\n'); }
  stop() { this.child.kill('SIGTERM'); }
}

function launchBrowser() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync',
           '--disable-dev-shm-usage'],
  });
}

// A browser page logged in as `nick`; any alert/dialog is recorded as a failure.
async function openChat(browser, base, nick, viewport = { width: 1100, height: 760 }) {
  // The test CA is not in chromium's store; the connection is TLS all the same.
  const page = await browser.newPage({ viewport, ignoreHTTPSErrors: tls });
  page.dialogs = [];
  page.on('dialog', async (d) => { page.dialogs.push(d.message()); await d.dismiss(); });
  page.on('pageerror', (e) => { page.dialogs.push('page error: ' + e.message); });
  await page.goto(base);
  await login(page, nick);
  return page;
}

const PASSWORD = 'correct horse battery';

async function login(page, nick) {
  await page.fill('#nickname', nick);
  if (tls && nick === 'alice') {
    // The page shows the field once its fetch of /auth has answered (accounts are on with
    // --tls here): wait for it, as a slow machine answers after the nickname is typed.
    const password = page.locator('#password');
    await password.waitFor({ state: 'visible', timeout: STEP_MS });
    await page.fill('#password', PASSWORD);
  }
  await page.press('#nickname', 'Enter');
  await page.locator('#whoami').filter({ hasText: nick }).waitFor({ timeout: STEP_MS });
}

// The first message in the current view whose text is `text`.
function message(page, text, type = null) {
  const kind = type ? `[data-type="${type}"]` : '';
  return page.locator(`#messages li.msg${kind}`).filter({
    has: page.locator('.text', { hasText: text }),
  }).first();
}

async function seen(page, text, type = null) {
  await message(page, text, type).waitFor({ timeout: STEP_MS });
}

async function say(page, text) {
  await page.fill('#composer', text);
  await page.press('#composer', 'Enter');
}

// The server, on given ports (0: any); a generous rate so the test may send in bursts.
// `store` is ['--data', DIR] or, for a cluster node, ['--cluster', URL, '--node-id', ID].
async function startServer(store, tcpPort = 0, webPort = 0) {
  const server = new Proc(sockit, ['chat', 'serve', '--tcp', `127.0.0.1:${tcpPort}`, '--http',
                                   `127.0.0.1:${webPort}`, ...store, '--rate', '500',
                                   '--burst', '500']);
  const tcp = (await server.line(/listening on/)).match(/127\.0\.0\.1:(\d+)/)[1];
  const web = (await server.line(/web page on/)).match(/https?:\/\/127\.0\.0\.1:(\d+)\//)[1];
  const scheme = tls ? 'https' : 'http';
  return { server, tcp: Number(tcp), web: Number(web), base: `${scheme}://127.0.0.1:${web}/` };
}

async function stopServer(server) {
  const exited = new Promise((resolve) => server.child.on('exit', resolve));
  server.stop();
  await exited;
}

async function scenario(browser, base, tcp, restart) {
  if (tls) await checkPasswordField(browser, base);
  const alice = await openChat(browser, base, 'alice');
  const mallory = await openChat(browser, base, XSS);
  const seed = new Proc('python3', [join(here, 'seed_client.py'), String(tcp), ...seedTls]);
  try {
    seed.send('login zhangsan');
    await seed.line(/^\[Client\] logged in \d+/);
    console.log('ok: two pages and a terminal user logged in');

    await seen(alice, `${XSS}(2) joined`, 'system');
    await seen(alice, 'zhangsan(3) joined', 'system');
    await seen(mallory, 'zhangsan(3) joined', 'system');
    console.log('ok: join notices in both pages');

    await say(alice, 'hello from the browser');
    await seen(alice, 'hello from the browser');              // own message, after its ack
    await seen(mallory, 'hello from the browser', 'broadcast');
    await seed.line(/^\(lobby\) \[alice\(1\)\] hello from the browser$/);
    seed.send('send 你好, terminal here');
    await seen(alice, '你好, terminal here', 'broadcast');
    await seen(mallory, '你好, terminal here', 'broadcast');
    console.log('ok: page → page and terminal, terminal → both pages');

    await say(mallory, XSS);
    await seen(alice, XSS, 'broadcast');
    await seed.line(new RegExp(`^\\(lobby\\) \\[${XSS.replace(/[()[\]]/g, '\\$&')}\\(2\\)\\] `));
    const rendered = await message(alice, XSS, 'broadcast').evaluate((li) => ({
      text: li.querySelector('.text').textContent,
      sender: li.querySelector('.sender').textContent,
      images: document.querySelectorAll('img').length,
    }));
    assert.equal(rendered.text, XSS);
    assert.ok(rendered.sender.includes(XSS), rendered.sender);
    assert.equal(rendered.images, 0, 'markup from the network must not become elements');
    console.log('ok: markup in a nickname and a message renders as text');

    await say(alice, '/msg zhangsan psst, just you');
    await seed.line(/^\(direct\) \[alice\(1\)\] psst, just you$/);
    seed.send('dm alice a direct answer');
    await seen(alice, 'a direct answer', 'direct');
    console.log('ok: direct messages both ways');

    // The connection drops right after a message went out, before its ack: the page sends it
    // again after the reconnect, with the same id, and the room gets it once.
    await alice.evaluate(() => {
      const ws = window.sockitChat.state.ws;
      const send = ws.send.bind(ws);
      ws.send = (frame) => { send(frame); if (frame.includes('"broadcast"')) ws.close(); };
    });
    await say(alice, 'sent as the connection dropped');
    await alice.locator('#conn-state[data-state="connected"]').waitFor({ timeout: 30000 });
    await seen(alice, 'sent as the connection dropped');  // acknowledged at last
    await seen(mallory, 'sent as the connection dropped', 'broadcast');
    await seed.line(/^\(lobby\) \[alice\(\d+\)\] sent as the connection dropped$/);
    await say(alice, 'and one after it');
    await seen(mallory, 'and one after it', 'broadcast');
    assert.equal(await mallory.locator('#messages li.msg[data-type="broadcast"] .text',
      { hasText: 'sent as the connection dropped' }).count(), 1, 'delivered once');
    console.log('ok: a message whose ack a dropped connection took is sent again and arrives once');

    await alice.fill('#join-room', 'dev');
    await alice.press('#join-room', 'Enter');
    await alice.locator('#rooms li.room[data-room="dev"].current').waitFor({ timeout: STEP_MS });
    seed.send('join dev');
    await seen(alice, 'zhangsan(3) joined', 'system');
    await alice.locator('#members li.member', { hasText: 'zhangsan' }).waitFor({ timeout: STEP_MS });
    seed.send('leave dev');
    await seen(alice, 'zhangsan(3) left', 'system');
    console.log('ok: join and leave notices, member list');

    // History after a reload: a fresh page logs in again and sees what was said.
    await alice.reload();
    await loginWhenFree(alice, 'alice');
    await alice.locator('#rooms li.room[data-room="lobby"] button.room-select').click();
    await seen(alice, '你好, terminal here', 'broadcast');
    await seen(alice, 'hello from the browser');
    await alice.screenshot({ path: join(outDir, 'chat-web.png') });
    console.log('ok: history after a reload');

    const phone = await openChat(browser, base, 'phone', { width: 380, height: 740 });
    await seen(phone, '你好, terminal here', 'broadcast');
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(overflow <= 380, `the page is ${overflow}px wide at phone width`);
    await phone.screenshot({ path: join(outDir, 'chat-web-phone.png') });
    console.log('ok: usable at phone width');

    // Scrolling up loads older pages: 80 more messages, a fresh page shows the newest 50,
    // and reaching the top brings the rest.
    for (let i = 0; i < 80; i++) seed.send(`send backlog ${String(i).padStart(2, '0')}`);
    await seen(phone, 'backlog 79', 'broadcast');
    const reader = await openChat(browser, base, 'reader');
    await seen(reader, 'backlog 79', 'broadcast');
    assert.equal(await message(reader, 'backlog 00').count(), 0, 'only the newest page at first');
    for (let i = 0; i < 20 && await message(reader, 'backlog 00').count() === 0; i++) {
      await reader.locator('#messages').evaluate((box) => { box.scrollTop = 0; box.dispatchEvent(new Event('scroll')); });
      await reader.waitForTimeout(250);
    }
    await seen(reader, 'backlog 00', 'broadcast');
    console.log('ok: older history loads on scroll');

    // The server restarts; what is said meanwhile is fetched by seq after the page's reconnect.
    seed.stop();
    await restart.down();
    await alice.locator('#conn-state:not([data-state="connected"])').waitFor({ timeout: STEP_MS });
    await restart.up();
    const late = new Proc('python3', [join(here, 'seed_client.py'), String(tcp), ...seedTls]);
    late.send('login lisi');
    await late.line(/^\[Client\] logged in \d+/);
    late.send('send said while you were away');
    const state = await alice.locator('#conn-state').getAttribute('data-state');
    console.log(`   (the page was ${state} when it was said)`);
    await alice.locator('#conn-state[data-state="connected"]').waitFor({ timeout: 30000 });
    await seen(alice, 'said while you were away', 'broadcast');
    late.stop();
    console.log('ok: reconnects after a restart and catches up by seq');

    if (tls) {  // accounts on: alice (registered) makes an invite-only room from the composer
      await say(alice, '/private hideout');
      await alice.locator('#rooms li.room[data-room="hideout"].current .room-private').waitFor({ timeout: STEP_MS });
      await say(alice, '/invite zhangsan');  // a guest: only registered users are invited
      await alice.locator('#status .status-item[data-code="no_such_user"]').waitFor({ timeout: STEP_MS });
      assert.equal(await mallory.locator('#rooms li.room[data-room="hideout"]').count(), 0,
        'a private room is not listed to others');
      console.log('ok: /private makes an invite-only room, marked private, unseen by others');
    }

    for (const page of [alice, mallory, phone, reader]) {
      assert.deepEqual(page.dialogs, [], 'no dialog and no script error may happen');
    }
  } finally {
    seed.stop();
  }
}

// With accounts the page shows the password field; a wrong password is refused.
async function checkPasswordField(browser, base) {
  const page = await browser.newPage({ ignoreHTTPSErrors: true });
  await page.goto(base);
  await page.locator('#password').waitFor({ state: 'visible', timeout: STEP_MS });
  await page.fill('#nickname', 'alice');
  await page.fill('#password', 'wrong');
  await page.press('#nickname', 'Enter');
  await page.locator('#login-error[data-code="auth_failed"]').waitFor({ timeout: STEP_MS });
  await page.close();
  console.log('ok: accounts on: a password field; a wrong password is refused');
}

// After a reload the old WebSocket may still hold the nickname for a moment.
async function loginWhenFree(page, nick) {
  const deadline = Date.now() + STEP_MS;
  for (;;) {
    try {
      await login(page, nick);
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await page.waitForTimeout(300);
    }
  }
}

// The terminal users' extra argument: the CA file when the server speaks TLS.
let seedTls = [];

// A CA and a server certificate for 127.0.0.1 in `dir`; returns the server's flags.
function makeCertificates(dir) {
  const run = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem',
      '-days', '2', '-subj', '/CN=sockit browser test CA');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr',
      '-subj', '/CN=127.0.0.1');
  execFileSync('sh', ['-c', 'echo subjectAltName=IP:127.0.0.1,DNS:localhost > san.ext'], { cwd: dir });
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
      '-out', 'server.pem', '-days', '2', '-extfile', 'san.ext');
  seedTls = [join(dir, 'ca.pem')];
  return ['--tls-cert', join(dir, 'server.pem'), '--tls-key', join(dir, 'server.key')];
}

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

// redis-server on a free loopback port, answering before this resolves.
async function startRedis(dir) {
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
                                       '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    const up = await new Promise((resolve) => {
      const c = createConnection(port, '127.0.0.1', () => { c.end(); resolve(true); });
      c.on('error', () => resolve(false));
    });
    if (up) return { redis, url: `redis://127.0.0.1:${port}` };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('redis-server did not start');
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'sockit-browser-'));
  let redis = null;
  let other = null;  // node b of a cluster: the terminal users' node
  let store = ['--data', dataDir];
  if (tls) {
    store = [...store, ...makeCertificates(dataDir), '--auth', 'accounts'];
    execFileSync(sockit, ['chat', 'user', 'add', 'alice', '--data', dataDir, '--password-stdin',
                          '--cost', '10'], { input: PASSWORD + '\n' });
  }
  if (cluster) {
    redis = await startRedis(dataDir);
    store = ['--cluster', redis.url];
  }
  let running = await startServer(cluster ? [...store, '--node-id', 'a'] : store);
  if (cluster) other = await startServer([...store, '--node-id', 'b']);
  const { web, base } = running;
  const tcp = (other ?? running).tcp;
  const restart = {
    down: () => stopServer(running.server),
    up: async () => {
      running = await startServer(cluster ? [...store, '--node-id', 'a2'] : store, running.tcp, web);
    },
  };
  const browser = await launchBrowser();
  try {
    await scenario(browser, base, tcp, restart);
  } catch (e) {
    console.error(String(e.stack || e));
    console.error('--- server stderr ---\n' + running.server.err);
    process.exitCode = 1;
  } finally {
    await browser.close();
    running.server.stop();
    if (other) other.server.stop();
    if (redis) redis.redis.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const watchdog = setTimeout(() => { console.error('timed out'); process.exit(1); }, 150000);
watchdog.unref();
await main();
