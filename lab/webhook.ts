// The lab's webhook receiver: every Alertmanager notification POSTed to /<context>/<receiver>
// is appended as one JSON line to lab/.state/<context>/notifications.jsonl.
import { appendFileSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { clusters, stateDir, webhookPort } from './config.ts';

const contexts = new Set(clusters.map((c) => c.context));

http
  .createServer((req, res) => {
    const [, context, receiver] = (req.url ?? '').split('/');
    if (req.method !== 'POST' || !contexts.has(context)) {
      res.writeHead(404).end();
      return;
    }
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      try {
        const dir = path.join(stateDir, context);
        mkdirSync(dir, { recursive: true });
        appendFileSync(path.join(dir, 'notifications.jsonl'), `${JSON.stringify({ receivedAt: new Date().toISOString(), receiver, notification: JSON.parse(body) })}\n`);
        res.writeHead(200).end();
      } catch (error) {
        res.writeHead(400).end((error as Error).message);
      }
    });
  })
  .listen(webhookPort, '127.0.0.1', () => console.log(`webhook receiver on 127.0.0.1:${webhookPort}`));
