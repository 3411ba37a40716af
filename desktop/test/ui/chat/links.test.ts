import { describe, expect, it } from 'vitest';
import { linkUrl, splitLinks } from '../../../src/renderer/app/chat/links.js';

describe('splitLinks', () => {
  it('keeps plain text as one text segment', () => {
    expect(splitLinks('just words <b>not html</b>')).toEqual([{ kind: 'text', text: 'just words <b>not html</b>' }]);
  });

  it('finds http(s) and www links and leaves trailing punctuation out', () => {
    expect(splitLinks('see https://example.com/a?b=1, and www.parley.test.')).toEqual([
      { kind: 'text', text: 'see ' },
      {
        kind: 'link',
        text: 'https://example.com/a?b=1',
        url: 'https://example.com/a?b=1',
        host: 'example.com',
        showHost: false,
      },
      { kind: 'text', text: ', and ' },
      {
        kind: 'link',
        text: 'www.parley.test',
        url: 'https://www.parley.test/',
        host: 'www.parley.test',
        showHost: false,
      },
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
        host: 'en.wikipedia.org',
        showHost: false,
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

  it('gives every link its real host, in punycode, and shows it when the text spells another', () => {
    // A Cyrillic "а" in "аpple": the browser goes to xn--pple-43d.com, not apple.com.
    expect(splitLinks('log in at https://\u0430pple.com/login')).toEqual([
      { kind: 'text', text: 'log in at ' },
      {
        kind: 'link',
        text: 'https://\u0430pple.com/login',
        url: 'https://xn--pple-43d.com/login',
        host: 'xn--pple-43d.com',
        showHost: true,
      },
    ]);
    const shown = (text: string) => splitLinks(text).flatMap((s) => (s.kind === 'link' ? [[s.host, s.showHost]] : []));
    // A fullwidth dot, percent-encoding, a backslash: each text names another host than the one it reaches.
    expect(shown('https://example\uFF0Ecom/')).toEqual([['example.com', true]]);
    expect(shown('https://exa%6Dple.com/')).toEqual([['example.com', true]]);
    expect(shown('https://evil.example\\good.example/')).toEqual([['evil.example', false]]);
    // Case, a port and www. spell the same host: nothing more to show.
    expect(shown('HTTPS://Example.COM:8443/x www.Parley.test')).toEqual([
      ['example.com', false],
      ['www.parley.test', false],
    ]);
  });

  it('keeps links with credentials as text: they would go somewhere other than they seem', () => {
    for (const text of [
      'https://user@example.com/',
      'https://user:secret@example.com/a',
      'https://bank.example@evil.example/login',
      'www.bank.example@evil.example',
    ]) {
      expect(splitLinks(`open ${text} now`)).toEqual([{ kind: 'text', text: `open ${text} now` }]);
      expect(linkUrl(text)).toBeNull();
    }
  });

  it('ends a link at a bidi mark, which would only be percent-encoded into the URL', () => {
    expect(splitLinks('https://example.com/a\u200Fb')).toEqual([
      {
        kind: 'link',
        text: 'https://example.com/a',
        url: 'https://example.com/a',
        host: 'example.com',
        showHost: false,
      },
      { kind: 'text', text: '\u200Fb' },
    ]);
  });
});
