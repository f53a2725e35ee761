// The operator's host lists: one ConfigMap, and the hosts it must allow or refuse. The engine
// test, the offline policy test and the real-API-server test all use this table.
export const hostListConfigMap = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'mcpentry-host-lists', namespace: 'default' },
  data: {
    allowedHosts: '*.corp.example.com, mcp.example.com\n# partners\nmcp.partner.example\n',
    deniedHosts: 'legacy.corp.example.com',
  },
};

// [remoteUrl, denied by the lists (or by another rule)]
export const hostListCases: readonly (readonly [string, boolean])[] = [
  ['https://a.corp.example.com/mcp', false],
  ['https://deep.a.corp.example.com', false],
  ['https://MCP.EXAMPLE.COM./mcp', false],
  ['https://mcp.partner.example', false],
  ['https://legacy.corp.example.com', true],
  ['https://corp.example.com', true],
  ['https://xcorp.example.com', true],
  ['https://other.example.com', true],
  ['https://mcp.example.com.evil.example', true],
  ['https://8.8.8.8', true],
  ['http://127.0.0.1', true],
];
