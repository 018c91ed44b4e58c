// The "Must not import" lines of the lib and app READMEs, checked instead of only written.
// `npm run lint` and tools/test.sh run `depcruise` with this file; a violation fails them.
// Each rule names the README it comes from. Specs (`*.spec.ts`) are outside the rules: they may
// build messages with @hub/testing and compare against reference libraries.
const NEST = '(^|/)node_modules/@nestjs/';
const KAFKA = '(^|/)node_modules/(kafkajs|@platformatic/kafka|@kafkajs/)|^libs/kafka/';
const POSTGRES = '(^|/)node_modules/(typeorm|pg|pg-[a-z-]+)/|^libs/persistence/';

/** A lib's own source and tests, but not its specs. */
const lib = (name) => ({ path: `^libs/${name}/`, pathNot: '\\.spec\\.ts$' });

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'app-imports-app',
      comment: 'Apps are wiring only and never import another app (README, "How it fits together").',
      severity: 'error',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/([^/]+)/', pathNot: '^apps/$1/' },
    },
    {
      name: 'lib-imports-app',
      comment: 'Libs never import an app.',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'testing-in-production-code',
      comment: 'libs/testing/README.md: test-only helpers, never imported from production code.',
      severity: 'error',
      // The ops CLI's `demo load` is the one exception: its synthetic messages are the builder's.
      from: { path: '^(apps|libs)/', pathNot: ['\\.spec\\.ts$', '/test/', '^libs/testing/', '^apps/ops-cli/src/commands/demo\\.command\\.ts$'] },
      to: { path: '^libs/testing/' },
    },
    {
      name: 'config-imports-project',
      comment: 'libs/config/README.md: at the bottom of the dependency graph, imports nothing from the project.',
      severity: 'error',
      from: lib('config'),
      to: { path: '^(libs|apps)/', pathNot: '^libs/(config|exceptions)/' },
    },
    {
      name: 'exceptions-imports-anything',
      comment: 'libs/exceptions/README.md: at the very bottom, imports nothing (not even a package).',
      severity: 'error',
      from: lib('exceptions'),
      to: { path: '^(libs|apps|node_modules)/|/node_modules/', pathNot: '^libs/exceptions/' },
    },
    {
      name: 'observability-imports-project',
      comment: 'libs/observability/README.md: must not import other project libs.',
      severity: 'error',
      from: lib('observability'),
      to: { path: '^(libs|apps)/', pathNot: '^libs/observability/' },
    },
    {
      name: 'coalescing-imports-project',
      comment: 'libs/coalescing/README.md: must not import other project libs.',
      severity: 'error',
      from: lib('coalescing'),
      to: { path: '^(libs|apps)/', pathNot: '^libs/coalescing/' },
    },
    {
      name: 'kafka-imports-nest-or-project',
      comment: 'libs/kafka/README.md: must not import NestJS or other project libs, except libs/coalescing.',
      severity: 'error',
      from: lib('kafka'),
      to: { path: [NEST, '^(libs|apps)/'], pathNot: '^libs/(kafka|coalescing|exceptions)/' },
    },
    {
      name: 'messages-imports-io-or-project',
      comment: 'libs/messages/README.md: no Nest, TypeORM, Kafka, pg or other I/O library, no other @hub lib.',
      severity: 'error',
      from: { path: '^libs/messages/', pathNot: ['\\.spec\\.ts$', '^libs/messages/src/testing/'] },
      to: { path: [NEST, KAFKA, POSTGRES, '^(libs|apps)/'], pathNot: '^libs/(messages|exceptions)/' },
    },
    {
      name: 'auth-imports-nest-kafka-typeorm',
      comment: 'libs/auth/README.md: must not import Nest, Kafka or TypeORM; its guard lives in @hub/platform.',
      severity: 'error',
      from: lib('auth'),
      to: { path: [NEST, KAFKA, POSTGRES] },
    },
    {
      name: 'persistence-imports-nest',
      comment: 'libs/persistence/README.md: must not import NestJS.',
      severity: 'error',
      from: lib('persistence'),
      to: { path: [NEST, '^libs/(platform|feature-[a-z-]+)/'] },
    },
    {
      name: 'projections-imports-nest-typeorm-kafka',
      comment: 'libs/projections/README.md: must not import NestJS, TypeORM or Kafka.',
      severity: 'error',
      from: lib('projections'),
      to: { path: [NEST, KAFKA, POSTGRES] },
    },
    {
      name: 'normalization-imports-nest-kafka-postgres',
      comment: 'libs/normalization/README.md: must not import NestJS, Kafka or PostgreSQL.',
      severity: 'error',
      from: lib('normalization'),
      to: { path: [NEST, KAFKA, POSTGRES] },
    },
    {
      name: 'fhir-imports-nest',
      comment: 'libs/fhir/README.md: must not import NestJS.',
      severity: 'error',
      from: lib('fhir'),
      to: { path: [NEST, '^libs/(platform|feature-[a-z-]+)/'] },
    },
    {
      name: 'directory-imports-nest-kafka',
      comment: 'libs/directory/README.md: must not import NestJS or Kafka.',
      severity: 'error',
      from: lib('directory'),
      to: { path: [NEST, KAFKA, '^libs/(platform|feature-[a-z-]+)/'] },
    },
    {
      name: 'contracts-imports-nest',
      comment: 'libs/contracts/README.md: must not import NestJS.',
      severity: 'error',
      from: lib('contracts'),
      to: { path: [NEST, '^libs/(platform|feature-[a-z-]+)/'] },
    },
    {
      name: 'ops-imports-nest',
      comment: 'libs/ops/README.md: must not import Nest or any app; it opens its own connections.',
      severity: 'error',
      from: lib('ops'),
      to: { path: [NEST, '^libs/(platform|feature-[a-z-]+)/'] },
    },
    {
      name: 'feature-imports-feature',
      comment:
        'libs/feature-*/README.md: a feature never imports another feature; what two features share ' +
        '(the AuditWriter of the read API and the audit feature, the dead-letter writer) lives in libs/platform. ' +
        'The one exception is the notifier, which sends the read API\'s own reads (its rule: notifier-imports-other-features).',
      severity: 'error',
      from: { path: '^libs/(feature-[a-z-]+)/', pathNot: ['\\.spec\\.ts$', '^libs/feature-notifier/'] },
      to: { path: '^libs/feature-[a-z-]+/', pathNot: '^libs/$1/' },
    },
    {
      name: 'notifier-imports-other-features',
      comment: 'libs/feature-notifier/README.md: the notifier uses the read API\'s notification content (audit, blocking) and nothing of intake, normalizer, projector or audit.',
      severity: 'error',
      from: lib('feature-notifier'),
      to: { path: '^libs/feature-(intake|normalizer|projector|audit)/' },
    },
    {
      name: 'lib-imports-notifier',
      comment: 'libs/feature-notifier/README.md: only apps (notifier, hub) wire the notifier; the read API must not depend on it (a cycle).',
      severity: 'error',
      from: { path: '^libs/', pathNot: '^libs/feature-notifier/' },
      to: { path: '^libs/feature-notifier/' },
    },
    {
      name: 'typeorm-outside-persistence',
      comment:
        'TypeORM (DataSource included) only in libs/persistence and the platform wiring (docs/style.md rule 9, ' +
        'issue #17 item 3): features get repositories injected (PlatformModule factory providers), which ' +
        'connect lazily themselves.',
      severity: 'error',
      from: {
        path: '^(libs|apps)/',
        pathNot: [
          '\\.spec\\.ts$',
          '/test/',
          '^libs/persistence/',
          '^libs/platform/',
          '^libs/testing/',
          // The ops CLI's wiring root (its services take their repositories from it), as PlatformModule is the apps'.
          '^libs/ops/src/ops-context\\.ts$',
        ],
      },
      to: { path: '(^|/)node_modules/typeorm/' },
    },
    {
      name: 'no-circular-between-libs',
      comment: 'Libs form a graph without cycles between them (a lib may have cycles inside itself).',
      severity: 'error',
      from: { path: '^libs/([^/]+)/' },
      to: { circular: true, path: '^libs/', pathNot: '^libs/$1/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // node_modules may be a symlink (worktrees share one); keep its paths as node_modules/...
    preserveSymlinks: true,
    exclude: { path: ['^dist/', '^coverage/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    moduleSystems: ['cjs', 'es6'],
  },
};
