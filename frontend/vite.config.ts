/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';

// The built files land in dist/, which main.go embeds (//go:embed all:frontend/dist).
export default defineConfig(({ mode }) => ({
  // Under Vitest the components' styles are injected into the page, so
  // tests can read sizes the CSS sets (getComputedStyle).
  plugins: [svelte(mode === 'test' ? { compilerOptions: { css: 'injected' } } : {}), svelteTesting()],
  // Relative asset URLs: the same build is served by the Wails asset server
  // and by `wetalk web` on loopback.
  base: './',
  build: {
    outDir: 'dist',
    // dist/ is emptied on each build; public/.gitkeep is copied back into it so
    // the Go embed directive compiles on a fresh clone and git sees no change.
    emptyOutDir: true,
    target: 'es2022',
    // No inline scripts or data: modules: the CSP in index.html forbids them.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    setupFiles: ['src/test-setup.ts'],
    // A busy machine (the suite run twice at once) makes rendering tests
    // slow; they must not fail for it. Heavy tests set their own, longer
    // timeout; nothing asserts a duration.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
}));
