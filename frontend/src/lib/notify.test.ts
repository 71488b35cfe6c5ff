import { afterEach, describe, expect, it, vi } from 'vitest';
import { askNotifyPermission, notify } from './backend';

// notify is the door's one way to a desktop notification: the window's
// native App.Notify when the page runs in Wails, the web Notification API
// in a browser.

type Win = { go?: unknown; Notification?: unknown };

afterEach(() => {
  delete (window as Win).go;
  vi.unstubAllGlobals();
});

function stubWebNotification(permission: string) {
  const made: { title: string; body: string }[] = [];
  const requested = vi.fn(() => Promise.resolve('granted'));
  class Stub {
    static permission = permission;
    static requestPermission = requested;
    constructor(title: string, opts: { body: string }) {
      made.push({ title, body: opts.body });
    }
  }
  vi.stubGlobal('Notification', Stub);
  return { made, requested };
}

describe('notify', () => {
  it('in the window, calls the native App.Notify and not the web API', async () => {
    const web = stubWebNotification('granted');
    const native = vi.fn(() => Promise.resolve());
    (window as Win).go = { main: { App: { Notify: native } } };
    expect(await notify('Mia', 'Mia mentioned you in Tea', 'Mia: hi @Ann')).toBe(true);
    expect(native).toHaveBeenCalledWith('Mia', 'Mia mentioned you in Tea', 'Mia: hi @Ann');
    expect(web.made).toEqual([]);
    askNotifyPermission();
    expect(web.requested).not.toHaveBeenCalled();
  });

  it('in the window, a coalesced or failed notification resolves false', async () => {
    const native = vi.fn(() => Promise.reject('notice: coalesced with a recent notification'));
    (window as Win).go = { main: { App: { Notify: native } } };
    expect(await notify('Mia', 't', 'b')).toBe(false);
    expect(native).toHaveBeenCalledOnce();
  });

  it('in a browser, uses the web Notification API once permitted', async () => {
    const web = stubWebNotification('granted');
    expect(await notify('Mia', 'Mia wrote to you privately in Tea', 'Mia: psst')).toBe(true);
    expect(web.made).toEqual([{ title: 'Mia wrote to you privately in Tea', body: 'Mia: psst' }]);
  });

  it('in a browser, shows nothing without permission, and asks for it', async () => {
    const web = stubWebNotification('default');
    expect(await notify('Mia', 't', 'b')).toBe(false);
    expect(web.made).toEqual([]);
    askNotifyPermission();
    expect(web.requested).toHaveBeenCalledOnce();
  });
});
