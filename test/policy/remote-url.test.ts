// The remoteUrl rule, as a table: each row is a URL, whether the entry sets
// spec.allowPrivateEndpoint, the expected outcome, the rule that decides it and why.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { remoteUrlFindings } from '../../src/policy/remote-url.ts';
import type { Finding } from '../../src/policy/findings.ts';

type Outcome = 'deny' | 'allow' | 'warn';
// [url, allowPrivateEndpoint, outcome, rule (without the `remote-url.` prefix), why]
type Row = readonly [string, boolean, Outcome, string | null, string];

const P = true; // allowPrivateEndpoint: true
const N = false;

const toolhiveList: readonly Row[] = [
  ['http://0.0.0.0', N, 'deny', 'special-purpose', 'ToolHive: 0.0.0.0/8, first address'],
  ['http://0.255.255.255', N, 'deny', 'special-purpose', 'ToolHive: 0.0.0.0/8, last address'],
  ['http://127.0.0.1', N, 'deny', 'loopback', 'ToolHive: 127.0.0.0/8'],
  ['http://127.255.255.254', N, 'deny', 'loopback', 'ToolHive: 127.0.0.0/8, high end'],
  ['https://169.254.0.1', N, 'deny', 'link-local', 'ToolHive: 169.254.0.0/16'],
  ['https://169.254.255.255', N, 'deny', 'link-local', 'ToolHive: 169.254.0.0/16, last address'],
  ['http://[::]', N, 'deny', 'special-purpose', 'ToolHive: ::/128'],
  ['http://[::1]', N, 'deny', 'loopback', 'ToolHive: ::1/128'],
  ['http://[fe80::1]', N, 'deny', 'link-local', 'ToolHive: fe80::/10'],
  ['http://[febf:ffff::1]', N, 'deny', 'link-local', 'ToolHive: fe80::/10, high end'],
  ['http://localhost', N, 'deny', 'loopback', 'ToolHive: localhost'],
  ['http://api.localhost', N, 'deny', 'loopback', 'ToolHive: subdomain of localhost'],
  ['http://kubernetes.default', N, 'deny', 'reserved-name', 'ToolHive: API server name'],
  ['https://kubernetes.default.svc', N, 'deny', 'reserved-name', 'ToolHive: API server name'],
  [
    'https://kubernetes.default.svc.cluster.local',
    N,
    'deny',
    'reserved-name',
    'ToolHive: API server FQDN wins over the cluster.local class',
  ],
  ['https://x.kubernetes.default.svc', N, 'deny', 'reserved-name', 'ToolHive: subdomain'],
  ['http://metadata.google.internal', N, 'deny', 'metadata', 'ToolHive: GCP metadata name'],
  ['http://x.metadata.google.internal', N, 'deny', 'metadata', 'ToolHive: subdomain'],
  ['http://127.0.0.1', P, 'deny', 'loopback', 'always refused, even with the flag'],
  ['http://[::1]', P, 'deny', 'loopback', 'always refused, even with the flag'],
  ['http://[fe80::1]', P, 'deny', 'link-local', 'always refused, even with the flag'],
  ['http://localhost', P, 'deny', 'loopback', 'always refused, even with the flag'],
  [
    'https://kubernetes.default.svc.cluster.local',
    P,
    'deny',
    'reserved-name',
    'API server refused even though cluster.local is allowed by the flag',
  ],
  ['https://10.0.0.1', N, 'deny', 'private', 'ToolHive: 10.0.0.0/8'],
  ['https://10.255.255.255', N, 'deny', 'private', 'ToolHive: 10.0.0.0/8, last address'],
  ['https://172.16.0.1', N, 'deny', 'private', 'ToolHive: 172.16.0.0/12'],
  ['https://172.31.255.255', N, 'deny', 'private', 'ToolHive: 172.16.0.0/12, last address'],
  ['https://172.15.255.255', N, 'allow', null, 'just below 172.16.0.0/12'],
  ['https://172.32.0.1', N, 'allow', null, 'just above 172.16.0.0/12'],
  ['https://192.168.1.1', N, 'deny', 'private', 'ToolHive: 192.168.0.0/16'],
  ['https://[fc00::1]', N, 'deny', 'private', 'ToolHive: fc00::/7'],
  ['https://[fdff:ffff::1]', N, 'deny', 'private', 'ToolHive: fc00::/7, high end'],
  ['https://10.0.0.1', P, 'allow', null, 'private allowed by the flag'],
  ['https://172.16.0.1', P, 'allow', null, 'private allowed by the flag'],
  ['https://192.168.1.1', P, 'allow', null, 'private allowed by the flag'],
  ['https://[fd12:3456::1]', P, 'allow', null, 'unique local allowed by the flag'],
  ['https://svc.ns.svc.cluster.local', N, 'deny', 'cluster-local', 'ToolHive: cluster.local'],
  ['https://svc.ns.svc.cluster.local', P, 'allow', null, 'cluster.local allowed by the flag'],
  ['https://cluster.local', N, 'deny', 'cluster-local', 'equal to cluster.local'],
  ['https://cluster.local', P, 'allow', null, 'equal to cluster.local, flag set'],
  ['https://mycluster.local', N, 'deny', 'cluster-local', 'bare suffix, as ToolHive matches it'],
];

