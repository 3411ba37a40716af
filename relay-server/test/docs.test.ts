/**
 * docs/relay.md and docs/protocol.md against the code they describe: every
 * option (flag, variable, default), every error code and every metric of the
 * relay is in the operations manual, and the protocol points to the error codes.
 * A row missing from the docs is a bug (the lead's brief); this finds it.
 */
import { readFileSync } from 'node:fs';
import { RelayErrorCode } from '@parley/crypto-core/wire';
import { describe, expect, it } from 'vitest';
import { OPTIONS } from '../src/config.js';
import { RelayMetrics } from '../src/metrics.js';

const relayDoc = readFileSync(new URL('../../docs/relay.md', import.meta.url), 'utf8');
const protocolDoc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');

/** The Markdown table rows of the section headed `heading` (## level). */
function tableRows(doc: string, heading: string): string[] {
  const start = doc.indexOf(`\n## ${heading}\n`);
  expect(start, `section ${heading}`).toBeGreaterThanOrEqual(0);
  const end = doc.indexOf('\n## ', start + 1);
  return doc
    .slice(start, end < 0 ? undefined : end)
    .split('\n')
    .filter((line) => line.startsWith('| '));
}

describe('docs/relay.md', () => {
  it('has a row in Options for every option: its flag, its variable and its default', () => {
    const rows = tableRows(relayDoc, 'Options');
    for (const spec of Object.values(OPTIONS)) {
      const flag = 'valueName' in spec ? `\`--${spec.flag} ${spec.valueName}\`` : `\`--${spec.flag}\``;
      const row = rows.find((line) => line.startsWith(`| ${flag} |`));
      expect(row, spec.flag).toBeDefined();
      expect(row).toContain(`\`${spec.env}\``);
      // The default as --help prints it, up to Markdown's code marks.
      expect(row?.replaceAll('`', ''), spec.flag).toContain(spec.defaultText.replace(/^\((.*)\)$/, '$1'));
    }
  });

  it('explains every error code in Errors', () => {
    const rows = tableRows(relayDoc, 'Errors');
    for (const code of Object.values(RelayErrorCode)) {
      expect(
        rows.some((line) => line.startsWith(`| \`${code}\` |`)),
        code,
      ).toBe(true);
    }
  });

  it('lists every metric of the relay in Metrics', async () => {
    const metrics = new RelayMetrics(async () => 0);
    const names = (await metrics.registry.getMetricsAsJSON())
      .map((metric) => metric.name)
      .filter((name) => !/^parley_relay_(process|nodejs)_/.test(name));
    const rows = tableRows(relayDoc, 'Metrics');
    for (const name of names)
      expect(
        rows.some((line) => line.includes(`\`${name}\``)),
        name,
      ).toBe(true);
  });
});

describe('docs/protocol.md', () => {
  // The list itself is the generated wire reference's (wire-reference.test.ts checks it holds every code).
  it('points to the error codes of the wire reference and to their explanations', () => {
    expect(protocolDoc).toContain('(wire-reference.md#error-codes)');
    expect(protocolDoc).toContain('(relay.md#errors)');
  });
});
