// conversation.ts holds the pure parts of replies, typing, mentions, search
// and unread counts: no Svelte, no DOM, so that they are tested alone.

import type { Key } from './i18n.svelte';

/** typingEvery is how often the composer says "typing" while one types. */
export const typingEvery = 3000;
/** typingFor is how long a typing notice shows without a newer one. */
export const typingFor = 6000;

/** Target is where a message goes: privately to a member (to; '' for the room), answering a message (replyTo; '' for none). */
export interface Target {
  to: string;
  replyTo: string;
}

/** typingWords picks the words for who is typing: none, one, two, or several. */
export function typingWords(names: readonly string[]): { words: Key; params: Record<string, string> } | null {
  switch (names.length) {
    case 0:
      return null;
    case 1:
      return { words: 'typingOne', params: { name: names[0] } };
    case 2:
      return { words: 'typingTwo', params: { a: names[0], b: names[1] } };
    default:
      return { words: 'typingMany', params: {} };
  }
}

/** firstLine is the first non-empty line of a message, cut to max characters. */
export function firstLine(text: string, max = 80): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  const chars = Array.from(line.trim());
  return chars.length > max ? chars.slice(0, max).join('') + '…' : chars.join('');
}

/** Segment is a piece of a message's text: plain, or a mention of a member. */
export type Segment = { text: string; mention?: string };

/**
 * mentions splits text at mentions of the members ("@Name", matched
 * case-insensitively, the longest name first so that "@Ann#2" is not taken
 * for "@Ann"). A mention must not follow a letter or digit (an e-mail
 * address is not one) and must end at the name.
 */
export function mentions(text: string, members: readonly string[]): Segment[] {
  const names = [...members].filter((n) => n !== '').sort((a, b) => b.length - a.length);
  const out: Segment[] = [];
  let plain = '';
  let i = 0;
  const lower = text.toLowerCase();
  while (i < text.length) {
    if (text[i] === '@' && (i === 0 || !/[\p{L}\p{N}_.]/u.test(text[i - 1]))) {
      const name = names.find((n) => {
        if (!lower.startsWith(n.toLowerCase(), i + 1)) return false;
        const after = text[i + 1 + n.length];
        return after === undefined || !/[\p{L}\p{N}_#]/u.test(after) || /[\u3400-\u9fff]/u.test(after);
      });
      if (name) {
        if (plain) out.push({ text: plain });
        plain = '';
        out.push({ text: text.slice(i, i + 1 + name.length), mention: name });
        i += 1 + name.length;
        continue;
      }
    }
    plain += text[i];
    i++;
  }
  if (plain) out.push({ text: plain });
  return out;
}

/** mentionsOf says whether text mentions the member called name. */
export function mentionsOf(text: string, name: string, members: readonly string[]): boolean {
  if (name === '') return false;
  const key = name.toLowerCase();
  return mentions(text, members.includes(name) ? members : [...members, name]).some(
    (s) => s.mention !== undefined && s.mention.toLowerCase() === key,
  );
}

/**
 * mentionQuery returns the partial name being typed after an "@" that ends
 * at the caret, or null: "hi @Mi|" gives "Mi".
 */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const at = before.lastIndexOf('@');
  if (at < 0) return null;
  if (at > 0 && /[\p{L}\p{N}_.]/u.test(before[at - 1])) return null;
  const query = before.slice(at + 1);
  if (/\s/u.test(query) || Array.from(query).length > 32) return null;
  return { start: at, query };
}

/** completions lists the members whose names start with query (case-insensitive), me last. */
export function completions(query: string, members: readonly string[], me: string): string[] {
  const q = query.toLowerCase();
  return members.filter((m) => m !== me && m.toLowerCase().startsWith(q)).slice(0, 8);
}

/** normalise prepares text for searching: NFKC and lower case, so that
 * full-width letters and case do not matter (Chinese is unchanged). */
export function normalise(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/** matches returns the ids of the items whose text contains query, in order. */
export function matches(items: readonly { id: string; text: string }[], query: string): string[] {
  const q = normalise(query.trim());
  if (q === '') return [];
  return items.filter((it) => normalise(it.text).includes(q)).map((it) => it.id);
}

/** step moves through n matches from index i by delta, wrapping around. */
export function step(i: number, delta: number, n: number): number {
  if (n === 0) return -1;
  return (((i + delta) % n) + n) % n;
}

/** titleWith prefixes a window title with the unread count: "(3) WeTalk — Tea". */
export function titleWith(unread: number, title: string): string {
  return unread > 0 ? `(${unread}) ${title}` : title;
}