const numericIPv4: readonly Row[] = [
  ['http://2130706433', N, 'deny', 'loopback', 'decimal 127.0.0.1'],
  ['http://0177.0.0.1', N, 'deny', 'loopback', 'octal first octet'],
  ['http://017700000001', N, 'deny', 'loopback', 'whole address in octal'],
  ['http://0x7f000001', N, 'deny', 'loopback', 'whole address in hex'],
  ['http://0x7f.1', N, 'deny', 'loopback', 'hex and short form'],
  ['http://127.1', N, 'deny', 'loopback', 'two-part short form'],
  ['http://127.0.1', N, 'deny', 'loopback', 'three-part short form'],
  ['http://0x7f.0.0.01', N, 'deny', 'loopback', 'mixed hex, decimal and octal'],
  ['http://0', N, 'deny', 'special-purpose', '"0" is 0.0.0.0'],
  ['http://0x0', N, 'deny', 'special-purpose', 'hex zero is 0.0.0.0'],
  ['http://2852039166', N, 'deny', 'metadata', 'decimal 169.254.169.254'],
  ['http://0xa9fea9fe', N, 'deny', 'metadata', 'hex 169.254.169.254'],
  ['http://0251.0376.0251.0376', N, 'deny', 'metadata', 'octal 169.254.169.254'],
  ['http://169.254.43518', N, 'deny', 'metadata', 'short form of 169.254.169.254'],
  ['https://10.1', N, 'deny', 'private', 'short form of 10.0.0.1'],
  ['https://10.1', P, 'deny', 'syntax', 'private allowed, but the spelling is ambiguous'],
  ['https://010.0.0.1', P, 'deny', 'syntax', 'WHATWG reads 8.0.0.1, Go and others 10.0.0.1'],
  ['http://0127.0.0.1', N, 'deny', 'syntax', 'WHATWG reads 87.0.0.1, others 127.0.0.1'],
  ['https://08.8.8.8', N, 'deny', 'syntax', 'invalid octal digit'],
  ['https://134744072', N, 'deny', 'syntax', 'decimal spelling of public 8.8.8.8'],
  ['https://0x8.0x8.0x8.0x8', N, 'deny', 'syntax', 'hex spelling of public 8.8.8.8'],
  ['https://8.8.8.8.', N, 'deny', 'syntax', 'trailing dot on a public address'],
  ['http://127.0.0.1.', N, 'deny', 'loopback', 'trailing dot on loopback'],
  ['http://127.0.0.1..', N, 'deny', 'loopback', 'two trailing dots: WHATWG keeps it a name'],
  ['http://127.0.0.1%2e', N, 'deny', 'loopback', 'percent-encoded trailing dot'],
  ['https://4294967295', N, 'deny', 'special-purpose', 'decimal 255.255.255.255'],
  ['https://4294967296', N, 'deny', 'syntax', 'decimal beyond 32 bits'],
  ['https://256.0.0.1', N, 'deny', 'syntax', 'octet above 255'],
  ['https://1.2.3.4.5', N, 'deny', 'syntax', 'five parts'],
  ['https://8.8.8.8', N, 'allow', null, 'canonical public address'],
  ['https://1.1.1.1:443/mcp', N, 'allow', null, 'canonical public address with port'],
];

const specialIPv4: readonly Row[] = [
  ['https://100.64.0.1', N, 'deny', 'special-purpose', 'carrier-grade NAT 100.64.0.0/10'],
  ['https://100.127.255.255', N, 'deny', 'special-purpose', 'end of 100.64.0.0/10'],
  ['https://100.128.0.1', N, 'allow', null, 'just past 100.64.0.0/10'],
  ['https://100.100.100.200', P, 'deny', 'metadata', 'Alibaba Cloud metadata'],
  ['https://192.0.0.192', P, 'deny', 'metadata', 'Oracle Cloud metadata'],
  ['https://192.0.0.8', N, 'deny', 'special-purpose', 'IETF protocol assignments 192.0.0.0/24'],
  ['https://168.63.129.16', P, 'deny', 'metadata', 'Azure WireServer, a public address'],
  ['https://169.254.169.254', N, 'deny', 'metadata', 'the metadata endpoint'],
  ['https://169.254.169.254', P, 'deny', 'metadata', 'metadata refused even with the flag'],
  ['https://169.254.170.2', N, 'deny', 'metadata', 'ECS task metadata'],
  ['https://169.254.170.23', N, 'deny', 'metadata', 'EKS Pod Identity agent'],
  ['https://192.0.2.1', N, 'deny', 'special-purpose', 'documentation TEST-NET-1'],
  ['https://198.51.100.7', N, 'deny', 'special-purpose', 'documentation TEST-NET-2'],
  ['https://203.0.113.200', N, 'deny', 'special-purpose', 'documentation TEST-NET-3'],
  ['https://198.18.0.1', N, 'deny', 'special-purpose', 'benchmarking 198.18.0.0/15'],
  ['https://198.19.255.255', N, 'deny', 'special-purpose', 'end of 198.18.0.0/15'],
  ['https://198.20.0.1', N, 'allow', null, 'just past 198.18.0.0/15'],
  ['https://192.88.99.1', N, 'deny', 'special-purpose', 'deprecated 6to4 relay anycast'],
  ['https://224.0.0.1', N, 'deny', 'special-purpose', 'multicast'],
  ['https://239.255.255.250', P, 'deny', 'special-purpose', 'multicast (SSDP), flag set'],
  ['https://240.0.0.1', N, 'deny', 'special-purpose', 'reserved 240.0.0.0/4'],
  ['https://255.255.255.255', P, 'deny', 'special-purpose', 'limited broadcast'],
];

