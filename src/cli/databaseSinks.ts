import { createWriteStream } from 'node:fs';
import type { MSink } from '../sinks/MSink.js';
import { MSinkGraphite } from '../sinks/MSinkGraphite.js';
import { MSinkInflux } from '../sinks/MSinkInflux.js';
import { MSinkNDJSON } from '../sinks/MSinkNDJSON.js';
import { MSinkOpenTSDB } from '../sinks/MSinkOpenTSDB.js';
import { MSinkPrometheus } from '../sinks/MSinkPrometheus.js';
import type { CliConfig } from './CliConfig.js';

/**
 * The sinks of `--ndjson-out`, `--influx`, `--opentsdb`, `--graphite` and `--prometheus-port`, in
 * that order, built once for both the aggregating command and its merge mode; `prometheus` is the
 * last of them when there is one (its address is reported once it listens).
 */
export function databaseSinks(config: CliConfig): { sinks: MSink[]; prometheus: MSinkPrometheus | undefined } {
  const sinks: MSink[] = [];
  if (config.ndjsonOut !== undefined) sinks.push(new MSinkNDJSON(createWriteStream(config.ndjsonOut)));
  if (config.influxUrl !== undefined) {
    sinks.push(
      new MSinkInflux({ url: config.influxUrl, ...(config.influxDb === undefined ? {} : { db: config.influxDb }) }),
    );
  }
  if (config.opentsdbUrl !== undefined) sinks.push(new MSinkOpenTSDB({ url: config.opentsdbUrl }));
  if (config.graphite !== undefined) {
    const colon = config.graphite.lastIndexOf(':');
    sinks.push(
      new MSinkGraphite({ host: config.graphite.slice(0, colon), port: Number(config.graphite.slice(colon + 1)) }),
    );
  }
  const prometheus =
    config.prometheusPort === undefined
      ? undefined
      : new MSinkPrometheus({ port: config.prometheusPort, host: config.host });
  if (prometheus !== undefined) sinks.push(prometheus);
  return { sinks, prometheus };
}
