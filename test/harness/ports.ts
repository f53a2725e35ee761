// Free loopback ports. Asking the kernel for port 0 and closing the socket is racy by
// nature (another process can take the port before etcd or kube-apiserver binds it), so
// callers retry a start that fails with "address already in use".
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function isAddressInUse(log: string): boolean {
  return /address already in use|EADDRINUSE/i.test(log);
}
