/** Series read from a gateway's Prometheus text (`GET /metrics`). */

export function series(text: string, name: string): Array<{ labels: Record<string, string>; value: number }> {
  const found: Array<{ labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labels: Record<string, string> = {};
    for (const m of line.matchAll(/(\w+)="([^"]*)"/g)) labels[m[1]] = m[2];
    found.push({ labels, value: Number(line.slice(line.lastIndexOf(' ') + 1)) });
  }
  return found;
}

/** Predictions the gateway served for a model, by variant. */
export function predictionsByVariant(text: string, model: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of series(text, 'switchyard_predictions_total')) {
    if (s.labels.model !== model || s.labels.status !== 'ok') continue;
    counts[s.labels.variant] = (counts[s.labels.variant] ?? 0) + s.value;
  }
  return counts;
}
