import { defineConfig } from 'vite'

// One SDK entry (SIZE_ENTRY: browser or react), minified, React left out as the app's own.
export default defineConfig({
  logLevel: 'warn',
  build: {
    outDir: process.env.OUT_DIR,
    emptyOutDir: true,
    minify: true,
    lib: { entry: `size/${process.env.SIZE_ENTRY}.js`, formats: ['es'], fileName: 'bundle' },
    rolldownOptions: { external: [/^react($|\/)/, /^react-dom($|\/)/] },
  },
})
