import { describe, expect, it } from 'vitest';
import { groupRows, type Item } from './timeline';

function msg(key: string, from: string, time: string, extra: Partial<Item> = {}): Item {
  return { kind: 'message', key, id: key, from, text: key, time, mine: from === 'me', history: false, ...extra } as Item;
}
const notice = (key: string): Item => ({ kind: 'notice', key, words: 'n_joined', params: { name: 'x' } });

function flags(items: Item[]): string {
  return groupRows(items)
    .map((r) => (r.first ? 'F' : '-') + (r.last ? 'L' : '-'))
    .join(' ');
}

describe('groupRows', () => {
  it('groups consecutive messages of one sender', () => {
    expect(
      flags([
        msg('a', 'ann', '2024-05-01T09:00:00Z'),
        msg('b', 'ann', '2024-05-01T09:01:00Z'),
        msg('c', 'ann', '2024-05-01T09:02:00Z'),
        msg('d', 'bo', '2024-05-01T09:02:30Z'),
      ]),
    ).toBe('F- -- -L FL');
  });
  it('breaks a run after five minutes', () => {
    expect(flags([msg('a', 'ann', '2024-05-01T09:00:00Z'), msg('b', 'ann', '2024-05-01T09:05:01Z')])).toBe('FL FL');
    expect(flags([msg('a', 'ann', '2024-05-01T09:00:00Z'), msg('b', 'ann', '2024-05-01T09:05:00Z')])).toBe('F- -L');
  });
  it('breaks a run at a notice or the divider', () => {
    expect(
      flags([
        msg('a', 'ann', '2024-05-01T09:00:00Z'),
        notice('n'),
        msg('b', 'ann', '2024-05-01T09:00:10Z'),
        { kind: 'divider', key: 'd' },
        msg('c', 'ann', '2024-05-01T09:00:20Z'),
      ]),
    ).toBe('FL FL FL FL FL');
  });
  it('keeps private messages apart from public ones', () => {
    expect(
      flags([msg('a', 'ann', '2024-05-01T09:00:00Z'), msg('b', 'ann', '2024-05-01T09:00:10Z', { to: 'me' })]),
    ).toBe('FL FL');
  });
  it('keeps history apart from live messages', () => {
    expect(
      flags([msg('a', 'ann', '2024-05-01T09:00:00Z', { history: true }), msg('b', 'ann', '2024-05-01T09:00:10Z')]),
    ).toBe('FL FL');
  });
  it('handles an empty list', () => {
    expect(groupRows([])).toEqual([]);
  });
});
