/** Choosing Redis: --redis / PARLEY_RELAY_REDIS_URL only with PostgreSQL, its prefix, and its password never echoed. */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';

const postgres = 'postgres://parley@db.example.org/parley';

describe('Redis configuration', () => {
  it('is off by default, and taken from the flag or the environment next to PostgreSQL', () => {
    expect(resolveConfig({ postgresUrl: postgres }, {}, '/srv')).toMatchObject({
      redisUrl: undefined,
      redisPrefix: 'parley:',
    });
    const fromFlag = resolveConfig({ postgresUrl: postgres, redisUrl: 'redis://r:6379', redisPrefix: 'a:' }, {}, '/');
    expect(fromFlag).toMatchObject({ redisUrl: 'redis://r:6379', redisPrefix: 'a:' });
    const fromEnv = resolveConfig(
      {},
      {
        PARLEY_RELAY_POSTGRES_URL: postgres,
        PARLEY_RELAY_REDIS_URL: 'rediss://r:6380',
        PARLEY_RELAY_REDIS_PREFIX: 'b:',
      },
      '/',
    );
    expect(fromEnv).toMatchObject({ redisUrl: 'rediss://r:6380', redisPrefix: 'b:' });
  });

  it('refuses Redis without PostgreSQL: a SQLite relay has no other node to wake', () => {
    expect(() => resolveConfig({ redisUrl: 'redis://r:6379' }, {}, '/')).toThrow(/--redis needs --postgres/);
    expect(() => resolveConfig({ store: 'memory', redisUrl: 'redis://r:6379' }, {}, '/')).toThrow(
      /--redis needs --postgres/,
    );
  });

  it('refuses another URL without repeating it, and a prefix with spaces', () => {
    let message = '';
    try {
      resolveConfig({ postgresUrl: postgres, redisUrl: 'http://user:hunter2@r:6379' }, {}, '/');
    } catch (error) {
      message = String(error);
    }
    expect(message).toContain('--redis must be a redis:// URL');
    expect(message).not.toContain('hunter2');
    expect(() => resolveConfig({ postgresUrl: postgres, redisPrefix: 'has space' }, {}, '/')).toThrow(/--redis-prefix/);
  });
});
