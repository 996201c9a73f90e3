// `npm test`: every test in the solution. Tests start their own Azurite on free ports; nothing needs starting by hand.
// Extra arguments go to `dotnet test` (for example: npm test -- --filter Domain).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureNodeDependencies, root } from './deps.mjs';

ensureNodeDependencies();
// The browser tests drive Debian's Chromium; install it when this machine can (root, apt).
if (!existsSync('/usr/bin/chromium') && !process.env.PEEREVAL_CHROMIUM && process.getuid?.() === 0)
  spawnSync('bash', [join(root, '.ci', 'install-browser')], { stdio: 'inherit' });
const result = spawnSync('dotnet', ['test', join(root, 'PeerEval.sln'), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
