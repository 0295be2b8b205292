import { Controller, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { LOGGER } from '../../infrastructure/observability/logger.tokens.js';
import { integrationInbound, integrationLabels } from '../../infrastructure/observability/metrics.js';
import type { WebhookRequest } from '../contract/index.js';
import { ConnectionStatus } from '../connection/connection.model.js';
import { ConnectionService } from '../connection/connection.service.js';
import { AdapterRegistry } from '../registry/registry.js';
import { EnvelopeError, InboundService } from './inbound.service.js';

function lowerCaseHeaders(req: Request): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return headers;
}

/**
 * Webhook ingress: verify, store, answer 200 before any processing. Unknown or paused
 * connection: 404; a bad or missing signature: 401 and nothing stored; a body the adapter
 * cannot parse: 400; a redelivery (same dedupe key): 200 and nothing changes.
 */
@Controller('webhooks')
export class WebhookController {
  constructor(
    private readonly connections: ConnectionService,
    private readonly registry: AdapterRegistry,
    private readonly inbound: InboundService,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  @Post(':connectionId')
  @HttpCode(200)
  async receive(@Param('connectionId') connectionId: string, @Req() req: Request & { rawBody?: Buffer }, @Res() res: Response): Promise<void> {
    const connection = await this.connections.forIngress(connectionId);
    const adapter = connection && this.registry.find(connection.adapter);
    if (!connection || !adapter?.webhook || connection.status !== ConnectionStatus.ACTIVE) {
      res.status(404).json({ error: 'no active connection takes webhooks here' });
      return;
    }
    const request: WebhookRequest = {
      headers: lowerCaseHeaders(req),
      rawBody: req.rawBody ?? Buffer.alloc(0),
      query: Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, typeof v === 'string' ? v : undefined])),
    };
    const verified = this.connections.webhookSecrets(connection).some((secrets) => {
      try {
        return adapter.webhook!.verify(request, secrets).ok;
      } catch {
        return false;
      }
    });
    if (!verified) {
      integrationInbound.inc(integrationLabels(connection, 'unauthorized'));
      this.log.warn({ connectionId: connection.id }, 'webhook refused: bad or missing signature');
      res.status(401).json({ error: 'invalid signature' });
      return;
    }
    let routed;
    try {
      routed = adapter.webhook.route(request);
    } catch (error) {
      routed = { ok: false as const, error: (error as Error).message };
    }
    if (!routed.ok) {
      integrationInbound.inc(integrationLabels(connection, 'unparseable'));
      res.status(400).json({ error: `unparseable webhook: ${routed.error}` });
      return;
    }
    try {
      const { stored, duplicates } = await this.inbound.stage(connection, routed.value, { correlationId: (req as Request & { correlationId?: string }).correlationId });
      res.status(200).json({ status: 'accepted', stored, duplicates });
    } catch (error) {
      if (!(error instanceof EnvelopeError)) throw error;
      this.log.error({ connectionId: connection.id, adapter: adapter.key, err: { message: error.message } }, 'adapter produced an envelope core cannot store');
      res.status(400).json({ error: `unparseable webhook: ${error.message}` });
    }
  }
}
