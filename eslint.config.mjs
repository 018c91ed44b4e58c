// One lint setup for the monorepo. Beyond the recommended TypeScript rules it checks the
// architecture's own rules: environment access only in libs/config, TypeORM only in
// repositories, entities and migrations, and no app importing another app.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.stack/**', 'bench/out/**', 'test-results/**', 'reports/**', '.stryker-tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Type-aware rules: a promise nobody awaits loses its error (an unhandled rejection ends the
    // process) and a promise passed where a void callback is expected is never waited for.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'warn',
      // XML 1.0 character validation needs control characters in regular expressions.
      'no-control-regex': 'off',
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='process'][property.name='env']", message: 'Read configuration through libs/config (HubConfig), not process.env.' },
        {
          // Issue #17: Nest writes the answer (return values, @Redirect, @Header, @HttpCode, exception filters).
          selector: "Decorator > CallExpression[callee.name='Res']:not(:has(Property[key.name='passthrough'][value.value=true]))",
          message: 'Let Nest write the answer: return it (StreamableFile for bytes, Answer for headers), or take @Res({ passthrough: true }) to set a cookie or a status no decorator can declare.',
        },
      ],
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../../*/src/*', '**/apps/*'], message: 'Apps do not import other apps; move shared code to a lib.' }] },
      ],
    },
  },
  {
    files: ['libs/**/*.ts', 'apps/**/*.ts'],
    ignores: ['**/*.repository.ts', '**/*.entity.ts', '**/migrations/**', '**/*.spec.ts', 'libs/persistence/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          // DataSource may be injected for wiring; queries and query builders stay in repositories.
          paths: [{ name: 'typeorm', importNames: ['Repository', 'EntityManager', 'QueryRunner', 'SelectQueryBuilder', 'getRepository'], message: 'Only repositories, entities and migrations touch TypeORM.', allowTypeImports: true }],
        },
      ],
    },
  },
  {
    // Configuration, tests and tooling may read the environment.
    files: ['libs/config/**', '**/*.spec.ts', '**/test/**', 'test/**', 'bench/**', 'tools/**'],
    rules: { 'no-restricted-syntax': 'off', '@typescript-eslint/no-explicit-any': 'off', 'no-restricted-imports': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    languageOptions: { globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The web page's plain browser scripts.
    files: ['**/web/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
