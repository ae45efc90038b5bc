import type { StateKind } from '../aggregators/Aggregator.js';
import type { MetricWindow } from '../engine/MetricWindow.js';
import type { WindowGroup } from '../engine/WindowGroup.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import type { PartialMessage } from './PartialMessage.js';

/**
 * The partials of one closed time window of stream `stream`: one {@link PartialMessage} per
 * series, carrying every state of the series in its JSON form. Call it inside the MStream's
 * `'window'` listener: the states are consumed (quantile states sorted) right after it returns.
 * `seq` numbers the messages from `firstSeq`.
 *
 * @throws `MetrixError` `ERR_METRIX_INVALID_ARGUMENT` for a count batch (no start and end):
 *   only time windows line up across processes.
 * @example
 * ```ts
 * import { MStream, sum } from 'metrix-stream';
 * import { windowPartials } from 'metrix-stream/distribution';
 * const ms = new MStream('hits', { agg: sum, windowSize: 10, windowTime: 'event' });
 * ms.on('window', (w) => console.log(windowPartials('edge-1', ms.name, w, 1).length));
 * ```
 */
export function windowPartials(
  source: string,
  stream: string,
  window: MetricWindow,
  firstSeq: number,
): PartialMessage[] {
  const { start, end, plan, groups } = window;
  if (start === undefined || end === undefined) {
    throw new MetrixError(
      ErrorCode.INVALID_ARGUMENT,
      `MStream("${stream}") makes count batches; only time windows (windowSize) can be distributed, since only they line up across processes`,
      { input: stream },
    );
  }
  const kinds = plan.kinds;
  const out: PartialMessage[] = new Array(groups.length);
  for (let g = 0; g < groups.length; g++) {
    const { series, states } = groups[g] as WindowGroup;
    const json = new Array(kinds.length);
    for (let k = 0; k < kinds.length; k++) json[k] = (kinds[k] as StateKind).toJSON(states[k]);
    out[g] = { v: 1, source, seq: firstSeq + g, stream, start, end, key: series.key, tags: series.tags, states: json };
  }
  return out;
}
