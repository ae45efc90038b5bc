/** What {@link coordinatorDot} draws of one stream. */
export interface DotStream {
  /** The stream's name (the metric name it is addressed by). */
  name: string;
  /** The grouping stage, e.g. `windowByTime(10)` or `batchByCount(5)`. */
  grouping: string;
  /** The names of the aggregated elements, in order, e.g. `['latency.mean', 'latency.p99']`. */
  outputs: string[];
}

/** What {@link coordinatorDot} draws of one sink. */
export interface DotSink {
  label: string;
  rateLimitMs: number;
  capacity: number;
  /** Why the sink was detached (`'failed'`, `'stalled'`, …), drawn in red; absent while it works. */
  detached?: string | undefined;
}

/** A DOT double-quoted string: backslashes and quotes escaped, line breaks as `\n`. */
export function dotString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toPrecision(12))} s`;
}

/**
 * Renders a coordinator's graph as Graphviz DOT: the input (send/write/pipe) routed by name to
 * each stream; each stream's stages in a cluster (grouping → dropEmpty → groupByKey → one
 * aggregate per aggregation → zipAggs when there are several → flatten); the fan-in of every
 * stream; and one edge per sink through its bounded queue, labelled with its rate limit.
 * Node ids are positional (`s0_…`, `k0`), so any stream or sink name is safe; labels are escaped.
 */
export function coordinatorDot(streams: readonly DotStream[], sinks: readonly DotSink[]): string {
  const out: string[] = [
    'digraph MCoordinator {',
    '  rankdir=LR;',
    '  node [shape=box, style="rounded,filled", fillcolor="#f7f7f7", fontname="Helvetica", fontsize=11];',
    '  edge [fontname="Helvetica", fontsize=9];',
    `  input [label=${dotString('input\nsend() · write() · pipe()')}, shape=cds, fillcolor="#dbe9f6"];`,
  ];
  streams.forEach((s, i) => {
    const id = `s${i}`;
    out.push(`  subgraph cluster_${id} {`);
    out.push(`    label=${dotString(`MStream ${s.name}`)}; style=rounded; color="#888888"; fontname="Helvetica";`);
    out.push(`    ${id}_group [label=${dotString(s.grouping)}];`);
    out.push(`    ${id}_drop [label="dropEmpty"];`);
    out.push(`    ${id}_key [label="groupByKey"];`);
    out.push(`    ${id}_flat [label="flatten"];`);
    out.push(`    ${id}_group -> ${id}_drop -> ${id}_key;`);
    const zipped = s.outputs.length > 1;
    if (zipped) out.push(`    ${id}_zip [label="zipAggs"];`);
    s.outputs.forEach((name, j) => {
      out.push(`    ${id}_agg${j} [label=${dotString(`aggregate\n${name}`)}];`);
      out.push(`    ${id}_key -> ${id}_agg${j};`);
      out.push(`    ${id}_agg${j} -> ${zipped ? `${id}_zip` : `${id}_flat`};`);
    });
    if (zipped) out.push(`    ${id}_zip -> ${id}_flat;`);
    out.push('  }');
    out.push(`  input -> ${id}_group [label=${dotString(`name = ${s.name}`)}];`);
  });
  out.push(`  fanin [label="fan-in", shape=circle, fillcolor="#fde9c9"];`);
  streams.forEach((_s, i) => {
    out.push(`  s${i}_flat -> fanin;`);
  });
  sinks.forEach((k, i) => {
    const limit = k.rateLimitMs > 0 ? `≥ ${seconds(k.rateLimitMs)} apart` : 'no rate limit';
    const fill = k.detached ? '#f6d5d5' : '#e3f2dc';
    const label = k.detached ? `${k.label}\n(${k.detached})` : k.label;
    out.push(`  k${i} [label=${dotString(label)}, shape=box3d, style=filled, fillcolor="${fill}"];`);
    out.push(`  fanin -> k${i} [label=${dotString(`queue ≤ ${k.capacity}\n${limit}`)}];`);
  });
  out.push('}');
  return `${out.join('\n')}\n`;
}
