import type { NextFunction, Request, Response } from 'express';

export const WEBHOOK_BODY_LIMIT = 2 * 1024 * 1024;

/**
 * Keeps the exact bytes of every webhook request, whatever its content type, before any
 * JSON parser sees it: signatures are computed over the raw body, and a body that is not
 * JSON must still be answered 401 when its signature is bad (the adapter verifies before
 * anything parses). Mounted on /webhooks ahead of the app's body parsers. (Twelve lines
 * rather than a dependency on express's raw parser, which this package does not declare.)
 */
export function webhookRawBody() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > WEBHOOK_BODY_LIMIT) {
        res.status(413).json({ error: 'payload too large' });
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (res.headersSent) return;
      (req as Request & { rawBody?: Buffer }).rawBody = Buffer.concat(chunks);
      next();
    });
    req.on('error', next);
  };
}
