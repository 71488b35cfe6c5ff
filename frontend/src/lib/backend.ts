// backend.ts is the one door from the UI to the Go side, and the one module
// that knows whether it talks to the desktop window's Wails bindings or to
// the loopback WebSocket bridge of `wetalk web`. Components import from
// here, never from wailsjs/ directly.

import * as App from '../../wailsjs/go/main/App';
import * as Session from '../../wailsjs/go/session/Session';
import { BrowserOpenURL, ClipboardSetText, EventsOn, WindowSetTitle } from '../../wailsjs/runtime/runtime';
import type { Discovery, Failure, HostRequest, Invite, JoinRequest, Recent, Room, Transfer } from './types';

declare global {
  interface Window {
    go?: unknown;
  }
}

/** BackendError is a refusal from Go, with a code the UI can translate. */
export class BackendError extends Error {
  readonly failure: Failure;
  constructor(f: Failure) {
    super(f.message || f.code);
    this.name = 'BackendError';
    this.failure = f;
  }
  get code(): string {
    return this.failure.code;
  }
}

/** inWails reports whether the page runs inside the desktop window. */
export function inWails(): boolean {
  return typeof window !== 'undefined' && window.go !== undefined;
}

/** toFailure turns whatever a call rejected with into a Failure. */
export function toFailure(e: unknown): Failure {
  if (e instanceof BackendError) return e.failure;
  if (typeof e === 'object' && e !== null && typeof (e as Failure).code === 'string' && !(e instanceof Error)) {
    return e as Failure; // the window's ErrorFormatter hands over a session.Failure
  }
  const text = typeof e === 'string' ? e : e instanceof Error ? e.message : String(e);
  if (text.startsWith('{')) {
    try {
      const f = JSON.parse(text) as Failure;
      if (typeof f.code === 'string') return f;
    } catch {
      // not one of ours
    }
  }
  return { code: 'internal', message: text };
}

type Listener = (data: unknown) => void;

/** takeToken returns the `wetalk web` token from the page's address and
 * takes it out of the address bar and the tab's history: the page's response
 * has set the cookie that stands for it, and the address may be seen, shared
 * or synced. */
function takeToken(): string {
  const here = new URL(window.location.href);
  const token = here.searchParams.get('token') ?? '';
  if (token !== '') {
    here.searchParams.delete('token');
    history.replaceState(history.state, '', here.pathname + here.search + here.hash);
  }
  return token;
}

/** Bridge speaks the `wetalk web` WebSocket protocol (see backend/web). */
class Bridge {
  /** token is sent with each connection too, for a browser that keeps no
   * cookie. */
  private readonly token = takeToken();
  private opened: Promise<WebSocket> | null = null;
  private next = 0;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private listeners = new Map<string, Set<Listener>>();

  private connect(): Promise<WebSocket> {
    if (this.opened) return this.opened;
    const url = new URL('bridge', window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.search = '?token=' + encodeURIComponent(this.token);
    this.opened = new Promise((resolve, reject) => {
      const ws = new WebSocket(url.toString());
      ws.onopen = () => resolve(ws);
      ws.onerror = () => reject(new BackendError({ code: 'bridge_closed', message: 'cannot reach wetalk web' }));
      ws.onmessage = (m) => this.receive(String(m.data));
      ws.onclose = () => {
        this.opened = null;
        for (const p of this.pending.values()) {
          p.reject(new BackendError({ code: 'bridge_closed', message: 'the connection to wetalk web closed' }));
        }
        this.pending.clear();
        this.dispatch('bridge:closed', null);
      };
    });
    return this.opened;
  }

  private receive(text: string) {
    const msg = JSON.parse(text) as { id?: number; result?: unknown; error?: Failure; event?: string; data?: unknown };
    if (msg.event) {
      this.dispatch(msg.event, msg.data);
      return;
    }
    const p = this.pending.get(msg.id ?? -1);
    if (!p) return;
    this.pending.delete(msg.id ?? -1);
    if (msg.error) p.reject(new BackendError(msg.error));
    else p.resolve(msg.result);
  }

  private dispatch(name: string, data: unknown) {
    for (const l of this.listeners.get(name) ?? []) l(data);
  }

  async call<T>(method: string, ...args: unknown[]): Promise<T> {
    const ws = await this.connect();
    const id = ++this.next;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      ws.send(JSON.stringify({ id, method, args }));
    });
  }

  /**
   * share sends blob to Go as a file (or image) to share: ShareStream
   * opens a stream, then the bytes go as the body of one POST to
   * /stream/<id>, which the upload reads as it sends (backend/web
   * stream.go): the browser streams them from the file itself. It resolves
   * with the transfer once every byte is handed over, or quietly when Go
   * ended the stream first (the transfer was cancelled or failed: its state
   * says which).
   *
   * The POST is an XMLHttpRequest, not fetch(): Chromium sends a File given
   * to XMLHttpRequest.send faster than the same File as a fetch() body
   * (116-169 against 94-108 MB/s on the 2-core test machine, to a server
   * that only counts bytes: scripts/chromium-post.mjs; docs/performance.md,
   * "Uploads from the UI").
   */
  async share(blob: Blob, name: string, image: boolean): Promise<Transfer> {
    const o = await this.call<{ transfer: Transfer; stream: string }>('ShareStream', name, blob.size, image);
    if (blob.size === 0) return o.transfer; // nothing to read: the upload needs no POST
    const url = new URL('stream/' + o.stream, window.location.href);
    url.search = '?token=' + encodeURIComponent(this.token);
    const res = await new Promise<{ status: number; text: string } | null>((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', url);
      xhr.setRequestHeader('Content-Type', 'application/octet-stream');
      xhr.onload = () => resolve({ status: xhr.status, text: xhr.responseText });
      xhr.onerror = xhr.onabort = xhr.ontimeout = () => resolve(null);
      xhr.send(blob);
    });
    if (!res) throw new BackendError({ code: 'bridge_closed', message: 'cannot reach wetalk web' });
    if ((res.status >= 200 && res.status < 300) || res.status === 409) return o.transfer; // 409: ended first, as its transfer says
    throw new BackendError({ code: 'internal', message: res.text || `the file was refused (${res.status})` });
  }

  on(name: string, l: Listener): () => void {
    void this.connect().catch(() => {});
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(l);
    return () => set.delete(l);
  }
}

