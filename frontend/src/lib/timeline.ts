// timeline.ts is the message list's model: the items a room shows, and how
// consecutive messages are grouped into runs. Pure functions, no Svelte.

import type { Key } from './i18n.svelte';

export interface MessageItem {
  kind: 'message';
  key: string;
  id: string;
  from: string;
  text: string;
  time: string;
  mine: boolean;
  /** to is set on a private message. */
  to?: string;
  history: boolean;
  /** replyTo is the id of the message this one answers. */
  replyTo?: string;
}

export interface NoticeItem {
  kind: 'notice';
  key: string;
  /** words and params are translated when shown, so a language switch applies. */
  words: Key;
  params: Record<string, string>;
}

export interface DividerItem {
  kind: 'divider';
  key: string;
}

/** FileItem is a file shared with the room, shown as a bubble. */
export interface FileItem {
  kind: 'file';
  key: string;
  id: string;
  from: string;
  name: string;
  size: number;
  time: string;
  mine: boolean;
  history: boolean;
  to?: undefined;
}

/** ImageItem is an image sent to the room, shown inline. */
export interface ImageItem {
  kind: 'image';
  key: string;
  id: string;
  from: string;
  mime: string;
  size: number;
  time: string;
  mine: boolean;
  history: boolean;
  to?: undefined;
}

/** Quote is what a reply shows of the message it answers. */
export interface Quote {
  id: string;
  from: string;
  text: string;
  /** recalled: the original was withdrawn since. */
  recalled: boolean;
}

/** BubbleItem is anything someone said or shared. */
export type BubbleItem = MessageItem | FileItem | ImageItem;

export type Item = MessageItem | FileItem | ImageItem | NoticeItem | DividerItem;

/** isBubble says whether an item is said or shared by someone. */
export function isBubble(it: Item | undefined): it is BubbleItem {
  return it !== undefined && (it.kind === 'message' || it.kind === 'file' || it.kind === 'image');
}

/** Row is an item as the list draws it. */
export interface Row {
  item: Item;
  /** first: the first message of a run (shows the sender's name). */
  first: boolean;
  /** last: the last message of a run (gets the bubble's tail and more space). */
  last: boolean;
}

/** groupWindow is how far apart two messages of a run may be. */
export const groupWindow = 5 * 60 * 1000;

function sameRun(a: Item | undefined, b: Item | undefined): boolean {
  if (!isBubble(a) || !isBubble(b)) return false;
  if (a.from !== b.from || (a.to ?? '') !== (b.to ?? '') || a.history !== b.history) return false;
  const ta = Date.parse(a.time);
  const tb = Date.parse(b.time);
  if (Number.isNaN(ta) || Number.isNaN(tb)) return true;
  return Math.abs(tb - ta) <= groupWindow;
}

/** groupRows marks runs of consecutive messages from one sender (within
 * five minutes, not broken by a notice, the divider, or a private message). */
export function groupRows(items: readonly Item[]): Row[] {
  return items.map((item, i) => ({
    item,
    first: !sameRun(items[i - 1], item),
    last: !sameRun(item, items[i + 1]),
  }));
}
