// room.svelte.ts is the state of the room on screen, built from the
// backend's event batches. It never asks for the whole history again:
// each batch is appended (or, for a recall, replaces one item).

import { toFailure } from './backend';
import type { Failure, Room, RoomEvent, Transfer } from './types';
import type { Key } from './i18n.svelte';
import { isBubble, type BubbleItem, type FileItem, type Item, type MessageItem, type Quote, type UploadItem } from './timeline';
import { firstLine, matches, step, typingFor } from './conversation';
import { applyFileEvents, filesOf, type SharedFile } from './transfers';
import { TransfersState } from './transfers.svelte';

/** ackTimeout is how long a sent message may wait for the host's ack
 * before the room says the connection is lost (until the host answers). */
export const ackTimeout = 8000;

/** Link is my connection as the header's banner shows it ('connecting' is
 * for a reconnect signal from the backend, once there is one). */
export type Link = 'ok' | 'connecting' | 'lost';

/** place adds an item the host sent to items: above my messages at the
 * end that still wait for the host's answer (pending), since the host put
 * it before them. So the conversation is in the host's order, as every
 * other member sees it, once mine are sent: a message another member sent
 * while mine was on its way (a slow or frozen host) shows above mine, not
 * below it, as in the messengers that show a message before the server has
 * it. */
function place(items: Item[], item: Item): void {
  let i = items.length;
  while (i > 0) {
    const it = items[i - 1];
    if (it.kind !== 'message' || !it.mine || it.delivery !== 'pending') break;
    i--;
  }
  items.splice(i, 0, item);
}

/** lastIndex is the index of the last item pred accepts, or -1. */
function lastIndex(items: readonly Item[], pred: (it: Item) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (pred(items[i])) return i;
  return -1;
}

/** RoomState is one room as this app sees it. */
export class RoomState {
  readonly gen: number;
  readonly hosting: boolean;
  readonly asked: string;
  room = $state('');
  me = $state('');
  leader = $state('');
  members = $state.raw<string[]>([]);
  /** reconnecting: our link dropped and the seat is being resumed; the
   * conversation stays as it is meanwhile. */
  reconnecting = $state(false);
  /** attempting: while reconnecting, an attempt to resume the seat is under
   * way (the wait the reconnecting event named has passed). */
  attempting = $state(false);
  /** away: members whose link dropped, their seats held. */
  away = $state.raw<string[]>([]);
  items = $state.raw<Item[]>([]);
  bans = $state.raw<string[]>([]);
  /** files are the files shared with the room (the files panel). */
  files = $state.raw<SharedFile[]>([]);
  /** transfers are my uploads and downloads. */
  readonly transfers = new TransfersState();
  /** problem is the last refusal of a command, shown until dismissed. */
  problem = $state<Failure | null>(null);
  /** link: 'lost' while a message waits for its ack too long. */
  link = $state<Link>('ok');

  /** refs maps the ref of each of my sends to its bubble's key. */
  private refs = new Map<string, string>();
  /** acks holds acks that came before their Send call returned (ref → id). */
  private acks = new Map<string, string>();
  /** sending keeps my messages in the order they were written. */
  private sending: Promise<unknown> = Promise.resolve();

  /** privateTo is the member the composer writes to privately, or ''. */
  privateTo = $state('');
  /** replyTo is the message the composer answers, if any. */
  replyTo = $state.raw<BubbleItem | null>(null);
  /** typing lists who is typing now, in the order they started. */
  typing = $state.raw<string[]>([]);
  /** recalled maps the ids of messages withdrawn since I joined to their senders (quotes of them say so). */
  recalled = $state.raw<ReadonlyMap<string, string>>(new Map());
  /** jump asks the message list to bring a message into view; n makes each request new. */
  jump = $state.raw<{ id: string; n: number } | null>(null);
  /** search is the search field's state: open, query, and the current match. */
  search = $state({ open: false, query: '', at: 0 });
  /** incoming is told of each live message from someone else (unread, notifications). */
  incoming: ((m: MessageItem) => void) | null = null;

