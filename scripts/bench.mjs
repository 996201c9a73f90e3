// `npm run bench`: every benchmark against its same-run baseline, on an Azurite of its own. Writes bench/results/latest.md.
// `npm run bench -- --quick` runs a tenth of the load, to check the harness (nothing is written).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureNodeDependencies, root } from './deps.mjs';

ensureNodeDependencies();
const result = spawnSync('dotnet', ['run', '-c', 'Release', '--project', join(root, 'bench', 'PeerEval.Bench'), '--', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
