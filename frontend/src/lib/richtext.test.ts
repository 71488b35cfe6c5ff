import { describe, expect, it } from 'vitest';
import { emojiOnly, splitFences } from './richtext';

describe('splitFences', () => {
  it('keeps a code block whole: lines, indentation, blank lines', () => {
    const code = 'func main() {\n\tif x {\n\n        return\n\t}\n}';
    expect(splitFences('look:\n```go\n' + code + '\n```\nnice?')).toEqual([
      { kind: 'text', text: 'look:' },
      { kind: 'code', lang: 'go', code },
      { kind: 'text', text: 'nice?' },
    ]);
  });
  it('closes an unclosed fence at the end, and leaves text without fences alone', () => {
    expect(splitFences('```\na  b\n  c')).toEqual([{ kind: 'code', lang: '', code: 'a  b\n  c' }]);
    expect(splitFences('just `inline` code')).toEqual([{ kind: 'text', text: 'just `inline` code' }]);
    expect(splitFences('```\n```')).toEqual([{ kind: 'code', lang: '', code: '' }]);
  });
  it('does not take ``` inside a line for a fence', () => {
    expect(splitFences('say ```hi``` twice')).toEqual([{ kind: 'text', text: 'say ```hi``` twice' }]);
  });
});

describe('emojiOnly', () => {
  const cases: Array<[string, boolean]> = [
    ['😊', true],
    [' 🍵 ', true],
    ['👍🏽', true],
    ['👨‍👩‍👧‍👦', true],
    ['🇨🇳', true],
    ['😀😁😂', true],
    ['😀 😁 😂', true],
    ['😀😁😂🤣', false],
    ['hi 😊', false],
    ['1', false],
    ['#', false],
    ['', false],
    ['❤️', true],
    ['1️⃣', true],
  ];
  for (const [text, want] of cases) {
    it(`${JSON.stringify(text)} → ${want}`, () => expect(emojiOnly(text)).toBe(want));
  }
});
