// End-to-end: files and images (issue 5) in the app's UI in Chromium,
// through `wetalk web`, with a real room on loopback. A drops a file, B
// finds it in the files panel and downloads it (the progress bar reaches
// the end and the saved bytes hash like the original); A pastes an image
// and B sees it inline.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { hostRoom, inviteLink, joinRoom, launch, screenshot, start, tab, tempDir } from './lib.mjs';

const sha256 = (b) => createHash('sha256').update(b).digest('hex');

describe('files and images through wetalk web', () => {
  const cleanup = [];
  const problems = []; // dialogs, page errors, requests leaving loopback
  let url;
  let browser;
  let downloads;

  before(async () => {
    const state = tempDir(cleanup, 'wetalk-e2e-files-');
    downloads = tempDir(cleanup, 'wetalk-e2e-downloads-');
    // The session saves downloads in the system's Downloads folder.
    process.env.XDG_DOWNLOAD_DIR = downloads;
    const web = await start(cleanup, ['web', '--listen', '127.0.0.1:0', '--state-dir', state]);
    url = web.info.url;
    browser = await launch(cleanup);
  });

  after(async () => {
    for (const f of cleanup.reverse()) await f();
  });

  /** watch records any request that leaves this machine. */
  function watch(page, name) {
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (!['http:', 'ws:', 'blob:', 'data:'].includes(u.protocol) || (u.hostname !== '127.0.0.1' && u.protocol !== 'blob:' && u.protocol !== 'data:')) {
        problems.push(`${name}: a request left loopback: ${r.url()}`);
      }
    });
  }

  it('A drops a file, B downloads it from the files panel; A pastes an image, B sees it inline', async () => {
    const a = await tab(browser, url, problems, 'A');
    watch(a, 'A');
    await hostRoom(a, { nickname: 'Ann', room: 'Files' });
    const link = await inviteLink(a);
    const b = await tab(browser, url, problems, 'B');
    watch(b, 'B');
    await joinRoom(b, { nickname: 'Bo', address: link });
    await a.getByText('Bo joined').waitFor();

    // A drops a 3 MiB file onto the window.
    const data = randomBytes(3 * 1024 * 1024 + 777);
    const name = 'report 2026 — 报告.bin';
    await a.evaluate(
      ({ name, b64 }) => {
        const bin = atob(b64);
        const bytes = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], name, { type: 'application/octet-stream' }));
        const target = document.querySelector('[role="log"]');
        for (const type of ['dragenter', 'dragover', 'drop']) {
          target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
        }
      },
      { name, b64: data.toString('base64') },
    );
    // A's upload runs to the end in the transfers list (its bubble in the
    // conversation has a bar too, until the file bubble takes its place).
    const up = a.getByRole('region', { name: 'Transfers' }).getByRole('progressbar', { name: new RegExp('^' + name) });
    await up.waitFor();
    await a.locator('[data-direction="up"][data-state="done"]', { hasText: name }).waitFor();
    assert.equal(await up.getAttribute('aria-valuenow'), '100');
    await a.locator('[data-kind="file"][data-side="right"]', { hasText: name }).waitFor();

    // B sees it in the files panel, with its size and sender, and in the chat.
    const panel = b.getByRole('complementary', { name: 'Shared files' });
    const row = panel.locator('li[data-file]').filter({ hasText: name });
    await row.waitFor();
    assert.match(await row.textContent(), /3.1 MB · Ann/); // 3,146,505 bytes in SI units
    await b.locator('[data-kind="file"][data-side="left"]', { hasText: name }).waitFor();
    await screenshot(b, 'files-panel');

    // B downloads it: a progress bar that reaches 100%, then the saved path.
    await row.getByRole('button', { name: 'Download ' + name }).click();
    const down = b.getByRole('progressbar', { name: new RegExp('^' + name) });
    await down.waitFor();
    const card = b.locator('[data-direction="down"]', { hasText: name });
    await b.locator('[data-direction="down"][data-state="done"]', { hasText: name }).waitFor();
    assert.equal(await down.getAttribute('aria-valuenow'), '100');
    await row.getByText('✓ Saved').waitFor();
    const saved = /Saved to (.+)$/.exec((await card.locator('.path').textContent()).trim())?.[1];
    assert.ok(saved, 'the card tells where the file was saved');
    assert.equal(dirname(saved), downloads, 'saved in the Downloads folder');
    assert.equal(sha256(readFileSync(saved)), sha256(data), 'the saved file is the one A dropped');
    await screenshot(b, 'files-downloaded');

    // A pastes an image into the composer.
    await a.evaluate(async () => {
      const canvas = document.createElement('canvas');
      canvas.width = 64;
      canvas.height = 48;
      const g = canvas.getContext('2d');
      g.fillStyle = '#e0245e';
      g.fillRect(0, 0, 64, 48);
      g.fillStyle = '#ffffff';
      g.fillRect(16, 12, 32, 24);
      const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
      const dt = new DataTransfer();
      dt.items.add(new File([blob], 'image.png', { type: 'image/png' }));
      const box = document.querySelector('textarea');
      box.focus();
      box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    });
    // B sees it inline, loaded (its bytes fetched through the bridge).
    const img = b.locator('[data-kind="image"][data-side="left"] img');
    await img.waitFor();
    await b.waitForFunction(
      () => {
        const i = document.querySelector('[data-kind="image"][data-side="left"] img');
        return i !== null && i.complete && i.naturalWidth === 64 && i.naturalHeight === 48;
      },
      null,
      { polling: 'raf' },
    );
    assert.equal(await img.getAttribute('alt'), 'Image from Ann');
    // A sees it on its own side, and it joined A's sticker tray.
    await a.locator('[data-kind="image"][data-side="right"] img').waitFor();
    await a.getByRole('button', { name: 'Stickers', exact: true }).click();
    await a.getByRole('button', { name: 'Send sticker 1' }).waitFor();
    await a.keyboard.press('Escape');
    await screenshot(b, 'image-inline');

    // Full size in a dialog, with Save.
    await b.getByRole('button', { name: 'View image full size' }).click();
    const dialog = b.getByRole('dialog', { name: 'Image from Ann' });
    await dialog.getByRole('img', { name: 'Image from Ann' }).waitFor();
    await screenshot(b, 'image-full-size');
    await dialog.getByRole('button', { name: 'Save', exact: true }).click();
    const savedImage = b.locator('[data-direction="down"][data-state="done"]', { hasText: /^.*image-.*\.png/ });
    await savedImage.waitFor();
    const imagePath = /Saved to (.+)$/.exec((await savedImage.locator('.path').textContent()).trim())?.[1];
    assert.equal(dirname(imagePath), downloads);
    assert.deepEqual([...readFileSync(imagePath).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'a PNG was saved');
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();

    // The emoji picker works from the bundled data (no request leaves loopback).
    await b.getByRole('button', { name: 'Emoji', exact: true }).click();
    const smile = b.locator('emoji-picker').locator('button[role="menuitem"]').first();
    await smile.waitFor();
    await smile.click();
    await b.waitForFunction(() => document.querySelector('textarea').value.trim() !== ''); // the emoji went in
    await screenshot(b, 'emoji-picker');

    // A late joiner finds the file in the panel (from the welcome) and the
    // image in the history, fetched when it scrolls into view.
    const c = await tab(browser, url, problems, 'C');
    watch(c, 'C');
    await joinRoom(c, { nickname: 'Cy', address: link });
    await c.getByRole('complementary', { name: 'Shared files' }).locator('li[data-file]', { hasText: name }).waitFor();
    await c.waitForFunction(() => {
      const i = document.querySelector('[data-kind="image"][data-side="left"] img');
      return i !== null && i.complete && i.naturalWidth === 64;
    });

    assert.deepEqual(problems, []);
  });

  it('says clearly when an image is not one, and a refused file leaves the room unchanged', async () => {
    const a = await tab(browser, url, problems, 'A2');
    await hostRoom(a, { nickname: 'Ann', room: 'Refusals' });
    // "Send image" with a zip named .png: the host sniffs the bytes and refuses.
    await a.locator('input[data-role="image"]').setInputFiles({
      name: 'holiday.png', mimeType: 'image/png', buffer: Buffer.from('PK\x03\x04 this is a zip, not a picture'),
    });
    const card = a.locator('[data-direction="up"][data-state="failed"]', { hasText: 'holiday.png' });
    await card.waitFor();
    // The sentence, with Go's own text folded behind Details.
    const alert = card.getByRole('alert');
    assert.equal((await alert.locator('span').first().textContent()).trim(), 'That is not a PNG, JPEG, GIF or WebP image.');
    assert.equal(await alert.locator('details code').isVisible(), false);
    assert.equal(await a.locator('[data-kind="image"]').count(), 0, 'nothing was announced');
    // An image over 20 MB is refused before any byte moves.
    await a.locator('input[data-role="image"]').setInputFiles({
      name: 'huge.png', mimeType: 'image/png', buffer: Buffer.alloc(20 * 1024 * 1024 + 1),
    }, { timeout: 180_000 }); // 20 MB through the DevTools protocol: slow on a busy machine
    await a.getByRole('alert').filter({ hasText: 'Images may be at most 20 MiB (21 MB).' }).waitFor();
    await screenshot(a, 'files-refused');
    assert.deepEqual(problems, []);
  });
});
