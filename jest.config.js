/** Jest compiles TypeScript (and ESM-only @nestjs/*) with swc. */
const transform = {
  '^.+\\.(t|j)s$': ['@swc/jest', {
    jsc: {
      target: 'es2023',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  }],
};
const common = {
  transform,
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|nanoid|file-type|strtok3|token-types|@tokenizer|@borewit|uint8array-extras)/)'],
  moduleNameMapper: { '^@sluice/(.*)$': '<rootDir>/libs/$1/src/index.ts' },
  testEnvironment: 'node',
};

/** Web unit tests: pure projections and zustand stores, so node is enough; swc parses TSX with the automatic runtime. */
const web = {
  transform: {
    '^.+\\.(t|j)sx?$': ['@swc/jest', {
      jsc: { target: 'es2023', parser: { syntax: 'typescript', tsx: true }, transform: { react: { runtime: 'automatic' } } },
      module: { type: 'commonjs' },
    }],
  },
  // The two packages the editor may import (eslint.config.mjs); relative `.js` (the engine's
  // dynamic imports name their compiled file) resolves to the TypeScript source.
  moduleNameMapper: {
    '^@sluice/contracts$': '<rootDir>/libs/contracts/src/index.ts',
    '^@sluice/engine/browser$': '<rootDir>/libs/engine/src/browser.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testEnvironment: 'node',
};

module.exports = {
  /** Integration suites start whole systems; unit tests finish far sooner. Per-project timeouts are not supported. */
  testTimeout: 120000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/libs/**/src/**/*.spec.ts', '<rootDir>/apps/**/src/**/*.spec.ts'] },
    { ...web, displayName: 'web', testMatch: ['<rootDir>/web/src/**/*.spec.ts', '<rootDir>/web/src/**/*.spec.tsx'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts', '<rootDir>/test/security/**/*.test.ts', '<rootDir>/test/faults/**/*.test.ts'], globalSetup: '<rootDir>/test/support/global-setup.js' },
    /** Headless Chromium against the built app (`npm start`); the setup builds libs, apps and the editor. */
    { ...common, displayName: 'browser', testMatch: ['<rootDir>/test/browser/**/*.test.ts'], globalSetup: '<rootDir>/test/browser/global-setup.js' },
  ],
};
