import { describe, expect, it } from 'vitest';
import { EXAMPLES, FIXTURES, synthJobctl } from './synth.ts';

/*
 * A resource's logical ID is its construct path. A deployed stack whose template renames one replaces the resource:
 * a new, empty state table. So moving code of the construct into files (issue 12) must keep every ID, and any
 * change of them must be deliberate: this list is the contract (update the file with `vitest -u` only on purpose,
 * and say in the change how deployed stacks are kept — or that none exist yet).
 */
describe('the construct’s logical IDs', () => {
  it('are the ones deployed stacks have (the default manifests plus work queues, both networks)', async () => {
    const ids = (network: 'nat' | 'public') => {
      const { template } = synthJobctl({ manifests: `${EXAMPLES},${FIXTURES}/work-queues.yaml`, network });
      return Object.entries(template.toJSON().Resources as Record<string, { Type: string }>)
        .map(([id, r]) => `${network} ${id} ${r.Type}`)
        .sort();
    };
    await expect(`${[...ids('nat'), ...ids('public')].join('\n')}\n`).toMatchFileSnapshot('./fixtures/logical-ids.txt');
  });
});