  private attemptTimer: ReturnType<typeof setTimeout> | undefined;
  private typingTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** privateRefs maps the refs of my private messages to their receivers, for errors. */
  private privateRefs = new Map<string, string>();
  /** dismissed holds the transfers whose upload bubbles I dismissed: a later
   * report of the same transfer (its end, once a slow host answers) must not
   * bring the bubble back. */
  private dismissed = new Set<string>();

  private keys = 0;
  private historyLeft = 0;
  private historySeen = false;
  private dividerDone = false;
  private welcomed = false;

  constructor(r: Room) {
    this.gen = r.gen;
    this.hosting = r.hosting;
    this.asked = r.asked;
    this.room = r.room;
    this.me = r.me;
    this.leader = r.leader;
    this.members = r.members ?? [];
    this.files = filesOf(r.files);
  }

  /** banner is what the banner under the toolbar says: 'connecting' while
   * an attempt to resume is under way, 'lost' while the link is down (or a
   * message waits too long for its ack), '' when all is well. */
  get banner(): '' | 'connecting' | 'lost' {
    if (this.reconnecting) return this.attempting ? 'connecting' : 'lost';
    return this.link === 'ok' ? '' : this.link;
  }

  get isLeader(): boolean {
    return this.me !== '' && this.me === this.leader;
  }

  private key(): string {
    return 'n' + ++this.keys;
  }

  /**
   * say shows text as my pending bubble at once and sends it with send
   * (which resolves with the command's ref); the bubble turns sent on the
   * host's ack, failed if send is refused.
   */
  say(text: string, send: (text: string) => Promise<string>): void {
    const key = this.key();
    const item: MessageItem = {
      kind: 'message', key, id: '', from: this.me, text, time: new Date().toISOString(), mine: true,
      history: false, delivery: 'pending',
    };
    this.items = [...this.items, item];
    setTimeout(() => {
      if (this.mineByKey(key)?.delivery === 'pending') this.link = 'lost';
    }, ackTimeout);
    this.sending = this.sending.then(async () => {
      try {
        const ref = await send(text);
        const id = this.acks.get(ref);
        this.acks.delete(ref);
        if (id === undefined) this.refs.set(ref, key);
        else this.settle(this.items.slice(), key, id, true);
      } catch (e) {
        this.update(this.items.slice(), key, { delivery: 'failed' });
        this.problem = toFailure(e);
      }
    });
  }

  /** retry sends a failed message of mine again, as a new bubble. */
  retry(key: string, send: (text: string) => Promise<string>): void {
    const m = this.mineByKey(key);
    if (m?.delivery !== 'failed') return;
    this.items = this.items.filter((it) => it.key !== key);
    this.say(m.text, send);
  }

  /** mineByKey is the message with key, if it is one and still shown. */
  private mineByKey(key: string): MessageItem | undefined {
    for (let i = this.items.length - 1; i >= 0; i--) {
      const it = this.items[i];
      if (it.key === key) return it.kind === 'message' ? it : undefined;
    }
    return undefined;
  }

  /** update changes my bubble key in items and stores items. */
  private update(items: Item[], key: string, change: Partial<MessageItem>): void {
    const i = lastIndex(items, (it) => it.key === key);
    if (i >= 0) items[i] = { ...(items[i] as MessageItem), ...change };
    this.items = items;
  }

  /** settle marks my bubble key sent as message id; if the echo of id is
   * already in the list (store), the pending bubble gives way to it. */
  private settle(items: Item[], key: string, id: string, store: boolean): void {
    if (this.link === 'lost') this.link = 'ok'; // the host answers again
    const echoed = items.some((it) => it.kind === 'message' && it.id === id && it.key !== key);
    if (echoed) {
      const i = lastIndex(items, (it) => it.key === key);
      if (i >= 0) items.splice(i, 1);
      if (store) this.items = items;
    } else if (store) {
      this.update(items, key, { id, delivery: 'sent' });
    } else {
      const i = lastIndex(items, (it) => it.key === key);
      if (i >= 0) items[i] = { ...(items[i] as MessageItem), id, delivery: 'sent' };
    }
  }

