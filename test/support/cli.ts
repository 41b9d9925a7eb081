import { runCli } from '../../server/cli';

/** Runs the real CLI in-process against a test app's environment, capturing its output. */
export function cliRunner(env: NodeJS.ProcessEnv) {
  return async (args: string[]) => {
    let out = '';
    let err = '';
    const code = await runCli(args, { out: (s) => (out += s), err: (s) => (err += s) }, env);
    return { code, out, err };
  };
}
