import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { UnfinishedResponses } from '../../src/runtime/unfinished-responses.js';

const response = (name: string) => Object.assign(new EventEmitter(), { name }) as unknown as ServerResponse & { name: string };
const names = (list: UnfinishedResponses) =>
  list
    .list()
    .map((r) => (r as unknown as { name: string }).name)
    .sort();

describe('UnfinishedResponses', () => {
  it('holds each response until it closes, whatever the order they close in', () => {
    const list = new UnfinishedResponses();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(response);
    for (const r of [a, b, c, d]) list.add(r!);
    expect(names(list)).toEqual(['a', 'b', 'c', 'd']);
    b!.emit('close');
    expect(names(list)).toEqual(['a', 'c', 'd']);
    d!.emit('close');
    expect(names(list)).toEqual(['a', 'c']);
    a!.emit('close');
    c!.emit('close');
    expect(list.size).toBe(0);
  });

  it('ignores a second close, which must not drop another response', () => {
    const list = new UnfinishedResponses();
    const [a, b, c] = ['a', 'b', 'c'].map(response);
    for (const r of [a, b, c]) list.add(r!);
    a!.emit('close');
    a!.emit('close');
    expect(names(list)).toEqual(['b', 'c']);
  });

  it('hands out a copy, so closing while a drain walks the list skips nothing', () => {
    const list = new UnfinishedResponses();
    const all = ['a', 'b', 'c'].map(response);
    for (const r of all) list.add(r);
    const seen: string[] = [];
    for (const r of list.list()) {
      seen.push((r as unknown as { name: string }).name);
      r.emit('close');
    }
    expect(seen.sort()).toEqual(['a', 'b', 'c']);
    expect(list.size).toBe(0);
  });
});
