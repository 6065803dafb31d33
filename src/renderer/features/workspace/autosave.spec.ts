import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FleetdeckError } from '../../../shared/errors.ts';
import { Autosave, type SaveState } from './autosave.ts';

/** A file on "disk" with a version that each write bumps, refusing a write over an older version as main does. */
function fakeDisk() {
  const disk = { text: 'a', version: 1, writes: [] as { text: string; over: string | undefined }[], hold: undefined as Promise<void> | undefined };
  const states: SaveState['state'][] = [];
  const saved: string[] = [];
  const autosave = new Autosave(
    {
      async write(text, over) {
        disk.writes.push({ text, over });
        await disk.hold;
        if (over !== undefined && over !== String(disk.version)) throw new FleetdeckError('conflict', 'a.yaml changed on disk since it was opened');
        disk.text = text;
        return String(++disk.version);
      },
      onState: (s) => states.push(s.state),
      onSaved: (text) => saved.push(text),
    },
    400,
  );
  autosave.opened('1');
  return { disk, states, saved, autosave };
}

describe('Autosave', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('writes once typing pauses, the last text only, over the version it read', async () => {
    const { disk, states, saved, autosave } = fakeDisk();
    autosave.edit('ab');
    await vi.advanceTimersByTimeAsync(200);
    autosave.edit('abc');
    await vi.advanceTimersByTimeAsync(399);
    expect(disk.writes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(disk.writes).toEqual([{ text: 'abc', over: '1' }]);
    expect(disk.text).toBe('abc');
    expect(states.at(-1)).toBe('saved');
    expect(saved).toEqual(['abc']);
  });

  it('keeps one write in flight; an edit made meanwhile is written next, over the new version', async () => {
    const { disk, states, autosave } = fakeDisk();
    let release!: () => void;
    disk.hold = new Promise((resolve) => (release = resolve));
    autosave.edit('first');
    await vi.advanceTimersByTimeAsync(400);
    autosave.edit('second');
    await vi.advanceTimersByTimeAsync(400);
    expect(disk.writes.map((w) => w.text)).toEqual(['first']);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(states.at(-1)).toBe('unsaved');
    await vi.advanceTimersByTimeAsync(400);
    expect(disk.writes).toEqual([
      { text: 'first', over: '1' },
      { text: 'second', over: '2' },
    ]);
    expect(disk.text).toBe('second');
  });

  it('reports a file changed on disk as a conflict by its code, and writes over it only when told to', async () => {
    const { disk, states, autosave } = fakeDisk();
    disk.version = 7; // another editor wrote the file
    autosave.edit('mine');
    await vi.advanceTimersByTimeAsync(400);
    expect(states.at(-1)).toBe('failed');
    expect(disk.text).toBe('a');
    autosave.overwrite('mine');
    await vi.advanceTimersByTimeAsync(0);
    expect(disk.writes.at(-1)).toEqual({ text: 'mine', over: undefined });
    expect(disk.text).toBe('mine');
    expect(states.at(-1)).toBe('saved');
  });

  it('tells a conflict from other failures by the error code, not the message', async () => {
    const reported: SaveState[] = [];
    const failing = (error: Error) => new Autosave({ write: () => Promise.reject(error), onState: (s) => reported.push(s), onSaved: () => undefined }, 400);
    failing(new FleetdeckError('conflict', 'refused')).overwrite('x');
    await vi.advanceTimersByTimeAsync(0);
    expect(reported.at(-1)).toEqual({ state: 'failed', message: 'refused', conflict: true });
    failing(new FleetdeckError('forbidden', 'a.yaml changed on disk since it was opened')).overwrite('x');
    await vi.advanceTimersByTimeAsync(0);
    expect(reported.at(-1)).toEqual({ state: 'failed', message: 'a.yaml changed on disk since it was opened', conflict: false });
  });

  it('on close writes what was typed at once, and reports nothing more', async () => {
    const { disk, states, saved, autosave } = fakeDisk();
    autosave.edit('typed');
    const before = states.length;
    autosave.close();
    await vi.advanceTimersByTimeAsync(0);
    expect(disk.writes).toEqual([{ text: 'typed', over: '1' }]);
    expect(states.length).toBe(before);
    expect(saved).toEqual(['typed']);
  });

  it('after a reload nothing is pending', async () => {
    const { disk, states, autosave } = fakeDisk();
    autosave.edit('replaced by the reload');
    autosave.reloaded('5');
    await vi.advanceTimersByTimeAsync(1000);
    expect(disk.writes).toEqual([]);
    expect(states.at(-1)).toBe('saved');
  });
});
