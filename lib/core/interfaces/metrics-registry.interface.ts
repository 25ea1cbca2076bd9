import type { Counter, IntCounter } from '../counter';
import type { Gauge, IntGauge } from '../gauge';
import type { Histogram } from '../histogram';
import type { CounterVec, GaugeVec, HistogramVec, IntCounterVec, IntGaugeVec } from '../metric-vec';
import type { ExpfmtCallback, ExpositionFormat, UpdateCallback } from './exposition.interface';
import type { HistogramOptions, MetricOptions } from './metric-options.interface';

/**
 * The creation and scrape API every level of the hierarchy has (Dynamo's `MetricsRegistry`).
 * Names get the `dynamo_component_` prefix; series get the level's auto labels. Creating a metric
 * that exists on the same level with the same shape returns the existing one.
 */
export interface MetricsRegistry {
  createCounter(name: string, help: string, opts?: MetricOptions): Counter;
  createCounterVec(
    name: string,
    help: string,
    labelNames: readonly string[],
    opts?: MetricOptions,
  ): CounterVec;
  createGauge(name: string, help: string, opts?: MetricOptions): Gauge;
  createGaugeVec(
    name: string,
    help: string,
    labelNames: readonly string[],
    opts?: MetricOptions,
  ): GaugeVec;
  createHistogram(name: string, help: string, opts?: HistogramOptions): Histogram;
  createHistogramVec(
    name: string,
    help: string,
    labelNames: readonly string[],
    opts?: HistogramOptions,
  ): HistogramVec;
  createIntCounter(name: string, help: string, opts?: MetricOptions): IntCounter;
  createIntCounterVec(
    name: string,
    help: string,
    labelNames: readonly string[],
    opts?: MetricOptions,
  ): IntCounterVec;
  createIntGauge(name: string, help: string, opts?: MetricOptions): IntGauge;
  createIntGaugeVec(
    name: string,
    help: string,
    labelNames: readonly string[],
    opts?: MetricOptions,
  ): IntGaugeVec;
  /** Exposition text of this level and every level below it. */
  prometheusExpfmt(format?: ExpositionFormat): Promise<string>;
  addUpdateCallback(callback: UpdateCallback): void;
  addExpfmtCallback(callback: ExpfmtCallback): void;
}
