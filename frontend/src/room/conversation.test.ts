import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import MessageList from './MessageList.svelte';
import { RoomState } from '../lib/room.svelte';
import { i18n } from '../lib/i18n.svelte';

function room(me = 'Bo', leader = 'Ann'): RoomState {
  const r = new RoomState({ gen: 1, room: 'Tea', me, asked: me, leader, members: ['Ann', 'Bo', 'Cy'], hosting: false, addr: '' });
  r.apply([
    { type: 'welcome', name: me, leader, members: ['Ann', 'Bo', 'Cy'], room: 'Tea', history_count: 0, files: [] },
    { type: 'message', id: '1', from: 'Ann', text: 'tea for @Bo and @Cy?', time: '2024-05-01T09:00:00Z', history: false },
    { type: 'message', id: '2', from: 'Ann', to: 'Bo', text: 'psst', time: '2024-05-01T09:00:30Z', history: false },
    { type: 'message', id: '3', from: 'Bo', text: 'yes <b>please</b>', time: '2024-05-01T09:01:00Z', reply_to: '1', history: false },
  ]);
  return r;
}

describe('message menu, quotes and mentions', () => {
  i18n.lang = 'en';

  it('offers Reply, Reply privately, Copy text and Recall as they apply', async () => {
    const onreply = vi.fn();
    const oncopy = vi.fn();
    const { container } = render(MessageList, { room: room(), onrecall: () => {}, onreply, oncopy });
    const line = (id: string) => container.querySelector(`[data-id="${id}"]`) as HTMLElement;
    const items = async (id: string) => {
      await fireEvent.click(within(line(id)).getByRole('button', { name: 'Message actions' }));
      return within(line(id)).getAllByRole('menuitem').map((b) => b.textContent);
    };
    expect(await items('1')).toEqual(['Reply', 'Reply privately', 'Copy text']);
    // A private message: no Reply privately (it is already), no Recall (it is in no history).
    expect(await items('2')).toEqual(['Reply', 'Copy text']);
    expect(await items('3')).toEqual(['Reply', 'Copy text', 'Recall']);
    await fireEvent.click(within(line('3')).getByRole('menuitem', { name: 'Copy text' }));
    expect(oncopy).toHaveBeenCalledWith('yes <b>please</b>');
    await fireEvent.click(within(line('1')).getByRole('button', { name: 'Message actions' }));
    await fireEvent.click(within(line('1')).getByRole('menuitem', { name: 'Reply privately' }));
    expect(onreply).toHaveBeenCalledWith(expect.objectContaining({ id: '1' }), true);
  });

  it('marks private bubbles for both ends', () => {
    render(MessageList, { room: room(), onrecall: () => {} });
    expect(screen.getByText('private')).toBeInTheDocument();
    render(MessageList, { room: room('Ann', 'Ann'), onrecall: () => {} });
    expect(screen.getByText('private to Bo')).toBeInTheDocument();
  });

  it('quotes the original, which a click brings into view', async () => {
    const r = room();
    render(MessageList, { room: r, onrecall: () => {} });
    const quote = screen.getByRole('button', { name: 'Reply to Ann: tea for @Bo and @Cy?' });
    await fireEvent.click(quote);
    expect(r.jump?.id).toBe('1');
    r.apply([{ type: 'recalled', id: '1', by: 'Ann' }]);
    await Promise.resolve();
    expect(await screen.findByRole('button', { name: 'Reply to Ann: recalled' })).toBeInTheDocument();
  });

  it('highlights mentions, mine marked, and keeps markup as text', () => {
    const { container } = render(MessageList, { room: room(), onrecall: () => {} });
    const marks = Array.from(container.querySelectorAll('.mention')).map((m) => [m.textContent, m.classList.contains('me')]);
    expect(marks).toEqual([['@Bo', true], ['@Cy', false]]);
    expect(container.querySelector('b')).toBeNull();
  });
});