  /** apply takes one batch of events in the room's order. */
  apply(events: readonly RoomEvent[]): void {
    const items = this.items.slice();
    let members = this.members;
    const notice = (words: Key, params: Record<string, string>) =>
      place(items, { kind: 'notice', key: this.key(), words, params });
    const placeDivider = () => {
      if (this.dividerDone) return;
      this.dividerDone = true;
      if (this.historySeen) place(items, { kind: 'divider', key: 'divider' });
      if (this.asked !== '' && this.me !== this.asked) notice('n_renamed', { name: this.me, asked: this.asked });
    };
    for (const ev of events) {
      if (this.welcomed && !this.dividerDone && !('history' in ev && ev.history)) placeDivider();
      switch (ev.type) {
        case 'welcome':
          this.welcomed = true;
          this.me = ev.name;
          this.leader = ev.leader;
          this.room = ev.room;
          members = ev.members;
          this.historyLeft = ev.history_count ?? 0;
          if (this.historyLeft === 0) placeDivider();
          break;
        case 'ack': {
          const key = this.refs.get(ev.ref ?? '');
          if (key === undefined) {
            if (this.acks.size >= 256) this.acks.clear(); // acks of other commands
            this.acks.set(ev.ref ?? '', ev.id ?? '');
          } else {
            this.refs.delete(ev.ref ?? '');
            this.settle(items, key, ev.id ?? '', false);
          }
          break;
        }
        case 'message': {
          if (ev.from === this.me && !ev.history && ev.id) {
            // The echo of a message I sent from here: it was acked, so the
            // bubble already stands for it.
            const i = lastIndex(items, (it) => it.kind === 'message' && it.id === ev.id && !!it.delivery);
            if (i >= 0) {
              items[i] = { ...(items[i] as MessageItem), time: ev.time ?? '', delivery: 'sent' };
              break;
            }
          }
          const m: MessageItem = {
            kind: 'message',
            key: ev.id,
            id: ev.id,
            from: ev.from,
            text: ev.text,
            time: ev.time,
            mine: ev.from === this.me,
            to: ev.to || undefined,
            history: ev.history,
            replyTo: ev.reply_to || undefined,
          };
          place(items, m);
          if (!ev.history) {
            this.stopTyping(m.from);
            if (!m.mine) this.incoming?.(m);
          }
          if (ev.history) {
            this.historySeen = true;
            if (--this.historyLeft <= 0) placeDivider();
          }
          break;
        }
        case 'file':
        case 'image': {
          const base = {
            key: ev.id,
            id: ev.id,
            from: ev.from,
            size: ev.size,
            time: ev.time,
            mine: ev.from === this.me,
            history: ev.history,
          };
          const item: Item =
            ev.type === 'file'
              ? { kind: 'file', name: ev.name, ...base, ...(ev.uploading ? { uploading: true, received: 0 } : {}) }
              : { kind: 'image', mime: ev.mime, ...base };
          // My upload's bubble, shown since it started, becomes this one.
          const up = base.mine && !ev.history ? this.uploadOf(items, ev.id) : -1;
          if (up >= 0) items[up] = item;
          else place(items, item);
          if (ev.history) {
            this.historySeen = true;
            if (--this.historyLeft <= 0) placeDivider();
          }
          break;
        }
        case 'typing':
          if (ev.from !== this.me) this.startTyping(ev.from);
          break;
        case 'joined':
          if (!members.includes(ev.name)) members = [...members, ev.name];
          if (ev.name !== this.me) notice('n_joined', { name: ev.name });
          break;
        case 'left': {
          members = members.filter((m) => m !== ev.name);
          this.away = this.away.filter((n) => n !== ev.name);
          this.stopTyping(ev.name);
          const words: Key = ev.reason === 'kicked' ? 'n_kicked' : ev.reason === 'disconnected' ? 'n_disconnected' : 'n_left';
          notice(words, { name: ev.name });
          break;
        }
        case 'leader':
          this.leader = ev.name;
          notice('n_leader', { name: ev.name });
          break;
        case 'recalled': {
          const i = items.findIndex((it) => isBubble(it) && it.id === ev.id);
          if (this.replyTo?.id === ev.id) this.replyTo = null;
          if (i >= 0) {
            const m = items[i] as MessageItem;
            this.recalled = new Map([...this.recalled, [m.id, m.from]]);
            const self = ev.by === m.from;
            items[i] = { kind: 'notice', key: m.key, words: self ? 'n_recalled' : 'n_removed', params: { name: m.from } };
          }
          break;
        }
        case 'file_progress':
        case 'file_done': {
          // A file announced while uploading: how far it got, or complete.
          const i = lastIndex(items, (it) => it.kind === 'file' && it.id === ev.id);
          if (i >= 0) {
            const f = items[i] as FileItem;
            items[i] = ev.type === 'file_done' ? { ...f, uploading: false, received: f.size } : { ...f, received: ev.received };
          }
          break;
        }
        case 'file_failed': {
          // The upload failed: the file leaves the room, as if recalled.
          const i = lastIndex(items, (it) => it.kind === 'file' && it.id === ev.id);
          if (this.replyTo?.id === ev.id) this.replyTo = null;
          if (i >= 0) {
            const f = items[i] as FileItem;
            items[i] = { kind: 'notice', key: f.key, words: 'n_uploadFailed', params: { name: f.from, file: f.name, why: ev.message } };
          }
          break;
        }
        case 'bans':
          this.bans = ev.names ?? [];
          break;
        case 'presence':
          this.away = ev.state === 'reconnecting' ? [...this.away.filter((n) => n !== ev.name), ev.name] : this.away.filter((n) => n !== ev.name);
          break;
        case 'reconnecting':
          // The attempt starts in_ms from now: until then the link is lost.
          this.reconnecting = true;
          this.attempting = (ev.in_ms ?? 0) <= 0;
          clearTimeout(this.attemptTimer);
          if (!this.attempting) this.attemptTimer = setTimeout(() => (this.attempting = this.reconnecting), ev.in_ms);
          break;
        case 'reconnected':
          clearTimeout(this.attemptTimer);
          this.reconnecting = false;
          this.attempting = false;
          break;
        case 'error': {
          const key = this.refs.get(ev.ref ?? '');
          if (key !== undefined) {
            this.refs.delete(ev.ref ?? '');
            const i = lastIndex(items, (it) => it.key === key);
            if (i >= 0) items[i] = { ...(items[i] as MessageItem), delivery: 'failed' };
          }
          const to = this.privateRefs.get(ev.ref);
          if (to !== undefined && ev.code === 'no_such_member') {
            this.problem = { code: 'private_gone', message: to };
          } else {
            this.problem = { code: ev.code, message: ev.message };
          }
          break;
        }
      }
    }
    this.members = members;
    this.items = items;
    this.files = applyFileEvents(this.files, events);
  }

