/** Which URLs a relay answers to when --public-url is not set, and which addresses count as loopback. */
import { describe, expect, it } from 'vitest';
import { derivedRelayUrls, isLoopbackAddress, RelayUrls } from '../../src/auth/relay-urls.js';

describe('derived relay URLs', () => {
  it('name loopback by its canonical form, IPv4 and IPv6 alike', () => {
    expect(derivedRelayUrls('127.0.0.1', { address: '127.0.0.1', port: 7447 })).toEqual(['http://127.0.0.1:7447']);
    expect(derivedRelayUrls('::1', { address: '::1', port: 7447 })).toEqual(['http://127.0.0.1:7447']);
    expect(derivedRelayUrls('localhost', { address: '127.0.0.1', port: 9000 })).toEqual(['http://127.0.0.1:9000']);
    // Another 127/8 address is another socket: not an alias of 127.0.0.1.
    expect(derivedRelayUrls('127.0.0.2', { address: '127.0.0.2', port: 7447 })).toEqual(['http://127.0.0.2:7447']);
  });

  it('never add localhost off loopback, and name the host the operator gave', () => {
    expect(derivedRelayUrls('0.0.0.0', { address: '0.0.0.0', port: 7447 })).toEqual(['http://0.0.0.0:7447']);
    expect(derivedRelayUrls('::', { address: '::', port: 7447 })).toEqual(['http://[::]:7447']);
    expect(derivedRelayUrls('Relay.LAN', { address: '192.168.1.5', port: 80 })).toEqual([
      'http://192.168.1.5',
      'http://relay.lan',
    ]);
  });

  it('tell loopback addresses apart', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', '::ffff:127.0.0.1', 'localhost', 'LOCALHOST']) {
      expect(isLoopbackAddress(address)).toBe(true);
    }
    for (const address of ['0.0.0.0', '::', '10.0.0.1', '::ffff:10.0.0.1', '128.0.0.1', 'relay.example.org']) {
      expect(isLoopbackAddress(address)).toBe(false);
    }
  });

  it('are replaced, not extended, by configured URLs', () => {
    const configured = new RelayUrls(['https://relay.example.org']);
    expect(configured.accepted).toEqual([]);
    expect(configured.settle('127.0.0.1', { address: '127.0.0.1', port: 7447 })).toEqual(['https://relay.example.org']);
    const derived = new RelayUrls([]);
    expect(derived.isConfigured).toBe(false);
    expect(derived.settle('localhost', { address: '127.0.0.1', port: 1234 })).toEqual(['http://127.0.0.1:1234']);
  });
});
