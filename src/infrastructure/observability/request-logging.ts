import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { correlationIdFrom } from '../../api/auth/request-context.js';
import { logContext } from './logger.js';
import { httpRequestDuration } from './metrics.js';

/** Paths answered outside Nest's router (Apollo's middleware leaves `req.path` as "/"). */
const UNROUTED_ENDPOINTS = new Set(['/graphql', '/health', '/metrics']);

/**
 * The route a request is labelled with: its route pattern, or one of the known endpoints,
 * or "unmatched", so that requests for arbitrary URLs cannot grow the metric's series.
 */
function routeLabel(req: Request): string {
  if (req.route?.path) return req.route.path;
  const path = req.originalUrl.split('?', 1)[0];
  if (path.startsWith('/webhooks/')) return '/webhooks/:connectionId';
  return UNROUTED_ENDPOINTS.has(path) ? path : 'unmatched';
}

/**
 * Gives every request a correlation id (kept from `X-Correlation-Id` when sane, echoed back),
 * times it for /metrics, and logs it once it ends. Bodies and headers are never logged.
 */
export function requestLogging(log: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const correlationId = correlationIdFrom(req.headers['x-correlation-id']);
    (req as Request & { correlationId: string }).correlationId = correlationId;
    res.setHeader('X-Correlation-Id', correlationId);
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const route = routeLabel(req);
      httpRequestDuration.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
      if (route !== '/health' && route !== '/metrics') {
        log.info({ correlationId, method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1000) }, 'http request');
      }
    });
    logContext.run({ correlationId }, next);
  };
}
