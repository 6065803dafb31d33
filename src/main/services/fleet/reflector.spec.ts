import { describe, expect, it } from 'vitest';
import { parseWatchLine } from './reflector.ts';

describe('parseWatchLine', () => {
  it('turns a 410 ERROR (history compacted) into "gone", which makes the reflector relist', () => {
    const event = parseWatchLine(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 1 (1511)' } }), '/api/v1/pods');
    expect(event).toMatchObject({ type: 'ERROR', error: { code: 'gone', message: 'too old resource version: 1 (1511)' } });
  });

  it('keeps other ERROR codes as what they are', () => {
    const event = parseWatchLine(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 403, message: 'pods is forbidden' } }), '/api/v1/pods');
    expect(event).toMatchObject({ type: 'ERROR', error: { code: 'forbidden', message: 'watch /api/v1/pods: HTTP 403: pods is forbidden' } });
  });

  it('reads bookmarks and object events', () => {
    expect(parseWatchLine(JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '42' } } }), 'x')).toEqual({ type: 'BOOKMARK', resourceVersion: '42' });
    expect(parseWatchLine(JSON.stringify({ type: 'DELETED', object: { metadata: { name: 'p', namespace: 'n' } } }), 'x')).toMatchObject({ type: 'DELETED', object: { metadata: { name: 'p' } } });
  });
});
