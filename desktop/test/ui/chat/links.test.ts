import { describe, expect, it } from 'vitest';
import { linkUrl, splitLinks } from '../../../src/renderer/app/chat/links.js';

describe('splitLinks', () => {
  it('keeps plain text as one text segment', () => {
    expect(splitLinks('just words <b>not html</b>')).toEqual([{ kind: 'text', text: 'just words <b>not html</b>' }]);
  });

  it('finds http(s) and www links and leaves trailing punctuation out', () => {
    expect(splitLinks('see https://example.com/a?b=1, and www.parley.test.')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://example.com/a?b=1', url: 'https://example.com/a?b=1' },
      { kind: 'text', text: ', and ' },
      { kind: 'link', text: 'www.parley.test', url: 'https://www.parley.test/' },
      { kind: 'text', text: '.' },
    ]);
  });

  it('keeps balanced brackets inside a link and drops an unbalanced closing one', () => {
    expect(splitLinks('(https://en.wikipedia.org/wiki/Foo_(bar))')).toEqual([
      { kind: 'text', text: '(' },
      {
        kind: 'link',
        text: 'https://en.wikipedia.org/wiki/Foo_(bar)',
        url: 'https://en.wikipedia.org/wiki/Foo_(bar)',
      },
      { kind: 'text', text: ')' },
    ]);
  });

  it('never links other schemes', () => {
    expect(splitLinks('javascript:alert(1) file:///etc/passwd')).toEqual([
      { kind: 'text', text: 'javascript:alert(1) file:///etc/passwd' },
    ]);
    expect(linkUrl('javascript:alert(1)')).toBeNull();
    expect(linkUrl('http://')).toBeNull();
  });
});
