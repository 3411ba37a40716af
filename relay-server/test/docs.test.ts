/**
 * docs/relay.md and docs/protocol.md against the code they describe: every
 * option (flag, variable, default), every error code and every metric of the
 * relay is in the operations manual, and the protocol points to the error codes,
 * links only to wire-reference headings that exist, names every conformance
 * vector file and only test files that exist.
 * A row missing from the docs is a bug (the lead's brief); this finds it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { RelayErrorCode } from '@parley/crypto-core/wire';
import { describe, expect, it } from 'vitest';
import { OPTIONS } from '../src/config.js';
import { RelayMetrics } from '../src/metrics.js';

const relayDoc = readFileSync(new URL('../../docs/relay.md', import.meta.url), 'utf8');
const protocolDoc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
const wireReference = readFileSync(new URL('../../docs/wire-reference.md', import.meta.url), 'utf8');
const conformanceDoc = readFileSync(new URL('../../docs/conformance.md', import.meta.url), 'utf8');
const vectorFiles = readdirSync(new URL('../../docs/test-vectors/', import.meta.url)).filter((name) =>
  name.endsWith('.json'),
);

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

  // §4.8 links each body to the wire reference: a renamed schema must not leave a dead link.
  it('links only to headings the wire reference has', () => {
    const anchors = new Set(
      [...wireReference.matchAll(/^#{2,3} (.+)$/gm)].map((match) =>
        (match[1] ?? '')
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, '')
          .replace(/ /g, '-'),
      ),
    );
    const linked = [...protocolDoc.matchAll(/\(wire-reference\.md#([a-z0-9-]+)\)/g)].map((match) => match[1]);
    expect(linked.length).toBeGreaterThan(0);
    expect(linked.filter((anchor) => !anchors.has(anchor ?? ''))).toEqual([]);
  });

  it('names every conformance vector file, as conformance.md does', () => {
    expect(vectorFiles.length).toBeGreaterThan(0);
    expect(vectorFiles.filter((name) => !protocolDoc.includes(`\`${name}\``))).toEqual([]);
    expect(vectorFiles.filter((name) => !conformanceDoc.includes(`(test-vectors/${name})`))).toEqual([]);
  });

  it('names only test files that exist', () => {
    const named = [...protocolDoc.matchAll(/`((?:desktop|crypto-core|relay-server)\/test\/[\w./-]+\.test\.ts)`/g)].map(
      (match) => match[1] ?? '',
    );
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((path) => !existsSync(new URL(`../../${path}`, import.meta.url)))).toEqual([]);
  });
});
