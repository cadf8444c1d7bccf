/**
 * The import rules of docs/ARCHITECTURE.md, over the source's import graph (type-only imports
 * included: they couple rooms as much as value imports do). dependency-cruiser would be the
 * library for this, but it reads TypeScript through the compiler API that TypeScript 7's native
 * compiler does not ship: on this project it cruised 0 modules.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fg from 'fast-glob';

const root = fileURLToPath(new URL('../../../', import.meta.url));

export interface Rule {
  name: string;
  /** importer paths (relative to the repository, e.g. src/report/html.ts) */
  from: RegExp;
  /** imported paths it may not reach */
  to: RegExp;
  /** importers the rule leaves alone */
  except?: RegExp;
}

/** What no room may import; the reason is the rule's name. */
export const RULES: Rule[] = [
  { name: 'workers are entry points: nothing in src imports one', from: /^src\//, to: /^src\/workers\//, except: /^src\/workers\// },
  {
    name: 'the TensorFlow.js plugin knows nothing of the study',
    from: /^src\/tfjs\//,
    to: /^src\/(networks|parallel|models|stages|report|learn|io|operators|workers|plots|dataset|config|main)\b/,
  },
  { name: 'networks know nothing of how they are run in parallel, or of stages', from: /^src\/networks\//, to: /^src\/(parallel|stages|report|workers|models)\// },
  { name: 'the data-parallel runtime does not reach up into stages or models', from: /^src\/parallel\//, to: /^src\/(stages|report|models|workers)\// },
  { name: 'the tree learner is plain data in, plain data out', from: /^src\/learn\//, to: /^src\/(tfjs|networks|parallel|models|stages|report|workers|operators)\// },
  { name: 'the boosting learner is plain data in, plain data out', from: /^src\/boost\//, to: /^src\/(tfjs|networks|parallel|models|stages|report|workers|operators|learn|plots)\// },
  { name: 'operators are pure: no stage, model or worker', from: /^src\/operators\//, to: /^src\/(stages|models|networks|parallel|report|workers)\// },
  { name: 'the report reads artifacts, not stages', from: /^src\/report\//, to: /^src\/stages\// },
  {
    name: 'only main.ts, the stage list and the queue (which runs a stage\'s work on other hosts) load stages',
    from: /^src\//,
    to: /^src\/stages\//,
    except: /^src\/(stages\/|main\.ts|queue\/)/,
  },
  { name: 'the queue is reached from the stages that send work to it and from worker.ts', from: /^src\//, to: /^src\/queue\//, except: /^src\/(queue\/|worker\.ts|stages\/predict\/|stages\/trees\/)/ },
  {
    name: 'the browser page bundles only code without Node.js: the framing, the format facts, the pixel scaling',
    from: /^src\/web\//,
    to: /^src\/(?!web\/|images\/frameLikeFashionMnist\.ts$|dataset\.ts$|operators\/normalizePixels\.ts$)/,
  },
  { name: 'the framing that the browser shares imports only the format facts', from: /^src\/images\/frameLikeFashionMnist\.ts$/, to: /^src\/(?!dataset\.ts$)/ },
  { name: 'io, plots and the wasm loader run no learner, network or stage', from: /^src\/(io|plots|wasm)\//, to: /^src\/(stages|networks|parallel|tfjs|report|workers)\// },
];

/** Every relative import of every source file: [importer, imported], as repository paths of .ts files. */
export function importGraph(files: string[], read: (file: string) => string): [string, string][] {
  const edges: [string, string][] = [];
  const specifier = /(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]|\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;
  for (const file of files) {
    for (const m of read(file).matchAll(specifier)) {
      const spec = (m[1] ?? m[2])!;
      edges.push([file, normalize(join(dirname(file), spec)).replace(/\.js$/, '.ts')]);
    }
  }
  return edges;
}

/** The edges that break a rule, as "importer -> imported (rule)". */
export function violations(edges: [string, string][], rules: Rule[]): string[] {
  const out: string[] = [];
  for (const [from, to] of edges) {
    for (const rule of rules) {
      if (rule.from.test(from) && rule.to.test(to) && !rule.except?.test(from)) out.push(`${from} -> ${to} (${rule.name})`);
    }
  }
  return out;
}

describe('import rules', () => {
  const files = fg.sync('src/**/*.ts', { cwd: root, ignore: ['**/assembly/**'] });
  const edges = importGraph(files, (f) => readFileSync(join(root, f), 'utf8'));

  it('reads the graph: every relative import resolves to a source file', () => {
    assert.ok(edges.length > 300, `only ${edges.length} imports found`);
    const known = new Set(files);
    assert.deepEqual(edges.filter(([, to]) => !known.has(to)).map(([f, t]) => `${f} -> ${relative(root, join(root, t))}`), []);
  });

  it('no source file breaks a rule', () => {
    assert.deepEqual(violations(edges, RULES), []);
  });

  it('a forbidden import is caught, type-only ones included', () => {
    const bad: Record<string, string> = {
      'src/report/sections.ts': "import type { Stage } from '../stages/index.js';\n",
      'src/models/pool.ts': "import {\n  run,\n} from '../workers/predict.worker.js';\n",
      'src/tfjs/kernels/x.ts': "const m = await import('../../networks/cnn.js');\n",
      'src/web/predict.ts': "import { readMetrics } from '../io/metrics.js';\n",
    };
    const found = violations(importGraph(Object.keys(bad), (f) => bad[f]!), RULES);
    assert.deepEqual([...new Set(found.map((v) => v.split(' (')[0]))], [
      'src/report/sections.ts -> src/stages/index.ts',
      'src/models/pool.ts -> src/workers/predict.worker.ts',
      'src/tfjs/kernels/x.ts -> src/networks/cnn.ts',
      'src/web/predict.ts -> src/io/metrics.ts',
    ]);
  });
});
