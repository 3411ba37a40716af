/**
 * docs/wire-reference.md, generated from the wire module: the HTTP routes
 * (`httpEndpoints`), the socket events (`clientEventSchemas`,
 * `serverEventSchemas`), the error codes with their HTTP status, and every
 * body as JSON Schema (zod's `toJSONSchema`). Deterministic, so a test can
 * regenerate it in memory and compare it with the committed file.
 */
import { z } from 'zod';
import {
  clientEventSchemas,
  type HttpEndpoint,
  httpEndpoints,
  RELAY_ERROR_HTTP_STATUS,
  RelayErrorCode,
  serverEventSchemas,
  WIRE_VERSION,
} from '../wire/index.js';
import { namedSchemas } from './named-schemas.js';

/** The command that regenerates the file (named in its header and in the test's failure). */
export const WIRE_REFERENCE_COMMAND = 'npm run docs:wire';
/** Where the generated reference lives, from the repository root. */
export const WIRE_REFERENCE_PATH = 'docs/wire-reference.md';

type JsonSchema = { readonly [key: string]: unknown };

function isJsonSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** GitHub's heading anchor for a schema name (letters and digits only). */
function anchorOf(name: string): string {
  return name.toLowerCase();
}

function link(name: string): string {
  return `[${name}](#${anchorOf(name)})`;
}

function nameOf(schema: z.ZodType): string {
  const named = namedSchemas.find((entry) => entry.schema === schema);
  if (named === undefined) throw new Error('a schema used by a route or event has no name in named-schemas.ts');
  return named.name;
}

function range(low: unknown, high: unknown, unit: string): string {
  // zod bounds every integer by the safe range: say nothing of those bounds.
  const min = low === Number.MIN_SAFE_INTEGER ? undefined : low;
  const max = high === Number.MAX_SAFE_INTEGER ? undefined : high;
  if (typeof min === 'number' && typeof max === 'number')
    return min === max ? `${min} ${unit}` : `${min}–${max} ${unit}`;
  if (typeof min === 'number') return `at least ${min} ${unit}`;
  if (typeof max === 'number') return `at most ${max} ${unit}`;
  return '';
}

function withDetail(base: string, detail: string): string {
  return detail === '' ? base : `${base} (${detail})`;
}

