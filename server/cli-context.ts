// What every `lethe` command gets: one context for input, output, the environment, the exit
// code and (opened on first use) the full dependencies. Kept free of heavy imports: the CLI
// loads an area's commands only when that area's command is run (see server/cli.ts).
import type { Deps } from './deps';

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
}

/** Thrown by a command for an expected failure: the message is printed, the exit code returned. */
export class CliFailure extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export interface CliContext {
  io: CliIO;
  /** Standard input (or what a test hands in instead). */
  input: AsyncIterable<Buffer | string>;
  env: NodeJS.ProcessEnv;
  /** Sets the exit code for a command that reports failure without throwing (policy check). */
  setExitCode(code: number): void;
  /** Opens the full dependencies (database, policies, audit log…); closed when the command ends. */
  deps(): Promise<Deps>;
}

/** Line-oriented output for commands that print whole lines. */
export interface CliLines {
  out(line: string): void;
  err(line: string): void;
  exit(code: number): void;
}

export function lines(ctx: CliContext): CliLines {
  return {
    out: (line) => ctx.io.out(line + '\n'),
    err: (line) => ctx.io.err(line + '\n'),
    exit: (code) => ctx.setExitCode(code),
  };
}

/** Reads the whole of the command's input. */
export async function readInput(ctx: CliContext): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of ctx.input) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks).toString('utf8');
}

/** A context for commands that need no database (in-process runs: tests, thin entry points). */
export function offlineContext(
  io: CliIO,
  env: NodeJS.ProcessEnv,
  setExitCode: (code: number) => void,
  input: AsyncIterable<Buffer | string> = emptyInput(),
): CliContext {
  return {
    io,
    input,
    env,
    setExitCode,
    deps: () => Promise.reject(new CliFailure('this command has no database here')),
  };
}

async function* emptyInput(): AsyncIterable<Buffer> {}
