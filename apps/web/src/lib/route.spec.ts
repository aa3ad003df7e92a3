import { describe, expect, it } from 'vitest';
import { parseRoute } from './route';

describe('routes', () => {
  it('maps hashes to pages', () => {
    expect(parseRoute('')).toEqual({ page: 'playground' });
    expect(parseRoute('#/')).toEqual({ page: 'playground' });
    expect(parseRoute('#/usage')).toEqual({ page: 'usage' });
    expect(parseRoute('#/admin')).toEqual({ page: 'admin' });
    expect(parseRoute('#/requests/0b6f-12')).toEqual({ page: 'request', id: '0b6f-12' });
    expect(parseRoute('#/requests/../x')).toEqual({ page: 'playground' });
  });
});
