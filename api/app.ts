import { randomUUID } from 'node:crypto';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { type ApiKeyInfo, findApiKey } from '../pipeline/api-keys.ts';
import type { Logger } from '../pipeline/log.ts';
import type { Service } from '../pipeline/service.ts';
import type { Role } from '../schemas/api.ts';
import { registerQueueDashboard } from './admin-queues.ts';
import { HttpError } from './http-error.ts';
import { batchRoutes } from './routes/batches.ts';
import { documentRoutes } from './routes/documents.ts';
import { healthRoutes } from './routes/health.ts';
import { recordRoutes } from './routes/records.ts';
import { reviewRoutes } from './routes/review.ts';
import { reviewPageRoutes } from './routes/review-page.ts';

declare module 'fastify' {
  interface FastifyRequest {
    apiKey: ApiKeyInfo | null;
  }
  interface FastifyContextConfig {
    /** Open to anyone (health checks). Every other route needs a key. */
    public?: boolean;
    /** Roles allowed besides admin, which may call every route. */
    roles?: Role[];
  }
}

export type App = FastifyInstance;

export interface AppOptions {
  /**
   * Where requests are logged: `paperline serve` passes its logger (pipeline/log.ts, personal
   * data masked). Default: no request log.
   */
  logger?: Logger;
}

/** Browsers (the review page, the queue dashboard) send the key as a cookie; programs as a header. */
function presentedKey(headers: Record<string, string | string[] | undefined>): string | null {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return m ? m[1]! : null;
  }
  const cookie = headers.cookie;
  if (typeof cookie === 'string') {
    for (const part of cookie.split(';')) {
      const [name, ...rest] = part.trim().split('=');
      if (name === 'paperline_key') return decodeURIComponent(rest.join('='));
    }
  }
  return null;
}

/** Paths served by plugins rather than our routes, with the access they need. */
function pluginAccess(url: string): { public: boolean; roles: Role[] } | null {
  if (url === '/docs' || url.startsWith('/docs/')) return { public: true, roles: [] };
  if (url === '/admin/queues' || url.startsWith('/admin/queues/')) return { public: false, roles: [] };
  return null;
}

/**
 * Builds the HTTP API over a service, without listening: `paperline serve` listens, tests use
 * `app.inject()` or listen on a free port.
 */
export async function buildApp(svc: Service, opts: AppOptions = {}): Promise<App> {
  const app = Fastify({
    // Typed as Fastify's base logger so the app's type does not depend on who logs.
    ...(opts.logger ? { loggerInstance: opts.logger as FastifyBaseLogger } : { logger: false }),
    genReqId: () => randomUUID(),
    bodyLimit: 1024 * 1024,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('apiKey', null);

  await app.register(multipart, {
    limits: {
      fileSize: svc.config.limits.maxFileBytes,
      files: svc.config.limits.maxFiles,
      fields: 20,
      parts: svc.config.limits.maxFiles + 20,
    },
  });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Paperline API',
        version: '1',
        description:
          'Upload batches of scans and PDFs, follow their processing, and consume posted records. ' +
          'Every route but /healthz, /readyz and these docs needs `Authorization: Bearer <key>`.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.addHook('onRequest', async (req) => {
    const path = req.url.split('?')[0]!;
    const access = pluginAccess(path) ?? {
      public: req.routeOptions.config?.public ?? false,
      roles: req.routeOptions.config?.roles ?? [],
    };
    if (access.public) return;
    const key = presentedKey(req.headers);
    if (!key)
      throw new HttpError(401, 'unauthorized', 'This route needs an API key: Authorization: Bearer <key>.');
    const info = await findApiKey(svc.db, key);
    if (!info) throw new HttpError(401, 'unauthorized', 'The API key is unknown or has been revoked.');
    req.apiKey = info;
    if (info.role !== 'admin' && !access.roles.includes(info.role)) {
      const allowed = ['admin', ...access.roles].join(' or ');
      throw new HttpError(
        403,
        'forbidden',
        `This route needs the ${allowed} role; this key is ${info.role}.`,
      );
    }
  });

  app.setErrorHandler((err: FastifyError | HttpError, req, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
      // 5xx detail stays in the log; the caller gets the request id to quote.
      return reply.code(status).send({
        error: 'internal-error',
        message: 'Something went wrong on our side. Quote the request id when reporting it.',
        requestId: req.id,
      });
    }
    if (err instanceof HttpError) {
      return reply.code(status).send({
        error: err.code,
        message: err.message,
        requestId: req.id,
        ...(err.details === undefined ? {} : { details: err.details }),
      });
    }
    const validation = (err as FastifyError).validation;
    return reply.code(status).send({
      error: validation ? 'invalid-request' : ((err as FastifyError).code ?? 'bad-request').toLowerCase(),
      message: err.message,
      requestId: req.id,
      ...(validation ? { details: validation } : {}),
    });
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .code(404)
      .send({ error: 'not-found', message: `No route ${req.method} ${req.url}.`, requestId: req.id }),
  );

  await app.register(healthRoutes(svc));
  await app.register(batchRoutes(svc));
  await app.register(documentRoutes(svc));
  await app.register(recordRoutes(svc));
  await app.register(reviewRoutes(svc));
  await app.register(reviewPageRoutes());
  await registerQueueDashboard(app, svc);
  return app;
}
