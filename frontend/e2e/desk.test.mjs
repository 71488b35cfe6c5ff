// End-to-end, issue 11 ("the room on a real desk"): window sizes, scrolling
// like a messenger, delivery state, explicit hosting, dates, rich text, join
// errors, uploads. The host is its own process (`wetalk serve`); bots are
// `wetalk chat --json` members; the UI is Chromium through `wetalk web`.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bot, closeRoom, fillJoin, freePort, hostRoom, joinRoom, passwordFile, launch, say, screenshot, start, tab, tempDir } from './lib.mjs';

describe('the room on a real desk', () => {
  const cleanup = [];
  const problems = [];
  let url;
  let browser;
  let host;
  let state;

  before(async () => {
    state = tempDir(cleanup, 'wetalk-desk-');
    host = await start(cleanup, ['serve', '--listen', '127.0.0.1:0', '--state-dir', state + '/host',
      '--name-of-room', 'Desk', '--no-rate-limit']);
    // A test that froze the host thaws it before it is stopped.
    cleanup.push(() => host.child.kill('SIGCONT'));
    const web = await start(cleanup, ['web', '--listen', '127.0.0.1:0', '--state-dir', state + '/web']);
    url = web.info.url;
    browser = await launch(cleanup);
  });

  after(async () => {
    for (const f of cleanup.reverse()) await f();
    assert.deepEqual(problems, []);
  });

  /** member joins the room from a fresh tab of the given size. */
  async function member(name, viewport) {
    const page = await tab(browser, url, problems, name, viewport);
    await joinRoom(page, { nickname: name, address: host.info.invite });
    return page;
  }

  const box = async (locator) => {
    const b = await locator.boundingBox();
    assert.ok(b, 'the element is laid out');
    return b;
  };

  it('fits 800×600: a wide message box, Members and Files as drawers', async () => {
    const p = await member('Narrow', { width: 800, height: 600 });
    const composer = p.getByRole('textbox', { name: 'Message' });
    assert.ok((await box(composer)).width >= 300, 'the message box is at least 300 px wide');
    const members = p.locator('#members-panel');
    const files = p.locator('#files-panel');
    assert.equal(await members.isVisible(), false, 'members are a closed drawer');
    assert.equal(await files.isVisible(), false, 'files are a closed drawer');

    await p.getByRole('button', { name: 'Members', exact: true }).click();
    await members.getByText('Narrow').waitFor();
    await screenshot(p, 'desk-800x600-members');
    await p.getByRole('button', { name: 'Members', exact: true }).click();
    await members.waitFor({ state: 'hidden' });

    await p.getByRole('button', { name: 'Files', exact: true }).click();
    await files.waitFor();
    await p.keyboard.press('Escape');
    await files.waitFor({ state: 'hidden' });
    await say(p, 'hello from a small window');
    await screenshot(p, 'desk-800x600');
  });

  it('fits 1920×1080: panels beside the chat, bubbles of a readable width', async () => {
    const p = await member('Wide', { width: 1920, height: 1080 });
    assert.equal(await p.getByRole('button', { name: 'Members', exact: true }).isVisible(), false);
    assert.equal(await p.getByRole('button', { name: 'Files', exact: true }).isVisible(), false);
    await p.locator('#members-panel').getByText('Wide').waitFor();
    await p.locator('#files-panel').waitFor();
    const composer = p.getByRole('textbox', { name: 'Message' });
    assert.ok((await box(composer)).width >= 300);
    await say(p, 'A long line. '.repeat(60));
    const bubble = p.locator('[data-side="right"] .bubble', { hasText: 'A long line.' });
    await bubble.waitFor();
    const w = (await box(bubble)).width;
    assert.ok(w <= 720, `a bubble is at most 720 px wide at 1920 px (was ${w})`);
    await screenshot(p, 'desk-1920x1080');
  });

  it('shows my message pending, then sent; a frozen host brings the banner, which clears', async () => {
    const p = await member('Sender');
    const line = (text) => p.locator('[data-side="right"]', { hasText: text });
    await say(p, 'before the freeze');
    await line('before the freeze').locator('[data-delivery="sent"]').waitFor();

    host.child.kill('SIGSTOP');
    try {
      await say(p, 'while frozen');
      await line('while frozen').locator('[data-delivery="pending"]').waitFor();
      const banner = p.getByRole('status').filter({ hasText: 'Connection lost — reconnecting' });
      await banner.waitFor({ timeout: 60_000 });
      assert.equal(await line('while frozen').locator('[data-delivery]').getAttribute('data-delivery'), 'pending');
      await screenshot(p, 'desk-host-frozen');
    } finally {
      host.child.kill('SIGCONT');
    }
    await line('while frozen').locator('[data-delivery="sent"]').waitFor({ timeout: 60_000 });
    await p.getByRole('status').filter({ hasText: 'Connection lost' }).waitFor({ state: 'hidden' });
    await p.context().close();
  });

  it('shows two members the same order after both sent while the host was frozen', async () => {
    const p = await member('Pia');
    const q = await member('Quinn');
    const line = (page, text) => page.locator('[data-side]', { hasText: text });
    host.child.kill('SIGSTOP');
    try {
      await say(p, 'pia while frozen');
      await say(q, 'quinn while frozen');
      await line(p, 'pia while frozen').locator('[data-delivery="pending"]').waitFor();
      await line(q, 'quinn while frozen').locator('[data-delivery="pending"]').waitFor();
    } finally {
      host.child.kill('SIGCONT');
    }
    const order = async (page) => {
      await line(page, 'pia while frozen').waitFor({ timeout: 60_000 });
      await line(page, 'quinn while frozen').waitFor({ timeout: 60_000 });
      await page.locator('[data-delivery="pending"]').first().waitFor({ state: 'detached', timeout: 60_000 });
      // (Other tests' messages are in the history: 'while frozen' alone
      // is the first test's.)
      return page.evaluate(() =>
        Array.from(document.querySelectorAll('[data-side]'))
          .map((e) => e.textContent)
          .filter((t) => t.includes('pia while frozen') || t.includes('quinn while frozen'))
          .map((t) => (t.includes('pia') ? 'pia' : 'quinn')),
      );
    };
    // Each shows its own message at once, at the bottom; whatever the host
    // took first goes above it: both end in the host's order.
    const [op, oq] = [await order(p), await order(q)];
    assert.equal(op.length, 2, `Pia sees ${op}`);
    assert.deepEqual(op, oq, 'Pia and Quinn see the two messages in the same order');
    await p.context().close();
    await q.context().close();
  });

  it('renders a fenced code block as a block that keeps its lines, and a lone emoji large', async () => {
    const p = await member('Coder');
    const code = 'func main() {\n\tif ok {\n        fmt.Println("hi")\n\t}\n}';
    await say(p, 'Here:\n```go\n' + code + '\n```\nThat is all.');
    const block = p.locator('[data-side="right"] pre', { hasText: 'func main()' });
    await block.waitFor();
    assert.equal(await block.textContent(), code, 'newlines and indentation kept');
    assert.equal(await block.evaluate((el) => getComputedStyle(el).whiteSpace), 'pre');
    assert.equal(await block.evaluate((el) => getComputedStyle(el).overflowX), 'auto');
    await p.locator('[data-side="right"]', { hasText: 'func main()' }).getByRole('button', { name: 'Copy code' }).waitFor();
    await say(p, '🍵');
    const tea = p.locator('[data-side="right"] .text', { hasText: '🍵' });
    await tea.waitFor();
    const size = await tea.evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    assert.ok(size >= 32, `a lone emoji is shown large (${size}px)`);
    await screenshot(p, 'desk-code-and-emoji');
    await p.context().close();
  });

  it('says each join failure in a sentence of its own, details folded, without moving the form', async () => {
    const p = await tab(browser, url, problems, 'Joiner');
    const joinButton = p.getByRole('button', { name: 'Join', exact: true });
    await joinButton.waitFor();
    const before = await box(joinButton);
    const held = new Set();
    const silent = (await import('node:net')).createServer((sock) => held.add(sock)); // accepts, never answers
    await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => {
      for (const sock of held) sock.destroy();
      silent.close(resolve);
    }));
    const fp = host.info.fingerprint;
    const otherFp = (fp[0] === 'a' ? 'b' : 'a') + fp.slice(1);
    const pwDir = tempDir(cleanup, 'wetalk-desk-pw-');
    const locked = await start(cleanup, ['serve', '--listen', '127.0.0.1:0', '--state-dir', pwDir,
      '--password-file', passwordFile(pwDir, 'sesame')]);
    // A room of one, taken by a bot: the next joiner is told the room is full.
    const fullDir = tempDir(cleanup, 'wetalk-desk-full-');
    const full = await start(cleanup, ['serve', '--listen', '127.0.0.1:0', '--state-dir', fullDir, '--max-members', '1']);
    const sitter = bot(cleanup, full.info.invite, 'Sitter', tempDir(cleanup, 'wetalk-desk-sitter-'));
    await sitter.next((e) => e.type === 'welcome', 0, 'welcome');
    const cases = [
      ['hello world', 'That is not an address (host:port) or an invite link'],
      [host.info.invite.slice(0, -6), 'This invite link is incomplete or damaged.'],
      [`wetalk://${host.info.addr}/#${otherFp}`, "The host's key does not match the one in the invite."],
      [`127.0.0.1:${await freePort()}`, 'The computer at that address refused the connection'],
      [`wetalk://127.0.0.1:${silent.address().port}/#${fp}`, 'The host did not answer in time.'],
      [locked.info.invite, 'Wrong room password.'],
      [full.info.invite, 'The room is full.'],
    ];
    for (const [address, sentence] of cases) {
      await fillJoin(p, { nickname: 'Joiner', address, password: address === locked.info.invite ? 'nope' : '' });
      const alert = p.getByRole('alert').filter({ hasText: sentence });
      await alert.waitFor({ timeout: 60_000 });
      const details = alert.locator('details');
      if (await details.count()) {
        assert.equal(await details.locator('code').isVisible(), false, 'the technical detail is folded');
      }
      assert.deepEqual(await box(joinButton), before, `the form did not move (${sentence})`);
    }
    await p.getByRole('alert').getByText('Details').click();
    await p.getByRole('alert').locator('code').waitFor();
    await screenshot(p, 'desk-join-error');
    await p.context().close();
  });

  it('asks before the host closes the room', async () => {
    const p = await tab(browser, url, problems, 'Hoster');
    await hostRoom(p, { nickname: 'Hoster', room: 'Mine' });
    await p.getByRole('button', { name: 'Close room', exact: true }).click();
    const ask = p.getByRole('alertdialog', { name: 'Close the room?' });
    await ask.getByText('Everyone will be disconnected and the history deleted.').waitFor();
    await screenshot(p, 'desk-close-room');
    await ask.getByRole('button', { name: 'Cancel' }).click();
    await ask.waitFor({ state: 'detached' });
    await p.getByRole('textbox', { name: 'Message' }).waitFor();
    await closeRoom(p);
    await p.context().close();
  });

  it('puts date separators between messages of different days; bubbles show the time only', async () => {
    const clock = join(state, 'clock');
    const dated = await start(cleanup, ['serve', '--listen', '127.0.0.1:0', '--state-dir', state + '/dated',
      '--name-of-room', 'Dated', '--test-clock-file', clock, '--no-rate-limit']);
    const b = bot(cleanup, dated.info.invite, 'Diarist', state + '/diarist');
    await b.next((ev) => ev.type === 'welcome', 0, 'welcome');
    for (const [offset, text] of [['-48h', 'two days ago'], ['-24h', 'yesterday it rained'], ['0s', 'today it shines']]) {
      writeFileSync(clock, offset);
      const acked = b.next((ev) => ev.type === 'ack' && ev.ref === text);
      b.send({ cmd: 'send', text, ref: text });
      await acked;
    }
    const p = await tab(browser, url, problems, 'Reader2');
    await joinRoom(p, { nickname: 'Reader2', address: dated.info.invite });
    await p.locator('[data-side]', { hasText: 'today it shines' }).waitFor();
    const seq = await p.evaluate(() =>
      Array.from(document.querySelectorAll('[data-day], [data-side]')).map((el) =>
        el.matches('[data-day]') ? 'day:' + el.textContent.trim() : 'msg:' + el.querySelector('.text').textContent));
    assert.equal(seq.length, 6, seq.join(' | '));
    assert.match(seq[0], /^day:\w+day, \w+ \d+/, 'a date two days ago');
    assert.deepEqual(seq.slice(1), ['msg:two days ago', 'day:Yesterday', 'msg:yesterday it rained', 'day:Today',
      'msg:today it shines']);
    const time = p.locator('[data-side]', { hasText: 'yesterday it rained' }).locator('time');
    assert.match(await time.textContent(), /^\d\d:\d\d$/, 'the bubble shows the time only');
    assert.match(await time.getAttribute('title'), /\d{4}/, 'the full date and time on hover');
    await screenshot(p, 'desk-date-separators');
    await p.context().close();
  });

  it('shows my upload as a bubble at once, with its progress and Cancel, until the room has the file', async () => {
    const p = await member('Uma');
    const dir = tempDir(cleanup, 'wetalk-desk-up-');
    const sent = join(dir, 'big-report.bin');
    const dropped = join(dir, 'never-sent.bin');
    writeFileSync(sent, Buffer.alloc(4 << 20, 7));
    writeFileSync(dropped, Buffer.alloc(4 << 20, 9));
    const upload = (name) => p.locator('[data-kind="upload"]', { hasText: name });
    const file = (name) => p.locator('[data-kind="file"]', { hasText: name });

    // With the host frozen the upload cannot finish: what shows meanwhile
    // shows before it finishes.
    host.child.kill('SIGSTOP');
    try {
      await p.locator('input[data-role="attach"]').setInputFiles(sent);
      await upload('big-report.bin').getByRole('progressbar').waitFor();
      await upload('big-report.bin').getByRole('button', { name: 'Cancel big-report.bin' }).waitFor();
      assert.equal(await file('big-report.bin').count(), 0, 'not shared yet');
      assert.equal(await upload('big-report.bin').getAttribute('data-side'), 'right', 'my side of the conversation');
      await screenshot(p, 'desk-upload-bubble');

      // Another one, cancelled: its bubble says so until dismissed.
      await p.locator('input[data-role="attach"]').setInputFiles(dropped);
      await upload('never-sent.bin').getByRole('button', { name: 'Cancel never-sent.bin' }).click();
      await upload('never-sent.bin').getByText('Cancelled').waitFor();
      await upload('never-sent.bin').getByRole('button', { name: 'Dismiss' }).click();
      await upload('never-sent.bin').waitFor({ state: 'detached' });
    } finally {
      host.child.kill('SIGCONT');
    }
    // Shared: the upload's bubble became the file's, with no second bubble.
    await file('big-report.bin').waitFor({ timeout: 60_000 });
    await upload('big-report.bin').waitFor({ state: 'detached' });
    assert.equal(await p.locator('[data-id]', { hasText: 'big-report.bin' }).count(), 1);
    // never-sent.bin was cancelled before the frozen host answered its
    // upload_begin: the client cancels it once the host answers, without
    // sending a byte, and the host announces a file only at its first
    // chunk, so the room never shows it (it showed as uploading, then
    // failed, before the tenth session).
    assert.equal(await file('never-sent.bin').count(), 0);
    // Nor a notice that it failed, nor its dismissed bubble (it came back
    // when the host answered, before the tenth session): only the
    // member's own transfers list keeps it, as cancelled.
    assert.equal(await p.getByRole('log').getByText('never-sent.bin').count(), 0, 'no trace of the cancelled upload in the room');
    await p.context().close();
  });

  describe('a room with 5,000 messages', () => {
    let big;
    let filler;
    before(async () => {
      big = await start(cleanup, ['serve', '--listen', '127.0.0.1:0', '--state-dir', state + '/big',
        '--name-of-room', 'Big', '--no-rate-limit']);
      filler = bot(cleanup, big.info.invite, 'Filler', state + '/filler');
      await filler.next((ev) => ev.type === 'welcome', 0, 'welcome');
      const last = filler.next((ev) => ev.type === 'ack' && ev.ref === 'f4999');
      for (let i = 0; i < 5000; i++) filler.send({ cmd: 'send', text: `fill ${i}`, ref: `f${i}` });
      await last;
    });

    /** lastBubbleInView says whether the newest line's bottom edge is in the log's viewport. */
    const lastInView = (page, text) =>
      page.evaluate((text) => {
        const log = document.querySelector('[role=log]').getBoundingClientRect();
        const lines = Array.from(document.querySelectorAll('[data-side]')).filter((l) => l.textContent.includes(text));
        if (lines.length === 0) return false;
        const r = lines[lines.length - 1].getBoundingClientRect();
        return r.bottom <= log.bottom + 1 && r.bottom >= log.top;
      }, text);

    it('a late joiner lands at the newest message, 10 of 10 times', async () => {
      for (let i = 0; i < 10; i++) {
        const p = await tab(browser, url, problems, 'Late' + i);
        await joinRoom(p, { nickname: 'Late' + i, address: big.info.invite });
        await p.locator('[data-side]', { hasText: 'fill 4999' }).waitFor();
        // The history may still be settling: wait for it to be at the newest.
        await p.waitForFunction(() => {
          const log = document.querySelector('[role=log]');
          return log.scrollHeight - log.scrollTop - log.clientHeight < 2;
        });
        assert.ok(await lastInView(p, 'fill 4999'), `join ${i}: the newest message is in view`);
        if (i === 0) await screenshot(p, 'desk-late-join-5000');
        await p.context().close();
      }
    });

    it('sending scrolls down; scrolled up, arrivals keep the view and show New messages', async () => {
      const p = await tab(browser, url, problems, 'Reader');
      await joinRoom(p, { nickname: 'Reader', address: big.info.invite });
      await p.locator('[data-side]', { hasText: 'fill 4999' }).waitFor();
      const log = p.getByRole('log', { name: 'Messages' });
      await log.hover();
      await p.mouse.wheel(0, -3000);
      await p.waitForFunction(() => {
        const log = document.querySelector('[role=log]');
        return log.scrollHeight - log.scrollTop - log.clientHeight > 2000;
      });
      await say(p, 'my own words');
      await p.locator('[data-side="right"]', { hasText: 'my own words' }).waitFor();
      await p.waitForFunction(() => {
        const log = document.querySelector('[role=log]');
        return log.scrollHeight - log.scrollTop - log.clientHeight < 2;
      });
      assert.ok(await lastInView(p, 'my own words'), 'my message is in view after sending');

      await p.mouse.wheel(0, -3000);
      await p.waitForFunction(() => {
        const log = document.querySelector('[role=log]');
        return log.scrollHeight - log.scrollTop - log.clientHeight > 2000;
      });
      // Let the wheel's scrolling end before measuring the position.
      let top = await log.evaluate((el) => el.scrollTop);
      for (;;) {
        await p.waitForTimeout(300); // sampling interval, not a timing assumption
        const now = await log.evaluate((el) => el.scrollTop);
        if (now === top) break;
        top = now;
      }
      const shown = filler.next((ev) => ev.type === 'ack' && ev.ref === 'n19');
      for (let i = 0; i < 20; i++) filler.send({ cmd: 'send', text: `arrived ${i}`, ref: `n${i}` });
      await shown;
      const jump = p.getByRole('button', { name: /^New messages/ });
      await p.getByRole('button', { name: 'New messages: 20' }).waitFor();
      assert.equal(await log.evaluate((el) => el.scrollTop), top, 'the view did not move');
      await screenshot(p, 'desk-new-messages');
      await jump.click();
      await p.waitForFunction(() => {
        const log = document.querySelector('[role=log]');
        return log.scrollHeight - log.scrollTop - log.clientHeight < 2;
      });
      assert.ok(await lastInView(p, 'arrived 19'));
      await p.getByRole('separator').filter({ hasText: 'New since you scrolled up' }).waitFor();
      await jump.waitFor({ state: 'hidden' });
      await p.context().close();
    });
  });
});
