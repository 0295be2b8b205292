import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { correlationIdFrom } from '../../api/auth/request-context.js';
import { logContext } from './logger.js';
import { httpRequestDuration } from './metrics.js';

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
      const route = req.route?.path ?? (req.path.startsWith('/webhooks/') ? '/webhooks/:connectionId' : req.path);
      httpRequestDuration.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
      if (req.path !== '/health' && req.path !== '/metrics') {
        log.info({ correlationId, method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1000) }, 'http request');
      }
    });
    logContext.run({ correlationId }, next);
  };
}
