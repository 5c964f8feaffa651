#!/usr/bin/env node
// pnpm check:consumers — Roster's packages as a product team outside this repository gets them.
//
// Builds and packs every published package (`pnpm pack`: publishConfig applied, workspace: and catalog:
// versions replaced), checks each tarball's manifest (not private; license, repository, files; every
// module its JavaScript and declarations import is a declared dependency; no dependency on a package
// that is not published), then creates a project in a temporary folder OUTSIDE the workspace, installs
// the tarballs there with plain npm (no workspace links), and:
//   1. typechecks a React product file (RosterProvider, useLeaveOrganization, useRemoveMember; `reason`
//      is the typed union, a misspelled reason proved a type error with @ts-expect-error) and bundles it
//      with Vite (the bundle must hold no server code);
//   2. typechecks a Node script using createRosterClient with an API key, starts the packed
//      @roster/server (`node node_modules/@roster/server/dist/main.js`, embedded database, demo data),
//      and runs the script against it: list members, remove one, the typed last-owner refusal;
//   3. typechecks and runs an in-process use of @roster/api + @roster/db (createCaller on the embedded
//      database, a leave with its nextOrganization).
// Any type error, missing file or runtime error fails it. `--keep` keeps the temporary folder.
import { execFileSync, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const PUBLISHED = {
  '@roster/db': 'packages/db',
  '@roster/api': 'packages/api',
  '@roster/client': 'packages/client',
  '@roster/react': 'packages/react',
  '@roster/server': 'apps/server',
};
const keep = process.argv.includes('--keep');
const started = Date.now();
const problems = [];

function step(what) {
  console.log(`\n--- ${what} (${Math.round((Date.now() - started) / 1000)}s)`);
}

function run(command, args, options = {}) {
  console.log(`$ ${command} ${args.join(' ')}`);
  return execFileSync(command, args, { stdio: 'inherit', ...options });
}

/** Versions the consumer installs beside Roster: the ones this repository is built and tested with. */
function catalog() {
  const text = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const versions = {};
  for (const match of text.matchAll(/^ {2}"?([@\w./-]+)"?: "?([^"\s]+)"?$/gm)) versions[match[1]] = match[2];
  return versions;
}

function* files(dir, test) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* files(path, test);
    else if (test(entry)) yield path;
  }
}

/** The package a bare specifier names: `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`. */
function packageOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** Checks one unpacked tarball (`dir` holds its package.json and files) as npm would publish it. */
function checkManifest(name, dir) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const fail = (message) => problems.push(`${name}: ${message}`);
  if (manifest.private) fail('is private');
  for (const field of ['license', 'repository', 'files', 'version', 'description']) {
    if (!manifest[field]) fail(`has no "${field}"`);
  }
  const declared = new Set([
    name,
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ]);
  for (const [dep, range] of Object.entries({ ...manifest.dependencies, ...manifest.peerDependencies })) {
    if (/^(workspace|catalog|link|file):/.test(String(range))) fail(`depends on ${dep}@${range}`);
    if (dep.startsWith('@roster/') && !(dep in PUBLISHED)) fail(`depends on ${dep}, which is not published`);
  }
  // Every entry point the exports map names exists.
  const leaves = (value) =>
    typeof value === 'string' ? [value] : Object.values(value ?? {}).flatMap((inner) => leaves(inner));
  for (const target of [
    ...leaves(manifest.exports),
    manifest.main,
    manifest.types,
    ...leaves(manifest.bin),
  ].filter(Boolean)) {
    if (!existsSync(join(dir, target))) fail(`names ${target}, which is not in the tarball`);
  }
  if (JSON.stringify(manifest.exports ?? {}).includes('/src/')) fail('exports TypeScript source');
  // Every module the published code and declarations import is declared (npm's flat node_modules would
  // otherwise hide a missing one behind another package's dependency).
  const imported =
    /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s*['"]([^'"]+)['"]/gm;
  for (const file of files(join(dir, 'dist'), (entry) => /\.(js|d\.ts)$/.test(entry))) {
    for (const match of readFileSync(file, 'utf8').matchAll(imported)) {
      const specifier = match[1] ?? match[2] ?? match[3];
      if (specifier.startsWith('.') || builtins.has(specifier) || builtins.has(packageOf(specifier)))
        continue;
      const pkg = packageOf(specifier);
      if (!declared.has(pkg))
        fail(`${relative(dir, file)} imports ${specifier}, but ${pkg} is not a dependency`);
    }
  }
  return manifest;
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
    srv.on('error', reject);
  });
}

