// decorate.ts marks mentions and search hits in a rendered message: it
// walks the text nodes of the sanitised HTML (never links or code) and wraps
// the matches in elements it creates itself, so no user text becomes HTML.

import { mentions, normalise } from '../lib/conversation';

/** decorate wraps mentions (class "mention", and "me" for me) and hits of
 * query (a <mark>) in container's text. */
export function decorate(container: HTMLElement, members: readonly string[], me: string, query: string): void {
  const walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT, {
    acceptNode: (n) => (n.parentElement?.closest('a, code, pre, mark, .mention') ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
  });
  const nodes: Text[] = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) nodes.push(n as Text);
  const q = normalise(query.trim());
  for (const node of nodes) {
    const text = node.data;
    const parts = mentions(text, members);
    const hasHit = q !== '' && normalise(text).includes(q);
    if (!hasHit && parts.every((p) => !p.mention)) continue;
    const frag = document.createDocumentFragment();
    for (const p of parts) {
      if (p.mention) {
        const span = document.createElement('span');
        span.className = p.mention.toLowerCase() === me.toLowerCase() ? 'mention me' : 'mention';
        span.textContent = p.text;
        frag.append(span);
      } else {
        appendHits(frag, p.text, q);
      }
    }
    node.replaceWith(frag);
  }
}

/** appendHits appends text with each hit of q (already normalised) in a <mark>. */
function appendHits(frag: DocumentFragment, text: string, q: string): void {
  // NFKC may change lengths; search per character position on the original.
  const lower = normalise(text);
  if (q === '' || lower.length !== text.length) {
    if (q !== '' && lower.includes(q)) {
      const m = document.createElement('mark');
      m.textContent = text;
      frag.append(m);
    } else frag.append(text);
    return;
  }
  let i = 0;
  for (let at = lower.indexOf(q); at >= 0; at = lower.indexOf(q, at + q.length)) {
    if (at > i) frag.append(text.slice(i, at));
    const m = document.createElement('mark');
    m.textContent = text.slice(at, at + q.length);
    frag.append(m);
    i = at + q.length;
  }
  if (i < text.length) frag.append(text.slice(i));
}
