/** Picks the Platform for the environment the renderer runs in: Electron when the preload exposed its bridge. */
import { ElectronPlatform } from './electron-platform.js';
import type { Platform } from './platform.js';
import { WebPlatform } from './web-platform.js';

export function selectPlatform(scope: Window = window): Platform {
  return scope.parley ? new ElectronPlatform(scope.parley.app, scope) : new WebPlatform(scope);
}
