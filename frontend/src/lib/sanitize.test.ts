import { describe, expect, it } from 'vitest';
import { misleading, renderMessage } from './sanitize';

function dom(html: string): HTMLElement {
  const div = document.createElement('div');
  div.innerHTML = html;
  return div;
}

describe('renderMessage', () => {
  const xss = [
    '<img src=x onerror=alert(1)>',
    '<script>alert(1)</script>',
    '<svg onload=alert(1)>',
    '<a href="javascript:alert(1)">x</a>',
    '"><iframe src=//evil>',
  ];
  for (const s of xss) {
    it(`shows ${JSON.stringify(s)} as the characters typed`, () => {
      const d = dom(renderMessage(s));
      expect(d.textContent).toBe(s);
      expect(d.querySelector('img, script, svg, iframe, [onerror], [onload]')).toBeNull();
    });
  }

  it('keeps plain text, Chinese and emoji as they are', () => {
    const s = '你好, world 😀 & <3 "quotes"';
    expect(dom(renderMessage(s)).textContent).toBe(s);
  });

  it('renders light markdown', () => {
    const d = dom(renderMessage('**bold** and *it* and `code`'));
    expect(d.querySelector('strong')?.textContent).toBe('bold');
    expect(d.querySelector('em')?.textContent).toBe('it');
    expect(d.querySelector('code')?.textContent).toBe('code');
  });

  it('keeps web links, opened outside with noopener', () => {
    const a = dom(renderMessage('see https://example.org/x?y=1')).querySelector('a');
    expect(a?.getAttribute('href')).toBe('https://example.org/x?y=1');
    expect(a?.getAttribute('rel')).toBe('noopener noreferrer');
  });

  it('drops links that are not web links', () => {
    for (const s of ['[x](javascript:alert(1))', '[x](data:text/html,hi)', '[x](file:///etc/passwd)']) {
      const d = dom(renderMessage(s));
      const a = d.querySelector('a');
      expect(a === null || !a.hasAttribute('href')).toBe(true);
    }
  });

  it('does not fetch images', () => {
    const d = dom(renderMessage('![alt](https://example.org/t.png)'));
    expect(d.querySelector('img')).toBeNull();
  });
});

describe('links whose text is another address', () => {
  const cases: [string, string][] = [
    ['[https://bank.example/login](https://evil.example/phish)', 'https://evil.example/phish'],
    ['[bank.example](https://evil.example/)', 'https://evil.example/'],
    ['[www.bank.example/login](https://evil.example/login)', 'https://evil.example/login'],
    ['[https://bank.example@evil.example](https://evil.example/)', 'https://evil.example/'],
    ['[bank.example/login](https://bank.example/steal)', 'https://bank.example/steal'],
    ['[paypal.com](https://p\u0430ypal.com/)', 'https://xn--pypal-4ve.com/'],
  ];
  for (const [md, real] of cases) {
    it(`shows the real target of ${md}`, () => {
      const a = dom(renderMessage(md)).querySelector('a');
      expect(a?.textContent).toBe(real);
      expect(a?.getAttribute('title')).toBe(real);
    });
  }

  const honest: [string, string][] = [
    ['see https://example.org/x?y=1', 'https://example.org/x?y=1'],
    ['[example.org](https://example.org/docs/start)', 'example.org'],
    ['[www.example.org](https://example.org/)', 'www.example.org'],
    ['[the docs](https://evil.example/)', 'the docs'],
    ['[v1.2 notes](https://example.org/v1.2)', 'v1.2 notes'],
    ['[example.org/docs/](https://example.org/docs)', 'example.org/docs/'],
  ];
  for (const [md, text] of honest) {
    it(`keeps the text of ${md}, with the target as its title`, () => {
      const a = dom(renderMessage(md)).querySelector('a');
      expect(a?.textContent).toBe(text);
      expect(a?.getAttribute('title')).toMatch(/^https:\/\//);
    });
  }

  it('tells which texts read as another address', () => {
    expect(misleading('bank.example', 'https://evil.example/')).toBe(true);
    expect(misleading('bank.example', 'https://bank.example/anything')).toBe(false);
    expect(misleading('click here', 'https://evil.example/')).toBe(false);
  });
});
