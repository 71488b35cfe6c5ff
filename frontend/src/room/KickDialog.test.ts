import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import KickDialog from './KickDialog.svelte';
import { RoomState } from '../lib/room.svelte';

describe('KickDialog', { timeout: 60_000 }, () => {
  it('lists the other members and kicks the one picked, with reason and ban', async () => {
    const room = new RoomState({ gen: 1, room: 'Tea', me: 'Ann', asked: 'Ann', leader: 'Ann', members: ['Ann', 'Bo', 'Cy'], hosting: true, addr: '' });
    const onkick = vi.fn();
    const onclose = vi.fn();
    render(KickDialog, { room, onkick, onclose });
    const dialog = screen.getByRole('dialog', { name: 'Remove a member' });
    expect(dialog).toBeInTheDocument();
    expect(screen.queryByRole('radio', { name: 'Ann' })).toBeNull();
    const kick = screen.getByRole('button', { name: 'Kick' });
    expect(kick).toBeDisabled();
    await fireEvent.click(screen.getByRole('radio', { name: 'Cy' }));
    await fireEvent.input(screen.getByLabelText('Reason'), { target: { value: ' spam ' } });
    await fireEvent.click(screen.getByRole('checkbox', { name: 'Also ban them from rejoining' }));
    await fireEvent.click(kick);
    expect(onkick).toHaveBeenCalledWith('Cy', 'spam', true);
    expect(onclose).toHaveBeenCalled();
  });

  it('picks a member by a click on the name, with a box of at least 20 px', async () => {
    const room = new RoomState({ gen: 1, room: 'Tea', me: 'Ann', asked: 'Ann', leader: 'Ann', members: ['Ann', 'Bo', 'Cy'], hosting: true, addr: '' });
    const onkick = vi.fn();
    render(KickDialog, { room, onkick, onclose: () => {} });
    const bo = screen.getByRole('radio', { name: 'Bo' }) as HTMLInputElement;
    await fireEvent.click(screen.getByText('Bo'));
    expect(bo.checked).toBe(true);
    for (const r of screen.getAllByRole('radio')) {
      const st = getComputedStyle(r);
      expect(parseFloat(st.width) * (st.width.endsWith('rem') ? 16 : 1)).toBeGreaterThanOrEqual(20);
      expect(parseFloat(st.height) * (st.height.endsWith('rem') ? 16 : 1)).toBeGreaterThanOrEqual(20);
    }
    await fireEvent.click(screen.getByRole('button', { name: 'Kick' }));
    expect(onkick).toHaveBeenCalledWith('Bo', '', false);
  });

  it('closes on Escape', async () => {
    const room = new RoomState({ gen: 1, room: 'Tea', me: 'Ann', asked: 'Ann', leader: 'Ann', members: ['Ann'], hosting: true, addr: '' });
    const onclose = vi.fn();
    render(KickDialog, { room, onkick: () => {}, onclose });
    expect(screen.getByText('Nobody else is here.')).toBeInTheDocument();
    await fireEvent.keyDown(screen.getByRole('dialog'), { key: 'Escape' });
    expect(onclose).toHaveBeenCalled();
  });
});
