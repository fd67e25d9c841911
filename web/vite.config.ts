/**
 * Vite config of the playground (web/): a static site in web/dist with relative asset paths
 * (`base: "./"`), so the folder works from any static host or sub-path. The bundled Fashion-MNIST
 * sample (data/sample/*.gz) is imported as asset URLs and copied into the build, never inlined.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root,
  base: "./",
  logLevel: "warn",
  build: {
    outDir: fileURLToPath(new URL("./dist", import.meta.url)),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    target: "es2022",
    chunkSizeWarningLimit: 4096,
  },
  server: { fs: { allow: [fileURLToPath(new URL("..", import.meta.url))] } },
});
