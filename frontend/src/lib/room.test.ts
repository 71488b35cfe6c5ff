import { describe, expect, it, vi } from 'vitest';
import { RoomState } from './room.svelte';
import type { MessageItem, UploadItem } from './timeline';
import type { Transfer } from './types';

const base = { gen: 1, room: 'Tea', me: 'Ann#2', asked: 'Ann', leader: 'Bo', members: ['Bo', 'Ann#2'], hosting: false, addr: '' };

function kinds(r: RoomState): string {
  return r.items.map((i) => (i.kind === 'message' ? 'm:' + i.text : i.kind === 'notice' ? 'n:' + i.words : 'divider')).join(' ');
}

describe('RoomState', () => {
  it('puts history above the divider and says the name given', () => {
    const r = new RoomState(base);
    r.apply([
      { type: 'welcome', name: 'Ann#2', leader: 'Bo', members: ['Bo', 'Ann#2'], room: 'Tea', history_count: 2, files: [] },
      { type: 'message', id: '1', from: 'Bo', text: 'old1', time: '2024-05-01T09:00:00Z', history: true },
    ]);
    r.apply([{ type: 'message', id: '2', from: 'Bo', text: 'old2', time: '2024-05-01T09:00:00Z', history: true }]);
    expect(kinds(r)).toBe('m:old1 m:old2 divider n:n_renamed');
    r.apply([{ type: 'message', id: '3', from: 'Ann#2', text: 'new', time: '2024-05-01T09:01:00Z', history: false }]);
    expect((r.items.at(-1) as MessageItem).mine).toBe(true);
  });

  it('has no divider without history', () => {
    const r = new RoomState({ ...base, asked: 'Ann#2' });
    r.apply([{ type: 'welcome', name: 'Ann#2', leader: 'Bo', members: ['Bo', 'Ann#2'], history_count: 0, room: 'Tea', files: [] }]);
    r.apply([{ type: 'message', id: '3', from: 'Bo', text: 'hi', time: '', history: false }]);
    expect(kinds(r)).toBe('m:hi');
  });

  it('tracks members, the leader and notices', () => {
    const r = new RoomState({ ...base, asked: 'Ann#2' });
    r.apply([
      { type: 'welcome', name: 'Ann#2', leader: 'Bo', members: ['Bo', 'Ann#2'], room: 'Tea', files: [] },
      { type: 'joined', name: 'Cy' },
      { type: 'left', name: 'Bo', reason: 'left' },
      { type: 'leader', name: 'Ann#2' },
      { type: 'left', name: 'Cy', reason: 'kicked' },
    ]);
    expect(r.members).toEqual(['Ann#2']);
    expect(r.isLeader).toBe(true);
    expect(kinds(r)).toBe('n:n_joined n:n_left n:n_leader n:n_kicked');
  });

  it('replaces a recalled message by a notice', () => {
    const r = new RoomState({ ...base, asked: 'Ann#2' });
    r.apply([
      { type: 'welcome', name: 'Ann#2', leader: 'Bo', members: ['Bo', 'Ann#2'], room: 'Tea', files: [] },
      { type: 'message', id: 'a', from: 'Cy', text: 'oops', time: '', history: false },
      { type: 'message', id: 'b', from: 'Cy', text: 'bad', time: '', history: false },
      { type: 'recalled', id: 'a', by: 'Cy' },
      { type: 'recalled', id: 'b', by: 'Bo' },
    ]);
    expect(kinds(r)).toBe('n:n_recalled n:n_removed');
    expect(JSON.stringify(r.items)).not.toContain('oops');
  });

  it('shows my message pending at once, sent on its ack, and lets its echo stand in place', async () => {
    const r = new RoomState({ ...base, asked: 'Ann#2' });
    r.apply([{ type: 'welcome', name: 'Ann#2', leader: 'Bo', members: ['Bo', 'Ann#2'], history_count: 0, room: 'Tea', files: [] }]);
    let release: (ref: string) => void = () => {};
    r.say('hi all', () => new Promise((resolve) => (release = resolve)));
    const mine = () => r.items.filter((i) => i.kind === 'message') as MessageItem[];
    expect(mine().map((m) => [m.text, m.delivery])).toEqual([['hi all', 'pending']]);
    await new Promise((resolve) => setTimeout(resolve, 0));
    release('r1');
    await new Promise((resolve) => setTimeout(resolve, 0));
    r.apply([{ type: 'ack', ref: 'r1', id: 'm1' }]);
    expect(mine().map((m) => [m.id, m.delivery])).toEqual([['m1', 'sent']]);
    r.apply([{ type: 'message', id: 'm1', from: 'Ann#2', text: 'hi all', time: '2024-05-01T09:01:00Z', history: false }]);
    expect(mine().map((m) => [m.id, m.delivery, m.time])).toEqual([['m1', 'sent', '2024-05-01T09:01:00Z']]);
  });

  it('puts what others sent while mine was on its way above mine, in the host\'s order', async () => {
    const r = new RoomState({ ...base, asked: 'Ann#2' });
    r.apply([{ type: 'welcome', name: 'Ann#2', leader: 'Bo', members: ['Bo', 'Ann#2'], history_count: 0, room: 'Tea', files: [] }]);
    r.say('sent first', () => Promise.resolve('r1'));
    await new Promise((resolve) => setTimeout(resolve, 0));
    r.apply([{ type: 'ack', ref: 'r1', id: 'm1' }]);
    // Mine waits for the host (a slow one): Bo's message, which the host
    // took first, and a join come meanwhile; then my ack and echo.
    r.say('on its way', () => Promise.resolve('r2'));
    await new Promise((resolve) => setTimeout(resolve, 0));
    r.apply([
      { type: 'message', id: 'm1', from: 'Ann#2', text: 'sent first', time: '2024-05-01T09:00:00Z', history: false },
      { type: 'message', id: 'b1', from: 'Bo', text: 'Bo was first', time: '2024-05-01T09:01:00Z', history: false },
      { type: 'joined', name: 'Cy' },
    ]);
    expect(kinds(r)).toBe('m:sent first m:Bo was first n:n_joined m:on its way');
    r.apply([
      { type: 'ack', ref: 'r2', id: 'm2' },
      { type: 'message', id: 'm2', from: 'Ann#2', text: 'on its way', time: '2024-05-01T09:01:01Z', history: false },
      { type: 'message', id: 'b2', from: 'Bo', text: 'Bo after', time: '2024-05-01T09:02:00Z', history: false },
    ]);
    // Sent, mine keeps its place; what comes after it goes below.
    expect(kinds(r)).toBe('m:sent first m:Bo was first n:n_joined m:on its way m:Bo after');
    expect((r.items[3] as MessageItem).delivery).toBe('sent');
  });

  it('settles a message whose ack and echo came before Send returned', async () => {
    const r = new RoomState({ ...base, asked: 'Ann#2' });
    r.apply([{ type: 'welcome', name: 'Ann#2', leader: 'Bo', members: ['Bo', 'Ann#2'], history_count: 0, room: 'Tea', files: [] }]);
    let release: (ref: string) => void = () => {};
    r.say('quick', () => new Promise((resolve) => (release = resolve)));
    await new Promise((resolve) => setTimeout(resolve, 0));
    r.apply([
      { type: 'ack', ref: 'r9', id: 'm9' },
      { type: 'message', id: 'm9', from: 'Ann#2', text: 'quick', time: '2024-05-01T09:01:00Z', history: false },
    ]);
    release('r9');
    await new Promise((resolve) => setTimeout(resolve, 0));
    const mine = r.items.filter((i) => i.kind === 'message') as MessageItem[];
    expect(mine.map((m) => [m.id, m.text])).toEqual([['m9', 'quick']]);
  });

  it('marks a refused message failed, and Retry sends it again', async () => {
    const r = new RoomState({ ...base, asked: 'Ann#2' });
    r.apply([{ type: 'welcome', name: 'Ann#2', leader: 'Bo', members: ['Bo', 'Ann#2'], history_count: 0, room: 'Tea', files: [] }]);
    r.say('nope', () => Promise.reject(new Error('not in a room')));
    await new Promise((resolve) => setTimeout(resolve, 0));
    const failed = r.items.at(-1) as MessageItem;
    expect(failed.delivery).toBe('failed');
    expect(r.problem?.message).toContain('not in a room');
    const sent: string[] = [];
    r.retry(failed.key, async (text) => (sent.push(text), 'r2'));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(sent).toEqual(['nope']);
    expect(r.items.filter((i) => i.kind === 'message').map((m) => (m as MessageItem).delivery)).toEqual(['pending']);
  });

  it('keeps the conversation while reconnecting and marks members whose link dropped', () => {
    const r = new RoomState({ ...base, asked: 'Ann#2' });
    r.apply([
      { type: 'welcome', name: 'Ann#2', leader: 'Bo', members: ['Bo', 'Ann#2'], room: 'Tea', files: [] },
      { type: 'message', id: 'a', from: 'Bo', text: 'before', time: '', history: false },
      { type: 'presence', name: 'Bo', state: 'reconnecting' },
    ]);
    expect(r.away).toEqual(['Bo']);
    expect(r.members).toEqual(['Bo', 'Ann#2']);
    r.apply([{ type: 'reconnecting', attempt: 1, in_ms: 100, reason: 'connection lost' }]);
    expect(r.reconnecting).toBe(true);
    r.apply([
      { type: 'reconnected', attempt: 1, missed: 1 },
      { type: 'presence', name: 'Bo', state: 'back' },
      { type: 'message', id: 'b', from: 'Bo', text: 'after', time: '', history: false },
    ]);
    expect(r.reconnecting).toBe(false);
    expect(r.away).toEqual([]);
    expect(kinds(r)).toBe('m:before m:after');
  });
});

