import '@testing-library/jest-dom/vitest';

// jsdom lays nothing out and has no ResizeObserver; Svelte's
// bind:clientHeight and the message list's row measuring use it.
if (typeof globalThis.ResizeObserver === 'undefined') {
  globalThis.ResizeObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
}
