import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `npm run dev` serves the client with hot reload and forwards the API and the socket to a
// Portal on :8000 (`make run`); `npm run build` writes dist/, which Django serves.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    assetsDir: "assets",
    target: "es2022",
    // Everything ships from the agency's server: no inlined data: scripts, no CDN.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 600,
  },
  server: {
    host: "127.0.0.1",
    proxy: {
      "/api": "http://127.0.0.1:8000",
      "/ws": { target: "ws://127.0.0.1:8000", ws: true },
    },
  },
});
