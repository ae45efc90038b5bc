import { describe } from '../internal/describe.js';
import type { MElement } from '../MElement.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import { MSink, type MSinkOptions } from './MSink.js';
import { prometheusFamilyName } from './prometheusFamilyName.js';
import { prometheusLabelName, sanitizeTags } from './transport/lineProtocols.js';

/**
 * The part of a prom-client `Gauge` the sink uses. Typed structurally so that metrix-stream
 * does not depend on prom-client.
 * @category Sinks
 */
export interface PromGaugeLike {
  set(labels: Record<string, string>, value: number): void;
}

/**
 * The part of a prom-client `Registry` the sink uses.
 * @category Sinks
 */
export interface PromRegistryLike {
  getSingleMetric(name: string): unknown;
  removeSingleMetric(name: string): void;
}

/**
 * The part of the prom-client module the sink uses: its `Gauge` class and default `register`
 * (`import * as client from 'prom-client'`, or `import client from 'prom-client'`).
 * @category Sinks
 */
export interface PromClientLike<R extends PromRegistryLike = PromRegistryLike> {
  Gauge: new (config: { name: string; help: string; labelNames: string[]; registers: R[] }) => PromGaugeLike;
  register: R;
}

/**
 * Options of {@link MSinkPromClient}.
 * @category Sinks
 */
export interface MSinkPromClientOptions<R extends PromRegistryLike = PromRegistryLike> extends MSinkOptions {
  /** The registry the gauges are registered in. Default: prom-client's global `register`. */
  registry?: R;
  /** The HELP text per aggregate name. Default `metrix-stream aggregate <name>`. */
  help?: (name: string) => string;
}

interface Family {
  gauge: PromGaugeLike;
  /** Sorted label names the gauge was made with. */
  labelNames: string[];
  help: string;
  /** The last value per label set (its JSON as the key), replayed when the gauge is remade. */
  series: Map<string, { labels: Record<string, string>; value: number }>;
}

/**
 * A sink that writes each aggregated element into a prom-client `Registry`, so that the
 * aggregates appear beside an application's own prom-client metrics on its `/metrics` page
 * (`await registry.metrics()`).
 *
 * Each aggregate name becomes one prom-client **Gauge** (created on first use) and each element
 * one `gauge.set(labels, value)`, its tags as labels: the gauge holds the last value written per
 * label set. prom-client has no sample timestamps; the element's time is not carried.
 *
 * Names and labels follow the same rules as {@link MSinkPrometheus}, so that one aggregate has
 * one name whichever of the two serves it, and `promtool check metrics` finds nothing to report
 * about it: `requests.count` → `requests_count_per_window`, `latency_ms.mean` →
 * `latency_milliseconds_mean`, camelCase → snake_case, `:` → `_`. Label names become
 * `[a-zA-Z_][a-zA-Z0-9_]*` without a leading `__` (other characters → `_`, a leading digit gets
 * `_` in front); label values are kept whole; of two tags whose names become equal the one whose
 * original name sorts first is kept; empty names or values are left out.
 *
 * Changing label sets: prom-client fixes a gauge's label names when it is made and rejects
 * others. When an element brings a label name its gauge does not have, the sink removes that
 * gauge from the registry and registers a new one with the union of the names, re-setting every
 * value it holds (each series keeps exactly its own labels; Prometheus reads a missing label as
 * an empty one). Series never expire: call `registry.removeSingleMetric(name)` for that.
 *
 * A metric of the same name registered by someone else makes prom-client throw when the gauge is
 * made; that error fails the sink, unchanged, as does any other error of prom-client.
 *
 * `latency.mean` with `{ route: '/a' }` → `latency_mean{route="/a"} 12` in `registry.metrics()`
 *
 * @example
 * ```ts
 * import * as client from 'prom-client';
 * import { MCoordinator, MSinkPromClient, MStream, mean } from 'metrix-stream';
 *
 * const registry = new client.Registry();
 * const mc = new MCoordinator({
 *   mstreams: [new MStream('latency', { agg: mean, windowSize: 10 })],
 *   msinks: [new MSinkPromClient(client, { registry })],
 * });
 * // in your /metrics route: res.end(await registry.metrics());
 * ```
 * @throws {@link MetrixError} `ERR_METRIX_INVALID_ARGUMENT` when `client` has no `Gauge`
 * constructor, `registry` lacks `getSingleMetric`/`removeSingleMetric`, `help` is not a function
 * or `options` is not an object.
 * @see {@link MSinkOpenTelemetry}; {@link MSinkPrometheus} to serve a page without prom-client.
 * @category Sinks
 */
export class MSinkPromClient<R extends PromRegistryLike = PromRegistryLike> extends MSink {
  readonly #Gauge: PromClientLike<R>['Gauge'];
  readonly #registry: R;
  readonly #help: (name: string) => string;
  readonly #families = new Map<string, Family>();

  constructor(client: PromClientLike<R>, options: MSinkPromClientOptions<R> = {}) {
    if (typeof (client as unknown as Partial<PromClientLike> | null)?.Gauge !== 'function') {
      throw invalid(`client must be the prom-client module (with Gauge), got ${describe(client)}`, client);
    }
    if (options === null || typeof options !== 'object') {
      throw invalid(`options must be an object, got ${describe(options)}`, options);
    }
    const { registry = client.register as R, help = (name: string) => `metrix-stream aggregate ${name}` } = options;
    const r = registry as Partial<PromRegistryLike> | null;
    if (typeof r?.getSingleMetric !== 'function' || typeof r.removeSingleMetric !== 'function') {
      throw invalid(`registry must be a prom-client Registry, got ${describe(registry)}`, registry);
    }
    if (typeof help !== 'function') throw invalid(`help must be a function, got ${describe(help)}`, help);
    super(options);
    this.#Gauge = client.Gauge;
    this.#registry = registry;
    this.#help = help;
  }

  protected handle(element: MElement): void {
    const name = prometheusFamilyName(element.name, 'gauge');
    const labels: Record<string, string> = {};
    for (const [k, v] of sanitizeTags(element.tags, prometheusLabelName, (s) => s)) labels[k] = v;
    let family = this.#families.get(name);
    if (family === undefined) {
      const help = this.#help(element.name);
      const labelNames = Object.keys(labels).sort();
      family = { gauge: this.#makeGauge(name, help, labelNames), labelNames, help, series: new Map() };
      this.#families.set(name, family);
    } else if (Object.keys(labels).some((k) => !family?.labelNames.includes(k))) {
      this.#widen(name, family, Object.keys(labels));
    }
    family.gauge.set(labels, element.value);
    family.series.set(JSON.stringify(labels), { labels, value: element.value });
  }

  #makeGauge(name: string, help: string, labelNames: string[]): PromGaugeLike {
    return new this.#Gauge({ name, help, labelNames, registers: [this.#registry] });
  }

  /** Remakes a family's gauge with more label names, re-setting the values it held. */
  #widen(name: string, family: Family, more: string[]): void {
    const labelNames = [...new Set([...family.labelNames, ...more])].sort();
    // Only our own gauge is removed: if someone replaced it, registering ours fails loudly.
    if (this.#registry.getSingleMetric(name) === family.gauge) this.#registry.removeSingleMetric(name);
    const gauge = this.#makeGauge(name, family.help, labelNames);
    for (const { labels, value } of family.series.values()) gauge.set(labels, value);
    family.gauge = gauge;
    family.labelNames = labelNames;
  }
}

function invalid(message: string, input: unknown): MetrixError {
  return new MetrixError(ErrorCode.INVALID_ARGUMENT, `MSinkPromClient: ${message}`, { input });
}
