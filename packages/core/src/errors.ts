import * as E from "fp-ts/lib/Either";

/**
 * The errors of gsh's math and data layers: invalid arguments and policies, solvers that do not converge, and the
 * parse and I/O errors of data readers (preference files, the text corpus, user data). Every public function that
 * takes user input returns `Either<GshError, T>`; its `…OrThrow` twin throws a {@link GshException} carrying the
 * same value. Hot loops behind validated entry points throw plain `RangeError`s for programmer errors (dimensions
 * of arrays built by code, not by users). The benchmark layer adds its own errors (plugins, unsupported pairings)
 * in @gsh/bench's `BenchError`.
 */
export type GshError =
  | { readonly _tag: "InvalidArgument"; readonly field: string; readonly message: string }
  | { readonly _tag: "InvalidPolicy"; readonly context: number; readonly message: string }
  | {
      readonly _tag: "ParseError";
      readonly source: string;
      readonly line: number;
      readonly field: string;
      readonly message: string;
    }
  | {
      readonly _tag: "ConvergenceError";
      readonly solver: string;
      readonly iterations: number;
      readonly message: string;
    }
  | { readonly _tag: "IOError"; readonly path: string; readonly message: string };

export const invalidArgument = (field: string, message: string): GshError => ({
  _tag: "InvalidArgument",
  field,
  message,
});

/** One line that names what went wrong and where. */
export function formatError(e: GshError): string {
  switch (e._tag) {
    case "InvalidArgument":
      return `invalid ${e.field}: ${e.message}`;
    case "InvalidPolicy":
      return `invalid policy at context ${e.context}: ${e.message}`;
    case "ParseError":
      return `${e.source}:${e.line}: field '${e.field}': ${e.message}`;
    case "ConvergenceError":
      return `${e.solver} did not converge after ${e.iterations} iterations: ${e.message}`;
    case "IOError":
      return `${e.path}: ${e.message}`;
  }
}

export class GshException extends Error {
  constructor(readonly error: GshError) {
    super(formatError(error));
    this.name = `GshException(${error._tag})`;
  }
}

/** Unwraps an Either, throwing a {@link GshException} on the left. */
export function getOrThrow<T>(e: E.Either<GshError, T>): T {
  if (E.isLeft(e)) throw new GshException(e.left);
  return e.right;
}

/** Asserts a programmer-level invariant (dimensions agree); not for user input. */
export function assertDims(ok: boolean, what: string): void {
  if (!ok) throw new RangeError(`dimension mismatch: ${what}`);
}
