import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import ProgressBar from './ProgressBar.svelte';

describe('ProgressBar', { timeout: 60_000 }, () => {
  it('says how far, and scales its fill instead of resizing it', () => {
    render(ProgressBar, { label: 'a.bin: 25%', pct: 25 });
    const bar = screen.getByRole('progressbar', { name: 'a.bin: 25%' });
    expect(bar).toHaveAttribute('aria-valuenow', '25');
    expect(bar).toHaveAttribute('aria-valuetext', 'a.bin: 25%');
    // A new width would lay the page out again at every progress batch.
    const fill = bar.firstElementChild as HTMLElement;
    expect(fill.style.transform).toBe('scaleX(0.25)');
    expect(fill.style.width).toBe('');
  });
});
