import { AGG_NAMES } from './resolveAggs.js';

/** The text of `metrix-stream --help`. */
export function helpText(): string {
  return `Usage: metrix-stream [options] [FILE ...]

Aggregates metric elements into windows or batches per metric name and tag set, and prints the
aggregates. Reads NDJSON lines {"name":…,"value":…,"tags"?:{…},"time"?:ms} (or StatsD lines with
--format statsd) from the FILEs one after the other, or from stdin when there is no FILE and no
listener ('-' reads stdin). Ends when the input ends, every window flushed; with a listener it runs
until SIGINT (Ctrl-C) or SIGTERM, then flushes every window and exits.

Input:
  -f, --format ndjson|statsd  format of FILEs and stdin (default ndjson)
      --statsd-port PORT      also listen for StatsD over UDP (0 = any free port)
      --http-port PORT        also accept NDJSON in HTTP POST bodies (0 = any free port);
                              headers within 10 s, a request within 120 s
      --host ADDR             address the listeners bind to (default 127.0.0.1)
      --skip-malformed        skip bad lines of FILEs/stdin and count them (default: stop, exit 1);
                              listeners always skip bad lines
      --max-line-length N     longest accepted line in bytes (default 1048576)
      --udp-buffer BYTES      receive buffer asked of the kernel for --statsd-port (default
                              8388608; the size granted is printed)

Streams:
  -s, --stream SPEC           a stream, repeatable: NAME[/agg=LIST][/window=SECONDS|/batch=N][/tags=K=V,…]
  -c, --config FILE           JSON config file (keys: see docs); flags override it
      --unknown auto|drop|error
                              elements whose name has no stream: create one with the defaults below
                              (auto, the default), drop them and report a count (drop), or stop (error)
  -a, --agg LIST              aggregations of created streams (default count,sum,mean,min,max;
                              StatsD input: the daemon's figures per type); alias=name renames
  -w, --window SECONDS        window of created streams (default 10)
  -b, --batch N               batch size of created streams, instead of a window
  -t, --tag K=V               default tag of every stream, repeatable
      --max-streams N         most streams --unknown auto creates (default 1000); elements of
                              further new names are dropped and counted
      --max-series N          most tag sets per stream (default 10000); values of further new
                              tag sets fold into one series tagged metrix.overflow=true, counted
      --event-time            windows of the elements' own times (NDJSON "time", StatsD |T),
                              closed by a watermark: the latest time seen minus the lateness
      --allowed-lateness SECONDS
                              with --event-time: how late an element may be and still count
                              (default 0); later ones are counted as late, not merged

  Aggregations: ${AGG_NAMES}.

Output:
  -o, --output human|ndjson|none
                              stdout: one readable line per aggregate (default), NDJSON, or nothing
      --ndjson-out FILE       also write NDJSON to FILE
      --influx URL            also send to InfluxDB 1.x line protocol (POST URL/write), e.g.
                              http://127.0.0.1:8086; --influx-db NAME sets the database
      --opentsdb URL          also send to OpenTSDB: http://HOST:4242 (HTTP API, ms timestamps)
                              or telnet://HOST:4242 (put lines, whole seconds)
      --graphite HOST:PORT    also send to Graphite's plaintext listener (carbon, usually :2003)
      --prometheus-port PORT  also serve the latest aggregates at http://HOST:PORT/metrics
      --progress, --no-progress
                              a status line on stderr (default: only when stderr is a terminal)

Two tiers over NATS JetStream (needs @nats-io/transport-node and @nats-io/jetstream):
      --forward nats://HOST:PORT
                              also publish each window's mergeable states (windows, not batches)
      --source ID             this edge's id (default HOST:PID:START; one per process)
      --merge nats://HOST:PORT
                              read no input: merge what --forward edges publish and send the
                              final aggregates to the outputs (streams and --agg as the edges')
      --partitions LIST       with --merge: the partitions this process merges, of 0-7 (default all)
      --merge-idle SECONDS    with --merge: emit what a partition holds once it is silent this
                              long (default 10); with --merge, --allowed-lateness SECONDS is how
                              long a window waits for the edges' partials (default one --window)

  -h, --help                  this help
  -v, --version               the version

Losses are never silent: elements dropped (no stream, past --max-streams), UDP datagrams dropped
while behind or by the kernel (Linux), malformed lines skipped: each is counted at the end.

Exit codes: 0 done (also when stdout's reader goes away, as with | head), 1 runtime failure
(unreadable file, malformed line, sink failure), 2 usage error (unknown aggregation included).

Examples:
  metrix-stream examples/data/news.ndjson
      per metric name and tag set: count, sum, mean, min, max over 10-second windows
  metrix-stream -s 'articles/agg=count/window=60' -s 'words/agg=sum,mean/window=60' --unknown drop news.ndjson
  cat metrics.ndjson | metrix-stream --batch 100 --output ndjson > aggregates.ndjson
  metrix-stream --format statsd --skip-malformed < statsd.log
  metrix-stream --statsd-port 8125 --http-port 8080 --ndjson-out metrics.ndjson
      then: echo 'hits:1|c' | nc -u -w0 127.0.0.1 8125
            curl --data-binary '{"name":"hits","value":1}' http://127.0.0.1:8080/
  metrix-stream --config examples/data/news.config.json
      streams, input files and options from a JSON file (this one reads the news sample)
`;
}
