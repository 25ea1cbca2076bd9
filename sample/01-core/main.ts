// The core on its own, without Nest: a worker with one endpoint and a /metrics route.
// `npm start` builds and runs it on port 8000 (PORT overrides).
import { createServer } from 'node:http';
import {
  DistributedRuntime,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  REQUEST_DURATION_BUCKETS,
} from '../../lib';

const drt = new DistributedRuntime();
const generate = drt.namespace('dynamo').component('backend').endpoint('generate');

// Created once; the request path only touches numbers.
const requests = generate.createIntCounter(
  'requests_total',
  'Total number of requests processed by work handler',
);
const inflight = generate.createIntGauge(
  'inflight_requests',
  'Number of requests currently being processed by work handler',
);
const duration = generate.createHistogram(
  'request_duration_seconds',
  'Time spent processing requests by work handler',
  { buckets: REQUEST_DURATION_BUCKETS, unit: 'seconds' },
);
const tokens = generate
  .createIntCounterVec('output_tokens_total', 'Tokens generated', ['model'])
  .withLabelValues('demo-llm');

const server = createServer(async (req, res) => {
  if (req.url === '/metrics') {
    const openMetrics = String(req.headers.accept).includes('application/openmetrics-text');
    const body = await drt.prometheusExpfmt(openMetrics ? 'openmetrics' : 'prometheus');
    res.writeHead(200, {
      'content-type': openMetrics ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE,
    });
    res.end(body);
  } else if (req.url === '/generate') {
    requests.inc();
    inflight.inc();
    const stop = duration.startTimer();
    setTimeout(() => {
      const count = 1 + Math.floor(Math.random() * 20);
      tokens.incBy(count);
      res.end(JSON.stringify({ tokens: count }) + '\n');
      inflight.dec();
      stop();
    }, Math.random() * 50);
  } else {
    res.writeHead(404).end('Route not found\n');
  }
});

const port = Number(process.env.PORT ?? 8000);
server.listen(port, () => {
  console.log(`Sample worker on http://localhost:${port}: try /generate, then /metrics`);
});
