// Log texts of the cluster scrape.

export const workerMissedMessage = (workerId: number, why: string) =>
  `Cluster worker ${workerId} was left out of the metrics scrape: ${why}. ` +
  `Its metrics are back as soon as it answers again.`;

export const clusterScrapeFailedMessage = (error: unknown) =>
  `Merging the cluster workers' metrics failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
