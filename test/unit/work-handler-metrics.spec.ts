import { WorkHandlerMetrics } from '../../lib/core';
import { lines, quietRuntime } from '../utils/runtime';

const labels =
  'dynamo_component="backend",dynamo_endpoint="generate",dynamo_namespace="dynamo",model="llama"';
const bucketBounds = [
  '0.005',
  '0.01',
  '0.025',
  '0.05',
  '0.1',
  '0.25',
  '0.5',
  '1',
  '2.5',
  '5',
  '10',
  '20',
  '30',
  '60',
  '120',
  '300',
  '600',
  '+Inf',
];

describe('WorkHandlerMetrics (spec 7.2)', () => {
  it("creates Dynamo's seven work-handler metrics with their exact names, help, labels and buckets", async () => {
    const { drt } = quietRuntime();
    const endpoint = drt.namespace('dynamo').component('backend').endpoint('generate');
    const metrics = new WorkHandlerMetrics(endpoint, { constLabels: { model: 'llama' } });
    metrics.requests.inc();
    metrics.inflight.inc();
    metrics.requestBytes.incBy(120);
    metrics.responseBytes.incBy(4096);
    metrics.duration.observe(45);
    metrics.error('generate');
    metrics.error('generate');
    metrics.cancellations.inc();
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_cancellation_total Total number of requests cancelled by work handler',
        '# TYPE dynamo_component_cancellation_total counter',
        `dynamo_component_cancellation_total{${labels}} 1`,
        '# HELP dynamo_component_errors_total Total number of errors in work handler processing',
        '# TYPE dynamo_component_errors_total counter',
        'dynamo_component_errors_total{dynamo_component="backend",dynamo_endpoint="generate",dynamo_namespace="dynamo",error_type="deserialization",model="llama"} 0',
        'dynamo_component_errors_total{dynamo_component="backend",dynamo_endpoint="generate",dynamo_namespace="dynamo",error_type="generate",model="llama"} 2',
        'dynamo_component_errors_total{dynamo_component="backend",dynamo_endpoint="generate",dynamo_namespace="dynamo",error_type="invalid_message",model="llama"} 0',
        'dynamo_component_errors_total{dynamo_component="backend",dynamo_endpoint="generate",dynamo_namespace="dynamo",error_type="publish_final",model="llama"} 0',
        'dynamo_component_errors_total{dynamo_component="backend",dynamo_endpoint="generate",dynamo_namespace="dynamo",error_type="publish_response",model="llama"} 0',
        'dynamo_component_errors_total{dynamo_component="backend",dynamo_endpoint="generate",dynamo_namespace="dynamo",error_type="response_stream",model="llama"} 0',
        '# HELP dynamo_component_inflight_requests Number of requests currently being processed by work handler',
        '# TYPE dynamo_component_inflight_requests gauge',
        `dynamo_component_inflight_requests{${labels}} 1`,
        '# HELP dynamo_component_request_bytes_total Total number of bytes received in requests by work handler',
        '# TYPE dynamo_component_request_bytes_total counter',
        `dynamo_component_request_bytes_total{${labels}} 120`,
        '# HELP dynamo_component_request_duration_seconds Time spent processing requests by work handler',
        '# TYPE dynamo_component_request_duration_seconds histogram',
        ...bucketBounds.map(
          (le, i) =>
            `dynamo_component_request_duration_seconds_bucket{${labels},le="${le}"} ${i >= 13 ? 1 : 0}`,
        ),
        `dynamo_component_request_duration_seconds_sum{${labels}} 45`,
        `dynamo_component_request_duration_seconds_count{${labels}} 1`,
        '# HELP dynamo_component_requests_total Total number of requests processed by work handler',
        '# TYPE dynamo_component_requests_total counter',
        `dynamo_component_requests_total{${labels}} 1`,
        '# HELP dynamo_component_response_bytes_total Total number of bytes sent in responses by work handler',
        '# TYPE dynamo_component_response_bytes_total counter',
        `dynamo_component_response_bytes_total{${labels}} 4096`,
      ),
    );
  });

  it('returns the same series when made twice for one endpoint (get-or-create)', () => {
    const { drt } = quietRuntime();
    const endpoint = drt.namespace('ns').component('c').endpoint('e');
    const a = new WorkHandlerMetrics(endpoint);
    const b = new WorkHandlerMetrics(endpoint);
    expect(b.requests).toBe(a.requests);
    expect(b.duration).toBe(a.duration);
    a.error('custom_type');
    b.error('custom_type');
    expect(a.errors.withLabelValues('custom_type').get()).toBe(2);
  });
});
