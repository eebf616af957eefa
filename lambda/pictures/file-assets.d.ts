// Files a Lambda bundle carries beside itself: esbuild's `file` loader (infra/bundling.ts) copies each
// into the asset and makes the import its path relative to the bundle; Jest makes it the file's
// absolute path (tests/helpers/file-path-transform.cjs).
declare module '*.wasm' {
  const file: string;
  export default file;
}
declare module '*.ttf' {
  const file: string;
  export default file;
}
