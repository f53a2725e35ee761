// The converter against real CRDs: ToolHive's whole set (the reference corpus) and our own.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { convertCrdSchema } from '../../src/crd/convert.ts';
import { createSchemaAjv } from '../../src/crd/vocabulary.ts';

const toolhiveCrdDir = new URL('../../../shared/reference/toolhive-crds/', import.meta.url);
const ourCrdDir = new URL('../../deploy/crds/', import.meta.url);

interface CrdVersion {
  readonly name: string;
  readonly served: boolean;
  readonly storage: boolean;
  readonly schema: { readonly openAPIV3Schema: unknown };
}
interface Crd {
  readonly kind: string;
  readonly spec: {
    readonly group: string;
    readonly names: { readonly kind: string };
    readonly versions: readonly CrdVersion[];
  };
}

export function readCrds(dir: URL): { file: string; crd: Crd }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .flatMap((file) =>
      parseAllDocuments(readFileSync(new URL(file, dir), 'utf8'))
        .map((d) => d.toJS() as Crd | null)
        .filter((crd): crd is Crd => crd?.kind === 'CustomResourceDefinition')
        .map((crd) => ({ file, crd })),
    );
}

function convertsAndCompiles(dir: URL): void {
  const crds = readCrds(dir);
  assert.ok(crds.length > 0, `CRDs found in ${dir.pathname}`);
  for (const { file, crd } of crds) {
    for (const version of crd.spec.versions) {
      test(`${file} ${version.name}`, () => {
        const { schema } = convertCrdSchema(version.schema.openAPIV3Schema);
        assert.equal(typeof createSchemaAjv().compile(schema), 'function');
      });
    }
  }
}

describe('every ToolHive CRD version converts and compiles under strict ajv', () =>
  convertsAndCompiles(toolhiveCrdDir));
describe('every project CRD version converts and compiles under strict ajv', () =>
  convertsAndCompiles(ourCrdDir));

describe('project CRDs', () => {
  const ours = new Map(readCrds(ourCrdDir).map(({ crd }) => [crd.spec.names.kind, crd]));

  test('MCPServerEntry, MCPGroup and MCPExternalAuthConfig are defined, v1beta1 stored, v1alpha1 served', () => {
    for (const kind of ['MCPServerEntry', 'MCPGroup', 'MCPExternalAuthConfig']) {
      const crd = ours.get(kind);
      assert.ok(crd, kind);
      assert.equal(crd.spec.group, 'toolhive.stacklok.dev');
      const byName = new Map(crd.spec.versions.map((v) => [v.name, v]));
      assert.deepEqual(
        [byName.get('v1alpha1')?.served, byName.get('v1alpha1')?.storage],
        [true, false],
      );
      assert.deepEqual(
        [byName.get('v1beta1')?.served, byName.get('v1beta1')?.storage],
        [true, true],
      );
    }
  });

  test('kustomization lists every CRD file', () => {
    const kustomization = readFileSync(new URL('kustomization.yaml', ourCrdDir), 'utf8');
    for (const file of new Set(readCrds(ourCrdDir).map((c) => c.file)))
      assert.match(kustomization, new RegExp(`- ${file.replace('.', '\\.')}`));
  });

  test('MCPServerEntry v1beta1 is v1alpha1 plus allowPrivateEndpoint (boolean, default false)', () => {
    const entry = ours.get('MCPServerEntry');
    assert.ok(entry);
    const specOf = (name: string): Record<string, unknown> => {
      const v = entry.spec.versions.find((x) => x.name === name);
      const root = v?.schema.openAPIV3Schema as {
        properties: { spec: { properties: Record<string, unknown> } };
      };
      return root.properties.spec;
    };
    const alpha = structuredClone(specOf('v1alpha1')) as { properties: Record<string, unknown> };
    const beta = structuredClone(specOf('v1beta1')) as { properties: Record<string, unknown> };
    const { allowPrivateEndpoint, ...betaRest } = beta.properties;
    assert.deepEqual(allowPrivateEndpoint && { ...allowPrivateEndpoint, description: undefined }, {
      type: 'boolean',
      default: false,
      description: undefined,
    });
    assert.equal(alpha.properties.allowPrivateEndpoint, undefined);
    assert.deepEqual(betaRest, alpha.properties);
  });
});