const ipv6: readonly Row[] = [
  ['https://[fd00:ec2::254]', P, 'deny', 'metadata', 'AWS IMDS over IPv6, inside fc00::/7'],
  ['https://[fd00:ec2::23]', P, 'deny', 'metadata', 'EKS Pod Identity over IPv6'],
  ['https://[fd20:ce::254]', P, 'deny', 'metadata', 'GCP metadata over IPv6'],
  ['https://[fd00:ec2:0:0:0:0:0:254]', P, 'deny', 'metadata', 'uncompressed spelling'],
  ['https://[ff02::1]', N, 'deny', 'special-purpose', 'multicast ff00::/8'],
  ['https://[fec0::1]', P, 'deny', 'special-purpose', 'deprecated site-local fec0::/10'],
  ['https://[2001:db8::1]', N, 'deny', 'special-purpose', 'documentation 2001:db8::/32'],
  ['https://[3fff::1]', N, 'deny', 'special-purpose', 'documentation 3fff::/20'],
  ['https://[100::1]', N, 'deny', 'special-purpose', 'discard-only 100::/64'],
  ['https://[4000::1]', N, 'deny', 'special-purpose', 'outside global unicast 2000::/3'],
  ['https://[0:0:0:0:0:0:0:1]', N, 'deny', 'loopback', 'uncompressed ::1'],
  ['https://[::0:1]', N, 'deny', 'loopback', 'odd compression of ::1'],
  ['https://[FE80::1]', N, 'deny', 'link-local', 'upper-case hex'],
  ['https://[::1]:8080', N, 'deny', 'loopback', 'bracketed with port'],
  ['https://[2606:4700:4700::1111]', N, 'allow', null, 'public IPv6'],
  ['https://[2001:4860:4860::8888]:8443/mcp', N, 'allow', null, 'public IPv6 with port'],
  ['http://[fe80::1%25eth0]', N, 'deny', 'syntax', 'zone ID, percent-encoded'],
  ['https://[fe80::1%eth0]', N, 'deny', 'syntax', 'zone ID, raw'],
  ['https://[2606:4700::1%25eth0]', N, 'deny', 'syntax', 'zone ID on a public address'],
  ['https://[::1', N, 'deny', 'syntax', 'unclosed bracket'],
  ['https://[::1]x', N, 'deny', 'syntax', 'text after the bracket'],
  ['https://[1.2.3.4]', N, 'deny', 'syntax', 'IPv4 in brackets is not a URL'],
];

const embedded: readonly Row[] = [
  ['http://[::ffff:127.0.0.1]', N, 'deny', 'loopback', 'IPv4-mapped, dotted'],
  ['http://[::ffff:7f00:1]', N, 'deny', 'loopback', 'IPv4-mapped, hex'],
  ['http://[::ffff:169.254.169.254]', P, 'deny', 'metadata', 'IPv4-mapped metadata'],
  ['https://[::ffff:10.0.0.1]', N, 'deny', 'private', 'IPv4-mapped private'],
  ['https://[::ffff:10.0.0.1]', P, 'allow', null, 'IPv4-mapped private, flag set'],
  ['https://[::ffff:8.8.8.8]', N, 'allow', null, 'IPv4-mapped public'],
  ['http://[::127.0.0.1]', N, 'deny', 'loopback', 'IPv4-compatible'],
  ['http://[::169.254.169.254]', N, 'deny', 'metadata', 'IPv4-compatible metadata'],
  ['https://[::2]', N, 'deny', 'special-purpose', 'IPv4-compatible 0.0.0.2'],
  ['http://[::ffff:0:127.0.0.1]', N, 'deny', 'loopback', 'SIIT IPv4-translated'],
  ['http://[64:ff9b::127.0.0.1]', N, 'deny', 'loopback', 'NAT64 well-known prefix'],
  ['http://[64:ff9b::a9fe:a9fe]', N, 'deny', 'metadata', 'NAT64 of metadata'],
  ['https://[64:ff9b::10.0.0.1]', N, 'deny', 'private', 'NAT64 of a private address'],
  ['https://[64:ff9b::8.8.8.8]', N, 'allow', null, 'NAT64 of a public address'],
  ['https://[64:ff9b:1::7f00:1]', P, 'deny', 'loopback', 'local-use NAT64, /96 reading'],
  ['https://[64:ff9b:1:7f00:1::]', P, 'deny', 'loopback', 'local-use NAT64, /48 reading'],
  [
    'https://[64:ff9b:1:808:8:808:808:808]',
    N,
    'deny',
    'private',
    'local-use NAT64: every reading public, the prefix itself is local',
  ],
  ['https://[64:ff9b:1:808:8:808:808:808]', P, 'allow', null, 'same, flag set'],
  ['http://[2002:7f00:1::]', N, 'deny', 'loopback', '6to4 of 127.0.0.1'],
  ['https://[2002:a9fe:a9fe::1]', P, 'deny', 'metadata', '6to4 of metadata'],
  ['https://[2002:a00:1::1]', N, 'deny', 'private', '6to4 of 10.0.0.1'],
  ['https://[2002:808:808::1]', N, 'allow', null, '6to4 of a public address'],
  [
    'https://[2001:0:4136:e378:8000:63bf:80ff:fffe]',
    N,
    'deny',
    'loopback',
    'Teredo client 127.0.0.1 (inverted)',
  ],
  ['https://[2001:0:7f00:1::]', N, 'deny', 'loopback', 'Teredo server 127.0.0.1'],
  ['https://[2001:0:4136:e378::5601:5601]', N, 'deny', 'metadata', 'Teredo client metadata'],
  [
    'https://[2001:0:4136:e378:8000:63bf:f7f7:f7f7]',
    N,
    'allow',
    null,
    'Teredo with public server and client',
  ],
];

