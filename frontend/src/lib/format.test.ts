import { describe, expect, it } from 'vitest';
import { formatTime } from './format';

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
