/**
 * The App's slug (`GET /app`, as the App), read once and kept for the life of the Durable Object
 * instance that loaded the app: it is the default handle (`@<slug>`) and names the App's own bot
 * account (`<slug>[bot]`), whose comments never trigger. Not kept on failure, so a later delivery asks
 * again; the failing one is retried by the inbox.
 */
export function appSlugOnce(read: () => Promise<string>): () => Promise<string> {
  let slug: string | null = null;
  return async () => {
    slug ??= await read();
    return slug;
  };
}