describe('RoomState banner', () => {
  it('says lost while waiting to reconnect, Connecting… while an attempt is under way, nothing once back', () => {
    vi.useFakeTimers();
    try {
      const r = new RoomState({ ...base, asked: 'Ann#2' });
      expect(r.banner).toBe('');
      r.apply([{ type: 'reconnecting', attempt: 1, in_ms: 500, reason: 'connection lost' }]);
      expect(r.banner).toBe('lost');
      vi.advanceTimersByTime(499);
      expect(r.banner).toBe('lost');
      vi.advanceTimersByTime(1);
      expect(r.banner).toBe('connecting');
      // That attempt failed: the next waits longer, lost meanwhile.
      r.apply([{ type: 'reconnecting', attempt: 2, in_ms: 1000, reason: 'refused' }]);
      expect(r.banner).toBe('lost');
      vi.advanceTimersByTime(1000);
      expect(r.banner).toBe('connecting');
      r.apply([{ type: 'reconnected', attempt: 2, missed: 0 }]);
      expect(r.banner).toBe('');
      // An attempt at once is under way at once; a timer left over does nothing once back.
      r.apply([{ type: 'reconnecting', attempt: 1, in_ms: 0, reason: 'x' }]);
      expect(r.banner).toBe('connecting');
      r.apply([{ type: 'reconnecting', attempt: 2, in_ms: 300, reason: 'x' }, { type: 'reconnected', attempt: 2, missed: 0 }]);
      vi.advanceTimersByTime(1000);
      expect(r.banner).toBe('');
      r.dispose();
    } finally {
      vi.useRealTimers();
    }
  });

  it('says lost while a message waits too long for its ack', () => {
    const r = new RoomState({ ...base, asked: 'Ann#2' });
    r.link = 'lost';
    expect(r.banner).toBe('lost');
  });
});

