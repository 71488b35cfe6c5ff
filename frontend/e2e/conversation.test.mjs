// End-to-end: issue 12, conversation features, through `wetalk web` with
// two people in Chromium (Ann and Bo) and bots on `wetalk chat --json`, in
// a room hosted by `wetalk serve` (without a rate limit, so that the bot
// can fill the history with 1,000 messages quickly).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bot, bubble, joinRoom, launch, say, screenshot, start, tab, tempDir } from './lib.mjs';

describe('conversation features', () => {
  const cleanup = [];
  const problems = [];
  let url, invite, browser, ann, bo, cy;
  const dir = () => tempDir(cleanup, 'wetalk-conv-');

  before(async () => {
    const host = await start(cleanup, ['serve', '--listen', '127.0.0.1:0', '--state-dir', dir(), '--name-of-room', 'Café',
      '--no-rate-limit']);
    invite = host.info.invite;
    const web = await start(cleanup, ['web', '--listen', '127.0.0.1:0', '--state-dir', dir()]);
    url = web.info.url;
    browser = await launch(cleanup);
    ann = await tab(browser, url, problems, 'Ann');
    await joinRoom(ann, { nickname: 'Ann', address: invite });
    bo = await tab(browser, url, problems, 'Bo');
    await joinRoom(bo, { nickname: 'Bo', address: invite });
    cy = bot(cleanup, invite, 'Cy', dir());
    await cy.next((e) => e.type === 'welcome', 0, 'welcome');
    await ann.getByText('Cy joined').waitFor();
    await bo.getByText('Cy joined').waitFor();
  });

  after(async () => {
    for (const f of cleanup.reverse()) await f();
    assert.deepEqual(problems, []);
  });

  /** marker has the bot say something and resolves with the index of its own echo. */
  async function marker(b, text) {
    const from = b.events.length;
    b.send({ cmd: 'send', text, ref: text });
    return (await b.next((e) => e.type === 'message' && e.text === text, from, `echo of ${text}`)).index;
  }

  it('sends a private message from the member menu, seen by no one else', async () => {
    const start = cy.events.length;
    await ann.getByRole('button', { name: 'Actions for Bo' }).click();
    await ann.getByRole('menu').getByRole('menuitem', { name: 'Message privately' }).click();
    await ann.getByTestId('private-to').getByText('Private to Bo').waitFor();
    await say(ann, 'a secret for Bo');
    await bubble(bo, 'left', 'a secret for Bo').getByText('private', { exact: true }).waitFor();
    await bubble(ann, 'right', 'a secret for Bo').getByText('private to Bo').waitFor();
    await screenshot(bo, 'private-received');
    // Back to the room with Esc.
    await ann.getByRole('textbox', { name: 'Message' }).press('Escape');
    await ann.getByTestId('private-to').waitFor({ state: 'detached' });

    const end = await marker(cy, 'marker one');
    const seen = cy.events.slice(start, end);
    assert.ok(!seen.some((e) => JSON.stringify(e).includes('secret')), 'the bot saw the private message');
    assert.ok(!seen.some((e) => e.type === 'typing'), 'the bot saw private typing');

    // A late joiner's history holds no trace of it.
    const late = bot(cleanup, invite, 'Late', dir());
    const { event: w } = await late.next((e) => e.type === 'welcome');
    const { index } = await late.next((e) => e.type === 'message' && e.text === 'marker one', 0, 'history');
    assert.equal(late.events.filter((e) => e.type === 'message' && e.history).length, w.history_count);
    assert.ok(!late.events.slice(0, index + 1).some((e) => JSON.stringify(e).includes('secret')));
    late.send({ cmd: 'leave' });
  });

  it('replies with a quote that leads to the original; the bot sees reply_to', async () => {
    const q = cy.events.length;
    await say(ann, 'which tea today?');
    const { event: original } = await cy.next((e) => e.type === 'message' && e.text === 'which tea today?', q);
    for (let i = 0; i < 40; i++) cy.send({ cmd: 'send', text: `filler ${i}` });
    await bubble(bo, 'left', 'filler 39').waitFor();
    // Bo answers from the message menu... the original is far up: reach it
    // by scrolling it into view first.
    const line = bo.locator(`[data-id="${original.id}"]`);
    await bo.getByRole('log').evaluate((el) => (el.scrollTop = 0));
    await line.scrollIntoViewIfNeeded();
    await line.getByRole('button', { name: 'Message actions' }).click();
    await bo.getByRole('menuitem', { name: 'Reply', exact: true }).click();
    await bo.getByText('Replying to Ann').waitFor();
    const r = cy.events.length;
    await say(bo, 'green, please');
    const { event: reply } = await cy.next((e) => e.type === 'message' && e.text === 'green, please', r);
    assert.equal(reply.reply_to, original.id);

    const quote = ann.getByRole('button', { name: 'Reply to Ann: which tea today?' });
    await quote.waitFor();
    const target = ann.locator(`[data-id="${original.id}"]`);
    assert.equal(await inView(ann, target), false, 'the original starts out of view');
    await quote.click();
    await waitFor(() => inView(ann, target), 'the original scrolled into view');
    await screenshot(ann, 'reply-quote');
  });

  it('copies a message to the clipboard', async () => {
    await bo.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(url).origin });
    await toEnd(bo);
    const line = bubble(bo, 'left', 'filler 39');
    await line.getByRole('button', { name: 'Message actions' }).click();
    await bo.getByRole('menuitem', { name: 'Copy text' }).click();
    await waitFor(async () => (await bo.evaluate(() => navigator.clipboard.readText())) === 'filler 39', 'clipboard');
  });

  it('searches 1,000 messages for 咖啡', async () => {
    for (let i = 0; i < 1000; i++) {
      const coffee = i % 83 === 5 && i < 1000 - 5;
      cy.send({ cmd: 'send', text: coffee ? `第${i}杯咖啡` : `message ${i}` });
    }
    await toEnd(ann);
    await bubble(ann, 'left', 'message 999').waitFor({ timeout: 60_000 });
    const want = [...Array(1000).keys()].filter((i) => i % 83 === 5 && i < 995).length;
    assert.equal(want, 12);
    await ann.getByRole('textbox', { name: 'Message' }).click();
    await ann.keyboard.press('Control+f');
    const field = ann.getByRole('searchbox', { name: 'Search messages' });
    await field.fill('咖啡');
    await ann.getByText('1 of 12').waitFor();
    await ann.locator('mark', { hasText: '咖啡' }).first().waitFor();
    await field.press('Enter');
    await ann.getByText('2 of 12').waitFor();
    await field.press('Shift+Enter');
    await field.press('Shift+Enter');
    await ann.getByText('12 of 12').waitFor();
    const current = ann.locator('.bubble.current');
    await waitFor(() => inView(ann, current), 'the current match in view');
    assert.match(await current.textContent(), /第\d+杯咖啡/);
    await screenshot(ann, 'search');
    await field.press('Escape');
  });

  it('shows who is typing, and clears it when they send', async () => {
    const from = cy.events.length;
    const box = ann.getByRole('textbox', { name: 'Message' });
    const t0 = Date.now();
    await box.pressSequentially('hello th', { delay: 20 });
    await bo.getByText('Ann is typing…').waitFor({ timeout: 30_000 });
    console.log(`# typing shown to Bo after ${Date.now() - t0} ms`);
    await cy.next((e) => e.type === 'typing' && e.from === 'Ann', from, 'typing event');
    const t1 = Date.now();
    await box.press('Enter');
    await bo.getByText('Ann is typing…').waitFor({ state: 'detached', timeout: 30_000 });
    console.log(`# typing cleared for Bo ${Date.now() - t1} ms after sending`);
    // Typing notices are never history.
    const late = bot(cleanup, invite, 'Later', dir());
    const { event: w } = await late.next((e) => e.type === 'welcome');
    await late.next((e) => e.type === 'message' && e.text === 'hello th', 0, 'history');
    const history = late.events.slice(0, 1 + w.history_count);
    assert.ok(!history.some((e) => e.type === 'typing'));
    late.send({ cmd: 'leave' });
  });

  it('counts unread messages in the title and notifies a mention', async () => {
    await bo.evaluate(() => {
      window.__notes = [];
      const Stub = function (title, opts) {
        window.__notes.push({ title, body: opts?.body ?? '' });
      };
      Stub.permission = 'granted';
      Stub.requestPermission = async () => 'granted';
      window.Notification = Stub;
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.hasFocus = () => false;
      document.dispatchEvent(new Event('visibilitychange'));
      window.dispatchEvent(new Event('blur'));
    });
    for (const text of ['one', 'two', 'three']) cy.send({ cmd: 'send', text });
    await waitFor(async () => (await bo.title()).startsWith('(3) WeTalk — Café'), 'title with (3)');
    await toEnd(bo);
    cy.send({ cmd: 'send', text: 'look here @Bo' });
    await waitFor(async () => (await bo.evaluate(() => window.__notes.length)) === 1, 'a notification');
    const [note] = await bo.evaluate(() => window.__notes);
    assert.match(note.title, /Cy/);
    assert.equal(note.body, 'Cy: look here @Bo');
    await bubble(bo, 'left', 'look here @Bo').locator('.mention.me').waitFor();
  });

  it('replies privately from the message menu, and says clearly when the receiver has left', async () => {
    await toEnd(bo);
    const line = bubble(bo, 'left', 'hello th');
    await line.getByRole('button', { name: 'Message actions' }).click();
    await bo.getByRole('menuitem', { name: 'Reply privately' }).click();
    await bo.getByTestId('private-to').getByText('Private to Ann').waitFor();
    const from = cy.events.length;
    await toEnd(ann);
    await say(bo, 'just between us');
    const mine = bubble(ann, 'left', 'just between us');
    await mine.getByText('private', { exact: true }).waitFor();
    await mine.getByRole('button', { name: 'Reply to Ann: hello th' }).waitFor();
    await marker(cy, 'marker two');
    assert.ok(!cy.events.slice(from).some((e) => JSON.stringify(e).includes('between us')));

    // Ann starts a private message to a bot, which then leaves.
    const gone = bot(cleanup, invite, 'Gone', dir());
    await gone.next((e) => e.type === 'welcome');
    await ann.getByRole('button', { name: 'Actions for Gone' }).click();
    await ann.getByRole('menuitem', { name: 'Message privately' }).click();
    gone.send({ cmd: 'leave' });
    await ann.getByText('Gone left').waitFor();
    await say(ann, 'are you there?');
    await ann.getByRole('alert').getByText('Gone has left the room; the private message was not sent.').waitFor();
    await ann.getByRole('button', { name: 'Back to the room' }).click();
  });
});

/** toEnd scrolls the message list to its end, where it follows new messages. */
async function toEnd(page) {
  await page.getByRole('log').evaluate((el) => {
    el.scrollTop = el.scrollHeight;
    el.dispatchEvent(new Event('scroll'));
  });
}

/** inView says whether the element is inside the message list's visible part. */
async function inView(page, locator) {
  if ((await locator.count()) === 0) return false;
  return locator.first().evaluate((el) => {
    const log = el.closest('[role=log]');
    const a = el.getBoundingClientRect();
    const b = log.getBoundingClientRect();
    return a.bottom > b.top && a.top < b.bottom;
  });
}

/** waitFor polls cond (an event-less page state) until true, within 60 s. */
async function waitFor(cond, what) {
  const end = Date.now() + 60_000;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 100));
  }
}
