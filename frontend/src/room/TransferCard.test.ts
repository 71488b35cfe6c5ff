import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import TransferCard from './TransferCard.svelte';
import FilesPanel from './FilesPanel.svelte';
import { RoomState } from '../lib/room.svelte';
import type { TransferView } from '../lib/transfers.svelte';

vi.mock('../lib/backend', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../lib/backend')>()),
  downloadDir: async () => '/home/bo/Downloads',
}));

const view = (over: Partial<TransferView>): TransferView => ({
  id: 't1', name: 'a.bin', direction: 'down', size: 4 << 20, done: 1 << 20, state: 'active', speed: 1 << 20, eta: 3,
  ...over,
});

describe('TransferCard', { timeout: 60_000 }, () => {
  it('shows progress, speed and time left, and cancels', async () => {
    const oncancel = vi.fn();
    render(TransferCard, { transfer: view({}), oncancel });
    const bar = screen.getByRole('progressbar', { name: 'a.bin: 25%' });
    expect(bar).toHaveAttribute('aria-valuenow', '25');
    expect(screen.getByText('1 MB/s')).toBeInTheDocument();
    expect(screen.getByText('3 s left')).toBeInTheDocument();
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel a.bin' }));
    expect(oncancel).toHaveBeenCalledWith('t1');
  });

  it('says Waiting until the host takes the upload, then how far it got', () => {
    const { unmount } = render(TransferCard, { transfer: view({ state: 'waiting', done: 0 }), oncancel: () => {} });
    expect(screen.getByText('Waiting')).toBeInTheDocument();
    unmount();
    render(TransferCard, { transfer: view({ state: 'active', done: 2 << 20, size: 4 << 20 }), oncancel: () => {} });
    expect(screen.queryByText('Waiting')).toBeNull();
    expect(screen.getByText('50%')).toBeInTheDocument();
  });

  it('says why a transfer failed, in words about files', () => {
    render(TransferCard, {
      transfer: view({ state: 'failed', direction: 'up', error: { code: 'too_large', message: 'x' } }),
      oncancel: () => {},
    });
    expect(screen.getByRole('alert')).toHaveTextContent('That file is larger than this room allows.');
    expect(screen.queryByRole('button', { name: 'Cancel a.bin' })).toBeNull();
  });

  it('shows an upload queued behind the host\'s limit as waiting, and cancels it', async () => {
    const oncancel = vi.fn();
    render(TransferCard, { transfer: view({ state: 'waiting', direction: 'up', done: 0, speed: 0, eta: null }), oncancel });
    expect(screen.getByText('Waiting')).toBeInTheDocument();
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel a.bin' }));
    expect(oncancel).toHaveBeenCalledWith('t1');
  });

  it('tells where a download was saved', () => {
    render(TransferCard, { transfer: view({ state: 'done', path: '/d/a.bin' }), oncancel: () => {} });
    expect(screen.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
    expect(screen.getByText('Saved to /d/a.bin')).toBeInTheDocument();
  });
});

describe('FilesPanel', () => {
  it('lists the shared files with a Download button each', async () => {
    const room = new RoomState({
      gen: 1, room: 'T', me: 'Bo', asked: 'Bo', leader: 'Ann', members: ['Ann', 'Bo'], hosting: false, addr: '',
      files: [{ id: 'f1', from: 'Ann', name: 'plan.pdf', size: 2048, sha256: 'x', time: '' }],
    });
    const ondownload = vi.fn();
    render(FilesPanel, { room, ondownload, oncancel: () => {} });
    expect(screen.getByRole('complementary', { name: 'Shared files' })).toBeInTheDocument();
    expect(screen.getByText('2 KB · Ann ·', { exact: false })).toBeInTheDocument();
    await fireEvent.click(screen.getByRole('button', { name: 'Download plan.pdf' }));
    expect(ondownload).toHaveBeenCalledWith('f1');
    expect(await screen.findByText('/home/bo/Downloads')).toBeInTheDocument();
  });

  it('keeps the download folder at the foot of the panel, with files or without', async () => {
    const room = new RoomState({ gen: 1, room: 'T', me: 'Bo', asked: 'Bo', leader: 'Ann', members: ['Ann', 'Bo'], hosting: false, addr: '' });
    render(FilesPanel, { room, ondownload: () => {}, oncancel: () => {} });
    const panel = screen.getByRole('complementary', { name: 'Shared files' });
    const foot = () => {
      const dir = screen.getByRole('group', { name: 'Save downloads to' });
      expect(panel.lastElementChild).toBe(dir);
      expect(getComputedStyle(dir).marginTop).toBe('auto');
    };
    foot();
    room.files = [{ id: 'f1', from: 'Ann', name: 'plan.pdf', size: 2048, sha256: 'x', time: '' }];
    room.applyTransfers([{ id: 't1', name: 'plan.pdf', file: 'f1', direction: 'down', size: 2048, done: 10, state: 'active' }]);
    await screen.findByRole('progressbar');
    foot();
  });
});
