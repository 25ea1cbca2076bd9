import { Gauge as PromGauge, Registry } from 'prom-client';
import { DistributedRuntime } from '../../lib/core';
import { lines, quietRuntime } from '../utils/runtime';

/** Milliseconds a scrape took, and its text. */
async function timed(scrape: Promise<string>): Promise<{ ms: number; text: string }> {
  const start = performance.now();
  const text = await scrape;
  return { ms: performance.now() - start, text };
}

/** Lets promises that were just resolved run their continuations. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A promise and the function that resolves it. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

const timedOut = (kind: string, ms: number) =>
  `An ${kind} callback did not settle within ${ms} ms and was skipped; it is not called again until it settles`;

describe('callbacks that throw', () => {
  it('are skipped; the scrape has everything else and each is logged once over many scrapes', async () => {
    const { drt, logger } = quietRuntime({ collectTimeoutMs: 50 });
    const gauge = drt.createGauge('g', 'G');
    drt.addUpdateCallback(() => {
      throw new Error('update boom');
    });
    drt.addUpdateCallback(() => gauge.inc());
    drt.addExpfmtCallback(async () => {
      throw new Error('expfmt boom');
    });
    drt.addExpfmtCallback(() => 'other_value 1\n');
    for (let scrape = 1; scrape <= 3; scrape++) {
      expect(await drt.prometheusExpfmt()).toBe(
        lines('# HELP dynamo_component_g G', '# TYPE dynamo_component_g gauge').concat(
          lines(`dynamo_component_g ${scrape}`, 'other_value 1'),
        ),
      );
    }
    expect(logger.warn.mock.calls).toEqual([
      ['An update callback failed and was skipped: update boom'],
      ['An expfmt callback failed and was skipped: expfmt boom'],
    ]);
  });
});

describe('an update callback that hangs', () => {
  it('costs one timeout, is not called again while pending, and is used again once settled', async () => {
    const { drt, logger } = quietRuntime({ collectTimeoutMs: 100 });
    const fresh = drt.createIntGauge('fresh', 'Set by the next callback');
    const slow = drt.createIntGauge('slow', 'Set by the hanging callback');
    let hang: ReturnType<typeof deferred> | undefined = deferred();
    let calls = 0;
    drt.addUpdateCallback(async () => {
      calls++;
      if (hang) await hang.promise;
      slow.inc();
    });
    drt.addUpdateCallback(() => fresh.inc());
    const expected = (f: number, s: number) =>
      lines(
        '# HELP dynamo_component_fresh Set by the next callback',
        '# TYPE dynamo_component_fresh gauge',
        `dynamo_component_fresh ${f}`,
        '# HELP dynamo_component_slow Set by the hanging callback',
        '# TYPE dynamo_component_slow gauge',
        `dynamo_component_slow ${s}`,
      );
    const first = await timed(drt.prometheusExpfmt());
    expect(first.text).toBe(expected(1, 0));
    expect(first.ms).toBeGreaterThanOrEqual(90);
    expect(first.ms).toBeLessThan(1000);

    const second = await timed(drt.prometheusExpfmt());
    expect(second.text).toBe(expected(2, 0));
    expect(second.ms).toBeLessThan(50);
    expect(calls).toBe(1);
    expect(logger.warn.mock.calls).toEqual([[timedOut('update', 100)]]);

    const pending = hang!;
    hang = undefined;
    pending.resolve();
    await settle();
    expect(slow.get()).toBe(1); // the first call finished late
    expect(await drt.prometheusExpfmt()).toBe(expected(3, 2));
    expect(calls).toBe(2);

    // It worked in between, so hanging again is reported again.
    hang = deferred();
    expect(await drt.prometheusExpfmt()).toBe(expected(4, 2));
    expect(logger.warn.mock.calls).toEqual([[timedOut('update', 100)], [timedOut('update', 100)]]);
    hang.resolve();
  });

  it('is waited for by a scrape that overlaps the one that started it, not started twice', async () => {
    const { drt, logger } = quietRuntime({ collectTimeoutMs: 1000 });
    const gauge = drt.createIntGauge('g', 'G');
    let calls = 0;
    drt.addUpdateCallback(async () => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 30));
      gauge.inc();
    });
    const text = lines(
      '# HELP dynamo_component_g G',
      '# TYPE dynamo_component_g gauge',
      'dynamo_component_g 1',
    );
    expect(await Promise.all([drt.prometheusExpfmt(), drt.prometheusExpfmt()])).toEqual([
      text,
      text,
    ]);
    expect(calls).toBe(1);
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('is waited for without a timer when collectTimeoutMs is Infinity', async () => {
    const { drt } = quietRuntime({ collectTimeoutMs: Infinity });
    const gauge = drt.createIntGauge('g', 'G');
    drt.addUpdateCallback(async () => {
      await new Promise((resolve) => setTimeout(resolve, 150));
      gauge.set(5);
    });
    const set = jest.spyOn(global, 'setTimeout');
    const { ms, text } = await timed(drt.prometheusExpfmt());
    expect(text).toContain('dynamo_component_g 5\n');
    expect(ms).toBeGreaterThanOrEqual(140);
    expect(set.mock.calls.map((call) => call[1])).toEqual([150]); // the callback's own
    set.mockRestore();
  });
});

describe('timers', () => {
  afterEach(() => jest.restoreAllMocks());

  it('are cleared as soon as the work settles', async () => {
    const { drt } = quietRuntime({ collectTimeoutMs: 60_000 });
    drt.addUpdateCallback(async () => {});
    drt.addExpfmtCallback(async () => '');
    const registry = new Registry();
    new PromGauge({ name: 'theirs', help: 'Theirs', registers: [registry] }).set(1);
    drt.includeRegistry(registry);
    const set = jest.spyOn(global, 'setTimeout');
    const clear = jest.spyOn(global, 'clearTimeout');
    const { ms, text } = await timed(drt.prometheusExpfmt());
    expect(text).toBe(lines('# HELP theirs Theirs', '# TYPE theirs gauge', 'theirs 1'));
    expect(ms).toBeLessThan(1000);
    const ours = set.mock.calls.flatMap((call, i) =>
      call[1] === 60_000 ? [set.mock.results[i].value] : [],
    );
    expect(ours).toHaveLength(3); // the update callback, the expfmt callback, the registry's metric
    for (const timer of ours) expect(clear).toHaveBeenCalledWith(timer);
  });
});

describe('an expfmt callback that hangs', () => {
  it('is left out after the timeout and skipped at once while pending, per format', async () => {
    const { drt, logger } = quietRuntime({ collectTimeoutMs: 100 });
    drt.createIntCounter('ours_total', 'Ours').inc();
    let hang: ReturnType<typeof deferred> | undefined = deferred();
    const formats: string[] = [];
    drt.addExpfmtCallback(async (format) => {
      formats.push(format);
      if (hang && format === 'prometheus') await hang.promise;
      return format === 'prometheus' ? 'theirs 1\n' : 'theirs 1\n# EOF\n';
    });
    const ours = lines(
      '# HELP dynamo_component_ours_total Ours',
      '# TYPE dynamo_component_ours_total counter',
      'dynamo_component_ours_total 1',
    );

    const first = await timed(drt.prometheusExpfmt());
    expect(first).toEqual({ ms: expect.any(Number), text: ours });
    expect(first.ms).toBeGreaterThanOrEqual(90);
    const second = await timed(drt.prometheusExpfmt());
    expect(second.text).toBe(ours);
    expect(second.ms).toBeLessThan(50);
    // The other format is another run of the callback: its text does not depend on this one.
    expect(await drt.prometheusExpfmt('openmetrics')).toBe(
      lines(
        '# HELP dynamo_component_ours Ours',
        '# TYPE dynamo_component_ours counter',
        'dynamo_component_ours_total 1',
        'theirs 1',
        '# EOF',
      ),
    );
    expect(formats).toEqual(['prometheus', 'openmetrics']);
    expect(logger.warn.mock.calls).toEqual([[timedOut('expfmt', 100)]]);

    const pending = hang!;
    hang = undefined;
    pending.resolve();
    await settle();
    expect(await drt.prometheusExpfmt()).toBe(ours + 'theirs 1\n');
    expect(formats).toEqual(['prometheus', 'openmetrics', 'prometheus']);
  });
});

describe('an included prom-client registry', () => {
  /** A registry with a good metric, one whose collect throws and one whose first collect hangs. */
  function faultyRegistry() {
    const registry = new Registry();
    registry.setDefaultLabels({ app: 'shop' });
    new PromGauge({ name: 'good_value', help: 'Good', registers: [registry] }).set(3);
    let brokenCalls = 0;
    new PromGauge({
      name: 'broken_value',
      help: 'Broken',
      registers: [registry],
      collect() {
        brokenCalls++;
        throw new Error('collect failed');
      },
    });
    const hang = deferred();
    let slowCalls = 0;
    new PromGauge({
      name: 'slow_value',
      help: 'Slow',
      registers: [registry],
      async collect() {
        slowCalls++;
        if (slowCalls === 1) await hang.promise;
        this.set(slowCalls);
      },
    });
    return { registry, hang, calls: () => ({ broken: brokenCalls, slow: slowCalls }) };
  }

  it('loses only the metrics that throw or hang; ours and its others are in the scrape', async () => {
    const { drt, logger } = quietRuntime({ collectTimeoutMs: 100 });
    drt.createIntCounter('ours_total', 'Ours').inc();
    const { registry, hang, calls } = faultyRegistry();
    drt.includeRegistry(registry, 'the shop registry');
    const ours = lines(
      '# HELP dynamo_component_ours_total Ours',
      '# TYPE dynamo_component_ours_total counter',
      'dynamo_component_ours_total 1',
    );
    const good = lines(
      '# HELP good_value Good',
      '# TYPE good_value gauge',
      'good_value{app="shop"} 3',
    );

    const first = await timed(drt.prometheusExpfmt());
    expect(first.text).toBe(ours + good);
    expect(first.ms).toBeGreaterThanOrEqual(90);
    expect(first.ms).toBeLessThan(1000);
    const second = await timed(drt.prometheusExpfmt());
    expect(second.text).toBe(ours + good);
    expect(second.ms).toBeLessThan(50);
    expect(calls()).toEqual({ broken: 2, slow: 1 });
    expect(logger.warn.mock.calls).toEqual([
      [
        'Metric "broken_value" from the shop registry was left out of the scrape: collecting it failed: collect failed',
      ],
      [
        'Metric "slow_value" from the shop registry was left out of the scrape: collecting it did not finish within 100 ms; it is not collected again until it settles',
      ],
    ]);

    hang.resolve();
    await settle();
    expect(await drt.prometheusExpfmt()).toBe(
      ours +
        good +
        lines('# HELP slow_value Slow', '# TYPE slow_value gauge', 'slow_value{app="shop"} 2'),
    );
    expect(calls()).toEqual({ broken: 3, slow: 2 });
    expect(logger.warn).toHaveBeenCalledTimes(2);
  });

  it('is reported as a whole when none of its metrics can be read', async () => {
    const { drt, logger } = quietRuntime({ collectTimeoutMs: 50 });
    const registry = new Registry();
    new PromGauge({
      name: 'stuck_value',
      help: 'Stuck',
      registers: [registry],
      collect: () => new Promise<void>(() => {}),
    });
    drt.includeRegistry(registry, 'the stuck registry');
    expect(await drt.prometheusExpfmt()).toBe('');
    expect(await drt.prometheusExpfmt()).toBe('');
    expect(logger.warn.mock.calls).toEqual([
      [
        'Reading the stuck registry did not finish within 50 ms and it was left out of the scrape; it is not read again until it settles',
      ],
    ]);
  });

  it('reads every metric once per scrape, all at once, with its default labels', async () => {
    const { drt } = quietRuntime({ collectTimeoutMs: 1000 });
    const registry = new Registry();
    registry.setDefaultLabels({ app: 'shop', route: 'default' });
    const collects: string[] = [];
    for (const name of ['a_value', 'b_value']) {
      new PromGauge({
        name,
        help: name,
        labelNames: ['route'],
        registers: [registry],
        async collect() {
          collects.push(`${name} start`);
          await new Promise((resolve) => setTimeout(resolve, 20));
          this.set({ route: '/x' }, 1);
          collects.push(`${name} end`);
        },
      });
    }
    drt.includeRegistry(registry);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP a_value a_value',
        '# TYPE a_value gauge',
        'a_value{app="shop",route="/x"} 1',
        '# HELP b_value b_value',
        '# TYPE b_value gauge',
        'b_value{app="shop",route="/x"} 1',
      ),
    );
    expect(collects).toEqual(['a_value start', 'b_value start', 'a_value end', 'b_value end']);
  });
});

