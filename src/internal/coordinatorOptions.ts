import type { MCoordinatorOnUnknown, MCoordinatorOptions } from '../MCoordinatorOptions.js';
import { MElement, type Tags } from '../MElement.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import type { MStream } from '../MStream.js';
import type { MSinkLike } from '../sinks/toSink.js';
import { describe } from './describe.js';
import { parseRateLimit } from './parseRateLimit.js';
import { positiveInteger } from './validate.js';

/** {@link MCoordinatorOptions} checked once, with the defaults applied. */
export interface CoordinatorSettings {
  /** As given: each stream and sink is checked when it is attached. */
  mstreams: readonly MStream[];
  msinks: readonly MSinkLike[];
  rateLimits: ReturnType<typeof parseRateLimit>;
  queueSize: number;
  /** The explicit coordinator-wide stall timeout; `undefined`: each sink's own. */
  stallTimeoutMs: number | undefined;
  maxStreams: number;
  dropUnknown: boolean;
  template: MCoordinatorOnUnknown | undefined;
  dropInvalid: boolean;
  prefix: string;
  /** Normalised by the element's own rules; `undefined` when there are none. */
  defaultTags: Tags | undefined;
}

/**
 * Validates a coordinator's options and applies the defaults, before the coordinator touches
 * any stream or sink (so a throwing constructor leaves them as they were).
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT` (naming the option),
 * `ERR_METRIX_INVALID_SINK` for `msinks` that is not an array, `ERR_METRIX_INVALID_RATE_LIMIT`,
 * and the element's tag codes for `defaultTags`.
 */
export function coordinatorOptions(options: MCoordinatorOptions): CoordinatorSettings {
  if (options === null || typeof options !== 'object') {
    throw invalid('MCoordinator(options): options must be an object', options);
  }
  const {
    mstreams = [],
    msinks = [],
    rateLimit,
    sinkQueueSize = 16,
    onUnknown = 'error',
    onInvalid = 'error',
    maxStreams = Number.POSITIVE_INFINITY,
    stallTimeoutMs,
    defaultTags,
    prefix = '',
  } = options;
  if (!Array.isArray(mstreams)) throw invalid('MCoordinator({ mstreams }) must be an array of MStream', mstreams);
  if (!Array.isArray(msinks)) {
    throw new MetrixError(ErrorCode.INVALID_SINK, 'MCoordinator({ msinks }) must be an array of sinks', {
      input: msinks,
    });
  }
  const template = typeof onUnknown === 'object' && onUnknown !== null ? onUnknown : undefined;
  if (template !== undefined ? typeof template.create !== 'function' : onUnknown !== 'error' && onUnknown !== 'drop') {
    throw invalid("MCoordinator({ onUnknown }) must be 'error', 'drop' or { create(name) }", onUnknown);
  }
  if (onInvalid !== 'error' && onInvalid !== 'drop') {
    throw invalid("MCoordinator({ onInvalid }) must be 'error' or 'drop'", onInvalid);
  }
  if (typeof prefix !== 'string')
    throw invalid(`MCoordinator({ prefix }) must be a string, got ${describe(prefix)}`, prefix);
  const tags = defaultTags == null ? undefined : new MElement('defaultTags', 0, { tags: defaultTags, time: 0 }).tags;
  return {
    mstreams,
    msinks,
    rateLimits: parseRateLimit(rateLimit, msinks.length),
    queueSize: positiveInteger(sinkQueueSize, 'MCoordinator({ sinkQueueSize })'),
    stallTimeoutMs:
      stallTimeoutMs === undefined ? undefined : stallTimeout(stallTimeoutMs, 'MCoordinator({ stallTimeoutMs })'),
    maxStreams:
      maxStreams === Number.POSITIVE_INFINITY
        ? maxStreams
        : positiveInteger(maxStreams, 'MCoordinator({ maxStreams })'),
    dropUnknown: onUnknown === 'drop',
    template,
    dropInvalid: onInvalid === 'drop',
    prefix,
    defaultTags: tags === undefined || Object.keys(tags).length === 0 ? undefined : tags,
  };
}

/**
 * Validates a stall timeout: a positive number of ms, or `Infinity`.
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT` naming `what`.
 */
export function stallTimeout(ms: unknown, what: string): number {
  if (typeof ms !== 'number' || Number.isNaN(ms) || ms <= 0) {
    throw invalid(`${what} must be a positive number of ms or Infinity, got ${describe(ms)}`, ms);
  }
  return ms;
}

function invalid(message: string, input: unknown): MetrixError {
  return new MetrixError(ErrorCode.INVALID_ARGUMENT, message, { input });
}
