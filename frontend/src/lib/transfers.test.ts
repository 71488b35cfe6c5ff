import { describe, expect, it } from 'vitest';
import { applyFileEvents, formatDuration, formatSize, formatSpeed, isImage, percent, SpeedMeter } from './transfers';
import { TransfersState } from './transfers.svelte';
import { RoomState } from './room.svelte';
import type { Transfer } from './types';

describe('sizes, speeds and times', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1 kB'],
    [1024, '1 kB'],
    [1500, '1.5 kB'],
    [999_499, '999 kB'],
    [999_500, '1 MB'],
    [999_999, '1 MB'],
    [3_000_777, '3 MB'],
    [10_260_000, '10.3 MB'],
    [50_000_000, '50 MB'],
    [250_000_000, '250 MB'],
    [2 * 1024 ** 3, '2.1 GB'],
    [2e9, '2 GB'],
    [-1, ''],
    [Number.NaN, ''],
  ])('formatSize(%d) = %s', (n, s) => expect(formatSize(n)).toBe(s));

  it('formats speeds, and nothing when unknown', () => {
    expect(formatSpeed(2.5e6)).toBe('2.5 MB/s');
    expect(formatSpeed(0)).toBe('');
    expect(formatSpeed(Number.POSITIVE_INFINITY)).toBe('');
  });

  it.each([
    [0, '0 s', '0秒'],
    [44.2, '45 s', '45秒'],
    [185, '3 min 5 s', '3分5秒'],
    [725, '12 min', '12分'],
    [3600, '1 h', '1小时'],
    [7800, '2 h 10 min', '2小时10分'],
  ])('formatDuration(%d)', (s, en, zh) => {
    expect(formatDuration(s)).toBe(en);
    expect(formatDuration(s, 'zh')).toBe(zh);
  });

  it('clamps percentages; an empty file is complete', () => {
    expect(percent(50, 200)).toBe(25);
    expect(percent(199, 200)).toBe(99);
    expect(percent(300, 200)).toBe(100);
    expect(percent(0, 0)).toBe(100);
  });
});

describe('SpeedMeter', () => {
  it('knows nothing from one sample, then averages', () => {
    const m = new SpeedMeter(1000);
    m.sample(0, 0);
    expect(m.speed).toBe(0);
    expect(m.eta(1000)).toBeNull();
    m.sample(1000, 1000); // 1000 B/s
    expect(m.speed).toBe(1000);
    expect(m.eta(5000)).toBe(4);
    m.sample(4000, 2000); // 3000 B/s for a half-life: halfway there
    expect(m.speed).toBe(2000);
  });

  it('starts over when a transfer restarts from zero', () => {
    const m = new SpeedMeter();
    m.sample(500, 0);
    m.sample(1000, 1000);
    m.sample(0, 1500); // a new leg starts over from 0
    m.sample(100, 1600);
    expect(m.speed).toBeGreaterThan(0);
  });
});

describe('files list', () => {
  const file = (id: string, name: string) =>
    ({ type: 'file', id, from: 'Ann', name, size: 10, sha256: 'ab', time: '', history: false }) as const;

  it('adds each file once and drops recalled ones', () => {
    let files = applyFileEvents([], [file('1', 'a.txt'), file('2', 'b.txt'), file('1', 'a.txt')]);
    expect(files.map((f) => f.name)).toEqual(['a.txt', 'b.txt']);
    const same = applyFileEvents(files, [{ type: 'message', id: '9', from: 'Ann', text: 'hi', time: '', history: false }, { type: 'recalled', id: '9', by: 'Ann' }]);
    expect(same).toBe(files);
    files = applyFileEvents(files, [{ type: 'recalled', id: '1', by: 'Ann' }]);
    expect(files.map((f) => f.id)).toEqual(['2']);
  });

  it('starts from the welcome and follows the room', () => {
    const r = new RoomState({
      gen: 1, room: 'T', me: 'Bo', asked: 'Bo', leader: 'Ann', members: ['Ann', 'Bo'], hosting: false, addr: '',
      files: [{ id: '1', from: 'Ann', name: 'old.pdf', size: 5, sha256: 'x', time: '2024-05-01T09:00:00Z' }],
    });
    r.apply([
      { type: 'welcome', name: 'Bo', leader: 'Ann', members: ['Ann', 'Bo'], history_count: 1, room: 'Tea', files: [] },
      { ...file('1', 'old.pdf'), history: true },
      file('2', 'new.zip'),
      { type: 'image', id: '3', from: 'Bo', mime: 'image/png', size: 70, sha256: 'y', time: '', history: false },
    ]);
    expect(r.files.map((f) => f.name)).toEqual(['old.pdf', 'new.zip']);
    expect(r.items.map((i) => i.kind)).toEqual(['file', 'divider', 'file', 'image']);
    expect(r.items.at(-1)).toMatchObject({ kind: 'image', mine: true, mime: 'image/png' });
    r.apply([{ type: 'recalled', id: '2', by: 'Ann' }, { type: 'recalled', id: '3', by: 'Bo' }]);
    expect(r.files.map((f) => f.name)).toEqual(['old.pdf']);
    expect(r.items.map((i) => (i.kind === 'notice' ? i.words : i.kind))).toEqual(['file', 'divider', 'n_recalled', 'n_recalled']);
  });

  it('sends PNG, JPEG, GIF and WebP up to 20 MB as images', () => {
    expect(isImage({ type: 'image/png', size: 100 })).toBe(true);
    expect(isImage({ type: 'image/webp', size: 20 << 20 })).toBe(true);
    expect(isImage({ type: 'image/png', size: (20 << 20) + 1 })).toBe(false);
    expect(isImage({ type: 'image/svg+xml', size: 100 })).toBe(false);
    expect(isImage({ type: '', size: 100 })).toBe(false);
  });
});

describe('TransfersState', () => {
  const tr = (over: Partial<Transfer>): Transfer => ({
    id: 't1', name: 'a.bin', direction: 'down', size: 1000, done: 0, state: 'active', file: 'f1', ...over,
  });

  it('keeps one entry per transfer, with speed and time left while it moves', () => {
    const s = new TransfersState();
    s.apply([tr({ done: 0 })], 0);
    s.apply([tr({ done: 500 })], 1000);
    expect(s.list).toHaveLength(1);
    expect(s.list[0].speed).toBe(500);
    expect(s.list[0].eta).toBe(1);
    s.apply([tr({ done: 1000, state: 'done', path: '/d/a.bin' })], 1500);
    expect(s.list[0]).toMatchObject({ state: 'done', speed: 0, eta: null, path: '/d/a.bin' });
    expect(s.download('f1')?.id).toBe('t1');
    expect(s.download('f2')).toBeUndefined();
  });

  it('clears finished transfers only', () => {
    const s = new TransfersState();
    s.apply([tr({ id: 't1', state: 'done' }), tr({ id: 't2', state: 'active' }), tr({ id: 't3', state: 'failed' })]);
    s.clearFinished();
    expect(s.list.map((t) => t.id)).toEqual(['t2']);
  });
});
