// chromium-post: how fast the browser E2E's Chromium alone posts a picked
// file: the ceiling of the page upload in frontend/e2e/upload-speed.test.mjs
// (docs/performance.md, "Uploads from the UI"). The same launch as the E2E
// (frontend/e2e/lib.mjs), a page with an <input type=file> that posts the
// file, the file picked with setInputFiles, and a Node HTTP server that only
// counts the bytes: nothing of WeTalk's in the way. Each run posts it twice,
// as XMLHttpRequest.send(file) (what the page does) and as a fetch() body.
//
// Usage: node scripts/chromium-post.mjs [MB] [RUNS]   (from the repository
// root, after `npm ci` in frontend/; defaults 200 MB, 3 runs)

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch } from '../frontend/e2e/lib.mjs';

const mb = Number(process.argv[2] || 200);
const runs = Number(process.argv[3] || 3);
const dir = mkdtempSync(join(tmpdir(), 'chromium-post-'));
const file = join(dir, 'file.bin');
writeFileSync(file, randomBytes(mb * 1e6));

let received; // resolves with the time the current body ended
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
    received({ at: performance.now(), got });
  });
});
await new Promise((r) => srv.listen(0, '127.0.0.1', r));
const cleanup = [];
try {
  const browser = await launch(cleanup);
  for (let i = 0; i < runs; i++) {
    for (const how of ['xhr', 'fetch']) {
      const page = await (await browser.newContext()).newPage();
      await page.goto(`http://127.0.0.1:${srv.address().port}/#${how}`);
      const body = new Promise((r) => (received = r));
      const t0 = performance.now();
      await page.locator('input').setInputFiles(file);
      const { at, got } = await body;
      const rate = got / 1e6 / ((at - t0) / 1000);
      console.log(`Chromium posts a ${mb} MB file (${how === 'xhr' ? 'XMLHttpRequest' : 'fetch'}) to a server that only counts the bytes: ${rate.toFixed(0)} MB/s`);
      await page.context().close();
    }
  }
} finally {
  for (const f of cleanup.reverse()) await f();
  srv.close();
  rmSync(dir, { recursive: true, force: true });
}
