import { SystemStatusServer } from '../../lib';
import { AppModule } from '../../sample/02-nest/app.module';
import { startApp, type AdapterKind, type RunningApp } from './nest-app';

/** The sample app with its system status server, both on free loopback ports. */
export async function startSampleWithSystemServer(
  adapter: AdapterKind,
): Promise<{ app: RunningApp; api: string; system: string }> {
  process.env.DYN_SYSTEM_PORT = '0';
  process.env.DYN_SYSTEM_HOST = '127.0.0.1';
  let app: RunningApp;
  try {
    app = await startApp(AppModule, adapter);
  } finally {
    delete process.env.DYN_SYSTEM_PORT;
    delete process.env.DYN_SYSTEM_HOST;
  }
  return {
    app,
    api: new URL(app.url).host,
    system: `127.0.0.1:${app.app.get(SystemStatusServer).port}`,
  };
}
