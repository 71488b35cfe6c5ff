// room.svelte.ts is the state of the room on screen, built from the
// backend's event batches. It never asks for the whole history again:
// each batch is appended (or, for a recall, replaces one item).

import type { Failure, Room, RoomEvent } from './types';
import type { Key } from './i18n.svelte';
import { isBubble, type Item, type MessageItem } from './timeline';
import { applyFileEvents, filesOf, type SharedFile } from './transfers';
import { TransfersState } from './transfers.svelte';

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

  get isLeader(): boolean {
    return this.me !== '' && this.me === this.leader;
  }

  private key(): string {
    return 'n' + ++this.keys;
  }

  /** apply takes one batch of events in the room's order. */
  apply(events: readonly RoomEvent[]): void {
    const items = this.items.slice();
    let members = this.members;
    const notice = (words: Key, params: Record<string, string>) =>
      items.push({ kind: 'notice', key: this.key(), words, params });
    const placeDivider = () => {
      if (this.dividerDone) return;
      this.dividerDone = true;
      if (this.historySeen) items.push({ kind: 'divider', key: 'divider' });
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
        case 'message': {
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
          };
          items.push(m);
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
          if (ev.type === 'file') items.push({ kind: 'file', name: ev.name, ...base });
          else items.push({ kind: 'image', mime: ev.mime, ...base });
          if (ev.history) {
            this.historySeen = true;
            if (--this.historyLeft <= 0) placeDivider();
          }
          break;
        }
        case 'joined':
          if (!members.includes(ev.name)) members = [...members, ev.name];
          if (ev.name !== this.me) notice('n_joined', { name: ev.name });
          break;
        case 'left': {
          members = members.filter((m) => m !== ev.name);
          this.away = this.away.filter((n) => n !== ev.name);
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
          if (i >= 0) {
            const m = items[i] as MessageItem;
            const self = ev.by === m.from;
            items[i] = { kind: 'notice', key: m.key, words: self ? 'n_recalled' : 'n_removed', params: { name: m.from } };
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
          this.reconnecting = true;
          break;
        case 'reconnected':
          this.reconnecting = false;
          break;
        case 'error':
          this.problem = { code: ev.code, message: ev.message };
          break;
      }
    }
    this.members = members;
    this.items = items;
    this.files = applyFileEvents(this.files, events);
  }
}
