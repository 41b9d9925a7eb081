// madge ships no types; the part test/cli/lazy.test.ts uses.
declare module 'madge' {
  interface MadgeResult {
    obj(): Record<string, string[]>;
  }
  export default function madge(path: string, config?: Record<string, unknown>): Promise<MadgeResult>;
}
