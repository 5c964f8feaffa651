import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  /** Self time by package (node_modules name, `roster:<workspace path>`, `node:` internals, or the VM). */
  byPackage: { name: string; ms: number; share: number }[];
  /** The functions with the most self time. */
  topFunctions: { name: string; where: string; ms: number; share: number }[];
}

function packageOf(url: string): string {
  if (!url) return '(vm: gc, idle, native)';
  if (url.startsWith('node:')) return 'node: internals';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const m = /\/(packages|apps)\/([^/]+)\//.exec(url);
  if (m) return `roster: ${m[1]}/${m[2]}`;
  return url.replace(/^file:\/\//, '');
}

/** Summarises the newest .cpuprofile in `dir` (written by `node --cpu-prof`). */
export function summarizeCpuProfile(dir: string): ProfileSummary | undefined {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const file = files.sort().at(-1);
  if (!file) return undefined;
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  let totalUs = 0;
  const pkgs = new Map<string, number>();
  const fns = new Map<string, { where: string; us: number }>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (!n) continue;
    const name = n.callFrame.functionName || '(anonymous)';
    if (name === '(idle)' || name === '(program)') continue;
    totalUs += us;
    const pkg = name === '(garbage collector)' ? '(garbage collector)' : packageOf(n.callFrame.url);
    pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + us);
    const key = `${name} ${n.callFrame.url}:${n.callFrame.lineNumber}`;
    const f = fns.get(key) ?? { where: `${pkg}:${n.callFrame.lineNumber + 1}`, us: 0 };
    f.us += us;
    fns.set(key, f);
  }
  const share = (us: number) => Math.round((us / totalUs) * 1000) / 10;
  return {
    file: join(dir, file),
    totalMs: Math.round(totalUs / 1000),
    byPackage: [...pkgs]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), share: share(us) })),
    topFunctions: [...fns]
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, 15)
      .map(([key, f]) => ({
        name: key.split(' ')[0]!,
        where: f.where,
        ms: Math.round(f.us / 1000),
        share: share(f.us),
      })),
  };
}
