/**
 * Structured logs (pino, JSON lines on stdout). The relay must never log a
 * token or a ciphertext: request bodies and socket payloads are never passed
 * to the logger, Fastify's request serializer logs method/url/ip only, and
 * these redaction paths are a second line of defence for anything that
 * carries credentials or content by mistake.
 */
import { type Logger, pino } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'token',
  '*.token',
  'auth',
  '*.auth',
  'handshake.auth',
  'content',
  '*.content',
  'body',
  '*.body',
  'signature',
  '*.signature',
  'challenge',
  '*.challenge',
];

export function createLogger(level: LogLevel): Logger {
  return pino({
    level,
    base: { service: 'parley-relay' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
