import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import App from './App.svelte';

describe('App start screen', () => {
  it('shows the title, a nickname field and the Host and Join buttons', () => {
    render(App);
    expect(screen.getByRole('heading', { name: 'WeTalk' })).toBeInTheDocument();
    expect(screen.getByLabelText('Nickname')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Host' })).toBeEnabled();
    expect(screen.getByRole('button', { name: 'Join' })).toBeEnabled();
  });
});
