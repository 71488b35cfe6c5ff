// lib.mjs: helpers for the end-to-end tests. They drive the built headless
// binary (`wetalk web`, `wetalk serve`) on loopback only, and the system
// Chromium through playwright-core.

import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import http from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const artifacts = join(root, 'test-artifacts');

/**
 * binary returns the headless binary (WETALK_BIN if set), building it and
 * the UI it embeds if either is missing or older than its sources: a test
 * run by hand after a change must not drive the UI of an earlier build.
 */
export function binary() {
  if (process.env.WETALK_BIN) return process.env.WETALK_BIN;
  const bin = join(root, 'build', 'bin', 'wetalk-headless');
  const dist = join(root, 'frontend', 'dist', 'index.html');
  if (!existsSync(bin) || !existsSync(dist) || stale(bin, dist)) {
    execFileSync('bash', ['scripts/build', 'frontend', 'headless'], { cwd: root, stdio: 'inherit' });
  }
  return bin;
}

/** stale reports whether the UI's sources are newer than dist, or the Go sources or dist newer than bin. */
function stale(bin, dist) {
  const mtime = (f) => (existsSync(f) ? statSync(f).mtimeMs : 0);
  const ui = Math.max(newest(join(root, 'frontend', 'src'), () => true), mtime(join(root, 'frontend', 'index.html')));
  const go = Math.max(
    newest(join(root, 'backend'), (name) => name.endsWith('.go') && !name.endsWith('_test.go')),
    ...['main.go', 'app.go', 'go.mod', 'go.sum'].map((f) => mtime(join(root, f))),
  );
  return ui > mtime(dist) || Math.max(go, mtime(dist)) > mtime(bin);
}

/** newest is the latest modification time of the files under dir whose names keep accepts. */
function newest(dir, keep) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && keep(e.name)) t = Math.max(t, statSync(join(e.parentPath ?? e.path, e.name)).mtimeMs);
  }
  return t;
}

/** tempDir makes a temporary folder removed by cleanup. */
export function tempDir(cleanup, prefix) {
  const d = mkdtempSync(join(tmpdir(), prefix));
  cleanup.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/**
 * start runs the binary with args and resolves with the first JSON line it
 * prints on stdout, and the child. The child is stopped by cleanup.
 */
export function start(cleanup, args) {
  return startProgram(cleanup, binary(), args);
}

/** startProgram is start for any program: bin run with args. */
function startProgram(cleanup, bin, args) {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  cleanup.push(async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => resolve({ child, exited, info: JSON.parse(line) }));
    child.once('exit', (code) => reject(new Error(`${bin} ${args[0] ?? ''} exited ${code} before it was ready: ${stderr}`)));
  });
}

/**
 * fakeHost builds and starts tests/fakehost, a malicious room host on
 * loopback; it resolves like start, its info holding the invite and the
 * hostile texts it sends (payloads).
 */
export function fakeHost(cleanup) {
  const dir = tempDir(cleanup, 'wetalk-fakehost-bin-');
  const bin = join(dir, 'fakehost');
  execFileSync('go', ['build', '-o', bin, './tests/fakehost'], { cwd: root, stdio: 'inherit' });
  return startProgram(cleanup, bin, []);
}

/** stop ends a child started by start and waits for it. */
export async function stop(proc) {
  if (proc.child.exitCode === null) proc.child.kill('SIGTERM');
  return proc.exited;
}

/** launch starts the system Chromium, headless. */
export async function launch(cleanup) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  cleanup.push(() => browser.close());
  return browser;
}

/**
 * tab opens url in a fresh browser context (its own person) and fails the
 * test if the page ever opens a JavaScript dialog (alert, confirm, ...) or
 * throws. viewport is the page's size (1100×720 unless given).
 */
export async function tab(browser, url, problems, name, viewport = { width: 1100, height: 720 }) {
  const context = await browser.newContext({ locale: 'en-US', viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(60_000); // generous: CI may run on a busy machine
  page.on('dialog', async (d) => {
    problems.push(`${name}: a ${d.type()} dialog opened: ${d.message()}`);
    await d.dismiss();
  });
  page.on('pageerror', (e) => problems.push(`${name}: page error: ${e.message}`));
  await page.goto(url);
  return page;
}

/** screenshot saves the page under test-artifacts/. */
export async function screenshot(page, name) {
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, name + '.png') });
}

/** hostRoom fills the Host form and waits for the room. */
export async function hostRoom(page, { nickname, room, password = '', port = '0' }) {
  await page.getByLabel('Nickname').fill(nickname);
  await page.getByLabel('Room name').fill(room);
  await page.getByLabel('Room password (optional)').fill(password);
  await page.getByLabel('Port').fill(port);
  await page.getByRole('button', { name: 'Host', exact: true }).click();
  await page.getByRole('textbox', { name: 'Message' }).waitFor();
}

