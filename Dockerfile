# syntax=docker/dockerfile:1
FROM node:20-bookworm-slim AS build
WORKDIR /app
# A C toolchain for the native nonce kernels (node-gyp uses the image's own Node headers).
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# No scripts yet: `prepare` builds, and the sources are not here until the next step.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY lib ./lib
COPY bench ./bench
COPY binding.gyp ./
COPY native ./native
# The addon is optional at run time (WASM fallback), but the image should have it: fail here if it does not build.
# npm's own node-gyp builds it (`npm run build:native`): no node-gyp in the image's dependencies.
RUN npm run build:native -- --nodedir=/usr/local && npm run build && npm prune --omit=dev --ignore-scripts \
# webgpu ships Dawn for every platform (~130 MB); keep only this image's.
 && keep="linux-$(node -p process.arch)" \
 && find node_modules/webgpu/dist -mindepth 1 -maxdepth 1 ! -name "$keep" -exec rm -rf {} + \
 && test -f "node_modules/webgpu/dist/$keep/dawn.node"

FROM node:20-bookworm-slim
# Not POWGATE_LISTEN: an env var would override `listen:` in a mounted config file. The defaults file
# lies beneath the config file, env and flags.
ENV NODE_ENV=production \
    POWGATE_DEFAULTS=/app/config/container.yaml
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/build/Release/powgate_work.node ./build/Release/powgate_work.node
COPY package.json config.example.yaml ./
COPY config ./config
USER node
EXPOSE 7176
# The port of POWGATE_LISTEN when set, else 7176 (a config file with another port: set POWGATE_LISTEN too,
# or override the check).
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "const l=(process.env.POWGATE_LISTEN||'0.0.0.0:7176').split(':').pop();fetch('http://127.0.0.1:'+l+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/bin/powgate.js"]
