import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import * as ts from 'typescript';

/**
 * nest-cli.json describes the monorepo to the Nest CLI (`nest build <app>`, `nest start <app>
 * --watch`). The CLI is not a dependency of the project, so this checks the file against what the
 * CLI does with it (nestjs/nest-cli, actions/start.action.ts): compile with the project's
 * `compilerOptions.tsConfigPath` (tsc, as `webpack` is false), then run
 * `join(outDir, sourceRoot, entryFile) + '.js'`. That file must be the one `npm run build` writes.
 */
const root = join(__dirname, '../../..');
const config = JSON.parse(readFileSync(join(root, 'nest-cli.json'), 'utf8')) as {
  monorepo: boolean;
  root: string;
  sourceRoot: string;
  compilerOptions: { webpack: boolean; tsConfigPath: string };
  projects: Record<string, { type: string; root: string; entryFile: string; sourceRoot: string; compilerOptions: { webpack: boolean; tsConfigPath: string } }>;
};

function parsed(tsConfigPath: string): ts.ParsedCommandLine {
  const file = join(root, tsConfigPath);
  const result = ts.getParsedCommandLineOfConfigFile(
    file,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(String(d.messageText));
      },
    },
  );
  if (!result) throw new Error(`cannot read ${tsConfigPath}`);
  return result;
}

/** tsc's output root without `rootDir`: the longest common directory of its input files. */
function commonSourceDirectory(files: string[]): string {
  const parts = files.map((f) => dirname(f).split(sep));
  const common: string[] = [];
  for (let i = 0; parts.every((p) => p[i] !== undefined && p[i] === parts[0][i]); i++) common.push(parts[0][i]);
  return common.join(sep);
}

describe('nest-cli.json', () => {
  const apps = Object.entries(config.projects).filter(([, p]) => p.type === 'application');
  const libs = Object.entries(config.projects).filter(([, p]) => p.type === 'library');

  it('is a monorepo of every app and lib, built with tsc (the CLI defaults to webpack in monorepo mode)', () => {
    expect(config.monorepo).toBe(true);
    expect(apps.map(([name]) => name).sort()).toEqual(['hub', 'intake', 'normalizer', 'notifier', 'ops-cli', 'projector', 'read-api']);
    const libDirs = readFileSync(join(root, 'tsconfig.json'), 'utf8')
      .match(/"libs\/[a-z-]+\/src"/g)!
      .map((s) => s.split('/')[1]);
    expect(libs.map(([name]) => name).sort()).toEqual([...new Set(libDirs)].sort());
    expect([config.compilerOptions.webpack, ...Object.values(config.projects).map((p) => p.compilerOptions.webpack)].every((w) => w === false)).toBe(true);
    expect(config.projects[config.root.split('/')[1]]?.sourceRoot).toBe(config.sourceRoot);
  });

  it.each(apps)('%s: `nest start` runs the file `npm run build` writes, from a tsconfig that compiles the app and its libs without tests', (name, project) => {
    const entry = join(root, project.sourceRoot, `${project.entryFile}.ts`);
    expect(existsSync(entry)).toBe(true);
    const app = parsed(project.compilerOptions.tsConfigPath);
    const build = parsed('tsconfig.build.json');
    expect(app.errors).toEqual([]);
    expect(app.fileNames).toContain(entry);
    expect(app.fileNames.filter((f) => /\.spec\.ts$|[/\\]test[/\\]/.test(f))).toEqual([]);
    expect(app.fileNames.some((f) => f.startsWith(join(root, 'libs', 'platform', 'src')))).toBe(true);
    // Where tsc writes the entry with this tsconfig, and where the Nest CLI then looks for it.
    const emitted = join(app.options.outDir!, relative(commonSourceDirectory(app.fileNames), entry)).replace(/\.ts$/, '.js');
    expect(emitted).toBe(join(app.options.outDir!, project.sourceRoot, `${project.entryFile}.js`));
    // The same file as npm run build (tsconfig.build.json), so `node dist/apps/<app>/src/main.js` keeps working.
    expect(emitted).toBe(join(build.options.outDir!, relative(commonSourceDirectory(build.fileNames), entry)).replace(/\.ts$/, '.js'));
    expect(relative(root, emitted)).toBe(join('dist', 'apps', name, 'src', 'main.js'));
  });

  it.each(libs)('%s: a library whose entry file exists', (_name, project) => {
    expect(existsSync(join(root, project.sourceRoot, `${project.entryFile}.ts`))).toBe(true);
    expect(existsSync(join(root, project.compilerOptions.tsConfigPath))).toBe(true);
  });
});
