// Object and namespace names as the API server validates them. A reference name comes from the
// entry under review (user input) and ends up in a request path: a name the API server could
// never store (`..`, `a/b`, `%2F`) is answered "missing" without a request, so a crafted name
// cannot steer a GET to another URL (`/mcpgroups/..` would normalise to the namespace itself).

// RFC 1123 subdomain: what Secrets, ConfigMaps and custom resources accept as metadata.name.
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// RFC 1123 label: what a Namespace accepts.
const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function isObjectName(name: string): boolean {
  return name.length <= 253 && dnsSubdomain.test(name);
}

export function isNamespaceName(name: string): boolean {
  return name.length <= 63 && dnsLabel.test(name);
}
