// transfers.ts is the pure side of files and transfers: sizes, speeds and
// times left as people read them, a speed meter, and the room's list of
// shared files. No Svelte here.

import type { FileInfo, RoomEvent } from './types';

/** units are SI: each 1000 times the one before, as their names say
 * (50,000,000 bytes are 50 MB, as a file manager shows them). */
const units = ['B', 'kB', 'MB', 'GB', 'TB'];

/** formatSize renders a byte count in SI units: "512 B", "1.5 MB", "12 GB". */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  let v = bytes;
  let u = 0;
  while (v >= 999.5 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  const digits = u === 0 || v >= 100 ? 0 : 1;
  const s = v.toFixed(digits);
  return `${u > 0 && s.endsWith('.0') ? s.slice(0, -2) : s} ${units[u]}`;
}

/** formatSpeed renders bytes per second: "2.4 MB/s". */
export function formatSpeed(bytesPerSecond: number): string {
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return '';
  return formatSize(bytesPerSecond) + '/s';
}

/** formatDuration renders a time left in seconds: "45 s", "3 min 5 s",
 * "2 h 10 min" (or the Chinese units). */
export function formatDuration(seconds: number, lang: 'en' | 'zh' = 'en'): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  const [h, m, s] = lang === 'zh' ? ['小时', '分', '秒'] : [' h', ' min', ' s'];
  const total = Math.ceil(seconds);
  const hours = Math.floor(total / 3600);
  const mins = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  const join = (a: string, b: string) => (lang === 'zh' ? a + b : `${a} ${b}`);
  if (hours > 0) return mins > 0 ? join(hours + h, mins + m) : hours + h;
  if (mins > 0) return secs > 0 && mins < 10 ? join(mins + m, secs + s) : mins + m;
  return secs + s;
}

/** percent is done of total as a whole percentage (100 for an empty file). */
export function percent(done: number, total: number): number {
  if (total <= 0) return 100;
  return Math.min(100, Math.max(0, Math.floor((done * 100) / total)));
}

/**
 * SpeedMeter estimates a transfer's speed from (bytes done, time) samples:
 * an exponentially weighted average, so one slow or fast moment does not
 * swing the figure.
 */
export class SpeedMeter {
  private last: { done: number; at: number } | null = null;
  private rate = 0;

  constructor(private readonly halfLifeMs = 2000) {}

  /** sample records that done bytes were moved at time at (ms). */
  sample(done: number, at: number): void {
    if (this.last === null || done < this.last.done) {
      this.last = { done, at };
      return;
    }
    const dt = at - this.last.at;
    if (dt <= 0) return;
    const now = ((done - this.last.done) * 1000) / dt;
    const w = 1 - Math.pow(0.5, dt / this.halfLifeMs);
    this.rate = this.rate === 0 ? now : this.rate + w * (now - this.rate);
    this.last = { done, at };
  }

  /** speed is the estimate in bytes per second; 0 before two samples. */
  get speed(): number {
    return this.rate;
  }

  /** eta is the seconds left to move total bytes, or null if unknown. */
  eta(total: number): number | null {
    if (this.rate <= 0 || this.last === null) return null;
    return Math.max(0, (total - this.last.done) / this.rate);
  }
}

/** SharedFile is a file in the room's files panel. */
export interface SharedFile {
  id: string;
  from: string;
  name: string;
  size: number;
  sha256: string;
  time: string;
  /** uploading: still being uploaded (sha256 empty); it may be downloaded. */
  uploading?: boolean;
}

/** applyFileEvents returns files after events: file events add a file
 * (once: history and the welcome may both name it), recalls and failed
 * uploads remove one, file_done marks one complete. */
export function applyFileEvents(files: readonly SharedFile[], events: readonly RoomEvent[]): SharedFile[] {
  let out = files as SharedFile[];
  for (const ev of events) {
    if (ev.type === 'file' && !out.some((f) => f.id === ev.id)) {
      out = [...out, { id: ev.id, from: ev.from, name: ev.name, size: ev.size, sha256: ev.sha256, time: ev.time, ...(ev.uploading ? { uploading: true } : {}) }];
    } else if (ev.type === 'file_done' && out.some((f) => f.id === ev.id)) {
      out = out.map((f) => (f.id === ev.id ? { ...f, sha256: ev.sha256, uploading: false } : f));
    } else if ((ev.type === 'recalled' || ev.type === 'file_failed') && out.some((f) => f.id === ev.id)) {
      out = out.filter((f) => f.id !== ev.id);
    }
  }
  return out;
}

/** filesOf converts the welcome's files. */
export function filesOf(list: readonly FileInfo[] | null | undefined): SharedFile[] {
  return (list ?? []).map((f) => ({ ...f }));
}

/** imageTypes are the image types the host accepts as images. */
export const imageTypes = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

/** maxImage is the largest image, in bytes (as the host allows). */
export const maxImage = 20 << 20;

/** isImage says whether a file should go to the room as an image. */
export function isImage(f: { type: string; size: number }): boolean {
  return imageTypes.includes(f.type) && f.size <= maxImage;
}
