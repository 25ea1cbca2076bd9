import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The labels dcgm-exporter puts on every GPU series (3.x/4.x, without Kubernetes pod mapping). */
export const FAKE_GPUS = [
  {
    gpu: '0',
    UUID: 'GPU-6f1c2a3b-0000-4000-8000-00000000a100',
    pci_bus_id: '00000000:07:00.0',
    device: 'nvidia0',
    modelName: 'NVIDIA H100 80GB HBM3',
    Hostname: 'gpu-node-0',
    DCGM_FI_DRIVER_VERSION: '550.54.15',
  },
  {
    gpu: '1',
    UUID: 'GPU-6f1c2a3b-0000-4000-8000-00000000a101',
    pci_bus_id: '00000000:0F:00.0',
    device: 'nvidia1',
    modelName: 'NVIDIA H100 80GB HBM3',
    Hostname: 'gpu-node-0',
    DCGM_FI_DRIVER_VERSION: '550.54.15',
  },
] as const;

/** The dcgm-exporter fields the shipped dashboards read, with help texts as dcgm-exporter has them. */
const FIELDS: [name: string, help: string, value: (gpu: number, t: number) => number][] = [
  ['DCGM_FI_DEV_SM_CLOCK', 'SM clock frequency (in MHz).', (g) => 1980 - g * 15],
  ['DCGM_FI_DEV_GPU_TEMP', 'GPU temperature (in C).', (g, t) => 55 + g * 3 + (t % 5)],
  ['DCGM_FI_DEV_POWER_USAGE', 'Power draw (in W).', (g, t) => 300 + g * 40 + (t % 50)],
  ['DCGM_FI_DEV_GPU_UTIL', 'GPU utilization (in %).', (g, t) => 60 + g * 10 + (t % 20)],
  ['DCGM_FI_DEV_MEM_COPY_UTIL', 'Memory utilization (in %).', (g, t) => 30 + g * 5 + (t % 10)],
  ['DCGM_FI_DEV_FB_USED', 'Framebuffer memory used (in MiB).', (g) => 61_000 + g * 1024],
];

/**
 * A stand-in for NVIDIA dcgm-exporter (no GPU here): serves its text format with the series and
 * labels of two H100s, values changing over time, on a free loopback port.
 */
export async function startFakeDcgmExporter(): Promise<{ address: string; close(): void }> {
  const server: Server = createServer((request, response) => {
    if (request.url !== '/metrics') return void response.writeHead(404).end();
    const t = Math.floor(Date.now() / 1000);
    const lines: string[] = [];
    for (const [name, help, value] of FIELDS) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
      FAKE_GPUS.forEach((gpu, index) => {
        const labels = Object.entries(gpu)
          .map(([key, v]) => `${key}="${v}"`)
          .join(',');
        lines.push(`${name}{${labels}} ${value(index, t)}`);
      });
    }
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    response.end(lines.join('\n') + '\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => server.close(),
  };
}
