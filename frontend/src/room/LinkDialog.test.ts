import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import MessageBubble from './MessageBubble.svelte';
import LinkDialog from './LinkDialog.svelte';
import * as backend from '../lib/backend';
import type { MessageItem } from '../lib/timeline';

function item(text: string): MessageItem {
  return { kind: 'message', key: 'm1', id: 'm1', from: 'Bo', text, time: '2024-05-01T09:00:00Z', mine: false, history: false };
}

describe('opening a link', { timeout: 60_000 }, () => {
  it('shows the real address first, and opens it only when asked', async () => {
    const open = vi.spyOn(backend, 'openURL').mockImplementation(() => {});
    render(MessageBubble, { item: item('[https://bank.example/login](https://evil.example/phish)'), first: true, last: true, isLeader: false, onrecall: () => {} });
    const link = screen.getByRole('link');
    expect(link.textContent).toBe('https://evil.example/phish');
    await fireEvent.click(link);
    expect(open).not.toHaveBeenCalled();
    const dialog = screen.getByRole('dialog', { name: 'Open this link?' });
    expect(screen.getByTestId('link-address').textContent).toBe('https://evil.example/phish');
    expect(dialog.querySelector('strong')?.textContent).toBe('evil.example');
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(open).not.toHaveBeenCalled();

    await fireEvent.click(link);
    await fireEvent.click(screen.getByRole('button', { name: 'Open link' }));
    expect(open).toHaveBeenCalledWith('https://evil.example/phish');
    expect(screen.queryByRole('dialog')).toBeNull();
    open.mockRestore();
  });

  it('asks for a middle click too, and not for a right click', async () => {
    const open = vi.spyOn(backend, 'openURL').mockImplementation(() => {});
    render(MessageBubble, { item: item('see https://example.org/x'), first: true, last: true, isLeader: false, onrecall: () => {} });
    const link = screen.getByRole('link');
    await fireEvent(link, new MouseEvent('auxclick', { bubbles: true, cancelable: true, button: 2 }));
    expect(screen.queryByRole('dialog')).toBeNull();
    const middle = new MouseEvent('auxclick', { bubbles: true, cancelable: true, button: 1 });
    await fireEvent(link, middle);
    expect(middle.defaultPrevented).toBe(true);
    expect(screen.getByTestId('link-address').textContent).toBe('https://example.org/x');
    expect(open).not.toHaveBeenCalled();
    open.mockRestore();
  });

  it('shows a look-alike domain in its ASCII form', () => {
    render(LinkDialog, { href: 'https://p\u0430ypal.com/login', onopen: () => {}, onclose: () => {} });
    expect(screen.getByTestId('link-address').textContent).toBe('https://xn--pypal-4ve.com/login');
  });
});