describe('collectTimeoutMs', () => {
  it('must be a positive integer up to 2^31-1, or Infinity', () => {
    for (const [value, shown] of [
      [0, '0'],
      [-5, '-5'],
      [1.5, '1.5'],
      [2 ** 31, '2147483648'],
      [NaN, 'NaN'],
      ['100', '"100"'],
      [null, 'null'],
    ] as const) {
      expect(() => new DistributedRuntime({ collectTimeoutMs: value as number })).toThrow(
        new Error(
          `Invalid collectTimeoutMs ${shown}: use a positive integer number of milliseconds up to 2147483647, or Infinity for no timeout`,
        ),
      );
    }
    expect(() => new DistributedRuntime({ collectTimeoutMs: 2 ** 31 - 1 })).not.toThrow();
    expect(() => new DistributedRuntime({ collectTimeoutMs: Infinity })).not.toThrow();
  });
});

describe('callbacks that hang together', () => {
  it('cost one timeout per phase, not one each: async callbacks run concurrently', async () => {
    const warnings: string[] = [];
    const runtime = new DistributedRuntime({
      collectTimeoutMs: 300,
      logger: { warn: (message) => warnings.push(message) },
    });
    const order: string[] = [];
    for (let i = 0; i < 3; i++) runtime.addUpdateCallback(() => new Promise<void>(() => {}));
    runtime.addUpdateCallback(() => void order.push('sync update'));
    for (let i = 0; i < 2; i++) runtime.addExpfmtCallback(() => new Promise<string>(() => {}));
    runtime.addExpfmtCallback(async () => 'late_text 1\n');
    runtime.addExpfmtCallback(() => 'early_text 1\n');
    const started = performance.now();
    const text = await runtime.prometheusExpfmt();
    // One after another: 5 × 300 ms. Together: the update phase, then the expfmt phase.
    expect(performance.now() - started).toBeLessThan(1200);
    expect(order).toEqual(['sync update']);
    // Texts in the order the callbacks were added, whatever order they settled in.
    expect(text.endsWith('late_text 1\nearly_text 1\n')).toBe(true);
    expect(warnings).toHaveLength(5);
  });
});