const unicodeAndEncoding: readonly Row[] = [
  ['http://１２７.０.０.１', N, 'deny', 'loopback', 'full-width digits'],
  ['http://127。0。0。1', N, 'deny', 'loopback', 'ideographic full stops'],
  ['http://127．0．0．1', N, 'deny', 'loopback', 'full-width full stops'],
  ['http://127｡0｡0｡1', N, 'deny', 'loopback', 'half-width ideographic full stops'],
  ['https://①②⑦.0.0.1', N, 'deny', 'loopback', 'circled digits map to 127'],
  ['https://８.８.８.８', N, 'deny', 'syntax', 'full-width digits of a public address'],
  ['http://ｌｏｃａｌｈｏｓｔ', N, 'deny', 'loopback', 'full-width letters'],
  ['http://ＬＯＣＡＬＨＯＳＴ', N, 'deny', 'loopback', 'full-width capitals'],
  ['https://metadata。google。internal', N, 'deny', 'metadata', 'ideographic dots in a name'],
  ['https://bücher.example', N, 'allow', null, 'IDN name'],
  ['https://xn--bcher-kva.example', N, 'allow', null, 'punycode name'],
  ['https://例え.テスト', N, 'allow', null, 'IDN name in Japanese'],
  ['http://%31%32%37.0.0.1', N, 'deny', 'loopback', 'percent-encoded digits'],
  ['http://%6c%6f%63%61%6c%68%6f%73%74', N, 'deny', 'loopback', 'percent-encoded localhost'],
  ['https://ex%61mple.com', N, 'deny', 'syntax', 'percent-encoded public name'],
  ['https://%38.8.8.8', N, 'deny', 'syntax', 'percent-encoded public address'],
  ['http://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ', N, 'deny', 'loopback', 'circled letters: IDNA maps them to localhost'],
  ['http://ℓocalhost', N, 'deny', 'loopback', 'script small l (U+2113) maps to l'],
  [
    'http://metadata.google.internaⅼ',
    N,
    'deny',
    'metadata',
    'Roman numeral fifty (U+217C) maps to l',
  ],
  ['http://localhost%E3%80%82', N, 'deny', 'loopback', 'percent-encoded ideographic full stop'],
  [
    'https://lοcalhost',
    N,
    'allow',
    null,
    'Greek omicron: a homograph is another DNS name (xn--lcalhost-...), not localhost',
  ],
];

const characters: readonly Row[] = [
  ['http://evil.com\\@127.0.0.1', N, 'deny', 'syntax', 'backslash: parsers split differently'],
  ['https://example.com\\mcp', N, 'deny', 'syntax', 'backslash in the path'],
  [' https://example.com', N, 'deny', 'syntax', 'leading space'],
  ['https://example.com ', N, 'deny', 'syntax', 'trailing space'],
  ['https://exa mple.com', N, 'deny', 'syntax', 'space in the host'],
  ['https://exa\tmple.com', N, 'deny', 'syntax', 'tab, which WHATWG silently drops'],
  ['https://exa\nmple.com', N, 'deny', 'syntax', 'newline, which WHATWG silently drops'],
  ['https://example.com\n', N, 'deny', 'syntax', 'trailing newline'],
  ['http://127.0.0.1\r\n', N, 'deny', 'syntax', 'CRLF'],
  ['https://example.com/\u0000', N, 'deny', 'syntax', 'NUL'],
  ['https://example.com/\u007f', N, 'deny', 'syntax', 'DEL'],
  ['https://example.com/\u0085', N, 'deny', 'syntax', 'NEL (C1 control)'],
  ['https://exa\u00a0mple.com', N, 'deny', 'syntax', 'no-break space'],
  ['https://example.com\u3000', N, 'deny', 'syntax', 'ideographic space'],
  ['https://exa\u200bmple.com', N, 'deny', 'syntax', 'zero-width space, dropped by IDNA'],
  ['https://exa\u00admple.com', N, 'deny', 'syntax', 'soft hyphen, dropped by IDNA'],
  ['https://example.com/\u202e', N, 'deny', 'syntax', 'right-to-left override'],
  ['https://example.com/\u2028', N, 'deny', 'syntax', 'line separator'],
];

