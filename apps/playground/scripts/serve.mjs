// `pnpm playground`: builds the playground and serves dist/ on http://localhost:5173 (PORT overrides it).
import { join } from "node:path";
import { startStaticServer } from "./static-server.mjs";
import { buildPlayground } from "./build.mjs";

const dist = join(import.meta.dirname, "..", "dist");
await buildPlayground({ outdir: dist });
const { url } = await startStaticServer(dist, Number(process.env.PORT ?? 5173));
console.log(`gsh playground: ${url} (Ctrl-C stops it)`);
