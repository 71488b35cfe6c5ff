// app.svelte.ts is the app's screen state: the start screen or a room, and
// what the start screen must tell the user after a room ended.

import * as backend from './backend';
import { RoomState } from './room.svelte';
import { Attention } from './attention.svelte';
import type { Batch, Closed, Room, RoomEvent, TransferBatch } from './types';

/** Ended says why the last room ended, for the start screen. */
export type Ended = { code: 'closed' } | { code: 'kicked'; by: string; reason: string } | { code: 'lost'; reason: string };

/** AppState switches between the start screen and the room. */
export class AppState {
  room = $state<RoomState | null>(null);
  ended = $state<Ended | null>(null);
  /** attention is the room's unread count and notifications. */
  attention = $state<Attention | null>(null);

  /** early holds batches for a room whose Host/Join has not returned yet. */
  private early = new Map<number, RoomEvent[]>();
  private lastGen = 0;

  /** listen subscribes to the backend's events; it returns the unsubscribe. */
  listen(): () => void {
    const offs = [
      backend.onEvent('room:events', (d) => this.onEvents(d as Batch)),
      backend.onEvent('room:closed', (d) => this.onClosed(d as Closed)),
      backend.onEvent('transfer:progress', (d) => this.onTransfers(d as TransferBatch)),
      // Only in a browser: `wetalk web` stopped, so the room is gone too.
      backend.onEvent('bridge:closed', () => this.onBridgeClosed()),
    ];
    return () => offs.forEach((off) => off());
  }

  onEvents(b: Batch): void {
    if (this.room && b.gen === this.room.gen) {
      this.room.apply(b.events);
    } else if (b.gen > this.lastGen) {
      this.early.set(b.gen, [...(this.early.get(b.gen) ?? []), ...b.events]);
    }
  }

  /** onTransfers takes my transfers' progress (only the room's own). */
  onTransfers(b: TransferBatch): void {
    if (this.room && b.gen === this.room.gen) this.room.applyTransfers(b.transfers ?? []);
  }

  onClosed(c: Closed): void {
    if (c.gen > this.lastGen) this.lastGen = c.gen; // a room that never showed
    this.early.delete(c.gen);
    if (!this.room || c.gen !== this.room.gen) return;
    this.drop();
    if (c.code === 'closed') this.ended = { code: 'closed' };
    else if (c.code === 'kicked') this.ended = { code: 'kicked', by: c.by ?? '', reason: c.reason ?? '' };
    else if (c.code === 'lost') this.ended = { code: 'lost', reason: c.reason ?? '' };
  }

  /** onBridgeClosed: the page lost `wetalk web`, and with it the room. */
  onBridgeClosed(): void {
    if (!this.room) return;
    this.drop();
    this.ended = { code: 'lost', reason: 'wetalk web stopped' };
  }

  /** enter shows the room Host or Join returned. */
  enter(r: Room): void {
    this.lastGen = Math.max(this.lastGen, r.gen);
    const room = new RoomState(r);
    const early = this.early.get(r.gen);
    this.early.clear();
    if (early) room.apply(early);
    this.ended = null;
    this.attention?.dispose();
    this.attention = new Attention(room);
    backend.askNotifyPermission();
    this.room = room;
    backend.setTitle('WeTalk — ' + r.room);
  }

  /** drop forgets the room on screen. */
  private drop(): void {
    this.attention?.dispose();
    this.attention = null;
    this.room?.dispose();
    this.room = null;
    backend.setTitle('WeTalk');
  }

  /** leave leaves the room at once. */
  async leave(): Promise<void> {
    this.drop();
    await backend.leave();
  }
}
