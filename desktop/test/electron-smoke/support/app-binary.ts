/**
 * Which Electron the smoke test drives, without ever requiring the
 * `electron` package (that would try to download its binary):
 *
 *   1. PARLEY_SMOKE_APP: an executable to launch as it is (a packaged app);
 *   2. the smoke build of `npm run dist:smoke` in desktop/dist/smoke/ (the
 *      packaged app, electron-builder.yml's settings and fuses except that
 *      --inspect is allowed, which Playwright needs to reach the main process);
 *   3. node_modules/electron's own binary, when it was downloaded, with the
 *      built app (`npm run build -w desktop`) as its argument.
 *
 * None of these: the reason, in one line, and the test skips.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const DESKTOP_DIR = join(REPO_ROOT, 'desktop');
export const SMOKE_BUILD_DIR = join(DESKTOP_DIR, 'dist', 'smoke');

export interface AppBinary {
  readonly executablePath: string;
  /** Arguments before the app's own switches: the app folder, for a bare Electron. */
  readonly appArgs: readonly string[];
  readonly description: string;
}

/** Where electron-builder's `dir` target puts the executable, per OS (and macOS arch folder). */
export function packagedExecutables(buildDir: string, platform: NodeJS.Platform): string[] {
  if (platform === 'win32') return [join(buildDir, 'win-unpacked', 'Parley.exe')];
  if (platform === 'darwin') {
    return ['mac-arm64', 'mac', 'mac-universal'].map((folder) =>
      join(buildDir, folder, 'Parley.app', 'Contents', 'MacOS', 'Parley'),
    );
  }
  return [join(buildDir, 'linux-unpacked', 'parley')];
}

/** node_modules/electron's binary, read from its path.txt as its index.js would, without downloading. */
function developmentElectron(): string | null {
  const packageDir = join(REPO_ROOT, 'node_modules', 'electron');
  const pathFile = join(packageDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(packageDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

export function findAppBinary(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): AppBinary | { readonly skipReason: string } {
  const given = env.PARLEY_SMOKE_APP;
  if (given !== undefined && given !== '') {
    if (!existsSync(given)) return { skipReason: `PARLEY_SMOKE_APP=${given} does not exist` };
    return { executablePath: given, appArgs: [], description: `${given} (PARLEY_SMOKE_APP)` };
  }
  const packaged = packagedExecutables(SMOKE_BUILD_DIR, platform).find((file) => existsSync(file));
  if (packaged !== undefined)
    return { executablePath: packaged, appArgs: [], description: `${packaged} (npm run dist:smoke)` };
  const electron = developmentElectron();
  if (electron !== null) {
    return { executablePath: electron, appArgs: [DESKTOP_DIR], description: `${electron} with the built desktop/` };
  }
  return {
    skipReason:
      `no Electron runtime: no packaged app in ${SMOKE_BUILD_DIR} (npm run dist:smoke), ` +
      'no binary in node_modules/electron, and PARLEY_SMOKE_APP unset',
  };
}
