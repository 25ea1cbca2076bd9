// Error texts of the live page.

export const uiWithoutScrapeMessage = (ui: string) =>
  `The live page (ui: ${JSON.stringify(ui)}) reads the scrape route, but \`path: false\` mounts ` +
  `none: give the scrape a path, or turn ui off`;

export const uiOnScrapePathMessage = (path: string) =>
  `The live page and the scrape route cannot share the path ${JSON.stringify(path)}: give ui ` +
  `another path (ui: '/metrics/ui')`;

export const invalidUiMessage = (ui: unknown) =>
  `Invalid ui option ${JSON.stringify(ui)}: use true (the page at /metrics/ui), false, or a path ` +
  `such as '/status'`;
