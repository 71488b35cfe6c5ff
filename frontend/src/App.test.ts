import { fireEvent, render, screen } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const backend = vi.hoisted(() => ({
  host: vi.fn(),
  join: vi.fn(),
  trustHost: vi.fn(),
}));

vi.mock('./lib/backend', async (importOriginal) => {
  const real = await importOriginal<typeof import('./lib/backend')>();
  return {
    ...real,
    version: async () => 'test',
    onEvent: () => () => {},
    recentRooms: async () => [],
    browseRooms: async () => ({ rooms: [], state: 'ready' }),
    stopBrowsing: async () => {},
    downloadDir: async () => '/home/ann/Downloads',
    muted: async () => false,
    setTitle: () => {},
    host: backend.host,
    join: backend.join,
    trustHost: backend.trustHost,
  };
});

import App from './App.svelte';
import { BackendError } from './lib/backend';

const room = { gen: 1, room: 'Tea', me: 'Ann', asked: 'Ann', leader: 'Ann', members: ['Ann'], hosting: true, addr: '' };

describe('App start screen', { timeout: 60_000 }, () => {
  beforeEach(() => {
    vi.clearAllMocks();
    localStorage.clear();
  });

  it('shows the title, the fields and the Host and Join buttons', () => {
    render(App);
    expect(screen.getByRole('heading', { name: 'WeTalk' })).toBeInTheDocument();
    expect(screen.getByLabelText('Nickname')).toBeInTheDocument();
    expect(screen.getByLabelText('Address or invite')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Host' })).toBeEnabled();
    expect(screen.getByRole('button', { name: 'Join' })).toBeEnabled();
  });

  it('asks for a nickname first', async () => {
    render(App);
    await fireEvent.click(screen.getByRole('button', { name: 'Host' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Choose a nickname');
    expect(backend.host).not.toHaveBeenCalled();
  });

  it('hosts and shows the room', async () => {
    backend.host.mockResolvedValue(room);
    render(App);
    await fireEvent.input(screen.getByLabelText('Nickname'), { target: { value: 'Ann' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Host' }));
    expect(await screen.findByRole('textbox', { name: 'Message' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Send' })).toBeInTheDocument();
    expect(backend.host).toHaveBeenCalledWith(expect.objectContaining({ nickname: 'Ann', port: 7777, noAnnounce: false }));
  });

  it('hosts without announcing when the switch is off', async () => {
    backend.host.mockResolvedValue(room);
    render(App);
    await fireEvent.input(screen.getByLabelText('Nickname'), { target: { value: 'Ann' } });
    const sw = screen.getByRole('checkbox', { name: 'Announce on this network' });
    expect(sw).toBeChecked();
    await fireEvent.click(sw);
    await fireEvent.click(screen.getByRole('button', { name: 'Host' }));
    await screen.findByRole('textbox', { name: 'Message' });
    expect(backend.host).toHaveBeenCalledWith(expect.objectContaining({ noAnnounce: true }));
  });

  it('shows a wrong password clearly', async () => {
    backend.join.mockRejectedValue(new BackendError({ code: 'bad_password', message: 'wrong room password' }));
    render(App);
    await fireEvent.input(screen.getByLabelText('Nickname'), { target: { value: 'Bo' } });
    await fireEvent.input(screen.getByLabelText('Address or invite'), { target: { value: '127.0.0.1:1' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Join' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Wrong room password');
  });

  it('asks to compare an unknown host key, then trusts it', async () => {
    backend.join.mockRejectedValue(
      new BackendError({ code: 'unknown_host', message: 'x', fingerprint: 'ABCD-EFGH', addr: '127.0.0.1:7777' }),
    );
    backend.trustHost.mockResolvedValue({ ...room, hosting: false, me: 'Bo', asked: 'Bo' });
    render(App);
    await fireEvent.input(screen.getByLabelText('Nickname'), { target: { value: 'Bo' } });
    await fireEvent.input(screen.getByLabelText('Address or invite'), { target: { value: '127.0.0.1' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Join' }));
    const dialog = await screen.findByRole('dialog', { name: "Check the host's key" });
    expect(dialog).toHaveTextContent('ABCD-EFGH');
    await fireEvent.click(screen.getByRole('button', { name: 'Trust and join' }));
    expect(backend.trustHost).toHaveBeenCalledWith(expect.objectContaining({ address: '127.0.0.1' }), 'ABCD-EFGH');
    expect(await screen.findByRole('textbox', { name: 'Message' })).toBeInTheDocument();
  });

  it('switches to Simplified Chinese and back', async () => {
    render(App);
    await fireEvent.change(screen.getByRole('combobox', { name: 'Language' }), { target: { value: 'zh' } });
    expect(await screen.findByLabelText('昵称')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: '加入' })).toBeInTheDocument();
    expect(document.documentElement.lang).toBe('zh-CN');
    await fireEvent.change(screen.getByRole('combobox', { name: '语言' }), { target: { value: 'en' } });
    expect(await screen.findByLabelText('Nickname')).toBeInTheDocument();
  });
});
