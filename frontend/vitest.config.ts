import { defineConfig } from "vitest/config";

// Unit tests only: fake WebSocket, fetch, storage and timers; nothing touches the network.
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
