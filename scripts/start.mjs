// `npm start`: Azurite on its usual ports (data kept in .azurite/) and the app on http://127.0.0.1:7071,
// in Development, so the demo keys from appsettings.Development.json are seeded.
import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { ensureNodeDependencies, root } from './deps.mjs';

ensureNodeDependencies();

const url = process.env.ASPNETCORE_URLS ?? 'http://127.0.0.1:7071';
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
console.log('Azurite is up; starting PeerEval...');
const app = spawn('dotnet', ['run', '--project', join(root, 'functions', 'PeerEval.Functions'), '--no-launch-profile'], {
  stdio: 'inherit',
  env: { ...process.env, ASPNETCORE_ENVIRONMENT: 'Development', ASPNETCORE_URLS: url },
});
children.push(app);
app.on('exit', (code) => stopAll(code ?? 1));
console.log(`PeerEval will answer on ${url}/api/health (keys: dev-submit-demo, dev-report-all, dev-admin).`);

function waitForPort(port, deadline = Date.now() + 60_000) {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => { socket.end(); resolve(); });
      socket.on('error', () => Date.now() > deadline ? reject(new Error(`port ${port} never opened`)) : setTimeout(attempt, 250));
    };
    attempt();
  });
}
