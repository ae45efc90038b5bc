import { describe } from '../internal/describe.js';
import { positiveInteger } from '../internal/validate.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import type { DistributionOptions, ResolvedDistribution } from './DistributionOptions.js';

const TOKENS = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const STREAM = /^[A-Za-z0-9_-]+$/;

/** Validates {@link DistributionOptions} once and fills in the defaults. @internal */
export function resolveDistribution(options: DistributionOptions, who: string): ResolvedDistribution {
  const { subjectPrefix = 'metrix', streamName = 'METRIX_PARTIALS', partitions = 8 } = options;
  if (typeof subjectPrefix !== 'string' || !TOKENS.test(subjectPrefix)) {
    throw new MetrixError(
      ErrorCode.INVALID_ARGUMENT,
      `${who}: subjectPrefix must be dot-separated tokens of letters, digits, _ and -, got ${describe(subjectPrefix)}`,
      { input: subjectPrefix },
    );
  }
  if (typeof streamName !== 'string' || !STREAM.test(streamName)) {
    throw new MetrixError(
      ErrorCode.INVALID_ARGUMENT,
      `${who}: streamName must be letters, digits, _ and -, got ${describe(streamName)}`,
      { input: streamName },
    );
  }
  positiveInteger(partitions, `${who}: partitions`);
  return { subjectPrefix, streamName, partitions };
}
