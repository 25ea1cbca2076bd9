// Two projects: the core and the package in jest's default CommonJS mode (what a Nest 11 user's
// suite runs), and the Nest integration in jest's ESM mode, the only one that loads Nest 12.
// `npm test` sets --experimental-vm-modules for the second.
const { tmpdir } = require('node:os');
const { join } = require('node:path');

// Where suites that skip for a missing tool say so, for the run's summary (real-tools-reporter).
process.env.REAL_TOOLS_SKIP_LOG ??= join(
  tmpdir(),
  `nestjs-dynamo-metrics-skips-${process.pid}.log`,
);

const tsJest = (tsconfig, useESM) => ({ '^.+\\.ts$': ['ts-jest', { tsconfig, useESM }] });

/** @type {import('jest').Config} */
module.exports = {
  reporters: ['default', '<rootDir>/test/utils/real-tools-reporter.js'],
  projects: [
    {
      displayName: 'core',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/{unit,package,real}/**/*.spec.ts'],
      moduleFileExtensions: ['ts', 'js', 'json'],
      transform: tsJest('<rootDir>/tsconfig.json', false),
    },
    {
      displayName: 'nest',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/e2e/**/*.spec.ts'],
      moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
      extensionsToTreatAsEsm: ['.ts'],
      transform: tsJest('<rootDir>/tsconfig.esm-test.json', true),
    },
  ],
};
