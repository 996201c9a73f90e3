// Installs the pinned Azurite from the lock file when it is missing, so a fresh clone needs only Node.js and the .NET SDK.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const root = new URL('..', import.meta.url).pathname;

export function ensureNodeDependencies() {
  if (existsSync(join(root, 'node_modules', '.bin', 'azurite'))) return;
  console.log('Installing Azurite (npm ci)...');
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
