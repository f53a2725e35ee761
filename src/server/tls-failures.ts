// Failed TLS handshakes, made visible. When the API server cannot reach the webhook, kubectl
// only says "failed calling webhook" (and Go's wording of the cause changes with the TLS
// version and the HTTP/2 transport). Our side knows the real reason: a client without a
// certificate from --client-ca, an unknown CA, an old protocol. Each failure is counted by a
// bounded reason, and logged at most once per reason per interval, so a scanner or a
// misconfigured client cannot flood the log.

export const tlsFailureReasons = [
  'client-certificate',
  'protocol',
  'timeout',
  'reset',
  'other',
] as const;

export type TlsFailureReason = (typeof tlsFailureReasons)[number];

/**
 * The error code of a failed handshake. A client certificate that OpenSSL accepted as a
 * certificate but that does not verify (another CA, expired) is refused by Node after the
 * handshake: the error is then only "socket hang up", and the socket says why.
 */
export function tlsFailureCode(
  err: { code?: unknown },
  socket?: { authorizationError?: unknown },
): string {
  const authorization = socket?.authorizationError;
  // Node stores OpenSSL's verify code here (CERT_HAS_EXPIRED, UNABLE_TO_VERIFY_LEAF_SIGNATURE).
  if (typeof authorization === 'string' && authorization !== '')
    return `CLIENT_CERT_${authorization}`;
  if (authorization !== undefined && authorization !== null) return 'CLIENT_CERT_REFUSED';
  return typeof err.code === 'string' ? err.code : 'unknown';
}

/** OpenSSL's and Node's error codes, sorted into what an operator has to fix. */
export function classifyTlsFailure(code: string): TlsFailureReason {
  if (
    code.startsWith('CLIENT_CERT_') ||
    code === 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE' ||
    code === 'ERR_SSL_CERTIFICATE_VERIFY_FAILED' ||
    code.startsWith('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA') ||
    code.startsWith('ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE') ||
    code.startsWith('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED')
  )
    return 'client-certificate';
  if (
    code === 'ERR_SSL_UNSUPPORTED_PROTOCOL' ||
    code === 'ERR_SSL_NO_SHARED_CIPHER' ||
    code === 'ERR_SSL_WRONG_VERSION_NUMBER' ||
    code === 'ERR_SSL_HTTP_REQUEST' ||
    code === 'ERR_SSL_NO_APPLICATION_PROTOCOL' ||
    code === 'ERR_SSL_UNEXPECTED_MESSAGE' ||
    code.startsWith('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION')
  )
    return 'protocol';
  if (code === 'ERR_TLS_HANDSHAKE_TIMEOUT') return 'timeout';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'reset';
  return 'other';
}

const hints: Record<TlsFailureReason, string> = {
  'client-certificate':
    'the client presented no certificate, or one not issued by --client-ca; configure the API server admission kubeconfig (docs/security.md)',
  protocol: 'the client offered no TLS version or cipher suite this server accepts (TLS 1.2+)',
  timeout: 'the client did not finish the handshake in time',
  reset: 'the client closed the connection during the handshake',
  other: 'the handshake failed',
};

export interface TlsFailureSink {
  count(reason: TlsFailureReason): void;
  log(fields: { reason: TlsFailureReason; code: string; suppressed: number; hint: string }): void;
}

/** Returns the listener for the server's `tlsClientError` event. */
export function observeTlsFailures(
  sink: TlsFailureSink,
  logIntervalMs = 60_000,
  now: () => number = Date.now,
): (err: Error & { code?: unknown }, socket?: { authorizationError?: unknown }) => void {
  const lastLogged = new Map<TlsFailureReason, number>();
  const suppressed = new Map<TlsFailureReason, number>();
  return (err, socket) => {
    const code = tlsFailureCode(err, socket);
    const reason = classifyTlsFailure(code);
    sink.count(reason);
    const t = now();
    const last = lastLogged.get(reason);
    if (last !== undefined && t - last < logIntervalMs) {
      suppressed.set(reason, (suppressed.get(reason) ?? 0) + 1);
      return;
    }
    lastLogged.set(reason, t);
    sink.log({
      reason,
      code,
      suppressed: suppressed.get(reason) ?? 0,
      hint: hints[reason],
    });
    suppressed.set(reason, 0);
  };
}
