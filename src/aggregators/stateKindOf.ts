import { ErrorCode, MetrixError } from '../MetrixError.js';
import type { StateJSON, StateKind } from './Aggregator.js';
import { arrivalValuesState } from './arrivalValuesState.js';
import { ddsketchState } from './ddsketchState.js';
import { summaryState } from './summaryState.js';
import { valuesState } from './valuesState.js';
import { welfordState } from './welfordState.js';

/** The kinds with a fixed id. */
const FIXED: ReadonlyMap<string, StateKind> = new Map<string, StateKind>([
  [summaryState.id, summaryState as StateKind],
  [welfordState.id, welfordState as StateKind],
  [valuesState.id, valuesState as StateKind],
  [arrivalValuesState.id, arrivalValuesState as StateKind],
]);

/**
 * The {@link StateKind} that reads a state's JSON form, found by its `kind`: `'summary'`,
 * `'welford'`, `'values'`, `'arrival'` or `'ddsketch:<α>'` (the same kind object as
 * `ddsketchState(α)`). For a process receiving states without knowing their kinds in advance:
 * `stateKindOf(json).fromJSON(json)`.
 *
 * Only the header is checked here (`v: 1` and a known `kind`); the kind's own `fromJSON` checks
 * the rest.
 *
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_STATE` when `json` is not an object with
 *   `v: 1` and a known `kind`.
 * @example
 * ```ts
 * import { stateKindOf, summaryState } from 'metrix-stream';
 * const json = JSON.parse(JSON.stringify(summaryState.toJSON(summaryState.create())));
 * stateKindOf(json) === summaryState; // true
 * const state = stateKindOf(json).fromJSON(json);
 * ```
 * @category Aggregators
 */
export function stateKindOf(json: StateJSON): StateKind {
  const form = json as unknown;
  if (typeof form !== 'object' || form === null || Array.isArray(form)) {
    throw invalid(`a state's JSON form must be an object, got ${form === null ? 'null' : typeof form}`, form);
  }
  const { v, kind } = form as Record<string, unknown>;
  if (v !== 1) throw invalid(`a state's JSON form must have v: 1, got v: ${String(v)}`, form);
  if (typeof kind !== 'string') throw invalid(`a state's JSON form must have a string kind, got ${typeof kind}`, form);
  const fixed = FIXED.get(kind);
  if (fixed !== undefined) return fixed;
  if (kind.startsWith('ddsketch:')) {
    const alpha = Number(kind.slice('ddsketch:'.length));
    // Only the canonical spelling: the kind's id must read back as the same string to merge.
    if (alpha > 0 && alpha < 1 && `ddsketch:${alpha}` === kind) {
      try {
        return ddsketchState(alpha) as StateKind;
      } catch (err) {
        throw new MetrixError(ErrorCode.INVALID_STATE, `unusable sketch kind ${JSON.stringify(kind)}`, {
          input: form,
          cause: err,
        });
      }
    }
  }
  throw invalid(`unknown state kind ${JSON.stringify(kind.slice(0, 60))}`, form);
}

function invalid(message: string, input: unknown): MetrixError {
  return new MetrixError(ErrorCode.INVALID_STATE, message, { input });
}
