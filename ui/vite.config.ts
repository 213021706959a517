import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// Built once into ui/dist and embedded in the binary; there is no dev server in the app.
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  build: {
    target: "es2022",
    outDir: "dist",
    emptyOutDir: true,
    // Inline nothing as data: URIs, so the strict CSP (no data:, no inline) holds.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});
