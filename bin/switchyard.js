#!/usr/bin/env node
// Switchyard's CLI runs its TypeScript sources directly, which needs Node's type stripping (22.18+).
// `npm install` puts Node 24 in node_modules/.bin, which npm and npx put first on PATH.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(
    `switchyard needs Node.js 22.18 or newer (found ${process.version}). Run it through npm (npx switchyard, npm start), which uses the Node in node_modules/.bin.`,
  );
  process.exit(1);
}
await import('../src/cli/main.ts');
