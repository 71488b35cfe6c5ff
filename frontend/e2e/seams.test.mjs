// End-to-end: the bridge of `wetalk web` answers each call on its own
// (issue 9): Send and Leave are answered while an image fetch is still in
// flight, and a join to a host that never answers can be cancelled from the
// start screen (or its tab closed) without waiting.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { fillJoin, hostRoom, inviteLink, joinRoom, launch, say, start, tab, tempDir } from './lib.mjs';

/**
 * stallingProxy forwards TCP to 127.0.0.1:port. Once armed with a budget,
 * it passes on only that many more bytes from the host to the member and
 * holds the rest (reading it all, so the host never blocks); the member's
 * bytes to the host always flow.
 */
async function stallingProxy(cleanup, port) {
  const sockets = new Set();
  const state = { budget: Infinity };
  const server = net.createServer((member) => {
    const host = net.connect(port, '127.0.0.1');
    sockets.add(member).add(host);
    member.pipe(host);
    host.on('data', (d) => {
      const pass = Math.max(0, Math.min(d.length, state.budget));
      state.budget -= pass;
      if (pass > 0) member.write(d.subarray(0, pass));
    });
    for (const s of [member, host]) s.on('error', () => {});
    member.on('close', () => host.destroy());
    host.on('close', () => member.destroy());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return { port: server.address().port, state };
}

/** silentHost accepts connections and never answers (not even TLS). */
async function silentHost(cleanup) {
  const sockets = new Set();
  let waiting = [];
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    for (const w of waiting) w();
    waiting = [];
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  /** accepted resolves when the next connection is accepted. */
  const accepted = () => new Promise((resolve) => waiting.push(resolve));
  return { port: server.address().port, accepted };
}

/** bridgeLog records the calls a page makes over the bridge and their answers. */
function bridgeLog(page) {
  const calls = new Map(); // id -> { method, answered, error }
  let waiters = [];
  const find = (method) => [...calls.values()].filter((c) => c.method === method);
  const changed = () => (waiters = waiters.filter((w) => !w()));
  page.on('websocket', (ws) => {
    ws.on('framesent', (f) => {
      const m = JSON.parse(String(f.payload));
      if (m.method) calls.set(m.id, { method: m.method, answered: false });
      changed();
    });
    ws.on('framereceived', (f) => {
      const m = JSON.parse(String(f.payload));
      const c = m.event === undefined ? calls.get(m.id) : undefined;
      if (c) Object.assign(c, { answered: true, error: m.error?.code });
      changed();
    });
  });
  return {
    calls: find,
    /** until resolves once a call of method was made (and answered, if asked). */
    until(method, answered = false) {
      return new Promise((resolve, reject) => {
        const guard = setTimeout(() => reject(new Error(`no ${answered ? 'answer to ' : 'call of '}${method} within 60 s`)), 60_000);
        const check = () => {
          if (!find(method).some((c) => !answered || c.answered)) return false;
          clearTimeout(guard);
          resolve();
          return true;
        };
        if (!check()) waiters.push(check);
      });
    },
  };
}

describe('a bridge that answers each call on its own', () => {
  const cleanup = [];
  const problems = [];
  let url;
  let browser;

  before(async () => {
    const state = tempDir(cleanup, 'wetalk-e2e-seams-');
    const web = await start(cleanup, ['web', '--listen', '127.0.0.1:0', '--state-dir', state]);
    url = web.info.url;
    browser = await launch(cleanup);
  });

  after(async () => {
    for (const f of cleanup.reverse()) await f();
  });

  it('answers Send and Leave while an image fetch is still in flight', { timeout: 180_000 }, async () => {
    const a = await tab(browser, url, problems, 'A');
    await hostRoom(a, { nickname: 'Ann', room: 'Stalls' });
    const link = await inviteLink(a);
    const port = Number(/:(\d+)\//.exec(link)[1]);
    const proxy = await stallingProxy(cleanup, port);

    // B reaches the room through the proxy.
    const b = await tab(browser, url, problems, 'B');
    const log = bridgeLog(b);
    await joinRoom(b, { nickname: 'Bo', address: link.replace(`:${port}/`, `:${proxy.port}/`) });
    await a.getByText('Bo joined').waitFor();

    // From now on B gets the image's announcement, then nothing: its
    // fetch of the image's 3 MiB waits for chunks that never come.
    proxy.state.budget = 32 << 10;
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(3 << 20, 7)]);
    await a.locator('input[data-role="image"]').setInputFiles({ name: 'big.png', mimeType: 'image/png', buffer: png });
    await b.locator('[data-kind="image"][data-side="left"]').waitFor();
    await log.until('FetchImage');

    // Send: answered at once, and A gets the message.
    await say(b, 'still talking while the image loads');
    await log.until('Send', true);
    await a.getByText('still talking while the image loads').waitFor();
    assert.equal(log.calls('FetchImage').some((c) => c.answered), false, 'the fetch is still in flight');

    // Leave: the host hears it (A is told), and it ends the fetch.
    await b.getByRole('button', { name: 'Leave', exact: true }).click();
    await a.getByText('Bo left').waitFor();
    await log.until('FetchImage', true);
    await log.until('Leave', true);
    assert.deepEqual(problems, []);
  });

  it('cancels a join to a host that never answers, from the start screen', { timeout: 120_000 }, async () => {
    const silent = await silentHost(cleanup);
    const c = await tab(browser, url, problems, 'C');
    const log = bridgeLog(c);
    const reached = silent.accepted();
    await fillJoin(c, { nickname: 'Cy', address: `127.0.0.1:${silent.port}` });
    const cancel = c.getByRole('button', { name: 'Cancel', exact: true });
    await cancel.waitFor();
    await reached; // the join waits on the silent host
    await cancel.click();
    await log.until('Join', true);
    assert.equal(log.calls('Join')[0].error, 'cancelled');
    await c.getByRole('button', { name: 'Join', exact: true }).and(c.locator(':enabled')).waitFor();
    assert.equal(await c.getByRole('alert').count(), 0, 'a cancelled join is no error to show');
    assert.equal(await c.getByRole('button', { name: 'Cancel', exact: true }).count(), 0);

    // The same tab can join a real room afterwards.
    const a = await tab(browser, url, problems, 'A2');
    await hostRoom(a, { nickname: 'Ann', room: 'After' });
    await joinRoom(c, { nickname: 'Cy', address: await inviteLink(a) });

    // Closing a tab while it joins does not wait for the host either:
    // wetalk web drops it and serves the next tab at once.
    const d = await tab(browser, url, problems, 'D');
    const reachedD = silent.accepted();
    await fillJoin(d, { nickname: 'Di', address: `127.0.0.1:${silent.port}` });
    await reachedD; // the join waits on the silent host
    await d.context().close();
    const e = await tab(browser, url, problems, 'E');
    await joinRoom(e, { nickname: 'Ed', address: await inviteLink(a) });
    await a.getByText('Ed joined').waitFor();
    assert.deepEqual(problems, []);
  });
});
