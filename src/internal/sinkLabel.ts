import type { ObjectWritable } from '../sinks/toSink.js';

/** A sink's own `toString()` when it has one (MSink's is its class name), else its class name. */
export function sinkLabel(sink: ObjectWritable): string {
  if (sink.toString !== Object.prototype.toString) {
    const text = String(sink);
    if (text !== '' && text !== '[object Object]') return text;
  }
  return (sink as { constructor?: { name?: string } }).constructor?.name || 'Writable';
}
