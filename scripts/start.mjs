// `npm start`: Azurite on its usual ports (data kept in .azurite/), then the app on http://127.0.0.1:7071 in
// Development, so the demo keys are seeded. The app runs under the real Functions host (`func start`) where
// Core Tools is installed, else its built worker runs under the repo's host stand-in (tests/PeerEval.FunctionsHost),
// which speaks the same gRPC protocol to it. Settings come from functions/PeerEval.Functions/local.settings.json,
// made from local.settings.sample.json when missing.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { ensureNodeDependencies, root } from './deps.mjs';

ensureNodeDependencies();

const port = 7071;
const appProject = join(root, 'functions', 'PeerEval.Functions');
const localSettings = join(appProject, 'local.settings.json');
if (!existsSync(localSettings)) {
  copyFileSync(join(root, 'local.settings.sample.json'), localSettings);
  console.log('Made functions/PeerEval.Functions/local.settings.json from local.settings.sample.json.');
}

const children = [];
const stopAll = (code) => {
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 3000).unref();
};
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

const azurite = spawn(join(root, 'node_modules', '.bin', 'azurite'),
  ['--silent', '--location', join(root, '.azurite'), '--skipApiVersionCheck',
   '--blobPort', '10000', '--queuePort', '10001', '--tablePort', '10002'],
  { stdio: 'inherit' });
children.push(azurite);
azurite.on('exit', (code) => { console.error(`Azurite exited (${code}).`); stopAll(1); });
await waitForPort(10002);

const func = join(root, 'node_modules', '.bin', 'func');
const hasCoreTools = existsSync(func) && spawnSync(func, ['--version'], { stdio: 'ignore' }).status === 0;
let app;
if (hasCoreTools) {
  console.log('Azurite is up; starting PeerEval under the Azure Functions host (Core Tools: func start)...');
  app = spawn(func, ['start', '--port', String(port)], { cwd: appProject, stdio: 'inherit' });
} else {
  console.log('Azurite is up; Core Tools is not installed here, so PeerEval runs under the host stand-in...');
  for (const project of [appProject, join(root, 'tests', 'PeerEval.FunctionsHost')])
    if (spawnSync('dotnet', ['build', project, '--nologo', '-v', 'quiet'], { stdio: 'inherit' }).status !== 0) {
      console.error(`Building ${project} failed.`);
      azurite.kill('SIGTERM');
      process.exit(1);
    }
  app = spawn('dotnet', [join(root, 'tests', 'PeerEval.FunctionsHost', 'bin', 'Debug', 'net10.0', 'PeerEval.FunctionsHost.dll'),
    '--app', join(appProject, 'bin', 'Debug', 'net10.0'), '--port', String(port), '--environment', 'Development', '--settings', localSettings],
    { stdio: 'inherit' });
}
children.push(app);
app.on('exit', (code) => stopAll(code ?? 1));
console.log(`PeerEval will answer on http://127.0.0.1:${port}/api/health (keys: dev-submit-demo, dev-report-all, dev-admin, dev-network).`);

function waitForPort(port, deadline = Date.now() + 60_000) {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => { socket.end(); resolve(); });
      socket.on('error', () => Date.now() > deadline ? reject(new Error(`port ${port} never opened`)) : setTimeout(attempt, 250));
    };
    attempt();
  });
}
