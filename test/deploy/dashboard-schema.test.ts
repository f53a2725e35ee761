// The Grafana dashboard against Grafana's own published schema. Grafana itself cannot run here
// (it is not packaged for this machine, and its server is AGPL), but Grafana publishes the
// dashboard model as TypeScript types generated from its schema (@grafana/schema, Apache-2.0):
// the dashboard, its panels, field config and templating, and each panel plugin's options
// (timeseries, stat). The dashboard JSON is type-checked as an object literal of those types,
// so an unknown key, a misspelt option, a wrong enum value or a missing required field fails
// the way TypeScript reports excess and mismatched properties. Panel options are checked as
// deep partials: Grafana fills the options a dashboard leaves out from the plugin's defaults.
// (The check found one thing: the datasource variable's `"current": {}`, which the schema's
// VariableOption refuses, since removed.)
// A mutated copy shows the check refuses what it should. What this cannot show: how Grafana
// renders the panels, and the Prometheus queries' own fields (@grafana/schema has no type for
// them; test/deploy/monitoring.test.ts parses every expression with Prometheus's parser).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { deployPath, repoRoot } from '../../deploy/kustomize-render.ts';

type Json = Record<string, unknown>;
const dashboardFile = deployPath('components/grafana-dashboard/mcpentry-webhook-dashboard.json');
const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as Json & { panels: Json[] };

const prelude = `
import type { Dashboard, FieldConfig, FieldConfigSource, Panel, RowPanel } from '@grafana/schema';
import type * as timeseries from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';
import type * as stat from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
// Options every level optional; string enums as their values (JSON holds "table", not
// LegendDisplayMode.Table).
type DeepPartial<T> = T extends string
  ? \`\${T}\`
  : T extends readonly (infer U)[]
    ? DeepPartial<U>[]
    : T extends object
      ? { [K in keyof T]?: DeepPartial<T[K]> }
      : T;
type Query = { refId: string; datasource?: { type?: string; uid?: string } } & Record<string, unknown>;
type PanelOf<Options, Custom> = Omit<Panel, 'options' | 'fieldConfig' | 'targets'> & {
  options?: DeepPartial<Options>;
  fieldConfig?: Omit<FieldConfigSource, 'defaults'> & {
    defaults: Omit<FieldConfig, 'custom'> & { custom?: DeepPartial<Custom> };
  };
  targets?: Query[];
};
type Panels = {
  timeseries: PanelOf<timeseries.Options, timeseries.FieldConfig>;
  stat: PanelOf<stat.Options, Record<string, never>>;
  row: RowPanel;
};
`;

/** A module declaring the dashboard as \`Dashboard\` and each panel as its plugin's type. */
function moduleFor(value: Json & { panels: Json[] }): string {
  const literal = (v: unknown) => JSON.stringify(v, null, 2);
  return [
    prelude,
    `export const dashboard: Dashboard = ${literal(value)};`,
    ...value.panels.map(
      (panel, i) =>
        `export const panel${i}: Panels[${literal(panel['type'])}] = ${literal(panel)};`,
    ),
  ].join('\n');
}

/** Type-checks the given modules (virtual files beside this test) together; errors per module. */
function typeCheck(modules: Record<string, string>): Record<string, string[]> {
  const options: ts.CompilerOptions = {
    strict: true,
    exactOptionalPropertyTypes: false,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
    skipLibCheck: true,
  };
  const paths = Object.fromEntries(
    Object.keys(modules).map((name) => [join(repoRoot, 'test', 'deploy', `${name}.ts`), name]),
  );
  const base = ts.createCompilerHost(options);
  const host: ts.CompilerHost = {
    ...base,
    fileExists: (file) => file in paths || base.fileExists(file),
    readFile: (file) => {
      const name = paths[file];
      return name === undefined ? base.readFile(file) : modules[name];
    },
    getSourceFile: (file, language, ...rest) => {
      const name = paths[file];
      return name === undefined
        ? base.getSourceFile(file, language, ...rest)
        : ts.createSourceFile(file, modules[name] ?? '', language);
    },
  };
  const program = ts.createProgram(Object.keys(paths), options, host);
  const errors: Record<string, string[]> = Object.fromEntries(
    Object.keys(modules).map((name) => [name, []]),
  );
  for (const [file, name] of Object.entries(paths)) {
    const source = program.getSourceFile(file);
    assert.ok(source, file);
    for (const d of [
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    ]) {
      const line =
        d.start === undefined ? 0 : source.getLineAndCharacterOfPosition(d.start).line + 1;
      errors[name]?.push(`${line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    }
  }
  return errors;
}

test("the dashboard type-checks against Grafana's published dashboard and panel schemas", () => {
  assert.ok(dashboard.panels.length >= 15);
  const series = dashboard.panels.findIndex((p) => p['type'] === 'timeseries');
  const single = dashboard.panels.findIndex((p) => p['type'] === 'stat');
  // Broken copies, one fault each (TypeScript reports the first excess property of a literal):
  // an unknown top-level key, a misspelt panel key, a wrong enum value in a plugin option, an
  // option the plugin does not have.
  const broken = (name: string, mutate: (copy: Json & { panels: Json[] }) => void) => {
    const copy = structuredClone(dashboard);
    mutate(copy);
    return [name, moduleFor(copy)] as const;
  };
  const panel = (copy: { panels: Json[] }, index: number) =>
    copy.panels[index] as Json & { options: Json & { legend: Json } };
  const faults = {
    refreh: broken('broken1', (copy) => {
      copy['refreh'] = '30s';
    }),
    gridpos: broken('broken2', (copy) => {
      panel(copy, series)['gridpos'] = panel(copy, series)['gridPos'];
    }),
    '"tabel"': broken('broken3', (copy) => {
      panel(copy, series).options.legend['displayMode'] = 'tabel';
    }),
    sparklineMode: broken('broken4', (copy) => {
      panel(copy, single).options['sparklineMode'] = true;
    }),
  };
  const errors = typeCheck({
    shipped: moduleFor(dashboard),
    ...Object.fromEntries(Object.values(faults)),
  });
  assert.deepEqual(errors['shipped'], [], 'the shipped dashboard');
  for (const [fault, [name]] of Object.entries(faults)) {
    const found = (errors[name] ?? []).join('\n');
    assert.ok(found.includes(fault), `the copy with ${fault} is refused:\n${found}`);
  }
});

test('the chart ships the same dashboard file', () => {
  assert.equal(
    readFileSync(
      join(repoRoot, 'deploy/chart/mcpentry-webhook/files/mcpentry-webhook-dashboard.json'),
      'utf8',
    ),
    readFileSync(dashboardFile, 'utf8'),
  );
});
