import { describe, expect, it } from 'vitest';
import { formatStamp, formatTime, initials, utf8Length } from './format';

describe('formatTime', () => {
  const cases: Array<[string, string, string]> = [
    ['2024-05-01T09:03:00Z', 'UTC', '09:03'],
    ['2024-05-01T23:59:59Z', 'UTC', '23:59'],
    ['2024-05-01T00:00:00Z', 'UTC', '00:00'],
    ['2024-05-01T09:03:00+02:00', 'UTC', '07:03'],
    ['2024-05-01T09:03:00Z', 'Asia/Tokyo', '18:03'],
    ['not a time', 'UTC', ''],
    ['', 'UTC', ''],
  ];
  for (const [input, zone, want] of cases) {
    it(`formats ${JSON.stringify(input)} in ${zone} as ${JSON.stringify(want)}`, () => {
      expect(formatTime(input, zone)).toBe(want);
    });
  }
});

describe('formatStamp', () => {
  const now = new Date('2024-05-01T12:00:00Z');
  it('shows only the clock time today', () => {
    expect(formatStamp('2024-05-01T09:03:00Z', now, 'UTC')).toBe('09:03');
  });
  it('adds the date on another day', () => {
    expect(formatStamp('2024-04-30T23:10:00Z', now, 'UTC')).toBe('2024-04-30 23:10');
  });
  it('is empty for a bad time', () => {
    expect(formatStamp('nope', now, 'UTC')).toBe('');
  });
});

describe('initials', () => {
  const cases: Array<[string, string]> = [
    ['River', 'RI'],
    ['River#2', 'RI'],
    ['mary ann', 'MA'],
    ['小明', '小'],
    ['', '?'],
    ['😀 smile', '😀S'],
  ];
  for (const [name, want] of cases) {
    it(`${JSON.stringify(name)} -> ${want}`, () => expect(initials(name)).toBe(want));
  }
});

describe('utf8Length', () => {
  it('counts bytes, not characters', () => {
    expect(utf8Length('abc')).toBe(3);
    expect(utf8Length('你好')).toBe(6);
    expect(utf8Length('😀')).toBe(4);
  });
});
