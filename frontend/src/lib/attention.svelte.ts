// attention.svelte.ts tells the user about messages that arrive while the
// window or tab is not in front: the unread count in the title, and a
// desktop notification for a mention of me or a private message to me
// (unless muted; the mute switch is remembered by Go across runs).

import * as backend from './backend';
import { mentionsOf, titleWith } from './conversation';
import { i18n } from './i18n.svelte';
import type { RoomState } from './room.svelte';
import type { MessageItem } from './timeline';

/** Attention follows one room while it is on screen. */
export class Attention {
  unread = $state(0);
  muted = $state(false);
  private readonly room: RoomState;
  private readonly offs: (() => void)[] = [];

  constructor(room: RoomState) {
    this.room = room;
    room.incoming = (m) => this.arrived(m);
    if (typeof window !== 'undefined') {
      const seen = () => this.seen();
      window.addEventListener('focus', seen);
      document.addEventListener('visibilitychange', seen);
      this.offs.push(
        () => window.removeEventListener('focus', seen),
        () => document.removeEventListener('visibilitychange', seen),
      );
    }
    backend.muted().then(
      (m) => (this.muted = m),
      () => {},
    );
  }

  /** title is the window title for the room, with the unread count. */
  get title(): string {
    return titleWith(this.unread, 'WeTalk — ' + this.room.room);
  }

  /** away says whether the user is not looking at the room. */
  private away(): boolean {
    if (typeof document === 'undefined') return false;
    return document.visibilityState === 'hidden' || !document.hasFocus();
  }

  private arrived(m: MessageItem): void {
    if (!this.away()) return;
    this.unread++;
    backend.setTitle(this.title);
    if (this.muted) return;
    const forMe = m.to === this.room.me;
    if (forMe || mentionsOf(m.text, this.room.me, this.room.members)) {
      const words = forMe ? 'notifyPrivate' : 'notifyMention';
      notify(i18n.t(words, { name: m.from, room: this.room.room }), `${m.from}: ${m.text}`);
    }
  }

  /** seen clears the count once the room is in front again. */
  private seen(): void {
    if (this.away() || this.unread === 0) return;
    this.unread = 0;
    backend.setTitle(this.title);
  }

  /** setMuted turns notifications off or on, and remembers it. */
  async setMuted(m: boolean): Promise<void> {
    this.muted = m;
    if (!m) askPermission();
    this.muted = await backend.setMuted(m);
  }

  dispose(): void {
    this.offs.forEach((off) => off());
    this.room.incoming = null;
  }
}

/** askPermission asks once to show notifications, where the page may. */
export function askPermission(): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'default') return;
  void Promise.resolve(Notification.requestPermission()).catch(() => {});
}

/** notify shows a desktop notification, where allowed: the browser's, or
 * the desktop window's web view's. */
function notify(title: string, body: string): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  try {
    new Notification(title, { body, tag: 'wetalk' });
  } catch {
    // some web views refuse the constructor; the title still counts
  }
}
