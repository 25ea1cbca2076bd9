import { sanitizeLabelName, sanitizeMetricName } from '../../lib/core';
import { lines, quietRuntime } from '../utils/runtime';

describe('sanitizeMetricName (spec 3)', () => {
  it.each([
    ['test-name', 'test_name'],
    ['123test', '_123test'],
    ['@test', '_test'],
    ['test:name', 'test:name'],
    ['__test', '__test'],
    ['123.test-name@domain', '_123_test_name_domain'],
    // More of Dynamo's own vectors.
    ['valid_name', 'valid_name'],
    ['test name', 'test_name'],
    ['test$name#123', 'test_name_123'],
    ['test__name', 'test__name'],
    ['-test', '_test'],
    ['.test', '_test'],
    [':test', ':test'],
  ])('%j -> %j', (raw, expected) => {
    expect(sanitizeMetricName(raw)).toBe(expected);
  });

  it("rejects the empty string with Dynamo's message", () => {
    expect(() => sanitizeMetricName('')).toThrow(
      new Error('Cannot sanitize empty string into valid Prometheus name'),
    );
  });

  it.each(['@#$%', '!!!!', '_', '___'])('rejects %j (only invalid characters)', (raw) => {
    expect(() => sanitizeMetricName(raw)).toThrow(
      new Error(
        `Input '${raw}' contains only invalid characters and cannot be sanitized into a valid Prometheus name`,
      ),
    );
  });

  it("gives Dynamo's exact text for @#$%", () => {
    expect(() => sanitizeMetricName('@#$%')).toThrow(
      new Error(
        "Input '@#$%' contains only invalid characters and cannot be sanitized into a valid Prometheus name",
      ),
    );
  });
});

describe('sanitizeLabelName (spec 3)', () => {
  it.each([
    ['test:label', 'test_label'],
    ['__test', 'test'],
    [':test', '_test'],
    ['123:test-label@domain', '_123_test_label_domain'],
    ['@@123', '_123'],
    // More of Dynamo's own vectors.
    ['valid_label', 'valid_label'],
    ['test label', 'test_label'],
    ['test$label#123', 'test_label_123'],
    ['test__label', 'test__label'],
    ['test____label', 'test____label'],
    ['123test', '_123test'],
    ['@test', '_test'],
    ['-test', '_test'],
    ['__1x', '_1x'],
  ])('%j -> %j', (raw, expected) => {
    expect(sanitizeLabelName(raw)).toBe(expected);
  });

  it('rejects the empty string', () => {
    expect(() => sanitizeLabelName('')).toThrow(
      new Error('Cannot sanitize empty string into valid Prometheus label'),
    );
  });

  it.each(['____', '__', '@#$%', '!!!!'])('rejects %j (only invalid characters)', (raw) => {
    expect(() => sanitizeLabelName(raw)).toThrow(
      new Error(
        `Input '${raw}' contains only invalid characters and cannot be sanitized into a valid Prometheus label`,
      ),
    );
  });
});

describe('hierarchy names become sanitized label values', () => {
  it('uses _123 as the dynamo_namespace value of namespace @@123', async () => {
    const { drt } = quietRuntime();
    const ns = drt.namespace('@@123');
    expect(ns.name).toBe('_123');
    ns.createGauge('g', 'A gauge').set(1);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_g A gauge',
        '# TYPE dynamo_component_g gauge',
        'dynamo_component_g{dynamo_namespace="_123"} 1',
      ),
    );
  });

  it('sanitizes component and endpoint names the same way', async () => {
    const { drt } = quietRuntime();
    const ep = drt.namespace('my-ns').component('123:comp').endpoint('__generate');
    ep.createCounter('c_total', 'C').inc();
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_c_total C',
        '# TYPE dynamo_component_c_total counter',
        'dynamo_component_c_total{dynamo_component="_123_comp",dynamo_endpoint="generate",dynamo_namespace="my_ns"} 1',
      ),
    );
  });

  it('rejects unsanitizable namespace, component and endpoint names', () => {
    const { drt } = quietRuntime();
    expect(() => drt.namespace('____')).toThrow(
      new Error(
        "Input '____' contains only invalid characters and cannot be sanitized into a valid Prometheus label",
      ),
    );
    expect(() => drt.namespace('ns').component('@#$%')).toThrow(
      new Error(
        "Input '@#$%' contains only invalid characters and cannot be sanitized into a valid Prometheus label",
      ),
    );
    expect(() => drt.namespace('ns').component('c').endpoint('')).toThrow(
      new Error('Cannot sanitize empty string into valid Prometheus label'),
    );
  });
});

describe('metric names are dynamo_component_ + the sanitized name at every level', () => {
  const levels = () => {
    const { drt } = quietRuntime();
    const ns = drt.namespace('ns');
    const comp = ns.component('comp');
    return { drt, ns, comp, ep: comp.endpoint('ep') };
  };

  it.each(['drt', 'ns', 'comp', 'ep'] as const)('on %s', async (level) => {
    const all = levels();
    const registry = all[level];
    expect(registry.createCounter('123.test-name@domain', 'C').name).toBe(
      'dynamo_component__123_test_name_domain',
    );
    expect(registry.createGauge('test:name', 'G').name).toBe('dynamo_component_test:name');
    expect(registry.createHistogram('@test', 'H').name).toBe('dynamo_component__test');
    expect(registry.createCounterVec('test-name', 'V', ['x']).name).toBe(
      'dynamo_component_test_name',
    );
    const text = await registry.prometheusExpfmt();
    expect(text).toContain('# TYPE dynamo_component__123_test_name_domain counter\n');
    expect(text).toContain('# TYPE dynamo_component_test:name gauge\n');
    expect(text).toContain('# TYPE dynamo_component__test histogram\n');
  });

  it("rejects an unsanitizable metric name at creation with Dynamo's message", () => {
    const { drt } = quietRuntime();
    const ep = drt.namespace('ns').component('comp').endpoint('ep');
    expect(() => ep.createCounter('@#$%', 'C')).toThrow(
      new Error(
        "Input '@#$%' contains only invalid characters and cannot be sanitized into a valid Prometheus name",
      ),
    );
    expect(() => drt.createGauge('', 'G')).toThrow(
      new Error('Cannot sanitize empty string into valid Prometheus name'),
    );
  });
});
