/** Command ids, as contributed in package.json. */
export const COMMANDS = {
  showStatus: 'contextGateway.showStatus',
} as const;
