// stickers.ts keeps the images I sent recently (the seed's 表情), on this
// machine only, for one-click reuse. Small images only: they live in
// localStorage as data URLs.

/** Sticker is one remembered image. */
export interface Sticker {
  /** key identifies the image (its size and a hash of its data URL). */
  key: string;
  url: string;
}

/** StickerStore is where the tray keeps its stickers. */
export interface StickerStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

const storageKey = 'wetalk.stickers';

/** maxStickers is how many images the tray keeps; maxStickerBytes the
 * largest image it keeps. */
export const maxStickers = 16;
export const maxStickerBytes = 256 << 10;

function hash(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0).toString(36) + '-' + s.length.toString(36);
}

/** loadStickers reads the tray, newest first; a damaged entry is none. */
export function loadStickers(store: StickerStore | null | undefined): Sticker[] {
  try {
    const v = JSON.parse(store?.getItem(storageKey) ?? '[]') as unknown;
    if (!Array.isArray(v)) return [];
    return v.filter(
      (s): s is Sticker =>
        typeof s?.key === 'string' && typeof s?.url === 'string' && /^data:image\/(png|jpeg|gif|webp);base64,/.test(s.url),
    );
  } catch {
    return [];
  }
}

/** rememberSticker puts an image (a data URL) first in the tray and
 * returns the tray; the oldest fall off. */
export function rememberSticker(store: StickerStore | null | undefined, url: string): Sticker[] {
  const list = loadStickers(store);
  if (!/^data:image\/(png|jpeg|gif|webp);base64,/.test(url) || url.length > (maxStickerBytes * 4) / 3 + 64) return list;
  const key = hash(url);
  const next = [{ key, url }, ...list.filter((s) => s.key !== key)].slice(0, maxStickers);
  try {
    store?.setItem(storageKey, JSON.stringify(next));
  } catch {
    return list; // storage full: keep what was there
  }
  return next;
}

/** forgetSticker removes one image from the tray. */
export function forgetSticker(store: StickerStore | null | undefined, key: string): Sticker[] {
  const next = loadStickers(store).filter((s) => s.key !== key);
  try {
    store?.setItem(storageKey, JSON.stringify(next));
  } catch {
    // unchanged
  }
  return next;
}

/** dataURLToBlob turns a sticker back into bytes to send. */
export function dataURLToBlob(url: string): Blob {
  const [head, b64] = url.split(',', 2);
  const type = /^data:([^;]+);/.exec(head)?.[1] ?? 'application/octet-stream';
  const bin = atob(b64 ?? '');
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Blob([bytes], { type });
}
