// richtext.ts: the shape of a message before it is rendered: fenced code
// blocks apart from the text around them, and whether a message is only a
// few emoji (shown large). Pure functions, no Svelte; the text parts still
// go through sanitize.ts.

/** Segment is a stretch of a message: text, or a fenced code block. */
export type Segment = { kind: 'text'; text: string } | { kind: 'code'; lang: string; code: string };

const fence = /^\s*```\s*([\w+#.-]*)\s*$/;

/**
 * splitFences cuts text at fenced code blocks: a line of ``` (optionally
 * followed by a language) opens one, the next such line closes it (or the
 * end of the message). The code keeps its lines and indentation exactly.
 */
export function splitFences(text: string): Segment[] {
  const out: Segment[] = [];
  const lines = text.split('\n');
  let prose: string[] = [];
  const flush = () => {
    const t = prose.join('\n');
    if (t.trim() !== '') out.push({ kind: 'text', text: t.replace(/^\n+|\n+$/g, '') });
    prose = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const open = fence.exec(lines[i]);
    if (!open) {
      prose.push(lines[i]);
      continue;
    }
    let end = i + 1;
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end])) end++;
    flush();
    out.push({ kind: 'code', lang: open[1], code: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  flush();
  return out;
}

/** maxBigEmoji is how many emoji a message may be to be shown large. */
export const maxBigEmoji = 3;

const segmenter = typeof Intl !== 'undefined' && 'Segmenter' in Intl ? new Intl.Segmenter() : null;

/** isEmoji says whether one grapheme is an emoji (also a flag or a keycap). */
function isEmoji(g: string): boolean {
  return /\p{Extended_Pictographic}/u.test(g) || /^\p{Regional_Indicator}{2}$/u.test(g) || /^[#*0-9]\uFE0F?\u20E3$/u.test(g);
}

/** emojiOnly says whether text is 1 to 3 emoji and nothing but spaces. */
export function emojiOnly(text: string): boolean {
  const t = text.trim();
  if (t === '' || t.length > 64 || !segmenter) return false;
  let n = 0;
  for (const { segment } of segmenter.segment(t)) {
    if (/^\s+$/u.test(segment)) continue;
    if (!isEmoji(segment) || ++n > maxBigEmoji) return false;
  }
  return n > 0;
}