describe('RoomState uploads in the conversation', () => {
  const welcome = { type: 'welcome' as const, name: 'Ann#2', leader: 'Bo', members: ['Bo', 'Ann#2'], room: 'Tea', files: [] };
  const up = (state: Transfer['state'], done: number, file?: string): Transfer => ({
    id: 't1', name: 'report.pdf', direction: 'up', size: 1000, done, state, file,
  });
  const fileEv = (id: string, from = 'Ann#2', history = false) => ({
    type: 'file' as const, id, from, name: 'report.pdf', size: 1000, sha256: '', time: '2024-05-01T09:00:00Z', history,
  });
  const shown = (r: RoomState) => r.items.map((i) => (i.kind === 'upload' ? `up:${i.state}` : i.kind === 'file' ? 'file:' + i.id : i.kind));

  it('shows my upload at once, then turns it into the file bubble when the host shares it', () => {
    const r = new RoomState({ ...base, asked: 'Ann#2' });
    r.apply([welcome, { type: 'message', id: '1', from: 'Bo', text: 'hi', time: '', history: false }]);
    r.applyTransfers([up('waiting', 0)]);
    expect(shown(r)).toEqual(['message', 'up:waiting']);
    const u = r.items[1] as UploadItem;
    expect(u).toMatchObject({ transfer: 't1', name: 'report.pdf', size: 1000, mine: true, from: 'Ann#2' });
    r.applyTransfers([up('active', 400)]);
    r.applyTransfers([up('active', 800)]);
    expect(shown(r)).toEqual(['message', 'up:active']);
    expect(r.transfers.byID('t1')?.done).toBe(800);
    // Someone else's message arrives meanwhile; the upload keeps its place.
    r.apply([{ type: 'message', id: '2', from: 'Bo', text: 'ok', time: '', history: false }]);
    r.applyTransfers([up('done', 1000, 'f9')]);
    r.apply([fileEv('f9')]);
    expect(shown(r)).toEqual(['message', 'file:f9', 'message']);
  });

  it('shows a file still uploading with its progress, then complete; a failed upload becomes a line', () => {
    const r = new RoomState({ ...base, asked: 'Ann#2' });
    r.apply([welcome, { ...fileEv('f1', 'Bo'), uploading: true }]);
    expect(r.items[0]).toMatchObject({ kind: 'file', id: 'f1', uploading: true, received: 0 });
    expect(r.files).toMatchObject([{ id: 'f1', uploading: true }]);
    r.apply([{ type: 'file_progress', id: 'f1', received: 500 }]);
    expect(r.items[0]).toMatchObject({ kind: 'file', uploading: true, received: 500 });
    r.apply([{ type: 'file_done', id: 'f1', sha256: 'ab' }]);
    expect(r.items[0]).toMatchObject({ kind: 'file', uploading: false });
    expect(r.files).toMatchObject([{ id: 'f1', sha256: 'ab', uploading: false }]);
    r.apply([{ ...fileEv('f2', 'Bo'), uploading: true }, { type: 'file_failed', id: 'f2', code: 'stalled', message: 'no progress' }]);
    expect(r.items[1]).toMatchObject({ kind: 'notice', words: 'n_uploadFailed', params: { name: 'Bo', file: 'report.pdf', why: 'no progress' } });
    expect(r.files.map((f) => f.id)).toEqual(['f1']);
  });

  it('has no duplicate when the file event comes before the transfer says done', () => {
    const r = new RoomState({ ...base, asked: 'Ann#2' });
    r.apply([welcome]);
    r.applyTransfers([up('active', 10)]);
    r.apply([fileEv('f9')]);
    expect(shown(r)).toEqual(['up:active', 'file:f9']);
    r.applyTransfers([up('done', 1000, 'f9')]);
    expect(shown(r)).toEqual(['file:f9']);
    // A late batch of the same transfer brings no bubble back.
    r.applyTransfers([up('done', 1000, 'f9')]);
    expect(shown(r)).toEqual(['file:f9']);
  });

  it('leaves others\' files and my history alone', () => {
    const r = new RoomState({ ...base, asked: 'Ann#2' });
    r.apply([welcome]);
    r.applyTransfers([up('active', 10, 'f9')]);
    r.apply([fileEv('f9', 'Bo'), fileEv('f9', 'Ann#2', true)]);
    expect(shown(r)).toEqual(['up:active', 'file:f9', 'file:f9']);
  });

  it('shows a cancelled or failed upload until dismissed; a moving one cannot be dismissed', () => {
    const r = new RoomState({ ...base, asked: 'Ann#2' });
    r.apply([welcome]);
    r.applyTransfers([up('active', 10), { ...up('waiting', 0), id: 't2' }]);
    r.dismissUpload('up:t1');
    expect(shown(r)).toEqual(['up:active', 'up:waiting']);
    r.applyTransfers([up('cancelled', 10), { ...up('failed', 0), id: 't2', error: { code: 'too_large', message: '' } }]);
    expect(shown(r)).toEqual(['up:cancelled', 'up:failed']);
    r.dismissUpload('up:t1');
    expect(shown(r)).toEqual(['up:failed']);
    r.dismissUpload('up:t2');
    expect(shown(r)).toEqual([]);
    // The session reports a transfer again when it ends, which for an
    // upload cancelled while the host was slow to answer comes after the
    // dismissal: the bubble stays away.
    r.applyTransfers([up('cancelled', 10), { ...up('failed', 0), id: 't2', error: { code: 'too_large', message: '' } }]);
    expect(shown(r)).toEqual([]);
  });

  it('ignores downloads', () => {
    const r = new RoomState({ ...base, asked: 'Ann#2' });
    r.apply([welcome]);
    r.applyTransfers([{ ...up('active', 10, 'f1'), direction: 'down' }]);
    expect(r.items).toEqual([]);
    expect(r.transfers.list).toHaveLength(1);
  });
});
