// Types of the Either matchers registered by either-matchers.js (through the preset's setupFilesAfterEnv).
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    interface Matchers<R> {
      /** An fp-ts Left whose error has this `_tag` and these fields (values may be asymmetric matchers). */
      toBeLeft(tag: string, fields?: Record<string, unknown>): R;
      /** An fp-ts Right. */
      toBeRight(): R;
    }
  }
}
export {};