const credentials: readonly Row[] = [
  ['https://user:pass@example.com', N, 'deny', 'credentials', 'user and password'],
  ['https://user@example.com', N, 'deny', 'credentials', 'user only'],
  ['https://@example.com', N, 'deny', 'credentials', 'empty user information'],
  ['https://a%40b@example.com', N, 'deny', 'credentials', 'encoded @ in the user'],
  ['https://user:pass@127.0.0.1', N, 'deny', 'credentials', 'credentials reported first'],
  ['https://example.com/path@foo', N, 'allow', null, '@ in the path is not user information'],
  ['https://example.com/?q=a@b', N, 'allow', null, '@ in the query'],
  ['https://example.com/#a@b', N, 'allow', null, '@ in the fragment'],
];

const shape: readonly Row[] = [
  ['', N, 'deny', 'syntax', 'empty'],
  ['http://', N, 'deny', 'syntax', 'no host'],
  ['https://:443', N, 'deny', 'syntax', 'no host, port only'],
  ['https:///example.com', N, 'deny', 'syntax', 'three slashes: Go sees no host'],
  ['http:example.com', N, 'deny', 'syntax', 'no slashes'],
  ['http:/example.com', N, 'deny', 'syntax', 'one slash'],
  ['https://example.com:0', N, 'deny', 'syntax', 'port 0'],
  ['https://example.com:65536', N, 'deny', 'syntax', 'port just out of range'],
  ['https://example.com:99999', N, 'deny', 'syntax', 'port out of range'],
  ['https://example.com:99999999999999999999999', N, 'deny', 'syntax', 'port beyond any integer'],
  ['https://example.com:', N, 'deny', 'syntax', 'empty port'],
  ['https://example.com:8a', N, 'deny', 'syntax', 'port not a number'],
  ['https://example.com:-1', N, 'deny', 'syntax', 'negative port'],
  ['https://example.com:65535', N, 'allow', null, 'highest port'],
  ['https://example.com:1', N, 'allow', null, 'lowest port'],
  ['https://example.com:00443', N, 'allow', null, 'leading zeros in a port read as decimal'],
  [`https://example.com/${'a'.repeat(5000)}`, N, 'deny', 'syntax', 'longer than 4096'],
  ['ftp://example.com', N, 'deny', 'scheme', 'ftp'],
  ['file:///etc/passwd', N, 'deny', 'scheme', 'file'],
  ['gopher://127.0.0.1:6379/_', N, 'deny', 'scheme', 'gopher (Redis smuggling)'],
  ['ws://example.com', N, 'deny', 'scheme', 'websocket'],
  ['wss://example.com', N, 'deny', 'scheme', 'secure websocket'],
  ['javascript:alert(1)', N, 'deny', 'scheme', 'javascript'],
  ['example.com', N, 'deny', 'scheme', 'no scheme'],
  ['//example.com', N, 'deny', 'scheme', 'scheme-relative'],
  ['HTTPS://EXAMPLE.COM/mcp', N, 'allow', null, 'upper-case scheme and host'],
];

