/**
 * The report bench's HTTP client, in a child process of its own so that reading and counting
 * the export does not share the server's event loop. Driven over IPC by bench/report.ts.
 */
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';

interface Get {
  url: string;
  token: string;
}

function get({
  url,
  token,
}: Get): Promise<{ firstByte: number; total: number; bytes: number; newlines: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    let firstByte = 0;
    let bytes = 0;
    let newlines = 0;
    const req = request(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`export answered ${res.statusCode}`));
      res.on('data', (chunk: Buffer) => {
        if (!firstByte) firstByte = performance.now() - start;
        bytes += chunk.length;
        for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) newlines++;
      });
      res.on('end', () => resolve({ firstByte, total: performance.now() - start, bytes, newlines }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

// bench/main.ts imports every bench file looking for run(); only a forked client has a parent.
if (process.send) {
  process.on('message', (m: Get) => {
    get(m).then(
      (r) => process.send!({ ok: true, ...r }),
      (err: unknown) =>
        process.send!({ ok: false, message: err instanceof Error ? err.message : String(err) }),
    );
  });
  process.send({ up: true });
}
