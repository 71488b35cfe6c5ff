// timeline.ts is the message list's model: the items a room shows, and how
// consecutive messages are grouped into runs. Pure functions, no Svelte.

import type { Key } from './i18n.svelte';
import { dayFormat, dayKey } from './people';

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
  /** delivery is set on a message I sent from here: pending until the
   * host's ack, failed if it was refused (then it can be sent again). */
  delivery?: Delivery;
  /** replyTo is the id of the message this one answers. */
  replyTo?: string;
}

/** Delivery is how far one of my messages got. */
export type Delivery = 'pending' | 'sent' | 'failed';

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
  /** uploading: the file is still being uploaded (it may be downloaded
   * already); received is how many of its bytes the host has. */
  uploading?: boolean;
  received?: number;
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

/** UploadItem is my file or image on its way to the room: shown at once,
 * with its transfer's progress, until the host's file or image event for
 * it takes its place (or, cancelled or failed, until dismissed). */
export interface UploadItem {
  kind: 'upload';
  key: string;
  /** id stays '' (nothing to recall or quote yet). */
  id: '';
  /** transfer is the session's id of the upload (Cancel takes it). */
  transfer: string;
  from: string;
  name: string;
  size: number;
  image: boolean;
  time: string;
  mine: true;
  history: false;
  to?: undefined;
  /** state is the upload's state when last changed (the bubble shows the
   * live progress from the transfers list while it is there). */
  state: 'waiting' | 'active' | 'done' | 'failed' | 'cancelled';
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
export type BubbleItem = MessageItem | FileItem | ImageItem | UploadItem;

export type Item = BubbleItem | NoticeItem | DividerItem;

/** isBubble says whether an item is said or shared by someone. */
export function isBubble(it: Item | undefined): it is BubbleItem {
  return it !== undefined && (it.kind === 'message' || it.kind === 'file' || it.kind === 'image' || it.kind === 'upload');
}

/** Row is an item as the list draws it. */
export interface Row {
  item: Item;
  /** first: the first message of a run (shows the sender's name). */
  first: boolean;
  /** last: the last message of a run (gets the bubble's tail and more space). */
  last: boolean;
  /** day is set on the first message of a calendar day (dayKey): a date
   * separator stands above it. */
  day?: string;
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
 * five minutes, not broken by a notice, the divider, a private message or
 * a new day) and the first message of each day, in timeZone (the
 * viewer's by default). */
export function groupRows(items: readonly Item[], timeZone?: string): Row[] {
  const days: Array<string | undefined> = [];
  const format = dayFormat(timeZone);
  let last = '';
  let lastTime = '';
  for (const item of items) {
    // Runs share their time string often: skip formatting it again.
    const k = !isBubble(item) ? '' : item.time === lastTime ? last : dayKey(item.time, timeZone, format);
    if (isBubble(item)) lastTime = item.time;
    days.push(k !== '' && k !== last ? k : undefined);
    if (k !== '') last = k;
  }
  return items.map((item, i) => ({
    item,
    first: !sameRun(items[i - 1], item) || days[i] !== undefined,
    last: !sameRun(item, items[i + 1]) || days[i + 1] !== undefined,
    day: days[i],
  }));
}
