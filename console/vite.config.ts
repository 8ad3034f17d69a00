// Builds the console into the Python package, so `kenning serve` serves it at
// /console without node. `make console-build` runs this; commit the output.
import { defineConfig } from "vite";

export default defineConfig({
  // Relative asset URLs: the console works under any path prefix.
  base: "./",
  build: {
    outDir: "../src/kenning/console/static",
    emptyOutDir: true,
    // Stable names: a rebuild replaces files instead of adding hashed copies
    // to git. The server revalidates with ETag / Last-Modified.
    rollupOptions: {
      output: {
        entryFileNames: "assets/[name].js",
        chunkFileNames: "assets/[name].js",
        assetFileNames: "assets/[name][extname]",
      },
    },
    chunkSizeWarningLimit: 600,
  },
  // `npm run dev`: the API of a local `kenning serve`.
  server: { proxy: { "/v1": "http://127.0.0.1:8420" } },
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
});
