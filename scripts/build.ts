/**
 * The production bundle (issue 8, "a lean runtime"): `src/cli.ts` and everything it imports, npm
 * packages included, bundled by esbuild into `<out>/nattsyn.mjs`, the one file systemd, the
 * `nattsyn` wrapper and the install script run, for the device (`run`) and the centre (`centre`) alike.
 * Sources stay runnable as they are (Node 22 type stripping); the bundle is build output, never committed.
 *
 * Why bundle: Node resolves, reads and compiles a few thousand small files from source; one file
 * starts faster and keeps less in memory (figures in the commit messages and `npm run bench`).
 *
 * Static files: a module reads its files relative to `import.meta.dirname` or `import.meta.url`. In
 * the bundle every module shares one `import.meta`, so each module's references are rewritten to the
 * path the module has in the source tree, mirrored under `<out>/` (`<out>/src/viewer/…`), and every
 * file of `src/` that is not TypeScript is copied there, with `package.json` (the version) beside
 * it. The entry keeps its own `import.meta`: it is the file Node runs.
 *
 * Native and optional packages stay outside the bundle and load from `node_modules` beside `<out>`:
 * sharp (libvips), onoff and its epoll addon.
 *
 *   node scripts/build.ts [--out DIR] [--no-splitting]
 */
import { chmod, copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { build, type Metafile, type Plugin } from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '..');
const SRC = path.join(ROOT, 'src');
const ENTRY = path.join(SRC, 'cli.ts');
export const BUNDLE_FILE = 'nattsyn.mjs';

/** Packages with native addons (or that load one): never bundled. */
export const EXTERNAL_PACKAGES = ['sharp', 'onoff', 'epoll'];

/**
 * CommonJS packages inside an ESM bundle still call `require` for Node's built-ins, and a few read
 * `__dirname`: both are defined once for the bundle.
 */
const BANNER = [
  "import { createRequire as __nattsynRequire } from 'node:module';",
  'const require = __nattsynRequire(import.meta.url);',
  'const __filename = import.meta.filename;',
  'const __dirname = import.meta.dirname;',
].join('\n');

export interface BuildOptions {
  outDir: string;
  /**
   * Verbs and lazily loaded parts in chunks of their own, so `nattsyn run` never reads the centre's
   * code and the centre never reads the camera's (see the commit measuring it).
   */
  splitting?: boolean;
  /** Write esbuild's metafile (what each input costs) beside the bundle. */
  metafile?: boolean;
}

export interface BuildResult {
  bundle: string;
  /** Every JavaScript file written: the bundle and its chunks. */
  outputs: string[];
  /** The files copied to the mirror: every static file a module may read. */
  assets: string[];
  /** Modules whose `import.meta` was rewritten, relative to the repository. */
  rewritten: string[];
  metafile: Metafile | undefined;
}

export async function buildBundle(options: BuildOptions): Promise<BuildResult> {
  const outDir = path.resolve(options.outDir);
  // The folder is emptied first: never the checkout or anything holding it.
  if (outDir === path.parse(outDir).root || !path.relative(outDir, ROOT).startsWith('..')) {
    throw new Error(`--out ${outDir}: refusing to empty a folder that holds the sources`);
  }
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const rewritten: string[] = [];
  const result = await build({
    entryPoints: { nattsyn: ENTRY },
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    entryNames: '[name]',
    // Chunks beside the entry: every output file then shares one `import.meta.dirname`.
    chunkNames: 'nattsyn-[name]-[hash]',
    bundle: true,
    splitting: options.splitting ?? true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    external: EXTERNAL_PACKAGES,
    banner: { js: BANNER },
    // Minified: V8 keeps each file's source text on its heap for as long as the process runs (and
    // as two-byte strings where a comment holds a non-ASCII character): 11 MB of heap unminified,
    // 4 MB minified. Names are kept, so stack traces in the journal still name each function.
    minify: true,
    keepNames: true,
    charset: 'ascii',
    legalComments: 'linked',
    metafile: true,
    logLevel: 'warning',
    plugins: [mirrorImportMeta(rewritten)],
  });
  const assets = await copyStaticFiles(outDir);
  await writePackageJson(outDir);
  if (options.metafile) await writeFile(path.join(outDir, 'meta.json'), JSON.stringify(result.metafile));
  const outputs = Object.keys(result.metafile.outputs)
    .filter((file) => file.endsWith('.mjs'))
    .map((file) => path.resolve(file));
  return { bundle: path.join(outDir, BUNDLE_FILE), outputs, assets, rewritten, metafile: result.metafile };
}

/** Rewrites `import.meta.{url,dirname,filename}` of each source module to its mirrored path. */
function mirrorImportMeta(rewritten: string[]): Plugin {
  return {
    name: 'nattsyn-mirror-import-meta',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        const text = await readFile(args.path, 'utf8');
        if (args.path === ENTRY || !args.path.startsWith(SRC + path.sep) || !text.includes('import.meta')) {
          return { contents: text, loader: 'ts' };
        }
        const rel = path.relative(ROOT, args.path).split(path.sep).join('/');
        rewritten.push(rel);
        const dir = path.posix.dirname(rel);
        const contents = text
          .replaceAll('import.meta.url', `new URL(${JSON.stringify(`./${rel}`)}, import.meta.url).href`)
          .replaceAll('import.meta.dirname', `(import.meta.dirname + ${JSON.stringify(`/${dir}`)})`)
          .replaceAll('import.meta.filename', `(import.meta.dirname + ${JSON.stringify(`/${rel}`)})`);
        return { contents, loader: 'ts' };
      });
    },
  };
}

async function copyStaticFiles(outDir: string): Promise<string[]> {
  const files = (await readdir(SRC, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile() && !e.name.endsWith('.ts'))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)));
  for (const rel of files) {
    await mkdir(path.dirname(path.join(outDir, rel)), { recursive: true });
    await copyFile(path.join(ROOT, rel), path.join(outDir, rel));
    // An executable (the fallback's ffmpeg wrapper, src/stream/mpeg1-input.sh) stays executable.
    await chmod(path.join(outDir, rel), (await stat(path.join(ROOT, rel))).mode & 0o777);
  }
  return files.sort();
}

/** The version the service reports (src/main.ts reads `../package.json` beside its mirrored path). */
async function writePackageJson(outDir: string): Promise<void> {
  const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  const { name, version, license } = pkg;
  await writeFile(
    path.join(outDir, 'package.json'),
    `${JSON.stringify({ name, version, license, private: true, type: 'module' }, null, 2)}\n`,
  );
}

if (import.meta.filename === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: path.join(ROOT, 'dist') },
      'no-splitting': { type: 'boolean', default: false },
      metafile: { type: 'boolean', default: false },
    },
  });
  const result = await buildBundle({
    outDir: values.out,
    splitting: !values['no-splitting'],
    metafile: values.metafile,
  });
  const bytes = Object.entries(result.metafile!.outputs)
    .filter(([file]) => file.endsWith('.mjs'))
    .reduce((sum, [, o]) => sum + o.bytes, 0);
  process.stdout.write(`${result.bundle} (${(bytes / 1e6).toFixed(1)} MB of JavaScript)\n`);
}
