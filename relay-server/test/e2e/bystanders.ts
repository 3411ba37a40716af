/**
 * Two bystanders chatting through the relay while a test attacks it: their
 * conversation must never fail, and stop() waits for two more deliveries
 * after the attacks, proof that the relay still serves.
 */
import { connect, payload, type RelayHttp, type RelayProcess, registerDevice, sleep } from '@parley/test-support';

export interface Bystanders {
  /** Resolves with how many messages were delivered in all. */
  stop(): Promise<number>;
}

export async function startBystanders(relay: RelayProcess, http: RelayHttp): Promise<Bystanders> {
  const carol = await registerDevice(http);
  const dave = await registerDevice(http);
  const carolSocket = await connect(relay, carol.token);
  const daveSocket = await connect(relay, dave.token);
  let running = true;
  let delivered = 0;
  // Paced under the relay's send rate (5/s here): bystanders are not flooding.
  const loop = (async () => {
    while (running) {
      const result = await carolSocket.send({
        recipient: dave.device.accountId,
        messages: [{ deviceId: 1, type: 'message', content: payload(`chat${delivered}`) }],
      });
      if (!result.ok) throw new Error(`bystander send failed: ${result.error.code}`);
      delivered++;
      await daveSocket.waitFor(() => daveSocket.received.length >= delivered, 5_000, 'bystander delivery');
      await sleep(250);
    }
  })();
  // Surfaced by stop(); without this handler a failure would be an unhandled rejection.
  loop.catch(() => undefined);
  return {
    // Keeps going until two more messages made it through after every hostile
    // test ran: proof that the relay still serves, whatever the suite's pace.
    stop: async () => {
      const target = delivered + 2;
      await daveSocket.waitFor(() => delivered >= target, 10_000, 'bystander deliveries after the attacks');
      running = false;
      await loop;
      carolSocket.close();
      daveSocket.close();
      return delivered;
    },
  };
}
