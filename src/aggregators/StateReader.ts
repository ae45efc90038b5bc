import { ErrorCode, MetrixError } from '../MetrixError.js';

/**
 * Reads the fields of one state's JSON form, checking each as it goes: every `fromJSON` uses it,
 * so every kind rejects a malformed form the same way, with `ERR_METRIX_INVALID_STATE` and a
 * message naming the kind, the field and what was wrong. Not part of the public API.
 *
 * Numbers that may legitimately be non-finite (a sum that overflowed, a mean of such values) are
 * written by {@link StateReader.writeNumber} as the strings `'Infinity'`, `'-Infinity'` or
 * `'NaN'`, because `JSON.stringify` would turn them into `null` and lose them.
 *
 * @example
 * ```ts
 * const r = new StateReader(json, 'summary');
 * const count = r.count('count');
 * ```
 */
export class StateReader {
  /** The form's fields, once it is known to be an object of the right version and kind. */
  readonly #fields: Record<string, unknown>;
  readonly #kind: string;

  /**
   * Checks that `json` is an object with `v: 1` and `kind` equal to `kind`.
   * @throws {@link MetrixError} `ERR_METRIX_INVALID_STATE` otherwise.
   */
  constructor(json: unknown, kind: string) {
    this.#kind = kind;
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw StateReader.invalid(`a '${kind}' state's JSON form must be an object, got ${describe(json)}`, json);
    }
    this.#fields = json as Record<string, unknown>;
    if (this.#fields.v !== 1) {
      throw StateReader.invalid(
        `a '${kind}' state's JSON form must have v: 1, got v: ${describe(this.#fields.v)}`,
        json,
      );
    }
    if (this.#fields.kind !== kind) {
      throw StateReader.invalid(
        `a '${kind}' state's JSON form must have kind: '${kind}', got kind: ${describe(this.#fields.kind)}`,
        json,
      );
    }
  }

  /** The error for a malformed form; `input` is the rejected form. */
  static invalid(message: string, input: unknown): MetrixError {
    return new MetrixError(ErrorCode.INVALID_STATE, message, { input });
  }

  /** `x` as JSON can carry it: itself when finite, else `'Infinity'`, `'-Infinity'` or `'NaN'`. */
  static writeNumber(x: number): number | string {
    return Number.isFinite(x) ? x : String(x);
  }

  /** Fails reading field `name`: the message names the kind and the field. */
  fail(name: string, what: string): MetrixError {
    return StateReader.invalid(
      `'${this.#kind}' state: field '${name}' must be ${what}, got ${describe(this.#fields[name])}`,
      this.#fields,
    );
  }

  /** Field `name`, a non-negative safe integer (a count). */
  count(name: string): number {
    const x = this.#fields[name];
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) throw this.fail(name, 'a non-negative integer');
    return x;
  }

  /** Field `name`, a safe integer (a bin key). */
  integer(name: string): number {
    const x = this.#fields[name];
    if (typeof x !== 'number' || !Number.isSafeInteger(x)) throw this.fail(name, 'an integer');
    return x;
  }

  /** Field `name`, a finite number. */
  finite(name: string): number {
    const x = this.#fields[name];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw this.fail(name, 'a finite number');
    return x;
  }

  /** Field `name`, `null` (then `NaN` is returned, for "no value"). */
  absent(name: string): number {
    if (this.#fields[name] !== null) throw this.fail(name, 'null in an empty state');
    return Number.NaN;
  }

  /** Field `name`, a number as {@link StateReader.writeNumber} wrote it (finite, or a non-finite one's name). */
  extended(name: string): number {
    const x = this.#fields[name];
    if (typeof x === 'number' && Number.isFinite(x)) return x;
    if (x === 'Infinity' || x === '-Infinity' || x === 'NaN') return Number(x);
    throw this.fail(name, "a finite number or one of 'Infinity', '-Infinity', 'NaN'");
  }

  /** Field `name`, an array of finite numbers (not copied). */
  finiteArray(name: string): readonly number[] {
    const x = this.#fields[name];
    if (!Array.isArray(x)) throw this.fail(name, 'an array of finite numbers');
    for (let i = 0; i < x.length; i++) {
      if (typeof x[i] !== 'number' || !Number.isFinite(x[i])) {
        throw this.fail(name, `an array of finite numbers (element ${i} is ${describe(x[i])})`);
      }
    }
    return x as number[];
  }
}

/** A short, safe description of a rejected value for a message. */
function describe(x: unknown): string {
  if (typeof x === 'string') return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x);
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (x === null || typeof x !== 'object') return String(x);
  return 'an object';
}
