import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import FileBubble from './FileBubble.svelte';
import type { FileItem } from '../lib/timeline';

const item = (over: Partial<FileItem>): FileItem => ({
  kind: 'file', key: 'f1', id: 'f1', from: 'Bo', name: 'big.iso', size: 1000, time: '2024-05-01T09:00:00Z', mine: false,
  history: false, ...over,
});

describe('FileBubble', { timeout: 60_000 }, () => {
  it('shows a file still uploading with its progress, and downloads it at once', async () => {
    const ondownload = vi.fn();
    const props = { first: true, last: true, isLeader: false, download: undefined, ondownload, onrecall: () => {} };
    const { rerender } = render(FileBubble, { item: item({ uploading: true, received: 500 }), ...props });
    expect(screen.getByText(/uploading 50%/)).toBeInTheDocument();
    await fireEvent.click(screen.getByRole('button', { name: 'Download big.iso' }));
    expect(ondownload).toHaveBeenCalledWith('f1');
    await rerender({ item: item({ uploading: false, received: 1000 }), ...props });
    expect(screen.queryByText(/uploading/)).toBeNull();
    expect(screen.getByRole('button', { name: 'Download big.iso' })).toBeInTheDocument();
  });
});
