// backend.ts is the one door from the UI to the Go side. Components import
// from here, never from wailsjs/ directly, so the same UI can later run over
// the loopback WebSocket bridge of `wetalk web`.

import { Version } from '../../wailsjs/go/main/App';

declare global {
  interface Window {
    go?: unknown;
  }
}

/** inWails reports whether the page runs inside the desktop window. */
export function inWails(): boolean {
  return typeof window !== 'undefined' && window.go !== undefined;
}

/** version returns the app version reported by Go, or '' outside the window. */
export async function version(): Promise<string> {
  if (!inWails()) {
    return '';
  }
  return Version();
}
