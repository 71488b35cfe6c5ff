// End-to-end: a malicious host (tests/fakehost) against a member's UI
// through `wetalk web` (issue 10, "a malicious host"). The host puts
// markup, script and deceptive links in the room name, the names, the
// history, live and private messages, file names and a refusal's message;
// the page must show all of it as text and run none of it.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fakeHost, fillJoin, joinRoom, launch, screenshot, start, tab, tempDir } from './lib.mjs';

describe('a malicious host', () => {
  const cleanup = [];
  const problems = []; // dialogs opened or errors thrown by the page
  let url;
  let host;
  let browser;

  before(async () => {
    host = await fakeHost(cleanup);
    assert.equal(host.info.type, 'fakehost');
    const state = tempDir(cleanup, 'wetalk-e2e-hostile-');
    const web = await start(cleanup, ['web', '--listen', '127.0.0.1:0', '--state-dir', state]);
    url = web.info.url;
    browser = await launch(cleanup);
  });

  after(async () => {
    for (const f of cleanup.reverse()) await f();
  });

  it('gets none of its text rendered as markup', { timeout: 120_000 }, async () => {
    const p = host.info.payloads;
    const page = await tab(browser, url, problems, 'member');
    await page.getByRole('button', { name: 'Join', exact: true }).waitFor();

    // Refused, with a message full of markup: shown as text.
    await fillJoin(page, { nickname: 'Refused', address: host.info.invite });
    await page.getByText('That nickname cannot be used.').waitFor();
    await page.getByText(p.refusal, { exact: true }).waitFor();

    await joinRoom(page, { nickname: 'Eve', address: host.info.invite });
    // The last thing the host sends is a join: by then all is on screen.
    await page.getByText(`${p.joiner} joined`).waitFor();

    const shown = async (text) => {
      await page.getByText(text, { exact: false }).first().waitFor();
    };
    await shown(p.room); // the room's name
    await shown(p.leader);
    await shown(p.member);
    await shown(p.history.replace(/ old news$/, ''));
    await shown(`<script>window.__pwned='script'</script>live`);
    await shown(`<a href="javascript:window.__pwned='a'">this</a>`);
    await shown(p.dm.replace(/ just for you$/, ''));
    await shown(p.fileName);
    await shown(p.historyFile);

    await screenshot(page, 'hostile-host');

    // Long names without spaces wrap inside their file row: no text runs
    // under the Download button.
    const overlaps = await page.evaluate(() =>
      [...document.querySelectorAll('#files-panel li.file')].flatMap((li) => {
        const button = li.querySelector(':scope > button')?.getBoundingClientRect();
        if (!button) return [];
        // The text's own boxes (a box may be narrower than its text).
        const texts = document.createTreeWalker(li.querySelector('.meta'), NodeFilter.SHOW_TEXT);
        const under = [];
        for (let n = texts.nextNode(); n; n = texts.nextNode()) {
          const range = document.createRange();
          range.selectNodeContents(n);
          // What a clipping parent (an ellipsis) hides is not shown.
          const parent = n.parentElement;
          const clip = getComputedStyle(parent).overflowX !== 'visible' ? parent.getBoundingClientRect() : null;
          for (const box of range.getClientRects()) {
            const r = clip ? { left: box.left, right: Math.min(box.right, clip.right), top: box.top, bottom: box.bottom } : box;
            if (r.right > r.left && r.right > button.left + 1 && r.left < button.right && r.bottom > button.top && r.top < button.bottom) {
              under.push(n.textContent.slice(0, 40));
              break;
            }
          }
        }
        return under;
      }),
    );
    assert.deepEqual(overlaps, [], 'file rows whose text runs under the Download button');

    // The deceptive link reads as where it goes; the javascript: link is
    // no link at all.
    const deceptive = page.getByRole('link', { name: p.deceptiveTarget, exact: true });
    await deceptive.waitFor();
    assert.equal(await page.getByRole('link', { name: 'https://bank.example/login' }).count(), 0);
    assert.equal(await page.getByRole('link', { name: 'click me' }).count(), 0, 'the javascript: link is a link');
    // Opening it shows its real address first.
    await deceptive.click();
    const ask = page.getByRole('dialog', { name: 'Open this link?' });
    assert.equal(await ask.getByTestId('link-address').textContent(), p.deceptiveTarget);
    await ask.getByRole('button', { name: 'Cancel', exact: true }).click();

    // Nothing ran, and nothing of the payloads became an element.
    const found = await page.evaluate(() => {
      const handlers = [...document.querySelectorAll('*')].filter((el) =>
        [...el.attributes].some((a) => a.name.toLowerCase().startsWith('on')),
      );
      return {
        pwned: window.__pwned ?? null,
        handlers: handlers.map((el) => el.outerHTML.slice(0, 80)),
        images: document.querySelectorAll('img[src="x"]').length,
        scripts: [...document.scripts].filter((s) => s.textContent.includes('__pwned')).length,
        frames: document.querySelectorAll('iframe, svg[onload]').length,
        jsLinks: document.querySelectorAll('a[href^="javascript:" i]').length,
      };
    });
    assert.deepEqual(found, { pwned: null, handlers: [], images: 0, scripts: 0, frames: 0, jsLinks: 0 });
    assert.deepEqual(problems, []);
  });
});
