import { describe, expect, it } from 'vitest';
import {
  completions, firstLine, matches, mentionQuery, mentions, mentionsOf, step, titleWith, typingWords,
} from './conversation';
import { i18n } from './i18n.svelte';

describe('typing text', () => {
  const say = (names: string[]) => {
    const w = typingWords(names);
    return w ? i18n.t(w.words, w.params) : '';
  };
  it('names one, two, or says several', () => {
    i18n.lang = 'en';
    expect(say([])).toBe('');
    expect(say(['Mia'])).toBe('Mia is typing…');
    expect(say(['Mia', 'Zed'])).toBe('Mia and Zed are typing…');
    expect(say(['Mia', 'Zed', 'Ann'])).toBe('Several people are typing…');
    i18n.lang = 'zh';
    expect(say(['小美'])).toBe('小美 正在输入…');
    i18n.lang = 'en';
  });
});

describe('mentions', () => {
  const members = ['Ann', 'Ann#2', 'Mia', '小美'];
  it('finds member names after @, the longest first', () => {
    expect(mentions('hi @Ann#2 and @mia!', members)).toEqual([
      { text: 'hi ' },
      { text: '@Ann#2', mention: 'Ann#2' },
      { text: ' and ' },
      { text: '@mia', mention: 'Mia' },
      { text: '!' },
    ]);
  });
  it('works for Chinese names, also followed by Chinese text', () => {
    expect(mentions('@小美你好', members)).toEqual([{ text: '@小美', mention: '小美' }, { text: '你好' }]);
  });
  it('ignores e-mail addresses, unknown names and longer words', () => {
    expect(mentions('mail ann@Mia.org, @Bob, @Mianne', members).every((s) => !s.mention)).toBe(true);
  });
  it('says whether I am mentioned', () => {
    expect(mentionsOf('thanks @MIA', 'Mia', members)).toBe(true);
    expect(mentionsOf('thanks @Ann#2', 'Ann', members)).toBe(false);
    expect(mentionsOf('thanks Mia', 'Mia', members)).toBe(false);
  });
  it('completes the name being typed after @', () => {
    expect(mentionQuery('hi @Mi', 6)).toEqual({ start: 3, query: 'Mi' });
    expect(mentionQuery('hi @', 4)).toEqual({ start: 3, query: '' });
    expect(mentionQuery('a@b', 3)).toBeNull();
    expect(mentionQuery('@Mi a', 5)).toBeNull();
    expect(completions('an', members, 'Ann')).toEqual(['Ann#2']);
    expect(completions('', members, 'Mia')).toEqual(['Ann', 'Ann#2', '小美']);
  });
});

describe('search', () => {
  const items = [
    { id: '1', text: '我们去喝咖啡吧' },
    { id: '2', text: 'Coffee?' },
    { id: '3', text: '咖啡很好' },
    { id: '4', text: 'ＣＯＦＦＥＥ time' },
  ];
  it('matches Chinese, case and width', () => {
    expect(matches(items, '咖啡')).toEqual(['1', '3']);
    expect(matches(items, 'coffee')).toEqual(['2', '4']);
    expect(matches(items, '  ')).toEqual([]);
  });
  it('steps around', () => {
    expect(step(0, 1, 3)).toBe(1);
    expect(step(2, 1, 3)).toBe(0);
    expect(step(0, -1, 3)).toBe(2);
    expect(step(0, 1, 0)).toBe(-1);
  });
});

describe('small texts', () => {
  it('quotes the first line', () => {
    expect(firstLine('\n  hello\nworld')).toBe('hello');
    expect(firstLine('长'.repeat(100), 5)).toBe('长长长长长…');
  });
  it('prefixes the unread count', () => {
    expect(titleWith(3, 'WeTalk — Tea')).toBe('(3) WeTalk — Tea');
    expect(titleWith(0, 'WeTalk — Tea')).toBe('WeTalk — Tea');
  });
});