  /** applyTransfers takes my transfers that changed: each upload has a
   * bubble of its own in the conversation from the moment it starts, until
   * the host's file or image event for it (matched by the file id the
   * upload was given) takes its place. */
  applyTransfers(changed: readonly Transfer[]): void {
    this.transfers.apply(changed);
    let items: Item[] | null = null;
    for (const t of changed) {
      if (t.direction !== 'up') continue;
      const cur: Item[] = items ?? this.items;
      const key = 'up:' + t.id;
      const i = lastIndex(cur, (it) => it.key === key);
      const shown = !!t.file && cur.some((it) => (it.kind === 'file' || it.kind === 'image') && it.id === t.file);
      if (shown) {
        // The host's event came first: this upload's bubble gives way to it.
        if (i >= 0) (items ??= cur.slice()).splice(i, 1);
      } else if (i < 0) {
        if (this.dismissed.has(t.id)) continue;
        const up: UploadItem = {
          kind: 'upload', key, id: '', transfer: t.id, from: this.me, name: t.name, size: t.size, image: !!t.image,
          time: new Date().toISOString(), mine: true, history: false, state: t.state,
        };
        (items ??= cur.slice()).push(up);
      } else if ((cur[i] as UploadItem).state !== t.state) {
        (items ??= cur.slice())[i] = { ...(cur[i] as UploadItem), state: t.state };
      }
    }
    if (items) this.items = items;
  }

