/**
 * Shorthands shared by the end-to-end tests: a registered device with its
 * token, connected or not, and envelope payloads that tests can recognise.
 */
import { fromBase64, fromUtf8, toBase64, utf8 } from '@parley/crypto-core/encoding';
import { type DeviceSocket, type DeviceSocketOptions, RelayHttp, DeviceSocket as Socket } from './relay-client.js';
import type { RelayProcess } from './relay-process.js';
import { TestDevice, type TestDeviceOptions } from './test-device.js';

export interface RegisteredDevice {
  readonly device: TestDevice;
  readonly token: string;
}

export async function registerDevice(http: RelayHttp, options: TestDeviceOptions = {}): Promise<RegisteredDevice> {
  const device = await TestDevice.create(options);
  const { token } = await http.register(device);
  return { device, token };
}

export function connect(relay: RelayProcess, token: string, options: DeviceSocketOptions = {}): Promise<DeviceSocket> {
  return Socket.connect(relay.url, token, options);
}

export function httpOf(relay: RelayProcess): RelayHttp {
  return new RelayHttp(relay.url);
}

/** Opaque test "ciphertext": recognisable text, base64 as the wire wants it. */
export function payload(label: string, size = 0): string {
  const text = size > label.length ? label.padEnd(size, '.') : label;
  return toBase64(utf8(text));
}

export function labelOf(content: string): string {
  return fromUtf8(fromBase64(content)).replace(/\.+$/, '');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
