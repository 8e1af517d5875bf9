/**
 * `npm run fuzz`: the integration project's transform and module mapping,
 * matching only the fuzz runner, without the build step the process tests need.
 */
const { join } = require('node:path');
const root = require('../../jest.config.js');

const integration = root.projects.find((project) => project.displayName === 'integration');

module.exports = {
  ...integration,
  rootDir: join(__dirname, '..', '..'),
  displayName: 'fuzz',
  testMatch: ['<rootDir>/test/fuzz/run-fuzz.ts'],
  globalSetup: undefined,
  testTimeout: 3_600_000,
};
