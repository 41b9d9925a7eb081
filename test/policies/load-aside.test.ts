// `npm start` loads the policy files in a worker thread (server/policies/load-aside.ts) and adopts
// what the worker hands back: that must be the bundle loadBundle gives, not a lossy copy of it.
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadBundle } from '../../server/policies/bundle';
import { loadBundleAside } from '../../server/policies/load-aside';
import { POLICIES_DIR } from '../support/app';

describe('loading the policy files aside', () => {
  it('a bundle survives the structured clone a worker thread hands it back through', async () => {
    const loaded = await loadBundle(POLICIES_DIR);
    expect(loaded.ok).toBe(true);
    // Plain data only: a function would throw here, a class instance or Map would lose its type.
    expect(isDeepStrictEqual(structuredClone(loaded), loaded)).toBe(true);
  });

  it('gives the same result as loadBundle, for a valid bundle and for a missing directory', async () => {
    expect(await loadBundleAside(POLICIES_DIR)).toEqual(await loadBundle(POLICIES_DIR));
    expect(await loadBundleAside('/nonexistent/policies')).toEqual(await loadBundle('/nonexistent/policies'));
  });
});
