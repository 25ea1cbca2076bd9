import type { FrontendRequest } from './frontend-request';

/**
 * Observes the media parts of an OpenAI chat request once: the content parts of type
 * `image_url`, `video_url` and `audio_url` over all its `messages` (Dynamo's three). Does
 * nothing when the body has no `messages` array (not a chat request).
 */
export function recordMediaParts(request: FrontendRequest, body: unknown): void {
  const messages = (body as { messages?: unknown } | null | undefined)?.messages;
  if (!Array.isArray(messages)) return;
  let images = 0;
  let videos = 0;
  let audio = 0;
  for (let i = 0; i < messages.length; i++) {
    const content = (messages[i] as { content?: unknown } | null | undefined)?.content;
    if (!Array.isArray(content)) continue;
    for (let j = 0; j < content.length; j++) {
      const type = (content[j] as { type?: unknown } | null | undefined)?.type;
      if (type === 'image_url') images++;
      else if (type === 'video_url') videos++;
      else if (type === 'audio_url') audio++;
    }
  }
  request.media(images, videos, audio);
}
