// `lethe keys list | rotate`. See README "Keys and rotation".
import type { Command } from 'commander';
import type { CliContext } from '../cli-context';
import { CliFailure } from '../cli-context';
import { KEY_PURPOSES } from '../crypto';
import { rotateKeys } from './rotate';

export function registerKeyCommands(program: Command, ctx: CliContext): void {
  const keys = program.command('keys').description('the keys derived from LETHE_SECRET_KEY, and rotation');
  keys
    .command('list')
    .description('print the current key id, the keyring and every derived key purpose (never the keys)')
    .action(async () => {
      const deps = await ctx.deps();
      ctx.io.out(`current key: ${deps.crypto.keyId}\n`);
      ctx.io.out(`keyring (read-only): ${deps.crypto.keyIds.slice(1).join(', ') || 'none'}\n`);
      ctx.io.out(`derived purposes: ${KEY_PURPOSES.join(', ')}\n`);
    });
  keys
    .command('rotate')
    .description(
      're-encrypt stored identities, access packages, MFA secrets, pseudonym keys and anonymized outputs under LETHE_SECRET_KEY; the old key must be in LETHE_SECRET_KEYRING',
    )
    .action(async () => {
      const deps = await ctx.deps();
      if (deps.crypto.keyIds.length < 2) {
        throw new CliFailure(
          'Give the new key as LETHE_SECRET_KEY and the old one in LETHE_SECRET_KEYRING: without the old key nothing stored can be read.',
        );
      }
      const r = await rotateKeys(deps, 'system:cli');
      ctx.io.out(
        `rotated to key ${r.to}: ${r.requests} request(s), ${r.packages} package(s), ${r.mfaSecrets} MFA secret(s), ${r.pseudonymKeys} pseudonym key(s), ${r.anonymizedOutputs} anonymized output(s), ${r.subjectContacts} subject contact(s) re-encrypted; ` +
          `${r.reindexed} blind index(es) recomputed, ${r.indexKept} kept under the old key (identity destroyed), ${r.heldIndexKept} kept because a legal hold names them.\n` +
          `Keep ${r.from.join(', ')} in LETHE_SECRET_KEYRING: the audit log before now, and the kept blind indexes, are under it.\n`,
      );
    });
}
