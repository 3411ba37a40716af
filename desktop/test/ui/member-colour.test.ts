import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { avatarHue } from '../../src/renderer/app/state/avatar.js';
import { MEMBER_PALETTE_SIZE, memberColour, memberColourIndex } from '../../src/renderer/app/state/member-colour.js';

const THEME = readFileSync(join(import.meta.dirname, '../../src/renderer/app/styles/theme.css'), 'utf8');

/** The custom properties of one theme block of theme.css. */
function tokens(selector: string): Map<string, string> {
  const start = THEME.indexOf(`${selector} {`);
  const block = THEME.slice(start, THEME.indexOf('}', start));
  return new Map([...block.matchAll(/(--[\w-]+):\s*(#[0-9a-f]{6});/gi)].map((m) => [m[1] ?? '', m[2] ?? '']));
}

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((at) => {
    const c = Number.parseInt(hex.slice(at, at + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (high + 0.05) / (low + 0.05);
}

describe('member colours', () => {
  const ids = Array.from({ length: 400 }, (_, index) => `account${index}xyz`);

  it('gives a member the same palette entry every time, derived from the id alone', () => {
    for (const id of ids) {
      expect(memberColourIndex(id)).toBe(memberColourIndex(`${id}`));
      expect(memberColour(id)).toBe(`var(--color-member-${memberColourIndex(id)})`);
    }
    // FNV-1a of "a" is 0xe40c292c: the palette entry is that modulo 8, the avatar hue modulo 360.
    expect(memberColourIndex('a')).toBe(0xe40c292c % 8);
    expect(avatarHue('a')).toBe(0xe40c292c % 360);
  });

  it('spreads members over the whole palette', () => {
    const used = new Set(ids.map(memberColourIndex));
    expect([...used].sort()).toEqual(Array.from({ length: MEMBER_PALETTE_SIZE }, (_, index) => index));
  });

  it.each([
    [':root', 'light'],
    [":root[data-theme='dark']", 'dark'],
  ])('every palette colour meets AA on the backgrounds of the %s theme', (selector) => {
    const theme = tokens(selector.replace(/'/g, '"'));
    for (let index = 0; index < MEMBER_PALETTE_SIZE; index++) {
      const colour = theme.get(`--color-member-${index}`);
      expect(colour, `--color-member-${index}`).toBeDefined();
      for (const background of ['--color-bg', '--color-surface', '--color-surface-2']) {
        expect(contrast(colour ?? '', theme.get(background) ?? ''), `${index} on ${background}`).toBeGreaterThanOrEqual(
          4.5,
        );
      }
    }
  });
});
