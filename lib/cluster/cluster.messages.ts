// Log texts of the cluster scrape.

export const workerMissedMessage = (workerId: number, why: string) =>
  `Cluster worker ${workerId} did not answer the metrics scrape: ${why}. ` +
  `Its last answer counts until it answers again.`;

export const clusterScrapeFailedMessage = (error: unknown) =>
  `Merging the cluster workers' metrics failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
