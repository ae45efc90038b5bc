import { describe } from '../internal/describe.js';
import type { MCoordinator } from '../MCoordinator.js';
import { ErrorCode, MetrixError } from '../MetrixError.js';
import type { MStream } from '../MStream.js';
import type { ParsedElement } from '../parsers/ParsedElement.js';
import type { StatsDElement } from '../parsers/parseStatsD.js';
import { buildAutoMStream } from './buildMStream.js';
import type { CliConfig } from './CliConfig.js';
import type { SampledCountMStream } from './SampledCountMStream.js';

/** Names of dropped elements remembered for the summary. */
const MAX_NAMES = 10;

/** What the router reports to the command. */
export interface RouterHooks {
  /** A failure that stops the command (an unknown name under `--unknown error`). */
  fail(err: Error): void;
  /** A message line on stderr (the cardinality limit, once). */
  log(message: string): void;
}

/** Where one metric's values go: its stream, and the companion counting sampled timings. */
interface Route {
  readonly stream: MStream;
  readonly counter: SampledCountMStream | undefined;
}

/**
 * Routes parsed elements (already validated by a parser) to the coordinator's streams by name,
 * with `mstream.send(value, { tags, time })` — one synchronous call per element, no stream write
 * and no second validation of the name — and creates streams for unseen names under
 * `--unknown auto`, at most `--max-streams` of them.
 *
 * Backpressure: when a stream says it is full, {@link Router.backedUp} turns true and
 * {@link Router.room} resolves once it has drained (or closed); inputs that can wait (files,
 * HTTP bodies) pause their source until then, the UDP listener drops datagrams meanwhile.
 *
 * Unseen names: `drop` counts them (and remembers the first names); `error` fails the command
 * once; `auto` builds a stream — with the StatsD daemon's aggregations for StatsD elements when
 * no `--agg` was given, a timer then getting a {@link SampledCountMStream} for its `count` — and,
 * past the limit, drops the element, counts it, and reports `ERR_METRIX_CARDINALITY_LIMIT` once.
 */
export class Router {
  /** Elements routed to a stream. */
  routed = 0;
  /** Elements of a name without a stream, dropped (`--unknown drop`). */
  unknown = 0;
  /** Elements of new names dropped because `--max-streams` streams were already created. */
  overLimit = 0;
  /** Elements a stream refused (closed after a failure, or invalid for it). */
  refused = 0;
  /** Why the first refused element was refused. */
  firstRefusal: Error | undefined;
  /** The first names dropped, for the summary. */
  readonly droppedNames = new Set<string>();

  readonly #mc: MCoordinator;
  readonly #config: CliConfig;
  readonly #hooks: RouterHooks;
  readonly #routes = new Map<string, Route>();
  readonly #maxStreams: number;
  #created = 0;
  #failed = false;
  #full: MStream | undefined;
  #room: Promise<void> | undefined;

  constructor(mc: MCoordinator, config: CliConfig, hooks: RouterHooks) {
    this.#mc = mc;
    this.#config = config;
    this.#hooks = hooks;
    this.#maxStreams = config.maxStreams ?? DEFAULT_MAX_STREAMS;
    for (const stream of mc.mstreams.values()) this.#routes.set(stream.name, { stream, counter: undefined });
  }

  /** Whether a stream is full: the caller should wait for {@link Router.room} before routing more. */
  get backedUp(): boolean {
    return this.#full !== undefined;
  }

  /** Streams created for unseen names so far. */
  get created(): number {
    return this.#created;
  }

  /** Resolves once the stream that was full has room again (at once when none is). */
  room(): Promise<void> {
    const full = this.#full;
    if (full === undefined) return Promise.resolve();
    this.#room ??= new Promise<void>((resolve) => {
      const done = () => {
        full.off('drain', done);
        full.off('close', done);
        if (this.#full === full) this.#full = undefined;
        this.#room = undefined;
        resolve();
      };
      full.on('drain', done);
      full.on('close', done);
    });
    return this.#room;
  }

  /**
   * Routes one element; returns `false` when its stream is now full (see {@link Router.room}).
   * `fromClient`: the element came from a network client, whose input never stops the command —
   * under `--unknown error` its unknown name is dropped and counted instead of failing the run.
   */
  route(element: ParsedElement | StatsDElement, fromClient = false): boolean {
    let route = this.#routes.get(element.name);
    if (route === undefined) {
      route = this.#unseen(element, fromClient);
      if (route === undefined) return true;
    }
    let ok: boolean;
    try {
      ok =
        element.time === undefined
          ? route.stream.send(element.value, { tags: element.tags })
          : route.stream.send(element.value, { tags: element.tags, time: element.time });
      if (route.counter !== undefined) {
        const weight = 1 / ((element as StatsDElement).sampleRate ?? 1);
        const counted =
          element.time === undefined
            ? route.counter.send(weight, { tags: element.tags })
            : route.counter.send(weight, { tags: element.tags, time: element.time });
        if (!counted) this.#full = route.counter;
      }
    } catch (err) {
      // A stream closed by a failure elsewhere (reported there), or an element it refuses:
      // counted, and the first reason kept for the summary; the other elements go on.
      this.refused++;
      this.firstRefusal ??= err as Error;
      return true;
    }
    this.routed++;
    if (!ok) this.#full = route.stream;
    return this.#full === undefined;
  }

  /** The route of a name without one: created, or `undefined` when the element is dropped. */
  #unseen(element: ParsedElement | StatsDElement, fromClient: boolean): Route | undefined {
    const { name } = element;
    const policy = this.#config.unknown;
    if (policy !== 'auto') {
      if (policy === 'error' && !fromClient) {
        if (!this.#failed) {
          this.#failed = true;
          this.#hooks.fail(
            new MetrixError(ErrorCode.UNKNOWN_METRIC, `no stream named ${describe(name)} (--unknown error)`, {
              input: element,
            }),
          );
        }
        return undefined;
      }
      this.unknown++;
      if (this.droppedNames.size < MAX_NAMES) this.droppedNames.add(name);
      return undefined;
    }
    if (this.#created >= this.#maxStreams) {
      this.overLimit++;
      if (this.overLimit === 1) {
        const err = new MetrixError(
          ErrorCode.CARDINALITY_LIMIT,
          `${this.#maxStreams} streams created (--max-streams): elements of new names such as ${describe(name)} are dropped and counted`,
          { input: name },
        );
        this.#hooks.log(`${err.code}: ${err.message}`);
      }
      if (this.droppedNames.size < MAX_NAMES) this.droppedNames.add(name);
      return undefined;
    }
    let stream: MStream;
    let counter: SampledCountMStream | undefined;
    try {
      [stream, counter] = buildAutoMStream(name, (element as StatsDElement).type, this.#config);
      this.#mc.addMStream(stream);
      if (counter !== undefined) this.#mc.addMStream(counter);
    } catch (err) {
      // A name the coordinator cannot take (the name of a companion stream, a closed
      // coordinator): this element is refused and counted; input from a client never throws.
      this.refused++;
      this.firstRefusal ??= err as Error;
      return undefined;
    }
    this.#created++;
    const route: Route = { stream, counter };
    this.#routes.set(name, route);
    return route;
  }
}

/** The default of `--max-streams`: streams created for unseen names. */
export const DEFAULT_MAX_STREAMS = 1000;
