/** The access log's path: the request target without its query string (a query may carry a token). */
import { describe, expect, it } from 'vitest';
import { pathOf } from './access-log.js';

describe('pathOf', () => {
  it('drops everything from the first "?"', () => {
    expect(pathOf('/a/b?c=d?e')).toBe('/a/b');
    expect(pathOf('/a?')).toBe('/a');
    expect(pathOf('/a')).toBe('/a');
  });
});
