// End-to-end: the app's UI in Chromium, through `wetalk web`, with real
// rooms on loopback. Issue 3 (host, join, chat, history, leave, duplicate
// names, safe rendering, join errors) and issue 4 (recall, kick).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  bubble, closeRoom, fillJoin, freePort, hostRoom, inviteLink, joinRoom, launch, passwordFile, say, screenshot, start,
  stop, tab, tempDir,
} from './lib.mjs';

const xss = '<img src=x onerror=alert(1)>';

describe('wetalk web', () => {
  const cleanup = [];
  const problems = []; // dialogs opened or errors thrown by any page
  let url;
  let browser;

  before(async () => {
    const state = tempDir(cleanup, 'wetalk-e2e-');
    const web = await start(cleanup, ['web', '--listen', '127.0.0.1:0', '--state-dir', state]);
    assert.equal(web.info.type, 'web');
    url = web.info.url;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    browser = await launch(cleanup);
  });

  after(async () => {
    for (const f of cleanup.reverse()) await f();
  });

  it('refuses a page without the token', async () => {
    const res = await fetch(url.replace(/\?token=.*/, ''));
    assert.equal(res.status, 401);
  });

  it('runs a room: host, join, chat both ways, late joiner, names, XSS, leave, recall, kick', async () => {
    const a = await tab(browser, url, problems, 'A');
    await a.getByRole('button', { name: 'Host', exact: true }).waitFor();
    // The token leaves the address bar once the page has its cookie, and
    // the page still works when reloaded without it.
    await a.waitForURL((u) => !u.search.includes('token'), { timeout: 30_000 });
    assert.ok(!a.url().includes('token'), `token still in ${a.url()}`);
    await a.reload();
    await a.getByRole('button', { name: 'Host', exact: true }).waitFor();
    assert.ok(!a.url().includes('token'));
    // wetalk web without --lan neither announces nor browses: the Join card
    // says so quietly, and the Host form's switch is there.
    await a.getByText('No rooms found on this network').waitFor();
    assert.equal(await a.getByRole('checkbox', { name: 'Announce on this network' }).isChecked(), true);
    await screenshot(a, 'start-screen');
    await hostRoom(a, { nickname: 'Ann', room: 'Tea room' });
    assert.equal(await a.title(), 'WeTalk — Tea room');
    const link = await inviteLink(a);
    assert.match(link, /^wetalk:\/\/127\.0\.0\.1:\d+\/#/);

    // B joins with the invite; they talk in Chinese and English.
    const b = await tab(browser, url, problems, 'B');
    await joinRoom(b, { nickname: 'Bo', address: link });
    await a.getByText('Bo joined').waitFor();
    await say(a, '你好，Bo！今天喝什么茶？ 🍵');
    await say(b, 'Hello Ann, green tea please');
    await bubble(a, 'right', '你好，Bo！今天喝什么茶？ 🍵').waitFor();
    await bubble(a, 'left', 'Hello Ann, green tea please').waitFor();
    await bubble(b, 'left', '你好，Bo！今天喝什么茶？ 🍵').waitFor();
    await bubble(b, 'right', 'Hello Ann, green tea please').waitFor();
    assert.equal(await bubble(a, 'left', 'Hello Ann').locator('.name').textContent(), 'Bo', 'sender name on the bubble');
    await screenshot(a, 'room-host');
    await screenshot(b, 'room-member');

    // C joins late under a name already taken: history above the divider.
    const c = await tab(browser, url, problems, 'C');
    await joinRoom(c, { nickname: 'Ann', address: link });
    await c.getByText('Your name is Ann#2 (Ann was taken)').waitFor();
    const divider = c.getByRole('separator').filter({ hasText: 'you joined here' });
    await divider.waitFor();
    const order = await c.evaluate(() => {
      const sep = Array.from(document.querySelectorAll('[role=separator]')).find((s) => s.textContent.includes('you joined here'));
      const lines = Array.from(document.querySelectorAll('[data-side]'));
      return lines.map((l) => !!(sep.compareDocumentPosition(l) & Node.DOCUMENT_POSITION_PRECEDING));
    });
    assert.deepEqual(order, [true, true], 'both history messages are above the divider');
    await bubble(c, 'left', '你好，Bo').waitFor();
    await c.locator('aside').getByText('Ann#2').waitFor();
    await screenshot(c, 'room-late-joiner');

    // A nickname and a message made of markup show as text and run nothing.
    const x = await tab(browser, url, problems, 'X');
    await joinRoom(x, { nickname: xss, address: link });
    await say(x, xss);
    await bubble(a, 'left', xss).waitFor();
    await a.getByText(`${xss} joined`).waitFor();
    await a.locator('aside').getByText(xss, { exact: true }).waitFor();
    assert.equal(await a.locator('.text', { hasText: xss }).count(), 1);
    for (const p of [a, b, c, x]) assert.equal(await p.locator('img').count(), 0, 'no <img> in the page');
    await screenshot(a, 'room-xss-as-text');
    await x.getByRole('button', { name: 'Leave', exact: true }).click();

    // B leaves: A sees the notice; B is back at the start screen.
    await b.getByRole('button', { name: 'Leave', exact: true }).click();
    await b.getByRole('button', { name: 'Host', exact: true }).waitFor();
    await a.getByText('Bo left').waitFor();
    assert.equal(await b.title(), 'WeTalk');

    // Issue 4: C recalls a message; it disappears for A and B.
    await joinRoom(b, { nickname: 'Bo', address: link });
    const oops = 'this went to the wrong room';
    await say(c, oops);
    await bubble(a, 'left', oops).waitFor();
    await bubble(b, 'left', oops).waitFor();
    await bubble(c, 'right', oops).locator('.bubble').click({ button: 'right' });
    await c.getByRole('menuitem', { name: 'Recall' }).click();
    for (const p of [a, b, c]) {
      await p.getByText('Ann#2 recalled a message').waitFor();
      await p.getByText(oops).waitFor({ state: 'detached' });
    }

    // Issue 4: A (the leader) kicks B with a reason through the kick dialog.
    await a.getByRole('button', { name: 'Kick…' }).click();
    const kick = a.getByRole('dialog', { name: 'Remove a member' });
    await kick.getByRole('radio', { name: 'Bo' }).check();
    await kick.getByLabel('Reason').fill('too much green tea');
    await screenshot(a, 'kick-dialog');
    await kick.getByRole('button', { name: 'Kick', exact: true }).click();
    const kicked = b.getByRole('alertdialog', { name: 'You were removed from the room' });
    await kicked.getByText('Reason: too much green tea').waitFor();
    await screenshot(b, 'kicked');
    await kicked.getByRole('button', { name: 'OK' }).click();
    await b.getByRole('button', { name: 'Host', exact: true }).waitFor();
    await a.getByText('Bo was removed from the room').waitFor();
    await c.getByText('Bo was removed from the room').waitFor();

    // The host closes the room (after a question naming the consequence):
    // it closes for C, who is told so.
    await closeRoom(a);
    await c.getByText('The host closed the room.').waitFor();
    await c.getByRole('button', { name: 'Join', exact: true }).waitFor();
    assert.deepEqual(problems, []);
  });

  it('lets the leader hand over; the new leader removes a message, bans and unbans', async () => {
    const a = await tab(browser, url, problems, 'A2');
    await hostRoom(a, { nickname: 'Ann', room: 'Handover' });
    const link = await inviteLink(a);
    const b = await tab(browser, url, problems, 'B2');
    await joinRoom(b, { nickname: 'Bo', address: link });
    const c = await tab(browser, url, problems, 'C2');
    await joinRoom(c, { nickname: 'Cy', address: link });
    await a.getByText('Cy joined').waitFor();
    await say(a, 'a message from the host');
    await bubble(b, 'left', 'a message from the host').waitFor();
    assert.equal(await b.getByRole('button', { name: 'Kick…' }).count(), 0, 'only the leader may kick');

    // Handover from the member list.
    await a.getByRole('button', { name: 'Make leader: Bo' }).click();
    await a.getByRole('alertdialog', { name: 'Make Bo the leader?' }).getByRole('button', { name: 'Make leader' }).click();
    for (const p of [a, b, c]) await p.getByText('Bo is now the leader').waitFor();
    await b.getByRole('button', { name: 'Kick…' }).waitFor();
    await a.getByRole('button', { name: 'Kick…' }).waitFor({ state: 'detached' });

    // The new leader removes someone else's message through its menu.
    await bubble(b, 'left', 'a message from the host').getByRole('button', { name: 'Message actions' }).click();
    await b.getByRole('menuitem', { name: 'Remove' }).click();
    for (const p of [a, b, c]) await p.getByText('A message by Ann was removed by the leader').waitFor();

    // Kick with a ban: Cy cannot come back until unbanned.
    await b.getByRole('button', { name: 'Kick…' }).click();
    const kick = b.getByRole('dialog', { name: 'Remove a member' });
    await kick.getByRole('radio', { name: 'Cy' }).check();
    await kick.getByRole('checkbox', { name: 'Also ban them from rejoining' }).check();
    await kick.getByRole('button', { name: 'Kick', exact: true }).click();
    await c.getByRole('alertdialog', { name: 'You were removed from the room' }).getByRole('button', { name: 'OK' }).click();
    await fillJoin(c, { nickname: 'Cy', address: link });
    await c.getByRole('alert').filter({ hasText: 'You are banned from this room.' }).waitFor();
    await screenshot(c, 'banned');

    await b.getByRole('button', { name: 'Bans' }).click();
    await b.getByRole('button', { name: 'Unban: Cy' }).click();
    await b.getByText('Nobody is banned.').waitFor();
    await b.getByRole('dialog').getByRole('button', { name: 'Close', exact: true }).click();
    await joinRoom(c, { nickname: 'Cy', address: link });
    await b.getByText('Cy joined').nth(1).waitFor();
    await closeRoom(a);
    assert.deepEqual(problems, []);
  });

  it('shows join errors clearly: unknown key, wrong password, changed key, unreachable', async () => {
    const dirs = [tempDir(cleanup, 'wetalk-host1-'), tempDir(cleanup, 'wetalk-host2-')];
    const pw = passwordFile(dirs[0], 'sesame');
    const host1 = await start(cleanup, ['serve', '--listen', '127.0.0.1:0', '--state-dir', dirs[0],
      '--password-file', pw, '--name-of-room', 'Locked']);
    const { addr, fingerprint } = host1.info;
    const e = await tab(browser, url, problems, 'E');

    // An address without the fingerprint: compare it, then trust it.
    await fillJoin(e, { nickname: 'Eve', address: addr, password: 'wrong' });
    const check = e.getByRole('dialog', { name: "Check the host's key" });
    await check.getByText(fingerprint).waitFor();
    await screenshot(e, 'fingerprint-check');
    await check.getByRole('button', { name: 'Trust and join' }).click();
    await e.getByRole('alert').filter({ hasText: 'Wrong room password.' }).waitFor();
    await screenshot(e, 'wrong-password');

    // Right password: in (the key is remembered: no question this time).
    await joinRoom(e, { nickname: 'Eve', address: addr, password: 'sesame' });
    await e.getByRole('button', { name: 'Leave', exact: true }).click();
    await stop(host1);

    // Another key at the same address is refused.
    const host2 = await start(cleanup, ['serve', '--listen', addr, '--state-dir', dirs[1]]);
    assert.notEqual(host2.info.fingerprint, fingerprint);
    await fillJoin(e, { nickname: 'Eve', address: addr });
    await e.getByRole('alert').filter({ hasText: 'key has changed' }).waitFor();
    await screenshot(e, 'host-key-changed');
    await stop(host2);

    // Nobody listening.
    const port = await freePort();
    await fillJoin(e, { nickname: 'Eve', address: `127.0.0.1:${port}` });
    await e.getByRole('alert').filter({ hasText: 'refused the connection' }).waitFor();
    await screenshot(e, 'unreachable');
    await e.getByRole('button', { name: 'Join', exact: true }).waitFor({ state: 'visible' });
    assert.equal(await e.getByRole('button', { name: 'Join', exact: true }).isEnabled(), true, 'nothing hangs');
    assert.deepEqual(problems, []);
  });
});
