// sanitize.ts is the one path from user text to HTML: light inline markdown
// (bold, italics, code, links) through marked, with any HTML the user typed
// shown as text, then DOMPurify with a short allow-list. Everything else in
// the UI renders user text as text.

import DOMPurify from 'dompurify';
import { Marked } from 'marked';

function escapeHTML(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const marked = new Marked({
  gfm: true,
  breaks: false,
  renderer: {
    // Raw HTML the user typed is shown as the characters they typed.
    html: ({ text }) => escapeHTML(text),
    // Images are not fetched from anywhere: shown as their text.
    image: ({ text }) => escapeHTML(text),
  },
});

const allowedTags = ['a', 'b', 'strong', 'i', 'em', 'code', 'del', 's', 'br'];
const allowedAttr = ['href', 'title'];

// addressLike matches text that reads as a web address or a domain:
// "https://bank.example/login", "bank.example", "www.bank.example/x".
const addressLike = /^(?:[a-z][a-z\d+.-]*:\/\/)?[^\s/?#]*\.\p{L}{2,}\.?(?::\d+)?(?:[/?#]\S*)?$/iu;

/** shownAddress returns the address that a link's text reads as, or null
 * if the text does not read as one. */
function shownAddress(text: string): URL | null {
  const t = text.trim();
  if (!addressLike.test(t)) return null;
  try {
    return new URL(/^[a-z][a-z\d+.-]*:\/\//i.test(t) ? t : 'https://' + t);
  } catch {
    return null;
  }
}

/** misleading reports whether a link's text reads as an address other than
 * its target: another host (or one behind a user name), or another path if
 * the text shows one. */
export function misleading(text: string, href: string): boolean {
  const shown = shownAddress(text);
  if (!shown) return false;
  let real: URL;
  try {
    real = new URL(href);
  } catch {
    return true;
  }
  const host = (u: URL) => u.host.replace(/^www\./, '');
  // "bank.example@evil.example" reads as bank.example and goes to evil.example.
  if (shown.username !== '' || shown.password !== '' || host(shown) !== host(real)) return true;
  const rest = (u: URL) => (u.pathname + u.search + u.hash).replace(/\/$/, '');
  return rest(shown) !== '' && rest(shown) !== rest(real);
}

let hooked = false;
function purifier(): typeof DOMPurify {
  if (!hooked) {
    // Only web links survive; they are opened outside the app, after the
    // reader has seen their address, by the click handler in MessageBubble.
    // A link whose text reads as another address than its target shows its
    // target instead ([bank.example](https://evil.example) reads
    // https://evil.example/); every link's title is its target.
    DOMPurify.addHook('afterSanitizeAttributes', (node) => {
      if (node.tagName === 'A') {
        const href = node.getAttribute('href') ?? '';
        if (!/^https?:\/\//i.test(href)) {
          node.removeAttribute('href');
        } else {
          const real = realAddress(href);
          node.setAttribute('title', real);
          if (misleading(node.textContent ?? '', href)) node.textContent = real;
        }
        node.setAttribute('rel', 'noopener noreferrer');
        node.setAttribute('target', '_blank');
      }
    });
    hooked = true;
  }
  return DOMPurify;
}

/** realAddress is a link's target as the browser will go to it, with an
 * international domain name in its ASCII form, so that a look-alike domain
 * does not look like the one it imitates. */
export function realAddress(href: string): string {
  try {
    return new URL(href).href;
  } catch {
    return href;
  }
}

/** renderMessage turns a message's text into safe HTML. */
export function renderMessage(text: string): string {
  const html = marked.parseInline(text, { async: false });
  return purifier().sanitize(html, {
    ALLOWED_TAGS: allowedTags,
    ALLOWED_ATTR: [...allowedAttr, 'rel', 'target'],
    ALLOW_DATA_ATTR: false,
  });
}
