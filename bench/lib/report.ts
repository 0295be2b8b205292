import type { Row, SystemSummary } from './measure.js';

const fmt = (v: number | undefined, digits = 0): string => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));
const latency = (s: SystemSummary | undefined) => (s ? `${fmt(s.p50, 1)} / ${fmt(s.p99, 1)}` : '–');
const cpu = (s: SystemSummary | undefined) => (s ? `${fmt(s.serverCpuMsPerOp, 2)} / ${fmt(s.pgCpuMsPerOp, 2)}` : '–');
/** "cpu0 busy/cpu1 busy" with the worst steal of any CPU in any run, e.g. "41/97 st 3". */
const cores = (s: SystemSummary | undefined) =>
  s?.cores ? `${Object.values(s.cores.busyPct).map((v) => fmt(v)).join('/')}${s.cores.maxStealPct >= 1 ? ` st ${fmt(s.cores.maxStealPct)}` : ''}` : '–';
const value = (s: SystemSummary | undefined, unit: string) => (s ? `${fmt(s.value, unit.startsWith('ms') ? 1 : 0)}${s.runs > 1 ? ` ±${Math.round(s.spread * 50)}%` : ''}` : '–');

/**
 * The report as a Markdown table: Keel's figure, the in-run baseline's, their ratio, latency,
 * Keel's peak RSS, CPU per operation (server process / all Postgres processes), and how busy
 * each core was during the runs (with the hypervisor's steal, when any).
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
    'cores busy % Keel / base',
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
    `${cores(r.keel)} / ${cores(r.baseline)}`,
    r.flags.join('; '),
  ]);
  const table = [header, header.map(() => '---'), ...lines].map((cells) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
  return table.join('\n');
}
