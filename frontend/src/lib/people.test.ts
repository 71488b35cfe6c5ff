import { describe, expect, it } from 'vitest';
import { colourOf, dayKey, dayLabel, fullStamp, hueOf, suffixOf } from './people';
import { groupRows, type Item } from './timeline';

describe('colour from name', () => {
  it('is stable and differs for a taken name and its numbered twin', () => {
    expect(colourOf('Alice')).toBe(colourOf('Alice'));
    expect(colourOf('Alice')).not.toBe(colourOf('Alice#2'));
    expect(colourOf('小明')).toMatch(/^hsl\(\d+ 55% 42%\)$/);
    for (const n of ['', 'a', 'Bo', '🍵', 'x'.repeat(100)]) {
      expect(hueOf(n)).toBeGreaterThanOrEqual(0);
      expect(hueOf(n)).toBeLessThan(360);
    }
  });
  it('spreads names over the circle', () => {
    const hues = new Set(Array.from({ length: 50 }, (_, i) => Math.floor(hueOf('member' + i) / 30)));
    expect(hues.size).toBeGreaterThanOrEqual(8);
  });
  it('finds the suffix of a numbered name', () => {
    expect(suffixOf('Alice#2')).toBe('2');
    expect(suffixOf('Alice')).toBe('');
    expect(suffixOf('#1 fan')).toBe('');
  });
});

describe('days', () => {
  const now = new Date('2026-11-30T00:30:00Z');
  it('names today, yesterday, and other dates', () => {
    expect(dayKey('2026-11-29T23:57:00Z', 'UTC')).toBe('2026-11-29');
    expect(dayKey('2026-11-29T23:57:00Z', 'Asia/Shanghai')).toBe('2026-11-30');
    expect(dayKey('nonsense', 'UTC')).toBe('');
    expect(dayLabel('2026-11-30', now, 'en-US', 'UTC')).toEqual({ kind: 'today' });
    expect(dayLabel('2026-11-29', now, 'en-US', 'UTC')).toEqual({ kind: 'yesterday' });
    expect(dayLabel('2026-11-27', now, 'en-US', 'UTC')).toEqual({ kind: 'date', text: 'Friday, November 27' });
    expect(dayLabel('2025-03-01', now, 'en-US', 'UTC')).toEqual({ kind: 'date', text: 'Saturday, March 1, 2025' });
    expect(dayLabel('2026-11-27', now, 'zh-CN', 'UTC')).toEqual({ kind: 'date', text: '11月27日星期五' });
    // Across a month's end: the 1st's yesterday is the last of the month before.
    expect(dayLabel('2026-11-30', new Date('2026-12-01T10:00:00Z'), 'en-US', 'UTC')).toEqual({ kind: 'yesterday' });
  });
  it('writes the full date and time for the hover title', () => {
    expect(fullStamp('2026-11-29T23:57:00Z', 'en-US', 'UTC')).toBe('Sunday, November 29, 2026 at 11:57 PM');
    expect(fullStamp('', 'en-US', 'UTC')).toBe('');
  });
  it('puts a separator above the first message of each day and breaks runs there', () => {
    const msg = (key: string, time: string): Item =>
      ({ kind: 'message', key, id: key, from: 'ann', text: key, time, mine: false, history: false }) as Item;
    const rows = groupRows(
      [
        msg('a', '2026-11-29T23:57:00Z'),
        msg('b', '2026-11-29T23:58:00Z'),
        { kind: 'notice', key: 'n', words: 'n_joined', params: { name: 'x' } },
        msg('c', '2026-11-30T00:01:00Z'),
        msg('d', '2026-11-30T00:02:00Z'),
      ],
      'UTC',
    );
    expect(rows.map((r) => r.day ?? '')).toEqual(['2026-11-29', '', '', '2026-11-30', '']);
    expect(rows.map((r) => (r.first ? 'F' : '-') + (r.last ? 'L' : '-'))).toEqual(['F-', '-L', 'FL', 'F-', '-L']);
  });
});
