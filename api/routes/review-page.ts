import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';

const UI_DIR = join(import.meta.dirname, '..', 'review-ui');

const ASSETS: Record<string, { file: string; type: string }> = {
  '/review': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/review/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/review/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

/**
 * The reviewer's page: three static files, no build step. The page itself is public (it is
 * only a login form until a key is given); everything it shows comes from the review API.
 */
export function reviewPageRoutes() {
  return async (app: FastifyInstance) => {
    for (const [url, asset] of Object.entries(ASSETS)) {
      app.get(url, { config: { public: true }, schema: { hide: true } }, async (_req, reply) =>
        reply
          .type(asset.type)
          .header('cache-control', 'no-cache')
          .header(
            'content-security-policy',
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
          )
          .send(await readFile(join(UI_DIR, asset.file))),
      );
    }
    app.get('/review/', { config: { public: true }, schema: { hide: true } }, async (_req, reply) =>
      reply.redirect('/review'),
    );
  };
}