/** A JSON Schema node as a short Markdown phrase; named schemas become links. */
function describe(node: JsonSchema): string {
  const ref = node.$ref;
  if (typeof ref === 'string') return link(ref.replace(/^#/, ''));
  const alternatives = node.anyOf ?? node.oneOf;
  if (Array.isArray(alternatives)) return alternatives.filter(isJsonSchema).map(describe).join(' or ');
  if ('const' in node) return `\`${JSON.stringify(node.const)}\``;
  if (Array.isArray(node.enum)) return node.enum.map((value) => `\`${JSON.stringify(value)}\``).join(' or ');
  switch (node.type) {
    case 'string': {
      if (node.contentEncoding === 'base64') return `base64 of ${String(node.description)}`;
      if (node.format === 'uuid') return 'UUID';
      const base = typeof node.pattern === 'string' ? `string matching \`${node.pattern}\`` : 'string';
      return withDetail(base, range(node.minLength, node.maxLength, 'characters'));
    }
    case 'integer':
    case 'number':
      return withDetail(String(node.type), range(node.minimum, node.maximum, '').trim());
    case 'array': {
      const items = isJsonSchema(node.items) ? describe(node.items) : 'anything';
      return withDetail(`array of ${items}`, range(node.minItems, node.maxItems, 'items'));
    }
    case 'object':
      return describeObject(node);
    case 'boolean':
    case 'null':
      return node.type;
    default:
      return `\`${JSON.stringify(node)}\``;
  }
}

/** An inline object: `{ a: ..., b?: ... }`. */
function describeObject(node: JsonSchema): string {
  const properties = isJsonSchema(node.properties) ? node.properties : {};
  const required = new Set(Array.isArray(node.required) ? node.required : []);
  const fields = Object.entries(properties).map(([key, value]) => {
    const type = isJsonSchema(value) ? describe(value) : 'anything';
    return `${key}${required.has(key) ? '' : '?'}: ${type}`;
  });
  return `{ ${fields.join(', ')} }`;
}

/** A Markdown table cell: no pipes or line breaks. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function fieldTable(node: JsonSchema): string[] {
  const properties = isJsonSchema(node.properties) ? node.properties : {};
  const required = new Set(Array.isArray(node.required) ? node.required : []);
  const rows = ['| Field | Type | Required |', '| --- | --- | --- |'];
  for (const [key, value] of Object.entries(properties)) {
    const property = isJsonSchema(value) ? value : {};
    const presence = required.has(key)
      ? 'yes'
      : 'default' in property
        ? `no (default \`${JSON.stringify(property.default)}\`)`
        : 'no';
    rows.push(`| \`${key}\` | ${cell(describe(property))} | ${presence} |`);
  }
  return rows;
}

function schemaSection(name: string, summary: string, node: JsonSchema): string[] {
  const lines = [`### ${name}`, '', summary, ''];
  const alternatives = node.oneOf ?? node.anyOf;
  if (node.type === 'object' && isJsonSchema(node.properties)) {
    lines.push(...fieldTable(node), '', 'No other fields are accepted.');
  } else if (Array.isArray(alternatives)) {
    lines.push('One of:', '');
    for (const alternative of alternatives.filter(isJsonSchema)) lines.push(`- ${describe(alternative)}`);
  } else {
    lines.push(`Type: ${describe(node)}.`);
  }
  lines.push('');
  return lines;
}

/** Every named schema as JSON Schema (draft 2020-12), cross-referenced by `#Name`. */
export function wireJsonSchemas(): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const { name, schema } of namedSchemas) registry.add(schema, { id: name });
  // `input`: the JSON as it travels, before parsing applies defaults and brands.
  const { schemas } = z.toJSONSchema(registry, { io: 'input', uri: (id) => `#${id}`, unrepresentable: 'throw' });
  return schemas as Record<string, JsonSchema>;
}

function header(): string[] {
  return [
    '# Parley wire reference',
    '',
    `<!-- Generated by \`${WIRE_REFERENCE_COMMAND}\` from crypto-core/src/wire. Do not edit: change the schemas and regenerate. -->`,
    '',
    `Generated by \`${WIRE_REFERENCE_COMMAND}\` from the zod schemas in \`crypto-core/src/wire\`, which the relay and the`,
    'client both validate against; `npm test` fails when this file and the schemas disagree. What the fields',
    'mean and when clients use them: [protocol.md](protocol.md) §3–§4; operating the relay: [relay.md](relay.md).',
    '',
    `Wire version ${WIRE_VERSION}: HTTP routes are prefixed \`/v${WIRE_VERSION}\` and the socket handshake sends`,
    `\`wireVersion: ${WIRE_VERSION}\`. Bodies are JSON (\`content-type: application/json\`). Every object is strict: a field`,
    'not listed is refused (`BAD_REQUEST`). Bytes travel as canonical standard base64 with padding; the',
    'sizes given are decoded bytes.',
    '',
  ];
}

const RESPONSE_TEXT: Readonly<Record<string, string>> = {
  'prometheus-text': 'Prometheus text',
  markdown: 'Markdown text',
  bytes: 'bytes (`application/octet-stream`)',
  none: 'no body (headers)',
};

function responseText(response: HttpEndpoint['response']): string {
  return typeof response === 'string' ? (RESPONSE_TEXT[response] as string) : link(nameOf(response));
}

