// share.ts sends what the user drops, pastes or picks to the room: images
// as images (shown inline), everything else as files (in the files panel).

import * as backend from './backend';
import { maxStickerBytes, rememberSticker, type Sticker } from './stickers';
import { isImage } from './transfers';
import type { Failure } from './types';

/** fileFailure words a refusal of a file or image for the UI: too_large
 * means the file, not a message. */
export function fileFailure(f: Failure, image: boolean): Failure {
  if (f.code === 'too_large') return { ...f, code: image ? 'image_too_large' : 'file_too_large' };
  return f;
}

function dataURL(blob: Blob): Promise<string> {
  return new Promise((resolve) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => resolve('');
    r.readAsDataURL(blob);
  });
}

function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

/** Shared tells what became of sharing: the first refusal, and the
 * sticker tray when an image was added to it. */
export interface Shared {
  problem: Failure | null;
  stickers: Sticker[] | null;
}

/**
 * shareFiles shares each file, one after the other. asImage forces the
 * choice (the Send image button); otherwise PNG, JPEG, GIF and WebP files
 * up to 20 MB go as images. Small images I send join the sticker tray.
 */
export async function shareFiles(files: readonly Blob[], asImage?: boolean): Promise<Shared> {
  const out: Shared = { problem: null, stickers: null };
  for (const f of files) {
    const image = asImage ?? isImage(f);
    const name = f instanceof File && f.name ? f.name : image ? 'image.' + (f.type.split('/')[1] || 'png') : 'file';
    try {
      await backend.shareBlob(f, name, image);
      if (image && f.size <= maxStickerBytes) {
        const url = await dataURL(f);
        if (url) out.stickers = rememberSticker(storage(), url);
      }
    } catch (e) {
      out.problem ??= fileFailure(backend.toFailure(e), image);
    }
  }
  return out;
}

/** filesOfTransfer returns the files a DataTransfer (drop, paste) holds. */
export function filesOfTransfer(dt: DataTransfer | null): File[] {
  if (!dt) return [];
  const files = Array.from(dt.files ?? []);
  if (files.length > 0) return files;
  const out: File[] = [];
  for (const item of Array.from(dt.items ?? [])) {
    if (item.kind === 'file') {
      const f = item.getAsFile();
      if (f) out.push(f);
    }
  }
  return out;
}
