// A small LLM worker: `npm start` builds and runs it on port 8000 (PORT overrides).
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule);
  app.enableShutdownHooks();
  const port = Number(process.env.PORT ?? 8000);
  await app.listen(port);
  console.log(`Sample worker on http://localhost:${port}`);
  console.log(
    `  curl -X POST localhost:${port}/v1/completions -H 'content-type: application/json' -d '{"prompt":"hello world"}'`,
  );
  console.log(`  curl localhost:${port}/v1/stream?prompt=hi`);
  console.log(
    `  curl -N localhost:${port}/v1/chat/completions -H 'content-type: application/json' -d '{"model":"demo-llm","messages":[{"role":"user","content":"hello world"}],"stream":true}'`,
  );
  console.log(
    `  curl localhost:${port}/v1/embeddings -H 'content-type: application/json' -d '{"model":"demo-embed","input":"hello world"}'`,
  );
  console.log(`  curl localhost:${port}/v1/models`);
  console.log(`  curl localhost:${port}/metrics`);
  console.log(`  open http://localhost:${port}/metrics/ui (the live page)`);
}

void bootstrap();
