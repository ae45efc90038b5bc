/**
 * metrix-stream: track metrics through object-mode streams.
 * @packageDocumentation
 */
export { type AggFunc, type IncrementalAggFunc, toAggregator } from './aggregators/AggFunc.js';
export type { Aggregator, StateJSON, StateKind } from './aggregators/Aggregator.js';
export { type ArrivalValuesState, arrivalValuesState } from './aggregators/arrivalValuesState.js';
export { count, first, last, max, mean, median, min, stdev, sum, variance } from './aggregators/builtins.js';
export { DDSketch, ddsketchState, sketchQuantile } from './aggregators/ddsketchState.js';
export { type PercentileOptions, percentile } from './aggregators/percentile.js';
export { stateKindOf } from './aggregators/stateKindOf.js';
export { SummaryState, summaryState } from './aggregators/summaryState.js';
export { sortedValues, ValuesState, valueAtRank, valuesState } from './aggregators/valuesState.js';
export { WelfordState, welfordState } from './aggregators/welfordState.js';
export type { AggregationPlan } from './engine/AggregationPlan.js';
export type { KeyedValue } from './engine/KeyedValue.js';
export type { MetricWindow } from './engine/MetricWindow.js';
export type { Series } from './engine/Series.js';
export type { SeriesTableOptions } from './engine/SeriesTable.js';
export type { WindowGroup } from './engine/WindowGroup.js';
export { type Closable, type FlushOnExitOptions, flushOnExit } from './flushOnExit.js';
export { keyFromTags, tagsFromKey } from './key.js';
export {
  type AddMSinkOptions,
  type CloseOptions,
  MCoordinator,
  type MCoordinatorInput,
  type MCoordinatorOnUnknown,
  type MCoordinatorOptions,
} from './MCoordinator.js';
export type {
  DropReason,
  MCoordinatorStats,
  MetrixDeliveryError,
  MSinkState,
  MSinkStats,
  SinkUndelivered,
} from './MCoordinatorStats.js';
export {
  MElement,
  type MElementJSON,
  type MElementOptions,
  type Tags,
  type TagsInput,
  type TagValue,
} from './MElement.js';
export { ErrorCode, type ErrorCodeValue, MetrixError, type MetrixErrorOptions } from './MetrixError.js';
export {
  type AggSpec,
  MStream,
  type MStreamInput,
  type MStreamOptions,
  type MStreamStats,
  type MTimer,
  type SendOptions,
  type TimerOptions,
  type TimerStopOptions,
} from './MStream.js';
export { LineParser, type LineParserOptions, type MalformedLineInput } from './parsers/LineParser.js';
export type { ParsedElement } from './parsers/ParsedElement.js';
export { type ParseNDJSONOptions, parseNDJSON } from './parsers/parseNDJSON.js';
export {
  type ParseStatsDOptions,
  parseStatsD,
  type StatsDElement,
  type StatsDParser,
  type StatsDType,
} from './parsers/parseStatsD.js';
export { type StatsDAggregationsOptions, statsdAggregations } from './parsers/statsdAggregations.js';
export type { StatsDFormatOptions } from './parsers/statsdFormat.js';
export { MSink, type MSinkOptions } from './sinks/MSink.js';
export { MSinkGraphite, type MSinkGraphiteOptions } from './sinks/MSinkGraphite.js';
export { MSinkInflux, type MSinkInfluxOptions } from './sinks/MSinkInflux.js';
export { MSinkLogger, type MSinkLoggerOptions, type MSinkLoggerStyle } from './sinks/MSinkLogger.js';
export { MSinkNDJSON, type MSinkNDJSONOptions } from './sinks/MSinkNDJSON.js';
export { MSinkNetwork, type MSinkNetworkOptions, type RetryOptions } from './sinks/MSinkNetwork.js';
export {
  MSinkOpenTelemetry,
  type MSinkOpenTelemetryOptions,
  type OTelGaugeLike,
  type OTelMeterLike,
  type OTelMeterProviderLike,
} from './sinks/MSinkOpenTelemetry.js';
export { MSinkOpenTSDB, type MSinkOpenTSDBOptions } from './sinks/MSinkOpenTSDB.js';
export { MSinkPrinter, type MSinkPrinterOptions } from './sinks/MSinkPrinter.js';
export {
  MSinkPromClient,
  type MSinkPromClientOptions,
  type PromClientLike,
  type PromGaugeLike,
  type PromRegistryLike,
} from './sinks/MSinkPromClient.js';
export {
  MSinkPrometheus,
  type MSinkPrometheusAddress,
  type MSinkPrometheusOptions,
} from './sinks/MSinkPrometheus.js';
export { MSinkStatsD, type MSinkStatsDOptions, type StatsDSendType } from './sinks/MSinkStatsD.js';
export { MSinkTSDB, type MSinkTSDBOptions, type TSDBClient } from './sinks/MSinkTSDB.js';
export type { TextWritable } from './sinks/TextWritable.js';
export { type MSinkFunction, type MSinkLike, type ObjectWritable, toSink } from './sinks/toSink.js';
export { aggregate } from './stages/aggregate.js';
export { batchByCount } from './stages/batchByCount.js';
export { dropEmpty } from './stages/dropEmpty.js';
export { flatten } from './stages/flatten.js';
export { type GroupByKeyOptions, groupByKey } from './stages/groupByKey.js';
export type { StageOptions } from './stages/StageOptions.js';
export { type WindowByTimeOptions, windowByTime } from './stages/windowByTime.js';
export type { WindowStageOptions } from './stages/windowingStage.js';
export { type ZipBranch, zipAggs } from './stages/zipAggs.js';
