/** Identity of one series: what every metric object carries for the renderer. Not exported from the package. */
export interface SeriesIdentity {
  /** The family name, for error messages. */
  readonly name: string;
  /** All label pairs of the series, sorted and escaped once: `a="x",b="y"` (or ''). */
  readonly labelText: string;
}

/** A source of series for the renderer: a single metric or a vec. Not exported from the package. */
export interface SeriesSource<S extends SeriesIdentity = SeriesIdentity> {
  /** The series in scrape order. */
  collectSeries(): readonly S[];
}
