import { ErrorCode, MetrixError } from '../MetrixError.js';
import type { Series } from './Series.js';

/** The `ERR_METRIX_LATE_ELEMENT` error a value is reported with when its event-time window had closed. */
export function lateError(where: string, series: Series, value: number, time: number): MetrixError {
  return new MetrixError(
    ErrorCode.LATE_ELEMENT,
    `${where}: a value at ${new Date(time).toISOString()} arrived after its window had closed (tags {${series.key}}); it is counted, not merged`,
    { input: { value, tags: series.tags, time } },
  );
}
