/**
 * Three test tiers (see README "Tests"):
 *  - unit: *.spec.ts next to the code, no external services;
 *  - integration: apps/<app>/test/integration/** against the real local stack;
 *  - e2e: test/e2e/** the whole flow, XML in through the read API out.
 * Integration and e2e need `npm run stack -- up`; tools/test.sh does that for `npm test`.
 */
const { pathsToModuleNameMapper } = require('./tools/jest/paths');

const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];
const common = {
  transform: {
    '^.+\\.ts$': swc,
    // ESM-only dependencies (the @platformatic/kafka adapter), turned into CommonJS for jest.
    '/node_modules/@platformatic/.+\\.js$': '<rootDir>/tools/jest/esm-package.transform.js',
  },
  transformIgnorePatterns: ['/node_modules/(?!@platformatic/)'],
  moduleNameMapper: pathsToModuleNameMapper(),
  testEnvironment: 'node',
  rootDir: __dirname,
  // Stryker's sandboxes (npm run test:mutation) are copies of the repository: not modules or tests of this one.
  modulePathIgnorePatterns: ['<rootDir>/.stryker-tmp/'],
};

module.exports = {
  testTimeout: 180000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/apps/*/test/integration/**/*.int-spec.ts', '<rootDir>/libs/*/test/integration/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
  ],
};
