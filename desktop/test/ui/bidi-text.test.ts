import { describe, expect, it } from 'vitest';
import { withoutBidiControls } from '../../src/renderer/app/common/bidi-text.js';

describe('withoutBidiControls', () => {
  it('removes every embedding, override and isolate', () => {
    const controls = ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069'];
    expect(withoutBidiControls(`invoice\u202Egnp.exe`)).toBe('invoicegnp.exe');
    expect(withoutBidiControls(controls.join('a'))).toBe('a'.repeat(controls.length - 1));
  });

  it('keeps the marks right-to-left writing uses, and everything else', () => {
    const text = 'שלום\u200F (ok) \u200Eabc \u061Cمرحبا 👋';
    expect(withoutBidiControls(text)).toBe(text);
  });
});
