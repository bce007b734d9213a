// `pnpm playground`: builds the playground and serves dist/ on http://localhost:5173 (PORT overrides it).
const { join } = require("node:path");
const { startStaticServer } = require("./static-server.cjs");
const { buildPlayground } = require("./build.cjs");

const dist = join(__dirname, "..", "dist");
buildPlayground({ outdir: dist })
  .then(() => startStaticServer(dist, Number(process.env.PORT ?? 5173)))
  .then(({ url }) => console.log(`gsh playground: ${url} (Ctrl-C stops it)`))
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
