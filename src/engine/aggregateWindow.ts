import type { Aggregator } from '../aggregators/Aggregator.js';
import { describe } from '../internal/describe.js';
import { markNormalized } from '../internal/tags.js';
import { MElement } from '../MElement.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import type { MetricWindow } from './MetricWindow.js';
import type { WindowGroup } from './WindowGroup.js';

/** Receives each aggregated element, in group order. */
export type ElementListener = (element: MElement) => void;
/** Receives the error for a result that is not a finite number (that result gives no element). */
export type InvalidResultListener = (error: MetrixError) => void;

/**
 * Reads one aggregator's result for every group of a closed window, in group (first-seen)
 * order, and hands on one element per group named `name`, with the group's tags and the
 * window's time. A result that is not a finite number (an overflowing sum) gives no element: it
 * is handed to `onInvalid` as an `ERR_METRIX_INVALID_AGG_RESULT` error, and the other groups go
 * on. An error thrown by the aggregator itself propagates unchanged.
 *
 * The window must keep the aggregator's state kind (its plan was made with it) or the values in
 * arrival order, which are then folded into a state of the kind the aggregator reads.
 *
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_AGG` when the window keeps neither.
 */
export function aggregateWindow(
  window: MetricWindow,
  aggregator: Aggregator,
  name: string,
  onElement: ElementListener,
  onInvalid: InvalidResultListener,
): void {
  const { plan, groups, time } = window;
  const slot = plan.slotOfKind(aggregator.state);
  const replay = slot < 0 ? replaySlot(window, aggregator) : -1;
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i] as WindowGroup;
    const state = slot >= 0 ? group.states[slot] : replayed(group, replay, aggregator);
    const value = aggregator.result(state);
    const { tags, key } = group.series;
    if (typeof value === 'number' && Number.isFinite(value)) {
      // The series' tags are frozen strings with a known key: the element takes them as they are.
      markNormalized(tags, key);
      onElement(new MElement(name, value, { tags, time }));
    } else {
      onInvalid(
        new MetrixError(
          ErrorCode.INVALID_AGG_RESULT,
          `aggregation "${name}" gave ${describe(value)} for tags {${key}}; it must give a finite number, so this result is dropped`,
          { input: value },
        ),
      );
    }
  }
}

function replaySlot(window: MetricWindow, aggregator: Aggregator): number {
  const slot = window.plan.kinds.findIndex((kind) => kind.id === 'arrival');
  if (slot < 0) {
    throw new MetrixError(
      ErrorCode.INVALID_AGG,
      `aggregation "${aggregator.name}" reads '${aggregator.state.id}' states, which this window does not keep; give the window stage this aggregator`,
      { input: aggregator },
    );
  }
  return slot;
}

function replayed(group: WindowGroup, slot: number, aggregator: Aggregator): unknown {
  const values = group.states[slot] as readonly number[];
  const kind = aggregator.state;
  const state = kind.create();
  for (let i = 0; i < values.length; i++) kind.add(state, values[i] as number);
  return state;
}
