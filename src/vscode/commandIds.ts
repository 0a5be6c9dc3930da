/** Command ids, as contributed in package.json. */
export const COMMANDS = {
  askAboutSymbol: 'contextGateway.askAboutSymbol',
  previewContext: 'contextGateway.previewContext',
  setApiKey: 'contextGateway.setApiKey',
  removeApiKey: 'contextGateway.removeApiKey',
  setTeamRedisPassword: 'contextGateway.setTeamRedisPassword',
  setTeamKey: 'contextGateway.setTeamKey',
  showRoutes: 'contextGateway.showRoutes',
  runDrill: 'contextGateway.runDrill',
  pause: 'contextGateway.pause',
  resume: 'contextGateway.resume',
  drainQueue: 'contextGateway.drainQueue',
  openLog: 'contextGateway.openLog',
  showStatus: 'contextGateway.showStatus',
  resetBreaker: 'contextGateway.resetBreaker',
  applyProposal: 'contextGateway.applyProposal',
  discardProposal: 'contextGateway.discardProposal',
} as const;
