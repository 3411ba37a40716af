/** Reads one counter or gauge from a relay's Prometheus endpoint (counters restart from 0 with the process). */
export async function relayMetric(relayUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${relayUrl}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const [series, value] = line.split(' ');
    if (series === undefined || value === undefined) continue;
    if (series === name || series.startsWith(`${name}{`)) total += Number(value);
  }
  return total;
}

/** Envelopes the relay durably accepted since it started. */
export function acceptedEnvelopes(relayUrl: string): Promise<number> {
  return relayMetric(relayUrl, 'parley_relay_envelopes_accepted_total');
}