let bridge: Bridge | null = null;
function theBridge(): Bridge {
  return (bridge ??= new Bridge());
}

/**
 * call runs a method of the Go session (backend/session Session), in the
 * window through its Wails binding, in a browser over the bridge, which
 * dispatches to the same methods by name. A method added there is listed
 * once below (a Go test checks that every one is).
 */
async function call<T>(method: keyof typeof Session, ...args: unknown[]): Promise<T> {
  try {
    if (inWails()) {
      const fn = Session[method] as (...a: unknown[]) => Promise<T>;
      return await fn(...args);
    }
    return await theBridge().call<T>(method, ...args);
  } catch (e) {
    throw new BackendError(toFailure(e));
  }
}

/** windowCall runs a method only the desktop window has (main App: native dialogs). */
async function windowCall<T>(method: keyof typeof App, ...args: unknown[]): Promise<T> {
  try {
    const fn = App[method] as (...a: unknown[]) => Promise<T>;
    return await fn(...args);
  } catch (e) {
    throw new BackendError(toFailure(e));
  }
}

/**
 * inOrder runs commands whose order matters (messages, kicks, ...) one
 * after another: Go runs each call in its own goroutine, so two calls in
 * flight at once may reach the room in either order.
 */
let queue: Promise<unknown> = Promise.resolve();
function inOrder<T>(run: () => Promise<T>): Promise<T> {
  const p = queue.then(run, run);
  queue = p.catch(() => {});
  return p;
}

/** onEvent subscribes to a Go event (room:events, room:closed, ...). */
export function onEvent(name: string, listener: (data: unknown) => void): () => void {
  if (inWails()) return EventsOn(name, listener);
  if (typeof WebSocket === 'undefined') return () => {};
  return theBridge().on(name, listener);
}

/** version returns the app version reported by Go, or '' if unknown. */
export async function version(): Promise<string> {
  if (!inWails() && typeof WebSocket === 'undefined') return '';
  return call<string>('Version');
}

export const host = (req: HostRequest) => call<Room>('Host', req);
export const join = (req: JoinRequest) => call<Room>('Join', req);
export const trustHost = (req: JoinRequest, fingerprint: string) => call<Room>('TrustHost', req, fingerprint);
/** cancelJoin cancels a host, join or trustHost under way: it rejects with code 'cancelled'. */
export const cancelJoin = () => call<void>('CancelJoin');
export const leave = () => call<void>('Leave');
export const send = (text: string) => inOrder(() => call<string>('Send', text));
export const dm = (to: string, text: string) => inOrder(() => call<string>('DM', to, text));
export const recall = (id: string) => inOrder(() => call<string>('Recall', id));
/** reply sends text answering the message replyTo ('' for none), to the room (to '') or privately. */
export const reply = (to: string, text: string, replyTo: string) =>
  inOrder(() => call<string>('Reply', to, text, replyTo));
