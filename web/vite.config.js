// Two pages, one bundle folder: dashboard.html (served by every agent at /) and viewer.html
// (served by `rumor view` and `rumor sim --ui` at /). File names carry no content hash so that
// the committed dist/ changes only where the code does; src/webui embeds dist/ into the binary.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 400,
    rollupOptions: {
      input: {
        dashboard: resolve(here, 'dashboard.html'),
        viewer: resolve(here, 'viewer.html'),
      },
      output: {
        entryFileNames: 'assets/[name].js',
        chunkFileNames: 'assets/[name].js',
        assetFileNames: 'assets/[name][extname]',
      },
    },
  },
  test: { include: ['src/**/*.test.js'] },
});