  /** uploadOf is the index of my upload's bubble whose transfer gave the
   * file id, or -1. */
  private uploadOf(items: readonly Item[], file: string): number {
    const t = this.transfers.list.find((x) => x.direction === 'up' && x.file === file);
    return t ? lastIndex(items, (it) => it.key === 'up:' + t.id) : -1;
  }

  /** dismissUpload takes away the bubble of an upload that was cancelled
   * or failed. */
  dismissUpload(key: string): void {
    const i = lastIndex(this.items, (it) => it.key === key);
    const it = this.items[i];
    if (it?.kind !== 'upload' || (it.state !== 'cancelled' && it.state !== 'failed')) return;
    this.dismissed.add(it.transfer);
    this.items = this.items.filter((x) => x.key !== key);
  }

  /** startTyping shows name as typing until a message of theirs, or typingFor without a new notice. */
  private startTyping(name: string): void {
    clearTimeout(this.typingTimers.get(name));
    this.typingTimers.set(name, setTimeout(() => this.stopTyping(name), typingFor));
    if (!this.typing.includes(name)) this.typing = [...this.typing, name];
  }

  private stopTyping(name: string): void {
    clearTimeout(this.typingTimers.get(name));
    this.typingTimers.delete(name);
    if (this.typing.includes(name)) this.typing = this.typing.filter((n) => n !== name);
  }

  /** sentPrivately remembers that the command ref went privately to name. */
  sentPrivately(ref: string, name: string): void {
    this.privateRefs.set(ref, name);
    if (this.privateRefs.size > 200) this.privateRefs.delete(this.privateRefs.keys().next().value as string);
  }

  /** find returns the message, file or image with id, if it is still shown. */
  find(id: string): BubbleItem | undefined {
    return this.items.find((it): it is BubbleItem => isBubble(it) && it.id === id);
  }

  /** quoteOf is what a reply to id shows of it, or null if it is not known here. */
  quoteOf(id: string, imageWords: string): Quote | null {
    const from = this.recalled.get(id);
    if (from !== undefined) return { id, from, text: '', recalled: true };
    const it = this.find(id);
    if (!it) return null;
    const text = it.kind === 'message' ? firstLine(it.text) : it.kind === 'file' || (it.kind === 'upload' && !it.image) ? it.name : imageWords;
    return { id, from: it.from, text, recalled: false };
  }

  /** show asks the list to scroll to the message id. */
  show(id: string): void {
    this.jump = { id, n: (this.jump?.n ?? 0) + 1 };
  }

  /** matches are the ids of the messages the search finds, in order. */
  get matches(): string[] {
    if (!this.search.open) return [];
    const texts = this.items.filter((it): it is MessageItem => it.kind === 'message');
    return matches(texts, this.search.query);
  }

  /** stepSearch moves to the next (1) or previous (-1) match and shows it. */
  stepSearch(delta: number): void {
    const ids = this.matches;
    this.search.at = step(this.search.at, delta, ids.length);
    if (this.search.at >= 0) this.show(ids[this.search.at]);
  }

  /** dispose stops the typing timers. */
  dispose(): void {
    clearTimeout(this.attemptTimer);
    for (const t of this.typingTimers.values()) clearTimeout(t);
    this.typingTimers.clear();
  }
}
