import type { Transform } from 'readable-stream';
import type { MElement } from '../MElement.js';

/**
 * The synchronous entry of a grouping stage, the same work its `_transform` does. MStream.send()
 * calls it to skip the Writable machinery (~100 ns an element) when no write is queued ahead of
 * it, which keeps order. Not public: a user writes to the stage.
 */
export const kAccept: unique symbol = Symbol('metrix-stream.accept');

/** A grouping stage: a Transform that also accepts elements synchronously. */
export type GroupingStage = Transform & { [kAccept](element: MElement): void };