const names: readonly Row[] = [
  ['HTTP://LOCALHOST.', N, 'deny', 'loopback', 'upper case and trailing dot'],
  ['https://LOCALHOST.', P, 'deny', 'loopback', 'upper case and trailing dot, flag set'],
  ['http://localhost.', N, 'deny', 'loopback', 'trailing dot'],
  ['http://localhost..', N, 'deny', 'loopback', 'two trailing dots'],
  ['http://localhost...', N, 'deny', 'loopback', 'three trailing dots'],
  ['https://localhost:8080', N, 'deny', 'loopback', 'with port'],
  ['https://foo.localhost', N, 'deny', 'loopback', 'RFC 6761 subdomain'],
  ['https://ip6-localhost', N, 'deny', 'loopback', 'Debian /etc/hosts name'],
  ['https://ip6-loopback', N, 'deny', 'loopback', 'Debian /etc/hosts name'],
  ['https://localhost.example.com', N, 'allow', null, 'localhost as a first label only'],
  ['https://notlocalhost', N, 'allow', null, 'suffix without a dot boundary'],
  ['http://kubernetes.default.svc.cluster.local.', N, 'deny', 'reserved-name', 'trailing dot'],
  ['http://kubernetes.default.svc.cluster.local.', P, 'deny', 'reserved-name', 'with flag'],
  ['https://kubernetes.default.svc.corp.example', P, 'deny', 'reserved-name', 'custom domain'],
  ['https://kubernetes', N, 'deny', 'reserved-name', 'short API server name'],
  ['https://kubernetes.example.com', N, 'allow', null, 'not under kubernetes'],
  ['http://svc.ns.svc.cluster.local.', N, 'deny', 'cluster-local', 'trailing dot'],
  ['http://svc.ns.svc.cluster.local.', P, 'warn', 'plain-http', 'trailing dot, flag set'],
  ['http://mcp.tools.svc', N, 'warn', 'plain-http', 'short .svc name allowed like ToolHive'],
  ['https://mcp.tools.svc', N, 'allow', null, 'short .svc name allowed like ToolHive'],
  ['https://mcp.tools.svc:8080/mcp', N, 'allow', null, 'short .svc name with port'],
  ['https://mcp', N, 'allow', null, 'single-label name'],
  ['https://metadata', N, 'deny', 'metadata', 'GCE short metadata name'],
  ['https://metadata.', N, 'deny', 'metadata', 'short metadata name, trailing dot'],
  ['https://instance-data', N, 'deny', 'metadata', 'EC2 metadata name'],
  ['https://instance-data.ec2.internal', N, 'deny', 'metadata', 'EC2 metadata FQDN'],
  ['https://instance-data.us-west-2.compute.internal', N, 'deny', 'metadata', 'regional'],
  ['https://metadata.tencentyun.com', N, 'deny', 'metadata', 'Tencent Cloud metadata'],
  ['https://metadata.example.com', N, 'allow', null, 'metadata as a first label only'],
  ['https://example.com..', N, 'deny', 'syntax', 'two trailing dots on a public name'],
  ['https://.example.com', N, 'deny', 'syntax', 'empty leading label'],
  ['https://a..b.example.com', N, 'deny', 'syntax', 'empty inner label'],
  ['https://a!b.example.com', N, 'deny', 'syntax', 'not a DNS name'],
  [`https://${'a'.repeat(64)}.example.com`, N, 'deny', 'syntax', 'label over 63'],
  [`https://${'abcdefghi.'.repeat(26)}com`, N, 'deny', 'syntax', 'name over 253'],
  ['https://foo.123', N, 'deny', 'syntax', 'ends in a number, not an address'],
  ['https://foo.1..', N, 'deny', 'syntax', 'ends in a number behind two dots'],
  ['https://svc%2ens.svc.cluster.local', P, 'deny', 'syntax', 'flag set, but percent-encoded'],
  ['https://a..b.svc.cluster.local', P, 'deny', 'syntax', 'flag set, but an empty label'],
  ['https://svc.ns.svc.cluster.local..', P, 'deny', 'syntax', 'flag set, but two trailing dots'],
  ['https://a_b.example.com', N, 'allow', null, 'underscore in a label'],
  ['https://example.com.', N, 'allow', null, 'fully qualified, one trailing dot'],
];

const dnsOnly: readonly Row[] = [
  ['https://127.0.0.1.nip.io', N, 'allow', null, 'needs DNS to see loopback: egress policy'],
  ['https://169.254.169.254.nip.io', N, 'allow', null, 'needs DNS: egress policy'],
  ['https://localtest.me', N, 'allow', null, 'public name resolving to 127.0.0.1'],
];

const publicEndpoints: readonly Row[] = [
  ['https://mcp.example.com/mcp', N, 'allow', null, 'public host'],
  ['https://8.8.8.8', N, 'allow', null, 'public address'],
  ['https://mcp.context7.com/mcp', N, 'allow', null, 'ToolHive example'],
  ['http://mcp.example.com/mcp', N, 'warn', 'plain-http', 'plain http to a public host'],
  ['http://8.8.8.8', N, 'warn', 'plain-http', 'plain http to a public address'],
  ['http://10.0.0.1', P, 'warn', 'plain-http', 'plain http to an allowed private address'],
];

const table: readonly (readonly [string, readonly Row[]])[] = [
  ["ToolHive's own list", toolhiveList],
  ['IPv4 spellings', numericIPv4],
  ['IPv4 special-purpose and metadata', specialIPv4],
  ['IPv6', ipv6],
  ['IPv4 carried in IPv6', embedded],
  ['Unicode and percent-encoding', unicodeAndEncoding],
  ['characters', characters],
  ['credentials', credentials],
  ['URL shape, port and scheme', shape],
  ['names', names],
  ['names only DNS can judge', dnsOnly],
  ['public endpoints', publicEndpoints],
];

// Anything a terminal would act on or hide: C0, DEL, C1, soft hyphen, bidi and zero-width
// format characters, line and paragraph separators, BOM, interlinear annotations.
function unsafeCharacterIn(text: string): string | null {
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    const bad =
      c < 0x20 ||
      (c >= 0x7f && c <= 0x9f) ||
      c === 0xad ||
      c === 0x61c ||
      c === 0x180e ||
      (c >= 0x200b && c <= 0x200f) ||
      (c >= 0x2028 && c <= 0x202e) ||
      (c >= 0x2060 && c <= 0x206f) ||
      c === 0xfeff ||
      (c >= 0xfff9 && c <= 0xfffb);
    if (bad) return `U+${c.toString(16).padStart(4, '0')}`;
  }
  return null;
}

