import { afterEach, describe, expect, it, vi } from 'vitest';
import { RoomState } from './room.svelte';
import type { MessageItem } from './timeline';
import type { RoomEvent } from './types';

const base = { gen: 1, room: 'Tea', me: 'Ann', asked: 'Ann', leader: 'Ann', members: ['Ann', 'Mia', 'Zed'], hosting: false, addr: '' };
const welcome: RoomEvent = { type: 'welcome', name: 'Ann', leader: 'Ann', members: ['Ann', 'Mia', 'Zed'], room: 'Tea', history_count: 0, files: [] };

describe('RoomState conversation', () => {
  afterEach(() => vi.useRealTimers());

  it('shows typists until they send, or for 6 s without a new notice', () => {
    vi.useFakeTimers();
    const r = new RoomState(base);
    r.apply([welcome, { type: 'typing', from: 'Mia' }, { type: 'typing', from: 'Zed' }, { type: 'typing', from: 'Ann' }]);
    expect(r.typing).toEqual(['Mia', 'Zed']);
    r.apply([{ type: 'message', id: '1', from: 'Mia', text: 'hi', time: '', history: false }]);
    expect(r.typing).toEqual(['Zed']);
    vi.advanceTimersByTime(5000);
    r.apply([{ type: 'typing', from: 'Zed' }]); // a new notice: another 6 s
    vi.advanceTimersByTime(5000);
    expect(r.typing).toEqual(['Zed']);
    vi.advanceTimersByTime(1000);
    expect(r.typing).toEqual([]);
    r.apply([{ type: 'typing', from: 'Mia' }, { type: 'left', name: 'Mia', reason: 'left' }]);
    expect(r.typing).toEqual([]);
    r.dispose();
  });

  it('quotes the original, and says when it was recalled', () => {
    const r = new RoomState(base);
    r.apply([
      welcome,
      { type: 'message', id: 'q', from: 'Mia', text: '\nfirst line\nsecond', time: '', history: false },
      { type: 'message', id: 'a', from: 'Ann', text: 'answer', time: '', reply_to: 'q', history: false },
    ]);
    expect((r.items.at(-1) as MessageItem).replyTo).toBe('q');
    expect(r.quoteOf('q', 'image')).toEqual({ id: 'q', from: 'Mia', text: 'first line', recalled: false });
    r.apply([{ type: 'recalled', id: 'q', by: 'Mia' }]);
    expect(r.quoteOf('q', 'image')).toEqual({ id: 'q', from: 'Mia', text: '', recalled: true });
    expect(r.quoteOf('unknown', 'image')).toBeNull();
  });

  it('says clearly that a private message went to someone who left', () => {
    const r = new RoomState(base);
    r.apply([welcome]);
    r.sentPrivately('r7', 'Mia');
    r.apply([{ type: 'error', ref: 'r7', code: 'no_such_member', message: 'no member is called "Mia"' }]);
    expect(r.problem).toEqual({ code: 'private_gone', message: 'Mia' });
    r.apply([{ type: 'error', ref: 'r8', code: 'no_such_member', message: 'x' }]);
    expect(r.problem?.code).toBe('no_such_member');
  });

  it('finds search matches in order and steps around them', () => {
    const r = new RoomState(base);
    r.apply([
      welcome,
      ...['喝咖啡', 'tea', '咖啡好', 'coffee'].map((text, i) => ({ type: 'message' as const, id: String(i), from: 'Mia', text, time: '', history: false })),
    ]);
    expect(r.matches).toEqual([]); // closed
    r.search = { open: true, query: '咖啡', at: 0 };
    expect(r.matches).toEqual(['0', '2']);
    r.stepSearch(1);
    expect(r.search.at).toBe(1);
    expect(r.jump?.id).toBe('2');
    r.stepSearch(1);
    expect(r.jump?.id).toBe('0');
  });

  it('tells of live messages from others only', () => {
    const r = new RoomState(base);
    const seen: string[] = [];
    r.incoming = (m) => seen.push(m.text);
    r.apply([
      { ...welcome, history_count: 1 },
      { type: 'message', id: 'h', from: 'Mia', text: 'old', time: '', history: true },
      { type: 'message', id: 'm', from: 'Ann', text: 'mine', time: '', history: false },
      { type: 'message', id: 'n', from: 'Zed', text: 'new', time: '', history: false },
    ]);
    expect(seen).toEqual(['new']);
  });
});
