import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import ProblemText from './ProblemText.svelte';

describe('ProblemText', { timeout: 60_000 }, () => {
  it('says why a room name or a nickname cannot be used', () => {
    for (const [code, words, message] of [
      ['bad_room_name', 'That room name cannot be used.', 'the room name is 120 characters long; at most 64 are allowed'],
      ['bad_name', 'That nickname cannot be used.', 'the nickname contains the invisible or control character U+200D'],
    ]) {
      const { unmount } = render(ProblemText, { problem: { code, message } });
      expect(screen.getByText(words)).toBeInTheDocument();
      expect(screen.getByText(message)).toBeInTheDocument();
      unmount();
    }
  });
});