function assertPrintable(message: string): void {
  assert.equal(unsafeCharacterIn(message), null, printable(message));
}

function allFindings(url: unknown, allowPrivate: boolean): Finding[] {
  const result = remoteUrlFindings(url, allowPrivate);
  return [...result.denials, ...result.warnings];
}

function printable(text: string): string {
  return JSON.stringify(text).slice(0, 80);
}

describe('remoteUrl rule', () => {
  for (const [group, rows] of table) {
    describe(group, () => {
      for (const [url, allowPrivate, outcome, rule, why] of rows) {
        const name = `${printable(url)}${allowPrivate ? ' +allowPrivateEndpoint' : ''} → ${outcome}${rule === null ? '' : ` ${rule}`} (${why})`;
        test(name, () => {
          const { denials, warnings } = remoteUrlFindings(url, allowPrivate);
          const summary = JSON.stringify({ denials, warnings });
          switch (outcome) {
            case 'deny':
              assert.ok(denials.length > 0, `expected a denial: ${summary}`);
              assert.equal(denials[0]?.rule, `remote-url.${rule}`, summary);
              assert.equal(warnings.length, 0, summary);
              break;
            case 'warn':
              assert.equal(denials.length, 0, summary);
              assert.deepEqual(
                warnings.map((w) => w.rule),
                [`remote-url.${rule}`],
                summary,
              );
              break;
            case 'allow':
              assert.equal(denials.length, 0, summary);
              assert.equal(warnings.length, 0, summary);
              break;
          }
          for (const f of [...denials, ...warnings]) {
            assert.equal(f.field, 'spec.remoteUrl');
            assertPrintable(f.message);
            assert.ok(f.message.length < 700, `message too long: ${f.message.length}`);
          }
        });
      }
    });
  }

  test('the table is broad', () => {
    const rows = table.reduce((n, [, r]) => n + r.length, 0);
    assert.ok(rows >= 150, `only ${rows} cases`);
  });
});

