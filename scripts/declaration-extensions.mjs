// Gives the relative imports of emitted declarations (dist/**/*.d.ts) the `.js` ending Node's ESM
// resolution needs (`./context` -> `./context.js`, `./identity` -> `./identity/index.js`), so a consumer
// on `"moduleResolution": "nodenext"` resolves them as well as one on `"bundler"`. The sources keep
// extensionless imports. (tsc-alias only rewrites to files that exist as .js; here only .d.ts do.)
//
//   node scripts/declaration-extensions.mjs <dist folder>
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const root = resolve(process.argv[2] ?? 'dist');
const specifier = /((?:from|import)\s*\(?\s*)(['"])(\.\.?(?:\/[^'"]*)?)\2/g;

function* declarations(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* declarations(path);
    else if (entry.endsWith('.d.ts')) yield path;
  }
}

let unresolved = 0;
for (const file of declarations(root)) {
  const text = readFileSync(file, 'utf8');
  const fixed = text.replace(specifier, (whole, lead, quote, spec) => {
    if (/\.(js|mjs|cjs|json)$/.test(spec)) return whole;
    const base = resolve(dirname(file), spec);
    if (existsSync(`${base}.d.ts`)) return `${lead}${quote}${spec}.js${quote}`;
    if (existsSync(join(base, 'index.d.ts')))
      return `${lead}${quote}${spec.replace(/\/$/, '')}/index.js${quote}`;
    console.error(`${file}: cannot resolve ${spec}`);
    unresolved++;
    return whole;
  });
  if (fixed !== text) writeFileSync(file, fixed);
}
if (unresolved > 0) process.exit(1);
