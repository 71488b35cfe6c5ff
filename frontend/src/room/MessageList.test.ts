import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import MessageList from './MessageList.svelte';
import { RoomState } from '../lib/room.svelte';

// Rendering is slow on a busy machine: heavy tests have a generous timeout
// of their own, and no test asserts a duration.
const heavy = { timeout: 60_000 };

function room(): RoomState {
  const r = new RoomState({ gen: 1, room: 'Tea', me: 'Ann', asked: 'Ann', leader: 'Ann', members: ['Ann', 'Bo'], hosting: true, addr: '' });
  r.apply([
    { type: 'welcome', name: 'Ann', leader: 'Ann', members: ['Ann', 'Bo'], history_count: 0, room: 'Tea', files: [] },
    { type: 'message', id: '1', from: 'Bo', text: 'hello', time: '2024-05-01T09:00:00Z', history: false },
    { type: 'message', id: '2', from: 'Bo', text: '<img src=x onerror=alert(1)>', time: '2024-05-01T09:00:30Z', history: false },
    { type: 'message', id: '3', from: 'Ann', text: '你好 😀', time: '2024-05-01T09:01:00Z', history: false },
  ]);
  return r;
}

describe('MessageList', heavy, () => {
  it('puts my bubbles right and the others left, with the name once per run', () => {
    const { container } = render(MessageList, { room: room(), onrecall: () => {} });
    const lines = Array.from(container.querySelectorAll('[data-side]'));
    expect(lines.map((l) => l.getAttribute('data-side'))).toEqual(['left', 'left', 'right']);
    expect(screen.getAllByText('Bo')).toHaveLength(1);
    expect(screen.getByText('你好 😀')).toBeInTheDocument();
  });

  it('shows markup as text', () => {
    const { container } = render(MessageList, { room: room(), onrecall: () => {} });
    expect(screen.getByText('<img src=x onerror=alert(1)>')).toBeInTheDocument();
    expect(container.querySelector('img')).toBeNull();
  });

  it('offers Recall on mine and Remove on others to the leader', () => {
    render(MessageList, { room: room(), onrecall: () => {} });
    expect(screen.getAllByRole('button', { name: 'Message actions' })).toHaveLength(3);
  });
});

describe('MessageList with a thousand messages', () => {
  it('puts only a window of rows in the page', heavy, () => {
    const r = new RoomState({ gen: 1, room: 'Tea', me: 'Ann', asked: 'Ann', leader: 'Ann', members: ['Ann', 'Bo'], hosting: true, addr: '' });
    // A thousand rows are five times the bound below: enough to show the
    // list is windowed, at a fifth of the cost of 5,000.
    const burst = Array.from({ length: 1000 }, (_, i) => ({
      type: 'message' as const,
      id: 'm' + i,
      from: i % 3 ? 'Bo' : 'Ann',
      text: 'message ' + i,
      time: '2024-05-01T09:00:00Z',
      history: false,
    }));
    r.apply([{ type: 'welcome', name: 'Ann', leader: 'Ann', members: ['Ann', 'Bo'], history_count: 0, room: 'Tea', files: [] }, ...burst]);
    const { container } = render(MessageList, { room: r, onrecall: () => {} });
    const drawn = container.querySelectorAll('[data-side]').length;
    expect(drawn).toBeGreaterThan(0);
    expect(drawn).toBeLessThanOrEqual(200);
    expect(screen.getByText('message 999')).toBeInTheDocument();
    expect(screen.queryByText('message 0')).toBeNull();
  });
});
