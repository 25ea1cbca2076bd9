/**
 * The value of the one sample of `metric` whose labels include `labels`, from exposition text;
 * throws when there is none or more than one.
 */
export function sampleValue(
  text: string,
  metric: string,
  labels: Record<string, string> = {},
): number {
  const wanted = Object.entries(labels).map(([name, value]) => `${name}="${value}"`);
  const found = text.split('\n').filter((line) => {
    if (!line.startsWith(metric + '{') && !line.startsWith(metric + ' ')) return false;
    const labelText = line.slice(metric.length).split('} ')[0];
    return wanted.every((pair) => labelText.includes(pair));
  });
  if (found.length !== 1) {
    throw new Error(
      `expected one sample of ${metric} ${JSON.stringify(labels)}, found ${found.length}:\n${found.join('\n')}`,
    );
  }
  return Number(found[0].slice(found[0].lastIndexOf(' ') + 1));
}
