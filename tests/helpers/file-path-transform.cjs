// Jest's stand-in for esbuild's `file` loader (infra/bundling.ts): importing a .wasm or .ttf file
// gives where it is (here its absolute path; in a bundle, its path beside the bundle).
module.exports = {
  process(_source, filename) {
    return { code: `module.exports = { __esModule: true, default: ${JSON.stringify(filename)} };` };
  },
};
