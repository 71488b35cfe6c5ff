// transfers.svelte.ts is the state of my uploads and downloads in a room,
// built from transfer:progress batches (each names the transfers that
// changed, as they are now).

import { SpeedMeter } from './transfers';
import type { Transfer } from './types';

/** TransferView is a transfer with its measured speed and time left. */
export interface TransferView extends Transfer {
  /** speed in bytes per second; 0 when not known (yet). */
  speed: number;
  /** eta is the seconds left, or null when not known. */
  eta: number | null;
}

/** TransfersState lists my transfers, oldest first. */
export class TransfersState {
  list = $state.raw<TransferView[]>([]);
  private meters = new Map<string, SpeedMeter>();

  /** apply takes the transfers that changed; now is the time in ms. */
  apply(changed: readonly Transfer[], now: number = Date.now()): void {
    let list = this.list;
    for (const t of changed) {
      let meter = this.meters.get(t.id);
      if (!meter) this.meters.set(t.id, (meter = new SpeedMeter()));
      const moving = t.state === 'active';
      if (moving) meter.sample(t.done, now);
      else this.meters.delete(t.id);
      const view: TransferView = { ...t, speed: moving ? meter.speed : 0, eta: moving ? meter.eta(t.size) : null };
      const i = list.findIndex((x) => x.id === t.id);
      if (i >= 0) {
        list = list.slice();
        list[i] = view;
      } else {
        list = [...list, view];
      }
    }
    this.list = list;
  }

  /** byID is the transfer with id, while it is listed. */
  byID(id: string): TransferView | undefined {
    return this.list.find((t) => t.id === id);
  }

  /** download is the latest download of a file, if any. */
  download(fileID: string): TransferView | undefined {
    for (let i = this.list.length - 1; i >= 0; i--) {
      const t = this.list[i];
      if (t.direction === 'down' && t.file === fileID) return t;
    }
    return undefined;
  }

  /** clearFinished drops finished transfers from the list. */
  clearFinished(): void {
    this.list = this.list.filter((t) => t.state === 'active' || t.state === 'waiting');
  }
}
