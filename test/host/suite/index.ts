// The host suite's entry: the `run()` contract of @vscode/test-electron, so the same compiled
// suite runs under this project's offline launcher (test/host/launch.mjs) and under
// @vscode/test-cli on a desktop with internet (.vscode-test.mjs).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', color: false, timeout: 30_000 });
  // The launcher says which suite runs (test/host/suites.mjs); other launchers get the trusted one.
  const suite = process.env.CG_HOST_SUITE ?? 'trusted';
  const mine = (f: string) => (suite === 'trusted' ? /^[\w-]+\.test\.js$/.test(f) : f.endsWith(`.${suite}.test.js`));
  // Files run in name order; 00-activation must see the extension before anything activates it.
  for (const name of readdirSync(__dirname).filter(mine).sort()) mocha.addFile(join(__dirname, name));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} host test(s) failed.`)) : resolve()));
  });
}
