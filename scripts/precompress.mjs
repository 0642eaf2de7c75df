// Trunk post-build hook: writes .gz (gzip -9) and .br (brotli 11) copies of the
// wasm, js and css next to them, for hosts that serve pre-compressed files
// (nginx gzip_static/brotli_static, Netlify, CloudFront with S3 metadata).
// Node's zlib has both, so nothing more is installed.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, gzipSync, constants } from "node:zlib";

const dir = process.env.TRUNK_STAGING_DIR || process.argv[2];
if (!dir) {
  console.error("usage: precompress.mjs DIR (or TRUNK_STAGING_DIR)");
  process.exit(2);
}
for (const name of readdirSync(dir)) {
  if (!/\.(wasm|js|css)$/.test(name)) continue;
  const path = join(dir, name);
  const data = readFileSync(path);
  writeFileSync(`${path}.gz`, gzipSync(data, { level: 9 }));
  writeFileSync(
    `${path}.br`,
    brotliCompressSync(data, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    }),
  );
}
