import { render } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import { describe, expect, it } from 'vitest';
import MemberList from './MemberList.svelte';
import { RoomState } from '../lib/room.svelte';
import { i18n } from '../lib/i18n.svelte';

describe('MemberList', () => {
  i18n.lang = 'en';

  it('marks a member whose link dropped as reconnecting until they are back', () => {
    const r = new RoomState({ gen: 1, room: 'Tea', me: 'Ann', asked: 'Ann', leader: 'Ann', members: ['Ann', 'Bo'], hosting: true, addr: '' });
    const { container } = render(MemberList, { room: r, onhandover: () => {}, onprivate: () => {} });
    const away = () => [...container.querySelectorAll('[data-role="away"]')].map((e) => e.closest('li')?.textContent ?? '');
    expect(away()).toEqual([]);
    r.apply([{ type: 'presence', name: 'Bo', state: 'reconnecting', seq: 3 }]);
    flushSync();
    expect(away()).toHaveLength(1);
    expect(away()[0]).toContain('Bo');
    expect(away()[0]).toContain('reconnecting…');
    r.apply([{ type: 'presence', name: 'Bo', state: 'back', seq: 4 }]);
    flushSync();
    expect(away()).toEqual([]);
  });
});