/** typing says I am typing, to the room (to '') or privately to one member. */
export const typing = (to: string) => call<boolean>('Typing', to);
/** muted says whether notifications are off; setMuted remembers the choice across runs. */
export const muted = () => call<boolean>('Muted');
export const setMuted = (m: boolean) => call<boolean>('SetMuted', m);
export const kick = (name: string, reason: string, ban: boolean) => inOrder(() => call<string>('Kick', name, reason, ban));
export const unban = (name: string) => inOrder(() => call<string>('Unban', name));
export const handover = (name: string) => inOrder(() => call<string>('Handover', name));
export const invite = () => call<Invite>('Invite');
export const recentRooms = () => call<Recent[] | null>('RecentRooms');
/** browseRooms starts listening for rooms on the local network and resolves
 * with those heard so far; changes follow as lan:rooms events until
 * stopBrowsing. */
export const browseRooms = () => call<Discovery>('BrowseRooms');
export const stopBrowsing = () => call<void>('StopBrowsing');

export const cancelTransfer = (id: string) => call<void>('CancelTransfer', id);
export const download = (fileID: string) => call<Transfer>('Download', fileID);
export const downloadDir = () => call<string>('DownloadDir');
export const setDownloadDir = (dir: string) => call<string>('SetDownloadDir', dir);
/** fetchImage fetches a shared image and resolves with the URL to show it from. */
export const fetchImage = (fileID: string) => call<string>('FetchImage', fileID);

/** canPickNatively says whether the system's own file and folder dialogs
 * (which give paths) are available: in the desktop window only. */
export const canPickNatively = () => inWails();
/** shareFromDialog lets the user pick files in the system dialog and shares them (window only). */
export const shareFromDialog = () => windowCall<Transfer[] | null>('ShareFromDialog');
/** chooseDownloadDir lets the user pick the download folder (window only). */
export const chooseDownloadDir = () => windowCall<string>('ChooseDownloadDir');

/**
 * notify shows a desktop notification about a message from sender: in the
 * window a native one through Go (App.Notify, which also coalesces a flood:
 * at most one per sender every few seconds), in a browser the web
 * Notification API's, once the page may. It resolves with whether a
 * notification was shown, and never rejects.
 */
export async function notify(sender: string, title: string, body: string): Promise<boolean> {
  if (inWails()) {
    try {
      await windowCall<void>('Notify', sender, title, body);
      return true;
    } catch {
      return false; // coalesced, or no notification service: the title still counts
    }
  }
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return false;
  try {
    new Notification(title, { body, tag: 'wetalk' });
    return true;
  } catch {
    return false; // some browsers refuse the constructor
  }
}

/** askNotifyPermission asks once to show notifications, where the page must
 * (a browser); the window's native notifications need no permission. */
export function askNotifyPermission(): void {
  if (inWails() || typeof Notification === 'undefined' || Notification.permission !== 'default') return;
  void Promise.resolve(Notification.requestPermission()).catch(() => {});
}

/** base64Of returns blob's bytes in base64. */
function base64Of(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => {
      const url = String(r.result);
      resolve(url.slice(url.indexOf(',') + 1));
    };
    r.onerror = () => reject(r.error ?? new Error('cannot read the file'));
    r.readAsDataURL(blob);
  });
}

/**
 * shareBlob shares a file (or, with image, an image) the page holds: a
 * dropped, pasted or picked File. In a browser its bytes stream to Go (a
 * POST beside the bridge) as they are uploaded; it resolves with the transfer once every
 * byte is handed over. In the window, where dropped and picked files go by
 * path (Go hears the drop itself), only what is pasted comes here, and goes
 * in one call (SharePasted: at most an image's size). Progress and the end
 * come as transfer:progress events.
 */
export async function shareBlob(blob: Blob, name: string, image: boolean): Promise<Transfer> {
  if (inWails()) return call<Transfer>('SharePasted', name, await base64Of(blob), image);
  try {
    return await theBridge().share(blob, name, image);
  } catch (e) {
    throw new BackendError(toFailure(e));
  }
}

/** sharesDropsByPath says whether files dropped on the page are shared by
 * Go, from their paths (the window), rather than from the page's drop
 * event (a browser). */
export const sharesDropsByPath = () => inWails();

/** openURL opens an http(s) link outside the app: the system browser in the
 * window, a new unrelated tab in a browser. */
export function openURL(href: string): void {
  let u: URL;
  try {
    u = new URL(href);
  } catch {
    return;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return;
  if (inWails()) BrowserOpenURL(u.toString());
  else window.open(u.toString(), '_blank', 'noopener,noreferrer');
}

/** copyText puts text on the clipboard; false if it could not. */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (inWails()) return await ClipboardSetText(text);
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/** setTitle sets the tab's title, and the desktop window's. */
export function setTitle(title: string): void {
  document.title = title;
  if (inWails()) WindowSetTitle(title);
}
