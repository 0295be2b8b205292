import type { Row, SystemSummary } from './measure.js';

const fmt = (v: number | undefined, digits = 0): string => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));
const latency = (s: SystemSummary | undefined) => (s ? `${fmt(s.p50, 1)} / ${fmt(s.p99, 1)}` : '–');
const cpu = (s: SystemSummary | undefined) => (s ? `${fmt(s.serverCpuMsPerOp, 2)} / ${fmt(s.pgCpuMsPerOp, 2)}` : '–');
const value = (s: SystemSummary | undefined, unit: string) => (s ? `${fmt(s.value, unit.startsWith('ms') ? 1 : 0)}${s.runs > 1 ? ` ±${Math.round(s.spread * 50)}%` : ''}` : '–');

/**
 * The report as a Markdown table: Keel's figure, the in-run baseline's, their ratio, latency,
 * Keel's peak RSS, and CPU per operation (server process / all Postgres processes).
 */
export function renderTable(rows: Row[]): string {
  const header = [
    'scenario',
    'unit',
    'Keel',
    'baseline',
    'vs',
    'ratio',
    'Keel p50 / p99 ms',
    'base p50 / p99 ms',
    'Keel peak RSS MB',
    'Keel CPU ms/op srv / pg',
    'base CPU ms/op srv / pg',
    'SQL/op Keel / base',
    'notes',
  ];
  const lines = rows.map((r) => [
    r.scenario,
    r.unit,
    r.keel ? value(r.keel, r.unit) : (r.keelNote ?? '–'),
    value(r.baseline, r.unit),
    r.baselineName,
    r.ratio !== undefined ? `${r.ratio.toFixed(2)}x${r.ratioSpread !== undefined ? ` (±${Math.round(r.ratioSpread * 50)}%)` : ''}` : '–',
    latency(r.keel),
    latency(r.baseline),
    fmt(r.keel?.peakRssMb),
    cpu(r.keel),
    cpu(r.baseline),
    `${fmt(r.keel?.sqlPerOp, 1)} / ${fmt(r.baseline?.sqlPerOp, 1)}`,
    r.flags.join('; '),
  ]);
  const table = [header, header.map(() => '---'), ...lines].map((cells) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
  return table.join('\n');
}
