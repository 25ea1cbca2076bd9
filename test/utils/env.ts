/** Sets environment variables for each test of the enclosing block and puts the old values back. */
export function useEnv(values: Record<string, string>): void {
  const before = Object.fromEntries(Object.keys(values).map((key) => [key, process.env[key]]));
  beforeEach(() => Object.assign(process.env, values));
  afterEach(() => {
    for (const [key, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });
}
