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

let hooked = false;
function purifier(): typeof DOMPurify {
  if (!hooked) {
    // Only web links survive; they are opened outside the app by the click
    // handler in MessageBubble.
    DOMPurify.addHook('afterSanitizeAttributes', (node) => {
      if (node.tagName === 'A') {
        const href = node.getAttribute('href') ?? '';
        if (!/^https?:\/\//i.test(href)) node.removeAttribute('href');
        node.setAttribute('rel', 'noopener noreferrer');
        node.setAttribute('target', '_blank');
      }
    });
    hooked = true;
  }
  return DOMPurify;
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
