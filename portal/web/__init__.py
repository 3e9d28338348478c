"""The browser client: Django serves the SPA that Vite builds into frontend/dist."""