async function waitForReady(url, server, output) {
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`the server exited (${server.exitCode}):\n${output()}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.status === 200) return;
    } catch {}
    if (Date.now() > deadline) throw new Error(`the server was not ready after 180 s:\n${output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function call(url, path, input, headers = {}) {
  const res = await fetch(`${url}/trpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(input),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return {
    data: body.result.data,
    cookie: res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; '),
  };
}

/**
 * Typechecks again with skipLibCheck off and fails on any error in Roster's own published declarations
 * (an import they cannot resolve, a type they name that is not there). Errors in other libraries'
 * declarations (tRPC's optional `ws` adapter, say) are not Roster's to fix and are only counted.
 */
function checkRosterDeclarations(project, tsc, tsconfig) {
  let output = '';
  try {
    execFileSync(
      process.execPath,
      [tsc, '-p', tsconfig, '--noEmit', '--skipLibCheck', 'false', '--pretty', 'false'],
      {
        cwd: project,
        encoding: 'utf8',
      },
    );
  } catch (error) {
    output = `${error.stdout ?? ''}${error.stderr ?? ''}`;
  }
  const errors = output.split('\n').filter((line) => /error TS\d+/.test(line));
  const ours = errors.filter(
    (line) => line.startsWith('node_modules/@roster/') || !line.startsWith('node_modules/'),
  );
  if (ours.length > 0) throw new Error(`errors in Roster's declarations (${tsconfig}):\n${ours.join('\n')}`);
  console.log(
    `${tsconfig}: Roster's declarations check with skipLibCheck off (${errors.length} errors in other libraries)`,
  );
}

async function query(url, path, input, headers = {}) {
  const res = await fetch(`${url}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, {
    headers,
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body.result.data;
}

const work = mkdtempSync(join(tmpdir(), 'roster-consumer-'));
if (resolve(work).startsWith(root)) throw new Error(`${work} is inside the workspace`);
let server;
try {
  step('build the published packages');
  run(
    'pnpm',
    [
      'exec',
      'turbo',
      'run',
      'build',
      '--output-logs=errors-only',
      ...Object.keys(PUBLISHED).map((n) => `--filter=${n}`),
    ],
    {
      cwd: root,
    },
  );

  step('pack');
  const tarballs = join(work, 'tarballs');
  mkdirSync(tarballs);
  const packed = {};
  for (const [name, dir] of Object.entries(PUBLISHED)) {
    const before = new Set(readdirSync(tarballs));
    run('pnpm', ['pack', '--pack-destination', tarballs], {
      cwd: join(root, dir),
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const file = readdirSync(tarballs).find((f) => !before.has(f));
    if (!file) throw new Error(`pnpm pack wrote no tarball for ${name}`);
    packed[name] = join(tarballs, file);
    const unpacked = join(work, 'unpacked', name);
    mkdirSync(unpacked, { recursive: true });
    run('tar', ['-xzf', packed[name], '-C', unpacked, '--strip-components=1']);
    const manifest = checkManifest(name, unpacked);
    console.log(`${name}@${manifest.version}: ${file}`);
  }
  if (problems.length > 0) throw new Error(`the packed manifests have problems:\n  ${problems.join('\n  ')}`);

  step('a project outside the workspace, installed with npm from the tarballs');
  const project = join(work, 'product');
  cpSync(join(root, 'scripts/consumer'), project, { recursive: true });
  const v = catalog();
  const need = (name) => {
    if (!v[name]) throw new Error(`${name} is not in the pnpm catalog`);
    return v[name];
  };
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify(
      {
        name: 'roster-consumer',
        private: true,
        type: 'module',
        dependencies: {
          ...Object.fromEntries(Object.entries(packed).map(([name, file]) => [name, `file:${file}`])),
          '@tanstack/react-query': need('@tanstack/react-query'),
          react: need('react'),
          'react-dom': need('react-dom'),
        },
        devDependencies: {
          '@types/node': need('@types/node'),
          '@types/react': need('@types/react'),
          '@types/react-dom': need('@types/react-dom'),
          '@vitejs/plugin-react': need('@vitejs/plugin-react'),
          typescript: need('typescript'),
          vite: need('vite'),
        },
      },
      null,
      2,
    )}\n`,
  );
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
    cwd: project,
    env: { ...process.env, npm_config_workspaces: 'false' },
  });
  if (existsSync(join(project, 'node_modules/@roster/api/src')))
    throw new Error('@roster/api shipped its sources');
  const tsc = join(project, 'node_modules/typescript/bin/tsc');

  step('1. a React product file: typecheck, then bundle with Vite');
  run(process.execPath, [tsc, '-p', 'web/tsconfig.json'], { cwd: project });
  checkRosterDeclarations(project, tsc, 'web/tsconfig.json');
  run(process.execPath, [join(project, 'node_modules/vite/bin/vite.js'), 'build', 'web'], { cwd: project });
  const assets = join(project, 'web/dist/assets');
  const bundle = readdirSync(assets)
    .filter((f) => f.endsWith('.js'))
    .map((f) => readFileSync(join(assets, f), 'utf8'))
    .join('\n');
  if (!bundle.includes('/trpc')) throw new Error('the bundle does not call the Roster API');
  for (const serverOnly of ['kysely', 'pglite', 'scrypt', 'fastify']) {
    if (bundle.toLowerCase().includes(serverOnly))
      throw new Error(`the browser bundle holds server code (${serverOnly})`);
  }
  console.log(`bundled: ${Math.round(bundle.length / 1024)} KiB of JavaScript, no server code`);

  step('2. + 3. Node scripts: typecheck');
  run(process.execPath, [tsc, '-p', 'node/tsconfig.json'], { cwd: project });
  checkRosterDeclarations(project, tsc, 'node/tsconfig.json');

  step('2. createRosterClient against the packed @roster/server');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  server = spawn(process.execPath, [join(project, 'node_modules/@roster/server/dist/main.js')], {
    cwd: project,
    env: {
      ...process.env,
      DATABASE_URL: '',
      REDIS_URL: '',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: join(work, 'data'),
      SEED_DEMO: '1',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout.on('data', (d) => {
    output += d;
  });
  server.stderr.on('data', (d) => {
    output += d;
  });
  await waitForReady(url, server, () => output);
  // The demo's sole owner of Acme creates a key, as in the web app's settings.
  const { cookie } = await call(url, 'auth.signIn', { email: 'ada@example.com', password: 'roster-demo' });
  const acme = await query(url, 'organizations.bySlug', { slug: 'acme' }, { cookie });
  const key = (
    await call(
      url,
      'apiKeys.create',
      { organizationId: acme.id, name: 'consumer check', scopes: ['members:read', 'members:write'] },
      { cookie },
    )
  ).data.key;
  const { items } = await query(url, 'members.list', { organizationId: acme.id, limit: 100 }, { cookie });
  const ada = items.find((m) => m.email === 'ada@example.com');
  run(process.execPath, ['build/client.js', url, key, acme.id, 'member01@example.com', ada.id], {
    cwd: join(project, 'node'),
  });

  step('3. @roster/api + @roster/db in-process on the embedded database');
  run(process.execPath, ['build/embedded.js'], { cwd: join(project, 'node') });

  console.log(`\ncheck:consumers passed in ${Math.round((Date.now() - started) / 1000)}s (${work})`);
} finally {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  if (!keep) rmSync(work, { recursive: true, force: true });
}