describe('remoteUrl messages', () => {
  test('name the class and the fix for private addresses only', () => {
    const [priv] = remoteUrlFindings('https://10.0.0.1', false).denials;
    assert.match(priv?.message ?? '', /10\.0\.0\.1 is a private address/);
    assert.match(priv?.message ?? '', /set spec\.allowPrivateEndpoint: true/);
    const [meta] = remoteUrlFindings('https://169.254.169.254', false).denials;
    assert.match(meta?.message ?? '', /169\.254\.169\.254 is the cloud instance metadata endpoint/);
    assert.doesNotMatch(meta?.message ?? '', /allowPrivateEndpoint/);
    assert.match(meta?.message ?? '', /always refused/);
  });

  test('say what a non-canonical spelling means', () => {
    const [f] = remoteUrlFindings('http://0x7f.1', false).denials;
    assert.match(
      f?.message ?? '',
      /host "0x7f\.1" means 127\.0\.0\.1, which is a loopback address/,
    );
  });

  test('say which IPv4 address an IPv6 address carries', () => {
    const [f] = remoteUrlFindings('http://[::ffff:169.254.169.254]', true).denials;
    assert.match(f?.message ?? '', /carries IPv4 169\.254\.169\.254 \(IPv4-mapped\)/);
  });

  test('plain http warning says why', () => {
    const [w] = remoteUrlFindings('http://mcp.example.com', false).warnings;
    assert.match(
      w?.message ?? '',
      /plain http: traffic and forwarded headers are not encrypted; use https/,
    );
  });

  test('never echo a password', () => {
    for (const url of ['https://alice:s3cret-pw@example.com/x', 'https://s3cret-pw@127.0.0.1']) {
      for (const f of allFindings(url, false)) {
        assert.doesNotMatch(f.message, /s3cret-pw/);
        assert.match(f.message, /\*\*\*@/);
      }
    }
  });

  test('point the fix at the flag beside the judged field', () => {
    const { denials } = remoteUrlFindings('https://10.0.0.1', false, 'items[2].spec.remoteUrl');
    assert.equal(denials[0]?.field, 'items[2].spec.remoteUrl');
    assert.match(denials[0]?.message ?? '', /set items\[2\]\.spec\.allowPrivateEndpoint: true/);
  });

  test('cut an echoed URL to about 200 characters', () => {
    const url = `https://127.0.0.1/${'x'.repeat(3000)}`;
    const [f] = remoteUrlFindings(url, false).denials;
    assert.equal(f?.rule, 'remote-url.loopback');
    assert.ok((f?.message.length ?? 0) < 400, `length ${f?.message.length}`);
  });

  test('escape control and invisible characters in echoed URLs', () => {
    const inputs = [
      'https://a\u202eb.com',
      'https://x\u001b[31mred.com',
      'https://x.com/\u0085\u2028\u2029',
      'https://ex\u0000ample.com',
      `https://${'\u200b'.repeat(300)}`,
    ];
    for (const url of inputs) {
      const found = allFindings(url, false);
      assert.ok(found.length > 0, printable(url));
      for (const f of found) assertPrintable(f.message);
    }
  });

  test('every message from any string is free of control characters, and nothing throws', () => {
    const anyText = fc.string({ unit: 'binary', maxLength: 80 });
    const urlish = fc
      .tuple(
        fc.constantFrom('http://', 'https://', 'HTTP://', 'http:', 'https:///', ''),
        anyText,
        fc.constantFrom('', '/', ':80', '@127.0.0.1', '.', '%2e', '\\'),
      )
      .map(([a, b, c]) => a + b + c);
    fc.assert(
      fc.property(fc.oneof(anyText, urlish), fc.boolean(), (url, allowPrivate) => {
        for (const f of allFindings(url, allowPrivate)) {
          assertPrintable(f.message);
          assert.ok(f.rule.startsWith('remote-url.'));
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('remoteUrl input types', () => {
  test('a non-string value has no findings: the schema reports its type', () => {
    for (const value of [undefined, null, 42, true, {}, ['https://127.0.0.1'], { href: 'x' }]) {
      assert.deepEqual(remoteUrlFindings(value, false), { denials: [], warnings: [] });
    }
  });
});

// The facts in ../shared/reference/README.md list what ToolHive's operator refuses; every one
// of them must be refused here too, so this rule is never weaker than the operator's.
describe("stronger than ToolHive's operator", () => {
  const readme = readFileSync(
    new URL('../../../shared/reference/README.md', import.meta.url),
    'utf8',
  );
  const line = readme.split('\n').find((l) => l.includes("ToolHive's operator checks `remoteUrl`"));
  assert.ok(line !== undefined, 'README line about the operator check');
  const always = line.slice(line.indexOf('always refused:'), line.indexOf('refused unless'));
  const conditional = line.slice(line.indexOf('refused unless'), line.indexOf('It parses'));

  const cidrs = (text: string): string[] => text.match(/[0-9a-f:.]+\/\d+/g) ?? [];
  const quotedNames = (text: string): string[] =>
    [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '').filter((n) => !n.startsWith('spec.'));

  test('the README yields the lists', () => {
    assert.ok(cidrs(always).length >= 6 && quotedNames(always).length >= 5);
    assert.ok(cidrs(conditional).length >= 4 && quotedNames(conditional).length >= 1);
  });

  const urlsFor = (cidr: string): string[] => {
    const [base = '', bits = '0'] = cidr.split('/');
    if (!base.includes(':')) {
      const n = base.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
      const last = n + 2 ** (32 - Number(bits)) - 1;
      const dotted = (v: number) =>
        [24, 16, 8, 0].map((s) => Math.floor(v / 2 ** s) % 256).join('.');
      return [`https://${dotted(n)}`, `https://${dotted(last)}`];
    }
    const first = ipv6ToBigInt(base);
    const last = first | ((1n << BigInt(128 - Number(bits))) - 1n);
    return [`https://[${bigIntToIPv6(first)}]`, `https://[${bigIntToIPv6(last)}]`];
  };

  test('always-refused addresses and names are refused even with allowPrivateEndpoint', () => {
    const urls = [
      ...cidrs(always).flatMap(urlsFor),
      ...quotedNames(always).flatMap((n) => [`https://${n}`, `https://sub.${n}`]),
    ];
    for (const url of urls) {
      assert.ok(remoteUrlFindings(url, true).denials.length > 0, `${url} must be refused`);
    }
  });

  test('private addresses and names are refused without the flag and allowed with it', () => {
    const urls = [
      ...cidrs(conditional).flatMap(urlsFor),
      ...quotedNames(conditional).flatMap((n) => [`https://${n}`, `https://svc.ns.svc.${n}`]),
    ];
    for (const url of urls) {
      assert.ok(remoteUrlFindings(url, false).denials.length > 0, `${url} must be refused`);
      assert.deepEqual(remoteUrlFindings(url, true).denials, [], `${url} must be allowed`);
    }
  });

  test("ToolHive's example entries pass without findings", () => {
    const dir = new URL('../../../shared/reference/toolhive-examples/', import.meta.url);
    const urls = readdirSync(dir)
      .flatMap((file) => readFileSync(new URL(file, dir), 'utf8').split('\n'))
      .map((l) => /^\s*remoteUrl:\s*(\S+)/.exec(l)?.[1])
      .filter((u): u is string => u !== undefined);
    assert.ok(urls.length >= 3);
    for (const url of urls) assert.deepEqual(allFindings(url, false), [], url);
  });
});

function ipv6ToBigInt(text: string): bigint {
  const [head = '', tail = ''] = text.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === '' ? [] : tail.split(':');
  const groups = text.includes('::')
    ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t]
    : h;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function bigIntToIPv6(value: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((value >> BigInt(16 * i)) & 0xffffn).toString(16));
  return groups.join(':');
}
