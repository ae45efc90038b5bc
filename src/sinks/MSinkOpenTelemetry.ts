import { describe } from '../internal/describe.js';
import type { MElement } from '../MElement.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import { MSink, type MSinkOptions } from './MSink.js';

/**
 * The part of an OpenTelemetry synchronous `Gauge` the sink uses (`@opentelemetry/api` ≥ 1.9).
 * Typed structurally so that metrix-stream does not depend on `@opentelemetry/api`.
 * @category Sinks
 */
export interface OTelGaugeLike {
  record(value: number, attributes?: Record<string, string>): void;
}

/**
 * The part of an OpenTelemetry `Meter` the sink uses: `createGauge` (`@opentelemetry/api` ≥ 1.9).
 * @category Sinks
 */
export interface OTelMeterLike {
  createGauge(name: string, options?: { description?: string; unit?: string }): OTelGaugeLike;
}

/**
 * The part of an OpenTelemetry `MeterProvider` the sink uses: `getMeter(name, version)`.
 * @category Sinks
 */
export interface OTelMeterProviderLike {
  getMeter(name: string, version?: string): OTelMeterLike;
}

/**
 * Options of {@link MSinkOpenTelemetry}: exactly one of `meterProvider` and `meter`.
 * @category Sinks
 */
export interface MSinkOpenTelemetryOptions extends MSinkOptions {
  /** The MeterProvider to record into; the sink asks it for the meter `meterName`. */
  meterProvider?: OTelMeterProviderLike;
  /** A meter of your own to record into, instead of `meterProvider`. */
  meter?: OTelMeterLike;
  /** Name of the meter (the instrumentation scope) taken from `meterProvider`. Default `'metrix-stream'`. */
  meterName?: string;
  /**
   * The instrument's description and unit per aggregate name, e.g.
   * `(name) => name.startsWith('latency') ? { unit: 'ms' } : {}`. Default: description
   * `metrix-stream aggregate <name>`, no unit.
   */
  instrumentOptions?: (name: string) => { description?: string; unit?: string };
}

// OpenTelemetry's instrument-name syntax (sdk-metrics rejects others with a diagnostic only).
const OTEL_NAME_INVALID = /[^A-Za-z0-9_.\-/]/g;
const OTEL_NAME_MAX = 255;

/**
 * A sink that records each aggregated element into an OpenTelemetry meter, so that every
 * exporter of the user's `MeterProvider` (OTLP, Prometheus, console, in-memory) carries the
 * aggregates.
 *
 * Each aggregate name becomes one synchronous **gauge** (created on first use, once), and each
 * element one `gauge.record(value, attributes)` with the element's tags as attributes. A gauge
 * reports the last value recorded per attribute set, which is what an aggregate of a window is.
 * The element's own time is not carried: OpenTelemetry stamps points when its reader collects.
 *
 * Names: OpenTelemetry accepts instrument names `[A-Za-z][A-Za-z0-9_.-/]{0,254}`; other
 * characters become `_`, a name that does not start with a letter gets `metric_` in front, and
 * names are cut at 255 characters (`latency ms.p99` → `latency_ms.p99`). An exporter may rename
 * further: the Prometheus exporter writes `latency_ms_p99`.
 *
 * `latency.mean` with tags `{ route: '/a' }` → `meter.createGauge('latency.mean').record(12, { route: '/a' })`
 *
 * metrix-stream does not depend on OpenTelemetry: bring `@opentelemetry/api` ≥ 1.9 and an SDK
 * (`@opentelemetry/sdk-metrics`). The sink types them structurally. An error thrown by the meter
 * fails the sink, unchanged.
 *
 * @example
 * ```ts
 * import { MeterProvider, PeriodicExportingMetricReader, ConsoleMetricExporter } from '@opentelemetry/sdk-metrics';
 * import { MCoordinator, MSinkOpenTelemetry, MStream, mean } from 'metrix-stream';
 *
 * const meterProvider = new MeterProvider({
 *   readers: [new PeriodicExportingMetricReader({ exporter: new ConsoleMetricExporter() })],
 * });
 * const mc = new MCoordinator({
 *   mstreams: [new MStream('latency', { agg: mean, windowSize: 10 })],
 *   msinks: [new MSinkOpenTelemetry({ meterProvider })],
 * });
 * ```
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT` when `options` is not an object,
 * when neither or both of `meter` and `meterProvider` are given, when either lacks its method
 * (`createGauge`, `getMeter`), or when `meterName` or `instrumentOptions` has the wrong type.
 * @see {@link MSinkPromClient} for a prom-client registry; {@link MSinkPrometheus} to serve a
 * page without either library.
 * @category Sinks
 */
export class MSinkOpenTelemetry extends MSink {
  readonly #meter: OTelMeterLike;
  readonly #instrumentOptions: ((name: string) => { description?: string; unit?: string }) | undefined;
  readonly #gauges = new Map<string, OTelGaugeLike>();

  constructor(options: MSinkOpenTelemetryOptions) {
    if (options === null || typeof options !== 'object') {
      throw invalid(`options must be an object, got ${describe(options)}`, options);
    }
    const { meterProvider, meter, meterName = 'metrix-stream', instrumentOptions } = options;
    if ((meter === undefined) === (meterProvider === undefined)) {
      throw invalid('give exactly one of { meter } and { meterProvider }', options);
    }
    if (typeof meterName !== 'string' || meterName.length === 0) {
      throw invalid(`meterName must be a non-empty string, got ${describe(meterName)}`, meterName);
    }
    if (instrumentOptions !== undefined && typeof instrumentOptions !== 'function') {
      throw invalid(`instrumentOptions must be a function, got ${describe(instrumentOptions)}`, instrumentOptions);
    }
    let resolved: unknown = meter;
    if (meterProvider !== undefined) {
      if (typeof (meterProvider as Partial<OTelMeterProviderLike> | null)?.getMeter !== 'function') {
        throw invalid(`meterProvider must have getMeter(), got ${describe(meterProvider)}`, meterProvider);
      }
      resolved = meterProvider.getMeter(meterName);
    }
    if (typeof (resolved as Partial<OTelMeterLike> | null)?.createGauge !== 'function') {
      throw invalid(
        `the meter must have createGauge() (@opentelemetry/api 1.9 or later), got ${describe(resolved)}`,
        resolved,
      );
    }
    super(options);
    this.#meter = resolved as OTelMeterLike;
    this.#instrumentOptions = instrumentOptions;
  }

  protected handle(element: MElement): void {
    let gauge = this.#gauges.get(element.name);
    if (gauge === undefined) {
      const name = otelInstrumentName(element.name);
      const given = this.#instrumentOptions?.(element.name) ?? {};
      gauge = this.#meter.createGauge(name, { description: `metrix-stream aggregate ${element.name}`, ...given });
      // Keyed by the element's name, not the sanitised one: two names that sanitise alike get
      // the same instrument from the meter (it deduplicates by name), so they share a gauge.
      this.#gauges.set(element.name, gauge);
    }
    // Tags are a frozen map of strings: valid attributes as they are.
    gauge.record(element.value, element.tags);
  }
}

/** An OpenTelemetry instrument name for an element name: see {@link MSinkOpenTelemetry}. */
function otelInstrumentName(name: string): string {
  let out = name.replace(OTEL_NAME_INVALID, '_');
  if (!/^[A-Za-z]/.test(out)) out = `metric_${out}`;
  return out.slice(0, OTEL_NAME_MAX);
}

function invalid(message: string, input: unknown): MetrixError {
  return new MetrixError(ErrorCode.INVALID_ARGUMENT, `MSinkOpenTelemetry: ${message}`, { input });
}
