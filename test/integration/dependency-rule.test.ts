import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

/**
 * ARCHITECTURE's dependency rules, checked on the sources: modules/ imports only the adapter
 * contract and src/shared; the contract itself has no Nest and no core internals; domain/
 * never imports integration/.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function sources(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]);
}

/** Local imports of `file` that resolve outside every allowed folder. */
function violations(files: string[], allowed: string[], forbidPackages: RegExp | null = null): string[] {
  const bad: string[] = [];
  for (const file of files) {
    for (const spec of imports(file)) {
      if (spec.startsWith('.')) {
        const target = path.resolve(path.dirname(file), spec);
        if (!allowed.some((dir) => target === dir || target.startsWith(dir + path.sep))) bad.push(`${path.relative(root, file)} imports ${spec}`);
      } else if (forbidPackages?.test(spec)) {
        bad.push(`${path.relative(root, file)} imports ${spec}`);
      }
    }
  }
  return bad;
}

test('files under modules/ import only src/integration/contract and src/shared', () => {
  const moduleRoot = path.join(root, 'modules');
  const files = sources(moduleRoot);
  const bad = violations(files, [moduleRoot, path.join(root, 'src/integration/contract'), path.join(root, 'src/shared')], /^@nestjs\/|^typeorm$|^pg$/);
  assert.deepEqual(bad, []);
});

test('the adapter contract depends on nothing but itself and src/shared, and not on Nest', () => {
  const contract = path.join(root, 'src/integration/contract');
  assert.ok(sources(contract).length > 0);
  assert.deepEqual(violations(sources(contract), [contract, path.join(root, 'src/shared')], /^@nestjs\/|^typeorm$|^pg$/), []);
});

test('the test adapter keeps the same rule as a real one', () => {
  const file = path.join(root, 'test/fakes/test-adapter.ts');
  assert.deepEqual(violations([file], [path.join(root, 'src/integration/contract'), path.join(root, 'src/shared')], /^@nestjs\//), []);
});

test('domain/ never imports integration/', () => {
  const domain = path.join(root, 'src/domain');
  const bad = sources(domain).flatMap((file) => imports(file).filter((s) => s.includes('/integration/')).map((s) => `${path.relative(root, file)} imports ${s}`));
  assert.deepEqual(bad, []);
});
