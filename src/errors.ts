/**
 * Errors a user can cause (bad flag, missing data file, corrupt IDX, NaN in a config).
 * The message says what was wrong and how to fix it; the CLI prints it on one line and exits 2.
 * Anything that is not a NinrError is a bug: the CLI prints its stack and exits 1.
 */
export class NinrError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NinrError";
  }
}
