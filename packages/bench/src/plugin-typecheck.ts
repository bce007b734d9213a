import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

// A TypeScript plugin is run by tsx (esbuild), which strips types without checking them: a plugin returning
// `{ confidence: { theta, sigma, beta } }` would fail every trial at run time. Loading one through the CLI type-checks it
// first against gsh's own declarations, wherever the file lives.

type TypeScript = typeof import("typescript");

function typescript(): TypeScript | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("typescript") as TypeScript;
  } catch {
    return null; // an optional peer: without it, plugins load unchecked
  }
}

/** Node's own declarations (process, Buffer) where @types/node is installed beside gsh; none otherwise. */
function nodeTypes(): { types: string[]; typeRoots?: string[] } {
  try {
    const dir = dirname(require.resolve("@types/node/package.json", { paths: [__dirname] }));
    return { types: ["node"], typeRoots: [dirname(dir)] };
  } catch {
    return { types: [] };
  }
}

/** `@gsh/<name>` and `@gsh/<name>/*` mapped to the packages this runner uses (their built declarations). */
function gshPaths(): Record<string, string[]> {
  const scope = dirname(dirname(require.resolve("@gsh/core/package.json", { paths: [__dirname] })));
  const paths: Record<string, string[]> = {};
  for (const name of readdirSync(scope)) {
    const dir = join(scope, name);
    if (!existsSync(join(dir, "package.json"))) continue;
    paths[`@gsh/${name}`] = [dir];
    paths[`@gsh/${name}/*`] = [join(dir, "dist", "*")];
  }
  // This package itself (a workspace does not link a package into its own scope folder).
  paths["@gsh/bench"] = [join(__dirname, "..")];
  return paths;
}

/**
 * Type errors of a TypeScript plugin, as `file:line:col: message` lines (empty: none, or TypeScript is not installed,
 * or GSH_PLUGIN_TYPECHECK=0). A file that passed is remembered by its content's hash, so it is checked once.
 */
export function pluginTypeErrors(
  path: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string[] {
  if (!/\.(c|m)?ts$/.test(path) || env.GSH_PLUGIN_TYPECHECK === "0") return [];
  const ts = typescript();
  if (!ts) return [];
  const key = createHash("sha256").update(`${ts.version}\n${__dirname}\n`).update(readFileSync(path)).digest("hex");
  const passed = join(tmpdir(), "gsh-plugin-typecheck", `${key}.ok`);
  if (existsSync(passed)) return [];
  const program = ts.createProgram([path], {
    noEmit: true,
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true,
    skipLibCheck: true,
    ...nodeTypes(),
    paths: gshPaths(),
  });
  const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file && !d.file.isDeclarationFile);
  const errors = diagnostics.map((d) => {
    const { line, character } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
    return `${d.file!.fileName}:${line + 1}:${character + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n    ")}`;
  });
  if (errors.length === 0) {
    mkdirSync(dirname(passed), { recursive: true });
    writeFileSync(passed, path);
  }
  return errors;
}