/** fillJoin fills the Join form and presses Join. */
export async function fillJoin(page, { nickname, address, password = '' }) {
  await page.getByLabel('Nickname').fill(nickname);
  await page.getByLabel('Address or invite').fill(address);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
}

/** joinRoom joins and waits for the room. */
export async function joinRoom(page, opts) {
  await fillJoin(page, opts);
  await page.getByRole('textbox', { name: 'Message' }).waitFor();
}

/** say sends a message from the composer with Enter. */
export async function say(page, text) {
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
}

/** closeRoom closes the room the page hosts, answering its question. */
export async function closeRoom(page) {
  await page.getByRole('button', { name: 'Close room', exact: true }).click();
  const ask = page.getByRole('alertdialog', { name: 'Close the room?' });
  await ask.getByText('Everyone will be disconnected and the history deleted.').waitFor();
  await ask.getByRole('button', { name: 'Close room', exact: true }).click();
  await page.getByRole('button', { name: 'Host', exact: true }).waitFor();
}

/** bubble is the message line with text, on side 'left' or 'right'. */
export function bubble(page, side, text) {
  return page.locator(`[data-side="${side}"]`, { hasText: text });
}

/** invite reads the invite link from the Invite dialog. */
export async function inviteLink(page) {
  await page.getByRole('button', { name: 'Invite', exact: true }).click();
  const link = page.getByLabel('Invite link');
  await link.waitFor();
  const value = await link.inputValue();
  await page.getByRole('dialog').getByRole('button', { name: 'Close', exact: true }).click();
  return value;
}

/** passwordFile writes a password file for `wetalk serve`. */
export function passwordFile(dir, password) {
  const p = join(dir, 'password');
  writeFileSync(p, password + '\n', { mode: 0o600 });
  return p;
}

/** freePort returns a loopback port nobody listens on (just closed). */
export async function freePort() {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * bot runs `wetalk chat --json` as a member called name, joined with the
 * invite link. It keeps every event line; send writes a command, next waits
 * for the first kept event (from `from` on) that pred accepts. Stopped by
 * cleanup.
 */
export function bot(cleanup, invite, name, stateDir) {
  const child = spawn(binary(), ['chat', '--json', '--name', name, '--invite', invite, '--state-dir', stateDir], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  cleanup.push(async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  });
  const events = [];
  const waiters = new Set();
  createInterface({ input: child.stdout }).on('line', (line) => {
    events.push(JSON.parse(line));
    for (const w of waiters) w();
  });
  return {
    events,
    send(cmd) {
      child.stdin.write(JSON.stringify(cmd) + '\n');
    },
    /** next resolves with the first event at index from or later that pred accepts. */
    next(pred, from = 0, what = 'an event') {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${name}: no ${what} within 60 s`));
        }, 60_000);
        const check = () => {
          for (let i = from; i < events.length; i++) {
            if (pred(events[i])) {
              clearTimeout(timer);
              waiters.delete(check);
              resolve({ event: events[i], index: i });
              return;
            }
          }
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/**
 * countingServer starts an HTTP server on loopback that serves a page with
 * an <input type=file> and only counts the bytes of each POST made to it:
 * what Chromium reaches when it posts a picked file with nothing of
 * WeTalk's in the way (a reference for a page's upload, not a ceiling:
 * this Node server takes CPU of its own). The page posts the picked file
 * with XMLHttpRequest.send(file), as the UI does (frontend/src/lib/
 * backend.ts, Bridge.share), or as a fetch() body when its URL ends in
 * #fetch. post(browser, file, how) picks file in a fresh page and resolves
 * with the MB/s until the server has its last byte.
 */
export async function countingServer(cleanup) {
  let received = null; // resolves with [the time the current body ended, its length]
  const srv = http.createServer((req, res) => {
    if (req.method === 'GET') {
      res.setHeader('content-type', 'text/html');
      res.end(`<input type=file><script>
        document.querySelector('input').onchange = (e) => {
          const file = e.target.files[0];
          if (location.hash === '#fetch') return fetch('/', { method: 'POST', body: file });
          const xhr = new XMLHttpRequest();
          xhr.open('POST', '/');
          xhr.send(file);
        };
      </script>`);
      return;
    }
    let got = 0;
    req.on('data', (d) => (got += d.length));
    req.on('end', () => {
      res.end();
      received?.([performance.now(), got]);
    });
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise((r) => srv.close(r)));
  const post = async (browser, file, how = 'xhr') => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${srv.address().port}/#${how}`);
      const body = new Promise((r) => (received = r));
      const t0 = performance.now();
      await page.locator('input').setInputFiles(file);
      const [at, got] = await body;
      return got / 1e6 / ((at - t0) / 1000);
    } finally {
      received = null;
      await context.close();
    }
  };
  return { post };
}
