/**
 * The layer rule: each layer imports only layers below it
 * (gvariant < format < codec < sign < store < ops < flatpak < cli). Pure layers import no I/O modules.
 */
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';

const ROOT = join(__dirname, '..', 'src');
const LAYERS = ['gvariant', 'format', 'codec', 'sign', 'store', 'ops', 'flatpak', 'cli'];
const PURE = new Set(['gvariant', 'format', 'codec']);
const IO_MODULES = /^(node:)?(fs|fs\/promises|child_process|net|http|https|dgram|worker_threads)$/;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function layerOf(file: string): string | null {
  const top = relative(ROOT, file).split('/')[0];
  return LAYERS.includes(top) ? top : null;
}

describe('architecture', () => {
  const all = files(ROOT);
  it('finds the source files', () => expect(all.length).toBeGreaterThan(20));
  it('every import points down the layer list, and pure layers do no I/O', () => {
    const violations: string[] = [];
    for (const file of all) {
      const layer = layerOf(file);
      if (!layer) continue;
      const text = readFileSync(file, 'utf8');
      const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g), ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]);
      for (const spec of specs) {
        if (spec.startsWith('.')) {
          const tl = layerOf(resolve(dirname(file), spec));
          if (tl !== null && LAYERS.indexOf(tl) > LAYERS.indexOf(layer)) violations.push(`${relative(ROOT, file)} → ${spec}`);
        } else if (PURE.has(layer) && IO_MODULES.test(spec)) {
          violations.push(`${relative(ROOT, file)} imports ${spec}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });
});
