import { Writable } from 'node:stream';

/** A byte Writable that records what it receives; `slow` acknowledges each chunk a turn later. */
export function textTarget(options: { slow?: boolean; highWaterMark?: number } = {}): {
  w: Writable;
  chunks: string[];
} {
  const chunks: string[] = [];
  const w = new Writable({
    highWaterMark: options.highWaterMark ?? 16384,
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      if (options.slow) setImmediate(cb);
      else cb();
    },
  });
  return { w, chunks };
}

/** Ends a sink and resolves on its 'finish', rejects on its 'error'. */
export function finish(sink: NodeJS.WritableStream & NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve, reject) => {
    sink.on('finish', resolve);
    sink.on('error', reject);
    sink.end();
  });
}
