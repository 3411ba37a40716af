/**
 * docs/wire-reference.md is generated from the wire schemas (npm run
 * docs:wire). These tests regenerate it in memory and fail when the committed
 * file differs, and check that what it says of byte fields is what the
 * schemas accept.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toBase64 } from '../src/encoding.js';
import * as wire from '../src/wire/index.js';
import { namedSchemas } from '../src/wire-reference/named-schemas.js';
import {
  renderWireReference,
  WIRE_REFERENCE_COMMAND,
  WIRE_REFERENCE_PATH,
  wireJsonSchemas,
} from '../src/wire-reference/render.js';

const committed = readFileSync(new URL(`../../${WIRE_REFERENCE_PATH}`, import.meta.url), 'utf8');

describe('the wire reference', () => {
  it('is the committed docs/wire-reference.md', () => {
    const generated = renderWireReference();
    // Compared by line first, so a failure names the first line that differs.
    const generatedLines = generated.split('\n');
    const committedLines = committed.split('\n');
    const firstDifference = generatedLines.findIndex((line, i) => line !== committedLines[i]);
    expect(
      generated === committed,
      `${WIRE_REFERENCE_PATH} is out of date (first difference at line ${firstDifference + 1}): run \`${WIRE_REFERENCE_COMMAND}\` and commit the result`,
    ).toBe(true);
  });

  it('names every schema once', () => {
    const names = namedSchemas.map((entry) => entry.name);
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(namedSchemas.map((entry) => entry.schema)).size).toBe(names.length);
  });

  it('lists every HTTP route, socket event and error code with its status', () => {
    for (const endpoint of wire.httpEndpoints) {
      expect(committed, endpoint.path).toContain(`| \`${endpoint.method} ${endpoint.path}\` |`);
    }
    for (const event of Object.keys(wire.clientEventSchemas)) expect(committed).toContain(`| \`${event}\` |`);
    for (const event of Object.keys(wire.serverEventSchemas)) expect(committed).toContain(`| \`${event}\` |`);
    for (const code of Object.values(wire.RelayErrorCode)) {
      expect(committed).toContain(`| \`${code}\` | ${wire.RELAY_ERROR_HTTP_STATUS[code]} |`);
    }
  });

  it('gives the decoded size of byte fields that the schemas enforce', () => {
    const schemas = wireJsonSchemas();
    const bytes = (length: number) => toBase64(new Uint8Array(length).fill(7));
    let checked = 0;
    for (const { name, schema } of namedSchemas) {
      const json = schemas[name];
      if (json?.contentEncoding !== 'base64') continue;
      const match = /^(\d+)(?:–(\d+))? bytes$/.exec(String(json.description));
      expect(match, name).not.toBeNull();
      const min = Number(match?.[1]);
      const max = Number(match?.[2] ?? min);
      expect(schema.safeParse(bytes(min)).success, `${name}: ${min} bytes`).toBe(true);
      expect(schema.safeParse(bytes(max)).success, `${name}: ${max} bytes`).toBe(true);
      expect(schema.safeParse(bytes(max + 1)).success, `${name}: ${max + 1} bytes`).toBe(false);
      if (min > 0) expect(schema.safeParse(bytes(min - 1)).success, `${name}: ${min - 1} bytes`).toBe(false);
      checked++;
    }
    expect(checked).toBeGreaterThan(5);
  });

  it('marks as required exactly the fields an object schema refuses to go without', () => {
    const schemas = wireJsonSchemas();
    const sample = {
      accountId: wire.accountIdFromIdentityKey(new Uint8Array(33).fill(5)),
      deviceId: 3,
    };
    // DeviceAddress and ChallengeRequest: both fields required, no other accepted.
    for (const name of ['DeviceAddress', 'ChallengeRequest']) {
      const entry = namedSchemas.find((candidate) => candidate.name === name);
      expect(schemas[name]?.required).toEqual(['accountId', 'deviceId']);
      expect(schemas[name]?.additionalProperties).toBe(false);
      expect(entry?.schema.safeParse(sample).success).toBe(true);
      expect(entry?.schema.safeParse({ accountId: sample.accountId }).success).toBe(false);
      expect(entry?.schema.safeParse({ ...sample, extra: 1 }).success).toBe(false);
    }
  });
});
