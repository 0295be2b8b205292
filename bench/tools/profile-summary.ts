/**
 * Summarises a V8 .cpuprofile (from `npm run bench -- --profile`): self time by function and
 * by package, and inclusive time of chosen functions, so a profile can be read without a GUI.
 *
 *   node dist/bench/tools/profile-summary.js bench/results/profiles/<file>.cpuprofile [top=40] [--match=regex] [--busiest=seconds] [--after=seconds]
 *
 * --busiest=N keeps only the N seconds with the least idle time: the measured run, without
 * start-up and the baselines' turns. --after=S first drops the first S seconds (start-up,
 * when a run does not keep the server as busy as loading it did).
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function where(url: string): string {
  if (!url) return '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return 'node-core';
  const dist = url.indexOf('/dist/');
  return dist >= 0 ? `keel:${url.slice(dist + 6).split('/').slice(0, 2).join('/')}` : url;
}

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a));
if (!file) {
  process.stderr.write('usage: profile-summary <file.cpuprofile> [top] [--match=regex]\n');
  process.exit(2);
}
const top = Number(args.find((a) => /^\d+$/.test(a)) ?? 40);
const match = args.find((a) => a.startsWith('--match='))?.slice(8);
const busiest = Number(args.find((a) => a.startsWith('--busiest='))?.slice(10) ?? 0);
const afterUs = Number(args.find((a) => a.startsWith('--after='))?.slice(8) ?? 0) * 1e6;
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
if (afterUs > 0) dropFirst(afterUs);
if (busiest > 0) keepBusiestWindow(busiest * 1e6);
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const idle = [...selfUs].filter(([id]) => ['(idle)', '(program)', '(garbage collector)'].includes(byId.get(id)!.callFrame.functionName));

const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
const fnSelf = new Map<string, number>();
const pkgSelf = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const [id, us] of selfUs) {
  const n = byId.get(id)!;
  const key = `${n.callFrame.functionName || '(anonymous)'} ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  add(fnSelf, key, us);
  add(pkgSelf, n.callFrame.url ? where(n.callFrame.url) : n.callFrame.functionName, us);
  if (match) {
    // Inclusive time: charge each matching ancestor frame once per sample.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      const k = `${f.functionName} ${where(f.url)}:${f.lineNumber + 1}`;
      if (new RegExp(match).test(k) && !seen.has(k)) {
        seen.add(k);
        add(inclusive, k, us);
      }
    }
  }
}
const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
const print = (title: string, m: Map<string, number>, n: number) => {
  process.stdout.write(`\n${title}\n`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) process.stdout.write(`${pct(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}\n`);
};
process.stdout.write(`profile ${file}: ${(total / 1e6).toFixed(1)} s sampled, of which idle/program/GC: ${idle.map(([id, us]) => `${byId.get(id)!.callFrame.functionName} ${pct(us)}`).join(', ')}\n`);
print('self time by package', pkgSelf, 25);
print('self time by function', fnSelf, top);
if (match) print(`inclusive time of frames matching /${match}/`, inclusive, top);

/** Drops every sample outside the window of `windowUs` with the most non-idle time. */
function keepBusiestWindow(windowUs: number): void {
  const at: number[] = [];
  let t = 0;
  for (const d of profile.timeDeltas) at.push((t += d));
  const busy = profile.samples.map((id, i) => (byId.get(id)!.callFrame.functionName === '(idle)' ? 0 : (profile.timeDeltas[i] ?? 0)));
  let best = 0;
  let bestStart = 0;
  let sum = 0;
  for (let end = 0, start = 0; end < at.length; end++) {
    sum += busy[end];
    while (at[end] - at[start] > windowUs) sum -= busy[start++];
    if (sum > best) [best, bestStart] = [sum, start];
  }
  const keep = (i: number) => i >= bestStart && at[i] - at[bestStart] <= windowUs;
  profile.samples = profile.samples.filter((_, i) => keep(i));
  profile.timeDeltas = profile.timeDeltas.filter((_, i) => keep(i));
}

function dropFirst(us: number): void {
  let t = 0;
  const keep = profile.timeDeltas.map((d) => (t += d) > us);
  profile.samples = profile.samples.filter((_, i) => keep[i]);
  profile.timeDeltas = profile.timeDeltas.filter((_, i) => keep[i]);
}
