/**
 * Jest configuration for mutation testing (tools/mutation/run.mjs): the unit project of the root
 * jest.config.js, narrowed to the specs of ONE library (MUTATION_LIB, e.g. "projections"), so a
 * library's score measures its own tests and not what other libraries' tests happen to execute.
 */
const path = require('path');
const root = require('../../jest.config.js');

const lib = process.env.MUTATION_LIB;
if (!lib || !/^[a-z-]+$/.test(lib)) throw new Error('MUTATION_LIB must name one library under libs/ (e.g. projections)');
const unit = root.projects.find((p) => p.displayName === 'unit');
const rest = { ...unit };
delete rest.displayName;

module.exports = {
  ...rest,
  rootDir: path.resolve(__dirname, '../..'),
  testTimeout: root.testTimeout,
  testMatch: [`<rootDir>/libs/${lib}/**/*.spec.ts`],
};
