import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Discovery } from '../lib/types';

const lan = vi.hoisted(() => ({
  listeners: new Map<string, (d: unknown) => void>(),
  browseRooms: vi.fn(),
  stopBrowsing: vi.fn(async () => {}),
}));

vi.mock('../lib/backend', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../lib/backend')>()),
  onEvent: (name: string, l: (d: unknown) => void) => {
    lan.listeners.set(name, l);
    return () => lan.listeners.delete(name);
  },
  browseRooms: lan.browseRooms,
  stopBrowsing: lan.stopBrowsing,
}));

import LanRooms from './LanRooms.svelte';

const kitchen = {
  name: 'Kitchen', addr: '198.18.0.1:7777', fingerprint: 'abcdefghijklmnopqrstuvwxya', password: true, members: 3,
  invite: 'wetalk://198.18.0.1:7777/#abcdefghijklmnopqrstuvwxya',
};

function heard(d: Discovery) {
  lan.listeners.get('lan:rooms')?.(d);
}

describe('LanRooms', () => {
  beforeEach(() => {
    vi.clearAllMocks();
    lan.listeners.clear();
  });

  it('lists the rooms heard, live, and picking one hands over its invite', async () => {
    lan.browseRooms.mockResolvedValue({ rooms: [], state: 'searching' });
    const onpick = vi.fn();
    const { unmount } = render(LanRooms, { onpick });
    expect(await screen.findByText('Looking for rooms…')).toBeInTheDocument();
    heard({ rooms: [kitchen], state: 'ready' });
    const list = await screen.findByRole('list', { name: 'Rooms on this network' });
    expect(within(list).getByText(/3 in the room/)).toBeInTheDocument();
    expect(within(list).getByText(/needs a password/)).toBeInTheDocument();
    await fireEvent.click(within(list).getByRole('button', { name: 'Kitchen' }));
    expect(onpick).toHaveBeenCalledWith(kitchen);
    heard({ rooms: [{ ...kitchen, members: 4 }], state: 'ready' });
    expect(await within(list).findByText(/4 in the room/)).toBeInTheDocument();
    unmount();
    expect(lan.stopBrowsing).toHaveBeenCalled();
  });

  it('says quietly that no room was found when multicast is unavailable', async () => {
    lan.browseRooms.mockResolvedValue({ rooms: [], state: 'unavailable' });
    render(LanRooms, { onpick: () => {} });
    expect(await screen.findByText('No rooms found on this network')).toBeInTheDocument();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('says no room was found when browsing fails', async () => {
    lan.browseRooms.mockRejectedValue(new Error('bridge closed'));
    render(LanRooms, { onpick: () => {} });
    expect(await screen.findByText('No rooms found on this network')).toBeInTheDocument();
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
