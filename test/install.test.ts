import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

// What a fresh clone's `npm ci` and every `npx` meet: the lock file, package.json and .npmrc as
// committed. Each check stands for a warning or failure a newcomer saw.
const root = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  engines: { node: string };
  allowScripts?: Record<string, boolean>;
};
type LockEntry = {
  version: string;
  engines?: { node?: string } | string[];
  optionalDependencies?: Record<string, string>;
  hasInstallScript?: boolean;
  optional?: boolean;
};
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockEntry>;
};
const run = promisify(execFile);

/** Where Node would find `name` from the package installed at `from` (a lock key). */
function resolveInLock(from: string, name: string): LockEntry | undefined {
  let dir = from;
  for (;;) {
    const hit = lock.packages[`${dir ? `${dir}/` : ''}node_modules/${name}`];
    if (hit) return hit;
    if (!dir) return undefined;
    const at = dir.lastIndexOf('/node_modules/');
    dir = at < 0 ? '' : dir.slice(0, at);
  }
}

describe('install', () => {
  it('the lock holds every platform build of the native packages, so npm ci works on any machine', () => {
    for (const native of ['node_modules/@biomejs/biome', 'node_modules/@napi-rs/canvas']) {
      const entry = lock.packages[native];
      expect(entry, native).toBeDefined();
      const wanted = Object.entries(entry?.optionalDependencies ?? {});
      expect(wanted.length, native).toBeGreaterThan(5);
      for (const [name, range] of wanted) {
        const found = resolveInLock(native, name);
        expect(found?.version, `${native} -> ${name}`).toBeDefined();
        expect(
          semver.satisfies(found?.version ?? '0.0.0', range),
          `${name}@${found?.version} for ${range}`,
        ).toBe(true);
      }
    }
  });

  it('every locked package runs on the oldest Node the README promises (no EBADENGINE)', () => {
    const oldest = semver.minVersion(pkg.engines.node)?.version;
    expect(oldest).toBe('20.19.0');
    const refuse: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (!path || !range) continue;
      if (!semver.satisfies(oldest ?? '', range)) refuse.push(`${path}@${entry.version} needs node ${range}`);
    }
    expect(refuse).toEqual([]);
  });

  it('every dependency install script is decided in allowScripts, and the CUDA download is off', () => {
    const withScripts = Object.entries(lock.packages)
      .filter(([, e]) => e.hasInstallScript)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(withScripts).toContain('onnxruntime-node');
    for (const name of withScripts) expect(pkg.allowScripts?.[name], name).toBeTypeOf('boolean');
    expect(pkg.allowScripts?.['onnxruntime-node']).toBe(false);
  });

  it("npm reads the project's configuration without a warning", async () => {
    const { stderr } = await run('npm', ['config', 'get', 'registry'], { cwd: root });
    expect(stderr).not.toMatch(/warn/i);
  });

  it('CI installs from the lock file', () => {
    const ci = readFileSync(join(root, '.ci/run'), 'utf8');
    expect(ci).toMatch(/^(\w+=\S+ )*npm ci\b/m);
    expect(ci).not.toMatch(/^(\w+=\S+ )*npm install\b/m);
  });
});
