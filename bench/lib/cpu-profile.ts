// Reads a V8 .cpuprofile (node --cpu-prof) and ranks where the time went: self time per function, and the
// total (inclusive) time per package, so "JWT verification" or "pino" stands out without a GUI.

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileLine {
  name: string;
  /** Share of all samples, 0–100. */
  percent: number;
}

/** node_modules/<pkg> (or @scope/pkg), node:internal, the repo's own folders, or the runtime's categories. */
export function packageOf(url: string): string {
  if (url === '') return '(native/runtime)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules?.[1]) return modules[1];
  if (url.startsWith('node:')) return 'node:core';
  const own = /\/(packages\/[^/]+|services\/[^/]+|apps\/[^/]+|bench)\//.exec(url);
  return own?.[1] ?? url;
}

function frameName(frame: CallFrame): string {
  const file = frame.url
    .replace(/^.*node_modules\//, '')
    .replace(/^file:\/\/.*?\/(packages|services|apps)\//, '$1/');
  return `${frame.functionName || '(anonymous)'} ${file ? `${file}:${frame.lineNumber + 1}` : ''}`.trim();
}

export interface ProfileSummary {
  /** Samples in a function itself. */
  self: ProfileLine[];
  /** Samples with the function anywhere on the stack (each function once per sample). */
  inclusive: ProfileLine[];
  /** Samples with the package anywhere on the stack. */
  packages: ProfileLine[];
  /** Share of samples that were not idle, 0–100. */
  busy: number;
}

export function summarizeProfile(profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const counts = new Map<number, number>();
  for (const sample of profile.samples) counts.set(sample, (counts.get(sample) ?? 0) + 1);
  const total = profile.samples.length || 1;

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const packages = new Map<string, number>();
  let idle = 0;
  for (const [id, count] of counts) {
    const node = byId.get(id);
    if (!node) continue;
    const name = frameName(node.callFrame);
    self.set(name, (self.get(name) ?? 0) + count);
    if (node.callFrame.functionName === '(idle)') idle += count;
    const seenPackages = new Set<string>();
    const seenFunctions = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
      const frame = byId.get(current)?.callFrame;
      if (!frame || frame.functionName === '(root)') continue;
      seenPackages.add(packageOf(frame.url));
      seenFunctions.add(frameName(frame));
    }
    for (const seen of seenPackages) packages.set(seen, (packages.get(seen) ?? 0) + count);
    for (const seen of seenFunctions) inclusive.set(seen, (inclusive.get(seen) ?? 0) + count);
  }
  const rank = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, count]) => ({ name, percent: (count / total) * 100 }));
  return {
    self: rank(self),
    inclusive: rank(inclusive),
    packages: rank(packages),
    busy: ((total - idle) / total) * 100,
  };
}
