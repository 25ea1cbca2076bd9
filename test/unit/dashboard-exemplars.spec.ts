import { loadDashboards, queryPanels } from '../utils/grafana-dashboards';

// Exemplars hang on `_bucket` series: a query of buckets is where Grafana can draw them.
describe('the shipped dashboards and exemplars', () => {
  it('ask for exemplars on every query of histogram buckets, and only there', () => {
    const asked: string[] = [];
    const bucketQueries: string[] = [];
    for (const [file, dashboard] of loadDashboards()) {
      for (const panel of queryPanels(dashboard)) {
        for (const target of panel.targets ?? []) {
          const id = `${file} ${panel.title} ${target.refId}`;
          if (target.exemplar === true) asked.push(id);
          if (/_bucket\b/.test(target.expr)) bucketQueries.push(id);
        }
      }
    }
    expect(bucketQueries.length).toBeGreaterThan(0);
    expect(asked).toEqual(bucketQueries);
  });
});
