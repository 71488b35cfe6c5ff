import { describe, expect, it } from 'vitest';
import { dataURLToBlob, forgetSticker, loadStickers, maxStickers, rememberSticker } from './stickers';

function memory(): Storage {
  const m = new Map<string, string>();
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
  } as Storage;
}

const png = (n: number) => 'data:image/png;base64,' + btoa('PNG' + n);

describe('sticker tray', () => {
  it('keeps the newest first, once each, at most maxStickers', () => {
    const s = memory();
    rememberSticker(s, png(1));
    rememberSticker(s, png(2));
    const list = rememberSticker(s, png(1));
    expect(list.map((x) => x.url)).toEqual([png(1), png(2)]);
    for (let i = 0; i < maxStickers + 5; i++) rememberSticker(s, png(100 + i));
    const all = loadStickers(s);
    expect(all).toHaveLength(maxStickers);
    expect(all[0].url).toBe(png(100 + maxStickers + 4));
  });

  it('refuses what is not an image, or too big', () => {
    const s = memory();
    expect(rememberSticker(s, 'data:text/html;base64,PGI+')).toEqual([]);
    expect(rememberSticker(s, 'javascript:alert(1)')).toEqual([]);
    expect(rememberSticker(s, 'data:image/png;base64,' + 'A'.repeat(400 << 10))).toEqual([]);
  });

  it('survives damaged storage and forgets on request', () => {
    const s = memory();
    s.setItem('wetalk.stickers', '{not json');
    expect(loadStickers(s)).toEqual([]);
    s.setItem('wetalk.stickers', JSON.stringify([{ key: 'k', url: 'data:image/svg+xml;base64,AA' }, { key: 'j', url: png(1) }]));
    expect(loadStickers(s).map((x) => x.key)).toEqual(['j']);
    expect(forgetSticker(s, 'j')).toEqual([]);
    expect(loadStickers(null)).toEqual([]);
  });

  it('turns a sticker back into image bytes', () => {
    const b = dataURLToBlob('data:image/png;base64,' + btoa('\x89PNG'));
    expect(b.type).toBe('image/png');
    expect(b.size).toBe(4);
  });
});
