// autocannon ships no types; this declares only what bench/load.ts uses.
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';
  import type { ConnectionOptions } from 'node:tls';

  interface Options {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    connections?: number;
    pipelining?: number;
    duration?: number;
    amount?: number;
    tlsOptions?: ConnectionOptions;
  }

  interface Instance extends EventEmitter, PromiseLike<unknown> {
    stop(): void;
  }

  function autocannon(options: Options): Instance;
  export default autocannon;
}
