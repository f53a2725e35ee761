// The facts of test/fixtures/objects/neighbours.yaml as a ReferenceLookup, so the in-process
// property tests run the real engine and handler without reading manifests on every run.
// The HTTPS tests use the real server, which reads the manifests themselves.
import type { ReferenceAnswer, ReferenceLookup, ReferenceQuery } from '../../src/model/lookup.ts';

type Facts = Readonly<Record<string, ReferenceAnswer & { keys?: readonly string[] }>>;

const neighbours: Facts = {
  'MCPGroup/default/engineering': { status: 'found', phase: 'Ready' },
  'MCPGroup/default/staging': { status: 'found', phase: 'Pending' },
  'MCPExternalAuthConfig/default/exchange': { status: 'found', authType: 'tokenExchange' },
  'MCPExternalAuthConfig/default/bearer': { status: 'found', authType: 'bearerToken' },
  'ConfigMap/default/internal-ca': { status: 'found', keys: ['ca.crt', 'bundle.pem'] },
  'Secret/default/search-api': { status: 'found', keys: ['api-key'] },
};

export class FixtureFactsLookup implements ReferenceLookup {
  lookup(query: ReferenceQuery): Promise<ReferenceAnswer> {
    const fact = neighbours[`${query.kind}/${query.namespace}/${query.name}`];
    if (fact === undefined) return Promise.resolve({ status: 'missing' });
    if (fact.status !== 'found' || query.key === undefined) return Promise.resolve(fact);
    return Promise.resolve({ status: 'found', hasKey: fact.keys?.includes(query.key) === true });
  }
  ready(): boolean {
    return true;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
