// `npx tsx bench/cpu-profile-summary.ts FILE.cpuprofile [--top 40]`: where a V8 CPU profile
// (node --cpu-prof) spent its time — self time by function, and inclusive time for the functions
// that matter — so hot-path changes can be chosen from measurements (bench/README.md).
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount: number; children?: number[] };
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[] };

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: "string", default: "40" } } });
const profile = JSON.parse(readFileSync(positionals[0], "utf8")) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

// Time per sample: the delta to the next sample.
const selfTime = new Map<number, number>();
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i + 1] ?? 0;
  selfTime.set(profile.samples[i], (selfTime.get(profile.samples[i]) ?? 0) + dt);
}
const label = (node: Node) => {
  const file = node.callFrame.url.replace(/^.*\/(node_modules\/|lib\/|bench\/)/, "$1");
  return `${node.callFrame.functionName || "(anonymous)"} ${file ? `${file}:${node.callFrame.lineNumber + 1}` : ""}`.trim();
};

const total = [...selfTime.values()].reduce((a, b) => a + b, 0);
const self = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const [id, time] of selfTime) {
  const node = byId.get(id)!;
  self.set(label(node), (self.get(label(node)) ?? 0) + time);
  // Each function once per stack, however often it recurses.
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const name = label(byId.get(at)!);
    if (seen.has(name)) continue;
    seen.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + time);
  }
}
const top = Number(values.top);
const show = (title: string, map: Map<string, number>) => {
  console.log(`\n${title} (of ${(total / 1000).toFixed(0)} ms sampled)`);
  for (const [name, time] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((100 * time) / total).toFixed(1).padStart(6)}%  ${name}`);
  }
};
show("self time", self);
show("inclusive time", inclusive);
