// The optional ServiceMonitor scrapes the metrics Service on the server's metrics route.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { metricsPath } from '../../src/server/routes-paths.ts';
import { findObject, renderComposition, renderOverlay } from './rendered.ts';

interface ServiceMonitorSpec {
  selector: { matchLabels: Record<string, string> };
  endpoints: { port: string; path: string; scheme: string }[];
}

describe('ServiceMonitor', () => {
  test('the add-on overlay renders only the ServiceMonitor', () => {
    assert.deepEqual(
      renderOverlay('overlays/servicemonitor').map((o) => o.kind),
      ['ServiceMonitor'],
    );
  });

  test('selects the metrics Service (only) and scrapes its named port on the metrics route', () => {
    const objects = renderComposition(['overlays/cert-manager'], ['components/servicemonitor']);
    const monitor = findObject(objects, 'ServiceMonitor');
    const spec = monitor['spec'] as ServiceMonitorSpec;
    const services = objects.filter((o) => o.kind === 'Service');
    const selected = services.filter((s) => {
      const labels = (s.metadata['labels'] ?? {}) as Record<string, string>;
      return Object.entries(spec.selector.matchLabels).every(([k, v]) => labels[k] === v);
    });
    assert.deepEqual(
      selected.map((s) => s.metadata.name),
      ['mcpentry-webhook-metrics'],
    );
    const ports = (selected[0]?.['spec'] as { ports: { name: string }[] }).ports.map((p) => p.name);
    for (const endpoint of spec.endpoints) {
      assert.ok(ports.includes(endpoint.port));
      assert.equal(endpoint.path, metricsPath);
      assert.equal(endpoint.scheme, 'http');
    }
    assert.equal(monitor.metadata.namespace, selected[0]?.metadata.namespace);
  });
});
