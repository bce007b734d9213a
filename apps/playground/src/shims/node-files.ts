// node:fs and node:path for the bench runner's code in the page: it writes files only when a trial saves its models
// (`--save-policies`), which the page never asks for, so writing is refused loudly instead of faked.
export function writeFileSync(path: string): never {
  throw new Error(`the playground writes no files (asked to write ${path})`);
}
export const join = (...parts: string[]) => parts.join("/");
