// One colour per cluster everywhere (cards, charts, alert chips). Each context starts from the
// palette slot its name hashes to and moves to the next free one on a clash, so the colours are
// distinct within the kubeconfig and stay put when the list is filtered.
const PALETTE = ['#4f8cff', '#3fb950', '#ff9900', '#d2a8ff', '#f85149', '#39c5cf', '#e3b341', '#ff7eb6', '#8ddb8c', '#a5b4fc', '#ffa657', '#79c0ff'];

function slot(context: string): number {
  let hash = 2166136261;
  for (let i = 0; i < context.length; i++) hash = Math.imul(hash ^ context.charCodeAt(i), 16777619);
  return (hash >>> 0) % PALETTE.length;
}

/** Colours for every context of the kubeconfig; a context outside it gets its hashed colour. */
export function clusterColors(contexts: string[]): (context: string) => string {
  const taken = new Map<number, string>();
  const assigned = new Map<string, string>();
  for (const context of [...new Set(contexts)].sort()) {
    let index = slot(context);
    // with more contexts than colours, colours repeat
    for (let tries = 0; taken.has(index) && tries < PALETTE.length; tries++) index = (index + 1) % PALETTE.length;
    taken.set(index, context);
    assigned.set(context, PALETTE[index]);
  }
  return (context) => assigned.get(context) ?? PALETTE[slot(context)];
}
