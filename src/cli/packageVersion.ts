import { readFileSync } from 'node:fs';

/**
 * The version in metrix-stream's package.json, found by walking up from this module — the same
 * code runs from `src/cli/` (tsx) and from `dist/src/cli/` (the built command).
 */
export function packageVersion(): string {
  let dir = new URL('.', import.meta.url);
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'metrix-stream' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not here; one level up
    }
    dir = new URL('..', dir);
  }
  return 'unknown';
}
