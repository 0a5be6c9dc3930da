// The host suites: each opens a copy of a fixture workspace, trusted or not, with its own user
// settings, and runs the suite files meant for it (chosen by CG_HOST_SUITE in suite/index.ts).
import { cp, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const FIXTURE = resolve(import.meta.dirname, 'workspace');

async function copyWorkspace(runDir) {
  const workspace = join(runDir, 'workspace');
  await cp(FIXTURE, workspace, { recursive: true });
  return workspace;
}

/** Keeps the offline workbench from looking for updates and galleries it cannot reach. */
const QUIET_WORKBENCH = {
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'telemetry.telemetryLevel': 'off',
  'workbench.enableExperiments': false,
  'workbench.startupEditor': 'none',
  'chat.disableAIFeatures': true,
  'chat.agent.enabled': false,
  'github.copilot.enable': { '*': false },
};

/** The same workspace, carrying settings that try to redirect routes, budget and webhook. */
async function copyUntrustedWorkspace(runDir) {
  const workspace = await copyWorkspace(runDir);
  await mkdir(join(workspace, '.vscode'), { recursive: true });
  await cp(resolve(import.meta.dirname, 'untrusted-settings.json'), join(workspace, '.vscode', 'settings.json'));
  return workspace;
}

export const SUITES = {
  trusted: {
    trusted: true,
    env: { CG_HOST_SUITE: 'trusted' },
    userSettings: QUIET_WORKBENCH,
    prepareWorkspace: copyWorkspace,
  },
  // The editor's own models: a test-only extension registers fake ones through the finalized
  // provider API (VS Code 1.104 and later), with the chat features on that serve them.
  lm: {
    trusted: true,
    env: { CG_HOST_SUITE: 'lm' },
    userSettings: { ...QUIET_WORKBENCH, 'chat.disableAIFeatures': false },
    prepareWorkspace: copyWorkspace,
    extraExtensions: [resolve(import.meta.dirname, 'fake-lm')],
  },
  // Opened without --disable-workspace-trust: restricted mode, as for a freshly cloned repository.
  untrusted: {
    trusted: false,
    env: { CG_HOST_SUITE: 'untrusted' },
    userSettings: QUIET_WORKBENCH,
    prepareWorkspace: copyUntrustedWorkspace,
  },
};
