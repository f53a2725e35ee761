// The URL paths the server serves. The deploy manifests (webhook clientConfig paths, probe
// paths, ServiceMonitor path) are tested against these constants, so a route renamed here
// without the manifests following it fails `npm test` instead of failing admission in a cluster.

export const admissionPaths = {
  validate: '/validate',
  mutate: '/mutate',
  validateDelete: '/validate-delete',
} as const;

export const healthPaths = { live: '/healthz', ready: '/readyz' } as const;

export const metricsPath = '/metrics';
