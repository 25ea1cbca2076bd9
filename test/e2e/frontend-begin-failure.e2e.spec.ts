import { DistributedRuntime, FrontendMetrics } from '../../lib/core';
import { FrontendRoutes, type FrontendRoute } from '../../lib/frontend/frontend-routes';

// A frontend request whose setup fails after its handle opened (here a response object without
// `once`) is ended as an internal failure, so inflight, active, queued and its stage do not stay
// up for good; the error still reaches the interceptor, which lets the request go on unrecorded.

const route: FrontendRoute = {
  endpoint: 'chat_completions',
  sse: false,
  model: undefined,
  requestType: 'unary',
  inputTokens: undefined,
  countTokens: undefined,
  errorType: undefined,
};

it('ends the handle when the exchange cannot be set up', async () => {
  const drt = new DistributedRuntime({ uptime: false, workerId: false });
  const metrics = new FrontendMetrics(drt, { models: ['m'] });
  // Discovery is not needed to begin a request.
  const routes = new FrontendRoutes(
    metrics,
    undefined as never,
    undefined as never,
    undefined as never,
  );
  const request = { body: { model: 'm' }, headers: {} };
  expect(() => routes.begin(route, request, {} as never)).toThrow(TypeError);

  const lines = (await drt.prometheusExpfmt()).split('\n');
  for (const gauge of ['inflight_requests', 'active_requests', 'queued_requests'])
    expect(lines).toContain(`dynamo_frontend_${gauge}{model="m"} 0`);
  expect(lines.filter((line) => line.startsWith('dynamo_frontend_stage_requests{'))).toEqual(
    expect.arrayContaining(['dynamo_frontend_stage_requests{phase="",stage="preprocess"} 0']),
  );
  expect(lines.filter((line) => /^dynamo_frontend_stage_requests\{.*\} [1-9]/.test(line))).toEqual(
    [],
  );
  expect(lines).toContain(
    'dynamo_frontend_requests_total{endpoint="chat_completions",error_type="internal",model="m",request_type="unary",status="error"} 1',
  );
});
