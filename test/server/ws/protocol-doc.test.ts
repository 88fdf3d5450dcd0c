/**
 * docs/protocol.md and the server agree (issue 12, item 10): every JSON example in the doc
 * parses and names a message type the schemas know, the error codes and close codes the doc
 * lists are exactly those the server uses, and what the doc allows before `hello` (a pong, a
 * pairing request) is what a real server answers.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ErrorCode, PlayerMessage, ServerMessage } from '#shared/schemas/protocol.ts';
import { RestartableServer, waitFor } from './fixtures.ts';

const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
const gatewaySource = readFileSync(new URL('../../../server/ws/gateway.ts', import.meta.url), 'utf8');
const examples = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!);
const typesOf = (u: { options: ReadonlyArray<{ shape: { type: { value: string } } }> }) =>
  new Set(u.options.map((o) => o.shape.type.value));
const known = new Set([...typesOf(PlayerMessage), ...typesOf(ServerMessage)]);

describe('docs/protocol.md against the server', () => {
  it('every JSON example parses, and every message example names a type the schemas know', () => {
    expect(examples.length).toBeGreaterThan(15);
    const named: string[] = [];
    for (const block of examples) {
      // A block may show several messages, each starting on a line of its own.
      for (const text of block.split(/\n(?=\{)/)) {
        // `[ … ]` stands for a list left out of an example.
        const json = JSON.parse(text.replace(/\[\s*…\s*\]/g, '[]')) as { type?: unknown };
        // Otherwise a fragment (a provisioning file, a day of a plan): it must still be JSON.
        if (typeof json.type === 'string') named.push(json.type);
      }
    }
    for (const t of named) expect(known.has(t), `${t} is not a protocol message`).toBe(true);
    // The messages a player must handle are all shown.
    for (const t of [
      'pair_request',
      'pairing',
      'paired',
      'hello',
      'welcome',
      'ping',
      'pong',
      'status',
      'plays',
      'plays_ack',
      'error',
      'revoked',
      'plan_changed',
    ])
      expect(named, t).toContain(t);
  });

  it('lists exactly the error codes the server can send', () => {
    const line = /Codes: ([\s\S]*?)\. When `fatal`/.exec(doc)![1]!;
    const listed = [...line.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]).sort();
    expect(listed).toEqual([...ErrorCode.options].sort());
  });

  it('documents every close code the gateway uses', () => {
    const used = new Set([...gatewaySource.matchAll(/close\((\d{4})/g)].map((m) => m[1]!));
    // fail() closes with 4000 + 1 for unauthenticated; the deadlines pass their codes through.
    used.add('4000');
    used.add('4001');
    for (const m of gatewaySource.matchAll(/setDeadline\(conn, [^,]+, (\d{4})/g)) used.add(m[1]!);
    const table = /Close codes the server uses:\n\n([\s\S]*?)\n\n/.exec(doc)![1]!;
    for (const code of used) expect(table, `close code ${code}`).toContain(`| ${code} |`);
    expect(table).toContain('| 1009 |');
  });

  describe('before hello, on a real server', () => {
    const server = new RestartableServer();
    beforeAll(async () => {
      await server.start();
    });
    afterAll(async () => server.stop());

    it('a pong before hello is not refused, and a pairing request after it gets its code', async () => {
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws/player`);
      const inbox: Array<{ type: string }> = [];
      ws.on('message', (d: Buffer) => inbox.push(JSON.parse(d.toString('utf8')) as { type: string }));
      await new Promise((r) => ws.once('open', r));
      ws.send(
        JSON.stringify({ type: 'pong', v: 1, serverTime: server.clock.now(), clock: server.clock.now() }),
      );
      ws.send(JSON.stringify({ type: 'pair_request', v: 1, playerVersion: 't' }));
      const first = await waitFor('an answer', () => inbox[0]);
      expect(first.type).toBe('pairing');
      expect(ServerMessage.safeParse(first).success).toBe(true);
      expect(ws.readyState).toBe(WebSocket.OPEN);
      ws.close();
    });
  });
});
