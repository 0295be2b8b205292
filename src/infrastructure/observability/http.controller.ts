import { Controller, Get, Header, HttpCode, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Database } from '../database/database.js';
import { metricsExposition, metricsRegistry } from './metrics.js';

const startedAt = new Date();

@Controller()
export class ObservabilityController {
  constructor(private readonly db: Database) {}

  /** 200 when the database answers within a second, 503 otherwise (load balancers take the instance out). */
  @Get('health')
  async health(@Res() res: Response): Promise<void> {
    try {
      await Promise.race([
        this.db.query('SELECT 1'),
        new Promise((_, reject) => setTimeout(() => reject(new Error('database timeout')), 1000).unref()),
      ]);
      res.status(200).json({ status: 'ok', database: 'ok', startedAt, uptimeSeconds: Math.round(process.uptime()) });
    } catch {
      res.status(503).json({ status: 'unavailable', database: 'unreachable', startedAt });
    }
  }

  @Get('metrics')
  @HttpCode(200)
  @Header('Content-Type', metricsRegistry.contentType)
  metrics(): Promise<string> {
    return metricsExposition();
  }
}