function httpSection(): string[] {
  const lines = [
    '## HTTP routes',
    '',
    'Auth `bearer` is `Authorization: Bearer <token>`, the token from `POST /v1/accounts` or `POST /v1/auth/token`.',
    'Auth `access key` is one of the addressed account’s access keys: in the body of `POST /v1/messages`, in the',
    '`Parley-Access-Key` header of a bundle fetch (protocol §4.7).',
    `Every failure is a non-2xx status (see [Error codes](#error-codes)) with an ${link('ErrorResponse')} body.`,
    '',
    '| Route | Auth | Request body | Success |',
    '| --- | --- | --- | --- |',
  ];
  for (const endpoint of httpEndpoints) {
    const request =
      endpoint.request === null
        ? '—'
        : endpoint.request === 'bytes'
          ? 'bytes (`application/offset+octet-stream`)'
          : link(nameOf(endpoint.request));
    const response = responseText(endpoint.response);
    lines.push(
      `| \`${endpoint.method} ${endpoint.path}\` | ${endpoint.auth} | ${request} | ${endpoint.status} ${response} |`,
    );
  }
  lines.push('');
  for (const endpoint of httpEndpoints) lines.push(`- \`${endpoint.method} ${endpoint.path}\`: ${endpoint.summary}`);
  lines.push('');
  return lines;
}

function socketSection(): string[] {
  const lines = [
    '## Socket events',
    '',
    "socket.io 4 over websocket only, at `/socket.io/` on the relay's HTTP address. The handshake's `auth` object",
    `is ${link('SocketAuth')}: \`{ token, wireVersion }\`. A refused handshake reaches the client as \`connect_error\``,
    `whose \`data\` is a ${link('RelayError')}.`,
    '',
    '### Client to relay',
    '',
    'Each event carries one payload and an acknowledgement callback, which the relay calls once with the result.',
    'Any other event is answered with a `relay-error` event (`BAD_REQUEST`); a connection that keeps sending them',
    'is told `RATE_LIMITED` and closed.',
    '',
    '| Event | Payload | Acknowledgement |',
    '| --- | --- | --- |',
  ];
  for (const [event, { payload, ack }] of Object.entries(clientEventSchemas)) {
    lines.push(`| \`${event}\` | ${link(nameOf(payload))} | ${link(nameOf(ack))} |`);
  }
  lines.push('', '### Relay to client', '', '| Event | Payload |', '| --- | --- |');
  for (const [event, payload] of Object.entries(serverEventSchemas)) {
    lines.push(`| \`${event}\` | ${payload === null ? 'none' : link(nameOf(payload))} |`);
  }
  lines.push('');
  return lines;
}

function errorSection(): string[] {
  const lines = [
    '## Error codes',
    '',
    'The `code` of every error body. On HTTP the relay answers with the status below; socket acknowledgements',
    'and `relay-error` events carry the code alone. Two exceptions, both `BAD_REQUEST`: 415 for a body that is',
    "not JSON, and the HTTP parser's own 4xx status for a request it cannot parse. What each code means and",
    'what a client does: [relay.md, Errors](relay.md#errors).',
    '',
    '| Code | HTTP status |',
    '| --- | --- |',
  ];
  for (const code of Object.values(RelayErrorCode)) lines.push(`| \`${code}\` | ${RELAY_ERROR_HTTP_STATUS[code]} |`);
  lines.push('');
  return lines;
}

export function renderWireReference(): string {
  const schemas = wireJsonSchemas();
  const lines = [...header(), ...httpSection(), ...socketSection(), ...errorSection(), '## Schemas', ''];
  for (const { name, summary } of namedSchemas) {
    const node = schemas[name];
    if (node === undefined) throw new Error(`no JSON Schema generated for ${name}`);
    lines.push(...schemaSection(name, summary, node));
  }
  lines.push(
    '## JSON Schema',
    '',
    'The same schemas, machine-readable (draft 2020-12; `$ref` `#Name` points at the schema of that name).',
    'Length checks on decoded bytes, and "each id at most once" rules, are enforced by the schemas but not',
    'expressible here.',
    '',
    '```json',
    JSON.stringify(schemas, null, 2),
    '```',
    '',
  );
  return lines.join('\n');
}
