// End-to-end, issue 11 ("the room on a real desk"): window sizes, scrolling
// like a messenger, delivery state, explicit hosting, dates, rich text, join
// errors, uploads. The host is its own process (`wetalk serve`); bots are
// `wetalk chat --json` members; the UI is Chromium through `wetalk web`.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bot, joinRoom, launch, say, screenshot, start, tab, tempDir } from './lib.mjs';

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
});
