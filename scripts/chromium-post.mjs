// chromium-post: how fast the browser E2E's Chromium alone posts a picked
// file: a reference for the page upload in frontend/e2e/upload-speed.test.mjs
// (docs/performance.md, "Uploads from the UI"), which also measures it in
// each of its rounds. The same launch as the E2E (frontend/e2e/lib.mjs), a
// page with an <input type=file> that posts the file, the file picked with
// setInputFiles, and a Node HTTP server that only counts the bytes: nothing
// of WeTalk's in the way (lib.mjs, countingServer). Each run posts it twice,
// as XMLHttpRequest.send(file) (what the page does) and as a fetch() body.
//
// Usage: node scripts/chromium-post.mjs [MB] [RUNS]   (from the repository
// root, after `npm ci` in frontend/; defaults 200 MB, 3 runs)

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countingServer, launch } from '../frontend/e2e/lib.mjs';

const mb = Number(process.argv[2] || 200);
const runs = Number(process.argv[3] || 3);
const dir = mkdtempSync(join(tmpdir(), 'chromium-post-'));
const file = join(dir, 'file.bin');
writeFileSync(file, randomBytes(mb * 1e6), { flush: true });

const cleanup = [];
try {
  const counting = await countingServer(cleanup);
  const browser = await launch(cleanup);
  for (let i = 0; i < runs; i++) {
    for (const how of ['xhr', 'fetch']) {
      const rate = await counting.post(browser, file, how);
      console.log(`Chromium posts a ${mb} MB file (${how === 'xhr' ? 'XMLHttpRequest' : 'fetch'}) to a server that only counts the bytes: ${rate.toFixed(0)} MB/s`);
    }
  }
} finally {
  for (const f of cleanup.reverse()) await f();
  rmSync(dir, { recursive: true, force: true });
}
