// For a desktop with internet: `npx vscode-test` downloads VS Code and runs the same compiled
// host suite as the offline launcher (test/host/launch.mjs). Build first: npm run build && npm run build:tests.
import { defineConfig } from '@vscode/test-cli';

export default defineConfig([
  { label: 'oldest', version: '1.100.3', files: 'out/test/host/suite/*.test.js', workspaceFolder: 'test/host/workspace', mocha: { timeout: 30000 } },
  { label: 'newest', version: 'stable', files: 'out/test/host/suite/*.test.js', workspaceFolder: 'test/host/workspace', mocha: { timeout: 30000 } },
]);
